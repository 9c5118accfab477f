//! RFC 8693 token exchange: a client trades an access token of this tenant
//! (the subject token) for one meant for a named audience or resource — equal
//! or narrower in scope and rights, never wider — optionally recording who
//! acts on the subject's behalf (the actor token).

use super::access::{self, AccessClaims, AccessTokenFormat, TokenFacts};
use super::issue::Issuer;
use crate::authz::rights;
use crate::oauth::scope::ScopeSet;
use crate::oauth::{Client, FormParams, OAuthError, OAuthErrorCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

/// RFC 8693 §3: the only token type exchanged here, both ways.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// RFC 8693 §2.1 request parameters; `audience` and `resource` may repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    pub subject_token: String,
    pub actor_token: Option<String>,
    pub audiences: Vec<String>,
    pub resources: Vec<String>,
    pub scope: Option<ScopeSet>,
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

/// RFC 8693 §2.2.1.
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeResponse {
    pub access_token: String,
    pub issued_token_type: &'static str,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

fn invalid(code: OAuthErrorCode, description: &str) -> OAuthError {
    OAuthError::new(code, description)
}

/// Exchanges; `active` turns a token string into the facts of an active,
/// unbanned access token of this tenant (after any narrowing blocks).
pub fn exchange(
    by: &Issuer<'_>,
    client: &Client,
    r: &ExchangeRequest,
    active: impl Fn(&str) -> Option<TokenFacts>,
    now: DateTime<Utc>,
) -> Result<ExchangeResponse, OAuthError> {
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
    let rights = rights::intersect(&subject.rights, &by.rights.of_scopes(&scopes));
    let ttl = chrono::Duration::from_std(client.access_token_ttl).unwrap_or_default();
    let subject_exp = subject
        .expires_at
        .and_then(|e| DateTime::from_timestamp(e, 0))
        .unwrap_or(now);
    let expires_at = (now + ttl).min(subject_exp);
    let claims = AccessClaims {
        tenant: by.tenant.to_owned(),
        issuer: by.issuer.to_owned(),
        client_id: client.client_id.to_string(),
        subject: subject.subject.clone(),
        scopes,
        rights,
        audiences,
        actors,
        issued_at: now,
        expires_at,
    };
    let minted = match client.access_token_format {
        AccessTokenFormat::Biscuit => access::mint_biscuit(by.keys, &claims),
        AccessTokenFormat::Jwt => access::mint_jwt(by.keys, &claims),
    }
    .map_err(|e| {
        crate::http::error::log_internal(&e);
        OAuthError::server_error()
    })?;
    Ok(ExchangeResponse {
        access_token: minted.token,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: "Bearer",
        expires_in: (expires_at - now).num_seconds().max(0),
        scope: claims.scopes.into_iter().collect::<Vec<_>>().join(" "),
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
) -> Result<BTreeSet<String>, OAuthError> {
    let available: BTreeSet<String> = subject
        .scopes
        .intersection(&client.scopes)
        .cloned()
        .collect();
    let granted = match requested {
        None => available,
        Some(r) => {
            let r = r.clone().into_set();
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
