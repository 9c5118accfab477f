//! Scopes map to rights: a token carries only the permissions its holder has
//! *and* its granted scopes carry — for users (after consent) and for clients
//! acting on their own behalf (service roles). Nothing a client asks for, and
//! nothing a holder appends, widens that.

use crate::helpers::{TestApp, append, assert_only_note_42, jwt_claims, spawn_app_with};
use crate::signin::{WEB, browser, signed_in_tokens, web_client};
use crate::tenants_apply::{apply, changes};
use crate::tokens::{RS, RS_CLIENT, client_token, introspect, post_form, refresh};
use gatehouse::verify::{Request, Verifier, VerifyError};
use serde_json::{Value, json};

const SVC: (&str, &str) = ("svc", "svc-secret-0123456789abcdef");
const SVC_JWT: (&str, &str) = ("svc-jwt", "jwt-secret-0123456789abcdef");

/// alice is a reader; the scopes carry notes and user rights.
fn yaml(alice_roles: &str) -> String {
    let web = web_client("openid, offline_access, notes:read, notes:write, admin");
    format!(
        r#"slug: acme
name: Acme
scopes:
  - {{ name: notes:read, description: Read your notes, permissions: [notes:read] }}
  - {{ name: notes:write, description: Change your notes, permissions: [notes:write, notes:read] }}
  - {{ name: admin, description: Manage users, permissions: [users:manage] }}
roles:
  - name: introspector
    permissions: [tokens:introspect]
  - {{ name: reader, permissions: [notes:read] }}
  - {{ name: editor, permissions: [notes:write], includes: [reader] }}
  - {{ name: root, permissions: ["*:*"] }}
clients:
{web}
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read, notes:write, admin]
    service_roles: [reader]
  - client_id: svc-jwt
    secret: jwt-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read, notes:write]
    service_roles: [editor]
    access_token_format: jwt
{RS_CLIENT}
users:
  - username: alice
    email: alice@example.com
    password: alice-password-1
    roles: [{alice_roles}]
"#
    )
}

async fn acme(alice_roles: &str) -> TestApp {
    spawn_app_with(|_| {}, Some(&yaml(alice_roles))).await
}

async fn keys(app: &TestApp) -> Value {
    app.get_json("/t/acme/biscuit-keys").await
}

/// Signs alice in through web, ticking `grant`, and redeems the code.
async fn user_tokens(app: &TestApp, scope: &str, grant: &[&str]) -> Value {
    signed_in_tokens(app, &browser(), scope, grant).await
}

/// [`user_tokens`] with alice ticking every scope that web asks for.
async fn user_tokens_granting_all(app: &TestApp, scope: &str) -> Value {
    let grant: Vec<&str> = scope.split(' ').collect();
    user_tokens(app, scope, &grant).await
}

/// The rights that introspection reports for `token`.
async fn rights_of(app: &TestApp, token: &str) -> Value {
    introspect(app, "acme", RS, token).await["rights"].clone()
}

#[actix_web::test]
async fn client_tokens_carry_service_role_rights_within_the_scopes() {
    let app = acme("reader").await;
    // svc is a reader: of everything its scopes carry it holds notes:read only.
    let token = client_token(&app, "acme", SVC, Some("notes:read notes:write admin")).await;
    let body = introspect(&app, "acme", RS, &token).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["scope"], "admin notes:read notes:write");
    assert_eq!(body["rights"], json!(["notes:read"]));
    // Asking for admin alone: the scope carries users:manage, svc does not hold it.
    let token = client_token(&app, "acme", SVC, Some("admin")).await;
    assert_eq!(
        introspect(&app, "acme", RS, &token).await["rights"],
        json!([])
    );
    // The offline verifier asks for rights the same way.
    let v = Verifier::from_keys_document("acme", &keys(&app).await).unwrap();
    let token = client_token(&app, "acme", SVC, Some("notes:read notes:write")).await;
    assert_eq!(
        v.verify(&token, &Request::right("notes:read"))
            .unwrap()
            .rights,
        ["notes:read".to_owned()].into()
    );
    assert_eq!(
        v.verify(&token, &Request::right("notes:write"))
            .unwrap_err(),
        VerifyError::Denied
    );
    // A scope and a right together: both must be present.
    assert!(
        v.verify(
            &token,
            &Request::scope("notes:write").and_right("notes:read")
        )
        .is_ok()
    );
    assert_eq!(
        v.verify(&token, &Request::scope("admin").and_right("notes:read"))
            .unwrap_err(),
        VerifyError::Denied
    );
}

#[actix_web::test]
async fn jwt_access_tokens_carry_rights_as_entitlements() {
    let app = acme("reader").await;
    let token = client_token(&app, "acme", SVC_JWT, Some("notes:read notes:write")).await;
    let payload = jwt_claims(&token);
    // editor includes reader: both rights, both carried by the scopes.
    assert_eq!(
        payload["entitlements"],
        json!(["notes:read", "notes:write"])
    );
    assert_eq!(
        introspect(&app, "acme", RS, &token).await["rights"],
        json!(["notes:read", "notes:write"])
    );
}

