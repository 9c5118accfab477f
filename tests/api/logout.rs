//! RP-initiated logout cannot be forced on someone else: an `id_token_hint`
//! signs the browser out at once only when it names the browser's own session;
//! any other valid ID token of the tenant — an attacker's own — gets the
//! confirmation page, and `client_id` must be one the hint was issued to.

use crate::helpers::{TestApp, assert_page, spawn_app_with};
use crate::signin::{WEB, browser, signed_in_tokens, user_signed_in_with, visit};
use crate::tokens::refresh;
use serde_json::Value;

fn yaml() -> String {
    crate::signin::yaml("acme").replace(
        "users:\n",
        "users:\n  - username: mallory\n    password: mallory-password-1\n",
    )
}

/// Signs `b` in as alice with the web client; the token response.
async fn alice(app: &TestApp, b: &reqwest::Client) -> Value {
    let grant = ["openid", "offline_access"];
    signed_in_tokens(app, b, "openid offline_access", &grant).await
}

/// Mallory's own ID token, from her own browser.
async fn mallory_id_token(app: &TestApp) -> String {
    let mallory = ("mallory", "mallory-password-1");
    user_signed_in_with(app, WEB, "openid", mallory, &["openid"]).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn refresh_status(app: &TestApp, refresh_token: &str) -> (u16, Value) {
    let res = refresh(app, WEB, refresh_token).await;
    (res.status().as_u16(), res.json().await.unwrap())
}

fn logout_path(hint: &str, extra: &str) -> String {
    format!("/t/acme/logout?id_token_hint={hint}{extra}")
}

#[actix_web::test]
async fn someone_elses_id_token_does_not_sign_the_browser_out() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let b = browser();
    let tokens = alice(&app, &b).await;
    let mut refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let evil = mallory_id_token(&app).await;

    // The attacker's link: a confirmation page, nothing ended.
    let res = visit(&b, &app.url(&logout_path(&evil, ""))).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign out of Acme?"), "{html}");
    let (status, body) = refresh_status(&app, &refresh).await;
    assert_eq!(status, 200, "{body}");
    refresh = body["refresh_token"].as_str().unwrap().to_owned();

    // Alice's own ID token from another session is not this session's either.
    let other = alice(&app, &browser()).await;
    let other_hint = other["id_token"].as_str().unwrap();
    let res = visit(&b, &app.url(&logout_path(other_hint, ""))).await;
    assert!(res.text().await.unwrap().contains("Sign out of Acme?"));
    assert_eq!(refresh_status(&app, &refresh).await.0, 200);
}

#[actix_web::test]
async fn the_sessions_own_id_token_signs_out_at_once_and_client_id_must_match() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let b = browser();
    let tokens = alice(&app, &b).await;
    let hint = tokens["id_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    // client_id must be an audience of the hint (RP-Initiated Logout §2).
    let res = visit(&b, &app.url(&logout_path(hint, "&client_id=rs"))).await;
    assert_page(res, 400, "client_id does not match the id_token_hint").await;
    let (status, body) = refresh_status(&app, refresh).await;
    assert_eq!(status, 200, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();

    let res = visit(
        &b,
        &app.url(&logout_path(
            hint,
            "&client_id=web&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fbye&state=s1",
        )),
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "http://127.0.0.1:3000/bye?state=s1"
    );
    let (status, body) = refresh_status(&app, &refresh).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}

#[actix_web::test]
async fn a_jwt_access_token_is_no_id_token_hint() {
    let yaml = yaml().replace(
        "    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]\n",
        "    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]\n    access_token_format: jwt\n",
    );
    let app = spawn_app_with(|_| {}, Some(&yaml)).await;
    let b = browser();
    let tokens = alice(&app, &b).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 3, "a JWT access token");
    let res = visit(&b, &app.url(&logout_path(access, ""))).await;
    assert!(res.text().await.unwrap().contains("Sign out of Acme?"));
    // The ID token of the same sign-in does sign out at once.
    let res = visit(
        &b,
        &app.url(&logout_path(tokens["id_token"].as_str().unwrap(), "")),
    )
    .await;
    assert_page(res, 200, "You are signed out").await;
}
