//! Undo of the last edit or removal (issue #17): the app's `undo_last` command on a local
//! workspace (the mock runtime). The app keeps the undo of the last edit or removal made
//! through its commands, in memory: it undoes once, an add is not undone, and an undo made in a
//! workspace that was closed since is refused (it would write into another inventory).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use switchboard_app::commands;
use switchboard_app::dto::NumberChange;
use switchboard_app::error::ErrorCode;
use switchboard_app::state::AppState;
use switchboard_core::domain::Status;
use tauri::Manager;

#[test]
fn the_last_edit_or_removal_is_undone_once_in_its_workspace() {
    tauri::async_runtime::block_on(undo());
}

async fn undo() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org) = support::mock_app_with_acme(dir.path()).await;
    let undo_last = || commands::undo_last(app.clone(), app.state());
    let nothing = "nothing to undo: no number was edited or removed since the app started";
    let refused = |e: switchboard_app::error::AppError| (e.code, e.message);

    let e = undo_last().await.expect_err("nothing yet");
    assert_eq!(refused(e), (ErrorCode::InvalidInput, nothing.to_owned()));
    let number = support::twilio_number("+14155550100");
    let added = commands::add_number(app.clone(), app.state(), org.to_string(), number)
        .await
        .unwrap();
    let e = undo_last().await.expect_err("an add is not undone");
    assert_eq!(refused(e), (ErrorCode::InvalidInput, nothing.to_owned()));

    // An edit, undone once: the number as it was, in the workspace too.
    let changes = vec![
        NumberChange::FriendlyName(Some("Sales".into())),
        NumberChange::Status(Status::Inactive),
    ];
    let edited = commands::update_number(app.clone(), app.state(), added.id.clone(), changes)
        .await
        .unwrap();
    assert_eq!(edited.friendly_name.as_deref(), Some("Sales"));
    let back = undo_last().await.unwrap();
    assert_eq!((back.friendly_name, back.status), (None, Status::Active));
    let read = commands::get_number(app.state(), added.id.clone())
        .await
        .unwrap();
    assert_eq!((read.friendly_name, read.status), (None, Status::Active));
    let e = undo_last().await.expect_err("undone once");
    assert_eq!(refused(e), (ErrorCode::InvalidInput, nothing.to_owned()));

    // A removal, undone: the same number (same id) is back.
    commands::remove_number(app.clone(), app.state(), added.id.clone())
        .await
        .unwrap();
    let back = undo_last().await.unwrap();
    assert_eq!(
        (back.id.as_str(), back.phone_number.as_str()),
        (added.id.as_str(), "+14155550100")
    );
    commands::get_number(app.state(), added.id.clone())
        .await
        .expect("back in the workspace");

    // An edit, then another workspace opened (here the local one again): the undo is gone.
    let rename = vec![NumberChange::FriendlyName(Some("Kept".into()))];
    commands::update_number(app.clone(), app.state(), added.id.clone(), rename)
        .await
        .unwrap();
    app.state::<AppState>().open_profile(None).unwrap();
    let e = undo_last().await.expect_err("made in a closed workspace");
    assert_eq!(
        refused(e),
        (
            ErrorCode::InvalidInput,
            "nothing to undo: the edit was made in a workspace that is closed now".to_owned()
        )
    );
    let read = commands::get_number(app.state(), added.id).await.unwrap();
    assert_eq!(
        read.friendly_name.as_deref(),
        Some("Kept"),
        "nothing undone"
    );
}
