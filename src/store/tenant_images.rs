//! The bytes of tenants' logos and favicons, one row per tenant and content
//! hash. The tenant's branding names the images it shows; this table is
//! read only when one is served, so a live tenant never holds image bytes.

use super::schema::tenant_images;
use super::{DbConnection, StoreError, TenantId};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One image to keep: its hash, content type and bytes.
pub struct NewImage<'a> {
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// Makes the tenant's images exactly `keep`: inserts those it lacks,
/// deletes the others. Run in the transaction that stores the branding
/// naming them.
pub fn replace(
    conn: &mut DbConnection,
    tenant: &TenantId,
    keep: &[NewImage<'_>],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let wanted: Vec<&str> = keep.iter().map(|i| i.sha256).collect();
    diesel::delete(
        tenant_images::table
            .filter(tenant_images::tenant_id.eq(tenant.as_str()))
            .filter(tenant_images::sha256.ne_all(&wanted)),
    )
    .execute(conn)?;
    let have: Vec<String> = tenant_images::table
        .filter(tenant_images::tenant_id.eq(tenant.as_str()))
        .select(tenant_images::sha256)
        .load(conn)?;
    for image in keep.iter().filter(|i| !have.iter().any(|h| h == i.sha256)) {
        diesel::insert_into(tenant_images::table)
            .values((
                tenant_images::tenant_id.eq(tenant.as_str()),
                tenant_images::sha256.eq(image.sha256),
                tenant_images::content_type.eq(image.content_type),
                tenant_images::data.eq(STANDARD.encode(image.bytes)),
                tenant_images::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The image's content type and bytes, when the tenant has it.
pub fn get(
    conn: &mut DbConnection,
    tenant: &TenantId,
    sha256: &str,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let row: Option<(String, String)> = tenant_images::table
        .filter(tenant_images::tenant_id.eq(tenant.as_str()))
        .filter(tenant_images::sha256.eq(sha256))
        .select((tenant_images::content_type, tenant_images::data))
        .first(conn)
        .optional()?;
    row.map(|(content_type, data)| {
        STANDARD
            .decode(data)
            .map(|bytes| (content_type, bytes))
            .map_err(|e| StoreError::Corrupt(format!("tenant image {sha256}: {e}")))
    })
    .transpose()
}
