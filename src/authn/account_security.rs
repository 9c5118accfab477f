//! What the account page lets a user do about who can act as them: their
//! live sessions (signing out the others), the apps they gave consent to
//! (withdrawing one, its refresh tokens revoked in the same transaction),
//! and their password (the current one required; the other sessions end).

use crate::config::SecretString;
use crate::identity::password::{PasswordHasher, PolicyError};
use crate::store::audit::{self, AuditEvent};
use crate::store::sessions::SessionRow;
use crate::store::users::{UserChanges, UserRow};
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use std::collections::BTreeSet;

/// The user's live sessions, newest first.
pub fn sessions(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<SessionRow>, StoreError> {
    store::sessions::live_of_user(conn, tenant, user_id, now)
}

/// An app the user allowed: its client id and the scopes granted.
pub struct Allowed {
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    pub updated_at: NaiveDateTime,
}

pub fn apps(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Vec<Allowed>, StoreError> {
    Ok(store::consents::list_of_user(conn, tenant, user_id)?
        .into_iter()
        .map(|(client_id, scopes, updated_at)| Allowed {
            client_id,
            scopes,
            updated_at,
        })
        .collect())
}

/// Ends every live session of the user but `keep`, and revokes the refresh
/// token families they started, in one transaction; how many ended.
pub fn sign_out_others(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    keep: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    store::write_tx(conn, |c| {
        let ended = end_others(c, tenant, user_id, keep, now)?;
        audit::append(
            c,
            tenant,
            AuditEvent {
                actor: user_id,
                action: "sessions.signed_out_others",
                target: user_id,
                detail: serde_json::json!({ "ended": ended }),
            },
            now,
        )?;
        Ok(ended)
    })
}

fn end_others(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    keep: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let mut ended = 0;
    for s in store::sessions::live_of_user(conn, tenant, user_id, now)? {
        if s.id != keep {
            store::sessions::end(conn, tenant, &s.id, now)?;
            store::refresh::revoke_session_families(conn, tenant, &s.id, now)?;
            ended += 1;
        }
    }
    Ok(ended)
}

/// Withdraws the consent the user gave `client_id` and revokes the app's
/// refresh token families for the user, in one transaction; whether there
/// was a consent.
pub fn withdraw(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    store::write_tx(conn, |c| {
        if store::consents::revoke(c, tenant, user_id, client_id)? == 0 {
            return Ok(false);
        }
        let revoked =
            store::refresh::revoke_user_client_families(c, tenant, user_id, client_id, now)?;
        audit::append(
            c,
            tenant,
            AuditEvent {
                actor: user_id,
                action: "consent.withdrawn",
                target: client_id,
                detail: serde_json::json!({ "refresh_families_revoked": revoked }),
            },
            now,
        )?;
        Ok(true)
    })
}

/// Why a new password was not set.
#[derive(Debug)]
pub enum PasswordRefused {
    /// The current password is wrong.
    Wrong,
    /// The new one breaks the policy.
    Policy(PolicyError),
}

/// Checks the current password and the policy, and hashes the new one:
/// argon2 twice, so call on a blocking thread, holding no connection.
/// The new hash.
pub fn new_hash(
    hasher: &PasswordHasher,
    user: &UserRow,
    current: &SecretString,
    new: &SecretString,
) -> Result<Result<String, PasswordRefused>, crate::identity::password::PasswordError> {
    let ok = match &user.password_hash {
        Some(h) => hasher.verify(current, h)?,
        None => {
            hasher.verify_dummy(current);
            false
        }
    };
    if !ok {
        return Ok(Err(PasswordRefused::Wrong));
    }
    if let Err(e) = hasher.check_policy(new, &user.username, user.email.as_deref()) {
        return Ok(Err(PasswordRefused::Policy(e)));
    }
    Ok(Ok(hasher.hash(new)?))
}

/// Stores the new hash and ends the user's other sessions (and their refresh
/// families) in one transaction (OWASP ASVS v4 3.3.3), audited without any
/// secret. `false` when the password changed meanwhile (another request won).
pub fn set_password(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user: &UserRow,
    new_hash: &str,
    keep_session: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    store::write_tx(conn, |c| {
        let fresh = store::users::get(c, tenant, &user.id)?;
        if fresh.and_then(|u| u.password_hash) != user.password_hash {
            return Ok(false);
        }
        let changes = UserChanges::at(now).password_hash(new_hash);
        store::users::update(c, tenant, &user.id, &changes)?;
        let ended = end_others(c, tenant, &user.id, keep_session, now)?;
        audit::append(
            c,
            tenant,
            AuditEvent {
                actor: &user.id,
                action: "user.password_changed",
                target: &user.id,
                detail: serde_json::json!({ "sessions_ended": ended }),
            },
            now,
        )?;
        Ok(true)
    })
}
