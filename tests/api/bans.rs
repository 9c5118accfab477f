//! Banning tokens: a holder of `tokens:revoke` bans every token of a user, of
//! a client or of the whole tenant in one call; introspection, the decision
//! API and refresh refuse them on every process by the time the ban call
//! answers; each ban is audited.

use crate::helpers::{TestApp, detail, eventually, spawn_app_with, spawn_second};
use crate::signin::{VERIFIER, WEB, browser, exchange, query, sign_in, web_client};
use crate::tokens::{RS, RS_CLIENT, client_token, introspect, post_form};
use gatehouse::store;
use serde_json::{Value, json};
use std::time::Duration;

const SVC: (&str, &str) = ("svc", "svc-secret-0123456789abcdef");
const OTHER: (&str, &str) = ("other", "other-secret-0123456789abcdef");
const ADMIN: (&str, &str) = ("admin", "admin-secret-0123456789abcdef");

fn yaml() -> String {
    let web = web_client("openid, offline_access, notes:read");
    format!(
        r#"slug: acme
name: Acme
scopes:
  - {{ name: notes:read, description: Read your notes }}
  - {{ name: admin, description: Ban tokens, permissions: [tokens:revoke] }}
roles:
  - name: introspector
    permissions: [tokens:introspect]
  - {{ name: revoker, permissions: [tokens:revoke] }}
clients:
{web}
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read, admin]
  - client_id: other
    secret: other-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
  - client_id: admin
    secret: admin-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [admin]
    service_roles: [revoker]
{RS_CLIENT}
users:
  - {{ username: alice, email: alice@example.com, password: alice-password-1 }}
"#
    )
}

async fn ban(app: &TestApp, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = app.client.post(app.url("/t/acme/api/bans")).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn active(app: &TestApp, token: &str) -> bool {
    introspect(app, "acme", RS, token).await["active"] == true
}

async fn refresh(app: &TestApp, token: &str) -> u16 {
    crate::tokens::refresh(app, WEB, token)
        .await
        .status()
        .as_u16()
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    app.in_acme(store::audit::list)
        .into_iter()
        .filter(|e| e.action == "tokens.banned")
        .map(|e| format!("{} {}", e.actor, e.detail))
        .collect()
}

#[actix_web::test]
async fn bans_need_the_right_and_a_clear_target() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    // svc was granted the admin scope but holds no role: no tokens:revoke.
    let svc = client_token(&app, "acme", SVC, Some("admin")).await;
    assert_eq!(ban(&app, None, json!({"tenant": true})).await.0, 401);
    let (status, body) = ban(&app, Some(&svc), json!({"tenant": true})).await;
    assert_eq!((status, &body["action"]), (403, &json!("tokens:revoke")));
    let (status, body) = ban(&app, Some(&admin), json!({"user": "x", "client": "y"})).await;
    assert_eq!(status, 400);
    assert!(detail(&body).starts_with("send exactly one of"));
    assert!(active(&app, &svc).await, "nothing was banned");
    assert!(audit_actions(&app).is_empty());
}

#[actix_web::test]
async fn banning_a_user_ends_their_tokens_everywhere() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let second = spawn_second(&app).await;
    let location = sign_in(
        &app,
        &browser(),
        "openid offline_access notes:read",
        &["openid", "offline_access", "notes:read"],
    )
    .await;
    let res = exchange(&app, &query(&location)["code"], VERIFIER).await;
    let tokens: Value = res.json().await.unwrap();
    let (at, rt) = (
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    );
    let svc = client_token(&app, "acme", SVC, None).await;
    assert!(active(&app, at).await && active(&second, at).await);
    let alice = introspect(&app, "acme", RS, at).await["sub"]
        .as_str()
        .unwrap()
        .to_owned();

    // A second sign-in whose code is not redeemed before the ban.
    let pending = sign_in(
        &app,
        &browser(),
        "openid notes:read",
        &["openid", "notes:read"],
    )
    .await;

    let admin = client_token(&app, "acme", ADMIN, None).await;
    let (status, body) = ban(&app, Some(&admin), json!({"user": alice})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &body["banned"],
            &body["target"],
            &body["refresh_families_revoked"]
        ),
        (&json!("user"), &json!(alice), &json!(1))
    );
    // Both processes hold the tenant and applied the ban before the answer.
    assert_eq!(body["processes"], json!({"confirmed": 2, "unconfirmed": 0}));
    // So the ban is in force on both at once, with no waiting here: access
    // tokens through the in-memory bans, refresh through the database.
    assert!(!active(&second, at).await);
    assert!(!active(&app, at).await);
    assert_eq!(refresh(&second, rt).await, 400);
    assert!(active(&app, &svc).await, "other tokens are untouched");
    assert!(active(&second, &svc).await, "other tokens are untouched");
    // The code issued before the ban can no longer be redeemed.
    let res = exchange(&second, &query(&pending)["code"], VERIFIER).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (&body["error"], &body["error_description"]),
        (&json!("invalid_grant"), &json!("the code has been revoked"))
    );
    assert_eq!(
        audit_actions(&app),
        [r#"client:admin {"kind":"user","refresh_families_revoked":1}"#]
    );
}

