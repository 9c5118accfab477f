//! The revoked access tokens of a tenant, in memory. The tenant actor is the
//! only writer: it adds what this process revokes at once, and what other
//! processes revoked on its next sync with the database.

use crate::store::bans::BanTarget;
use chrono::NaiveDateTime;
use std::collections::HashSet;
use std::sync::{Mutex, RwLock};

#[derive(Debug)]
pub struct Revocations {
    ids: RwLock<HashSet<String>>,
    /// Bans in force: tokens they cover issued at or before the time (unix
    /// seconds) are inactive.
    bans: RwLock<Vec<(BanTarget, i64)>>,
    synced_at: Mutex<Option<NaiveDateTime>>,
}

impl Revocations {
    pub fn new() -> Self {
        Self {
            ids: RwLock::new(HashSet::new()),
            bans: RwLock::new(Vec::new()),
            synced_at: Mutex::new(None),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    /// Whether a ban covers a token of `client` for `subject` issued at
    /// `issued_at` (unix seconds; a token without one is covered).
    pub fn is_banned(&self, client: &str, subject: Option<&str>, issued_at: Option<i64>) -> bool {
        let bans = self.bans.read().unwrap_or_else(|p| p.into_inner());
        bans.iter().any(|(target, at)| {
            let covers = match target {
                BanTarget::Tenant => true,
                BanTarget::Client(c) => c == client,
                BanTarget::User(u) => subject == Some(u.as_str()),
            };
            covers && issued_at.is_none_or(|iat| iat <= *at)
        })
    }

    /// Replaces the bans in force (the database holds them all).
    pub(super) fn set_bans(&self, bans: Vec<(BanTarget, NaiveDateTime)>) {
        let bans = bans
            .into_iter()
            .map(|(t, at)| (t, at.and_utc().timestamp()))
            .collect();
        *self.bans.write().unwrap_or_else(|p| p.into_inner()) = bans;
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
