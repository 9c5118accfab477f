//! Roles and the permissions each holds.

use super::schema::{role_permissions, roles};
use super::{DbConnection, StoreError, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = roles)]
pub struct RoleRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A role with its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub row: RoleRow,
    pub permissions: BTreeSet<String>,
}

pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> Result<Vec<Role>, StoreError> {
    let rows: Vec<RoleRow> = roles::table
        .filter(roles::tenant_id.eq(tenant.as_str()))
        .order(roles::name.asc())
        .select(RoleRow::as_select())
        .load(conn)?;
    let perms: Vec<(String, String)> = role_permissions::table
        .filter(role_permissions::tenant_id.eq(tenant.as_str()))
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    let mut by_role: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (role_id, perm) in perms {
        by_role.entry(role_id).or_default().insert(perm);
    }
    Ok(rows
        .into_iter()
        .map(|row| Role {
            permissions: by_role.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Creates a role with its permissions; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    description: &str,
    permissions: &BTreeSet<String>,
    now: NaiveDateTime,
) -> Result<String, StoreError> {
    let row = RoleRow {
        id: new_id(),
        tenant_id: tenant.as_str().to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(roles::table)
        .values(&row)
        .execute(conn)?;
    set_permissions(conn, tenant, &row.id, permissions)?;
    Ok(row.id)
}

/// Updates a role's description and replaces its permissions.
pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    role_id: &str,
    description: &str,
    permissions: &BTreeSet<String>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        roles::table
            .filter(roles::tenant_id.eq(tenant.as_str()))
            .filter(roles::id.eq(role_id)),
    )
    .set((
        roles::description.eq(description),
        roles::updated_at.eq(now),
    ))
    .execute(conn)?;
    set_permissions(conn, tenant, role_id, permissions)
}

fn set_permissions(
    conn: &mut DbConnection,
    tenant: &TenantId,
    role_id: &str,
    permissions: &BTreeSet<String>,
) -> Result<(), StoreError> {
    diesel::delete(
        role_permissions::table
            .filter(role_permissions::tenant_id.eq(tenant.as_str()))
            .filter(role_permissions::role_id.eq(role_id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = permissions
        .iter()
        .map(|p| {
            (
                role_permissions::tenant_id.eq(tenant.as_str()),
                role_permissions::role_id.eq(role_id),
                role_permissions::permission.eq(p.as_str()),
            )
        })
        .collect();
    for row in rows {
        diesel::insert_into(role_permissions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConnection, tenant: &TenantId, role_id: &str) -> Result<(), StoreError> {
    diesel::delete(
        roles::table
            .filter(roles::tenant_id.eq(tenant.as_str()))
            .filter(roles::id.eq(role_id)),
    )
    .execute(conn)?;
    Ok(())
}
