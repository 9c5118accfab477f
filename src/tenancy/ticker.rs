//! The process-wide periodic tasks of tenancy (`sync`, the idle sweep): one
//! loop on the actix runtime each, not one timer per live tenant.

use crate::store::StoreError;
use std::sync::{Arc, Weak};
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
