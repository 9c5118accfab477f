use crate::helpers::TestDb;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use gatehouse::store::{DatabaseUrl, Store};
use std::time::Duration;

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// A store on a fresh, empty database. Fields drop in order: the store's
/// connections before the database, the database before its directory.
struct Fresh {
    store: Store,
    db: TestDb,
    _dir: tempfile::TempDir,
}

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let store = Store::connect(
        &DatabaseUrl::parse(db.url()).unwrap(),
        2,
        Duration::from_secs(5),
    )
    .unwrap();
    Fresh {
        store,
        db,
        _dir: dir,
    }
}

#[test]
fn migrations_create_every_table_and_are_idempotent() {
    let fresh = fresh();
    let store = &fresh.store;
    let applied = store.migrate().unwrap();
    assert_eq!(
        applied,
        vec![
            "20261126000001".to_owned(),
            "20261126000002".to_owned(),
            "20261126000003".to_owned(),
            "20261127000004".to_owned(),
            "20261128000005".to_owned(),
            "20261202000006".to_owned(),
            "20261202000007".to_owned(),
            "20261202000008".to_owned(),
            "20261202000009".to_owned(),
            "20261204000010".to_owned(),
            "20261204000011".to_owned(),
            "20261204000012".to_owned(),
            "20261204000013".to_owned(),
            "20261206000014".to_owned(),
            "20261206000015".to_owned(),
            "20261206000016".to_owned(),
            "20261206000017".to_owned(),
        ]
    );
    assert!(
        store.migrate().unwrap().is_empty(),
        "second run applies nothing"
    );

    let sql = if fresh.db.is_postgres() {
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"
    };
    let names: Vec<String> = store
        .with_conn(|c| {
            Ok::<_, gatehouse::store::StoreError>(diesel::sql_query(sql).load::<Name>(c)?)
        })
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .filter(|n| !n.starts_with("__diesel") && !n.starts_with("sqlite_"))
        .collect();
    assert_eq!(
        names,
        vec![
            "audit_events",
            "authorization_codes",
            "change_counters",
            "client_assertion_jtis",
            "clients",
            "consents",
            "mfa_codes",
            "mfa_factors",
            "policies",
            "recovery_codes",
            "refresh_families",
            "refresh_tokens",
            "revocation_acks",
            "revoked_tokens",
            "role_includes",
            "role_permissions",
            "roles",
            "scope_permissions",
            "scopes",
            "server_settings",
            "sessions",
            "signing_keys",
            "sync_processes",
            "tenant_images",
            "tenants",
            "token_bans",
            "user_roles",
            "users"
        ]
    );
}

/// Applies the migrations up to and including `last`, one at a time.
fn migrate_until<C>(conn: &mut C, last: &str)
where
    C: diesel_migrations::MigrationHarness<C::Backend> + diesel::Connection,
    diesel_migrations::FileBasedMigrations: diesel::migration::MigrationSource<C::Backend>,
{
    let dir = diesel_migrations::FileBasedMigrations::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations"
    ))
    .unwrap();
    for m in conn.pending_migrations(dir).unwrap() {
        if m.name().version().to_string().as_str() > last {
            break;
        }
        conn.run_migration(&*m).unwrap();
    }
}

/// Tenants whose revocations or bans were recorded before the revocation
/// epoch existed are left at epoch 1 by 2026-12-04-000011, so that a first
/// load, which skips reading them at epoch 0, still reads them.
#[test]
fn revocations_older_than_the_epoch_move_it_off_zero() {
    let fresh = fresh();
    let store = &fresh.store;
    store
        .with_conn(|c| {
            match c {
                gatehouse::store::DbConnection::Postgres(p) => migrate_until(p, "20261204000010"),
                gatehouse::store::DbConnection::Sqlite(s) => migrate_until(s, "20261204000010"),
            }
            let at = "'2026-01-01 00:00:00'";
            for (id, slug) in [("ta", "revoked"), ("tb", "banned"), ("tc", "quiet")] {
                diesel::sql_query(format!(
                    "INSERT INTO tenants (id, slug, name, status, config_version, created_at, \
                     updated_at, jws_algorithm) VALUES ('{id}', '{slug}', '{slug}', 'active', 1, \
                     {at}, {at}, 'ES256')"
                ))
                .execute(c)?;
            }
            diesel::sql_query(format!(
                "INSERT INTO revoked_tokens (tenant_id, revocation_id, revoked_at, expires_at) \
                 VALUES ('ta', 'r1', {at}, {at})"
            ))
            .execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO token_bans (id, tenant_id, kind, target, banned_at, expires_at) \
                 VALUES ('b1', 'tb', 'user', 'u1', {at}, {at})"
            ))
            .execute(c)?;
            Ok::<_, gatehouse::store::StoreError>(())
        })
        .unwrap();
    assert_eq!(
        store.migrate().unwrap(),
        vec![
            "20261204000011".to_owned(),
            "20261204000012".to_owned(),
            "20261204000013".to_owned(),
            "20261206000014".to_owned(),
            "20261206000015".to_owned(),
            "20261206000016".to_owned(),
            "20261206000017".to_owned()
        ]
    );
    #[derive(diesel::QueryableByName)]
    struct Epoch {
        #[diesel(sql_type = Text)]
        slug: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        revocation_epoch: i64,
    }
    let epochs: Vec<(String, i64)> = store
        .with_conn(|c| {
            Ok::<_, gatehouse::store::StoreError>(
                diesel::sql_query("SELECT slug, revocation_epoch FROM tenants ORDER BY slug")
                    .load::<Epoch>(c)?,
            )
        })
        .unwrap()
        .into_iter()
        .map(|e| (e.slug, e.revocation_epoch))
        .collect();
    assert_eq!(
        epochs,
        vec![
            ("banned".to_owned(), 1),
            ("quiet".to_owned(), 0),
            ("revoked".to_owned(), 1)
        ]
    );
}

#[test]
fn foreign_keys_are_enforced() {
    let fresh = fresh();
    let store = &fresh.store;
    store.migrate().unwrap();
    let err = store
        .with_conn(|c| {
            diesel::sql_query(
                "INSERT INTO scopes (id, tenant_id, name, description, created_at, updated_at) \
                 VALUES ('s1', 'no-such-tenant', 'x', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            )
            .execute(c)
            .map_err(gatehouse::store::StoreError::from)
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            gatehouse::store::StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        ),
        "{err:?}"
    );
}

#[test]
fn a_bad_database_url_reports_the_real_error() {
    let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none").unwrap();
    let err = Store::connect(&url, 1, Duration::from_secs(1))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("could not connect to the database:"),
        "{err}"
    );
    assert!(
        err.contains("127.0.0.1") || err.contains("refused"),
        "{err}"
    );
}
