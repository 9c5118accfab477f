//! Accessibility in a real headless Chromium. axe-core (the npm package;
//! scripts/test.sh installs it under target/ci-tools/axe) finds no WCAG 2.0 /
//! 2.1 A or AA violation on the login page (also with its error), the consent
//! page, an error page, the sign-out confirmation and the signed-out page, in
//! English and Russian, in light and in dark mode; and a person signs in with
//! the keyboard alone.
//! Each page's screenshot, per scheme, is saved under `target/screenshots/`.

use crate::browser::{Driver, chromedriver, chromium, landed_on, poll};
use crate::helpers::spawn_app_real_url_with;
use crate::signin::{CB, authorize_path, yaml};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use gatehouse::clock::SystemClock;
use gatehouse::i18n::{Locale, Text};
use std::path::PathBuf;
use std::sync::Arc;

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="14" fill="#7a1f5c"/><path d="M16 48h32L32 16z" fill="#fff"/></svg>"##;

/// The sign-in tenant with everything branding adds to a page: a logo, a
/// colour, the tenant's links in the footer, and the client's on consent.
fn branded_yaml() -> String {
    yaml("acme")
        .replacen(
            "name: Acme\n",
            "name: Acme\nbranding:\n  display_name: Acme Notes\n  logo: logo.svg\n  primary_color: \"#7a1f5c\"\n  support_url: mailto:help@acme.example\n  terms_url: https://acme.example/terms\n  privacy_url: https://acme.example/privacy\n",
            1,
        )
        .replacen(
            "    name: Notes Web\n",
            "    name: Notes Web\n    client_uri: https://notes.example/\n    policy_uri: https://notes.example/privacy\n    tos_uri: https://notes.example/terms\n",
            1,
        )
}

pub fn axe_source() -> String {
    let path = std::env::var_os("GATEHOUSE_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/ci-tools/axe/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core at {}: {e} (scripts/test.sh installs it with npm; or set GATEHOUSE_AXE_JS)",
            path.display()
        )
    })
}

