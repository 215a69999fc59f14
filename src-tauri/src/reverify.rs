//! Periodic re-verification: numbers that belong to a provider account are verified again in
//! the background once `verifyIntervalHours` (settings, default 24, 0 = off) have passed since
//! their last verification, so "last verified" stays fresh and a revoked credential or a
//! number that left its account shows up as `error` without anyone asking.
//!
//! Which numbers are due is core's rule (`Workspace::verification_due`); the verification is
//! the same as the Verify action's (`providers::reverify`), including what a network failure
//! does (nothing). A check runs a minute after start and then every [`CHECK_EVERY`], verifying
//! at most [`BATCH`] numbers per organization each time, least recently verified first.

use std::time::Duration;

use switchboard_ops::app_settings::verified_before;
use switchboard_ops::numbers_at_provider::verification_due;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::AppResult;
use crate::state::AppState;

/// How often the app looks for numbers due.
const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// Numbers verified per organization and check, at most.
const BATCH: usize = 500;

/// Starts the background checks.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            match check(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(numbers = n, "re-verified numbers"),
                Err(e) => tracing::warn!(error = %e.message, "periodic re-verification"),
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}

/// Verifies what is due in every organization of the open workspace; returns how many numbers.
async fn check<R: Runtime>(app: &AppHandle<R>) -> AppResult<u32> {
    let hours = crate::settings::load(app)?.verify_interval_hours;
    let Some(before) = verified_before(hours, time::OffsetDateTime::now_utc()) else {
        return Ok(0);
    };
    let inventory = app.state::<AppState>().inventory();
    let mut verified = 0;
    for (org, due) in verification_due(&*inventory, before, BATCH).await? {
        let ids = due.iter().map(|n| n.id.to_string()).collect();
        let report = crate::providers::reverify(app, &org.to_string(), ids).await?;
        verified += report.succeeded;
    }
    Ok(verified)
}
