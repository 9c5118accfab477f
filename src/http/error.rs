//! The one place where errors become HTTP responses, in three dialects:
//! RFC 6749 §5.2 JSON for OAuth endpoints, RFC 9457 problem+json for the JSON
//! API, and a readable HTML page for browsers. Internal detail is logged with
//! its cause chain and never sent.

use crate::branding::PageBrand;
use crate::i18n::{Locale, Message, Text};
use crate::oauth::{OAuthError, OAuthErrorCode};
use crate::store::StoreError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

/// An RFC 9457 problem detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension member (RFC 9457 §3.2): the action that was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            type_uri: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            action: None,
        }
    }

    /// 403 naming the refused action — never the policy that refused it.
    pub fn forbidden(action: &str) -> Self {
        Self {
            action: Some(action.to_owned()),
            ..Self::new(
                StatusCode::FORBIDDEN,
                format!("this token may not {action} this resource"),
            )
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "an internal error occurred; it has been logged",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.title)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .content_type("application/problem+json")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(self)
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        log_internal(&e);
        match e {
            StoreError::Pool(_) | StoreError::Connect(_) => {
                Problem::unavailable("the database is not available; try again later")
            }
            _ => Problem::internal(),
        }
    }
}

impl From<crate::tenancy::LoadError> for Problem {
    fn from(e: crate::tenancy::LoadError) -> Self {
        match e {
            crate::tenancy::LoadError::Store(s) => s.into(),
            other => {
                log_internal(&other);
                Problem::internal()
            }
        }
    }
}

impl From<crate::store::StoreError> for OAuthError {
    fn from(e: crate::store::StoreError) -> Self {
        log_internal(&e);
        match e {
            StoreError::Pool(_) | StoreError::Connect(_) => {
                OAuthError::new(OAuthErrorCode::TemporarilyUnavailable, "try again later")
            }
            _ => OAuthError::server_error(),
        }
    }
}

impl From<crate::tokens::evaluator::Busy> for OAuthError {
    fn from(e: crate::tokens::evaluator::Busy) -> Self {
        tracing::warn!("{e}");
        OAuthError::new(OAuthErrorCode::TemporarilyUnavailable, "try again later")
    }
}

impl From<crate::tokens::evaluator::Busy> for Problem {
    fn from(e: crate::tokens::evaluator::Busy) -> Self {
        tracing::warn!("{e}");
        Problem::unavailable("too many narrowed tokens are being evaluated; try again later")
    }
}

impl From<diesel::result::Error> for OAuthError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

pub use crate::telemetry::log_internal;

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        // RFC 6749 §5.1/§5.2: token responses are never cached.
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if self.error == OAuthErrorCode::InvalidClient && self.used_basic_auth {
            // RFC 6749 §5.2: 401 with the scheme the client used.
            res.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"gatehouse\", charset=\"UTF-8\""),
            ));
        }
        res.json(self)
    }
}

/// An error shown to a person in a browser, in their language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    pub status: StatusCode,
    pub title: Message,
    pub message: Message,
    pub locale: Locale,
    /// The tenant whose look the page has; Gatehouse's own when none.
    pub brand: Option<Box<PageBrand>>,
}

impl PageError {
    /// In English until [`PageError::in_language`] says otherwise.
    pub fn new(status: StatusCode, title: Message, message: Message) -> Self {
        Self {
            status,
            title,
            message,
            locale: Locale::default(),
            brand: None,
        }
    }

    pub fn in_language(mut self, t: &Text) -> Self {
        self.locale = t.locale;
        self
    }

    /// Shown in the look of the tenant the request was for.
    pub fn branded(mut self, brand: PageBrand) -> Self {
        self.brand = Some(Box::new(brand));
        self
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.title, self.message)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        super::headers::secure_page(HttpResponse::build(self.status))
            .content_type("text/html; charset=utf-8")
            .body({
                let t = Text::new(self.locale);
                let (title, message) = (t.message(&self.title), t.message(&self.message));
                let brand = self
                    .brand
                    .as_deref()
                    .cloned()
                    .unwrap_or_else(PageBrand::gatehouse);
                crate::console::error_page(&t, &brand, self.status, &title, &message).into_string()
            })
    }
}

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Unknown routes: an HTML page for browsers, problem+json for everyone else.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let detail = Message::new("error-not-found").arg("path", req.path());
    if wants_html(&req) {
        PageError::new(
            StatusCode::NOT_FOUND,
            Message::new("error-not-found-title"),
            detail,
        )
        .in_language(&super::pages::text(&req, None, Locale::default()))
        .error_response()
    } else {
        Problem::not_found(detail.to_string()).error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn oauth_invalid_client_with_basic_has_www_authenticate() {
        let mut e = OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "client authentication failed",
        );
        e.used_basic_auth = true;
        let res = e.error_response();
        assert_eq!(res.status(), 401);
        assert!(res.headers().get(header::WWW_AUTHENTICATE).is_some());
        assert_eq!(
            res.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        let body = to_bytes(res.into_body()).await.unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
            serde_json::json!({"error":"invalid_client","error_description":"client authentication failed"})
        );
        let plain = OAuthError::new(OAuthErrorCode::InvalidClient, "x").error_response();
        assert!(plain.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[actix_web::test]
    async fn problem_is_rfc9457() {
        let res = Problem::not_found("no tenant named x").error_response();
        assert_eq!(res.status(), 404);
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let body = to_bytes(res.into_body()).await.unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
            serde_json::json!({"type":"about:blank","title":"Not Found","status":404,"detail":"no tenant named x"})
        );
    }

    #[actix_web::test]
    async fn internal_store_errors_hide_detail() {
        let p = Problem::from(StoreError::Migration("secret table detail".into()));
        assert_eq!(p.status, 500);
        assert!(!p.detail.unwrap().contains("secret"));
    }
}
