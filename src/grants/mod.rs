//! The token endpoint's grants (RFC 6749 §4, RFC 8693), one file each, named
//! for its `grant_type`, behind one small trait and registered explicitly in
//! [`TokenRequest`]. The handler parses the form, authenticates the client,
//! and calls [`handle`]; nothing grant-specific is left to it. A new grant
//! (the device code, the password grant) is one more file, one more variant.
//!
//! Every grant mints through `tokens::minter`, the one place token formats
//! and lifetimes are decided.

pub mod authorization_code;
pub mod client_credentials;
pub mod code_issuance;
mod exactly_once;
pub mod implicit;
pub mod refresh_token;
pub mod revocation;
mod sign_in;
pub mod token_exchange;

use crate::oauth::{Client, FormParams, GrantType, OAuthError, OAuthErrorCode};
use crate::store::Store;
use crate::tenancy::{TenantHandle, TenantSnapshot};
use crate::tokens::evaluator::Evaluator;
use crate::tokens::minter::MintedAccess;
use authorization_code::{AuthorizationCode, CodeRequest};
use chrono::{DateTime, Utc};
use client_credentials::{ClientCredentials, ClientCredentialsRequest};
use refresh_token::{RefreshRequest, RefreshToken};
use serde::Serialize;
use std::sync::Arc;
use token_exchange::{ExchangeRequest, TokenExchange};

pub use sign_in::revoke_refresh;

/// What a grant may use: the tenant (its snapshot, and its actor through the
/// handle), the database, the evaluation threads, and the time of the request.
pub struct Context<'a> {
    pub store: &'a Store,
    pub tenant: &'a TenantHandle,
    pub snapshot: &'a Arc<TenantSnapshot>,
    pub evaluator: &'a Evaluator,
    pub now: DateTime<Utc>,
}

/// One grant type of the token endpoint (compare ory/fosite's
/// `TokenEndpointHandler`).
pub(crate) trait TokenGrant {
    /// The `grant_type` this grant answers.
    const GRANT_TYPE: GrantType;
    /// Its parameters, parsed.
    type Request;

    /// Parses the grant's parameters (RFC 6749 §5.2 `invalid_request` for
    /// missing or malformed ones).
    fn parse(params: &FormParams) -> Result<Self::Request, OAuthError>;

    /// Issues tokens for an authenticated client allowed to use this grant.
    async fn handle(
        ctx: &Context<'_>,
        client: Arc<Client>,
        request: Self::Request,
    ) -> Result<TokenResponse, OAuthError>;
}

/// A token request, tagged on `grant_type` (RFC 6749 §4).
#[derive(Debug)]
pub enum TokenRequest {
    /// RFC 6749 §4.1.3, RFC 7636 §4.5.
    AuthorizationCode(CodeRequest),
    /// RFC 6749 §6.
    RefreshToken(RefreshRequest),
    /// RFC 6749 §4.4.2.
    ClientCredentials(ClientCredentialsRequest),
    /// RFC 8693 §2.1.
    TokenExchange(ExchangeRequest),
}

/// The grant types the token endpoint implements, for discovery.
pub const SUPPORTED: [GrantType; 4] = [
    AuthorizationCode::GRANT_TYPE,
    RefreshToken::GRANT_TYPE,
    ClientCredentials::GRANT_TYPE,
    TokenExchange::GRANT_TYPE,
];

impl TokenRequest {
    pub fn parse(params: &FormParams) -> Result<Self, OAuthError> {
        let raw = params.require("grant_type")?;
        match GrantType::parse(raw) {
            Some(AuthorizationCode::GRANT_TYPE) => {
                AuthorizationCode::parse(params).map(Self::AuthorizationCode)
            }
            Some(RefreshToken::GRANT_TYPE) => RefreshToken::parse(params).map(Self::RefreshToken),
            Some(ClientCredentials::GRANT_TYPE) => {
                ClientCredentials::parse(params).map(Self::ClientCredentials)
            }
            Some(TokenExchange::GRANT_TYPE) => {
                TokenExchange::parse(params).map(Self::TokenExchange)
            }
            _ => Err(OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                format!("grant_type {raw} is not supported"),
            )),
        }
    }

    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode(_) => AuthorizationCode::GRANT_TYPE,
            Self::RefreshToken(_) => RefreshToken::GRANT_TYPE,
            Self::ClientCredentials(_) => ClientCredentials::GRANT_TYPE,
            Self::TokenExchange(_) => TokenExchange::GRANT_TYPE,
        }
    }
}