/// axe's WCAG A/AA violations on the current page, one line each.
async fn violations(c: &Client, axe: &str) -> Vec<String> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];\
         axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}}})\
         .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\
         .catch(e => done(['axe did not run: ' + e]));"
    );
    let found = c.execute_async(&script, vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

/// Where the browser tests leave screenshots: `target/screenshots/` (the
/// test runs from `target/debug/deps/`).
pub fn screenshots() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe finds nothing on the current page; its screenshot is saved.
pub async fn check(c: &Client, axe: &str, page: &str, scheme: &str) {
    let v = violations(c, axe).await;
    assert!(v.is_empty(), "{page} ({scheme}): {v:#?}");
    let name = format!(
        "{}-{}.png",
        page.replace(' ', "-"),
        scheme.replace(", ", "-")
    );
    std::fs::write(screenshots().join(name), c.screenshot().await.unwrap()).unwrap();
}

/// Types into whatever has the focus, as a keyboard would.
async fn keys(c: &Client, text: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// The pages in `lang` (`ui_locales`) and `scheme`.
async fn walk(driver: &Driver, lang: Locale, scheme: &str, extra: &[&str]) {
    let t = Text::new(lang);
    let ui = format!("&ui_locales={}", lang.tag());
    let scheme = &format!("{scheme}, {}", lang.tag());
    let app = spawn_app_real_url_with(
        |c| {
            std::fs::create_dir_all(&c.tenants.dir).unwrap();
            std::fs::write(c.tenants.dir.join("logo.svg"), LOGO).unwrap();
        },
        &branded_yaml(),
        Arc::new(SystemClock),
    )
    .await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium(driver, profile.path(), extra).await;
    let axe = axe_source();
    let body_colour = "return getComputedStyle(document.body).backgroundColor";
    let expected = if scheme.starts_with("dark") {
        "rgb(20, 22, 26)"
    } else {
        "rgb(245, 246, 248)"
    };

    let url = app.url(&authorize_path(
        "acme",
        "web",
        "openid profile notes:read",
        &ui,
    ));
    c.goto(&url).await.unwrap();
    assert_eq!(
        c.execute(body_colour, vec![]).await.unwrap(),
        expected,
        "{scheme}"
    );
    let lang_attr = c
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang_attr, lang.tag(), "{scheme}");
    // The tenant's look: its logo loaded, its colour on the main button in
    // both schemes.
    let logo = poll(
        || async {
            let js = "const i = document.querySelector('.brand-logo'); \
                      return String(i && i.complete ? i.naturalWidth : 0)";
            c.execute(js, vec![])
                .await
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        },
        |w| w != "0",
    )
    .await;
    assert_eq!(logo, "64", "{scheme}");
    let button = c
        .execute(
            "return getComputedStyle(document.querySelector('.button.primary')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(button, "rgb(122, 31, 92)", "{scheme}");
    check(&c, &axe, "login", scheme).await;
    if scheme == "light, en" {
        // The check can fail: an image without a text alternative is found.
        c.execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/nothing.png\">')",
            vec![],
        )
        .await
        .unwrap();
        let found = violations(&c, &axe).await;
        assert!(
            found.iter().any(|v| v.starts_with("image-alt: ")),
            "{found:?}"
        );
        c.refresh().await.unwrap();
    }

    // The keyboard alone: the username has the focus, Tab moves to the
    // password, Enter submits. A wrong password first: the error is announced.
    keys(&c, "alice").await;
    keys(
        &c,
        &format!(
            "{}wrong-password{}",
            char::from(Key::Tab),
            char::from(Key::Enter)
        ),
    )
    .await;
    let alert = c
        .wait()
        .for_element(Locator::Css("[role=alert]"))
        .await
        .unwrap();
    assert_eq!(alert.text().await.unwrap(), t.get("login-error-wrong"));
    let error_id = alert.attr("id").await.unwrap().unwrap();
    for field in ["#username", "#password"] {
        let input = c.find(Locator::Css(field)).await.unwrap();
        assert_eq!(
            input.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
        assert_eq!(
            input.attr("aria-describedby").await.unwrap(),
            Some(error_id.clone())
        );
    }
    check(&c, &axe, "login with an error", scheme).await;

    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    keys(
        &c,
        &format!(
            "alice{}alice-password-1{}",
            char::from(Key::Tab),
            char::from(Key::Enter)
        ),
    )
    .await;
    let allow = c
        .wait()
        .for_element(Locator::Css("button[value=allow]"))
        .await
        .unwrap();
    check(&c, &axe, "consent", scheme).await;
    allow
        .send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    let landed = landed_on(&c, CB).await;
    assert!(landed.starts_with(CB), "{scheme}: landed on {landed}");

    c.goto(&app.url(&format!(
        "/t/acme/authorize?response_type=code&client_id=nobody&ui_locales={}",
        lang.tag()
    )))
    .await
    .unwrap();
    check(&c, &axe, "error", scheme).await;

    c.goto(&app.url(&format!("/t/acme/logout?ui_locales={}", lang.tag())))
        .await
        .unwrap();
    let sign_out = c
        .wait()
        .for_element(Locator::Css("button[type=submit]"))
        .await
        .unwrap();
    check(&c, &axe, "sign-out confirmation", scheme).await;
    sign_out.click().await.unwrap();
    let signed_out = format!("{} — Acme Notes", t.get("logged-out-title"));
    let title = poll(|| async { c.title().await.unwrap() }, |t| t == signed_out).await;
    assert_eq!(title, signed_out, "{scheme}");
    check(&c, &axe, "signed out", scheme).await;
    c.close().await.unwrap();
}

#[actix_web::test]
async fn the_pages_pass_axe_in_both_languages_light_and_dark_and_sign_in_works_by_keyboard() {
    let driver = chromedriver();
    // Chromium's switch for prefers-color-scheme: dark.
    let dark = ["--blink-settings=preferredColorScheme=0"];
    for lang in Locale::ALL {
        walk(&driver, lang, "light", &[]).await;
        walk(&driver, lang, "dark", &dark).await;
    }
}
