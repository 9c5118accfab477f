//! OpenID AuthZEN Authorization API 1.0: each tenant is a policy decision
//! point. This module holds the protocol's messages and its batch semantics;
//! decisions come from the tenant's policies ([`super::policy`]).
//!
//! A subject is an access token of the tenant: `{"type": "token", "id":
//! "<access token>"}` — "may this token do X to Y". The action's `name` is the
//! policy's `action` (and `required_right`); the resource's `type` and `id`
//! are `resource_type` and `resource`.

use serde::{Deserialize, Serialize};

/// Subject or resource (AuthZEN §5.1, §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entity {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub properties: Option<serde_json::Value>,
}

/// AuthZEN §5.3.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Action {
    pub name: String,
    #[serde(default)]
    pub properties: Option<serde_json::Value>,
}

pub type Context = serde_json::Map<String, serde_json::Value>;

/// The Access Evaluation request (AuthZEN §6.1).
#[derive(Debug, Clone, Deserialize)]
pub struct EvaluationRequest {
    pub subject: Entity,
    pub action: Action,
    pub resource: Entity,
    #[serde(default)]
    pub context: Option<Context>,
}

/// One entry of a batch; missing members come from the request's defaults.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EvaluationItem {
    #[serde(default)]
    pub subject: Option<Entity>,
    #[serde(default)]
    pub action: Option<Action>,
    #[serde(default)]
    pub resource: Option<Entity>,
    #[serde(default)]
    pub context: Option<Context>,
}

/// AuthZEN §7.1.2 evaluation semantics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Semantic {
    #[default]
    ExecuteAll,
    DenyOnFirstDeny,
    PermitOnFirstPermit,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Options {
    #[serde(default)]
    pub evaluations_semantic: Option<Semantic>,
}

/// The Access Evaluations (batch) request (AuthZEN §7.1).
#[derive(Debug, Clone, Deserialize)]
pub struct EvaluationsRequest {
    /// The top-level `subject`, `action`, `resource` and `context`: the
    /// defaults of every entry (§7.1.1).
    #[serde(flatten)]
    pub defaults: EvaluationItem,
    #[serde(default)]
    pub evaluations: Option<Vec<EvaluationItem>>,
    #[serde(default)]
    pub options: Option<Options>,
}

/// A decision (AuthZEN §6.2). A denial says why only as a coarse reason in
/// `context`, and only when the subject itself was unusable — never which
/// policy or fact decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub decision: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
}

impl Decision {
    pub fn of(allowed: bool) -> Self {
        Self {
            decision: allowed,
            context: None,
        }
    }

    /// Denied because the subject could not be used at all.
    pub fn unresolved(reason: &str) -> Self {
        Self {
            decision: false,
            context: Some(serde_json::json!({ "reason": reason })),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("evaluation {index} has no {missing} and the request gives no default")]
pub struct Incomplete {
    pub index: usize,
    pub missing: &'static str,
}

impl EvaluationsRequest {
    /// The evaluations with the request's defaults filled in (AuthZEN §7.1.1:
    /// a member of an entry replaces the default). No `evaluations` array (or
    /// an empty one) is a single evaluation of the top-level members.
    pub fn resolved(&self) -> Result<Vec<EvaluationRequest>, Incomplete> {
        let single = [EvaluationItem::default()];
        let items = match &self.evaluations {
            Some(items) if !items.is_empty() => items.as_slice(),
            _ => &single,
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let missing = |missing| Incomplete { index, missing };
                Ok(EvaluationRequest {
                    subject: item
                        .subject
                        .clone()
                        .or_else(|| self.defaults.subject.clone())
                        .ok_or(missing("subject"))?,
                    action: item
                        .action
                        .clone()
                        .or_else(|| self.defaults.action.clone())
                        .ok_or(missing("action"))?,
                    resource: item
                        .resource
                        .clone()
                        .or_else(|| self.defaults.resource.clone())
                        .ok_or(missing("resource"))?,
                    context: item
                        .context
                        .clone()
                        .or_else(|| self.defaults.context.clone()),
                })
            })
            .collect()
    }

    /// Whether the answer is a single decision (no `evaluations` array).
    pub fn is_single(&self) -> bool {
        self.evaluations.as_ref().is_none_or(Vec::is_empty)
    }

    pub fn semantic(&self) -> Semantic {
        self.options
            .as_ref()
            .and_then(|o| o.evaluations_semantic)
            .unwrap_or_default()
    }
}

/// Runs `decide` over `requests` with the batch `semantic` (AuthZEN §7.1.2):
/// `execute_all` answers every one; `deny_on_first_deny` and
/// `permit_on_first_permit` stop after the first deny / permit, and the
/// answer holds the decisions up to and including it.
pub fn run_batch<R>(
    requests: &[R],
    semantic: Semantic,
    mut decide: impl FnMut(&R) -> Decision,
) -> Vec<Decision> {
    let mut out = Vec::with_capacity(requests.len());
    for r in requests {
        let d = decide(r);
        let stop = match semantic {
            Semantic::ExecuteAll => false,
            Semantic::DenyOnFirstDeny => !d.decision,
            Semantic::PermitOnFirstPermit => d.decision,
        };
        out.push(d);
        if stop {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(json: serde_json::Value) -> EvaluationsRequest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn defaults_fill_entries_and_entries_win() {
        let r = batch(serde_json::json!({
            "subject": {"type": "token", "id": "t"},
            "resource": {"type": "note", "id": "1"},
            "evaluations": [
                {"action": {"name": "notes:read"}},
                {"action": {"name": "notes:write"}, "resource": {"type": "note", "id": "2"}}
            ]
        }));
        let all = r.resolved().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].resource.id.as_deref(), Some("1"));
        assert_eq!(all[1].resource.id.as_deref(), Some("2"));
        assert_eq!(all[1].subject.id.as_deref(), Some("t"));
        assert!(!r.is_single());
        let incomplete = batch(serde_json::json!({
            "evaluations": [{"action": {"name": "a"}, "resource": {"type": "x"}}]
        }));
        assert_eq!(
            incomplete.resolved().unwrap_err().to_string(),
            "evaluation 0 has no subject and the request gives no default"
        );
    }

    #[test]
    fn semantics_stop_where_the_spec_says() {
        let decisions = [true, false, true, false];
        let run = |s| {
            run_batch(&decisions, s, |d| Decision::of(*d))
                .into_iter()
                .map(|d| d.decision)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(Semantic::ExecuteAll), decisions);
        assert_eq!(run(Semantic::DenyOnFirstDeny), [true, false]);
        assert_eq!(run(Semantic::PermitOnFirstPermit), [true]);
        let s: Semantic = serde_json::from_str("\"deny_on_first_deny\"").unwrap();
        assert_eq!(s, Semantic::DenyOnFirstDeny);
    }
}
