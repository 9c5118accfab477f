//! What the account page (`{issuer}/account`) reads and does for the
//! signed-in user: who they are and their second factors; adding an
//! authenticator app, which counts once its first code is right.

use crate::config::MasterKey;
use crate::mfa::factors::{self, Attempt, Enrolment, MfaError, Verdict};
use crate::mfa::totp::TotpSecret;
use crate::store::mfa_factors::{self, FactorRow};
use crate::store::users::UserRow;
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;

pub struct Overview {
    pub user: UserRow,
    /// Confirmed factors only (an unfinished set-up is no factor), without
    /// the recovery codes.
    pub factors: Vec<FactorRow>,
    /// How many recovery codes are left, when the user has a set.
    pub recovery_left: Option<i64>,
}

impl Overview {
    /// One authenticator app per user: another is added after removing it.
    pub fn can_add_totp(&self) -> bool {
        !self.factors.iter().any(|f| f.kind == factors::TOTP)
    }

    /// Codes by mail need an address, and one such factor is enough.
    pub fn can_add_email(&self) -> bool {
        self.user.email.is_some() && !self.factors.iter().any(|f| f.kind == factors::EMAIL)
    }

    /// One phone per user.
    pub fn can_add_sms(&self) -> bool {
        !self.factors.iter().any(|f| f.kind == factors::SMS)
    }

    pub fn may_have_recovery_codes(&self) -> bool {
        factors::may_have_recovery_codes(&self.factors)
    }
}

pub fn overview(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Option<Overview>, StoreError> {
    let Some(user) = store::users::get(conn, tenant, user_id)? else {
        return Ok(None);
    };
    let (recovery, factors): (Vec<FactorRow>, Vec<FactorRow>) =
        factors::confirmed(conn, tenant, user_id)?
            .into_iter()
            .partition(|f| f.kind == factors::RECOVERY);
    let recovery_left = match recovery.first() {
        Some(set) => Some(mfa_factors::recovery_codes_left(conn, tenant, &set.id)?),
        None => None,
    };
    Ok(Some(Overview {
        user,
        factors,
        recovery_left,
    }))
}

/// A new set of recovery codes, to show once; `None` when the user has no
/// other factor for them to stand in for.
pub fn new_recovery_codes(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Option<Vec<String>>, MfaError> {
    if !factors::may_have_recovery_codes(&factors::confirmed(conn, tenant, user_id)?) {
        return Ok(None);
    }
    Ok(Some(factors::new_recovery_codes(
        conn, tenant, user_id, now,
    )?))
}

/// Checks the first code of an unfinished email or SMS factor: its kind
/// and what the code did, or `None` when there is no such factor.
pub fn confirm_sent(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user: &UserRow,
    factor_id: &str,
    attempt: Attempt<'_>,
) -> Result<Option<(String, Verdict)>, MfaError> {
    let row = mfa_factors::get(conn, tenant, &user.id, factor_id)?;
    let Some(row) = row.filter(|r| factors::is_sent(&r.kind) && r.confirmed_at.is_none()) else {
        return Ok(None);
    };
    let verdict = factors::verify(conn, master, tenant, &user.id, factor_id, attempt)?;
    Ok(Some((row.kind, verdict)))
}

/// An authenticator app being set up: what its page shows.
pub struct Setup {
    pub factor_id: String,
    pub secret: TotpSecret,
    /// The `otpauth://` URI (the QR code's content).
    pub uri: String,
}

/// The label an app shows for the key: the tenant's name and the user's
/// login name (Key URI Format `issuer:account`).
fn setup(e: Enrolment, issuer_label: &str, account: &str) -> Setup {
    Setup {
        uri: e.secret.uri(issuer_label, account),
        factor_id: e.factor_id,
        secret: e.secret,
    }
}

/// Starts setting up an authenticator app, unless the user has one.
pub fn begin_totp(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user: &UserRow,
    issuer_label: &str,
    now: NaiveDateTime,
) -> Result<Option<Setup>, MfaError> {
    if mfa_factors::has_confirmed(conn, tenant, &user.id, factors::TOTP)? {
        return Ok(None);
    }
    let e = factors::begin_totp(conn, master, tenant, &user.id, now)?;
    Ok(Some(setup(e, issuer_label, &user.username)))
}

/// What the first code of a set-up did, and the set-up to show again when
/// it was wrong.
pub enum Confirmed {
    On,
    Again(Setup, Verdict),
    /// No unfinished set-up of this user by that id.
    Gone,
}

/// An unfinished set-up of this user by id, to show again.
pub fn unfinished_totp(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user: &UserRow,
    issuer_label: &str,
    factor_id: &str,
) -> Result<Option<Setup>, MfaError> {
    let row = mfa_factors::get(conn, tenant, &user.id, factor_id)?;
    let Some(row) = row.filter(|r| r.kind == factors::TOTP && r.confirmed_at.is_none()) else {
        return Ok(None);
    };
    let e = Enrolment {
        factor_id: row.id.clone(),
        secret: factors::secret_of(master, tenant, &row)?,
    };
    Ok(Some(setup(e, issuer_label, &user.username)))
}

/// Checks the first code of an unfinished set-up: right, and the app is a
/// factor from now on.
pub fn confirm_totp(
    conn: &mut DbConnection,
    master: &MasterKey,
    tenant: &TenantId,
    user: &UserRow,
    issuer_label: &str,
    factor_id: &str,
    attempt: Attempt<'_>,
) -> Result<Confirmed, MfaError> {
    let Some(again) = unfinished_totp(conn, master, tenant, user, issuer_label, factor_id)? else {
        return Ok(Confirmed::Gone);
    };
    let verdict = factors::verify(conn, master, tenant, &user.id, factor_id, attempt)?;
    if verdict == Verdict::Accepted {
        return Ok(Confirmed::On);
    }
    Ok(Confirmed::Again(again, verdict))
}
