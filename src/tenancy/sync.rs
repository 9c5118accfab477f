//! One sync per process, not one per live tenant (issue 13). Every
//! `revocation_sync_interval` a tick reads the 1,024 change counters
//! (`store::changes`) that every revocation, ban and configuration change
//! moves; only live tenants whose shard moved (and those that just joined)
//! have their versions read, in chunks of [`CHUNK`] ids; a moved configuration
//! reloads, a moved epoch has its revocations and bans read and applied. The
//! acks and the heartbeat are one write per tick, and only then does the tick
//! vouch for the tenants it tracks (`revocations::SyncClock`). An idle process
//! reads 1,024 small rows per tick, however many tenants are live. The
//! guarantees of docs/architecture.md "Bans" hold: an instance registers
//! before its first read, a ban's process syncs its own instance at once
//! ([`ProcessSync::sync_one`]), an instance is alive while its process's
//! heartbeat is, and failing ticks stop vouching after the vouch window.

use super::actor::ReloadIfChanged;
use super::handle::TenantHandle;
use super::propagation;
use super::registry::Registry;
use super::revocations::{Fresh, SyncClock};
use crate::clock::Clock;
use crate::store::{self, Store, StoreError, TenantId, changes, revocation_acks, write_tx};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The process's sync: its identity, its tick's state and what is waiting
/// for the next tick.
pub(super) struct ProcessSync {
    store: Store,
    clock: Arc<dyn Clock>,
    /// Names this process in `sync_processes` and its instances' records.
    process: String,
    interval: Duration,
    /// Every this often a tick reads the versions of all live tenants,
    /// whatever the counters say (`tenants.reload_interval`): the fallback
    /// for changes made by a process of an earlier version, which did not
    /// move the counters.
    reconcile_every: Duration,
    /// Shared by every live tenant's revocation set.
    sync_clock: Arc<SyncClock>,
    registry: Weak<Registry>,
    /// Tenants that went live since the last tick: it reads them whatever
    /// the counters say.
    joined: Mutex<Vec<TenantHandle>>,
    /// Instance records whose removal failed; the next write retries them.
    forget_retry: Mutex<Vec<(TenantId, Arc<str>)>>,
    tick: tokio::sync::Mutex<TickState>,
    /// The process is shutting down: no tick writes a heartbeat any more.
    stopped: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct TickState {
    /// The counters as of the last complete tick.
    seen: Option<Vec<i64>>,
    last_heartbeat: Option<Instant>,
    last_reconcile: Option<Instant>,
}

/// A tenant a tick found moved: the epoch it has applied and the one stored.
struct Moved {
    handle: TenantHandle,
    applied: i64,
    stored: i64,
}

/// What one tick did, for tests and the benchmark's reasoning.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct TickStats {
    /// Tenants whose revocation epoch was read.
    pub epochs_read: usize,
    /// Tenants whose revocations and bans were read again (their epoch moved).
    pub reread: usize,
    /// Write transactions (0 or 1).
    pub writes: usize,
}

/// At most this many ids in one query: well under SQLite's 32,766 host
/// parameters and PostgreSQL's 65,535 bind parameters, and short enough that
/// one chunk does not hold SQLite's one database thread for long.
const CHUNK: usize = 5_000;

