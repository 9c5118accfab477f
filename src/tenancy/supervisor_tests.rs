//! The supervisor's tests: actors start, recover from panics and reload;
//! the process-wide revocation sync (`tenancy::sync`) applies what moved.

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
    insert_tenant(&store, "t1", "acme", "Acme");
    store
}

fn insert_tenant(store: &Store, id: &str, slug: &str, name: &str) {
    let now = chrono::Utc::now().naive_utc();
    store
        .with_conn(|c| crate::store::tenants::insert(c, &TenantRow::active(id, slug, name, now)))
        .unwrap();
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
    assert_eq!(ack_rows(&store_of(&sup)).len(), 1);
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
    // The panicked instance's record went with it (the process's heartbeat
    // would keep it alive otherwise, and every ban would wait for it).
    let rows = wait_for(|| {
        let rows = ack_rows(&store_of(&sup));
        (rows.len() == 1).then_some(rows)
    })
    .await;
    assert_eq!(rows[0].0, &*second.instance);
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

/// The process-wide sync (issue 13) reads the configuration version with the
/// revocation epoch; only an actor whose version moved is asked to reload.
#[actix_rt::test]
async fn a_tick_reloads_only_tenants_whose_configuration_moved() {
    let (_dir, store, sup, h) = live_acme().await;
    let before = h.snapshot();
    sup.inner.sync.tick().await.unwrap();
    assert!(
        Arc::ptr_eq(&before, &h.snapshot()),
        "an unmoved tenant is not re-read"
    );

    rename_acme(&store);
    sup.inner.sync.tick().await.unwrap();
    // The actor reloads on its own arbiter; wait (bounded) until it has.
    wait_for(|| (h.snapshot().name == "Acme Corp").then_some(())).await;
    assert_eq!(h.snapshot().config_version, before.config_version + 1);
    let reloaded = h.snapshot();
    assert_eq!(sup.inner.sync.tick().await.unwrap(), Default::default());
    assert!(Arc::ptr_eq(&reloaded, &h.snapshot()));
}

fn store_of(sup: &Supervisor) -> Store {
    sup.inner.store.clone()
}

/// `(instance, epoch)` of every record in `revocation_acks`, by instance.
fn ack_rows(store: &Store) -> Vec<(String, i64)> {
    use crate::store::schema::revocation_acks as acks;
    use diesel::prelude::*;
    store
        .with_conn(|c| {
            Ok::<_, crate::store::StoreError>(
                acks::table
                    .select((acks::instance_id, acks::epoch))
                    .order(acks::instance_id.asc())
                    .load(c)?,
            )
        })
        .unwrap()
}

/// Polls `check` (bounded: 5 s) until it gives a value.
async fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..250 {
        if let Some(v) = check() {
            return v;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not reached within 5 s");
}

/// `n` live tenants `x0…` (slugs `s0…`) on one supervisor that syncs
/// every `sync_interval`, after one tick.
async fn live_tenants(
    n: usize,
    sync_interval: Duration,
) -> (tempfile::TempDir, Store, Supervisor, Vec<TenantHandle>) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_tenant(dir.path());
    for i in 0..n {
        insert_tenant(&store, &format!("x{i}"), &format!("s{i}"), "Many");
    }
    let options = SupervisorOptions {
        revocation_sync_interval: sync_interval,
        ..options(LONG_IDLE)
    };
    let sup = Supervisor::start(store.clone(), options);
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(sup.get(&format!("s{i}")).await.unwrap().unwrap());
    }
    sup.inner.sync.tick().await.unwrap();
    (dir, store, sup, handles)
}

/// No tick runs on its own during a test that uses this.
const NO_TICKS: Duration = Duration::from_secs(60);

