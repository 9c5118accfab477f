use super::form::{authenticate, form};
use super::state::AppState;
use super::tenant::Tenant;
use crate::grants::{self, TokenRequest};
use crate::oauth::OAuthError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// RFC 6749 §3.2 token endpoint: parse the form, authenticate the client,
/// parse the grant, and let `grants` issue; every token response is
/// `no-store` (RFC 6749 §5.1).
pub async fn token(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let params = form(&req, &body)?;
    let caller = authenticate(&state, &tenant.snapshot, &req, &params).await?;
    let request = TokenRequest::parse(&params)?;
    let response = grants::handle(&tenant.context(&state), caller.client, request).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}
