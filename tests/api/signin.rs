//! Interactive sign-in over plain HTTP: authorize, login, consent, code
//! exchange, ID token, userinfo, refresh rotation, and what must fail.

use crate::helpers::{TestApp, assert_page, jwt_claims as claims, location_of, spawn_app_at};
use crate::tokens::{RS, RS_CLIENT, introspect, post_form, refresh};
use gatehouse::clock::{ManualClock, SystemClock};
use serde_json::{Value, json};
use std::sync::Arc;

pub const WEB: (&str, &str) = ("web", "web-secret-0123456789abcdef");
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const CB: &str = "http://127.0.0.1:3000/cb";

/// [`WEB`]'s entry in a tenant file: a confidential client redirecting to
/// [`CB`], allowed the code flow with refresh, for `scopes`.
pub fn web_client(scopes: &str) -> String {
    format!(
        "  - client_id: web
    name: Notes Web
    secret: web-secret-0123456789abcdef
    redirect_uris: [{CB}]
    grant_types: [authorization_code, refresh_token]
    scopes: [{scopes}]"
    )
}

pub fn yaml(slug: &str) -> String {
    format!(
        r#"slug: {slug}
name: Acme
scopes:
  - {{ name: notes:read, description: Read your notes }}
roles:
  - name: introspector
    permissions: [tokens:introspect]
clients:
  - client_id: web
    name: Notes Web
    secret: web-secret-0123456789abcdef
    redirect_uris: [{CB}]
    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]
    grant_types: [authorization_code, refresh_token]
    scopes: [openid, profile, email, offline_access, notes:read]
  - client_id: trusted
    secret: trusted-secret-0123456789
    first_party: true
    redirect_uris: [{CB}]
    grant_types: [authorization_code]
    scopes: [openid, profile]
  - client_id: spa
    public: true
    redirect_uris: [{CB}]
    grant_types: [authorization_code, refresh_token]
    scopes: [openid, notes:read, offline_access]
  - client_id: legacy
    public: true
    allow_implicit: true
    first_party: true
    redirect_uris: [{CB}]
    grant_types: [authorization_code]
    scopes: [openid, notes:read, offline_access]
  - client_id: grace
    secret: grace-secret-0123456789abcdef
    first_party: true
    refresh_grace_period: 30s
    redirect_uris: [{CB}]
    grant_types: [authorization_code, refresh_token]
    scopes: [openid, offline_access]
{RS_CLIENT}
users:
  - username: alice
    email: alice@example.com
    display_name: Alice Liddell
    password: alice-password-1
"#
    )
}

/// A browser: keeps cookies, never follows redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

