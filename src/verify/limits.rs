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

/// A block's statements, as builder values.
#[derive(Default)]
struct Statements {
    facts: Vec<biscuit_auth::builder::Fact>,
    rules: Vec<Rule>,
    checks: Vec<biscuit_auth::builder::Check>,
}

/// Decodes every block of a token that verified, without printing and
/// re-parsing Datalog: the protobuf blocks, with the token's symbols (or a
/// third-party block's own). Rule scopes (`trusting …`) are dropped: the
/// estimate counts every block's facts as visible anyway.
fn decode_blocks(biscuit: &Biscuit) -> Result<Vec<Statements>, VerifyError> {
    use biscuit_auth::builder::{Check, Convert, Fact};
    use biscuit_auth::datalog::SymbolTable;
    use biscuit_auth::format::{convert, schema};
    use prost::Message;
    let invalid = |_| VerifyError::Invalid;
    let bytes = biscuit.to_vec().map_err(invalid)?;
    let token = schema::Biscuit::decode(&bytes[..]).map_err(|_| VerifyError::Invalid)?;
    let mut token_symbols: Vec<String> = Vec::new();
    let signed = std::iter::once(&token.authority).chain(&token.blocks);
    let mut out = Vec::new();
    for block in signed {
        let b = schema::Block::decode(&block.block[..]).map_err(|_| VerifyError::Invalid)?;
        let symbols = if block.external_signature.is_some() {
            SymbolTable::from(b.symbols.clone())
        } else {
            token_symbols.extend(b.symbols.iter().cloned());
            SymbolTable::from(token_symbols.clone())
        }
        .map_err(|_| VerifyError::Invalid)?;
        let version = b.version.unwrap_or(0);
        let mut st = Statements::default();
        for f in &b.facts {
            let f = convert::proto_fact_to_token_fact(f).map_err(|_| VerifyError::Invalid)?;
            st.facts
                .push(Fact::convert_from(&f, &symbols).map_err(|_| VerifyError::Invalid)?);
        }
        for r in &b.rules {
            let (mut r, _) =
                convert::proto_rule_to_token_rule(r, version).map_err(|_| VerifyError::Invalid)?;
            r.scopes.clear();
            st.rules
                .push(Rule::convert_from(&r, &symbols).map_err(|_| VerifyError::Invalid)?);
        }
        for c in &b.checks {
            let mut c = convert::proto_check_to_token_check(c, version)
                .map_err(|_| VerifyError::Invalid)?;
            c.queries.iter_mut().for_each(|q| q.scopes.clear());
            st.checks
                .push(Check::convert_from(&c, &symbols).map_err(|_| VerifyError::Invalid)?);
        }
        out.push(st);
    }
    Ok(out)
}

/// The facts an evaluator adds to a token's, by predicate: what a holder's
/// queries can join with besides the token's own facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct World {
    facts: BTreeMap<PredicateKey, u64>,
    total_facts: u64,
    /// Predicates the evaluator's own rules derive: counted as
    /// [`MAX_FACTS`] facts each.
    unbounded: BTreeSet<PredicateKey>,
    /// How often the evaluation applies every rule (at most
    /// [`MAX_ITERATIONS`]; two when only appended rules derive anything).
    iterations: u64,
}

impl World {
    /// An evaluator with these one-term facts, one of each, and no rules.
    pub fn with_facts(names: &[&str]) -> Self {
        let mut w = Self {
            iterations: 2,
            ..Self::default()
        };
        for name in names {
            w.add_fact((name.to_string(), 1), 1);
        }
        w
    }

    /// What [`super::Verifier`] adds: `time`, `required_scope`,
    /// `required_right`, `resource`, `audience`.
    pub fn verifier() -> Self {
        Self::with_facts(&[
            "time",
            "required_scope",
            "required_right",
            "resource",
            "audience",
        ])
    }

    pub fn add_fact(&mut self, key: PredicateKey, count: u64) {
        *self.facts.entry(key).or_default() += count;
        self.total_facts += count;
    }

    /// The evaluator has a rule deriving `key`; every rule application then
    /// may run for up to [`MAX_ITERATIONS`].
    pub fn add_derived(&mut self, key: PredicateKey) {
        self.unbounded.insert(key);
        self.iterations = MAX_ITERATIONS;
    }
}

