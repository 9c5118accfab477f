//! RFC 8693 token exchange: a client trades an access token of this tenant
//! (the subject token) for one meant for a named audience or resource — equal
//! or narrower in scope and rights, never wider — optionally recording who
//! acts on the subject's behalf (the actor token).

use super::{Context, TokenGrant, TokenResponse, mint_failed};
use crate::authz::rights;
use crate::oauth::scope::ScopeSet;
use crate::oauth::{Client, FormParams, GrantType, OAuthError, OAuthErrorCode};
use crate::tenancy::{TenantHandle, TenantSnapshot};
use crate::tokens::access::{self, TokenFacts};
use crate::tokens::minter::{AccessGrant, Lifetime};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

pub struct TokenExchange;

/// RFC 8693 §3: the only token type exchanged here, both ways.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// RFC 8693 §2.1 request parameters; `audience` and `resource` may repeat.
#[derive(Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    pub subject_token: String,
    pub actor_token: Option<String>,
    pub audiences: Vec<String>,
    pub resources: Vec<String>,
    pub scope: Option<ScopeSet>,
}

impl std::fmt::Debug for ExchangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeRequest")
            .field("audiences", &self.audiences)
            .field("resources", &self.resources)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenGrant for TokenExchange {
    const GRANT_TYPE: GrantType = GrantType::TokenExchange;
    type Request = ExchangeRequest;

    fn parse(p: &FormParams) -> Result<ExchangeRequest, OAuthError> {
        ExchangeRequest::parse(p)
    }

    /// The subject and actor tokens are verified on the evaluation threads
    /// when a holder narrowed them (`tokens::evaluator`).
    async fn handle(
        ctx: &Context<'_>,
        client: Arc<Client>,
        request: ExchangeRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let narrowed = std::iter::once(request.subject_token.as_str())
            .chain(request.actor_token.as_deref())
            .any(access::is_narrowed);
        let (handle, snapshot, now) = (ctx.tenant.clone(), ctx.snapshot.clone(), ctx.now);
        let exchanged = ctx.evaluator.run_if(narrowed, move || {
            let active = |t: &str| active_token(&handle, &snapshot, t, now);
            exchange(&snapshot, &client, &request, active, now)
        });
        exchanged.await?
    }
}

/// RFC 8693 §2.1: the subject and actor tokens must be active, unbanned
/// access tokens of this tenant.
fn active_token(
    handle: &TenantHandle,
    s: &TenantSnapshot,
    token: &str,
    now: DateTime<Utc>,
) -> Option<TokenFacts> {
    access::inspect(s.token_issuer(), token, now, |id| handle.is_revoked(id))
        .filter(|f| handle.allows(f))
}

impl ExchangeRequest {
    pub fn parse(p: &FormParams) -> Result<Self, OAuthError> {
        let subject_token = p.require("subject_token")?.to_owned();
        let token_type = |name: &str| match p.get(name) {
            None | Some(ACCESS_TOKEN_TYPE) => Ok(()),
            Some(other) => Err(OAuthError::invalid_request(format!(
                "{name} {other} is not supported; use {ACCESS_TOKEN_TYPE}"
            ))),
        };
        p.require("subject_token_type")?;
        token_type("subject_token_type")?;
        token_type("requested_token_type")?;
        token_type("actor_token_type")?;
        // §2.1: actor_token_type is required with actor_token, and only then.
        if p.contains("actor_token") != p.contains("actor_token_type") {
            return Err(OAuthError::invalid_request(
                "actor_token and actor_token_type go together",
            ));
        }
        Ok(Self {
            subject_token,
            actor_token: p.get("actor_token").map(str::to_owned),
            audiences: p.all("audience").to_vec(),
            resources: p.all("resource").to_vec(),
            scope: p.get("scope").map(ScopeSet::parse).transpose()?,
        })
    }
}

fn invalid(code: OAuthErrorCode, description: &str) -> OAuthError {
    OAuthError::new(code, description)
}

