//! A tenant file after validation: every value here is valid.

use crate::config::SecretString;
use crate::oauth::{AuthMethod, ClientId, GrantType, RedirectUri, ScopeName};
use crate::tokens::{AccessTokenFormat, JwsAlgorithm};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

/// A tenant slug: the issuer path segment. `[a-z0-9-]`, 2–63 characters, no
/// leading or trailing hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = (2..=63).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "invalid slug {raw:?}: use 2-63 characters from a-z, 0-9 and '-', not starting or ending with '-'"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSpec {
    pub description: String,
    /// The permissions the scope carries into tokens (authz::rights).
    pub permissions: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    pub description: String,
    pub permissions: BTreeSet<String>,
    /// Names of roles (declared in the same file) whose permissions this one
    /// also carries; acyclic.
    pub includes: BTreeSet<String>,
}

/// Where a confidential client's secret comes from. Stored only as SHA-256.
pub enum ClientSecret {
    /// A plain secret (from the file or an environment variable), hashed on apply.
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
    /// Roles (declared in the same file) the client holds for its own
    /// client_credentials tokens.
    pub service_roles: BTreeSet<String>,
    /// RFC 8693: audiences the client may exchange tokens for.
    pub exchange_audiences: BTreeSet<String>,
    /// `id_token_signed_response_alg`; `None` = the tenant's default.
    pub id_token_alg: Option<JwsAlgorithm>,
    /// CORS origins; `None` = derived (public clients' redirect URI origins).
    pub allowed_origins: Option<Vec<String>>,
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

/// Where a user's password comes from.
pub enum PasswordSource {
    /// A plain password (from the file or an environment variable), hashed on apply.
    Plain(SecretString),
    /// An argon2 PHC string, stored as given.
    Hash(String),
}

impl std::fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordSource(REDACTED)")
    }
}

/// A user the file creates or updates. `None` fields are left as they are.
#[derive(Debug)]
pub struct UserSpec {
    /// Where the user's password (or, without one, the user) is declared.
    pub line: Option<usize>,
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password: Option<PasswordSource>,
    pub roles: Option<BTreeSet<String>>,
    /// `active` or `disabled`; `None` = the file does not own the status.
    pub status: Option<String>,
}

/// A validated tenant file.
#[derive(Debug)]
pub struct TenantSpec {
    pub source: PathBuf,
    pub slug: Slug,
    pub name: String,
    pub signing_algorithm: JwsAlgorithm,
    /// `id_token_signing_alg`: the default of the tenant's clients' ID
    /// tokens; `None` = RS256.
    pub id_token_alg: Option<JwsAlgorithm>,
    /// `active` or `suspended`; `None` = the file does not own the status.
    pub status: Option<String>,
    pub scopes: BTreeMap<ScopeName, ScopeSpec>,
    pub roles: BTreeMap<String, RoleSpec>,
    pub clients: BTreeMap<ClientId, ClientDecl>,
    pub users: Vec<UserSpec>,
    /// Authorization policies (name, Datalog), in evaluation order; validated.
    pub policies: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_rules() {
        assert!(Slug::parse("demo").is_ok());
        assert!(Slug::parse("acme-2").is_ok());
        for bad in ["a", "Demo", "-x", "x-", "a_b", "a/b", &"a".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_hash_to_sha256_and_stay_hidden() {
        let s = ClientSecret::Plain(SecretString::new("abc"));
        assert_eq!(
            s.sha256_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(!format!("{s:?}").contains("abc"));
    }
}
