//! Clients: the file's fields fed, one by one, to the one client builder
//! (`oauth::registration`), so every refusal points at the line it is about.
//! What is the file's own business stays here: where a secret comes from.

use super::raw::RawClient;
use super::validator::{Validator, line_of};
use crate::config::SecretString;
use crate::oauth::registration::{ClientBuilder, Known, Origin};
use crate::oauth::{AuthMethod, ClientId, GrantType, RedirectUri, ScopeName};
use crate::tenancy::declarative::error::ApplyError;
use crate::tenancy::declarative::spec::{ClientDecl, ClientSecret};
use crate::tokens::AccessTokenFormat;
use marked_yaml::Spanned;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

impl Validator<'_> {
    pub(super) fn clients(
        &self,
        raw: Vec<RawClient>,
        scopes: &BTreeSet<String>,
        roles: &BTreeSet<String>,
    ) -> BTreeMap<ClientId, ClientDecl> {
        let mut out = BTreeMap::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for c in raw {
            if let Some(first) = seen.get(c.client_id.as_str()) {
                self.duplicate("client", &c.client_id, *first, &c.client_id);
                continue;
            }
            seen.insert(c.client_id.to_string(), line_of(&c.client_id));
            let Some(id) =
                self.keep(ClientId::parse(&c.client_id).map_err(|m| self.err(&c.client_id, m)))
            else {
                continue;
            };
            if let Some(decl) = self.keep(self.client(id.clone(), c, scopes, roles)) {
                out.insert(id, decl);
            }
        }
        out
    }

    fn client(
        &self,
        id: ClientId,
        c: RawClient,
        scopes: &BTreeSet<String>,
        roles: &BTreeSet<String>,
    ) -> Result<ClientDecl, ApplyError> {
        let at = &c.client_id;
        let method = match &c.token_endpoint_auth_method {
            Some(m) => Some(AuthMethod::parse(m).ok_or_else(|| {
                self.err(
                    m,
                    format!("unknown token_endpoint_auth_method {:?}", m.as_str()),
                )
            })?),
            None => None,
        };
        let known = Known {
            scopes,
            roles,
            origin: Origin::File,
        };
        let mut b = ClientBuilder::new(id, c.public, known);
        for r in &c.service_roles {
            b.service_role(r).map_err(self.at(r))?;
        }
        b.auth_method(method).map_err(self.at(at))?;
        let has_secret = c.secret.is_some() || c.secret_sha256.is_some() || c.secret_env.is_some();
        b.secret_allowed(has_secret).map_err(self.at(at))?;
        if b.takes_secret() {
            let secret = self.client_secret(b.id(), &c)?;
            b.secret(secret).map_err(self.at(at))?;
        }
        if let Some(jwks) = &c.jwks {
            b.jwks(jwks.to_string()).map_err(self.at(at))?;
        }
        b.allow_implicit(c.allow_implicit).map_err(self.at(at))?;
        for g in &c.grant_types {
            let grant = GrantType::parse(g)
                .ok_or_else(|| self.err(g, format!("unknown grant type {:?}", g.as_str())))?;
            b.grant(grant).map_err(self.at(g))?;
        }
        for a in &c.token_exchange_audiences {
            b.exchange_audience(a).map_err(self.at(a))?;
        }
        for u in &c.redirect_uris {
            b.redirect_uri(RedirectUri::parse(u).map_err(self.at(u))?);
        }
        for s in &c.scopes {
            b.scope(ScopeName::parse(s).map_err(self.at(s))?)
                .map_err(self.at(s))?;
        }
        if let Some(list) = &c.default_scopes {
            b.declare_default_scopes();
            for s in list {
                b.default_scope(ScopeName::parse(s).map_err(self.at(s))?)
                    .map_err(self.at(s))?;
            }
        }
        if let Some(f) = &c.access_token_format {
            b.access_token_format(
                AccessTokenFormat::parse(f)
                    .ok_or_else(|| self.err(f, "access_token_format must be biscuit or jwt"))?,
            );
        }
        self.lifetime(c.access_token_ttl.as_ref(), at, |d| b.access_token_ttl(d))?;
        self.lifetime(c.refresh_token_ttl.as_ref(), at, |d| b.refresh_token_ttl(d))?;
        self.lifetime(c.refresh_grace_period.as_ref(), at, |d| b.refresh_grace(d))?;
        b.first_party(c.first_party);
        b.allow_plain_pkce(c.allow_plain_pkce);
        for u in &c.post_logout_redirect_uris {
            b.post_logout_redirect_uri(RedirectUri::parse(u).map_err(self.at(u))?);
        }
        b.id_token_alg(self.algorithm(
            "id_token_signed_response_alg",
            c.id_token_signed_response_alg.as_ref(),
        )?);
        if let Some(list) = &c.allowed_origins {
            b.declare_allowed_origins();
            for o in list {
                b.allowed_origin(o).map_err(self.at(o))?;
            }
        }
        if let Some(name) = &c.name {
            b.name(name);
        }
        let links = [&c.client_uri, &c.logo_uri, &c.policy_uri, &c.tos_uri];
        for (field, value) in crate::oauth::ClientLinks::FIELDS.into_iter().zip(links) {
            if let Some(v) = value {
                b.link(field, v).map_err(self.at(v))?;
            }
        }
        b.build().map_err(self.at(at))
    }

    /// A lifetime field: parsed here, its range checked by the builder.
    fn lifetime(
        &self,
        raw: Option<&Spanned<String>>,
        at: &Spanned<String>,
        set: impl FnOnce(Option<Duration>) -> Result<(), String>,
    ) -> Result<(), ApplyError> {
        let d = raw.map(|r| self.duration(r)).transpose()?;
        set(d).map_err(|m| match raw {
            Some(raw) => self.err(raw, format!("duration {:?} {m}", raw.as_str())),
            None => self.err(at, m),
        })
    }

    /// Exactly one source: a plain `secret` (loopback only), a
    /// `secret_sha256`, or `secret_env`.
    fn client_secret(&self, id: &ClientId, c: &RawClient) -> Result<ClientSecret, ApplyError> {
        match (&c.secret, &c.secret_sha256, &c.secret_env) {
            (Some(plain), None, None) => {
                self.plain_allowed(plain, "secret", "secret_sha256 or secret_env")?;
                if plain.len() < 16 && !self.opts.allow_plain_secrets {
                    return Err(self.err(plain, format!("client {id}: secret is too short")));
                }
                Ok(ClientSecret::Plain(SecretString::new(plain.as_str())))
            }
            (None, Some(h), None) => {
                let lower = h.to_ascii_lowercase();
                if lower.len() != 64 || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(self.err(
                        h,
                        format!("client {id}: secret_sha256 must be 64 hex digits"),
                    ));
                }
                Ok(ClientSecret::Sha256(lower))
            }
            (None, None, Some(var)) => Ok(ClientSecret::Plain(self.env_var(var)?)),
            _ => Err(self.err(
                &c.client_id,
                format!("client {id} needs exactly one of secret, secret_sha256, secret_env"),
            )),
        }
    }
}
