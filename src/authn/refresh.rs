//! The refresh_token grant (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2): each token works once; a spent token presented again
//! (outside the client's grace period) revokes its whole family.
//!
//! For an active token the work is three steps: a plain read (token, family,
//! user, rights), minting the new tokens outside the database — signing takes
//! longer than the whole transaction, and on SQLite database closures run one
//! at a time (`store::sqlite_thread`) — and a short write transaction whose
//! conditional update decides. What was minted is thrown away if that update
//! loses. Exactly-once rests on the conditional update alone
//! (docs/architecture.md, "Exactly once").

use super::grants::{
    Grant, Issuer, Outcome, UserTokenResponse, decode, insert_refresh_token, invalid_grant, mint,
    new_refresh_token, user_rights,
};
use super::session::{random_token, sha256_hex};
use crate::oauth::{Client, OAuthError, OAuthErrorCode};
use crate::store::refresh::{self, FamilyRow};
use crate::store::{self, DbConnection, Store, StoreError, write_tx};
use crate::tenancy::TenantSnapshot;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the read step found for an active token of this client.
struct Ready {
    family: FamilyRow,
    scopes: BTreeSet<String>,
    rights: BTreeSet<String>,
}

/// The whole grant: read, mint, rotate; anything unusual goes to [`locked`].
pub async fn refresh(
    store: &Store,
    snapshot: Arc<TenantSnapshot>,
    client: Arc<Client>,
    token: String,
    requested: Option<BTreeSet<String>>,
    now: DateTime<Utc>,
) -> Result<UserTokenResponse, OAuthError> {
    let (s, c, t, r) = (
        snapshot.clone(),
        client.clone(),
        token.clone(),
        requested.clone(),
    );
    let ready = store
        .run(move |conn| read(conn, &Issuer::of(&s), &c, &t, r.as_ref(), now))
        .await?;
    let Some(ready) = ready else {
        return run_locked(store, snapshot, client, token, requested, now).await;
    };
    let next = random_token();
    let grant = Grant {
        user_id: &ready.family.user_id,
        scopes: &ready.scopes,
        rights: ready.rights.clone(),
        session_id: ready.family.session_id.as_deref(),
        auth_time: ready.family.auth_time,
        amr: &ready.family.amr,
        nonce: None,
    };
    let minted = mint(
        &Issuer::of(&snapshot),
        &client,
        &grant,
        Some(next.clone()),
        now,
    )?;
    let (s, c, family) = (snapshot.clone(), client.clone(), ready.family.id);
    let hash = sha256_hex(&token);
    let rotated = store
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<bool, StoreError> {
                let db_now = now.naive_utc();
                if !refresh::rotate(conn, &s.id, &hash, db_now)? {
                    return Ok(false);
                }
                insert_refresh_token(conn, &s.id, &family, &c, &next, db_now)?;
                Ok(true)
            })
        })
        .await?;
    if rotated {
        Ok(minted.response)
    } else {
        // Another request spent the token between the read and the update:
        // what was minted is discarded and the locked path decides.
        run_locked(store, snapshot, client, token, requested, now).await
    }
}

/// The read step: `None` when the token is not an active token of this
/// client's, unexpired, in an active family of an active user — the locked
/// path then gives the answer (and applies reuse detection).
fn read(
    conn: &mut DbConnection,
    by: &Issuer<'_>,
    client: &Client,
    token: &str,
    requested: Option<&BTreeSet<String>>,
    now: DateTime<Utc>,
) -> Result<Option<Ready>, OAuthError> {
    let db_now = now.naive_utc();
    let family = match refresh::find(conn, by.tenant, &sha256_hex(token))? {
        Some((row, family))
            if row.state == refresh::ACTIVE
                && row.expires_at > db_now
                && family.state == refresh::ACTIVE
                && family.client_id == client.client_id.as_str() =>
        {
            family
        }
        _ => return Ok(None),
    };
    let scopes = narrowed_scopes(&family, requested)?;
    let user_ok =
        store::users::get(conn, by.tenant, &family.user_id)?.is_some_and(|u| u.status == "active");
    if !user_ok {
        return Ok(None);
    }
    let rights = user_rights(conn, by, &family.user_id, &scopes)?;
    Ok(Some(Ready {
        family,
        scopes,
        rights,
    }))
}

