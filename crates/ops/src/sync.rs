//! Syncing a team workspace's cache, as both shells run it (`switchboard-cli sync`, the app's
//! background and on-demand sync): open the cache, connect, run `switchboard_sync::sync`,
//! then hand the connection to the open team workspace (its edits go to the server from then
//! on) or close it. Also the shapes a sync's progress, its skipped rows and a conflict's
//! resolution take over IPC.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard_core::Result;
use switchboard_core::store::{Keep, Workspace};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_sync::{Phase, SyncOptions, SyncReport};
use tokio::runtime::Handle;
use uuid::Uuid;

use crate::{Cancel, TeamInventory};

mod slot;

pub use slot::{Listeners, Started, SyncSlot};

/// What a sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SyncPhase {
    /// Connecting and checking the role and schema.
    Connect,
    /// Sending offline edits.
    Replay,
    /// Copying every row (first sync).
    Copy,
    /// Moving a complete copy into the cache and building its indexes.
    Index,
    /// Applying the changes since the last sync.
    Changes,
}

/// Progress of a sync, sent through a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// What is being done.
    pub phase: SyncPhase,
    /// Rows (or edits) done.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Rows (or edits) in all; 0 when not known.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

impl SyncProgress {
    /// Connecting: the first step of every sync.
    pub const CONNECTING: SyncProgress = SyncProgress {
        phase: SyncPhase::Connect,
        done: 0,
        total: 0,
    };

    /// What to tell the manager: `copying: 10 of 20`, or `applying changes: 3` when the total
    /// is not known.
    pub fn line(&self) -> String {
        let phase = match self.phase {
            SyncPhase::Connect => "connecting",
            SyncPhase::Replay => "replaying offline edits",
            SyncPhase::Copy => "copying",
            SyncPhase::Index => "indexing the copy",
            SyncPhase::Changes => "applying changes",
        };
        if self.total > 0 {
            format!("{phase}: {} of {}", self.done, self.total)
        } else {
            format!("{phase}: {}", self.done)
        }
    }
}

impl From<switchboard_sync::Progress> for SyncProgress {
    fn from(p: switchboard_sync::Progress) -> Self {
        SyncProgress {
            phase: match p.phase {
                Phase::Replay => SyncPhase::Replay,
                Phase::Copy => SyncPhase::Copy,
                Phase::Index => SyncPhase::Index,
                Phase::Changes => SyncPhase::Changes,
            },
            done: p.done,
            total: p.total,
        }
    }
}

/// A row of the team database that the sync left out of the cache (or kept without the secret
/// its credentials held), with why; `sync status` lists the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SkippedRow {
    /// The row's id.
    pub number_id: String,
    /// Its number as the server holds it.
    pub phone_number: Option<String>,
    /// Why, e.g. `invalid status: "suspended" is not one of active, inactive, error`.
    pub reason: String,
    /// In the cache without the secret; false: not in the cache.
    pub kept: bool,
}

impl From<&switchboard_core::store::SkippedRow> for SkippedRow {
    fn from(r: &switchboard_core::store::SkippedRow) -> Self {
        SkippedRow {
            number_id: r.skip.number_id.to_string(),
            phone_number: r.skip.phone_number.clone(),
            reason: r.skip.reason.clone(),
            kept: r.skip.kept,
        }
    }
}

impl SkippedRow {
    /// The row as `sync status` lists it: `ID NUMBER (kept without it): REASON`.
    pub fn line(&self) -> String {
        let what = if self.kept {
            "kept without it"
        } else {
            "not in the cache"
        };
        format!(
            "{} {} ({what}): {}",
            self.number_id,
            self.phone_number.as_deref().unwrap_or("-"),
            self.reason
        )
    }
}

/// Which version of a conflicting edit to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum KeepVersion {
    /// The manager's offline edit: sent again with the next sync.
    Mine,
    /// The server's version: the offline edit is dropped.
    Theirs,
}

impl From<KeepVersion> for Keep {
    fn from(k: KeepVersion) -> Self {
        match k {
            KeepVersion::Mine => Keep::Mine,
            KeepVersion::Theirs => Keep::Theirs,
        }
    }
}

/// The ids of the organizations a cache holds.
pub fn organization_ids(ws: &Workspace) -> Result<BTreeSet<Uuid>> {
    Ok(ws.organizations()?.into_iter().map(|o| o.id).collect())
}

/// How often a first copy's views are refreshed while it runs.
const COPY_REFRESH: Duration = Duration::from_secs(1);

