//! A user's second factors: enrolling an authenticator app (TOTP), checking
//! a code at sign-in, removing a factor. The secret is sealed at rest with a
//! key derived from the master key for this purpose and bound to its tenant
//! and row (`tokens::seal`); wrong codes are counted on the row and lock it
//! ([`super::lockout`]), so every process sees the same lock.

use super::lockout;
use super::totp::{self, Check, TotpSecret};
use crate::config::{KeyPurpose, MasterKey};
use crate::store::audit::{self, AuditEvent};
use crate::store::mfa_factors::{self, FactorRow};
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tokens::seal;
use chrono::NaiveDateTime;

pub const TOTP: &str = "totp";

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a second factor's secret could not be sealed or opened")]
    Seal(#[from] seal::SealError),
}

impl From<diesel::result::Error> for MfaError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

/// A secret that does not open is data the server cannot use, like any
/// other corrupt row (the master key changed, or the row was altered).
impl From<MfaError> for StoreError {
    fn from(e: MfaError) -> Self {
        match e {
            MfaError::Store(e) => e,
            MfaError::Seal(e) => StoreError::Corrupt(format!("mfa_factors.secret_sealed: {e}")),
        }
    }
}

fn aad(tenant: &TenantId, factor_id: &str) -> String {
    format!("gatehouse/mfa/{tenant}/{factor_id}")
}

/// An authenticator app being added: the row's id, and the secret to show
/// once as a QR code and as text.
pub struct Enrolment {
    pub factor_id: String,
    pub secret: TotpSecret,
}

/// Starts adding an authenticator app: a new secret, stored sealed and not
/// yet confirmed (an unfinished earlier one is replaced). It counts as a
/// factor only once [`verify_totp`] accepts a first code.
pub fn begin_totp(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Enrolment, MfaError> {
    let secret = TotpSecret::generate();
    let id = store::new_id();
    let sealed = seal::seal(
        master,
        KeyPurpose::MfaSecrets,
        &aad(tenant, &id),
        secret.expose(),
    )?;
    let row = FactorRow {
        id: id.clone(),
        tenant_id: tenant.to_string(),
        user_id: user_id.to_owned(),
        kind: TOTP.into(),
        label: "Authenticator app".into(),
        secret_sealed: Some(sealed),
        last_used_step: None,
        failures: 0,
        locked_until: None,
        created_at: now,
        confirmed_at: None,
        last_used_at: None,
    };
    store::write_tx(conn, |c| {
        mfa_factors::delete_unconfirmed(c, tenant, user_id, TOTP)?;
        mfa_factors::insert(c, tenant, &row)
    })?;
    Ok(Enrolment {
        factor_id: id,
        secret,
    })
}

/// The secret of a factor of this user (to show an unfinished enrolment's
/// QR code again).
pub fn secret_of(
    master: &MasterKey,
    tenant: &TenantId,
    row: &FactorRow,
) -> Result<TotpSecret, MfaError> {
    let sealed = row.secret_sealed.as_deref().ok_or(seal::SealError::Open)?;
    let bytes = seal::open(
        master,
        KeyPurpose::MfaSecrets,
        &aad(tenant, &row.id),
        sealed,
    )?;
    Ok(TotpSecret::from_bytes(bytes.to_vec()))
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

/// A code submitted at a time: the Unix time the code is checked at, and
/// the same instant as stored.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    pub code: &'a str,
    pub unix_secs: u64,
    pub now: NaiveDateTime,
}

/// Checks a code against one of the user's TOTP factors at `unix_secs`
/// and records the outcome: the step of a right code (once only, across
/// processes: `mfa_factors::use_step`), or one more wrong code and the lock
/// it earns, audited.
pub fn verify_totp(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user_id: &str,
    factor_id: &str,
    attempt: Attempt<'_>,
) -> Result<Verdict, MfaError> {
    let Attempt {
        code,
        unix_secs,
        now,
    } = attempt;
    let Some(row) = mfa_factors::get(conn, tenant, user_id, factor_id)? else {
        return Ok(Verdict::Wrong);
    };
    if let Some(until) = row.locked_until.filter(|u| *u > now) {
        return Ok(Verdict::Locked(until));
    }
    let secret = secret_of(master, tenant, &row)?;
    let last = row.last_used_step.and_then(|s| u64::try_from(s).ok());
    if let Check::Accepted { step } = totp::check(&secret, code, unix_secs, last) {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let won = store::write_tx(conn, |c| {
            let won = mfa_factors::use_step(c, tenant, user_id, factor_id, step, now)?;
            if won && row.confirmed_at.is_none() {
                audit_factor(c, tenant, user_id, "mfa.factor.added", &row, now)?;
            }
            Ok::<_, StoreError>(won)
        })?;
        if won {
            return Ok(Verdict::Accepted);
        }
    }
    wrong(conn, tenant, user_id, &row, now)
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

fn audit_factor(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    action: &str,
    row: &FactorRow,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    audit::append(
        conn,
        tenant,
        AuditEvent {
            actor: user_id,
            action,
            target: &row.id,
            detail: serde_json::json!({ "kind": row.kind }),
        },
        now,
    )
}
