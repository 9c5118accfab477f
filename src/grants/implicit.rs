//! The implicit response (RFC 6749 §4.2.2): a short-lived access token in the
//! redirect's fragment, never a refresh token. Kept for the clients a tenant
//! allows it (`allow_implicit`); OAuth 2.1 drops it.

use super::mint_failed;
use crate::oauth::scope::ScopeSet;
use crate::oauth::{Client, OAuthError};
use crate::tenancy::TenantSnapshot;
use crate::tokens::minter::{AccessGrant, Lifetime, MintedAccess};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// Implicit-flow access tokens live at most this long.
pub const IMPLICIT_MAX_TTL_MINUTES: i64 = 10;

/// The access token of an implicit response for the signed-in `user_id`,
/// who signed in by `amr` (RFC 8176).
pub fn mint(
    s: &TenantSnapshot,
    client: &Client,
    user_id: &str,
    amr: Vec<String>,
    scopes: ScopeSet,
    rights: BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<MintedAccess, OAuthError> {
    s.token_issuer()
        .access(
            &AccessGrant {
                client,
                subject: Some(user_id.to_owned()),
                scopes,
                rights,
                audiences: BTreeSet::new(),
                actors: Vec::new(),
                amr,
                lifetime: Lifetime::at_most(Duration::minutes(IMPLICIT_MAX_TTL_MINUTES)),
            },
            now,
        )
        .map_err(mint_failed)
}

/// The fragment's parameters (RFC 6749 §4.2.2), `state` added by the caller.
pub fn fragment(access: &MintedAccess) -> [(&'static str, String); 4] {
    [
        ("access_token", access.token.token.clone()),
        ("token_type", "Bearer".to_owned()),
        ("expires_in", access.expires_in.to_string()),
        ("scope", access.scopes.to_string()),
    ]
}
