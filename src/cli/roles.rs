//! `gatehouse roles`: roles created outside tenant files (`managed_by = cli`,
//! which tenant files leave alone), role assignments, and a user's effective
//! permissions. Every change checks the whole role graph first: an inclusion
//! that would close a cycle is refused and nothing is written.

use super::clients::change;
use super::lookup::{read_tenant, tenant_id};
use crate::app;
use crate::authz::rbac::{self, RoleDef};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::roles::MANAGED_BY_CLI;
use crate::store::{self, DbConnection, TenantId};
use anyhow::{anyhow, bail};
use clap::Subcommand;
use std::collections::BTreeSet;

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// List the tenant's roles: own permissions, inclusions, where they come from.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Create or replace a CLI role.
    Set {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// A permission (resource:action); repeat for several.
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// A role whose permissions this one also carries; repeat for several.
        #[arg(long = "include")]
        includes: Vec<String>,
    },
    /// Delete a CLI role (roles from tenant files are changed in the file).
    Delete {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
    },
    /// Replace a user's roles (none given: the user holds no role).
    Assign {
        #[arg(long)]
        tenant: String,
        /// Username.
        #[arg(long)]
        user: String,
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// Print every permission a user holds, through roles and inclusions.
    Permissions {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: String,
    },
}

pub fn run(config: &Config, command: RolesCommand) -> anyhow::Result<()> {
    let store = app::open_store(config)?;
    let clock = SystemClock;
    match command {
        RolesCommand::List { tenant } => {
            let roles = read_tenant(&store, &tenant, store::roles::list)?;
            println!(
                "{:<24} {:<6} {:<40} INCLUDES",
                "ROLE", "SOURCE", "PERMISSIONS"
            );
            for r in roles {
                println!(
                    "{:<24} {:<6} {:<40} {}",
                    r.row.name,
                    r.row.managed_by,
                    join(&r.permissions),
                    join(&r.includes)
                );
            }
            Ok(())
        }
        RolesCommand::Set {
            tenant,
            name,
            description,
            permissions,
            includes,
        } => {
            let def = RoleDef {
                permissions: permissions.into_iter().collect(),
                includes: includes.into_iter().collect(),
            };
            if let Some(p) = def.permissions.iter().find(|p| !rbac::is_permission(p)) {
                bail!("invalid permission {p:?}: write resource:action, e.g. users:manage");
            }
            store.with_conn(|c| {
                change(c, &tenant, &name, "role.set", &clock, |c, t| {
                    set_role(c, t, &name, &description, &def, clock.db_now())
                })
            })?;
            println!("role {name} saved");
            Ok(())
        }
        RolesCommand::Delete { tenant, name } => {
            store.with_conn(|c| {
                change(c, &tenant, &name, "role.deleted", &clock, |c, t| {
                    let role = cli_role(c, t, &name)?
                        .ok_or_else(|| anyhow!("no role {name} in tenant {tenant}"))?;
                    store::roles::delete(c, t, &role)?;
                    Ok(())
                })
            })?;
            println!("role {name} deleted");
            Ok(())
        }
        RolesCommand::Assign {
            tenant,
            user,
            roles,
        } => {
            store.with_conn(|c| {
                change(c, &tenant, &user, "user.roles_assigned", &clock, |c, t| {
                    let u = user_id(c, t, &user)?;
                    if store::users::get(c, t, &u)?.is_some_and(|r| r.roles_from_file) {
                        return Err(super::ownership::declared_in_file(
                            c,
                            t,
                            &format!("the roles of user {user}"),
                        ));
                    }
                    let mut ids = Vec::new();
                    for r in &roles {
                        ids.push(
                            store::roles::id_of(c, t, r)?
                                .ok_or_else(|| anyhow!("no role {r} in tenant {tenant}"))?,
                        );
                    }
                    store::users::set_roles(c, t, &u, &ids)?;
                    Ok(())
                })
            })?;
            println!("user {user} now holds: {}", roles.join(", "));
            Ok(())
        }
        RolesCommand::Permissions { tenant, user } => {
            let perms = store.with_conn(|c| {
                let t = tenant_id(c, &tenant)?;
                let u = user_id(c, &t, &user)?;
                Ok::<_, anyhow::Error>(store::roles::user_permissions(c, &t, &u)?)
            })?;
            for p in perms {
                println!("{p}");
            }
            Ok(())
        }
    }
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "-".into()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(",")
    }
}

fn user_id(c: &mut DbConnection, t: &TenantId, username: &str) -> anyhow::Result<String> {
    Ok(
        store::users::find_by_username(c, t, &username.to_lowercase())?
            .ok_or_else(|| anyhow!("no user {username}"))?
            .id,
    )
}

/// The id of a CLI role; an error for a role from a tenant file.
fn cli_role(c: &mut DbConnection, t: &TenantId, name: &str) -> anyhow::Result<Option<String>> {
    let Some(role) = store::roles::list(c, t)?
        .into_iter()
        .find(|r| r.row.name == name)
    else {
        return Ok(None);
    };
    if role.row.managed_by != MANAGED_BY_CLI {
        return Err(super::ownership::declared_in_file(
            c,
            t,
            &format!("role {name}"),
        ));
    }
    Ok(Some(role.row.id))
}

/// Creates or replaces a CLI role after checking the graph it would make.
fn set_role(
    c: &mut DbConnection,
    t: &TenantId,
    name: &str,
    description: &str,
    def: &RoleDef,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<()> {
    if !(1..=64).contains(&name.len())
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
    {
        bail!(
            "invalid role name {name:?}: use 1-64 characters from a-z, A-Z, 0-9, '_', '-', '.', ':'"
        );
    }
    let mut graph = store::roles::graph(c, t)?;
    graph.0.insert(name.to_owned(), def.clone());
    graph.validate()?;
    let id = match cli_role(c, t, name)? {
        Some(id) => {
            store::roles::update(c, t, &id, description, &def.permissions, now)?;
            id
        }
        None => store::roles::insert(
            c,
            t,
            name,
            description,
            &def.permissions,
            MANAGED_BY_CLI,
            now,
        )?,
    };
    let mut included = BTreeSet::new();
    for r in &def.includes {
        included.insert(store::roles::id_of(c, t, r)?.ok_or_else(|| anyhow!("no role {r}"))?);
    }
    store::roles::set_includes(c, t, &id, &included)?;
    Ok(())
}
