//! Executing plans: all files in one transaction, so an error anywhere leaves
//! the database exactly as it was.

use super::error::ApplyError;
use super::plan::{Change, Plan, UserChange, plan};
use super::spec::TenantSpec;
use crate::clock::Clock;
use crate::config::MasterKey;
use crate::identity::UserStatus;
use crate::identity::password::PasswordHasher;
use crate::store::audit::AuditEvent;
use crate::store::tenants::{STATUS_ACTIVE, TenantChanges, TenantRow};
use crate::store::users::{UserChanges, UserRow};
use crate::store::{self, DbConnection, Store, StoreError, TenantId, write_tx};
use crate::tokens::key_rows;
use crate::tokens::keyring::KeyError;
use chrono::NaiveDateTime;
use std::path::Path;

/// What applying needs besides the files.
#[derive(Clone, Copy)]
pub struct ApplyContext<'a> {
    pub hasher: &'a PasswordHasher,
    pub clock: &'a dyn Clock,
    pub master_key: &'a MasterKey,
    /// Who applied, for the audit log.
    pub actor: &'a str,
}

/// Plans every file without writing anything.
pub fn dry_run(
    store: &Store,
    specs: &[TenantSpec],
    hasher: &PasswordHasher,
) -> Result<Vec<Plan>, ApplyError> {
    store.with_conn(|conn| specs.iter().map(|s| plan(conn, s, hasher)).collect())
}

/// Applies every file in one transaction and returns what changed. `actor`
/// names who applied (recorded in the audit log).
pub fn apply(
    store: &Store,
    specs: &[TenantSpec],
    ctx: &ApplyContext<'_>,
) -> Result<Vec<Plan>, ApplyError> {
    let ApplyContext {
        hasher,
        clock,
        master_key,
        actor,
    } = *ctx;
    store.with_conn(|conn| {
        write_tx(conn, |conn| {
            let now = clock.db_now();
            let mut plans = Vec::with_capacity(specs.len());
            let mut changed = Vec::new();
            for spec in specs {
                let mut p = plan(conn, spec, hasher)?;
                if !p.is_empty() {
                    let tenant = execute(conn, spec, &p, now)?;
                    // New tenants get their keys with them; a changed algorithm
                    // gets a new JWS key (the old one keeps verifying).
                    key_rows::ensure_tenant_keys(conn, &tenant, master_key, now).map_err(|e| {
                        match e {
                            KeyError::Store(s) => ApplyError::Store(s),
                            other => ApplyError::Keys(other.to_string()),
                        }
                    })?;
                    let detail = serde_json::json!({
                        "file": spec.source.display().to_string(),
                        "changes": p.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    });
                    store::audit::append(
                        conn,
                        &tenant,
                        AuditEvent {
                            actor,
                            action: "tenant.applied",
                            target: spec.slug.as_str(),
                            detail,
                        },
                        now,
                    )?;
                    changed.push(tenant.clone());
                    p.tenant_id = Some(tenant);
                }
                plans.push(p);
            }
            // Last, so that no counter is held while the files are applied.
            store::changes::touch_all(conn, &changed)?;
            Ok(plans)
        })
    })
}

fn execute(
    conn: &mut DbConnection,
    spec: &TenantSpec,
    plan: &Plan,
    now: NaiveDateTime,
) -> Result<TenantId, ApplyError> {
    let tenant = match &plan.tenant_id {
        Some(t) => {
            store::tenants::bump_version_only(conn, t, now)?;
            t.clone()
        }
        None => TenantId::new_random(),
    };
    for change in &plan.changes {
        execute_one(conn, &tenant, spec, change, now)?;
    }
    // Inclusions name other roles, which may have been created above.
    for change in &plan.changes {
        let (name, includes) = match change {
            Change::CreateRole { name, includes, .. }
            | Change::UpdateRole { name, includes, .. } => (name, includes),
            _ => continue,
        };
        let id_of = |conn: &mut DbConnection, n: &str| -> Result<String, ApplyError> {
            store::roles::id_of(conn, &tenant, n)?.ok_or_else(|| ApplyError::Invalid {
                file: spec.source.clone(),
                line: None,
                message: format!("role {n} is not declared"),
            })
        };
        let role_id = id_of(conn, name)?;
        let mut ids = std::collections::BTreeSet::new();
        for n in includes {
            ids.insert(id_of(conn, n)?);
        }
        store::roles::set_includes(conn, &tenant, &role_id, &ids)?;
    }
    Ok(tenant)
}