async fn run_locked(
    store: &Store,
    snapshot: Arc<TenantSnapshot>,
    client: Arc<Client>,
    token: String,
    requested: Option<BTreeSet<String>>,
    now: DateTime<Utc>,
) -> Result<UserTokenResponse, OAuthError> {
    store
        .run(move |conn| {
            locked(
                conn,
                &Issuer::of(&snapshot),
                &client,
                &token,
                requested.as_ref(),
                now,
            )
        })
        .await
}

/// RFC 6749 §6: a refresh may ask for a narrower scope, never a wider one.
fn narrowed_scopes(
    family: &FamilyRow,
    requested: Option<&BTreeSet<String>>,
) -> Result<BTreeSet<String>, OAuthError> {
    let granted = decode(&family.scopes);
    match requested {
        Some(r) if !r.is_subset(&granted) => Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            "scope exceeds what was granted",
        )),
        Some(r) => Ok(r.clone()),
        None => Ok(granted),
    }
}

/// The whole refresh_token grant in one write transaction, minting included.
/// Taken when the read step in [`refresh`] does not apply: the token is spent
/// or expired (reuse detection, the grace period), or another request rotated
/// it between the fast path's read and its update.
fn locked(
    conn: &mut DbConnection,
    by: &Issuer<'_>,
    client: &Client,
    token: &str,
    requested: Option<&BTreeSet<String>>,
    now: DateTime<Utc>,
) -> Result<UserTokenResponse, OAuthError> {
    let db_now = now.naive_utc();
    let hash = sha256_hex(token);
    let outcome = write_tx(
        conn,
        |conn| -> Result<Outcome<UserTokenResponse>, OAuthError> {
            let Some((row, family)) = refresh::find(conn, by.tenant, &hash)? else {
                return Ok(Outcome::Refused(invalid_grant(
                    "the refresh token is invalid",
                )));
            };
            if family.client_id != client.client_id.as_str() {
                return Ok(Outcome::Refused(invalid_grant(
                    "the refresh token was issued to another client",
                )));
            }
            if family.state != refresh::ACTIVE {
                return Ok(Outcome::Refused(invalid_grant(
                    "the refresh token has been revoked",
                )));
            }
            if !refresh::rotate(conn, by.tenant, &hash, db_now)? {
                let grace = chrono::Duration::from_std(client.refresh_grace).unwrap_or_default();
                let in_grace = row.state == refresh::ROTATED
                    && !grace.is_zero()
                    && row.rotated_at.is_some_and(|t| db_now - t <= grace);
                if !in_grace {
                    if row.state == refresh::ROTATED {
                        refresh::revoke_family(conn, by.tenant, &family.id, db_now)?;
                        return Ok(Outcome::Refused(invalid_grant(
                            "the refresh token was already used; its family has been revoked",
                        )));
                    }
                    return Ok(Outcome::Refused(invalid_grant(
                        "the refresh token has expired",
                    )));
                }
            }
            let scopes = narrowed_scopes(&family, requested)?;
            let user_ok = store::users::get(conn, by.tenant, &family.user_id)?
                .is_some_and(|u| u.status == "active");
            if !user_ok {
                refresh::revoke_family(conn, by.tenant, &family.id, db_now)?;
                return Ok(Outcome::Refused(invalid_grant(
                    "the user is no longer active",
                )));
            }
            let next = new_refresh_token(conn, by.tenant, &family.id, client, db_now)?;
            let grant = Grant {
                user_id: &family.user_id,
                scopes: &scopes,
                rights: user_rights(conn, by, &family.user_id, &scopes)?,
                session_id: family.session_id.as_deref(),
                auth_time: family.auth_time,
                amr: &family.amr,
                nonce: None,
            };
            Ok(Outcome::Issued(
                mint(by, client, &grant, Some(next), now)?.response,
            ))
        },
    )?;
    match outcome {
        Outcome::Issued(r) => Ok(r),
        Outcome::Refused(e) | Outcome::Replayed(e) => Err(e),
    }
}
