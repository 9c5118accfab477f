use super::client_call::ClientCall;
use crate::grants::{self, TokenRequest};
use crate::oauth::OAuthError;
use actix_web::HttpResponse;
use actix_web::http::header;

/// RFC 6749 §3.2 token endpoint: parse the form, authenticate the client,
/// parse the grant, and let `grants` issue; every token response is
/// `no-store` (RFC 6749 §5.1).
pub async fn token(call: ClientCall) -> Result<HttpResponse, OAuthError> {
    let ClientCall {
        tenant,
        params,
        caller,
    } = call;
    let request = TokenRequest::parse(&params)?;
    let response = grants::handle(&tenant.context(), caller.client, request).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}
