//! What an evaluator adds to a token's facts and rules: the other half of a
//! cost estimate.

use super::*;

/// The facts an evaluator adds to a token's, by predicate: what a holder's
/// queries can join with besides the token's own facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct World {
    pub(super) facts: BTreeMap<PredicateKey, u64>,
    pub(super) total_facts: u64,
    /// Predicates the evaluator's own rules derive: counted as
    /// [`MAX_FACTS`] facts each.
    pub(super) unbounded: BTreeSet<PredicateKey>,
    /// How often the evaluation applies every rule (at most
    /// [`MAX_ITERATIONS`]; two when only appended rules derive anything).
    pub(super) iterations: u64,
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
