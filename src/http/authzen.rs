//! OpenID AuthZEN Authorization API 1.0 endpoints of a tenant: PDP metadata
//! (§9), Access Evaluation (§6) and Access Evaluations (§7). Callers
//! authenticate as confidential clients of the tenant: HTTP Basic with the
//! client's secret, or a Bearer client_credentials token of the tenant.

use super::bearer;
use super::error::Problem;
use super::evaluate::narrowed;
use super::form::authenticate;
use super::state::AppState;
use super::tenant::Tenant;
use crate::authz::authzen::{Decision, EvaluationRequest, EvaluationsRequest, Semantic, run_batch};
use crate::authz::pdp;
use crate::oauth::FormParams;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

pub const EVALUATION_PATH: &str = "/access/v1/evaluation";
pub const EVALUATIONS_PATH: &str = "/access/v1/evaluations";

/// `{issuer}/.well-known/authzen-configuration` (AuthZEN §9.1).
pub async fn metadata(tenant: Tenant) -> HttpResponse {
    let issuer = &tenant.snapshot.issuer;
    HttpResponse::Ok().json(serde_json::json!({
        "policy_decision_point": issuer,
        "access_evaluation_endpoint": format!("{issuer}{EVALUATION_PATH}"),
        "access_evaluations_endpoint": format!("{issuer}{EVALUATIONS_PATH}"),
    }))
}

/// The PEP's credentials; the response to send when they do not hold.
async fn authenticate_pep(tenant: &Tenant, req: &HttpRequest) -> Result<(), HttpResponse> {
    let state: &AppState = &tenant.state;
    let s = &tenant.snapshot;
    if let Some(token) = bearer::token(req) {
        let (handle, snapshot, now) = (tenant.handle.clone(), s.clone(), state.clock.now());
        let t = token.to_owned();
        // A client's own token (client_credentials): no user in it.
        let is_client = super::evaluate::off_worker(state, narrowed([token]), move || {
            handle
                .present(&snapshot, &t, now)
                .is_some_and(|p| p.subject().is_none())
        })
        .await
        .map_err(|b| Problem::from(b).error_response())?;
        return if is_client {
            Ok(())
        } else {
            Err(bearer::challenge(Some(
                "a client_credentials access token of this tenant is required",
            )))
        };
    }
    let none = FormParams::parse(b"").map_err(|e| e.error_response())?;
    match authenticate(state, s, req, &none).await {
        Ok(a) if !a.client.public => Ok(()),
        Ok(_) => Err(bearer::challenge(None)),
        Err(e) => Err(e.error_response()),
    }
}

/// A bound on one batch: each evaluation may read the database (user subjects).
pub const MAX_EVALUATIONS: usize = 1000;

/// The user subjects' permissions, read only when some request names a user.
async fn users_of(tenant: &Tenant, requests: &[EvaluationRequest]) -> Result<pdp::Users, Problem> {
    let state: &AppState = &tenant.state;
    if !pdp::needs_users(requests) {
        return Ok(pdp::Users::new());
    }
    let (snapshot, requests) = (tenant.snapshot.clone(), requests.to_vec());
    Ok(state
        .store
        .run(move |c| pdp::load_users(c, &snapshot.id, &snapshot.rights.roles, &requests))
        .await?)
}

/// Presents the subjects and decides every request with the batch
/// `semantic` — off the request worker when a subject token is narrowed, and
/// refused when the narrowed tokens would cost too much altogether.
async fn decide(
    tenant: &Tenant,
    requests: Vec<EvaluationRequest>,
    semantic: Semantic,
) -> Result<Vec<Decision>, Problem> {
    let state: &AppState = &tenant.state;
    let users = users_of(tenant, &requests).await?;
    let tokens = requests
        .iter()
        .filter(|r| r.subject.kind == pdp::SUBJECT_TOKEN)
        .filter_map(|r| r.subject.id.as_deref());
    let narrowed = narrowed(tokens);
    let (handle, snapshot, now) = (
        tenant.handle.clone(),
        tenant.snapshot.clone(),
        state.clock.now(),
    );
    super::evaluate::off_worker(state, narrowed, move || {
        let subjects = pdp::Subjects::resolve(&handle, &snapshot, &requests, users, now)?;
        subjects.within_budget(&snapshot, &requests)?;
        Ok(run_batch(&requests, semantic, |r| {
            pdp::evaluate(&snapshot, r, &subjects, now)
        }))
    })
    .await?
    .map_err(|e: pdp::TooCostly| Problem::new(StatusCode::BAD_REQUEST, e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, Problem> {
    super::api_users::parse_json(req, body, &["application/json"])
}

pub async fn evaluation(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    if let Err(res) = authenticate_pep(&tenant, &req).await {
        return Ok(res);
    }
    let r: EvaluationRequest = parse(&req, &body)?;
    let decisions = decide(&tenant, vec![r], Semantic::ExecuteAll).await?;
    Ok(HttpResponse::Ok().json(&decisions[0]))
}

pub async fn evaluations(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    if let Err(res) = authenticate_pep(&tenant, &req).await {
        return Ok(res);
    }
    let batch: EvaluationsRequest = parse(&req, &body)?;
    let requests = batch
        .resolved()
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    if requests.len() > MAX_EVALUATIONS {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("at most {MAX_EVALUATIONS} evaluations per request"),
        ));
    }
    let decisions = decide(&tenant, requests, batch.semantic()).await?;
    // No `evaluations` array: the single Access Evaluation answer (§7.1).
    if batch.is_single() {
        return Ok(HttpResponse::Ok().json(&decisions[0]));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "evaluations": decisions })))
}
