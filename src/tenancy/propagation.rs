//! Bans in force on every process before the ban call answers.
//!
//! The process-wide sync (`tenancy::sync`) reads a moved tenant's revocation
//! epoch *before* its bans, applies what it read, and records the epoch as
//! applied under the tenant's instance id (`store::revocation_acks`); the
//! process records that it is alive every [`heartbeat`] (`sync_processes`),
//! which keeps all its instances alive. A new live tenant registers (epoch 0)
//! before its first read, so an instance that might have read the bans before
//! a ban committed is always one the banning process waits for. A ban moves
//! the epoch in its own transaction; the banning process then waits until
//! every instance alive within [`alive_window`] has applied the new epoch, or
//! until the timeout (a process that stopped without saying so drops out of
//! the window; one that cannot reach the database is reported unconfirmed
//! while it is in the window, and after [`vouch_window`] without a complete
//! sync it refuses every token of the tenant itself, so dropping out of the
//! window never leaves a process answering from a stale ban list).
//!
//! Wall clocks: `seen_at` is the acking process's clock, compared with the
//! banning process's; they must agree to within [`vouch_window`] (5 s by
//! default), as NTP keeps them.

use crate::clock::Clock;
use crate::store::{Store, TenantId, revocation_acks};
use std::time::{Duration, Instant};

/// How often a process records that it is alive, even when nothing changed.
pub fn heartbeat(sync_interval: Duration) -> Duration {
    (sync_interval * 4).max(Duration::from_secs(2))
}

/// An instance that has not recorded anything for this long is taken to be
/// gone (it stopped without removing its record, or its process died).
pub fn alive_window(sync_interval: Duration) -> Duration {
    heartbeat(sync_interval) * 5
}

/// A process that has not completed a sync for this long stops vouching for
/// any token of the tenant (introspection says inactive, decisions deny):
/// half the alive window, so it stops before banning processes stop waiting
/// for it, with room for clocks that disagree by less than that.
pub fn vouch_window(sync_interval: Duration) -> Duration {
    alive_window(sync_interval) / 2
}

/// How many live instances applied an epoch when the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Confirmation {
    pub confirmed: usize,
    pub unconfirmed: usize,
}

/// Waits until every live instance of every process has applied `epoch`
/// (this process's own included), polling the database, until `deadline`.
pub async fn confirm(
    store: &Store,
    clock: &dyn Clock,
    tenant: &TenantId,
    epoch: i64,
    sync_interval: Duration,
    deadline: Instant,
) -> Confirmation {
    let poll = (sync_interval / 4).clamp(Duration::from_millis(10), Duration::from_millis(100));
    let window = chrono::Duration::from_std(alive_window(sync_interval)).unwrap_or_default();
    let mut last = Confirmation {
        confirmed: 0,
        unconfirmed: 1,
    };
    loop {
        let (tenant, alive_since) = (tenant.clone(), clock.db_now() - window);
        // The ban is committed: a failed poll is not the caller's error, it
        // only leaves the count unconfirmed until a poll succeeds.
        let remaining = deadline.saturating_duration_since(Instant::now());
        let poll_once =
            store.run(move |c| revocation_acks::progress(c, &tenant, epoch, alive_since));
        match actix_web::rt::time::timeout(remaining, poll_once)
            .await
            .unwrap_or(Err(crate::store::StoreError::Cancelled))
        {
            Ok((confirmed, unconfirmed)) => {
                last = Confirmation {
                    confirmed,
                    unconfirmed,
                };
            }
            Err(e) => tracing::warn!(error = %e, "could not read ban confirmations"),
        }
        if last.unconfirmed == 0 || Instant::now() >= deadline {
            return last;
        }
        actix_web::rt::time::sleep(poll).await;
    }
}
