//! The authorization endpoint (RFC 6749 §3.1) and the login and consent forms.

use super::error::{PageError, Problem};
use super::pages::{self, PageForm, SESSION_COOKIE};
use super::tenant::Tenant;
use crate::authn::flow::{self, Step};
use crate::authn::pending;
use crate::authn::sealed::{self, Resume};
use crate::authn::second_factor;
use crate::config::SecretString;
use crate::console::steps;
use crate::i18n::{Message, Text};
use crate::oauth::FormParams;
use crate::oauth::authorize::{self, AuthorizeError};
use crate::tenancy::TenantSnapshot;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// A request the authorization endpoint cannot go on with, in the language
/// of `t` and the look of the tenant `s`.
fn bad_request(t: &Text, s: &TenantSnapshot, message: Message) -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        Message::new("error-sign-in-link-title"),
        message,
    )
    .in_language(t)
    .branded(s.page_brand())
}

/// GET /t/{tenant}/authorize
pub async fn authorize(tenant: Tenant, req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    let s = tenant.snapshot.clone();
    let params = FormParams::parse(req.query_string().as_bytes()).map_err(|e| {
        let detail = e.error_description.unwrap_or_default();
        bad_request(
            &pages::text(&req, None, s.default_locale),
            &s,
            Message::new("error-request-malformed").arg("detail", detail),
        )
    })?;
    let request = match authorize::parse(&params, |id| s.client(id)) {
        Ok(r) => r,
        Err(AuthorizeError::Page(m)) => {
            return Err(bad_request(
                &pages::text(&req, params.get("ui_locales"), s.default_locale),
                &s,
                m,
            )
            .into());
        }
        Err(AuthorizeError::Redirect {
            redirect_uri,
            state: st,
            error,
            fragment,
        }) => {
            let url = authorize::error_redirect_in(
                &redirect_uri,
                &s.issuer,
                &error,
                st.as_deref(),
                fragment,
            );
            return Ok(pages::redirect(&url, vec![]));
        }
    };
    let session = pages::current_session(&tenant.state, &s, &req).await?;
    let locale = pages::text(&req, request.ui_locales.as_deref(), s.default_locale).locale;
    let step = flow::advance(tenant.state.flow_in(locale), &s, request, session)
        .await
        .map_err(Problem::from)?;
    render(&tenant, &req, step, vec![])
}

/// POST /t/{tenant}/login
pub async fn login(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let (form, resume) = open(&tenant, &req, &body)?;
    let login = form.get("username").unwrap_or_default().to_owned();
    let password = SecretString::new(form.get("password").unwrap_or_default());
    let s = &tenant.snapshot;
    let locale = pages::text(&req, resume.ui_locales(), s.default_locale).locale;
    let done = flow::login(tenant.state.flow_in(locale), s, resume, login, password)
        .await
        .map_err(Problem::from)?;
    signed_in(&tenant, &req, done)
}

/// POST /t/{tenant}/login/mfa: the second factor of a sign-in whose
/// password was right. A pending sign-in that expired, or was made for
/// another browser, asks for the password again.
pub async fn second_factor(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let (form, resume) = open(&tenant, &req, &body)?;
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let csrf = form.get("csrf").unwrap_or_default();
    let now = state.clock.now().timestamp();
    let blob = form.get("pending").unwrap_or_default();
    let Some(pending) = pending::open(&state.master_key, &s.id, csrf, blob, now) else {
        let again = Step::Login {
            request: resume,
            error: Some("login-error-again"),
        };
        return render(&tenant, &req, again, vec![]);
    };
    // "Use a recovery code instead": the same sign-in, another factor.
    let deps = state.flow_in(pages::text(&req, resume.ui_locales(), s.default_locale).locale);
    if let Some(kind) = form.get("switch").filter(|k| pending.factor(k).is_some()) {
        let step = second_factor::enter(deps, s, resume, pending, kind.to_owned())
            .await
            .map_err(Problem::from)?;
        return render(&tenant, &req, step, vec![]);
    }
    let kind = form.get("kind").unwrap_or_default().to_owned();
    let code = form.get("code").unwrap_or_default().to_owned();
    let done = flow::second_factor(deps, s, resume, pending, kind, code)
        .await
        .map_err(Problem::from)?;
    signed_in(&tenant, &req, done)
}

/// The page after a sign-in form, with the new session's cookie when it
/// started one.
fn signed_in(
    tenant: &Tenant,
    req: &HttpRequest,
    done: flow::LoggedIn,
) -> Result<HttpResponse, actix_web::Error> {
    let s = &tenant.snapshot;
    let cookies = done
        .cookie_value
        .map(|v| pages::tenant_cookie(s, SESSION_COOKIE, v, SameSite::Lax))
        .into_iter()
        .collect();
    render(tenant, req, done.step, cookies)
}

