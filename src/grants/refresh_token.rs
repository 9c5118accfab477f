//! The refresh_token grant (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2): each token works once; a spent token presented again
//! (outside the client's grace period) revokes its whole family.
//!
//! Every rule a refresh obeys is [`check`], one pure function. For an active
//! token the work is three steps: a plain read that runs [`check`], minting
//! the new tokens outside the database — signing takes longer than the whole
//! transaction, and on SQLite database closures run one at a time
//! (`store::sqlite_thread`) — and a short write transaction whose conditional
//! update decides. What was minted is thrown away if that update loses; the
//! locked path then runs the same [`check`] on what the winner left.
//! Exactly-once rests on the conditional update alone (docs/architecture.md,
//! "Exactly once").

use super::sign_in::{
    UserGrant, decode_scopes, insert_refresh_token, mint, new_refresh_token, user_rights,
    user_status,
};
use super::{Context, TokenGrant, TokenResponse, exactly_once};
use crate::authn::session::sha256_hex;
use crate::identity::UserStatus;
use crate::oauth::scope::ScopeSet;
use crate::oauth::secrets::RefreshTokenValue;
use crate::oauth::{Client, FormParams, GrantType, OAuthError, OAuthErrorCode};
use crate::store::refresh::{self, FamilyRow, TokenRow};
use crate::store::{DbConnection, StoreError, write_tx};
use crate::tenancy::TenantSnapshot;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

pub struct RefreshToken;

/// The token request's parameters for this grant.
#[derive(Debug)]
pub struct RefreshRequest {
    pub token: RefreshTokenValue,
    /// RFC 6749 §6: a narrower scope than granted, or `None` for all of it.
    pub scope: Option<ScopeSet>,
}

/// Why a refresh is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    OtherClient,
    /// The family was revoked (sign-out, consent withdrawn, a ban, reuse).
    Revoked,
    /// Spent before, outside the grace period: the family is revoked.
    Reused,
    Expired,
    /// More scope than the family was granted (`invalid_scope`).
    ScopeWidened,
    /// The user is disabled or gone: the family is revoked.
    UserInactive,
}

impl Refusal {
    pub fn error(self) -> OAuthError {
        let (code, description) = match self {
            Refusal::Unknown => (OAuthErrorCode::InvalidGrant, "the refresh token is invalid"),
            Refusal::OtherClient => (
                OAuthErrorCode::InvalidGrant,
                "the refresh token was issued to another client",
            ),
            Refusal::Revoked => (
                OAuthErrorCode::InvalidGrant,
                "the refresh token has been revoked",
            ),
            Refusal::Reused => (
                OAuthErrorCode::InvalidGrant,
                "the refresh token was already used; its family has been revoked",
            ),
            Refusal::Expired => (
                OAuthErrorCode::InvalidGrant,
                "the refresh token has expired",
            ),
            Refusal::ScopeWidened => (
                OAuthErrorCode::InvalidScope,
                "scope exceeds what was granted",
            ),
            Refusal::UserInactive => (OAuthErrorCode::InvalidGrant, "the user is no longer active"),
        };
        OAuthError::new(code, description)
    }

    /// Whether refusing revokes the token's family (RFC 9700 §4.14.2).
    pub fn revokes_family(self) -> bool {
        matches!(self, Refusal::Reused | Refusal::UserInactive)
    }
}

/// A refresh that may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub scopes: ScopeSet,
    /// The token is active and is spent by this refresh; false for a token
    /// already rotated within the client's grace period, which stays spent.
    pub rotates: bool,
}

