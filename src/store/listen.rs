//! PostgreSQL `LISTEN`/`NOTIFY` for the process-wide revocation sync
//! (`tenancy::sync`): a change to any tenant's revocation epoch notifies
//! [`CHANNEL`] in its transaction (delivered at commit), and every process's
//! [`Listener`] sees it within a poll and wakes its sync at once instead of at
//! the next tick. The ticks stay the fallback: a lost notification, a dropped
//! listener connection or SQLite (which has no notifications) only cost the
//! tick interval.

use super::{DbConnection, Store, StoreError};
use diesel::RunQueryDsl;

/// The channel every process listens on.
pub const CHANNEL: &str = "gatehouse_changes";

/// Notifies the other processes; call inside the transaction of the change
/// (PostgreSQL delivers it at commit, and not at all on rollback). Nothing on
/// SQLite.
pub fn notify(conn: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query(format!("NOTIFY {CHANNEL}")).execute(pg)?;
    }
    Ok(())
}

/// A session of its own that listens on [`CHANNEL`]. `libpq` reads delivered
/// notifications only when asked (`PQconsumeInput`, a cheap call that does
/// not block), so the owner polls it — on a blocking thread, like every
/// database call, and only while its runtime runs, so that nothing touches
/// `libpq` once a process has begun to exit.
#[derive(Default)]
pub struct Listener {
    conn: Option<diesel::PgConnection>,
}

impl Listener {
    /// Whether the owner should look for changes now: a notification arrived
    /// since the last poll, or the session was (re)opened (one may have been
    /// missed meanwhile). A failed poll closes the session; the next one
    /// opens a new one.
    pub fn poll(&mut self, store: &Store) -> Result<bool, StoreError> {
        let Some(pg) = self.conn.as_mut() else {
            let DbConnection::Postgres(mut pg) = store.dedicated()? else {
                return Ok(false);
            };
            diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut pg)?;
            self.conn = Some(pg);
            return Ok(true);
        };
        let mut notified = Ok(false);
        for n in pg.notifications_iter() {
            notified = n.map(|_| true);
            if notified.is_err() {
                break;
            }
        }
        if notified.is_err() {
            self.conn = None;
        }
        Ok(notified?)
    }
}
