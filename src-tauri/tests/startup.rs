//! Starting the app (`startup.rs`) on Tauri's mock runtime, against real workspace files: a
//! workspace the CLI is writing to opens and reads at once; one that cannot be opened (damaged,
//! or busy with a migration pending) leaves the app running with the typed `{code, message}`
//! for the window to show, and Retry opens it once the cause is gone.
//!
//! The test runs itself again as a child process with a private `HOME` (`support`), so the
//! settings read at startup are a fresh, empty file and not the machine's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use switchboard_app::error::{AppError, ErrorCode};
use switchboard_app::{commands, providers, startup, sync};
use switchboard_core::store::Workspace;
use tauri::Manager;
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

const CHILD: &str = "SWITCHBOARD_STARTUP_TEST_DIR";

#[test]
fn the_app_starts_on_a_busy_workspace_and_shows_why_it_cannot_open_a_broken_one() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(starts(PathBuf::from(dir))),
        None => run_as_child(),
    }
}

fn run_as_child() {
    support::run_as_child(
        "the_app_starts_on_a_busy_workspace_and_shows_why_it_cannot_open_a_broken_one",
        CHILD,
        "startup checks done",
        |_, _| {},
    );
}

/// The app as `setup` leaves it, before the workspace is opened.
fn app() -> tauri::App<MockRuntime> {
    let app = mock_builder()
        .plugin(tauri_plugin_store::Builder::default().build())
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    app.manage(providers::ProviderTasks::default());
    app.manage(sync::SyncState::default());
    app
}

/// Another connection holding the write lock with `change` under way, as the CLI does while
/// it imports or syncs.
fn hold_write_lock(file: &Path, change: &str) -> rusqlite::Connection {
    let writer = rusqlite::Connection::open(file).unwrap();
    writer
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; BEGIN IMMEDIATE; {change}"
        ))
        .unwrap();
    writer
}

async fn organization_names(app: &tauri::App<MockRuntime>) -> Vec<String> {
    commands::list_organizations(app.state())
        .await
        .expect("lists organizations")
        .into_iter()
        .map(|o| o.name)
        .collect()
}

async fn status(app: &tauri::App<MockRuntime>) -> Result<Vec<AppError>, AppError> {
    startup::startup_status(app.state()).await
}

/// The app with its settings file holding `contents`, and that file.
fn app_with_settings(contents: &str) -> (tauri::App<MockRuntime>, PathBuf) {
    let app = app();
    let dir = app.path().app_data_dir().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("settings.json");
    std::fs::write(&file, contents).unwrap();
    (app, file)
}

/// The start's only warning.
async fn the_one_warning(app: &tauri::App<MockRuntime>) -> AppError {
    let warnings = status(app).await.expect("started");
    let [warning] = warnings.as_slice() else {
        panic!("one warning: {warnings:?}");
    };
    warning.clone()
}

async fn starts(dir: PathBuf) {
    opens_while_the_cli_writes(&dir).await;
    keeps_unreadable_settings_aside(&dir).await;
    says_why_the_team_workspace_did_not_open(&dir).await;
    shows_a_damaged_file_then_retries(&dir).await;
    shows_a_busy_migration_then_retries(&dir).await;
    println!("startup checks done");
}

/// The issue's case: the CLI holds the write lock; the app opens the workspace and reads.
async fn opens_while_the_cli_writes(dir: &Path) {
    let file = dir.join("current.db");
    Workspace::open(&file)
        .unwrap()
        .add_organization("acme", "Acme")
        .unwrap();
    let writer = hold_write_lock(&file, "UPDATE organizations SET name = 'Renaming'");
    let app = app();
    let started = Instant::now();
    startup::start(app.handle(), Ok(file.clone()));
    let warnings = status(&app).await.expect("started");
    assert_eq!(warnings, []);
    assert_eq!(organization_names(&app).await, ["Acme"]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "starting took {took:?}");
    writer.execute_batch("ROLLBACK").unwrap();
}

