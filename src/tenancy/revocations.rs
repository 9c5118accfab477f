//! The revoked access tokens and the bans of a tenant, in memory. The tenant
//! actor adds what this process revokes at once; the process-wide sync
//! (`tenancy::sync`) adds what other processes revoked and banned.

use crate::store::bans::BanTarget;
use crate::store::{self, DbConnection, StoreError, TenantId};
use chrono::NaiveDateTime;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
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
        if epoch == 0 {
            // Every revocation and ban moves the epoch in its own transaction
            // (and migration 2026-12-04-000011 moved it for rows older than
            // the epoch): at 0 there is nothing to read, two round trips fewer
            // for the first touch of a tenant that never revoked anything.
            return Ok(Self {
                epoch,
                ids: Vec::new(),
                bans: Vec::new(),
            });
        }
        Self::rows(conn, tenant, epoch, -1, now)
    }

    /// Read after the epoch: they include at least every change up to it.
    /// Revocations are those after `after` (the epoch already applied): each
    /// row carries the epoch its transaction moved the tenant to.
    pub(super) fn rows(
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

/// When the process-wide sync (`tenancy::sync`) last completed a tick, shared
/// by every live tenant of the process: a tick that succeeds vouches for all
/// of them at once, with no write per tenant.
#[derive(Debug)]
pub struct SyncClock {
    base: Instant,
    /// When the last complete tick started, in microseconds after `base`.
    complete: AtomicU64,
}

impl Default for SyncClock {
    fn default() -> Self {
        Self {
            base: Instant::now(),
            complete: AtomicU64::new(0),
        }
    }
}

impl SyncClock {
    fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_micros()).unwrap_or(u64::MAX)
    }

    /// A tick that started at `started` completed.
    pub(super) fn set_complete(&self, started: Instant) {
        self.complete
            .fetch_max(self.micros(started), Ordering::AcqRel);
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
    /// The epoch this process last recorded as applied.
    acked: Mutex<i64>,
    /// When the last read of this tenant alone that recorded its epoch
    /// started (its registration, a ban's own sync), in microseconds after
    /// `clock`'s base; read on every token check, so an atomic.
    complete: AtomicU64,
    clock: Arc<SyncClock>,
    /// A tick of the process-wide sync has read this tenant: from then on
    /// every complete tick covers it (`tenancy::sync`).
    tracked: AtomicBool,
    /// The tenant went idle or its actor died: handles still held by
    /// requests refuse every token (its record is gone, so bans no longer
    /// wait for it).
    retired: AtomicBool,
    /// Past this without a complete sync, this process no longer vouches for
    /// any token (`tenancy::propagation`: by then banning processes have
    /// stopped waiting for it).
    max_age: Duration,
}

impl Revocations {
    /// `recorded`: when the instance's record was written (its registration),
    /// before the first read.
    pub fn new(max_age: Duration, recorded: Instant, clock: Arc<SyncClock>) -> Self {
        Self {
            ids: RwLock::new(HashSet::new()),
            bans: RwLock::new(Vec::new()),
            applied: Mutex::new(-1),
            acked: Mutex::new(-1),
            complete: AtomicU64::new(clock.micros(recorded)),
            clock,
            tracked: AtomicBool::new(false),
            retired: AtomicBool::new(false),
            max_age,
        }
    }

    /// True when no sync covering this tenant completed for `max_age`, or
    /// the tenant was retired: the ban list may be stale, so no token should
    /// pass.
    pub fn in_doubt(&self) -> bool {
        if self.retired.load(Ordering::Acquire) {
            return true;
        }
        let mut complete = self.complete.load(Ordering::Acquire);
        if self.tracked.load(Ordering::Acquire) {
            complete = complete.max(self.clock.complete.load(Ordering::Acquire));
        }
        let now = self.clock.micros(Instant::now());
        Duration::from_micros(now.saturating_sub(complete)) > self.max_age
    }

    /// A read of this tenant alone that started at `started` recorded its
    /// epoch.
    pub(super) fn set_complete(&self, started: Instant) {
        self.complete
            .fetch_max(self.clock.micros(started), Ordering::AcqRel);
    }

    /// Whether a tick of the process-wide sync has read this tenant.
    pub(super) fn tracked(&self) -> bool {
        self.tracked.load(Ordering::Acquire)
    }

    /// A tick read this tenant and recorded its epoch; set just before the
    /// tick's completion is published.
    pub(super) fn set_tracked(&self) {
        self.tracked.store(true, Ordering::Release);
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
    /// than the last one recorded (liveness is the process's heartbeat).
    pub(super) fn needs_ack(&self, epoch: i64) -> bool {
        epoch > *self.acked.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn set_acked(&self, epoch: i64) {
        let mut acked = self.acked.lock().unwrap_or_else(|p| p.into_inner());
        *acked = (*acked).max(epoch);
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
        let r = Revocations::new(Duration::from_secs(60), Instant::now(), Default::default());
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
        let r = Revocations::new(
            Duration::from_millis(20),
            Instant::now(),
            Default::default(),
        );
        assert!(!r.in_doubt());
        std::thread::sleep(Duration::from_millis(40));
        assert!(r.in_doubt());
        r.set_complete(Instant::now());
        assert!(!r.in_doubt());
        r.retire();
        assert!(r.in_doubt(), "a stopped actor's handles refuse");
    }

    #[test]
    fn a_complete_tick_vouches_only_for_tenants_it_tracks() {
        let clock = Arc::new(SyncClock::default());
        let r = Revocations::new(Duration::from_millis(20), Instant::now(), clock.clone());
        std::thread::sleep(Duration::from_millis(40));
        clock.set_complete(Instant::now());
        assert!(r.in_doubt(), "no tick has read this tenant yet");
        r.set_tracked();
        assert!(!r.in_doubt());
        std::thread::sleep(Duration::from_millis(40));
        assert!(r.in_doubt(), "no tick completed since");
        clock.set_complete(Instant::now());
        assert!(!r.in_doubt());
    }
}
