//! A user's account status. Disabling a user ends everything they hold, in
//! the caller's transaction: their sessions end, their refresh families and
//! unredeemed codes are revoked, and their access tokens issued so far are
//! banned (`store::bans`, moving the tenant's revocation epoch so every
//! process refuses them). A disabled user cannot sign in, refresh or redeem;
//! enabling them again lets them sign in anew — nothing ended comes back.

use super::UserStatus;
use crate::store::audit::AuditEvent;
use crate::store::bans::{self, BanTarget};
use crate::store::users::UserChanges;
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;

/// What disabling ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Disabled {
    pub sessions_ended: usize,
    pub refresh_families_revoked: usize,
}

/// Disables the user and ends what they hold; call inside a write
/// transaction. `banned_at` gives the ban's moment, read after the refresh
/// families and codes are revoked (see `store::bans::ban`).
pub fn disable_in_tx(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    actor: &str,
    now: NaiveDateTime,
    banned_at: impl FnOnce() -> NaiveDateTime,
) -> Result<Disabled, StoreError> {
    let changes = UserChanges::at(now).status(UserStatus::Disabled.as_str());
    store::users::update(conn, tenant, user_id, &changes)?;
    let sessions_ended = store::sessions::end_all_of_user(conn, tenant, user_id, now)?;
    let (families, _) = bans::ban(
        conn,
        tenant,
        &BanTarget::User(user_id.to_owned()),
        now,
        banned_at,
        chrono::Duration::seconds(crate::tokens::ban::KEEP_SECS),
    )?;
    store::revocation_acks::bump(conn, tenant)?;
    store::audit::append(
        conn,
        tenant,
        AuditEvent {
            actor,
            action: "user.disabled",
            target: user_id,
            detail: serde_json::json!({
                "sessions_ended": sessions_ended,
                "refresh_families_revoked": families,
            }),
        },
        now,
    )?;
    Ok(Disabled {
        sessions_ended,
        refresh_families_revoked: families,
    })
}

/// Enables a disabled user; call inside a write transaction.
pub fn enable_in_tx(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let changes = UserChanges::at(now).status(UserStatus::Active.as_str());
    store::users::update(conn, tenant, user_id, &changes)?;
    store::audit::append(
        conn,
        tenant,
        AuditEvent {
            actor,
            action: "user.enabled",
            target: user_id,
            detail: serde_json::json!({}),
        },
        now,
    )
}
