//! OAuth 2.1 / OpenID Connect protocol rules. Knows nothing of actix or Diesel,
//! so its rules are unit-tested alone.

pub mod authorize;
pub mod client;
pub mod client_auth;
pub mod cors;
pub mod discovery;
mod error;
pub mod params;
pub mod pkce;
pub mod registration;
pub mod scope;
pub mod secrets;
mod types;

pub use client::{AuthMethod, Client, ClientLinks};
pub use error::{OAuthError, OAuthErrorCode};
pub use params::FormParams;
pub use types::{ClientId, GrantType, RedirectUri, STANDARD_SCOPES, ScopeName, WebUrl};