#[actix_web::test]
async fn a_user_without_a_right_never_gets_it_whatever_the_client_asks() {
    let app = acme("reader").await;
    // web asks for everything and alice ticks everything: she is a reader.
    let scope = "openid offline_access notes:read notes:write admin";
    let tokens = user_tokens_granting_all(&app, scope).await;
    let at = tokens["access_token"].as_str().unwrap();
    let body = introspect(&app, "acme", RS, at).await;
    assert_eq!(
        body["scope"],
        "admin notes:read notes:write offline_access openid"
    );
    assert_eq!(body["rights"], json!(["notes:read"]));
    let v = Verifier::from_keys_document("acme", &keys(&app).await).unwrap();
    for denied in ["notes:write", "users:manage"] {
        assert_eq!(
            v.verify(at, &Request::right(denied)).unwrap_err(),
            VerifyError::Denied,
            "{denied}"
        );
    }
    // A refresh asking for the same scopes brings no more.
    let res = post_form(
        &app,
        "/t/acme/token",
        Some(WEB),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("scope", "notes:write admin offline_access"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let refreshed: Value = res.json().await.unwrap();
    let body = introspect(
        &app,
        "acme",
        RS,
        refreshed["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(body["scope"], "admin notes:write offline_access");
    // notes:write carries notes:read too, and alice holds that.
    assert_eq!(body["rights"], json!(["notes:read"]));
}

#[actix_web::test]
async fn consent_bounds_the_rights_of_a_user_who_holds_everything() {
    let app = acme("root").await;
    // root holds *:*, but alice grants notes:read only.
    let tokens = user_tokens(
        &app,
        "openid notes:read notes:write admin",
        &["openid", "notes:read"],
    )
    .await;
    let at = tokens["access_token"].as_str().unwrap();
    assert_eq!(rights_of(&app, at).await, json!(["notes:read"]));
    // Granting admin as well: the wildcard meets users:manage.
    let tokens = user_tokens_granting_all(&app, "openid notes:read notes:write admin").await;
    let at = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        rights_of(&app, at).await,
        json!(["notes:read", "notes:write", "users:manage"])
    );
}

#[actix_web::test]
async fn appended_blocks_narrow_rights_and_cannot_add_any() {
    let app = acme("reader").await;
    let keys = keys(&app).await;
    let v = Verifier::from_keys_document("acme", &keys).unwrap();
    let token = client_token(&app, "acme", SVC, Some("notes:read notes:write")).await;
    // Narrow: only notes:read may be used, and only for note-42.
    let narrowed = append(
        &token,
        &keys,
        r#"check if required_right($r), ["notes:read"].contains($r), resource("note-42");"#,
    );
    assert_only_note_42(&v, &narrowed, Request::right("notes:read"));
    // Widening attempts: facts in appended blocks are not trusted.
    let widened = append(
        &token,
        &keys,
        r#"right("users:manage"); right("notes:write"); scope("admin");"#,
    );
    for denied in ["users:manage", "notes:write"] {
        assert_eq!(
            v.verify(&widened, &Request::right(denied)).unwrap_err(),
            VerifyError::Denied,
            "{denied}"
        );
    }
    let body = introspect(&app, "acme", RS, &widened).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["rights"], json!(["notes:read"]));
    assert_eq!(body["scope"], "notes:read notes:write");
    // A block that forbids every right leaves the token active for its scopes
    // and with no usable rights.
    let no_rights = append(&token, &keys, r#"check if required_scope($s);"#);
    let body = introspect(&app, "acme", RS, &no_rights).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["rights"], json!([]));
}

#[actix_web::test]
async fn refreshed_tokens_follow_the_users_roles_as_they_are_now() {
    let app = acme("reader").await;
    let tokens = user_tokens_granting_all(&app, "openid offline_access notes:write").await;
    let at = tokens["access_token"].as_str().unwrap();
    assert_eq!(rights_of(&app, at).await, json!(["notes:read"]));
    // alice becomes an editor; the scope permissions change in the same file.
    let path = app.write_tenant("tenant.yaml", &yaml("editor"));
    let plans = apply(&app, &path).unwrap();
    assert_eq!(changes(&plans), ["~ user alice (roles)"]);
    let res = refresh(&app, WEB, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let refreshed: Value = res.json().await.unwrap();
    let at = refreshed["access_token"].as_str().unwrap();
    assert_eq!(
        rights_of(&app, at).await,
        json!(["notes:read", "notes:write"])
    );
    // The scope stops carrying notes:write: the next refresh drops it.
    let narrower = yaml("editor").replace(
        "permissions: [notes:write, notes:read]",
        "permissions: [notes:read]",
    );
    let path = app.write_tenant("tenant.yaml", &narrower);
    let plans = apply(&app, &path).unwrap();
    assert_eq!(changes(&plans), ["~ scope notes:write (permissions)"]);
    assert_eq!(changes(&apply(&app, &path).unwrap()), Vec::<String>::new());
    // Running servers pick the change up with the tenant's next snapshot.
    let refresh_token = refreshed["refresh_token"].as_str().unwrap().to_owned();
    let mut rights = Value::Null;
    let mut current = refresh_token;
    for _ in 0..50 {
        let res = refresh(&app, WEB, &current).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        current = body["refresh_token"].as_str().unwrap().to_owned();
        rights =
            introspect(&app, "acme", RS, body["access_token"].as_str().unwrap()).await["rights"]
                .clone();
        if rights == json!(["notes:read"]) {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rights, json!(["notes:read"]));
}
