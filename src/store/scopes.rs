//! A tenant's custom scopes (the OpenID Connect standard scopes are built in).

use super::schema::{scope_permissions, scopes};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeSet, HashMap};

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

/// Scope name → the permissions it carries, for every scope that carries any.
pub fn permissions(
    conn: &mut DbConnection,
    tenant: &TenantId,
) -> Result<HashMap<String, BTreeSet<String>>, StoreError> {
    let rows: Vec<(String, String)> = scope_permissions::table
        .inner_join(scopes::table)
        .filter(scope_permissions::tenant_id.eq(tenant.as_str()))
        .filter(scopes::tenant_id.eq(tenant.as_str()))
        .select((scopes::name, scope_permissions::permission))
        .load(conn)?;
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (scope, permission) in rows {
        out.entry(scope).or_default().insert(permission);
    }
    Ok(out)
}

/// Replaces the permissions the scope `name` carries.
pub fn set_permissions(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    permissions: &BTreeSet<String>,
) -> Result<(), StoreError> {
    let scope_id: String = scopes::table
        .filter(scopes::tenant_id.eq(tenant.as_str()))
        .filter(scopes::name.eq(name))
        .select(scopes::id)
        .get_result(conn)?;
    diesel::delete(
        scope_permissions::table
            .filter(scope_permissions::tenant_id.eq(tenant.as_str()))
            .filter(scope_permissions::scope_id.eq(&scope_id)),
    )
    .execute(conn)?;
    for p in permissions {
        diesel::insert_into(scope_permissions::table)
            .values((
                scope_permissions::tenant_id.eq(tenant.as_str()),
                scope_permissions::scope_id.eq(&scope_id),
                scope_permissions::permission.eq(p),
            ))
            .execute(conn)?;
    }
    Ok(())
}
