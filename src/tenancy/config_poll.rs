//! One process-wide poll of the live tenants' configuration versions (issue
//! 13: an idle process costs O(1) reads, not one per live tenant). Every
//! `tenants.reload_interval` it reads the versions of all live tenants in a
//! few chunked queries and asks only the actors whose version moved to
//! reload; the actor stays the only writer of its snapshot.

use super::actor::ReloadIfChanged;
use super::registry::Registry;
use crate::store::{self, Store, StoreError, TenantId};
use std::collections::HashMap;
use std::sync::Weak;
use std::time::Duration;

/// At most this many ids in one query: well under SQLite's 32,766 host
/// parameters and PostgreSQL's 65,535 bind parameters, and short enough that
/// one chunk does not hold SQLite's one database thread for long.
pub(super) const CHUNK: usize = 5_000;

/// Starts the poll on the current actix runtime; it ends when the registry
/// (its supervisor) is gone.
pub(super) fn spawn(store: Store, registry: Weak<Registry>, every: Duration) {
    super::ticker::every(
        every,
        None,
        registry,
        "tenant configuration poll",
        move |r| {
            let store = store.clone();
            async move { poll_once(&store, &r).await.map(|_| ()) }
        },
    );
}

/// One poll: how many actors were asked to reload.
pub(super) async fn poll_once(store: &Store, registry: &Registry) -> Result<usize, StoreError> {
    let live = registry.live_handles();
    let mut asked = 0;
    for chunk in live.chunks(CHUNK) {
        let ids: Vec<TenantId> = chunk.iter().map(|h| h.snapshot().id.clone()).collect();
        let versions = store
            .run(move |c| store::tenants::versions(c, &ids))
            .await?;
        let versions: HashMap<&str, i64> = versions
            .iter()
            .map(|v| (v.id.as_str(), v.config_version))
            .collect();
        for handle in chunk {
            let snapshot = handle.snapshot();
            if moved(
                versions.get(snapshot.id.as_str()).copied(),
                snapshot.config_version,
            ) {
                handle.addr.do_send(ReloadIfChanged);
                asked += 1;
            }
        }
    }
    Ok(asked)
}

/// Whether the stored version asks for a reload: it moved. A tenant row that
/// is gone asks for nothing (the snapshot stays until the actor stops).
fn moved(stored: Option<i64>, loaded: i64) -> bool {
    stored.is_some_and(|v| v != loaded)
}

#[cfg(test)]
mod tests {
    use super::moved;

    #[test]
    fn only_a_moved_version_asks_for_a_reload() {
        assert!(!moved(Some(3), 3));
        assert!(moved(Some(4), 3));
        assert!(
            moved(Some(2), 3),
            "any change, also backwards (a restored database)"
        );
        assert!(!moved(None, 3), "a deleted tenant row reloads nothing");
    }
}
