//! What the code and refresh grants share: the tokens of a signed-in user
//! (access token, ID token, refresh token), the rights they carry, and the
//! refresh token rows.

use super::{TokenResponse, mint_failed};
use crate::authn::session::{random_token, sha256_hex};
use crate::authz::rights::RightsModel;
use crate::identity::UserStatus;
use crate::oauth::scope::ScopeSet;
use crate::oauth::{Client, GrantType, OAuthError};
use crate::store::codes::CodeRow;
use crate::store::refresh::{self, FamilyRow, TokenRow};
use crate::store::{self, DbConnection, StoreError, TenantId, write_tx};
use crate::tokens::Issuer;
use crate::tokens::minter::{AccessGrant, IdTokenGrant, Lifetime, MintedAccess};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::BTreeSet;

/// The sign-in a token is issued for, as a code or a refresh family records it.
pub(super) struct UserGrant<'a> {
    pub(super) user_id: &'a str,
    pub(super) scopes: &'a ScopeSet,
    /// The user's rights within the scopes (authz::rights), computed now.
    pub(super) rights: BTreeSet<String>,
    pub(super) session_id: Option<&'a str>,
    pub(super) auth_time: NaiveDateTime,
    /// The methods of the sign-in, as the JSON list the row holds.
    pub(super) amr: &'a str,
    pub(super) nonce: Option<&'a str>,
}

pub(super) struct Minted {
    pub(super) response: TokenResponse,
    pub(super) access: MintedAccess,
}

impl Minted {
    /// When the access token expires, as the database stores times.
    pub(super) fn access_expires(&self) -> NaiveDateTime {
        self.access.expires_at.naive_utc()
    }
}

/// The access token, and an ID token when `openid` was granted (OIDC Core
/// §3.1.3.3), with the refresh token the caller made.
pub(super) fn mint(
    by: &Issuer<'_>,
    client: &Client,
    grant: &UserGrant<'_>,
    refresh_token: Option<String>,
    now: DateTime<Utc>,
) -> Result<Minted, OAuthError> {
    let amr: Vec<String> = serde_json::from_str(grant.amr).unwrap_or_default();
    let access = by
        .access(
            &AccessGrant {
                client,
                subject: Some(grant.user_id.to_owned()),
                scopes: grant.scopes.clone(),
                rights: grant.rights.clone(),
                audiences: BTreeSet::new(),
                actors: Vec::new(),
                amr: amr.clone(),
                lifetime: Lifetime::default(),
            },
            now,
        )
        .map_err(mint_failed)?;
    let id_token = if grant.scopes.contains("openid") {
        let id = IdTokenGrant {
            subject: grant.user_id,
            auth_time: grant.auth_time.and_utc(),
            nonce: grant.nonce,
            session_id: grant.session_id,
            amr: &amr,
        };
        Some(
            by.id_token(client, &id, &access.token.token, now)
                .map_err(mint_failed)?,
        )
    } else {
        None
    };
    let response = TokenResponse {
        refresh_token,
        id_token,
        ..TokenResponse::bearer(access.clone())
    };
    Ok(Minted { response, access })
}

/// The rights a token for `user_id` carries: computed at every issuance, so a
/// refresh reflects the user's roles as they are now. Scopes that carry no
/// permissions need no lookup.
pub(super) fn user_rights(
    conn: &mut DbConnection,
    tenant: &TenantId,
    model: &RightsModel,
    user_id: &str,
    scopes: &ScopeSet,
) -> Result<BTreeSet<String>, StoreError> {
    if model.of_scopes(scopes.as_set()).is_empty() {
        return Ok(BTreeSet::new());
    }
    let held = store::users::role_names(conn, tenant, user_id)?;
    Ok(model.token_rights(&held, scopes.as_set()))
}

/// The status of the user a code or refresh family was issued to, read now;
/// `None` when the user is gone.
pub(super) fn user_status(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Option<UserStatus>, StoreError> {
    Ok(store::users::get(conn, tenant, user_id)?.map(|u| UserStatus::of_row(&u.status)))
}

/// A refresh token is issued only when the user granted `offline_access` and
/// the client may use the refresh_token grant (OIDC Core §11).
pub(super) fn wants_refresh(client: &Client, scopes: &ScopeSet) -> bool {
    scopes.contains("offline_access") && client.allows_grant(GrantType::RefreshToken)
}

/// Scopes as a code or refresh family row holds them (a JSON list).
pub(super) fn encode_scopes(scopes: &ScopeSet) -> String {
    serde_json::Value::from(scopes.iter().cloned().collect::<Vec<_>>()).to_string()
}

pub(super) fn decode_scopes(raw: &str) -> ScopeSet {
    ScopeSet::from_stored(serde_json::from_str::<Vec<String>>(raw).unwrap_or_default())
}

/// A new refresh token of `family_id`, living the client's refresh lifetime.
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

/// A fresh refresh token (256 bits).
pub(super) fn new_refresh_token() -> String {
    random_token()
}

/// Starts the refresh family of a redeemed code, with its first token.
pub(super) fn start_family(
    conn: &mut DbConnection,
    tenant: &TenantId,
    row: &CodeRow,
    family_id: &str,
    client: &Client,
    token: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    refresh::insert_family(
        conn,
        tenant,
        &FamilyRow {
            id: family_id.to_owned(),
            tenant_id: tenant.to_string(),
            client_id: row.client_id.clone(),
            user_id: row.user_id.clone(),
            session_id: Some(row.session_id.clone()),
            scopes: row.scopes.clone(),
            auth_time: row.auth_time,
            amr: row.amr.clone(),
            state: refresh::ACTIVE.into(),
            created_at: now,
            revoked_at: None,
        },
    )?;
    insert_refresh_token(conn, tenant, family_id, client, token, now)
}

/// Revokes the family of a refresh token presented for revocation (RFC 7009
/// §2.1: revoking a refresh token revokes what it belongs to). `None` when it
/// is no refresh token; `Some(false)` when it is another client's, which is
/// left alone.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_the_row() {
        let s = ScopeSet::parse("openid offline_access notes:read").unwrap();
        assert_eq!(
            encode_scopes(&s),
            r#"["notes:read","offline_access","openid"]"#
        );
        assert_eq!(decode_scopes(&encode_scopes(&s)), s);
        assert_eq!(decode_scopes("not json"), ScopeSet::default());
    }

    #[test]
    fn refresh_tokens_need_offline_access_and_the_grant() {
        let mut client = Client::for_tests("app");
        let offline = ScopeSet::parse("openid offline_access").unwrap();
        assert!(!wants_refresh(&client, &offline), "grant not allowed");
        client.grant_types.insert(GrantType::RefreshToken);
        assert!(wants_refresh(&client, &offline));
        assert!(!wants_refresh(&client, &ScopeSet::parse("openid").unwrap()));
    }
}
