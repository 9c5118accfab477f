//! The append-only audit log. Every write that changes a tenant appends here in
//! the same transaction.

use super::schema::audit_events;
use super::{DbConnection, StoreError, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub tenant_id: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// One event to record. `detail` is a JSON object and must never hold secrets.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: serde_json::Value,
}

pub fn append(
    conn: &mut DbConnection,
    tenant: &TenantId,
    event: AuditEvent<'_>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let row = AuditRow {
        id: new_id(),
        tenant_id: Some(tenant.as_str().to_owned()),
        occurred_at: now,
        actor: event.actor.to_owned(),
        action: event.action.to_owned(),
        target: event.target.to_owned(),
        detail: event.detail.to_string(),
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// The tenant's events, oldest first.
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_events::table
        .filter(audit_events::tenant_id.eq(tenant.as_str()))
        .order((audit_events::occurred_at.asc(), audit_events::id.asc()))
        .select(AuditRow::as_select())
        .load(conn)?)
}
