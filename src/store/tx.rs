use super::DbConnection;
use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use std::sync::Mutex;

/// One SQLite writer at a time in this process (see [`write_tx`]). Shared by
/// every SQLite database the process opens; only tests open more than one.
static SQLITE_WRITER: Mutex<()> = Mutex::new(());

/// Runs `f` in one write transaction: everything it writes commits together or
/// not at all.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock
/// up front: a deferred transaction that reads and then writes fails with
/// SQLITE_BUSY when another connection wrote in between, while an immediate one
/// waits for the lock (busy_timeout). PostgreSQL needs nothing special.
///
/// Within one process, SQLite write transactions also queue on [`SQLITE_WRITER`]
/// first. SQLite has one writer at a time anyway; without the queue, waiting
/// writers poll the file lock from SQLite's busy handler, which sleeps 1, 2, 5,
/// 10 … ms between tries, so a lock held for 50 µs cost waiters milliseconds.
/// Other processes sharing the file still wait through busy_timeout.
pub fn write_tx<T, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    match conn {
        DbConnection::Postgres(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            // A panic inside `f` rolls back (the connection is then dropped
            // by the pool); the guard holds no data, so poisoning is ignored.
            let _writer = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(e) => {
                    // The original error matters more than a failed rollback.
                    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                        conn,
                    );
                    Err(e)
                }
            }
        }
    }
}

/// Runs `f`, which makes exactly one write statement: a statement outside a
/// transaction block is a transaction by itself, so on PostgreSQL this skips
/// `BEGIN` and `COMMIT` (one round trip instead of three). On SQLite it is
/// [`write_tx`], for the writer queue.
pub fn write_one<T, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    match conn {
        DbConnection::Postgres(_) => f(conn),
        DbConnection::Sqlite(_) => write_tx(conn, f),
    }
}
