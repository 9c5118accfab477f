//! A validated authorization request carried through the login and consent
//! pages: sealed with a key derived from the master key for this purpose
//! (AES-GCM, bound to the tenant), so it can
//! be neither read nor altered in the browser, and it expires.

use crate::config::{KeyPurpose, MasterKey};
use crate::oauth::authorize::AuthorizationRequest;
use crate::store::TenantId;
use crate::tokens::seal;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Envelope {
    request: AuthorizationRequest,
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
    request: &AuthorizationRequest,
    now: i64,
) -> Option<String> {
    let envelope = Envelope {
        request: request.clone(),
        expires_at: now + LIFETIME_SECS,
    };
    let json = serde_json::to_vec(&envelope).ok()?;
    let sealed = seal::seal(key, KeyPurpose::AuthorizationRequests, &aad(tenant), &json).ok()?;
    // Standard base64 inside; URL-safe outside so it travels in forms unchanged.
    Some(URL_SAFE_NO_PAD.encode(sealed))
}

/// The request, if the blob is ours, for this tenant, and not expired.
pub fn open_request(
    key: &MasterKey,
    tenant: &TenantId,
    blob: &str,
    now: i64,
) -> Option<AuthorizationRequest> {
    let inner = String::from_utf8(URL_SAFE_NO_PAD.decode(blob).ok()?).ok()?;
    let json = seal::open(key, KeyPurpose::AuthorizationRequests, &aad(tenant), &inner).ok()?;
    let envelope: Envelope = serde_json::from_slice(&json).ok()?;
    (envelope.expires_at > now).then_some(envelope.request)
}
