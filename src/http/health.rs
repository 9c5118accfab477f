use super::error::Problem;
use super::state::AppState;
use crate::tenancy::health::Severity;
use actix_web::{HttpResponse, web};

/// How long readiness waits for a connection.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers a query on our schema within two seconds
/// and every tenant loaded so far could open its keys. Tenant files that
/// could not be applied at start-up are named as warnings (their tenants are
/// served as they were).
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    if let Err(e) = state.store.ping(READY_TIMEOUT).await {
        tracing::warn!(error = %e, "readiness check failed");
        return Err(Problem::unavailable("the database does not answer"));
    }
    let unready = state.health.list(Severity::Unready);
    if !unready.is_empty() {
        return Err(Problem::unavailable(unready.join("; ")));
    }
    let warnings = state.health.list(Severity::Warning);
    let mut body = serde_json::json!({ "status": "ready" });
    if !warnings.is_empty() {
        body["warnings"] = warnings.into();
    }
    Ok(HttpResponse::Ok().json(body))
}
