//! Browser sessions and the checks on the credentials that start them.

use crate::config::SecretString;
use crate::identity::UserStatus;
use crate::identity::password::PasswordHasher;
use crate::store::sessions::SessionRow;
use crate::store::users::UserRow;
use crate::store::{self, DbConnection, StoreError, TenantId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

/// 256 random bits, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(value.as_bytes()))
}

/// The active user a login names (username, or email when it has an `@`) and
/// their password hash, if they have one.
pub fn find_login(
    conn: &mut DbConnection,
    tenant: &TenantId,
    login: &str,
) -> Result<Option<(UserRow, String)>, StoreError> {
    let login = login.trim();
    let user = if login.contains('@') {
        store::users::find_by_email(conn, tenant, login)?
    } else {
        store::users::find_by_username(conn, tenant, &login.to_lowercase())?
    };
    Ok(user
        .filter(|u| UserStatus::of_row(&u.status).is_active())
        .and_then(|u| u.password_hash.clone().map(|h| (u, h))))
}

/// The user of [`find_login`] if the password matches. The answer takes the
/// same time whether or not the user exists (a dummy hash is checked for
/// unknown users). Runs argon2: call on a blocking thread, holding no database
/// connection.
pub fn check_password(
    found: Option<(UserRow, String)>,
    password: &SecretString,
    hasher: &PasswordHasher,
) -> Option<UserRow> {
    match found {
        Some((user, hash)) => hasher
            .verify(password, &hash)
            .unwrap_or(false)
            .then_some(user),
        None => {
            hasher.verify_dummy(password);
            None
        }
    }
}

/// A new session and the cookie value that names it (shown to the browser only).
pub struct NewSession {
    pub cookie_value: String,
    pub row: SessionRow,
}

/// A session for a user who authenticated at `auth_time` by `amr` (RFC 8176
/// values; `mfa` when more than one factor was used).
pub fn create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    amr: &[String],
    auth_time: NaiveDateTime,
    now: NaiveDateTime,
    ttl: chrono::Duration,
) -> Result<NewSession, StoreError> {
    let cookie_value = random_token();
    let row = SessionRow {
        id: store::new_id(),
        tenant_id: tenant.to_string(),
        user_id: user_id.to_owned(),
        token_sha256: sha256_hex(&cookie_value),
        auth_time,
        amr: serde_json::Value::from(amr.to_vec()).to_string(),
        created_at: now,
        expires_at: now + ttl,
        ended_at: None,
    };
    store::sessions::insert(conn, tenant, &row)?;
    Ok(NewSession { cookie_value, row })
}

/// The live session of this tenant named by a cookie value.
pub fn lookup(
    conn: &mut DbConnection,
    tenant: &TenantId,
    cookie_value: &str,
    now: NaiveDateTime,
) -> Result<Option<SessionRow>, StoreError> {
    store::sessions::find_live(conn, tenant, &sha256_hex(cookie_value), now)
}

pub fn amr(row: &SessionRow) -> Vec<String> {
    serde_json::from_str(&row.amr).unwrap_or_default()
}

/// Whether the session's sign-in used more than one factor (RFC 8176 `mfa`).
pub fn has_mfa(row: &SessionRow) -> bool {
    amr(row).iter().any(|m| m == "mfa")
}

/// `amr` with `added` appended, each value once, in order.
pub fn merged_amr(amr: &[String], added: &[&str]) -> Vec<String> {
    let mut out = amr.to_vec();
    for a in added {
        if !out.iter().any(|m| m == a) {
            out.push((*a).to_owned());
        }
    }
    out
}

/// Step-up: adds `added` to how a live session of this user signed in, in
/// place (the cookie stays); the session as it is now, or `None` when it
/// ended meanwhile.
pub fn add_to_amr(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
    user_id: &str,
    added: &[&str],
    now: NaiveDateTime,
) -> Result<Option<SessionRow>, StoreError> {
    store::write_tx(conn, |c| {
        let Some(row) = store::sessions::find_live_by_id(c, tenant, session_id, now)? else {
            return Ok(None);
        };
        if row.user_id != user_id {
            return Ok(None);
        }
        let amr = merged_amr(&amr(&row), added);
        let stored = serde_json::Value::from(amr).to_string();
        store::sessions::set_amr(c, tenant, session_id, user_id, &stored)?;
        store::sessions::get(c, tenant, session_id)
    })
}

/// Ends a session and revokes the refresh families it started, in one
/// transaction (logout).
pub fn sign_out(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    store::write_tx(conn, |c| {
        store::sessions::end(c, tenant, session_id, now)?;
        store::refresh::revoke_session_families(c, tenant, session_id, now)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::merged_amr;

    #[test]
    fn step_up_adds_each_method_once_in_order() {
        let pwd = vec!["pwd".to_owned()];
        assert_eq!(merged_amr(&pwd, &["otp", "mfa"]), ["pwd", "otp", "mfa"]);
        let done = merged_amr(&pwd, &["otp", "mfa"]);
        assert_eq!(merged_amr(&done, &["otp", "mfa"]), ["pwd", "otp", "mfa"]);
    }
}
