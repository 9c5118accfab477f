//! CORS (Fetch Standard) for browser clients. The token, revocation and
//! userinfo endpoints answer a web origin that one of the tenant's clients
//! allows (`oauth::cors`): preflights get the methods and headers, responses
//! `Access-Control-Allow-Origin` with that origin. Discovery and key documents
//! are public: any origin may read them. The authorization, login, consent and
//! logout pages have no CORS at all: they are navigated to, never fetched.

use super::error::Problem;
use super::tenant::Tenant;
use crate::tenancy::TenantSnapshot;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use std::sync::Arc;

const ALLOW_HEADERS: &str = "authorization, content-type, dpop";
const MAX_AGE: &str = "600";

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// The request's `Origin`, if the tenant allows it.
fn allowed<'a>(s: &TenantSnapshot, headers: &'a HeaderMap) -> Option<&'a str> {
    origin(headers).filter(|o| s.cors_origins.contains(*o))
}

/// The client a request turned out to be for (the one that authenticated at
/// the token or revocation endpoint, the token's at userinfo): its own
/// origins decide the response's CORS headers.
struct ForClient(Arc<crate::oauth::Client>);

/// Marks the request as `client`'s, for [`tenant_endpoint`].
pub(super) fn for_client(req: &HttpRequest, client: Arc<crate::oauth::Client>) {
    req.extensions_mut().insert(ForClient(client));
}

fn allow_origin(headers: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// `OPTIONS` on a tenant endpoint: the preflight. An origin no client allows
/// gets 403 and no CORS headers, so the browser refuses the real request.
pub async fn preflight(tenant: Tenant, req: HttpRequest) -> HttpResponse {
    let Some(origin) = allowed(&tenant.snapshot, req.headers()) else {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "this origin is not allowed by any client of the tenant (allowed_origins)",
        )
        .error_response();
    };
    let methods = if req.path().ends_with("/userinfo") {
        "GET, POST, OPTIONS"
    } else {
        "POST, OPTIONS"
    };
    let mut res = HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE))
        .finish();
    allow_origin(res.headers_mut(), origin);
    res
}

/// Adds `Access-Control-Allow-Origin` to a tenant endpoint's response when
/// the request's origin is allowed (the `Tenant` extractor left the
/// snapshot in the request's extensions).
pub async fn tenant_endpoint(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    if res.request().method() == Method::OPTIONS {
        return Ok(res);
    }
    let Some(origin) = origin(res.request().headers()).map(str::to_owned) else {
        return Ok(res);
    };
    // The client's own origins once it is known; before that (a failed
    // authentication), any client's, so that its page can read the error.
    let allowed = {
        let ext = res.request().extensions();
        match (ext.get::<ForClient>(), ext.get::<Arc<TenantSnapshot>>()) {
            (Some(c), _) => c.0.allowed_origins.contains(&origin),
            (None, Some(s)) => s.cors_origins.contains(&origin),
            (None, None) => false,
        }
    };
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
    if allowed {
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        // Userinfo's and the token endpoint's challenges are for the page.
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate"),
        );
    }
    Ok(res)
}

/// Public documents (discovery, JWKS, Biscuit keys): any origin may read.
pub async fn public(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(res)
}
