//! OAuth clients. List-valued fields are JSON arrays in TEXT columns (portable
//! across both backends); this module is the only place that encodes them.

use super::schema::clients;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub name: String,
    pub public: bool,
    pub secret_sha256: Option<String>,
    pub redirect_uris: String,
    pub grant_types: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub token_endpoint_auth_method: String,
    pub jwks: Option<String>,
    pub default_scopes: Option<String>,
    pub access_token_format: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub managed_by: String,
    pub first_party: bool,
    pub allow_plain_pkce: bool,
    pub refresh_grace_secs: i64,
    pub post_logout_redirect_uris: String,
    pub allow_implicit: bool,
    pub service_roles: String,
    pub exchange_audiences: String,
    pub id_token_alg: Option<String>,
    pub allowed_origins: Option<String>,
}

/// Clients created from a tenant file; apply removes them when the file does.
pub const MANAGED_BY_FILE: &str = "file";
/// Clients created with `gatehouse clients`; apply leaves them alone.
pub const MANAGED_BY_CLI: &str = "cli";

impl std::fmt::Debug for ClientRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRow")
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// The decoded settings of a client that apply compares and writes.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub name: String,
    pub public: bool,
    pub secret_sha256: Option<String>,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: String,
    /// The JWK Set for `private_key_jwt`, as compact JSON.
    pub jwks: Option<String>,
    pub default_scopes: Option<Vec<String>>,
    pub access_token_format: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// Trusted clients of the operator: users are not asked for consent.
    pub first_party: bool,
    /// Allow PKCE `plain` (RFC 7636 §4.2); S256 otherwise.
    pub allow_plain_pkce: bool,
    /// Seconds during which a just-rotated refresh token may be used again
    /// (concurrent refreshes); 0 = off.
    pub refresh_grace_secs: i64,
    pub post_logout_redirect_uris: Vec<String>,
    /// May use response_type=token (public clients only).
    pub allow_implicit: bool,
    /// Roles the client holds itself (client_credentials tokens carry their
    /// permissions); confidential clients only.
    pub service_roles: Vec<String>,
    /// RFC 8693: audiences (or resources) the client may exchange tokens for.
    pub exchange_audiences: Vec<String>,
    /// `id_token_signed_response_alg`; `None` = the tenant's default.
    pub id_token_alg: Option<String>,
    /// CORS origins; `None` = derived from the redirect URIs (public clients).
    pub allowed_origins: Option<Vec<String>>,
}

impl std::fmt::Debug for ClientSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSpec")
            .field("name", &self.name)
            .field("public", &self.public)
            .field("redirect_uris", &self.redirect_uris)
            .field("grant_types", &self.grant_types)
            .field("scopes", &self.scopes)
            .field(
                "token_endpoint_auth_method",
                &self.token_endpoint_auth_method,
            )
            .field("access_token_format", &self.access_token_format)
            .finish_non_exhaustive()
    }
}

fn decode_list(field: &str, raw: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("clients.{field}: {e}")))
}

fn encode_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

impl ClientRow {
    pub fn spec(&self) -> Result<ClientSpec, StoreError> {
        Ok(ClientSpec {
            name: self.name.clone(),
            public: self.public,
            secret_sha256: self.secret_sha256.clone(),
            redirect_uris: decode_list("redirect_uris", &self.redirect_uris)?,
            grant_types: decode_list("grant_types", &self.grant_types)?,
            scopes: decode_list("scopes", &self.scopes)?,
            token_endpoint_auth_method: self.token_endpoint_auth_method.clone(),
            jwks: self.jwks.clone(),
            default_scopes: self
                .default_scopes
                .as_deref()
                .map(|d| decode_list("default_scopes", d))
                .transpose()?,
            access_token_format: self.access_token_format.clone(),
            access_token_ttl_secs: self.access_token_ttl_secs,
            refresh_token_ttl_secs: self.refresh_token_ttl_secs,
            first_party: self.first_party,
            allow_plain_pkce: self.allow_plain_pkce,
            refresh_grace_secs: self.refresh_grace_secs,
            post_logout_redirect_uris: decode_list(
                "post_logout_redirect_uris",
                &self.post_logout_redirect_uris,
            )?,
            allow_implicit: self.allow_implicit,
            service_roles: decode_list("service_roles", &self.service_roles)?,
            exchange_audiences: decode_list("exchange_audiences", &self.exchange_audiences)?,
            id_token_alg: self.id_token_alg.clone(),
            allowed_origins: self
                .allowed_origins
                .as_deref()
                .map(|o| decode_list("allowed_origins", o))
                .transpose()?,
        })
    }
}

