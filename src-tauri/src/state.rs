//! The open workspace, shared by every command.
//!
//! The open workspace is a `switchboard_ops` inventory: the local workspace file, or a team
//! workspace (the offline cache of a connection profile, `switchboard_sync::cache_path`, with
//! the team edit policy of `switchboard_ops::TeamInventory`: edits go to the server while it
//! answers and its row into the cache at once, into the cache's outbox while it does not).
//! Reads come from the file either way (instant search), through the inventory, which runs
//! rusqlite on Tokio's blocking pool with a second connection for counts
//! (`switchboard_ops::workspace::OpenWorkspace`). Switching workspace swaps the inventory; a
//! call already running finishes on the old one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};

use switchboard_core::store::Workspace;
use switchboard_ops::tasks::Flags;
use switchboard_ops::undo::Undo;
use switchboard_ops::workspace::OpenWorkspace;
pub use switchboard_ops::workspace::Source;
use switchboard_ops::{Inventory, TeamInventory};

use crate::error::{AppError, AppResult, ErrorCode};

/// The undo of the manager's last edit or removal, and the workspace it was made in.
#[derive(Debug)]
struct LastUndo {
    workspace: Weak<OpenWorkspace>,
    undo: Undo,
}

/// Managed state: the open workspace, the cancel flags of running tasks, and the undo of the
/// last edit or removal (kept in memory only: it is gone when the app closes).
#[derive(Debug)]
pub struct AppState {
    local_path: PathBuf,
    opened: RwLock<Arc<OpenWorkspace>>,
    /// The running bulk edits, by the UI's task id.
    pub tasks: Flags,
    last_undo: Mutex<Option<LastUndo>>,
}

impl AppState {
    /// Opens (creating and migrating when needed) the local workspace file.
    pub fn open(path: &Path) -> switchboard_core::Result<Self> {
        Ok(AppState {
            local_path: path.to_owned(),
            opened: RwLock::new(Arc::new(OpenWorkspace::local(path)?)),
            tasks: Flags::default(),
            last_undo: Mutex::new(None),
        })
    }

    /// The open workspace.
    pub fn current(&self) -> Arc<OpenWorkspace> {
        self.opened
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The open workspace's inventory: every organization, agent and number action runs on it.
    pub fn inventory(&self) -> Arc<dyn Inventory> {
        self.current().inventory.clone()
    }

    /// The open team workspace (none for the local one): the sync tells it whether the server
    /// answers.
    pub fn team(&self) -> Option<Arc<TeamInventory>> {
        self.current().team.clone()
    }

    /// Which workspace is open.
    pub fn source(&self) -> Source {
        self.current().source.clone()
    }

    /// Opens the local workspace (`profile` none), or the cache of the saved profile of that
    /// name (`switchboard_sync::cache_path`), and makes it the open workspace; returns it.
    /// Blocks (opening migrates): call from the blocking pool.
    pub fn open_profile(&self, profile: Option<&str>) -> AppResult<Arc<OpenWorkspace>> {
        let opened = Arc::new(match profile {
            None => OpenWorkspace::local(&self.local_path)?,
            Some(name) => OpenWorkspace::cached(name, crate::settings::saved_settings(name)?)?,
        });
        *self
            .opened
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = opened.clone();
        Ok(opened)
    }

    /// Keeps `undo` as the last edit's or removal's, in the open workspace (`None`: the last
    /// edit changed nothing, and there is nothing to undo).
    pub fn keep_undo(&self, workspace: &Arc<OpenWorkspace>, undo: Option<Undo>) {
        *lock(&self.last_undo) = undo.map(|undo| LastUndo {
            workspace: Arc::downgrade(workspace),
            undo,
        });
    }

    /// Takes the last edit's or removal's undo, with the workspace it was made in; refused when
    /// there is none, or when that workspace is no longer the open one (undoing there would
    /// write into another inventory).
    pub fn take_undo(&self) -> AppResult<(Arc<OpenWorkspace>, Undo)> {
        let last = lock(&self.last_undo).take();
        let Some(LastUndo { workspace, undo }) = last else {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "nothing to undo: no number was edited or removed since the app started",
            ));
        };
        match workspace.upgrade() {
            Some(w) if Arc::ptr_eq(&w, &self.current()) => Ok((w, undo)),
            _ => Err(AppError::new(
                ErrorCode::InvalidInput,
                "nothing to undo: the edit was made in a workspace that is closed now",
            )),
        }
    }

    /// Puts an undo taken by [`AppState::take_undo`] back (it could not run for a reason that
    /// may pass, such as the server being away), unless another edit was kept since.
    pub fn return_undo(&self, workspace: &Arc<OpenWorkspace>, undo: Undo) {
        let mut last = lock(&self.last_undo);
        if last.is_none() {
            *last = Some(LastUndo {
                workspace: Arc::downgrade(workspace),
                undo,
            });
        }
    }

    /// Runs `f` on the open file's primary connection, off the async runtime.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
    {
        Ok(self.current().file.run(f).await?)
    }
}

/// A poisoned lock only means another call panicked mid-way; SQLite's transactions kept the
/// data consistent, so carry on with the connection.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
