//! The rules a client registration must satisfy, written once: the tenant-file
//! parser and the `clients` CLI both build a [`ClientDecl`] through
//! [`ClientBuilder`], so a client is valid (or refused, with the same words)
//! whichever way it arrives. Dynamic registration (RFC 7591) will be a third
//! caller. Each method checks what it can at once, so a caller can point at the
//! offending line; [`ClientBuilder::build`] checks what spans several fields.

mod decl;
mod lifetime;

pub use decl::{ClientDecl, ClientSecret};
pub use lifetime::{ACCESS_TOKEN_TTL, LifetimeRule, REFRESH_GRACE, REFRESH_TOKEN_TTL};

use super::{AuthMethod, ClientId, GrantType, RedirectUri, ScopeName};
use crate::tokens::{AccessTokenFormat, JwsAlgorithm};
use std::collections::BTreeSet;
use std::time::Duration;

/// The scope and role names a client may refer to, and where they come from
/// (so a refusal says where to look).
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub scopes: &'a BTreeSet<String>,
    pub roles: &'a BTreeSet<String>,
    pub origin: Origin,
}

/// Where the names of [`Known`] come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Declared in the same tenant file.
    File,
    /// The tenant's, in the database.
    Tenant,
}

impl Origin {
    fn scopes(self) -> &'static str {
        match self {
            Origin::File => "declared under scopes",
            Origin::Tenant => "a scope of the tenant",
        }
    }

    fn roles(self) -> &'static str {
        match self {
            Origin::File => "declared under roles",
            Origin::Tenant => "a role of the tenant",
        }
    }
}

/// Builds a [`ClientDecl`], refusing what the rules forbid.
pub struct ClientBuilder<'a> {
    id: ClientId,
    known: Known<'a>,
    decl: ClientDecl,
}

impl<'a> ClientBuilder<'a> {
    /// A client that may name the `known` scopes and roles; until
    /// [`ClientBuilder::auth_method`] says otherwise it authenticates as a
    /// public or confidential client does by default.
    pub fn new(id: ClientId, public: bool, known: Known<'a>) -> Self {
        let auth_method = if public {
            AuthMethod::None
        } else {
            AuthMethod::ClientSecretBasic
        };
        Self {
            decl: ClientDecl {
                name: id.to_string(),
                public,
                secret: None,
                redirect_uris: Vec::new(),
                grant_types: Vec::new(),
                scopes: Vec::new(),
                auth_method,
                jwks: None,
                default_scopes: None,
                access_token_format: AccessTokenFormat::Biscuit,
                access_token_ttl: Duration::from_secs(ACCESS_TOKEN_TTL.default_secs),
                refresh_token_ttl: Duration::from_secs(REFRESH_TOKEN_TTL.default_secs),
                first_party: false,
                allow_plain_pkce: false,
                refresh_grace: Duration::ZERO,
                post_logout_redirect_uris: Vec::new(),
                allow_implicit: false,
                service_roles: BTreeSet::new(),
                exchange_audiences: BTreeSet::new(),
                id_token_alg: None,
                allowed_origins: None,
                links: Default::default(),
            },
            id,
            known,
        }
    }

    /// A public client authenticates with `none` (and PKCE); a confidential
    /// one with anything else (RFC 6749 §2.1, RFC 7591 §2). `None` keeps the
    /// default: `none` for public clients, `client_secret_basic` for others.
    pub fn auth_method(&mut self, method: Option<AuthMethod>) -> Result<(), String> {
        let id = &self.id;
        self.decl.auth_method = match (self.decl.public, method) {
            (true, None | Some(AuthMethod::None)) => AuthMethod::None,
            (true, Some(_)) => {
                return Err(format!(
                    "public client {id} must use token_endpoint_auth_method none"
                ));
            }
            (false, Some(AuthMethod::None)) => {
                return Err(format!(
                    "confidential client {id} cannot use token_endpoint_auth_method none"
                ));
            }
            (false, m) => m.unwrap_or(AuthMethod::ClientSecretBasic),
        };
        Ok(())
    }

    pub fn id(&self) -> &ClientId {
        &self.id
    }

    /// Whether the auth method uses a shared secret (`client_secret_basic`,
    /// `client_secret_post`).
    pub fn takes_secret(&self) -> bool {
        matches!(
            self.decl.auth_method,
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
        )
    }

