//! RFC 8693 token exchange: narrower or equal, only for the audiences a client
//! is configured for, with the actor recorded; every refusal per §2.2.2.

use crate::helpers::{TestApp, jwt_claims as jwt_payload, spawn_app_with};
use crate::tokens::{RS, RS_CLIENT, client_token, introspect, post_form};
use gatehouse::verify::{Request, Verifier, VerifyError};
use serde_json::{Value, json};

const SVC: (&str, &str) = ("svc", "svc-secret-0123456789abcdef");
const GATEWAY: (&str, &str) = ("gateway", "gateway-secret-0123456789abcdef");
const GATEWAY_JWT: (&str, &str) = ("gateway-jwt", "gwjwt-secret-0123456789abcdef");
const NO_GRANT: (&str, &str) = ("nogrant", "nogrant-secret-0123456789abcdef");
const NOTES: &str = "https://notes.example";
const TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

fn yaml() -> String {
    format!(
        r#"slug: acme
name: Acme
scopes:
  - {{ name: notes:read, description: Read notes, permissions: [notes:read] }}
  - {{ name: notes:write, description: Write notes, permissions: [notes:write] }}
roles:
  - name: introspector
    permissions: [tokens:introspect]
  - {{ name: editor, permissions: [notes:read, notes:write] }}
clients:
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read, notes:write]
    service_roles: [editor]
  - client_id: gateway
    secret: gateway-secret-0123456789abcdef
    grant_types: [client_credentials, "{GRANT}"]
    scopes: [notes:read, notes:write]
    token_exchange_audiences: ["{NOTES}"]
  - client_id: gateway-jwt
    secret: gwjwt-secret-0123456789abcdef
    grant_types: ["{GRANT}"]
    scopes: [notes:read]
    token_exchange_audiences: ["{NOTES}", "https://search.example"]
    access_token_format: jwt
  - client_id: nogrant
    secret: nogrant-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
    token_exchange_audiences: []
{RS_CLIENT}
"#
    )
}

async fn exchange(app: &TestApp, client: (&str, &str), extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![("grant_type", GRANT), ("subject_token_type", TOKEN_TYPE)];
    form.extend_from_slice(extra);
    let res = post_form(app, "/t/acme/token", Some(client), &form).await;
    let status = res.status().as_u16();
    if status == 200 {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.json().await.unwrap())
}

/// [`exchange`] of `subject` (an access token) by `client`, with `extra`.
async fn exchange_subject(
    app: &TestApp,
    client: (&str, &str),
    subject: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![("subject_token", subject)];
    form.extend_from_slice(extra);
    exchange(app, client, &form).await
}

fn error(code: &str) -> impl Fn(&(u16, Value)) -> bool + '_ {
    move |(status, body)| *status == 400 && body["error"] == code
}

#[actix_web::test]
async fn an_exchanged_token_is_narrower_and_for_its_audience() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let subject = client_token(&app, "acme", SVC, Some("notes:read notes:write")).await;
    let (status, body) = exchange_subject(
        &app,
        GATEWAY,
        &subject,
        &[("audience", NOTES), ("scope", "notes:read")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], TOKEN_TYPE);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "notes:read");
    let token = body["access_token"].as_str().unwrap();
    let facts = introspect(&app, "acme", RS, token).await;
    assert_eq!(facts["active"], true);
    assert_eq!(facts["client_id"], "gateway");
    assert_eq!(facts["scope"], "notes:read");
    assert_eq!(facts["rights"], json!(["notes:read"]));
    assert_eq!(facts["aud"], json!([NOTES]));
    assert!(facts.get("act").is_none());

    // Offline: for its audience only.
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let v = Verifier::from_keys_document("acme", &keys).unwrap();
    assert!(
        v.verify(token, &Request::scope("notes:read").audience(NOTES))
            .is_ok()
    );
    assert_eq!(
        v.verify(
            token,
            &Request::scope("notes:read").audience("https://other.example")
        )
        .unwrap_err(),
        VerifyError::Denied
    );
    assert_eq!(
        v.verify(token, &Request::scope("notes:write").audience(NOTES))
            .unwrap_err(),
        VerifyError::Denied
    );
    // Exchanging the exchanged token again cannot widen it back.
    let again = exchange_subject(
        &app,
        GATEWAY,
        token,
        &[("audience", NOTES), ("scope", "notes:read notes:write")],
    )
    .await;
    assert!(error("invalid_scope")(&again), "{again:?}");
}

