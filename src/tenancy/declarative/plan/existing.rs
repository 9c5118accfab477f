//! What the database holds of a tenant's configuration, as the plan compares it.

use crate::store::clients::ClientSpec;
use crate::store::{self, DbConnection, StoreError, TenantId};
use std::collections::{BTreeMap, BTreeSet};

/// The tenant's current configuration.
#[derive(Default)]
pub(super) struct Existing {
    pub(super) tenant: Option<TenantId>,
    /// name → (description, permissions)
    pub(super) scopes: BTreeMap<String, (String, BTreeSet<String>)>,
    /// name → (id, description, permissions, includes)
    pub(super) roles: BTreeMap<String, (String, String, BTreeSet<String>, BTreeSet<String>)>,
    pub(super) clients: BTreeMap<String, ClientSpec>,
    /// Clients created with the CLI: the file leaves them alone.
    pub(super) cli_clients: BTreeSet<String>,
    /// Roles created with the CLI: the file leaves them alone too.
    pub(super) cli_roles: BTreeSet<String>,
    /// (name, code) in evaluation order.
    pub(super) policies: Vec<(String, String)>,
}

impl Existing {
    pub(super) fn load(conn: &mut DbConnection, tenant: &TenantId) -> Result<Self, StoreError> {
        let scopes = store::scopes::with_permissions(conn, tenant)?
            .into_iter()
            .map(|(s, permissions)| (s.name, (s.description, permissions)))
            .collect();
        let all_roles = store::roles::list(conn, tenant)?;
        let cli_roles = all_roles
            .iter()
            .filter(|r| r.row.managed_by == store::roles::MANAGED_BY_CLI)
            .map(|r| r.row.name.clone())
            .collect();
        let roles = all_roles
            .into_iter()
            .map(|r| {
                (
                    r.row.name,
                    (r.row.id, r.row.description, r.permissions, r.includes),
                )
            })
            .collect();
        let mut clients = BTreeMap::new();
        let mut cli_clients = BTreeSet::new();
        for row in store::clients::list(conn, tenant)? {
            if row.managed_by == store::clients::MANAGED_BY_CLI {
                cli_clients.insert(row.client_id.clone());
            }
            clients.insert(row.client_id, row.spec);
        }
        let policies = store::policies::list(conn, tenant)?
            .into_iter()
            .map(|p| (p.name, p.code))
            .collect();
        Ok(Self {
            tenant: Some(tenant.clone()),
            policies,
            scopes,
            roles,
            clients,
            cli_clients,
            cli_roles,
        })
    }
}
