//! Roles and the permissions each holds.

use super::schema::{role_includes, role_permissions, roles};
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
    /// `file` (tenant YAML) or `cli`; a tenant file leaves CLI roles alone.
    pub managed_by: String,
}

pub const MANAGED_BY_FILE: &str = "file";
pub const MANAGED_BY_CLI: &str = "cli";

/// A role with its permissions and the names of the roles it includes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub row: RoleRow,
    pub permissions: BTreeSet<String>,
    pub includes: BTreeSet<String>,
}

one_by!(fn one = roles.id);
one_by!(fn by_name = roles.name);
delete_row!(one);

pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> Result<Vec<Role>, StoreError> {
    let joined: Vec<(RoleRow, Option<String>)> = roles::table
        .left_join(role_permissions::table)
        .filter(roles::tenant_id.eq(tenant.as_str()))
        .order(roles::name.asc())
        .select((
            RoleRow::as_select(),
            role_permissions::permission.nullable(),
        ))
        .load(conn)?;
    let rows = super::group_joined(joined, |r| &r.id);
    // A tenant without roles (most) has no includes to read either.
    let edges: Vec<(String, String)> = if rows.is_empty() {
        Vec::new()
    } else {
        role_includes::table
            .filter(role_includes::tenant_id.eq(tenant.as_str()))
            .select((role_includes::role_id, role_includes::included_role_id))
            .load(conn)?
    };
    let names: BTreeMap<&str, &str> = rows
        .iter()
        .map(|(r, _)| (r.id.as_str(), r.name.as_str()))
        .collect();
    let mut includes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (role_id, included) in edges {
        if let Some(name) = names.get(included.as_str()) {
            includes
                .entry(role_id)
                .or_default()
                .insert((*name).to_owned());
        }
    }
    Ok(rows
        .into_iter()
        .map(|(row, permissions)| Role {
            permissions,
            includes: includes.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// The tenant's roles as an [`crate::authz::rbac::Roles`] graph.
pub fn graph(
    conn: &mut DbConnection,
    tenant: &TenantId,
) -> Result<crate::authz::rbac::Roles, StoreError> {
    Ok(crate::authz::rbac::Roles(
        list(conn, tenant)?
            .into_iter()
            .map(|r| {
                (
                    r.row.name,
                    crate::authz::rbac::RoleDef {
                        permissions: r.permissions,
                        includes: r.includes,
                    },
                )
            })
            .collect(),
    ))
}

/// Every permission a user holds: through their roles and everything those
/// roles include.
pub fn user_permissions(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<BTreeSet<String>, StoreError> {
    let held = super::users::role_names(conn, tenant, user_id)?;
    Ok(graph(conn, tenant)?.permissions_of(&held))
}

/// Replaces the roles `role_id` includes (by role id).
pub fn set_includes(
    conn: &mut DbConnection,
    tenant: &TenantId,
    role_id: &str,
    included_ids: &BTreeSet<String>,
) -> Result<(), StoreError> {
    replace_links!(conn, tenant, role_includes.role_id = role_id, included_role_id in included_ids)
}

/// A role's id by name.
pub fn id_of(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
) -> Result<Option<String>, StoreError> {
    Ok(by_name(tenant, name)
        .select(roles::id)
        .get_result(conn)
        .optional()?)
}

/// Creates a role with its permissions; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    description: &str,
    permissions: &BTreeSet<String>,
    managed_by: &str,
    now: NaiveDateTime,
) -> Result<String, StoreError> {
    let row = RoleRow {
        id: new_id(),
        tenant_id: tenant.as_str().to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        created_at: now,
        updated_at: now,
        managed_by: managed_by.to_owned(),
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
    diesel::update(one(tenant, role_id))
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
    replace_links!(conn, tenant, role_permissions.role_id = role_id, permission in permissions)
}
