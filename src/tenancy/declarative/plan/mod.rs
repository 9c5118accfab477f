//! The difference between a tenant file and the database: what apply will do.
//! `existing` reads what the database holds; `config` diffs the scopes,
//! roles and clients, `users` the users.

mod config;
mod existing;
mod users;

use config::{plan_clients, plan_roles, plan_scopes};
use existing::Existing;
use users::{current_user, plan_user};

use super::error::ApplyError;
use super::spec::{PasswordSource, TenantSpec};
use crate::branding::Branding;
use crate::i18n::Locale;
use crate::identity::UserStatus;
use crate::identity::password::PasswordHasher;
use crate::mfa::policy::MfaPolicy;
use crate::store::clients::ClientSpec;
use crate::store::{self, DbConnection, TenantId};
use crate::tokens::JwsAlgorithm;
use std::collections::BTreeSet;

/// One change. Carries what executing it needs; never a plain secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTenant {
        name: String,
        signing_algorithm: JwsAlgorithm,
        id_token_alg: Option<JwsAlgorithm>,
        status: Option<String>,
        default_locale: Locale,
    },
    RenameTenant {
        name: String,
    },
    SetSigningAlgorithm {
        algorithm: JwsAlgorithm,
    },
    SetIdTokenAlgorithm {
        algorithm: Option<JwsAlgorithm>,
    },
    SetDefaultLocale {
        locale: Locale,
    },
    /// The tenant's branding, and its images (from the spec) with it.
    SetBranding {
        branding: Branding,
    },
    /// The tenant's MFA policy (`mfa:`).
    SetMfaPolicy {
        mfa: MfaPolicy,
    },
    /// The tenant's status, and what the file owns of it.
    SetTenantStatus {
        status: Option<String>,
    },
    /// The file that declares the tenant (first apply, or the file moved).
    SetSourceFile {
        path: String,
    },
    CreateScope {
        name: String,
        description: String,
        permissions: BTreeSet<String>,
    },
    UpdateScope {
        name: String,
        description: String,
        permissions: BTreeSet<String>,
        fields: Vec<&'static str>,
    },
    DeleteScope {
        name: String,
    },
    CreateRole {
        name: String,
        description: String,
        permissions: BTreeSet<String>,
        includes: BTreeSet<String>,
    },
    UpdateRole {
        id: String,
        name: String,
        description: String,
        permissions: BTreeSet<String>,
        includes: BTreeSet<String>,
    },
    DeleteRole {
        id: String,
        name: String,
    },
    CreateClient {
        client_id: String,
        spec: ClientSpec,
    },
    UpdateClient {
        client_id: String,
        spec: ClientSpec,
        fields: Vec<&'static str>,
    },
    DeleteClient {
        client_id: String,
    },
    /// Replaces the tenant's policies with these (name, code), in order.
    SetPolicies {
        policies: Vec<(String, String)>,
    },
    CreateUser {
        user: UserChange,
    },
    UpdateUser {
        user_id: String,
        user: UserChange,
        fields: Vec<&'static str>,
    },
}

/// The fields of a user to set; `None` leaves a field as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct UserChange {
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub roles: Option<BTreeSet<String>>,
    /// A status to set.
    pub status: Option<UserStatus>,
    /// Which fields the file owns from now on.
    pub roles_from_file: bool,
    pub status_from_file: bool,
}

impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::CreateTenant { name, .. } => write!(f, "+ tenant ({name})"),
            Change::RenameTenant { name } => write!(f, "~ tenant name -> {name}"),
            Change::SetSigningAlgorithm { algorithm } => {
                write!(f, "~ tenant signing_algorithm -> {}", algorithm.as_str())
            }
            Change::SetTenantStatus { status } => write!(
                f,
                "~ tenant status -> {}",
                status.as_deref().unwrap_or("(not the file's)")
            ),
            Change::SetSourceFile { path } => write!(f, "~ tenant declared in {path}"),
            Change::SetDefaultLocale { locale } => {
                write!(f, "~ tenant default_locale -> {}", locale.tag())
            }
            Change::SetMfaPolicy { mfa } => write!(f, "~ tenant mfa -> {}", mfa.to_stored()),
            Change::SetBranding { branding } => {
                write!(f, "~ tenant branding -> {}", branding.to_stored())
            }
            Change::SetIdTokenAlgorithm { algorithm } => write!(
                f,
                "~ tenant id_token_signing_alg -> {}",
                algorithm.map_or("RS256 (default)", JwsAlgorithm::as_str)
            ),
            Change::CreateScope { name, .. } => write!(f, "+ scope {name}"),
            Change::UpdateScope { name, fields, .. } => {
                write!(f, "~ scope {name} ({})", fields.join(", "))
            }
            Change::DeleteScope { name } => write!(f, "- scope {name}"),
            Change::CreateRole { name, .. } => write!(f, "+ role {name}"),
            Change::UpdateRole { name, .. } => write!(f, "~ role {name}"),
            Change::DeleteRole { name, .. } => write!(f, "- role {name}"),
            Change::CreateClient { client_id, .. } => write!(f, "+ client {client_id}"),
            Change::SetPolicies { policies } => {
                let names: Vec<&str> = policies.iter().map(|(n, _)| n.as_str()).collect();
                write!(f, "~ policies [{}]", names.join(", "))
            }
            Change::UpdateClient {
                client_id, fields, ..
            } => {
                write!(f, "~ client {client_id} ({})", fields.join(", "))
            }
            Change::DeleteClient { client_id } => write!(f, "- client {client_id}"),
            Change::CreateUser { user } => write!(f, "+ user {}", user.username),
            Change::UpdateUser { user, fields, .. } => {
                write!(f, "~ user {} ({})", user.username, fields.join(", "))
            }
        }
    }
}

