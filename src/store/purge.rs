//! Housekeeping: a revoked token's row (`revoked_tokens`) and a used client
//! assertion's `jti` (`client_assertion_jtis`, RFC 7523 §3) matter only until
//! the token or assertion expires. One job per process deletes them a bounded
//! batch per transaction, so neither table grows forever and no purge holds
//! the database for long.

use super::{Store, StoreError, revocations, write_tx};
use crate::clock::Clock;
use chrono::NaiveDateTime;
use std::sync::Arc;
use std::time::Duration;

/// Rows per table and transaction.
pub const BATCH: i64 = 1_000;
/// Batches per run; what is left waits for the next run.
pub const MAX_BATCHES: usize = 20;
/// Rows are kept this long after their expiry, so that a process whose clock
/// lags behind still finds a revocation while it considers the token alive.
pub const KEEP_AFTER_EXPIRY: chrono::Duration = chrono::Duration::hours(1);

/// Deletes rows that expired before `now - KEEP_AFTER_EXPIRY`, at most
/// `MAX_BATCHES` batches; returns how many went.
pub async fn run_once(store: &Store, now: NaiveDateTime) -> Result<usize, StoreError> {
    let cutoff = now - KEEP_AFTER_EXPIRY;
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let n = store
            .run(move |c| write_tx(c, |c| revocations::purge_expired(c, cutoff, BATCH)))
            .await?;
        total += n;
        if n < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Runs [`run_once`] every `every` on the current actix system until it stops.
pub fn spawn(store: Store, clock: Arc<dyn Clock>, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every.max(Duration::from_secs(1)));
        tick.tick().await;
        loop {
            tick.tick().await;
            match run_once(&store, clock.db_now()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rows = n, "purged expired revocation rows"),
                Err(e) => tracing::warn!(error = %e, "purging expired revocation rows failed"),
            }
        }
    });
}