/// Exchanges; `active` turns a token string into the facts of an active,
/// unbanned access token of this tenant (after any narrowing blocks).
pub fn exchange(
    s: &TenantSnapshot,
    client: &Client,
    r: &ExchangeRequest,
    active: impl Fn(&str) -> Option<TokenFacts>,
    now: DateTime<Utc>,
) -> Result<TokenResponse, OAuthError> {
    let subject = active(&r.subject_token).ok_or_else(|| {
        invalid(
            OAuthErrorCode::InvalidGrant,
            "subject_token is not an active access token",
        )
    })?;
    // The new token may not outlive the subject token's narrowing: its
    // expiry is the effective one (verify::expiry), and a token whose time
    // checks cannot be read is not exchanged.
    if !subject.expiry_readable {
        return Err(invalid(
            OAuthErrorCode::InvalidGrant,
            "subject_token's time checks cannot be read; narrow its lifetime with check if time($t), $t < DATE",
        ));
    }
    let actors = actors(&subject, r.actor_token.as_deref(), &active)?;
    let audiences = targets(client, r)?;
    let scopes = scopes(client, &subject, r.scope.as_ref())?;
    let rights = rights::intersect(&subject.rights, &s.rights.of_scopes(scopes.as_set()));
    // RFC 8693 §2.2: the new token may not outlive the subject token. Every
    // token Gatehouse issues states its expiry; one that somehow does not
    // gets a token that is already expired (fail closed), never an unbounded one.
    let subject_exp = subject
        .expires_at
        .and_then(|e| DateTime::from_timestamp(e, 0))
        .unwrap_or(now);
    let access = s
        .token_issuer()
        .access(
            &AccessGrant {
                client,
                subject: subject.subject.clone(),
                scopes,
                rights,
                audiences,
                actors,
                // The subject signed in as the subject token says; who acts
                // for them is in `act`.
                amr: subject.amr.clone(),
                lifetime: Lifetime::not_after(subject_exp),
            },
            now,
        )
        .map_err(mint_failed)?;
    Ok(TokenResponse {
        issued_token_type: Some(ACCESS_TOKEN_TYPE),
        ..TokenResponse::bearer(access)
    })
}

/// The audience and resource asked for, each one the client may exchange for
/// (RFC 8693 §2.2.2 `invalid_target` otherwise); at least one is required.
fn targets(client: &Client, r: &ExchangeRequest) -> Result<BTreeSet<String>, OAuthError> {
    let wanted: BTreeSet<String> = r.audiences.iter().chain(&r.resources).cloned().collect();
    if wanted.is_empty() {
        return Err(OAuthError::invalid_request(
            "name the audience or resource the new token is for",
        ));
    }
    if let Some(t) = wanted
        .iter()
        .find(|t| !client.exchange_audiences.contains(*t))
    {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidTarget,
            format!("this client may not exchange tokens for {t}"),
        ));
    }
    Ok(wanted)
}

/// Equal or narrower: within the subject token's scopes and the client's.
fn scopes(
    client: &Client,
    subject: &TokenFacts,
    requested: Option<&ScopeSet>,
) -> Result<ScopeSet, OAuthError> {
    let available = ScopeSet::from_stored(subject.scopes.intersection(&client.scopes));
    let granted = match requested {
        None => available,
        Some(r) => {
            let r = r.clone();
            if !r.is_subset(&subject.scopes) {
                return Err(invalid(
                    OAuthErrorCode::InvalidScope,
                    "scope exceeds the subject token's",
                ));
            }
            if !r.is_subset(&client.scopes) {
                return Err(invalid(
                    OAuthErrorCode::InvalidScope,
                    "scope exceeds what this client may ask for",
                ));
            }
            r
        }
    };
    if granted.is_empty() {
        return Err(invalid(
            OAuthErrorCode::InvalidScope,
            "no scope left to grant",
        ));
    }
    Ok(granted)
}
/// The delegation chain of the new token (RFC 8693 §4.1): with an actor
/// token, its holder becomes the current actor and the subject token's actors
/// the earlier ones; without one, the subject token's chain is kept.
fn actors(
    subject: &TokenFacts,
    actor_token: Option<&str>,
    active: impl Fn(&str) -> Option<TokenFacts>,
) -> Result<Vec<String>, OAuthError> {
    let Some(t) = actor_token else {
        return Ok(subject.actors.clone());
    };
    let a = active(t).ok_or_else(|| {
        invalid(
            OAuthErrorCode::InvalidGrant,
            "actor_token is not an active access token",
        )
    })?;
    if subject.actors.len() >= access::MAX_ACTORS {
        return Err(invalid(
            OAuthErrorCode::InvalidRequest,
            "the delegation chain is too long",
        ));
    }
    let current = a.subject.unwrap_or(a.client_id);
    Ok(std::iter::once(current)
        .chain(subject.actors.iter().cloned())
        .collect())
}
