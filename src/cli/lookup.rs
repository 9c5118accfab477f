//! What the CLI commands resolve first: a tenant named by its slug.

use crate::store::{self, DbConnection, TenantId};
use anyhow::anyhow;

/// Runs `read` on the tenant named `slug` (what the `list` commands show).
pub(super) fn read_tenant<T>(
    store: &store::Store,
    slug: &str,
    read: impl FnOnce(&mut DbConnection, &TenantId) -> Result<T, store::StoreError>,
) -> anyhow::Result<T> {
    store.with_conn(|c| {
        let t = tenant_id(c, slug)?;
        Ok::<_, anyhow::Error>(read(c, &t)?)
    })
}

pub(super) fn tenant_id(c: &mut DbConnection, slug: &str) -> anyhow::Result<TenantId> {
    store::tenants::find_by_slug(c, slug)?
        .map(|t| t.tenant_id())
        .ok_or_else(|| anyhow!("no tenant named {slug:?}"))
}