pub fn authorize_path(slug: &str, client: &str, scope: &str, extra: &str) -> String {
    format!(
        "/t/{slug}/authorize?response_type=code&client_id={client}&redirect_uri={}&scope={}&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        urlencode(CB),
        urlencode(scope)
    )
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `b` GETs `url`, which redirects: the query of where to.
async fn redirect_query(
    b: &reqwest::Client,
    url: &str,
) -> std::collections::HashMap<String, String> {
    query(&location_of(&b.get(url).send().await.unwrap()))
}

pub fn query(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// `b` GETs `url`.
pub async fn visit(b: &reqwest::Client, url: &str) -> reqwest::Response {
    b.get(url).send().await.unwrap()
}

/// `b` GETs `url`: the page's HTML, whatever the status.
pub async fn page(b: &reqwest::Client, url: &str) -> String {
    visit(b, url).await.text().await.unwrap()
}

/// `b` posts `form` to `url`.
pub async fn submit(b: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    b.post(url).form(form).send().await.unwrap()
}

/// `b` GETs the authorization request of `client` at tenant `acme`.
pub async fn authorize(
    app: &TestApp,
    b: &reqwest::Client,
    client: &str,
    scope: &str,
    extra: &str,
) -> reqwest::Response {
    b.get(app.url(&authorize_path("acme", client, scope, extra)))
        .send()
        .await
        .unwrap()
}

/// `b` posts the login form of the page `html` to `url` as `user`.
pub async fn log_in(
    b: &reqwest::Client,
    url: &str,
    html: &str,
    user: (&str, &str),
) -> reqwest::Response {
    b.post(url)
        .form(&[
            ("csrf", field(html, "csrf").as_str()),
            ("request", field(html, "request").as_str()),
            ("username", user.0),
            ("password", user.1),
        ])
        .send()
        .await
        .unwrap()
}

/// `b` posts the login form of the page `html` at tenant `acme` as alice.
pub async fn login(
    app: &TestApp,
    b: &reqwest::Client,
    html: &str,
    password: &str,
) -> reqwest::Response {
    log_in(b, &app.url("/t/acme/login"), html, ("alice", password)).await
}

/// `b` opens the login page at `url` and signs alice in to `acme` with her
/// password: the answer to the login form.
pub async fn login_from(app: &TestApp, b: &reqwest::Client, url: &str) -> reqwest::Response {
    let html = page(b, url).await;
    login(app, b, &html, "alice-password-1").await
}

/// `b` allows the consent page `html`, ticking `grant`, by posting it to `url`.
pub async fn allow(
    b: &reqwest::Client,
    url: &str,
    html: &str,
    grant: &[&str],
) -> reqwest::Response {
    let mut form = vec![
        ("csrf".to_owned(), field(html, "csrf")),
        ("request".to_owned(), field(html, "request")),
        ("decision".to_owned(), "allow".to_owned()),
    ];
    form.extend(grant.iter().map(|g| ("scope".to_owned(), g.to_string())));
    b.post(url).form(&form).send().await.unwrap()
}

/// Runs authorize → login → consent (granting `grant`) and returns the redirect.
pub async fn sign_in(app: &TestApp, b: &reqwest::Client, scope: &str, grant: &[&str]) -> String {
    let res = authorize(app, b, "web", scope, "").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign in to Acme"), "{html}");
    let res = login(app, b, &html, "alice-password-1").await;
    let consent_page = match res.status().as_u16() {
        200 => res.text().await.unwrap(),
        302 => return location_of(&res),
        s => panic!("login answered {s}"),
    };
    assert!(
        consent_page.contains("Notes Web wants to access your Acme account"),
        "{consent_page}"
    );
    // The consent page says what `account` lets the client do.
    if scope.split(' ').any(|s| s == "account") {
        assert!(
            consent_page.contains("Change your name and email address"),
            "{consent_page}"
        );
    }
    let res = allow(b, &app.url("/t/acme/consent"), &consent_page, grant).await;
    assert_eq!(res.status(), 302);
    location_of(&res)
}

/// [`sign_in`] with `b`, then the code redeemed: the token response.
pub async fn signed_in_tokens(
    app: &TestApp,
    b: &reqwest::Client,
    scope: &str,
    grant: &[&str],
) -> Value {
    let location = sign_in(app, b, scope, grant).await;
    let res = exchange(app, &query(&location)["code"], VERIFIER).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Signs `user` in with `client` at any server — a `TestApp` or a `gatehouse
/// serve` process; `url` turns a path into its URL: authorize → login →
/// consent (granting `grant`) when the server asks; the code.
pub async fn code_at(
    url: impl Fn(&str) -> String,
    client: &str,
    scope: &str,
    user: (&str, &str),
    grant: &[&str],
) -> String {
    let b = browser();
    let html = page(&b, &url(&authorize_path("acme", client, scope, ""))).await;
    let res = log_in(&b, &url("/t/acme/login"), &html, user).await;
    let res = if res.status() == 302 {
        res
    } else {
        let consent = res.text().await.unwrap();
        allow(&b, &url("/t/acme/consent"), &consent, grant).await
    };
    assert_eq!(res.status(), 302);
    let location = location_of(&res);
    assert!(location.starts_with(CB), "{location}");
    query(&location)["code"].clone()
}

/// [`code_at`] then [`redeem_at`] against `app`: `user` signs in with
/// `client`, granting `grant` if asked; the token response.
pub async fn user_signed_in_with(
    app: &TestApp,
    client: (&str, &str),
    scope: &str,
    user: (&str, &str),
    grant: &[&str],
) -> Value {
    let url = |p: &str| app.url(p);
    let code = code_at(url, client.0, scope, user, grant).await;
    redeem_at(url, client, &code).await
}

/// Redeems `code` for `client` at any server; the token response.
pub async fn redeem_at(url: impl Fn(&str) -> String, client: (&str, &str), code: &str) -> Value {
    let res = reqwest::Client::new()
        .post(url("/t/acme/token"))
        .basic_auth(client.0, Some(client.1))
        .form(&code_form(code, VERIFIER))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The token request that redeems `code` (redirected to [`CB`]).
pub fn code_form<'a>(code: &'a str, verifier: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CB),
        ("code_verifier", verifier),
    ]
}

/// `client` redeems `code` at tenant `acme`.
pub async fn exchange_as(
    app: &TestApp,
    client: (&str, &str),
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    post_form(
        app,
        "/t/acme/token",
        Some(client),
        &code_form(code, verifier),
    )
    .await
}

pub async fn exchange(app: &TestApp, code: &str, verifier: &str) -> reqwest::Response {
    exchange_as(app, WEB, code, verifier).await
}

async fn acme_at(clock: Arc<dyn gatehouse::clock::Clock>) -> TestApp {
    spawn_app_at(|_| {}, Some(&yaml("acme")), clock).await
}

/// The sign-in tenant `acme` on a server that reads the system clock.
async fn acme() -> TestApp {
    acme_at(Arc::new(SystemClock)).await
}

#[actix_web::test]
async fn the_code_flow_respects_the_scopes_the_user_ticked() {
    let app = acme().await;
    let b = browser();
    let location = sign_in(
        &app,
        &b,
        "openid profile email offline_access notes:read",
        &["profile", "offline_access", "notes:read"],
    )
    .await;
    assert!(location.starts_with(CB), "{location}");
    let q = query(&location);
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], "http://127.0.0.1:8080/t/acme");
    let res = exchange(&app, &q["code"], VERIFIER).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(
        tokens["scope"], "notes:read offline_access openid profile",
        "email was unticked"
    );
    assert!(tokens["refresh_token"].is_string());
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["iss"], "http://127.0.0.1:8080/t/acme");
    assert_eq!(id["aud"], "web");
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["amr"], json!(["pwd"]));
    for c in ["sub", "exp", "iat", "auth_time", "at_hash", "sid", "acr"] {
        assert!(id.get(c).is_some(), "ID token lacks {c}: {id}");
    }
    // RFC 7519 NumericDate as whole seconds: integers, never 1.7e9 floats.
    for c in ["exp", "iat", "auth_time"] {
        assert!(id[c].is_i64(), "{c} is not an integer: {id}");
    }
    // Userinfo: profile claims, no email (not granted).
    let access = tokens["access_token"].as_str().unwrap();
    let res = app.get_bearer("/t/acme/userinfo", access).await;
    assert_eq!(res.status(), 200);
    let info: Value = res.json().await.unwrap();
    assert_eq!(info["sub"], id["sub"]);
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["name"], "Alice Liddell");
    assert!(info.get("email").is_none(), "{info}");
    // The access token carries the user and the granted scopes.
    let body = introspect(&app, "acme", RS, access).await;
    assert_eq!(body["sub"], id["sub"]);
    assert_eq!(body["scope"], "notes:read offline_access openid profile");
    // ...and how the user signed in, as the ID token says it.
    assert_eq!(body["amr"], json!(["pwd"]));
    assert_eq!(body["acr"], "urn:gatehouse:acr:password");
    // A client's own token was no sign-in: neither.
    let own = crate::tokens::client_token(&app, "acme", RS, Some("notes:read")).await;
    let body = introspect(&app, "acme", RS, &own).await;
    assert_eq!(body["active"], true);
    assert!(
        body.get("amr").is_none() && body.get("acr").is_none(),
        "{body}"
    );

    // Consent is remembered: a second authorization skips the consent page.
    let res = authorize(&app, &b, "web", "openid notes:read", "").await;
    assert_eq!(res.status(), 302);
    assert!(query(&location_of(&res)).contains_key("code"));
    // ...unless the client asks again (prompt=consent) or wants more.
    let res = authorize(&app, &b, "web", "openid notes:read", "&prompt=consent").await;
    assert_eq!(res.status(), 200);
    let res = authorize(&app, &b, "web", "openid email", "").await;
    assert_eq!(res.status(), 200, "email was never granted");
    let res = authorize(&app, &b, "web", "openid email", "&prompt=none").await;
    assert_eq!(query(&location_of(&res))["error"], "consent_required");
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = acme().await;
    let scope = "openid offline_access notes:read";
    let tokens = signed_in_tokens(&app, &browser(), scope, &["offline_access", "notes:read"]).await;
    let r1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let res = refresh(&app, WEB, &r1).await;
    assert_eq!(res.status(), 200);
    let t2: Value = res.json().await.unwrap();
    let r2 = t2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    // Narrowing on refresh is allowed, widening is not.
    let res = post_form(
        &app,
        "/t/acme/token",
        Some(WEB),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &r2),
            ("scope", "openid profile"),
        ],
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope");
    // r1 again: reuse. The family is revoked, so r2 dies too.
    let res = refresh(&app, WEB, &r1).await;
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "the refresh token was already used; its family has been revoked"})
    );
    let res = refresh(&app, WEB, &r2).await;
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "the refresh token has been revoked"})
    );
}