/// The rules of a refresh, in the order their refusals are reported: the
/// token is this client's, its family active, the token active and unexpired
/// (or rotated within `grace`), the scope asked for within the family's
/// (RFC 6749 §6), and the user active.
pub fn check(
    token: &TokenRow,
    family: &FamilyRow,
    client_id: &str,
    grace: chrono::Duration,
    requested: Option<&ScopeSet>,
    user: Option<UserStatus>,
    now: NaiveDateTime,
) -> Result<Checked, Refusal> {
    if family.client_id != client_id {
        return Err(Refusal::OtherClient);
    }
    if family.state != refresh::ACTIVE {
        return Err(Refusal::Revoked);
    }
    let rotates = match token.state.as_str() {
        refresh::ACTIVE if token.expires_at > now => true,
        refresh::ROTATED
            if !grace.is_zero() && token.rotated_at.is_some_and(|t| now - t <= grace) =>
        {
            false
        }
        refresh::ROTATED => return Err(Refusal::Reused),
        _ => return Err(Refusal::Expired),
    };
    let granted = decode_scopes(&family.scopes);
    let scopes = match requested {
        Some(r) if !r.is_subset(granted.as_set()) => return Err(Refusal::ScopeWidened),
        Some(r) => r.clone(),
        None => granted,
    };
    if !user.is_some_and(UserStatus::is_active) {
        return Err(Refusal::UserInactive);
    }
    Ok(Checked { scopes, rotates })
}

impl TokenGrant for RefreshToken {
    const GRANT_TYPE: GrantType = GrantType::RefreshToken;
    type Request = RefreshRequest;

    fn parse(p: &FormParams) -> Result<RefreshRequest, OAuthError> {
        Ok(RefreshRequest {
            token: RefreshTokenValue::new(p.require("refresh_token")?),
            scope: p.get("scope").map(ScopeSet::parse).transpose()?,
        })
    }

    async fn handle(
        ctx: &Context<'_>,
        client: Arc<Client>,
        request: RefreshRequest,
    ) -> Result<TokenResponse, OAuthError> {
        refresh(ctx, client, Arc::new(request)).await
    }
}

/// What the read step found for an active token of this client.
struct Ready {
    family: FamilyRow,
    scopes: ScopeSet,
    rights: BTreeSet<String>,
}

/// [`check`] of a token of `family` for this client and request, the user's
/// status as read: the read and the locked step judge alike.
fn judge<'a>(
    family: &'a FamilyRow,
    client: &'a Client,
    request: &'a RefreshRequest,
    user: Option<UserStatus>,
    now: NaiveDateTime,
) -> impl Fn(&TokenRow) -> Result<Checked, Refusal> + 'a {
    let grace = chrono::Duration::from_std(client.refresh_grace).unwrap_or_default();
    move |token| {
        check(
            token,
            family,
            client.client_id.as_str(),
            grace,
            request.scope.as_ref(),
            user,
            now,
        )
    }
}

/// The whole grant: read, mint, rotate; anything unusual goes to [`locked`]
/// (`exactly_once`).
async fn refresh(
    ctx: &Context<'_>,
    client: Arc<Client>,
    request: Arc<RefreshRequest>,
) -> Result<TokenResponse, OAuthError> {
    let (snapshot, now) = (ctx.snapshot.clone(), ctx.now);
    let (s, c, r) = (snapshot.clone(), client.clone(), request.clone());
    let locked = move |conn: &mut DbConnection| locked(conn, &s, &c, &r, now);
    let (s, c, r) = (snapshot.clone(), client.clone(), request.clone());
    let read = move |conn: &mut DbConnection| read(conn, &s, &c, &r, now.naive_utc());
    let mint = |ready: Ready| {
        let next = new_refresh_token();
        let grant = grant_of(&ready.family, &ready.scopes, ready.rights.clone());
        let minted = mint(
            &snapshot.token_issuer(),
            &client,
            &grant,
            Some(next.clone()),
            now,
        )?;
        let (s, c, family) = (snapshot.clone(), client.clone(), ready.family.id);
        let hash = sha256_hex(request.token.secret());
        let commit = move |conn: &mut DbConnection| -> Result<bool, StoreError> {
            let db_now = now.naive_utc();
            if !refresh::rotate(conn, &s.id, &hash, db_now)? {
                return Ok(false);
            }
            insert_refresh_token(conn, &s.id, &family, &c, &next, db_now)?;
            Ok(true)
        };
        Ok::<_, OAuthError>((minted.response, commit))
    };
    exactly_once::spend(ctx, read, mint, locked).await
}

