//! The latest moment a holder's checks let a token be used: what a narrowed
//! token's effective expiry is (introspection's `exp`, the lifetime an
//! exchanged token may have; RFC 7662 §2.2, RFC 8693 §2.2.1).
//!
//! A holder narrows the lifetime with `check if time($t), $t < 2026-…Z`
//! (or `<=`, or the date on the left). Read from each appended check:
//! - a check none of whose alternatives mentions `time` bounds nothing;
//! - a check whose every alternative has upper bounds on the time is valid
//!   until the latest of them (each alternative until its earliest);
//! - `reject if time($t), $t >= D` (and nothing else) is valid until D;
//! - anything else that mentions the time — another comparison, arithmetic
//!   on it, alternatives of which only some are bounded, a rule reading
//!   `time` — cannot be read, and the token's expiry is [`Expiry::Unreadable`].

use biscuit_auth::builder::{Binary, Check, CheckKind, Op, Predicate, Rule, Term, Unary};
use std::collections::BTreeSet;

/// What the appended checks say about the token's lifetime.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Expiry {
    /// No appended check depends on the time.
    #[default]
    Unbounded,
    /// Usable only while the time is before this (seconds since the epoch).
    Before(u64),
    /// Some check depends on the time in a way not read here.
    Unreadable,
}

impl Expiry {
    /// Both apply: the earlier bound; unreadable wins.
    pub fn and(self, other: Expiry) -> Expiry {
        use Expiry::*;
        match (self, other) {
            (Unreadable, _) | (_, Unreadable) => Unreadable,
            (Unbounded, x) | (x, Unbounded) => x,
            (Before(a), Before(b)) => Before(a.min(b)),
        }
    }

    /// The earlier of this and `exp` (seconds), when readable.
    pub fn cap(self, exp: Option<u64>) -> Option<u64> {
        match (self, exp) {
            (Expiry::Before(b), Some(e)) => Some(b.min(e)),
            (Expiry::Before(b), None) => Some(b),
            (_, e) => e,
        }
    }
}

/// One alternative's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// Does not mention the time.
    NoTime,
    /// Valid only before this.
    Upper(u64),
    /// Mentions the time only as a lower bound (valid from some moment on).
    LowerOnly,
    Unreadable,
}

pub fn of_check(c: &Check) -> Expiry {
    match c.kind {
        CheckKind::One | CheckKind::All => {
            let bounds: Vec<Bound> = c.queries.iter().map(of_query).collect();
            if bounds.contains(&Bound::Unreadable) {
                return Expiry::Unreadable;
            }
            if bounds
                .iter()
                .all(|b| matches!(b, Bound::NoTime | Bound::LowerOnly))
            {
                return Expiry::Unbounded;
            }
            let uppers: Vec<u64> = bounds
                .iter()
                .filter_map(|b| match b {
                    Bound::Upper(d) => Some(*d),
                    _ => None,
                })
                .collect();
            if uppers.len() == bounds.len() {
                // Passing needs one alternative: valid until the latest.
                uppers
                    .into_iter()
                    .max()
                    .map_or(Expiry::Unbounded, Expiry::Before)
            } else {
                // Some alternatives bounded, others not: the token outlives
                // the bound in some contexts and not in others.
                Expiry::Unreadable
            }
        }
        CheckKind::Reject => c
            .queries
            .iter()
            .fold(Expiry::Unbounded, |acc, q| acc.and(of_reject_query(q))),
    }
}

/// The variables a `time($t)` predicate binds; `None` if `time` appears
/// with anything but one variable.
fn time_variables(body: &[Predicate]) -> Option<BTreeSet<&str>> {
    let mut vars = BTreeSet::new();
    for p in body.iter().filter(|p| p.name == "time") {
        match p.terms.as_slice() {
            [Term::Variable(v)] => {
                vars.insert(v.as_str());
            }
            _ => return None,
        }
    }
    Some(vars)
}

fn of_query(q: &Rule) -> Bound {
    let Some(vars) = time_variables(&q.body) else {
        return Bound::Unreadable;
    };
    if vars.is_empty() {
        return Bound::NoTime;
    }
    let mut upper: Option<u64> = None;
    for e in &q.expressions {
        let Some(tree) = Node::parse(&e.ops) else {
            return Bound::Unreadable;
        };
        for part in tree.conjuncts() {
            if !part.mentions(&vars) {
                continue;
            }
            match part.comparison(&vars) {
                Some(Comparison::Before(d)) => upper = Some(upper.map_or(d, |u| u.min(d))),
                Some(Comparison::After) => {}
                None => return Bound::Unreadable,
            }
        }
    }
    upper.map_or(Bound::LowerOnly, Bound::Upper)
}