impl ProcessSync {
    pub(super) fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        process: String,
        interval: Duration,
        reconcile_every: Duration,
        registry: Weak<Registry>,
    ) -> Self {
        Self {
            store,
            clock,
            process,
            interval,
            reconcile_every,
            sync_clock: Arc::default(),
            registry,
            joined: Mutex::default(),
            forget_retry: Mutex::default(),
            tick: tokio::sync::Mutex::default(),
            stopped: Default::default(),
        }
    }

    /// Ends the ticks (`Supervisor::shutdown`, before it removes this
    /// process's records).
    pub(super) fn stop(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::Release);
    }

    pub(super) fn process(&self) -> &str {
        &self.process
    }

    pub(super) fn sync_clock(&self) -> Arc<SyncClock> {
        self.sync_clock.clone()
    }

    /// Runs the ticks on the current actix runtime until the sync is dropped;
    /// on PostgreSQL a change notified by any process wakes a tick at once
    /// (`store::listen`).
    pub(super) fn spawn(self: &Arc<Self>) {
        let wake = Arc::new(tokio::sync::Notify::new());
        if self.store.backend() == store::Backend::Postgres {
            let sync = Arc::downgrade(self);
            let alive = move || sync.upgrade().is_some_and(|s| !s.is_stopped());
            super::ticker::on_notify(self.store.clone(), alive, wake.clone());
        }
        let (every, owner) = (self.interval, Arc::downgrade(self));
        super::ticker::every(
            every,
            Some(wake),
            owner,
            "revocation sync",
            |sync: Arc<Self>| async move { sync.tick().await.map(|_| ()) },
        );
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::Acquire)
    }

    /// A tenant went live: the next tick reads it.
    pub(super) fn joined(&self, handle: TenantHandle) {
        lock(&self.joined).push(handle);
    }

    /// One tick (see the module comment).
    pub(super) async fn tick(&self) -> Result<TickStats, StoreError> {
        let mut state = self.tick.lock().await;
        if self.is_stopped() {
            return Ok(TickStats::default());
        }
        let (started, now) = (Instant::now(), self.clock.db_now());
        let counters = self.store.run(changes::all).await?;
        // After the counters: a change they do not show yet moves them again.
        let joined = std::mem::take(&mut *lock(&self.joined));
        let reconcile = state
            .last_reconcile
            .is_none_or(|t| t.elapsed() >= self.reconcile_every);
        let to_read = self.to_read(joined, state.seen.as_deref(), &counters, reconcile);
        let mut stats = TickStats {
            epochs_read: to_read.len(),
            ..TickStats::default()
        };
        let moved = self.moved_epochs(&to_read).await?;
        stats.reread = moved.iter().filter(|m| m.stored != m.applied).count();
        let acks = self.apply_moved(moved, now).await?;
        let heartbeat_due = state
            .last_heartbeat
            .is_none_or(|t| t.elapsed() >= propagation::heartbeat(self.interval));
        let retries = std::mem::take(&mut *lock(&self.forget_retry));
        if !acks.is_empty() || heartbeat_due || !retries.is_empty() {
            let written = self.write(&acks, heartbeat_due, &retries, now).await;
            if let Err(e) = written {
                lock(&self.forget_retry).extend(retries);
                return Err(e);
            }
            stats.writes = 1;
        }
        for (handle, epoch) in &acks {
            handle.revocations.set_acked(*epoch);
        }
        for handle in &to_read {
            handle.revocations.set_tracked();
        }
        self.sync_clock.set_complete(started);
        state.seen = Some(counters);
        if heartbeat_due {
            state.last_heartbeat = Some(started);
        }
        if reconcile {
            state.last_reconcile = Some(started);
        }
        Ok(stats)
    }

    /// The tenants whose epoch a tick reads: those that joined, those no
    /// tick has read yet, and those whose shard's counter moved (all of them
    /// on the first tick and on a reconcile).
    fn to_read(
        &self,
        joined: Vec<TenantHandle>,
        seen: Option<&[i64]>,
        counters: &[i64],
        reconcile: bool,
    ) -> Vec<TenantHandle> {
        let moved: Vec<bool> = match seen {
            Some(seen) if !reconcile => seen.iter().zip(counters).map(|(a, b)| a != b).collect(),
            _ => vec![true; counters.len()],
        };
        let any_moved = moved.iter().any(|m| *m);
        let mut out: HashMap<Arc<str>, TenantHandle> = joined
            .into_iter()
            .filter(|h| h.addr.connected())
            .map(|h| (h.instance.clone(), h))
            .collect();
        if any_moved && let Some(registry) = self.registry.upgrade() {
            let wanted = registry.live_where(|h| {
                moved[changes::shard_of(h.snapshot().id.as_str())] || !h.revocations.tracked()
            });
            for handle in wanted {
                out.insert(handle.instance.clone(), handle);
            }
        }
        out.into_values().collect()
    }

    /// The tenants among `handles` whose stored epoch differs from the one
    /// applied, or whose applied one is not acknowledged yet; those whose
    /// configuration version moved are asked to reload.
    async fn moved_epochs(&self, handles: &[TenantHandle]) -> Result<Vec<Moved>, StoreError> {
        let mut moved = Vec::new();
        for chunk in handles.chunks(CHUNK) {
            let ids: Vec<TenantId> = chunk.iter().map(|h| h.snapshot().id.clone()).collect();
            let versions = self
                .store
                .run(move |c| store::tenants::versions(c, &ids))
                .await?;
            let stored: HashMap<&str, &store::tenants::Versions> =
                versions.iter().map(|v| (v.id.as_str(), v)).collect();
            for handle in chunk {
                let snapshot = handle.snapshot();
                let Some(v) = stored.get(snapshot.id.as_str()) else {
                    continue;
                };
                // The configuration moves the same counters: its actor
                // reloads (and stays the snapshot's only writer).
                if v.config_version != snapshot.config_version {
                    handle.addr.do_send(ReloadIfChanged);
                }
                let applied = handle.revocations.applied_epoch();
                if v.revocation_epoch != applied || handle.revocations.needs_ack(applied) {
                    moved.push(Moved {
                        handle: handle.clone(),
                        applied,
                        stored: v.revocation_epoch,
                    });
                }
            }
        }
        Ok(moved)
    }

    /// Reads and applies the revocations and bans of the tenants whose epoch
    /// moved, in one database call, from the epoch already read (it was read
    /// before them, so they include at least everything up to it); the acks
    /// to write.
    async fn apply_moved(
        &self,
        moved: Vec<Moved>,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<(TenantHandle, i64)>, StoreError> {
        let wanted: Vec<(TenantId, i64, i64)> = moved
            .iter()
            .filter(|m| m.stored != m.applied)
            .map(|m| (m.handle.snapshot().id.clone(), m.stored, m.applied))
            .collect();
        let mut fresh = if wanted.is_empty() {
            Vec::new()
        } else {
            self.store
                .run(move |c| {
                    wanted
                        .iter()
                        .map(|(t, epoch, after)| Fresh::rows(c, t, *epoch, *after, now))
                        .collect::<Result<Vec<_>, _>>()
                })
                .await?
        }
        .into_iter();
        let mut acks = Vec::new();
        for m in moved {
            let epoch = match (m.stored != m.applied).then(|| fresh.next()).flatten() {
                Some(fresh) => m.handle.revocations.apply(fresh),
                None => m.applied,
            };
            if m.handle.revocations.needs_ack(epoch) {
                acks.push((m.handle, epoch));
            }
        }
        Ok(acks)
    }

    /// The tick's one write: acks, the heartbeat, removals to retry.
    async fn write(
        &self,
        acks: &[(TenantHandle, i64)],
        heartbeat: bool,
        retries: &[(TenantId, Arc<str>)],
        now: chrono::NaiveDateTime,
    ) -> Result<(), StoreError> {
        let acks: Vec<(TenantId, Arc<str>, i64)> = acks
            .iter()
            .map(|(h, e)| (h.snapshot().id.clone(), h.instance.clone(), *e))
            .collect();
        let (retries, process) = (retries.to_vec(), self.process.clone());
        self.store
            .run(move |c| {
                write_tx(c, |c| {
                    for (tenant, instance) in &retries {
                        revocation_acks::forget(c, tenant, instance)?;
                    }
                    for (tenant, instance, epoch) in &acks {
                        revocation_acks::ack(c, tenant, instance, *epoch, now)?;
                    }
                    if heartbeat {
                        revocation_acks::heartbeat(c, &process, now)?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// Reads one tenant's revocations and bans now and records its epoch —
    /// after a write in this process revoked tokens (a ban, a replayed code),
    /// so that this process is exact at once instead of at the next tick.
    pub(super) async fn sync_one(&self, handle: &TenantHandle) -> Result<(), StoreError> {
        let (started, now) = (Instant::now(), self.clock.db_now());
        let (tenant, known) = (
            handle.snapshot().id.clone(),
            handle.revocations.applied_epoch(),
        );
        let t = tenant.clone();
        let fresh = self
            .store
            .run(move |c| Fresh::read(c, &t, now, known))
            .await?;
        let epoch = match fresh {
            Some(fresh) => handle.revocations.apply(fresh),
            None => known,
        };
        if handle.revocations.needs_ack(epoch) {
            let instance = handle.instance.clone();
            self.store
                .run(move |c| {
                    write_tx(c, |c| {
                        revocation_acks::ack(c, &tenant, &instance, epoch, now).map(|_| ())
                    })
                })
                .await?;
            handle.revocations.set_acked(epoch);
        }
        handle.revocations.set_complete(started);
        Ok(())
    }

    /// Removes an instance's record (the tenant went idle, its actor died,
    /// or its load failed), off the async threads and without waiting: bans
    /// stop waiting for it. A failure is retried by the next tick's write,
    /// since the process's heartbeat would otherwise keep the record alive.
    /// Without a runtime (the arbiter shutting down) it is done there and
    /// then; `Supervisor::shutdown` removes what is left.
    pub(super) fn forget(self: &Arc<Self>, tenant: &TenantId, instance: &Arc<str>) {
        let (sync, tenant, instance) = (self.clone(), tenant.clone(), instance.clone());
        let work = move || {
            let forgotten = sync
                .store
                .with_conn(|c| write_tx(c, |c| revocation_acks::forget(c, &tenant, &instance)));
            if let Err(e) = forgotten {
                tracing::debug!(error = %e, "could not remove a revocation ack; retried next tick");
                lock(&sync.forget_retry).push((tenant, instance));
            }
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            actix_web::rt::task::spawn_blocking(work);
        } else {
            work();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
