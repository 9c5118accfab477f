//! Offline verification of Gatehouse access tokens, for resource servers.
//!
//! A Gatehouse access token is a [Biscuit](https://www.biscuitsec.org) whose
//! authority block, signed by the tenant's root key, states who the token is for
//! and what it may do:
//!
//! ```text
//! tenant("acme"); client("svc"); sub("…");        // sub only for user tokens
//! scope("notes:read"); scope("notes:write");
//! right("notes:read");                            // permissions (authz::rights)
//! issued_at(2026-11-26T10:00:00Z); expires_at(2026-11-26T11:00:00Z);
//! check if time($time), $time < 2026-11-26T11:00:00Z;
//! ```
//!
//! A holder may append blocks that narrow the token (they can only add checks:
//! facts in appended blocks are not trusted by the verifier). [`Verifier`] checks
//! the signature with the tenant's public key, the tenant, expiry, revocation,
//! every appended check, and that the token carries the scope (or the right,
//! [`Request::right`]) the request needs:
//!
//! ```
//! use gatehouse::verify::{Request, Verifier};
//! # use biscuit_auth::{KeyPair, Biscuit};
//! # let root = KeyPair::new();
//! # let token = Biscuit::builder()
//! #     .code(r#"tenant("acme"); client("svc"); scope("notes:read");
//! #              check if time($t), $t < 2099-01-01T00:00:00Z;"#).unwrap()
//! #     .root_key_id(1).build(&root).unwrap().to_base64().unwrap();
//! # let public_key_hex = root.public().to_bytes_hex();
//! let verifier = Verifier::new("acme").with_root_key(1, &public_key_hex)?;
//! let ok = verifier.verify(&token, &Request::scope("notes:read"))?;
//! assert_eq!(ok.client_id, "svc");
//! assert!(verifier.verify(&token, &Request::scope("notes:write")).is_err());
//! # Ok::<(), gatehouse::verify::VerifyError>(())
//! ```
//!
//! The keys come from the tenant's `{issuer}/biscuit-keys` document
//! ([`Verifier::from_keys_document`]); revoked tokens from whatever revocation
//! list the resource server keeps ([`Verifier::with_revoked`]).

mod error;
pub mod expiry;
pub mod limits;
mod request;

pub use error::VerifyError;
pub use expiry::Expiry;
pub use limits::{Narrowing, World, run_limits};
pub use request::{Request, Verified};

use biscuit_auth::builder::{Policy, PolicyKind, Rule, date, fact, pred, rule, string, var};
use biscuit_auth::{Algorithm, AuthorizerBuilder, Biscuit, PublicKey};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::SystemTime;

/// Checks tokens of one tenant offline.
#[derive(Debug, Clone)]
pub struct Verifier {
    tenant: String,
    keys: BTreeMap<u32, PublicKey>,
    revoked: HashSet<String>,
}

