//! What each user granted each client, remembered until revoked.

use super::schema::consents;
use super::{DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

pub fn get(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    client_id: &str,
) -> Result<Option<BTreeSet<String>>, StoreError> {
    let raw: Option<String> = consents::table
        .filter(consents::tenant_id.eq(tenant.as_str()))
        .filter(consents::user_id.eq(user_id))
        .filter(consents::client_id.eq(client_id))
        .select(consents::scopes)
        .get_result(conn)
        .optional()?;
    raw.map(|r| {
        serde_json::from_str(&r).map_err(|e| StoreError::Corrupt(format!("consents.scopes: {e}")))
    })
    .transpose()
}

/// Records the scopes the user granted (replacing an earlier grant).
pub fn put(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    client_id: &str,
    scopes: &BTreeSet<String>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let encoded = serde_json::Value::from(scopes.iter().cloned().collect::<Vec<_>>()).to_string();
    let updated = diesel::update(
        consents::table
            .filter(consents::tenant_id.eq(tenant.as_str()))
            .filter(consents::user_id.eq(user_id))
            .filter(consents::client_id.eq(client_id)),
    )
    .set((consents::scopes.eq(&encoded), consents::updated_at.eq(now)))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(consents::table)
            .values((
                consents::tenant_id.eq(tenant.as_str()),
                consents::user_id.eq(user_id),
                consents::client_id.eq(client_id),
                consents::scopes.eq(&encoded),
                consents::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn revoke(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
    client_id: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        consents::table
            .filter(consents::tenant_id.eq(tenant.as_str()))
            .filter(consents::user_id.eq(user_id))
            .filter(consents::client_id.eq(client_id)),
    )
    .execute(conn)?)
}

/// Every client the user granted scopes to: (client id, scopes, when).
pub fn list_of_user(
    conn: &mut DbConnection,
    tenant: &TenantId,
    user_id: &str,
) -> Result<Vec<(String, BTreeSet<String>, NaiveDateTime)>, StoreError> {
    let rows: Vec<(String, String, NaiveDateTime)> = consents::table
        .filter(consents::tenant_id.eq(tenant.as_str()))
        .filter(consents::user_id.eq(user_id))
        .order(consents::client_id.asc())
        .select((consents::client_id, consents::scopes, consents::updated_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(client, raw, at)| {
            let scopes = serde_json::from_str(&raw)
                .map_err(|e| StoreError::Corrupt(format!("consents.scopes: {e}")))?;
            Ok((client, scopes, at))
        })
        .collect()
}
