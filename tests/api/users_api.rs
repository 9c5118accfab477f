//! The self-service user API, governed by the tenant's policies: a user reads,
//! changes and deletes only their own record; a holder of `users:manage`
//! manages everyone of the tenant; nobody crosses tenants; tenant policies and
//! holder blocks narrow it further.

use crate::helpers::{TestApp, append, detail, problem, spawn_app_with};
use crate::signin::{browser, signed_in_tokens, user_signed_in_with};
use crate::tenants_apply::apply;
use crate::tokens::client_token;
use gatehouse::store::{self, StoreError};
use serde_json::{Value, json};

const MANAGER: (&str, &str) = ("svc", "svc-secret-0123456789abcdef");
const PLAIN: (&str, &str) = ("plain", "plain-secret-0123456789abcdef");

fn yaml(slug: &str, policies: &str) -> String {
    format!(
        r#"slug: {slug}
name: Acme
scopes:
  - {{ name: notes:read, description: Read your notes }}
  - {{ name: users, description: Manage users, permissions: [users:manage] }}
roles:
  - {{ name: admin, permissions: [users:manage] }}
clients:
  - client_id: web
    name: Notes Web
    secret: web-secret-0123456789abcdef
    redirect_uris: [http://127.0.0.1:3000/cb]
    grant_types: [authorization_code]
    scopes: [openid, profile, account, notes:read]
  - client_id: app
    name: Acme Account
    secret: app-secret-0123456789abcdef
    first_party: true
    redirect_uris: [http://127.0.0.1:3000/cb]
    grant_types: [authorization_code]
    scopes: [openid, account]
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [users]
    service_roles: [admin]
  - client_id: plain
    secret: plain-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [users]
users:
  - {{ username: alice, email: alice@example.com, password: alice-password-1 }}
  - {{ username: bob, email: bob@example.com, password: bob-password-12 }}
{policies}"#
    )
}

fn user_id(app: &TestApp, slug: &str, username: &str) -> String {
    let (slug, username) = (slug.to_owned(), username.to_owned());
    app.state
        .store
        .with_conn(|c| {
            let t = store::tenants::find_by_slug(c, &slug)?.unwrap().tenant_id();
            Ok::<_, StoreError>(
                store::users::find_by_username(c, &t, &username)?
                    .unwrap()
                    .id,
            )
        })
        .unwrap()
}

/// Alice's access token from the third-party client `web`, granted `scope`.
async fn alice_token(app: &TestApp, scope: &str) -> String {
    let grant: Vec<&str> = scope.split(' ').collect();
    let body = signed_in_tokens(app, &browser(), scope, &grant).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// Alice's access token from the first-party client `app` (no consent page).
async fn alice_first_party_token(app: &TestApp) -> String {
    let client = ("app", "app-secret-0123456789abcdef");
    let alice = ("alice", "alice-password-1");
    user_signed_in_with(app, client, "openid account", alice, &[]).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

/// GET `path` with `token`.
async fn get_as(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    call(app, reqwest::Method::GET, path, Some(token), None).await
}

/// PATCH `path` with `token` and the JSON `body`.
async fn patch_as(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    call(app, reqwest::Method::PATCH, path, Some(token), Some(body)).await
}

/// DELETE `path` with `token`.
async fn delete_as(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    call(app, reqwest::Method::DELETE, path, Some(token), None).await
}

fn forbidden(action: &str) -> Value {
    json!({
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": format!("this token may not {action} this resource"),
        "action": action,
    })
}

#[actix_web::test]
async fn users_manage_only_their_own_record() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme", ""))).await;
    let (alice, bob) = (user_id(&app, "acme", "alice"), user_id(&app, "acme", "bob"));
    let token = alice_token(&app, "openid profile account").await;
    let own = format!("/t/acme/api/users/{alice}");
    let other = format!("/t/acme/api/users/{bob}");

    let res = get_as(&app, &own, &token).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(
        (&me["id"], &me["username"], &me["email"]),
        (&json!(alice), &json!("alice"), &json!("alice@example.com"))
    );
    assert!(me.get("password_hash").is_none());

    let res = patch_as(&app, &own, &token, json!({"display_name": "Alice L."})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["display_name"],
        "Alice L."
    );

    for (method, action) in [
        (reqwest::Method::GET, "users:read"),
        (reqwest::Method::PATCH, "users:update"),
        (reqwest::Method::DELETE, "users:delete"),
    ] {
        let body = (method == reqwest::Method::PATCH).then(|| json!({"display_name": "x"}));
        let res = call(&app, method, &other, Some(&token), body).await;
        assert_eq!(problem(res).await, (403, forbidden(action)));
    }

    // Bad bodies: unknown member, bad email, taken email, wrong media type.
    let patch = |body: Value| patch_as(&app, &own, &token, body);
    let (status, p) = problem(patch(json!({"username": "root"})).await).await;
    assert_eq!(status, 400);
    assert!(detail(&p).contains("unknown field `username`"), "{p}");
    // A verified address that the user changes is no longer verified.
    let id = alice.clone();
    app.state
        .store
        .with_conn(move |c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE users SET email_verified = TRUE WHERE id = '{id}'"
            ))
            .execute(c)
            .map_err(StoreError::from)
        })
        .unwrap();
    let res = get_as(&app, &own, &token).await;
    assert_eq!(res.json::<Value>().await.unwrap()["email_verified"], true);
    let res = patch(json!({"email": "alice@example.org"})).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(
        (&me["email"], &me["email_verified"]),
        (&json!("alice@example.org"), &json!(false))
    );
    let (status, p) = problem(patch(json!({"email": "nope"})).await).await;
    assert_eq!(
        (status, &p["detail"]),
        (422, &json!("\"nope\" is not an email address"))
    );
    let (status, p) = problem(patch(json!({"email": "BOB@example.com"})).await).await;
    assert_eq!(
        (status, &p["detail"]),
        (
            409,
            &json!("another user of this tenant has that email address")
        )
    );
    let res = app
        .client
        .patch(app.url(&own))
        .bearer_auth(&token)
        .body("display_name=x")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, 415);

    // No token, a bad token.
    let res = call(&app, reqwest::Method::GET, &own, None, None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let res = get_as(&app, &own, "garbage").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\"")
    );

    // A third-party client never deletes the user, even with `account`;
    // the first-party client does, once.
    let res = delete_as(&app, &own, &token).await;
    assert_eq!(problem(res).await, (403, forbidden("users:delete")));
    let first_party = alice_first_party_token(&app).await;
    let res = delete_as(&app, &own, &first_party).await;
    assert_eq!(res.status(), 204);
    let res = get_as(&app, &own, &token).await;
    assert_eq!(problem(res).await.0, 404);
}

