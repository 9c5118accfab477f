//! Recovery codes (OWASP ASVS v4 2.6): ten single-use codes for when the
//! phone is lost. Each is 80 random bits, shown once as base32 in four
//! groups (`ABCD-EFGH-JKLM-NPQR`), kept only as its SHA-256 — 80 bits are
//! beyond guessing offline, so a fast hash is enough. Typed back, case,
//! spaces and dashes do not matter.

use super::base32;
use sha2::{Digest, Sha256};

/// Codes per set.
pub const COUNT: usize = 10;
const CODE_BYTES: usize = 10;

/// A fresh set of codes, as the user is shown them.
pub fn generate() -> Vec<String> {
    use rand::RngCore;
    (0..COUNT)
        .map(|_| {
            let mut bytes = [0u8; CODE_BYTES];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let text = base32::encode(&bytes);
            text.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The stored form of a code as typed: `None` when it cannot be one (so a
/// typo is never looked up).
pub fn hash(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let decoded = base32::decode(&code)?;
    (decoded.len() == CODE_BYTES && code.len() == 16)
        .then(|| hex::encode(Sha256::digest(code.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_of_80_bits_in_four_groups() {
        let codes = generate();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 19, "{c}");
            assert_eq!(c.matches('-').count(), 3, "{c}");
            assert!(hash(c).is_some(), "{c}");
        }
    }

    #[test]
    fn case_spaces_and_dashes_do_not_matter_and_anything_else_is_no_code() {
        let code = "ABCD-EFGH-JKLM-NPQR";
        let stored = hash(code).unwrap();
        assert_eq!(hash("abcd efgh jklm npqr"), Some(stored.clone()));
        assert_eq!(hash("ABCDEFGHJKLMNPQR"), Some(stored));
        for bad in [
            "",
            "ABCD-EFGH-JKLM",
            "ABCD-EFGH-JKLM-NPQ1",
            "ABCD-EFGH-JKLM-NPQRS",
        ] {
            assert_eq!(hash(bad), None, "{bad}");
        }
    }
}
