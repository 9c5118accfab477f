//! The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6): issuing a
//! code at the end of an interactive sign-in, and redeeming it once. A second
//! redemption fails and revokes what the first issued (RFC 6749 §4.1.2).
//!
//! Every rule a redemption obeys is [`check`], one pure function. When all is
//! well a redemption is three steps: a plain read that runs [`check`]; minting
//! outside the database; a write transaction whose conditional update
//! decides, then records what was issued. Anything amiss, or a lost update,
//! re-runs the grant in one transaction ([`locked`]) that runs the same
//! [`check`] and acts on its refusal (replay detection).

use super::sign_in::{
    Minted, UserGrant, decode_scopes, mint, new_refresh_token, start_family, user_rights,
    user_status, wants_refresh,
};
use super::{Context, TokenGrant, TokenResponse, exactly_once};
use crate::authn::session::sha256_hex;
use crate::identity::UserStatus;
use crate::oauth::pkce::{self, Method};
use crate::oauth::scope::ScopeSet;
use crate::oauth::secrets::{self, PkceVerifier};
use crate::oauth::{Client, FormParams, GrantType, OAuthError, OAuthErrorCode};
use crate::store::codes::{self, CodeRow};
use crate::store::refresh;
use crate::store::{self, DbConnection, StoreError, TenantId, write_tx};
use crate::tenancy::TenantSnapshot;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

pub struct AuthorizationCode;

/// The token request's parameters for this grant.
#[derive(Debug)]
pub struct CodeRequest {
    pub code: secrets::AuthorizationCode,
    pub redirect_uri: Option<String>,
    pub verifier: Option<PkceVerifier>,
}

/// Why a code is not redeemed; each is `invalid_grant` (RFC 6749 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    OtherClient,
    /// Redeemed before: what that redemption issued is revoked.
    Replayed,
    /// Banned before it was redeemed (`store::bans`).
    Revoked,
    Expired,
    RedirectMismatch,
    MissingVerifier,
    WrongVerifier,
    UserInactive,
}

impl Refusal {
    pub fn error(self) -> OAuthError {
        OAuthError::new(
            OAuthErrorCode::InvalidGrant,
            match self {
                Refusal::Unknown => "the code is invalid",
                Refusal::OtherClient => "the code was issued to another client",
                Refusal::Replayed => "the code was already used",
                Refusal::Revoked => "the code has been revoked",
                Refusal::Expired => "the code has expired",
                Refusal::RedirectMismatch => {
                    "redirect_uri does not match the authorization request"
                }
                Refusal::MissingVerifier | Refusal::WrongVerifier => {
                    "code_verifier does not match the code_challenge"
                }
                Refusal::UserInactive => "the user is no longer active",
            },
        )
    }
}

/// The rules of a redemption, in the order their refusals are reported: the
/// code is this client's (RFC 6749 §4.1.3), active — not redeemed, revoked or
/// expired —, asked for with the authorization request's redirect_uri
/// (§4.1.3), its PKCE challenge met (RFC 7636 §4.6), and its user active.
pub fn check(
    row: &CodeRow,
    client_id: &str,
    request: &CodeRequest,
    user: Option<UserStatus>,
    now: NaiveDateTime,
) -> Result<(), Refusal> {
    if row.client_id != client_id {
        return Err(Refusal::OtherClient);
    }
    match row.state.as_str() {
        codes::REDEEMED => return Err(Refusal::Replayed),
        codes::REVOKED => return Err(Refusal::Revoked),
        codes::ACTIVE if row.expires_at > now => {}
        _ => return Err(Refusal::Expired),
    }
    if request.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
        return Err(Refusal::RedirectMismatch);
    }
    let Some(verifier) = &request.verifier else {
        return Err(Refusal::MissingVerifier);
    };
    let method = row.code_challenge_method.as_deref().and_then(Method::parse);
    let met = match (row.code_challenge.as_deref(), method) {
        (Some(c), Some(m)) => pkce::verify(c, m, verifier.secret()),
        _ => false,
    };
    if !met {
        return Err(Refusal::WrongVerifier);
    }
    if !user.is_some_and(UserStatus::is_active) {
        return Err(Refusal::UserInactive);
    }
    Ok(())
}

impl TokenGrant for AuthorizationCode {
    const GRANT_TYPE: GrantType = GrantType::AuthorizationCode;
    type Request = CodeRequest;

    fn parse(p: &FormParams) -> Result<CodeRequest, OAuthError> {
        Ok(CodeRequest {
            code: secrets::AuthorizationCode::new(p.require("code")?),
            redirect_uri: p.get("redirect_uri").map(str::to_owned),
            verifier: p.get("code_verifier").map(PkceVerifier::new),
        })
    }

    async fn handle(
        ctx: &Context<'_>,
        client: Arc<Client>,
        request: CodeRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let redeemed = redeem(ctx, client, Arc::new(request)).await;
        if let Err(Locked::Replayed(_)) = &redeemed {
            // The replay revoked an access token: exact in this process at once.
            ctx.tenant.sync_revocations(Duration::from_secs(5)).await;
        }
        redeemed.map_err(Locked::into_error)
    }
}

/// The locked path's refusal, and whether it revoked access tokens.
enum Locked {
    Refused(OAuthError),
    Replayed(OAuthError),
}

impl Locked {
    fn into_error(self) -> OAuthError {
        match self {
            Locked::Refused(e) | Locked::Replayed(e) => e,
        }
    }
}

impl From<OAuthError> for Locked {
    fn from(e: OAuthError) -> Self {
        Locked::Refused(e)
    }
}

impl From<StoreError> for Locked {
    fn from(e: StoreError) -> Self {
        Locked::Refused(e.into())
    }
}

