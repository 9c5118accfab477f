//! Recovery codes: ten, shown once, each signing in once in place of the
//! authenticator app; a new set kills the old one; they go when the last
//! other factor goes; only a user with another factor gets them.

use crate::helpers::{TestApp, jwt_claims, location_of};
use crate::signin::{VERIFIER, browser, exchange, field, log_in, page, query, submit};
use crate::totp::{
    ALICE, WRONG, account_signed_in, acme, assert_refused, mid_step_clock, password_step,
    send_code, set_up_totp,
};
use chrono::Duration;
use gatehouse::clock::Clock;
use gatehouse::mfa::totp::code_at;

/// The codes a recovery page lists.
fn codes_in(html: &str) -> Vec<String> {
    let list = &html[html.find(r#"id="recovery-codes""#).expect("the codes")..];
    let list = &list[..list.find("</ol>").unwrap()];
    list.split("<code>")
        .skip(1)
        .map(|c| c[..c.find("</code>").unwrap()].to_owned())
        .collect()
}

/// `b` (signed in on the account page) creates a new set: the codes.
async fn new_codes(app: &TestApp, b: &reqwest::Client) -> Vec<String> {
    let account = page(b, &app.url("/t/acme/account")).await;
    let res = submit(
        b,
        &app.url("/t/acme/account/recovery"),
        &[("csrf", &field(&account, "csrf"))],
    )
    .await;
    assert_eq!(res.status(), 200);
    let codes = codes_in(&res.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    codes
}

/// `b` signs in afresh, switches to a recovery code and sends `code`.
async fn recovery_sign_in(app: &TestApp, b: &reqwest::Client, code: &str) -> reqwest::Response {
    let html = password_step(app, b).await;
    assert!(
        html.contains("Lost your phone? Use a recovery code"),
        "{html}"
    );
    let form = [
        ("csrf", field(&html, "csrf")),
        ("request", field(&html, "request")),
        ("pending", field(&html, "pending")),
        ("kind", field(&html, "kind")),
        ("switch", "recovery".to_owned()),
    ];
    let res = b
        .post(app.url("/t/acme/login/mfa"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter one of your recovery codes."), "{html}");
    assert!(
        html.contains("Use your authenticator app instead"),
        "{html}"
    );
    send_code(app, b, &html, code).await
}

/// [`recovery_sign_in`] in a browser of its own.
async fn with_recovery_code(app: &TestApp, code: &str) -> reqwest::Response {
    recovery_sign_in(app, &browser(), code).await
}

#[actix_web::test]
async fn recovery_codes_are_shown_once_and_each_signs_in_once() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    // Without another factor there are none to make.
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    assert!(!account.contains("Recovery codes"), "{account}");
    let res = submit(
        &b,
        &app.url("/t/acme/account/recovery"),
        &[("csrf", &field(&account, "csrf"))],
    )
    .await;
    assert_eq!(location_of(&res), "/t/acme/account");
    let user = app.acme_user_id("alice");
    assert!(
        app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user))
            .is_empty()
    );

    let secret = set_up_totp(&app, &clock).await;
    let account = page(&b, &app.url("/t/acme/account")).await;
    assert!(account.contains("You have none yet."), "{account}");
    // Changing factors needs a session signed in with one.
    let b = crate::totp::account_with_code(&app, &clock, &secret).await;
    let codes = new_codes(&app, &b).await;
    let account = page(&b, &app.url("/t/acme/account")).await;
    assert!(
        account.contains("10 of 10 recovery codes left."),
        "{account}"
    );
    // Stored as hashes only.
    let stored: Vec<String> = app.in_acme(|c, _| {
        use diesel::prelude::*;
        use gatehouse::store::schema::recovery_codes::dsl::*;
        Ok(recovery_codes.select(code_sha256).load::<String>(c)?)
    });
    assert_eq!(stored.len(), 10);
    for code in &codes {
        assert!(!stored.iter().any(|h| h.contains(&code.replace('-', ""))));
    }

    // Typed loosely: lower case, spaces for dashes.
    let typed = codes[0].to_lowercase().replace('-', " ");
    let res = with_recovery_code(&app, &typed).await;
    assert_eq!(res.status(), 200, "the consent page");
    let consent = res.text().await.unwrap();
    assert!(
        consent.contains("wants to access your Acme account"),
        "{consent}"
    );
    // Once only.
    assert_refused(with_recovery_code(&app, &codes[0]).await, WRONG).await;
    assert_refused(with_recovery_code(&app, "ABCD-EFGH-JKLM-NPQR").await, WRONG).await;
    let res = with_recovery_code(&app, &codes[1]).await;
    assert_eq!(res.status(), 200);
    let account = page(&b, &app.url("/t/acme/account")).await;
    assert!(
        account.contains("8 of 10 recovery codes left."),
        "{account}"
    );
    let audit = app.in_acme(gatehouse::store::audit::list);
    let mut used: Vec<&str> = audit
        .iter()
        .filter(|e| e.action == "mfa.recovery.used")
        .map(|e| e.detail.as_str())
        .collect();
    used.sort();
    assert_eq!(used, [r#"{"left":8}"#, r#"{"left":9}"#]);

    // A new set: the old codes stop working.
    let fresh = new_codes(&app, &b).await;
    assert_refused(with_recovery_code(&app, &codes[2]).await, WRONG).await;
    assert_eq!(with_recovery_code(&app, &fresh[0]).await.status(), 200);
}

#[actix_web::test]
async fn a_recovery_code_sign_in_says_otp_and_mfa_and_the_codes_go_with_the_last_factor() {
    let clock = mid_step_clock();
    let app = acme(clock.clone()).await;
    let secret = set_up_totp(&app, &clock).await;
    // The account page asks for the app's code too now.
    clock.advance(Duration::seconds(30));
    let b = browser();
    let login = page(&b, &app.url("/t/acme/account")).await;
    let res = log_in(&b, &app.url("/t/acme/login"), &login, ALICE).await;
    let html = res.text().await.unwrap();
    let res = send_code(
        &app,
        &b,
        &html,
        &code_at(&secret, clock.now().timestamp() as u64),
    )
    .await;
    assert_eq!(location_of(&res), "/t/acme/account");
    let codes = new_codes(&app, &b).await;

    let other = browser();
    let consent = recovery_sign_in(&app, &other, &codes[3])
        .await
        .text()
        .await
        .unwrap();
    let res = crate::signin::allow(&other, &app.url("/t/acme/consent"), &consent, &[]).await;
    let location = location_of(&res);
    let tokens: serde_json::Value = exchange(&app, &query(&location)["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], "urn:gatehouse:acr:mfa");

    // Removing the authenticator app removes the recovery codes too.
    let account = page(&b, &app.url("/t/acme/account")).await;
    let form = [
        ("csrf", field(&account, "csrf")),
        ("factor", field(&account, "factor")),
    ];
    let res = b
        .post(app.url("/t/acme/account/factors/remove"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(location_of(&res), "/t/acme/account?done=factor-removed");
    let user = app.acme_user_id("alice");
    assert!(
        app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user))
            .is_empty()
    );
    let left: i64 = app.in_acme(|c, _| {
        use diesel::prelude::*;
        use gatehouse::store::schema::recovery_codes::dsl::*;
        Ok(recovery_codes.count().get_result(c)?)
    });
    assert_eq!(left, 0);
    let account = page(&b, &app.url("/t/acme/account")).await;
    assert!(!account.contains("Recovery codes"), "{account}");
}
