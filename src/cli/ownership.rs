//! What a tenant file owns, the CLI does not change: the file would undo the
//! change on its next apply without a word. Refusals name the file to edit.

use crate::store::{self, DbConnection, TenantId};

/// The refusal for changing `what`, which the tenant's file declares.
pub(super) fn declared_in_file(c: &mut DbConnection, t: &TenantId, what: &str) -> anyhow::Error {
    let file = store::tenants::find(c, t)
        .ok()
        .flatten()
        .and_then(|row| row.source_file)
        .unwrap_or_else(|| "its tenant file".into());
    anyhow::anyhow!(
        "{what}: declared in the tenant file {file}; change it there (the file wins on its next apply)"
    )
}
