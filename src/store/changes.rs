//! Process-wide change detection for revocations and bans (issue 13): every
//! change to a tenant's revocation epoch also moves one of [`SHARDS`]
//! counters (`change_counters`), in the same transaction. A process compares
//! the counters with those it saw last and reads epochs only of the live
//! tenants whose shard moved, so an idle process reads 1,024 small rows per
//! tick however many tenants it holds live.

use super::schema::change_counters as counters;
use super::{DbConnection, StoreError, TenantId};
use diesel::prelude::*;

/// How many counters; fixed by the migration that creates them.
pub const SHARDS: usize = 1024;

/// The counter of a tenant: FNV-1a of its id, so every binary (and every
/// version of it) agrees, unlike `std`'s randomly seeded hasher.
pub fn shard_of(tenant: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in tenant.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h as usize) % SHARDS
}

/// Moves the tenant's counter and wakes the other processes' syncs
/// (`store::listen`); call inside the transaction that moves its revocation
/// epoch.
pub fn touch(conn: &mut DbConnection, tenant: &TenantId) -> Result<(), StoreError> {
    let shard = i32::try_from(shard_of(tenant.as_str())).unwrap_or_default();
    let moved = diesel::update(counters::table.filter(counters::shard.eq(shard)))
        .set(counters::n.eq(counters::n + 1))
        .execute(conn)?;
    if moved != 1 {
        return Err(StoreError::Corrupt(format!(
            "change_counters has no row for shard {shard}"
        )));
    }
    super::listen::notify(conn)
}

/// Moves the counters of all `tenants` (each shard once, in shard order, so
/// that two such transactions cannot deadlock) and wakes the other
/// processes; call at the end of a transaction that changed them all.
pub fn touch_all(conn: &mut DbConnection, tenants: &[TenantId]) -> Result<(), StoreError> {
    let mut shards: Vec<i32> = tenants
        .iter()
        .map(|t| i32::try_from(shard_of(t.as_str())).unwrap_or_default())
        .collect();
    shards.sort_unstable();
    shards.dedup();
    if shards.is_empty() {
        return Ok(());
    }
    for chunk in shards.chunks(1024) {
        diesel::update(counters::table.filter(counters::shard.eq_any(chunk)))
            .set(counters::n.eq(counters::n + 1))
            .execute(conn)?;
    }
    super::listen::notify(conn)
}

/// Every counter, indexed by shard.
pub fn all(conn: &mut DbConnection) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i32, i64)> = counters::table
        .select((counters::shard, counters::n))
        .order(counters::shard.asc())
        .load(conn)?;
    let mut out = vec![0; SHARDS];
    let mut seen = 0;
    for (shard, n) in rows {
        if let Some(slot) = usize::try_from(shard).ok().and_then(|s| out.get_mut(s)) {
            *slot = n;
            seen += 1;
        }
    }
    if seen != SHARDS {
        return Err(StoreError::Corrupt(format!(
            "change_counters holds {seen} of {SHARDS} shards"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        // Fixed values: a change of hash would split processes of two
        // versions over different counters.
        assert_eq!(shard_of(""), 0x811c_9dc5 % 1024);
        assert_eq!(shard_of("a"), 0xe40c_292c % 1024);
        let mut used = std::collections::HashSet::new();
        for i in 0..10_000 {
            used.insert(shard_of(&format!("tenant-{i}")));
        }
        assert!(used.len() > 1000, "{} shards used", used.len());
        assert!(used.iter().all(|s| *s < SHARDS));
    }
}
