//! Users' second factors (`crate::mfa`). Every query names the user as well
//! as the tenant: a factor is only ever read or changed for its owner.

use super::schema::{mfa_codes, mfa_factors, recovery_codes};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = mfa_factors)]
pub struct FactorRow {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub kind: String,
    pub label: String,
    pub secret_sealed: Option<String>,
    pub last_used_step: Option<i64>,
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

/// Without the sealed secret.
impl std::fmt::Debug for FactorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactorRow")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("confirmed_at", &self.confirmed_at)
            .finish_non_exhaustive()
    }
}

impl FactorRow {
    /// A new factor of `kind`, not yet confirmed, never used, no failures.
    pub fn new(
        id: String,
        tenant: &TenantId,
        user_id: &str,
        kind: &str,
        label: String,
        secret_sealed: Option<String>,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            tenant_id: tenant.to_string(),
            user_id: user_id.to_owned(),
            kind: kind.to_owned(),
            label,
            secret_sealed,
            last_used_step: None,
            failures: 0,
            locked_until: None,
            created_at: now,
            confirmed_at: None,
            last_used_at: None,
        }
    }
}

insert_row!(insert into mfa_factors, FactorRow);

#[allow(clippy::type_complexity)]
fn of_user<'a>(
    tenant: &'a TenantId,
    user_id: &'a str,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<mfa_factors::table, diesel::dsl::Eq<mfa_factors::tenant_id, &'a str>>,
    diesel::dsl::Eq<mfa_factors::user_id, &'a str>,
> {
    mfa_factors::table
        .filter(mfa_factors::tenant_id.eq(tenant.as_str()))
        .filter(mfa_factors::user_id.eq(user_id))
}

