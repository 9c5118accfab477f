use super::actor::{ActorParts, Membership, TenantActor};
use super::config_poll;
use super::declarative::Slug;
use super::handle::TenantHandle;
use super::loader::{self, LoadContext, LoadError};
use super::propagation;
use super::registry::Registry;
use super::revocations::{Fresh, Revocations};
use super::snapshot::TenantSnapshot;
use crate::clock::Clock;
use crate::store::{self, Store, revocation_acks, write_tx};
use actix::prelude::*;
use actix_rt::{Arbiter, ArbiterHandle};
use arc_swap::ArcSwap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct SupervisorOptions {
    pub load: LoadContext,
    pub clock: Arc<dyn Clock>,
    pub idle_timeout: Duration,
    pub reload_interval: Duration,
    pub revocation_sync_interval: Duration,
    /// Arbiter threads hosting actors; 0 = one per CPU core.
    pub shards: usize,
    /// Where tenants that cannot be loaded are reported (`/readyz`).
    pub health: Arc<super::health::Health>,
}

struct Inner {
    store: Store,
    options: SupervisorOptions,
    shards: Vec<ArbiterHandle>,
    registry: Arc<Registry>,
    epoch: Instant,
    /// Names this process in `revocation_acks`; each actor adds a counter.
    process: String,
    instances: AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for shard in &self.shards {
            shard.stop();
        }
    }
}

/// Starts tenant actors lazily on a fixed set of shard arbiters (tenant hashed
/// to a shard), recreates one whose actor died (a panic drops the actor, and its
/// address reports `connected() == false`), and lets idle actors stop.
#[derive(Clone)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

impl Supervisor {
    /// Must be called inside a running actix System.
    pub fn start(store: Store, options: SupervisorOptions) -> Self {
        let n = if options.shards == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            options.shards
        };
        let shards = (0..n).map(|_| Arbiter::new().handle()).collect();
        let registry = Arc::new(Registry::default());
        config_poll::spawn(
            store.clone(),
            Arc::downgrade(&registry),
            options.reload_interval,
        );
        Self {
            inner: Arc::new(Inner {
                store,
                options,
                shards,
                registry,
                epoch: Instant::now(),
                process: store::new_id(),
                instances: AtomicU64::new(0),
            }),
        }
    }

    /// At shutdown, after the server stopped: this process holds no tenant
    /// live any more, so its records in `revocation_acks` go (bans stop
    /// waiting for them at once rather than after the alive window).
    pub fn shutdown(&self) {
        let process = self.inner.process.clone();
        let removed = self
            .inner
            .store
            .with_conn(|c| write_tx(c, |c| revocation_acks::forget_process(c, &process)));
        match removed {
            Ok(n) => tracing::debug!(instances = n, "revocation acks removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove this process's revocation acks"),
        }
    }

    fn now_ms(&self) -> u64 {
        self.inner.epoch.elapsed().as_millis() as u64
    }

    /// The live tenant for `slug`, starting its actor if needed. `None` when no
    /// such tenant exists; then no actor is created.
    pub async fn get(&self, slug: &str) -> Result<Option<TenantHandle>, LoadError> {
        if let Some(handle) = self.live(slug) {
            return Ok(Some(handle));
        }
        if Slug::parse(slug).is_err() {
            return Ok(None);
        }
        let owned = slug.to_owned();
        let ctx = self.inner.options.load.clone();
        let (now, registered) = (self.inner.options.clock.db_now(), Instant::now());
        let instance: Arc<str> = format!(
            "{}-{}",
            self.inner.process,
            self.inner.instances.fetch_add(1, Ordering::Relaxed)
        )
        .into();
        let (id, load) = (instance.clone(), ctx.clone());
        let loaded = self
            .inner
            .store
            .run(move |c| {
                let Some(row) = store::tenants::find_by_slug(c, &owned)? else {
                    return Ok(None);
                };
                let tenant = row.tenant_id();
                // Registered before the first read (tenancy::propagation): a
                // ban committed after that read waits for this actor.
                write_tx(c, |c| revocation_acks::register(c, &tenant, &id, 0, now))?;
                let fresh = Fresh::read_all(c, &tenant, now)?;
                Ok::<_, LoadError>(Some((loader::read(c, row, &load, now)?, fresh)))
            })
            .await
            .inspect_err(|e| self.report(slug, e))?;
        let Some((stored, fresh)) = loaded else {
            return Ok(None);
        };
        let tenant = stored.tenant_id();
        let snapshot = match loader::build_off_thread(stored, ctx).await {
            Ok(s) => s,
            Err(e) => {
                // Registered above: no actor will ever remove the record.
                super::actor::forget(&self.inner.store, &tenant, &instance);
                self.report(slug, &e);
                return Err(e);
            }
        };
        self.inner.options.health.clear(&format!("tenant {slug}"));
        let revocations = Revocations::new(
            propagation::vouch_window(self.inner.options.revocation_sync_interval),
            registered,
        );
        revocations.apply(fresh);
        Ok(Some(self.start_actor(
            slug,
            snapshot,
            revocations,
            instance,
        )))
    }

    /// A tenant whose keys cannot be opened makes the process unready.
    fn report(&self, slug: &str, e: &LoadError) {
        if let LoadError::Keys(k) = e {
            tracing::error!(tenant = %slug, error = %k, "the tenant's keys cannot be opened");
            self.inner.options.health.set(
                &format!("tenant {slug}"),
                super::health::Severity::Unready,
                format!("its keys cannot be opened ({k})"),
            );
        }
    }

    /// The handle of a live, connected actor, marking the tenant as used.
    fn live(&self, slug: &str) -> Option<TenantHandle> {
        self.inner.registry.live(slug, self.now_ms())
    }

    fn start_actor(
        &self,
        slug: &str,
        snapshot: TenantSnapshot,
        revocations: Revocations,
        instance: Arc<str>,
    ) -> TenantHandle {
        let tenant = snapshot.id.clone();
        let started = self.inner.registry.insert_with(slug, self.now_ms(), || {
            let snapshot = Arc::new(ArcSwap::from_pointee(snapshot));
            let revocations = Arc::new(revocations);
            let last_used = Arc::new(AtomicU64::new(self.now_ms()));
            let options = &self.inner.options;
            let membership: Weak<dyn Membership> = Arc::downgrade(&self.inner.registry) as _;
            let actor = TenantActor::new(ActorParts {
                slug: slug.to_owned(),
                instance: instance.clone(),
                store: self.inner.store.clone(),
                load: options.load.clone(),
                clock: options.clock.clone(),
                snapshot: snapshot.clone(),
                revocations: revocations.clone(),
                last_used: last_used.clone(),
                epoch: self.inner.epoch,
                idle_timeout: options.idle_timeout,
                revocation_sync_interval: options.revocation_sync_interval,
                membership,
            });
            let shard = &self.inner.shards[shard_of(slug, self.inner.shards.len())];
            TenantHandle {
                addr: TenantActor::start_in_arbiter(shard, move |_| actor),
                snapshot,
                revocations,
                last_used,
            }
        });
        // Another request may have started it while we read the database:
        // this instance's ack record goes.
        started.unwrap_or_else(|running| {
            super::actor::forget(&self.inner.store, &tenant, &instance);
            running
        })
    }

    /// Slugs of the tenants with a live actor in this process.
    pub fn live_tenants(&self) -> Vec<String> {
        self.inner.registry.live_slugs()
    }
}

