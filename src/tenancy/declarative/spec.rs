//! A tenant file after validation: every value here is valid.

use crate::config::SecretString;
use crate::identity::UserStatus;
use crate::oauth::GrantType;
pub use crate::oauth::registration::{ClientDecl, ClientSecret};
use crate::oauth::{ClientId, ScopeName};
use crate::store::clients::ClientSpec;
use crate::tokens::JwsAlgorithm;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

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

/// A validated client as the store keeps it (secrets only as SHA-256).
pub fn stored_client(c: &ClientDecl) -> ClientSpec {
    ClientSpec {
        name: c.name.clone(),
        public: c.public,
        secret_sha256: c.secret.as_ref().map(|s| s.sha256_hex()),
        redirect_uris: c.redirect_uris.iter().map(|u| u.to_string()).collect(),
        grant_types: c
            .grant_types
            .iter()
            .map(|g| GrantType::as_str(*g).to_owned())
            .collect(),
        scopes: c.scopes.iter().map(|s| s.to_string()).collect(),
        token_endpoint_auth_method: c.auth_method.as_str().to_owned(),
        jwks: c.jwks.clone(),
        default_scopes: c
            .default_scopes
            .as_ref()
            .map(|d| d.iter().map(|s| s.to_string()).collect())
            .into(),
        access_token_format: c.access_token_format.as_str().to_owned(),
        access_token_ttl_secs: i64::try_from(c.access_token_ttl.as_secs()).unwrap_or(i64::MAX),
        refresh_token_ttl_secs: i64::try_from(c.refresh_token_ttl.as_secs()).unwrap_or(i64::MAX),
        first_party: c.first_party,
        allow_plain_pkce: c.allow_plain_pkce,
        refresh_grace_secs: i64::try_from(c.refresh_grace.as_secs()).unwrap_or(0),
        post_logout_redirect_uris: c
            .post_logout_redirect_uris
            .iter()
            .map(|u| u.to_string())
            .collect(),
        allow_implicit: c.allow_implicit,
        service_roles: c.service_roles.iter().cloned().collect(),
        exchange_audiences: c.exchange_audiences.iter().cloned().collect(),
        id_token_alg: c.id_token_alg.map(|a| a.as_str().to_owned()),
        allowed_origins: c.allowed_origins.clone().into(),
        client_uri: c.links.client_uri.as_ref().map(|u| u.to_string()),
        logo_uri: c.links.logo_uri.as_ref().map(|u| u.to_string()),
        policy_uri: c.links.policy_uri.as_ref().map(|u| u.to_string()),
        tos_uri: c.links.tos_uri.as_ref().map(|u| u.to_string()),
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
    /// `None` = the file does not own the status.
    pub status: Option<UserStatus>,
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
    /// The pages' language when a request names none we have.
    pub default_locale: crate::i18n::Locale,
    /// The tenant's look on its pages (`crate::branding`).
    pub branding: crate::branding::Branding,
    /// The logo and favicon `branding` names, read from their files.
    pub images: Vec<crate::branding::Image>,
    /// Whom a second factor is asked of, and which kinds (`crate::mfa::policy`).
    pub mfa: crate::mfa::policy::MfaPolicy,
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
