//! Sync of a team workspace: the cache the app reads is brought up to date with the team
//! database by `switchboard_sync::sync` (replay the outbox, then pull the changes).
//!
//! Guarantees:
//! - **One sync at a time.** A request while a sync runs joins it (its caller waits for that
//!   sync and receives its progress); a request from an edit or from `sync_now` marks it to
//!   run once more afterwards, so an edit made during a sync is sent right after it, and a
//!   manager's "Sync now" ends with what the server held when it was asked (the running sync
//!   may have read the server before a co-worker's change).
//! - **When.** On opening a team workspace, every `syncIntervalSecs` (settings, default 60 s),
//!   after every edit, and on demand (`sync_now`, which streams progress through its
//!   `Channel`). `cancel_sync` stops the running sync at its next batch; what it committed
//!   stays.
//! - **State.** Every change of the connection state (online, offline, failed), the last
//!   sync, the outbox and conflict counts and the progress is emitted as `team://status`.
//!   Offline means the last attempt failed with `ErrorCode::Offline`; the cache stays readable
//!   and edits keep queueing.
//! - **Refresh.** When a sync changed rows, every organization's `numbers://{id}/changed` is
//!   emitted (also about once a second during a first copy), and `organizations://changed`
//!   when the set of organizations changed.
//! - Switching workspace cancels the running sync and stops the timer; a sync of the previous
//!   workspace never updates the new one's status (generations).
//! - The database password is read from the vault for each connection and goes only to the
//!   driver.

use std::sync::Mutex;
use std::time::Instant;

use switchboard_ops::sync::{CopyRefresh, Listeners, SyncRun, SyncSlot, Synced};
use switchboard_ops::workspace::OpenWorkspace;
use switchboard_sync::CancelToken;
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tokio::sync::watch;

use crate::dto::{Connection, SkippedRow, SyncProgress, TeamStatus, rfc3339};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::{ORGANIZATIONS_CHANGED, announce};
use crate::settings;
use crate::state::{AppState, Source, lock};

/// Event carrying the open workspace's [`TeamStatus`] whenever it changes.
pub const STATUS_EVENT: &str = "team://status";

/// Managed state: the open workspace's sync status, the running sync and the timer.
#[derive(Debug)]
pub struct SyncState {
    slot: SyncSlot<TeamStatus, Channel<SyncProgress>>,
    timer: Mutex<Option<JoinHandle<()>>>,
}

impl Default for SyncState {
    fn default() -> Self {
        SyncState {
            slot: SyncSlot::new(TeamStatus::local()),
            timer: Mutex::new(None),
        }
    }
}

impl SyncState {
    /// The open workspace's status.
    pub fn status(&self) -> TeamStatus {
        self.slot.status()
    }
}

fn emit_status<R: Runtime>(app: &AppHandle<R>, status: &TeamStatus) {
    if let Err(e) = app.emit(STATUS_EVENT, status) {
        tracing::warn!(error = %e, "could not emit the team status");
    }
}

/// Changes the status if `generation` is still the open workspace's, and announces it.
fn update<R: Runtime>(app: &AppHandle<R>, generation: u64, f: impl FnOnce(&mut TeamStatus)) {
    if let Some(status) = app.state::<SyncState>().slot.update(generation, f) {
        emit_status(app, &status);
    }
}

/// A new workspace is open: forget the previous one's sync and timer; for a team workspace
/// read the cache's standing, start the timer and sync now.
pub fn workspace_opened<R: Runtime>(app: &AppHandle<R>, opened: &OpenWorkspace) {
    let sync = app.state::<SyncState>();
    if let Some(timer) = lock(&sync.timer).take() {
        timer.abort();
    }
    let status = TeamStatus {
        profile: opened.profile().map(str::to_owned),
        server: opened.server(),
        connection: opened.connection(),
        ..TeamStatus::local()
    };
    let generation = sync.slot.reset(status.clone());
    emit_status(app, &status);
    if opened.source == Source::Local {
        return;
    }
    let timer = tauri::async_runtime::spawn(timer_loop(app.clone()));
    *lock(&sync.timer) = Some(timer);
    refresh_then_sync(app, generation, false);
}