fn shard_of(slug: &str, shards: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    slug.hash(&mut h);
    (h.finish() % shards.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
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
        let sup = Supervisor::start(
            store_with_tenant(dir.path()),
            options(Duration::from_secs(600)),
        );
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
        let sup = Supervisor::start(
            store_with_tenant(dir.path()),
            options(Duration::from_secs(600)),
        );
        assert!(sup.get("nobody").await.unwrap().is_none());
        assert!(sup.get("../etc").await.unwrap().is_none());
        assert!(sup.live_tenants().is_empty());
    }

    #[actix_rt::test]
    async fn reload_publishes_a_new_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_tenant(dir.path());
        let sup = Supervisor::start(store.clone(), options(Duration::from_secs(600)));
        let h = sup.get("acme").await.unwrap().unwrap();
        let before = h.snapshot();
        assert_eq!(
            before.keys.biscuit_signer().0,
            1,
            "keys were created on first load"
        );
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
        assert!(h.addr.send(Reload).await.unwrap().unwrap());
        assert_eq!(h.snapshot().name, "Acme Corp");
        assert_eq!(before.name, "Acme", "old readers keep their snapshot");
    }

    /// The process-wide configuration poll (issue 13): one read for all live
    /// tenants; only an actor whose version moved is asked to reload.
    #[actix_rt::test]
    async fn the_config_poll_reloads_only_tenants_whose_version_moved() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_tenant(dir.path());
        let sup = Supervisor::start(store.clone(), options(Duration::from_secs(600)));
        let h = sup.get("acme").await.unwrap().unwrap();
        let before = h.snapshot();
        let registry = &sup.inner.registry;
        assert_eq!(config_poll::poll_once(&store, registry).await.unwrap(), 0);
        assert!(
            Arc::ptr_eq(&before, &h.snapshot()),
            "an unmoved tenant is not re-read"
        );

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
}
