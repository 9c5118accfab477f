use crate::helpers::{demo_yaml, eventually, problem, spawn_app, spawn_app_with};
use std::time::Duration;

#[actix_web::test]
async fn unknown_tenant_is_404_and_starts_no_actor() {
    let app = spawn_app().await;
    for slug in ["nosuch", "UPPER", "x"] {
        assert_eq!(
            problem(app.get(&format!("/t/{slug}")).await).await,
            (
                404,
                serde_json::json!({
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": format!("no tenant named {slug:?}"),
                })
            )
        );
    }
    assert!(app.state.tenants.live_tenants().is_empty());
}

#[actix_web::test]
async fn known_tenant_answers_with_its_issuer_from_a_live_actor() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    assert!(
        app.state.tenants.live_tenants().is_empty(),
        "actors start lazily"
    );
    let res = app.get("/t/acme").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "tenant": "acme",
            "name": "Demo Organisation",
            "issuer": "http://127.0.0.1:8080/t/acme",
        })
    );
    assert_eq!(app.state.tenants.live_tenants(), vec!["acme".to_owned()]);
}

#[actix_web::test]
async fn idle_tenant_actor_stops_and_comes_back_on_demand() {
    let app = spawn_app_with(
        |c| c.tenants.idle_timeout = Duration::from_millis(300),
        Some(&demo_yaml("acme")),
    )
    .await;
    assert_eq!(app.get("/t/acme").await.status(), 200);
    assert_eq!(app.state.tenants.live_tenants(), vec!["acme".to_owned()]);
    let stopped = eventually(Duration::from_secs(10), || {
        app.state.tenants.live_tenants().is_empty()
    })
    .await;
    assert!(stopped, "idle actor stopped");
    assert_eq!(app.get("/t/acme").await.status(), 200);
    assert_eq!(app.state.tenants.live_tenants(), vec!["acme".to_owned()]);
}

#[actix_web::test]
async fn snapshot_follows_changes_made_by_another_process() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    assert_eq!(app.get("/t/acme").await.status(), 200);
    // Another process (here: the CLI) renames the tenant in the database.
    let path = app.write_tenant(
        "tenant.yaml",
        &demo_yaml("acme").replace("Demo Organisation", "Acme Corp"),
    );
    let out = crate::cli::gatehouse(&app, &["tenants", "apply", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut renamed = false;
    for _ in 0..100 {
        let body: serde_json::Value = app.get_json("/t/acme").await;
        if body["name"] == "Acme Corp" {
            renamed = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(renamed, "the live tenant reloaded its snapshot");
}
