//! The factors whose codes Gatehouse sends — by email and by text
//! message: setting one up, making a code to send, using a code once.

use super::codes;
use super::rows::{Attempt, EMAIL, MfaError, SMS, aad, audit_factor, is_sent};
use crate::config::{KeyPurpose, MasterKey};
use crate::store::mfa_factors::{self, FactorRow};
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tokens::seal;
use chrono::NaiveDateTime;

/// A live one-time code of the factor, used up; the factor confirmed if this
/// was its first.
pub(super) fn use_code(
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
    let row = FactorRow::new(
        store::new_id(),
        tenant,
        user_id,
        EMAIL,
        "Email".into(),
        None,
        now,
    );
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
    let row = FactorRow::new(
        id.clone(),
        tenant,
        user_id,
        SMS,
        crate::sms::masked(phone),
        Some(sealed),
        now,
    );
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
