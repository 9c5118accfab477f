//! The one OAuth error type (RFC 6749 §5.2). Its description is for the client;
//! internal detail never goes in it.

use serde::Serialize;

/// Error codes of RFC 6749 §4.1.2.1, §5.2, RFC 7009 §2.2.1 and RFC 8628 §3.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    UnsupportedTokenType,
    ServerError,
    TemporarilyUnavailable,
    /// OIDC Core §3.1.2.6.
    LoginRequired,
    /// OIDC Core §3.1.2.6: `prompt=none`, but the user must do something
    /// (present a second factor).
    InteractionRequired,
    ConsentRequired,
    /// RFC 8693 §2.2.2: the requested audience or resource is not allowed.
    InvalidTarget,
}

impl OAuthErrorCode {
    /// The HTTP status RFC 6749 §5.2 gives each code.
    pub fn status(self) -> u16 {
        match self {
            OAuthErrorCode::InvalidClient => 401,
            OAuthErrorCode::ServerError => 500,
            OAuthErrorCode::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

/// An RFC 6749 §5.2 error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// The client authenticated with HTTP Basic: `invalid_client` must then
    /// carry `WWW-Authenticate` (RFC 6749 §5.2).
    #[serde(skip)]
    pub used_basic_auth: bool,
}

impl OAuthError {
    pub fn new(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: Some(description.into()),
            used_basic_auth: false,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub fn server_error() -> Self {
        Self::new(OAuthErrorCode::ServerError, "internal error")
    }

    pub fn status(&self) -> u16 {
        self.error.status()
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = serde_json::to_value(self.error)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match &self.error_description {
            Some(d) => write!(f, "{code}: {d}"),
            None => f.write_str(&code),
        }
    }
}

impl std::error::Error for OAuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_per_rfc6749_5_2() {
        let e = OAuthError::new(OAuthErrorCode::InvalidScope, "unknown scope: x");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"error": "invalid_scope", "error_description": "unknown scope: x"})
        );
        assert_eq!(e.status(), 400);
        assert_eq!(OAuthErrorCode::InvalidClient.status(), 401);
        assert_eq!(e.to_string(), "invalid_scope: unknown scope: x");
    }
}