fn execute_one(
    conn: &mut DbConnection,
    tenant: &TenantId,
    spec: &TenantSpec,
    change: &Change,
    now: NaiveDateTime,
) -> Result<(), ApplyError> {
    match change {
        Change::CreateTenant {
            name,
            signing_algorithm,
            id_token_alg,
            status,
            default_locale,
        } => store::tenants::insert(
            conn,
            &TenantRow {
                id: tenant.to_string(),
                slug: spec.slug.to_string(),
                name: name.clone(),
                status: status.clone().unwrap_or_else(|| STATUS_ACTIVE.into()),
                config_version: 1,
                created_at: now,
                updated_at: now,
                jws_algorithm: signing_algorithm.as_str().into(),
                id_token_alg: id_token_alg.map(|a| a.as_str().to_owned()),
                source_file: Some(spec.source.display().to_string()),
                status_from_file: status.is_some(),
                default_locale: default_locale.tag().to_owned(),
                branding: "{}".to_owned(),
                mfa: "{}".to_owned(),
            },
        )?,
        Change::SetMfaPolicy { mfa } => {
            let stored = mfa.to_stored();
            let changes = TenantChanges {
                mfa: Some(&stored),
                ..TenantChanges::at(now)
            };
            store::tenants::update(conn, tenant, &changes)?
        }
        Change::SetBranding { branding } => {
            let stored = branding.to_stored();
            let changes = TenantChanges {
                branding: Some(&stored),
                ..TenantChanges::at(now)
            };
            store::tenants::update(conn, tenant, &changes)?;
            let images: Vec<store::tenant_images::NewImage<'_>> = spec
                .images
                .iter()
                .map(|i| store::tenant_images::NewImage {
                    sha256: &i.sha256,
                    content_type: i.kind.content_type(),
                    bytes: &i.bytes,
                })
                .collect();
            store::tenant_images::replace(conn, tenant, &images, now)?
        }
        Change::SetTenantStatus { status } => {
            if let Some(s) = status {
                store::tenants::set_status(conn, tenant, s, now)?;
            }
            let source = spec.source.display().to_string();
            store::tenants::set_file_ownership(conn, tenant, Some(&source), status.is_some())?
        }
        Change::SetSourceFile { path } => {
            store::tenants::set_file_ownership(conn, tenant, Some(path), spec.status.is_some())?
        }
        Change::RenameTenant { name } => {
            let changes = TenantChanges {
                name: Some(name),
                ..TenantChanges::at(now)
            };
            store::tenants::update(conn, tenant, &changes)?
        }
        Change::SetSigningAlgorithm { algorithm } => {
            let changes = TenantChanges {
                jws_algorithm: Some(algorithm.as_str()),
                ..TenantChanges::at(now)
            };
            store::tenants::update(conn, tenant, &changes)?
        }
        Change::SetDefaultLocale { locale } => {
            let changes = TenantChanges {
                default_locale: Some(locale.tag()),
                ..TenantChanges::at(now)
            };
            store::tenants::update(conn, tenant, &changes)?
        }
        Change::SetIdTokenAlgorithm { algorithm } => {
            let changes = TenantChanges {
                id_token_alg: Some(algorithm.map(|a| a.as_str())),
                ..TenantChanges::at(now)
            };
            store::tenants::update(conn, tenant, &changes)?
        }
        Change::CreateScope {
            name,
            description,
            permissions,
        } => {
            store::scopes::insert(
                conn,
                tenant,
                &store::scopes::ScopeRow {
                    id: store::new_id(),
                    tenant_id: tenant.to_string(),
                    name: name.clone(),
                    description: description.clone(),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            store::scopes::set_permissions(conn, tenant, name, permissions)?
        }
        Change::UpdateScope {
            name,
            description,
            permissions,
            ..
        } => {
            store::scopes::update_description(conn, tenant, name, description, now)?;
            store::scopes::set_permissions(conn, tenant, name, permissions)?
        }
        Change::SetPolicies { policies } => {
            store::policies::replace_all(conn, tenant, policies, now)?
        }
        Change::DeleteScope { name } => {
            store::scopes::delete(conn, tenant, name)?;
        }
        Change::CreateRole {
            name,
            description,
            permissions,
            ..
        } => {
            store::roles::insert(
                conn,
                tenant,
                name,
                description,
                permissions,
                store::roles::MANAGED_BY_FILE,
                now,
            )?;
        }
        Change::UpdateRole {
            id,
            description,
            permissions,
            ..
        } => store::roles::update(conn, tenant, id, description, permissions, now)?,
        Change::DeleteRole { id, .. } => {
            store::roles::delete(conn, tenant, id)?;
        }
        Change::CreateClient { client_id, spec } => store::clients::insert(
            conn,
            tenant,
            client_id,
            spec,
            store::clients::MANAGED_BY_FILE,
            now,
        )?,
        Change::UpdateClient {
            client_id, spec, ..
        } => store::clients::update(conn, tenant, client_id, spec, now)?,
        Change::DeleteClient { client_id } => {
            store::clients::delete(conn, tenant, client_id)?;
        }
        Change::CreateUser { user } => create_user(conn, tenant, &spec.source, user, now)?,
        Change::UpdateUser { user_id, user, .. } => {
            update_user(conn, tenant, &spec.source, user_id, user, now)?
        }
    }
    Ok(())
}

fn create_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    file: &Path,
    user: &UserChange,
    now: NaiveDateTime,
) -> Result<(), ApplyError> {
    let row = UserRow {
        id: store::new_id(),
        tenant_id: tenant.to_string(),
        username: user.username.clone(),
        email: user.email.clone(),
        email_normalized: user.email.as_deref().map(store::users::normalize_email),
        email_verified: false,
        display_name: user.display_name.clone(),
        password_hash: user.password_hash.clone(),
        status: user.status.unwrap_or(UserStatus::Active).as_str().into(),
        created_at: now,
        updated_at: now,
        roles_from_file: user.roles_from_file,
        status_from_file: user.status_from_file,
    };
    store::users::insert(conn, tenant, &row).map_err(|e| email_conflict(e, file, user))?;
    if let Some(roles) = &user.roles {
        set_roles(conn, tenant, &row.id, roles)?;
    }
    Ok(())
}

fn update_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    file: &Path,
    user_id: &str,
    user: &UserChange,
    now: NaiveDateTime,
) -> Result<(), ApplyError> {
    let mut changes =
        UserChanges::at(now).file_ownership(user.roles_from_file, user.status_from_file);
    if let Some(email) = &user.email {
        changes = changes.email(Some(email));
    }
    if let Some(name) = &user.display_name {
        changes = changes.display_name(Some(name));
    }
    if let Some(hash) = &user.password_hash {
        changes = changes.password_hash(hash);
    }
    if let Some(s) = user.status.filter(|s| *s != UserStatus::Disabled) {
        changes = changes.status(s.as_str());
    }
    store::users::update(conn, tenant, user_id, &changes)
        .map_err(|e| email_conflict(e, file, user))?;
    if let Some(roles) = &user.roles {
        set_roles(conn, tenant, user_id, roles)?;
    }
    // A user the file disables loses everything they hold, in this
    // transaction (identity::accounts).
    if user.status == Some(UserStatus::Disabled) {
        crate::identity::accounts::disable_in_tx(conn, tenant, user_id, "file", now, || now)?;
    }
    Ok(())
}

fn set_roles(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    names: &std::collections::BTreeSet<String>,
) -> Result<(), StoreError> {
    let ids: Vec<String> = store::roles::list(conn, tenant)?
        .into_iter()
        .filter(|r| names.contains(&r.row.name))
        .map(|r| r.row.id)
        .collect();
    store::users::set_roles(conn, tenant, user_id, &ids)
}

fn email_conflict(e: StoreError, file: &Path, user: &UserChange) -> ApplyError {
    if e.is_unique_violation() {
        ApplyError::Conflict {
            file: file.to_path_buf(),
            message: format!(
                "user {}: email {} already belongs to another user of this tenant",
                user.username,
                user.email.as_deref().unwrap_or_default()
            ),
        }
    } else {
        e.into()
    }
}
