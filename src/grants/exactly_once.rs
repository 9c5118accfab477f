//! The shape the two exactly-once grants share (`authorization_code`,
//! `refresh_token`; the device code will be the third): a code or token is
//! spent by exactly one request, in any number of processes.
//!
//! 1. **Read**: a plain read; `Some` only when the grant's pure `check`
//!    passes and nothing unusual is going on.
//! 2. **Mint** outside the database (signing is the expensive part), which
//!    also says what the commit writes.
//! 3. **Commit**: one transaction whose conditional update (`… WHERE state =
//!    'active'`) decides the race; `false` when another request won.
//!
//! Anything else — a refusal, a replay, a lost race — runs the grant's
//! **locked** path: the whole grant in one transaction, conditional update
//! first, with the same `check` judging what the winner left. So a rule lives
//! once (in `check`) and both paths apply it.

use super::{Context, TokenResponse};
use crate::store::{DbConnection, StoreError, write_tx};

/// Runs read → mint → commit, falling back to `locked`.
pub(super) async fn spend<R, C, E>(
    ctx: &Context<'_>,
    read: impl FnOnce(&mut DbConnection) -> Result<Option<R>, StoreError> + Send + 'static,
    mint: impl FnOnce(R) -> Result<(TokenResponse, C), E>,
    locked: impl FnOnce(&mut DbConnection) -> Result<TokenResponse, E> + Send + 'static,
) -> Result<TokenResponse, E>
where
    R: Send + 'static,
    C: FnOnce(&mut DbConnection) -> Result<bool, StoreError> + Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let Some(ready) = ctx.store.run(read).await? else {
        return ctx.store.run(locked).await;
    };
    let (response, commit) = mint(ready)?;
    let won = ctx.store.run(move |conn| write_tx(conn, commit)).await?;
    if won {
        Ok(response)
    } else {
        // Another request spent it between the read and the update: what was
        // minted is discarded and the locked path decides (a replay, say).
        ctx.store.run(locked).await
    }
}
