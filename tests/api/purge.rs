//! Housekeeping: rows of revoked tokens and used client assertion `jti`s go
//! once their tokens have expired (and an hour more), a bounded batch per
//! transaction, by a job each process runs.

use crate::helpers::{TestApp, demo_yaml, eventually, spawn_app_with};
use chrono::{Duration, NaiveDateTime};
use gatehouse::store::{purge, revocations, write_tx};

/// Every revocation id still stored, expired or not.
fn stored_revocations(app: &TestApp) -> Vec<String> {
    let long_ago = NaiveDateTime::default();
    let mut ids = app.in_acme(|c, t| revocations::after_epoch(c, t, -1, long_ago));
    ids.sort();
    ids
}

/// Stores revocations of `ids`, all expiring at `expires_at`.
fn revoke<I: AsRef<str>>(
    app: &TestApp,
    ids: impl IntoIterator<Item = I>,
    expires_at: NaiveDateTime,
) {
    let now = app.state.clock.db_now();
    app.in_acme(|c, t| {
        write_tx(c, |c| {
            for id in ids {
                revocations::revoke_in_tx(c, t, id.as_ref(), expires_at, now)?;
            }
            Ok(())
        })
    })
}

#[actix_web::test]
async fn expired_rows_go_in_batches_and_live_ones_stay() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let now = app.state.clock.db_now();
    let batches = usize::try_from(purge::BATCH).unwrap() + 5;
    revoke(
        &app,
        (0..batches).map(|i| format!("old-{i:05}")),
        now - Duration::hours(2),
    );
    revoke(&app, ["recent"], now - Duration::minutes(10));
    revoke(&app, ["live"], now + Duration::hours(1));
    let used = |jti: &str, exp: NaiveDateTime| {
        app.in_acme(|c, t| revocations::use_assertion_jti(c, t, "svc", jti, exp))
    };
    assert!(used("jti-old", now - Duration::hours(2)));
    assert!(used("jti-live", now + Duration::minutes(5)));

    let purged = purge::run_once(&app.state.store, now).await.unwrap();
    assert_eq!(purged, batches + 1, "every old revocation and the old jti");
    assert_eq!(stored_revocations(&app), ["live", "recent"]);
    assert!(
        !used("jti-live", now + Duration::minutes(5)),
        "still single-use"
    );
    assert!(
        used("jti-old", now - Duration::hours(2)),
        "its row was deleted"
    );
    assert_eq!(
        purge::run_once(&app.state.store, now).await.unwrap(),
        1,
        "jti-old again"
    );
    assert_eq!(purge::run_once(&app.state.store, now).await.unwrap(), 0);
}

#[actix_web::test]
async fn each_process_runs_the_purge_on_its_interval() {
    let app = spawn_app_with(
        |c| c.database.purge_interval = std::time::Duration::from_secs(1),
        Some(&demo_yaml("acme")),
    )
    .await;
    let now = app.state.clock.db_now();
    revoke(&app, ["old"], now - Duration::hours(2));
    revoke(&app, ["live"], now + Duration::hours(1));
    assert_eq!(stored_revocations(&app), ["live", "old"]);
    let gone = eventually(std::time::Duration::from_secs(10), || {
        stored_revocations(&app) == ["live"]
    })
    .await;
    assert!(
        gone,
        "the job deleted the expired row: {:?}",
        stored_revocations(&app)
    );
}
