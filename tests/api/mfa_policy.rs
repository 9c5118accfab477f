//! The tenant's MFA policy (`mfa:` in tenant files) and step-up: a user who
//! must use a second factor and has none sets up an authenticator app right
//! after the password, before any code is issued; a client's `acr_values`
//! asks a signed-in user for their factor and adds it to the session;
//! `prompt=none` cannot; a tenant with MFA off asks for nothing.

use crate::helpers::{TestApp, jwt_claims, location_of, spawn_app_at};
use crate::signin::{
    CB, VERIFIER, allow, authorize, browser, exchange, field, log_in, page, query, yaml,
};
use crate::tenants_apply::{apply, changes, refusal};
use crate::totp::{
    ALICE, WRONG, assert_refused, mid_step_clock, password_step, send_code, set_up_totp,
};
use chrono::Duration;
use gatehouse::clock::{Clock, ManualClock};
use gatehouse::mfa::base32;
use gatehouse::mfa::totp::{TotpSecret, code_at};
use std::sync::Arc;

const MFA_ACR: &str = "urn:gatehouse:acr:mfa";

/// The sign-in tenant with `mfa` (YAML lines under `mfa:`), alice holding
/// `introspector`, and bob holding nothing.
fn with_mfa(mfa: &str) -> String {
    yaml("acme")
        .replacen("scopes:\n", &format!("mfa:\n{mfa}scopes:\n"), 1)
        .replacen(
            "    password: alice-password-1\n",
            "    password: alice-password-1\n    roles: [introspector]\n  - username: bob\n    password: bob-password-123\n",
            1,
        )
}

async fn acme_with(mfa: &str, clock: Arc<ManualClock>) -> TestApp {
    spawn_app_at(|_| {}, Some(&with_mfa(mfa)), clock).await
}

fn unix(clock: &ManualClock) -> u64 {
    clock.now().timestamp() as u64
}

