//! Users and their role assignments. Usernames are stored lower-case and emails
//! are unique per tenant case-insensitively (through `email_normalized`).

use super::schema::{roles, user_roles, users};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

one_by!(fn one = users.id);
one_by!(fn by_username = users.username);
one_by!(fn by_email = users.email_normalized);

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub tenant_id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A tenant file declares this user's roles (the CLI may not change them).
    pub roles_from_file: bool,
    /// A tenant file declares this user's status.
    pub status_from_file: bool,
}

// The password hash stays out of Debug output.
impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// The normal form of an email address used for uniqueness and look-up.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

find_row!(
    /// The user whose (lower-case) username is `key`.
    pub find_by_username = by_username -> UserRow
);
find_row!(pub get = one -> UserRow);
find_row!(find_by_normalized_email = by_email -> UserRow);
list_rows!(users by users::username.asc(), UserRow);
insert_row!(insert into users, UserRow);
delete_row!(one);

/// The user whose email is `email`, compared as [`normalize_email`] does.
pub fn find_by_email(
    conn: &mut DbConnection,
    tenant: &TenantId,
    email: &str,
) -> Result<Option<UserRow>, StoreError> {
    find_by_normalized_email(conn, tenant, &normalize_email(email))
}

pub fn count(conn: &mut DbConnection, tenant: &TenantId) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(conn)?)
}

/// A change to some of a user's fields; `None` leaves a field as it is.
/// A change to the profile (email, name, password, status) moves
/// `updated_at` (the OIDC `updated_at` claim); file ownership alone does not.
#[derive(AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    email: Option<Option<&'a str>>,
    email_normalized: Option<Option<String>>,
    email_verified: Option<bool>,
    display_name: Option<Option<&'a str>>,
    password_hash: Option<&'a str>,
    status: Option<&'a str>,
    roles_from_file: Option<bool>,
    status_from_file: Option<bool>,
    updated_at: Option<NaiveDateTime>,
    #[diesel(skip_update)]
    now: NaiveDateTime,
}

impl<'a> UserChanges<'a> {
    pub fn at(now: NaiveDateTime) -> Self {
        Self {
            email: None,
            email_normalized: None,
            email_verified: None,
            display_name: None,
            password_hash: None,
            status: None,
            roles_from_file: None,
            status_from_file: None,
            updated_at: None,
            now,
        }
    }

    fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.email_verified.is_none()
            && self.display_name.is_none()
            && self.password_hash.is_none()
            && self.status.is_none()
            && self.roles_from_file.is_none()
            && self.status_from_file.is_none()
    }

    /// Sets (or clears) the email, and the normal form it is unique by.
    pub fn email(mut self, email: Option<&'a str>) -> Self {
        self.email = Some(email);
        self.email_normalized = Some(email.map(normalize_email));
        self.updated_at = Some(self.now);
        self
    }

    /// The email as the user changed it: a changed address is not verified.
    pub fn email_by_user(self, email: Option<&'a str>) -> Self {
        Self {
            email_verified: Some(false),
            ..self.email(email)
        }
    }

    pub fn display_name(self, display_name: Option<&'a str>) -> Self {
        Self {
            display_name: Some(display_name),
            updated_at: Some(self.now),
            ..self
        }
    }

    pub fn password_hash(self, hash: &'a str) -> Self {
        Self {
            password_hash: Some(hash),
            updated_at: Some(self.now),
            ..self
        }
    }

    pub fn status(self, status: &'a str) -> Self {
        Self {
            status: Some(status),
            updated_at: Some(self.now),
            ..self
        }
    }

    /// Which of the user's fields a tenant file owns.
    pub fn file_ownership(self, roles: bool, status: bool) -> Self {
        Self {
            roles_from_file: Some(roles),
            status_from_file: Some(status),
            ..self
        }
    }
}

/// Applies `changes` to the user; `false` if there is no such user. No
/// change at all writes nothing (Diesel refuses an empty changeset).
pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    changes: &UserChanges,
) -> Result<bool, StoreError> {
    if changes.is_empty() {
        return Ok(get(conn, tenant, user_id)?.is_some());
    }
    Ok(diesel::update(one(tenant, user_id))
        .set(changes)
        .execute(conn)?
        == 1)
}

/// The names of the roles the user holds.
pub fn role_names(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<BTreeSet<String>, StoreError> {
    let names: Vec<String> = user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::tenant_id.eq(tenant.as_str()))
        .filter(roles::tenant_id.eq(tenant.as_str()))
        .filter(user_roles::user_id.eq(user_id))
        .select(roles::name)
        .load(conn)?;
    Ok(names.into_iter().collect())
}

/// Replaces the user's roles with exactly `role_ids` (ids of this tenant's roles).
pub fn set_roles(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    role_ids: &[String],
) -> Result<(), StoreError> {
    replace_links!(conn, tenant, user_roles.user_id = user_id, role_id in role_ids)
}
