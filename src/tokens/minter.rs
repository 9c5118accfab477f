//! The one place tokens are minted: every grant describes what the token says
//! ([`AccessGrant`]) and the [`Minter`] turns it into a Biscuit or an RFC 9068
//! JWT, in the client's format, with the one lifetime rule ([`Lifetime`]);
//! ID tokens (OIDC Core §2) likewise.
//!
//! A sender-constrained token (DPoP RFC 9449 §6, mTLS RFC 8705 §3) will be one
//! more field of [`AccessGrant`] that both formats write as `cnf`.

use super::access::{self, AccessClaims, AccessTokenFormat, IssuedToken, MintError};
use super::id_token::{self, IdClaims};
use super::issuer::Issuer;
use crate::oauth::Client;
use crate::oauth::scope::ScopeSet;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// ID tokens live this long.
pub const ID_TOKEN_TTL_SECS: i64 = 300;

/// How long an access token may live, beyond the client's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifetime {
    /// The grant's own ceiling (the implicit response's 10 minutes).
    pub max: Option<Duration>,
    /// A moment the token may not outlive (token exchange: the subject
    /// token's effective expiry, RFC 8693 §2.2).
    pub not_after: Option<DateTime<Utc>>,
}

impl Lifetime {
    /// At most `max`.
    pub fn at_most(max: Duration) -> Self {
        Self {
            max: Some(max),
            not_after: None,
        }
    }

    /// Never past `t`.
    pub fn not_after(t: DateTime<Utc>) -> Self {
        Self {
            max: None,
            not_after: Some(t),
        }
    }

    /// The expiry of a token issued at `now` to a client whose setting is
    /// `configured` (tenant files default it to one hour and bound it to
    /// 1 min–24 h): the setting, cut to the grant's ceiling and to
    /// `not_after`, and never before `now`.
    pub fn expiry(&self, configured: std::time::Duration, now: DateTime<Utc>) -> DateTime<Utc> {
        let mut ttl = Duration::from_std(configured).unwrap_or(Duration::days(1));
        if let Some(max) = self.max {
            ttl = ttl.min(max);
        }
        let mut at = now + ttl.max(Duration::zero());
        if let Some(t) = self.not_after {
            at = at.min(t);
        }
        at.max(now)
    }
}

/// What an access token says, before it has times and a format.
#[derive(Debug, Clone)]
pub struct AccessGrant<'a> {
    pub client: &'a Client,
    /// The user; `None` for a client's own token (client_credentials).
    pub subject: Option<String>,
    pub scopes: ScopeSet,
    /// The permissions the token carries (authz::rights).
    pub rights: BTreeSet<String>,
    /// Who the token is for (RFC 8693 `audience`/`resource`); empty = any.
    pub audiences: BTreeSet<String>,
    /// RFC 8693 §4.1: the current actor first, then the earlier ones.
    pub actors: Vec<String>,
    /// How the user signed in (RFC 8176 `amr`), in order; empty for a
    /// client's own token (an exchanged one keeps its subject token's).
    pub amr: Vec<String>,
    pub lifetime: Lifetime,
}

/// A minted access token.
#[derive(Debug, Clone)]
pub struct MintedAccess {
    pub token: IssuedToken,
    pub scopes: ScopeSet,
    pub expires_at: DateTime<Utc>,
    /// RFC 6749 §5.1 `expires_in`.
    pub expires_in: i64,
}

/// The sign-in an ID token speaks of.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenGrant<'a> {
    pub subject: &'a str,
    pub auth_time: DateTime<Utc>,
    pub nonce: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub amr: &'a [String],
}

/// Minting is what the tenant as [`Issuer`] does.
impl Issuer<'_> {
    /// An access token in the client's format.
    pub fn access(
        &self,
        g: &AccessGrant<'_>,
        now: DateTime<Utc>,
    ) -> Result<MintedAccess, MintError> {
        let expires_at = g.lifetime.expiry(g.client.access_token_ttl, now);
        let claims = AccessClaims {
            tenant: self.tenant.to_owned(),
            issuer: self.issuer.to_owned(),
            client_id: g.client.client_id.to_string(),
            subject: g.subject.clone(),
            scopes: g.scopes.to_set(),
            rights: g.rights.clone(),
            audiences: g.audiences.clone(),
            actors: g.actors.clone(),
            amr: g.amr.clone(),
            issued_at: now,
            expires_at,
        };
        let token = match g.client.access_token_format {
            AccessTokenFormat::Biscuit => access::mint_biscuit(self.keys, &claims)?,
            AccessTokenFormat::Jwt => access::mint_jwt(self.keys, &claims)?,
        };
        Ok(MintedAccess {
            token,
            scopes: g.scopes.clone(),
            expires_at,
            expires_in: (expires_at - now).num_seconds().max(0),
        })
    }

    /// An ID token for `client`, bound to the access token issued with it
    /// (`at_hash`), in the client's algorithm.
    pub fn id_token(
        &self,
        client: &Client,
        g: &IdTokenGrant<'_>,
        access_token: &str,
        now: DateTime<Utc>,
    ) -> Result<String, josekit::JoseError> {
        id_token::mint(
            self.keys,
            &IdClaims {
                issuer: self.issuer,
                algorithm: client.id_token_alg,
                subject: g.subject,
                audience: client.client_id.as_str(),
                issued_at: now,
                expires_at: now + Duration::seconds(ID_TOKEN_TTL_SECS),
                auth_time: g.auth_time,
                nonce: g.nonce,
                session_id: g.session_id,
                amr: g.amr,
                access_token,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn lifetime_rule() {
        let hour = std::time::Duration::from_secs(3600);
        let cases = [
            ("the client's setting", Lifetime::default(), hour, 3600),
            (
                "cut to the grant's ceiling",
                Lifetime::at_most(Duration::minutes(10)),
                hour,
                600,
            ),
            (
                "a ceiling above the setting changes nothing",
                Lifetime::at_most(Duration::hours(2)),
                hour,
                3600,
            ),
            (
                "never past not_after",
                Lifetime::not_after(now() + Duration::seconds(90)),
                hour,
                90,
            ),
            (
                "a not_after already past expires now",
                Lifetime::not_after(now() - Duration::seconds(5)),
                hour,
                0,
            ),
            (
                "a setting too large for chrono is one day",
                Lifetime::default(),
                std::time::Duration::from_secs(u64::MAX),
                86_400,
            ),
        ];
        for (what, lifetime, configured, secs) in cases {
            assert_eq!(
                (lifetime.expiry(configured, now()) - now()).num_seconds(),
                secs,
                "{what}"
            );
        }
    }
}
