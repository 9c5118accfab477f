//! The self-service user API's service: read, change and delete one user
//! record, each allowed or refused by the tenant's policies (authz::policy).
//! Writes are one transaction with their audit event.

use crate::authz::policy::{Decision, Question};
use crate::store::audit::AuditEvent;
use crate::store::users::{UserChanges, UserRow};
use crate::store::{self, DbConnection, StoreError, TenantId, write_tx};
use crate::tenancy::TenantSnapshot;
use crate::tokens::access::Presented;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a caller wants to do to a user record; also the policy action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    Read,
    Update,
    Delete,
}

impl UserAction {
    pub fn as_str(self) -> &'static str {
        match self {
            UserAction::Read => "users:read",
            UserAction::Update => "users:update",
            UserAction::Delete => "users:delete",
        }
    }
}

/// Asks the tenant's policies whether `caller` may do `action` to the user
/// `user_id` of this tenant.
pub fn allowed(
    snapshot: &TenantSnapshot,
    caller: &Presented,
    action: UserAction,
    user_id: &str,
    now: DateTime<Utc>,
) -> bool {
    let decision = snapshot.policies.decide(
        &caller.caller(&snapshot.slug),
        &Question {
            action: action.as_str(),
            resource_type: "user",
            resource_id: user_id,
            resource_tenant: &snapshot.slug,
            now: now.into(),
        },
    );
    if decision == Decision::LimitReached {
        tracing::warn!(tenant = %snapshot.slug, action = action.as_str(), "policy evaluation hit its run limits; denied");
    }
    decision == Decision::Allow
}

/// Who acted, for the audit log: the token's user (or client) and the client
/// the token was issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    /// `user:{id}` or `client:{id}`.
    pub actor: String,
    pub client_id: String,
}

impl Acting {
    pub fn of(caller: &Presented) -> Self {
        Self {
            actor: caller.actor(),
            client_id: caller.client_id().to_owned(),
        }
    }
}

/// A user record as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub status: String,
    pub roles: BTreeSet<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn view(conn: &mut DbConnection, tenant: &TenantId, u: UserRow) -> Result<UserView, StoreError> {
    let roles = store::users::role_names(conn, tenant, &u.id)?;
    Ok(UserView {
        roles,
        created_at: rfc3339(u.created_at),
        updated_at: rfc3339(u.updated_at),
        id: u.id,
        username: u.username,
        email: u.email,
        email_verified: u.email_verified,
        display_name: u.display_name,
        status: u.status,
    })
}

pub fn read(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Option<UserView>, StoreError> {
    match store::users::get(conn, tenant, user_id)? {
        Some(u) => Ok(Some(view(conn, tenant, u)?)),
        None => Ok(None),
    }
}

/// The fields a PATCH may change (RFC 7396 merge patch: `null` clears).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub display_name: Option<Option<String>>,
}

/// Distinguishes an absent member (None) from `null` (Some(None)).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("{0}")]
    Invalid(String),
    #[error("another user of this tenant has that email address")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserPatch {
    fn validate(&self) -> Result<(), UpdateError> {
        if let Some(Some(e)) = &self.email
            && !super::email::is_email(e)
        {
            return Err(UpdateError::Invalid(format!(
                "{e:?} is not an email address"
            )));
        }
        if let Some(Some(n)) = &self.display_name
            && (n.trim().is_empty() || n.chars().count() > 200)
        {
            return Err(UpdateError::Invalid(
                "display_name must be 1-200 characters".into(),
            ));
        }
        Ok(())
    }
}

/// Applies `patch` and records who did it; `None` if there is no such user.
pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    patch: &UserPatch,
    acting: &Acting,
    now: NaiveDateTime,
) -> Result<Option<UserView>, UpdateError> {
    patch.validate()?;
    write_tx(conn, |c| {
        if store::users::get(c, tenant, user_id)?.is_none() {
            return Ok(None);
        }
        let (mut fields, mut changes) = (Vec::new(), UserChanges::at(now));
        if let Some(email) = &patch.email {
            changes = changes.email_by_user(email.as_deref());
            fields.push("email");
        }
        if let Some(name) = &patch.display_name {
            changes = changes.display_name(name.as_deref().map(str::trim));
            fields.push("display_name");
        }
        if !fields.is_empty() {
            store::users::update(c, tenant, user_id, &changes).map_err(|e| {
                if e.is_unique_violation() {
                    UpdateError::EmailTaken
                } else {
                    e.into()
                }
            })?;
        }
        store::audit::append(
            c,
            tenant,
            AuditEvent {
                actor: &acting.actor,
                action: "user.updated",
                target: user_id,
                detail: serde_json::json!({
                    "fields": fields,
                    "via": "api",
                    "client": acting.client_id,
                }),
            },
            now,
        )?;
        Ok(read(c, tenant, user_id)?)
    })
}

/// Deletes the user with everything that hangs off them; `false` if there
/// was no such user.
pub fn delete(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    acting: &Acting,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_tx(conn, |c| {
        if !store::users::delete(c, tenant, user_id)? {
            return Ok(false);
        }
        store::audit::append(
            c,
            tenant,
            AuditEvent {
                actor: &acting.actor,
                action: "user.deleted",
                target: user_id,
                detail: serde_json::json!({ "via": "api", "client": acting.client_id }),
            },
            now,
        )?;
        Ok(true)
    })
}

impl From<diesel::result::Error> for UpdateError {
    fn from(e: diesel::result::Error) -> Self {
        UpdateError::Store(e.into())
    }
}
