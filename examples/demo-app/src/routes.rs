//! HTTP: thin handlers over [`Bff`]. Forms post with the session cookie,
//! which is `SameSite=Lax`, so another site cannot post them for the user.

use crate::bff::Bff;
use crate::notes::{self, Refused};
use crate::pages;
use crate::sessions::COOKIE;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/healthz", web::get().to(|| async { "ok" }))
        .route("/login", web::get().to(login))
        .route("/callback", web::get().to(callback))
        .route("/refresh", web::post().to(refresh))
        .route("/logout", web::post().to(logout))
        .route("/notes", web::post().to(add_note))
        .route("/notes/{id}/share", web::post().to(share))
        .route("/shared/{id}", web::get().to(shared))
        .route("/api/notes", web::get().to(api_list))
        .route("/api/notes/{id}", web::get().to(api_get))
        .route("/spa", web::get().to(spa))
        .route("/spa/callback", web::get().to(spa))
        .route("/spa.js", web::get().to(spa_js))
        .route("/logo.svg", web::get().to(logo));
}

/// The request's session id, or a new session and the cookie that names it.
fn session(req: &HttpRequest, bff: &Bff) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(COOKIE)
        && bff.sessions.get(c.value()).is_some()
    {
        return (c.value().to_owned(), None);
    }
    let id = bff.sessions.create();
    let cookie = Cookie::build(COOKIE, id.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(bff.config.https())
        .finish();
    (id, Some(cookie))
}

fn redirect(to: &str, cookie: Option<Cookie<'static>>) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, to.to_owned()));
    if let Some(c) = cookie {
        res.cookie(c);
    }
    res.finish()
}

fn page(
    status: actix_web::http::StatusCode,
    body: maud::Markup,
    cookie: Option<Cookie<'static>>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(c) = cookie {
        res.cookie(c);
    }
    res.content_type("text/html; charset=utf-8")
        .body(body.into_string())
}

fn trouble(e: &anyhow::Error) -> HttpResponse {
    tracing::warn!(error = %e, "request failed");
    page(
        actix_web::http::StatusCode::BAD_GATEWAY,
        pages::refused("Something went wrong", &format!("{e:#}")),
        None,
    )
}

fn take_flash(bff: &Bff, sid: &str) -> (Option<String>, Option<String>) {
    let (mut flash, mut shared) = (None, None);
    bff.sessions.update(sid, |s| {
        flash = s.flash.take();
        shared = s.shared.take();
    });
    (flash, shared)
}

#[derive(Deserialize)]
struct HomeQuery {
    state: Option<String>,
}

async fn home(req: HttpRequest, bff: web::Data<Bff>, q: web::Query<HomeQuery>) -> HttpResponse {
    let (sid, cookie) = session(&req, &bff);
    let home = bff.home(&sid).await;
    let (mut flash, shared) = take_flash(&bff, &sid);
    if q.state.as_deref() == Some(crate::oidc::SIGNED_OUT) && home.is_none() {
        flash = Some("Signed out.".into());
    }
    let body = match &home {
        Some(h) => {
            let account = format!("{}/account", bff.config.issuer);
            pages::home(h, flash.as_deref(), shared.as_deref(), &account)
        }
        None => pages::signed_out(flash.as_deref()),
    };
    page(actix_web::http::StatusCode::OK, body, cookie)
}

