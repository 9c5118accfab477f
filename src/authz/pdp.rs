//! The policy decision point: one AuthZEN evaluation against the tenant's
//! policies, for a subject that is an access token of the tenant.

use super::authzen::{Decision, EvaluationRequest};
use super::policy::{self, Question};
use crate::tenancy::TenantSnapshot;
use crate::tokens::access;
use chrono::{DateTime, Utc};

/// The only subject type: an access token of this tenant.
pub const SUBJECT_TOKEN: &str = "token";

/// Decides one evaluation. A subject that is not a usable token of this
/// tenant (malformed, expired, revoked, another tenant's) is denied with the
/// reason `subject_unresolved`, as introspection would answer `active: false`.
pub fn evaluate(
    snapshot: &TenantSnapshot,
    r: &EvaluationRequest,
    now: DateTime<Utc>,
    is_revoked: impl Fn(&str) -> bool,
) -> Decision {
    if r.subject.kind != SUBJECT_TOKEN {
        return Decision::unresolved("unsupported_subject_type");
    }
    let presented = r.subject.id.as_deref().and_then(|token| {
        access::present(
            &snapshot.verified,
            &snapshot.keys,
            &snapshot.slug,
            &snapshot.issuer,
            token,
            now,
            is_revoked,
        )
    });
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
