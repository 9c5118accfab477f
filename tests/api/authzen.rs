//! Each tenant is an OpenID AuthZEN policy decision point: discovery, single
//! and batch evaluations with their semantics, driven by the `openidauthzen`
//! crate; then what must be refused, over raw HTTP.

use crate::helpers::{TestApp, append, detail, spawn_app_behind_tls, spawn_app_with};
use crate::tokens::{client_token, post_form};
use openidauthzen::http::{HttpClient, HttpResponse, Method};
use openidauthzen::{
    Action, AuthZenClient, EvaluationItem, EvaluationRequest, EvaluationSemantic,
    EvaluationsOptions, EvaluationsRequest, Resource, Subject,
};
use serde_json::{Value, json};
use std::time::Duration;

pub const SVC: (&str, &str) = ("svc", "svc-secret-0123456789abcdef");
pub const PEP: (&str, &str) = ("pep", "pep-secret-0123456789abcdef");

pub fn yaml(slug: &str) -> String {
    format!(
        r#"slug: {slug}
name: Acme
scopes:
  - {{ name: notes:read, description: Read notes, permissions: [notes:read] }}
  - {{ name: notes:write, description: Write notes, permissions: [notes:write] }}
roles:
  - {{ name: reader, permissions: [notes:read] }}
clients:
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read, notes:write]
    service_roles: [reader]
  - client_id: pep
    secret: pep-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
policies:
  - name: notes
    code: |
      // A token may do to a note what its rights name.
      allow if resource_type("note"), action($a), right($a);
users:
  - {{ username: alice, password: alice-password-1, roles: [reader] }}
"#
    )
}

/// The crate's transport, ours: the server sits behind a (pretend) TLS proxy,
/// so https URLs go to the plain-HTTP listener.
struct BehindProxy(reqwest::Client);

#[async_trait::async_trait]
impl HttpClient for BehindProxy {
    async fn request(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, openidauthzen::Error> {
        let url = url.replacen("https://", "http://", 1);
        let mut req = match method {
            Method::Post => self.0.post(&url),
            _ => self.0.get(&url),
        };
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let res = req
            .send()
            .await
            .map_err(|e| openidauthzen::Error::Http(Box::new(e)))?;
        let status = res.status().as_u16();
        let body = res
            .bytes()
            .await
            .map_err(|e| openidauthzen::Error::Http(Box::new(e)))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers: Vec::new(),
            body,
        })
    }
}

fn token_subject(token: &str) -> Subject {
    Subject {
        subject_type: "token".into(),
        id: Some(token.into()),
        properties: None,
    }
}

fn note(id: &str) -> Resource {
    Resource {
        resource_type: "note".into(),
        id: Some(id.into()),
        properties: None,
    }
}

fn action(name: &str) -> Action {
    Action {
        name: name.into(),
        properties: None,
    }
}

fn item(name: &str) -> EvaluationItem {
    EvaluationItem {
        subject: None,
        action: Some(action(name)),
        resource: None,
        context: None,
    }
}

#[actix_web::test]
async fn an_authzen_client_discovers_and_evaluates() {
    let app = spawn_app_behind_tls(&yaml("acme")).await;
    let pdp = app.url("/t/acme").replacen("http://", "https://", 1);
    let client = AuthZenClient::new(BehindProxy(reqwest::Client::new()), Duration::from_secs(60));
    let config = client.discover(&pdp).await.unwrap();
    assert_eq!(config.policy_decision_point, pdp);
    assert_eq!(
        config.access_evaluation_endpoint,
        format!("{pdp}/access/v1/evaluation")
    );

    let pep = client_token(&app, "acme", PEP, None).await;
    // svc is a reader: its token carries notes:read only.
    let subject = client_token(&app, "acme", SVC, Some("notes:read notes:write")).await;
    let ask = |name: &str| EvaluationRequest {
        subject: token_subject(&subject),
        action: action(name),
        resource: note("42"),
        context: None,
    };
    assert!(
        client
            .evaluate(&pdp, &pep, &ask("notes:read"))
            .await
            .unwrap()
            .decision
    );
    assert!(
        !client
            .evaluate(&pdp, &pep, &ask("notes:write"))
            .await
            .unwrap()
            .decision
    );

    let batch = |semantic| EvaluationsRequest {
        subject: Some(token_subject(&subject)),
        action: None,
        resource: Some(note("42")),
        context: None,
        evaluations: vec![item("notes:read"), item("notes:write"), item("notes:read")],
        options: Some(EvaluationsOptions {
            evaluations_semantic: Some(semantic),
            extra: None,
        }),
    };
    let decisions = |r: openidauthzen::EvaluationsResponse| {
        r.evaluations.iter().map(|e| e.decision).collect::<Vec<_>>()
    };
    let all = client
        .evaluate_batch(&pdp, &pep, &batch(EvaluationSemantic::ExecuteAll))
        .await
        .unwrap();
    assert_eq!(decisions(all), [true, false, true]);
    let until_deny = client
        .evaluate_batch(&pdp, &pep, &batch(EvaluationSemantic::DenyOnFirstDeny))
        .await
        .unwrap();
    assert_eq!(decisions(until_deny), [true, false]);
    let until_permit = client
        .evaluate_batch(&pdp, &pep, &batch(EvaluationSemantic::PermitOnFirstPermit))
        .await
        .unwrap();
    assert_eq!(decisions(until_permit), [true]);
}

