//! Where a sign-in goes on to, carried through the login, second-factor and
//! consent pages: sealed with a key derived from the master key for this
//! purpose (AES-GCM, bound to the tenant), so it can be neither read nor
//! altered in the browser, and it expires.

use crate::config::{KeyPurpose, MasterKey};
use crate::oauth::authorize::AuthorizationRequest;
use crate::store::TenantId;
use crate::tokens::seal;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// What a sign-in continues once the user is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// A validated authorization request (the code or implicit flow).
    Authorize(Box<AuthorizationRequest>),
    /// The user's own account page (`{issuer}/account`).
    Account,
}

impl Resume {
    pub fn request(&self) -> Option<&AuthorizationRequest> {
        match self {
            Resume::Authorize(r) => Some(r),
            Resume::Account => None,
        }
    }

    /// OpenID Connect Core §3.1.2.1 `ui_locales`, when an app asked.
    pub fn ui_locales(&self) -> Option<&str> {
        self.request().and_then(|r| r.ui_locales.as_deref())
    }
}

/// `request` is absent for [`Resume::Account`]: envelopes sealed before the
/// account page existed always had one, and still open.
#[derive(Serialize, Deserialize)]
struct Envelope {
    request: Option<AuthorizationRequest>,
    expires_at: i64,
}

/// How long a person has to sign in and consent.
pub const LIFETIME_SECS: i64 = 600;

fn aad(tenant: &TenantId) -> String {
    format!("gatehouse/authorize/{tenant}")
}

pub fn seal_request(
    key: &MasterKey,
    tenant: &TenantId,
    resume: &Resume,
    now: i64,
) -> Option<String> {
    let envelope = Envelope {
        request: resume.request().cloned(),
        expires_at: now + LIFETIME_SECS,
    };
    let json = serde_json::to_vec(&envelope).ok()?;
    let sealed = seal::seal(key, KeyPurpose::AuthorizationRequests, &aad(tenant), &json).ok()?;
    // Standard base64 inside; URL-safe outside so it travels in forms unchanged.
    Some(URL_SAFE_NO_PAD.encode(sealed))
}

/// What the blob resumes, if the blob is ours, for this tenant, and not
/// expired.
pub fn open_request(key: &MasterKey, tenant: &TenantId, blob: &str, now: i64) -> Option<Resume> {
    let inner = String::from_utf8(URL_SAFE_NO_PAD.decode(blob).ok()?).ok()?;
    let json = seal::open(key, KeyPurpose::AuthorizationRequests, &aad(tenant), &inner).ok()?;
    let envelope: Envelope = serde_json::from_slice(&json).ok()?;
    (envelope.expires_at > now).then_some(match envelope.request {
        Some(r) => Resume::Authorize(Box::new(r)),
        None => Resume::Account,
    })
}
