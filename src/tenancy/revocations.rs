//! The revoked access tokens of a tenant, in memory. The tenant actor is the
//! only writer: it adds what this process revokes at once, and what other
//! processes revoked on its next sync with the database.

use chrono::NaiveDateTime;
use std::collections::HashSet;
use std::sync::{Mutex, RwLock};

#[derive(Debug)]
pub struct Revocations {
    ids: RwLock<HashSet<String>>,
    synced_at: Mutex<Option<NaiveDateTime>>,
}

impl Revocations {
    pub fn new() -> Self {
        Self {
            ids: RwLock::new(HashSet::new()),
            synced_at: Mutex::new(None),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    pub(super) fn insert_all(&self, ids: impl IntoIterator<Item = String>) {
        let mut set = self.ids.write().unwrap_or_else(|p| p.into_inner());
        set.extend(ids);
    }

    /// When the last sync started (the next one reads from here on).
    pub(super) fn synced_at(&self) -> Option<NaiveDateTime> {
        *self.synced_at.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn set_synced_at(&self, t: NaiveDateTime) {
        *self.synced_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(t);
    }
}

impl Default for Revocations {
    fn default() -> Self {
        Self::new()
    }
}
