//! `POST {issuer}/api/bans`: ban every token of a user, of a client, or of
//! the whole tenant. The caller's Bearer token must be allowed
//! `tokens:revoke` by the tenant's policies (built in: holders of the
//! `tokens:revoke` right).

use super::bearer;
use super::error::Problem;
use super::tenant::Tenant;
use crate::store::bans::BanTarget;
use crate::tenancy::bans;
use crate::tenancy::propagation::Confirmation;
use crate::tokens::ban::{BanRequest, Banned};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

pub async fn ban(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let Some(token) = bearer::token(&req) else {
        return Ok(bearer::challenge(None));
    };
    let target = parse_target(&req, &body);
    // The token checked first, as without a body; off the worker if narrowed.
    let (handle, s, now) = (
        tenant.handle.clone(),
        tenant.snapshot.clone(),
        tenant.state.clock.now(),
    );
    let (t, wanted) = (
        token.to_owned(),
        target.as_ref().ok().map(|t| t.target().to_owned()),
    );
    let checked = super::evaluate::off_worker(
        &tenant.state,
        super::evaluate::narrowed([token]),
        move || bans::check_caller(&handle, &s, &t, wanted.as_deref(), now),
    )
    .await?;
    let Some(caller) = checked else {
        return Ok(bearer::challenge(Some("the access token is not valid")));
    };
    let target = target?;
    if !caller.allowed {
        return Ok(Problem::forbidden(bans::ACTION).error_response());
    }
    let timing = bans::Timing {
        confirm_timeout: tenant.state.config.tenants.ban_confirm_timeout,
        sync_interval: tenant.state.config.tenants.revocation_sync_interval,
    };
    let (store, clock) = (&tenant.state.store, tenant.state.clock.clone());
    let (banned, processes) =
        bans::ban_everywhere(store, clock, &tenant.handle, &target, caller.actor, timing).await?;
    Ok(answer(&target, &banned, &processes))
}

fn parse_target(req: &HttpRequest, body: &[u8]) -> Result<BanTarget, Problem> {
    let request: BanRequest = super::api_users::parse_json(req, body, &["application/json"])?;
    request
        .target()
        .map_err(|m| Problem::new(StatusCode::BAD_REQUEST, m))
}

/// 200, or 202 when some process did not confirm in time: the ban is
/// recorded and in force where confirmed, not yet known to be everywhere.
fn answer(target: &BanTarget, banned: &Banned, processes: &Confirmation) -> HttpResponse {
    let status = if processes.unconfirmed == 0 {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    HttpResponse::build(status).json(serde_json::json!({
        "banned": target.kind(),
        "target": target.target(),
        "banned_before": banned
            .banned_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "refresh_families_revoked": banned.refresh_families_revoked,
        "processes": processes,
    }))
}