/// `reject if time($t), $t >= D`: valid until D. Only the time predicate and
/// one lower bound on it may appear; a reject that does not mention the
/// time bounds nothing.
fn of_reject_query(q: &Rule) -> Expiry {
    let Some(vars) = time_variables(&q.body) else {
        return Expiry::Unreadable;
    };
    if vars.is_empty() {
        return Expiry::Unbounded;
    }
    let only_time = q.body.iter().all(|p| p.name == "time");
    let [e] = q.expressions.as_slice() else {
        return Expiry::Unreadable;
    };
    match Node::parse(&e.ops).and_then(|n| n.lower_bound(&vars)) {
        Some(d) if only_time => Expiry::Before(d),
        _ => Expiry::Unreadable,
    }
}

enum Comparison {
    /// The expression holds only before this moment.
    Before(u64),
    /// The expression holds only after some moment.
    After,
}

/// An expression as a tree (biscuit expressions are stored in postfix order).
enum Node<'a> {
    Value(&'a Term),
    Unary(&'a Unary, Box<Node<'a>>),
    Binary(&'a Binary, Box<Node<'a>>, Box<Node<'a>>),
    Closure(&'a [String], Box<Node<'a>>),
}

impl<'a> Node<'a> {
    fn parse(ops: &'a [Op]) -> Option<Node<'a>> {
        let mut stack: Vec<Node<'a>> = Vec::new();
        for op in ops {
            let node = match op {
                Op::Value(t) => Node::Value(t),
                Op::Unary(u) => Node::Unary(u, Box::new(stack.pop()?)),
                Op::Binary(b) => {
                    let right = stack.pop()?;
                    let left = stack.pop()?;
                    Node::Binary(b, Box::new(left), Box::new(right))
                }
                Op::Closure(params, body) => Node::Closure(params, Box::new(Node::parse(body)?)),
            };
            stack.push(node);
        }
        let top = stack.pop()?;
        stack.is_empty().then_some(top)
    }

    fn unparen(&self) -> &Node<'a> {
        match self {
            Node::Unary(Unary::Parens, inner) => inner.unparen(),
            n => n,
        }
    }

    /// The parts of a top-level `&&`.
    fn conjuncts(&self) -> Vec<&Node<'a>> {
        match self.unparen() {
            Node::Binary(Binary::And, l, r) => {
                let mut v = l.conjuncts();
                v.extend(r.conjuncts());
                v
            }
            Node::Binary(Binary::LazyAnd, l, r) => {
                let mut v = l.conjuncts();
                match r.unparen() {
                    Node::Closure([], body) => v.extend(body.conjuncts()),
                    other => v.push(other),
                }
                v
            }
            n => vec![n],
        }
    }

    fn mentions(&self, vars: &BTreeSet<&str>) -> bool {
        match self {
            Node::Value(Term::Variable(v)) => vars.contains(v.as_str()),
            Node::Value(_) => false,
            Node::Unary(_, n) => n.mentions(vars),
            Node::Binary(_, l, r) => l.mentions(vars) || r.mentions(vars),
            Node::Closure(_, n) => n.mentions(vars),
        }
    }

    fn is_time(&self, vars: &BTreeSet<&str>) -> bool {
        matches!(self.unparen(), Node::Value(Term::Variable(v)) if vars.contains(v.as_str()))
    }

    fn date(&self) -> Option<u64> {
        match self.unparen() {
            Node::Value(Term::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// `$t op D` with the time on the left (`D op $t` is turned around).
    fn oriented(&self, vars: &BTreeSet<&str>) -> Option<(Binary, u64)> {
        let Node::Binary(op, l, r) = self.unparen() else {
            return None;
        };
        if l.is_time(vars) {
            Some(((*op).clone(), r.date()?))
        } else if r.is_time(vars) {
            Some((flip(op)?, l.date()?))
        } else {
            None
        }
    }

    /// `$t < D`, `$t <= D`, `D > $t`, `D >= $t` (and the lower bounds).
    fn comparison(&self, vars: &BTreeSet<&str>) -> Option<Comparison> {
        match self.oriented(vars)? {
            (Binary::LessThan, d) => Some(Comparison::Before(d)),
            (Binary::LessOrEqual, d) => Some(Comparison::Before(d.saturating_add(1))),
            (Binary::GreaterThan | Binary::GreaterOrEqual, _) => Some(Comparison::After),
            _ => None,
        }
    }

    /// For a reject: `$t > D` rejects from D + 1 s, `$t >= D` from D.
    fn lower_bound(&self, vars: &BTreeSet<&str>) -> Option<u64> {
        match self.oriented(vars)? {
            (Binary::GreaterThan, d) => Some(d.saturating_add(1)),
            (Binary::GreaterOrEqual, d) => Some(d),
            _ => None,
        }
    }
}

/// `D op $t` as `$t op' D`.
fn flip(op: &Binary) -> Option<Binary> {
    Some(match op {
        Binary::LessThan => Binary::GreaterThan,
        Binary::LessOrEqual => Binary::GreaterOrEqual,
        Binary::GreaterThan => Binary::LessThan,
        Binary::GreaterOrEqual => Binary::LessOrEqual,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use biscuit_auth::builder::BlockBuilder;

    const D: u64 = 1_795_000_000; // 2026-11-18T11:06:40Z

    fn expiry(code: &str) -> Expiry {
        let b = BlockBuilder::new().code(code).unwrap();
        b.checks
            .iter()
            .fold(Expiry::Unbounded, |acc, c| acc.and(of_check(c)))
    }

    #[test]
    fn upper_bounds_in_every_spelling() {
        let at = "2026-11-18T11:06:40Z";
        assert_eq!(
            expiry(&format!("check if time($t), $t < {at};")),
            Expiry::Before(D)
        );
        assert_eq!(
            expiry(&format!("check if time($t), $t <= {at};")),
            Expiry::Before(D + 1)
        );
        assert_eq!(
            expiry(&format!("check if time($t), {at} > $t;")),
            Expiry::Before(D)
        );
        assert_eq!(
            expiry(&format!("check if time($t), ({at} >= $t);")),
            Expiry::Before(D + 1)
        );
        assert_eq!(
            expiry(&format!(
                "check if time($t), resource(\"n\"), $t < {at} && $t > 2020-01-01T00:00:00Z;"
            )),
            Expiry::Before(D)
        );
    }

    #[test]
    fn several_checks_take_the_earliest_alternatives_the_latest() {
        assert_eq!(
            expiry(
                "check if time($t), $t < 2026-11-18T11:06:40Z;
                 check if time($t), $t < 2026-11-18T11:06:50Z;"
            ),
            Expiry::Before(D)
        );
        assert_eq!(
            expiry(
                "check if time($t), $t < 2026-11-18T11:06:40Z or time($t), $t < 2026-11-18T11:06:50Z;"
            ),
            Expiry::Before(D + 10)
        );
    }

    #[test]
    fn checks_without_time_bound_nothing() {
        assert_eq!(
            expiry("check if resource(\"x\"); check if time($t), $t > 2020-01-01T00:00:00Z;"),
            Expiry::Unbounded
        );
        assert_eq!(expiry("reject if resource(\"x\");"), Expiry::Unbounded);
    }

    #[test]
    fn reject_from_a_moment_on() {
        assert_eq!(
            expiry("reject if time($t), $t >= 2026-11-18T11:06:40Z;"),
            Expiry::Before(D)
        );
        assert_eq!(
            expiry("reject if time($t), $t > 2026-11-18T11:06:40Z;"),
            Expiry::Before(D + 1)
        );
    }

    #[test]
    fn what_cannot_be_read_says_so() {
        for code in [
            // a bound only in some alternatives
            "check if time($t), $t < 2026-11-18T11:06:40Z or resource(\"x\");",
            // arithmetic or other operations on the time
            "check if time($t), $t != 2026-11-18T11:06:40Z;",
            "check if time($t), $t < 2026-11-18T11:06:40Z || $t > 2027-01-01T00:00:00Z;",
            // a constant time
            "check if time(2026-11-18T11:06:40Z);",
            // a reject with more conditions than the time
            "reject if time($t), resource(\"x\"), $t > 2026-11-18T11:06:40Z;",
            "reject if time($t), $t < 2026-11-18T11:06:40Z;",
        ] {
            assert_eq!(expiry(code), Expiry::Unreadable, "{code}");
        }
    }

    #[test]
    fn cap_takes_the_earlier() {
        assert_eq!(Expiry::Before(10).cap(Some(20)), Some(10));
        assert_eq!(Expiry::Before(30).cap(Some(20)), Some(20));
        assert_eq!(Expiry::Unbounded.cap(Some(20)), Some(20));
        assert_eq!(Expiry::Unreadable.cap(Some(20)), Some(20));
    }
}
