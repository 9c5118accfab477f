//! Narrowing blocks are bounded before they run (`verify::limits`): a token
//! whose appended blocks are over the limits is inactive at introspection,
//! `invalid_token` at userinfo and the user API, unresolved at AuthZEN, and
//! refused by the offline verifier; a batch of evaluations over its budget is
//! refused whole.

use crate::authzen::{PEP, SVC, ask, evaluations};
use crate::helpers::append;
use crate::helpers::{TestApp, spawn_app_with};
use crate::signin::{WEB, browser, signed_in_tokens};
use crate::tokens::{client_token, introspect};
use gatehouse::verify::{Request, Verifier, VerifyError};
use serde_json::{Value, json};

fn facts(n: usize) -> String {
    (0..n).map(|i| format!("n({i});")).collect()
}

/// The reported token: ten facts and a six-way join. This one passes at
/// its first binding, so without the limits it would be active.
fn six_way_join() -> String {
    format!(
        "{} check if n($a), n($b), n($c), n($d), n($e), n($f), $a + $b + $c + $d + $e + $f >= 0;",
        facts(10)
    )
}

/// Within the shape limits, over the cost budget: 32^4 bindings.
fn four_way_join() -> String {
    format!(
        "{} check if n($a), n($b), n($c), n($d), $a + $b + $c + $d >= 0;",
        facts(32)
    )
}

const FINE: &str = "check if time($t), $t < 2099-01-01T00:00:00Z;";

async fn alice_token(app: &TestApp) -> String {
    let grant = ["openid", "profile", "notes:read"];
    let body = signed_in_tokens(app, &browser(), "openid profile notes:read", &grant).await;
    body["access_token"].as_str().unwrap().to_owned()
}

async fn userinfo(app: &TestApp, token: &str) -> (u16, String) {
    let res = app.get_bearer("/t/acme/userinfo", token).await;
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), challenge)
}

#[actix_web::test]
async fn a_token_over_the_limits_is_inactive_and_invalid_everywhere() {
    let app = spawn_app_with(|_| {}, Some(&crate::signin::yaml("acme"))).await;
    let token = alice_token(&app).await;
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let verifier = Verifier::from_keys_document("acme", &keys).unwrap();
    let user = app.acme_user_id("alice");

    // A narrowing within the limits still works: the assertions below can fail.
    let fine = append(&token, &keys, FINE);
    assert_eq!(introspect(&app, "acme", WEB, &fine).await["active"], true);
    assert_eq!(userinfo(&app, &fine).await.0, 200);
    let res = app
        .get_bearer(&format!("/t/acme/api/users/{user}"), &fine)
        .await;
    assert_eq!(res.status(), 200);

    for (name, block) in [("shape", six_way_join()), ("cost", four_way_join())] {
        let over = append(&token, &keys, &block);
        assert_eq!(
            introspect(&app, "acme", WEB, &over).await,
            json!({"active": false}),
            "{name}"
        );
        assert_eq!(
            userinfo(&app, &over).await,
            (
                401,
                r#"Bearer error="invalid_token", error_description="the access token is not valid for userinfo""#
                    .to_owned()
            ),
            "{name}"
        );
        let res = app
            .get_bearer(&format!("/t/acme/api/users/{user}"), &over)
            .await;
        assert_eq!(res.status(), 401, "{name}");
        assert!(matches!(
            verifier.verify(&over, &Request::scope("notes:read")),
            Err(VerifyError::OverLimits(_))
        ));
    }
    let over = append(&token, &keys, &six_way_join());
    assert_eq!(
        verifier.verify(&over, &Request::scope("notes:read")),
        Err(VerifyError::OverLimits(
            "block 1: a query with more than 4 predicates".into()
        ))
    );
    // The server is still answering in time for everyone else.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

/// A server with the AuthZEN tests' tenant: it, PEP's token, SVC's token (the
/// subject to narrow), both for notes:read, and the biscuit-keys document.
async fn authzen_acme() -> (TestApp, String, String, Value) {
    let app = spawn_app_with(|_| {}, Some(&crate::authzen::yaml("acme"))).await;
    let pep = client_token(&app, "acme", PEP, Some("notes:read")).await;
    let subject = client_token(&app, "acme", SVC, Some("notes:read")).await;
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    (app, pep, subject, keys)
}

#[actix_web::test]
async fn authzen_refuses_a_token_over_the_limits_and_a_batch_over_its_budget() {
    let (app, pep, subject, keys) = authzen_acme().await;

    let over = append(&subject, &keys, &four_way_join());
    let (status, body) =
        crate::authzen::evaluate(&app, "acme", Some(&pep), ask(&over, "notes:read", "n1")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"decision": false, "context": {"reason": "subject_unresolved"}})
    );

    // Each evaluation of this token is cheap, a thousand of them are not.
    let narrowed = append(
        &subject,
        &keys,
        "check if resource($r), $r.starts_with(\"n\"); check if time($t), $t < 2099-01-01T00:00:00Z;",
    );
    let batch = |n: usize| {
        let items: Vec<Value> = (0..n)
            .map(|i| json!({"resource": {"type": "note", "id": format!("n{i}")}}))
            .collect();
        json!({
            "subject": {"type": "token", "id": narrowed},
            "action": {"name": "notes:read"},
            "evaluations": items,
        })
    };
    let (status, body) = evaluations(&app, &pep, batch(100)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["evaluations"].as_array().unwrap().len(), 100);
    assert!(
        body["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["decision"] == true),
        "{body}"
    );
    let (status, body) = evaluations(&app, &pep, batch(1000)).await;
    assert_eq!(status, 400, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("deciding this batch's narrowed subject tokens would cost ")
            && detail.ends_with("(at most 800000); send fewer evaluations per request"),
        "{detail}"
    );
}

#[actix_web::test]
async fn an_authzen_batch_names_at_most_four_narrowed_subject_tokens() {
    let (app, pep, subject, keys) = authzen_acme().await;
    let batch = |n: usize| {
        let items: Vec<Value> = (0..n)
            .map(|i| {
                let t = append(
                    &subject,
                    &keys,
                    &format!("check if time($t), $t > 2000-01-01T00:00:{i:02}Z;"),
                );
                json!({"subject": {"type": "token", "id": t}})
            })
            .collect();
        json!({
            "action": {"name": "notes:read"},
            "resource": {"type": "note", "id": "n1"},
            "evaluations": items,
        })
    };
    let (status, body) = evaluations(&app, &pep, batch(4)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = evaluations(&app, &pep, batch(5)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "this batch names 5 different narrowed subject tokens (at most 4); send fewer per request"
    );
}
