//! CORS for browser clients: a single-page app's origin (its redirect URIs'
//! by default, or `allowed_origins`) may call the token, revocation and
//! userinfo endpoints; discovery and JWKS are readable by any origin; the
//! authorization pages never answer cross-origin.

use crate::helpers::{TestApp, spawn_app_with};
use crate::signin::yaml;
use serde_json::Value;

const SPA: &str = "http://127.0.0.1:3000";
const EVIL: &str = "https://evil.example";

fn tenant() -> String {
    yaml("acme").replace(
        "    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]\n",
        "    post_logout_redirect_uris: [http://127.0.0.1:3000/bye]\n    allowed_origins: [\"https://web.example\"]\n",
    )
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .unwrap()
}

fn acao(res: &reqwest::Response) -> Option<&str> {
    res.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

#[actix_web::test]
async fn a_single_page_app_may_call_the_token_revocation_and_userinfo_endpoints() {
    let app = spawn_app_with(|_| {}, Some(&tenant())).await;
    for path in ["/t/acme/token", "/t/acme/revoke", "/t/acme/userinfo"] {
        for origin in [SPA, "https://web.example"] {
            let res = preflight(&app, path, origin).await;
            assert_eq!(res.status(), 204, "{path} {origin}");
            assert_eq!(acao(&res), Some(origin));
            let h = res.headers();
            assert!(
                h["access-control-allow-methods"]
                    .to_str()
                    .unwrap()
                    .contains("POST")
            );
            assert_eq!(
                h["access-control-allow-headers"],
                "authorization, content-type, dpop"
            );
        }
        let res = preflight(&app, path, EVIL).await;
        assert_eq!(res.status(), 403, "{path}");
        assert_eq!(acao(&res), None);
    }
    // The real request: the page can read the answer (an error here).
    let post = |origin: &'static str| {
        app.client
            .post(app.url("/t/acme/token"))
            .header("origin", origin)
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", "spa"),
                ("refresh_token", "x"),
            ])
            .send()
    };
    let res = post(SPA).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(acao(&res), Some(SPA));
    assert_eq!(res.headers()["vary"], "Origin");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let res = post(EVIL).await.unwrap();
    assert_eq!(acao(&res), None);
    let res = app
        .client
        .get(app.url("/t/acme/userinfo"))
        .header("origin", SPA)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(acao(&res), Some(SPA));
}

#[actix_web::test]
async fn discovery_and_keys_are_public_and_the_sign_in_pages_never_cross_origin() {
    let app = spawn_app_with(|_| {}, Some(&tenant())).await;
    for path in [
        "/t/acme/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/t/acme",
        "/t/acme/jwks",
        "/t/acme/biscuit-keys",
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header("origin", EVIL)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(acao(&res), Some("*"), "{path}");
    }
    for path in [
        "/t/acme/authorize",
        "/t/acme/login",
        "/t/acme/consent",
        "/t/acme/logout",
    ] {
        let res = preflight(&app, path, SPA).await;
        assert_ne!(res.status(), 204, "{path}");
        assert_eq!(acao(&res), None, "{path}");
    }
    let res = app
        .client
        .get(app.url(&crate::signin::authorize_path("acme", "spa", "openid", "")))
        .header("origin", SPA)
        .send()
        .await
        .unwrap();
    assert_eq!(acao(&res), None);
}

#[actix_web::test]
async fn an_allowed_origin_that_is_not_an_origin_is_refused_with_its_line() {
    let app = spawn_app_with(|_| {}, Some(&tenant())).await;
    let bad = tenant().replace("https://web.example", "https://web.example/app");
    let err = crate::tenants_apply::refusal(&app, "acme.yaml", &bad);
    assert!(
        err.ends_with(
            "acme.yaml:14: \"https://web.example/app\" is not an origin: write scheme://host[:port] only"
        ),
        "{err}"
    );
}

#[actix_web::test]
async fn a_response_is_readable_only_from_the_authenticated_clients_origins() {
    let app = spawn_app_with(|_| {}, Some(&tenant())).await;
    // web authenticates: its own origin reads the answer, the SPA's does not.
    let post = |origin: &'static str| {
        app.client
            .post(app.url("/t/acme/token"))
            .header("origin", origin)
            .basic_auth(crate::signin::WEB.0, Some(crate::signin::WEB.1))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
    };
    let res = post("https://web.example").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(acao(&res), Some("https://web.example"));
    let res = post(SPA).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(acao(&res), None, "another client's origin");
    assert_eq!(res.headers()["vary"], "Origin");
}