impl Verifier {
    pub fn new(tenant: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            keys: BTreeMap::new(),
            revoked: HashSet::new(),
        }
    }

    /// Trusts an Ed25519 root public key (hex) for tokens with `root_key_id`.
    pub fn with_root_key(
        mut self,
        root_key_id: u32,
        public_key_hex: &str,
    ) -> Result<Self, VerifyError> {
        let key = PublicKey::from_bytes_hex(public_key_hex, Algorithm::Ed25519)
            .map_err(|e| VerifyError::BadKey(e.to_string()))?;
        self.keys.insert(root_key_id, key);
        Ok(self)
    }

    /// Trusts a set of root keys already parsed.
    pub fn with_root_keys(mut self, keys: &BTreeMap<u32, PublicKey>) -> Self {
        self.keys.extend(keys.iter().map(|(k, v)| (*k, *v)));
        self
    }

    /// Trusts every key of a tenant's `{issuer}/biscuit-keys` document.
    pub fn from_keys_document(
        tenant: impl Into<String>,
        doc: &serde_json::Value,
    ) -> Result<Self, VerifyError> {
        let mut v = Self::new(tenant);
        let keys = doc["keys"]
            .as_array()
            .ok_or_else(|| VerifyError::BadKey("no keys array".into()))?;
        for k in keys {
            let id = k["root_key_id"]
                .as_u64()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| VerifyError::BadKey("root_key_id".into()))?;
            let hex = k["public_key"]
                .as_str()
                .ok_or_else(|| VerifyError::BadKey("public_key".into()))?;
            v = v.with_root_key(id, hex)?;
        }
        Ok(v)
    }

    /// Treats tokens with any of these (hex) revocation ids as revoked.
    pub fn with_revoked(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        self.revoked.extend(ids);
        self
    }

    fn parse(&self, token: &str) -> Result<Biscuit, VerifyError> {
        let token = token.trim();
        if token.len() > limits::MAX_TOKEN_CHARS {
            return Err(VerifyError::OverLimits(format!(
                "longer than {} characters",
                limits::MAX_TOKEN_CHARS
            )));
        }
        Biscuit::from_base64(token, |id: Option<u32>| {
            id.and_then(|id| self.keys.get(&id).copied())
                .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
        })
        .map_err(|_| VerifyError::Invalid)
    }

    /// Verifies `token` for `request`: signature, tenant, revocation, every
    /// check (expiry included), and the required scope in the authority block.
    pub fn verify(&self, token: &str, request: &Request<'_>) -> Result<Verified, VerifyError> {
        let biscuit = self.parse(token)?;
        let facts = self.trusted_facts(&biscuit, |id| self.revoked.contains(id))?;
        // A token for stated audiences serves only them.
        if let Some(aud) = request.audience
            && !facts.audiences.is_empty()
            && !facts.audiences.contains(aud)
        {
            return Err(VerifyError::Denied);
        }
        authorize(&biscuit, request)?;
        Ok(facts)
    }

    /// Parses and checks signature, tenant and revocation, and reads the
    /// authority facts; does not evaluate checks.
    pub fn trusted_facts(
        &self,
        biscuit: &Biscuit,
        is_revoked: impl Fn(&str) -> bool,
    ) -> Result<Verified, VerifyError> {
        let revocation_ids: Vec<String> = biscuit
            .revocation_identifiers()
            .iter()
            .map(hex::encode)
            .collect();
        if revocation_ids.iter().any(|id| is_revoked(id)) {
            return Err(VerifyError::Revoked);
        }
        // Before anything runs: the appended blocks within their shape, and
        // this read plus one authorization within the cost budget.
        let narrowing = Narrowing::read(biscuit)?;
        narrowing.within_budget(&World::verifier(), 2)?;
        // Queries see only trusted facts: the authority block's (and the
        // authorizer's, which has none here). The rules are built with the
        // builder API, not parsed from source on every call.
        let mut authorizer = AuthorizerBuilder::new()
            .set_limits(run_limits())
            .build(biscuit)
            .map_err(|_| VerifyError::Invalid)?;
        let one = |a: &mut biscuit_auth::Authorizer,
                   name: &str|
         -> Result<Vec<String>, VerifyError> {
            let rows: Vec<(String,)> = a.query(query(name)).map_err(|_| VerifyError::Invalid)?;
            Ok(rows.into_iter().map(|(s,)| s).collect())
        };
        let tenants = one(&mut authorizer, "tenant")?;
        if tenants != [self.tenant.as_str()] {
            return Err(VerifyError::WrongTenant);
        }
        let client_id = one(&mut authorizer, "client")?
            .pop()
            .ok_or(VerifyError::Invalid)?;
        let subject = one(&mut authorizer, "sub")?.pop();
        let scopes = one(&mut authorizer, "scope")?.into_iter().collect();
        let rights = one(&mut authorizer, "right")?.into_iter().collect();
        let audiences = one(&mut authorizer, "aud")?.into_iter().collect();
        let actor = one(&mut authorizer, "actor")?.pop();
        let mut prior: Vec<(i64, String)> = authorizer
            .query(rule(
                "q",
                &[var("n"), var("a")],
                &[pred("prior_actor", &[var("n"), var("a")])],
            ))
            .map_err(|_| VerifyError::Invalid)?;
        prior.sort();
        let prior_actors = prior.into_iter().map(|(_, a)| a).collect();
        let mut amr: Vec<(i64, String)> = authorizer
            .query(rule(
                "q",
                &[var("n"), var("m")],
                &[pred("amr", &[var("n"), var("m")])],
            ))
            .map_err(|_| VerifyError::Invalid)?;
        amr.sort();
        let amr = amr.into_iter().map(|(_, m)| m).collect();
        let date = |a: &mut biscuit_auth::Authorizer, name: &str| -> Option<SystemTime> {
            let rows: Vec<(SystemTime,)> = a.query(query(name)).ok()?;
            rows.into_iter().next().map(|(t,)| t)
        };
        let issued_at = date(&mut authorizer, "issued_at");
        let expires_at = date(&mut authorizer, "expires_at");
        Ok(Verified {
            tenant: self.tenant.clone(),
            client_id,
            subject,
            scopes,
            rights,
            audiences,
            actor,
            prior_actors,
            amr,
            issued_at,
            expires_at,
            revocation_ids,
            narrowing,
        })
    }

    /// The scopes and rights of `facts` that a request at `now` (no
    /// resource, no audience) may use: each is tried with every check of
    /// every block. When no appended block reads `required_scope` (or
    /// `required_right`), one run decides them all; otherwise each is tried
    /// on its own, and all those runs together must stay within the budget.
    pub fn effective_grants(
        biscuit: &Biscuit,
        facts: &Verified,
        now: SystemTime,
    ) -> Result<(BTreeSet<String>, BTreeSet<String>), VerifyError> {
        // A token nobody narrowed has only its authority block, whose one
        // check is the expiry Gatehouse wrote: no Datalog run is needed.
        if biscuit.block_count() == 1 {
            return Ok(if facts.expires_at.is_some_and(|exp| exp > now) {
                (facts.scopes.clone(), facts.rights.clone())
            } else {
                (BTreeSet::new(), BTreeSet::new())
            });
        }
        let n = &facts.narrowing;
        let per_scope = if n.reads_required_scope {
            facts.scopes.len()
        } else {
            0
        };
        let per_right = if n.reads_required_right {
            facts.rights.len()
        } else {
            0
        };
        n.within_budget(&World::verifier(), (1 + per_scope + per_right) as u64)?;
        let probe = (!n.reads_required_scope || !n.reads_required_right)
            && authorize_checks(biscuit, now).is_ok();
        let each = |all: &BTreeSet<String>, reads: bool, request: &dyn Fn(&str) -> bool| {
            if reads {
                all.iter().filter(|s| request(s)).cloned().collect()
            } else if probe {
                all.clone()
            } else {
                BTreeSet::new()
            }
        };
        let scopes = each(&facts.scopes, n.reads_required_scope, &|s| {
            authorize(biscuit, &Request::scope(s).at(now)).is_ok()
        });
        let rights = each(&facts.rights, n.reads_required_right, &|r| {
            authorize(biscuit, &Request::right(r).at(now)).is_ok()
        });
        Ok((scopes, rights))
    }

    /// Parses a token with this verifier's keys.
    pub fn parse_token(&self, token: &str) -> Result<Biscuit, VerifyError> {
        self.parse(token)
    }
}

