//! What a holder's narrowing blocks may contain, and what evaluating them may
//! cost — decided before any Datalog runs.
//!
//! Anyone holding a token can append a block offline, so a block is input
//! from a stranger. biscuit-auth bounds an evaluation by facts, iterations and
//! wall-clock time, but checks the clock only between rule applications: one
//! query joining six predicates over ten facts each is 10^6 combinations and
//! runs to the end (seconds) whatever the time limit says. So the work is
//! bounded before evaluation, in two steps:
//!
//! 1. **Shape** ([`Narrowing::read`]): at most [`MAX_APPENDED_BLOCKS`] appended blocks; per
//!    appended block at most [`MAX_FACTS_PER_BLOCK`] facts, [`MAX_RULES_PER_BLOCK`]
//!    rules and [`MAX_CHECKS_PER_BLOCK`] checks of at most
//!    [`MAX_QUERIES_PER_CHECK`] alternatives; per rule or query at most
//!    [`MAX_PREDICATES_PER_QUERY`] body predicates, [`MAX_VARIABLES_PER_QUERY`]
//!    variables and [`MAX_OPS_PER_QUERY`] expression operations (closures
//!    nested at most [`MAX_CLOSURE_DEPTH`] deep); strings and byte strings at
//!    most [`MAX_STRING_BYTES`], collections at most [`MAX_COLLECTION_ITEMS`]
//!    items; regular expressions only as literal patterns of at most
//!    [`MAX_REGEX_BYTES`]; no foreign functions.
//! 2. **Cost** ([`Narrowing::cost`]): biscuit-auth joins a rule's body
//!    predicates by nested loops, scanning every visible fact at every level,
//!    and evaluates the expressions once per complete binding. The estimate
//!    is that bound — `Σ_level (bindings so far × visible facts) + bindings ×
//!    expression weight` per query, rules counted once per iteration of the
//!    evaluation — over the facts the token carries and those the evaluator
//!    adds ([`World`]). An evaluation over [`MAX_COST`] is refused.
//!
//! The authority block is Gatehouse's own and is not limited; its facts count
//! as visible facts. Refusals are [`VerifyError::OverLimits`]: introspection
//! answers such a token `active: false`, resource endpoints `invalid_token`.

use super::VerifyError;
use super::expiry::{self, Expiry};
use biscuit_auth::builder::{Binary, Op, Predicate, Rule, Term, Unary};
use biscuit_auth::{AuthorizerLimits, Biscuit};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Blocks appended to the authority block.
pub const MAX_APPENDED_BLOCKS: usize = 8;
/// A token's size in base64 characters, checked before it is parsed.
pub const MAX_TOKEN_CHARS: usize = 16 * 1024;
pub const MAX_FACTS_PER_BLOCK: usize = 32;
pub const MAX_RULES_PER_BLOCK: usize = 8;
pub const MAX_CHECKS_PER_BLOCK: usize = 16;
/// `check if A or B or …`: alternatives per check.
pub const MAX_QUERIES_PER_CHECK: usize = 4;
pub const MAX_PREDICATES_PER_QUERY: usize = 4;
pub const MAX_VARIABLES_PER_QUERY: usize = 8;
/// Operations over all expressions of one rule or query, closure bodies included.
pub const MAX_OPS_PER_QUERY: usize = 64;
pub const MAX_CLOSURE_DEPTH: usize = 2;
pub const MAX_STRING_BYTES: usize = 256;
/// Items of one set, array or map term, nested items included.
pub const MAX_COLLECTION_ITEMS: usize = 32;
pub const MAX_REGEX_BYTES: usize = 64;
/// The estimated work of one evaluation (fact visits plus weighted
/// expression operations) a token may cause; see docs/tokens.md for what it
/// costs in time.
pub const MAX_COST: u64 = 200_000;

/// Facts and iterations of one evaluation (`AuthorizerLimits`): tight, so a
/// rule cannot grow the world far; the wall-clock limit is a backstop only,
/// since biscuit-auth reads the clock between rule applications and a tight
/// one denies honest tokens whenever a thread is descheduled under load.
pub const MAX_FACTS: u64 = 1000;
pub const MAX_ITERATIONS: u64 = 32;