    /// Refuses a secret where the auth method has no use for one (a public
    /// client, `private_key_jwt`) — call before reading the secret itself.
    pub fn secret_allowed(&self, present: bool) -> Result<(), String> {
        if present && !self.takes_secret() {
            return Err(format!(
                "client {} uses {} and must not have a secret",
                self.id,
                self.decl.auth_method.as_str()
            ));
        }
        Ok(())
    }

    pub fn secret(&mut self, secret: ClientSecret) -> Result<(), String> {
        self.secret_allowed(true)?;
        self.decl.secret = Some(secret);
        Ok(())
    }

    pub fn name(&mut self, name: &str) {
        self.decl.name = name.trim().to_owned();
    }

    /// The client's public keys for `private_key_jwt` (RFC 7523): a JWK Set
    /// of public keys only.
    pub fn jwks(&mut self, text: String) -> Result<(), String> {
        let id = &self.id;
        let set = josekit::jwk::JwkSet::from_bytes(text.as_bytes())
            .map_err(|e| format!("client {id}: jwks is not a JWK Set: {e}"))?;
        if set.keys().is_empty() {
            return Err(format!("client {id}: jwks has no keys"));
        }
        if set.keys().iter().any(|k| k.parameter("d").is_some()) {
            return Err(format!("client {id}: jwks must hold public keys only"));
        }
        self.decl.jwks = Some(text);
        Ok(())
    }

    /// OAuth 2.1 drops the implicit grant; Gatehouse keeps it only as an
    /// opt-in for public clients (RFC 9700 §2.1.2 explains the risks).
    pub fn allow_implicit(&mut self, allow: bool) -> Result<(), String> {
        if allow && !self.decl.public {
            return Err(format!(
                "only public clients may set allow_implicit (client {})",
                self.id
            ));
        }
        self.decl.allow_implicit = allow;
        Ok(())
    }

    /// RFC 6749 §4.4: client_credentials needs a confidential client.
    pub fn grant(&mut self, grant: GrantType) -> Result<(), String> {
        if grant == GrantType::ClientCredentials && self.decl.public {
            return Err(format!(
                "public client {} cannot use client_credentials (RFC 6749 §4.4 needs a confidential client)",
                self.id
            ));
        }
        if !self.decl.grant_types.contains(&grant) {
            self.decl.grant_types.push(grant);
        }
        Ok(())
    }

    pub fn redirect_uri(&mut self, uri: RedirectUri) {
        if !self.decl.redirect_uris.contains(&uri) {
            self.decl.redirect_uris.push(uri);
        }
    }

    pub fn post_logout_redirect_uri(&mut self, uri: RedirectUri) {
        self.decl.post_logout_redirect_uris.push(uri);
    }

    /// A scope the client may request: built in, or one of the tenant's.
    pub fn scope(&mut self, scope: ScopeName) -> Result<(), String> {
        if !scope.is_standard() && !self.known.scopes.contains(scope.as_str()) {
            return Err(format!(
                "client {} names scope {scope}, which is neither built in nor {}",
                self.id,
                self.known.origin.scopes()
            ));
        }
        if !self.decl.scopes.contains(&scope) {
            self.decl.scopes.push(scope);
        }
        Ok(())
    }

    /// Granted when a request names no scope; among the client's scopes.
    pub fn default_scope(&mut self, scope: ScopeName) -> Result<(), String> {
        if !self.decl.scopes.contains(&scope) {
            return Err(format!(
                "default scope {scope} is not among client {}'s scopes",
                self.id
            ));
        }
        self.decl
            .default_scopes
            .get_or_insert_with(Vec::new)
            .push(scope);
        Ok(())
    }

    /// Default scopes are declared (so an empty list means none, not all).
    pub fn declare_default_scopes(&mut self) {
        self.decl.default_scopes.get_or_insert_with(Vec::new);
    }

    pub fn access_token_format(&mut self, format: AccessTokenFormat) {
        self.decl.access_token_format = format;
    }

    pub fn access_token_ttl(&mut self, ttl: Option<Duration>) -> Result<(), String> {
        self.decl.access_token_ttl = ACCESS_TOKEN_TTL.check(ttl)?;
        Ok(())
    }

    pub fn refresh_token_ttl(&mut self, ttl: Option<Duration>) -> Result<(), String> {
        self.decl.refresh_token_ttl = REFRESH_TOKEN_TTL.check(ttl)?;
        Ok(())
    }

