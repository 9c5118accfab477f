use super::form::{authenticate, form};
use super::state::AppState;
use super::tenant::Tenant;
use crate::grants::revocation;
use crate::oauth::OAuthError;
use actix_web::{HttpRequest, HttpResponse, web};

/// RFC 7009 token revocation: 200 whether or not the token was known, valid
/// or the caller's (§2.2); `grants::revocation` decides what is revoked.
pub async fn revoke(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let params = form(&req, &body)?;
    let caller = authenticate(&state, &tenant.snapshot, &req, &params).await?;
    let token = params.require("token")?;
    revocation::revoke(&tenant.context(&state), &caller.client.client_id, token).await?;
    Ok(HttpResponse::Ok().finish())
}
