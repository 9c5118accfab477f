use super::loader::{self, LoadContext, LoadError};
use super::propagation;
use super::revocations::{Fresh, Revocations};
use super::snapshot::TenantSnapshot;
use crate::clock::Clock;
use crate::store::{self, Store, StoreError, revocation_acks, write_tx};
use actix::prelude::*;
use arc_swap::ArcSwap;
use chrono::NaiveDateTime;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// One per live tenant per process. The single writer of the tenant's
/// in-process state: it publishes snapshots, keeps the revocation set, and
/// stops itself after `idle_timeout` without requests. It reloads when the
/// process-wide poll (`tenancy::config_poll`) sees the tenant's configuration
/// version move (another process, or `gatehouse tenants apply`, changed it);
/// every `revocation_sync_interval` it reads revocations and bans made by
/// other processes and records how far it got (`tenancy::propagation`).
pub struct TenantActor {
    pub(super) slug: String,
    /// This actor's name in `revocation_acks`: the process and a counter, so
    /// that a stopping actor never removes its successor's record.
    pub(super) instance: Arc<str>,
    pub(super) store: Store,
    pub(super) load: LoadContext,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) snapshot: Arc<ArcSwap<TenantSnapshot>>,
    pub(super) revocations: Arc<Revocations>,
    /// Milliseconds since `epoch` of the last request; written by the supervisor.
    pub(super) last_used: Arc<AtomicU64>,
    pub(super) epoch: Instant,
    pub(super) idle_timeout: Duration,
    pub(super) revocation_sync_interval: Duration,
    /// Held by the running revocation sync: ticks skip while it runs,
    /// `SyncRevocations` queues behind it.
    pub(super) sync_lock: Arc<tokio::sync::Mutex<()>>,
    membership: Weak<dyn Membership>,
}

/// Where a live actor is listed (the process's registry), which it leaves
/// when it stops.
pub(super) trait Membership: Send + Sync {
    /// Leaves if `idle()` still holds under the registry's write lock;
    /// whether the actor may stop.
    fn leave_if_idle(
        &self,
        slug: &str,
        addr: &Addr<TenantActor>,
        idle: &mut dyn FnMut() -> bool,
    ) -> bool;
    /// Leaves if `slug` still maps to `addr` (a stopping actor must not
    /// remove its replacement).
    fn leave(&self, slug: &str, addr: &Addr<TenantActor>);
}

/// What a new actor is made of.
pub(super) struct ActorParts {
    pub slug: String,
    pub instance: Arc<str>,
    pub store: Store,
    pub load: LoadContext,
    pub clock: Arc<dyn Clock>,
    pub snapshot: Arc<ArcSwap<TenantSnapshot>>,
    pub revocations: Arc<Revocations>,
    pub last_used: Arc<AtomicU64>,
    pub epoch: Instant,
    pub idle_timeout: Duration,
    pub revocation_sync_interval: Duration,
    pub membership: Weak<dyn Membership>,
}

impl TenantActor {
    pub(super) fn new(p: ActorParts) -> Self {
        Self {
            slug: p.slug,
            instance: p.instance,
            store: p.store,
            load: p.load,
            clock: p.clock,
            snapshot: p.snapshot,
            revocations: p.revocations,
            last_used: p.last_used,
            epoch: p.epoch,
            idle_timeout: p.idle_timeout,
            revocation_sync_interval: p.revocation_sync_interval,
            sync_lock: Default::default(),
            membership: p.membership,
        }
    }

    fn idle_for(&self) -> Duration {
        let now = self.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_used.load(Ordering::Relaxed)))
    }

    /// Stops the actor once idle. It leaves the registry first, re-checking
    /// idleness under the registry's write lock: a request that took this
    /// actor's handle marked it used under the read lock, so no request holds
    /// the handle of an actor that stops for idleness (whose handles refuse
    /// every token once it has stopped).
    fn check_idle(&mut self, ctx: &mut Context<Self>) {
        if self.idle_for() < self.idle_timeout {
            return;
        }
        let left = match self.membership.upgrade() {
            Some(registry) => registry.leave_if_idle(&self.slug, &ctx.address(), &mut || {
                self.idle_for() >= self.idle_timeout
            }),
            None => true,
        };
        if left {
            tracing::debug!(tenant = %self.slug, "tenant actor idle; stopping");
            ctx.stop();
        }
    }

    /// Reloads the snapshot if the configuration version moved (or `force`).
    fn reload(&self, force: bool) -> impl Future<Output = Result<bool, LoadError>> + 'static {
        let store = self.store.clone();
        let current = self.snapshot.load_full();
        let snapshot = self.snapshot.clone();
        let ctx = self.load.clone();
        let now = self.clock.db_now();
        async move {
            let load = ctx.clone();
            let stored = store
                .run(move |c| {
                    let version = store::tenants::config_version(c, &current.id)?;
                    if !force && version == Some(current.config_version) {
                        return Ok(None);
                    }
                    let Some(row) = store::tenants::find_by_slug(c, &current.slug)? else {
                        return Ok(None);
                    };
                    loader::read(c, row, &load, now).map(Some)
                })
                .await?;
            let Some(stored) = stored else {
                return Ok(false);
            };
            let fresh = loader::build_off_thread(stored, ctx).await?;
            snapshot.store(Arc::new(fresh));
            Ok(true)
        }
    }

    /// Reads revocations and bans recorded since the last sync (by any
    /// process), applies them, then records the epoch applied. One sync at a
    /// time: with `wait` the sync queues behind a running one (and then reads
    /// afresh), without it it is skipped. Syncs that overlapped could apply
    /// an older read after a newer one was confirmed to a banning process.
    fn sync_revocations(
        &self,
        wait: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + 'static {
        let store = self.store.clone();
        let tenant = self.snapshot.load().id.clone();
        let revocations = self.revocations.clone();
        let instance = self.instance.clone();
        let heartbeat = propagation::heartbeat(self.revocation_sync_interval);
        let clock = self.clock.clone();
        let lock = self.sync_lock.clone();
        async move {
            let _one_at_a_time = if wait {
                lock.lock_owned().await
            } else {
                match lock.try_lock_owned() {
                    Ok(guard) => guard,
                    Err(_) => return Ok(()),
                }
            };
            let (now, started) = (clock.db_now(), std::time::Instant::now());
            let (t, known) = (tenant.clone(), revocations.applied_epoch());
            let fresh = store.run(move |c| Fresh::read(c, &t, now, known)).await?;
            let epoch = match fresh {
                Some(fresh) => revocations.apply(fresh),
                None => known,
            };
            if revocations.needs_ack(epoch, heartbeat) {
                store
                    .run(move |c| {
                        write_tx(c, |c| {
                            revocation_acks::ack(c, &tenant, &instance, epoch, now)
                        })
                    })
                    .await?;
                revocations.set_acked(epoch);
                revocations.set_complete(started);
            }
            Ok(())
        }
    }
}