/// Issues tokens for `request` of an authenticated client: refused with
/// `unauthorized_client` (RFC 6749 §5.2) unless the client may use the grant.
pub async fn handle(
    ctx: &Context<'_>,
    client: Arc<Client>,
    request: TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let grant = request.grant_type();
    if !client.allows_grant(grant) {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            format!("this client may not use {}", grant.as_str()),
        ));
    }
    match request {
        TokenRequest::AuthorizationCode(r) => AuthorizationCode::handle(ctx, client, r).await,
        TokenRequest::RefreshToken(r) => RefreshToken::handle(ctx, client, r).await,
        TokenRequest::ClientCredentials(r) => ClientCredentials::handle(ctx, client, r).await,
        TokenRequest::TokenExchange(r) => TokenExchange::handle(ctx, client, r).await,
    }
}

/// RFC 6749 §5.1, with OpenID Connect's `id_token` (OIDC Core §3.1.3.3) and
/// token exchange's `issued_token_type` (RFC 8693 §2.2.1).
#[derive(Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl TokenResponse {
    /// A Bearer access token alone.
    pub fn bearer(access: MintedAccess) -> Self {
        Self {
            access_token: access.token.token,
            issued_token_type: None,
            token_type: "Bearer",
            expires_in: access.expires_in,
            scope: access.scopes.to_string(),
            refresh_token: None,
            id_token: None,
        }
    }
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .field("id_token", &self.id_token.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// Minting failed (a key that cannot sign): logged, answered `server_error`.
pub(crate) fn mint_failed(e: impl std::error::Error + 'static) -> OAuthError {
    crate::telemetry::log_internal(&e);
    OAuthError::server_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<TokenRequest, OAuthError> {
        TokenRequest::parse(&FormParams::parse(body.as_bytes()).unwrap())
    }

    #[test]
    fn grant_type_rules() {
        assert_eq!(parse("").unwrap_err().error, OAuthErrorCode::InvalidRequest);
        for unsupported in [
            "password",
            "implicit",
            "urn:ietf:params:oauth:grant-type:device_code",
        ] {
            let e = parse(&format!("grant_type={unsupported}")).unwrap_err();
            assert_eq!(e.error, OAuthErrorCode::UnsupportedGrantType);
            assert_eq!(
                e.error_description.as_deref(),
                Some(format!("grant_type {unsupported} is not supported").as_str())
            );
        }
        assert!(matches!(
            parse("grant_type=client_credentials&scope=a").unwrap(),
            TokenRequest::ClientCredentials(ClientCredentialsRequest { scope: Some(_) })
        ));
    }

    #[test]
    fn every_registered_grant_parses_to_its_own_type() {
        let bodies = [
            "grant_type=authorization_code&code=c",
            "grant_type=refresh_token&refresh_token=r",
            "grant_type=client_credentials",
            "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=t\
             &subject_token_type=urn:ietf:params:oauth:token-type:access_token",
        ];
        for (body, grant) in bodies.iter().zip(SUPPORTED) {
            assert_eq!(parse(body).unwrap().grant_type(), grant, "{body}");
        }
    }

    #[test]
    fn debug_leaves_tokens_out() {
        let r = TokenResponse {
            access_token: "secret-access".into(),
            issued_token_type: None,
            token_type: "Bearer",
            expires_in: 60,
            scope: "a".into(),
            refresh_token: Some("secret-refresh".into()),
            id_token: Some("secret-id".into()),
        };
        let shown = format!("{r:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
