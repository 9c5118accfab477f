//! The code flow in a real headless Chromium (Debian's chromium and
//! chromium-driver, which `scripts/test.sh` installs): the login and consent
//! pages work for a person with a browser, without JavaScript of ours.

use crate::helpers::spawn_app_real_url;
use crate::signin::{CB, VERIFIER, exchange, query, yaml};
use fantoccini::{Client, ClientBuilder, Locator};
use gatehouse::clock::SystemClock;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a port it chooses and reads that port from its output.
pub fn chromedriver() -> Driver {
    let mut child = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (scripts/test.sh installs chromium-driver)");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("chromedriver printed its port")
            .unwrap();
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            break rest.trim_end_matches('.').parse::<u16>().unwrap();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Driver { child, port }
}

/// A headless Chromium session through `driver`, with a profile of its own
/// and `extra` command-line switches.
pub async fn chromium(driver: &Driver, profile: &std::path::Path, extra: &[&str]) -> Client {
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .chain(extra)
    .map(|a| (*a).to_owned())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

/// Polls `read` every 50 ms for up to 5 s until `done` accepts its value;
/// returns the last value (the page after a click may still be loading).
pub async fn poll<F, Fut>(mut read: F, done: impl Fn(&str) -> bool) -> String
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let mut last = String::new();
    for _ in 0..100 {
        last = read().await;
        if done(&last) {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    last
}

/// The URL the browser is on, once it starts with `prefix` (or the last one).
pub async fn landed_on(c: &Client, prefix: &str) -> String {
    poll(
        || async { c.current_url().await.unwrap().to_string() },
        |u| u.starts_with(prefix),
    )
    .await
}

/// Clicks the element that `css` selects.
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Types `text` into the element that `css` selects.
pub async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[actix_web::test]
async fn a_person_signs_in_and_grants_a_subset_in_chromium() {
    let app = spawn_app_real_url(&yaml("acme"), Arc::new(SystemClock)).await;
    let driver = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = chromium(&driver, profile.path(), &[]).await;

    let url = app.url(&crate::signin::authorize_path(
        "acme",
        "web",
        "openid profile email notes:read",
        "",
    ));
    c.goto(&url).await.unwrap();
    assert_eq!(c.title().await.unwrap(), "Sign in — Acme");
    // The stylesheet applies under the page's CSP (`style-src 'self'`): the
    // primary button has the design's colour, not the browser's grey.
    let background = c
        .execute(
            "return getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background, serde_json::json!("rgb(31, 95, 191)"));
    type_into(&c, "#username", "alice").await;
    type_into(&c, "#password", "alice-password-1").await;
    click(&c, "button[type=submit]").await;

    c.wait()
        .for_element(Locator::Css("#scope-email"))
        .await
        .unwrap();
    assert_eq!(c.title().await.unwrap(), "Allow access — Acme");
    // Labels are wired to their checkboxes: clicking the label unticks email.
    click(&c, "label[for=scope-email]").await;
    let email = c.find(Locator::Css("#scope-email")).await.unwrap();
    assert_eq!(
        email.prop("checked").await.unwrap().as_deref(),
        Some("false")
    );
    click(&c, "button[value=allow]").await;

    // The redirect goes to the client (nothing listens there; the URL is enough).
    let landed = landed_on(&c, CB).await;
    assert!(landed.starts_with(CB), "landed on {landed}");
    c.close().await.unwrap();

    let q = query(&landed);
    assert_eq!(q["state"], "st-1");
    let tokens: Value = exchange(&app, &q["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tokens["scope"], "notes:read openid profile",
        "email was unticked"
    );
}