one_by!(fn one = clients.client_id);
list_rows!(clients by clients::client_id.asc(), ClientRow);
find_row!(pub find = one -> ClientRow);
delete_row!(one);

/// The columns a client's settings are stored in, as written on insert and
/// update alike.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
struct SpecColumns<'a> {
    name: &'a str,
    public: bool,
    secret_sha256: Option<&'a str>,
    redirect_uris: String,
    grant_types: String,
    scopes: String,
    token_endpoint_auth_method: &'a str,
    jwks: Option<&'a str>,
    default_scopes: Option<String>,
    access_token_format: &'a str,
    access_token_ttl_secs: i64,
    refresh_token_ttl_secs: i64,
    managed_by: &'a str,
    first_party: bool,
    allow_plain_pkce: bool,
    refresh_grace_secs: i64,
    post_logout_redirect_uris: String,
    allow_implicit: bool,
    service_roles: String,
    exchange_audiences: String,
    id_token_alg: Option<&'a str>,
    allowed_origins: Option<String>,
    updated_at: NaiveDateTime,
}

impl<'a> SpecColumns<'a> {
    fn of(spec: &'a ClientSpec, managed_by: &'a str, now: NaiveDateTime) -> Self {
        Self {
            name: &spec.name,
            public: spec.public,
            secret_sha256: spec.secret_sha256.as_deref(),
            redirect_uris: encode_list(&spec.redirect_uris),
            grant_types: encode_list(&spec.grant_types),
            scopes: encode_list(&spec.scopes),
            token_endpoint_auth_method: &spec.token_endpoint_auth_method,
            jwks: spec.jwks.as_deref(),
            default_scopes: spec.default_scopes.as_deref().map(encode_list),
            access_token_format: &spec.access_token_format,
            access_token_ttl_secs: spec.access_token_ttl_secs,
            refresh_token_ttl_secs: spec.refresh_token_ttl_secs,
            managed_by,
            first_party: spec.first_party,
            allow_plain_pkce: spec.allow_plain_pkce,
            refresh_grace_secs: spec.refresh_grace_secs,
            post_logout_redirect_uris: encode_list(&spec.post_logout_redirect_uris),
            allow_implicit: spec.allow_implicit,
            service_roles: encode_list(&spec.service_roles),
            exchange_audiences: encode_list(&spec.exchange_audiences),
            id_token_alg: spec.id_token_alg.as_deref(),
            allowed_origins: spec.allowed_origins.as_deref().map(encode_list),
            updated_at: now,
        }
    }
}

pub fn insert(
    conn: &mut DbConnection,
    tenant: &TenantId,
    client_id: &str,
    spec: &ClientSpec,
    managed_by: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(clients::table)
        .values((
            clients::id.eq(super::new_id()),
            clients::tenant_id.eq(tenant.as_str()),
            clients::client_id.eq(client_id),
            clients::created_at.eq(now),
            SpecColumns::of(spec, managed_by, now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rewrites a client's settings from its tenant file.
pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    client_id: &str,
    spec: &ClientSpec,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, client_id))
        .set(SpecColumns::of(spec, MANAGED_BY_FILE, now))
        .execute(conn)?;
    Ok(())
}

/// Replaces a confidential client's secret hash.
pub fn set_secret(
    conn: &mut DbConnection,
    tenant: &TenantId,
    client_id: &str,
    secret_sha256: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(one(tenant, client_id))
        .set((
            clients::secret_sha256.eq(secret_sha256),
            clients::updated_at.eq(now),
        ))
        .execute(conn)?)
}
