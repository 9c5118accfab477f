use super::error::Problem;
use crate::app::AppState;
use actix_web::{HttpResponse, web};

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers a query on our schema within two seconds.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    match state.store.ping(crate::app::READY_TIMEOUT).await {
        Ok(()) => Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(Problem::unavailable("the database does not answer"))
        }
    }
}
