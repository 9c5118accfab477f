//! Password hashing with argon2id. Hashing is CPU-heavy (~15 ms in release at
//! the default parameters): call it from blocking threads only.

use crate::config::{PasswordConfig, SecretString};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("invalid argon2 parameters: {0}")]
    Params(String),
    #[error("not an argon2 PHC string")]
    MalformedHash,
    #[error("hashing failed: {0}")]
    Hashing(String),
}

/// Hashes and verifies passwords with the configured argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    min_length: usize,
    /// A hash of a random password, verified against when the user does not
    /// exist, so that a login answer takes the same time either way.
    dummy: std::sync::Arc<std::sync::OnceLock<String>>,
    /// At most one hash per CPU at a time (see [`Gate`]).
    gate: std::sync::Arc<Gate>,
}

/// A counting semaphore for argon2 work. Each hash streams through
/// `memory_kib` of RAM (19 MiB by default); with one per CPU they mostly stay
/// in the shared cache and run at full speed, while dozens at once (one per
/// waiting login on the blocking pool) evict each other and the CPUs spend
/// their time on cache misses and context switches. Waiting here costs no CPU.
#[derive(Debug)]
struct Gate {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Gate {
    fn new(permits: usize) -> Self {
        Self {
            free: std::sync::Mutex::new(permits.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self
                .free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while *free == 0 {
                free = self
                    .freed
                    .wait(free)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *free -= 1;
        }
        // Released even if `f` panics.
        struct Release<'a>(&'a Gate);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                *self
                    .0
                    .free
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }
}

/// Why a new password is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("the password must be at least {0} characters long")]
    TooShort(usize),
    #[error("the password must not be the username or the email address")]
    SameAsIdentity,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .finish()
    }
}

impl PasswordHasher {
    pub fn new(config: &PasswordConfig) -> Result<Self, PasswordError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| PasswordError::Params(e.to_string()))?;
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Self {
            params,
            min_length: config.min_length,
            dummy: Default::default(),
            gate: std::sync::Arc::new(Gate::new(cpus)),
        })
    }

    /// The password policy: a minimum length, and not the user's own name or email.
    pub fn check_policy(
        &self,
        password: &SecretString,
        username: &str,
        email: Option<&str>,
    ) -> Result<(), PolicyError> {
        let pw = password.expose();
        if pw.chars().count() < self.min_length {
            return Err(PolicyError::TooShort(self.min_length));
        }
        let same = |other: &str| pw.trim().eq_ignore_ascii_case(other.trim());
        if same(username) || email.is_some_and(same) {
            return Err(PolicyError::SameAsIdentity);
        }
        Ok(())
    }

    /// Spends the same work as [`Self::verify`] on a hash nobody knows the
    /// password of; always false. For unknown users.
    pub fn verify_dummy(&self, password: &SecretString) -> bool {
        self.gate.run(|| {
            let dummy = self.dummy.get_or_init(|| {
                let mut random = [0u8; 16];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
                self.hash_now(&SecretString::new(hex::encode(random)))
                    .unwrap_or_default()
            });
            let _ = self.verify_now(password, dummy);
        });
        false
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub fn hash(&self, password: &SecretString) -> Result<String, PasswordError> {
        self.gate.run(|| self.hash_now(password))
    }

    fn hash_now(&self, password: &SecretString) -> Result<String, PasswordError> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        self.argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    }

    /// True when `password` matches `phc`. Uses the parameters stored in the hash.
    pub fn verify(&self, password: &SecretString, phc: &str) -> Result<bool, PasswordError> {
        self.gate.run(|| self.verify_now(password, phc))
    }

    fn verify_now(&self, password: &SecretString, phc: &str) -> Result<bool, PasswordError> {
        let parsed = PasswordHash::new(phc).map_err(|_| PasswordError::MalformedHash)?;
        Ok(self
            .argon2()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok())
    }

    /// True when `phc` was made with other parameters than the configured ones
    /// (and should be replaced the next time the password is known).
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        match Params::try_from(&parsed) {
            Ok(p) => {
                parsed.algorithm.as_str() != "argon2id"
                    || p.m_cost() != self.params.m_cost()
                    || p.t_cost() != self.params.t_cost()
                    || p.p_cost() != self.params.p_cost()
            }
            Err(_) => true,
        }
    }

    /// Checks that `phc` is a well-formed argon2 PHC string.
    pub fn check_phc(phc: &str) -> Result<(), PasswordError> {
        let parsed = PasswordHash::new(phc).map_err(|_| PasswordError::MalformedHash)?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err(PasswordError::MalformedHash);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> PasswordHasher {
        PasswordHasher::new(&PasswordConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            min_length: 8,
        })
        .unwrap()
    }

    #[test]
    fn policy() {
        let h = fast();
        assert_eq!(
            h.check_policy(&SecretString::new("short"), "bob", None),
            Err(PolicyError::TooShort(8))
        );
        assert_eq!(
            h.check_policy(
                &SecretString::new("Alice@Example.com"),
                "alice",
                Some("alice@example.com")
            ),
            Err(PolicyError::SameAsIdentity)
        );
        assert_eq!(
            h.check_policy(&SecretString::new("longusername"), "LongUsername", None),
            Err(PolicyError::SameAsIdentity)
        );
        assert!(
            h.check_policy(&SecretString::new("correct horse"), "alice", None)
                .is_ok()
        );
        assert!(!h.verify_dummy(&SecretString::new("anything")));
    }

    #[test]
    fn hash_then_verify() {
        let h = fast();
        let pw = SecretString::new("correct horse");
        let phc = h.hash(&pw).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(h.verify(&pw, &phc).unwrap());
        assert!(!h.verify(&SecretString::new("wrong"), &phc).unwrap());
        assert_eq!(
            h.verify(&pw, "not-a-hash"),
            Err(PasswordError::MalformedHash)
        );
        assert!(!h.needs_rehash(&phc));
        let stronger = PasswordHasher::new(&PasswordConfig {
            memory_kib: 128,
            iterations: 1,
            parallelism: 1,
            min_length: 8,
        })
        .unwrap();
        assert!(stronger.needs_rehash(&phc));
    }

    #[test]
    fn gate_bounds_concurrent_work() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let gate = std::sync::Arc::new(Gate::new(2));
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    gate.run(|| {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                });
            }
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "{peak} hashes ran at once");
        assert_eq!(*gate.free.lock().unwrap(), 2, "every permit came back");
    }

    #[test]
    fn debug_shows_no_secret() {
        assert!(format!("{:?}", fast()).contains("m_cost"));
    }
}
