//! Installation-wide settings (not tenant-owned): name → value.

use super::schema::server_settings;
use super::{DbConnection, StoreError};
use diesel::prelude::*;

/// The check value of the master key the database was set up with.
pub const MASTER_KEY_CHECK: &str = "master_key_check";

pub fn get(conn: &mut DbConnection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(server_settings::table
        .filter(server_settings::name.eq(name))
        .select(server_settings::value)
        .get_result(conn)
        .optional()?)
}

/// Sets `name` unless it is set; the value that holds afterwards (another
/// process that set it first wins).
pub fn set_once(conn: &mut DbConnection, name: &str, value: &str) -> Result<String, StoreError> {
    if let Some(existing) = get(conn, name)? {
        return Ok(existing);
    }
    let inserted = diesel::insert_into(server_settings::table)
        .values((
            server_settings::name.eq(name),
            server_settings::value.eq(value),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(value.to_owned()),
        Err(e) => {
            let e = StoreError::from(e);
            if !e.is_unique_violation() {
                return Err(e);
            }
            get(conn, name)?.ok_or(e)
        }
    }
}
