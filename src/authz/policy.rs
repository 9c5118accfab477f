//! Authorization policies: per-tenant Biscuit Datalog, validated on save and
//! evaluated with explicit run limits. One engine decides for the self-service
//! user API, the AuthZEN decision endpoint, and whatever comes next.
//!
//! A decision loads the caller's access token (so every check a holder
//! appended runs too) and these request facts, then the tenant's policies:
//!
//! ```text
//! time(2026-11-27T10:00:00Z);
//! action("users:update");  required_right("users:update");
//! resource("0193…");  resource_type("user");  resource_tenant("acme");
//! ```
//!
//! The token's own facts — `tenant`, `client`, `sub`, `scope`, `right` — come
//! from its authority block (for JWT access tokens, from its verified claims);
//! the tenant's configuration adds `first_party_client($id)` for each of its
//! first-party clients.
//! Policies are tried in order, the tenant's own first, then the built-in
//! ones every tenant starts with ([`BUILTIN`]); the first `allow if` or
//! `deny if` that matches decides and none matching denies. One check is
//! always present and cannot be removed: the token's tenant must be the
//! resource's tenant.

use crate::verify::{Narrowing, World, run_limits};
use biscuit_auth::builder::{date, fact, string};
use biscuit_auth::{AuthorizerBuilder, Biscuit};
use std::collections::{BTreeSet, HashMap};
use std::time::SystemTime;

pub use super::builtin::BUILTIN;
use super::builtin::TENANT_GUARD;

/// A policy that does not parse: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {name}: line {line}, column {column}: {message}")]
pub struct PolicyError {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Checks that `code` is valid Datalog for an authorizer.
pub fn validate(name: &str, code: &str) -> Result<(), PolicyError> {
    if let Err(errors) = biscuit_parser::parser::parse_source(code) {
        // The parser reports the input it stopped at, as a slice of `code`:
        // its start is where the error is. The error that got furthest is
        // the one to show.
        let offset_of = |e: &biscuit_parser::parser::Error<'_>| {
            let at = (e.input.as_ptr() as usize).wrapping_sub(code.as_ptr() as usize);
            if at <= code.len() {
                at
            } else {
                code.len().saturating_sub(e.input.len())
            }
        };
        let first = errors
            .iter()
            .filter(|e| !e.input.trim().is_empty())
            .max_by_key(|e| offset_of(e))
            .or(errors.first());
        let offset = first.map_or(0, offset_of);
        let (line, column) = line_column(code, offset);
        let message = match first.and_then(|e| e.message.clone()) {
            Some(m) => m,
            None => match first.map(|e| e.input.trim()).filter(|i| !i.is_empty()) {
                Some(near) => format!(
                    "syntax error near {:?}",
                    near.chars().take(24).collect::<String>()
                ),
                None => "syntax error: the statement ends too early".to_owned(),
            },
        };
        return Err(PolicyError {
            name: name.to_owned(),
            line,
            column,
            message,
        });
    }
    AuthorizerBuilder::new()
        .code(code)
        .map(|_| ())
        .map_err(|e| PolicyError {
            name: name.to_owned(),
            line: 1,
            column: 1,
            message: e.to_string(),
        })
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// What the caller's token says, when it is not a Biscuit (JWT access tokens).
#[derive(Debug, Clone)]
pub struct TokenClaims<'a> {
    pub tenant: &'a str,
    /// `None` for a user asked about directly (AuthZEN user subjects).
    pub client_id: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub scopes: &'a BTreeSet<String>,
    pub rights: &'a BTreeSet<String>,
}

/// The caller, as the policies see it.
pub enum Caller<'a> {
    /// A Biscuit whose appended blocks run in the decision, with what they
    /// contain ([`Narrowing::read`]) so their cost is bounded first.
    Biscuit(&'a Biscuit, &'a Narrowing),
    Claims(TokenClaims<'a>),
}

/// The question: may the caller do `action` to `resource`?
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub resource_tenant: &'a str,
    pub now: SystemTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A `deny if` matched, no policy matched, or a check failed.
    Deny,
    /// Evaluation hit its run limits: denied.
    LimitReached,
}