/// The user's factors, confirmed or not, oldest first.
pub fn list(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Vec<FactorRow>, StoreError> {
    Ok(of_user(tenant, user_id)
        .order((mfa_factors::created_at.asc(), mfa_factors::id.asc()))
        .select(FactorRow::as_select())
        .load(conn)?)
}

pub fn get(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
) -> Result<Option<FactorRow>, StoreError> {
    Ok(of_user(tenant, user_id)
        .filter(mfa_factors::id.eq(id))
        .select(FactorRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Whether the user has a confirmed factor of this kind.
pub fn has_confirmed(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    kind: &str,
) -> Result<bool, StoreError> {
    let n: i64 = of_user(tenant, user_id)
        .filter(mfa_factors::kind.eq(kind))
        .filter(mfa_factors::confirmed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records that a code of time step `step` was accepted — unless a code of
/// that step or a later one already was, or the factor is locked: the
/// condition is in the update, so of two processes checking the same code
/// at once exactly one wins (RFC 6238 §5.2). Confirms an unconfirmed factor.
/// Whether this call won. Two statements: call inside `store::write_tx`.
pub fn use_step(
    c: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
    step: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let won = diesel::update(
        of_user(tenant, user_id)
            .filter(mfa_factors::id.eq(id))
            .filter(
                mfa_factors::last_used_step
                    .is_null()
                    .or(mfa_factors::last_used_step.lt(step)),
            )
            .filter(
                mfa_factors::locked_until
                    .is_null()
                    .or(mfa_factors::locked_until.le(now)),
            ),
    )
    .set((
        mfa_factors::last_used_step.eq(step),
        mfa_factors::failures.eq(0),
        mfa_factors::locked_until.eq(None::<NaiveDateTime>),
        mfa_factors::last_used_at.eq(now),
    ))
    .execute(c)?
        == 1;
    if won {
        diesel::update(
            of_user(tenant, user_id)
                .filter(mfa_factors::id.eq(id))
                .filter(mfa_factors::confirmed_at.is_null()),
        )
        .set(mfa_factors::confirmed_at.eq(now))
        .execute(c)?;
    }
    Ok(won)
}

/// Counts one wrong code and returns the count; the caller decides the
/// lock from it ([`set_lock`]). The increment is one statement, so wrong
/// codes sent to two processes at once are all counted. Call inside
/// `store::write_tx`.
pub fn count_failure(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
) -> Result<i32, StoreError> {
    diesel::update(of_user(tenant, user_id).filter(mfa_factors::id.eq(id)))
        .set(mfa_factors::failures.eq(mfa_factors::failures + 1))
        .execute(conn)?;
    Ok(of_user(tenant, user_id)
        .filter(mfa_factors::id.eq(id))
        .select(mfa_factors::failures)
        .get_result(conn)?)
}

pub fn set_lock(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
    until: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(of_user(tenant, user_id).filter(mfa_factors::id.eq(id)))
        .set(mfa_factors::locked_until.eq(until))
        .execute(conn)?;
    Ok(())
}

/// Removes one of the user's factors; whether there was one.
pub fn delete(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(of_user(tenant, user_id).filter(mfa_factors::id.eq(id))).execute(conn)? == 1)
}

/// Removes the user's unconfirmed factors of a kind (an enrolment begun
/// again replaces the one left unfinished).
pub fn delete_unconfirmed(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    kind: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        of_user(tenant, user_id)
            .filter(mfa_factors::kind.eq(kind))
            .filter(mfa_factors::confirmed_at.is_null()),
    )
    .execute(conn)?)
}

/// Adds a recovery code's hash to the set of factor `factor_id`.
pub fn insert_recovery_code(
    conn: &mut DbConnection,
    tenant: &TenantId,
    factor_id: &str,
    code_sha256: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(recovery_codes::table)
        .values((
            recovery_codes::factor_id.eq(factor_id),
            recovery_codes::tenant_id.eq(tenant.as_str()),
            recovery_codes::code_sha256.eq(code_sha256),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the code of this hash used, if it is in the set and unused: the
/// condition is in the update, so a code is accepted once across
/// processes. Whether this call used it.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    tenant: &TenantId,
    factor_id: &str,
    code_sha256: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::tenant_id.eq(tenant.as_str()))
            .filter(recovery_codes::factor_id.eq(factor_id))
            .filter(recovery_codes::code_sha256.eq(code_sha256))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many codes of the set are left.
pub fn recovery_codes_left(
    conn: &mut DbConnection,
    tenant: &TenantId,
    factor_id: &str,
) -> Result<i64, StoreError> {
    Ok(recovery_codes::table
        .filter(recovery_codes::tenant_id.eq(tenant.as_str()))
        .filter(recovery_codes::factor_id.eq(factor_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Records a right code on the factor: clears its count and notes the use.
pub fn record_use(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(of_user(tenant, user_id).filter(mfa_factors::id.eq(id)))
        .set((
            mfa_factors::failures.eq(0),
            mfa_factors::locked_until.eq(None::<NaiveDateTime>),
            mfa_factors::last_used_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds a one-time code (its keyed hash) to factor `factor_id`.
pub fn insert_code(
    conn: &mut DbConnection,
    tenant: &TenantId,
    factor_id: &str,
    code_hmac: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<String, StoreError> {
    let id = super::new_id();
    diesel::insert_into(mfa_codes::table)
        .values((
            mfa_codes::id.eq(&id),
            mfa_codes::factor_id.eq(factor_id),
            mfa_codes::tenant_id.eq(tenant.as_str()),
            mfa_codes::code_hmac.eq(code_hmac),
            mfa_codes::created_at.eq(now),
            mfa_codes::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Removes a code (one whose mail could not be sent).
pub fn delete_code(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
    diesel::delete(
        mfa_codes::table
            .filter(mfa_codes::tenant_id.eq(tenant.as_str()))
            .filter(mfa_codes::id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

/// How many codes of the factor are alive (unused, unexpired).
pub fn live_codes(
    conn: &mut DbConnection,
    tenant: &TenantId,
    factor_id: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(mfa_codes::table
        .filter(mfa_codes::tenant_id.eq(tenant.as_str()))
        .filter(mfa_codes::factor_id.eq(factor_id))
        .filter(mfa_codes::used_at.is_null())
        .filter(mfa_codes::expires_at.gt(now))
        .count()
        .get_result(conn)?)
}

/// Uses the live code of this hash, if there is one: the condition is in
/// the update, so a code is accepted once across processes. Whether this
/// call used it.
pub fn use_code(
    conn: &mut DbConnection,
    tenant: &TenantId,
    factor_id: &str,
    code_hmac: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        mfa_codes::table
            .filter(mfa_codes::tenant_id.eq(tenant.as_str()))
            .filter(mfa_codes::factor_id.eq(factor_id))
            .filter(mfa_codes::code_hmac.eq(code_hmac))
            .filter(mfa_codes::used_at.is_null())
            .filter(mfa_codes::expires_at.gt(now)),
    )
    .set(mfa_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Confirms an unconfirmed factor (its first code was right).
pub fn confirm(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        of_user(tenant, user_id)
            .filter(mfa_factors::id.eq(id))
            .filter(mfa_factors::confirmed_at.is_null()),
    )
    .set(mfa_factors::confirmed_at.eq(now))
    .execute(conn)?
        == 1)
}
