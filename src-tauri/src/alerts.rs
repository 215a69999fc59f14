//! Telling the manager: what `switchboard_ops::alerts` decided is sent as an OS notification
//! (tauri-plugin-notification, from Rust only: the web view is granted no notification
//! permission) and as the event [`crate::events::ALERT`], which the window shows as a toast that opens the
//! numbers concerned. Sending never fails the work that raised the alert: a desktop without a
//! notification service (a bare X server, a CI runner) only logs it.
//!
//! Also the organizations' alarm badges ([`alarm_counts`]).

use std::collections::HashMap;
use std::sync::Mutex;

use switchboard_ops::alerts::{self, AddedAccount, Alert, OrgAlarms};
use tauri::{AppHandle, Emitter, Runtime, State};
use tauri_plugin_notification::NotificationExt;
use time::OffsetDateTime;

use crate::error::AppResult;
use crate::state::AppState;

/// Tells the manager `alert`: the window's event, then the OS notification (on a blocking
/// thread: the desktop's notification service may be slow to answer, or absent).
pub fn raise<R: Runtime>(app: &AppHandle<R>, alert: &Alert) {
    if let Err(e) = app.emit(crate::events::ALERT, alert) {
        tracing::warn!(error = %e, "could not emit the alert");
    }
    let notification = app
        .notification()
        .builder()
        .title(&alert.title)
        .body(&alert.body);
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = notification.show() {
            tracing::warn!(error = %e, "no OS notification (the window still shows the alert)");
        }
    });
}

/// How many numbers of each organization are under a readiness alarm (numbers being ported
/// away, or ported out): the organizations' badges.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn alarm_counts(state: State<'_, AppState>) -> AppResult<Vec<OrgAlarms>> {
    let inventory = state.inventory();
    Ok(alerts::alarm_counts(&*inventory).await?)
}

/// When each account's readiness was last refreshed in the background (or found not to be
/// refreshable), for [`alerts::readiness_due`]. Kept while the app runs: after a restart, every
/// account is refreshed once at the first check.
#[derive(Debug, Default)]
pub struct ReadinessRefreshes(Mutex<HashMap<AddedAccount, OffsetDateTime>>);

impl ReadinessRefreshes {
    /// The accounts of `accounts` due, as of `before`.
    pub fn due(&self, accounts: Vec<AddedAccount>, before: OffsetDateTime) -> Vec<AddedAccount> {
        let last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        alerts::readiness_due(accounts, &last, before)
    }

    /// Records that `account` was refreshed (or tried) at `at`.
    pub fn done(&self, account: AddedAccount, at: OffsetDateTime) {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        last.insert(account, at);
    }
}