/// The shape limits of one rule or check query, and what it costs.
fn query(r: &Rule, is_rule: bool) -> Result<Query, String> {
    if r.body.len() > MAX_PREDICATES_PER_QUERY {
        return Err(format!(
            "a query with more than {MAX_PREDICATES_PER_QUERY} predicates"
        ));
    }
    let mut variables = BTreeSet::new();
    let mut body = Vec::new();
    let preds = r.body.iter().chain(is_rule.then_some(&r.head));
    for p in preds {
        terms_within_limits(&p.terms)?;
        for t in &p.terms {
            if let Term::Variable(v) = t {
                variables.insert(v.clone());
            }
        }
    }
    for p in &r.body {
        let constant = p.terms.iter().all(|t| !matches!(t, Term::Variable(_)));
        body.push((key(p), constant));
    }
    // A union (or a concatenation) can yield the items of both sides, so
    // within one query no collection exceeds this many items.
    let growth: u64 = r.expressions.iter().map(|e| growing_ops(&e.ops)).sum();
    let shape = Shape {
        items: (MAX_COLLECTION_ITEMS as u64).saturating_mul(1 + growth),
    };
    let mut ops = 0usize;
    let mut weight = 0u64;
    for e in &r.expressions {
        let w = shape.ops(&e.ops, 0, &mut ops, &mut variables)?;
        weight = weight.saturating_add(w);
    }
    if ops > MAX_OPS_PER_QUERY {
        return Err(format!(
            "a query with more than {MAX_OPS_PER_QUERY} expression operations"
        ));
    }
    if variables.len() > MAX_VARIABLES_PER_QUERY {
        return Err(format!(
            "a query with more than {MAX_VARIABLES_PER_QUERY} variables"
        ));
    }
    Ok(Query {
        body,
        weight,
        head: is_rule.then(|| key(&r.head)),
    })
}

/// Operations that may make a collection longer than either operand.
fn growing_ops(list: &[Op]) -> u64 {
    list.iter()
        .map(|op| match op {
            Op::Binary(Binary::Union | Binary::Add) => 1,
            Op::Closure(_, body) => growing_ops(body),
            _ => 0,
        })
        .sum()
}

/// What weighs on a query's expressions.
struct Shape {
    /// The most items any collection of the query can hold.
    items: u64,
}

impl Shape {
    /// Checks the operations of one expression (or closure body) and returns
    /// their weight; counts operations into `ops`.
    fn ops(
        &self,
        list: &[Op],
        depth: usize,
        ops: &mut usize,
        variables: &mut BTreeSet<String>,
    ) -> Result<u64, String> {
        // Walking a collection costs in proportion to its items.
        let walk = WALK_WEIGHT.saturating_mul(self.items.div_ceil(MAX_COLLECTION_ITEMS as u64));
        let mut weight = 0u64;
        for (i, op) in list.iter().enumerate() {
            *ops += 1;
            if *ops > MAX_OPS_PER_QUERY {
                return Err(format!(
                    "a query with more than {MAX_OPS_PER_QUERY} expression operations"
                ));
            }
            weight = weight.saturating_add(match op {
                Op::Value(t) => {
                    terms_within_limits(std::slice::from_ref(t))?;
                    if let Term::Variable(v) = t {
                        variables.insert(v.clone());
                    }
                    VALUE_WEIGHT
                }
                Op::Unary(Unary::Ffi(_)) | Op::Binary(Binary::Ffi(_)) => {
                    return Err("foreign function calls".into());
                }
                Op::Unary(_) => VALUE_WEIGHT,
                Op::Binary(Binary::Regex) => {
                    let literal =
                        i.checked_sub(1)
                            .and_then(|j| list.get(j))
                            .and_then(|p| match p {
                                Op::Value(Term::Str(s)) => Some(s),
                                _ => None,
                            });
                    match literal {
                        Some(p) if p.len() <= MAX_REGEX_BYTES => {
                            small_regex(p)?;
                            REGEX_WEIGHT
                        }
                        Some(_) => {
                            return Err(format!("a regex pattern over {MAX_REGEX_BYTES} bytes"));
                        }
                        None => return Err("a regex pattern that is not a literal string".into()),
                    }
                }
                Op::Binary(
                    Binary::Equal
                    | Binary::NotEqual
                    | Binary::HeterogeneousEqual
                    | Binary::HeterogeneousNotEqual
                    | Binary::Contains
                    | Binary::Prefix
                    | Binary::Suffix
                    | Binary::Add
                    | Binary::Intersection
                    | Binary::Union,
                ) => walk,
                Op::Binary(_) => BINARY_WEIGHT,
                Op::Closure(params, body) => {
                    if depth + 1 > MAX_CLOSURE_DEPTH {
                        return Err(format!(
                            "closures nested more than {MAX_CLOSURE_DEPTH} deep"
                        ));
                    }
                    variables.extend(params.iter().cloned());
                    let inner = self.ops(body, depth + 1, ops, variables)?;
                    // A closure with parameters runs once per collection item
                    // (`.all`, `.any`), its body copied each time; one without is
                    // the right side of a lazy `&&` / `||` and runs at most once.
                    if params.is_empty() {
                        inner
                    } else {
                        inner.saturating_mul(self.items)
                    }
                }
            });
        }
        Ok(weight)
    }
}

