//! The revoked access tokens of a tenant, in memory. The tenant actor is the
//! only writer: it adds what this process revokes at once, and what other
//! processes revoked on its next sync with the database.

use crate::store::bans::BanTarget;
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use std::collections::HashSet;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// What one sync read from the database.
pub(super) struct Fresh {
    /// The tenant's revocation epoch, read before everything else: the bans
    /// below include at least every ban up to it.
    pub epoch: i64,
    pub ids: Vec<String>,
    pub bans: Vec<(BanTarget, NaiveDateTime)>,
}

impl Fresh {
    /// Revocations recorded since `since` and the bans in force.
    pub(super) fn read(
        conn: &mut DbConnection,
        tenant: &TenantId,
        since: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<Self, StoreError> {
        let epoch = store::revocation_acks::epoch(conn, tenant)?;
        let ids = store::revocations::since(conn, tenant, since, now)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let bans = store::bans::live(conn, tenant, now)?;
        Ok(Self { epoch, ids, bans })
    }
}

#[derive(Debug)]
pub struct Revocations {
    ids: RwLock<HashSet<String>>,
    /// Bans in force: tokens they cover issued at or before the time (unix
    /// seconds) are inactive.
    bans: RwLock<Vec<(BanTarget, i64)>>,
    synced_at: Mutex<Option<NaiveDateTime>>,
    /// The epoch this process last recorded as applied, and when.
    acked: Mutex<(i64, Option<Instant>)>,
}

impl Revocations {
    pub fn new() -> Self {
        Self {
            ids: RwLock::new(HashSet::new()),
            bans: RwLock::new(Vec::new()),
            synced_at: Mutex::new(None),
            acked: Mutex::new((-1, None)),
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

    /// Applies what a sync read (started at `now`); returns its epoch.
    pub(super) fn apply(&self, fresh: Fresh, now: NaiveDateTime) -> i64 {
        self.insert_all(fresh.ids);
        self.set_bans(fresh.bans);
        self.set_synced_at(now);
        fresh.epoch
    }

    /// Whether this process should record `epoch` as applied: it is newer
    /// than the last one recorded, or the last record is `heartbeat` old.
    pub(super) fn needs_ack(&self, epoch: i64, heartbeat: Duration) -> bool {
        let (acked, at) = *self.acked.lock().unwrap_or_else(|p| p.into_inner());
        epoch > acked || at.is_none_or(|t| t.elapsed() >= heartbeat)
    }

    pub(super) fn set_acked(&self, epoch: i64) {
        let mut acked = self.acked.lock().unwrap_or_else(|p| p.into_inner());
        *acked = (acked.0.max(epoch), Some(Instant::now()));
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
