use super::actor::{ActorParts, Membership, StopIfIdle, TenantActor};
use super::declarative::Slug;
use super::handle::TenantHandle;
use super::loader::{self, LoadContext, LoadError};
use super::propagation;
use super::registry::Registry;
use super::revocations::{Fresh, Revocations};
use super::snapshot::TenantSnapshot;
use super::sync::ProcessSync;
use crate::clock::Clock;
use crate::store::{self, Store, revocation_acks, write_one, write_tx};
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
    /// The process-wide revocation sync; it names this process in
    /// `revocation_acks` (each live tenant adds a counter).
    sync: Arc<ProcessSync>,
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
        let sync = Arc::new(ProcessSync::new(
            store.clone(),
            options.clock.clone(),
            store::new_id(),
            options.revocation_sync_interval,
            options.reload_interval,
            Arc::downgrade(&registry),
        ));
        sync.spawn();
        let epoch = Instant::now();
        spawn_idle_sweep(&registry, epoch, options.idle_timeout);
        Self {
            inner: Arc::new(Inner {
                store,
                options,
                shards,
                registry,
                epoch,
                sync,
                instances: AtomicU64::new(0),
            }),
        }
    }

    /// At shutdown, after the server stopped: this process holds no tenant
    /// live any more, so its records in `revocation_acks` go (bans stop
    /// waiting for them at once rather than after the alive window).
    pub fn shutdown(&self) {
        self.inner.sync.stop();
        let process = self.inner.sync.process().to_owned();
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
        let process = self.inner.sync.process().to_owned();
        let n = self.inner.instances.fetch_add(1, Ordering::Relaxed);
        let instance: Arc<str> = format!("{process}-{n}").into();
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
                write_one(c, |c| {
                    revocation_acks::register(c, &tenant, &id, &process, now)
                })?;
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
                self.inner.sync.forget(&tenant, &instance);
                self.report(slug, &e);
                return Err(e);
            }
        };
        self.inner.options.health.clear(&format!("tenant {slug}"));
        let revocations = Revocations::new(
            propagation::vouch_window(self.inner.options.revocation_sync_interval),
            registered,
            self.inner.sync.sync_clock(),
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
                sync: self.inner.sync.clone(),
                membership,
            });
            let shard = &self.inner.shards[shard_of(slug, self.inner.shards.len())];
            let handle = TenantHandle {
                addr: TenantActor::start_in_arbiter(shard, move |_| actor),
                snapshot,
                revocations,
                last_used,
                instance: instance.clone(),
                sync: self.inner.sync.clone(),
            };
            self.inner.sync.joined(handle.clone());
            handle
        });
        // Another request may have started it while we read the database:
        // this instance's ack record goes.
        started.unwrap_or_else(|running| {
            self.inner.sync.forget(&tenant, &instance);
            running
        })
    }

    /// Slugs of the tenants with a live actor in this process.
    pub fn live_tenants(&self) -> Vec<String> {
        self.inner.registry.live_slugs()
    }
}

/// One sweep per process for idle tenants, every quarter of `idle_timeout`
/// (20 ms to 30 s): the actors unused for `idle_timeout` are asked to stop,
/// and each re-checks under the registry's write lock (`TenantActor`).
fn spawn_idle_sweep(registry: &Arc<Registry>, epoch: Instant, idle_timeout: Duration) {
    let every = (idle_timeout / 4).clamp(Duration::from_millis(20), Duration::from_secs(30));
    let timeout_ms = idle_timeout.as_millis() as u64;
    super::ticker::every(
        every,
        None,
        Arc::downgrade(registry),
        "idle sweep",
        move |r| {
            let now_ms = epoch.elapsed().as_millis() as u64;
            if let Some(before) = now_ms.checked_sub(timeout_ms) {
                for addr in r.idle(before) {
                    addr.do_send(StopIfIdle);
                }
            }
            std::future::ready(Ok(()))
        },
    );
}

fn shard_of(slug: &str, shards: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    slug.hash(&mut h);
    (h.finish() % shards.max(1) as u64) as usize
}

#[cfg(test)]
#[path = "supervisor_tests.rs"]
mod tests;