pub async fn evaluate(app: &TestApp, slug: &str, auth: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/t/{slug}/access/v1/evaluation")))
        .json(&body);
    if let Some(t) = auth {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A batch request to tenant `acme`'s evaluations endpoint as `pep`: the
/// status and the JSON body.
pub async fn evaluations(app: &TestApp, pep: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/t/acme/access/v1/evaluations"))
        .bearer_auth(pep)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

pub fn ask(token: &str, action: &str, note: &str) -> Value {
    json!({
        "subject": {"type": "token", "id": token},
        "action": {"name": action},
        "resource": {"type": "note", "id": note},
    })
}

#[actix_web::test]
async fn the_pdp_refuses_what_it_must() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme"))).await;
    let path = app.write_tenant("beta.yaml", &yaml("beta"));
    crate::tenants_apply::apply(&app, &path).unwrap();
    let pep = client_token(&app, "acme", PEP, None).await;
    let subject = client_token(&app, "acme", SVC, Some("notes:read")).await;

    // Callers authenticate: nothing, a bad token → 401; HTTP Basic works.
    let (status, _) = evaluate(&app, "acme", None, ask(&subject, "notes:read", "1")).await;
    assert_eq!(status, 401);
    let (status, _) = evaluate(&app, "acme", Some("junk"), ask(&subject, "notes:read", "1")).await;
    assert_eq!(status, 401);
    let res = app
        .client
        .post(app.url("/t/acme/access/v1/evaluation"))
        .basic_auth(PEP.0, Some(PEP.1))
        .json(&ask(&subject, "notes:read", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"decision": true})
    );
    // beta's PEP token is not a token at acme.
    let beta_pep = client_token(&app, "beta", PEP, None).await;
    let (status, _) = evaluate(
        &app,
        "acme",
        Some(&beta_pep),
        ask(&subject, "notes:read", "1"),
    )
    .await;
    assert_eq!(status, 401);

    // Subjects: another tenant's token, a revoked one, garbage — denied, with
    // only a coarse reason.
    let beta_subject = client_token(&app, "beta", SVC, Some("notes:read")).await;
    let unresolved = json!({"decision": false, "context": {"reason": "subject_unresolved"}});
    assert_eq!(
        evaluate(
            &app,
            "acme",
            Some(&pep),
            ask(&beta_subject, "notes:read", "1")
        )
        .await,
        (200, unresolved.clone())
    );
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), ask("garbage", "notes:read", "1")).await,
        (200, unresolved.clone())
    );
    let res = post_form(&app, "/t/acme/revoke", Some(SVC), &[("token", &subject)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), ask(&subject, "notes:read", "1")).await,
        (200, unresolved)
    );
    // A policy denial says nothing more than false.
    let subject = client_token(&app, "acme", SVC, Some("notes:read")).await;
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), ask(&subject, "notes:write", "1")).await,
        (200, json!({"decision": false}))
    );

    // A holder narrowed its token to note 42: the PDP honours the block.
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let one_note = append(&subject, &keys, r#"check if resource("42");"#);
    for (id, allowed) in [("42", true), ("7", false)] {
        assert_eq!(
            evaluate(&app, "acme", Some(&pep), ask(&one_note, "notes:read", id)).await,
            (200, json!({"decision": allowed})),
            "{id}"
        );
    }

    // A holder block that names an audience passes only when the request's
    // context states that audience.
    let for_notes = append(
        &subject,
        &keys,
        r#"check if audience("https://notes.example");"#,
    );
    let mut with_context = ask(&for_notes, "notes:read", "1");
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), with_context.clone()).await,
        (200, json!({"decision": false}))
    );
    with_context["context"] = json!({"audience": "https://notes.example"});
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), with_context.clone()).await,
        (200, json!({"decision": true}))
    );
    with_context["context"] = json!({"audience": "https://other.example"});
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), with_context).await,
        (200, json!({"decision": false}))
    );

    // Users as subjects: every permission their roles give, nothing more.
    let alice = app.acme_user_id("alice");
    let user = |id: &str, action: &str| {
        json!({
            "subject": {"type": "user", "id": id},
            "action": {"name": action},
            "resource": {"type": "note", "id": "1"},
        })
    };
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), user(&alice, "notes:read")).await,
        (200, json!({"decision": true}))
    );
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), user(&alice, "notes:write")).await,
        (200, json!({"decision": false}))
    );
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), user("no-such-user", "notes:read")).await,
        (
            200,
            json!({"decision": false, "context": {"reason": "subject_unresolved"}})
        )
    );
    let mut group = user(&alice, "notes:read");
    group["subject"]["type"] = json!("group");
    assert_eq!(
        evaluate(&app, "acme", Some(&pep), group).await,
        (
            200,
            json!({"decision": false, "context": {"reason": "unsupported_subject_type"}})
        )
    );

    // Malformed requests: 400 problem+json.
    let (status, body) = evaluate(&app, "acme", Some(&pep), json!({"subject": {}})).await;
    assert_eq!(status, 400);
    assert!(detail(&body).starts_with("invalid JSON body"), "{body}");
    let (status, body) = evaluations(
        &app,
        &pep,
        json!({"evaluations": [{"action": {"name": "notes:read"}}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "evaluation 0 has no subject and the request gives no default"
    );
    // A batch request without `evaluations` is one evaluation.
    let (_, body) = evaluations(&app, &pep, ask(&subject, "notes:read", "1")).await;
    assert_eq!(body, json!({"decision": true}));
}
