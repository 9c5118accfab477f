//! A user's second factors: enrolling an authenticator app (TOTP), checking
//! a code at sign-in, removing a factor. The secret is sealed at rest with a
//! key derived from the master key for this purpose and bound to its tenant
//! and row (`tokens::seal`); wrong codes are counted on the row and lock it
//! ([`super::lockout`]), so every process sees the same lock.

use super::rows::audit_factor;
use super::{app, lockout, recovery, sent};
use crate::config::MasterKey;
use crate::store::audit::{self, AuditEvent};
use crate::store::mfa_factors::{self, FactorRow};
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;

pub use super::app::{Enrolment, begin_totp, secret_of};
pub use super::rows::{Attempt, EMAIL, MfaError, RECOVERY, SMS, TOTP, is_sent};
pub use super::sent::{Issued, begin_email, begin_sms, issue_code, phone_of};

/// One unused code of the set, used up.
fn use_recovery(
    conn: &mut DbConnection,
    tenant: &TenantId,
    row: &FactorRow,
    attempt: Attempt<'_>,
) -> Result<bool, MfaError> {
    let Some(hash) = recovery::hash(attempt.code) else {
        return Ok(false);
    };
    let (user_id, now) = (row.user_id.as_str(), attempt.now);
    Ok(store::write_tx(conn, |c| {
        if !mfa_factors::use_recovery_code(c, tenant, &row.id, &hash, now)? {
            return Ok::<_, StoreError>(false);
        }
        mfa_factors::record_use(c, tenant, user_id, &row.id, now)?;
        let left = mfa_factors::recovery_codes_left(c, tenant, &row.id)?;
        audit::append(
            c,
            tenant,
            AuditEvent {
                actor: user_id,
                action: "mfa.recovery.used",
                target: &row.id,
                detail: serde_json::json!({ "left": left }),
            },
            now,
        )?;
        Ok(true)
    })?)
}

/// A new set of recovery codes for the user, replacing any earlier set
/// (its codes stop working in the same transaction); the codes to show
/// once. Audited.
pub fn new_recovery_codes(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, MfaError> {
    let codes = recovery::generate();
    let row = FactorRow {
        confirmed_at: Some(now),
        ..FactorRow::new(
            store::new_id(),
            tenant,
            user_id,
            RECOVERY,
            "Recovery codes".into(),
            None,
            now,
        )
    };
    store::write_tx(conn, |c| {
        for old in mfa_factors::list(c, tenant, user_id)? {
            if old.kind == RECOVERY {
                mfa_factors::delete(c, tenant, user_id, &old.id)?;
            }
        }
        mfa_factors::insert(c, tenant, &row)?;
        for code in &codes {
            let hash = recovery::hash(code).ok_or(StoreError::Corrupt("recovery code".into()))?;
            mfa_factors::insert_recovery_code(c, tenant, &row.id, &hash)?;
        }
        audit_factor(c, tenant, user_id, "mfa.recovery.created", &row, now)
    })?;
    Ok(codes)
}

fn wrong(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    row: &FactorRow,
    now: NaiveDateTime,
) -> Result<Verdict, MfaError> {
    store::write_tx(conn, |c| {
        let failures = mfa_factors::count_failure(c, tenant, user_id, &row.id)?;
        let Some(lock) = lockout::lock_for(failures) else {
            return Ok(Verdict::Wrong);
        };
        let until = now + lock;
        mfa_factors::set_lock(c, tenant, user_id, &row.id, until)?;
        audit::append(
            c,
            tenant,
            AuditEvent {
                actor: user_id,
                action: "mfa.factor.locked",
                target: &row.id,
                detail: serde_json::json!({
                    "kind": row.kind,
                    "failures": failures,
                    "locked_seconds": lock.num_seconds(),
                }),
            },
            now,
        )?;
        Ok(Verdict::Locked(until))
    })
}

/// Removes one of the user's factors, audited; whether there was one.
pub fn remove(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    factor_id: &str,
    now: NaiveDateTime,
) -> Result<bool, MfaError> {
    store::write_tx(conn, |c| {
        let Some(row) = mfa_factors::get(c, tenant, user_id, factor_id)? else {
            return Ok(false);
        };
        mfa_factors::delete(c, tenant, user_id, factor_id)?;
        if row.confirmed_at.is_some() {
            audit_factor(c, tenant, user_id, "mfa.factor.removed", &row, now)?;
        }
        // Recovery codes stand in for another factor: with none left, they
        // would be a second factor of their own, so they go too.
        let rest = mfa_factors::list(c, tenant, user_id)?;
        if !rest
            .iter()
            .any(|f| f.kind != RECOVERY && f.confirmed_at.is_some())
        {
            for f in rest.iter().filter(|f| f.kind == RECOVERY) {
                mfa_factors::delete(c, tenant, user_id, &f.id)?;
                audit_factor(c, tenant, user_id, "mfa.factor.removed", f, now)?;
            }
        }
        Ok(true)
    })
}

/// The user's confirmed factors: what the sign-in asks for.
pub fn confirmed(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Vec<FactorRow>, StoreError> {
    Ok(mfa_factors::list(conn, tenant, user_id)?
        .into_iter()
        .filter(|f| f.confirmed_at.is_some())
        .collect())
}

/// The factors a sign-in may be finished with, as `(kind, id)`, the one to
/// ask for first: an authenticator app before recovery codes, which are for
/// when it is lost.
pub fn sign_in_order(confirmed: Vec<FactorRow>) -> Vec<(String, String)> {
    let rank = |kind: &str| match kind {
        TOTP => 0,
        EMAIL => 3,
        SMS => 4,
        RECOVERY => 9,
        _ => 5,
    };
    let mut usable: Vec<(String, String)> = confirmed.into_iter().map(|f| (f.kind, f.id)).collect();
    usable.sort_by_key(|(kind, _)| rank(kind));
    usable
}

/// Recovery codes are made only for a user who has another factor.
pub fn may_have_recovery_codes(confirmed: &[FactorRow]) -> bool {
    confirmed.iter().any(|f| f.kind != RECOVERY)
}

/// What a submitted code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Wrong, replayed, or the factor is unknown: counted.
    Wrong,
    /// The factor is locked until then; the code was not looked at.
    Locked(NaiveDateTime),
}

/// Checks a code against one of the user's factors, whichever its kind,
/// and records the outcome: a right code used (once only, across processes:
/// the conditional updates of `mfa_factors`), or one more wrong code and
/// the lock it earns, audited. A locked factor does not look at the code.
pub fn verify(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user_id: &str,
    factor_id: &str,
    attempt: Attempt<'_>,
) -> Result<Verdict, MfaError> {
    let Some(row) = mfa_factors::get(conn, tenant, user_id, factor_id)? else {
        return Ok(Verdict::Wrong);
    };
    if let Some(until) = row.locked_until.filter(|u| *u > attempt.now) {
        return Ok(Verdict::Locked(until));
    }
    let used = match row.kind.as_str() {
        TOTP => app::use_totp(conn, master, tenant, &row, attempt)?,
        RECOVERY => use_recovery(conn, tenant, &row, attempt)?,
        EMAIL | SMS => sent::use_code(conn, master, tenant, &row, attempt)?,
        _ => false,
    };
    if used {
        return Ok(Verdict::Accepted);
    }
    wrong(conn, tenant, user_id, &row, attempt.now)
}
