//! Usage, cost and health in the app: the usage report of an organization over a range of
//! days, grouped by number, agent, provider or day (`switchboard_ops::usage::report`), one
//! number's usage per day and health (`switchboard_ops::usage::number_usage`), and the
//! usage sync that pulls the organization's call and message records from its providers
//! (`switchboard_ops::usage::sync`), with progress after each page kept and
//! [`crate::commands::cancel_task`] to stop it. Each command is one ops call; money stays per
//! currency, and pending prices stay pending, as ops reports them.

use switchboard_core::domain::E164;
use switchboard_core::usage::{DayRange, GroupBy, ReportRow};
use switchboard_ops::usage::{self, AccountSynced, SyncProgress};
use switchboard_ops::usage_csv;
use tauri::State;
use tauri::ipc::Channel;
use time::OffsetDateTime;

use crate::dto::{NumberUsageReport, UsageReport, parse_id};
use crate::error::AppResult;
use crate::providers::{ProviderTasks, failure};
use crate::state::AppState;
use crate::usage_refresh::UsageSyncs;

/// The organization's usage from `from` to `to` (`YYYY-MM-DD`, both included; `to` defaults
/// to today (UTC), `from` to the 30 days ending on `to`), grouped `by`; grouped by number,
/// each row carries the number's health, and `reasons` says why each number at risk is (ops'
/// words, the CSV's). Bad days are refused before anything is read.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn usage_report(
    state: State<'_, AppState>,
    organization_id: String,
    from: Option<String>,
    to: Option<String>,
    by: GroupBy,
) -> AppResult<UsageReport> {
    let org = parse_id("organization", &organization_id)?;
    let range = range_of(from, to)?;
    let inventory = state.inventory();
    let limits = Default::default();
    let rows = usage::report(inventory.usage()?, org, range, by, &limits).await?;
    let reasons = (rows.iter())
        .filter_map(|r| r.health.as_ref().map(|h| (r, usage_csv::reasons(h))))
        .filter(|(_, text)| !text.is_empty())
        .map(|(r, text)| (r.usage.key.clone(), text))
        .collect();
    Ok(UsageReport {
        from: range.from().to_string(),
        to: range.to().to_string(),
        by,
        rows,
        reasons,
    })
}

/// The days from `from` to `to` (`YYYY-MM-DD`; `to` defaults to today (UTC), `from` to the 30
/// days ending on `to`), as ops reads them.
fn range_of(from: Option<String>, to: Option<String>) -> AppResult<DayRange> {
    let day = |field: &str, d: Option<String>| d.map(|d| usage::parse_day(field, &d)).transpose();
    let (from, to) = (day("from", from)?, day("to", to)?);
    Ok(usage::report_range(
        from,
        to,
        OffsetDateTime::now_utc().date(),
    )?)
}

/// One number's usage from `from` to `to` (as [`usage_report`]'s days) and its health, with
/// why it is at risk in core's words (the detail panel's figures and chart): the number's
/// row of the report grouped by number, per day (`switchboard_ops::usage::number_usage`).
/// A number without records has none (zero calls, no cost); bad days or a bad number are
/// refused before anything is read.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn number_usage(
    state: State<'_, AppState>,
    organization_id: String,
    phone_number: String,
    from: Option<String>,
    to: Option<String>,
) -> AppResult<NumberUsageReport> {
    let org = parse_id("organization", &organization_id)?;
    let number: E164 = phone_number.parse()?;
    let range = range_of(from, to)?;
    let inventory = state.inventory();
    let limits = Default::default();
    let usage = usage::number_usage(inventory.usage()?, org, &number, range, &limits).await?;
    Ok(NumberUsageReport {
        reasons: usage_csv::reasons(&usage.health),
        usage,
    })
}

/// `rows` of a report grouped `by`, in the order given (the usage view's, costliest first), as
/// the CSV the CLI's `usage report --format csv` prints (`switchboard_ops::usage_csv`): the
/// text the view offers as a download.
#[tauri::command]
#[tracing::instrument(skip(rows), err)]
pub fn usage_report_csv(by: GroupBy, rows: Vec<ReportRow>) -> AppResult<String> {
    Ok(usage_csv::report_csv(&rows, by)?)
}

/// Pulls the organization's call and message records from each of its provider accounts (or
/// only `account_id`), each from its cursor, reporting progress after each page kept;
/// `cancel_task(task_id)` stops it (what was kept stays kept). An organization without
/// accounts pulls nothing: the answer is empty. A background refresh under way is stopped
/// first, and the sync starts once it has.
#[tauri::command]
#[tracing::instrument(skip(state, tasks, syncs, on_progress), err)]
pub async fn usage_sync(
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    syncs: State<'_, UsageSyncs>,
    task_id: String,
    organization_id: String,
    account_id: Option<String>,
    on_progress: Channel<SyncProgress>,
) -> AppResult<Vec<AccountSynced>> {
    let org = parse_id("organization", &organization_id)?;
    // Registered first, so a cancel while the vault or the inventory is read is not lost.
    tasks
        .running
        .run(&task_id, async |cancel| {
            // Never two at once: a background refresh under way stops (see `usage_refresh`).
            let _one_at_a_time = syncs.manual().await;
            let inventory = state.inventory();
            let vault = switchboard_ops::vault::native;
            let accounts = usage::accounts_to_sync(&*inventory, vault, org, account_id.as_deref());
            let accounts = accounts.await.map_err(failure)?;
            let progress = |p: &SyncProgress| {
                let _ = on_progress.send(p.clone());
            };
            let synced = usage::sync(inventory.usage()?, &accounts, None, &progress, &cancel);
            synced.await.map_err(failure)
        })
        .await
}
