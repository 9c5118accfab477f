//! `POST {issuer}/api/bans`: ban every token of a user, of a client, or of
//! the whole tenant. The caller's Bearer token must be allowed
//! `tokens:revoke` by the tenant's policies (built in: holders of the
//! `tokens:revoke` right).

use super::bearer;
use super::error::Problem;
use super::state::AppState;
use super::tenant::Tenant;
use crate::authz::policy::{Decision, Question};
use crate::store::StoreError;
use crate::store::bans::BanTarget;
use crate::tenancy::TenantSnapshot;
use crate::tenancy::propagation::{self, Confirmation};
use crate::tokens::access::Presented;
use crate::tokens::ban::{self, BanRequest, Banned};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

const ACTION: &str = "tokens:revoke";

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
            let allowed = wanted.is_some_and(|w| may_ban(&s, &caller, &w, now));
            Some((caller.actor(), allowed))
        })
        .await?;
    let Some((actor, allowed)) = checked else {
        return Ok(bearer::challenge(Some("the access token is not valid")));
    };
    let target = target?;
    if !allowed {
        return Ok(Problem::forbidden(ACTION).error_response());
    }
    let (banned, processes) = ban_everywhere(&tenant, &state, &target, actor).await?;
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

/// Records the ban, then waits until it is in force in this process and in
/// every other process holding the tenant (tenancy::propagation).
async fn ban_everywhere(
    tenant: &Tenant,
    state: &AppState,
    target: &BanTarget,
    actor: String,
) -> Result<(Banned, Confirmation), StoreError> {
    let s = &tenant.snapshot;
    let (t, target, clock) = (s.id.clone(), target.clone(), state.clock.clone());
    let banned = state
        .store
        .run(move |c| ban::ban(c, &t, &target, &actor, clock.as_ref()))
        .await?;
    let tenants = &state.config.tenants;
    let deadline = std::time::Instant::now() + tenants.ban_confirm_timeout;
    // Applied here first; bounded like the rest of the wait.
    let remaining = deadline.saturating_duration_since(std::time::Instant::now());
    tenant.handle.sync_revocations(remaining).await;
    let processes = propagation::confirm(
        &state.store,
        state.clock.as_ref(),
        &s.id,
        banned.epoch,
        tenants.revocation_sync_interval,
        deadline,
    )
    .await;
    if processes.unconfirmed > 0 {
        tracing::warn!(tenant = %s.slug, unconfirmed = processes.unconfirmed,
            "a ban was not confirmed by every process in time");
    }
    Ok((banned, processes))
}

/// Whether the policies allow `caller` `tokens:revoke` on `target`.
fn may_ban(
    s: &TenantSnapshot,
    caller: &Presented,
    target: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let question = Question {
        action: ACTION,
        resource_type: "tokens",
        resource_id: target,
        resource_tenant: &s.slug,
        now: now.into(),
    };
    s.policies.decide(&caller.caller(&s.slug), &question) == Decision::Allow
}
