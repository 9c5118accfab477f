//! The policy decision point: one AuthZEN evaluation against the tenant's
//! policies, for a subject that is an access token of the tenant.

use super::authzen::{Decision, EvaluationRequest};
use super::policy::{self, Question};
use crate::tenancy::{TenantHandle, TenantSnapshot};
use chrono::{DateTime, Utc};

/// The only subject type: an access token of this tenant.
pub const SUBJECT_TOKEN: &str = "token";

/// Decides one evaluation. A subject that is not a usable token of this
/// tenant (malformed, expired, revoked, banned, another tenant's) is denied with the
/// reason `subject_unresolved`, as introspection would answer `active: false`.
pub fn evaluate(
    tenant: &TenantHandle,
    snapshot: &TenantSnapshot,
    r: &EvaluationRequest,
    now: DateTime<Utc>,
) -> Decision {
    if r.subject.kind != SUBJECT_TOKEN {
        return Decision::unresolved("unsupported_subject_type");
    }
    let presented = r
        .subject
        .id
        .as_deref()
        .and_then(|token| tenant.present(snapshot, token, now));
    let Some(presented) = presented else {
        return Decision::unresolved("subject_unresolved");
    };
    let question = Question {
        action: &r.action.name,
        resource_type: &r.resource.kind,
        resource_id: r.resource.id.as_deref().unwrap_or_default(),
        resource_tenant: &snapshot.slug,
        now: now.into(),
    };
    let decision = snapshot
        .policies
        .decide(&presented.caller(&snapshot.slug), &question);
    if decision == policy::Decision::LimitReached {
        tracing::warn!(tenant = %snapshot.slug, "policy evaluation hit its run limits; denied");
    }
    Decision::of(decision == policy::Decision::Allow)
}
