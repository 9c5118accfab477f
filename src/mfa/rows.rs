//! What every kind of second factor shares: the kinds' names, the error,
//! a code as submitted, the associated data its secrets are sealed with, and
//! the audit record of a factor's changes.

use crate::store::audit::{self, AuditEvent};
use crate::store::mfa_factors::FactorRow;
use crate::store::{DbConnection, StoreError, TenantId};
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

/// What a factor's secret is sealed with: its tenant and row.
pub(super) fn aad(tenant: &TenantId, factor_id: &str) -> String {
    format!("gatehouse/mfa/{tenant}/{factor_id}")
}

/// A code submitted at a time: the Unix time the code is checked at, and
/// the same instant as stored.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    pub code: &'a str,
    pub unix_secs: u64,
    pub now: NaiveDateTime,
}

pub(super) fn audit_factor(
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