    pub fn refresh_grace(&mut self, grace: Option<Duration>) -> Result<(), String> {
        self.decl.refresh_grace = REFRESH_GRACE.check(grace)?;
        Ok(())
    }

    pub fn first_party(&mut self, yes: bool) {
        self.decl.first_party = yes;
    }

    pub fn allow_plain_pkce(&mut self, yes: bool) {
        self.decl.allow_plain_pkce = yes;
    }

    /// A role the client holds itself: one of the tenant's, and only for a
    /// confidential client (a public client cannot act on its own behalf).
    pub fn service_role(&mut self, role: &str) -> Result<(), String> {
        let id = &self.id;
        if self.decl.public {
            return Err(format!("public client {id} cannot hold service roles"));
        }
        if !self.known.roles.contains(role) {
            return Err(format!(
                "client {id} names service role {role}, which is not {}",
                self.known.origin.roles()
            ));
        }
        self.decl.service_roles.insert(role.to_owned());
        Ok(())
    }

    /// RFC 8693 targets: confidential clients with the grant only (call
    /// after the grants).
    pub fn exchange_audience(&mut self, audience: &str) -> Result<(), String> {
        if self.decl.public || !self.decl.grant_types.contains(&GrantType::TokenExchange) {
            return Err(format!(
                "client {} lists token_exchange_audiences but is not a confidential client with the token-exchange grant",
                self.id
            ));
        }
        if audience.trim().is_empty()
            || audience.len() > 512
            || audience.chars().any(char::is_whitespace)
        {
            return Err(format!("invalid audience {audience:?}"));
        }
        self.decl.exchange_audiences.insert(audience.to_owned());
        Ok(())
    }

    pub fn id_token_alg(&mut self, alg: Option<JwsAlgorithm>) {
        self.decl.id_token_alg = alg;
    }

    /// CORS origins are declared (so an empty list allows none, instead of
    /// the public client's redirect URI origins).
    pub fn declare_allowed_origins(&mut self) {
        self.decl.allowed_origins.get_or_insert_with(Vec::new);
    }

    /// A CORS origin, a serialised origin (`scheme://host[:port]`).
    pub fn allowed_origin(&mut self, origin: &str) -> Result<(), String> {
        let origin = super::cors::parse_origin(origin)?;
        self.decl
            .allowed_origins
            .get_or_insert_with(Vec::new)
            .push(origin);
        Ok(())
    }

    /// One of the client's links (`client_uri`, `logo_uri`, `policy_uri`,
    /// `tos_uri`; RFC 7591 §2): an https URL (http on loopback).
    pub fn link(&mut self, field: &str, raw: &str) -> Result<(), String> {
        let id = &self.id;
        let url =
            crate::oauth::WebUrl::parse(raw).map_err(|m| format!("client {id}: {field} {m}"))?;
        // The consent page's CSP names the logo's origin: it must be one a
        // CSP can name exactly.
        if field == "logo_uri" && url.csp_origin().is_none() {
            return Err(format!(
                "client {id}: logo_uri {raw:?}: the host must be a DNS name (letters, digits, dots, hyphens) or an IPv4 address"
            ));
        }
        let slot = self
            .decl
            .links
            .slot(field)
            .ok_or_else(|| format!("client {id}: {field} is not a client link"))?;
        *slot = Some(url);
        Ok(())
    }

    /// The rules that span several fields.
    pub fn build(self) -> Result<ClientDecl, String> {
        let (id, d) = (&self.id, &self.decl);
        if d.auth_method == AuthMethod::PrivateKeyJwt && d.jwks.is_none() {
            return Err(format!("client {id} uses private_key_jwt and needs jwks"));
        }
        if self.takes_secret() && d.secret.is_none() {
            return Err(format!(
                "client {id} uses {} and needs a secret",
                d.auth_method.as_str()
            ));
        }
        if d.grant_types.is_empty() {
            return Err(format!("client {id} needs at least one grant type"));
        }
        // RFC 6749 §3.1.2.2: clients using the code flow register their
        // redirect URIs.
        if d.grant_types.contains(&GrantType::AuthorizationCode) && d.redirect_uris.is_empty() {
            return Err(format!(
                "client {id} uses authorization_code and needs at least one redirect URI"
            ));
        }
        Ok(self.decl)
    }
}

#[cfg(test)]
mod tests;
