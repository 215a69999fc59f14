//! The numbers table's count (issue #17): `count_numbers` with a task id stops when
//! `cancel_task` names it (the table stops a count that a newer query made useless), and
//! fails as `Cancelled`; without one, or not cancelled, it counts as before.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use switchboard_app::commands;
use switchboard_app::error::ErrorCode;
use switchboard_app::state::AppState;
use tauri::Manager;

#[test]
fn a_count_named_by_a_task_stops_when_cancelled() {
    tauri::async_runtime::block_on(count());
}

async fn count() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org) = support::mock_app_with_acme(dir.path()).await;
    let state = app.state::<AppState>();
    state
        .run(|ws| switchboard_core::seed::seed(ws, "acme", 3_000, |_, _| {}))
        .await
        .unwrap();
    let filter = || {
        let mut f = support::every_number_of(org.to_string());
        f.search = Some("s".into());
        f
    };
    let all = commands::count_numbers(app.state(), filter(), None)
        .await
        .unwrap();
    assert!(all > 100.0, "{all}");
    let named = commands::count_numbers(app.state(), filter(), Some("count 1".into()))
        .await
        .unwrap();
    assert_eq!(named, all);

    // Cancelled first (the UI's cancel may arrive before its count starts): it stops.
    let cancelled = commands::cancel_task(app.state(), app.state(), "count 2".into())
        .await
        .unwrap();
    assert!(!cancelled, "nothing runs under count 2 yet");
    let e = commands::count_numbers(app.state(), filter(), Some("count 2".into()))
        .await
        .expect_err("stopped");
    assert_eq!(e.code, ErrorCode::Cancelled, "{e:?}");

    // The cancel was used up by the count it named.
    let again = commands::count_numbers(app.state(), filter(), Some("count 2".into()))
        .await
        .unwrap();
    assert_eq!(again, all);
    println!("count stopped when cancelled");
}
