//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2–§3).

use super::Tenant;
use super::error::{PageError, Problem};
use super::pages::{self, PageForm, SESSION_COOKIE};
use crate::app::AppState;
use crate::authn::session::sha256_hex;
use crate::console::signin;
use crate::oauth::FormParams;
use crate::store;
use crate::tenancy::TenantSnapshot;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// The client named by `client_id` or by the `aud` of a valid `id_token_hint`
/// (its expiry does not matter here).
fn hinted_client(
    s: &TenantSnapshot,
    client_id: Option<&str>,
    hint: Option<&str>,
) -> Option<String> {
    if let Some(id) = client_id {
        return Some(id.to_owned());
    }
    let hint = hint?;
    let header = josekit::jwt::decode_header(hint).ok()?;
    let kid = header.claim("kid")?.as_str()?;
    let verifier = s.keys.jws_verifier(kid)?;
    let (payload, _) = josekit::jwt::decode_with_verifier(hint, verifier).ok()?;
    (payload.issuer()? == s.issuer).then(|| payload.audience()?.first().map(|a| a.to_string()))?
}

fn bad(message: &str) -> PageError {
    PageError {
        status: StatusCode::BAD_REQUEST,
        title: "Sign-out failed".into(),
        message: message.into(),
    }
}

/// GET /t/{tenant}/logout: with a valid `id_token_hint` the user is signed out
/// at once; otherwise asked to confirm (so a third-party page cannot sign
/// people out).
pub async fn logout_get(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, actix_web::Error> {
    let params =
        FormParams::parse(req.query_string().as_bytes()).map_err(|_| bad("repeated parameters"))?;
    let get = |k: &str| params.get(k).map(str::to_owned);
    let fields = [
        "client_id",
        "post_logout_redirect_uri",
        "state",
        "id_token_hint",
    ];
    let hint_ok = hinted_client(&tenant.snapshot, None, params.get("id_token_hint")).is_some();
    if hint_ok {
        return finish(&state, &tenant.snapshot, &req, |k| get(k)).await;
    }
    let (csrf, cookie) = pages::csrf_token(&req, &tenant.snapshot);
    let carried: Vec<(&str, String)> = fields
        .iter()
        .filter_map(|k| params.get(k).map(|v| (*k, v.to_owned())))
        .collect();
    let carried_ref: Vec<(&str, &str)> = carried.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let action = format!("/t/{}/logout", tenant.snapshot.slug);
    let page = signin::confirm_logout(&tenant.snapshot.name, &action, &csrf, &carried_ref);
    Ok(pages::html(
        StatusCode::OK,
        page,
        cookie.into_iter().collect(),
    ))
}

/// POST /t/{tenant}/logout: the confirmation form.
pub async fn logout_post(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let form = PageForm::parse(&body);
    if !pages::csrf_ok(&req, form.get("csrf")) {
        return Err(bad("The form expired; sign out again from the application.").into());
    }
    finish(&state, &tenant.snapshot, &req, |k| {
        form.get(k).map(str::to_owned)
    })
    .await
}

async fn finish(
    state: &AppState,
    s: &TenantSnapshot,
    req: &HttpRequest,
    get: impl Fn(&str) -> Option<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let target = match get("post_logout_redirect_uri") {
        Some(uri) => {
            let client = hinted_client(
                s,
                get("client_id").as_deref(),
                get("id_token_hint").as_deref(),
            )
            .and_then(|id| s.client(&id))
            .ok_or_else(|| bad("post_logout_redirect_uri needs client_id or id_token_hint"))?;
            if !client
                .post_logout_redirect_uris
                .iter()
                .any(|u| u.as_str() == uri)
            {
                return Err(
                    bad("post_logout_redirect_uri is not registered for this client").into(),
                );
            }
            Some(uri)
        }
        None => None,
    };
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let (tenant, hash, now) = (
            s.id.clone(),
            sha256_hex(cookie.value()),
            state.clock.db_now(),
        );
        state
            .store
            .run(move |c| {
                if let Some(session) = store::sessions::find_live(c, &tenant, &hash, now)? {
                    store::write_tx(c, |c| {
                        store::sessions::end(c, &tenant, &session.id, now)?;
                        store::refresh::revoke_session_families(c, &tenant, &session.id, now)
                    })?;
                }
                Ok::<_, store::StoreError>(())
            })
            .await
            .map_err(Problem::from)?;
    }
    let clear = vec![pages::expired_cookie(s, SESSION_COOKIE)];
    Ok(match target {
        Some(uri) => {
            let state_param = get("state");
            let url = match &state_param {
                Some(st) => {
                    let mut u = url::Url::parse(&uri)
                        .map_err(|_| bad("invalid post_logout_redirect_uri"))?;
                    u.query_pairs_mut().append_pair("state", st);
                    u.to_string()
                }
                None => uri,
            };
            pages::redirect(&url, clear)
        }
        None => pages::html(StatusCode::OK, signin::logged_out(&s.name), clear),
    })
}
