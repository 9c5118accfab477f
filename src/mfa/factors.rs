//! A user's second factors: enrolling an authenticator app (TOTP), checking
//! a code at sign-in, removing a factor. The secret is sealed at rest with a
//! key derived from the master key for this purpose and bound to its tenant
//! and row (`tokens::seal`); wrong codes are counted on the row and lock it
//! ([`super::lockout`]), so every process sees the same lock.

use super::totp::{self, Check, TotpSecret};
use super::{codes, lockout, recovery};
use crate::config::{KeyPurpose, MasterKey};
use crate::store::audit::{self, AuditEvent};
use crate::store::mfa_factors::{self, FactorRow};
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tokens::seal;
use chrono::NaiveDateTime;

pub const TOTP: &str = "totp";
pub const RECOVERY: &str = "recovery";
pub const EMAIL: &str = "email";
pub const SMS: &str = "sms";

/// The kinds whose codes Gatehouse sends (`mfa::codes`).
pub fn is_sent(kind: &str) -> bool {
    kind == EMAIL || kind == SMS
}

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a second factor's secret could not be sealed or opened")]
    Seal(#[from] seal::SealError),
}

/// Recovery codes are made only for a user who has another factor.
pub fn may_have_recovery_codes(confirmed: &[FactorRow]) -> bool {
    confirmed.iter().any(|f| f.kind != RECOVERY)
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
/// factor only once [`verify`] accepts a first code.
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
        TOTP => use_totp(conn, master, tenant, &row, attempt)?,
        RECOVERY => use_recovery(conn, tenant, &row, attempt)?,
        EMAIL | SMS => use_code(conn, master, tenant, &row, attempt)?,
        _ => false,
    };
    if used {
        return Ok(Verdict::Accepted);
    }
    wrong(conn, tenant, user_id, &row, attempt.now)
}

/// RFC 6238: the code's step, stored unless it (or a later one) was used.
fn use_totp(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    row: &FactorRow,
    attempt: Attempt<'_>,
) -> Result<bool, MfaError> {
    let secret = secret_of(master, tenant, row)?;
    let last = row.last_used_step.and_then(|s| u64::try_from(s).ok());
    let Check::Accepted { step } = totp::check(&secret, attempt.code, attempt.unix_secs, last)
    else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let (user_id, now) = (row.user_id.as_str(), attempt.now);
    Ok(store::write_tx(conn, |c| {
        let won = mfa_factors::use_step(c, tenant, user_id, &row.id, step, now)?;
        if won && row.confirmed_at.is_none() {
            audit_factor(c, tenant, user_id, "mfa.factor.added", row, now)?;
        }
        Ok::<_, StoreError>(won)
    })?)
}

/// A live one-time code of the factor, used up; the factor confirmed if this
/// was its first.
fn use_code(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    row: &FactorRow,
    attempt: Attempt<'_>,
) -> Result<bool, MfaError> {
    let Some(hash) = codes::keyed_hash(master, &row.id, attempt.code) else {
        return Ok(false);
    };
    let (user_id, now) = (row.user_id.as_str(), attempt.now);
    Ok(store::write_tx(conn, |c| {
        if !mfa_factors::use_code(c, tenant, &row.id, &hash, now)? {
            return Ok::<_, StoreError>(false);
        }
        mfa_factors::record_use(c, tenant, user_id, &row.id, now)?;
        if mfa_factors::confirm(c, tenant, user_id, &row.id, now)? {
            audit_factor(c, tenant, user_id, "mfa.factor.added", row, now)?;
        }
        Ok(true)
    })?)
}