#[actix_web::test]
async fn a_relying_partys_token_may_not_touch_the_user_record() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme", ""))).await;
    let alice = user_id(&app, "acme", "alice");
    let own = format!("/t/acme/api/users/{alice}");
    // Granted for notes: no reading, changing or deleting the account.
    let notes = alice_token(&app, "openid notes:read").await;
    for (method, action) in [
        (reqwest::Method::GET, "users:read"),
        (reqwest::Method::PATCH, "users:update"),
        (reqwest::Method::DELETE, "users:delete"),
    ] {
        let body =
            (method == reqwest::Method::PATCH).then(|| json!({"email": "mallory@evil.example"}));
        let res = call(&app, method, &own, Some(&notes), body).await;
        assert_eq!(problem(res).await, (403, forbidden(action)));
    }
    // `profile` reads the record, nothing more.
    let profile = alice_token(&app, "openid profile").await;
    let res = get_as(&app, &own, &profile).await;
    assert_eq!(res.status(), 200);
    let res = patch_as(&app, &own, &profile, json!({"display_name": "x"})).await;
    assert_eq!(problem(res).await, (403, forbidden("users:update")));

    // The audit log names the client that changed the record.
    let account = alice_token(&app, "openid account").await;
    let res = patch_as(&app, &own, &account, json!({"display_name": "Alice L."})).await;
    assert_eq!(res.status(), 200);
    let events = app.in_acme(store::audit::list);
    let updated = events
        .iter()
        .rev()
        .find(|e| e.action == "user.updated")
        .unwrap();
    assert_eq!(updated.actor, format!("user:{alice}"));
    assert_eq!(
        serde_json::from_str::<Value>(&updated.detail).unwrap(),
        json!({"fields": ["display_name"], "via": "api", "client": "web"})
    );
}

