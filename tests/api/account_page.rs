//! The account page's sessions, apps and password: signing out everywhere
//! else ends the other sessions and their refresh tokens; withdrawing an
//! app's consent revokes its refresh tokens in the same transaction;
//! changing the password needs the current one and ends the other sessions.

use crate::helpers::{TestApp, location_of, spawn_app_with};
use crate::signin::{WEB, browser, field, page, signed_in_tokens, submit};
use crate::tokens::refresh;
use crate::totp::account_signed_in;

async fn acme() -> TestApp {
    spawn_app_with(|_| {}, Some(&crate::signin::yaml("acme"))).await
}

/// A refresh token of `web` for alice, from a sign-in in a browser of its own.
async fn web_refresh_token(app: &TestApp) -> (reqwest::Client, String) {
    let b = browser();
    let tokens = signed_in_tokens(
        app,
        &b,
        "openid notes:read offline_access",
        &["notes:read", "offline_access"],
    )
    .await;
    (b, tokens["refresh_token"].as_str().unwrap().to_owned())
}

async fn refresh_error(app: &TestApp, token: &str) -> (u16, String) {
    let res = refresh(app, WEB, token).await;
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[actix_web::test]
async fn signing_out_everywhere_else_ends_the_other_sessions_and_their_refresh_tokens() {
    let app = acme().await;
    let (other, token) = web_refresh_token(&app).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    let user = app.acme_user_id("alice");
    let live = app.in_acme(|c, t| {
        gatehouse::store::sessions::live_of_user(c, t, &user, chrono::Utc::now().naive_utc())
    });
    assert_eq!(live.len(), 2, "{live:?}");
    assert_eq!(account.matches("Signed in 20").count(), 2, "{account}");
    assert!(account.contains("this browser"), "{account}");
    let res = submit(
        &b,
        &app.url("/t/acme/account/sessions/others"),
        &[("csrf", &field(&account, "csrf"))],
    )
    .await;
    assert_eq!(location_of(&res), "/t/acme/account?done=signed-out-others");
    let account = page(&b, &app.url(&location_of(&res))).await;
    assert!(
        account.contains("You are signed out everywhere else."),
        "{account}"
    );
    assert_eq!(account.matches("Signed in 20").count(), 1, "{account}");
    assert!(
        !account.contains("Sign out everywhere else"),
        "nothing else to end: {account}"
    );
    assert_eq!(
        refresh_error(&app, &token).await,
        (400, "invalid_grant".into())
    );
    // The other browser must sign in again.
    let html = crate::signin::authorize(&app, &other, "web", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"name="password""#), "{html}");
    let audit = app.in_acme(gatehouse::store::audit::list);
    let e = audit
        .iter()
        .find(|e| e.action == "sessions.signed_out_others")
        .unwrap();
    assert_eq!(e.detail, r#"{"ended":1}"#);
}

#[actix_web::test]
async fn withdrawing_an_apps_consent_revokes_its_refresh_tokens() {
    let app = acme().await;
    let (_, token) = web_refresh_token(&app).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    assert!(account.contains("<strong>Notes Web</strong>"), "{account}");
    assert!(account.contains("Read your notes"), "{account}");
    let form = [
        ("csrf", field(&account, "csrf")),
        ("client", "web".to_owned()),
    ];
    let res = b
        .post(app.url("/t/acme/account/apps/withdraw"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(location_of(&res), "/t/acme/account?done=app-removed");
    let account = page(&b, &app.url(&location_of(&res))).await;
    assert!(
        account.contains("You have not allowed any app"),
        "{account}"
    );
    assert_eq!(
        refresh_error(&app, &token).await,
        (400, "invalid_grant".into())
    );
    // The app asks again.
    let res = crate::signin::authorize(&app, &b, "web", "openid notes:read", "").await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Notes Web wants to access your Acme account")
    );
    let audit = app.in_acme(gatehouse::store::audit::list);
    let e = audit
        .iter()
        .find(|e| e.action == "consent.withdrawn")
        .unwrap();
    assert_eq!(
        (e.target.as_str(), e.detail.as_str()),
        ("web", r#"{"refresh_families_revoked":1}"#)
    );
}

#[actix_web::test]
async fn a_new_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = acme().await;
    let (_, token) = web_refresh_token(&app).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    let csrf = field(&account, "csrf");
    let change = |current: &'static str, new: &'static str| {
        let (b, app, csrf) = (b.clone(), &app, csrf.clone());
        async move {
            let form = [("csrf", csrf.as_str()), ("current", current), ("new", new)];
            b.post(app.url("/t/acme/account/password"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    for (current, new, says) in [
        (
            "not-her-password",
            "a-new-long-password",
            "The current password is wrong.",
        ),
        (
            "alice-password-1",
            "short",
            "The new password must be at least",
        ),
        (
            "alice-password-1",
            "alice@example.com",
            "must not be your username or email address",
        ),
    ] {
        let res = change(current, new).await;
        assert_eq!(res.status(), 400, "{new}");
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{says}: {html}");
        assert!(
            html.contains(r#"id="password-error" role="alert""#),
            "{html}"
        );
        assert!(
            !html.contains(&format!(r#"value="{new}""#)),
            "the typed password is not shown back"
        );
    }
    let res = change("alice-password-1", "a-new-long-password").await;
    assert_eq!(location_of(&res), "/t/acme/account?done=password-changed");
    assert_eq!(
        refresh_error(&app, &token).await,
        (400, "invalid_grant".into())
    );
    // This browser stays signed in; the old password no longer works.
    let account = page(&b, &app.url(&location_of(&res))).await;
    assert!(account.contains("Your password is changed"), "{account}");
    let fresh = browser();
    let login = page(&fresh, &app.url("/t/acme/account")).await;
    let res = crate::signin::log_in(
        &fresh,
        &app.url("/t/acme/login"),
        &login,
        ("alice", "alice-password-1"),
    )
    .await;
    assert_eq!(res.status(), 401);
    let login = page(&fresh, &app.url("/t/acme/account")).await;
    let res = crate::signin::log_in(
        &fresh,
        &app.url("/t/acme/login"),
        &login,
        ("alice", "a-new-long-password"),
    )
    .await;
    assert_eq!(location_of(&res), "/t/acme/account");
    let audit = app.in_acme(gatehouse::store::audit::list);
    let e = audit
        .iter()
        .find(|e| e.action == "user.password_changed")
        .unwrap();
    assert!(!e.detail.contains("a-new-long-password"));
}
