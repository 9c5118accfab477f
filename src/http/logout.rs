//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2–§3). The
//! rules — which client asks, where the browser may go, when to ask the user —
//! are `authn::logout`'s.

use super::error::{PageError, Problem};
use super::pages::{self, PageForm, SESSION_COOKIE};
use super::state::AppState;
use super::tenant::Tenant;
use crate::authn::logout::{self, Current, Hint, LogoutError};
use crate::authn::session;
use crate::console::signin;
use crate::i18n::{Message, Text};
use crate::oauth::FormParams;
use crate::store::sessions::SessionRow;
use crate::tenancy::TenantSnapshot;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

fn bad(t: &Text, s: &TenantSnapshot, message: Message) -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        Message::new("error-sign-out-title"),
        message,
    )
    .in_language(t)
    .branded(s.page_brand())
}

/// What the page says of a refused logout request.
fn refusal(e: &LogoutError) -> Message {
    Message::new(match e {
        LogoutError::ClientMismatch => "error-logout-client-mismatch",
        LogoutError::NoClient => "error-logout-no-client",
        LogoutError::Unregistered => "error-logout-unregistered",
        LogoutError::InvalidUri => "error-logout-invalid-uri",
    })
}

const FIELDS: [&str; 5] = [
    "client_id",
    "post_logout_redirect_uri",
    "state",
    "id_token_hint",
    // RP-Initiated Logout 1.0 §2: the languages for the pages.
    "ui_locales",
];

/// GET /t/{tenant}/logout: signs out at once only when the `id_token_hint`
/// names this browser's session; otherwise asks the user to confirm.
pub async fn logout_get(
    tenant: Tenant,
    req: HttpRequest,
) -> Result<HttpResponse, actix_web::Error> {
    let s = &tenant.snapshot;
    let params = FormParams::parse(req.query_string().as_bytes()).map_err(|_| {
        bad(
            &pages::text(&req, None, s.default_locale),
            s,
            Message::new("error-sign-out-repeated"),
        )
    })?;
    let t = pages::text(&req, params.get("ui_locales"), s.default_locale);
    let hint = params.get("id_token_hint").and_then(|h| Hint::read(s, h));
    logout::client(params.get("client_id"), hint.as_ref()).map_err(|e| bad(&t, s, refusal(&e)))?;
    let current = pages::current_session(&tenant.state, s, &req).await?;
    let named = current.as_ref().map(|r| Current {
        user_id: &r.user_id,
        session_id: &r.id,
    });
    if logout::without_asking(hint.as_ref(), named) {
        return finish(&tenant.state, s, current, &t, |k| {
            params.get(k).map(str::to_owned)
        })
        .await;
    }
    let (csrf, cookie) = pages::csrf_token(&req, s);
    let carried: Vec<(&str, &str)> = FIELDS
        .iter()
        .filter_map(|k| params.get(k).map(|v| (*k, v)))
        .collect();
    let action = format!("/t/{}/logout", s.slug);
    let page = signin::confirm_logout(&t, &s.page_brand(), &action, &csrf, &carried);
    Ok(pages::html(
        StatusCode::OK,
        page,
        cookie.into_iter().collect(),
    ))
}

/// POST /t/{tenant}/logout: the confirmation form.
pub async fn logout_post(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let form = PageForm::parse(&body);
    let t = pages::text(&req, form.get("ui_locales"), tenant.snapshot.default_locale);
    if !pages::csrf_ok(&req, form.get("csrf")) {
        return Err(bad(&t, &tenant.snapshot, Message::new("error-sign-out-expired")).into());
    }
    let current = pages::current_session(&tenant.state, &tenant.snapshot, &req).await?;
    finish(&tenant.state, &tenant.snapshot, current, &t, |k| {
        form.get(k).map(str::to_owned)
    })
    .await
}

/// Checks where the browser goes, ends the session, and sends it there.
async fn finish(
    state: &AppState,
    s: &TenantSnapshot,
    current: Option<SessionRow>,
    t: &crate::i18n::Text,
    get: impl Fn(&str) -> Option<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let target = logout::destination(s, get).map_err(|e| bad(t, s, refusal(&e)))?;
    if let Some(row) = current {
        let (tenant, now) = (s.id.clone(), state.clock.db_now());
        state
            .store
            .run(move |c| session::sign_out(c, &tenant, &row.id, now))
            .await
            .map_err(Problem::from)?;
    }
    let clear = vec![pages::expired_cookie(s, SESSION_COOKIE)];
    let Some(uri) = target else {
        return Ok(pages::html(
            StatusCode::OK,
            signin::logged_out(t, &s.page_brand()),
            clear,
        ));
    };
    Ok(pages::redirect(&uri, clear))
}
