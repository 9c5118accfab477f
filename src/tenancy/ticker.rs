//! The process-wide periodic tasks of tenancy (`sync`, the idle sweep, the
//! PostgreSQL change listener): one loop on the actix runtime each, not one
//! timer per live tenant.

use crate::store::listen::Listener;
use crate::store::{Store, StoreError};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Notify;

/// Runs `tick` every `every` on the current actix runtime, the first time one
/// interval after the start (tenants loaded meanwhile read everything at
/// their load), and also whenever `wake` is notified; ticks missed while one
/// runs are skipped. The loop ends when `owner` is gone. A failed tick is
/// logged as `what` and retried next time.
pub(super) fn every<T, F, Fut>(
    every: Duration,
    wake: Option<Arc<Notify>>,
    owner: Weak<T>,
    what: &'static str,
    tick: F,
) where
    T: Send + Sync + 'static,
    F: Fn(Arc<T>) -> Fut + 'static,
    Fut: Future<Output = Result<(), StoreError>>,
{
    actix::spawn(async move {
        let mut interval = actix::clock::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        interval.tick().await;
        loop {
            match &wake {
                Some(wake) => tokio::select! {
                    _ = interval.tick() => {}
                    () = wake.notified() => {}
                },
                None => {
                    interval.tick().await;
                }
            }
            let Some(owner) = owner.upgrade() else {
                return;
            };
            if let Err(e) = tick(owner).await {
                tracing::warn!(error = %e, "{what} failed");
            }
        }
    });
}

/// How often the `LISTEN` session is asked for notifications: the delay
/// between another process's change and this one's tick, on PostgreSQL.
const LISTEN_POLL: Duration = Duration::from_millis(20);

/// Polls a `LISTEN` session (`store::listen`) every [`LISTEN_POLL`] on a
/// blocking thread, and notifies `wake` when another process notified a
/// change, while `alive` holds.
pub(super) fn on_notify(store: Store, alive: impl Fn() -> bool + 'static, wake: Arc<Notify>) {
    let listener = Arc::new(Mutex::new(Listener::default()));
    actix::spawn(async move {
        loop {
            actix_web::rt::time::sleep(LISTEN_POLL).await;
            if !alive() {
                return;
            }
            let (l, s) = (listener.clone(), store.clone());
            let polled = actix_web::rt::task::spawn_blocking(move || {
                l.lock().unwrap_or_else(|p| p.into_inner()).poll(&s)
            });
            match polled.await {
                Ok(Ok(true)) => wake.notify_one(),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "change listener failed; reconnecting");
                    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
                }
                Err(_) => return,
            }
        }
    });
}
