//! Authorization codes and refresh tokens: issued, and redeemed exactly once by
//! conditional updates inside one write transaction — so any number of server
//! processes behave like one (see docs/architecture.md, "Exactly once").

use super::session::{random_token, sha256_hex};
use crate::authz::rights::RightsModel;
use crate::oauth::pkce::Method;
use crate::oauth::{Client, GrantType, OAuthError, OAuthErrorCode};
use crate::store::codes::{self, CodeRow};
use crate::store::refresh::{self, TokenRow};
use crate::store::sessions::SessionRow;
use crate::store::{self, DbConnection, StoreError, TenantId, write_tx};
use crate::tenancy::TenantSnapshot;
use crate::tokens::KeyRing;
use crate::tokens::access::{self, AccessClaims, AccessTokenFormat, IssuedToken};
use crate::tokens::id_token::{self, IdClaims};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

/// Authorization codes live this long (RFC 6749 §4.1.2 recommends ≤ 10 min).
pub const CODE_TTL_SECS: i64 = 60;
/// ID tokens live this long.
pub const ID_TOKEN_TTL_SECS: i64 = 300;

fn encode(scopes: &BTreeSet<String>) -> String {
    serde_json::Value::from(scopes.iter().cloned().collect::<Vec<_>>()).to_string()
}

pub(super) fn decode(raw: &str) -> BTreeSet<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

/// Creates a code for a signed-in user's granted scopes; returns the code.
#[allow(clippy::too_many_arguments)]
pub fn issue_code(
    conn: &mut DbConnection,
    tenant: &TenantId,
    client_id: &str,
    session: &SessionRow,
    redirect_uri: &str,
    scopes: &BTreeSet<String>,
    nonce: Option<&str>,
    challenge: (&str, Method),
    now: NaiveDateTime,
) -> Result<String, StoreError> {
    let code = random_token();
    store::codes::insert(
        conn,
        tenant,
        &CodeRow {
            code_sha256: sha256_hex(&code),
            tenant_id: tenant.to_string(),
            client_id: client_id.to_owned(),
            user_id: session.user_id.clone(),
            session_id: session.id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes: encode(scopes),
            nonce: nonce.map(str::to_owned),
            code_challenge: Some(challenge.0.to_owned()),
            code_challenge_method: Some(challenge.1.as_str().to_owned()),
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

/// RFC 6749 §5.1, with the OpenID Connect `id_token`.
#[derive(Debug, Clone, Serialize)]
pub struct UserTokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// Who issues: the tenant's slug, issuer and keys.
pub struct Issuer<'a> {
    pub tenant: &'a TenantId,
    pub slug: &'a str,
    pub issuer: &'a str,
    pub keys: &'a KeyRing,
    pub rights: &'a RightsModel,
}

impl<'a> Issuer<'a> {
    pub fn of(s: &'a TenantSnapshot) -> Self {
        Self {
            tenant: &s.id,
            slug: &s.slug,
            issuer: &s.issuer,
            keys: &s.keys,
            rights: &s.rights,
        }
    }
}

/// The sign-in a token is issued for.
pub(super) struct Grant<'a> {
    pub(super) user_id: &'a str,
    pub(super) scopes: &'a BTreeSet<String>,
    /// The user's rights within the scopes (authz::rights), computed now.
    pub(super) rights: BTreeSet<String>,
    pub(super) session_id: Option<&'a str>,
    pub(super) auth_time: NaiveDateTime,
    pub(super) amr: &'a str,
    pub(super) nonce: Option<&'a str>,
}

pub(super) struct Minted {
    pub(super) response: UserTokenResponse,
    pub(super) access: IssuedToken,
    pub(super) access_expires: NaiveDateTime,
}

fn internal<E: std::error::Error + 'static>(e: E) -> OAuthError {
    crate::http::error::log_internal(&e);
    OAuthError::server_error()
}

