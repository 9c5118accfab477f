//! A bounded cache of Biscuit access tokens that already verified, per tenant
//! snapshot, so that introspecting the same token again skips the signature
//! check and the Datalog run.
//!
//! What makes this safe:
//! - Only tokens nobody narrowed are cached (one block, the authority block
//!   Gatehouse signed). Their one check is the expiry Gatehouse wrote, and the
//!   cached facts carry that expiry, so a hit needs no Datalog. Narrowed tokens
//!   may carry checks on time, resource or audience and always take the full
//!   path.
//! - On every hit the expiry is compared with the current time and the
//!   revocation set is consulted, exactly as on the full path: a revoked or
//!   expired token is inactive the moment it would be on a miss.
//! - The key is the SHA-256 of the exact token string; a verified signature
//!   stays verified for the same bytes. The cache lives in the tenant snapshot,
//!   so a reload (key rotation or removal, client changes) starts empty.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Entries kept per tenant; at ≈ 200 bytes each, well under 1 MiB.
pub const CAPACITY: usize = 4096;

type Key = [u8; 32];

/// What the cache needs of the facts it keeps.
pub trait Cached {
    /// Unix seconds; `None` never counts as live.
    fn expires_at(&self) -> Option<i64>;
    fn revocation_id(&self) -> &str;
}

/// The cache, over the facts of a verified token (`access::VerifiedTokens`).
pub struct VerifiedCache<F> {
    entries: Mutex<HashMap<Key, Arc<F>>>,
    capacity: usize,
}

impl<F: Cached> Default for VerifiedCache<F> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

// Never prints tokens or their facts: a token is a bearer secret.
impl<F> std::fmt::Debug for VerifiedCache<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<F> VerifiedCache<F> {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    pub fn key(token: &str) -> Key {
        Sha256::digest(token.as_bytes()).into()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<F>>> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (every operation is a single HashMap call), so poisoning is ignored.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cached facts of a token, if they are still usable at `now_unix`
    /// (seconds) and not revoked. An expired entry is dropped.
    pub fn get(&self, key: &Key, now_unix: i64, is_revoked: impl Fn(&str) -> bool) -> Option<Arc<F>>
    where
        F: Cached,
    {
        let facts = self.lock().get(key).cloned()?;
        if facts.expires_at().is_none_or(|exp| exp <= now_unix) {
            self.lock().remove(key);
            return None;
        }
        if is_revoked(facts.revocation_id()) {
            return None;
        }
        Some(facts)
    }

    /// Remembers a token that verified. When full, expired entries go first;
    /// if that frees nothing, the cache starts over (cheap, and bounded).
    pub fn insert(&self, key: Key, facts: Arc<F>, now_unix: i64)
    where
        F: Cached,
    {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, f| f.expires_at().is_some_and(|exp| exp > now_unix));
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, facts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Facts {
        client_id: &'static str,
        revocation_id: String,
        expires_at: i64,
    }

    impl Cached for Facts {
        fn expires_at(&self) -> Option<i64> {
            Some(self.expires_at)
        }
        fn revocation_id(&self) -> &str {
            &self.revocation_id
        }
    }

    type VerifiedTokens = VerifiedCache<Facts>;

    fn facts(rid: &str, exp: i64) -> Arc<Facts> {
        Arc::new(Facts {
            client_id: "svc",
            revocation_id: rid.into(),
            expires_at: exp,
        })
    }

    #[test]
    fn hit_until_expiry_or_revocation() {
        let c = VerifiedTokens::with_capacity(8);
        let k = VerifiedTokens::key("token-a");
        c.insert(k, facts("r1", 1000), 0);
        assert_eq!(c.get(&k, 999, |_| false).unwrap().revocation_id, "r1");
        assert!(c.get(&k, 999, |id| id == "r1").is_none());
        assert!(
            c.get(&VerifiedTokens::key("token-b"), 0, |_| false)
                .is_none()
        );
        assert!(c.get(&k, 1000, |_| false).is_none());
        assert!(c.is_empty(), "an expired entry is dropped on lookup");
    }

    #[test]
    fn stays_bounded() {
        let c = VerifiedTokens::with_capacity(4);
        for i in 0..4 {
            c.insert(
                VerifiedTokens::key(&format!("t{i}")),
                facts("r", 100 + i),
                0,
            );
        }
        assert_eq!(c.len(), 4);
        // At t=102 three entries (exp 100, 101, 102) have expired: they make room.
        c.insert(VerifiedTokens::key("t4"), facts("r", 500), 102);
        assert_eq!(c.len(), 2);
        c.insert(VerifiedTokens::key("t5"), facts("r", 500), 102);
        c.insert(VerifiedTokens::key("t6"), facts("r", 500), 102);
        assert_eq!(c.len(), 4);
        c.insert(VerifiedTokens::key("t7"), facts("r", 500), 102);
        assert_eq!(c.len(), 1, "full of live entries: starts over");
    }

    #[test]
    fn debug_shows_no_token() {
        let c = VerifiedTokens::default();
        c.insert(VerifiedTokens::key("secret-token"), facts("rid-xyz", 9), 0);
        assert_eq!(
            c.get(&VerifiedTokens::key("secret-token"), 0, |_| false)
                .unwrap()
                .client_id,
            "svc"
        );
        let d = format!("{c:?}");
        assert!(!d.contains("rid-xyz") && !d.contains("svc"), "{d}");
    }
}
