use crate::helpers::{eventually, problem, spawn_app};
use std::time::Duration;

#[actix_web::test]
async fn healthz_answers_200() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
}

#[actix_web::test]
async fn readyz_is_200_while_the_database_answers_and_503_after() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ready"})
    );

    app.db.break_it();
    assert_eq!(
        problem(app.get("/readyz").await).await,
        (
            503,
            serde_json::json!({
                "type": "about:blank",
                "title": "Service Unavailable",
                "status": 503,
                "detail": "the database does not answer"
            })
        )
    );
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[actix_web::test]
async fn request_ids_are_echoed_or_generated() {
    let app = spawn_app().await;
    let res = app.get_with("/healthz", "x-request-id", "abc-123").await;
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app
        .get_with("/healthz", "x-request-id", "bad id with spaces")
        .await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(generated, "bad id with spaces");
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
}

#[actix_web::test]
async fn unknown_routes_get_problem_json_or_an_html_page() {
    let app = spawn_app().await;
    let (status, body) = problem(app.get("/nope").await).await;
    assert_eq!(status, 404);
    assert_eq!(body["detail"], "no resource at /nope");

    let res = app
        .get_with("/nope", "accept", "text/html,application/xhtml+xml")
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Page not found</h1>"), "{html}");
    assert!(html.contains("no resource at /nope"), "{html}");
}

#[actix_web::test]
async fn server_stops_gracefully_through_its_handle() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
    let refused = eventually(Duration::from_secs(5), || {
        std::net::TcpStream::connect(app.address.trim_start_matches("http://")).is_err()
    })
    .await;
    assert!(refused, "the listener is closed after stop");
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = crate::helpers::spawn_app_with(|_| {}, Some(&crate::signin::yaml("acme"))).await;
    let html = |path: &str| {
        app.client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
    };
    let responses = vec![
        ("404 page", html("/no/such/page").await.unwrap()),
        ("404 JSON", app.get("/no/such/thing").await),
        // An error page: authorize for a client that does not exist.
        (
            "error page",
            html("/t/acme/authorize?response_type=code&client_id=nobody")
                .await
                .unwrap(),
        ),
        ("tenant docs", app.get("/t/acme/docs").await),
        ("JSON", app.get("/t/acme/jwks").await),
        (
            "payload too large",
            app.client
                .post(app.url("/t/acme/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(vec![b'a'; 200 * 1024])
                .send()
                .await
                .unwrap(),
        ),
    ];
    for (what, res) in responses {
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{what}: no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    }
}

#[actix_web::test]
async fn readyz_is_503_while_a_tenants_keys_cannot_be_opened() {
    use gatehouse::store::{self, StoreError};
    let app = crate::helpers::spawn_app_with(|_| {}, Some(&crate::signin::yaml("acme"))).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    // A sealed private key altered in the database (or sealed under another key).
    app.state
        .store
        .with_conn(|c| {
            use diesel::RunQueryDsl;
            let t = store::tenants::find_by_slug(c, "acme")?.unwrap().tenant_id();
            diesel::sql_query(format!(
                "UPDATE signing_keys SET private_key = 'v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE tenant_id = '{t}'"
            ))
            .execute(c)
            .map_err(StoreError::from)
        })
        .unwrap();
    assert_eq!(app.get("/t/acme/jwks").await.status(), 500);
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("tenant acme: its keys cannot be opened"),
        "{detail}"
    );
}

#[actix_web::test]
async fn one_bad_tenant_file_does_not_block_the_others_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::TestDb::new(dir.path());
    let mut config = crate::helpers::test_config(dir.path(), &db);
    std::fs::create_dir_all(&config.tenants.dir).unwrap();
    std::fs::write(
        config.tenants.dir.join("a-good.yaml"),
        crate::signin::yaml("good"),
    )
    .unwrap();
    let bad = crate::signin::yaml("bad").replace(
        "secret: web-secret-0123456789abcdef",
        "secret_env: GATEHOUSE_TEST_UNSET_SECRET",
    );
    std::fs::write(config.tenants.dir.join("b-bad.yaml"), &bad).unwrap();
    config.tenants.reload_interval = Duration::from_millis(200);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = gatehouse::app::Application::build_on(
        config,
        std::sync::Arc::new(gatehouse::clock::SystemClock),
        listener,
    )
    .await
    .expect("starts despite the bad file");
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let get = |path: &str| reqwest::get(format!("http://127.0.0.1:{port}{path}"));
    assert_eq!(get("/t/good").await.unwrap().status(), 200);
    assert_eq!(get("/t/bad").await.unwrap().status(), 404);
    let ready: serde_json::Value = get("/readyz").await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let warning = ready["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("b-bad.yaml: not applied: ")
            && warning.contains("GATEHOUSE_TEST_UNSET_SECRET"),
        "{ready}"
    );
    handle.stop(true).await;
}
