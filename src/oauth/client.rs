//! A registered client as the protocol sees it.

use super::{ClientId, GrantType, RedirectUri, WebUrl};
use crate::tokens::AccessTokenFormat;
use josekit::jwk::JwkSet;
use std::collections::BTreeSet;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// How a client authenticates at the token, introspection and revocation
/// endpoints (RFC 7591 §2 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
    None,
}

impl AuthMethod {
    pub const CONFIDENTIAL: [AuthMethod; 3] = [
        AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretPost,
        AuthMethod::PrivateKeyJwt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            AuthMethod::ClientSecretBasic,
            AuthMethod::ClientSecretPost,
            AuthMethod::PrivateKeyJwt,
            AuthMethod::None,
        ]
        .into_iter()
        .find(|m| m.as_str() == raw)
    }
}

/// What a client tells people about itself (RFC 7591 §2; OpenID Connect
/// Dynamic Registration §2): its home page, logo, privacy policy and terms,
/// shown on the consent page when it has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientLinks {
    pub client_uri: Option<WebUrl>,
    pub logo_uri: Option<WebUrl>,
    pub policy_uri: Option<WebUrl>,
    pub tos_uri: Option<WebUrl>,
}

impl ClientLinks {
    /// The metadata names, in the order of RFC 7591 §2.
    pub const FIELDS: [&'static str; 4] = ["client_uri", "logo_uri", "policy_uri", "tos_uri"];

    /// The slot of a metadata name.
    pub fn slot(&mut self, field: &str) -> Option<&mut Option<WebUrl>> {
        match field {
            "client_uri" => Some(&mut self.client_uri),
            "logo_uri" => Some(&mut self.logo_uri),
            "policy_uri" => Some(&mut self.policy_uri),
            "tos_uri" => Some(&mut self.tos_uri),
            _ => None,
        }
    }

    /// Reads stored values; a value that is no longer valid is left out.
    pub fn from_stored(values: [Option<&str>; 4]) -> Self {
        let mut links = Self::default();
        for (field, value) in Self::FIELDS.into_iter().zip(values) {
            if let (Some(slot), Some(v)) = (links.slot(field), value) {
                *slot = WebUrl::parse(v).ok();
            }
        }
        links
    }
}

pub struct Client {
    pub client_id: ClientId,
    pub name: String,
    pub public: bool,
    /// SHA-256 of the secret (client secrets have 256 bits of entropy, so a
    /// fast hash is enough and keeps client_credentials fast).
    pub secret_sha256: Option<[u8; 32]>,
    pub auth_method: AuthMethod,
    pub jwks: Option<JwkSet>,
    pub redirect_uris: Vec<RedirectUri>,
    pub grant_types: BTreeSet<GrantType>,
    pub scopes: BTreeSet<String>,
    pub default_scopes: BTreeSet<String>,
    pub access_token_format: AccessTokenFormat,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub first_party: bool,
    pub allow_plain_pkce: bool,
    pub refresh_grace: Duration,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub allow_implicit: bool,
    /// Roles the client holds for its own client_credentials tokens.
    pub service_roles: BTreeSet<String>,
    /// RFC 8693: audiences (or resources) the client may exchange tokens for.
    pub exchange_audiences: BTreeSet<String>,
    /// The algorithm of this client's ID tokens (Dynamic Registration §2
    /// `id_token_signed_response_alg`; RS256 unless the client or tenant
    /// names another).
    pub id_token_alg: crate::tokens::JwsAlgorithm,
    /// Web origins its browser code may call the token endpoint from (CORS;
    /// `oauth::cors::allowed_origins`).
    pub allowed_origins: BTreeSet<String>,
    /// Its home page, logo, policy and terms (the consent page shows them).
    pub links: ClientLinks,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .field("public", &self.public)
            .field("auth_method", &self.auth_method)
            .field("grant_types", &self.grant_types)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Compares the presented secret's SHA-256 with the stored one in constant time.
    pub fn secret_matches(&self, presented: &str) -> bool {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(presented.as_bytes());
        match &self.secret_sha256 {
            Some(stored) => stored.ct_eq(digest.as_slice()).into(),
            None => false,
        }
    }

    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// A confidential client with nothing configured, for unit tests.
    #[cfg(test)]
    pub fn for_tests(client_id: &str) -> Self {
        Self {
            client_id: ClientId::parse(client_id).unwrap_or_else(|e| panic!("{e}")),
            name: client_id.to_owned(),
            public: false,
            secret_sha256: None,
            auth_method: AuthMethod::ClientSecretBasic,
            jwks: None,
            redirect_uris: Vec::new(),
            grant_types: BTreeSet::new(),
            scopes: BTreeSet::new(),
            default_scopes: BTreeSet::new(),
            access_token_format: AccessTokenFormat::Biscuit,
            access_token_ttl: Duration::from_secs(3600),
            refresh_token_ttl: Duration::from_secs(86400),
            first_party: false,
            allow_plain_pkce: false,
            refresh_grace: Duration::ZERO,
            post_logout_redirect_uris: Vec::new(),
            allow_implicit: false,
            service_roles: BTreeSet::new(),
            exchange_audiences: BTreeSet::new(),
            id_token_alg: crate::tokens::JwsAlgorithm::RS256,
            allowed_origins: BTreeSet::new(),
            links: ClientLinks::default(),
        }
    }
}
