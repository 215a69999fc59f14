//! Background refresh of usage on the mock runtime against the fake Twilio: a check pulls the
//! records of an account added to the organization that was never pulled (as the usage view's
//! sync would), nothing while the interval is off (`verifyIntervalHours` 0) or while a manual
//! sync runs, and nothing again once the account was pulled within the interval. A manual
//! sync stops a background refresh under way and waits for it; a refresh never starts while a
//! manual sync runs.
//!
//! Run inside `scripts/with-secret-service.sh`; like usage_sync.rs, the test runs itself again
//! as a child process with the fake's URL and its own vault service in the environment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use switchboard_app::dto::GroupBy;
use switchboard_app::usage_refresh::{self, UsageSyncs};
use switchboard_app::{settings, usage};
use switchboard_fake_providers::creds;
use tauri::Manager;
use time::{Duration, OffsetDateTime};

const CHILD: &str = "SWITCHBOARD_USAGE_REFRESH_TEST_DIR";
const NUMBERS: usize = 3;

#[test]
fn a_check_pulls_the_accounts_due_unless_off_or_a_sync_runs() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(child(Path::new(&dir))),
        None => parent(),
    }
}

fn parent() {
    support::in_child_with_fake_twilio(
        "a_check_pulls_the_accounts_due_unless_off_or_a_sync_runs",
        CHILD,
        "usage refresh done",
        NUMBERS,
        "usage_refresh",
    );
}

/// Calls kept in the organization over the last 60 days.
async fn calls_kept(app: &tauri::AppHandle<tauri::test::MockRuntime>, org: &str) -> u64 {
    let today = OffsetDateTime::now_utc().date();
    let report = usage::usage_report(
        app.state(),
        org.to_owned(),
        Some((today - Duration::days(60)).to_string()),
        Some(today.to_string()),
        GroupBy::Day,
    )
    .await
    .expect("report");
    report.rows.iter().map(|r| r.usage.counts.calls).sum()
}

async fn child(dir: &Path) {
    let (app, org, _) = support::acme_with_fake_twilio(dir).await;
    let set_hours = |hours: u32| {
        let mut s = settings::load(&app).expect("settings");
        s.verify_interval_hours = hours;
        settings::save(&app, &s).expect("saved");
    };

    // Off: nothing, though the account was never pulled.
    set_hours(0);
    let done = usage_refresh::check(&app).await.expect("check");
    assert!(done.is_empty(), "off");
    // On, while a manual sync runs: nothing either.
    set_hours(24);
    {
        let syncs = app.state::<UsageSyncs>();
        let _manual = syncs.manual().await;
        let done = usage_refresh::check(&app).await.expect("check");
        assert!(done.is_empty(), "a manual sync runs");
    }
    assert_eq!(calls_kept(&app, &org).await, 0);

    // On and free: the account, never pulled, is pulled.
    let done = usage_refresh::check(&app).await.expect("check");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].account.account_id, creds::TWILIO_ACCOUNT_SID);
    let synced = done[0].outcome.as_ref().expect("pulled");
    assert!(synced.calls.kept.added > 0, "{synced:?}");
    assert_eq!(calls_kept(&app, &org).await, synced.calls.kept.added);

    // Pulled within the interval: not due.
    let again = usage_refresh::check(&app).await.expect("check");
    assert!(again.is_empty(), "pulled a moment ago");
    println!("usage refresh done");
}

#[test]
fn a_manual_sync_stops_a_background_refresh_and_none_starts_during_one() {
    tauri::async_runtime::block_on(async {
        let syncs = UsageSyncs::default();
        let (running, token) = syncs.background().expect("nothing runs");
        assert!(syncs.background().is_none(), "one refresh at a time");
        let manual = syncs.manual();
        tokio::pin!(manual);
        // The manual sync cancels the refresh, then waits for it to end.
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), &mut manual).await;
        assert!(waited.is_err(), "it waits while the refresh runs");
        assert!(token.is_cancelled());
        drop(running);
        let guard = manual.await;
        assert!(
            syncs.background().is_none(),
            "no refresh during a manual sync"
        );
        drop(guard);
        assert!(syncs.background().is_some());
    });
}
