//! Users: created and updated from the file, never deleted for being absent.

use super::{Change, UserChange};
use crate::identity::UserStatus;
use crate::identity::password::PasswordHasher;
use crate::store::{self, DbConnection, StoreError, TenantId};
use crate::tenancy::declarative::error::ApplyError;
use crate::tenancy::declarative::spec::{PasswordSource, UserSpec};
use std::collections::BTreeSet;

pub(super) struct CurrentUser {
    row: store::users::UserRow,
    roles: BTreeSet<String>,
}

pub(super) fn current_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    username: &str,
) -> Result<Option<CurrentUser>, StoreError> {
    let Some(row) = store::users::find_by_username(conn, tenant, username)? else {
        return Ok(None);
    };
    let roles = store::users::role_names(conn, tenant, &row.id)?;
    Ok(Some(CurrentUser { row, roles }))
}

pub(super) fn plan_user(
    user: &UserSpec,
    current: Option<CurrentUser>,
    hasher: &PasswordHasher,
) -> Result<Option<Change>, ApplyError> {
    let Some(current) = current else {
        let password_hash = match &user.password {
            Some(PasswordSource::Plain(p)) => Some(hasher.hash(p)?),
            Some(PasswordSource::Hash(h)) => Some(h.clone()),
            None => None,
        };
        return Ok(Some(Change::CreateUser {
            user: UserChange {
                username: user.username.clone(),
                email: user.email.clone(),
                display_name: user.display_name.clone(),
                password_hash,
                roles: user.roles.clone(),
                status: user.status,
                roles_from_file: user.roles.is_some(),
                status_from_file: user.status.is_some(),
            },
        }));
    };
    let mut fields = Vec::new();
    let email = changed(&user.email, &current.row.email, "email", &mut fields);
    let display_name = changed(
        &user.display_name,
        &current.row.display_name,
        "display_name",
        &mut fields,
    );
    let password_hash = match (&user.password, &current.row.password_hash) {
        (Some(PasswordSource::Plain(p)), Some(stored))
            if !hasher.needs_rehash(stored) && hasher.verify(p, stored).unwrap_or(false) =>
        {
            None
        }
        (Some(PasswordSource::Plain(p)), _) => Some(hasher.hash(p)?),
        (Some(PasswordSource::Hash(h)), Some(stored)) if h == stored => None,
        (Some(PasswordSource::Hash(h)), _) => Some(h.clone()),
        (None, _) => None,
    };
    if password_hash.is_some() {
        fields.push("password");
    }
    let roles = user.roles.clone().filter(|r| *r != current.roles);
    if roles.is_some() {
        fields.push("roles");
    }
    let status = user
        .status
        .filter(|s| Some(*s) != UserStatus::parse(&current.row.status));
    if status.is_some() {
        fields.push("status");
    }
    let (roles_from_file, status_from_file) = (user.roles.is_some(), user.status.is_some());
    if (roles_from_file, status_from_file)
        != (current.row.roles_from_file, current.row.status_from_file)
    {
        fields.push("ownership");
    }
    if fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(Change::UpdateUser {
        user_id: current.row.id,
        user: UserChange {
            username: user.username.clone(),
            email,
            display_name,
            password_hash,
            roles,
            status,
            roles_from_file,
            status_from_file,
        },
        fields,
    }))
}

/// The file's value of `field` when it declares one that differs from the
/// stored one (noted in `fields`); `None` = leave it.
fn changed(
    declared: &Option<String>,
    stored: &Option<String>,
    field: &'static str,
    fields: &mut Vec<&'static str>,
) -> Option<String> {
    let value = declared.clone().filter(|d| Some(d) != stored.as_ref());
    if value.is_some() {
        fields.push(field);
    }
    value
}
