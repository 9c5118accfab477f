//! The authorization endpoint's half of the code grant: a code bound to what
//! its redemption must present again (`authorization_code` checks it).

use super::sign_in::encode_scopes;
use crate::authn::session::{random_token, sha256_hex};
use crate::oauth::authorize::CodeChallenge;
use crate::oauth::scope::ScopeSet;
use crate::store::codes::{self, CodeRow};
use crate::store::sessions::SessionRow;
use crate::store::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;

/// Authorization codes live this long (RFC 6749 §4.1.2 recommends ≤ 10 min).
pub const CODE_TTL_SECS: i64 = 60;

/// What the authorization endpoint binds a code to (RFC 6749 §4.1.2, RFC 7636
/// §4.4, OIDC Core §3.1.2.1 `nonce`).
pub struct CodeBinding<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a ScopeSet,
    pub nonce: Option<&'a str>,
    pub challenge: &'a CodeChallenge,
}

/// Creates a code for a signed-in user's granted scopes; returns the code.
pub fn issue_code(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session: &SessionRow,
    b: &CodeBinding<'_>,
    now: NaiveDateTime,
) -> Result<String, StoreError> {
    let code = random_token();
    codes::insert(
        conn,
        tenant,
        &CodeRow {
            code_sha256: sha256_hex(&code),
            tenant_id: tenant.to_string(),
            client_id: b.client_id.to_owned(),
            user_id: session.user_id.clone(),
            session_id: session.id.clone(),
            redirect_uri: b.redirect_uri.to_owned(),
            scopes: encode_scopes(b.scopes),
            nonce: b.nonce.map(str::to_owned),
            code_challenge: Some(b.challenge.challenge.clone()),
            code_challenge_method: Some(b.challenge.method.as_str().to_owned()),
            auth_time: session.auth_time,
            amr: session.amr.clone(),
            state: codes::ACTIVE.into(),
            family_id: None,
            access_revocation_id: None,
            access_expires_at: None,
            created_at: now,
            expires_at: now + chrono::Duration::seconds(CODE_TTL_SECS),
        },
    )?;
    Ok(code)
}
