//! Sealing data at rest or in the browser: AES-256-GCM under a key derived
//! from the master key for one purpose (`MasterKey::derive`), with the data's
//! identity as associated data so a sealed value cannot be moved to another
//! row, tenant or use.
//!
//! Format: `v2:` + base64(nonce || ciphertext || tag). Values without the
//! prefix were sealed by earlier versions under the master key itself; they
//! are still opened for [`KeyPurpose::SigningKeys`] (private keys already in a
//! database), and new keys are always sealed the new way.

use crate::config::{KeyPurpose, MasterKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("encryption failed")]
    Encrypt,
    #[error("a sealed key could not be opened (wrong master key, or the data was altered)")]
    Open,
}

const NONCE: usize = 12;
const TAG: usize = 16;
const VERSION: &str = "v2:";

/// Seals `plaintext` under the key for `purpose`.
pub fn seal(
    master: &MasterKey,
    purpose: KeyPurpose,
    aad: &str,
    plaintext: &[u8],
) -> Result<String, SealError> {
    let key = master.derive(purpose).map_err(|_| SealError::Encrypt)?;
    Ok(format!("{VERSION}{}", seal_with(&key, aad, plaintext)?))
}

/// Opens what [`seal`] made for `purpose`; the plaintext is wiped when dropped.
pub fn open(
    master: &MasterKey,
    purpose: KeyPurpose,
    aad: &str,
    sealed: &str,
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    match sealed.strip_prefix(VERSION) {
        Some(v2) => {
            let key = master.derive(purpose).map_err(|_| SealError::Open)?;
            open_with(&key, aad, v2)
        }
        None if purpose == KeyPurpose::SigningKeys => open_with(master.bytes(), aad, sealed),
        None => Err(SealError::Open),
    }
}

/// `base64(nonce || ciphertext || tag)`.
fn seal_with(key: &[u8; 32], aad: &str, plaintext: &[u8]) -> Result<String, SealError> {
    let mut nonce = [0u8; NONCE];
    openssl::rand::rand_bytes(&mut nonce).map_err(|_| SealError::Encrypt)?;
    let mut tag = [0u8; TAG];
    let ct = encrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(&nonce),
        aad.as_bytes(),
        plaintext,
        &mut tag,
    )
    .map_err(|_| SealError::Encrypt)?;
    let mut out = Vec::with_capacity(NONCE + ct.len() + TAG);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out.extend_from_slice(&tag);
    Ok(STANDARD.encode(out))
}

fn open_with(key: &[u8; 32], aad: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let raw = STANDARD.decode(sealed).map_err(|_| SealError::Open)?;
    if raw.len() < NONCE + TAG {
        return Err(SealError::Open);
    }
    let (nonce, rest) = raw.split_at(NONCE);
    let (ct, tag) = rest.split_at(rest.len() - TAG);
    decrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(nonce),
        aad.as_bytes(),
        ct,
        tag,
    )
    .map(Zeroizing::new)
    .map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> MasterKey {
        MasterKey::decode(&hex::encode([b; 32])).unwrap()
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let k = KeyPurpose::SigningKeys;
        let sealed = seal(&key(1), k, "t1/k1", b"private").unwrap();
        assert!(sealed.starts_with("v2:"));
        assert_eq!(
            open(&key(1), k, "t1/k1", &sealed).unwrap().as_slice(),
            b"private"
        );
        assert_eq!(
            open(&key(2), k, "t1/k1", &sealed).unwrap_err(),
            SealError::Open
        );
        assert_eq!(
            open(&key(1), k, "t2/k1", &sealed).unwrap_err(),
            SealError::Open
        );
        assert!(!sealed.contains("private"));
    }

    #[test]
    fn one_purposes_key_does_not_open_anothers() {
        let sealed = seal(&key(1), KeyPurpose::AuthorizationRequests, "a", b"x").unwrap();
        assert_eq!(
            open(&key(1), KeyPurpose::SigningKeys, "a", &sealed).unwrap_err(),
            SealError::Open
        );
        // Nor does the master key itself.
        let raw = sealed.strip_prefix(VERSION).unwrap();
        assert_eq!(
            open_with(key(1).bytes(), "a", raw).unwrap_err(),
            SealError::Open
        );
    }

    #[test]
    fn keys_sealed_under_the_master_key_by_earlier_versions_still_open() {
        let legacy = seal_with(key(1).bytes(), "t1/k1", b"old").unwrap();
        assert_eq!(
            open(&key(1), KeyPurpose::SigningKeys, "t1/k1", &legacy)
                .unwrap()
                .as_slice(),
            b"old"
        );
        assert_eq!(
            open(&key(1), KeyPurpose::AuthorizationRequests, "t1/k1", &legacy).unwrap_err(),
            SealError::Open
        );
    }
}
