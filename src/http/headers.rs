//! The security headers: every response's defaults, and the stricter set
//! of the HTML pages.

use actix_web::HttpResponseBuilder;
use actix_web::http::header;

/// Headers every response carries unless its handler set its own (pages set
/// a CSP of their own, `headers::secure_page`): nothing Gatehouse answers is to be
/// framed, sniffed, or leak its URL as a referrer — JSON, problem pages and
/// actix's own errors included.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

/// No caching, no framing, no scripts: the pages need none. Styles come only
/// from the one stylesheet (`style-src 'self'`: no inline `<style>` or
/// `style=` attribute would apply).
pub fn secure_page(b: HttpResponseBuilder) -> HttpResponseBuilder {
    secure_page_showing(b, None)
}

/// [`secure_page`], also letting the page load images from one more origin
/// (`scheme://host[:port]`, from `oauth::WebUrl::csp_origin`).
pub fn secure_page_showing(
    mut b: HttpResponseBuilder,
    image_origin: Option<&str>,
) -> HttpResponseBuilder {
    let images = match image_origin {
        Some(origin) if is_host_source(origin) => format!("'self' {origin}"),
        _ => "'self'".to_owned(),
    };
    b.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'none'; style-src 'self'; img-src {images}; base-uri 'none'; frame-ancestors 'none'"
            ),
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    b
}

/// `scheme://host[:port]` of letters, digits and `.-:/` only: nothing a CSP
/// would read as a separator, keyword or wildcard.
fn is_host_source(origin: &str) -> bool {
    origin.starts_with("http")
        && origin
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'/'))
}
