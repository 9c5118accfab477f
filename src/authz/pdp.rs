//! The policy decision point: one AuthZEN evaluation against the tenant's
//! policies. Subjects are access tokens of the tenant (`{"type": "token",
//! "id": "<access token>"}`: what may this token do, narrowing blocks
//! included) or users of the tenant (`{"type": "user", "id": "<user id>"}`:
//! what may this user do with every permission their roles give).

use super::authzen::{Decision, EvaluationRequest};
use super::policy::{self, Caller, Question, TokenClaims};
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tenancy::{TenantHandle, TenantSnapshot};
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
        let active = store::users::get(conn, tenant, id)?.is_some_and(|u| u.status == "active");
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

/// Decides one evaluation. A subject that is not a usable token of this
/// tenant (malformed, expired, revoked, banned, another tenant's), or not an
/// active user of it, is denied with the reason `subject_unresolved`, as
/// introspection would answer `active: false`.
pub fn evaluate(
    tenant: &TenantHandle,
    snapshot: &TenantSnapshot,
    r: &EvaluationRequest,
    users: &Users,
    now: DateTime<Utc>,
) -> Decision {
    let no_scopes = BTreeSet::new();
    let presented;
    let caller = match r.subject.kind.as_str() {
        SUBJECT_TOKEN => {
            presented = r
                .subject
                .id
                .as_deref()
                .and_then(|token| tenant.present(snapshot, token, now));
            match &presented {
                Some(p) => p.caller(&snapshot.slug),
                None => return Decision::unresolved("subject_unresolved"),
            }
        }
        SUBJECT_USER => match r
            .subject
            .id
            .as_deref()
            .and_then(|id| users.get_key_value(id))
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
    // The context's string members are facts too (`context(name, value)`;
    // `audience` also as `audience(value)`, for holders' audience checks).
    let context: Vec<(&str, &str)> = r
        .context
        .iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
        .collect();
    let decision = snapshot.policies.decide_in(&caller, &question, &context);
    if decision == policy::Decision::LimitReached {
        tracing::warn!(tenant = %snapshot.slug, "policy evaluation hit its run limits; denied");
    }
    Decision::of(decision == policy::Decision::Allow)
}