pub fn run_limits() -> AuthorizerLimits {
    AuthorizerLimits {
        max_facts: MAX_FACTS,
        max_iterations: MAX_ITERATIONS,
        max_time: Duration::from_secs(1),
    }
}

// The weights, in units of about 10 ns of one core (measured with
// `cargo run --release --example worst_token -- local`, docs/performance.md):
/// Visiting one fact while scanning for a predicate's matches.
const SCAN_WEIGHT: u64 = 1;
/// One binding of a query's variables (biscuit-auth clones its variable map).
const BINDING_WEIGHT: u64 = 30;
/// Loading one appended rule or query into an evaluation and running it.
const QUERY_WEIGHT: u64 = 500;
/// Loading one appended fact into an evaluation.
const FACT_WEIGHT: u64 = 50;
/// Inserting one derived fact (a rule's complete binding).
const DERIVE_WEIGHT: u64 = 30;
/// A value or unary operation of an expression.
const VALUE_WEIGHT: u64 = 3;
/// A binary operation on numbers, dates or booleans.
const BINARY_WEIGHT: u64 = 5;
/// A binary operation that may walk a string or collection (strings grow to
/// at most [`MAX_OPS_PER_QUERY`] × [`MAX_STRING_BYTES`] by concatenation).
const WALK_WEIGHT: u64 = 80;
/// One regex match: the pattern is compiled every time.
const REGEX_WEIGHT: u64 = 4000;

/// A predicate's name and arity: facts only join with predicates of both.
pub type PredicateKey = (String, usize);

fn key(p: &Predicate) -> PredicateKey {
    (p.name.clone(), p.terms.len())
}

/// One rule or check query, reduced to what its evaluation costs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Query {
    /// Body predicates in order, each with whether all its terms are
    /// constants (then it matches at most one fact: facts are a set).
    body: Vec<(PredicateKey, bool)>,
    /// Expression weight, evaluated once per complete binding.
    weight: u64,
    /// The derived predicate, for rules.
    head: Option<PredicateKey>,
}

/// The appended blocks of a token, as far as evaluating them is concerned.
/// Tokens nobody narrowed have [`Narrowing::none`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// Facts the token carries (every block), by predicate.
    facts: BTreeMap<PredicateKey, u64>,
    total_facts: u64,
    appended_blocks: usize,
    /// Facts of the appended blocks alone.
    appended_facts: u64,
    queries: Vec<Query>,
    /// The latest moment the appended checks allow (see [`expiry`]).
    pub expiry: Expiry,
    /// Whether an appended rule or check reads `required_scope` /
    /// `required_right`, so that its outcome depends on which one is asked.
    pub reads_required_scope: bool,
    pub reads_required_right: bool,
}

impl Narrowing {
    /// A token with only its authority block.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether the token has appended blocks at all.
    pub fn is_narrowed(&self) -> bool {
        self.appended_blocks > 0
    }

    /// Reads the token's appended blocks and refuses any over the shape limits.
    pub fn read(biscuit: &Biscuit) -> Result<Self, VerifyError> {
        let blocks = biscuit.block_count();
        let mut n = Self::none();
        if blocks == 1 {
            return Ok(n);
        }
        if blocks > 1 + MAX_APPENDED_BLOCKS {
            return over(format!("more than {MAX_APPENDED_BLOCKS} appended blocks"));
        }
        let decoded = decode_blocks(biscuit)?;
        let mut decoded = decoded.into_iter();
        for f in decoded.next().map(|a| a.facts).unwrap_or_default() {
            n.add_fact(&f.predicate);
        }
        for (i, b) in (1..).zip(decoded) {
            n.read_block(&b, i)?;
            n.appended_blocks = i;
        }
        Ok(n)
    }

    fn add_fact(&mut self, p: &Predicate) {
        *self.facts.entry(key(p)).or_default() += 1;
        self.total_facts += 1;
    }

