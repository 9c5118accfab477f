//! What a handler holds for a live tenant.

use super::actor::{RevokeToken, TenantActor};
use super::revocations::Revocations;
use super::snapshot::TenantSnapshot;
use super::sync::ProcessSync;
use crate::store::StoreError;
use actix::prelude::*;
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// What a handler gets for a live tenant: the published snapshot for reads,
/// and methods for the state transitions its actor makes.
#[derive(Clone)]
pub struct TenantHandle {
    pub(super) addr: Addr<TenantActor>,
    pub(super) snapshot: Arc<ArcSwap<TenantSnapshot>>,
    pub(super) revocations: Arc<Revocations>,
    pub(super) last_used: Arc<AtomicU64>,
    /// This live tenant's name in `revocation_acks`: the process and a
    /// counter, so that a stopping instance never removes its successor's
    /// record.
    pub(super) instance: Arc<str>,
    pub(super) sync: Arc<ProcessSync>,
}

impl TenantHandle {
    /// The current snapshot; no message round trip.
    pub fn snapshot(&self) -> Arc<TenantSnapshot> {
        self.snapshot.load_full()
    }

    /// Revokes an access token by its revocation id (RFC 7009): recorded in
    /// the database, then in this process's set.
    pub async fn revoke(
        &self,
        revocation_id: String,
        expires_at: chrono::NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.addr
            .send(RevokeToken {
                revocation_id,
                expires_at,
            })
            .await
            .map_err(|_| StoreError::Cancelled)?
    }

    /// Reads the revocations recorded in the database now, after a write in
    /// this process revoked tokens (a replayed code, a ban), waiting at most
    /// `within`. Best effort: the process-wide sync catches up with a failure.
    pub async fn sync_revocations(&self, within: Duration) {
        let synced = actix_web::rt::time::timeout(within, self.sync.sync_one(self)).await;
        if !matches!(synced, Ok(Ok(()))) {
            tracing::debug!("revocation sync after a local write did not complete");
        }
    }

    /// True when this process knows the access token revocation id is revoked.
    pub fn is_revoked(&self, revocation_id: &str) -> bool {
        self.revocations.contains(revocation_id)
    }

    /// True when a ban known to this process covers the token — or when this
    /// process cannot vouch for its ban list (no complete revocation sync
    /// within `tenancy::propagation::vouch_window`): then no token passes.
    pub fn is_banned(&self, client: &str, subject: Option<&str>, issued_at: Option<i64>) -> bool {
        if self.revocations.in_doubt() {
            return true;
        }
        self.revocations.is_banned(client, subject, issued_at)
    }

    /// A Bearer access token of this tenant that verified and is neither
    /// revoked nor banned, kept for policy decisions.
    pub fn present(
        &self,
        snapshot: &TenantSnapshot,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<crate::tokens::access::Presented> {
        let p = crate::tokens::access::present(
            &snapshot.verified,
            snapshot.token_issuer(),
            token,
            now,
            |id| self.is_revoked(id),
        )?;
        (!self.is_banned(p.client_id(), p.subject(), p.issued_at())).then_some(p)
    }

    /// The facts of an active access token of this tenant (after any
    /// narrowing blocks) that is neither revoked nor banned — what
    /// introspection and userinfo answer from. Tokens nobody narrowed go
    /// through the tenant's cache of verified tokens.
    pub fn inspect(
        &self,
        snapshot: &TenantSnapshot,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
        admit: crate::tokens::access::Admit<'_>,
    ) -> Option<Arc<crate::tokens::access::TokenFacts>> {
        crate::tokens::access::inspect_cached(
            &snapshot.verified,
            snapshot.token_issuer(),
            token,
            now,
            |id| self.is_revoked(id),
            admit,
        )
        .filter(|f| self.allows(f))
    }

    /// Neither revoked (checked on verification) nor banned: for facts of a
    /// token that verified.
    pub fn allows(&self, facts: &crate::tokens::access::TokenFacts) -> bool {
        !self.is_banned(&facts.client_id, facts.subject.as_deref(), facts.issued_at)
    }
}
