//! The tenants table. Tenants are the one aggregate not scoped by a tenant.

use super::schema::tenants;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub struct TenantRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub config_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub jws_algorithm: String,
    /// The default algorithm of the tenant's ID tokens; `None` = RS256.
    pub id_token_alg: Option<String>,
    /// The tenant file that declares the tenant, when one does.
    pub source_file: Option<String>,
    /// The file declares the tenant's `status` (the CLI may not change it).
    pub status_from_file: bool,
    /// The pages' language when the request names none we have (`en`, `ru`).
    pub default_locale: String,
    /// The tenant's branding as stored (`crate::branding::Branding`).
    pub branding: String,
    /// The tenant's MFA policy as stored (`crate::mfa::policy::MfaPolicy`).
    pub mfa: String,
}

impl TenantRow {
    pub fn tenant_id(&self) -> TenantId {
        TenantId::from_db(self.id.clone())
    }

    /// A new active tenant with every setting at its default, declared by
    /// no file (tests and tools that make tenants directly).
    pub fn active(id: &str, slug: &str, name: &str, now: NaiveDateTime) -> Self {
        Self {
            id: id.to_owned(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            status: STATUS_ACTIVE.to_owned(),
            config_version: 1,
            created_at: now,
            updated_at: now,
            jws_algorithm: "ES256".to_owned(),
            id_token_alg: None,
            source_file: None,
            status_from_file: false,
            default_locale: crate::i18n::Locale::default().tag().to_owned(),
            branding: "{}".to_owned(),
            mfa: "{}".to_owned(),
        }
    }
}

pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_SUSPENDED: &str = "suspended";

/// Sets the status (active or suspended) and moves the configuration
/// version, so every process's live actor reloads and sees it.
pub fn set_status(
    conn: &mut DbConnection,
    tenant: &TenantId,
    status: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.as_str())))
        .set((tenants::status.eq(status), tenants::updated_at.eq(now)))
        .execute(conn)?;
    bump_version(conn, tenant, now)
}

/// Records the file that declares the tenant and whether it declares its status.
pub fn set_file_ownership(
    conn: &mut DbConnection,
    tenant: &TenantId,
    source_file: Option<&str>,
    status_from_file: bool,
) -> Result<(), StoreError> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.as_str())))
        .set((
            tenants::source_file.eq(source_file),
            tenants::status_from_file.eq(status_from_file),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> Result<Option<TenantRow>, StoreError> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .select(TenantRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, tenant: &TenantId) -> Result<Option<TenantRow>, StoreError> {
    Ok(tenants::table
        .filter(tenants::id.eq(tenant.as_str()))
        .select(TenantRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<TenantRow>, StoreError> {
    Ok(tenants::table
        .order(tenants::slug.asc())
        .select(TenantRow::as_select())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConnection, row: &TenantRow) -> Result<(), StoreError> {
    diesel::insert_into(tenants::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A change to some of a tenant's settings; `None` leaves one as it is.
#[derive(AsChangeset)]
#[diesel(table_name = tenants)]
pub struct TenantChanges<'a> {
    pub name: Option<&'a str>,
    pub jws_algorithm: Option<&'a str>,
    /// `Some(None)` clears it (the server's default applies).
    pub id_token_alg: Option<Option<&'a str>>,
    pub default_locale: Option<&'a str>,
    pub branding: Option<&'a str>,
    pub mfa: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

impl TenantChanges<'_> {
    pub fn at(now: NaiveDateTime) -> Self {
        Self {
            name: None,
            jws_algorithm: None,
            id_token_alg: None,
            default_locale: None,
            branding: None,
            mfa: None,
            updated_at: now,
        }
    }
}

pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    changes: &TenantChanges,
) -> Result<(), StoreError> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.as_str())))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// The tenant's configuration version; cheap, polled by live tenants.
pub fn config_version(
    conn: &mut DbConnection,
    tenant: &TenantId,
) -> Result<Option<i64>, StoreError> {
    Ok(tenants::table
        .filter(tenants::id.eq(tenant.as_str()))
        .select(tenants::config_version)
        .get_result(conn)
        .optional()?)
}

/// Where a tenant's state stands, for the process-wide polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    pub id: TenantId,
    pub config_version: i64,
    pub revocation_epoch: i64,
}

/// The versions of the tenants `ids` (those that exist), for the
/// process-wide sync (`tenancy::sync`, which keeps
/// `ids` short: at most 5,000).
pub fn versions(conn: &mut DbConnection, ids: &[TenantId]) -> Result<Vec<Versions>, StoreError> {
    let ids: Vec<&str> = ids.iter().map(TenantId::as_str).collect();
    let rows: Vec<(String, i64, i64)> = tenants::table
        .filter(tenants::id.eq_any(ids))
        .select((
            tenants::id,
            tenants::config_version,
            tenants::revocation_epoch,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, config_version, revocation_epoch)| Versions {
            id: TenantId::from_db(id),
            config_version,
            revocation_epoch,
        })
        .collect())
}

/// Bumps the tenant's configuration version so that every process notices the
/// change and reloads its snapshot, and moves its change counter.
pub fn bump_version(
    conn: &mut DbConnection,
    tenant: &TenantId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    bump_version_only(conn, tenant, now)?;
    // Processes notice at their next sync tick, or at once on PostgreSQL.
    super::changes::touch(conn, tenant)
}

/// [`bump_version`] without the change counter, for a transaction that
/// changes many tenants: it moves their counters at its end with
/// [`super::changes::touch_all`], so that it holds no counter while it works
/// (other tenants' revocations and bans wait for a held counter).
pub fn bump_version_only(
    conn: &mut DbConnection,
    tenant: &TenantId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.as_str())))
        .set((
            tenants::config_version.eq(tenants::config_version + 1),
            tenants::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
