//! Banning a user's, a client's or the whole tenant's tokens, as the ban API
//! asks it (docs/architecture.md, "Bans"): who may ban, and a ban recorded,
//! applied here, and confirmed in force by every process holding the tenant
//! before it is answered.

use super::TenantHandle;
use super::TenantSnapshot;
use super::propagation::{self, Confirmation};
use crate::authz::policy::{Decision, Question};
use crate::clock::Clock;
use crate::store::bans::BanTarget;
use crate::store::{Store, StoreError};
use crate::tokens::access::Presented;
use crate::tokens::ban::{self, Banned};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The action the tenant's policies must allow the caller on the target.
pub const ACTION: &str = "tokens:revoke";

/// Whether the policies allow `caller` [`ACTION`] on `target` (a user id, a
/// client id, or the tenant).
fn may_ban(
    s: &TenantSnapshot,
    caller: &Presented,
    target: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let question = Question {
        action: ACTION,
        resource_type: "tokens",
        resource_id: target,
        resource_tenant: &s.slug,
        now: now.into(),
    };
    s.policies.decide(&caller.caller(&s.slug), &question) == Decision::Allow
}

/// Who asks for a ban, and whether they may ban what they asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Recorded as the ban's actor (and in the audit log).
    pub actor: String,
    pub allowed: bool,
}

/// The caller behind a Bearer `token`, or `None` when the token is not an
/// active access token of the tenant; `wanted` is the target asked for
/// (`None` when the request named none validly: never allowed).
pub fn check_caller(
    tenant: &TenantHandle,
    s: &TenantSnapshot,
    token: &str,
    wanted: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Caller> {
    let caller = tenant.present(s, token, now)?;
    Some(Caller {
        allowed: wanted.is_some_and(|w| may_ban(s, &caller, w, now)),
        actor: caller.actor(),
    })
}

/// How long a ban waits for other processes, and how often they sync.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub confirm_timeout: Duration,
    pub sync_interval: Duration,
}

/// Records the ban, then waits until it is in force in this process and in
/// every other process holding the tenant (`propagation`), all within
/// `timing.confirm_timeout`.
pub async fn ban_everywhere(
    store: &Store,
    clock: Arc<dyn Clock>,
    tenant: &TenantHandle,
    target: &BanTarget,
    actor: String,
    timing: Timing,
) -> Result<(Banned, Confirmation), StoreError> {
    let s = tenant.snapshot();
    let (t, target, c) = (s.id.clone(), target.clone(), clock.clone());
    let banned = store
        .run(move |conn| ban::ban(conn, &t, &target, &actor, c.as_ref()))
        .await?;
    let deadline = Instant::now() + timing.confirm_timeout;
    // Applied here first; bounded like the rest of the wait.
    let remaining = deadline.saturating_duration_since(Instant::now());
    tenant.sync_revocations(remaining).await;
    let processes = propagation::confirm(
        store,
        clock.as_ref(),
        &s.id,
        banned.epoch,
        timing.sync_interval,
        deadline,
    )
    .await;
    if processes.unconfirmed > 0 {
        tracing::warn!(tenant = %s.slug, unconfirmed = processes.unconfirmed,
            "a ban was not confirmed by every process in time");
    }
    Ok((banned, processes))
}
