//! A tenant's custom scopes (the OpenID Connect standard scopes are built in).

use super::schema::{scope_permissions, scopes};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

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

one_by!(fn one = scopes.name);
list_rows!(scopes by scopes::name.asc(), ScopeRow);
insert_row!(insert into scopes, ScopeRow);
delete_row!(one);

pub fn update_description(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    description: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, name))
        .set((
            scopes::description.eq(description),
            scopes::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every scope (by name) with the permissions it carries, in one query.
pub fn with_permissions(
    conn: &mut DbConnection,
    tenant: &TenantId,
) -> Result<Vec<(ScopeRow, BTreeSet<String>)>, StoreError> {
    let rows: Vec<(ScopeRow, Option<String>)> = scopes::table
        .left_join(scope_permissions::table)
        .filter(scopes::tenant_id.eq(tenant.as_str()))
        .order(scopes::name.asc())
        .select((
            ScopeRow::as_select(),
            scope_permissions::permission.nullable(),
        ))
        .load(conn)?;
    Ok(super::group_joined(rows, |s| &s.id))
}

/// Replaces the permissions the scope `name` carries.
pub fn set_permissions(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    permissions: &BTreeSet<String>,
) -> Result<(), StoreError> {
    let scope_id: String = one(tenant, name).select(scopes::id).get_result(conn)?;
    replace_links!(conn, tenant, scope_permissions.scope_id = &scope_id, permission in permissions)
}
