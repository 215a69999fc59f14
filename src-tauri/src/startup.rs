//! Starting the app: open the workspace, then start the work that needs it (the team
//! workspace named by the settings, periodic re-verification).
//!
//! A failure here never ends the process. Started from a desktop launcher, an app that exits
//! in `setup` simply vanishes, its only word on a stderr nobody sees. Instead the failure is
//! kept ([`Startup`]), the window opens, and the UI asks [`startup_status`] first: it shows
//! what happened and what to do — the core error's message names the file, the program
//! holding it busy, or how to repair it — with a Retry button ([`retry_startup`]).
//! The workspace's [`AppState`] is managed only once the workspace is open, so no command can
//! reach a workspace that failed to open. What went wrong without stopping the start (an
//! unreadable settings file, moved aside, or a profile renamed as it moved to the profile file
//! shared with the CLI: see `settings`; a team workspace that did not open,
//! replaced by the local one) comes back as warnings.

use std::path::PathBuf;

use switchboard_core::domain::E164;
use switchboard_ops::startup::Start;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::{reverify, settings, team};

/// Managed state: where the local workspace is (or why that is not known) and whether
/// starting has failed.
#[derive(Debug)]
pub struct Startup {
    path: AppResult<PathBuf>,
    /// How starting went; one attempt at a time, so that two Retry clicks open the workspace
    /// once.
    start: Start<AppError>,
}

/// Opens the local workspace at `path` and starts what needs it; on failure, keeps the error
/// for [`startup_status`] and leaves the app running without a workspace. Blocks while the
/// workspace opens (a pending migration may wait for another program's write lock).
pub fn start<R: Runtime>(app: &AppHandle<R>, path: AppResult<PathBuf>) {
    // First, before anything reads (and later saves) the settings: the former bundle
    // identifier's settings, an unreadable file, the profiles moved to the shared file.
    let warnings: Vec<AppError> = settings::prepare(app);
    for w in &warnings {
        tracing::warn!(error = %w, "settings");
    }
    let startup = Startup {
        path,
        start: Start::new(warnings),
    };
    let _ = startup.start.attempt(|| open(app, &startup.path));
    app.manage(startup);
}

/// Loads the phone-number metadata (libphonenumber's database, whose patterns compile on first
/// use: 65–90 ms of CPU, measured with `perf` in docs/BENCHMARKS.md) on a thread of its own
/// while the window and its web view start, so that the first page of numbers, which formats
/// every row with it, does not wait for it. A listing that comes first waits for the same load.
pub fn load_phone_metadata_in_background() {
    if let Err(e) = std::thread::Builder::new()
        .name("phone-metadata".into())
        .spawn(E164::preload_metadata)
    {
        tracing::debug!(error = %e, "phone metadata left to the first listing");
    }
}

/// Opens the workspace and starts what needs it; returns what went wrong without stopping it.
fn open<R: Runtime>(app: &AppHandle<R>, path: &AppResult<PathBuf>) -> AppResult<Vec<AppError>> {
    let path = path.clone()?;
    let opened = AppState::open(&path);
    let state = opened.inspect_err(|e| {
        tracing::error!(workspace = %path.display(), error = %e, "cannot open the workspace");
    })?;
    tracing::info!(workspace = %path.display(), "workspace open");
    app.manage(state);
    let team = team::open_at_startup(app);
    reverify::start(app);
    Ok(team.into_iter().collect())
}

/// Whether the app started: when the workspace is open, the warnings of the start (each a
/// `{code, message}` to show); else what went wrong (`Busy`, `Storage`, …) with what to do.
/// The UI asks this before anything else.
#[tauri::command]
#[tracing::instrument(skip(startup), err)]
pub async fn startup_status(startup: State<'_, Startup>) -> AppResult<Vec<AppError>> {
    startup.start.status()
}

/// Tries again to open the workspace after a failed start (the other program finished, the
/// file was moved aside, …); answers as [`startup_status`]. At once when the app has started.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn retry_startup<R: Runtime>(app: AppHandle<R>) -> AppResult<Vec<AppError>> {
    tokio::task::spawn_blocking(move || {
        let startup = app.state::<Startup>();
        startup.start.attempt(|| open(&app, &startup.path))
    })
    .await?
}
