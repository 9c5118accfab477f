use super::client_call::ClientCall;
use crate::grants::revocation;
use crate::oauth::OAuthError;
use actix_web::HttpResponse;

/// RFC 7009 token revocation: 200 whether or not the token was known, valid
/// or the caller's (§2.2); `grants::revocation` decides what is revoked.
pub async fn revoke(call: ClientCall) -> Result<HttpResponse, OAuthError> {
    let token = call.params.require("token")?;
    revocation::revoke(&call.tenant.context(), &call.caller.client.client_id, token).await?;
    Ok(HttpResponse::Ok().finish())
}
