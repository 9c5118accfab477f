//! The authenticator app (TOTP, RFC 6238) as a second factor, over plain
//! HTTP: set up on the account page from the key the page shows, asked for
//! after the password, once per code, one step either side, locked after
//! five wrong codes; amr/acr in the ID token say what happened.

use crate::helpers::{TestApp, jwt_claims, location_of, spawn_app_at};
use crate::signin::{
    VERIFIER, authorize, browser, exchange, field, log_in, page, query, submit, yaml,
};
use chrono::Duration;
use gatehouse::clock::{Clock, ManualClock};
use gatehouse::mfa::base32;
use gatehouse::mfa::totp::{TotpSecret, code_at};
use std::sync::Arc;

pub const ALICE: (&str, &str) = ("alice", "alice-password-1");

pub async fn acme(clock: Arc<ManualClock>) -> TestApp {
    spawn_app_at(|_| {}, Some(&yaml("acme")), clock).await
}

/// A clock in the middle of a 30-second step, so that "now" and "a step
/// later" are never the same step by accident.
pub fn mid_step_clock() -> Arc<ManualClock> {
    let now = chrono::Utc::now().timestamp();
    let start = now - now % 30 + 15;
    Arc::new(ManualClock::new(
        chrono::DateTime::from_timestamp(start, 0).unwrap(),
    ))
}

fn unix(clock: &ManualClock) -> u64 {
    clock.now().timestamp() as u64
}

/// The secret of the `otpauth://` URI the set-up page shows.
fn secret_in(html: &str) -> (String, TotpSecret) {
    let start = html.find("otpauth://").expect("an otpauth URI on the page");
    let end = start + html[start..].find('<').unwrap();
    let uri = html[start..end].replace("&amp;", "&");
    let secret = query(&uri.replacen("otpauth://totp/", "http://totp/", 1))["secret"].clone();
    let bytes = base32::decode(&secret).expect("base32 secret");
    (uri, TotpSecret::from_bytes(bytes))
}

/// `b` signs alice in on the account page (she has no second factor yet).
pub async fn account_signed_in(app: &TestApp, b: &reqwest::Client) -> String {
    let html = page(b, &app.url("/t/acme/account")).await;
    assert!(html.contains("to open your account"), "{html}");
    let res = log_in(b, &app.url("/t/acme/login"), &html, ALICE).await;
    assert_eq!(res.status(), 302);
    assert_eq!(location_of(&res), "/t/acme/account");
    page(b, &app.url("/t/acme/account")).await
}