#[actix_web::test]
async fn banning_a_client_or_the_tenant_ends_what_was_issued_before() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let svc = client_token(&app, "acme", SVC, None).await;
    let other = client_token(&app, "acme", OTHER, None).await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    assert_eq!(
        ban(&app, Some(&admin), json!({"client": "svc"})).await.0,
        200
    );
    assert!(!active(&app, &svc).await);
    assert!(active(&app, &other).await);
    // The decision API refuses the banned token as a subject too.
    let res = app
        .client
        .post(app.url("/t/acme/access/v1/evaluation"))
        .basic_auth(RS.0, Some(RS.1))
        .json(&json!({
            "subject": {"type": "token", "id": svc},
            "action": {"name": "notes:read"},
            "resource": {"type": "note", "id": "1"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"decision": false, "context": {"reason": "subject_unresolved"}})
    );
    // Tokens issued after the ban (next second: iat has second precision) work.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let fresh = client_token(&app, "acme", SVC, None).await;
    assert!(active(&app, &fresh).await);

    assert_eq!(
        ban(&app, Some(&admin), json!({"tenant": true})).await.0,
        200
    );
    for t in [&fresh, &other, &admin] {
        assert!(!active(&app, t).await);
    }
    // The admin's own token was banned with the rest.
    assert_eq!(
        ban(&app, Some(&admin), json!({"tenant": true})).await.0,
        401
    );
    assert_eq!(audit_actions(&app).len(), 2);
}

#[actix_web::test]
async fn a_process_that_starts_the_tenant_after_a_ban_applies_it_from_its_first_request() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let svc = client_token(&app, "acme", SVC, None).await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    let (status, body) = ban(&app, Some(&admin), json!({"client": "svc"})).await;
    assert_eq!(
        (status, &body["processes"]),
        (200, &json!({"confirmed": 1, "unconfirmed": 0}))
    );
    // The second process loads the tenant on this very request.
    let second = spawn_second(&app).await;
    assert!(!active(&second, &svc).await);
}

