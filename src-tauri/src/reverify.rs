//! Periodic re-verification: numbers that belong to a provider account are verified again in
//! the background once `verifyIntervalHours` (settings, default 24, 0 = off) have passed since
//! their last verification, so "last verified" stays fresh and a revoked credential or a
//! number that left its account shows up as `error` without anyone asking.
//!
//! Which numbers are due is core's rule (`Workspace::verification_due`); the verification is
//! the same as the Verify action's (`providers::reverify`), including what a network failure
//! does (nothing). A check runs a minute after start and then every [`CHECK_EVERY`]
//! ([`on_timer`]), verifying at most [`BATCH`] numbers per organization each time, least
//! recently verified first. When a check turns numbers to `error`, the manager is told once per
//! organization (`switchboard_ops::alerts::newly_in_error`, sent by [`crate::alerts`]).
//!
//! The same timer refreshes readiness: each account added on this device is refreshed once per
//! interval (`switchboard_ops::alerts::readiness_due`), its new alarms told at once. An account
//! whose provider's readiness is not read is left until the next interval, quietly.

use std::time::Duration;

use switchboard_ops::alerts;
use switchboard_ops::app_settings::verified_before;
use switchboard_ops::numbers_at_provider::verification_due;
use switchboard_ops::providers::client::ProviderFailure;
use switchboard_providers::ProviderError;
use tauri::{AppHandle, Manager, Runtime};
use time::OffsetDateTime;

use crate::alerts::ReadinessRefreshes;
use crate::error::AppResult;
use crate::state::AppState;

/// How long after start the background timer first checks.
const FIRST_CHECK: Duration = Duration::from_secs(60);

/// How often the background timer checks again.
const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// Numbers verified per organization and check, at most.
const BATCH: usize = 500;

/// Runs `check` on the app's background timer, on a task of its own: [`FIRST_CHECK`] after
/// start, then every [`CHECK_EVERY`] after the last check ended (re-verification here, the
/// usage refresh of `crate::usage_refresh`).
pub(crate) fn on_timer<R, F, Fut>(app: &AppHandle<R>, check: F)
where
    R: Runtime,
    F: Fn(AppHandle<R>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_CHECK).await;
        loop {
            check(app.clone()).await;
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}

/// Starts the background checks.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    on_timer(app, |app| async move {
        match check(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(numbers = n, "re-verified numbers"),
            Err(e) => tracing::warn!(error = %e.message, "periodic re-verification"),
        }
        match refresh_readiness(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "refreshed readiness"),
            Err(e) => tracing::warn!(error = %e.message, "periodic readiness refresh"),
        }
    });
}

/// Verifies what is due in every organization of the open workspace, telling the manager of
/// the numbers it turned to `error`; returns how many numbers were verified.
async fn check<R: Runtime>(app: &AppHandle<R>) -> AppResult<u32> {
    let hours = crate::settings::load(app)?.verify_interval_hours;
    let Some(before) = verified_before(hours, OffsetDateTime::now_utc()) else {
        return Ok(0);
    };
    let inventory = app.state::<AppState>().inventory();
    let mut verified = 0;
    for (org, due) in verification_due(&*inventory, before, BATCH).await? {
        let org = inventory.organization(&org.to_string()).await?;
        let ids: Vec<String> = due.iter().map(|n| n.id.to_string()).collect();
        let report = crate::providers::reverify(app, &org.id.to_string(), ids.clone()).await?;
        verified += report.succeeded;
        let after = crate::providers::records(&app.state(), &org.id.to_string(), &ids).await?;
        if let Some(alert) = alerts::newly_in_error(&org, &due, &after) {
            crate::alerts::raise(app, &alert);
        }
    }
    Ok(verified)
}

/// Refreshes the readiness of every account due (see the module's comment); returns how many
/// accounts were refreshed.
async fn refresh_readiness<R: Runtime>(app: &AppHandle<R>) -> AppResult<u32> {
    let hours = crate::settings::load(app)?.verify_interval_hours;
    let now = OffsetDateTime::now_utc();
    let Some(before) = verified_before(hours, now) else {
        return Ok(0);
    };
    let inventory = app.state::<AppState>().inventory();
    let refreshes = app.state::<ReadinessRefreshes>();
    let mut refreshed = 0;
    for account in refreshes.due(alerts::added_accounts(&*inventory).await?, before) {
        let (org, provider, id) = &account;
        match crate::accounts::refresh_and_tell(app, *org, (*provider, id)).await {
            Ok(_) => refreshed += 1,
            Err(e) if unsupported(&e) => {}
            Err(e) => {
                let e = crate::providers::failure(e);
                tracing::warn!(%provider, error = %e.message, "background readiness refresh");
            }
        }
        refreshes.done(account, now);
    }
    Ok(refreshed)
}

/// Whether the account's provider's readiness is not read (yet).
fn unsupported(e: &ProviderFailure) -> bool {
    matches!(e, ProviderFailure::Provider(p) if matches!(**p, ProviderError::Unsupported { .. }))
}
