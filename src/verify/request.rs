//! What a resource server asks of a token, and what a token that verified
//! states.

use super::Narrowing;
use std::collections::BTreeSet;
use std::time::SystemTime;

/// What the resource server is about to do. Holders' checks can refer to these
/// facts: `required_scope($s)`, `required_right($r)`, `resource($r)`,
/// `audience($a)`, `time($t)`. The token must carry the required scope and the
/// required right, whichever are set.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub scope: Option<&'a str>,
    pub right: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub audience: Option<&'a str>,
    pub now: SystemTime,
}

impl<'a> Request<'a> {
    /// A request needing `scope`, now, without resource or audience.
    pub fn scope(scope: &'a str) -> Self {
        Self {
            scope: Some(scope),
            right: None,
            resource: None,
            audience: None,
            now: SystemTime::now(),
        }
    }

    /// A request needing the right (permission) `right`, now.
    pub fn right(right: &'a str) -> Self {
        Self {
            scope: None,
            right: Some(right),
            resource: None,
            audience: None,
            now: SystemTime::now(),
        }
    }

    /// Also requires the right `right`.
    pub fn and_right(mut self, right: &'a str) -> Self {
        self.right = Some(right);
        self
    }

    pub fn resource(mut self, resource: &'a str) -> Self {
        self.resource = Some(resource);
        self
    }

    pub fn audience(mut self, audience: &'a str) -> Self {
        self.audience = Some(audience);
        self
    }

    pub fn at(mut self, now: SystemTime) -> Self {
        self.now = now;
        self
    }
}

/// The trusted (authority-block) facts of a token that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub tenant: String,
    pub client_id: String,
    pub subject: Option<String>,
    /// The scopes the authority block grants (appended blocks may narrow what a
    /// given request can use; see [`Verifier::effective_grants`]).
    pub scopes: BTreeSet<String>,
    /// The rights (permissions) the authority block grants.
    pub rights: BTreeSet<String>,
    /// `aud(…)` facts: the audiences the token is for (token exchange); a
    /// request that states its audience must be one of them.
    pub audiences: BTreeSet<String>,
    /// `actor(…)`: who acts on the subject's behalf now (RFC 8693 §4.1).
    pub actor: Option<String>,
    /// `prior_actor(n, …)`: earlier actors in the delegation chain, most
    /// recent first (the nested `act` claims of RFC 8693 §4.1; informational,
    /// not for access decisions).
    pub prior_actors: Vec<String>,
    /// `amr(n, …)`: how the user signed in (RFC 8176), in order; empty for
    /// a client's own token.
    pub amr: Vec<String>,
    pub issued_at: Option<SystemTime>,
    pub expires_at: Option<SystemTime>,
    /// Hex revocation ids, one per block; the last one identifies this token.
    pub revocation_ids: Vec<String>,
    /// What the appended blocks contain, as far as evaluating them costs,
    /// and the expiry their checks imply.
    pub narrowing: Narrowing,
}

impl Verified {
    /// The delegation chain, current actor first (RFC 8693 §4.1).
    pub fn actors(&self) -> Vec<String> {
        self.actor
            .iter()
            .chain(&self.prior_actors)
            .cloned()
            .collect()
    }
}