/// Starts adding codes by mail: a factor, unconfirmed until the first
/// emailed code comes back (an unfinished earlier one is replaced).
pub fn begin_email(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<String, MfaError> {
    let row = FactorRow {
        id: store::new_id(),
        tenant_id: tenant.to_string(),
        user_id: user_id.to_owned(),
        kind: EMAIL.into(),
        label: "Email".into(),
        secret_sealed: None,
        last_used_step: None,
        failures: 0,
        locked_until: None,
        created_at: now,
        confirmed_at: None,
        last_used_at: None,
    };
    store::write_tx(conn, |c| {
        mfa_factors::delete_unconfirmed(c, tenant, user_id, EMAIL)?;
        mfa_factors::insert(c, tenant, &row)
    })?;
    Ok(row.id)
}

/// Starts adding codes by text message to `phone` (E.164, `sms::normalize`):
/// a factor holding the number sealed like a TOTP secret (it is personal
/// data), labelled with it masked, unconfirmed until the first code sent
/// there comes back — a number is verified before it can be used.
pub fn begin_sms(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user_id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> Result<String, MfaError> {
    let id = store::new_id();
    let sealed = seal::seal(
        master,
        KeyPurpose::MfaSecrets,
        &aad(tenant, &id),
        phone.as_bytes(),
    )?;
    let row = FactorRow {
        id: id.clone(),
        tenant_id: tenant.to_string(),
        user_id: user_id.to_owned(),
        kind: SMS.into(),
        label: crate::sms::masked(phone),
        secret_sealed: Some(sealed),
        last_used_step: None,
        failures: 0,
        locked_until: None,
        created_at: now,
        confirmed_at: None,
        last_used_at: None,
    };
    store::write_tx(conn, |c| {
        mfa_factors::delete_unconfirmed(c, tenant, user_id, SMS)?;
        mfa_factors::insert(c, tenant, &row)
    })?;
    Ok(id)
}

/// The phone number of an `sms` factor.
pub fn phone_of(
    master: &MasterKey,
    tenant: &TenantId,
    row: &FactorRow,
) -> Result<String, MfaError> {
    let sealed = row.secret_sealed.as_deref().ok_or(seal::SealError::Open)?;
    let bytes = seal::open(
        master,
        KeyPurpose::MfaSecrets,
        &aad(tenant, &row.id),
        sealed,
    )?;
    String::from_utf8(bytes.to_vec()).map_err(|_| MfaError::Seal(seal::SealError::Open))
}

/// A one-time code to send for a factor of this user.
pub enum Issued {
    /// The code (to send, then forget) and its row (to delete if the send fails).
    Code { id: String, code: String },
    /// [`codes::MAX_LIVE`] codes are alive already: use one, or wait.
    TooMany,
    /// No such factor of this user, or it is locked.
    Refused,
}

/// Makes a one-time code for one of the user's `email` or `sms` factors.
pub fn issue_code(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user_id: &str,
    factor_id: &str,
    now: NaiveDateTime,
) -> Result<Issued, MfaError> {
    store::write_tx(conn, |c| {
        let row = mfa_factors::get(c, tenant, user_id, factor_id)?;
        let Some(row) = row.filter(|r| is_sent(&r.kind)) else {
            return Ok(Issued::Refused);
        };
        if row.locked_until.is_some_and(|u| u > now) {
            return Ok(Issued::Refused);
        }
        if mfa_factors::live_codes(c, tenant, factor_id, now)? >= codes::MAX_LIVE {
            return Ok(Issued::TooMany);
        }
        let code = codes::generate();
        let hash = codes::keyed_hash(master, factor_id, &code)
            .ok_or(StoreError::Corrupt("one-time code key".into()))?;
        let expires = now + chrono::Duration::minutes(codes::LIFETIME_MINUTES);
        let id = mfa_factors::insert_code(c, tenant, factor_id, &hash, now, expires)?;
        Ok(Issued::Code { id, code })
    })
}

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
        id: store::new_id(),
        tenant_id: tenant.to_string(),
        user_id: user_id.to_owned(),
        kind: RECOVERY.into(),
        label: "Recovery codes".into(),
        secret_sealed: None,
        last_used_step: None,
        failures: 0,
        locked_until: None,
        created_at: now,
        confirmed_at: Some(now),
        last_used_at: None,
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
