//! Storage: Diesel over one connection type that is either SQLite or PostgreSQL,
//! with one set of queries. Every tenant-owned query takes the tenant right after
//! the connection, so a cross-tenant read cannot be written by accident.
//!
//! Database calls are blocking; async callers go through [`Store::run`], never
//! on an async worker thread: on SQLite the closure runs on the one database
//! thread with its one connection (`sqlite_thread`), on PostgreSQL on the
//! blocking pool with a pooled connection.
//!
//! Single-row lookups use `.get_result(conn)` (first row of the result), never
//! `.first(conn)`: Diesel's `.first()` appends `LIMIT ?` with a bound value, and
//! SQLite (built with STAT4) re-prepares a statement whose bound values may change
//! the plan, on every execution — measured as a quarter of the CPU of a refresh.
//! Every lookup here is by a unique key, so the first row is the only row.

#[macro_use]
mod scoped;

pub mod audit;
pub mod bans;
pub mod changes;
pub mod clients;
pub mod codes;
pub mod consents;
mod error;
mod joined;
pub mod keys;
pub mod listen;
pub mod mfa_factors;
mod migrate;
pub mod policies;
mod pool;
pub mod purge;
pub mod refresh;
pub mod revocation_acks;
pub mod revocations;
pub mod roles;
pub mod schema;
pub mod scopes;
pub mod server_settings;
pub mod sessions;
mod sqlite_thread;
pub mod tenant_images;
pub mod tenants;
pub mod text_list;
mod tx;
pub mod users;

pub use error::StoreError;
use joined::group_joined;
pub use pool::{Backend, DatabaseUrl, Store};
pub use tx::{write_one, write_tx};

/// One connection type over both backends; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// A tenant's primary key. Store functions take it as their first argument after
/// the connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn from_db(id: String) -> Self {
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fresh random row id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
