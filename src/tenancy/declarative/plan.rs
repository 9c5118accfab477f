//! The difference between a tenant file and the database: what apply will do.

use super::error::ApplyError;
use super::spec::{PasswordSource, TenantSpec, UserSpec, stored_client};
use crate::identity::UserStatus;
use crate::identity::password::PasswordHasher;
use crate::store::clients::ClientSpec;
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tokens::JwsAlgorithm;
use std::collections::{BTreeMap, BTreeSet};

/// One change. Carries what executing it needs; never a plain secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTenant {
        name: String,
        signing_algorithm: JwsAlgorithm,
        id_token_alg: Option<JwsAlgorithm>,
        status: Option<String>,
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
        });
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

/// The tenant's current configuration.
#[derive(Default)]
struct Existing {
    tenant: Option<TenantId>,
    /// name → (description, permissions)
    scopes: BTreeMap<String, (String, BTreeSet<String>)>,
    /// name → (id, description, permissions, includes)
    roles: BTreeMap<String, (String, String, BTreeSet<String>, BTreeSet<String>)>,
    clients: BTreeMap<String, ClientSpec>,
    /// Clients created with the CLI: the file leaves them alone.
    cli_clients: BTreeSet<String>,
    /// Roles created with the CLI: the file leaves them alone too.
    cli_roles: BTreeSet<String>,
    /// (name, code) in evaluation order.
    policies: Vec<(String, String)>,
}

