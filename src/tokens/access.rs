//! Access tokens inspected: for introspection, revocation and the policy
//! decisions of Bearer callers. Minting is `encode`'s; the `act` chain
//! `act`'s.

use super::act::actors_of;
pub use super::act::{MAX_ACTORS, act_claim};
use super::encode::system_time;
pub use super::encode::{
    AccessClaims, AccessTokenFormat, IssuedToken, MintError, mint_biscuit, mint_jwt,
};
pub use super::issuer::Issuer;
use super::verified_cache::{Cached, VerifiedCache};
use crate::verify::{Expiry, Verified, Verifier};
use biscuit_auth::Biscuit;
use chrono::{DateTime, Utc};
use josekit::jwt;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::SystemTime;

/// The tenant's cache of tokens that verified (`tokens::verified_cache`).
pub type VerifiedTokens = VerifiedCache<TokenFacts>;

impl Cached for TokenFacts {
    fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    fn revocation_id(&self) -> &str {
        &self.revocation_id
    }
}

/// What introspection reports about an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    pub client_id: String,
    pub subject: Option<String>,
    /// The scopes usable now, after any narrowing blocks.
    pub scopes: BTreeSet<String>,
    /// The rights usable now, after any narrowing blocks.
    pub rights: BTreeSet<String>,
    /// Audiences the token is restricted to (empty: none stated).
    pub audiences: BTreeSet<String>,
    /// RFC 8693 §4.1 delegation chain: the current actor first.
    pub actors: Vec<String>,
    /// How the user signed in (RFC 8176), in order; empty for a client's own.
    pub amr: Vec<String>,
    pub issued_at: Option<i64>,
    /// The effective expiry: the authority block's, or earlier when a
    /// narrowing check bounds the time (verify::expiry).
    pub expires_at: Option<i64>,
    /// False when a narrowing check depends on the time in a way that cannot
    /// be read, so `expires_at` may be later than the token really lives.
    pub expiry_readable: bool,
    /// The id that revokes this token (and anything derived from it).
    pub revocation_id: String,
    pub format: AccessTokenFormat,
    /// Biscuit blocks (1 = nobody narrowed it); 1 for JWTs.
    pub blocks: usize,
}

/// The authority block's expiry, or the earlier one a narrowing check sets.
fn effective_expiry(facts: &Verified) -> Option<i64> {
    let exp = unix(facts.expires_at).and_then(|e| u64::try_from(e).ok());
    facts
        .narrowing
        .expiry
        .cap(exp)
        .and_then(|e| i64::try_from(e).ok())
}

fn unix(t: Option<SystemTime>) -> Option<i64> {
    t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

/// Whether `token` is a Biscuit with appended blocks — whose checks are
/// strangers' Datalog, evaluated off the request workers. Reads the
/// container only (no signatures); a token that does not parse is not.
pub fn is_narrowed(token: &str) -> bool {
    let token = token.trim();
    token.len() <= crate::verify::limits::MAX_TOKEN_CHARS
        && token.split('.').count() != 3
        && biscuit_auth::UnverifiedBiscuit::from_base64(token).is_ok_and(|b| b.block_count() > 1)
}

impl Issuer<'_> {
    fn verifier(&self) -> Verifier {
        Verifier::new(self.tenant).with_root_keys(self.keys.biscuit_public_keys())
    }
}

/// Checks a token of this tenant: signature, tenant, expiry, revocation and
/// narrowing blocks. `None` for anything that is not an active token — the
/// caller never learns why (RFC 7662 §2.2).
pub fn inspect(
    of: Issuer<'_>,
    token: &str,
    now: DateTime<Utc>,
    is_revoked: impl Fn(&str) -> bool,
) -> Option<TokenFacts> {
    inspect_for(of, token, now, is_revoked, &|_, _| true)
}

/// Who may learn about a token, decided from its client and audiences
/// before any narrowing block is evaluated.
pub type Admit<'a> = &'a dyn Fn(&str, &BTreeSet<String>) -> bool;

