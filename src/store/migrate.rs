use super::{DbConnection, StoreError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

// One migration set for both backends: every migration is portable SQL (TEXT ids
// and JSON, naive UTC timestamps, no backend-only syntax), and a database records
// the same version names whichever backend it is.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applies pending migrations and returns the versions applied.
pub(super) fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(MIGRATIONS),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}