/// Reads the cache's counts into the status of `generation`, then starts a sync (`again`: as
/// after an edit, see [`request`]).
fn refresh_then_sync<R: Runtime>(app: &AppHandle<R>, generation: u64, again: bool) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        refresh_counts(&app, generation).await;
        request(&app, None, again);
    });
}

async fn timer_loop<R: Runtime>(app: AppHandle<R>) {
    loop {
        let secs = settings::load(&app)
            .map(|s| s.sync_interval_secs)
            .unwrap_or(crate::dto::DEFAULT_SYNC_INTERVAL_SECS);
        tokio::time::sleep(switchboard_ops::sync::interval(secs)).await;
        request(&app, None, false);
    }
}

/// Reads the cache's last sync, outbox, conflicts and skipped rows into the status.
pub async fn refresh_counts<R: Runtime>(app: &AppHandle<R>, generation: u64) {
    let state = app.state::<AppState>();
    match state.run(|ws| switchboard_sync::status(ws)).await {
        Ok(s) => update(app, generation, |status| {
            status.last_synced_at = s.last_synced_at.map(rfc3339);
            status.outbox = s.outbox as u32;
            status.conflicts = s.conflicts as u32;
            status.skipped = s.skipped.iter().map(SkippedRow::from).collect();
        }),
        Err(e) => tracing::warn!(error = %e, "cannot read the cache's sync status"),
    }
}

/// Announces an edit of an organization's numbers (`ids`: which; empty: any), and sends what
/// it queued ([`after_edit`]).
pub(crate) fn edited<R: Runtime>(app: &AppHandle<R>, organization_id: &str, ids: Vec<String>) {
    announce(app, organization_id, ids);
    after_edit(app);
}

/// After an edit in a team workspace: count the outbox again and send it.
pub fn after_edit<R: Runtime>(app: &AppHandle<R>) {
    if matches!(app.state::<AppState>().source(), Source::Local) {
        return;
    }
    let generation = app.state::<SyncState>().slot.generation();
    refresh_then_sync(app, generation, true);
}

/// Starts a sync of the open team workspace, or joins the running one (`again`: run once more
/// after it). Returns what to wait on for its end; `None` when the local workspace is open.
pub fn request<R: Runtime>(
    app: &AppHandle<R>,
    listener: Option<Channel<SyncProgress>>,
    again: bool,
) -> Option<watch::Receiver<bool>> {
    if matches!(app.state::<AppState>().source(), Source::Local) {
        return None;
    }
    let (done, started) = app.state::<SyncState>().slot.request(listener, again);
    if let Some(run) = started {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                run_once(&app, run.generation, &run.cancel, &run.listeners).await;
                if !app.state::<SyncState>().slot.run_again(&run) {
                    break;
                }
            }
            run.finish();
        });
    }
    Some(done)
}

fn announce_numbers<'a, R: Runtime>(
    app: &AppHandle<R>,
    organizations: impl IntoIterator<Item = &'a uuid::Uuid>,
) {
    for id in organizations {
        announce(app, &id.to_string(), Vec::new());
    }
}

type Progress = Listeners<Channel<SyncProgress>>;

fn send_progress(listeners: &Progress, p: SyncProgress) {
    listeners.send(|l| l.send(p).is_ok());
}

