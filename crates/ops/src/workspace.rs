//! The workspace the desktop app keeps open: the local workspace file, or the offline cache of
//! a saved connection profile's team database (`switchboard_sync::cache_path`, the file the
//! CLI uses for the same server, database and role), with the team edit policy of
//! [`TeamInventory`]. Reads come from the file either way; the conflicts a sync found are
//! listed and resolved there too.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use switchboard_core::Result;
use switchboard_core::store::Conflict;
use switchboard_postgres::ConnectSettings;

use crate::sync::KeepVersion;
use crate::{Inventory, LocalInventory, NumberView, TeamInventory, open_cached, rfc3339};

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

/// Which workspace is open, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    /// "local" (the workspace file) or "team" (a profile's offline cache of a team database).
    pub kind: String,
    /// Where it is (for a team workspace: its cache file).
    pub path: String,
    /// The open profile's name; null for the local workspace.
    pub profile: Option<String>,
}

/// The connection of the open workspace, as the banner shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    /// The local workspace is open: there is no server.
    #[default]
    Local,
    /// A team workspace is open and nothing was tried yet.
    Unknown,
    /// The last sync reached the server.
    Online,
    /// The last sync could not reach the server (`Offline`): showing cached data.
    Offline,
    /// The server answered but the sync failed (bad password, refused role, schema…).
    Failed,
}

/// An offline edit the server did not take as it was, with both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SyncConflict {
    /// Conflict number.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The number's id.
    pub number_id: String,
    /// Its organization.
    pub organization_id: String,
    /// "add", "update" or "remove".
    pub op: String,
    /// What happened, e.g. "changed on the server since".
    pub reason: String,
    /// RFC 3339: when the sync found it.
    pub detected_at: String,
    /// The manager's version; null when the manager removed it.
    pub mine: Option<NumberView>,
    /// The server's version; null when removed on the server.
    pub theirs: Option<NumberView>,
}

impl From<Conflict> for SyncConflict {
    fn from(c: Conflict) -> Self {
        SyncConflict {
            id: c.id,
            number_id: c.number_id.to_string(),
            organization_id: c.organization_id.to_string(),
            op: c.op.as_str().to_owned(),
            reason: c.reason,
            detected_at: rfc3339(c.detected_at),
            mine: c.mine.map(Into::into),
            theirs: c.theirs.map(Into::into),
        }
    }
}

/// An open workspace: what it is, its inventory and its file.
#[derive(Debug, Clone)]
pub struct OpenWorkspace {
    /// Which workspace it is.
    pub source: Source,
    /// Every organization, agent and number action runs on it.
    pub inventory: Arc<dyn Inventory>,
    /// The workspace file (for a team workspace: its cache).
    pub file: LocalInventory,
    /// The team workspace (none for the local one): a sync tells it whether the server
    /// answers.
    pub team: Option<Arc<TeamInventory>>,
}

impl OpenWorkspace {
    /// Opens (creating and migrating when needed) the local workspace file. Blocks.
    pub fn local(path: &Path) -> Result<Self> {
        let file = LocalInventory::open(path)?;
        Ok(OpenWorkspace {
            source: Source::Local,
            inventory: Arc::new(file.clone()),
            file,
            team: None,
        })
    }

    /// Opens the cache of the team database that the profile `profile` connects to with
    /// `settings`, without the network: its edits queue until a sync finds the server.
    /// Blocks (opening the file migrates it).
    pub fn cached(profile: &str, settings: ConnectSettings) -> Result<Self> {
        let path = switchboard_sync::cache_path(&settings)?;
        let team = open_cached(settings, path)?;
        let file = team.file().ok_or_else(|| {
            switchboard_core::Error::Remote("the team workspace's cache is not open".into())
        })?;
        Ok(OpenWorkspace {
            source: Source::Team {
                profile: profile.to_owned(),
            },
            inventory: team.clone(),
            file,
            team: Some(team),
        })
    }

    /// `host:port/database` of a team workspace; none for the local one.
    pub fn server(&self) -> Option<String> {
        (self.team.as_ref()).map(|t| t.settings().server().to_owned())
    }

    /// The open profile's name; none for the local workspace.
    pub fn profile(&self) -> Option<&str> {
        match &self.source {
            Source::Local => None,
            Source::Team { profile } => Some(profile),
        }
    }

    /// The connection before any sync: none for the local workspace, not tried yet for a
    /// team workspace.
    pub fn connection(&self) -> Connection {
        match self.source {
            Source::Local => Connection::Local,
            Source::Team { .. } => Connection::Unknown,
        }
    }

    /// Which workspace this is, where, and (for a team workspace) its profile.
    pub fn info(&self) -> WorkspaceInfo {
        let profile = self.profile().map(str::to_owned);
        WorkspaceInfo {
            kind: if profile.is_some() { "team" } else { "local" }.into(),
            path: self.file.path().display().to_string(),
            profile,
        }
    }

    /// The offline edits the server did not take, with both versions.
    pub async fn conflicts(&self) -> Result<Vec<SyncConflict>> {
        let all = self.file.run(|ws| ws.conflicts()).await?;
        Ok(all.into_iter().map(Into::into).collect())
    }

    /// Keeps one version of a conflicting edit (mine: sent with the next sync; theirs: the
    /// edit is dropped); returns the conflict resolved.
    pub async fn resolve_conflict(&self, id: i64, keep: KeepVersion) -> Result<SyncConflict> {
        let resolved = self
            .file
            .run(move |ws| ws.resolve_conflict(id, keep.into()));
        Ok(resolved.await?.into())
    }
}