/// Sets up alice's authenticator app through the account page: the secret,
/// confirmed with its code at the clock's time.
pub async fn set_up_totp(app: &TestApp, clock: &ManualClock) -> TotpSecret {
    let b = browser();
    let account = account_signed_in(app, &b).await;
    let csrf = field(&account, "csrf");
    let res = submit(&b, &app.url("/t/acme/account/totp"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 200);
    let setup = res.text().await.unwrap();
    let (_, secret) = secret_in(&setup);
    let code = code_at(&secret, unix(clock));
    let form = [
        ("csrf", csrf.as_str()),
        ("factor", &field(&setup, "factor")),
        ("code", &code),
    ];
    let res = submit(&b, &app.url("/t/acme/account/totp/confirm"), &form).await;
    assert_eq!(res.status(), 302);
    assert_eq!(location_of(&res), "/t/acme/account?done=totp-added");
    secret
}

/// `b` starts the code flow of `web` and posts alice's password: the
/// second-factor page.
/// A browser signed in on the account page with alice's password and her
/// app's code, a step after the last one used.
pub async fn account_with_code(
    app: &TestApp,
    clock: &ManualClock,
    secret: &TotpSecret,
) -> reqwest::Client {
    clock.advance(Duration::seconds(30));
    let b = browser();
    let login = page(&b, &app.url("/t/acme/account")).await;
    let res = log_in(&b, &app.url("/t/acme/login"), &login, ALICE).await;
    let html = res.text().await.unwrap();
    let res = send_code(app, &b, &html, &code_at(secret, unix(clock))).await;
    assert_eq!(location_of(&res), "/t/acme/account");
    b
}

pub async fn password_step(app: &TestApp, b: &reqwest::Client) -> String {
    let html = authorize(app, b, "web", "openid notes:read", "")
        .await
        .text()
        .await
        .unwrap();
    let res = log_in(b, &app.url("/t/acme/login"), &html, ALICE).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.cookies().all(|c| c.name() != "gh_session"),
        "no session before the second factor"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("Two-step sign-in"), "{html}");
    assert!(html.contains(r#"autocomplete="one-time-code""#), "{html}");
    html
}

/// Posts `code` on the second-factor page `html`.
pub async fn send_code(
    app: &TestApp,
    b: &reqwest::Client,
    html: &str,
    code: &str,
) -> reqwest::Response {
    let form = [
        ("csrf", field(html, "csrf")),
        ("request", field(html, "request")),
        ("pending", field(html, "pending")),
        ("kind", field(html, "kind")),
        ("code", code.to_owned()),
    ];
    b.post(app.url("/t/acme/login/mfa"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub const WRONG: &str = "That code is wrong or was already used.";

pub async fn assert_refused(res: reqwest::Response, text: &str) -> String {
    assert_eq!(res.status(), 401);
    let html = res.text().await.unwrap();
    assert!(html.contains(text), "{html}");
    assert!(html.contains(r#"role="alert""#), "{html}");
    html
}

#[actix_web::test]
async fn the_account_page_sets_up_an_authenticator_app_from_a_qr_code() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    assert!(
        account.contains(r#"<dd id="profile-username">alice</dd>"#),
        "{account}"
    );
    assert!(account.contains(r#"id="factors-none""#), "{account}");
    let csrf = field(&account, "csrf");
    // Without the CSRF token nothing starts.
    let res = submit(&b, &app.url("/t/acme/account/totp"), &[("csrf", "forged")]).await;
    assert_eq!(res.status(), 403);
    let res = submit(&b, &app.url("/t/acme/account/totp"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 200);
    let setup = res.text().await.unwrap();
    let (uri, secret) = secret_in(&setup);
    assert!(
        uri.starts_with("otpauth://totp/Acme:alice?secret=")
            && uri.ends_with("&issuer=Acme&algorithm=SHA1&digits=6&period=30"),
        "{uri}"
    );
    assert_eq!(secret.expose().len(), 20, "160-bit secret");
    assert!(setup.contains(r#"<svg class="qr" role="img" aria-label="QR code of the key for your authenticator app""#), "{setup}");
    // The key as text, in groups of four.
    let key: String = secret
        .base32()
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        setup.contains(&format!(r#"<code id="totp-key">{key}</code>"#)),
        "{setup}"
    );
    // The secret is sealed at rest, and nothing counts before a first code.
    let user = app.acme_user_id("alice");
    let rows = app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user));
    assert_eq!(rows.len(), 1);
    let sealed = rows[0].secret_sealed.clone().unwrap();
    assert!(sealed.starts_with("v2:"), "{sealed}");
    assert!(!sealed.contains(&secret.base32()[..8]));
    assert_eq!(rows[0].confirmed_at, None);
    let factor = field(&setup, "factor");
    // A wrong first code shows the page again with the same key.
    let wrong = [
        ("csrf", csrf.as_str()),
        ("factor", &factor),
        ("code", "000000"),
    ];
    let res = submit(&b, &app.url("/t/acme/account/totp/confirm"), &wrong).await;
    assert_eq!(res.status(), 400);
    let again = res.text().await.unwrap();
    assert!(again.contains("That code is wrong."), "{again}");
    assert_eq!(secret_in(&again).0, uri);
    let code = code_at(&secret, unix(&clock));
    let right = [
        ("csrf", csrf.as_str()),
        ("factor", &factor),
        ("code", &code),
    ];
    let res = submit(&b, &app.url("/t/acme/account/totp/confirm"), &right).await;
    assert_eq!(res.status(), 302);
    let account = page(&b, &app.url(&location_of(&res))).await;
    assert!(account.contains("The authenticator app is on"), "{account}");
    assert!(
        account.contains("<strong>Authenticator app</strong>"),
        "{account}"
    );
    assert!(
        !account.contains("Set up an authenticator app"),
        "one app per user: {account}"
    );
    let audit = app.in_acme(gatehouse::store::audit::list);
    assert!(
        audit
            .iter()
            .any(|e| e.action == "mfa.factor.added" && e.actor == user)
    );
    // Removing it needs a session signed in with it (OWASP ASVS 3.7.1):
    // this one predates the app, so the app's code is asked for first, and
    // the step-up is added to the same session.
    let form = [("csrf", csrf.as_str()), ("factor", &factor)];
    let res = submit(&b, &app.url("/t/acme/account/factors/remove"), &form).await;
    assert_eq!(res.status(), 200);
    let step_up = res.text().await.unwrap();
    assert!(step_up.contains("Two-step sign-in"), "{step_up}");
    let rows = app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user));
    assert!(rows[0].confirmed_at.is_some(), "not removed yet");
    clock.advance(Duration::seconds(30));
    let res = send_code(&app, &b, &step_up, &code_at(&secret, unix(&clock))).await;
    assert_eq!(location_of(&res), "/t/acme/account");
    assert!(
        res.cookies().all(|c| c.name() != "gh_session"),
        "the same session"
    );
    // Removing it: the sign-in asks for the password only again.
    let res = submit(&b, &app.url("/t/acme/account/factors/remove"), &form).await;
    assert_eq!(location_of(&res), "/t/acme/account?done=factor-removed");
    let account = page(&b, &app.url("/t/acme/account")).await;
    assert!(account.contains(r#"id="factors-none""#), "{account}");
    let b2 = browser();
    let html = authorize(&app, &b2, "web", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    let res = log_in(&b2, &app.url("/t/acme/login"), &html, ALICE).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("wants to access your Acme account")
    );
}

#[actix_web::test]
async fn sign_in_asks_for_the_code_and_the_id_token_says_mfa() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    let secret = set_up_totp(&app, &clock).await;
    let b = browser();
    let html = password_step(&app, &b).await;
    // The code that confirmed the app was used: its step is spent.
    let html = assert_refused(
        send_code(&app, &b, &html, &code_at(&secret, unix(&clock))).await,
        WRONG,
    )
    .await;
    clock.advance(Duration::seconds(30));
    let code = code_at(&secret, unix(&clock));
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let res = send_code(&app, &b, &html, &spaced).await;
    assert_eq!(res.status(), 200, "the consent page");
    assert!(res.cookies().any(|c| c.name() == "gh_session"));
    let consent = res.text().await.unwrap();
    let res =
        crate::signin::allow(&b, &app.url("/t/acme/consent"), &consent, &["notes:read"]).await;
    let location = location_of(&res);
    let tokens: serde_json::Value = exchange(&app, &query(&location)["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], "urn:gatehouse:acr:mfa");
    // The access token carries it too: introspection and the offline
    // verifier say how the user signed in.
    let access = tokens["access_token"].as_str().unwrap();
    let info = crate::tokens::introspect(&app, "acme", crate::signin::WEB, access).await;
    assert_eq!(info["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(info["acr"], "urn:gatehouse:acr:mfa");
    // auth_time is when the password was checked.
    assert_eq!(id["auth_time"], clock.now().timestamp() - 30);
    // The same code again, in another sign-in: refused.
    let b2 = browser();
    let html = password_step(&app, &b2).await;
    assert_refused(send_code(&app, &b2, &html, &code).await, WRONG).await;
    let meta = app
        .get_json("/t/acme/.well-known/openid-configuration")
        .await;
    assert_eq!(
        meta["acr_values_supported"],
        serde_json::json!(["urn:gatehouse:acr:password", "urn:gatehouse:acr:mfa"])
    );
}

#[actix_web::test]
async fn one_step_of_drift_either_way_is_accepted_two_are_not() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    let secret = set_up_totp(&app, &clock).await;
    // Each try is a fresh step later, so that no step is spent by the last.
    for (offset, accepted) in [
        (-60i64, false),
        (60, false),
        (-30, true),
        (0, true),
        (30, true),
    ] {
        clock.advance(Duration::seconds(90));
        let b = browser();
        let html = password_step(&app, &b).await;
        let code = code_at(&secret, (unix(&clock) as i64 + offset) as u64);
        let res = send_code(&app, &b, &html, &code).await;
        let status = res.status().as_u16();
        assert_eq!(
            status == 200,
            accepted,
            "offset {offset}s answered {status}"
        );
        if !accepted {
            assert_refused(res, WRONG).await;
        }
    }
}

#[actix_web::test]
async fn five_wrong_codes_lock_the_factor_for_a_while_shared_through_the_database() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    let secret = set_up_totp(&app, &clock).await;
    clock.advance(Duration::seconds(30));
    let b = browser();
    let mut html = password_step(&app, &b).await;
    for _ in 0..4 {
        html = assert_refused(send_code(&app, &b, &html, "123456").await, WRONG).await;
    }
    let locked = "Too many wrong codes.";
    html = assert_refused(send_code(&app, &b, &html, "654321").await, locked).await;
    // Locked: even the right code is not looked at, in any browser.
    let right = code_at(&secret, unix(&clock));
    html = assert_refused(send_code(&app, &b, &html, &right).await, locked).await;
    let user = app.acme_user_id("alice");
    let audit = app.in_acme(gatehouse::store::audit::list);
    let lock = audit
        .iter()
        .find(|e| e.action == "mfa.factor.locked")
        .expect("audited");
    assert_eq!(lock.actor, user);
    let detail: serde_json::Value = serde_json::from_str(&lock.detail).unwrap();
    assert_eq!(detail["failures"], 5);
    assert_eq!(detail["locked_seconds"], 60);
    assert!(!lock.detail.contains(&right));
    // A minute later the lock is over and the next step's code works.
    clock.advance(Duration::seconds(61));
    let res = send_code(&app, &b, &html, &code_at(&secret, unix(&clock))).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn a_pending_sign_in_works_only_in_its_own_browser_and_for_five_minutes() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    let secret = set_up_totp(&app, &clock).await;
    clock.advance(Duration::seconds(30));
    let b = browser();
    let html = password_step(&app, &b).await;
    // Another browser with its own CSRF cookie cannot finish it.
    let other = browser();
    let theirs = authorize(&app, &other, "web", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    let form = [
        ("csrf", field(&theirs, "csrf")),
        ("request", field(&html, "request")),
        ("pending", field(&html, "pending")),
        ("kind", "totp".to_owned()),
        ("code", code_at(&secret, unix(&clock))),
    ];
    let res = other
        .post(app.url("/t/acme/login/mfa"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let again = res.text().await.unwrap();
    assert!(again.contains("Please sign in again."), "{again}");
    assert!(again.contains(r#"name="password""#), "{again}");
    // Five minutes later, neither can this one.
    clock.advance(Duration::seconds(301));
    let res = send_code(&app, &b, &html, &code_at(&secret, unix(&clock))).await;
    let again = res.text().await.unwrap();
    assert!(again.contains("Please sign in again."), "{again}");
}
