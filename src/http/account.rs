//! The account page, `{issuer}/account`: the signed-in user's profile and
//! second factors, and setting up an authenticator app. It shares the
//! sign-in pages' session cookie; without a session it shows the login form,
//! which comes back here. Every form carries the CSRF token.

use super::authorize::render;
use super::error::Problem;
use super::pages::{self, PageForm};
use super::tenant::Tenant;
use crate::authn::account::{self, Confirmed, Setup};
use crate::authn::account_security;
use crate::authn::flow::Step;
use crate::authn::sealed::Resume;
use crate::console::account as page;
use crate::console::account_sections as sections;
use crate::i18n::Text;
use crate::mfa::factors::{self, Verdict};
use crate::store::StoreError;
use crate::store::sessions::SessionRow;
use crate::store::users::UserRow;
use crate::tenancy::TenantSnapshot;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub(super) fn base(tenant: &Tenant) -> String {
    format!("/t/{}/account", tenant.snapshot.slug)
}

/// What `?done=` may say, as catalogue keys.
fn notice(req: &HttpRequest) -> Option<&'static str> {
    let query = req.query_string();
    [
        ("done=totp-added", "account-notice-totp-added"),
        ("done=email-added", "account-notice-email-added"),
        ("done=sms-added", "account-notice-sms-added"),
        ("done=signed-out-others", "account-notice-signed-out-others"),
        ("done=app-removed", "account-notice-app-removed"),
        ("done=password-changed", "account-notice-password-changed"),
        ("done=factor-removed", "account-notice-factor-removed"),
    ]
    .into_iter()
    .find(|(q, _)| query == *q)
    .map(|(_, key)| key)
}

/// GET /t/{tenant}/account
pub async fn show(tenant: Tenant, req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let Some(session) = pages::current_session(state, s, &req).await? else {
        let login = Step::Login {
            request: Resume::Account,
            error: None,
        };
        return render(&tenant, &req, login, vec![]);
    };
    account_page(&tenant, &req, &session, StatusCode::OK, None).await
}

/// The account page of the session's user; `password_error` is what the
/// password form says after a refusal.
pub(super) async fn account_page(
    tenant: &Tenant,
    req: &HttpRequest,
    session: &SessionRow,
    status: StatusCode,
    password_error: Option<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (t, u, now) = (s.id.clone(), session.user_id.clone(), state.clock.db_now());
    let read = state.store.run(move |c| {
        let Some(o) = account::overview(c, &t, &u)? else {
            return Ok(None);
        };
        let sessions = account_security::sessions(c, &t, &u, now)?;
        let apps = account_security::apps(c, &t, &u)?;
        Ok::<_, StoreError>(Some((o, sessions, apps)))
    });
    let Some((o, sessions, apps)) = read.await.map_err(Problem::from)? else {
        return Ok(pages::redirect(&format!("/t/{}/logout", s.slug), vec![]));
    };
    let (csrf, cookie) = pages::csrf_token(req, s);
    let t = pages::text(req, None, s.default_locale);
    let items: Vec<page::FactorItem> = o.factors.iter().map(factor_item).collect();
    let sessions: Vec<sections::SessionItem> = sessions
        .iter()
        .map(|x| session_item(x, &session.id))
        .collect();
    let apps: Vec<sections::AppItem> = apps.iter().map(|a| app_item(&t, s, a)).collect();
    let base = base(tenant);
    let view = page::AccountPage {
        profile: page::Profile {
            username: &o.user.username,
            email: o.user.email.as_deref(),
            display_name: o.user.display_name.as_deref(),
        },
        factors: &items,
        mfa: s.mfa.enabled(),
        can_add_totp: o.can_add_totp() && s.mfa.allows(factors::TOTP),
        can_add_email: o.can_add_email() && s.mfa.allows(factors::EMAIL),
        can_add_sms: o.can_add_sms() && s.mfa.allows(factors::SMS),
        recovery: (o.may_have_recovery_codes() && s.mfa.allows(factors::RECOVERY))
            .then_some(o.recovery_left),
        sessions: &sessions,
        apps: &apps,
        password_error: password_error.as_deref(),
        csrf: &csrf,
        base: &base,
        notice: notice(req),
    };
    let html = page::account(&t, &s.page_brand(), &view);
    Ok(pages::html(status, html, cookie.into_iter().collect()))
}

