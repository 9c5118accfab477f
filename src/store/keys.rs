//! Signing keys per tenant: the Biscuit root key and the JWS key, each in
//! generations. Private parts are stored sealed with the master key.

use super::schema::signing_keys;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct KeyRow {
    pub id: String,
    pub tenant_id: String,
    pub purpose: String,
    pub algorithm: String,
    pub generation: i64,
    pub public_key: String,
    pub private_key: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub publish_until: Option<NaiveDateTime>,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .field("algorithm", &self.algorithm)
            .field("generation", &self.generation)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

pub const PURPOSE_BISCUIT: &str = "biscuit";
pub const PURPOSE_JWS: &str = "jws";
pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_RETIRED: &str = "retired";

/// The keys that sign or still verify: active ones, and retired ones whose
/// `publish_until` is after `now`. Newest generation first.
pub fn published(
    conn: &mut DbConnection,
    tenant: &TenantId,
    now: NaiveDateTime,
) -> Result<Vec<KeyRow>, StoreError> {
    Ok(signing_keys::table
        .filter(signing_keys::tenant_id.eq(tenant.as_str()))
        .filter(
            signing_keys::status
                .eq(STATUS_ACTIVE)
                .or(signing_keys::publish_until.gt(now)),
        )
        .order((signing_keys::purpose.asc(), signing_keys::generation.desc()))
        .select(KeyRow::as_select())
        .load(conn)?)
}

/// Any one active key of any tenant (to test a master key against).
pub fn any_active(conn: &mut DbConnection) -> Result<Option<KeyRow>, StoreError> {
    Ok(signing_keys::table
        .filter(signing_keys::status.eq(STATUS_ACTIVE))
        .order(signing_keys::created_at.asc())
        .select(KeyRow::as_select())
        .get_result(conn)
        .optional()?)
}

one_by!(fn one = signing_keys.id);
one_by!(fn of_purpose = signing_keys.purpose);
insert_row!(insert into signing_keys, KeyRow);
list_rows!(
    signing_keys by (signing_keys::purpose.asc(), signing_keys::generation.desc()),
    KeyRow
);

pub fn active(
    conn: &mut DbConnection,
    tenant: &TenantId,
    purpose: &str,
) -> Result<Option<KeyRow>, StoreError> {
    Ok(of_purpose(tenant, purpose)
        .filter(signing_keys::status.eq(STATUS_ACTIVE))
        .select(KeyRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Every active key of `purpose` (JWS keys: one per algorithm).
pub fn active_all(
    conn: &mut DbConnection,
    tenant: &TenantId,
    purpose: &str,
) -> Result<Vec<KeyRow>, StoreError> {
    Ok(of_purpose(tenant, purpose)
        .filter(signing_keys::status.eq(STATUS_ACTIVE))
        .order(signing_keys::generation.asc())
        .select(KeyRow::as_select())
        .load(conn)?)
}

/// Retires one active key; it stays published until `publish_until`.
pub fn retire(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    publish_until: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::update(one(tenant, id).filter(signing_keys::status.eq(STATUS_ACTIVE)))
            .set(retired(publish_until))
            .execute(conn)?,
    )
}

pub fn max_generation(
    conn: &mut DbConnection,
    tenant: &TenantId,
    purpose: &str,
) -> Result<i64, StoreError> {
    let max: Option<i64> = of_purpose(tenant, purpose)
        .select(diesel::dsl::max(signing_keys::generation))
        .get_result(conn)?;
    Ok(max.unwrap_or(0))
}

/// Retires the active key of `purpose`; it stays published until `publish_until`.
pub fn retire_active(
    conn: &mut DbConnection,
    tenant: &TenantId,
    purpose: &str,
    publish_until: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::update(of_purpose(tenant, purpose).filter(signing_keys::status.eq(STATUS_ACTIVE)))
            .set(retired(publish_until))
            .execute(conn)?,
    )
}

/// What retiring a key sets: retired, published until `publish_until`.
#[allow(clippy::type_complexity)]
fn retired(
    publish_until: NaiveDateTime,
) -> (
    diesel::dsl::Eq<signing_keys::status, &'static str>,
    diesel::dsl::Eq<signing_keys::publish_until, NaiveDateTime>,
) {
    (
        signing_keys::status.eq(STATUS_RETIRED),
        signing_keys::publish_until.eq(publish_until),
    )
}
