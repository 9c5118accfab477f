//! One-time codes by mail: turned on from the account page by a first code,
//! asked for at sign-in (sent when the page is shown, "Send another code"),
//! single use, ten minutes, at most three alive, kept only as a keyed hash;
//! through the file transport and through a real SMTP server process; a
//! send that fails is said on the page, never a 500.

use crate::helpers::{TestApp, jwt_claims, location_of, spawn_app_at};
use crate::mail::Sink;
use crate::signin::{VERIFIER, allow, browser, exchange, field, page, query, submit, yaml};
use crate::totp::{
    ALICE, WRONG, account_signed_in, assert_refused, mid_step_clock, password_step, send_code,
};
use chrono::Duration;
use gatehouse::clock::ManualClock;
use std::sync::Arc;

async fn acme_mailing(
    clock: Arc<ManualClock>,
    tweak: impl FnOnce(&mut gatehouse::config::Config),
) -> TestApp {
    spawn_app_at(tweak, Some(&yaml("acme")), clock).await
}

/// The messages the file transport wrote, oldest first.
fn mails(app: &TestApp) -> Vec<String> {
    let dir = app.config.mail.file_dir.clone();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The code in a message.
fn code_in(mail: &str) -> String {
    let at = mail.find("sign-in code is ").expect("a code in the mail") + 16;
    mail[at..at + 6].to_owned()
}

/// Turns alice's codes by email on, through the account page: the page
/// after the first code.
async fn turn_on(
    app: &TestApp,
    b: &reqwest::Client,
    mut latest_code: impl FnMut() -> String,
) -> String {
    let account = account_signed_in(app, b).await;
    assert!(
        account.contains("Email me codes when I sign in"),
        "{account}"
    );
    let csrf = field(&account, "csrf");
    let res = submit(b, &app.url("/t/acme/account/email"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("We emailed a code to a•••e@example.com."),
        "{html}"
    );
    let factor = field(&html, "factor");
    let wrong = [
        ("csrf", csrf.as_str()),
        ("factor", &factor),
        ("code", "000000"),
    ];
    let res = submit(b, &app.url("/t/acme/account/code/confirm"), &wrong).await;
    assert_eq!(res.status(), 400);
    let right = [
        ("csrf", csrf.as_str()),
        ("factor", &factor),
        ("code", &latest_code()),
    ];
    let res = submit(b, &app.url("/t/acme/account/code/confirm"), &right).await;
    assert_eq!(location_of(&res), "/t/acme/account?done=email-added");
    page(b, &app.url("/t/acme/account")).await
}

#[actix_web::test]
async fn codes_by_email_through_the_file_transport() {
    let clock = mid_step_clock();
    let app = acme_mailing(clock.clone(), |_| {}).await;
    let b = browser();
    let account = turn_on(&app, &b, || code_in(mails(&app).last().unwrap())).await;
    assert!(
        account.contains("<strong>Codes by email</strong>"),
        "{account}"
    );
    let first = mails(&app).remove(0);
    assert!(first.contains("To: alice@example.com\r\n"), "{first}");
    assert!(
        first.contains("Subject: Acme: your sign-in code\r\n"),
        "{first}"
    );
    // Kept only as a keyed hash.
    let code = code_in(&first);
    let stored: Vec<String> = app.in_acme(|c, _| {
        use diesel::prelude::*;
        use gatehouse::store::schema::mfa_codes::dsl::*;
        Ok(mfa_codes.select(code_hmac).load::<String>(c)?)
    });
    assert!(!stored.is_empty() && stored.iter().all(|h| h.len() == 64 && !h.contains(&code)));

    // At sign-in the code is mailed as the page is shown.
    let before = mails(&app).len();
    let b = browser();
    let html = password_step(&app, &b).await;
    assert!(
        html.contains("We emailed a code to a•••e@example.com. Enter it here."),
        "{html}"
    );
    assert_eq!(mails(&app).len(), before + 1);
    let code = code_in(mails(&app).last().unwrap());
    let html = assert_refused(send_code(&app, &b, &html, "999999").await, WRONG).await;
    let res = send_code(&app, &b, &html, &code).await;
    assert_eq!(res.status(), 200, "the consent page");
    let consent = res.text().await.unwrap();
    let res = allow(&b, &app.url("/t/acme/consent"), &consent, &[]).await;
    let tokens: serde_json::Value = exchange(&app, &query(&location_of(&res))["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    // Once only.
    let b = browser();
    let html = password_step(&app, &b).await;
    assert_refused(send_code(&app, &b, &html, &code).await, WRONG).await;
}

#[actix_web::test]
async fn a_code_lives_ten_minutes_and_at_most_three_are_alive() {
    let clock = mid_step_clock();
    let app = acme_mailing(clock.clone(), |_| {}).await;
    let b = browser();
    turn_on(&app, &b, || code_in(mails(&app).last().unwrap())).await;
    let b = browser();
    password_step(&app, &b).await;
    let old = code_in(mails(&app).last().unwrap());
    // Ten minutes later (a new sign-in: the old one's forms expired too).
    clock.advance(Duration::minutes(10) + Duration::seconds(1));
    let b = browser();
    let html = password_step(&app, &b).await;
    let html = assert_refused(send_code(&app, &b, &html, &old).await, WRONG).await;
    // "Send another code", until three are alive.
    let resend = |html: String| {
        let b = b.clone();
        let app = &app;
        async move {
            let form = [
                ("csrf", field(&html, "csrf")),
                ("request", field(&html, "request")),
                ("pending", field(&html, "pending")),
                ("kind", field(&html, "kind")),
                ("switch", "email".to_owned()),
            ];
            let res = b
                .post(app.url("/t/acme/login/mfa"))
                .form(&form)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    assert!(html.contains("Send another code"), "{html}");
    // One is alive (this sign-in's); two more may be sent.
    let mut html = html;
    for _ in 0..2 {
        let (status, next) = resend(html).await;
        assert_eq!(status, 200);
        assert!(next.contains("We emailed a code to"), "{next}");
        html = next;
    }
    let sent = mails(&app).len();
    let (status, next) = resend(html).await;
    assert_eq!(status, 401, "the form again, with the reason");
    assert!(
        next.contains("Several codes were sent in the last few minutes."),
        "{next}"
    );
    assert_eq!(mails(&app).len(), sent, "no fourth mail");
    // Any live one works.
    let middle = code_in(&mails(&app)[sent - 2]);
    assert_eq!(send_code(&app, &b, &next, &middle).await.status(), 200);
}

#[actix_web::test]
async fn codes_by_email_through_a_real_smtp_server_and_a_failed_send_is_said() {
    let mut sink = Sink::start(&[]);
    let port = sink.port;
    let clock = mid_step_clock();
    let app = acme_mailing(clock.clone(), move |c| {
        c.mail.transport = gatehouse::config::MailTransport::Smtp;
        c.mail.smtp.url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let b = browser();
    let mut last = String::new();
    let account = turn_on(&app, &b, || {
        let got = sink.received();
        assert_eq!(got["to"], serde_json::json!(["alice@example.com"]));
        code_in(got["data"].as_str().unwrap())
    })
    .await;
    assert!(
        account.contains("<strong>Codes by email</strong>"),
        "{account}"
    );
    let b = browser();
    let html = password_step(&app, &b).await;
    last.push_str(&code_in(sink.received()["data"].as_str().unwrap()));
    assert_eq!(send_code(&app, &b, &html, &last).await.status(), 200);

    // The mail server goes away: the page says so, in the page's status.
    drop(sink);
    let b = browser();
    let login = crate::signin::authorize(&app, &b, "web", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    let res = crate::signin::log_in(&b, &app.url("/t/acme/login"), &login, ALICE).await;
    assert_eq!(res.status(), 401);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("We could not send the email just now."),
        "{html}"
    );
    assert!(html.contains(r#"role="alert""#), "{html}");
    // The code that was not sent is not kept.
    let alive: i64 = app.in_acme(|c, _| {
        use diesel::prelude::*;
        use gatehouse::store::schema::mfa_codes::dsl::*;
        Ok(mfa_codes.filter(used_at.is_null()).count().get_result(c)?)
    });
    assert_eq!(alive, 0);
}
