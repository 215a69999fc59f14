//! The usage view's sync on the mock runtime against the fake Twilio: `usage_sync` pulls the
//! organization's call and message records (the account added through `add_account`, its
//! secret in a real Secret Service), reports progress after each page through its `Channel`,
//! and `usage_report` then counts exactly the calls it kept; a second sync adds nothing.
//!
//! Run inside `scripts/with-secret-service.sh`. The test runs itself again as a child process
//! with the fake's URL and its own vault service in the environment (the workspace forbids
//! `unsafe`, and with it `std::env::set_var`); the fakes run in the parent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use switchboard_app::dto::GroupBy;
use switchboard_app::usage;
use switchboard_fake_providers::creds;
use tauri::Manager;
use tauri::ipc::{Channel, InvokeResponseBody};
use time::{Duration, OffsetDateTime};

const CHILD: &str = "SWITCHBOARD_USAGE_SYNC_TEST_DIR";
const NUMBERS: usize = 3;

#[test]
fn usage_sync_pulls_with_progress_and_the_report_counts_what_it_kept() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(child(Path::new(&dir))),
        None => parent(),
    }
}

fn parent() {
    support::in_child_with_fake_twilio(
        "usage_sync_pulls_with_progress_and_the_report_counts_what_it_kept",
        CHILD,
        "usage sync done",
        NUMBERS,
        "usage_sync",
    );
}

async fn child(dir: &Path) {
    let (app, org, numbers) = support::acme_with_fake_twilio(dir).await;
    assert_eq!(numbers.len(), NUMBERS);

    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = seen.clone();
    let progress = Channel::new(move |body| {
        let InvokeResponseBody::Json(text) = body else {
            panic!("progress is JSON");
        };
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(&text).unwrap());
        Ok(())
    });
    let synced = usage::usage_sync(
        app.state(),
        app.state(),
        app.state(),
        "sync-1".into(),
        org.clone(),
        None,
        progress,
    )
    .await
    .unwrap_or_else(|e| panic!("sync: {}", e.message));
    assert_eq!(synced.len(), 1, "{synced:?}");
    let calls = &synced[0].calls;
    assert!(calls.kept.added > 0, "{synced:?}");
    let seen = seen.lock().unwrap().clone();
    let last_calls = seen
        .iter()
        .rfind(|p| p["kind"] == "calls")
        .expect("progress of the calls");
    assert_eq!(last_calls["records"], calls.kept.added, "{seen:?}");
    assert_eq!(last_calls["pages"], calls.pages, "{seen:?}");
    assert_eq!(last_calls["accountId"], creds::TWILIO_ACCOUNT_SID);

    let today = OffsetDateTime::now_utc().date();
    let report = usage::usage_report(
        app.state(),
        org.clone(),
        Some((today - Duration::days(60)).to_string()),
        Some(today.to_string()),
        GroupBy::Day,
    )
    .await
    .expect("report");
    let counted: u64 = report.rows.iter().map(|r| r.usage.counts.calls).sum();
    assert_eq!(counted, calls.kept.added);

    let again = usage::usage_sync(
        app.state(),
        app.state(),
        app.state(),
        "sync-2".into(),
        org,
        None,
        Channel::new(|_| Ok(())),
    )
    .await
    .expect("second sync");
    assert_eq!(again[0].added, 0, "{again:?}");
    println!("usage sync done");
}