/// A settings file that cannot be read: the app starts with defaults, and says where the file
/// was kept instead of overwriting it (which would lose the connection profiles).
async fn keeps_unreadable_settings_aside(dir: &Path) {
    let broken = r#"{"settings": {"profiles": [{"name": "team", "host": "db.exa"#;
    let (app, file) = app_with_settings(broken);
    let settings_dir = file.parent().unwrap();

    startup::start(app.handle(), Ok(dir.join("settings-case.db")));
    let warning = the_one_warning(&app).await;
    assert_eq!(warning.code, ErrorCode::Settings);
    assert!(
        warning
            .message
            .contains("move it back while Switchboard is closed"),
        "{}",
        warning.message
    );
    let kept: Vec<PathBuf> = std::fs::read_dir(settings_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("settings.json.unreadable-"))
        .collect();
    let [kept] = kept.as_slice() else {
        panic!("one file kept aside: {kept:?}");
    };
    assert!(
        warning.message.contains(&kept.display().to_string()),
        "{}",
        warning.message
    );
    assert_eq!(std::fs::read_to_string(kept).unwrap(), broken);
    let settings = commands::get_settings(app.handle().clone())
        .await
        .expect("defaults");
    assert_eq!(settings, switchboard_app::dto::Settings::default());
    commands::save_settings(app.handle().clone(), settings)
        .await
        .expect("saves");
    assert_eq!(
        std::fs::read_to_string(kept).unwrap(),
        broken,
        "still there after a save"
    );
    std::fs::remove_file(kept).unwrap();
}

/// Settings that name a team workspace which cannot be opened: the local workspace opens, and
/// the window is told why the team one did not.
async fn says_why_the_team_workspace_did_not_open(dir: &Path) {
    let (app, file) = app_with_settings(r#"{"settings": {"activeProfile": "gone"}}"#);

    startup::start(app.handle(), Ok(dir.join("team-case.db")));
    let warning = the_one_warning(&app).await;
    assert_eq!(warning.code, ErrorCode::NotFound);
    assert!(
        warning.message.contains(r#"team workspace "gone""#),
        "{}",
        warning.message
    );
    assert!(
        warning
            .message
            .contains("the local workspace is shown instead"),
        "{}",
        warning.message
    );
    let info = commands::workspace_info(app.state()).await.expect("info");
    assert_eq!(info.kind, "local");
    std::fs::remove_file(&file).unwrap();
}

/// A file that is not a workspace: the app runs, says what happened and what to do, and
/// opens a new workspace once the file is moved aside.
async fn shows_a_damaged_file_then_retries(dir: &Path) {
    let file = dir.join("damaged.db");
    let garbage = b"not a workspace at all, only text standing in for a damaged file".repeat(80);
    std::fs::write(&file, &garbage).unwrap();
    let app = app();
    startup::start(app.handle(), Ok(file.clone()));
    let e = status(&app).await.expect_err("refused");
    assert_eq!(e.code, ErrorCode::Storage);
    assert!(
        e.message.contains(&file.display().to_string()),
        "{}",
        e.message
    );
    assert!(e.message.contains("move it aside"), "{}", e.message);
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        json["code"], "Storage",
        "the IPC shape is {{code, message}}: {json}"
    );
    assert!(
        app.try_state::<switchboard_app::state::AppState>()
            .is_none(),
        "no command reaches a workspace that did not open"
    );
    let again = startup::retry_startup(app.handle().clone()).await;
    assert_eq!(again.expect_err("still damaged").code, ErrorCode::Storage);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        garbage,
        "the file is untouched"
    );

    std::fs::rename(&file, dir.join("damaged.db.aside")).unwrap();
    startup::retry_startup(app.handle().clone())
        .await
        .expect("opens a new workspace");
    assert_eq!(status(&app).await.expect("started now"), []);
    assert!(organization_names(&app).await.is_empty());
}

/// A workspace that needs its migrations while the CLI holds the write lock (here: the CLI
/// is creating it): `Busy`, naming the program, after the store's wait; Retry migrates once
/// the lock is free.
async fn shows_a_busy_migration_then_retries(dir: &Path) {
    let file = dir.join("new.db");
    let writer = hold_write_lock(&file, "CREATE TABLE held (x)");
    let app = app();
    startup::start(app.handle(), Ok(file.clone()));
    let e = status(&app).await.expect_err("busy");
    assert_eq!(e.code, ErrorCode::Busy, "{}", e.message);
    assert!(e.message.contains("is busy"), "{}", e.message);
    assert!(
        e.message.contains("try again when it finishes"),
        "{}",
        e.message
    );
    if cfg!(target_os = "linux") {
        let me = format!("(process {})", std::process::id());
        assert!(e.message.contains(&me), "names the holder: {}", e.message);
    }
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    startup::retry_startup(app.handle().clone())
        .await
        .expect("migrates and opens once the lock is free");
    assert!(organization_names(&app).await.is_empty());
}
