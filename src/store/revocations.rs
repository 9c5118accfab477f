//! Revoked access tokens (their Biscuit revocation ids or JWT `jti`s), and the
//! single-use guard for client assertion `jti`s (RFC 7523 §3).

use super::schema::{client_assertion_jtis, revoked_tokens};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Records a revocation in its own transaction. Revoking twice is not an
/// error (a concurrent duplicate loses on the primary key and is ignored).
pub fn revoke(
    conn: &mut DbConnection,
    tenant: &TenantId,
    revocation_id: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    match super::write_tx(conn, |c| {
        revoke_in_tx(c, tenant, revocation_id, expires_at, now)
    }) {
        Err(e) if e.is_unique_violation() => Ok(()),
        other => other,
    }
}

/// Records a revocation inside the caller's transaction; revoking an id that
/// is already revoked changes nothing. The tenant's revocation epoch moves
/// first: that update takes the tenant row's lock, so concurrent revocations
/// of a tenant — in any process — run one after the other, and the check
/// below (a new statement, which on PostgreSQL sees every transaction
/// committed before it) sees an insert that won the race, instead of
/// colliding with it on the primary key. The moved epoch tells every process
/// to read revocations again (`tenancy::revocations`); when nothing was
/// inserted it moved for nothing, which costs one read.
pub fn revoke_in_tx(
    conn: &mut DbConnection,
    tenant: &TenantId,
    revocation_id: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let epoch = super::revocation_acks::bump(conn, tenant)?;
    let exists: i64 = revoked_tokens::table
        .filter(revoked_tokens::tenant_id.eq(tenant.as_str()))
        .filter(revoked_tokens::revocation_id.eq(revocation_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(revoked_tokens::table)
            .values((
                revoked_tokens::tenant_id.eq(tenant.as_str()),
                revoked_tokens::revocation_id.eq(revocation_id),
                revoked_tokens::revoked_at.eq(now),
                revoked_tokens::expires_at.eq(expires_at),
                revoked_tokens::epoch.eq(epoch),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Revocation ids recorded after the tenant's revocation epoch `after`
/// whose tokens have not expired.
pub fn after_epoch(
    conn: &mut DbConnection,
    tenant: &TenantId,
    after: i64,
    now: NaiveDateTime,
) -> Result<Vec<String>, StoreError> {
    Ok(revoked_tokens::table
        .filter(revoked_tokens::tenant_id.eq(tenant.as_str()))
        .filter(revoked_tokens::epoch.gt(after))
        .filter(revoked_tokens::expires_at.gt(now))
        .select(revoked_tokens::revocation_id)
        .load(conn)?)
}

/// Revocation ids recorded at or after `since` whose tokens have not expired.
pub fn since(
    conn: &mut DbConnection,
    tenant: &TenantId,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<(String, NaiveDateTime)>, StoreError> {
    Ok(revoked_tokens::table
        .filter(revoked_tokens::tenant_id.eq(tenant.as_str()))
        .filter(revoked_tokens::revoked_at.ge(since))
        .filter(revoked_tokens::expires_at.gt(now))
        .select((revoked_tokens::revocation_id, revoked_tokens::revoked_at))
        .load(conn)?)
}

/// Records a client assertion's `jti`; false when it was already used.
pub fn use_assertion_jti(
    conn: &mut DbConnection,
    tenant: &TenantId,
    client_id: &str,
    jti: &str,
    expires_at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let inserted = diesel::insert_into(client_assertion_jtis::table)
        .values((
            client_assertion_jtis::tenant_id.eq(tenant.as_str()),
            client_assertion_jtis::client_id.eq(client_id),
            client_assertion_jtis::jti.eq(jti),
            client_assertion_jtis::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map_err(StoreError::from);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Deletes the rows of `$table` whose `expires_at` is before `$cutoff` and
/// no later than the `$offset + 1`-th oldest such expiry; how many went. A
/// macro because the two tables are two Diesel types.
macro_rules! purge_oldest {
    ($conn:expr, $table:ident, $cutoff:expr, $offset:expr) => {{
        let bound: Option<NaiveDateTime> = $table::table
            .filter($table::expires_at.lt($cutoff))
            .select($table::expires_at)
            .order($table::expires_at.asc())
            .offset($offset)
            .limit(1)
            .get_result($conn)
            .optional()?;
        diesel::delete(
            $table::table
                .filter($table::expires_at.lt($cutoff))
                .filter($table::expires_at.le(bound.unwrap_or($cutoff))),
        )
        .execute($conn)?
    }};
}

/// Deletes at most about `batch` rows of each table whose token expired
/// before `cutoff`, oldest first, in the caller's transaction; returns how
/// many went. The bound is the `batch`-th oldest expiry, so rows sharing that
/// expiry go together (one query code path on both databases).
pub fn purge_expired(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    batch: i64,
) -> Result<usize, StoreError> {
    let offset = batch.max(1) - 1;
    let a = purge_oldest!(conn, revoked_tokens, cutoff, offset);
    let b = purge_oldest!(conn, client_assertion_jtis, cutoff, offset);
    Ok(a + b)
}