/// [`inspect`] for a caller that `admit`s only some tokens: one it does not
/// admit is `None`, and its narrowing blocks never run.
pub fn inspect_for(
    of: Issuer<'_>,
    token: &str,
    now: DateTime<Utc>,
    is_revoked: impl Fn(&str) -> bool,
    admit: Admit<'_>,
) -> Option<TokenFacts> {
    if token.split('.').count() == 3 {
        return inspect_jwt(of, token, now, is_revoked)
            .filter(|f| admit(&f.client_id, &f.audiences));
    }
    let now = system_time(now);
    let verifier = of.verifier();
    let biscuit = verifier.parse_token(token).ok()?;
    let facts: Verified = verifier.trusted_facts(&biscuit, &is_revoked).ok()?;
    if !admit(&facts.client_id, &facts.audiences) {
        return None;
    }
    let (scopes, rights) = Verifier::effective_grants(&biscuit, &facts, now).ok()?;
    // A token of which no scope and no right is usable now (expired, or
    // narrowed to nothing usable without request context) is not active. One
    // narrowed to some rights only — `required_right` checks — is: those
    // rights are what it is good for.
    let granted = !facts.scopes.is_empty() || !facts.rights.is_empty();
    if granted && scopes.is_empty() && rights.is_empty() {
        return None;
    }
    if facts.scopes.is_empty() && !expiry_ok(facts.expires_at, now) {
        return None;
    }
    Some(TokenFacts {
        actors: facts.actors(),
        expires_at: effective_expiry(&facts),
        client_id: facts.client_id,
        subject: facts.subject,
        scopes,
        rights,
        audiences: facts.audiences,
        amr: facts.amr,
        issued_at: unix(facts.issued_at),
        expiry_readable: facts.narrowing.expiry != Expiry::Unreadable,
        revocation_id: facts.revocation_ids.last().cloned().unwrap_or_default(),
        format: AccessTokenFormat::Biscuit,
        blocks: biscuit.block_count(),
    })
}

/// [`inspect`] through the tenant's cache of verified tokens: a Biscuit that
/// nobody narrowed and that verified before is answered from the cache, with
/// its expiry and revocation checked again (see [`VerifiedTokens`]).
pub fn inspect_cached(
    cache: &VerifiedTokens,
    of: Issuer<'_>,
    token: &str,
    now: DateTime<Utc>,
    is_revoked: impl Fn(&str) -> bool,
    admit: Admit<'_>,
) -> Option<Arc<TokenFacts>> {
    let key = VerifiedTokens::key(token);
    if let Some(hit) = cache.get(&key, now.timestamp(), &is_revoked) {
        return admit(&hit.client_id, &hit.audiences).then_some(hit);
    }
    let facts = Arc::new(inspect_for(of, token, now, &is_revoked, admit)?);
    if facts.format == AccessTokenFormat::Biscuit && facts.blocks == 1 {
        cache.insert(key, facts.clone(), now.timestamp());
    }
    Some(facts)
}

fn expiry_ok(exp: Option<SystemTime>, now: SystemTime) -> bool {
    exp.is_some_and(|e| e > now)
}

fn inspect_jwt(
    of: Issuer<'_>,
    token: &str,
    now: DateTime<Utc>,
    is_revoked: impl Fn(&str) -> bool,
) -> Option<TokenFacts> {
    let header = jwt::decode_header(token).ok()?;
    let kid = header.claim("kid")?.as_str()?.to_owned();
    if header.claim("typ")?.as_str()? != "at+jwt" {
        return None;
    }
    let verifier = of.keys.jws_verifier(&kid)?;
    let (payload, _) = jwt::decode_with_verifier(token, verifier).ok()?;
    let now_st = system_time(now);
    if payload.issuer()? != of.issuer || !expiry_ok(payload.expires_at(), now_st) {
        return None;
    }
    let jti = payload.jwt_id()?.to_owned();
    if is_revoked(&jti) {
        return None;
    }
    let client_id = payload.claim("client_id")?.as_str()?.to_owned();
    let subject = payload
        .subject()
        .map(str::to_owned)
        .filter(|s| *s != client_id);
    let scopes = payload
        .claim("scope")
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let rights = payload
        .claim("entitlements")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let audiences = match payload.audience() {
        Some(aud) if aud != [of.issuer] => aud.into_iter().map(str::to_owned).collect(),
        _ => BTreeSet::new(),
    };
    let actors = actors_of(payload.claim("act"));
    let amr = payload
        .claim("amr")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(TokenFacts {
        client_id,
        subject,
        scopes,
        rights,
        audiences,
        actors,
        amr,
        issued_at: unix(payload.issued_at()),
        expires_at: unix(payload.expires_at()),
        expiry_readable: true,
        revocation_id: jti,
        format: AccessTokenFormat::Jwt,
        blocks: 1,
    })
}

