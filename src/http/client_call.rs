//! A client's call to one of the tenant's endpoints that authenticate the
//! client (token, revocation, introspection; later device authorization and
//! PAR): the form body (RFC 6749 §3.2) and the authenticated client (§2.3),
//! taken from the request before the handler runs, so each of those
//! handlers starts from a known client.

use super::form::{authenticate, form};
use super::tenant::Tenant;
use crate::oauth::FormParams;
use crate::oauth::client_auth::Authenticated;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

pub struct ClientCall {
    pub tenant: Tenant,
    pub params: FormParams,
    pub caller: Authenticated,
}

impl FromRequest for ClientCall {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Extracted together, as the handlers' argument tuples did: the first
        // error of either answers (a too-large body is 413 whatever the tenant).
        let both = <(Tenant, web::Bytes)>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let (tenant, body) = both.await?;
            let params = form(&req, &body)?;
            let caller = authenticate(&tenant.state, &tenant.snapshot, &req, &params).await?;
            Ok(ClientCall {
                tenant,
                params,
                caller,
            })
        })
    }
}
