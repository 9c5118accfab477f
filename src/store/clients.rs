//! OAuth clients. List-valued fields are JSON arrays in TEXT columns, read and
//! written as `store::text_list` types (portable across both backends).

use super::schema::clients;
use super::text_list::{MaybeTextList, TextList};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored client: its identity and bookkeeping columns, and its settings.
#[derive(Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub managed_by: String,
    #[diesel(embed)]
    pub spec: ClientSpec,
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
            .field("public", &self.spec.public)
            .finish_non_exhaustive()
    }
}

/// The settings of a client that apply compares and writes: the same struct
/// is read from a row and written on insert and update alike, lists decoded.
#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
pub struct ClientSpec {
    pub name: String,
    pub public: bool,
    pub secret_sha256: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub redirect_uris: TextList,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub grant_types: TextList,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub scopes: TextList,
    pub token_endpoint_auth_method: String,
    /// The JWK Set for `private_key_jwt`, as compact JSON.
    pub jwks: Option<String>,
    #[diesel(deserialize_as = Option<String>, serialize_as = Option<String>)]
    pub default_scopes: MaybeTextList,
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
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub post_logout_redirect_uris: TextList,
    /// May use response_type=token (public clients only).
    pub allow_implicit: bool,
    /// Roles the client holds itself (client_credentials tokens carry their
    /// permissions); confidential clients only.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub service_roles: TextList,
    /// RFC 8693: audiences (or resources) the client may exchange tokens for.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub exchange_audiences: TextList,
    /// `id_token_signed_response_alg`; `None` = the tenant's default.
    pub id_token_alg: Option<String>,
    /// CORS origins; `None` = derived from the redirect URIs (public clients).
    #[diesel(deserialize_as = Option<String>, serialize_as = Option<String>)]
    pub allowed_origins: MaybeTextList,
    /// RFC 7591 §2 links shown on the consent page.
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub policy_uri: Option<String>,
    pub tos_uri: Option<String>,
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

one_by!(fn one = clients.client_id);
list_rows!(clients by clients::client_id.asc(), ClientRow);
find_row!(pub find = one -> ClientRow);
delete_row!(one);

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
            clients::updated_at.eq(now),
            clients::managed_by.eq(managed_by),
            spec.clone(),
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
        .set((
            spec.clone(),
            clients::managed_by.eq(MANAGED_BY_FILE),
            clients::updated_at.eq(now),
        ))
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
