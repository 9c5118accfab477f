//! Banning tokens: every access token of a user, of a client or of the whole
//! tenant issued up to now becomes inactive, and so does every refresh family
//! and unredeemed code that could mint new ones — one transaction, audited.

use crate::clock::Clock;
use crate::store::audit::AuditEvent;
use crate::store::bans::{self, BanTarget};
use crate::store::{self, DbConnection, StoreError, TenantId, write_tx};
use chrono::NaiveDateTime;
use serde::Deserialize;

/// How long a ban is kept: the longest access token lifetime (24 h, the
/// upper bound tenant files and the CLI accept) plus clock slack.
pub const KEEP_SECS: i64 = 86_400 + 300;

/// The request body: exactly one of the members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub client: Option<String>,
    #[serde(default)]
    pub tenant: Option<bool>,
}

impl BanRequest {
    pub fn target(&self) -> Result<BanTarget, &'static str> {
        match (&self.user, &self.client, self.tenant) {
            (Some(u), None, None) if !u.is_empty() => Ok(BanTarget::User(u.clone())),
            (None, Some(c), None) if !c.is_empty() => Ok(BanTarget::Client(c.clone())),
            (None, None, Some(true)) => Ok(BanTarget::Tenant),
            _ => Err(
                "send exactly one of {\"user\": \"<user id>\"}, {\"client\": \"<client_id>\"} or {\"tenant\": true}",
            ),
        }
    }
}

/// What one ban did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banned {
    pub refresh_families_revoked: usize,
    /// The tenant's revocation epoch the ban moved to (`tenancy::propagation`).
    pub epoch: i64,
    /// Tokens issued up to this moment (taken inside the transaction, after
    /// the refresh families and codes were revoked) are banned.
    pub banned_at: NaiveDateTime,
}

/// Records the ban, revokes what it covers and moves the tenant's revocation
/// epoch, in one transaction.
pub fn ban(
    conn: &mut DbConnection,
    tenant: &TenantId,
    target: &BanTarget,
    actor: &str,
    clock: &dyn Clock,
) -> Result<Banned, StoreError> {
    let now = clock.db_now();
    write_tx(conn, |c| {
        let (families, banned_at) = bans::ban(
            c,
            tenant,
            target,
            now,
            || clock.db_now(),
            chrono::Duration::seconds(KEEP_SECS),
        )?;
        store::audit::append(
            c,
            tenant,
            AuditEvent {
                actor,
                action: "tokens.banned",
                target: target.target(),
                detail: serde_json::json!({
                    "kind": target.kind(),
                    "refresh_families_revoked": families,
                }),
            },
            now,
        )?;
        Ok(Banned {
            refresh_families_revoked: families,
            epoch: store::revocation_acks::bump(c, tenant)?,
            banned_at,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_target() {
        let r = |j: serde_json::Value| serde_json::from_value::<BanRequest>(j).unwrap().target();
        assert_eq!(
            r(serde_json::json!({"user": "u1"})),
            Ok(BanTarget::User("u1".into()))
        );
        assert_eq!(
            r(serde_json::json!({"client": "c"})),
            Ok(BanTarget::Client("c".into()))
        );
        assert_eq!(
            r(serde_json::json!({"tenant": true})),
            Ok(BanTarget::Tenant)
        );
        assert!(r(serde_json::json!({})).is_err());
        assert!(r(serde_json::json!({"tenant": false})).is_err());
        assert!(r(serde_json::json!({"user": "u", "client": "c"})).is_err());
        assert!(r(serde_json::json!({"user": ""})).is_err());
    }
}