/// A tenant's policies, parsed once per snapshot.
///
/// Indexed by resource type: an `allow if` / `deny if` whose every query
/// requires `resource_type("T")` for a constant T cannot match a question
/// about another type, so each named type gets a prepared authorizer holding
/// only the policies that can apply to it (in their order), and every other
/// type one with the unrestricted policies. Facts, rules and checks are always
/// included. When any policy derives `resource_type` itself, there is no
/// index: every question sees every policy.
#[derive(Debug, Clone)]
pub struct PolicySet {
    by_type: HashMap<String, AuthorizerBuilder>,
    other: AuthorizerBuilder,
    count: usize,
    /// The facts a decision adds to a caller's token, for the cost of its
    /// narrowing blocks (verify::limits).
    world: World,
}

/// The request facts every decision adds (`context` is counted per decision).
const REQUEST_FACTS: &[&str] = &[
    "time",
    "action",
    "required_right",
    "resource",
    "resource_type",
    "resource_tenant",
    "audience",
];

/// One `allow if` / `deny if`, with the resource types it is restricted to
/// (`None`: any).
struct Statement {
    text: String,
    types: Option<BTreeSet<String>>,
}

fn restricted_types(policy: &biscuit_parser::builder::Policy) -> Option<BTreeSet<String>> {
    let mut types = BTreeSet::new();
    for query in &policy.queries {
        let t = query.body.iter().find_map(|p| match p.terms.as_slice() {
            [biscuit_parser::builder::Term::Str(t)] if p.name == "resource_type" => Some(t),
            _ => None,
        })?;
        types.insert(t.clone());
    }
    Some(types)
}

fn load_error(name: &str, e: impl std::fmt::Display) -> PolicyError {
    PolicyError {
        name: name.to_owned(),
        line: 1,
        column: 1,
        message: e.to_string(),
    }
}

impl PolicySet {
    /// The tenant's policies (in order) followed by the built-in ones, for a
    /// tenant without first-party clients.
    pub fn new<'a>(
        policies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, PolicyError> {
        Self::for_tenant(policies, &[])
    }

