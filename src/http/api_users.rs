//! `{issuer}/api/users/{id}`: the self-service user API. A Bearer access token
//! of the tenant; every request is allowed or refused by the tenant's
//! policies; refusals are 403 problem+json naming the action, never the policy.

use super::bearer;
use super::error::Problem;
use super::state::AppState;
use super::tenant::Tenant;
use crate::identity::self_service::{self, Acting, UpdateError, UserAction, UserPatch};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// Why a request is refused before it reaches the service.
enum Refusal {
    /// 401: no token, or not a valid token of this tenant.
    Unauthenticated { presented: bool },
    /// 403: the policies refuse this action.
    Forbidden(UserAction),
    /// 503: narrowed tokens queue for evaluation.
    Busy(crate::tokens::evaluator::Busy),
}

impl Refusal {
    fn response(&self) -> HttpResponse {
        match self {
            Refusal::Unauthenticated { presented: false } => bearer::challenge(None),
            Refusal::Unauthenticated { presented: true } => {
                bearer::challenge(Some("the access token is not valid"))
            }
            Refusal::Forbidden(action) => {
                actix_web::ResponseError::error_response(&Problem::forbidden(action.as_str()))
            }
            Refusal::Busy(b) => actix_web::ResponseError::error_response(&Problem::from(*b)),
        }
    }
}

/// Authenticates the Bearer token and asks the policies (off the worker
/// when the token is narrowed); who acted, to record.
async fn authorize(
    tenant: &Tenant,
    req: &HttpRequest,
    action: UserAction,
    user_id: &str,
) -> Result<Acting, Refusal> {
    let state: &AppState = &tenant.state;
    let token = bearer::token(req).ok_or(Refusal::Unauthenticated { presented: false })?;
    let narrowed = super::evaluate::narrowed([token]);
    let (handle, s, now) = (
        tenant.handle.clone(),
        tenant.snapshot.clone(),
        state.clock.now(),
    );
    let (token, user_id) = (token.to_owned(), user_id.to_owned());
    super::evaluate::off_worker(state, narrowed, move || {
        let presented = handle
            .present(&s, &token, now)
            .ok_or(Refusal::Unauthenticated { presented: true })?;
        if !self_service::allowed(&s, &presented, action, &user_id, now) {
            return Err(Refusal::Forbidden(action));
        }
        Ok(Acting::of(&presented))
    })
    .await
    .map_err(Refusal::Busy)?
}

fn no_such_user() -> Problem {
    Problem::not_found("no such user in this tenant")
}

pub async fn get(
    tenant: Tenant,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let user_id = path.into_inner().1;
    if let Err(refusal) = authorize(&tenant, &req, UserAction::Read, &user_id).await {
        return Ok(refusal.response());
    }
    let t = tenant.snapshot.id.clone();
    let user = tenant
        .state
        .store
        .run(move |c| self_service::read(c, &t, &user_id))
        .await?;
    Ok(HttpResponse::Ok().json(user.ok_or_else(no_such_user)?))
}

pub async fn patch(
    tenant: Tenant,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let user_id = path.into_inner().1;
    let acting = match authorize(&tenant, &req, UserAction::Update, &user_id).await {
        Ok(a) => a,
        Err(refusal) => return Ok(refusal.response()),
    };
    let patch: UserPatch = parse_json(
        &req,
        &body,
        &["application/json", "application/merge-patch+json"],
    )?;
    let (t, now) = (tenant.snapshot.id.clone(), tenant.state.clock.db_now());
    let result = tenant
        .state
        .store
        .run(move |c| self_service::update(c, &t, &user_id, &patch, &acting, now))
        .await;
    match result {
        Ok(Some(user)) => Ok(HttpResponse::Ok().json(user)),
        Ok(None) => Err(no_such_user()),
        Err(UpdateError::Invalid(m)) => Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m)),
        Err(e @ UpdateError::EmailTaken) => Err(Problem::new(StatusCode::CONFLICT, e.to_string())),
        Err(UpdateError::Store(e)) => Err(e.into()),
    }
}

pub async fn delete(
    tenant: Tenant,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let user_id = path.into_inner().1;
    let acting = match authorize(&tenant, &req, UserAction::Delete, &user_id).await {
        Ok(a) => a,
        Err(refusal) => return Ok(refusal.response()),
    };
    let (t, now) = (tenant.snapshot.id.clone(), tenant.state.clock.db_now());
    let deleted = tenant
        .state
        .store
        .run(move |c| self_service::delete(c, &t, &user_id, &acting, now))
        .await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(no_such_user())
    }
}

/// A JSON body of one of the `accepted` media types (e.g. `application/json`,
/// RFC 7396 `application/merge-patch+json`).
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
    accepted: &[&str],
) -> Result<T, Problem> {
    let ct = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if !accepted.iter().any(|a| mime.eq_ignore_ascii_case(a)) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send {}", accepted.join(" or ")),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}
