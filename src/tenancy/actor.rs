use super::loader::{self, LoadContext, LoadError};
use super::revocations::Revocations;
use super::snapshot::TenantSnapshot;
use super::sync::ProcessSync;
use crate::clock::Clock;
use crate::store::{self, Store, StoreError};
use actix::prelude::*;
use arc_swap::ArcSwap;
use chrono::NaiveDateTime;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// One per live tenant per process. The single writer of the tenant's
/// snapshot: it publishes snapshots, records this process's revocations, and
/// stops itself after `idle_timeout` without requests. It reloads when the
/// process-wide sync (`tenancy::sync`) sees the tenant's configuration
/// version move (another process, or `gatehouse tenants apply`, changed it);
/// revocations and bans made by other processes reach its revocation set
/// through the process-wide sync (`tenancy::sync`).
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
    sync: Arc<ProcessSync>,
    membership: Weak<dyn Membership>,
}

/// Where a live actor is listed (the process's registry), which it leaves
/// when it stops.
pub(super) trait Membership: Send + Sync {
    /// Leaves if `idle()` still holds under the registry's write lock;
    /// whether the actor may stop.
    fn leave_if_idle(&self, slug: &str, instance: &str, idle: &mut dyn FnMut() -> bool) -> bool;
    /// Leaves if `slug` is still this instance (a stopping actor must not
    /// remove its replacement).
    fn leave(&self, slug: &str, instance: &str);
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
    pub sync: Arc<ProcessSync>,
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
            sync: p.sync,
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
            Some(registry) => registry.leave_if_idle(&self.slug, &self.instance, &mut || {
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
}

impl Actor for TenantActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        tracing::debug!(tenant = %self.slug, "tenant actor started");
    }
}

/// Stop if still idle: sent by the process-wide idle sweep
/// (`Registry::idle`), which replaces a timer per live tenant.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct StopIfIdle;

impl Handler<StopIfIdle> for TenantActor {
    type Result = ();

    fn handle(&mut self, _: StopIfIdle, ctx: &mut Self::Context) {
        self.check_idle(ctx);
    }
}

/// Stopped for idleness, stopped with its arbiter, or dropped by a panic in a
/// handler (which skips `stopping`): the tenant leaves the registry, its
/// handles refuse every token, and its record goes, so bans stop waiting for
/// it — the process's heartbeat would otherwise keep the record alive.
impl Drop for TenantActor {
    fn drop(&mut self) {
        if let Some(registry) = self.membership.upgrade() {
            registry.leave(&self.slug, &self.instance);
        }
        self.revocations.retire();
        self.sync.forget(&self.snapshot.load().id, &self.instance);
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
/// differs from the loaded one (sent by `tenancy::sync`; a reload
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
