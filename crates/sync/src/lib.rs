//! The offline cache of a team workspace: a local SQLite copy of everything this manager may
//! see in the team database, kept current by sync, readable and editable when the server is
//! unreachable.
//!
//! # Why
//!
//! Managers browse numbers on trains and during outages. The cache is the foundation's store
//! ([`Workspace`]), so searching it is as instant as the local workspace, and every read
//! command works on it unchanged.
//!
//! # Guarantees
//!
//! - **One cache per identity.** [`cache_path`] names one file per (server, database, role), by
//!   a hash of the three, in the OS data directory. Row-level security decides what the role
//!   sees, and only that is ever written to its file: switching role or server switches file,
//!   so nobody is shown another role's cached rows.
//! - **Crash-safe copy.** The first sync copies every visible row with `COPY … TO STDOUT`,
//!   per organization in E.164 order, in batches into the cache's staging table; each batch
//!   commits together with the progress that records it (the last number copied), so a
//!   killed or interrupted copy resumes after the last commit. When every organization is
//!   copied, one transaction moves the stage into the cache, building its indexes, search
//!   entries and counts in bulk (see `switchboard_core::store`'s stage). The file passes
//!   `PRAGMA integrity_check` at every point, and until the move the cache shows what it
//!   showed before (a `--full` copy replaces the old rows in the move's transaction).
//! - **Pruned change logs are noticed.** When the server has pruned change-log entries at or
//!   above this cache's cursor, the sync copies everything again instead of missing them.
//! - **Nothing missed, nothing lost to late commits.** Incremental sync reads the server's
//!   change log (`phone_numbers_changes`, filled by triggers, deletions included) from a
//!   transaction-id cursor: the xmin of the snapshot of the previous read. Every transaction
//!   below it had finished then, so none can add an entry behind the cursor; entries at or
//!   above it are read again next time and applied idempotently (the row's current state by
//!   id, or its deletion). The copy's cursor is taken before the copy starts, so changes made
//!   during a copy are applied afterwards.
//! - **Offline edits are never lost or applied twice.** They sit in the cache's outbox (see
//!   `switchboard_core::store`'s outbox), committed with the cached change. [`sync`] replays
//!   them first, in order, each in its own server transaction and each conditional on the
//!   server row's `updated_at` being the one the edit started from. An entry leaves the outbox
//!   only after the server answered; an edit whose answer was lost (the connection dropped
//!   after the server committed) is recognised on the next replay because the server row
//!   already holds exactly the edit.
//! - **Conflicts keep both versions.** A row changed or removed on the server since the edit's
//!   base, or a refused edit, becomes a conflict holding the manager's and the server's
//!   versions; nothing is overwritten until the manager resolves it.
//! - **One bad row stops nothing.** A server row core cannot read (a provider or status it
//!   does not know, a number that is not E.164, credentials that are not an object) is skipped
//!   and recorded in the cache with its id and the reason (its cached version, if any, leaves
//!   the cache); a key of its credentials holding a secret is dropped and the row kept and
//!   recorded. The rest of the copy or the changes apply and the cursor moves. [`status`]
//!   lists the records ([`SyncStatus::skipped`]); a row read cleanly later (fixed) or deleted
//!   leaves the list, and a full copy forgets what it no longer finds.
//! - **Every manager's usage records.** After the numbers, each cached organization's call and
//!   message records written since the cache's mark (by transaction id, as the change log is
//!   read) are kept in the cache by the store's own upsert, so its rollups and reports match
//!   (see `usage.rs`).
//! - **Offline is a state, not a failure of the cache.** Losing the server mid-sync returns
//!   [`Error::Offline`] with everything committed so far kept; the next sync resumes.

mod pull;
mod replay;
mod rows;
mod usage;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use sha2::{Digest, Sha256};
use switchboard_core::store::{CopyProgress, SkippedRow, Workspace};
use switchboard_core::{Error, Result};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use time::OffsetDateTime;
use tokio::runtime::Handle;

/// Environment variable that puts the cache files in another directory (tests, portable use).
pub const CACHE_DIR_ENV: &str = "SWITCHBOARD_CACHE_DIR";

/// Rows per committed batch of a full copy, by default.
pub const DEFAULT_BATCH_ROWS: usize = 5_000;