/// The most a regex pattern may expand to: literal characters and classes,
/// counted repetitions multiplied out.
const MAX_REGEX_SIZE: u64 = 256;
/// Ranges in one character class (`\w` in Unicode mode has hundreds).
const MAX_REGEX_CLASS_RANGES: usize = 16;

/// A pattern whose compiled automaton stays small: biscuit-auth compiles it
/// for every binding, and compile time follows the automaton's size, not the
/// pattern's length (`\w{1000}` is eight bytes).
fn small_regex(pattern: &str) -> Result<(), String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn size(h: &Hir) -> Result<u64, String> {
        Ok(match h.kind() {
            HirKind::Empty | HirKind::Look(_) => 1,
            HirKind::Literal(l) => l.0.len() as u64,
            HirKind::Class(c) => {
                let ranges = match c {
                    Class::Unicode(u) => u.ranges().len(),
                    Class::Bytes(b) => b.ranges().len(),
                };
                if ranges > MAX_REGEX_CLASS_RANGES {
                    return Err(format!(
                        "a regex class of more than {MAX_REGEX_CLASS_RANGES} ranges (use ASCII classes such as [a-z0-9])"
                    ));
                }
                1
            }
            HirKind::Repetition(r) => {
                let times = u64::from(r.max.unwrap_or(r.min).max(1));
                size(&r.sub)?.saturating_mul(times)
            }
            HirKind::Capture(c) => size(&c.sub)?,
            HirKind::Concat(hs) | HirKind::Alternation(hs) => {
                hs.iter().map(size).sum::<Result<u64, String>>()?
            }
        })
    }
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|_| "a regex pattern that does not parse".to_owned())?;
    if size(&hir)? > MAX_REGEX_SIZE {
        return Err(format!(
            "a regex pattern that expands to more than {MAX_REGEX_SIZE} characters"
        ));
    }
    Ok(())
}

/// Strings, byte strings and collections within their limits.
fn terms_within_limits(terms: &[Term]) -> Result<(), String> {
    for t in terms {
        let mut items = 0usize;
        term_within_limits(t, &mut items)?;
    }
    Ok(())
}

