//! Authorization codes: stored hashed, redeemed once by a conditional update.

use super::schema::authorization_codes as codes;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = codes)]
pub struct CodeRow {
    pub code_sha256: String,
    pub tenant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    pub scopes: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub auth_time: NaiveDateTime,
    pub amr: String,
    pub state: String,
    pub family_id: Option<String>,
    pub access_revocation_id: Option<String>,
    pub access_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl std::fmt::Debug for CodeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRow")
            .field("client_id", &self.client_id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

pub const ACTIVE: &str = "active";
pub const REDEEMED: &str = "redeemed";
/// Banned before it was redeemed (`store::bans`): a redemption already under
/// way loses its conditional update, whatever time it started.
pub const REVOKED: &str = "revoked";

insert_row!(insert into codes, CodeRow);
one_by!(fn one = codes.code_sha256);
find_row!(pub find = one -> CodeRow);

/// Marks the code redeemed if, and only if, it is still active and unexpired.
/// True for exactly one caller, whatever the number of processes: the
/// database evaluates the `state = 'active'` condition under its row lock.
pub fn redeem(
    conn: &mut DbConnection,
    tenant: &TenantId,
    code_sha256: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        one(tenant, code_sha256)
            .filter(codes::state.eq(ACTIVE))
            .filter(codes::expires_at.gt(now)),
    )
    .set(codes::state.eq(REDEEMED))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records what the redemption issued, so a replay can revoke it.
pub fn record_issued(
    conn: &mut DbConnection,
    tenant: &TenantId,
    code_sha256: &str,
    family_id: Option<&str>,
    access_revocation_id: &str,
    access_expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, code_sha256))
        .set((
            codes::family_id.eq(family_id),
            codes::access_revocation_id.eq(access_revocation_id),
            codes::access_expires_at.eq(access_expires_at),
        ))
        .execute(conn)?;
    Ok(())
}
