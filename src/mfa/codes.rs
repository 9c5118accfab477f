//! One-time codes sent to the user (by mail, issue 16 part 3): six digits,
//! ten minutes, used once, at most [`MAX_LIVE`] alive per factor (so a
//! sign-in page cannot be made to send mail without end). A code is kept
//! only as an HMAC-SHA-256 under a key derived from the master key and bound
//! to its factor: six digits hashed plainly would fall to a million
//! guesses offline; under a key the database does not hold, they do not.

use crate::config::{KeyPurpose, MasterKey};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

pub const DIGITS: usize = 6;
/// How long a code works.
pub const LIFETIME_MINUTES: i64 = 10;
/// Codes alive (unused, unexpired) per factor before no more are sent.
pub const MAX_LIVE: i64 = 3;

/// A fresh code, uniformly random.
pub fn generate() -> String {
    use rand::Rng;
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    format!("{n:0DIGITS$}")
}

/// What the database keeps of `code` for `factor_id`; `None` when the key
/// cannot be derived or the typed text is no code (so it is never looked
/// up). Spaces are ignored.
pub fn keyed_hash(master: &MasterKey, factor_id: &str, typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| *c != ' ').collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = master.derive(KeyPurpose::OneTimeCodes).ok()?;
    let pkey = PKey::hmac(&key[..]).ok()?;
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey).ok()?;
    signer.update(factor_id.as_bytes()).ok()?;
    signer.update(b":").ok()?;
    signer.update(code.as_bytes()).ok()?;
    Some(hex::encode(signer.sign_to_vec().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: &str) -> MasterKey {
        MasterKey::decode(&byte.repeat(32)).unwrap()
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..50 {
            let c = generate();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()), "{c}");
        }
    }

    #[test]
    fn the_hash_is_keyed_and_bound_to_the_factor() {
        let k = key("01");
        let h = keyed_hash(&k, "f1", "123456").unwrap();
        assert_eq!(keyed_hash(&k, "f1", "123 456"), Some(h.clone()));
        assert_ne!(keyed_hash(&k, "f2", "123456"), Some(h.clone()));
        assert_ne!(keyed_hash(&key("02"), "f1", "123456"), Some(h.clone()));
        assert_eq!(h.len(), 64);
        for bad in ["", "12345", "1234567", "12345a"] {
            assert_eq!(keyed_hash(&k, "f1", bad), None, "{bad}");
        }
    }
}