/// What applying one tenant file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub slug: String,
    pub tenant_id: Option<TenantId>,
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "tenant {}: no changes", self.slug);
        }
        writeln!(f, "tenant {}: {} change(s)", self.slug, self.changes.len())?;
        for c in &self.changes {
            writeln!(f, "  {c}")?;
        }
        Ok(())
    }
}

/// Compares `spec` with the database. Verifies plain passwords against stored
/// hashes (argon2: call on a blocking thread) so that an unchanged file plans
/// no change.
pub fn plan(
    conn: &mut DbConnection,
    spec: &TenantSpec,
    hasher: &PasswordHasher,
) -> Result<Plan, ApplyError> {
    let mut changes = Vec::new();
    let Some(tenant) = store::tenants::find_by_slug(conn, spec.slug.as_str())? else {
        changes.push(Change::CreateTenant {
            name: spec.name.clone(),
            signing_algorithm: spec.signing_algorithm,
            id_token_alg: spec.id_token_alg,
            status: spec.status.clone(),
            default_locale: spec.default_locale,
        });
        if spec.branding != Branding::default() {
            changes.push(Change::SetBranding {
                branding: spec.branding.clone(),
            });
        }
        if spec.mfa != MfaPolicy::default() {
            changes.push(Change::SetMfaPolicy {
                mfa: spec.mfa.clone(),
            });
        }
        plan_contents(conn, spec, hasher, &mut changes, &Existing::default())?;
        return Ok(Plan {
            slug: spec.slug.to_string(),
            tenant_id: None,
            changes,
        });
    };
    let tenant_id = tenant.tenant_id();
    if tenant.name != spec.name {
        changes.push(Change::RenameTenant {
            name: spec.name.clone(),
        });
    }
    if tenant.jws_algorithm != spec.signing_algorithm.as_str() {
        changes.push(Change::SetSigningAlgorithm {
            algorithm: spec.signing_algorithm,
        });
    }
    if tenant.id_token_alg.as_deref() != spec.id_token_alg.map(JwsAlgorithm::as_str) {
        changes.push(Change::SetIdTokenAlgorithm {
            algorithm: spec.id_token_alg,
        });
    }
    if tenant.default_locale != spec.default_locale.tag() {
        changes.push(Change::SetDefaultLocale {
            locale: spec.default_locale,
        });
    }
    // A stored value this version cannot read is replaced by the file's.
    if Branding::from_stored(&tenant.branding).ok().as_ref() != Some(&spec.branding) {
        changes.push(Change::SetBranding {
            branding: spec.branding.clone(),
        });
    }
    if MfaPolicy::from_stored(&tenant.mfa).ok().as_ref() != Some(&spec.mfa) {
        changes.push(Change::SetMfaPolicy {
            mfa: spec.mfa.clone(),
        });
    }
    let status_differs = spec.status.as_ref().is_some_and(|s| *s != tenant.status);
    if status_differs || tenant.status_from_file != spec.status.is_some() {
        changes.push(Change::SetTenantStatus {
            status: spec.status.clone(),
        });
    }
    let source = spec.source.display().to_string();
    if tenant.source_file.as_deref() != Some(source.as_str()) {
        changes.push(Change::SetSourceFile { path: source });
    }
    let existing = Existing::load(conn, &tenant_id)?;
    plan_contents(conn, spec, hasher, &mut changes, &existing)?;
    Ok(Plan {
        slug: spec.slug.to_string(),
        tenant_id: Some(tenant_id),
        changes,
    })
}

fn plan_contents(
    conn: &mut DbConnection,
    spec: &TenantSpec,
    hasher: &PasswordHasher,
    changes: &mut Vec<Change>,
    existing: &Existing,
) -> Result<(), ApplyError> {
    plan_scopes(spec, existing, changes);
    plan_roles(spec, existing, changes)?;
    plan_clients(spec, existing, changes);
    if spec.policies != existing.policies {
        changes.push(Change::SetPolicies {
            policies: spec.policies.clone(),
        });
    }
    for user in &spec.users {
        let current = match &existing.tenant {
            Some(t) => current_user(conn, t, &user.username)?,
            None => None,
        };
        if let Some(PasswordSource::Plain(p)) = &user.password {
            hasher
                .check_policy(p, &user.username, user.email.as_deref())
                .map_err(|e| ApplyError::Invalid {
                    file: spec.source.clone(),
                    line: user.line,
                    message: format!("user {}: {e}", user.username),
                })?;
        }
        if let Some(change) = plan_user(user, current, hasher)? {
            changes.push(change);
        }
    }
    Ok(())
}
