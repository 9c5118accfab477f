use super::sqlite_thread::SqliteThread;
use super::{DbConnection, StoreError, migrate};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use std::path::PathBuf;
use std::time::Duration;

/// Which database a URL names. Chosen from the URL scheme by us, not by the
/// derived `establish`, which would hide PostgreSQL's real connection error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A parsed database URL: `postgres://…`/`postgresql://…`, or `sqlite://PATH`
/// (relative paths are relative to the working directory). `Debug` and
/// `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| StoreError::InvalidUrl(e.to_string()))?;
            return Ok(Self {
                raw: raw.to_owned(),
                backend: Backend::Postgres,
            });
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.contains(":memory:") {
                return Err(StoreError::InvalidUrl(
                    "sqlite URLs name a file, e.g. sqlite://data/gatehouse.db".into(),
                ));
            }
            return Ok(Self {
                raw: raw.to_owned(),
                backend: Backend::Sqlite,
            });
        }
        Err(StoreError::InvalidUrl(
            "expected a URL starting with postgres://, postgresql:// or sqlite://".into(),
        ))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The full URL, password included. Only for opening connections.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The SQLite file path, for SQLite URLs.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match self.backend {
            Backend::Sqlite => self
                .raw
                .strip_prefix("sqlite://")
                .or_else(|| self.raw.strip_prefix("sqlite:"))
                .map(PathBuf::from),
            Backend::Postgres => None,
        }
    }

    /// The same `postgres://` URL with `password` in it. An error for an
    /// SQLite URL, and for a URL that already has a password (two sources
    /// of one secret would leave it unclear which is used).
    pub fn with_password(&self, password: &str) -> Result<Self, String> {
        if self.backend != Backend::Postgres {
            return Err("only a postgres:// database URL takes a password".into());
        }
        let mut url = url::Url::parse(&self.raw).map_err(|e| e.to_string())?;
        if url.password().is_some() {
            return Err("database.url has a password already; remove one of the two".into());
        }
        if url.username().is_empty() {
            return Err("database.url names no user for the password".into());
        }
        url.set_password(Some(password))
            .map_err(|()| "database.url cannot take a password".to_owned())?;
        Ok(Self {
            raw: url.to_string(),
            backend: self.backend,
        })
    }

    /// The URL with any password replaced, safe for logs and `check-config`.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.raw) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("REDACTED"));
                u.to_string()
            }
            _ => self.raw.clone(),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Opens connections for the r2d2 pool and prepares each one.
#[derive(Debug)]
struct Manager {
    url: DatabaseUrl,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match self.url.backend {
            Backend::Postgres => PgConnection::establish(self.url.expose())
                .map(DbConnection::Postgres)
                .map_err(|e| ConnectError(e.to_string())),
            Backend::Sqlite => {
                let path = self.url.sqlite_path().unwrap_or_default();
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| ConnectError(e.to_string()))?;
                // Every SQLite connection needs these: WAL for concurrent readers,
                // a busy timeout so writers wait instead of failing, and foreign
                // keys (off by default in SQLite).
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| ConnectError(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The connection pool and the backend it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// SQLite only: the thread that runs [`Store::run`] closures.
    sqlite: Option<SqliteThread>,
    /// For connections outside the pool ([`Store::dedicated`]).
    url: DatabaseUrl,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens a pool. For SQLite the file (and its directory) is created on first use.
    pub fn connect(
        url: &DatabaseUrl,
        pool_size: u32,
        connect_timeout: Duration,
    ) -> Result<Self, StoreError> {
        if let Some(path) = url.sqlite_path() {
            use crate::config::private_fs;
            let cannot = |p: &std::path::Path, e| {
                StoreError::Connect(format!("cannot create {}: {e}", p.display()))
            };
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                private_fs::create_private_dir_all(dir).map_err(|e| cannot(dir, e))?;
            }
            private_fs::create_private_file_if_missing(&path).map_err(|e| cannot(&path, e))?;
        }
        // Open one connection first so that a bad URL reports the real error
        // rather than r2d2's generic timeout.
        let manager = Manager { url: url.clone() };
        let first =
            r2d2::ManageConnection::connect(&manager).map_err(|e| StoreError::Connect(e.0))?;
        drop(first);
        // PostgreSQL connections can die with the server or the network, so
        // each checkout is tested (`SELECT 1`); an SQLite connection is a file
        // handle in this process and is not, saving a statement per request.
        let pool = r2d2::Pool::builder()
            .test_on_check_out(url.backend() == Backend::Postgres)
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(connect_timeout)
            .build_unchecked(manager);
        let sqlite = match url.backend() {
            Backend::Sqlite => {
                let manager = Manager { url: url.clone() };
                Some(SqliteThread::start(move || {
                    r2d2::ManageConnection::connect(&manager).map_err(|e| StoreError::Connect(e.0))
                })?)
            }
            Backend::Postgres => None,
        };
        Ok(Self {
            pool,
            backend: url.backend(),
            sqlite,
            url: url.clone(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection of its own, outside the pool, set up like the pool's:
    /// for a session that holds state across statements (PostgreSQL's
    /// `LISTEN`, `store::listen`).
    pub fn dedicated(&self) -> Result<DbConnection, StoreError> {
        let manager = Manager {
            url: self.url.clone(),
        };
        r2d2::ManageConnection::connect(&manager).map_err(|e| StoreError::Connect(e.0))
    }

    /// Runs `f` with a pooled connection on the current (blocking) thread.
    pub fn with_conn<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(StoreError::from)?;
        f(&mut conn)
    }

    /// Runs `f` off the async workers: on PostgreSQL with a pooled
    /// connection on the blocking thread pool (the checkout happens there too),
    /// on SQLite on the database thread (`store::sqlite_thread`). Keep `f`
    /// short and free of CPU-heavy work: on SQLite closures run one at a time.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        if let Some(thread) = &self.sqlite {
            return thread.run(f).await;
        }
        let store = self.clone();
        actix_web::web::block(move || store.with_conn(f))
            .await
            .map_err(|_| StoreError::Cancelled)?
    }

    /// Applies pending migrations for this backend.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        self.with_conn(migrate::run_pending)
    }

    /// A cheap query that proves the database answers and holds our schema.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get_timeout(timeout)?;
            conn.batch_execute("SELECT 1 FROM tenants WHERE 1 = 0")?;
            Ok(())
        })
        .await
        .map_err(|_| StoreError::Cancelled)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_backend_from_scheme() {
        let pg = DatabaseUrl::parse("postgres://u:pw@127.0.0.1:5432/test").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        let lite = DatabaseUrl::parse("sqlite://data/g.db").unwrap();
        assert_eq!(lite.backend(), Backend::Sqlite);
        assert_eq!(lite.sqlite_path(), Some(PathBuf::from("data/g.db")));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
    }

    #[test]
    fn password_never_shows() {
        let pg = DatabaseUrl::parse("postgres://u:hunter2@db/test").unwrap();
        assert!(!format!("{pg:?}").contains("hunter2"));
        assert!(!pg.to_string().contains("hunter2"));
        assert_eq!(pg.redacted(), "postgres://u:REDACTED@db/test");
    }
}
