use super::Tenant;
use super::form::{authenticate, form};
use crate::app::AppState;
use crate::oauth::grant::TokenRequest;
use crate::oauth::{OAuthError, OAuthErrorCode};
use crate::tokens::issue;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// RFC 6749 §3.2 token endpoint.
pub async fn token(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let snapshot = &tenant.snapshot;
    let params = form(&req, &body)?;
    let client = authenticate(&state, snapshot, &req, &params, snapshot.token_endpoint()).await?;
    let request = TokenRequest::parse(&params)?;
    if !client.client.allows_grant(request.grant_type()) {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            format!("this client may not use {}", request.grant_type().as_str()),
        ));
    }
    let issuer = issue::Issuer {
        tenant: &snapshot.slug,
        issuer: &snapshot.issuer,
        keys: &snapshot.keys,
    };
    let response = issue::issue(&issuer, &client.client, request, state.clock.now())?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}
