//! One-time codes by text message: the number verified by a first code on
//! the account page and kept sealed; codes sent through the signed webhook
//! to a local HTTP receiver (the HMAC checked here from the documented
//! recipe), retried on 5xx, not on 4xx; the log sender for development.

use crate::helpers::{TestApp, jwt_claims, location_of, spawn_app_at};
use crate::signin::{VERIFIER, allow, browser, exchange, field, page, query, submit, yaml};
use crate::totp::{account_signed_in, mid_step_clock, password_step, send_code};
use gatehouse::clock::ManualClock;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec-test-0123456789";

/// One request the receiver got.
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        &self.headers.iter().find(|(k, _)| k == name).unwrap().1
    }
}

/// An HTTP receiver on a port of its own: answers each request with the
/// next of `statuses` (then 200), and hands over what it got.
fn receiver(statuses: Vec<u16>) -> (u16, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let statuses = Arc::new(Mutex::new(statuses.into_iter()));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.trim().to_lowercase(), v.trim().to_owned()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            let status = statuses.lock().unwrap().next().unwrap_or(200);
            let _ = tx.send(Received {
                headers,
                body: String::from_utf8(body).unwrap(),
            });
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (port, rx)
}

async fn acme_texting(clock: Arc<ManualClock>, port: Option<u16>) -> TestApp {
    spawn_app_at(
        move |c| {
            if let Some(port) = port {
                c.sms.sender = gatehouse::config::SmsTransport::Webhook;
                c.sms.webhook.url = Some(format!("http://127.0.0.1:{port}/sms"));
                c.sms.webhook.secret = Some(gatehouse::config::SecretString::new(SECRET));
            }
        },
        Some(&yaml("acme")),
        clock,
    )
    .await
}

/// HMAC-SHA256 of `"{timestamp}.{body}"`, hex, as docs/mfa.md tells a
/// receiver to compute it.
fn expected_signature(timestamp: &str, body: &str) -> String {
    use openssl::{hash::MessageDigest, pkey::PKey, sign::Signer};
    let key = PKey::hmac(SECRET.as_bytes()).unwrap();
    let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
    s.update(format!("{timestamp}.{body}").as_bytes()).unwrap();
    hex::encode(s.sign_to_vec().unwrap())
}

/// Checks one webhook request and returns the code it carries.
fn code_of(r: &Received) -> String {
    assert_eq!(r.header("content-type"), "application/json");
    let ts = r.header("x-gatehouse-timestamp");
    assert_eq!(
        r.header("x-gatehouse-signature"),
        format!("sha256={}", expected_signature(ts, &r.body))
    );
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["to"], "+447700900123");
    assert_eq!(json["tenant"], "acme");
    let text = json["text"].as_str().unwrap();
    assert!(
        text.ends_with(" is your Acme sign-in code. It works once, for 10 minutes."),
        "{text}"
    );
    text[..6].to_owned()
}

fn next(rx: &mpsc::Receiver<Received>) -> Received {
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("a webhook request")
}

/// Turns alice's codes by text message on: the first code's request.
async fn turn_on(app: &TestApp, b: &reqwest::Client, rx: &mpsc::Receiver<Received>) -> String {
    let account = account_signed_in(app, b).await;
    assert!(
        account.contains(r#"<input id="phone" type="tel" name="phone""#),
        "{account}"
    );
    let csrf = field(&account, "csrf");
    let res = submit(
        b,
        &app.url("/t/acme/account/sms"),
        &[("csrf", &csrf), ("phone", "07700 900123")],
    )
    .await;
    assert_eq!(res.status(), 400);
    let again = res.text().await.unwrap();
    assert!(
        again.contains("That is not a mobile number in international form."),
        "{again}"
    );
    assert!(again.contains(r#"value="07700 900123""#), "{again}");
    let res = submit(
        b,
        &app.url("/t/acme/account/sms"),
        &[("csrf", &csrf), ("phone", "+44 7700 900-123")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("We texted a code to +••••••••••23."),
        "{html}"
    );
    let code = code_of(&next(rx));
    let form = [
        ("csrf", csrf.as_str()),
        ("factor", &field(&html, "factor")),
        ("code", &code),
    ];
    let res = submit(b, &app.url("/t/acme/account/code/confirm"), &form).await;
    assert_eq!(location_of(&res), "/t/acme/account?done=sms-added");
    page(b, &app.url("/t/acme/account")).await
}

#[actix_web::test]
async fn codes_by_text_message_through_the_signed_webhook() {
    let (port, rx) = receiver(vec![]);
    let clock = mid_step_clock();
    let app = acme_texting(clock, Some(port)).await;
    let b = browser();
    let account = turn_on(&app, &b, &rx).await;
    assert!(
        account.contains("<strong>Codes by text message</strong><span>+••••••••••23</span>"),
        "{account}"
    );
    // The number is sealed at rest.
    let user = app.acme_user_id("alice");
    let rows = app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user));
    let sealed = rows[0].secret_sealed.clone().unwrap();
    assert!(
        sealed.starts_with("v2:") && !sealed.contains("7700900123"),
        "{sealed}"
    );

    let b = browser();
    let html = password_step(&app, &b).await;
    assert!(
        html.contains("We texted a code to +••••••••••23. Enter it here."),
        "{html}"
    );
    let code = code_of(&next(&rx));
    let res = send_code(&app, &b, &html, &code).await;
    assert_eq!(res.status(), 200);
    let consent = res.text().await.unwrap();
    let res = allow(&b, &app.url("/t/acme/consent"), &consent, &[]).await;
    let tokens: serde_json::Value = exchange(&app, &query(&location_of(&res))["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd", "sms", "mfa"]));
}

#[actix_web::test]
async fn the_webhook_is_retried_on_5xx_and_not_on_4xx() {
    // Two failures, then success: one code delivered after three tries.
    let (port, rx) = receiver(vec![503, 502]);
    let clock = mid_step_clock();
    let app = acme_texting(clock, Some(port)).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    let csrf = field(&account, "csrf");
    let res = submit(
        &b,
        &app.url("/t/acme/account/sms"),
        &[("csrf", &csrf), ("phone", "+447700900123")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let tries: Vec<Received> = (0..3).map(|_| next(&rx)).collect();
    assert!(
        tries.iter().all(|r| r.body == tries[0].body),
        "the same message each time"
    );
    assert!(rx.try_recv().is_err(), "three tries, no more");

    let (port, rx) = receiver(vec![400]);
    let app = acme_texting(mid_step_clock(), Some(port)).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    let csrf = field(&account, "csrf");
    let res = submit(
        &b,
        &app.url("/t/acme/account/sms"),
        &[("csrf", &csrf), ("phone", "+447700900123")],
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("We could not send"), "{html}");
    next(&rx);
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(rx.try_recv().is_err(), "a 4xx is not retried");
}

#[actix_web::test]
async fn the_log_sender_needs_no_gateway() {
    let app = acme_texting(mid_step_clock(), None).await;
    let b = browser();
    let account = account_signed_in(&app, &b).await;
    let csrf = field(&account, "csrf");
    let res = submit(
        &b,
        &app.url("/t/acme/account/sms"),
        &[("csrf", &csrf), ("phone", "+447700900123")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("We texted a code to +••••••••••23."),
        "{html}"
    );
}
