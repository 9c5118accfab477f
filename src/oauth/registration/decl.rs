//! What a client registration is once valid, and where its secret comes from.

use crate::config::SecretString;
use crate::oauth::{AuthMethod, GrantType, RedirectUri, ScopeName};
use crate::tokens::{AccessTokenFormat, JwsAlgorithm};
use std::collections::BTreeSet;
use std::time::Duration;

/// Where a confidential client's secret comes from. Stored only as SHA-256.
pub enum ClientSecret {
    /// A plain secret (from a file, an environment variable or generated),
    /// hashed before it is stored.
    Plain(SecretString),
    /// A lower-case hex SHA-256 of the secret.
    Sha256(String),
}

impl ClientSecret {
    pub fn sha256_hex(&self) -> String {
        match self {
            ClientSecret::Plain(s) => hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                s.expose().as_bytes(),
            )),
            ClientSecret::Sha256(h) => h.clone(),
        }
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(REDACTED)")
    }
}

/// A validated client registration: every value here satisfies the rules.
pub struct ClientDecl {
    pub name: String,
    pub public: bool,
    pub secret: Option<ClientSecret>,
    pub redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<ScopeName>,
    pub auth_method: AuthMethod,
    /// Compact JSON of the client's public JWK Set (`private_key_jwt`).
    pub jwks: Option<String>,
    pub default_scopes: Option<Vec<ScopeName>>,
    pub access_token_format: AccessTokenFormat,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub first_party: bool,
    pub allow_plain_pkce: bool,
    pub refresh_grace: Duration,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub allow_implicit: bool,
    /// Roles of the tenant the client holds for its own client_credentials
    /// tokens.
    pub service_roles: BTreeSet<String>,
    /// RFC 8693: audiences the client may exchange tokens for.
    pub exchange_audiences: BTreeSet<String>,
    /// `id_token_signed_response_alg`; `None` = the tenant's default.
    pub id_token_alg: Option<JwsAlgorithm>,
    /// CORS origins; `None` = derived (public clients' redirect URI origins).
    pub allowed_origins: Option<Vec<String>>,
    /// `client_uri`, `logo_uri`, `policy_uri`, `tos_uri` (RFC 7591 §2).
    pub links: crate::oauth::ClientLinks,
}

impl std::fmt::Debug for ClientDecl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientDecl")
            .field("name", &self.name)
            .field("public", &self.public)
            .field("redirect_uris", &self.redirect_uris)
            .field("grant_types", &self.grant_types)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}
