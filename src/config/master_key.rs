use super::{SecretString, SecurityConfig};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::Path;
use zeroize::Zeroizing;

/// What a key derived from the master key is for ([`MasterKey::derive`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// Sealing tenants' private signing keys at rest.
    SigningKeys,
    /// Sealing authorization requests carried between the sign-in pages.
    AuthorizationRequests,
    /// The check value stored in the database to recognise the master key.
    KeyCheck,
    /// Sealing users' TOTP secrets at rest (`mfa::factors`).
    MfaSecrets,
    /// Sealing a sign-in whose password was right while it waits for the
    /// second factor (`authn::pending`).
    PendingSignIns,
    /// The HMAC key one-time codes sent by mail are kept under (`mfa::codes`).
    OneTimeCodes,
}

impl KeyPurpose {
    fn info(self) -> &'static [u8] {
        match self {
            KeyPurpose::SigningKeys => b"gatehouse/v1/signing-keys",
            KeyPurpose::AuthorizationRequests => b"gatehouse/v1/authorization-requests",
            KeyPurpose::KeyCheck => b"gatehouse/v1/key-check",
            KeyPurpose::MfaSecrets => b"gatehouse/v1/mfa-secrets",
            KeyPurpose::PendingSignIns => b"gatehouse/v1/pending-sign-ins",
            KeyPurpose::OneTimeCodes => b"gatehouse/v1/one-time-codes",
        }
    }
}

/// The 256-bit key from which every key that protects data at rest or in the
/// browser is derived, one per purpose. Never printed.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(REDACTED)")
    }
}

impl MasterKey {
    /// Parses 32 bytes written as base64 or hex.
    pub fn decode(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .filter(|b| b.len() == 32)
            .or_else(|| STANDARD.decode(text).ok())
            .ok_or_else(|| "must be 32 bytes written as base64 or hex".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be exactly 32 bytes (256 bits)".to_owned())?;
        Ok(Self(key))
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A value that recognises this key without revealing it or any key
    /// derived for another purpose: 16 bytes of the key derived for
    /// [`KeyPurpose::KeyCheck`], hex.
    pub fn check_value(&self) -> Result<String, String> {
        Ok(hex::encode(&self.derive(KeyPurpose::KeyCheck)?[..16]))
    }

    /// Where `config` takes the key from, for messages.
    pub fn source(config: &SecurityConfig) -> String {
        match (&config.master_key, &config.master_key_file) {
            (Some(_), _) => {
                "security.master_key (in the config file or GATEHOUSE_SECURITY__MASTER_KEY)".into()
            }
            (None, Some(path)) => format!("security.master_key_file {}", path.display()),
            (None, None) => "security.master_key_file (not set)".into(),
        }
    }

    /// A key for one purpose only, derived with HKDF-SHA256 (RFC 5869; no
    /// salt, the purpose as `info`): a key derived for sealing private keys
    /// cannot open sealed authorization requests, and the master key itself
    /// encrypts nothing.
    pub fn derive(&self, purpose: KeyPurpose) -> Result<Zeroizing<[u8; 32]>, String> {
        use openssl::md::Md;
        use openssl::pkey::Id;
        use openssl::pkey_ctx::PkeyCtx;
        let fail = |e: openssl::error::ErrorStack| format!("HKDF: {e}");
        let mut ctx = PkeyCtx::new_id(Id::HKDF).map_err(fail)?;
        ctx.derive_init().map_err(fail)?;
        ctx.set_hkdf_md(Md::sha256()).map_err(fail)?;
        ctx.set_hkdf_key(&self.0).map_err(fail)?;
        ctx.add_hkdf_info(purpose.info()).map_err(fail)?;
        let mut out = Zeroizing::new([0u8; 32]);
        ctx.derive(Some(out.as_mut_slice())).map_err(fail)?;
        Ok(out)
    }

    /// The key from `security.master_key`, or else from `master_key_file`.
    /// With `create_if_missing`, a missing file is created holding a fresh
    /// random key, readable by the owner only.
    pub fn resolve(config: &SecurityConfig, create_if_missing: bool) -> Result<Self, String> {
        if let Some(key) = &config.master_key {
            return Self::decode(key.expose()).map_err(|e| format!("security.master_key: {e}"));
        }
        let path = config
            .master_key_file
            .as_deref()
            .ok_or("security.master_key_file is not set")?;
        if !path.exists() && create_if_missing {
            return Self::create(path);
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("security.master_key_file {}: {e}", path.display()))?;
        Self::decode(&text).map_err(|e| format!("security.master_key_file {}: {e}", path.display()))
    }

    fn create(path: &Path) -> Result<Self, String> {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            super::private_fs::create_private_dir_all(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let encoded = SecretString::new(STANDARD.encode(key));
        write_private(path, encoded.expose()).map_err(|e| format!("{}: {e}", path.display()))?;
        tracing::warn!(
            path = %path.display(),
            "created a new master key file; back it up, it decrypts this server's private keys"
        );
        Ok(Self(key))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{contents}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_hex_and_base64() {
        let hex_key = "00".repeat(32);
        assert_eq!(MasterKey::decode(&hex_key).unwrap().bytes(), &[0u8; 32]);
        let b64 = STANDARD.encode([7u8; 32]);
        assert_eq!(MasterKey::decode(&b64).unwrap().bytes(), &[7u8; 32]);
        assert!(MasterKey::decode("short").is_err());
        assert!(!format!("{:?}", MasterKey::decode(&b64).unwrap()).contains(&b64));
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_follow_rfc5869() {
        let k = MasterKey::decode(&hex::encode([0x0b; 32])).unwrap();
        let a = k.derive(KeyPurpose::SigningKeys).unwrap();
        let b = k.derive(KeyPurpose::AuthorizationRequests).unwrap();
        let c = k.derive(KeyPurpose::KeyCheck).unwrap();
        assert_ne!(*a, *b);
        assert_ne!(*a, *c);
        assert_ne!(*a, *k.bytes());
        assert_eq!(*a, *k.derive(KeyPurpose::SigningKeys).unwrap());
        // HKDF-SHA256 with no salt, the purpose as info (an independent
        // computation: HMAC by hand).
        let hmac = |key: &[u8], data: &[u8]| -> Vec<u8> {
            let pkey = openssl::pkey::PKey::hmac(key).unwrap();
            let mut s =
                openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey).unwrap();
            s.update(data).unwrap();
            s.sign_to_vec().unwrap()
        };
        let prk = hmac(&[0u8; 32], k.bytes());
        let mut t1 = b"gatehouse/v1/signing-keys".to_vec();
        t1.push(1);
        assert_eq!(a.as_slice(), hmac(&prk, &t1).as_slice());
    }

    #[test]
    fn creates_a_missing_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = SecurityConfig {
            master_key: None,
            master_key_file: Some(dir.path().join("sub/master.key")),
            ..SecurityConfig::default()
        };
        let first = MasterKey::resolve(&cfg, true).unwrap();
        let second = MasterKey::resolve(&cfg, true).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        let missing = SecurityConfig {
            master_key: None,
            master_key_file: Some(dir.path().join("absent.key")),
            ..SecurityConfig::default()
        };
        assert!(MasterKey::resolve(&missing, false).is_err());
    }
}
