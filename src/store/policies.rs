//! A tenant's authorization policies (Biscuit Datalog, authz::policy), in
//! evaluation order.

use super::schema::policies;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policies)]
pub struct PolicyRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub position: i64,
    pub code: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

list_rows!(policies by policies::position.asc(), PolicyRow);

/// Replaces every policy of the tenant with `wanted` (name, code), in order.
/// The caller validates the code and runs this inside its transaction.
pub fn replace_all(
    conn: &mut DbConnection,
    tenant: &TenantId,
    wanted: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(policies::table.filter(policies::tenant_id.eq(tenant.as_str())))
        .execute(conn)?;
    for (i, (name, code)) in wanted.iter().enumerate() {
        diesel::insert_into(policies::table)
            .values(PolicyRow {
                id: super::new_id(),
                tenant_id: tenant.as_str().to_owned(),
                name: name.clone(),
                position: i64::try_from(i).unwrap_or(i64::MAX),
                code: code.clone(),
                created_at: now,
                updated_at: now,
            })
            .execute(conn)?;
    }
    Ok(())
}
