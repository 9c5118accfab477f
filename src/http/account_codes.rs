//! Turning on the second factors whose codes Gatehouse sends — by email
//! and by text message — from the account page: a first code is sent at
//! once, and the factor counts once it comes back (a phone number is thus
//! verified before it can be used).

use super::account::{Gate, base, factor_change, signed_in};
use super::error::Problem;
use super::pages;
use super::tenant::Tenant;
use crate::authn::account;
use crate::authn::code_delivery::{self, Sent};
use crate::console::account as page;
use crate::mfa::factors::{self, Verdict};
use crate::store::StoreError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// POST /t/{tenant}/account/email: codes by email, to the user's address.
pub async fn email_begin(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let allowed = tenant.snapshot.mfa.allows(factors::EMAIL);
    let user = match factor_change(&tenant, &req, &body, allowed).await? {
        Gate::Go(_, user) => user,
        Gate::Answer(page) => return Ok(page),
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (t, u, now) = (s.id.clone(), user.id.clone(), state.clock.db_now());
    let factor = state
        .store
        .run(move |c| factors::begin_email(c, &t, &u, now).map_err(StoreError::from))
        .await
        .map_err(Problem::from)?;
    send_first(&tenant, &req, &user.id, factors::EMAIL, &factor).await
}

/// POST /t/{tenant}/account/sms: codes by text message to the number typed.
pub async fn sms_begin(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let allowed = tenant.snapshot.mfa.allows(factors::SMS);
    let (form, user) = match factor_change(&tenant, &req, &body, allowed).await? {
        Gate::Go(form, user) => (form, user),
        Gate::Answer(page) => return Ok(page),
    };
    let typed = form.get("phone").unwrap_or_default().to_owned();
    let Some(phone) = crate::sms::normalize(&typed) else {
        return Ok(phone_again(&tenant, &req, &typed));
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (master, t, u, now) = (
        state.master_key.clone(),
        s.id.clone(),
        user.id.clone(),
        state.clock.db_now(),
    );
    let factor = state
        .store
        .run(move |c| factors::begin_sms(c, &master, &t, &u, &phone, now).map_err(StoreError::from))
        .await
        .map_err(Problem::from)?;
    send_first(&tenant, &req, &user.id, factors::SMS, &factor).await
}

/// Sends the first code of a factor being turned on, and asks for it.
async fn send_first(
    tenant: &Tenant,
    req: &HttpRequest,
    user_id: &str,
    kind: &str,
    factor: &str,
) -> Result<HttpResponse, actix_web::Error> {
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let text = pages::text(req, None, s.default_locale);
    let sent: Sent = code_delivery::send(state.flow_in(text.locale), s, user_id, factor)
        .await
        .map_err(Problem::from)?;
    Ok(code_page(
        tenant,
        req,
        kind,
        factor,
        sent.to().as_deref(),
        sent.error(),
    ))
}

/// POST /t/{tenant}/account/code/confirm: the first code that turns an
/// email or SMS factor on.
pub async fn confirm(
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
    let (master, t, f) = (state.master_key.clone(), s.id.clone(), factor.clone());
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
            account::confirm_sent(c, &master, &t, &user, &f, attempt).map_err(StoreError::from)
        })
        .await
        .map_err(Problem::from)?;
    let Some((kind, verdict)) = confirmed else {
        return Ok(pages::redirect(&base(&tenant), vec![]));
    };
    Ok(match verdict {
        Verdict::Accepted => {
            pages::redirect(&format!("{}?done={kind}-added", base(&tenant)), vec![])
        }
        Verdict::Locked(_) => code_page(
            &tenant,
            &req,
            &kind,
            &factor,
            None,
            Some("mfa-error-locked"),
        ),
        Verdict::Wrong => code_page(&tenant, &req, &kind, &factor, None, Some("mfa-error-wrong")),
    })
}

/// The page that takes the first code; 400 after a wrong one or a failed
/// send.
fn code_page(
    tenant: &Tenant,
    req: &HttpRequest,
    kind: &str,
    factor: &str,
    sent_to: Option<&str>,
    error: Option<&str>,
) -> HttpResponse {
    let s = &tenant.snapshot;
    let (csrf, cookie) = pages::csrf_token(req, s);
    let t = pages::text(req, None, s.default_locale);
    let action = format!("{}/code/confirm", base(tenant));
    let hidden = [("csrf", csrf.as_str()), ("factor", factor)];
    let view = page::CodeSetup {
        kind,
        sent_to,
        hidden: &hidden,
        action: &action,
        error,
    };
    let html = page::code_setup(&t, &s.page_brand(), &view);
    pages::html(status(error), html, cookie.into_iter().collect())
}

/// The number form again: it was no mobile number in international form.
fn phone_again(tenant: &Tenant, req: &HttpRequest, typed: &str) -> HttpResponse {
    let s = &tenant.snapshot;
    let (csrf, cookie) = pages::csrf_token(req, s);
    let t = pages::text(req, None, s.default_locale);
    let action = format!("{}/sms", base(tenant));
    let html = page::phone_form(&t, &s.page_brand(), &csrf, &action, typed, true);
    pages::html(StatusCode::BAD_REQUEST, html, cookie.into_iter().collect())
}

fn status(error: Option<&str>) -> StatusCode {
    match error {
        Some(_) => StatusCode::BAD_REQUEST,
        None => StatusCode::OK,
    }
}
