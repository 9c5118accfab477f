//! Authenticator apps (TOTP): setting one up with a new secret sealed at
//! rest, reading the secret back, and using a code's time step once.

use super::rows::{Attempt, MfaError, TOTP, aad, audit_factor};
use super::totp::{self, Check, TotpSecret};
use crate::config::{KeyPurpose, MasterKey};
use crate::store::mfa_factors::{self, FactorRow};
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tokens::seal;
use chrono::NaiveDateTime;

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
    let row = FactorRow::new(
        id.clone(),
        tenant,
        user_id,
        TOTP,
        "Authenticator app".into(),
        Some(sealed),
        now,
    );
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

/// RFC 6238: the code's step, stored unless it (or a later one) was used.
pub(super) fn use_totp(
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
