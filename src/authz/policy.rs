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

/// The policies every tenant starts with (evaluated after the tenant's own).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "self-service",
        r#"// A user may read their own user record with a token granted the
// profile or account scope, change it with the account scope, and delete it
// with the account scope through a first-party client only — never through a
// third-party relying party's token.
allow if action("users:read"), resource_type("user"), resource($id), sub($id),
    scope($s), ["profile", "account"].contains($s);
allow if action("users:update"), resource_type("user"), resource($id), sub($id),
    scope("account");
allow if action("users:delete"), resource_type("user"), resource($id), sub($id),
    scope("account"), client($c), first_party_client($c);"#,
    ),
    (
        "user-managers",
        r#"// A holder of users:manage may manage every user of the tenant.
allow if action($a), $a.starts_with("users:"), resource_type("user"),
    right("users:manage");"#,
    ),
    (
        "token-revokers",
        r#"// A holder of tokens:revoke may ban the tenant's tokens.
allow if action("tokens:revoke"), resource_type("tokens"), right("tokens:revoke");"#,
    ),
];

/// Nobody crosses tenants: always checked, whatever the policies say.
const TENANT_GUARD: &str = "check if tenant($t), resource_tenant($t);";

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
mod tests {
    use super::*;
    use biscuit_auth::KeyPair;

    static NONE: std::sync::LazyLock<Narrowing> = std::sync::LazyLock::new(Narrowing::none);

    fn token(code: &str) -> Biscuit {
        Biscuit::builder()
            .code(code)
            .unwrap()
            .build(&KeyPair::new())
            .unwrap()
    }