/// The cache file for a connection: `<data dir>/caches/cache-<hash>.db`, the hash being of the
/// server (host, port, database) and the login role. [`CACHE_DIR_ENV`] overrides the directory.
pub fn cache_path(settings: &ConnectSettings) -> Result<PathBuf> {
    let dir = match std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => directories::ProjectDirs::from("dev", "switchboard", "switchboard")
            .map(|d| d.data_dir().join("caches"))
            .ok_or_else(|| Error::InvalidInput {
                field: "cache".into(),
                reason: format!("no home directory; set {CACHE_DIR_ENV}"),
            })?,
    };
    let digest = Sha256::digest(format!("{}\n{}", settings.server(), settings.role()));
    let hash: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(dir.join(format!("cache-{hash}.db")))
}

/// Opens (creating) the cache of a connection.
pub fn open_cache(settings: &ConnectSettings) -> Result<Workspace> {
    Workspace::open(cache_path(settings)?)
}

/// What a sync is doing, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Replaying offline edits.
    Replay,
    /// Copying every row.
    Copy,
    /// Moving the complete copy into the cache and building its indexes (no row counts).
    Index,
    /// Applying changes since the last sync.
    Changes,
}

/// Progress of a sync: `done` of `total` (0 when not known yet) in `phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// What is being done.
    pub phase: Phase,
    /// Rows (or edits) done.
    pub done: u64,
    /// Rows (or edits) in all; 0 when unknown.
    pub total: u64,
}

/// Stops a sync between batches when cancelled; clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync to stop at the next batch boundary (what is committed stays).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Copy everything again, even when the cache is current.
    pub full: bool,
    /// Rows per committed batch of the copy.
    pub batch_rows: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            full: false,
            batch_rows: DEFAULT_BATCH_ROWS,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Offline edits the server took.
    pub replayed: u64,
    /// Offline edits that became conflicts.
    pub conflicts: u64,
    /// Rows copied by a full copy.
    pub copied: u64,
    /// Rows inserted or updated from the change log.
    pub changed: u64,
    /// Rows deleted from the change log.
    pub deleted: u64,
    /// Call and message records (any manager's) read from the server into the cache.
    pub usage_records: u64,
    /// Rows this sync could not hold (not in the cache) or held only without a secret in
    /// their credentials; [`SyncStatus::skipped`] lists them.
    pub skipped: u64,
    /// Stopped by the cancel token before the end.
    pub cancelled: bool,
    /// The server had pruned change-log entries this cache had not read yet, so it copied
    /// everything again.
    pub recopied_after_pruning: bool,
    /// When the cache was last complete and current.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_synced_at: Option<OffsetDateTime>,
}

/// Where a cache stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The cache file.
    pub path: String,
    /// `host:port/database` it mirrors (once synced).
    pub server: Option<String>,
    /// The role it mirrors (once synced).
    pub role: Option<String>,
    /// When it was last complete and current.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_synced_at: Option<OffsetDateTime>,
    /// The first full copy has completed.
    pub copied: bool,
    /// Rows copied so far of an unfinished copy, and its total.
    pub copy_done: u64,
    /// Rows in all of an unfinished copy.
    pub copy_total: u64,
    /// Numbers in the cache.
    pub numbers: u64,
    /// Offline edits waiting.
    pub outbox: u64,
    /// Unresolved conflicts.
    pub conflicts: u64,
    /// Rows of the team database the cache could not hold as the server has them: not in the
    /// cache, or (`kept`) in it without the secret their credentials held. Each has its id and
    /// the reason, never a secret's value; a row fixed or deleted on the server leaves the list
    /// with the sync that sees it.
    pub skipped: Vec<SkippedRow>,
}

pub(crate) const KEY_CURSOR: &str = "cursor_xid";
pub(crate) const KEY_LAST_SYNCED: &str = "last_synced_at";
pub(crate) const KEY_COPIED: &str = "copied";
/// Set while a `--full` copy is staged: its move replaces the organizations' cached rows.
pub(crate) const KEY_REPLACE: &str = "copy_replaces";
/// When the full copy under way started (microseconds): skipped rows it does not find again
/// are forgotten when it is moved in.
pub(crate) const KEY_COPY_STARTED: &str = "copy_started_at";
pub(crate) const KEY_SERVER: &str = "server";
pub(crate) const KEY_ROLE: &str = "role";

/// When the cache was last complete and current (`None`: never).
pub fn last_synced_at(cache: &Workspace) -> Result<Option<OffsetDateTime>> {
    cache
        .sync_value(KEY_LAST_SYNCED)?
        .and_then(|v| v.parse::<i64>().ok())
        .map(|v| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
                .map_err(|e| Error::Remote(format!("bad last_synced_at in the cache: {e}")))
        })
        .transpose()
}

