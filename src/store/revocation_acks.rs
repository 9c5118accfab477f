//! How far each process has applied a tenant's bans. Every ban moves the
//! tenant's revocation epoch (`tenants.revocation_epoch`, and its shard's
//! change counter, `store::changes`) in its own transaction; each live tenant,
//! in every process, has an instance row recording the epoch it has applied;
//! its process records that it is alive (`sync_processes`, one row per
//! process); the banning process waits until every live instance has caught up
//! (`tenancy::propagation`).

use super::schema::{revocation_acks as acks, sync_processes, tenants};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashSet;

/// The tenant's current epoch (0 before its first ban).
pub fn epoch(conn: &mut DbConnection, tenant: &TenantId) -> Result<i64, StoreError> {
    Ok(tenants::table
        .filter(tenants::id.eq(tenant.as_str()))
        .select(tenants::revocation_epoch)
        .get_result(conn)
        .optional()?
        .unwrap_or(0))
}

/// Moves the epoch on, and the tenant's change counter with it; call inside
/// the transaction that records the revocation or ban. Returns the new epoch.
pub fn bump(conn: &mut DbConnection, tenant: &TenantId) -> Result<i64, StoreError> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.as_str())))
        .set(tenants::revocation_epoch.eq(tenants::revocation_epoch + 1))
        .execute(conn)?;
    super::changes::touch(conn, tenant)?;
    epoch(conn, tenant)
}

/// Writes an instance's record (a new live tenant, before its first read;
/// call inside a write transaction). `process` names the process whose
/// heartbeat keeps the record alive.
pub fn register(
    conn: &mut DbConnection,
    tenant: &TenantId,
    instance: &str,
    process: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(acks::table)
        .values((
            acks::tenant_id.eq(tenant.as_str()),
            acks::instance_id.eq(instance),
            acks::epoch.eq(0),
            acks::seen_at.eq(now),
            acks::process_id.eq(process),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records that `instance` has applied everything up to `epoch`. Only
/// updates, and never moves a record back: a record removed by [`forget`]
/// (the tenant went idle) stays removed, and a slower sync that read an older
/// epoch leaves a newer one standing. False when no record changed.
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
            .filter(acks::instance_id.eq(instance))
            .filter(acks::epoch.le(epoch)),
    )
    .set((acks::epoch.eq(epoch), acks::seen_at.eq(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The process is alive (its instances' records with it): one write per
/// heartbeat, however many tenants it holds live.
pub fn heartbeat(
    conn: &mut DbConnection,
    process: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(sync_processes::table.find(process))
        .set(sync_processes::seen_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(sync_processes::table)
            .values((
                sync_processes::process_id.eq(process),
                sync_processes::seen_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
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

/// Every instance of a process (instance ids are `{process}-{n}`), and its
/// sign of life: a process that shuts down holds no tenant live any more.
pub fn forget_process(conn: &mut DbConnection, process: &str) -> Result<usize, StoreError> {
    let removed =
        diesel::delete(acks::table.filter(acks::instance_id.like(format!("{process}-%"))))
            .execute(conn)?;
    diesel::delete(sync_processes::table.find(process)).execute(conn)?;
    Ok(removed)
}

/// Instances alive since `alive_since` — their own record is that recent
/// (a process of an earlier version, which wrote a heartbeat per instance),
/// or their process's heartbeat is: how many have applied `epoch`, and how
/// many have not yet.
pub fn progress(
    conn: &mut DbConnection,
    tenant: &TenantId,
    epoch: i64,
    alive_since: NaiveDateTime,
) -> Result<(usize, usize), StoreError> {
    let rows: Vec<(i64, NaiveDateTime, String)> = acks::table
        .filter(acks::tenant_id.eq(tenant.as_str()))
        .select((acks::epoch, acks::seen_at, acks::process_id))
        .load(conn)?;
    let processes: Vec<&str> = rows
        .iter()
        .filter(|(_, seen, p)| *seen < alive_since && !p.is_empty())
        .map(|(_, _, p)| p.as_str())
        .collect();
    let beating: HashSet<String> = if processes.is_empty() {
        HashSet::new()
    } else {
        sync_processes::table
            .filter(sync_processes::process_id.eq_any(processes))
            .filter(sync_processes::seen_at.ge(alive_since))
            .select(sync_processes::process_id)
            .load::<String>(conn)?
            .into_iter()
            .collect()
    };
    let alive = rows
        .iter()
        .filter(|(_, seen, p)| *seen >= alive_since || beating.contains(p));
    let (mut done, mut pending) = (0, 0);
    for (e, _, _) in alive {
        if *e >= epoch {
            done += 1;
        } else {
            pending += 1;
        }
    }
    Ok((done, pending))
}
