use super::form::{authenticate, form};
use super::state::AppState;
use super::tenant::Tenant;
use crate::oauth::OAuthError;
use crate::tokens::access;
use actix_web::{HttpRequest, HttpResponse, web};

/// RFC 7009 token revocation. Unknown, invalid or expired tokens answer 200
/// (§2.2); a client may revoke only tokens issued to it (§2.1), and another
/// client's token also answers 200 and changes nothing — a different answer
/// would tell the caller the token is valid.
pub async fn revoke(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let snapshot = &tenant.snapshot;
    let params = form(&req, &body)?;
    let caller = authenticate(&state, snapshot, &req, &params).await?;
    let token = params.require("token")?;
    let now = state.clock.now();
    let facts = {
        let (s, handle, t) = (snapshot.clone(), tenant.handle.clone(), token.to_owned());
        super::evaluate::off_worker(&state, super::evaluate::narrowed([token]), move || {
            access::inspect(&s.keys, &s.slug, &s.issuer, &t, now, |id| {
                handle.is_revoked(id)
            })
        })
        .await?
    };
    let Some(facts) = facts else {
        // Not an active access token: perhaps a refresh token, whose whole
        // family is revoked (RFC 7009 §2.1).
        let tenant_id = snapshot.id.clone();
        let client_id = caller.client.client_id.to_string();
        let token = token.to_owned();
        let db_now = now.naive_utc();
        // Another client's refresh token is left alone (None / Some(false)).
        state
            .store
            .run(move |c| crate::grants::revoke_refresh(c, &tenant_id, &client_id, &token, db_now))
            .await?;
        return Ok(HttpResponse::Ok().finish());
    };
    if facts.client_id != caller.client.client_id.as_str() {
        return Ok(HttpResponse::Ok().finish());
    }
    let expires_at = facts
        .expires_at
        .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
        .unwrap_or(now + chrono::Duration::days(1))
        .naive_utc();
    tenant
        .handle
        .revoke(facts.revocation_id, expires_at)
        .await?;
    Ok(HttpResponse::Ok().finish())
}
