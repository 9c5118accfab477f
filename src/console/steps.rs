//! The page an interactive authorization step shows: the login form or the
//! consent form of a tenant, for its client, with the sealed request and the
//! CSRF token the form carries back.

use super::account::Asked;
use super::signin::{self, FormState};
use crate::authn::sealed::Resume;
use crate::i18n::Text;
use crate::oauth::ClientLinks;
use crate::oauth::authorize::AuthorizationRequest;
use crate::store::users::UserRow;
use crate::tenancy::TenantSnapshot;
use actix_web::http::StatusCode;
use maud::Markup;

/// What the form carries besides the user's input.
pub struct Carried<'a> {
    pub csrf: &'a str,
    /// The sealed request (`authn::sealed`).
    pub request: &'a str,
}

/// The login page; 401 when it is shown again after wrong credentials.
/// `error` is a catalogue key.
pub fn login(
    t: &Text,
    s: &TenantSnapshot,
    resume: &Resume,
    error: Option<&str>,
    carried: &Carried<'_>,
) -> (StatusCode, Markup) {
    let action = format!("/t/{}/login", s.slug);
    let f = form(&action, carried);
    let (to, hint) = match resume {
        Resume::Authorize(r) => (
            t.with(
                "login-continue",
                &[("client", &client_name(s, &r.client_id))],
            ),
            r.login_hint.as_deref(),
        ),
        Resume::Account => (t.get("login-continue-account"), None),
    };
    let page = signin::login(t, &s.page_brand(), &to, &f, hint, error);
    (status(error), page)
}

/// The second-factor form; 401 when it is shown again after a wrong code.
pub fn second_factor(
    t: &Text,
    s: &TenantSnapshot,
    asked: &Asked<'_>,
    error: Option<&str>,
    carried: &Carried<'_>,
) -> (StatusCode, Markup) {
    let action = format!("/t/{}/login/mfa", s.slug);
    let f = form(&action, carried);
    let page = super::account::second_factor(t, &s.page_brand(), &f, asked, error);
    (status(error), page)
}

/// The consent page: the app, the requested scopes, each explained; and
/// the origin of the app's logo, which the page's CSP must let it load.
pub fn consent(
    t: &Text,
    s: &TenantSnapshot,
    request: &AuthorizationRequest,
    user: &UserRow,
    carried: &Carried<'_>,
) -> (Markup, Option<String>) {
    let action = format!("/t/{}/consent", s.slug);
    let f = form(&action, carried);
    let items = signin::scope_items(t, s.default_locale, &request.scopes, &s.scopes);
    let client = s.client(&request.client_id);
    let none = ClientLinks::default();
    let links = client.as_deref().map_or(&none, |c| &c.links);
    let name = client_name(s, &request.client_id);
    let app = signin::App { name: &name, links };
    let page = signin::consent(t, &s.page_brand(), &app, &user.username, &f, &items);
    (page, links.logo_uri.as_ref().and_then(|u| u.csp_origin()))
}

/// A sign-in form shown again after a wrong answer is a 401.
fn status(error: Option<&str>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    }
}

fn form<'a>(action: &'a str, carried: &Carried<'a>) -> FormState<'a> {
    FormState {
        action,
        csrf: carried.csrf,
        request: carried.request,
    }
}

/// The client's display name, or its id when it has gone.
fn client_name(s: &TenantSnapshot, id: &str) -> String {
    s.client(id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| id.to_owned())
}
