//! A code or refresh token is redeemed at most once, even when 50 requests race
//! for it across two servers sharing one database — in one test process, and
//! as two separate `gatehouse serve` OS processes.

use crate::helpers::{TestApp, spawn_app_at, spawn_second};
use crate::process::{Served, serve};
use crate::signin::{VERIFIER, WEB, code_form, query, sign_in, signed_in_tokens, yaml};
use gatehouse::clock::SystemClock;
use serde_json::Value;
use std::sync::Arc;

/// One token request as `web` to each of `urls`, all at once: the statuses.
async fn post_all(urls: Vec<String>, form: &[(&str, String)]) -> Vec<u16> {
    let mut handles = Vec::new();
    for url in urls {
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        handles.push(actix_web::rt::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .basic_auth(WEB.0, Some(WEB.1))
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses
}

/// A form with owned values, to send from spawned tasks.
fn owned(form: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    form.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// The request that rotates the refresh token of the token response `tokens`.
fn refresh_form(tokens: &Value) -> Vec<(&'static str, String)> {
    owned(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ])
}

async fn race(apps: [&TestApp; 2], form: Vec<(&'static str, String)>) -> (usize, usize) {
    let urls = (0..50).map(|i| apps[i % 2].url("/t/acme/token")).collect();
    let mut ok = 0;
    let mut refused = 0;
    for status in post_all(urls, &form).await {
        match status {
            200 => ok += 1,
            400 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    (ok, refused)
}

/// Two servers on one database, and the browser of alice signed in at the first.
async fn two_servers_and_alice() -> (TestApp, TestApp, reqwest::Client) {
    let a = spawn_app_at(
        |c| c.database.pool_size = 16,
        Some(&yaml("acme")),
        Arc::new(SystemClock),
    )
    .await;
    let b = spawn_second(&a).await;
    (a, b, crate::signin::browser())
}

#[actix_web::test]
async fn fifty_concurrent_redemptions_of_one_code_succeed_once() {
    let (a, b, browser) = two_servers_and_alice().await;
    let location = sign_in(&a, &browser, "openid offline_access", &["offline_access"]).await;
    let code = query(&location)["code"].clone();
    assert_eq!(
        race([&a, &b], owned(&code_form(&code, VERIFIER))).await,
        (1, 49)
    );
}

#[actix_web::test]
async fn fifty_concurrent_refreshes_of_one_token_succeed_once() {
    let (a, b, browser) = two_servers_and_alice().await;
    let tokens = signed_in_tokens(&a, &browser, "openid offline_access", &["offline_access"]).await;
    assert_eq!(race([&a, &b], refresh_form(&tokens)).await, (1, 49));
}

/// Two `gatehouse serve` OS processes on one database (the test run's
/// PostgreSQL, or one SQLite file): nothing shared but the database.
fn two_processes(dir: &std::path::Path, db: &crate::helpers::TestDb) -> [Served; 2] {
    std::fs::create_dir_all(dir.join("tenants")).unwrap();
    std::fs::write(dir.join("tenants/acme.yaml"), yaml("acme")).unwrap();
    let env = [
        ("GATEHOUSE_DATABASE__URL", db.url()),
        (
            "GATEHOUSE_SECURITY__MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
        ("GATEHOUSE_LOGGING__LEVEL", "info,gatehouse::http=warn"),
    ];
    // One after the other: the second finds the tenant file already applied.
    let a = serve(dir, &env).unwrap();
    let b = serve(dir, &env).unwrap();
    [a, b]
}

/// Signs alice in at `base`; the code.
async fn code_at(base: &Served) -> String {
    crate::signin::code_at(
        |p| base.url(p),
        "web",
        "openid offline_access",
        ("alice", "alice-password-1"),
        &["offline_access"],
    )
    .await
}

/// `n` concurrent token requests spread over the processes: the statuses.
async fn race_processes(servers: &[Served; 2], n: usize, form: &[(&str, String)]) -> Vec<u16> {
    let urls = (0..n)
        .map(|i| servers[i % 2].url("/t/acme/token"))
        .collect();
    post_all(urls, form).await
}

#[actix_web::test]
async fn code_replays_across_two_os_processes_answer_invalid_grant_never_500() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::TestDb::new(dir.path());
    let servers = two_processes(dir.path(), &db);
    for round in 0..3 {
        let code = code_at(&servers[round % 2]).await;
        let form = owned(&code_form(&code, VERIFIER));
        let statuses = race_processes(&servers, 20, &form).await;
        let ok = statuses.iter().filter(|s| **s == 200).count();
        let refused = statuses.iter().filter(|s| **s == 400).count();
        assert_eq!(
            (ok, refused),
            (1, 19),
            "round {round}: {statuses:?}\n{}\n{}",
            servers[0].log(),
            servers[1].log()
        );
    }
    // And refresh tokens, rotated exactly once.
    let code = code_at(&servers[0]).await;
    let res = reqwest::Client::new()
        .post(servers[1].url("/t/acme/token"))
        .basic_auth(WEB.0, Some(WEB.1))
        .form(&code_form(&code, VERIFIER))
        .send()
        .await
        .unwrap();
    let tokens: Value = res.json().await.unwrap();
    let statuses = race_processes(&servers, 20, &refresh_form(&tokens)).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
}

/// Two transactions revoke the same id at once (as two replayed redemptions of
/// one code do in two processes): the second waits for the first and then
/// finds the id revoked — no primary-key collision, no error.
#[actix_web::test]
async fn concurrent_revocations_of_one_id_never_collide() {
    use gatehouse::store::{self, StoreError, write_tx};
    let app = spawn_app_at(|_| {}, Some(&yaml("acme")), Arc::new(SystemClock)).await;
    let tenant = app
        .state
        .store
        .with_conn(|c| Ok::<_, StoreError>(store::tenants::find_by_slug(c, "acme")?.unwrap()))
        .unwrap()
        .tenant_id();
    let now = chrono::Utc::now().naive_utc();
    let later = now + chrono::Duration::hours(1);
    let (inserted_tx, inserted) = std::sync::mpsc::channel::<()>();
    let first = {
        let (store, tenant) = (app.state.store.clone(), tenant.clone());
        std::thread::spawn(move || {
            store.with_conn(|c| {
                write_tx(c, |c| {
                    store::revocations::revoke_in_tx(c, &tenant, "rid-1", later, now)?;
                    inserted_tx.send(()).unwrap();
                    // Hold the transaction open while the other one starts.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    Ok::<_, StoreError>(())
                })
            })
        })
    };
    inserted.recv().unwrap();
    let second = {
        let (store, tenant) = (app.state.store.clone(), tenant.clone());
        std::thread::spawn(move || {
            store.with_conn(|c| {
                write_tx(c, |c| {
                    store::revocations::revoke_in_tx(c, &tenant, "rid-1", later, now)
                })
            })
        })
    };
    first.join().unwrap().unwrap();
    second.join().unwrap().unwrap();
    let ids = app
        .state
        .store
        .with_conn(|c| store::revocations::after_epoch(c, &tenant, 0, now))
        .unwrap();
    assert_eq!(ids, ["rid-1"]);
}