/// The key on a set-up page.
fn key_on(html: &str) -> TotpSecret {
    let start = html.find(r#"<code id="totp-key">"#).expect("a key") + 20;
    let key: String = html[start..start + html[start..].find('<').unwrap()]
        .split_whitespace()
        .collect();
    TotpSecret::from_bytes(base32::decode(&key).unwrap())
}

/// Posts the sign-in's set-up form `html` with `code`.
async fn send_setup_code(
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

#[actix_web::test]
async fn a_role_that_requires_mfa_sets_up_an_app_before_any_code_is_issued() {
    let clock = mid_step_clock();
    let app = acme_with("  required_for_roles: [introspector]\n", clock.clone()).await;
    // bob holds no such role: password only.
    let b = browser();
    let html = authorize(&app, &b, "trusted", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    let res = log_in(
        &b,
        &app.url("/t/acme/login"),
        &html,
        ("bob", "bob-password-123"),
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(location_of(&res).starts_with(CB));

    // alice does: the set-up page comes straight after her password, and no
    // session exists yet.
    let b = browser();
    let html = authorize(&app, &b, "trusted", "openid", "")
        .await
        .text()
        .await
        .unwrap();
    let res = log_in(&b, &app.url("/t/acme/login"), &html, ALICE).await;
    assert_eq!(res.status(), 200);
    assert!(res.cookies().all(|c| c.name() != "gh_session"));
    let setup = res.text().await.unwrap();
    assert!(
        setup.contains("Set up an authenticator app — Acme"),
        "{setup}"
    );
    assert!(setup.contains(r#"<svg class="qr""#), "{setup}");
    assert!(setup.contains(r#"action="/t/acme/login/mfa""#), "{setup}");
    let secret = key_on(&setup);
    let res = send_setup_code(&app, &b, &setup, "000000").await;
    assert_eq!(res.status(), 401);
    let again = res.text().await.unwrap();
    assert!(
        again.contains("That code is wrong. Check that your phone"),
        "{again}"
    );
    assert_eq!(key_on(&again), secret, "the same key again");
    let res = send_setup_code(&app, &b, &again, &code_at(&secret, unix(&clock))).await;
    assert_eq!(res.status(), 302);
    let location = location_of(&res);
    assert!(location.starts_with(CB), "{location}");
    assert!(res.cookies().any(|c| c.name() == "gh_session"));
    let user = app.acme_user_id("alice");
    let rows = app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user));
    assert_eq!(rows.len(), 1);
    assert!(rows[0].confirmed_at.is_some());
    let audit = app.in_acme(gatehouse::store::audit::list);
    assert!(audit.iter().any(|e| e.action == "mfa.factor.added"));

    // From now on she is asked for the code, like anyone with an app.
    clock.advance(Duration::seconds(30));
    let b = browser();
    let html = password_step(&app, &b).await;
    let res = send_code(&app, &b, &html, &code_at(&secret, unix(&clock))).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn required_for_everyone_also_guards_the_account_page() {
    let clock = mid_step_clock();
    let app = acme_with("  policy: required\n", clock.clone()).await;
    let b = browser();
    let login = page(&b, &app.url("/t/acme/account")).await;
    let res = log_in(
        &b,
        &app.url("/t/acme/login"),
        &login,
        ("bob", "bob-password-123"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let setup = res.text().await.unwrap();
    let secret = key_on(&setup);
    let res = send_setup_code(&app, &b, &setup, &code_at(&secret, unix(&clock))).await;
    assert_eq!(location_of(&res), "/t/acme/account");
    let account = page(&b, &app.url("/t/acme/account")).await;
    assert!(
        account.contains("<strong>Authenticator app</strong>"),
        "{account}"
    );
}

#[actix_web::test]
async fn acr_values_steps_up_the_session_in_place() {
    let clock = mid_step_clock();
    let app = crate::totp::acme(clock.clone()).await;
    // A session with the password only (signed in before the app was set up).
    let b = browser();
    crate::totp::account_signed_in(&app, &b).await;
    let secret = set_up_totp(&app, &clock).await;
    clock.advance(Duration::seconds(30));
    let session_before = b_session(&app, &b).await;

    // prompt=none cannot ask for the factor.
    let extra = format!(
        "&acr_values={}&prompt=none",
        crate::signin::urlencode(MFA_ACR)
    );
    let res = authorize(&app, &b, "trusted", "openid", &extra).await;
    assert_eq!(res.status(), 302);
    let q = query(&location_of(&res));
    assert_eq!(q["error"], "interaction_required");
    assert_eq!(q["state"], "st-1");

    let extra = format!("&acr_values={}", crate::signin::urlencode(MFA_ACR));
    let res = authorize(&app, &b, "web", "openid", &extra).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Two-step sign-in"), "{html}");
    let html = assert_refused(send_code(&app, &b, &html, "111111").await, WRONG).await;
    let res = send_code(&app, &b, &html, &code_at(&secret, unix(&clock))).await;
    assert_eq!(res.status(), 200, "the consent page");
    assert!(
        res.cookies().all(|c| c.name() != "gh_session"),
        "the same session"
    );
    let consent = res.text().await.unwrap();
    let res = allow(&b, &app.url("/t/acme/consent"), &consent, &[]).await;
    let tokens: serde_json::Value = exchange(&app, &query(&location_of(&res))["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["acr"], MFA_ACR);
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["sid"], session_before, "step-up adds to the session");
    // The session has it now: no second ask.
    let res = authorize(&app, &b, "trusted", "openid", &extra).await;
    assert_eq!(res.status(), 302);
    assert!(location_of(&res).starts_with(CB));
}

/// The id of the session `b`'s cookie names (via a fresh ID token).
async fn b_session(app: &TestApp, b: &reqwest::Client) -> serde_json::Value {
    let res = authorize(app, b, "trusted", "openid", "").await;
    let q = query(&location_of(&res));
    let tokens: serde_json::Value = exchange_trusted(app, &q["code"]).await;
    jwt_claims(tokens["id_token"].as_str().unwrap())["sid"].clone()
}

async fn exchange_trusted(app: &TestApp, code: &str) -> serde_json::Value {
    crate::signin::exchange_as(
        app,
        ("trusted", "trusted-secret-0123456789"),
        code,
        VERIFIER,
    )
    .await
    .json()
    .await
    .unwrap()
}

#[actix_web::test]
async fn with_mfa_off_nothing_is_asked_and_nothing_can_be_set_up() {
    let clock = mid_step_clock();
    let app = acme_with("  policy: off\n", clock.clone()).await;
    let b = browser();
    let account = crate::totp::account_signed_in(&app, &b).await;
    assert!(!account.contains("Two-step sign-in"), "{account}");
    // The browser's CSRF token, from a page with a form.
    let form_page = crate::signin::page(&b, &app.url("/t/acme/logout")).await;
    let csrf = field(&form_page, "csrf");
    let res = crate::signin::submit(&b, &app.url("/t/acme/account/totp"), &[("csrf", &csrf)]).await;
    assert_eq!(location_of(&res), "/t/acme/account");
    let user = app.acme_user_id("alice");
    assert!(
        app.in_acme(|c, t| gatehouse::store::mfa_factors::list(c, t, &user))
            .is_empty()
    );
    // acr_values is voluntary: answered with the sign-in there is.
    let extra = format!("&acr_values={}", crate::signin::urlencode(MFA_ACR));
    let res = authorize(&app, &b, "trusted", "openid", &extra).await;
    assert_eq!(res.status(), 302);
    let tokens = exchange_trusted(&app, &query(&location_of(&res))["code"]).await;
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["acr"], "urn:gatehouse:acr:password");
}

#[actix_web::test]
async fn tenant_files_say_what_mfa_policy_they_want_and_bad_ones_are_refused_by_line() {
    let clock = mid_step_clock();
    let app = acme_with("  policy: optional\n", clock).await;
    let path = app.write_tenant(
        "acme.yaml",
        &with_mfa("  policy: required\n  methods: [totp]\n"),
    );
    let plans = apply(&app, &path).unwrap();
    let changed: Vec<String> = changes(&plans)
        .into_iter()
        .filter(|c| !c.starts_with("~ tenant declared in "))
        .collect();
    assert_eq!(
        changed,
        [r#"~ tenant mfa -> {"policy":"required","methods":["totp"]}"#]
    );
    assert!(apply(&app, &path).unwrap()[0].is_empty(), "applied once");
    for (mfa, end) in [
        (
            "  methods: [totp, webauthn]\n",
            "acme.yaml:4: mfa.methods: `webauthn` is not available in this version (available: totp, email, sms, recovery)",
        ),
        (
            "  required_for_roles: [ghost]\n",
            "acme.yaml:4: mfa.required_for_roles: `ghost` is not a role of this file",
        ),
        (
            "  policy: sometimes\n",
            "acme.yaml:4: mfa.policy must be off, optional or required, not \"sometimes\"",
        ),
        (
            "  policy: required\n  methods: [recovery]\n",
            "acme.yaml:4: mfa.methods must include totp when MFA is required: it is the factor a user sets up while signing in",
        ),
        (
            "  passwordless: true\n",
            "acme.yaml:4: mfa.passwordless: sign-in without a password needs passkeys, which this version does not have yet",
        ),
        (
            "  remember_device: true\n",
            "acme.yaml:4: Unknown field `remember_device`, expected one of `policy`, `required_for_roles`, `methods`, or `passwordless`",
        ),
    ] {
        let err = refusal(&app, "acme.yaml", &with_mfa(mfa));
        assert!(err.contains(end), "{mfa}: {err}");
    }
}
