//! Sealing private keys at rest: AES-256-GCM under the master key, with the
//! key's identity as associated data so a sealed key cannot be moved to
//! another row or tenant.

use crate::config::MasterKey;
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

/// `base64(nonce || ciphertext || tag)`.
pub fn seal(key: &MasterKey, aad: &str, plaintext: &[u8]) -> Result<String, SealError> {
    let mut nonce = [0u8; NONCE];
    openssl::rand::rand_bytes(&mut nonce).map_err(|_| SealError::Encrypt)?;
    let mut tag = [0u8; TAG];
    let ct = encrypt_aead(
        Cipher::aes_256_gcm(),
        key.bytes(),
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

/// Opens what [`seal`] made; the plaintext is wiped when dropped.
pub fn open(key: &MasterKey, aad: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let raw = STANDARD.decode(sealed).map_err(|_| SealError::Open)?;
    if raw.len() < NONCE + TAG {
        return Err(SealError::Open);
    }
    let (nonce, rest) = raw.split_at(NONCE);
    let (ct, tag) = rest.split_at(rest.len() - TAG);
    decrypt_aead(
        Cipher::aes_256_gcm(),
        key.bytes(),
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
        let sealed = seal(&key(1), "t1/k1", b"private").unwrap();
        assert_eq!(
            open(&key(1), "t1/k1", &sealed).unwrap().as_slice(),
            b"private"
        );
        assert_eq!(
            open(&key(2), "t1/k1", &sealed).unwrap_err(),
            SealError::Open
        );
        assert_eq!(
            open(&key(1), "t2/k1", &sealed).unwrap_err(),
            SealError::Open
        );
        assert!(!sealed.contains("private"));
    }
}
