//! Token requests, tagged on `grant_type` (RFC 6749 §4). Grants are added here
//! as they are implemented; until then their grant_type is unsupported.

use super::scope::ScopeSet;
use super::{FormParams, GrantType, OAuthError, OAuthErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRequest {
    /// RFC 6749 §4.4.2.
    ClientCredentials { scope: Option<ScopeSet> },
    /// RFC 6749 §4.1.3, RFC 7636 §4.5.
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
    },
    /// RFC 6749 §6.
    RefreshToken {
        refresh_token: String,
        scope: Option<ScopeSet>,
    },
    /// RFC 8693 §2.1.
    TokenExchange(crate::tokens::exchange::ExchangeRequest),
}

impl TokenRequest {
    pub fn parse(params: &FormParams) -> Result<Self, OAuthError> {
        let raw = params.require("grant_type")?;
        let unsupported = || {
            OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                format!("grant_type {raw} is not supported"),
            )
        };
        match GrantType::parse(raw).ok_or_else(unsupported)? {
            GrantType::ClientCredentials => Ok(TokenRequest::ClientCredentials {
                scope: params.get("scope").map(ScopeSet::parse).transpose()?,
            }),
            GrantType::AuthorizationCode => Ok(TokenRequest::AuthorizationCode {
                code: params.require("code")?.to_owned(),
                redirect_uri: params.get("redirect_uri").map(str::to_owned),
                code_verifier: params.get("code_verifier").map(str::to_owned),
            }),
            GrantType::RefreshToken => Ok(TokenRequest::RefreshToken {
                refresh_token: params.require("refresh_token")?.to_owned(),
                scope: params.get("scope").map(ScopeSet::parse).transpose()?,
            }),
            GrantType::TokenExchange => Ok(TokenRequest::TokenExchange(
                crate::tokens::exchange::ExchangeRequest::parse(params)?,
            )),
            _ => Err(unsupported()),
        }
    }

    pub fn grant_type(&self) -> GrantType {
        match self {
            TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
            TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
            TokenRequest::TokenExchange(_) => GrantType::TokenExchange,
        }
    }
}

/// The grant types the token endpoint implements, for discovery.
pub const SUPPORTED: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::TokenExchange,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<TokenRequest, OAuthError> {
        TokenRequest::parse(&FormParams::parse(body.as_bytes()).unwrap())
    }

    #[test]
    fn grant_type_rules() {
        assert_eq!(parse("").unwrap_err().error, OAuthErrorCode::InvalidRequest);
        assert_eq!(
            parse("grant_type=password").unwrap_err().error,
            OAuthErrorCode::UnsupportedGrantType
        );
        assert!(matches!(
            parse("grant_type=client_credentials&scope=a").unwrap(),
            TokenRequest::ClientCredentials { scope: Some(_) }
        ));
    }
}
