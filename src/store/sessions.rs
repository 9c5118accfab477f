//! Browser sessions. The cookie holds a random token; only its SHA-256 is stored.

use super::schema::sessions;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub token_sha256: String,
    pub auth_time: NaiveDateTime,
    pub amr: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("auth_time", &self.auth_time)
            .finish_non_exhaustive()
    }
}

insert_row!(insert into sessions, SessionRow);
one_by!(fn one = sessions.id);
one_by!(fn by_token = sessions.token_sha256);
one_by!(fn of_user = sessions.user_id);

/// The live session whose cookie hashes to `token_sha256`, in this tenant only.
pub fn find_live(
    conn: &mut DbConnection,
    tenant: &TenantId,
    token_sha256: &str,
    now: NaiveDateTime,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(by_token(tenant, token_sha256)
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(SessionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Ends the session if it is live; how many ended (0 or 1).
pub fn end(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::update(one(tenant, session_id).filter(sessions::ended_at.is_null()))
            .set(sessions::ended_at.eq(now))
            .execute(conn)?,
    )
}

/// Ends every live session of a user; how many.
pub fn end_all_of_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::update(of_user(tenant, user_id).filter(sessions::ended_at.is_null()))
            .set(sessions::ended_at.eq(now))
            .execute(conn)?,
    )
}

/// Replaces the `amr` of a live session of this user (step-up adds a
/// factor); how many changed (0 or 1).
pub fn set_amr(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
    user_id: &str,
    amr: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        one(tenant, session_id)
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::amr.eq(amr))
    .execute(conn)?)
}

/// The session by id, ended or not.
pub fn get(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(one(tenant, session_id)
        .select(SessionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The live session by id, in this tenant only.
pub fn find_live_by_id(
    conn: &mut DbConnection,
    tenant: &TenantId,
    session_id: &str,
    now: NaiveDateTime,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(one(tenant, session_id)
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(SessionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The user's live sessions, newest first.
pub fn live_of_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<SessionRow>, StoreError> {
    Ok(of_user(tenant, user_id)
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((sessions::created_at.desc(), sessions::id.asc()))
        .select(SessionRow::as_select())
        .load(conn)?)
}