#[actix_web::test]
async fn user_managers_manage_everyone_of_their_tenant_only() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme", ""))).await;
    let path = app.write_tenant("beta.yaml", &yaml("beta", ""));
    apply(&app, &path).unwrap();
    let bob = format!("/t/acme/api/users/{}", user_id(&app, "acme", "bob"));
    let manager = client_token(&app, "acme", MANAGER, None).await;
    let plain = client_token(&app, "acme", PLAIN, None).await;

    // plain was granted the users scope but holds no role: no right.
    let res = get_as(&app, &bob, &plain).await;
    assert_eq!(problem(res).await, (403, forbidden("users:read")));

    let res = get_as(&app, &bob, &manager).await;
    assert_eq!(res.status(), 200);
    // Across tenants: acme's token is not a token at beta, and beta's manager
    // gets nowhere at acme.
    let beta_bob = format!("/t/beta/api/users/{}", user_id(&app, "beta", "bob"));
    let res = get_as(&app, &beta_bob, &manager).await;
    assert_eq!(res.status(), 401);
    let beta_manager = client_token(&app, "beta", MANAGER, None).await;
    let res = delete_as(&app, &bob, &beta_manager).await;
    assert_eq!(res.status(), 401);

    let res = delete_as(&app, &bob, &manager).await;
    assert_eq!(res.status(), 204);
    let res = delete_as(&app, &bob, &manager).await;
    assert_eq!(problem(res).await.0, 404);
    let res = get_as(&app, &beta_bob, &beta_manager).await;
    assert_eq!(res.status(), 200, "beta's bob is untouched");
}

#[actix_web::test]
async fn tenant_policies_and_holder_blocks_narrow_what_is_allowed() {
    let policies = r#"policies:
  - name: no-deletes
    code: |
      // Records are never deleted through the API.
      deny if action("users:delete");
"#;
    let app = spawn_app_with(|_| {}, Some(&yaml("acme", policies))).await;
    let bob = format!("/t/acme/api/users/{}", user_id(&app, "acme", "bob"));
    let manager = client_token(&app, "acme", MANAGER, None).await;
    let res = delete_as(&app, &bob, &manager).await;
    assert_eq!(problem(res).await, (403, forbidden("users:delete")));
    let res = get_as(&app, &bob, &manager).await;
    assert_eq!(res.status(), 200);

    // The holder narrows its own token to reading: updates are refused.
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let read_only = append(&manager, &keys, r#"check if action("users:read");"#);
    let res = get_as(&app, &bob, &read_only).await;
    assert_eq!(res.status(), 200);
    let res = patch_as(&app, &bob, &read_only, json!({"display_name": "Robert"})).await;
    assert_eq!(problem(res).await, (403, forbidden("users:update")));
}

#[actix_web::test]
async fn a_policy_with_a_syntax_error_is_refused_with_its_line_and_column() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme", ""))).await;
    let bad = yaml(
        "acme",
        "policies:\n  - name: broken\n    code: \"allow if true;\\ndeny iff action($a);\"\n",
    );
    let err = crate::tenants_apply::refusal(&app, "tenant.yaml", &bad);
    assert!(
        err.ends_with("tenant.yaml:35: policy broken: line 2, column 8: syntax error near \"f\""),
        "{err}"
    );
}