/// Where the cache stands.
pub fn status(cache: &Workspace) -> Result<SyncStatus> {
    let copy: Vec<CopyProgress> = cache.copy_progress()?;
    Ok(SyncStatus {
        path: cache.path().display().to_string(),
        server: cache.sync_value(KEY_SERVER)?,
        role: cache.sync_value(KEY_ROLE)?,
        last_synced_at: last_synced_at(cache)?,
        copied: cache.sync_value(KEY_COPIED)?.as_deref() == Some("1"),
        copy_done: copy.iter().map(|c| c.rows_done).sum(),
        copy_total: copy.iter().map(|c| c.rows_total).sum(),
        numbers: cache.number_total()?,
        outbox: cache.outbox()?.len() as u64,
        conflicts: cache.conflicts()?.len() as u64,
        skipped: cache.skipped_rows()?,
    })
}

/// A runtime for [`sync`]'s handle: multi-threaded (one worker), because a current-thread
/// runtime's [`Handle::block_on`] cannot drive I/O.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            path: "async runtime".into(),
            source,
        })
}

/// Brings the cache up to date with the team database: replays the outbox, then copies
/// everything (first time, `--full`, or an unfinished copy) and applies the changes since the
/// last sync. `handle` runs the database I/O: a multi-thread runtime's (see [`runtime`]);
/// call from outside it (e.g. a blocking task). `progress` is called after every committed
/// batch.
///
/// Returns [`Error::Offline`] when the server is lost; what was committed stays and the next
/// sync resumes. A cancelled sync returns `Ok` with [`SyncReport::cancelled`].
pub fn sync(
    handle: &Handle,
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
    options: &SyncOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
    cancel: &CancelToken,
) -> Result<SyncReport> {
    sync_on(handle, remote, cache, options, progress, cancel, &|| {})
}

/// [`sync`], running `between` after the change log was read and before it is applied: for
/// tests that make another client's write land in that window, as it can in real use.
#[doc(hidden)]
pub fn sync_interleaved(
    handle: &Handle,
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
    options: &SyncOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
    cancel: &CancelToken,
    between: &(dyn Fn() + Sync),
) -> Result<SyncReport> {
    sync_on(handle, remote, cache, options, progress, cancel, between)
}

/// Mirrors the organizations the role sees into the cache, as a sync's first step does (new
/// ones are queued for copying by the next sync once the first copy is done; ones no longer
/// visible are removed with their rows), without copying any number. For what the cache keeps
/// per organization on this device before its next sync: the accounts added to it
/// (`switchboard-cli accounts add --database-url`). `handle` as for [`sync`].
pub fn mirror_organizations(
    handle: &Handle,
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
) -> Result<()> {
    let mut quiet = |_: Progress| {};
    let cancel = CancelToken::new();
    pull::Pull {
        handle,
        remote,
        cache,
        batch_rows: 1,
        progress: &mut quiet,
        cancel: &cancel,
        skipped: 0,
        between: &|| {},
    }
    .organizations()
}

fn sync_on(
    handle: &Handle,
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
    options: &SyncOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
    cancel: &CancelToken,
    between: &(dyn Fn() + Sync),
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    if cache.sync_value(KEY_SERVER)?.is_none() {
        let mut r = cache.replica()?;
        r.set_value(KEY_SERVER, Some(remote.server()))?;
        r.set_value(KEY_ROLE, Some(remote.role()))?;
        r.commit()?;
    }
    let (replayed, conflicts) = replay::replay(handle, remote, cache, progress, cancel)?;
    report.replayed = replayed;
    report.conflicts = conflicts;
    if cancel.is_cancelled() {
        report.cancelled = true;
        return Ok(report);
    }
    let mut pull = pull::Pull {
        handle,
        remote,
        cache,
        batch_rows: options.batch_rows.max(1),
        progress,
        cancel,
        skipped: 0,
        between,
    };
    pull.organizations()?;
    let pruned = pull.cursor_pruned()?;
    report.recopied_after_pruning = pruned;
    let copied = pull.cache.sync_value(KEY_COPIED)?.as_deref() == Some("1");
    let copying = !pull.cache.copy_progress()?.is_empty();
    if options.full || pruned || (!copied && !copying) {
        pull.start_copy(options.full || pruned)?;
    }
    report.copied = pull.copy()?;
    if cancel.is_cancelled() {
        report.skipped = pull.skipped;
        report.cancelled = true;
        return Ok(report);
    }
    let (changed, deleted) = pull.changes()?;
    report.skipped = pull.skipped;
    report.changed = changed;
    report.deleted = deleted;
    report.usage_records = usage::pull(handle, remote, cache, cancel)?;
    report.cancelled = cancel.is_cancelled();
    report.last_synced_at = last_synced_at(cache)?;
    Ok(report)
}