#[actix_web::test]
async fn live_processes_that_never_apply_a_ban_are_reported_and_a_gone_one_ignored() {
    let app = spawn_app_with(
        |c| c.tenants.ban_confirm_timeout = Duration::from_millis(300),
        Some(&yaml()),
    )
    .await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    let now = chrono::Utc::now().naive_utc();
    let hour_ago = now - chrono::Duration::hours(1);
    app.in_acme(|c, t| {
        // Alive (registered just now) but stuck at epoch 0.
        store::revocation_acks::register(c, t, "stuck-0", "stuck", now)?;
        // Registered an hour ago, kept alive by its process's heartbeat.
        store::revocation_acks::register(c, t, "beating-0", "beating", hour_ago)?;
        store::revocation_acks::heartbeat(c, "beating", now)?;
        // Registered an hour ago, its process silent since: gone.
        store::revocation_acks::register(c, t, "gone-0", "gone", hour_ago)?;
        store::revocation_acks::heartbeat(c, "gone", hour_ago)
    });
    let started = std::time::Instant::now();
    let (status, body) = ban(&app, Some(&admin), json!({"user": "nobody"})).await;
    // 202: recorded, in force here, not confirmed everywhere.
    assert_eq!(
        (status, &body["processes"]),
        (202, &json!({"confirmed": 1, "unconfirmed": 2}))
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// Issue 13: with many tenants live on two processes (one revocation sync per
/// process, not one per tenant), a ban still answers only once both
/// processes applied it.
#[actix_web::test]
async fn a_ban_waits_for_both_processes_while_many_tenants_are_live() {
    let app = spawn_app_with(|_| {}, Some(&yaml())).await;
    let now = chrono::Utc::now().naive_utc();
    app.state
        .store
        .with_conn(|c| {
            for i in 0..49 {
                store::tenants::insert(
                    c,
                    &store::tenants::TenantRow::active(
                        &format!("many-{i}"),
                        &format!("many-{i}"),
                        &format!("Many {i}"),
                        now,
                    ),
                )?;
            }
            Ok::<_, store::StoreError>(())
        })
        .unwrap();
    let second = spawn_second(&app).await;
    let svc = client_token(&app, "acme", SVC, None).await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    for process in [&app, &second] {
        for i in 0..49 {
            assert_eq!(process.get(&format!("/t/many-{i}")).await.status(), 200);
        }
        assert!(active(process, &svc).await);
        assert_eq!(process.state.tenants.live_tenants().len(), 50);
    }
    let (status, body) = ban(&app, Some(&admin), json!({"client": "svc"})).await;
    assert_eq!(
        (status, &body["processes"]),
        (200, &json!({"confirmed": 2, "unconfirmed": 0}))
    );
    // Confirmed means applied: the second process refuses the token now.
    assert!(!active(&second, &svc).await);
}

/// Issue 13: a tenant that went idle and comes back reads its revocations and
/// bans again at its first request, and holds one record in
/// `revocation_acks` (the idle instance's went with it).
#[actix_web::test]
async fn an_evicted_tenant_comes_back_with_its_revocations_and_bans() {
    let app = spawn_app_with(
        |c| c.tenants.idle_timeout = Duration::from_millis(300),
        Some(&yaml()),
    )
    .await;
    let svc = client_token(&app, "acme", SVC, None).await;
    let other = client_token(&app, "acme", OTHER, None).await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    let revoked = post_form(&app, "/t/acme/revoke", Some(OTHER), &[("token", &other)]).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        ban(&app, Some(&admin), json!({"client": "svc"})).await.0,
        200
    );
    let evicted = eventually(Duration::from_secs(10), || {
        app.state.tenants.live_tenants().is_empty()
    })
    .await;
    assert!(evicted, "the idle tenant went");
    let gone = eventually(Duration::from_secs(5), || ack_rows(&app) == 0).await;
    assert!(gone, "its record went with it");

    assert!(!active(&app, &svc).await, "still banned");
    assert!(!active(&app, &other).await, "still revoked");
    assert!(active(&app, &admin).await);
    assert_eq!(app.state.tenants.live_tenants(), vec!["acme".to_owned()]);
    assert_eq!(ack_rows(&app), 1);
}

fn ack_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app.in_acme(|c, t| {
        Ok(store::schema::revocation_acks::table
            .filter(store::schema::revocation_acks::tenant_id.eq(t.as_str()))
            .count()
            .get_result(c)?)
    })
}

/// Issue 13: on PostgreSQL a ban wakes every process's sync at once
/// (LISTEN/NOTIFY), so it is confirmed long before the next tick; SQLite has
/// no notifications, and the other process applies it at its next tick.
#[actix_web::test]
async fn on_postgresql_a_ban_wakes_the_other_process_at_once() {
    let slow = |c: &mut gatehouse::config::Config| {
        c.tenants.revocation_sync_interval = Duration::from_secs(30);
        c.tenants.ban_confirm_timeout = Duration::from_secs(3);
    };
    let app = spawn_app_with(slow, Some(&yaml())).await;
    let second = spawn_second(&app).await;
    let svc = client_token(&app, "acme", SVC, None).await;
    let admin = client_token(&app, "acme", ADMIN, None).await;
    assert!(
        active(&second, &svc).await,
        "acme is live on the second process"
    );
    let (status, body) = ban(&app, Some(&admin), json!({"client": "svc"})).await;
    if app.db.is_postgres() {
        assert_eq!(
            (status, &body["processes"]),
            (200, &json!({"confirmed": 2, "unconfirmed": 0}))
        );
        assert!(!active(&second, &svc).await);
    } else {
        assert_eq!(
            (status, &body["processes"]),
            (202, &json!({"confirmed": 1, "unconfirmed": 1}))
        );
    }
}
