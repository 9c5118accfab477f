//! One real Chromium journey with an authenticator app: sign in on the
//! account page, set up the app from its page (the key read off the page,
//! as a person would type it into their phone), sign out, sign in again
//! with the password and the app's code. axe checks the account, set-up and
//! second-factor pages, in English (light) and Russian (dark, the browser's
//! Accept-Language); screenshots go to `target/screenshots/`.

use crate::a11y::{axe_source, check};
use crate::browser::{chromedriver, chromium, click, landed_on, poll, type_into};
use crate::helpers::spawn_app_real_url;
use crate::signin::{CB, authorize_path, yaml};
use chrono::Duration;
use fantoccini::{Client, Locator};
use gatehouse::clock::{Clock, ManualClock};
use gatehouse::i18n::{Locale, Text};
use gatehouse::mfa::base32;
use gatehouse::mfa::totp::{TotpSecret, code_at};
use std::sync::Arc;

async fn text_of(c: &Client, css: &str) -> String {
    let el = c.wait().for_element(Locator::Css(css)).await.unwrap();
    el.text().await.unwrap()
}

async fn title_becomes(c: &Client, want: &str) {
    let got = poll(|| async { c.title().await.unwrap() }, |t| t == want).await;
    assert_eq!(got, want);
}

async fn journey(lang: Locale, extra: &[&str], scheme: &str) {
    let t = Text::new(lang);
    let now = chrono::Utc::now().timestamp();
    let clock = Arc::new(ManualClock::new(
        chrono::DateTime::from_timestamp(now - now % 30 + 15, 0).unwrap(),
    ));
    let app = spawn_app_real_url(&yaml("acme"), clock.clone()).await;
    let driver = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = chromium(&driver, profile.path(), extra).await;
    let axe = axe_source();
    let titled = |key: &str| format!("{} — Acme", t.get(key));

    c.goto(&app.url("/t/acme/account")).await.unwrap();
    title_becomes(&c, &titled("login-title")).await;
    type_into(&c, "#username", "alice").await;
    type_into(&c, "#password", "alice-password-1").await;
    click(&c, "button[type=submit]").await;
    title_becomes(&c, &titled("account-title")).await;
    let lang_attr = c
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang_attr, lang.tag());
    check(&c, &axe, "account", scheme).await;

    click(&c, "button[type=submit]").await;
    title_becomes(&c, &titled("totp-title")).await;
    // The QR code is drawn (an inline SVG of some size), and the key is there as text.
    let width = c
        .execute(
            "return document.querySelector('svg.qr').getBoundingClientRect().width",
            vec![],
        )
        .await
        .unwrap();
    assert!(width.as_f64().unwrap() >= 150.0, "{width}");
    check(&c, &axe, "authenticator set-up", scheme).await;
    let key: String = text_of(&c, "#totp-key").await.split_whitespace().collect();
    let secret = TotpSecret::from_bytes(base32::decode(&key).unwrap());
    let unix = |c: &ManualClock| c.now().timestamp() as u64;
    type_into(&c, "#code", &code_at(&secret, unix(&clock))).await;
    click(&c, "button[type=submit]").await;
    let notice = text_of(&c, "#notice").await;
    assert_eq!(notice, t.get("account-notice-totp-added"));
    check(&c, &axe, "account with a factor", scheme).await;

    c.goto(&app.url("/t/acme/logout")).await.unwrap();
    click(&c, "button[type=submit]").await;
    title_becomes(&c, &titled("logged-out-title")).await;

    clock.advance(Duration::seconds(30));
    let url = app.url(&authorize_path("acme", "trusted", "openid", ""));
    c.goto(&url).await.unwrap();
    type_into(&c, "#username", "alice").await;
    type_into(&c, "#password", "alice-password-1").await;
    click(&c, "button[type=submit]").await;
    title_becomes(&c, &titled("mfa-title")).await;
    type_into(&c, "#code", "000000").await;
    click(&c, "button[type=submit]").await;
    let alert = text_of(&c, "[role=alert]").await;
    assert_eq!(alert, t.get("mfa-error-wrong"));
    let described = c
        .find(Locator::Css("#code"))
        .await
        .unwrap()
        .attr("aria-describedby")
        .await
        .unwrap();
    assert_eq!(described.as_deref(), Some("code-help mfa-error"));
    check(&c, &axe, "second factor with an error", scheme).await;
    type_into(&c, "#code", &code_at(&secret, unix(&clock))).await;
    click(&c, "button[type=submit]").await;
    // `trusted` is first-party: straight back to it with a code.
    let landed = landed_on(&c, CB).await;
    assert!(landed.starts_with(CB), "landed on {landed}");

    // Signed in with the app, the account page changes factors at once.
    c.goto(&app.url("/t/acme/account")).await.unwrap();
    title_becomes(&c, &titled("account-title")).await;
    // The other account pages: recovery codes, codes by email, a phone
    // number that is not one.
    click(&c, "form[action$='/recovery'] button").await;
    title_becomes(&c, &titled("recovery-title")).await;
    let codes = c
        .find_all(Locator::Css("#recovery-codes li"))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    check(&c, &axe, "recovery codes", scheme).await;
    c.goto(&app.url("/t/acme/account")).await.unwrap();
    click(&c, "form[action$='/email'] button").await;
    title_becomes(&c, &titled("email-title")).await;
    check(&c, &axe, "codes by email", scheme).await;
    c.goto(&app.url("/t/acme/account")).await.unwrap();
    text_of(&c, "#profile-username").await;
    c.wait().for_element(Locator::Css("#phone")).await.unwrap();
    type_into(&c, "#phone", "12345").await;
    click(&c, "form[action$='/sms'] button").await;
    title_becomes(&c, &titled("sms-title")).await;
    let alert = text_of(&c, "[role=alert]").await;
    assert_eq!(alert, t.get("account-sms-phone-invalid"));
    check(&c, &axe, "phone number with an error", scheme).await;

    c.close().await.unwrap();
}

#[actix_web::test]
async fn a_person_sets_up_an_authenticator_app_and_signs_in_with_it_in_chromium() {
    journey(Locale::En, &[], "light, en").await;
    journey(
        Locale::Ru,
        &[
            "--blink-settings=preferredColorScheme=0",
            "--accept-lang=ru",
        ],
        "dark, ru",
    )
    .await;
}