    fn read_block(&mut self, b: &Statements, index: usize) -> Result<(), VerifyError> {
        let at = |what: String| Err(in_block(index, what));
        if b.facts.len() > MAX_FACTS_PER_BLOCK {
            return at(format!("more than {MAX_FACTS_PER_BLOCK} facts"));
        }
        if b.rules.len() > MAX_RULES_PER_BLOCK {
            return at(format!("more than {MAX_RULES_PER_BLOCK} rules"));
        }
        if b.checks.len() > MAX_CHECKS_PER_BLOCK {
            return at(format!("more than {MAX_CHECKS_PER_BLOCK} checks"));
        }
        for f in &b.facts {
            terms_within_limits(&f.predicate.terms).map_err(|e| in_block(index, e))?;
            self.add_fact(&f.predicate);
            self.appended_facts += 1;
        }
        for r in &b.rules {
            let q = query(r, true).map_err(|e| in_block(index, e))?;
            self.note_reads(r);
            self.queries.push(q);
        }
        for c in &b.checks {
            if c.queries.len() > MAX_QUERIES_PER_CHECK {
                return at(format!(
                    "a check with more than {MAX_QUERIES_PER_CHECK} alternatives"
                ));
            }
            for r in &c.queries {
                let q = query(r, false).map_err(|e| in_block(index, e))?;
                self.note_reads(r);
                self.queries.push(q);
            }
            self.expiry = self.expiry.and(expiry::of_check(c));
        }
        if b.rules
            .iter()
            .any(|r| r.body.iter().any(|p| p.name == "time"))
        {
            // A derived fact could carry the time anywhere: no bound can be read.
            self.expiry = Expiry::Unreadable;
        }
        Ok(())
    }

    fn note_reads(&mut self, r: &Rule) {
        self.reads_required_scope |= r.body.iter().any(|p| p.name == "required_scope");
        self.reads_required_right |= r.body.iter().any(|p| p.name == "required_right");
    }

    /// The estimated work of evaluating the appended blocks once in `world`.
    pub fn cost(&self, world: &World) -> u64 {
        if self.queries.is_empty() {
            return 0;
        }
        let stored = |k: &PredicateKey| -> u64 {
            self.facts.get(k).copied().unwrap_or(0) + world.facts.get(k).copied().unwrap_or(0)
        };
        let stored_total = self.total_facts.saturating_add(world.total_facts);
        // A run that succeeds ends with fewer than MAX_FACTS facts unless the
        // token and the evaluator brought more (biscuit-auth checks after
        // every iteration that derived something); checks run only then.
        let ceiling = stored_total.max(MAX_FACTS);
        let heads: BTreeSet<&PredicateKey> = self
            .queries
            .iter()
            .filter_map(|q| q.head.as_ref())
            .collect();
        // What a rule body sees: facts derived by the evaluator's rules or by
        // another appended rule (chained) count as many as a run allows.
        let rule_input = |k: &PredicateKey| -> u64 {
            if world.unbounded.contains(k) || heads.contains(k) {
                MAX_FACTS
            } else {
                stored(k)
            }
        };
        let mut derived: BTreeMap<&PredicateKey, u64> = BTreeMap::new();
        for q in &self.queries {
            if let Some(h) = &q.head {
                let n = bindings(&q.body, rule_input).min(MAX_FACTS);
                let d = derived.entry(h).or_default();
                *d = d.saturating_add(n);
            }
        }
        let check_input = |k: &PredicateKey| -> u64 {
            if world.unbounded.contains(k) {
                return MAX_FACTS;
            }
            stored(k)
                .saturating_add(derived.get(k).copied().unwrap_or(0))
                .min(ceiling)
        };
        let visible = stored_total
            .saturating_add(derived.values().fold(0, |a, b| a.saturating_add(*b)))
            .saturating_add(MAX_FACTS.saturating_mul(world.unbounded.len() as u64))
            .min(ceiling)
            .max(1);
        // Every rule is applied again in every iteration, and appended rules
        // feeding each other need one iteration per link of their chain.
        let iterations = world.iterations.max(self.rule_chain().saturating_add(1));
        let load = FACT_WEIGHT.saturating_mul(self.appended_facts);
        self.queries.iter().fold(load, |total, q| {
            let cost = if q.head.is_some() {
                let derive = bindings(&q.body, rule_input).saturating_mul(DERIVE_WEIGHT);
                query_cost(q, visible, rule_input)
                    .saturating_add(derive)
                    .saturating_mul(iterations)
            } else {
                query_cost(q, visible, check_input)
            };
            total.saturating_add(cost)
        })
    }

