//! RFC 7009 token revocation, beside the grants that issue what it revokes.
//! Unknown, invalid or expired tokens change nothing and are not reported
//! (§2.2); a client may revoke only tokens issued to it (§2.1), and another
//! client's token changes nothing either — a different answer would tell the
//! caller the token is valid.

use super::Context;
use crate::oauth::{ClientId, OAuthError};
use crate::tokens::access;

/// Revokes `token` for `client`: an active access token by its revocation id
/// (held until it would have expired), anything else as a refresh token,
/// whose whole family is revoked (§2.1).
pub async fn revoke(ctx: &Context<'_>, client: &ClientId, token: &str) -> Result<(), OAuthError> {
    let facts = {
        let (s, handle, t, now) = (
            ctx.snapshot.clone(),
            ctx.tenant.clone(),
            token.to_owned(),
            ctx.now,
        );
        ctx.evaluator
            .run_if(access::is_narrowed(token), move || {
                access::inspect(s.token_issuer(), &t, now, |id| handle.is_revoked(id))
            })
            .await?
    };
    let Some(facts) = facts else {
        let (tenant, client, token) = (
            ctx.snapshot.id.clone(),
            client.to_string(),
            token.to_owned(),
        );
        let now = ctx.now.naive_utc();
        // Another client's refresh token is left alone (None / Some(false)).
        ctx.store
            .run(move |c| super::revoke_refresh(c, &tenant, &client, &token, now))
            .await?;
        return Ok(());
    };
    if facts.client_id != client.as_str() {
        return Ok(());
    }
    // A token without `exp` is held revoked for a day; access tokens here
    // always carry one.
    let expires_at = facts
        .expires_at
        .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
        .unwrap_or(ctx.now + chrono::Duration::days(1))
        .naive_utc();
    ctx.tenant.revoke(facts.revocation_id, expires_at).await?;
    Ok(())
}
