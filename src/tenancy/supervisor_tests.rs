//! The supervisor's tests: actors start, recover from panics and reload.

use super::*;
use crate::config::{MasterKey, PublicUrl};
use crate::store::DatabaseUrl;
use crate::store::tenants::TenantRow;
use crate::tenancy::Reload;

/// Makes the actor panic, as a bug in a handler would.
#[derive(Message)]
#[rtype(result = "()")]
struct Boom;

impl Handler<Boom> for TenantActor {
    type Result = ();
    fn handle(&mut self, _: Boom, _: &mut Self::Context) {
        panic!("boom (deliberate, in a test)");
    }
}

/// Long enough that no test's actor goes idle.
const LONG_IDLE: Duration = Duration::from_secs(600);

fn store_with_tenant(dir: &std::path::Path) -> Store {
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("t.db").display())).unwrap();
    let store = Store::connect(&url, 4, Duration::from_secs(5)).unwrap();
    store.migrate().unwrap();
    let now = chrono::Utc::now().naive_utc();
    store
        .with_conn(|c| {
            crate::store::tenants::insert(
                c,
                &TenantRow {
                    id: "t1".into(),
                    slug: "acme".into(),
                    name: "Acme".into(),
                    status: "active".into(),
                    config_version: 1,
                    created_at: now,
                    updated_at: now,
                    jws_algorithm: "ES256".into(),
                    id_token_alg: None,
                    source_file: None,
                    status_from_file: false,
                },
            )
        })
        .unwrap();
    store
}

/// Renames the tenant in the database and moves its configuration version,
/// as `tenants apply` in another process would.
fn rename_acme(store: &Store) {
    store
        .with_conn(|c| {
            let t = crate::store::TenantId::from_db("t1".into());
            let now = chrono::Utc::now().naive_utc();
            let rename = crate::store::tenants::TenantChanges {
                name: Some("Acme Corp"),
                ..crate::store::tenants::TenantChanges::at(now)
            };
            crate::store::tenants::update(c, &t, &rename)?;
            crate::store::tenants::bump_version(c, &t, now)
        })
        .unwrap();
}

/// A supervisor over a fresh database whose one tenant is live; the
/// directory holds the database for as long as the test keeps it.
async fn live_acme() -> (tempfile::TempDir, Store, Supervisor, TenantHandle) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_tenant(dir.path());
    let sup = Supervisor::start(store.clone(), options(LONG_IDLE));
    let handle = sup.get("acme").await.unwrap().unwrap();
    (dir, store, sup, handle)
}

fn options(idle: Duration) -> SupervisorOptions {
    SupervisorOptions {
        load: LoadContext {
            public_url: PublicUrl::default(),
            master_key: MasterKey::decode(&"11".repeat(32)).unwrap(),
            grant_types: &[],
        },
        clock: Arc::new(crate::clock::SystemClock),
        idle_timeout: idle,
        reload_interval: Duration::from_secs(60),
        revocation_sync_interval: Duration::from_secs(60),
        shards: 1,
        health: Default::default(),
    }
}

#[actix_rt::test]
async fn a_panicked_actor_is_recreated_on_next_use() {
    let dir = tempfile::tempdir().unwrap();
    let sup = Supervisor::start(store_with_tenant(dir.path()), options(LONG_IDLE));
    let first = sup.get("acme").await.unwrap().unwrap();
    assert_eq!(first.snapshot().issuer, "http://127.0.0.1:8080/t/acme");
    assert!(
        first.addr.send(Boom).await.is_err(),
        "the panic drops the actor"
    );
    // The mailbox closes as the panicked task unwinds, a moment later.
    for _ in 0..200 {
        if !first.addr.connected() {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!first.addr.connected());

    let second = sup.get("acme").await.unwrap().unwrap();
    assert!(second.addr.connected());
    assert!(second.addr != first.addr, "a new actor");
    // The new actor works, on the same shard arbiter the panic happened on.
    assert!(second.addr.send(Reload).await.unwrap().is_ok());
    assert_eq!(sup.live_tenants(), vec!["acme".to_owned()]);
}

#[actix_rt::test]
async fn unknown_tenants_start_no_actor() {
    let dir = tempfile::tempdir().unwrap();
    let sup = Supervisor::start(store_with_tenant(dir.path()), options(LONG_IDLE));
    assert!(sup.get("nobody").await.unwrap().is_none());
    assert!(sup.get("../etc").await.unwrap().is_none());
    assert!(sup.live_tenants().is_empty());
}

#[actix_rt::test]
async fn reload_publishes_a_new_snapshot() {
    let (_dir, store, _sup, h) = live_acme().await;
    let before = h.snapshot();
    assert_eq!(
        before.keys.biscuit_signer().0,
        1,
        "keys were created on first load"
    );
    rename_acme(&store);
    assert!(h.addr.send(Reload).await.unwrap().unwrap());
    assert_eq!(h.snapshot().name, "Acme Corp");
    assert_eq!(before.name, "Acme", "old readers keep their snapshot");
}

/// The process-wide configuration poll (issue 13): one read for all live
/// tenants; only an actor whose version moved is asked to reload.
#[actix_rt::test]
async fn the_config_poll_reloads_only_tenants_whose_version_moved() {
    let (_dir, store, sup, h) = live_acme().await;
    let before = h.snapshot();
    let registry = &sup.inner.registry;
    assert_eq!(config_poll::poll_once(&store, registry).await.unwrap(), 0);
    assert!(
        Arc::ptr_eq(&before, &h.snapshot()),
        "an unmoved tenant is not re-read"
    );

    rename_acme(&store);
    assert_eq!(config_poll::poll_once(&store, registry).await.unwrap(), 1);
    // The actor reloads on its own arbiter; wait (bounded) until it has.
    let mut reloaded = false;
    for _ in 0..250 {
        if h.snapshot().name == "Acme Corp" {
            reloaded = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reloaded, "the moved tenant reloaded");
    assert_eq!(h.snapshot().config_version, before.config_version + 1);
    assert_eq!(config_poll::poll_once(&store, registry).await.unwrap(), 0);
}