/// A Bearer access token that verified, as policy decisions need it: a
/// Biscuit someone narrowed is kept whole (so the holder's checks run in the
/// decision); a token nobody narrowed, or a JWT, is its verified facts.
pub enum Presented {
    Biscuit(Box<(Biscuit, Verified)>),
    Facts(Arc<TokenFacts>),
}

impl Presented {
    pub fn subject(&self) -> Option<&str> {
        match self {
            Presented::Biscuit(b) => b.1.subject.as_deref(),
            Presented::Facts(f) => f.subject.as_deref(),
        }
    }

    pub fn client_id(&self) -> &str {
        match self {
            Presented::Biscuit(b) => &b.1.client_id,
            Presented::Facts(f) => &f.client_id,
        }
    }

    pub fn issued_at(&self) -> Option<i64> {
        match self {
            Presented::Biscuit(b) => unix(b.1.issued_at),
            Presented::Facts(f) => f.issued_at,
        }
    }

    /// Who acted, for the audit log: `user:{sub}`, or `client:{id}` for a
    /// token without a user.
    pub fn actor(&self) -> String {
        self.subject().map_or_else(
            || format!("client:{}", self.client_id()),
            |s| format!("user:{s}"),
        )
    }

    /// The caller as the policy engine sees it.
    pub fn caller<'a>(&'a self, tenant: &'a str) -> crate::authz::policy::Caller<'a> {
        use crate::authz::policy::{Caller, TokenClaims};
        match self {
            Presented::Biscuit(b) => Caller::Biscuit(&b.0, &b.1.narrowing),
            Presented::Facts(f) => Caller::Claims(TokenClaims {
                tenant,
                client_id: Some(&f.client_id),
                subject: f.subject.as_deref(),
                scopes: &f.scopes,
                rights: &f.rights,
            }),
        }
    }
}

/// Checks a Bearer token of this tenant — signature, tenant, expiry,
/// revocation — and keeps it for decisions. `None` for anything else. Tokens
/// nobody narrowed go through the tenant's cache of verified tokens.
pub fn present(
    cache: &VerifiedTokens,
    of: Issuer<'_>,
    token: &str,
    now: DateTime<Utc>,
    is_revoked: impl Fn(&str) -> bool,
) -> Option<Presented> {
    let key = VerifiedTokens::key(token);
    if let Some(hit) = cache.get(&key, now.timestamp(), &is_revoked) {
        return Some(Presented::Facts(hit));
    }
    if token.split('.').count() == 3 {
        return inspect_jwt(of, token, now, is_revoked).map(|f| Presented::Facts(Arc::new(f)));
    }
    let verifier = of.verifier();
    let biscuit = verifier.parse_token(token).ok()?;
    let facts = verifier.trusted_facts(&biscuit, &is_revoked).ok()?;
    if !expiry_ok(facts.expires_at, system_time(now)) {
        return None;
    }
    if biscuit.block_count() > 1 {
        return Some(Presented::Biscuit(Box::new((biscuit, facts))));
    }
    // One block: its only check is the expiry just compared, so the facts
    // say everything (as in the introspection cache).
    let facts = Arc::new(TokenFacts {
        actors: facts.actors(),
        revocation_id: facts.revocation_ids.last().cloned().unwrap_or_default(),
        issued_at: unix(facts.issued_at),
        expires_at: unix(facts.expires_at),
        expiry_readable: true,
        client_id: facts.client_id,
        subject: facts.subject,
        scopes: facts.scopes,
        rights: facts.rights,
        audiences: facts.audiences,
        amr: facts.amr,
        format: AccessTokenFormat::Biscuit,
        blocks: 1,
    });
    cache.insert(key, facts.clone(), now.timestamp());
    Some(Presented::Facts(facts))
}
