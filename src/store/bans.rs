//! Token bans: every access token of a user, a client or the whole tenant
//! issued up to a moment is inactive (the in-memory side is
//! `tenancy::revocations`).

use super::schema::{authorization_codes, refresh_families, refresh_tokens, token_bans};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// What a ban covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BanTarget {
    User(String),
    Client(String),
    Tenant,
}

impl BanTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            BanTarget::User(_) => "user",
            BanTarget::Client(_) => "client",
            BanTarget::Tenant => "tenant",
        }
    }

    pub fn target(&self) -> &str {
        match self {
            BanTarget::User(t) | BanTarget::Client(t) => t,
            BanTarget::Tenant => "",
        }
    }

    fn parse(kind: &str, target: String) -> Option<Self> {
        match kind {
            "user" => Some(BanTarget::User(target)),
            "client" => Some(BanTarget::Client(target)),
            "tenant" => Some(BanTarget::Tenant),
            _ => None,
        }
    }
}

/// Records a ban and, in the same transaction (the caller's), revokes every
/// refresh family and unredeemed code it covers, so no refresh or code
/// redemption can mint a new token from before the ban. The ban's moment is
/// taken after those updates (`banned_at`): a refresh or redemption that
/// committed before them minted its tokens earlier, so the ban covers them.
/// Returns the number of refresh families revoked and the ban's moment.
pub fn ban(
    conn: &mut DbConnection,
    tenant: &TenantId,
    target: &BanTarget,
    now: NaiveDateTime,
    banned_at: impl FnOnce() -> NaiveDateTime,
    keep: chrono::Duration,
) -> Result<(usize, NaiveDateTime), StoreError> {
    let mut families = refresh_families::table
        .filter(refresh_families::tenant_id.eq(tenant.as_str()))
        .filter(refresh_families::state.eq(super::refresh::ACTIVE))
        .select(refresh_families::id)
        .into_boxed();
    let mut codes = diesel::update(authorization_codes::table)
        .filter(authorization_codes::tenant_id.eq(tenant.as_str()))
        .filter(authorization_codes::state.eq(super::codes::ACTIVE))
        .into_boxed();
    match target {
        BanTarget::User(u) => {
            families = families.filter(refresh_families::user_id.eq(u.clone()));
            codes = codes.filter(authorization_codes::user_id.eq(u.clone()));
        }
        BanTarget::Client(c) => {
            families = families.filter(refresh_families::client_id.eq(c.clone()));
            codes = codes.filter(authorization_codes::client_id.eq(c.clone()));
        }
        BanTarget::Tenant => {}
    }
    codes
        .set((
            authorization_codes::state.eq(super::codes::REVOKED),
            authorization_codes::expires_at.eq(now),
        ))
        .execute(conn)?;
    let ids: Vec<String> = families.load(conn)?;
    for chunk in ids.chunks(500) {
        diesel::update(refresh_families::table)
            .filter(refresh_families::tenant_id.eq(tenant.as_str()))
            .filter(refresh_families::id.eq_any(chunk))
            .set((
                refresh_families::state.eq(super::refresh::REVOKED),
                refresh_families::revoked_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(refresh_tokens::table)
            .filter(refresh_tokens::tenant_id.eq(tenant.as_str()))
            .filter(refresh_tokens::family_id.eq_any(chunk))
            .set(refresh_tokens::state.eq(super::refresh::REVOKED))
            .execute(conn)?;
    }
    let at = banned_at();
    diesel::insert_into(token_bans::table)
        .values((
            token_bans::id.eq(super::new_id()),
            token_bans::tenant_id.eq(tenant.as_str()),
            token_bans::kind.eq(target.kind()),
            token_bans::target.eq(target.target()),
            token_bans::banned_at.eq(at),
            token_bans::expires_at.eq(at + keep),
        ))
        .execute(conn)?;
    Ok((ids.len(), at))
}

/// Bans still in force: (target, banned_at).
pub fn live(
    conn: &mut DbConnection,
    tenant: &TenantId,
    now: NaiveDateTime,
) -> Result<Vec<(BanTarget, NaiveDateTime)>, StoreError> {
    let rows: Vec<(String, String, NaiveDateTime)> = token_bans::table
        .filter(token_bans::tenant_id.eq(tenant.as_str()))
        .filter(token_bans::expires_at.gt(now))
        .select((token_bans::kind, token_bans::target, token_bans::banned_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, t, at)| BanTarget::parse(&k, t).map(|b| (b, at)))
        .collect())
}
