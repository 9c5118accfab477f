//! The slug -> live actor map of one process. Kept off the actor system
//! behind a lock so that no single actor sits on every request.

use super::actor::Membership;
use super::handle::TenantHandle;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::Ordering;

#[derive(Default)]
pub(super) struct Registry {
    tenants: RwLock<HashMap<String, TenantHandle>>,
}

impl Registry {
    /// The handle of a live, connected actor, marked used at `now_ms`.
    pub(super) fn live(&self, slug: &str, now_ms: u64) -> Option<TenantHandle> {
        let map = self.tenants.read().unwrap_or_else(|p| p.into_inner());
        let handle = map.get(slug).filter(|h| h.addr.connected())?;
        handle.last_used.store(now_ms, Ordering::Relaxed);
        Some(handle.clone())
    }

    /// Registers the handle `start` makes, unless another request started
    /// the tenant meanwhile: then that one's handle, marked used, and
    /// `Err` carries nothing to start.
    pub(super) fn insert_with(
        &self,
        slug: &str,
        now_ms: u64,
        start: impl FnOnce() -> TenantHandle,
    ) -> Result<TenantHandle, TenantHandle> {
        let mut map = self.tenants.write().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = map.get(slug).filter(|h| h.addr.connected()) {
            h.last_used.store(now_ms, Ordering::Relaxed);
            return Err(h.clone());
        }
        let handle = start();
        map.insert(slug.to_owned(), handle.clone());
        Ok(handle)
    }

    /// The handles of the live, connected actors that `wanted` picks (not
    /// marked used); only those are cloned, under the read lock.
    pub(super) fn live_where(&self, wanted: impl Fn(&TenantHandle) -> bool) -> Vec<TenantHandle> {
        let map = self.tenants.read().unwrap_or_else(|p| p.into_inner());
        map.values()
            .filter(|h| h.addr.connected() && wanted(h))
            .cloned()
            .collect()
    }

    /// The actors unused since before `idle_before_ms` (milliseconds on the
    /// supervisor's clock); only those are cloned, under the read lock.
    pub(super) fn idle(&self, idle_before_ms: u64) -> Vec<actix::Addr<super::actor::TenantActor>> {
        let map = self.tenants.read().unwrap_or_else(|p| p.into_inner());
        map.values()
            .filter(|h| h.last_used.load(Ordering::Relaxed) <= idle_before_ms)
            .map(|h| h.addr.clone())
            .collect()
    }

    /// Slugs of the tenants with a live actor, sorted.
    pub(super) fn live_slugs(&self) -> Vec<String> {
        let map = self.tenants.read().unwrap_or_else(|p| p.into_inner());
        let mut slugs: Vec<String> = map
            .iter()
            .filter(|(_, h)| h.addr.connected())
            .map(|(s, _)| s.clone())
            .collect();
        slugs.sort();
        slugs
    }
}

impl Membership for Registry {
    fn leave_if_idle(&self, slug: &str, instance: &str, idle: &mut dyn FnMut() -> bool) -> bool {
        let mut map = self.tenants.write().unwrap_or_else(|p| p.into_inner());
        if !idle() {
            return false;
        }
        if map.get(slug).is_some_and(|h| &*h.instance == instance) {
            map.remove(slug);
        }
        true
    }

    fn leave(&self, slug: &str, instance: &str) {
        let mut map = self.tenants.write().unwrap_or_else(|p| p.into_inner());
        if map.get(slug).is_some_and(|h| &*h.instance == instance) {
            map.remove(slug);
        }
    }
}