/// In one transaction, as another process would: revokes `id` and bans the
/// client `svc` in each of `tenants`.
fn revoke_and_ban(store: &Store, tenants: &[&str], id: &str) {
    let now = chrono::Utc::now().naive_utc();
    store
        .with_conn(|c| {
            crate::store::write_tx(c, |c| {
                for t in tenants {
                    let t = crate::store::TenantId::from_db((*t).into());
                    let target = crate::store::bans::BanTarget::Client("svc".into());
                    let keep = chrono::Duration::hours(1);
                    crate::store::bans::ban(c, &t, &target, now, || now, keep)?;
                    revocation_acks::bump(c, &t)?;
                    crate::store::revocations::revoke_in_tx(c, &t, id, now + keep, now)?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
        })
        .unwrap();
}

/// Issue 13: one tick applies a revocation and a ban to many live tenants,
/// with one write for all their acks.
#[actix_rt::test]
async fn one_tick_applies_a_revocation_and_a_ban_to_many_tenants() {
    let (_dir, store, sup, handles) = live_tenants(200, NO_TICKS).await;
    let before = chrono::Utc::now().timestamp() - 1;
    assert!(!handles[0].is_revoked("x") && !handles[0].is_banned("svc", None, Some(before)));
    let ids: Vec<String> = (0..200).map(|i| format!("x{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    revoke_and_ban(&store, &ids, "x");

    let stats = sup.inner.sync.tick().await.unwrap();
    assert_eq!((stats.reread, stats.writes), (200, 1));
    for h in &handles {
        assert!(h.is_revoked("x"));
        assert!(h.is_banned("svc", None, Some(before)));
        assert!(!h.is_banned("other", None, Some(before)));
    }
    // Every instance acknowledged the epoch it applied: the ban's and the
    // revocation's (2), acme's untouched (0, acknowledged on its first tick).
    let rows = ack_rows(&store);
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|(_, epoch)| *epoch == 2), "{rows:?}");
}

/// A tenant whose epoch did not move is not read again, and a tick with
/// nothing moved reads no epoch and writes nothing.
#[actix_rt::test]
async fn a_tenant_whose_epoch_did_not_move_is_not_reread() {
    let (_dir, store, sup, handles) = live_tenants(3, NO_TICKS).await;
    let idle = sup.inner.sync.tick().await.unwrap();
    assert_eq!(
        idle,
        Default::default(),
        "nothing moved: nothing read or written"
    );
    let applied: Vec<i64> = handles
        .iter()
        .map(|h| h.revocations.applied_epoch())
        .collect();

    revoke_and_ban(&store, &["x1"], "y");
    let stats = sup.inner.sync.tick().await.unwrap();
    assert_eq!((stats.reread, stats.writes), (1, 1));
    // Only t1's shard moved; tenants of other shards were not even read.
    assert!(stats.epochs_read < 3 || shards_collide(&["x0", "x1", "x2"]));
    assert!(handles[1].is_revoked("y"));
    assert!(!handles[0].is_revoked("y") && !handles[2].is_revoked("y"));
    assert_eq!(handles[0].revocations.applied_epoch(), applied[0]);
    assert_eq!(handles[2].revocations.applied_epoch(), applied[2]);
    assert_eq!(handles[1].revocations.applied_epoch(), applied[1] + 2);
    assert_eq!(sup.inner.sync.tick().await.unwrap(), Default::default());
}

fn shards_collide(ids: &[&str]) -> bool {
    let shards: std::collections::HashSet<usize> = ids
        .iter()
        .map(|t| crate::store::changes::shard_of(t))
        .collect();
    shards.len() < ids.len()
}

/// A process whose ticks fail stops vouching for tokens after the vouch
/// window, and vouches again after a tick succeeds (fail-closed).
#[actix_rt::test]
async fn failing_ticks_stop_vouching_after_the_window() {
    // Ticks of its own every 100 ms: the shortest vouch window (5 s).
    let (_dir, store, sup, handles) = live_tenants(1, Duration::from_millis(100)).await;
    let h = &handles[0];
    let recent = Some(chrono::Utc::now().timestamp());
    assert!(!h.is_banned("svc", None, recent));
    let rename = |from: &str, to: &str| {
        let sql = format!("ALTER TABLE {from} RENAME TO {to}");
        store
            .with_conn(|c| {
                use diesel::RunQueryDsl;
                Ok::<_, crate::store::StoreError>(diesel::sql_query(&sql).execute(c)?)
            })
            .unwrap();
    };
    rename("change_counters", "change_counters_away");
    let window = propagation::vouch_window(sup.inner.options.revocation_sync_interval);
    let failed_until = Instant::now() + window + Duration::from_millis(200);
    while Instant::now() < failed_until {
        assert!(sup.inner.sync.tick().await.is_err());
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        h.is_banned("svc", None, recent),
        "in doubt: no token passes"
    );
    rename("change_counters_away", "change_counters");
    sup.inner.sync.tick().await.unwrap();
    assert!(!h.is_banned("svc", None, recent));
}