/// POST /t/{tenant}/consent
pub async fn consent(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let s = tenant.snapshot.clone();
    let (form, resume) = open(&tenant, &req, &body)?;
    let Resume::Authorize(request) = resume else {
        let t = pages::text(&req, None, s.default_locale);
        return Err(bad_request(&t, &s, Message::new("error-sealed")).into());
    };
    let request = *request;
    let Some(session) = pages::current_session(&tenant.state, &s, &req).await? else {
        return render(
            &tenant,
            &req,
            Step::Login {
                request: Resume::Authorize(Box::new(request)),
                error: Some("login-error-again"),
            },
            vec![],
        );
    };
    let step = match form.get("decision") {
        Some("allow") => {
            let ticked = form.all("scope").map(str::to_owned).collect();
            flow::consented(tenant.state.flow(), &s, request, session, ticked).await
        }
        Some("switch") => flow::switch_account(tenant.state.flow(), &s, request, session).await,
        _ => Ok(flow::denied(&s, &request)),
    }
    .map_err(Problem::from)?;
    render(&tenant, &req, step, vec![])
}

/// A login or consent form and its sealed request, after the CSRF check.
fn open(tenant: &Tenant, req: &HttpRequest, body: &[u8]) -> Result<(PageForm, Resume), PageError> {
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let form = pages::checked_form(req, s, body)?;
    // The sealed request (and its ui_locales) is not open yet: the browser's
    // languages decide.
    let t = pages::text(req, None, s.default_locale);
    let now = state.clock.now().timestamp();
    let request = sealed::open_request(
        &state.master_key,
        &s.id,
        form.get("request").unwrap_or_default(),
        now,
    )
    .ok_or_else(|| bad_request(&t, s, Message::new("error-sealed")))?;
    Ok((form, request))
}

pub(super) fn render(
    tenant: &Tenant,
    req: &HttpRequest,
    step: Step,
    mut cookies: Vec<Cookie<'static>>,
) -> Result<HttpResponse, actix_web::Error> {
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (csrf, csrf_cookie) = pages::csrf_token(req, s);
    cookies.extend(csrf_cookie);
    let request = match &step {
        Step::Redirect(url) => return Ok(pages::redirect(url, cookies)),
        Step::Page(m) => {
            let t = pages::text(req, None, s.default_locale);
            return Err(bad_request(&t, s, m.clone()).into());
        }
        Step::Login { request, .. } | Step::SecondFactor { request, .. } => request.clone(),
        Step::Consent { request, .. } => Resume::Authorize(Box::new(request.clone())),
    };
    let now = state.clock.now().timestamp();
    let blob = sealed::seal_request(&state.master_key, &s.id, &request, now)
        .ok_or_else(Problem::internal)?;
    let carried = steps::Carried {
        csrf: &csrf,
        request: &blob,
    };
    let t = pages::text(req, request.ui_locales(), s.default_locale);
    let (status, page, logo) = match &step {
        Step::Login { request, error } => {
            let (status, page) = steps::login(&t, s, request, *error, &carried);
            (status, page, None)
        }
        Step::SecondFactor {
            pending,
            kind,
            error,
            enrolment: Some(setup),
            ..
        } => {
            let sealed = pending::seal(&state.master_key, &s.id, &csrf, pending)
                .ok_or_else(Problem::internal)?;
            let hidden = [
                ("csrf", csrf.as_str()),
                ("request", blob.as_str()),
                ("pending", sealed.as_str()),
                ("kind", kind.as_str()),
            ];
            let action = format!("/t/{}/login/mfa", s.slug);
            let status = if error.is_some() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            let page = crate::console::account::totp_setup_for(
                &t,
                &s.page_brand(),
                setup,
                &action,
                &hidden,
                *error,
            );
            (status, page, None)
        }
        Step::SecondFactor {
            pending,
            kind,
            error,
            sent_to,
            ..
        } => {
            let sealed = pending::seal(&state.master_key, &s.id, &csrf, pending)
                .ok_or_else(Problem::internal)?;
            let asked = crate::console::account::Asked {
                pending: &sealed,
                kind,
                others: pending
                    .factors
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .filter(|k| k != kind)
                    .collect(),
                sent_to: sent_to.as_deref(),
            };
            let (status, page) = steps::second_factor(&t, s, &asked, *error, &carried);
            (status, page, None)
        }
        Step::Consent { request, user } => {
            let (page, logo) = steps::consent(&t, s, request, user, &carried);
            (StatusCode::OK, page, logo)
        }
        Step::Redirect(_) | Step::Page(_) => return Err(Problem::internal().into()),
    };
    Ok(pages::html_showing(status, page, cookies, logo.as_deref()))
}