/// What the read step found: a redeemable code of this client.
struct Ready {
    row: CodeRow,
    scopes: ScopeSet,
    rights: BTreeSet<String>,
}

async fn redeem(
    ctx: &Context<'_>,
    client: Arc<Client>,
    request: Arc<CodeRequest>,
) -> Result<TokenResponse, Locked> {
    let (snapshot, now) = (ctx.snapshot.clone(), ctx.now);
    let hash = sha256_hex(request.code.secret());
    let (s, c, r) = (snapshot.clone(), client.clone(), request.clone());
    let locked = move |conn: &mut DbConnection| locked(conn, &s, &c, &r, now);
    let (s, c, h) = (snapshot.clone(), client.clone(), hash.clone());
    let read = move |conn: &mut DbConnection| read(conn, &s, &c, &request, &h, now.naive_utc());
    let mint = |ready: Ready| {
        let refresh_token = wants_refresh(&client, &ready.scopes).then(new_refresh_token);
        let grant = grant_of(&ready.row, &ready.scopes, ready.rights.clone());
        let minted = mint(
            &snapshot.token_issuer(),
            &client,
            &grant,
            refresh_token.clone(),
            now,
        )?;
        let issued = (
            minted.access.token.revocation_id.clone(),
            minted.access_expires(),
        );
        let (s, c) = (snapshot.clone(), client.clone());
        let commit = move |conn: &mut DbConnection| -> Result<bool, StoreError> {
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
        };
        Ok::<_, Locked>((minted.response, commit))
    };
    exactly_once::spend(ctx, read, mint, locked).await
}

/// The read step: `None` unless [`check`] passes.
fn read(
    conn: &mut DbConnection,
    s: &TenantSnapshot,
    client: &Client,
    request: &CodeRequest,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Option<Ready>, StoreError> {
    let Some(row) = codes::find(conn, &s.id, hash)? else {
        return Ok(None);
    };
    let user = user_status(conn, &s.id, &row.user_id)?;
    if check(&row, client.client_id.as_str(), request, user, now).is_err() {
        return Ok(None);
    }
    let scopes = decode_scopes(&row.scopes);
    let rights = user_rights(conn, &s.id, &s.rights, &row.user_id, &scopes)?;
    Ok(Some(Ready {
        row,
        scopes,
        rights,
    }))
}

fn grant_of<'a>(row: &'a CodeRow, scopes: &'a ScopeSet, rights: BTreeSet<String>) -> UserGrant<'a> {
    UserGrant {
        user_id: &row.user_id,
        scopes,
        rights,
        session_id: Some(&row.session_id),
        auth_time: row.auth_time,
        amr: &row.amr,
        nonce: row.nonce.as_deref(),
    }
}

/// What the transaction of [`locked`] commits to.
enum Outcome {
    Issued(Box<Minted>),
    Refused(Refusal),
}

/// The whole grant in one write transaction, minting included: taken when the
/// read step finds anything amiss (the precise error; a wrong redirect_uri or
/// verifier spends the code) or another redemption won (a replay). The
/// conditional update runs first, so of any number of redemptions, in any
/// number of processes, one wins and the others see a redeemed code.
fn locked(
    conn: &mut DbConnection,
    s: &TenantSnapshot,
    client: &Client,
    request: &CodeRequest,
    now: DateTime<Utc>,
) -> Result<TokenResponse, Locked> {
    let db_now = now.naive_utc();
    let hash = sha256_hex(request.code.secret());
    let outcome = write_tx(conn, |conn| -> Result<Outcome, OAuthError> {
        let Some(row) = codes::find(conn, &s.id, &hash)? else {
            return Ok(Outcome::Refused(Refusal::Unknown));
        };
        // Another client's code is left as it is.
        if row.client_id != client.client_id.as_str() {
            return Ok(Outcome::Refused(Refusal::OtherClient));
        }
        let row = if codes::redeem(conn, &s.id, &hash, db_now)? {
            row
        } else {
            // Lost (or never active): read the state the winner left.
            codes::find(conn, &s.id, &hash)?.unwrap_or(row)
        };
        let user = user_status(conn, &s.id, &row.user_id)?;
        if let Err(refusal) = check(&row, client.client_id.as_str(), request, user, db_now) {
            if refusal == Refusal::Replayed {
                revoke_issued(conn, &s.id, &row, db_now)?;
            }
            return Ok(Outcome::Refused(refusal));
        }
        let scopes = decode_scopes(&row.scopes);
        let (family_id, refresh_token) = if wants_refresh(client, &scopes) {
            let (family_id, token) = (store::new_id(), new_refresh_token());
            start_family(conn, &s.id, &row, &family_id, client, &token, db_now)?;
            (Some(family_id), Some(token))
        } else {
            (None, None)
        };
        let rights = user_rights(conn, &s.id, &s.rights, &row.user_id, &scopes)?;
        let minted = mint(
            &s.token_issuer(),
            client,
            &grant_of(&row, &scopes, rights),
            refresh_token,
            now,
        )?;
        codes::record_issued(
            conn,
            &s.id,
            &hash,
            family_id.as_deref(),
            &minted.access.token.revocation_id,
            minted.access_expires(),
        )?;
        Ok(Outcome::Issued(Box::new(minted)))
    })?;
    match outcome {
        Outcome::Issued(m) => Ok(m.response),
        Outcome::Refused(Refusal::Replayed) => Err(Locked::Replayed(Refusal::Replayed.error())),
        Outcome::Refused(r) => Err(Locked::Refused(r.error())),
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

#[cfg(test)]
#[path = "authorization_code_tests.rs"]
mod tests;
