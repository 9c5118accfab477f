//! `POST {issuer}/api/bans`: ban every token of a user, of a client, or of
//! the whole tenant. The caller's Bearer token must be allowed
//! `tokens:revoke` by the tenant's policies (built in: holders of the
//! `tokens:revoke` right).

use super::bearer;
use super::error::Problem;
use super::state::AppState;
use super::tenant::Tenant;
use crate::tenancy::bans;
use crate::tokens::ban::BanRequest;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

pub async fn ban(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let Some(token) = bearer::token(&req) else {
        return Ok(bearer::challenge(None));
    };
    let request: Result<BanRequest, Problem> =
        super::api_users::parse_json(&req, &body, &["application/json"]);
    let target = request.and_then(|r| {
        r.target()
            .map_err(|m| Problem::new(StatusCode::BAD_REQUEST, m))
    });
    // The token checked first, as without a body; off the worker if narrowed.
    let (handle, s, now) = (
        tenant.handle.clone(),
        tenant.snapshot.clone(),
        state.clock.now(),
    );
    let (t, wanted) = (
        token.to_owned(),
        target.as_ref().ok().map(|t| t.target().to_owned()),
    );
    let checked =
        super::evaluate::off_worker(&state, super::evaluate::narrowed([token]), move || {
            let caller = handle.present(&s, &t, now)?;
            let allowed = wanted.is_some_and(|w| bans::may_ban(&s, &caller, &w, now));
            Some((caller.actor(), allowed))
        })
        .await?;
    let Some((actor, allowed)) = checked else {
        return Ok(bearer::challenge(Some("the access token is not valid")));
    };
    let target = target?;
    if !allowed {
        return Ok(Problem::forbidden(bans::ACTION).error_response());
    }
    let timing = bans::Timing {
        confirm_timeout: state.config.tenants.ban_confirm_timeout,
        sync_interval: state.config.tenants.revocation_sync_interval,
    };
    let (banned, processes) = bans::ban_everywhere(
        &state.store,
        state.clock.clone(),
        &tenant.handle,
        &target,
        actor,
        timing,
    )
    .await?;
    // 202 when some process did not confirm in time: the ban is recorded and
    // in force where confirmed, not yet known to be everywhere.
    let status = if processes.unconfirmed == 0 {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok(HttpResponse::build(status).json(serde_json::json!({
        "banned": target.kind(),
        "target": target.target(),
        "banned_before": banned
            .banned_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "refresh_families_revoked": banned.refresh_families_revoked,
        "processes": processes,
    })))
}
