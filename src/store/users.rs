//! Users and their role assignments. Usernames are stored lower-case and emails
//! are unique per tenant case-insensitively (through `email_normalized`).

use super::schema::{roles, user_roles, users};
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

type One<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<users::table, diesel::dsl::Eq<users::tenant_id, &'a str>>,
    diesel::dsl::Eq<users::id, &'a str>,
>;

/// The user `user_id` of `tenant`: what every single-user read and write
/// filters on.
fn one<'a>(tenant: &'a TenantId, user_id: &'a str) -> One<'a> {
    users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::id.eq(user_id))
}

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

pub fn find_by_username(
    conn: &mut DbConnection,
    tenant: &TenantId,
    username: &str,
) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn find_by_email(
    conn: &mut DbConnection,
    tenant: &TenantId,
    email: &str,
) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::email_normalized.eq(normalize_email(email)))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn get(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Option<UserRow>, StoreError> {
    Ok(one(tenant, user_id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConnection, tenant: &TenantId) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(conn)?)
}

pub fn insert(conn: &mut DbConnection, tenant: &TenantId, row: &UserRow) -> Result<(), StoreError> {
    debug_assert_eq!(row.tenant_id, tenant.as_str());
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Sets (or clears) the user's email as the user asked: a changed address is
/// not verified.
pub fn change_email(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    email: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    set_email(conn, tenant, user_id, email, now)?;
    diesel::update(one(tenant, user_id))
        .set(users::email_verified.eq(false))
        .execute(conn)?;
    Ok(())
}

/// Sets the user's email (None clears it).
pub fn set_email(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    email: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, user_id))
        .set((
            users::email.eq(email),
            users::email_normalized.eq(email.map(normalize_email)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_display_name(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    display_name: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, user_id))
        .set((
            users::display_name.eq(display_name),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets a user's status; `false` if there is no such user.
pub fn set_status(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    status: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(one(tenant, user_id))
        .set((users::status.eq(status), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records which of the user's fields a tenant file owns.
pub fn set_file_ownership(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    roles: bool,
    status: bool,
) -> Result<(), StoreError> {
    diesel::update(one(tenant, user_id))
        .set((
            users::roles_from_file.eq(roles),
            users::status_from_file.eq(status),
        ))
        .execute(conn)?;
    Ok(())
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
    diesel::delete(
        user_roles::table
            .filter(user_roles::tenant_id.eq(tenant.as_str()))
            .filter(user_roles::user_id.eq(user_id)),
    )
    .execute(conn)?;
    for role_id in role_ids {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::tenant_id.eq(tenant.as_str()),
                user_roles::user_id.eq(user_id),
                user_roles::role_id.eq(role_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes a user; their sessions, codes, consents, refresh tokens and role
/// assignments go with them (foreign keys cascade). Returns whether a row went.
pub fn delete(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<bool, StoreError> {
    let n = diesel::delete(one(tenant, user_id)).execute(conn)?;
    Ok(n == 1)
}
