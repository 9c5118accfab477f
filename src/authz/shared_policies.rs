//! Compiled policy sets shared between tenants (issue 13: a live tenant costs
//! little). Most tenants run the built-in policies only, or the same few; a
//! compiled [`PolicySet`] is kilobytes of parsed Datalog, so tenants whose
//! policies and first-party clients are the same hold one set between them.
//! The cache keeps only weak references: a set goes with its last tenant.

use super::policy::{PolicyError, PolicySet};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

type Key = [u8; 32];

static SETS: LazyLock<Mutex<HashMap<Key, Weak<PolicySet>>>> = LazyLock::new(Default::default);

/// Inserts between sweeps of entries whose set is gone.
const SWEEP_EVERY: usize = 1024;
static INSERTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The compiled set of `policies` (name, Datalog; in evaluation order) with
/// `first_party` clients: the one another tenant already holds when it is the
/// same, else compiled now. First-party clients are facts, so their order
/// does not matter; the policies' does.
pub fn for_tenant<'a>(
    policies: impl IntoIterator<Item = (&'a str, &'a str)>,
    first_party: &[&str],
) -> Result<Arc<PolicySet>, PolicyError> {
    let policies: Vec<(&str, &str)> = policies.into_iter().collect();
    let mut clients = first_party.to_vec();
    clients.sort_unstable();
    clients.dedup();
    let key = key(&policies, &clients);
    if let Some(set) = lock().get(&key).and_then(Weak::upgrade) {
        return Ok(set);
    }
    // Compiled outside the lock: two tenants loading the same set at once
    // both compile it, and the second keeps the first's.
    let compiled = Arc::new(PolicySet::for_tenant(policies, &clients)?);
    let mut sets = lock();
    if let Some(set) = sets.get(&key).and_then(Weak::upgrade) {
        return Ok(set);
    }
    if INSERTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
        sets.retain(|_, set| set.strong_count() > 0);
    }
    sets.insert(key, Arc::downgrade(&compiled));
    Ok(compiled)
}

/// Every byte that makes a set what it is, each part length-prefixed so that
/// no two different inputs run together into the same text.
fn key(policies: &[(&str, &str)], clients: &[&str]) -> Key {
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    for (name, code) in policies {
        part(name);
        part(code);
    }
    part("--first-party--");
    for c in clients {
        part(c);
    }
    h.finalize().into()
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<Key, Weak<PolicySet>>> {
    SETS.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINE: (&str, &str) = ("mine", r#"allow if right("notes:read");"#);

    #[test]
    fn the_same_policies_and_clients_share_one_set() {
        let a = for_tenant([MINE], &["web", "cli"]).unwrap();
        let b = for_tenant([MINE], &["cli", "web"]).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "client order does not matter");
        let other_clients = for_tenant([MINE], &["web"]).unwrap();
        assert!(!Arc::ptr_eq(&a, &other_clients));
        let other_code = for_tenant(
            [("mine", r#"allow if right("notes:write");"#)],
            &["web", "cli"],
        );
        assert!(!Arc::ptr_eq(&a, &other_code.unwrap()));
    }

    #[test]
    fn a_set_goes_with_its_last_tenant() {
        let only = ("only-here", r#"allow if right("only:here");"#);
        let a = for_tenant([only], &[]).unwrap();
        let weak = Arc::downgrade(&a);
        drop(a);
        assert!(weak.upgrade().is_none());
        let again = for_tenant([only], &[]).unwrap();
        assert_eq!(again.len(), for_tenant([MINE], &[]).unwrap().len());
    }

    #[test]
    fn parts_do_not_run_together() {
        assert_ne!(key(&[("ab", "c")], &[]), key(&[("a", "bc")], &[]));
        assert_ne!(key(&[], &["a", "b"]), key(&[], &["ab"]));
    }

    #[test]
    fn a_bad_policy_is_refused_not_cached() {
        let bad = ("bad", "allow if");
        assert!(for_tenant([bad], &[]).is_err());
        assert!(for_tenant([bad], &[]).is_err());
    }
}