#[actix_web::test]
async fn revoking_a_refresh_token_revokes_its_family() {
    let app = acme().await;
    let b = browser();
    let tokens = signed_in_tokens(&app, &b, "openid offline_access", &["offline_access"]).await;
    let r1 = tokens["refresh_token"].as_str().unwrap();
    let res = post_form(
        &app,
        "/t/acme/revoke",
        Some(WEB),
        &[("token", r1), ("token_type_hint", "refresh_token")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = refresh(&app, WEB, r1).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[actix_web::test]
async fn codes_are_single_use_bound_and_short_lived() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = acme_at(clock.clone()).await;
    let b = browser();
    let location = sign_in(
        &app,
        &b,
        "openid offline_access notes:read",
        &["offline_access", "notes:read"],
    )
    .await;
    let code = query(&location)["code"].clone();
    // Wrong verifier: refused (and the code is spent).
    let res = exchange(
        &app,
        &code,
        "wrong-verifier-wrong-verifier-wrong-verifier-x",
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "code_verifier does not match the code_challenge"})
    );
    // A fresh code: redirect mismatch, then a good exchange, then a replay.
    let res = authorize(&app, &b, "web", "openid offline_access notes:read", "").await;
    let code = query(&location_of(&res))["code"].clone();
    let res = post_form(
        &app,
        "/t/acme/token",
        Some(WEB),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error_description"],
        "redirect_uri does not match the authorization request"
    );
    let res = authorize(&app, &b, "web", "openid offline_access notes:read", "").await;
    let code = query(&location_of(&res))["code"].clone();
    let first: Value = exchange(&app, &code, VERIFIER).await.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, "acme", RS, access).await["active"], true);
    let replay = exchange(&app, &code, VERIFIER).await;
    assert_eq!(
        replay.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "the code was already used"})
    );
    // RFC 6749 §4.1.2: what the first redemption issued is revoked.
    assert_eq!(
        introspect(&app, "acme", RS, access).await,
        json!({"active": false})
    );
    let res = refresh(&app, WEB, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // Expired: codes live 60 seconds.
    let res = authorize(&app, &b, "web", "openid", "").await;
    let code = query(&location_of(&res))["code"].clone();
    clock.advance(chrono::Duration::seconds(61));
    let res = exchange(&app, &code, VERIFIER).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error_description"],
        "the code has expired"
    );
}

