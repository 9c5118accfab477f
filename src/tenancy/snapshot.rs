use crate::config::PublicUrl;
use crate::store::TenantId;
use crate::store::tenants::TenantRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// What a tenant's request handlers read: immutable, replaced whole by the
/// tenant's actor when the configuration changes. Later issues add clients and
/// keys here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSnapshot {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub config_version: i64,
    /// `{public_url}/t/{slug}`, exactly.
    pub issuer: String,
}

impl TenantSnapshot {
    pub fn from_row(row: &TenantRow, public_url: &PublicUrl) -> Self {
        Self {
            id: row.tenant_id(),
            slug: row.slug.clone(),
            name: row.name.clone(),
            status: if row.status == crate::store::tenants::STATUS_ACTIVE {
                TenantStatus::Active
            } else {
                TenantStatus::Suspended
            },
            config_version: row.config_version,
            issuer: public_url.issuer(&row.slug),
        }
    }
}