fn day(d: chrono::NaiveDateTime) -> String {
    d.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn session_item(s: &SessionRow, current: &str) -> sections::SessionItem {
    sections::SessionItem {
        started: day(s.auth_time),
        how_key: if crate::authn::session::has_mfa(s) {
            "account-session-mfa"
        } else {
            "account-session-password"
        },
        current: s.id == current,
    }
}

/// An app by its name, with what its scopes mean in the page's language.
fn app_item(t: &Text, s: &TenantSnapshot, a: &account_security::Allowed) -> sections::AppItem {
    let items = crate::console::signin::scope_items(t, s.default_locale, &a.scopes, &s.scopes);
    sections::AppItem {
        client_id: a.client_id.clone(),
        name: s
            .client(&a.client_id)
            .map_or_else(|| a.client_id.clone(), |c| c.name.clone()),
        scopes: items.into_iter().map(|i| i.description).collect(),
        since: day(a.updated_at),
    }
}

fn factor_item(f: &crate::store::mfa_factors::FactorRow) -> page::FactorItem {
    let day = |d: chrono::NaiveDateTime| d.format("%Y-%m-%d").to_string();
    page::FactorItem {
        id: f.id.clone(),
        kind_key: match f.kind.as_str() {
            factors::EMAIL => "account-factor-email",
            factors::SMS => "account-factor-sms",
            _ => "account-factor-totp",
        },
        // The masked number says which phone.
        detail: (f.kind == factors::SMS).then(|| f.label.clone()),
        added: day(f.confirmed_at.unwrap_or(f.created_at)),
        last_used: f.last_used_at.map(day),
    }
}

/// POST /t/{tenant}/account/totp: a new key and its QR code.
pub async fn totp_begin(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let allowed = tenant.snapshot.mfa.allows(factors::TOTP);
    let user = match factor_change(&tenant, &req, &body, allowed).await? {
        Gate::Go(_, user) => user,
        Gate::Answer(page) => return Ok(page),
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (master, t, label, now) = (
        state.master_key.clone(),
        s.id.clone(),
        s.page_brand().name,
        state.clock.db_now(),
    );
    let begun = state
        .store
        .run(move |c| {
            account::begin_totp(c, &master, &t, &user, &label, now).map_err(StoreError::from)
        })
        .await
        .map_err(Problem::from)?;
    match begun {
        Some(setup) => Ok(setup_page(&tenant, &req, &setup, None)),
        None => Ok(pages::redirect(&base(&tenant), vec![])),
    }
}

/// POST /t/{tenant}/account/totp/confirm: the app's first code turns it on.
pub async fn totp_confirm(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let Some((form, user, _)) = signed_in(&tenant, &req, &body).await? else {
        return Ok(pages::redirect(&base(&tenant), vec![]));
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let factor = form.get("factor").unwrap_or_default().to_owned();
    let code = form.get("code").unwrap_or_default().to_owned();
    let (master, t, label) = (state.master_key.clone(), s.id.clone(), s.page_brand().name);
    let unix = u64::try_from(state.clock.now().timestamp()).unwrap_or(0);
    let now = state.clock.db_now();
    let confirmed = state
        .store
        .run(move |c| {
            let attempt = factors::Attempt {
                code: &code,
                unix_secs: unix,
                now,
            };
            account::confirm_totp(c, &master, &t, &user, &label, &factor, attempt)
                .map_err(StoreError::from)
        })
        .await
        .map_err(Problem::from)?;
    Ok(match confirmed {
        Confirmed::On => pages::redirect(&format!("{}?done=totp-added", base(&tenant)), vec![]),
        Confirmed::Again(setup, verdict) => {
            let error = match verdict {
                Verdict::Locked(_) => "mfa-error-locked",
                _ => "totp-error-wrong",
            };
            setup_page(&tenant, &req, &setup, Some(error))
        }
        Confirmed::Gone => pages::redirect(&base(&tenant), vec![]),
    })
}

/// POST /t/{tenant}/account/recovery: a new set of recovery codes (the
/// old set stops working), shown once.
pub async fn recovery_new(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let allowed = tenant.snapshot.mfa.allows(factors::RECOVERY);
    let user = match factor_change(&tenant, &req, &body, allowed).await? {
        Gate::Go(_, user) => user,
        Gate::Answer(page) => return Ok(page),
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (t, now) = (s.id.clone(), state.clock.db_now());
    let codes = state
        .store
        .run(move |c| account::new_recovery_codes(c, &t, &user.id, now).map_err(StoreError::from))
        .await
        .map_err(Problem::from)?;
    let Some(codes) = codes else {
        return Ok(pages::redirect(&base(&tenant), vec![]));
    };
    let text = pages::text(&req, None, s.default_locale);
    let html = page::recovery_codes(&text, &s.page_brand(), &codes, &base(&tenant));
    Ok(pages::html(StatusCode::OK, html, vec![]))
}

/// POST /t/{tenant}/account/factors/remove
pub async fn factor_remove(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let (form, user) = match factor_change(&tenant, &req, &body, true).await? {
        Gate::Go(form, user) => (form, user),
        Gate::Answer(page) => return Ok(page),
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let factor = form.get("factor").unwrap_or_default().to_owned();
    let (t, now) = (s.id.clone(), state.clock.db_now());
    state
        .store
        .run(move |c| factors::remove(c, &t, &user.id, &factor, now).map_err(StoreError::from))
        .await
        .map_err(Problem::from)?;
    let to = format!("{}?done=factor-removed", base(&tenant));
    Ok(pages::redirect(&to, vec![]))
}

/// The set-up page: 400 when shown again after a wrong first code.
fn setup_page(
    tenant: &Tenant,
    req: &HttpRequest,
    setup: &Setup,
    error: Option<&str>,
) -> HttpResponse {
    let s = &tenant.snapshot;
    let (csrf, cookie) = pages::csrf_token(req, s);
    let t = pages::text(req, None, s.default_locale);
    let action = format!("{}/totp/confirm", base(tenant));
    let hidden = [
        ("csrf", csrf.as_str()),
        ("factor", setup.factor_id.as_str()),
    ];
    let status = match error {
        Some(_) => StatusCode::BAD_REQUEST,
        None => StatusCode::OK,
    };
    let html = page::totp_setup_for(&t, &s.page_brand(), setup, &action, &hidden, error);
    pages::html(status, html, cookie.into_iter().collect())
}

/// What a change to the user's second factors goes on with.
pub(super) enum Gate {
    Go(PageForm, UserRow),
    /// The page to show instead: the account page's sign-in, or the second
    /// factor a session that predates it must present first.
    Answer(HttpResponse),
}

/// An account form that changes the user's second factors (OWASP ASVS v4
/// 3.7.1): a user who has a factor must be signed in with one. A session
/// from before their first factor presents it first — the step-up adds it
/// to the session — and comes back to the account page. `allowed`: whether
/// the tenant's policy lets this change happen at all.
pub(super) async fn factor_change(
    tenant: &Tenant,
    req: &HttpRequest,
    body: &[u8],
    allowed: bool,
) -> Result<Gate, actix_web::Error> {
    let back = || Gate::Answer(pages::redirect(&base(tenant), vec![]));
    let Some((form, user, session)) = signed_in(tenant, req, body).await? else {
        return Ok(back());
    };
    if !allowed {
        return Ok(back());
    }
    if crate::authn::session::has_mfa(&session) {
        return Ok(Gate::Go(form, user));
    }
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (t, u) = (s.id.clone(), user.id.clone());
    let confirmed = state
        .store
        .run(move |c| factors::confirmed(c, &t, &u))
        .await
        .map_err(Problem::from)?;
    if !factors::may_have_recovery_codes(&confirmed) {
        return Ok(Gate::Go(form, user));
    }
    let deps = state.flow_in(pages::text(req, None, s.default_locale).locale);
    let so_far =
        crate::authn::second_factor::SoFar::session(&session, state.clock.now().timestamp());
    let asked = crate::authn::second_factor::ask(deps, s, &Resume::Account, so_far, false);
    match asked.await.map_err(Problem::from)? {
        Some(step) => Ok(Gate::Answer(render(tenant, req, step, vec![])?)),
        None => Ok(Gate::Go(form, user)),
    }
}

/// An account form's fields and its signed-in user, after the CSRF check;
/// `None` when the browser has no session (the caller sends it to the
/// account page, which asks it to sign in).
pub(super) async fn signed_in(
    tenant: &Tenant,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Option<(PageForm, UserRow, SessionRow)>, actix_web::Error> {
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let form = pages::checked_form(req, s, body)?;
    let Some(session) = pages::current_session(state, s, req).await? else {
        return Ok(None);
    };
    let (t, u) = (s.id.clone(), session.user_id.clone());
    let user = state
        .store
        .run(move |c| crate::store::users::get(c, &t, &u))
        .await
        .map_err(Problem::from)?;
    Ok(user.map(|u| (form, u, session)))
}