    /// The tenant's policies followed by the built-in ones, with a
    /// `first_party_client($id)` fact for each of `first_party` clients.
    pub fn for_tenant<'a>(
        policies: impl IntoIterator<Item = (&'a str, &'a str)>,
        first_party: &[&str],
    ) -> Result<Self, PolicyError> {
        let mut base = String::new();
        let mut statements = Vec::new();
        let mut derives_type = false;
        let mut count = 0;
        let mut world = World::with_facts(REQUEST_FACTS);
        world.add_fact(
            ("first_party_client".to_owned(), 1),
            first_party.len() as u64,
        );
        for (name, code) in policies.into_iter().chain(BUILTIN.iter().copied()) {
            validate(name, code)?;
            // Validated above: parses.
            let parsed = biscuit_parser::parser::parse_source(code)
                .map_err(|_| load_error(name, "does not parse"))?;
            for (text, f) in &parsed.facts {
                derives_type |= f.predicate.name == "resource_type";
                world.add_fact((f.predicate.name.clone(), f.predicate.terms.len()), 1);
                base.push_str(text);
                base.push_str(";\n");
            }
            for (text, r) in &parsed.rules {
                derives_type |= r.head.name == "resource_type";
                world.add_derived((r.head.name.clone(), r.head.terms.len()));
                base.push_str(text);
                base.push_str(";\n");
            }
            for (text, _) in &parsed.checks {
                base.push_str(text);
                base.push_str(";\n");
            }
            for (text, p) in &parsed.policies {
                statements.push(Statement {
                    text: format!("{text};\n"),
                    types: restricted_types(p),
                });
            }
            count += 1;
        }
        base.push_str(TENANT_GUARD);
        base.push('\n');
        if derives_type {
            statements.iter_mut().for_each(|s| s.types = None);
        }
        let prepare =
            |applies: &dyn Fn(&Statement) -> bool| -> Result<AuthorizerBuilder, PolicyError> {
                let mut code = base.clone();
                for s in statements.iter().filter(|s| applies(s)) {
                    code.push_str(&s.text);
                }
                let mut b = AuthorizerBuilder::new()
                    .set_limits(run_limits())
                    .code(code)
                    .map_err(|e| load_error("(combined)", e))?;
                for id in first_party {
                    b = b
                        .fact(fact("first_party_client", &[string(id)]))
                        .map_err(|e| load_error("(clients)", e))?;
                }
                Ok(b)
            };
        let named: BTreeSet<&String> = statements
            .iter()
            .filter_map(|s| s.types.as_ref())
            .flatten()
            .collect();
        let mut by_type = HashMap::new();
        for t in named {
            let b = prepare(&|s: &Statement| s.types.as_ref().is_none_or(|ts| ts.contains(t)))?;
            by_type.insert(t.clone(), b);
        }
        let other = prepare(&|s: &Statement| s.types.is_none())?;
        Ok(Self {
            by_type,
            other,
            count,
            world,
        })
    }

    /// The estimated cost of a decision's run of `narrowing`'s appended
    /// blocks, with `context` context facts (verify::limits).
    pub fn cost(&self, narrowing: &Narrowing, context: usize) -> u64 {
        if context == 0 {
            return narrowing.cost(&self.world);
        }
        let mut world = self.world.clone();
        world.add_fact(("context".to_owned(), 2), context as u64);
        narrowing.cost(&world)
    }

    /// Policies, built-ins included.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn decide(&self, caller: &Caller<'_>, q: &Question<'_>) -> Decision {
        self.decide_in(caller, q, &[])
    }

    /// Like [`Self::decide`], with context the caller stated: each string
    /// member becomes `context(name, value)`, and `audience` also
    /// `audience(value)` — the fact holder blocks check for an audience.
    pub fn decide_in(
        &self,
        caller: &Caller<'_>,
        q: &Question<'_>,
        context: &[(&str, &str)],
    ) -> Decision {
        if let Caller::Biscuit(_, narrowing) = caller
            && self.cost(narrowing, context.len()) > crate::verify::limits::MAX_COST
        {
            return Decision::LimitReached;
        }
        match self.run(caller, q, context) {
            Ok(()) => Decision::Allow,
            Err(biscuit_auth::error::Token::RunLimit(_)) => Decision::LimitReached,
            Err(_) => Decision::Deny,
        }
    }

    fn run(
        &self,
        caller: &Caller<'_>,
        q: &Question<'_>,
        context: &[(&str, &str)],
    ) -> Result<(), biscuit_auth::error::Token> {
        let prepared = self.by_type.get(q.resource_type).unwrap_or(&self.other);
        let mut b = prepared
            .clone()
            .fact(fact("time", &[date(&q.now)]))?
            .fact(fact("action", &[string(q.action)]))?
            .fact(fact("required_right", &[string(q.action)]))?
            .fact(fact("resource", &[string(q.resource_id)]))?
            .fact(fact("resource_type", &[string(q.resource_type)]))?
            .fact(fact("resource_tenant", &[string(q.resource_tenant)]))?;
        for (name, value) in context {
            b = b.fact(fact("context", &[string(name), string(value)]))?;
            if *name == "audience" {
                b = b.fact(fact("audience", &[string(value)]))?;
            }
        }
        let mut authorizer = match caller {
            Caller::Biscuit(token, _) => b.build(token)?,
            Caller::Claims(c) => {
                b = b.fact(fact("tenant", &[string(c.tenant)]))?;
                if let Some(client) = c.client_id {
                    b = b.fact(fact("client", &[string(client)]))?;
                }
                if let Some(sub) = c.subject {
                    b = b.fact(fact("sub", &[string(sub)]))?;
                }
                for s in c.scopes {
                    b = b.fact(fact("scope", &[string(s)]))?;
                }
                for r in c.rights {
                    b = b.fact(fact("right", &[string(r)]))?;
                }
                b.build_unauthenticated()?
            }
        };
        authorizer.authorize().map(|_| ())
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
