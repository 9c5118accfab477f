//! A tenant's custom scopes (the OpenID Connect standard scopes are built in).

use super::schema::scopes;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = scopes)]
pub struct ScopeRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> Result<Vec<ScopeRow>, StoreError> {
    Ok(scopes::table
        .filter(scopes::tenant_id.eq(tenant.as_str()))
        .order(scopes::name.asc())
        .select(ScopeRow::as_select())
        .load(conn)?)
}

pub fn insert(
    conn: &mut DbConnection,
    tenant: &TenantId,
    row: &ScopeRow,
) -> Result<(), StoreError> {
    debug_assert_eq!(row.tenant_id, tenant.as_str());
    diesel::insert_into(scopes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update_description(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    description: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        scopes::table
            .filter(scopes::tenant_id.eq(tenant.as_str()))
            .filter(scopes::name.eq(name)),
    )
    .set((
        scopes::description.eq(description),
        scopes::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, tenant: &TenantId, name: &str) -> Result<(), StoreError> {
    diesel::delete(
        scopes::table
            .filter(scopes::tenant_id.eq(tenant.as_str()))
            .filter(scopes::name.eq(name)),
    )
    .execute(conn)?;
    Ok(())
}
