//! The revoked access tokens of a tenant, in memory. The tenant actor is the
//! only writer: it adds what this process revokes at once, and what other
//! processes revoked on its next sync with the database.

use crate::store::bans::BanTarget;
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Revocations recorded since `since` and the bans in force — or `None`
    /// when the tenant's revocation epoch is still `known`: every revocation
    /// and ban moves it, so nothing was recorded since it was read.
    pub(super) fn read(
        conn: &mut DbConnection,
        tenant: &TenantId,
        now: NaiveDateTime,
        known: i64,
    ) -> Result<Option<Self>, StoreError> {
        let epoch = store::revocation_acks::epoch(conn, tenant)?;
        if epoch == known {
            return Ok(None);
        }
        Self::rows(conn, tenant, epoch, known, now).map(Some)
    }

    /// Every live revocation and ban (a tenant's first load).
    pub(super) fn read_all(
        conn: &mut DbConnection,
        tenant: &TenantId,
        now: NaiveDateTime,
    ) -> Result<Self, StoreError> {
        let epoch = store::revocation_acks::epoch(conn, tenant)?;
        Self::rows(conn, tenant, epoch, -1, now)
    }

    /// Read after the epoch: they include at least every change up to it.
    /// Revocations are those after `after` (the epoch already applied): each
    /// row carries the epoch its transaction moved the tenant to.
    fn rows(
        conn: &mut DbConnection,
        tenant: &TenantId,
        epoch: i64,
        after: i64,
        now: NaiveDateTime,
    ) -> Result<Self, StoreError> {
        let ids = store::revocations::after_epoch(conn, tenant, after, now)?;
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
    /// The epoch of the bans in memory: an older read never replaces them.
    applied: Mutex<i64>,
    /// The epoch this process last recorded as applied, and when.
    acked: Mutex<(i64, Option<Instant>)>,
    /// When the last sync that recorded its epoch (`revocation_acks`) started:
    /// the moment its `seen_at` stands for.
    /// Microseconds after `base`; read on every token check, so an atomic.
    complete: AtomicU64,
    base: Instant,
    /// The actor stopped: handles still held by requests refuse every token
    /// (its record is gone, so bans no longer wait for it).
    retired: std::sync::atomic::AtomicBool,
    /// Past this without a complete sync, this process no longer vouches for
    /// any token (`tenancy::propagation`: by then banning processes have
    /// stopped waiting for it).
    max_age: Duration,
}

impl Revocations {
    /// `recorded`: when the instance's record was written (its registration).
    pub fn new(max_age: Duration, recorded: Instant) -> Self {
        Self {
            ids: RwLock::new(HashSet::new()),
            bans: RwLock::new(Vec::new()),
            applied: Mutex::new(-1),
            acked: Mutex::new((-1, None)),
            complete: AtomicU64::new(0),
            base: recorded,
            retired: std::sync::atomic::AtomicBool::new(false),
            max_age,
        }
    }

    /// True when no sync has recorded its epoch for `max_age`, or the actor
    /// stopped: the ban list may be stale, so no token should pass.
    pub fn in_doubt(&self) -> bool {
        if self.retired.load(Ordering::Acquire) {
            return true;
        }
        let complete = Duration::from_micros(self.complete.load(Ordering::Acquire));
        self.base.elapsed().saturating_sub(complete) > self.max_age
    }

    /// A sync that started at `started` recorded its epoch.
    pub(super) fn set_complete(&self, started: Instant) {
        let at = started.saturating_duration_since(self.base).as_micros();
        self.complete
            .fetch_max(u64::try_from(at).unwrap_or(u64::MAX), Ordering::AcqRel);
    }

    pub(super) fn retire(&self) {
        self.retired.store(true, Ordering::Release);
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

    /// The epoch of the bans and revocations in memory (-1: none read yet).
    pub(super) fn applied_epoch(&self) -> i64 {
        *self.applied.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies what a sync read; returns the epoch now applied. Bans
    /// read at an older epoch than those in memory are ignored.
    pub(super) fn apply(&self, fresh: Fresh) -> i64 {
        self.insert_all(fresh.ids);
        let mut applied = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        if fresh.epoch >= *applied {
            self.set_bans(fresh.bans);
            *applied = fresh.epoch;
        }
        *applied
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(epoch: i64, bans: Vec<(BanTarget, NaiveDateTime)>) -> Fresh {
        Fresh {
            epoch,
            ids: Vec::new(),
            bans,
        }
    }

    #[test]
    fn an_older_read_never_replaces_newer_bans() {
        let r = Revocations::new(Duration::from_secs(60), Instant::now());
        let now = chrono::Utc::now().naive_utc();
        r.apply(fresh(2, vec![(BanTarget::Client("svc".into()), now)]));
        assert!(r.is_banned("svc", None, Some(now.and_utc().timestamp() - 10)));
        // A sync that read before the ban finishes late.
        r.apply(fresh(1, Vec::new()));
        assert!(r.is_banned("svc", None, Some(now.and_utc().timestamp() - 10)));
        r.apply(fresh(3, Vec::new()));
        assert!(!r.is_banned("svc", None, Some(now.and_utc().timestamp() - 10)));
    }

    #[test]
    fn without_a_complete_sync_for_too_long_it_is_in_doubt() {
        let r = Revocations::new(Duration::from_millis(20), Instant::now());
        assert!(!r.in_doubt());
        std::thread::sleep(Duration::from_millis(40));
        assert!(r.in_doubt());
        r.set_complete(Instant::now());
        assert!(!r.in_doubt());
        r.retire();
        assert!(r.in_doubt(), "a stopped actor's handles refuse");
    }
}
