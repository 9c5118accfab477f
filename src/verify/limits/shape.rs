//! The shape limits of a rule or check query (predicates, variables,
//! expression operations, closures, strings, collections, regular
//! expressions), and the expression weight it adds to the cost.

use super::*;

/// The shape limits of one rule or check query, and what it costs.
pub(super) fn query(r: &Rule, is_rule: bool) -> Result<Query, String> {
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
pub(super) fn terms_within_limits(terms: &[Term]) -> Result<(), String> {
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
