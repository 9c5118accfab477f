use super::snapshot::TenantSnapshot;
use super::supervisor::Registry;
use crate::config::PublicUrl;
use crate::store::{self, Store, StoreError};
use actix::prelude::*;
use arc_swap::ArcSwap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// One per live tenant per process. Owns the tenant's in-process state; stops
/// itself after `idle_timeout` without requests, and reloads its snapshot when
/// the tenant's configuration version in the database moves (another process,
/// or `gatehouse tenants apply`, changed it).
pub struct TenantActor {
    pub(super) slug: String,
    pub(super) store: Store,
    pub(super) public_url: PublicUrl,
    pub(super) snapshot: Arc<ArcSwap<TenantSnapshot>>,
    /// Milliseconds since `epoch` of the last request; written by the supervisor.
    pub(super) last_used: Arc<AtomicU64>,
    pub(super) epoch: Instant,
    pub(super) idle_timeout: Duration,
    pub(super) reload_interval: Duration,
    pub(super) registry: Weak<Registry>,
}

impl TenantActor {
    fn idle_for(&self) -> Duration {
        let now = self.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_used.load(Ordering::Relaxed)))
    }

    fn check_idle(&mut self, ctx: &mut Context<Self>) {
        if self.idle_for() >= self.idle_timeout {
            tracing::debug!(tenant = %self.slug, "tenant actor idle; stopping");
            ctx.stop();
        }
    }

    /// Re-reads the tenant row and publishes a new snapshot if it changed.
    fn reload(&self) -> impl Future<Output = Result<bool, StoreError>> + 'static {
        let store = self.store.clone();
        let slug = self.slug.clone();
        let public_url = self.public_url.clone();
        let snapshot = self.snapshot.clone();
        async move {
            let row = store
                .run(move |c| store::tenants::find_by_slug(c, &slug))
                .await?;
            let Some(row) = row else { return Ok(false) };
            let fresh = TenantSnapshot::from_row(&row, &public_url);
            if **snapshot.load() == fresh {
                return Ok(false);
            }
            snapshot.store(Arc::new(fresh));
            Ok(true)
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
        ctx.run_interval(self.reload_interval, |act, ctx| {
            let slug = act.slug.clone();
            ctx.spawn(act.reload().into_actor(act).map(move |r, _, _| {
                if let Err(e) = r {
                    tracing::warn!(tenant = %slug, error = %e, "tenant reload failed");
                }
            }));
        });
    }

    fn stopping(&mut self, ctx: &mut Self::Context) -> Running {
        if let Some(registry) = self.registry.upgrade() {
            registry.remove_if_same(&self.slug, &ctx.address());
        }
        Running::Stop
    }
}

/// Reload the snapshot from the database now; answers whether it changed.
#[derive(Message)]
#[rtype(result = "Result<bool, StoreError>")]
pub struct Reload;

impl Handler<Reload> for TenantActor {
    type Result = ResponseFuture<Result<bool, StoreError>>;

    fn handle(&mut self, _: Reload, _: &mut Self::Context) -> Self::Result {
        Box::pin(self.reload())
    }
}
