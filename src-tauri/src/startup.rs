//! Starting the app: open the workspace, then start the work that needs it (the team
//! workspace named by the settings, periodic re-verification).
//!
//! A failure here never ends the process. Started from a desktop launcher, an app that exits
//! in `setup` simply vanishes, its only word on a stderr nobody sees. Instead the failure is
//! kept ([`Startup`]), the window opens, and the UI asks [`startup_status`] first: it shows
//! what happened and what to do — the core error's message names the file, the program
//! holding it busy, or how to repair it — with a Retry button ([`retry_startup`]).
//! The workspace's [`AppState`] is managed only once the workspace is open, so no command can
//! reach a workspace that failed to open.

use std::path::PathBuf;
use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::AppResult;
use crate::state::{AppState, lock};
use crate::{reverify, team};

/// Managed state: where the local workspace is (or why that is not known) and whether
/// starting has failed.
#[derive(Debug)]
pub struct Startup {
    path: AppResult<PathBuf>,
    failure: Mutex<Option<crate::error::AppError>>,
    /// Held by one attempt at a time, so that two Retry clicks open the workspace once.
    attempt: Mutex<()>,
}

/// Opens the local workspace at `path` and starts what needs it; on failure, keeps the error
/// for [`startup_status`] and leaves the app running without a workspace. Blocks while the
/// workspace opens (a pending migration may wait for another program's write lock).
pub fn start<R: Runtime>(app: &AppHandle<R>, path: AppResult<PathBuf>) {
    let startup = Startup {
        path,
        failure: Mutex::new(None),
        attempt: Mutex::new(()),
    };
    let result = open(app, &startup.path);
    *lock(&startup.failure) = result.err();
    app.manage(startup);
}

fn open<R: Runtime>(app: &AppHandle<R>, path: &AppResult<PathBuf>) -> AppResult<()> {
    let path = path.clone()?;
    let opened = AppState::open(&path);
    let state = opened.inspect_err(|e| {
        tracing::error!(workspace = %path.display(), error = %e, "cannot open the workspace");
    })?;
    tracing::info!(workspace = %path.display(), "workspace open");
    app.manage(state);
    team::open_at_startup(app);
    reverify::start(app);
    Ok(())
}

/// Whether the app started: `Ok` when the workspace is open, else what went wrong (`Busy`,
/// `Storage`, …) with what to do. The UI asks this before anything else.
#[tauri::command]
#[tracing::instrument(skip(startup), err)]
pub async fn startup_status(startup: State<'_, Startup>) -> AppResult<()> {
    lock(&startup.failure).clone().map_or(Ok(()), Err)
}

/// Tries again to open the workspace after a failed start (the other program finished, the
/// file was moved aside, …). `Ok` at once when the app has started.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn retry_startup<R: Runtime>(app: AppHandle<R>) -> AppResult<()> {
    tokio::task::spawn_blocking(move || {
        let startup = app.state::<Startup>();
        let _attempt = lock(&startup.attempt);
        if lock(&startup.failure).is_none() {
            return Ok(());
        }
        let result = open(&app, &startup.path);
        *lock(&startup.failure) = result.clone().err();
        result
    })
    .await?
}
