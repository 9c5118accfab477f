//! The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6). A second
//! redemption fails and revokes what the first issued (RFC 6749 §4.1.2).
//!
//! Like the refresh grant (`authn::refresh`), three steps when all is well: a
//! plain read that checks the code (client, expiry, redirect_uri, PKCE) and the
//! user; minting outside the database; a write transaction whose conditional
//! update decides, then records what was issued. Anything amiss, or a lost
//! update, re-runs the whole grant in one transaction ([`locked`]), which gives
//! the precise error and applies replay detection.

use super::grants::{
    Grant, GrantError, Issuer, Outcome, UserTokenResponse, decode, insert_refresh_token,
    invalid_grant, mint, user_rights, wants_refresh,
};
use super::session::{random_token, sha256_hex};
use crate::oauth::pkce::{self, Method};
use crate::oauth::{Client, OAuthError};
use crate::store::codes::{self, CodeRow};
use crate::store::refresh::{self, FamilyRow};
use crate::store::{self, DbConnection, Store, StoreError, TenantId, write_tx};
use crate::tenancy::TenantSnapshot;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The token request's parts for this grant.
pub struct CodeRequest {
    pub code: String,
    pub redirect_uri: Option<String>,
    pub verifier: Option<String>,
}

/// What the read step found: a redeemable code of this client.
struct Ready {
    row: CodeRow,
    scopes: BTreeSet<String>,
    rights: BTreeSet<String>,
}

pub async fn redeem(
    store: &Store,
    snapshot: Arc<TenantSnapshot>,
    client: Arc<Client>,
    request: CodeRequest,
    now: DateTime<Utc>,
) -> Result<UserTokenResponse, GrantError> {
    let request = Arc::new(request);
    let hash = sha256_hex(&request.code);
    let (s, c, r, h) = (
        snapshot.clone(),
        client.clone(),
        request.clone(),
        hash.clone(),
    );
    let ready = store
        .run(move |conn| read(conn, &Issuer::of(&s), &c, &r, &h, now))
        .await?;
    let Some(ready) = ready else {
        return run_locked(store, snapshot, client, request, now).await;
    };
    let refresh_token = wants_refresh(&client, &ready.scopes).then(random_token);
    let grant = Grant {
        user_id: &ready.row.user_id,
        scopes: &ready.scopes,
        rights: ready.rights.clone(),
        session_id: Some(&ready.row.session_id),
        auth_time: ready.row.auth_time,
        amr: &ready.row.amr,
        nonce: ready.row.nonce.as_deref(),
    };
    let minted = mint(
        &Issuer::of(&snapshot),
        &client,
        &grant,
        refresh_token.clone(),
        now,
    )?;
    let issued = (minted.access.revocation_id.clone(), minted.access_expires);
    let (s, c) = (snapshot.clone(), client.clone());
    let won = store
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<bool, StoreError> {
                let db_now = now.naive_utc();
                if !codes::redeem(conn, &s.id, &hash, db_now)? {
                    return Ok(false);
                }
                let family = store::new_id();
                if let Some(token) = &refresh_token {
                    start_family(conn, &s.id, &ready.row, &family, &c, token, db_now)?;
                }
                let family = refresh_token.is_some().then_some(family.as_str());
                codes::record_issued(conn, &s.id, &hash, family, &issued.0, issued.1)?;
                Ok(true)
            })
        })
        .await?;
    if won {
        Ok(minted.response)
    } else {
        // Another redemption won between the read and the update: this one
        // is a replay, which the locked path answers (and acts on).
        run_locked(store, snapshot, client, request, now).await
    }
}

