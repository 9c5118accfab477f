//! The policy decision point: one AuthZEN evaluation against the tenant's
//! policies. Subjects are access tokens of the tenant (`{"type": "token",
//! "id": "<access token>"}`: what may this token do, narrowing blocks
//! included) or users of the tenant (`{"type": "user", "id": "<user id>"}`:
//! what may this user do with every permission their roles give).

use super::authzen::{Decision, EvaluationRequest};
use super::policy::{self, Caller, Question, TokenClaims};
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tenancy::{TenantHandle, TenantSnapshot};
use crate::tokens::access::{self, Presented};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

pub const SUBJECT_TOKEN: &str = "token";
pub const SUBJECT_USER: &str = "user";

/// Active users named as subjects, with their permissions.
pub type Users = HashMap<String, BTreeSet<String>>;

/// Reads the user subjects of `requests` (one query pair per distinct user;
/// none when there are none).
pub fn load_users(
    conn: &mut DbConnection,
    tenant: &TenantId,
    snapshot_roles: &super::rbac::Roles,
    requests: &[EvaluationRequest],
) -> Result<Users, StoreError> {
    let ids: BTreeSet<&str> = requests
        .iter()
        .filter(|r| r.subject.kind == SUBJECT_USER)
        .filter_map(|r| r.subject.id.as_deref())
        .collect();
    let mut users = Users::new();
    for id in ids {
        let active = store::users::get(conn, tenant, id)?
            .is_some_and(|u| crate::identity::UserStatus::of_row(&u.status).is_active());
        if active {
            let held = store::users::role_names(conn, tenant, id)?;
            users.insert(id.to_owned(), snapshot_roles.permissions_of(&held));
        }
    }
    Ok(users)
}

/// Whether any request names a user subject (and so needs [`load_users`]).
pub fn needs_users(requests: &[EvaluationRequest]) -> bool {
    requests.iter().any(|r| r.subject.kind == SUBJECT_USER)
}

/// The subjects of one request's evaluations: each distinct token presented
/// once (signature, revocation, bans), and the user subjects read before.
pub struct Subjects {
    tokens: HashMap<String, Option<Presented>>,
    users: Users,
}

/// A batch whose narrowed subject tokens would cost too much to check or
/// decide (verify::limits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooCostly {
    #[error(
        "deciding this batch's narrowed subject tokens would cost {0} (at most {MAX_BATCH_COST}); send fewer evaluations per request"
    )]
    Decisions(u64),
    #[error(
        "this batch names {0} different narrowed subject tokens (at most {MAX_NARROWED_SUBJECTS}); send fewer per request"
    )]
    Subjects(usize),
}

/// Distinct narrowed subject tokens per batch: checking each (its rules run)
/// may cost one evaluation's budget, so together no more than the batch's.
pub const MAX_NARROWED_SUBJECTS: usize = 4;

/// What all evaluations of one request together may cost in narrowed
/// tokens' blocks: four times one evaluation's limit.
pub const MAX_BATCH_COST: u64 = 4 * crate::verify::limits::MAX_COST;

impl Subjects {
    pub fn resolve(
        tenant: &TenantHandle,
        snapshot: &TenantSnapshot,
        requests: &[EvaluationRequest],
        users: Users,
        now: DateTime<Utc>,
    ) -> Result<Self, TooCostly> {
        let distinct: std::collections::BTreeSet<&str> = requests
            .iter()
            .filter(|r| r.subject.kind == SUBJECT_TOKEN)
            .filter_map(|r| r.subject.id.as_deref())
            .collect();
        let narrowed = distinct.iter().filter(|t| access::is_narrowed(t)).count();
        if narrowed > MAX_NARROWED_SUBJECTS {
            return Err(TooCostly::Subjects(narrowed));
        }
        let tokens = distinct
            .into_iter()
            .map(|t| (t.to_owned(), tenant.present(snapshot, t, now)))
            .collect();
        Ok(Self { tokens, users })
    }

    /// Refuses a batch whose narrowed tokens' blocks would cost more than
    /// [`MAX_BATCH_COST`] over all its evaluations.
    pub fn within_budget(
        &self,
        snapshot: &TenantSnapshot,
        requests: &[EvaluationRequest],
    ) -> Result<(), TooCostly> {
        let mut total = 0u64;
        for r in requests {
            let presented = r.subject.id.as_deref().and_then(|t| self.tokens.get(t));
            if let Some(Some(Presented::Biscuit(b))) = presented {
                let cost = snapshot.policies.cost(&b.1.narrowing, context(r).len());
                total = total.saturating_add(cost);
            }
        }
        if total > MAX_BATCH_COST {
            return Err(TooCostly::Decisions(total));
        }
        Ok(())
    }
}

/// The context's string members are facts too (`context(name, value)`;
/// `audience` also as `audience(value)`, for holders' audience checks).
fn context(r: &EvaluationRequest) -> Vec<(&str, &str)> {
    r.context
        .iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
        .collect()
}

/// Decides one evaluation. A subject that is not a usable token of this
/// tenant (malformed, expired, revoked, banned, another tenant's), or not an
/// active user of it, is denied with the reason `subject_unresolved`, as
/// introspection would answer `active: false`.
pub fn evaluate(
    snapshot: &TenantSnapshot,
    r: &EvaluationRequest,
    subjects: &Subjects,
    now: DateTime<Utc>,
) -> Decision {
    let no_scopes = BTreeSet::new();
    let caller = match r.subject.kind.as_str() {
        SUBJECT_TOKEN => {
            let presented = r.subject.id.as_deref().and_then(|t| subjects.tokens.get(t));
            match presented {
                Some(Some(p)) => p.caller(&snapshot.slug),
                _ => return Decision::unresolved("subject_unresolved"),
            }
        }
        SUBJECT_USER => match r
            .subject
            .id
            .as_deref()
            .and_then(|id| subjects.users.get_key_value(id))
        {
            Some((id, rights)) => Caller::Claims(TokenClaims {
                tenant: &snapshot.slug,
                client_id: None,
                subject: Some(id),
                scopes: &no_scopes,
                rights,
            }),
            None => return Decision::unresolved("subject_unresolved"),
        },
        _ => return Decision::unresolved("unsupported_subject_type"),
    };
    let question = Question {
        action: &r.action.name,
        resource_type: &r.resource.kind,
        resource_id: r.resource.id.as_deref().unwrap_or_default(),
        resource_tenant: &snapshot.slug,
        now: now.into(),
    };
    let decision = snapshot.policies.decide_in(&caller, &question, &context(r));
    if decision == policy::Decision::LimitReached {
        tracing::warn!(tenant = %snapshot.slug, "policy evaluation hit its run limits; denied");
    }
    Decision::of(decision == policy::Decision::Allow)
}
