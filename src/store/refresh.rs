//! Refresh tokens in families (RFC 9700 §4.14.2): every use rotates; a spent
//! token used again revokes the whole family.

use super::schema::{refresh_families as families, refresh_tokens as tokens};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = families)]
pub struct FamilyRow {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub scopes: String,
    pub auth_time: NaiveDateTime,
    pub amr: String,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for FamilyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FamilyRow")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tokens)]
pub struct TokenRow {
    pub token_sha256: String,
    pub tenant_id: String,
    pub family_id: String,
    pub state: String,
    pub rotated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl std::fmt::Debug for TokenRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRow")
            .field("family_id", &self.family_id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

pub const ACTIVE: &str = "active";
pub const ROTATED: &str = "rotated";
pub const REVOKED: &str = "revoked";

insert_row!(insert_family into families, FamilyRow);
insert_row!(insert_token into tokens, TokenRow);
one_by!(fn family = families.id);
one_by!(fn token = tokens.token_sha256);
one_by!(fn tokens_of = tokens.family_id);
one_by!(fn of_session = families.session_id);

/// The token and its family, whatever their state.
pub fn find(
    conn: &mut DbConnection,
    tenant: &TenantId,
    token_sha256: &str,
) -> Result<Option<(TokenRow, FamilyRow)>, StoreError> {
    Ok(tokens::table
        .inner_join(families::table)
        .filter(tokens::tenant_id.eq(tenant.as_str()))
        .filter(families::tenant_id.eq(tenant.as_str()))
        .filter(tokens::token_sha256.eq(token_sha256))
        .select((TokenRow::as_select(), FamilyRow::as_select()))
        .get_result(conn)
        .optional()?)
}

/// Spends an active, unexpired token. True for exactly one caller.
pub fn rotate(
    conn: &mut DbConnection,
    tenant: &TenantId,
    token_sha256: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        token(tenant, token_sha256)
            .filter(tokens::state.eq(ACTIVE))
            .filter(tokens::expires_at.gt(now)),
    )
    .set((tokens::state.eq(ROTATED), tokens::rotated_at.eq(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes a family and every token in it.
pub fn revoke_family(
    conn: &mut DbConnection,
    tenant: &TenantId,
    family_id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(family(tenant, family_id))
        .set((families::state.eq(REVOKED), families::revoked_at.eq(now)))
        .execute(conn)?;
    diesel::update(tokens_of(tenant, family_id))
        .set(tokens::state.eq(REVOKED))
        .execute(conn)?;
    Ok(())
}

/// Revokes every family of a session (logout).
pub fn revoke_session_families(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let ids: Vec<String> = of_session(tenant, session_id)
        .filter(families::state.eq(ACTIVE))
        .select(families::id)
        .load(conn)?;
    for id in ids {
        revoke_family(conn, tenant, &id, now)?;
    }
    Ok(())
}

/// Revokes every active family of this user at this client (a withdrawn
/// consent); how many.
pub fn revoke_user_client_families(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let ids: Vec<String> = families::table
        .filter(families::tenant_id.eq(tenant.as_str()))
        .filter(families::user_id.eq(user_id))
        .filter(families::client_id.eq(client_id))
        .filter(families::state.eq(ACTIVE))
        .select(families::id)
        .load(conn)?;
    for id in &ids {
        revoke_family(conn, tenant, id, now)?;
    }
    Ok(ids.len())
}