/// A first copy takes a while: the views follow the cache as its batches commit, about once
/// a second, through a second connection to the cache.
#[derive(Debug)]
pub struct CopyRefresh {
    reader: Workspace,
    seen: BTreeSet<Uuid>,
    last: Instant,
}

impl CopyRefresh {
    /// Opens the cache at `path` and reads the organizations it holds before the sync.
    pub fn open(path: &Path) -> Result<Self> {
        let reader = Workspace::open(path)?;
        Ok(CopyRefresh {
            seen: organization_ids(&reader)?,
            reader,
            last: Instant::now(),
        })
    }

    /// After `progress`: during a copy, at most once a second, the organizations the cache
    /// holds now and whether that set changed; `None` when the views need no refresh yet.
    pub fn check(&mut self, progress: &SyncProgress) -> Option<(&BTreeSet<Uuid>, bool)> {
        if progress.phase != SyncPhase::Copy || self.last.elapsed() < COPY_REFRESH {
            return None;
        }
        self.last = Instant::now();
        let now = organization_ids(&self.reader).ok()?;
        let changed = now != self.seen;
        self.seen = now;
        Some((&self.seen, changed))
    }
}

/// One sync of a team database's cache.
#[derive(Debug)]
pub struct SyncRun<'a> {
    /// How to connect (with the password, when one is known).
    pub settings: &'a ConnectSettings,
    /// The cache file.
    pub cache: &'a Path,
    /// Full copy or changes, batch size.
    pub options: SyncOptions,
    /// The open team workspace: once the server answered, its edits go to the server.
    pub team: Option<Arc<TeamInventory>>,
}

/// What a sync that reached the server did.
#[derive(Debug)]
pub struct Synced {
    /// The sync's report.
    pub report: SyncReport,
    /// The schema check's warnings at connect.
    pub warnings: Vec<String>,
    /// The organizations the cache holds after it.
    pub organizations: BTreeSet<Uuid>,
    /// Whether the set of organizations changed.
    pub organizations_changed: bool,
}

impl Synced {
    /// Whether the sync changed rows of the cache (its views need a reload).
    pub fn rows_changed(&self) -> bool {
        let r = &self.report;
        r.copied + r.changed + r.deleted + r.replayed + r.conflicts + r.usage_records > 0
    }
}

impl SyncRun<'_> {
    /// Opens the cache (creating it), connects (`connected` is given the schema check's
    /// warnings), syncs with `progress` after every committed batch, and stops at the next
    /// batch once `cancel` is. `handle` is a multi-thread runtime's; call from outside it.
    /// Returns [`switchboard_core::Error::Offline`] when the server cannot be reached.
    pub fn run(
        self,
        handle: &Handle,
        connected: &mut dyn FnMut(&[String]),
        progress: &mut (dyn FnMut(switchboard_sync::Progress) + Send),
        cancel: &Cancel,
    ) -> Result<Synced> {
        let mut cache = Workspace::open(self.cache)?;
        let remote = handle.block_on(RemoteWorkspace::connect(self.settings))?;
        let warnings = remote.warnings().to_vec();
        connected(&warnings);
        let synced = (|| {
            let before = organization_ids(&cache)?;
            let report = switchboard_sync::sync(
                handle,
                &remote,
                &mut cache,
                &self.options,
                progress,
                cancel,
            )?;
            let organizations = organization_ids(&cache)?;
            Ok(Synced {
                report,
                warnings,
                organizations_changed: before != organizations,
                organizations,
            })
        })();
        match (&synced, self.team) {
            (Ok(_), Some(team)) => handle.block_on(team.go_online(remote)),
            _ => handle.block_on(remote.close()),
        }
        synced
    }
}

/// Shortest and longest interval between background syncs, in seconds.
pub const SYNC_INTERVAL_RANGE: std::ops::RangeInclusive<u32> = 5..=3600;

/// Refuses an interval between background syncs out of [`SYNC_INTERVAL_RANGE`], naming the
/// value and the range.
pub fn check_interval(secs: u32) -> Result<()> {
    let range = SYNC_INTERVAL_RANGE;
    if range.contains(&secs) {
        return Ok(());
    }
    Err(switchboard_core::Error::InvalidInput {
        field: "sync interval".into(),
        reason: format!(
            "{secs} s is not between {} and {} s",
            range.start(),
            range.end()
        ),
    })
}

/// The interval between background syncs `secs` asks for, brought into
/// [`SYNC_INTERVAL_RANGE`].
pub fn interval(secs: u32) -> Duration {
    let secs = secs.clamp(*SYNC_INTERVAL_RANGE.start(), *SYNC_INTERVAL_RANGE.end());
    Duration::from_secs(u64::from(secs))
}