#[actix_web::test]
async fn bad_authorization_requests() {
    let app = acme().await;
    let b = browser();
    // Untrusted redirect: a page, never a redirect.
    let res = b
        .get(
            app.url(
                &authorize_path("acme", "web", "openid", "")
                    .replace(&urlencode(CB), &urlencode("http://127.0.0.1:3000/evil")),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_page(
        res,
        400,
        "The redirect_uri is not registered for this client.",
    )
    .await;
    let res = b
        .get(app.url("/t/acme/authorize?response_type=code&client_id=nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Trusted redirect: errors go back to the client.
    let no_pkce = format!(
        "/t/acme/authorize?response_type=code&client_id=web&redirect_uri={}&scope=openid&state=s",
        urlencode(CB)
    );
    let res = b.get(app.url(&no_pkce)).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let q = query(&location_of(&res));
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(
        q["error_description"],
        "code_challenge is required (PKCE, RFC 7636)"
    );
    assert_eq!(q["state"], "s");
    let plain = authorize_path("acme", "web", "openid", "")
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let q = redirect_query(&b, &app.url(&plain)).await;
    assert_eq!(q["error_description"], "code_challenge_method must be S256");
    let token = authorize_path("acme", "web", "openid", "")
        .replace("response_type=code", "response_type=token");
    let q = redirect_query(&b, &app.url(&token)).await;
    assert_eq!(q["error"], "unsupported_response_type");
    let wide = authorize_path("acme", "web", "openid admin", "");
    let q = redirect_query(&b, &app.url(&wide)).await;
    assert_eq!(q["error"], "invalid_scope");
    let none = authorize_path("acme", "web", "openid", "&prompt=none");
    let q = redirect_query(&b, &app.url(&none)).await;
    assert_eq!(q["error"], "login_required");
    // Unknown parameters are ignored (RFC 6749 §3.1).
    let res = authorize(&app, &b, "web", "openid", "&foo=bar").await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn login_and_consent_forms_need_their_csrf_token() {
    let app = acme().await;
    let b = browser();
    let html = authorize(&app, &b, "web", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    let login_url = app.url("/t/acme/login");
    let request = field(&html, "request");
    let without_csrf = [
        ("request", request.as_str()),
        ("username", "alice"),
        ("password", "alice-password-1"),
    ];
    let res = submit(&b, &login_url, &without_csrf).await;
    assert_page(res, 403, "The form expired").await;
    let forged = "x".repeat(43);
    let with_forged_csrf = [&[("csrf", forged.as_str())][..], &without_csrf].concat();
    let res = submit(&b, &login_url, &with_forged_csrf).await;
    assert_eq!(res.status(), 403);
    // Wrong password: the login page again, with a message, 401.
    let res = login(&app, &b, &html, "wrong-password").await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(page.contains("The username or password is wrong."));
    // The username stays filled in; the password does not.
    assert!(
        page.contains(r#"name="username" autocomplete="username" required value="alice""#),
        "{page}"
    );
    assert!(!page.contains("wrong-password"));
    assert_eq!(res_headers_ok(&app, &b).await, ());
}

async fn res_headers_ok(app: &TestApp, b: &reqwest::Client) {
    let res = authorize(app, b, "web", "openid", "").await;
    let h = res.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    let cookies: Vec<&str> = h
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies.is_empty()
            || cookies
                .iter()
                .all(|c| c.contains("HttpOnly") && c.contains("Path=/t/acme")),
        "{cookies:?}"
    );
}

#[actix_web::test]
async fn a_session_of_tenant_a_is_not_a_session_at_tenant_b() {
    let app = crate::helpers::spawn_app_with(|_| {}, None).await;
    app.write_tenant("a.yaml", &yaml("acme"));
    app.write_tenant("b.yaml", &yaml("other"));
    crate::cli::apply_tenants(&app);
    let b = browser();
    let res = login_from(
        &app,
        &b,
        &app.url(&authorize_path("acme", "web", "openid", "")),
    )
    .await;
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("gh_session="))
        .expect("a session cookie");
    assert!(session.contains("Path=/t/acme"), "{session}");
    let value = session
        .trim_start_matches("gh_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // Present A's session cookie to B by hand: B does not know it.
    let authorize_at_b = async |extra: &str| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url(&authorize_path("other", "web", "openid", extra)))
            .header("cookie", format!("gh_session={value}"))
            .send()
            .await
            .unwrap()
    };
    let res = authorize_at_b("").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text().await.unwrap().contains("Sign in to Acme"),
        "B shows its login page"
    );
    let res = authorize_at_b("&prompt=none").await;
    assert_eq!(query(&location_of(&res))["error"], "login_required");
}

/// `b` confirms the logout page `html` as client web, asking to be sent to
/// `redirect_uri`, with the `extra` fields.
async fn confirm_logout(
    app: &TestApp,
    b: &reqwest::Client,
    html: &str,
    redirect_uri: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = field(html, "csrf");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("client_id", "web"),
        ("post_logout_redirect_uri", redirect_uri),
    ];
    form.extend_from_slice(extra);
    submit(b, &app.url("/t/acme/logout"), &form).await
}

#[actix_web::test]
async fn first_party_clients_skip_consent_and_logout_ends_the_session() {
    let app = acme().await;
    let b = browser();
    let path = authorize_path("acme", "trusted", "openid profile", "");
    let res = login_from(&app, &b, &app.url(&path)).await;
    assert_eq!(
        res.status(),
        302,
        "no consent page for a first-party client"
    );
    // Signed in: the next request goes straight through.
    assert_eq!(b.get(app.url(&path)).send().await.unwrap().status(), 302);
    // Logout without a hint asks first; the POST signs out.
    let res = b.get(app.url("/t/acme/logout")).send().await.unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign out of Acme?"));
    let bye = "http://127.0.0.1:3000/bye";
    let res = confirm_logout(&app, &b, &html, bye, &[("state", "s9")]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "http://127.0.0.1:3000/bye?state=s9"
    );
    assert_eq!(
        b.get(app.url(&path)).send().await.unwrap().status(),
        200,
        "signed out: the login page"
    );
    let res = b
        .get(app.url(
            "/t/acme/logout?client_id=web&post_logout_redirect_uri=http%3A%2F%2Fevil.example%2F",
        ))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    let res = confirm_logout(&app, &b, &html, "http://evil.example/", &[]).await;
    assert_eq!(res.status(), 400, "unregistered post-logout redirect");
}

#[actix_web::test]
async fn the_implicit_flow_is_opt_in_public_only_and_short_lived() {
    let app = acme().await;
    let meta: Value = app
        .get_json("/t/acme/.well-known/openid-configuration")
        .await;
    assert_eq!(
        meta["response_types_supported"],
        json!(["code", "token"]),
        "a client opted in"
    );
    let b = browser();
    let path = format!(
        "/t/acme/authorize?response_type=token&client_id=legacy&redirect_uri={}&scope=openid%20notes%3Aread&state=st-9",
        urlencode(CB)
    );
    let res = login_from(&app, &b, &app.url(&path)).await;
    assert_eq!(res.status(), 302);
    let location = location_of(&res);
    let (base, fragment) = location
        .split_once('#')
        .expect("the token is in the fragment");
    assert_eq!(base, CB);
    let f: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(f["token_type"], "Bearer");
    assert_eq!(
        f["expires_in"], "600",
        "implicit tokens live at most 10 minutes"
    );
    assert_eq!(f["state"], "st-9");
    assert!(!f.contains_key("refresh_token"));
    assert_eq!(
        introspect(&app, "acme", RS, &f["access_token"]).await["active"],
        true
    );
    // offline_access cannot travel through the front channel.
    let res = b
        .get(app.url(&path.replace("openid%20notes%3Aread", "openid%20offline_access")))
        .send()
        .await
        .unwrap();
    let location = location_of(&res);
    assert!(location.contains("#error=invalid_scope"), "{location}");
    // A client that did not opt in gets unsupported_response_type, in the query.
    let res = b
        .get(app.url(&path.replace("client_id=legacy", "client_id=web")))
        .send()
        .await
        .unwrap();
    let q = query(&location_of(&res));
    assert_eq!(q["error"], "unsupported_response_type");
}

#[actix_web::test]
async fn a_grace_period_lets_a_concurrent_refresh_through_without_revoking() {
    let app = acme().await;
    let path = authorize_path("acme", "grace", "openid offline_access", "");
    let res = login_from(&app, &browser(), &app.url(&path)).await;
    let code = query(&location_of(&res))["code"].clone();
    let grace = ("grace", "grace-secret-0123456789abcdef");
    let res = exchange_as(&app, grace, &code, VERIFIER).await;
    let r1 = res.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r2 = refresh(&app, grace, &r1)
        .await
        .json::<Value>()
        .await
        .unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = refresh(&app, grace, &r1).await;
    assert_eq!(again.status(), 200, "within the grace period");
    assert_eq!(
        refresh(&app, grace, &r2).await.status(),
        200,
        "the family was not revoked"
    );
}

/// Signs alice in with the first-party client `trusted` (no consent page);
/// the token response.
async fn trusted_tokens(app: &TestApp) -> Value {
    let trusted = ("trusted", "trusted-secret-0123456789");
    user_signed_in_with(app, trusted, "openid", ("alice", "alice-password-1"), &[]).await
}

/// The ID token's algorithm, checked against the published key of its kid.
async fn id_token_alg(app: &TestApp, id_token: &str) -> String {
    let header = josekit::jwt::decode_header(id_token).unwrap();
    let alg = header.claim("alg").unwrap().as_str().unwrap().to_owned();
    let kid = header.claim("kid").unwrap().as_str().unwrap().to_owned();
    let jwks: Value = app.get_json("/t/acme/jwks").await;
    let set = josekit::jwk::JwkSet::from_bytes(jwks.to_string().as_bytes()).unwrap();
    let jwk = set
        .get(&kid)
        .into_iter()
        .next()
        .expect("the kid is published");
    assert_eq!(jwk.algorithm(), Some(alg.as_str()));
    let verifier: Box<dyn josekit::jws::JwsVerifier> = match alg.as_str() {
        "RS256" => Box::new(josekit::jws::RS256.verifier_from_jwk(jwk).unwrap()),
        "ES256" => Box::new(josekit::jws::ES256.verifier_from_jwk(jwk).unwrap()),
        "EdDSA" => Box::new(josekit::jws::EdDSA.verifier_from_jwk(jwk).unwrap()),
        other => panic!("unexpected alg {other}"),
    };
    josekit::jwt::decode_with_verifier(id_token, verifier.as_ref()).unwrap();
    alg
}

#[actix_web::test]
async fn id_tokens_are_rs256_unless_the_client_or_the_tenant_chooses_another() {
    let yaml = yaml("acme").replace(
        "  - client_id: trusted\n",
        "  - client_id: trusted\n    id_token_signed_response_alg: EdDSA\n",
    );
    let app = spawn_app_at(|_| {}, Some(&yaml), Arc::new(SystemClock)).await;
    let web = signed_in_tokens(&app, &browser(), "openid", &["openid"]).await;
    assert_eq!(
        id_token_alg(&app, web["id_token"].as_str().unwrap()).await,
        "RS256"
    );
    let trusted = trusted_tokens(&app).await;
    assert_eq!(
        id_token_alg(&app, trusted["id_token"].as_str().unwrap()).await,
        "EdDSA"
    );

    // The tenant's default for clients that name none.
    let es = yaml.replace("name: Acme\n", "name: Acme\nid_token_signing_alg: ES256\n");
    let path = app.write_tenant("acme.yaml", &es);
    crate::tenants_apply::apply(&app, &path).unwrap();
    let mut alg = String::new();
    for _ in 0..100 {
        let web = signed_in_tokens(&app, &browser(), "openid", &["openid"]).await;
        alg = id_token_alg(&app, web["id_token"].as_str().unwrap()).await;
        if alg == "ES256" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        alg, "ES256",
        "the applied default reaches the running server"
    );

    // Anything else is refused with its line.
    let bad = yaml.replace("name: Acme\n", "name: Acme\nid_token_signing_alg: HS256\n");
    let err = crate::tenants_apply::refusal(&app, "acme.yaml", &bad);
    assert!(
        err.ends_with(
            "acme.yaml:3: id_token_signing_alg must be ES256, RS256 or EdDSA, not \"HS256\""
        ),
        "{err}"
    );
}

/// An RFC 9068 JWT access token says how the user signed in, as the ID
/// token does (§2.2.1 `amr`, `acr`), and introspection reads it back.
#[actix_web::test]
async fn jwt_access_tokens_say_how_the_user_signed_in() {
    let jwt_web = yaml("acme").replacen(
        "    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]\n",
        "    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]\n    access_token_format: jwt\n",
        1,
    );
    let app = crate::helpers::spawn_app_with(|_| {}, Some(&jwt_web)).await;
    let b = browser();
    let tokens = signed_in_tokens(&app, &b, "openid notes:read", &["notes:read"]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let payload = claims(access);
    assert_eq!(payload["amr"], json!(["pwd"]));
    assert_eq!(payload["acr"], "urn:gatehouse:acr:password");
    let body = introspect(&app, "acme", RS, access).await;
    assert_eq!(
        (&body["amr"], &body["acr"]),
        (&json!(["pwd"]), &json!("urn:gatehouse:acr:password"))
    );
}