impl Actor for TenantActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::debug!(tenant = %self.slug, "tenant actor started");
        let check_every =
            (self.idle_timeout / 4).clamp(Duration::from_millis(20), Duration::from_secs(30));
        ctx.run_interval(check_every, Self::check_idle);
        ctx.spawn(
            self.sync_revocations(true)
                .into_actor(self)
                .map(|_, _, _| ()),
        );
        ctx.run_interval(self.revocation_sync_interval, |act, ctx| {
            let slug = act.slug.clone();
            let sync = act.sync_revocations(false);
            ctx.spawn(
                async move {
                    if let Err(e) = sync.await {
                        tracing::warn!(tenant = %slug, error = %e, "revocation sync failed");
                    }
                }
                .into_actor(act),
            );
        });
    }

    fn stopping(&mut self, ctx: &mut Self::Context) -> Running {
        if let Some(registry) = self.membership.upgrade() {
            registry.leave(&self.slug, &ctx.address());
        }
        self.revocations.retire();
        forget(&self.store, &self.snapshot.load().id, &self.instance);
        Running::Stop
    }
}

/// Reload the snapshot from the database now; answers whether it changed.
#[derive(Message)]
#[rtype(result = "Result<bool, LoadError>")]
pub struct Reload;

impl Handler<Reload> for TenantActor {
    type Result = ResponseFuture<Result<bool, LoadError>>;

    fn handle(&mut self, _: Reload, _: &mut Self::Context) -> Self::Result {
        Box::pin(self.reload(true))
    }
}

/// Reload the snapshot if the configuration version in the database still
/// differs from the loaded one (sent by `tenancy::config_poll`; a reload
/// already done by then makes it a cheap version read).
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct ReloadIfChanged;

impl Handler<ReloadIfChanged> for TenantActor {
    type Result = ();

    fn handle(&mut self, _: ReloadIfChanged, ctx: &mut Self::Context) {
        let slug = self.slug.clone();
        let work = self.reload(false);
        ctx.spawn(
            async move {
                if let Err(e) = work.await {
                    tracing::warn!(tenant = %slug, error = %e, "tenant reload failed");
                }
            }
            .into_actor(self),
        );
    }
}

/// Revoke an access token by its revocation id (RFC 7009): recorded in the
/// database first, then in this process's set.
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct RevokeToken {
    pub revocation_id: String,
    pub expires_at: NaiveDateTime,
}

impl Handler<RevokeToken> for TenantActor {
    type Result = ResponseFuture<Result<(), StoreError>>;

    fn handle(&mut self, msg: RevokeToken, _: &mut Self::Context) -> Self::Result {
        let store = self.store.clone();
        let tenant = self.snapshot.load().id.clone();
        let revocations = self.revocations.clone();
        let now = self.clock.db_now();
        Box::pin(async move {
            let id = msg.revocation_id.clone();
            store
                .run(move |c| store::revocations::revoke(c, &tenant, &id, msg.expires_at, now))
                .await?;
            revocations.insert_all([msg.revocation_id]);
            Ok(())
        })
    }
}

/// Read revocations recorded in the database now (after a write elsewhere in
/// this process revoked tokens outside `RevokeToken`).
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct SyncRevocations;

impl Handler<SyncRevocations> for TenantActor {
    type Result = ResponseFuture<Result<(), StoreError>>;

    fn handle(&mut self, _: SyncRevocations, _: &mut Self::Context) -> Self::Result {
        Box::pin(self.sync_revocations(true))
    }
}

/// Removes an actor instance's record from `revocation_acks`, off the async
/// threads and without waiting: bans stop waiting for it. Best effort; a
/// record left behind drops out of the alive window. An actor stopped while
/// its arbiter shuts down has no runtime to hand the work to: it is done
/// there and then (the process's remaining records are removed at shutdown,
/// `Supervisor::shutdown`).
pub(super) fn forget(store: &Store, tenant: &store::TenantId, instance: &Arc<str>) {
    let (store, tenant, instance) = (store.clone(), tenant.clone(), instance.clone());
    let work = move || {
        let forgotten =
            store.with_conn(|c| write_tx(c, |c| revocation_acks::forget(c, &tenant, &instance)));
        if let Err(e) = forgotten {
            tracing::debug!(error = %e, "could not remove a revocation ack");
        }
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        actix_web::rt::task::spawn_blocking(work);
    } else {
        work();
    }
}
