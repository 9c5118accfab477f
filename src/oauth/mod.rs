//! OAuth 2.1 / OpenID Connect protocol rules. Knows nothing of actix or Diesel,
//! so its rules are unit-tested alone.

mod error;
mod types;

pub use error::{OAuthError, OAuthErrorCode};
pub use types::{ClientId, GrantType, RedirectUri, STANDARD_SCOPES, ScopeName};