/// The read step: `None` unless [`check`] passes for a token this refresh
/// rotates.
fn read(
    conn: &mut DbConnection,
    s: &TenantSnapshot,
    client: &Client,
    request: &RefreshRequest,
    now: NaiveDateTime,
) -> Result<Option<Ready>, StoreError> {
    let Some((token, family)) = refresh::find(conn, &s.id, &sha256_hex(request.token.secret()))?
    else {
        return Ok(None);
    };
    let user = user_status(conn, &s.id, &family.user_id)?;
    let checked = judge(&family, client, request, user, now)(&token);
    let Ok(Checked {
        scopes,
        rotates: true,
    }) = checked
    else {
        return Ok(None);
    };
    let rights = user_rights(conn, &s.id, &s.rights, &family.user_id, &scopes)?;
    Ok(Some(Ready {
        family,
        scopes,
        rights,
    }))
}

fn grant_of<'a>(
    family: &'a FamilyRow,
    scopes: &'a ScopeSet,
    rights: BTreeSet<String>,
) -> UserGrant<'a> {
    UserGrant {
        user_id: &family.user_id,
        scopes,
        rights,
        session_id: family.session_id.as_deref(),
        auth_time: family.auth_time,
        amr: &family.amr,
        nonce: None,
    }
}

enum Outcome {
    Issued(Box<TokenResponse>),
    Refused(Refusal),
}

/// The whole refresh_token grant in one write transaction, minting included.
/// Taken when the read step does not apply: the token is spent or expired
/// (reuse detection, the grace period), or another request rotated it
/// between the read and the update. An active token's conditional update
/// runs before anything is issued; when it loses, [`check`] judges the state
/// the winner left.
fn locked(
    conn: &mut DbConnection,
    s: &TenantSnapshot,
    client: &Client,
    request: &RefreshRequest,
    now: DateTime<Utc>,
) -> Result<TokenResponse, OAuthError> {
    let db_now = now.naive_utc();
    let hash = sha256_hex(request.token.secret());
    let outcome = write_tx(conn, |conn| -> Result<Outcome, OAuthError> {
        let Some((token, family)) = refresh::find(conn, &s.id, &hash)? else {
            return Ok(Outcome::Refused(Refusal::Unknown));
        };
        let user = user_status(conn, &s.id, &family.user_id)?;
        let judge = judge(&family, client, request, user, db_now);
        let checked = match judge(&token) {
            Ok(c) if c.rotates && !refresh::rotate(conn, &s.id, &hash, db_now)? => {
                // Lost the race: judge what the winner left.
                match refresh::find(conn, &s.id, &hash)? {
                    Some((after, _)) => match judge(&after) {
                        Ok(c) if c.rotates => Err(Refusal::Expired),
                        other => other,
                    },
                    None => Err(Refusal::Unknown),
                }
            }
            other => other,
        };
        let checked = match checked {
            Ok(c) => c,
            Err(refusal) => {
                if refusal.revokes_family() {
                    refresh::revoke_family(conn, &s.id, &family.id, db_now)?;
                }
                return Ok(Outcome::Refused(refusal));
            }
        };
        let next = new_refresh_token();
        insert_refresh_token(conn, &s.id, &family.id, client, &next, db_now)?;
        let rights = user_rights(conn, &s.id, &s.rights, &family.user_id, &checked.scopes)?;
        let grant = grant_of(&family, &checked.scopes, rights);
        let minted = mint(&s.token_issuer(), client, &grant, Some(next), now)?;
        Ok(Outcome::Issued(Box::new(minted.response)))
    })?;
    match outcome {
        Outcome::Issued(r) => Ok(*r),
        Outcome::Refused(r) => Err(r.error()),
    }
}

#[cfg(test)]
#[path = "refresh_token_tests.rs"]
mod tests;
