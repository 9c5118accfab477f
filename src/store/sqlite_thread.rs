//! On SQLite, `Store::run` hands its closures to one database thread that
//! owns one connection, instead of running them on the blocking pool with a
//! pooled connection each.
//!
//! Why (docs/performance.md, "Where the time goes in a refresh"): in WAL mode a
//! connection discards its whole page cache at the start of every read
//! transaction when another connection has committed since its last one, so
//! with several pooled connections under a write load every lookup re-read its
//! B-tree pages from the OS, and writers queued on the write lock hopping
//! between threads. One connection keeps its cache warm (its own commits do
//! not invalidate it), and the closures are short: callers keep CPU-heavy
//! work (signing tokens, hashing passwords) outside them. Other processes
//! sharing the file still coordinate through SQLite's locks.
//!
//! `Store::with_conn` (start-up, the CLI, tests) keeps using the pool.

use super::{DbConnection, StoreError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

/// A closure for the database thread; it gets the connection, or the error
/// opening it.
type Job = Box<dyn FnOnce(Result<&mut DbConnection, StoreError>) + Send>;

/// The sending end; the thread ends when every clone is dropped.
#[derive(Clone)]
pub(super) struct SqliteThread {
    jobs: mpsc::Sender<Job>,
}

impl SqliteThread {
    /// Starts the thread; `connect` opens (and reopens) its connection.
    pub(super) fn start(
        connect: impl Fn() -> Result<DbConnection, StoreError> + Send + 'static,
    ) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("gatehouse-sqlite".into())
            .spawn(move || serve(queue, connect))
            .map_err(|e| StoreError::Connect(format!("cannot start the database thread: {e}")))?;
        Ok(Self { jobs })
    }

    /// Runs `f` on the database thread and waits for it without blocking
    /// the async worker.
    pub(super) async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(match conn {
                Ok(c) => f(c),
                Err(e) => Err(E::from(e)),
            });
        });
        self.jobs.send(job).map_err(|_| StoreError::Cancelled)?;
        // A closure that panicked dropped its sender: like a cancelled
        // `web::block`.
        rx.await.map_err(|_| StoreError::Cancelled)?
    }
}

fn serve(queue: mpsc::Receiver<Job>, connect: impl Fn() -> Result<DbConnection, StoreError>) {
    let mut conn: Option<DbConnection> = None;
    while let Ok(job) = queue.recv() {
        if conn.is_none() {
            match connect() {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    job(Err(e));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        if catch_unwind(AssertUnwindSafe(|| job(Ok(c)))).is_err() {
            // The closure may have left a transaction open: start afresh.
            conn = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    fn thread(dir: &std::path::Path) -> SqliteThread {
        let path = dir.join("t.db").to_string_lossy().into_owned();
        SqliteThread::start(move || {
            SqliteConnection::establish(&path)
                .map(DbConnection::Sqlite)
                .map_err(|e| StoreError::Connect(e.to_string()))
        })
        .unwrap()
    }

    #[actix_web::test]
    async fn runs_closures_and_survives_a_panicking_one() {
        let dir = tempfile::tempdir().unwrap();
        let t = thread(dir.path());
        t.run(|c| Ok::<_, StoreError>(c.batch_execute("CREATE TABLE x (v INTEGER)")?))
            .await
            .unwrap();
        let panicked = t
            .run(|_| -> Result<(), StoreError> { panic!("boom") })
            .await;
        assert!(matches!(panicked, Err(StoreError::Cancelled)));
        // The next closure gets a fresh connection to the same file.
        t.run(|c| Ok::<_, StoreError>(c.batch_execute("INSERT INTO x VALUES (1)")?))
            .await
            .unwrap();
    }

    #[actix_web::test]
    async fn a_connection_that_cannot_open_is_the_closures_error() {
        let t = SqliteThread::start(|| Err(StoreError::Connect("no such place".into()))).unwrap();
        let r = t.run(|_| Ok::<_, StoreError>(1)).await;
        assert!(matches!(r, Err(StoreError::Connect(m)) if m == "no such place"));
    }
}
