use super::{SecretString, SecurityConfig};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::Path;

/// The 256-bit key that encrypts private keys at rest. Never printed.
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
