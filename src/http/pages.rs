//! Responses for browser pages: security headers and the per-tenant cookies.

use crate::tenancy::TenantSnapshot;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use maud::Markup;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "gh_session";
pub const CSRF_COOKIE: &str = "gh_csrf";

/// The language of a page: the request's `ui_locales`, else the browser's
/// `Accept-Language`, else `default` — the tenant's `default_locale`, or
/// English where no tenant is known (`i18n::negotiate`).
pub fn text(
    req: &HttpRequest,
    ui_locales: Option<&str>,
    default: crate::i18n::Locale,
) -> crate::i18n::Text {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    crate::i18n::Text::new(crate::i18n::negotiate(ui_locales, accept, default))
}

pub fn html(status: StatusCode, page: Markup, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    html_showing(status, page, cookies, None)
}

/// [`html`] for a page that also shows an image from `image_origin` (a
/// client's logo on the consent page): the CSP names that origin, no other.
pub fn html_showing(
    status: StatusCode,
    page: Markup,
    cookies: Vec<Cookie<'static>>,
    image_origin: Option<&str>,
) -> HttpResponse {
    let mut b = super::headers::secure_page_showing(HttpResponse::build(status), image_origin);
    for c in cookies {
        b.cookie(c);
    }
    b.content_type("text/html; charset=utf-8")
        .body(page.into_string())
}

pub fn redirect(location: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut b = super::headers::secure_page(HttpResponse::Found());
    for c in cookies {
        b.cookie(c);
    }
    b.insert_header((header::LOCATION, location)).finish()
}

/// A cookie scoped to one tenant's paths: a browser never sends tenant A's
/// cookies to tenant B (and the server checks the tenant anyway).
pub fn tenant_cookie(
    s: &TenantSnapshot,
    name: &'static str,
    value: String,
    same_site: SameSite,
) -> Cookie<'static> {
    let https = s.issuer.starts_with("https://");
    Cookie::build(name, value)
        .path(format!("/t/{}", s.slug))
        .http_only(true)
        .secure(https)
        .same_site(same_site)
        .finish()
}

pub fn expired_cookie(s: &TenantSnapshot, name: &'static str) -> Cookie<'static> {
    let mut c = tenant_cookie(s, name, String::new(), SameSite::Lax);
    c.make_removal();
    c
}

/// The CSRF token of this browser (double-submit cookie), and the cookie to
/// set when it had none.
pub fn csrf_token(req: &HttpRequest, s: &TenantSnapshot) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() >= 32 => (c.value().to_owned(), None),
        _ => {
            let token = crate::authn::session::random_token();
            let cookie = tenant_cookie(s, CSRF_COOKIE, token.clone(), SameSite::Strict);
            (token.clone(), Some(cookie))
        }
    }
}

/// True when the form's CSRF field equals this browser's CSRF cookie.
pub fn csrf_ok(req: &HttpRequest, submitted: Option<&str>) -> bool {
    match (req.cookie(CSRF_COOKIE), submitted) {
        (Some(c), Some(s)) if !s.is_empty() => c.value().as_bytes().ct_eq(s.as_bytes()).into(),
        _ => false,
    }
}

/// A posted page form, if its CSRF field matches this browser's cookie;
/// else the page that says the form expired (403), in the browser's
/// language and the tenant's look.
pub fn checked_form(
    req: &HttpRequest,
    s: &TenantSnapshot,
    body: &[u8],
) -> Result<PageForm, super::error::PageError> {
    use crate::i18n::Message;
    let form = PageForm::parse(body);
    if csrf_ok(req, form.get("csrf")) {
        return Ok(form);
    }
    Err(super::error::PageError::new(
        StatusCode::FORBIDDEN,
        Message::new("error-form-expired-title"),
        Message::new("error-form-expired"),
    )
    .in_language(&text(req, None, s.default_locale))
    .branded(s.page_brand()))
}

/// A page form's fields; repeated names (checkboxes) are kept.
pub struct PageForm(Vec<(String, String)>);

impl PageForm {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The browser's live session in this tenant, if any (its cookie names it).
pub async fn current_session(
    state: &super::state::AppState,
    s: &TenantSnapshot,
    req: &HttpRequest,
) -> Result<Option<crate::store::sessions::SessionRow>, super::error::Problem> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let (tenant, value, now) = (
        s.id.clone(),
        cookie.value().to_owned(),
        state.clock.db_now(),
    );
    Ok(state
        .store
        .run(move |c| crate::authn::session::lookup(c, &tenant, &value, now))
        .await?)
}