impl Existing {
    fn load(conn: &mut DbConnection, tenant: &TenantId) -> Result<Self, StoreError> {
        let mut carried = store::scopes::permissions(conn, tenant)?;
        let scopes = store::scopes::list(conn, tenant)?
            .into_iter()
            .map(|s| {
                let permissions = carried.remove(&s.name).unwrap_or_default();
                (s.name, (s.description, permissions))
            })
            .collect();
        let all_roles = store::roles::list(conn, tenant)?;
        let cli_roles = all_roles
            .iter()
            .filter(|r| r.row.managed_by == store::roles::MANAGED_BY_CLI)
            .map(|r| r.row.name.clone())
            .collect();
        let roles = all_roles
            .into_iter()
            .map(|r| {
                (
                    r.row.name,
                    (r.row.id, r.row.description, r.permissions, r.includes),
                )
            })
            .collect();
        let mut clients = BTreeMap::new();
        let mut cli_clients = BTreeSet::new();
        for row in store::clients::list(conn, tenant)? {
            if row.managed_by == store::clients::MANAGED_BY_CLI {
                cli_clients.insert(row.client_id.clone());
            }
            clients.insert(row.client_id.clone(), row.spec()?);
        }
        let policies = store::policies::list(conn, tenant)?
            .into_iter()
            .map(|p| (p.name, p.code))
            .collect();
        Ok(Self {
            tenant: Some(tenant.clone()),
            policies,
            scopes,
            roles,
            clients,
            cli_clients,
            cli_roles,
        })
    }
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

fn plan_scopes(spec: &TenantSpec, existing: &Existing, changes: &mut Vec<Change>) {
    for (name, s) in &spec.scopes {
        match existing.scopes.get(name.as_str()) {
            None => changes.push(Change::CreateScope {
                name: name.to_string(),
                description: s.description.clone(),
                permissions: s.permissions.clone(),
            }),
            Some((d, p)) if *d != s.description || *p != s.permissions => {
                let mut fields = Vec::new();
                if *d != s.description {
                    fields.push("description");
                }
                if *p != s.permissions {
                    fields.push("permissions");
                }
                changes.push(Change::UpdateScope {
                    name: name.to_string(),
                    description: s.description.clone(),
                    permissions: s.permissions.clone(),
                    fields,
                })
            }
            Some(_) => {}
        }
    }
    for name in existing.scopes.keys() {
        if !spec.scopes.keys().any(|s| s.as_str() == name) {
            changes.push(Change::DeleteScope { name: name.clone() });
        }
    }
}

fn plan_roles(
    spec: &TenantSpec,
    existing: &Existing,
    changes: &mut Vec<Change>,
) -> Result<(), ApplyError> {
    for (name, r) in &spec.roles {
        if existing.cli_roles.contains(name) {
            return Err(ApplyError::Conflict {
                file: spec.source.clone(),
                message: format!(
                    "role {name} was created with the CLI; delete it there (gatehouse roles delete) before declaring it in a file"
                ),
            });
        }
        match existing.roles.get(name) {
            None => changes.push(Change::CreateRole {
                name: name.clone(),
                description: r.description.clone(),
                permissions: r.permissions.clone(),
                includes: r.includes.clone(),
            }),
            Some((id, description, permissions, includes))
                if *description != r.description
                    || *permissions != r.permissions
                    || *includes != r.includes =>
            {
                changes.push(Change::UpdateRole {
                    id: id.clone(),
                    name: name.clone(),
                    description: r.description.clone(),
                    permissions: r.permissions.clone(),
                    includes: r.includes.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for (name, (id, ..)) in &existing.roles {
        if !spec.roles.contains_key(name) && !existing.cli_roles.contains(name) {
            changes.push(Change::DeleteRole {
                id: id.clone(),
                name: name.clone(),
            });
        }
    }
    Ok(())
}

fn plan_clients(spec: &TenantSpec, existing: &Existing, changes: &mut Vec<Change>) {
    for (id, c) in &spec.clients {
        let wanted = stored_client(c);
        match existing.clients.get(id.as_str()) {
            None => changes.push(Change::CreateClient {
                client_id: id.to_string(),
                spec: wanted,
            }),
            Some(current) if *current != wanted => {
                let fields = client_fields(current, &wanted);
                changes.push(Change::UpdateClient {
                    client_id: id.to_string(),
                    spec: wanted,
                    fields,
                })
            }
            Some(_) => {}
        }
    }
    for client_id in existing.clients.keys() {
        if existing.cli_clients.contains(client_id) {
            continue;
        }
        if !spec.clients.keys().any(|c| c.as_str() == client_id) {
            changes.push(Change::DeleteClient {
                client_id: client_id.clone(),
            });
        }
    }
}

fn client_fields(a: &ClientSpec, b: &ClientSpec) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if a.name != b.name {
        fields.push("name");
    }
    if a.public != b.public {
        fields.push("public");
    }
    if a.secret_sha256 != b.secret_sha256 {
        fields.push("secret");
    }
    if a.redirect_uris != b.redirect_uris {
        fields.push("redirect_uris");
    }
    if a.grant_types != b.grant_types {
        fields.push("grant_types");
    }
    if a.scopes != b.scopes {
        fields.push("scopes");
    }
    if a.token_endpoint_auth_method != b.token_endpoint_auth_method {
        fields.push("token_endpoint_auth_method");
    }
    if a.jwks != b.jwks {
        fields.push("jwks");
    }
    if a.default_scopes != b.default_scopes {
        fields.push("default_scopes");
    }
    if a.access_token_format != b.access_token_format {
        fields.push("access_token_format");
    }
    if a.access_token_ttl_secs != b.access_token_ttl_secs {
        fields.push("access_token_ttl");
    }
    if a.refresh_token_ttl_secs != b.refresh_token_ttl_secs {
        fields.push("refresh_token_ttl");
    }
    if a.first_party != b.first_party {
        fields.push("first_party");
    }
    if a.allow_plain_pkce != b.allow_plain_pkce {
        fields.push("allow_plain_pkce");
    }
    if a.refresh_grace_secs != b.refresh_grace_secs {
        fields.push("refresh_grace_period");
    }
    if a.post_logout_redirect_uris != b.post_logout_redirect_uris {
        fields.push("post_logout_redirect_uris");
    }
    if a.allow_implicit != b.allow_implicit {
        fields.push("allow_implicit");
    }
    if a.service_roles != b.service_roles {
        fields.push("service_roles");
    }
    if a.exchange_audiences != b.exchange_audiences {
        fields.push("token_exchange_audiences");
    }
    fields
}

struct CurrentUser {
    row: store::users::UserRow,
    roles: BTreeSet<String>,
}

fn current_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    username: &str,
) -> Result<Option<CurrentUser>, StoreError> {
    let Some(row) = store::users::find_by_username(conn, tenant, username)? else {
        return Ok(None);
    };
    let roles = store::users::role_names(conn, tenant, &row.id)?;
    Ok(Some(CurrentUser { row, roles }))
}

fn plan_user(
    user: &UserSpec,
    current: Option<CurrentUser>,
    hasher: &PasswordHasher,
) -> Result<Option<Change>, ApplyError> {
    let Some(current) = current else {
        let password_hash = match &user.password {
            Some(PasswordSource::Plain(p)) => Some(hasher.hash(p)?),
            Some(PasswordSource::Hash(h)) => Some(h.clone()),
            None => None,
        };
        return Ok(Some(Change::CreateUser {
            user: UserChange {
                username: user.username.clone(),
                email: user.email.clone(),
                display_name: user.display_name.clone(),
                password_hash,
                roles: user.roles.clone(),
                status: user.status,
                roles_from_file: user.roles.is_some(),
                status_from_file: user.status.is_some(),
            },
        }));
    };
    let mut fields = Vec::new();
    let email = user
        .email
        .clone()
        .filter(|e| Some(e) != current.row.email.as_ref());
    if email.is_some() {
        fields.push("email");
    }
    let display_name = user
        .display_name
        .clone()
        .filter(|d| Some(d) != current.row.display_name.as_ref());
    if display_name.is_some() {
        fields.push("display_name");
    }
    let password_hash = match (&user.password, &current.row.password_hash) {
        (Some(PasswordSource::Plain(p)), Some(stored))
            if !hasher.needs_rehash(stored) && hasher.verify(p, stored).unwrap_or(false) =>
        {
            None
        }
        (Some(PasswordSource::Plain(p)), _) => Some(hasher.hash(p)?),
        (Some(PasswordSource::Hash(h)), Some(stored)) if h == stored => None,
        (Some(PasswordSource::Hash(h)), _) => Some(h.clone()),
        (None, _) => None,
    };
    if password_hash.is_some() {
        fields.push("password");
    }
    let roles = user.roles.clone().filter(|r| *r != current.roles);
    if roles.is_some() {
        fields.push("roles");
    }
    let status = user
        .status
        .filter(|s| *s != UserStatus::of_row(&current.row.status));
    if status.is_some() {
        fields.push("status");
    }
    let (roles_from_file, status_from_file) = (user.roles.is_some(), user.status.is_some());
    if (roles_from_file, status_from_file)
        != (current.row.roles_from_file, current.row.status_from_file)
    {
        fields.push("ownership");
    }
    if fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(Change::UpdateUser {
        user_id: current.row.id,
        user: UserChange {
            username: user.username.clone(),
            email,
            display_name,
            password_hash,
            roles,
            status,
            roles_from_file,
            status_from_file,
        },
        fields,
    }))
}
