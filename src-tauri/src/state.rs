//! The open workspace, shared by every command.
//!
//! The open workspace is a `switchboard_ops` inventory: the local workspace file, or a team
//! workspace (the offline cache of a connection profile, `switchboard_sync::cache_path`, with
//! the team edit policy of `switchboard_ops::TeamInventory`: edits go to the server while it
//! answers and its row into the cache at once, into the cache's outbox while it does not).
//! Reads come from the file either way (instant search), through the inventory, which runs
//! rusqlite on Tokio's blocking pool with a second connection for counts. Switching
//! workspace swaps the inventory; a call already running finishes on the old one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use switchboard_core::store::Workspace;
use switchboard_ops::{Cancel, Inventory, LocalInventory, TeamInventory};
use switchboard_postgres::ConnectSettings;

use crate::error::{AppError, AppResult, ErrorCode};

/// Which workspace is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The local workspace file.
    Local,
    /// The offline cache of the team database a connection profile names.
    Team {
        /// The profile's name.
        profile: String,
    },
}

/// The open workspace: what it is, its inventory and its file.
#[derive(Debug)]
struct Opened {
    source: Source,
    inventory: Arc<dyn Inventory>,
    file: LocalInventory,
    team: Option<Arc<TeamInventory>>,
}

impl Opened {
    fn local(path: &Path) -> switchboard_core::Result<Self> {
        let file = LocalInventory::open(path)?;
        Ok(Opened {
            source: Source::Local,
            inventory: Arc::new(file.clone()),
            file,
            team: None,
        })
    }

    fn team(
        profile: &str,
        settings: ConnectSettings,
        path: &Path,
    ) -> switchboard_core::Result<Self> {
        let team = switchboard_ops::open_cached(settings, path.to_owned())?;
        let file = team.file().ok_or_else(|| {
            switchboard_core::Error::Remote("the team workspace's cache is not open".into())
        })?;
        Ok(Opened {
            source: Source::Team {
                profile: profile.to_owned(),
            },
            inventory: team.clone(),
            file,
            team: Some(team),
        })
    }
}

/// Managed state: the open workspace and the cancel flags of running tasks.
#[derive(Debug)]
pub struct AppState {
    local_path: PathBuf,
    opened: RwLock<Arc<Opened>>,
    tasks: Mutex<HashMap<String, Cancel>>,
}

impl AppState {
    /// Opens (creating and migrating when needed) the local workspace file.
    pub fn open(path: &Path) -> switchboard_core::Result<Self> {
        Ok(AppState {
            local_path: path.to_owned(),
            opened: RwLock::new(Arc::new(Opened::local(path)?)),
            tasks: Mutex::new(HashMap::new()),
        })
    }

    fn current(&self) -> Arc<Opened> {
        self.opened
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The open workspace file.
    pub fn path(&self) -> PathBuf {
        self.current().file.path().to_owned()
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
    /// name (`switchboard_sync::cache_path`), and makes it the open workspace; returns the
    /// profile's server. Blocks (opening migrates): call from the blocking pool.
    pub fn open_profile(&self, profile: Option<&str>) -> AppResult<Option<String>> {
        let (opened, server) = match profile {
            None => (Opened::local(&self.local_path)?, None),
            Some(name) => {
                let settings = crate::settings::saved_settings(name)?;
                let server = settings.server().to_owned();
                let path = switchboard_sync::cache_path(&settings)?;
                (Opened::team(name, settings, &path)?, Some(server))
            }
        };
        *self
            .opened
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(opened);
        Ok(server)
    }

    /// Runs `f` on the open file's primary connection, off the async runtime.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
    {
        Ok(self.current().file.run(f).await?)
    }

    /// Registers a cancellable task under the UI's id and returns its flag.
    pub fn start_task(&self, id: &str) -> Cancel {
        let flag = Cancel::new();
        lock(&self.tasks).insert(id.to_owned(), flag.clone());
        flag
    }

    /// Forgets a finished task.
    pub fn end_task(&self, id: &str) {
        lock(&self.tasks).remove(id);
    }

    /// Asks a running task to stop; unknown (finished) ids are fine.
    pub fn cancel_task(&self, id: &str) -> AppResult<bool> {
        Ok(lock(&self.tasks).get(id).map(Cancel::cancel).is_some())
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
