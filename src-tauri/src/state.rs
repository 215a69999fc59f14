//! The open workspace, shared by every command.
//!
//! rusqlite blocks, so every call into the workspace runs on Tokio's blocking pool
//! (`spawn_blocking`), never on the async runtime or the UI thread. Two connections to the one
//! file: `primary` serves pages and every write; `counter` answers the exact counts, so a
//! count (which can take tens of milliseconds at a million numbers) never delays the next
//! page while a manager types. SQLite's WAL lets the counter read while the primary writes.
//!
//! The open file is either the local workspace or, for a team workspace, the offline cache of
//! a connection profile (`switchboard_sync::open_cache`): the same store, so every read command
//! works unchanged on either. What differs is where edits go ([`Writes`]): straight into the
//! local workspace, or into the cache and its outbox, which the next sync sends to the server
//! (online and offline edits take that one path; offline ones simply wait). Switching
//! workspace swaps the pair of connections; a call already running finishes on the old pair.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use switchboard_core::domain::{NumberUpdate, PhoneNumber, ValidNumber};
use switchboard_core::store::{NumberRef, Workspace};
use uuid::Uuid;

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

/// Where edits of numbers go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Into the local workspace.
    Direct,
    /// Into a team workspace's cache and outbox, for the next sync.
    Outbox,
}

impl Writes {
    /// Adds a number.
    pub fn add_number(
        self,
        ws: &mut Workspace,
        organization_id: Uuid,
        number: ValidNumber,
    ) -> switchboard_core::Result<PhoneNumber> {
        match self {
            Writes::Direct => ws.add_number(organization_id, number),
            Writes::Outbox => ws.queue_add(organization_id, number),
        }
    }

    /// Changes a number.
    pub fn update_number(
        self,
        ws: &mut Workspace,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> switchboard_core::Result<PhoneNumber> {
        match self {
            Writes::Direct => ws.update_number(r, organization_id, change),
            Writes::Outbox => ws.queue_update(r, organization_id, change),
        }
    }

    /// Removes a number.
    pub fn remove_number(
        self,
        ws: &mut Workspace,
        r: &NumberRef,
        organization_id: Option<Uuid>,
    ) -> switchboard_core::Result<PhoneNumber> {
        match self {
            Writes::Direct => ws.remove_number(r, organization_id),
            Writes::Outbox => ws.queue_remove(r, organization_id),
        }
    }
}

/// One open workspace file: its two connections and what it is.
#[derive(Debug)]
struct Opened {
    source: Source,
    path: PathBuf,
    primary: Arc<Mutex<Workspace>>,
    counter: Arc<Mutex<Workspace>>,
}

impl Opened {
    fn open(path: &Path, source: Source) -> switchboard_core::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| switchboard_core::Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let primary = Workspace::open(path)?;
        let counter = Workspace::open(path)?;
        Ok(Opened {
            source,
            path: path.to_owned(),
            primary: Arc::new(Mutex::new(primary)),
            counter: Arc::new(Mutex::new(counter)),
        })
    }
}

/// Managed state: the open workspace and the cancel flags of running tasks.
#[derive(Debug)]
pub struct AppState {
    local_path: PathBuf,
    opened: RwLock<Arc<Opened>>,
    tasks: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl AppState {
    /// Opens (creating and migrating when needed) the local workspace file.
    pub fn open(path: &Path) -> switchboard_core::Result<Self> {
        Ok(AppState {
            local_path: path.to_owned(),
            opened: RwLock::new(Arc::new(Opened::open(path, Source::Local)?)),
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
        self.current().path.clone()
    }

    /// The local workspace file (open or not).
    pub fn local_path(&self) -> &Path {
        &self.local_path
    }

    /// Which workspace is open.
    pub fn source(&self) -> Source {
        self.current().source.clone()
    }

    /// Where edits of numbers go in the open workspace.
    pub fn writes(&self) -> Writes {
        match self.current().source {
            Source::Local => Writes::Direct,
            Source::Team { .. } => Writes::Outbox,
        }
    }

    /// Opens `path` as `source` and makes it the open workspace. Blocks (opening migrates):
    /// call from the blocking pool.
    pub fn switch_to(&self, path: &Path, source: Source) -> switchboard_core::Result<()> {
        let opened = Arc::new(Opened::open(path, source)?);
        *self
            .opened
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = opened;
        Ok(())
    }

    /// Runs `f` on the primary connection, off the async runtime.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
    {
        run_on(&self.current().primary, f).await
    }

    /// Runs an edit on the primary connection, off the async runtime, with where edits go in
    /// the open workspace.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace, Writes) -> switchboard_core::Result<T> + Send + 'static,
    {
        let writes = self.writes();
        run_on(&self.current().primary, move |ws| f(ws, writes)).await
    }

    /// Runs `f` on the counting connection, off the async runtime.
    pub async fn count<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> switchboard_core::Result<T> + Send + 'static,
    {
        run_on(&self.current().counter, f).await
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
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