fn term_within_limits(t: &Term, items: &mut usize) -> Result<(), String> {
    let nested: Vec<&Term> = match t {
        Term::Str(s) | Term::Variable(s) | Term::Parameter(s) if s.len() > MAX_STRING_BYTES => {
            return Err(format!("a string over {MAX_STRING_BYTES} bytes"));
        }
        Term::Bytes(b) if b.len() > MAX_STRING_BYTES => {
            return Err(format!("a byte string over {MAX_STRING_BYTES} bytes"));
        }
        Term::Set(s) => s.iter().collect(),
        Term::Array(a) => a.iter().collect(),
        Term::Map(m) => {
            for k in m.keys() {
                if let biscuit_auth::builder::MapKey::Str(s) = k
                    && s.len() > MAX_STRING_BYTES
                {
                    return Err(format!("a string over {MAX_STRING_BYTES} bytes"));
                }
            }
            m.values().collect()
        }
        _ => Vec::new(),
    };
    *items += nested.len();
    if *items > MAX_COLLECTION_ITEMS {
        return Err(format!(
            "a collection of more than {MAX_COLLECTION_ITEMS} items"
        ));
    }
    for n in nested {
        term_within_limits(n, items)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use biscuit_auth::KeyPair;
    use biscuit_auth::builder::BlockBuilder;

    fn token(blocks: &[&str]) -> Biscuit {
        let mut t = Biscuit::builder()
            .code(
                r#"tenant("acme"); client("svc"); scope("notes:read"); right("notes:read");
                   expires_at(2099-01-01T00:00:00Z);
                   check if time($t), $t < 2099-01-01T00:00:00Z;"#,
            )
            .unwrap()
            .build(&KeyPair::new())
            .unwrap();
        for b in blocks {
            t = t.append(BlockBuilder::new().code(*b).unwrap()).unwrap();
        }
        t
    }

    fn refused(blocks: &[&str]) -> String {
        match Narrowing::read(&token(blocks))
            .and_then(|n| n.within_budget(&World::verifier(), 2).map(|_| n))
        {
            Err(VerifyError::OverLimits(why)) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    fn n_facts(count: usize) -> String {
        (0..count).map(|i| format!("n({i});")).collect()
    }

    #[test]
    fn the_join_that_stalled_workers_is_refused_by_its_shape() {
        // The reported token: ten facts and a six-way join.
        let block = format!(
            "{} check if n($a), n($b), n($c), n($d), n($e), n($f), $a + $b + $c + $d + $e + $f == -1;",
            n_facts(10)
        );
        assert_eq!(
            refused(&[&block]),
            "block 1: a query with more than 4 predicates"
        );
    }

    #[test]
    fn a_join_within_the_shape_but_over_the_budget_is_refused_by_its_cost() {
        // 32^4 ≈ 10^6 bindings.
        let block = format!(
            "{} check if n($a), n($b), n($c), n($d), $a + $b + $c + $d == -1;",
            n_facts(32)
        );
        let why = refused(&[&block]);
        assert!(
            why.starts_with("evaluating the narrowing blocks would cost "),
            "{why}"
        );
        // Spread over blocks, the facts still join.
        let facts = n_facts(16);
        let check = "check if n($a), n($b), n($c), n($d), $a + $b + $c + $d == -1;";
        let why = refused(&[&facts, &facts, check]);
        assert!(why.starts_with("evaluating"), "{why}");
    }

    #[test]
    fn ordinary_narrowing_is_cheap_and_its_expiry_is_read() {
        let t = token(&[r#"
            check if required_scope($s), ["notes:read"].contains($s);
            check if resource("note-42");
            check if time($t), $t < 2026-11-26T10:15:00Z;
        "#]);
        let n = Narrowing::read(&t).unwrap();
        assert!(
            n.cost(&World::verifier()) < 5_000,
            "{}",
            n.cost(&World::verifier())
        );
        assert!(n.reads_required_scope);
        assert!(!n.reads_required_right);
        assert_eq!(n.expiry, Expiry::Before(1_795_688_100));
        assert!(n.is_narrowed());
        assert_eq!(Narrowing::read(&token(&[])).unwrap(), Narrowing::none());
    }

    #[test]
    fn each_shape_limit_names_itself() {
        let too_many = |stmt: &str, n: usize| -> String {
            (0..n)
                .map(|i| stmt.replace("{i}", &i.to_string()))
                .collect()
        };
        let blocks: Vec<String> = (0..9).map(|_| "check if true;".to_owned()).collect();
        let blocks: Vec<&str> = blocks.iter().map(String::as_str).collect();
        assert_eq!(refused(&blocks), "more than 8 appended blocks");
        assert_eq!(refused(&[&n_facts(33)]), "block 1: more than 32 facts");
        assert_eq!(
            refused(&[&too_many("r{i}($x) <- scope($x);", 9)]),
            "block 1: more than 8 rules"
        );
        assert_eq!(
            refused(&[&too_many("check if scope(\"{i}\");", 17)]),
            "block 1: more than 16 checks"
        );
        assert_eq!(
            refused(&[
                "check if scope(\"a\") or scope(\"b\") or scope(\"c\") or scope(\"d\") or scope(\"e\");"
            ]),
            "block 1: a check with more than 4 alternatives"
        );
        assert_eq!(
            refused(&["check if n($a, $b, $c, $d, $e), m($f, $g, $h, $i);"]),
            "block 1: a query with more than 8 variables"
        );
        let long = "x".repeat(257);
        assert_eq!(
            refused(&[&format!("check if resource(\"{long}\");")]),
            "block 1: a string over 256 bytes"
        );
        let items: Vec<String> = (0..33).map(|i| i.to_string()).collect();
        assert_eq!(
            refused(&[&format!(
                "check if n($x), [{}].contains($x);",
                items.join(",")
            )]),
            "block 1: a collection of more than 32 items"
        );
        assert_eq!(
            refused(&["check if resource($r), $r.matches($r);"]),
            "block 1: a regex pattern that is not a literal string"
        );
        assert_eq!(
            refused(&[&format!(
                "check if resource($r), $r.matches(\"{}\");",
                "a".repeat(65)
            )]),
            "block 1: a regex pattern over 64 bytes"
        );
        assert_eq!(
            refused(&["check if [1].all($a -> [1].all($b -> [1].all($c -> $a == $c)));"]),
            "block 1: closures nested more than 2 deep"
        );
        let ops = (0..40)
            .map(|i| format!("$x != {i}"))
            .collect::<Vec<_>>()
            .join(" && ");
        assert_eq!(
            refused(&[&format!("check if n($x), {ops};")]),
            "block 1: a query with more than 64 expression operations"
        );
    }

    #[test]
    fn the_evaluators_own_rules_make_joins_on_what_they_derive_expensive() {
        let t = token(&["check if role($a), role($b), $a != $b;"]);
        let n = Narrowing::read(&t).unwrap();
        let plain = World::with_facts(&["time"]);
        assert!(n.within_budget(&plain, 1).is_ok());
        let mut derived = World::with_facts(&["time"]);
        derived.add_derived(("role".to_owned(), 1));
        assert!(n.within_budget(&derived, 1).is_err());
    }

    #[test]
    fn rules_are_counted_for_every_iteration_and_chains_as_many_as_allowed() {
        let facts = n_facts(20);
        let one = token(&[&format!("{facts} p($a, $b) <- n($a), n($b);")]);
        let chained = token(&[&format!(
            "{facts} p($a, $b) <- n($a), n($b); q($a) <- p($a, $b), p($b, $a);"
        )]);
        let c1 = Narrowing::read(&one).unwrap().cost(&World::verifier());
        let c2 = Narrowing::read(&chained).unwrap().cost(&World::verifier());
        assert!(c2 > c1 * 100, "{c1} {c2}");
        assert!(
            Narrowing::read(&chained)
                .unwrap()
                .within_budget(&World::verifier(), 1)
                .is_err()
        );
    }

    #[test]
    fn unions_grow_collections_and_closures_over_them_cost_accordingly() {
        let set: String = (0..32).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let unions: String = (0..11)
            .map(|k| format!(".union({{{}}})", set.replace(',', &format!("{k},"))))
            .collect();
        let big = format!("{{{set}}}{unions}");
        let nested = format!("check if {big}.all($a -> {big}.all($b -> $a < $b));");
        let why = refused(&[&nested]);
        assert!(
            why.starts_with("evaluating the narrowing blocks would cost"),
            "{why}"
        );
        // One closure over one literal set stays affordable.
        let t = token(&[&format!("check if {{{set}}}.all($a -> $a >= 0);")]);
        let n = Narrowing::read(&t).unwrap();
        assert!(n.within_budget(&World::verifier(), 2).is_ok());
    }

    #[test]
    fn regex_patterns_must_compile_small() {
        let check = |p: &str| format!(r#"check if resource($r), $r.matches("{p}");"#);
        for ok in ["^/notes/[0-9]+$", "(?i)^[a-z]{1,8}$", "^a.b$"] {
            let t = token(&[&check(ok)]);
            assert!(Narrowing::read(&t).is_ok(), "{ok}");
        }
        assert_eq!(
            refused(&[&check(r"\\w{1000}")]),
            "block 1: a regex class of more than 16 ranges (use ASCII classes such as [a-z0-9])"
        );
        assert_eq!(
            refused(&[&check("(a{20}){20}")]),
            "block 1: a regex pattern that expands to more than 256 characters"
        );
        assert_eq!(
            refused(&[&check(r"\\pL")]),
            "block 1: a regex class of more than 16 ranges (use ASCII classes such as [a-z0-9])"
        );
    }

    #[test]
    fn chained_rules_count_one_iteration_per_link() {
        let chain: String = (1..=8)
            .map(|i| format!("p{i}(1) <- p{}(1); ", i - 1))
            .collect();
        let t = token(&[&format!("p0(1); {chain}")]);
        let n = Narrowing::read(&t).unwrap();
        assert_eq!(n.rule_chain(), 8);
        let cycle = token(&["p(1) <- q(1); q(1) <- p(1);"]);
        assert_eq!(
            Narrowing::read(&cycle).unwrap().rule_chain(),
            MAX_ITERATIONS
        );
        let one = token(&["p(1) <- scope(\"notes:read\");"]);
        assert_eq!(Narrowing::read(&one).unwrap().rule_chain(), 1);
    }
}