async fn login(req: HttpRequest, bff: web::Data<Bff>) -> HttpResponse {
    let (sid, cookie) = session(&req, &bff);
    match bff.begin_login(&sid).await {
        Ok(url) => redirect(&url, cookie),
        Err(e) => trouble(&e),
    }
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(req: HttpRequest, bff: web::Data<Bff>, q: web::Query<Callback>) -> HttpResponse {
    let (sid, cookie) = session(&req, &bff);
    let outcome = match (&q.code, &q.state, &q.error) {
        (Some(code), Some(state), None) => bff.complete_login(&sid, code, state).await,
        (_, _, Some(error)) => Err(anyhow::anyhow!(
            "Gatehouse answered {error}: {}",
            q.error_description.as_deref().unwrap_or("")
        )),
        _ => Err(anyhow::anyhow!("the callback has no code and state")),
    };
    let message = match outcome {
        Ok(()) => "Signed in.".to_owned(),
        Err(e) => format!("Sign-in failed: {e:#}"),
    };
    bff.sessions.update(&sid, |s| s.flash = Some(message));
    redirect("/", cookie)
}

async fn refresh(req: HttpRequest, bff: web::Data<Bff>) -> HttpResponse {
    let (sid, cookie) = session(&req, &bff);
    let message = match bff.refresh(&sid).await {
        Ok(_) => "Tokens refreshed: a new access token, and the refresh token rotated.".to_owned(),
        Err(e) => format!("Refresh failed: {e:#}"),
    };
    bff.sessions.update(&sid, |s| s.flash = Some(message));
    redirect("/", cookie)
}

async fn logout(req: HttpRequest, bff: web::Data<Bff>) -> HttpResponse {
    let (sid, _) = session(&req, &bff);
    let removal = Cookie::build(COOKIE, "").path("/").finish();
    let mut res = match bff.logout(&sid).await {
        Ok(Some(url)) => redirect(&url, None),
        Ok(None) => redirect("/", None),
        Err(e) => return trouble(&e),
    };
    let _ = res.add_removal_cookie(&removal);
    res
}

#[derive(Deserialize)]
struct NewNote {
    title: String,
}

async fn add_note(req: HttpRequest, bff: web::Data<Bff>, form: web::Form<NewNote>) -> HttpResponse {
    let (sid, cookie) = session(&req, &bff);
    let message = match bff.create_note(&sid, &form.title).await {
        Ok(Ok(n)) => format!("AuthZEN allowed notes:write; added \"{}\".", n.title),
        Ok(Err(refusal)) => refusal,
        Err(e) => format!("Could not add the note: {e:#}"),
    };
    bff.sessions.update(&sid, |s| s.flash = Some(message));
    redirect("/", cookie)
}

async fn share(req: HttpRequest, bff: web::Data<Bff>, id: web::Path<String>) -> HttpResponse {
    let (sid, cookie) = session(&req, &bff);
    match bff.share(&sid, &id).await {
        Ok(link) => bff.sessions.update(&sid, |s| s.shared = Some(link)),
        Err(e) => bff
            .sessions
            .update(&sid, |s| s.flash = Some(format!("Could not share: {e:#}"))),
    };
    redirect("/", cookie)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: String,
}

async fn shared(
    bff: web::Data<Bff>,
    id: web::Path<String>,
    q: web::Query<TokenQuery>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    match notes::read(&bff.keys, &bff.notes, &q.token, &id).await {
        Ok(note) => {
            // Another note of the same owner, to show the token stops there.
            let other = bff
                .notes
                .of(&note.owner)
                .into_iter()
                .find(|n| n.id != note.id);
            let href = other.map(|o| {
                let token: String =
                    url::form_urlencoded::byte_serialize(q.token.as_bytes()).collect();
                format!("/shared/{}?token={token}", o.id)
            });
            page(
                StatusCode::OK,
                pages::shared_note(&note, href.as_deref()),
                None,
            )
        }
        Err(r) => {
            let (status, why) = refusal(&r);
            page(status, pages::refused("Not shared with you", why), None)
        }
    }
}

fn refusal(r: &Refused) -> (actix_web::http::StatusCode, &'static str) {
    use actix_web::http::StatusCode;
    match r {
        Refused::Token(why) => (StatusCode::FORBIDDEN, why),
        Refused::NotYours => (StatusCode::FORBIDDEN, "the note belongs to someone else"),
        Refused::NotFound => (StatusCode::NOT_FOUND, "no such note"),
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// RFC 6750 §3: a request without a usable token gets 401 and a challenge.
fn api_refused(r: &Refused) -> HttpResponse {
    let (status, why) = refusal(r);
    let status = match r {
        Refused::Token(_) => actix_web::http::StatusCode::UNAUTHORIZED,
        _ => status,
    };
    let mut res = HttpResponse::build(status);
    if status == actix_web::http::StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
    }
    res.json(serde_json::json!({ "error": why }))
}

async fn api_list(req: HttpRequest, bff: web::Data<Bff>) -> HttpResponse {
    let Some(token) = bearer(&req) else {
        return api_refused(&Refused::Token("no bearer token"));
    };
    match notes::list(&bff.keys, &bff.notes, token).await {
        Ok((_, mine)) => HttpResponse::Ok().json(mine),
        Err(r) => api_refused(&r),
    }
}

async fn api_get(req: HttpRequest, bff: web::Data<Bff>, id: web::Path<String>) -> HttpResponse {
    let Some(token) = bearer(&req) else {
        return api_refused(&Refused::Token("no bearer token"));
    };
    match notes::read(&bff.keys, &bff.notes, token, &id).await {
        Ok(note) => HttpResponse::Ok().json(note),
        Err(r) => api_refused(&r),
    }
}

async fn spa(bff: web::Data<Bff>) -> HttpResponse {
    let c = &bff.config;
    let redirect_uri = format!("{}/spa/callback", c.public_url);
    page(
        actix_web::http::StatusCode::OK,
        pages::spa(&c.issuer, &c.spa_client_id, &redirect_uri),
        None,
    )
}

/// The app's logo, which Gatehouse's consent page shows (the demo tenant's
/// `logo_uri` for demo-web).
async fn logo() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../static/logo.svg"))
}

async fn spa_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(include_str!("../static/spa.js"))
}