async fn run_once<R: Runtime>(
    app: &AppHandle<R>,
    generation: u64,
    cancel: &CancelToken,
    listeners: &Progress,
) {
    // The team workspace being synced (another may be open by the time the sync ends).
    let opened = app.state::<AppState>().current();
    let Some(profile) = opened.profile() else {
        return;
    };
    let connecting = SyncProgress::CONNECTING;
    update(app, generation, |s| {
        s.syncing = true;
        s.progress = Some(connecting);
    });
    send_progress(listeners, connecting);
    let started = Instant::now();
    let outcome = attempt(app, profile, &opened, generation, cancel, listeners).await;
    match &outcome {
        Ok(o) => tracing::info!(
            profile,
            ms = started.elapsed().as_millis() as u64,
            report = ?o.report,
            "synced"
        ),
        Err(e) => {
            tracing::info!(profile, code = ?e.code, error = %e, "sync failed");
            // Edits queue until a sync reaches the server again.
            if let (ErrorCode::Offline, Some(team)) = (e.code, &opened.team) {
                team.go_offline().await;
            }
        }
    }
    refresh_counts(app, generation).await;
    update(app, generation, |s| {
        s.syncing = false;
        s.progress = None;
        s.last_attempt_at = Some(rfc3339(time::OffsetDateTime::now_utc()));
        match &outcome {
            Ok(o) => {
                s.connection = Connection::Online;
                s.last_error = None;
                s.warnings = o.warnings.clone();
            }
            Err(e) => {
                s.connection = if e.code == ErrorCode::Offline {
                    Connection::Offline
                } else {
                    Connection::Failed
                };
                s.last_error = Some(e.clone());
            }
        }
    });
    if let Ok(o) = outcome {
        if o.organizations_changed {
            let _ = app.emit(ORGANIZATIONS_CHANGED, ());
        }
        if o.rows_changed() {
            announce_numbers(app, &o.organizations);
        }
    }
}

async fn attempt<R: Runtime>(
    app: &AppHandle<R>,
    profile: &str,
    opened: &OpenWorkspace,
    generation: u64,
    cancel: &CancelToken,
    listeners: &Progress,
) -> AppResult<Synced> {
    let path = opened.file.path().to_owned();
    let team = opened.team.clone();
    let settings = settings::with_password(settings::saved_settings(profile)?, None).await?;
    let handle = tokio::runtime::Handle::current();
    let app = app.clone();
    let cancel = cancel.clone();
    let listeners = listeners.clone();
    tokio::task::spawn_blocking(move || -> AppResult<Synced> {
        let mut refresh = CopyRefresh::open(&path)?;
        let mut progress = move |p: switchboard_sync::Progress| {
            let p = SyncProgress::from(p);
            send_progress(&listeners, p);
            update(&app, generation, |s| s.progress = Some(p));
            if let Some((organizations, changed)) = refresh.check(&p) {
                if changed {
                    let _ = app.emit(ORGANIZATIONS_CHANGED, ());
                }
                announce_numbers(&app, organizations);
            }
        };
        let run = SyncRun {
            settings: &settings,
            cache: &path,
            options: Default::default(),
            team,
        };
        Ok(run.run(&handle, &mut |_| {}, &mut progress, &cancel)?)
    })
    .await?
}

/// The open workspace's connection, last sync, outbox and conflicts.
#[tauri::command]
#[tracing::instrument(skip(sync), err)]
pub async fn team_status(sync: State<'_, SyncState>) -> AppResult<TeamStatus> {
    Ok(sync.status())
}

/// Syncs the open team workspace now (a running sync is joined and run once more after it, so
/// what the server holds now is in the cache when this resolves), with its progress through
/// `on_progress`; resolves with the status after it. A failed sync is not a failed command:
/// its error is in the status (`lastError`, `connection`).
#[tauri::command]
#[tracing::instrument(skip(app, on_progress), err)]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    on_progress: Channel<SyncProgress>,
) -> AppResult<TeamStatus> {
    let Some(mut done) = request(&app, Some(on_progress), true) else {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "the local workspace has no server to sync with; open a team workspace",
        ));
    };
    let _ = done.wait_for(|finished| *finished).await;
    Ok(app.state::<SyncState>().status())
}

/// Stops the running sync at its next batch (what it committed stays). False when none runs.
#[tauri::command]
#[tracing::instrument(skip(sync), err)]
pub async fn cancel_sync(sync: State<'_, SyncState>) -> AppResult<bool> {
    Ok(sync.slot.cancel())
}