/// The read step: `None` unless the code is active, unexpired, this client's,
/// for this redirect_uri, its PKCE challenge met, and its user active.
fn read(
    conn: &mut DbConnection,
    by: &Issuer<'_>,
    client: &Client,
    request: &CodeRequest,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ready>, OAuthError> {
    let Some(row) = codes::find(conn, by.tenant, hash)? else {
        return Ok(None);
    };
    let method = row.code_challenge_method.as_deref().and_then(Method::parse);
    let pkce_ok = match (
        row.code_challenge.as_deref(),
        method,
        request.verifier.as_deref(),
    ) {
        (Some(c), Some(m), Some(v)) => pkce::verify(c, m, v),
        _ => false,
    };
    if row.state != codes::ACTIVE
        || row.expires_at <= now.naive_utc()
        || row.client_id != client.client_id.as_str()
        || request.redirect_uri.as_deref() != Some(row.redirect_uri.as_str())
        || !pkce_ok
    {
        return Ok(None);
    }
    let user_ok =
        store::users::get(conn, by.tenant, &row.user_id)?.is_some_and(|u| u.status == "active");
    if !user_ok {
        return Ok(None);
    }
    let scopes = decode(&row.scopes);
    let rights = user_rights(conn, by, &row.user_id, &scopes)?;
    Ok(Some(Ready {
        row,
        scopes,
        rights,
    }))
}

async fn run_locked(
    store: &Store,
    snapshot: Arc<TenantSnapshot>,
    client: Arc<Client>,
    request: Arc<CodeRequest>,
    now: DateTime<Utc>,
) -> Result<UserTokenResponse, GrantError> {
    store
        .run(move |conn| {
            locked(
                conn,
                &Issuer::of(&snapshot),
                &client,
                &request.code,
                request.redirect_uri.as_deref(),
                request.verifier.as_deref(),
                now,
            )
        })
        .await
}

/// Starts the refresh family of a redeemed code, with its first token.
fn start_family(
    conn: &mut DbConnection,
    tenant: &TenantId,
    row: &CodeRow,
    family_id: &str,
    client: &Client,
    token: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    refresh::insert_family(
        conn,
        tenant,
        &FamilyRow {
            id: family_id.to_owned(),
            tenant_id: tenant.to_string(),
            client_id: row.client_id.clone(),
            user_id: row.user_id.clone(),
            session_id: Some(row.session_id.clone()),
            scopes: row.scopes.clone(),
            auth_time: row.auth_time,
            amr: row.amr.clone(),
            state: refresh::ACTIVE.into(),
            created_at: now,
            revoked_at: None,
        },
    )?;
    insert_refresh_token(conn, tenant, family_id, client, token, now)
}

/// The whole grant in one write transaction, minting included: taken when the
/// read step in [`redeem`] finds anything amiss (the precise error, PKCE
/// failures burning the code) or another redemption won (a replay).
fn locked(
    conn: &mut DbConnection,
    by: &Issuer<'_>,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    now: DateTime<Utc>,
) -> Result<UserTokenResponse, GrantError> {
    let db_now = now.naive_utc();
    let hash = sha256_hex(code);
    let outcome = write_tx(
        conn,
        |conn| -> Result<Outcome<UserTokenResponse>, OAuthError> {
            let Some(row) = codes::find(conn, by.tenant, &hash)? else {
                return Ok(Outcome::Refused(invalid_grant("the code is invalid")));
            };
            if row.client_id != client.client_id.as_str() {
                return Ok(Outcome::Refused(invalid_grant(
                    "the code was issued to another client",
                )));
            }
            if !codes::redeem(conn, by.tenant, &hash, db_now)? {
                if row.state == codes::REDEEMED {
                    revoke_issued(conn, by.tenant, &row, db_now)?;
                    return Ok(Outcome::Replayed(invalid_grant(
                        "the code was already used",
                    )));
                }
                if row.state == codes::REVOKED {
                    return Ok(Outcome::Refused(invalid_grant("the code has been revoked")));
                }
                return Ok(Outcome::Refused(invalid_grant("the code has expired")));
            }
            if redirect_uri != Some(row.redirect_uri.as_str()) {
                return Ok(Outcome::Refused(invalid_grant(
                    "redirect_uri does not match the authorization request",
                )));
            }
            let method = row.code_challenge_method.as_deref().and_then(Method::parse);
            let pkce_ok = match (row.code_challenge.as_deref(), method, verifier) {
                (Some(c), Some(m), Some(v)) => pkce::verify(c, m, v),
                _ => false,
            };
            if !pkce_ok {
                return Ok(Outcome::Refused(invalid_grant(
                    "code_verifier does not match the code_challenge",
                )));
            }
            let user_ok = store::users::get(conn, by.tenant, &row.user_id)?
                .is_some_and(|u| u.status == "active");
            if !user_ok {
                return Ok(Outcome::Refused(invalid_grant(
                    "the user is no longer active",
                )));
            }
            let scopes = decode(&row.scopes);
            let (family_id, refresh_token) = if wants_refresh(client, &scopes) {
                let (family_id, token) = (store::new_id(), random_token());
                start_family(conn, by.tenant, &row, &family_id, client, &token, db_now)?;
                (Some(family_id), Some(token))
            } else {
                (None, None)
            };
            let grant = Grant {
                user_id: &row.user_id,
                scopes: &scopes,
                rights: user_rights(conn, by, &row.user_id, &scopes)?,
                session_id: Some(&row.session_id),
                auth_time: row.auth_time,
                amr: &row.amr,
                nonce: row.nonce.as_deref(),
            };
            let minted = mint(by, client, &grant, refresh_token, now)?;
            codes::record_issued(
                conn,
                by.tenant,
                &hash,
                family_id.as_deref(),
                &minted.access.revocation_id,
                minted.access_expires,
            )?;
            Ok(Outcome::Issued(minted.response))
        },
    )?;
    match outcome {
        Outcome::Issued(r) => Ok(r),
        Outcome::Refused(e) => Err(e.into()),
        Outcome::Replayed(error) => Err(GrantError {
            error,
            revoked_access_tokens: true,
        }),
    }
}

/// A replayed code: revoke the refresh family and the access token the first
/// redemption issued.
fn revoke_issued(
    conn: &mut DbConnection,
    tenant: &TenantId,
    row: &CodeRow,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if let Some(family) = &row.family_id {
        refresh::revoke_family(conn, tenant, family, now)?;
    }
    if let (Some(id), Some(exp)) = (&row.access_revocation_id, row.access_expires_at) {
        store::revocations::revoke_in_tx(conn, tenant, id, exp, now)?;
    }
    Ok(())
}
