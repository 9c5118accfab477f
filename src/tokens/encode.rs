//! Access tokens minted: the claims of one token encoded as a Biscuit (the
//! default) or an RFC 9068 JWT. `minter` decides what the claims are.

use super::act::act_claim;
use super::keyring::KeyRing;
use biscuit_auth::Biscuit;
use biscuit_auth::builder::{
    Binary, Check, CheckKind, Expression, Op, Rule, date, fact, int, pred, string, var,
};
use chrono::{DateTime, Utc};
use josekit::jws::JwsHeader;
use josekit::jwt::{self, JwtPayload};
use std::collections::BTreeSet;
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTokenFormat {
    Biscuit,
    /// RFC 9068, for resource servers that only understand JWT.
    Jwt,
}

impl AccessTokenFormat {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "biscuit" => Some(Self::Biscuit),
            "jwt" => Some(Self::Jwt),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Biscuit => "biscuit",
            Self::Jwt => "jwt",
        }
    }
}

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub tenant: String,
    pub issuer: String,
    pub client_id: String,
    /// The user; `None` for client_credentials tokens.
    pub subject: Option<String>,
    pub scopes: BTreeSet<String>,
    /// The permissions the token carries (authz::rights): held by the
    /// subject (or the client's service roles) and carried by granted scopes.
    pub rights: BTreeSet<String>,
    /// Who the token is for (RFC 8693 `audience`/`resource`); empty = any.
    pub audiences: BTreeSet<String>,
    /// RFC 8693 §4.1: who acts on the subject's behalf (delegation): the
    /// current actor first, then the earlier ones; empty when not delegated.
    pub actors: Vec<String>,
    /// How the user signed in (RFC 8176), in order; empty for a client's own.
    pub amr: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A minted token and the id that revokes it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub revocation_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("biscuit: {0}")]
    Biscuit(#[from] biscuit_auth::error::Token),
    #[error("jwt: {0}")]
    Jwt(#[from] josekit::JoseError),
}

pub(super) fn system_time(t: DateTime<Utc>) -> SystemTime {
    SystemTime::from(t)
}

/// Mints a Biscuit signed by the tenant's active root key.
pub fn mint_biscuit(keys: &KeyRing, c: &AccessClaims) -> Result<IssuedToken, MintError> {
    let (root_key_id, root) = keys.biscuit_signer();
    let mut b = Biscuit::builder()
        .fact(fact("tenant", &[string(&c.tenant)]))?
        .fact(fact("client", &[string(&c.client_id)]))?
        .fact(fact("issued_at", &[date(&system_time(c.issued_at))]))?
        .fact(fact("expires_at", &[date(&system_time(c.expires_at))]))?;
    if let Some(sub) = &c.subject {
        b = b.fact(fact("sub", &[string(sub)]))?;
    }
    for s in &c.scopes {
        b = b.fact(fact("scope", &[string(s)]))?;
    }
    for r in &c.rights {
        b = b.fact(fact("right", &[string(r)]))?;
    }
    for a in &c.audiences {
        b = b.fact(fact("aud", &[string(a)]))?;
    }
    if let Some((actor, prior)) = c.actors.split_first() {
        b = b.fact(fact("actor", &[string(actor)]))?;
        for (n, a) in (1i64..).zip(prior) {
            b = b.fact(fact("prior_actor", &[int(n), string(a)]))?;
        }
    }
    // `amr(n, method)`: how the user signed in, in order (RFC 8176).
    for (n, m) in (0i64..).zip(&c.amr) {
        b = b.fact(fact("amr", &[int(n), string(m)]))?;
    }
    b = b.check(expiry_check(system_time(c.expires_at)))?;
    // The next block's key pair comes from the thread's CSPRNG (ChaCha, seeded
    // from the OS) rather than a getrandom system call per token.
    let token = b.root_key_id(root_key_id).build_with_rng(
        root,
        biscuit_auth::datalog::SymbolTable::new(),
        &mut rand::thread_rng(),
    )?;
    let revocation_id = token
        .revocation_identifiers()
        .last()
        .map(hex::encode)
        .unwrap_or_default();
    Ok(IssuedToken {
        token: token.to_base64()?,
        revocation_id,
    })
}

/// `check if time($time), $time < {exp}`, built without parsing Datalog
/// source (parsing it was ≈ 5 % of an issuance).
fn expiry_check(exp: SystemTime) -> Check {
    let time = var("time");
    Check {
        queries: vec![Rule::new(
            pred("query", &[] as &[biscuit_auth::builder::Term]),
            vec![pred("time", std::slice::from_ref(&time))],
            vec![Expression {
                ops: vec![
                    Op::Value(time),
                    Op::Value(date(&exp)),
                    Op::Binary(Binary::LessThan),
                ],
            }],
            vec![],
        )],
        kind: CheckKind::One,
    }
}

/// Mints an RFC 9068 JWT access token with the tenant's active JWS key.
pub fn mint_jwt(keys: &KeyRing, c: &AccessClaims) -> Result<IssuedToken, MintError> {
    let jws = keys.jws();
    let mut header = JwsHeader::new();
    // RFC 9068 §2.1: typ "at+jwt".
    header.set_token_type("at+jwt");
    header.set_key_id(&jws.kid);
    let jti = uuid::Uuid::new_v4().to_string();
    let mut p = JwtPayload::new();
    p.set_issuer(&c.issuer);
    // RFC 9068 §2.2: sub is the client for grants without a resource owner.
    p.set_subject(c.subject.as_deref().unwrap_or(&c.client_id));
    if c.audiences.is_empty() {
        p.set_audience(vec![c.issuer.clone()]);
    } else {
        p.set_audience(c.audiences.iter().cloned().collect());
    }
    if let Some(act) = act_claim(&c.actors) {
        p.set_claim("act", Some(act))?;
    }
    super::id_token::numeric_date(&mut p, "iat", c.issued_at)?;
    super::id_token::numeric_date(&mut p, "exp", c.expires_at)?;
    p.set_jwt_id(&jti);
    let scope = c.scopes.iter().cloned().collect::<Vec<_>>().join(" ");
    p.set_claim("client_id", Some(c.client_id.clone().into()))?;
    p.set_claim("scope", Some(scope.into()))?;
    // RFC 9068 §2.2.3.1: entitlements, as in SCIM (RFC 7643 §4.1.2).
    if !c.rights.is_empty() {
        let rights: Vec<serde_json::Value> = c.rights.iter().map(|r| r.as_str().into()).collect();
        p.set_claim("entitlements", Some(rights.into()))?;
    }
    // RFC 9068 §2.2.1: how the user signed in, as in ID tokens.
    if !c.amr.is_empty() {
        p.set_claim("amr", Some(c.amr.clone().into()))?;
        p.set_claim("acr", Some(super::id_token::acr_of(&c.amr).into()))?;
    }
    let token = jwt::encode_with_signer(&p, &header, jws.signer.as_ref())?;
    Ok(IssuedToken {
        token,
        revocation_id: jti,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use biscuit_auth::{AuthorizerBuilder, KeyPair};
    use std::time::Duration;

    #[test]
    fn expiry_check_is_the_documented_rule_and_enforces_expiry() {
        let exp = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let check = expiry_check(exp);
        assert_eq!(
            check.to_string(),
            "check if time($time), $time < 2026-11-18T11:06:40Z"
        );
        let root = KeyPair::new();
        let token = Biscuit::builder()
            .check(check)
            .unwrap()
            .build(&root)
            .unwrap();
        let at = |t: SystemTime| {
            AuthorizerBuilder::new()
                .fact(fact("time", &[date(&t)]))
                .unwrap()
                .policy("allow if true")
                .unwrap()
                .build(&token)
                .unwrap()
                .authorize()
        };
        assert!(at(exp - Duration::from_secs(1)).is_ok());
        assert!(at(exp).is_err());
        assert!(at(exp + Duration::from_secs(1)).is_err());
    }
}
