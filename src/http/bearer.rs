//! Bearer access tokens on resource endpoints (RFC 6750).

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

/// The token of an `Authorization: Bearer …` header (RFC 6750 §2.1).
pub fn token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// RFC 6750 §3: 401 with a `Bearer` challenge; `error=invalid_token` when a
/// token was presented (§3.1), none when it was missing.
pub fn challenge(description: Option<&str>) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::UNAUTHORIZED);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    match description {
        None => res
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .finish(),
        Some(d) => res
            .insert_header((
                header::WWW_AUTHENTICATE,
                format!("Bearer error=\"invalid_token\", error_description=\"{d}\""),
            ))
            .json(serde_json::json!({ "error": "invalid_token", "error_description": d })),
    }
}
