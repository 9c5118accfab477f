//! Bans in force on every process before the ban call answers.
//!
//! Each tenant actor, on every revocation sync, reads the tenant's revocation
//! epoch *before* the bans, applies what it read, and records the epoch as
//! applied under its instance id (`store::revocation_acks`), at least every
//! [`heartbeat`] as a sign of life. A new actor registers (epoch 0) before its
//! first read, so an actor that might have read the bans before a ban
//! committed is always one the banning process waits for. A ban moves the
//! epoch in its own transaction; the banning process then waits until every
//! instance seen alive within [`alive_window`] has applied the new epoch, or
//! until the timeout (a process that stopped without saying so drops out of
//! the window, one that cannot reach the database is reported unconfirmed).

use crate::clock::Clock;
use crate::store::{Store, StoreError, TenantId, revocation_acks};
use std::time::{Duration, Instant};

/// How often a live actor records that it is alive, even when nothing changed.
pub fn heartbeat(sync_interval: Duration) -> Duration {
    (sync_interval * 4).max(Duration::from_secs(2))
}

/// An instance that has not recorded anything for this long is taken to be
/// gone (it stopped without removing its record, or its process died).
pub fn alive_window(sync_interval: Duration) -> Duration {
    heartbeat(sync_interval) * 5
}

/// How many live instances applied an epoch when the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Confirmation {
    pub confirmed: usize,
    pub unconfirmed: usize,
}

/// Waits until every live instance of every process has applied `epoch`
/// (this process's own included), polling the database, for at most
/// `timeout`.
pub async fn confirm(
    store: &Store,
    clock: &dyn Clock,
    tenant: &TenantId,
    epoch: i64,
    sync_interval: Duration,
    timeout: Duration,
) -> Result<Confirmation, StoreError> {
    let deadline = Instant::now() + timeout;
    let poll = (sync_interval / 4).clamp(Duration::from_millis(10), Duration::from_millis(100));
    let window = chrono::Duration::from_std(alive_window(sync_interval)).unwrap_or_default();
    loop {
        let (tenant, alive_since) = (tenant.clone(), clock.db_now() - window);
        let (confirmed, unconfirmed) = store
            .run(move |c| revocation_acks::progress(c, &tenant, epoch, alive_since))
            .await?;
        if unconfirmed == 0 || Instant::now() >= deadline {
            return Ok(Confirmation {
                confirmed,
                unconfirmed,
            });
        }
        actix_web::rt::time::sleep(poll).await;
    }
}
