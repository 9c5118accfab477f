//! Holder attenuation: a holder appends a Biscuit block that narrows its token
//! offline; introspection and the offline verifier honour it; nothing appended
//! can widen a token.

use crate::helpers::{TestApp, append, assert_only_note_42};
use crate::tokens::{RS, SVC, acme, client_token, introspect};
use gatehouse::verify::{Request, Verifier, VerifyError};
use serde_json::Value;

/// SVC's token for `scope` at tenant acme, the tenant's biscuit-keys document
/// and a verifier that trusts its keys.
async fn svc_token(app: &TestApp, scope: &str) -> (String, Value, Verifier) {
    let token = client_token(app, "acme", SVC, Some(scope)).await;
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let v = Verifier::from_keys_document("acme", &keys).unwrap();
    (token, keys, v)
}

#[actix_web::test]
async fn a_narrowed_token_works_for_the_narrower_use_only() {
    let acme = acme().await;
    let app = &acme.app;
    let (token, keys, v) = svc_token(app, "notes:read notes:write").await;

    // Narrow to notes:read.
    let read_only = append(
        &token,
        &keys,
        r#"check if required_scope($s), ["notes:read"].contains($s);"#,
    );
    assert!(v.verify(&read_only, &Request::scope("notes:read")).is_ok());
    assert_eq!(
        v.verify(&read_only, &Request::scope("notes:write"))
            .unwrap_err(),
        VerifyError::Denied
    );
    let body = introspect(app, "acme", RS, &read_only).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["scope"], "notes:read");

    // Narrow to one resource: fine for note-42, denied for others.
    let one_note = append(&token, &keys, r#"check if resource("note-42");"#);
    assert_only_note_42(&v, &one_note, Request::scope("notes:read"));

    // Narrow the expiry into the past: inactive everywhere.
    let expired = append(
        &token,
        &keys,
        "check if time($t), $t < 2020-01-01T00:00:00Z;",
    );
    assert_eq!(
        v.verify(&expired, &Request::scope("notes:read"))
            .unwrap_err(),
        VerifyError::Denied
    );
    assert_eq!(
        introspect(app, "acme", RS, &expired).await,
        serde_json::json!({"active": false})
    );

    // The original is untouched.
    assert!(v.verify(&token, &Request::scope("notes:write")).is_ok());
}

#[actix_web::test]
async fn nothing_appended_can_widen_a_token() {
    let acme = acme().await;
    let app = &acme.app;
    let (token, keys, v) = svc_token(app, "notes:read").await;
    for code in [
        r#"scope("admin:all"); scope("notes:write");"#,
        r#"tenant("other"); client("root");"#,
        r#"scope($s) <- required_scope($s);"#,
        "check if true;",
    ] {
        let widened = append(&token, &keys, code);
        for scope in ["admin:all", "notes:write"] {
            assert_eq!(
                v.verify(&widened, &Request::scope(scope)).unwrap_err(),
                VerifyError::Denied,
                "{code} must not grant {scope}"
            );
        }
        let body = introspect(app, "acme", RS, &widened).await;
        assert_eq!(body["scope"], "notes:read", "{code}");
        assert_eq!(body["client_id"], "svc", "{code}");
    }
}

/// The narrowing walk-through of docs/delegation.md, run against the shipped
/// demo tenant: the blocks, requests and answers are the document's.
#[actix_web::test]
async fn the_documented_narrowing_example_answers_as_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/delegation.md"))
        .unwrap();
    const BOTH: &str = r#"check if resource("note-42"); check if required_right($r), ["notes:read"].contains($r);"#;
    const READ: &str = r#"check if required_right($r), ["notes:read"].contains($r);"#;
    const DECISIONS: &str =
        r#"# {"evaluations":[{"decision":true},{"decision":false},{"decision":false}]}"#;
    const INTROSPECTED: &str = r#"# {"active":true,"rights":["notes:read"],"client_id":"demo-service","sub":"demo-service","#;
    for shown in [BOTH, READ, DECISIONS, INTROSPECTED] {
        assert!(
            doc.contains(shown),
            "docs/delegation.md no longer shows {shown}"
        );
    }
    let app = crate::helpers::spawn_app_with(
        |c| c.tenants.dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tenants").into(),
        None,
    )
    .await;
    let service = ("demo-service", "demo-service-secret-change-me");
    let gateway = ("demo-gateway", "demo-gateway-secret-change-me");
    let token = client_token(&app, "demo", service, Some("notes:read notes:write")).await;
    let keys: Value = app.get_json("/t/demo/biscuit-keys").await;

    let narrow = append(&token, &keys, BOTH);
    let res = app
        .client
        .post(app.url("/t/demo/access/v1/evaluations"))
        .basic_auth(gateway.0, Some(gateway.1))
        .json(&serde_json::json!({
            "subject": {"type": "token", "id": narrow},
            "resource": {"type": "note", "id": "note-42"},
            "evaluations": [
                {"action": {"name": "notes:read"}},
                {"action": {"name": "notes:write"}},
                {"action": {"name": "notes:read"}, "resource": {"type": "note", "id": "note-7"}}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        format!("# {body}"),
        DECISIONS,
        "the decision API answers as documented"
    );
    // Narrowed to one resource: nothing usable without request context.
    assert_eq!(
        introspect(&app, "demo", gateway, &narrow).await,
        serde_json::json!({"active": false})
    );

    let read = append(&token, &keys, READ);
    let body = introspect(&app, "demo", gateway, &read).await;
    let shown = format!("# {body}");
    assert!(
        shown.starts_with(INTROSPECTED),
        "introspection answers as documented: {shown}"
    );
}
