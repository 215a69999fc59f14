//! The open workspace, shared by every command.
//!
//! rusqlite blocks, so every call into the workspace runs on Tokio's blocking pool
//! (`spawn_blocking`), never on the async runtime or the UI thread. Two connections to the one
//! file: `primary` serves pages and every write; `counter` answers the exact counts, so a
//! count (which can take tens of milliseconds at a million numbers) never delays the next
//! page while a manager types. SQLite's WAL lets the counter read while the primary writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use switchboard_core::store::Workspace;

use crate::error::{AppError, AppResult, ErrorCode};

/// Managed state: the local workspace and the cancel flags of running tasks.
#[derive(Debug)]
pub struct AppState {
    path: PathBuf,
    primary: Arc<Mutex<Workspace>>,
    counter: Arc<Mutex<Workspace>>,
    tasks: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl AppState {
    /// Opens (creating and migrating when needed) the workspace file.
    pub fn open(path: &Path) -> switchboard_core::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| switchboard_core::Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let primary = Workspace::open(path)?;
        let counter = Workspace::open(path)?;
        Ok(AppState {
            path: path.to_owned(),
            primary: Arc::new(Mutex::new(primary)),
            counter: Arc::new(Mutex::new(counter)),
            tasks: Mutex::new(HashMap::new()),
        })
    }

    /// The workspace file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the primary connection, off the async runtime.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
    {
        run_on(&self.primary, f).await
    }

    /// Runs `f` on the counting connection, off the async runtime.
    pub async fn count<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
    {
        run_on(&self.counter, f).await
    }

    /// Registers a cancellable task under the UI's id and returns its flag.
    pub fn start_task(&self, id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        lock(&self.tasks).insert(id.to_owned(), flag.clone());
        flag
    }

    /// Forgets a finished task.
    pub fn end_task(&self, id: &str) {
        lock(&self.tasks).remove(id);
    }

    /// Asks a running task to stop; unknown (finished) ids are fine.
    pub fn cancel_task(&self, id: &str) -> AppResult<bool> {
        Ok(lock(&self.tasks)
            .get(id)
            .map(|flag| flag.store(true, Ordering::SeqCst))
            .is_some())
    }
}

/// A poisoned lock only means another call panicked mid-way; SQLite's transactions kept the
/// data consistent, so carry on with the connection.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn run_on<T, F>(ws: &Arc<Mutex<Workspace>>, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
{
    let ws = ws.clone();
    tokio::task::spawn_blocking(move || f(&mut lock(&ws)))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("workspace task failed: {e}")))?
        .map_err(AppError::from)
}

/// Where the local workspace lives: `SWITCHBOARD_WORKSPACE` when set (tests, benchmarks),
/// else the same file the CLI uses by default, so both see one inventory.
pub fn default_workspace_path() -> AppResult<PathBuf> {
    if let Some(p) = std::env::var_os("SWITCHBOARD_WORKSPACE") {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("dev", "switchboard", "switchboard")
        .map(|d| d.data_dir().join("workspace.db"))
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Storage,
                "no home directory: set SWITCHBOARD_WORKSPACE to a workspace file",
            )
        })
}