#[actix_web::test]
async fn the_actor_is_recorded_as_act() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let subject = client_token(&app, "acme", SVC, Some("notes:read")).await;
    let actor = client_token(&app, "acme", GATEWAY, Some("notes:read")).await;
    let (status, body) = exchange_subject(
        &app,
        GATEWAY_JWT,
        &subject,
        &[
            ("resource", NOTES),
            ("audience", "https://search.example"),
            ("actor_token", &actor),
            ("actor_token_type", TOKEN_TYPE),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let jwt = body["access_token"].as_str().unwrap();
    let payload = jwt_payload(jwt);
    assert_eq!(payload["act"], json!({"sub": "gateway"}));
    assert_eq!(payload["aud"], json!([NOTES, "https://search.example"]));
    assert_eq!(payload["entitlements"], json!(["notes:read"]));
    let facts = introspect(&app, "acme", RS, jwt).await;
    assert_eq!(facts["act"], json!({"sub": "gateway"}));
    assert_eq!(facts["aud"], json!([NOTES, "https://search.example"]));
}

#[actix_web::test]
async fn a_chain_of_delegation_nests_act_current_actor_outermost() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let subject = client_token(&app, "acme", SVC, Some("notes:read")).await;
    let gateway = client_token(&app, "acme", GATEWAY, Some("notes:read")).await;
    let svc = client_token(&app, "acme", SVC, Some("notes:read")).await;
    let step = |client, subject: String, actor: Option<String>| {
        let app = &app;
        async move {
            let mut form = vec![("subject_token", subject), ("audience", NOTES.to_owned())];
            if let Some(a) = actor {
                form.push(("actor_token", a));
                form.push(("actor_token_type", TOKEN_TYPE.to_owned()));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = exchange(app, client, &form).await;
            assert_eq!(status, 200, "{body}");
            body["access_token"].as_str().unwrap().to_owned()
        }
    };
    // gateway acts for svc (a Biscuit) …
    let first = step(GATEWAY, subject, Some(gateway.clone())).await;
    assert_eq!(
        introspect(&app, "acme", RS, &first).await["act"],
        json!({"sub": "gateway"})
    );
    // … then svc acts on that token (a JWT): the earlier actor nests inside.
    let second = step(GATEWAY_JWT, first, Some(svc)).await;
    let two_deep = json!({"sub": "svc", "act": {"sub": "gateway"}});
    assert_eq!(jwt_payload(&second)["act"], two_deep);
    assert_eq!(introspect(&app, "acme", RS, &second).await["act"], two_deep);
    // Exchanged again without an actor token: the chain is kept as it is.
    let kept = step(GATEWAY_JWT, second.clone(), None).await;
    assert_eq!(jwt_payload(&kept)["act"], two_deep);
    // And into a Biscuit again, three deep (`actor` and `prior_actor` facts).
    let third = step(GATEWAY, second, Some(gateway)).await;
    assert_eq!(
        introspect(&app, "acme", RS, &third).await["act"],
        json!({"sub": "gateway", "act": {"sub": "svc", "act": {"sub": "gateway"}}})
    );
}

#[actix_web::test]
async fn exchanges_that_try_to_widen_or_stray_are_refused() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let read_only = client_token(&app, "acme", SVC, Some("notes:read")).await;
    let ask = |extra: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
            exchange(app, GATEWAY, &extra).await
        }
    };
    let s = || ("subject_token", read_only.clone());
    let aud = || ("audience", NOTES.to_owned());
    // Wider than the subject token.
    let r = ask(vec![s(), aud(), ("scope", "notes:write".into())]).await;
    assert!(error("invalid_scope")(&r), "{r:?}");
    // Several audiences: each must be allowed.
    let r = ask(vec![
        s(),
        aud(),
        ("audience", "https://evil.example".into()),
    ])
    .await;
    assert!(error("invalid_target")(&r), "{r:?}");
    // An audience the client is not configured for.
    let r = ask(vec![s(), ("audience", "https://evil.example".into())]).await;
    assert!(error("invalid_target")(&r), "{r:?}");
    // No audience or resource.
    let r = ask(vec![s()]).await;
    assert!(error("invalid_request")(&r), "{r:?}");
    // Not a token of this tenant.
    let r = ask(vec![("subject_token", "garbage".into()), aud()]).await;
    assert!(error("invalid_grant")(&r), "{r:?}");
    // Token types other than access tokens; actor_token without its type.
    let res = post_form(
        &app,
        "/t/acme/token",
        Some(GATEWAY),
        &[
            ("grant_type", GRANT),
            ("subject_token", &read_only),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:id_token",
            ),
            ("audience", NOTES),
        ],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    let r = ask(vec![s(), aud(), ("actor_token", read_only.clone())]).await;
    assert!(error("invalid_request")(&r), "{r:?}");
    // A client without the grant.
    let (status, body) = exchange_subject(&app, NO_GRANT, &read_only, &[("audience", NOTES)]).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("unauthorized_client"))
    );
    // A revoked subject token.
    let res = post_form(&app, "/t/acme/revoke", Some(SVC), &[("token", &read_only)]).await;
    assert_eq!(res.status(), 200);
    let r = ask(vec![s(), aud()]).await;
    assert!(error("invalid_grant")(&r), "{r:?}");
    // Discovery advertises the grant.
    let meta: Value = app
        .get_json("/t/acme/.well-known/openid-configuration")
        .await;
    assert!(
        meta["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!(GRANT))
    );
}