pub(super) fn mint(
    by: &Issuer<'_>,
    client: &Client,
    grant: &Grant<'_>,
    refresh_token: Option<String>,
    now: DateTime<Utc>,
) -> Result<Minted, OAuthError> {
    let ttl =
        chrono::Duration::from_std(client.access_token_ttl).unwrap_or(chrono::Duration::hours(1));
    let claims = AccessClaims {
        tenant: by.slug.to_owned(),
        issuer: by.issuer.to_owned(),
        client_id: client.client_id.to_string(),
        subject: Some(grant.user_id.to_owned()),
        scopes: grant.scopes.clone(),
        rights: grant.rights.clone(),
        audiences: Default::default(),
        actors: Vec::new(),
        issued_at: now,
        expires_at: now + ttl,
    };
    let access = match client.access_token_format {
        AccessTokenFormat::Biscuit => access::mint_biscuit(by.keys, &claims),
        AccessTokenFormat::Jwt => access::mint_jwt(by.keys, &claims),
    }
    .map_err(internal)?;
    let id_token = if grant.scopes.contains("openid") {
        let amr: Vec<String> = serde_json::from_str(grant.amr).unwrap_or_default();
        Some(
            id_token::mint(
                by.keys,
                &IdClaims {
                    issuer: by.issuer,
                    algorithm: client.id_token_alg,
                    subject: grant.user_id,
                    audience: client.client_id.as_str(),
                    issued_at: now,
                    expires_at: now + chrono::Duration::seconds(ID_TOKEN_TTL_SECS),
                    auth_time: grant.auth_time.and_utc(),
                    nonce: grant.nonce,
                    session_id: grant.session_id,
                    amr: &amr,
                    access_token: &access.token,
                },
            )
            .map_err(internal)?,
        )
    } else {
        None
    };
    Ok(Minted {
        response: UserTokenResponse {
            access_token: access.token.clone(),
            token_type: "Bearer",
            expires_in: ttl.num_seconds(),
            scope: grant.scopes.iter().cloned().collect::<Vec<_>>().join(" "),
            refresh_token,
            id_token,
        },
        access_expires: (now + ttl).naive_utc(),
        access,
    })
}

/// The rights a token for `user_id` carries: computed at every issuance, so a
/// refresh reflects the user's roles as they are now. Scopes that carry no
/// permissions need no lookup.
pub(super) fn user_rights(
    conn: &mut DbConnection,
    by: &Issuer<'_>,
    user_id: &str,
    scopes: &BTreeSet<String>,
) -> Result<BTreeSet<String>, StoreError> {
    if by.rights.of_scopes(scopes).is_empty() {
        return Ok(BTreeSet::new());
    }
    let held = store::users::role_names(conn, by.tenant, user_id)?;
    Ok(by.rights.token_rights(&held, scopes))
}

/// A refresh token is issued only when the user granted `offline_access` and
/// the client may use the refresh_token grant (OIDC Core §11).
pub(super) fn wants_refresh(client: &Client, scopes: &BTreeSet<String>) -> bool {
    scopes.contains("offline_access") && client.allows_grant(GrantType::RefreshToken)
}

pub(super) fn new_refresh_token(
    conn: &mut DbConnection,
    tenant: &TenantId,
    family_id: &str,
    client: &Client,
    now: NaiveDateTime,
) -> Result<String, StoreError> {
    let token = random_token();
    insert_refresh_token(conn, tenant, family_id, client, &token, now)?;
    Ok(token)
}

pub(super) fn insert_refresh_token(
    conn: &mut DbConnection,
    tenant: &TenantId,
    family_id: &str,
    client: &Client,
    token: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let ttl =
        chrono::Duration::from_std(client.refresh_token_ttl).unwrap_or(chrono::Duration::days(30));
    refresh::insert_token(
        conn,
        tenant,
        &TokenRow {
            token_sha256: sha256_hex(token),
            tenant_id: tenant.to_string(),
            family_id: family_id.to_owned(),
            state: refresh::ACTIVE.into(),
            rotated_at: None,
            created_at: now,
            expires_at: now + ttl,
        },
    )
}

pub(super) fn invalid_grant(d: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidGrant, d)
}

pub(super) enum Outcome<T> {
    Issued(T),
    /// Committed (e.g. a replay's revocations), then answered with this error.
    Refused(OAuthError),
    /// A replayed code: its access token was revoked; the caller must tell
    /// this process's revocation set at once.
    Replayed(OAuthError),
}

/// A refused grant, and whether access tokens were revoked on the way.
#[derive(Debug)]
pub struct GrantError {
    pub error: OAuthError,
    pub revoked_access_tokens: bool,
}

impl From<OAuthError> for GrantError {
    fn from(error: OAuthError) -> Self {
        Self {
            error,
            revoked_access_tokens: false,
        }
    }
}

impl From<StoreError> for GrantError {
    fn from(e: StoreError) -> Self {
        OAuthError::from(e).into()
    }
}

/// Revokes the family of a refresh token presented for revocation (RFC 7009
/// §2.1: revoking a refresh token revokes what it belongs to). Returns whether
/// the token was a refresh token of this client.
pub fn revoke_refresh(
    conn: &mut DbConnection,
    tenant: &TenantId,
    client_id: &str,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<bool>, StoreError> {
    let Some((_, family)) = refresh::find(conn, tenant, &sha256_hex(token))? else {
        return Ok(None);
    };
    if family.client_id != client_id {
        return Ok(Some(false));
    }
    write_tx(conn, |c| refresh::revoke_family(c, tenant, &family.id, now))?;
    Ok(Some(true))
}
