//! Bearer and subject tokens that a holder narrowed are verified (and decided
//! on) on the evaluation threads (`tokens::evaluator`), never on a request
//! worker; tokens nobody narrowed are checked here.

use super::state::AppState;
use crate::tokens::access;
use crate::tokens::evaluator::Busy;

/// Whether any of `tokens` is a narrowed Biscuit.
pub(super) fn narrowed<'a>(tokens: impl IntoIterator<Item = &'a str>) -> bool {
    tokens.into_iter().any(access::is_narrowed)
}

/// Runs `f` on the evaluation threads when `narrowed` (see [`narrowed`]),
/// here otherwise.
pub(super) async fn off_worker<T: Send + 'static>(
    state: &AppState,
    narrowed: bool,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    state.evaluator.run_if(narrowed, f).await
}

/// [`crate::tenancy::TenantHandle::inspect`] for tokens `admit` lets
/// through, off the worker when narrowed.
pub(super) async fn inspect(
    tenant: &super::tenant::Tenant,
    token: &str,
    admit: impl Fn(&str, &std::collections::BTreeSet<String>) -> bool + Send + 'static,
) -> Result<Option<std::sync::Arc<access::TokenFacts>>, Busy> {
    let state: &AppState = &tenant.state;
    let (handle, snapshot, now) = (
        tenant.handle.clone(),
        tenant.snapshot.clone(),
        state.clock.now(),
    );
    let t = token.to_owned();
    off_worker(state, narrowed([token]), move || {
        handle.inspect(&snapshot, &t, now, &admit)
    })
    .await
}