#[actix_web::test]
async fn an_exchanged_token_keeps_the_holders_time_narrowing() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let subject = client_token(&app, "acme", SVC, Some("notes:read")).await;
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let now = chrono::Utc::now().timestamp();
    let until = chrono::DateTime::from_timestamp(now + 15, 0).unwrap();
    let narrowed = crate::helpers::append(
        &subject,
        &keys,
        &format!(
            "check if time($t), $t < {};",
            until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    // Introspection reports the effective expiry.
    let body = introspect(&app, "acme", SVC, &narrowed).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["exp"], now + 15);
    let (status, body) = exchange_subject(&app, GATEWAY, &narrowed, &[("audience", NOTES)]).await;
    assert_eq!(status, 200, "{body}");
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((14..=15).contains(&expires_in), "{body}");
    let minted = body["access_token"].as_str().unwrap();
    let minted_exp = introspect(&app, "acme", GATEWAY, minted).await["exp"]
        .as_i64()
        .unwrap();
    assert!(minted_exp <= now + 15, "{minted_exp} > {}", now + 15);

    // Time checks that cannot be read are not exchanged.
    let unreadable = crate::helpers::append(
        &subject,
        &keys,
        "check if time($t), $t < 2099-01-01T00:00:00Z or resource(\"n1\");",
    );
    // Introspection cannot say when it expires: no `exp`.
    let body = introspect(&app, "acme", SVC, &unreadable).await;
    assert_eq!(body["active"], true);
    assert!(body.get("exp").is_none(), "{body}");
    let (status, body) = exchange_subject(&app, GATEWAY, &unreadable, &[("audience", NOTES)]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "error": "invalid_grant",
            "error_description": "subject_token's time checks cannot be read; narrow its lifetime with check if time($t), $t < DATE"
        })
    );
}

/// A user's token exchanged for a narrower one still says how the user
/// signed in (`amr`, `acr`); who acts for them would be in `act`.
#[actix_web::test]
async fn an_exchanged_user_token_keeps_how_the_user_signed_in() {
    let gateway = format!(
        "  - client_id: gateway\n    secret: gateway-secret-0123456789abcdef\n    grant_types: [\"{GRANT}\"]\n    scopes: [notes:read]\n    token_exchange_audiences: [\"{NOTES}\"]\nusers:\n"
    );
    let tenant = crate::signin::yaml("acme").replacen("users:\n", &gateway, 1);
    let app = spawn_app_with(|_| {}, Some(&tenant)).await;
    let b = crate::signin::browser();
    let tokens =
        crate::signin::signed_in_tokens(&app, &b, "openid notes:read", &["notes:read"]).await;
    let subject = tokens["access_token"].as_str().unwrap();
    let (status, body) = exchange_subject(
        &app,
        GATEWAY,
        subject,
        &[("audience", NOTES), ("scope", "notes:read")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let facts = introspect(&app, "acme", RS, body["access_token"].as_str().unwrap()).await;
    assert_eq!(facts["client_id"], "gateway");
    assert_eq!(facts["amr"], json!(["pwd"]));
    assert_eq!(facts["acr"], "urn:gatehouse:acr:password");
}