/// `q($x) <- name($x)`: reads a one-term fact.
fn query(name: &str) -> Rule {
    rule("q", &[var("x")], &[pred(name, &[var("x")])])
}

/// `allow if required_scope($s), scope($s), required_right($r), right($r)`,
/// with only the parts the request sets.
fn allow_required(request: &Request<'_>) -> Policy {
    let mut body = Vec::new();
    if request.scope.is_some() {
        body.push(pred("required_scope", &[var("s")]));
        body.push(pred("scope", &[var("s")]));
    }
    if request.right.is_some() {
        body.push(pred("required_right", &[var("r")]));
        body.push(pred("right", &[var("r")]));
    }
    Policy {
        queries: vec![rule("query", &[] as &[biscuit_auth::builder::Term], &body)],
        kind: PolicyKind::Allow,
    }
}

/// Runs every check of the token with only the time: what every request that
/// neither names a resource nor an audience, nor asks for a scope or right the
/// checks read, would see.
fn authorize_checks(biscuit: &Biscuit, now: SystemTime) -> Result<(), VerifyError> {
    let b = AuthorizerBuilder::new()
        .set_limits(run_limits())
        .fact(fact("time", &[date(&now)]));
    run(
        biscuit,
        b,
        Policy {
            queries: vec![rule(
                "query",
                &[] as &[biscuit_auth::builder::Term],
                &[] as &[biscuit_auth::builder::Predicate],
            )],
            kind: PolicyKind::Allow,
        },
    )
}

/// Builds the authorizer with `policy` over `biscuit` and runs it.
fn run(
    biscuit: &Biscuit,
    b: Result<AuthorizerBuilder, biscuit_auth::error::Token>,
    policy: Policy,
) -> Result<(), VerifyError> {
    let mut authorizer = b
        .and_then(|b| b.policy(policy))
        .and_then(|b| b.build(biscuit))
        .map_err(|_| VerifyError::Invalid)?;
    authorizer
        .authorize()
        .map(|_| ())
        .map_err(|_| VerifyError::Denied)
}

/// Runs every check of the token with the request's facts and allows the
/// request only if the authority block grants the required scope and right.
/// A request that requires neither is refused: there is nothing to allow.
fn authorize(biscuit: &Biscuit, request: &Request<'_>) -> Result<(), VerifyError> {
    if request.scope.is_none() && request.right.is_none() {
        return Err(VerifyError::Denied);
    }
    let mut b = AuthorizerBuilder::new()
        .set_limits(run_limits())
        .fact(fact("time", &[date(&request.now)]));
    if let Some(s) = request.scope {
        b = b.and_then(|b| b.fact(fact("required_scope", &[string(s)])));
    }
    if let Some(r) = request.right {
        b = b.and_then(|b| b.fact(fact("required_right", &[string(r)])));
    }
    if let Some(r) = request.resource {
        b = b.and_then(|b| b.fact(fact("resource", &[string(r)])));
    }
    if let Some(a) = request.audience {
        b = b.and_then(|b| b.fact(fact("audience", &[string(a)])));
    }
    run(biscuit, b, allow_required(request))
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
