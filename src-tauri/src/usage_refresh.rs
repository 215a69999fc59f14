//! Background refresh of usage with the re-verification timer: every organization's provider
//! accounts whose records were last pulled `verifyIntervalHours` (settings, default 24, 0 =
//! off) or longer ago are pulled again in the background, as the usage view's "Sync usage"
//! pulls them, so reports and health stay fresh without anyone asking.
//!
//! Which accounts are due, and the pull itself, are ops' (`switchboard_ops::usage::refresh_due`,
//! its rule `accounts_due`); this module only runs it on the re-verification timer
//! (`crate::reverify::on_timer`: a minute after start, then every 15 minutes). It never
//! overlaps a manual sync ([`UsageSyncs`]): a manual sync stops a background refresh under way
//! (what it kept stays kept, its cursors not moved) and waits for it to end, and a refresh does
//! not start while a manual sync runs. Failures are logged, never shown: a refresh that fails
//! is tried again at the next check. A refresh that added or completed records of an
//! organization announces it (`usage://{organizationId}/changed`,
//! [`crate::events::usage_changed_event`]) so that an open usage view reads its figures again;
//! one that changed nothing announces nothing.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use switchboard_ops::app_settings::verified_before;
use switchboard_ops::usage::{self, RefreshedAccount};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::{Mutex as AsyncMutex, MutexGuard};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::error::AppResult;
use crate::providers::failure;
use crate::state::AppState;

/// The usage syncs of the app, manual and background, one at a time.
#[derive(Debug, Default)]
pub struct UsageSyncs {
    /// Held by the sync that runs.
    running: AsyncMutex<()>,
    /// Cancels the background refresh under way, if one is.
    background: Mutex<Option<CancellationToken>>,
}

impl UsageSyncs {
    /// For a manual sync: stops the background refresh under way, if any, and waits until no
    /// other sync runs; the sync runs while the guard is held.
    pub async fn manual(&self) -> MutexGuard<'_, ()> {
        if let Some(token) = self.token().as_ref() {
            token.cancel();
        }
        self.running.lock().await
    }

    /// For a background refresh: `None` while another sync runs; else the guard to hold while
    /// it runs and the token a manual sync cancels it with.
    pub fn background(&self) -> Option<(MutexGuard<'_, ()>, CancellationToken)> {
        let guard = self.running.try_lock().ok()?;
        let token = CancellationToken::new();
        *self.token() = Some(token.clone());
        Some((guard, token))
    }

    fn token(&self) -> std::sync::MutexGuard<'_, Option<CancellationToken>> {
        self.background
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts the background checks (on the re-verification timer, [`crate::reverify::on_timer`]).
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    crate::reverify::on_timer(app, |app| async move {
        match check(&app).await {
            Ok(done) => log(done),
            Err(e) => tracing::warn!(error = %e.message, "background usage refresh"),
        }
    });
}

fn log(done: Vec<RefreshedAccount>) {
    for a in done {
        let (provider, account) = (a.account.provider, &a.account.account_id);
        match a.outcome {
            Ok(s) => tracing::info!(
                %provider, account, added = s.added, completed = s.completed,
                pending = s.pending, "usage refreshed in the background"
            ),
            Err(e) => {
                let e = failure(e);
                tracing::warn!(%provider, account, error = %e.message, "background usage refresh");
            }
        }
    }
}

/// The organizations whose records a refresh added or completed: those whose figures changed
/// (a pull that failed, or read only what was kept already, changed none).
pub fn organizations_changed(done: &[RefreshedAccount]) -> BTreeSet<Uuid> {
    (done.iter())
        .filter(|a| (a.outcome.as_ref()).is_ok_and(|s| s.added > 0 || s.completed > 0))
        .map(|a| a.account.organization_id)
        .collect()
}

/// One check: when the interval is on and no manual sync runs, pulls every organization's
/// accounts due in the open workspace (`usage::refresh_due`) and announces each organization
/// whose records changed ([`organizations_changed`]); what each did, empty when nothing was
/// due or the check did not run.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> AppResult<Vec<RefreshedAccount>> {
    let hours = crate::settings::load(app)?.verify_interval_hours;
    let Some(before) = verified_before(hours, time::OffsetDateTime::now_utc()) else {
        return Ok(Vec::new());
    };
    let syncs = app.state::<UsageSyncs>();
    let Some((_running, cancel)) = syncs.background() else {
        tracing::info!("background usage refresh skipped: a sync is running");
        return Ok(Vec::new());
    };
    // Not open yet (or it could not be opened): nothing to refresh.
    let Some(state) = app.try_state::<AppState>() else {
        return Ok(Vec::new());
    };
    let inventory = state.inventory();
    let vault = switchboard_ops::vault::native;
    let done = usage::refresh_due(&*inventory, vault, before, &cancel).await;
    *syncs.token() = None;
    let done = done.map_err(failure)?;
    for org in organizations_changed(&done) {
        let event = crate::events::usage_changed_event(&org.to_string());
        if let Err(e) = app.emit(&event, ()) {
            tracing::warn!(error = %e, "could not emit usage changed");
        }
    }
    Ok(done)
}
