//! A sign-in whose password was right, waiting for its second factor. It is
//! no session: it lives only in the second-factor form, sealed with a key
//! derived from the master key for this purpose and bound to the tenant and
//! to the browser's CSRF cookie (a blob copied to another browser does not
//! open), and it expires after [`LIFETIME_SECS`].

use crate::config::{KeyPurpose, MasterKey};
use crate::store::TenantId;
use crate::tokens::seal;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// Five minutes to type a code.
pub const LIFETIME_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: String,
    /// The factors that may finish this sign-in, as `(kind, id)`; the
    /// first is asked for unless the user chooses another.
    pub factors: Vec<(String, String)>,
    /// How the user has authenticated so far (RFC 8176 values).
    pub amr: Vec<String>,
    /// When the password was checked: the session's `auth_time`.
    pub started_at: i64,
    /// Step-up: the browser's session that lacks a second factor, which a
    /// right code adds to (instead of starting a session).
    #[serde(default)]
    pub session_id: Option<String>,
    /// The factor is an authenticator app being set up in this sign-in.
    #[serde(default)]
    pub enrolling: bool,
}

impl PendingSignIn {
    /// The id of the factor of this kind, if it may finish the sign-in.
    pub fn factor(&self, kind: &str) -> Option<&str> {
        self.factors
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, id)| id.as_str())
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    pending: PendingSignIn,
    expires_at: i64,
}

fn aad(tenant: &TenantId, csrf: &str) -> String {
    format!("gatehouse/pending-sign-in/{tenant}/{csrf}")
}

pub fn seal(key: &MasterKey, tenant: &TenantId, csrf: &str, p: &PendingSignIn) -> Option<String> {
    let envelope = Envelope {
        pending: p.clone(),
        expires_at: p.started_at + LIFETIME_SECS,
    };
    let json = serde_json::to_vec(&envelope).ok()?;
    let sealed = seal::seal(key, KeyPurpose::PendingSignIns, &aad(tenant, csrf), &json).ok()?;
    Some(URL_SAFE_NO_PAD.encode(sealed))
}

/// The pending sign-in, if the blob is ours, for this tenant and browser,
/// and not expired.
pub fn open(
    key: &MasterKey,
    tenant: &TenantId,
    csrf: &str,
    blob: &str,
    now: i64,
) -> Option<PendingSignIn> {
    let inner = String::from_utf8(URL_SAFE_NO_PAD.decode(blob).ok()?).ok()?;
    let json = seal::open(key, KeyPurpose::PendingSignIns, &aad(tenant, csrf), &inner).ok()?;
    let envelope: Envelope = serde_json::from_slice(&json).ok()?;
    (envelope.expires_at > now).then_some(envelope.pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_for_its_tenant_and_browser_and_until_it_expires() {
        let key = MasterKey::decode(&"07".repeat(32)).unwrap();
        let tenant = TenantId::from_db("t1".into());
        let p = PendingSignIn {
            user_id: "u".into(),
            factors: vec![("totp".into(), "f".into())],
            amr: vec!["pwd".into()],
            started_at: 1_000,
            session_id: None,
            enrolling: false,
        };
        let blob = seal(&key, &tenant, "csrf-a", &p).unwrap();
        assert_eq!(open(&key, &tenant, "csrf-a", &blob, 1_001), Some(p));
        assert_eq!(open(&key, &tenant, "csrf-b", &blob, 1_001), None);
        let other = TenantId::from_db("t2".into());
        assert_eq!(open(&key, &other, "csrf-a", &blob, 1_001), None);
        assert_eq!(
            open(&key, &tenant, "csrf-a", &blob, 1_000 + LIFETIME_SECS),
            None
        );
    }
}
