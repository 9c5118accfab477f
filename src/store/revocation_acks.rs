//! How far each process has applied a tenant's bans. Every ban moves the
//! tenant's revocation epoch (`tenants.revocation_epoch`) in its own
//! transaction; each live tenant actor, in every process, records the epoch it
//! has applied (and that it is alive) under its instance id; the banning
//! process waits until every live instance has caught up
//! (`tenancy::propagation`).

use super::schema::{revocation_acks as acks, tenants};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The tenant's current epoch (0 before its first ban).
pub fn epoch(conn: &mut DbConnection, tenant: &TenantId) -> Result<i64, StoreError> {
    Ok(tenants::table
        .filter(tenants::id.eq(tenant.as_str()))
        .select(tenants::revocation_epoch)
        .get_result(conn)
        .optional()?
        .unwrap_or(0))
}

/// Moves the epoch on; call inside the transaction that records the ban.
/// Returns the new epoch.
pub fn bump(conn: &mut DbConnection, tenant: &TenantId) -> Result<i64, StoreError> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.as_str())))
        .set(tenants::revocation_epoch.eq(tenants::revocation_epoch + 1))
        .execute(conn)?;
    epoch(conn, tenant)
}

/// Writes an instance's record (a new actor, before its first read; call
/// inside a write transaction).
pub fn register(
    conn: &mut DbConnection,
    tenant: &TenantId,
    instance: &str,
    epoch: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if !ack(conn, tenant, instance, epoch, now)? {
        diesel::insert_into(acks::table)
            .values((
                acks::tenant_id.eq(tenant.as_str()),
                acks::instance_id.eq(instance),
                acks::epoch.eq(epoch),
                acks::seen_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records that `instance` has applied everything up to `epoch` and is alive.
/// Only updates: a record removed by [`forget`] (the actor stopped) stays
/// removed. False when there was no record.
pub fn ack(
    conn: &mut DbConnection,
    tenant: &TenantId,
    instance: &str,
    epoch: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let updated = diesel::update(
        acks::table
            .filter(acks::tenant_id.eq(tenant.as_str()))
            .filter(acks::instance_id.eq(instance)),
    )
    .set((acks::epoch.eq(epoch), acks::seen_at.eq(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The instance no longer holds the tenant live.
pub fn forget(
    conn: &mut DbConnection,
    tenant: &TenantId,
    instance: &str,
) -> Result<(), StoreError> {
    diesel::delete(
        acks::table
            .filter(acks::tenant_id.eq(tenant.as_str()))
            .filter(acks::instance_id.eq(instance)),
    )
    .execute(conn)?;
    Ok(())
}

/// Every instance of a process (instance ids are `{process}-{n}`): a process
/// that shuts down holds no tenant live any more.
pub fn forget_process(conn: &mut DbConnection, process: &str) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(acks::table.filter(acks::instance_id.like(format!("{process}-%"))))
            .execute(conn)?,
    )
}

/// Instances seen alive since `alive_since`: how many have applied `epoch`,
/// and how many have not yet.
pub fn progress(
    conn: &mut DbConnection,
    tenant: &TenantId,
    epoch: i64,
    alive_since: NaiveDateTime,
) -> Result<(usize, usize), StoreError> {
    let rows: Vec<i64> = acks::table
        .filter(acks::tenant_id.eq(tenant.as_str()))
        .filter(acks::seen_at.ge(alive_since))
        .select(acks::epoch)
        .load(conn)?;
    let done = rows.iter().filter(|e| **e >= epoch).count();
    Ok((done, rows.len() - done))
}