    /// The longest chain of appended rules each reading what the one before
    /// derives (a rule of a cycle counts as [`MAX_ITERATIONS`]); 0 without
    /// rules. Block scopes are not read: every appended rule is taken to see
    /// every other's facts.
    fn rule_chain(&self) -> u64 {
        let rules: Vec<&Query> = self.queries.iter().filter(|q| q.head.is_some()).collect();
        fn depth(
            i: usize,
            rules: &[&Query],
            memo: &mut Vec<Option<u64>>,
            visiting: &mut Vec<bool>,
        ) -> u64 {
            if let Some(d) = memo[i] {
                return d;
            }
            if visiting[i] {
                return MAX_ITERATIONS;
            }
            visiting[i] = true;
            let mut longest = 0;
            for (j, r) in rules.iter().enumerate() {
                let feeds = r
                    .head
                    .as_ref()
                    .is_some_and(|h| rules[i].body.iter().any(|(k, _)| k == h));
                if feeds {
                    longest = longest.max(depth(j, rules, memo, visiting));
                }
            }
            visiting[i] = false;
            let d = longest.saturating_add(1).min(MAX_ITERATIONS);
            memo[i] = Some(d);
            d
        }
        let mut memo = vec![None; rules.len()];
        let mut visiting = vec![false; rules.len()];
        (0..rules.len())
            .map(|i| depth(i, &rules, &mut memo, &mut visiting))
            .max()
            .unwrap_or(0)
    }

    /// Refuses an evaluation, `runs` times over, that would cost more than
    /// [`MAX_COST`] in `world`.
    pub fn within_budget(&self, world: &World, runs: u64) -> Result<(), VerifyError> {
        let cost = self.cost(world).saturating_mul(runs.max(1));
        if cost > MAX_COST {
            return over(format!(
                "evaluating the narrowing blocks would cost {cost} (at most {MAX_COST})"
            ));
        }
        Ok(())
    }
}

fn matches(count: u64, all_constant: bool) -> u64 {
    if all_constant { count.min(1) } else { count }
}

/// Complete bindings of a body: the product of each predicate's matches.
fn bindings(body: &[(PredicateKey, bool)], count: impl Fn(&PredicateKey) -> u64) -> u64 {
    body.iter()
        .map(|(k, constant)| matches(count(k), *constant))
        .fold(1u64, u64::saturating_mul)
}

/// Nested-loop join: every level scans the `visible` facts once per binding
/// of the levels before it and binds each match; expressions run once per
/// complete binding.
fn query_cost(q: &Query, visible: u64, count: impl Fn(&PredicateKey) -> u64) -> u64 {
    let mut partial = 1u64;
    let mut cost = QUERY_WEIGHT;
    for (k, constant) in &q.body {
        cost = cost.saturating_add(partial.saturating_mul(visible * SCAN_WEIGHT));
        partial = partial.saturating_mul(matches(count(k), *constant));
        cost = cost.saturating_add(partial.saturating_mul(BINDING_WEIGHT));
        if partial == 0 {
            return cost;
        }
    }
    cost.saturating_add(partial.saturating_mul(q.weight))
}

fn over<T>(what: String) -> Result<T, VerifyError> {
    Err(VerifyError::OverLimits(what))
}

fn in_block(index: usize, what: String) -> VerifyError {
    VerifyError::OverLimits(format!("block {index}: {what}"))
}

mod decode;
mod shape;
mod world;

use decode::{Statements, decode_blocks};
use shape::{query, terms_within_limits};
pub use world::World;

#[cfg(test)]
mod tests;
