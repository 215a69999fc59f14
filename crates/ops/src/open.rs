//! Opening a workspace: the one place that decides where reads and edits go.

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_core::{Error, ErrorCode, Result};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use time::format_description::well_known::Rfc3339;

use crate::{Inventory, LocalInventory, TeamInventory};

/// Where a team workspace's reads go while the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The server (the CLI: what it prints is the server's current state).
    Server,
    /// The cache (the app: instant search, refreshed by sync and by each edit).
    Cache,
}

/// What to open.
#[derive(Debug, Clone)]
pub enum Target {
    /// A workspace file (created when missing).
    Local(PathBuf),
    /// A team database, with its offline cache.
    Team {
        /// How to connect (with the password, when one is known).
        settings: Box<ConnectSettings>,
        /// Where reads go while online.
        reads: Reads,
        /// The cache file ([`switchboard_sync::cache_path`] of the settings).
        cache: PathBuf,
    },
}

impl Target {
    /// A team database with its usual cache file.
    pub fn team(settings: ConnectSettings, reads: Reads) -> Result<Self> {
        let cache = switchboard_sync::cache_path(&settings)?;
        Ok(Target::Team {
            settings: Box::new(settings),
            reads,
            cache,
        })
    }
}

/// Runs `f` off the async runtime (rusqlite and the vault block).
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Io {
            path: "workspace task".into(),
            source: std::io::Error::other(e.to_string()),
        })?
}

/// Opens a workspace. A team database that answers takes edits directly; one that cannot be
/// reached is worked on through its cache (reads, and number edits queued for the next sync),
/// with a notice saying so, as long as the cache holds something: with nothing cached yet the
/// offline error is returned, naming the remedy (sync while online).
pub async fn open(target: Target) -> Result<Arc<dyn Inventory>> {
    let (settings, reads, path) = match target {
        Target::Local(path) => {
            let local = blocking(move || LocalInventory::open(&path)).await?;
            return Ok(Arc::new(local));
        }
        Target::Team {
            settings,
            reads,
            cache,
        } => (*settings, reads, cache),
    };
    let remote = match RemoteWorkspace::connect(&settings).await {
        Ok(remote) => remote,
        Err(e) if e.code() == ErrorCode::Offline => {
            return open_offline(settings, reads, path, e).await;
        }
        Err(e) => return Err(e),
    };
    // Reads from the server open the cache only when something asks for it
    // (`Inventory::file`).
    let cache = match reads {
        Reads::Server => None,
        Reads::Cache => {
            let path = path.clone();
            Some(blocking(move || LocalInventory::open(&path)).await?)
        }
    };
    Ok(Arc::new(TeamInventory::new(
        settings,
        reads,
        Some(remote),
        path,
        cache,
    )))
}

async fn open_offline(
    settings: ConnectSettings,
    reads: Reads,
    path: PathBuf,
    offline: Error,
) -> Result<Arc<dyn Inventory>> {
    let opened = blocking(move || {
        // No cache yet (or an empty one): there is nothing to show, so the command fails as
        // offline instead of showing an empty workspace as if it were the truth.
        if !path.exists() {
            return Ok(None);
        }
        let cache = LocalInventory::open(&path)?;
        let when = cache.run_here(|ws| {
            if ws.organizations()?.is_empty() {
                return Ok(None);
            }
            switchboard_sync::last_synced_at(ws).map(Some)
        })?;
        Ok(when.map(|when| (cache, when)))
    })
    .await?;
    let Some((cache, when)) = opened else {
        return Err(match offline {
            Error::Offline { server, reason } => Error::Offline {
                server,
                reason: format!("{reason}; nothing is cached for it yet (run `sync` while online)"),
            },
            e => e,
        });
    };
    let notice = match when.and_then(|t| t.format(&Rfc3339).ok()) {
        Some(t) => format!("offline: showing cached data from {t}"),
        None => "offline: showing cached data (never completely synced)".to_owned(),
    };
    let path = cache.path().to_owned();
    let team = TeamInventory::new(settings, reads, None, path, Some(cache));
    team.notice(notice);
    Ok(Arc::new(team))
}

/// Opens a team workspace's cache without the network (the app: the window shows the cache
/// at once). Edits queue until [`TeamInventory::go_online`] or [`TeamInventory::reconnect`]
/// finds the server. Blocks (opening the file migrates it).
pub fn open_cached(settings: ConnectSettings, path: PathBuf) -> Result<Arc<TeamInventory>> {
    let cache = LocalInventory::open(&path)?;
    Ok(Arc::new(TeamInventory::new(
        settings,
        Reads::Cache,
        None,
        path,
        Some(cache),
    )))
}
