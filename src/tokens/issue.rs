//! Issuing tokens for a token request whose client has authenticated.

use super::access::{self, AccessClaims, AccessTokenFormat};
use super::keyring::KeyRing;
use crate::authz::rights::RightsModel;
use crate::oauth::grant::TokenRequest;
use crate::oauth::{Client, OAuthError, OAuthErrorCode, scope};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// RFC 6749 §5.1 successful response.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub scope: String,
}

/// Who is issuing: the tenant's slug, issuer and keys.
pub struct Issuer<'a> {
    pub tenant: &'a str,
    pub issuer: &'a str,
    pub keys: &'a KeyRing,
    pub rights: &'a RightsModel,
}

pub fn issue(
    by: &Issuer<'_>,
    client: &Client,
    request: TokenRequest,
    now: DateTime<Utc>,
) -> Result<TokenResponse, OAuthError> {
    match request {
        TokenRequest::ClientCredentials { scope: requested } => {
            // RFC 6749 §4.4: only confidential clients.
            if client.public {
                return Err(OAuthError::new(
                    OAuthErrorCode::UnauthorizedClient,
                    "public clients cannot use client_credentials",
                ));
            }
            let scopes = scope::grant(requested.as_ref(), &client.scopes, &client.default_scopes)?;
            let ttl = chrono::Duration::from_std(client.access_token_ttl)
                .unwrap_or(chrono::Duration::hours(1));
            // The client's own rights: its service roles' permissions that
            // the granted scopes carry (authz::rights).
            let rights = by.rights.token_rights(&client.service_roles, &scopes);
            let claims = AccessClaims {
                tenant: by.tenant.to_owned(),
                issuer: by.issuer.to_owned(),
                client_id: client.client_id.to_string(),
                subject: None,
                scopes,
                rights,
                audiences: Default::default(),
                actors: Vec::new(),
                issued_at: now,
                expires_at: now + ttl,
            };
            let minted = match client.access_token_format {
                AccessTokenFormat::Biscuit => access::mint_biscuit(by.keys, &claims),
                AccessTokenFormat::Jwt => access::mint_jwt(by.keys, &claims),
            }
            .map_err(|e| {
                crate::http::error::log_internal(&e);
                OAuthError::server_error()
            })?;
            Ok(TokenResponse {
                access_token: minted.token,
                token_type: "Bearer",
                expires_in: u64::try_from(ttl.num_seconds()).unwrap_or(0),
                scope: claims.scopes.into_iter().collect::<Vec<_>>().join(" "),
            })
        }
        TokenRequest::AuthorizationCode { .. }
        | TokenRequest::RefreshToken { .. }
        | TokenRequest::TokenExchange(_) => Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            "handled by authn::grants",
        )),
    }
}