    fn q<'a>(action: &'a str, id: &'a str, tenant: &'a str) -> Question<'a> {
        Question {
            action,
            resource_type: "user",
            resource_id: id,
            resource_tenant: tenant,
            now: SystemTime::now(),
        }
    }

    #[test]
    fn builtin_policies_self_service_managers_and_tenants() {
        let set = PolicySet::for_tenant([], &["app"]).unwrap();
        assert_eq!(set.len(), 3);
        let decide = |code: &str, action: &str, id: &str| {
            let t = token(code);
            set.decide(&Caller::Biscuit(&t, &NONE), &q(action, id, "acme"))
        };
        let web =
            |scopes: &str| format!(r#"tenant("acme"); client("web"); sub("alice-id"); {scopes}"#);
        // A relying party's token for other things may not touch the record.
        let notes = web(r#"scope("openid"); scope("notes:read");"#);
        for action in ["users:read", "users:update", "users:delete"] {
            assert_eq!(
                decide(&notes, action, "alice-id"),
                Decision::Deny,
                "{action}"
            );
        }
        // profile reads; account reads and updates; a third party never deletes.
        let profile = web(r#"scope("profile");"#);
        assert_eq!(decide(&profile, "users:read", "alice-id"), Decision::Allow);
        assert_eq!(decide(&profile, "users:update", "alice-id"), Decision::Deny);
        let account = web(r#"scope("account");"#);
        assert_eq!(decide(&account, "users:read", "alice-id"), Decision::Allow);
        assert_eq!(
            decide(&account, "users:update", "alice-id"),
            Decision::Allow
        );
        assert_eq!(decide(&account, "users:delete", "alice-id"), Decision::Deny);
        let first_party = r#"tenant("acme"); client("app"); sub("alice-id"); scope("account");"#;
        assert_eq!(
            decide(first_party, "users:delete", "alice-id"),
            Decision::Allow
        );
        for action in ["users:read", "users:update", "users:delete"] {
            assert_eq!(decide(first_party, action, "bob-id"), Decision::Deny);
        }
        let alice = token(r#"tenant("acme"); client("app"); sub("alice-id"); scope("account");"#);
        let alice = Caller::Biscuit(&alice, &NONE);
        assert_eq!(
            set.decide(&alice, &q("users:create", "alice-id", "acme")),
            Decision::Deny
        );
        let admin = token(r#"tenant("acme"); client("web"); sub("root"); right("users:manage");"#);
        let admin = Caller::Biscuit(&admin, &NONE);
        assert_eq!(
            set.decide(&admin, &q("users:delete", "bob-id", "acme")),
            Decision::Allow
        );
        // Nobody crosses tenants, not even a manager, not even their own id.
        assert_eq!(
            set.decide(&admin, &q("users:delete", "bob-id", "other")),
            Decision::Deny
        );
        assert_eq!(
            set.decide(&alice, &q("users:read", "alice-id", "other")),
            Decision::Deny
        );
    }

    #[test]
    fn tenant_policies_come_first_and_cannot_lift_the_tenant_guard() {
        let set = PolicySet::new([
            ("no-deletes", "deny if action(\"users:delete\");"),
            ("open", "allow if true;"),
        ])
        .unwrap();
        let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
        let alice = Caller::Biscuit(&alice, &NONE);
        assert_eq!(
            set.decide(&alice, &q("users:delete", "alice-id", "acme")),
            Decision::Deny
        );
        assert_eq!(
            set.decide(&alice, &q("users:read", "bob-id", "acme")),
            Decision::Allow
        );
        assert_eq!(
            set.decide(&alice, &q("users:read", "bob-id", "other")),
            Decision::Deny
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = validate("broken", "allow if true;\nallow if action($a), $a ==;\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "policy broken: line 2, column 1: syntax error near \"allow if action($a), $a \""
        );
        let err = validate("p", "allow if true;\n\n  check if x(1) and;\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 3), "{err}");
        let err = PolicySet::new([("x", "allow iff true;")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "policy x: line 1, column 9: syntax error near \"f\""
        );
    }

    #[test]
    fn the_resource_type_index_keeps_order_and_meaning() {
        let set = PolicySet::new([
            (
                "no-note-deletes",
                r#"deny if resource_type("note"), action("notes:delete");"#,
            ),
            (
                "docs",
                r#"allow if resource_type("doc"), action($a), $a.starts_with("docs:")
    or resource_type("sheet"), action($a), $a.starts_with("docs:");"#,
            ),
            (
                "notes",
                r#"allow if resource_type("note"), action($a), $a.starts_with("notes:");"#,
            ),
        ])
        .unwrap();
        let mut keys: Vec<&String> = set.by_type.keys().collect();
        keys.sort();
        assert_eq!(keys, ["doc", "note", "sheet", "tokens", "user"]);
        let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
        let alice = Caller::Biscuit(&alice, &NONE);
        let ask = |kind: &'static str, action: &'static str| Question {
            action,
            resource_type: kind,
            resource_id: "x",
            resource_tenant: "acme",
            now: SystemTime::now(),
        };
        assert_eq!(
            set.decide(&alice, &ask("note", "notes:read")),
            Decision::Allow
        );
        assert_eq!(
            set.decide(&alice, &ask("note", "notes:delete")),
            Decision::Deny
        );
        assert_eq!(
            set.decide(&alice, &ask("note", "docs:read")),
            Decision::Deny
        );
        assert_eq!(
            set.decide(&alice, &ask("sheet", "docs:read")),
            Decision::Allow
        );
        assert_eq!(
            set.decide(&alice, &ask("doc", "notes:read")),
            Decision::Deny
        );
        // Built-in policies are indexed too: the user type still works.
        assert_eq!(
            set.decide(&alice, &q("users:read", "alice-id", "acme")),
            Decision::Allow
        );
        assert_eq!(
            set.decide(&alice, &ask("other", "notes:read")),
            Decision::Deny
        );
    }

    #[test]
    fn a_policy_deriving_resource_types_turns_the_index_off() {
        let set = PolicySet::new([(
            "alias",
            r#"resource_type("doc") <- resource_type("note");
allow if resource_type("doc"), action("docs:read");"#,
        )])
        .unwrap();
        assert!(set.by_type.is_empty());
        let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
        let question = Question {
            action: "docs:read",
            resource_type: "note",
            resource_id: "x",
            resource_tenant: "acme",
            now: SystemTime::now(),
        };
        assert_eq!(
            set.decide(&Caller::Biscuit(&alice, &NONE), &question),
            Decision::Allow
        );
    }

    #[test]
    fn a_pathological_policy_is_denied_not_hung() {
        // 30^3 = 27,000 derived facts: beyond the fact limit.
        let mut code = String::new();
        for i in 0..30 {
            code.push_str(&format!("n({i});\n"));
        }
        code.push_str("p($x, $y, $z) <- n($x), n($y), n($z);\nallow if p(1, 2, 3);\n");
        let set = PolicySet::new([("explode", code.as_str())]).unwrap();
        let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
        let start = std::time::Instant::now();
        assert_eq!(
            set.decide(
                &Caller::Biscuit(&alice, &NONE),
                &q("users:read", "x", "acme")
            ),
            Decision::LimitReached
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn jwt_claims_are_facts_too() {
        let set = PolicySet::new([]).unwrap();
        let scopes = BTreeSet::new();
        let rights = ["users:manage".to_owned()].into();
        let claims = Caller::Claims(TokenClaims {
            tenant: "acme",
            client_id: Some("svc"),
            subject: None,
            scopes: &scopes,
            rights: &rights,
        });
        assert_eq!(
            set.decide(&claims, &q("users:read", "bob-id", "acme")),
            Decision::Allow
        );
        assert_eq!(
            set.decide(&claims, &q("notes:read", "bob-id", "acme")),
            Decision::Deny
        );
    }
}
