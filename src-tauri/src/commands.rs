//! The commands the UI invokes. Each unpacks its arguments, makes one call into core on the
//! blocking pool, and maps the result; writes then announce themselves with a typed event
//! (`numbers://{organizationId}/changed`) so every view of that organization refreshes.

use std::sync::atomic::Ordering;

use switchboard_core::domain::{E164, check_name};
use switchboard_core::store::NumberRef;
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::dto::{
    self, Agent, BulkFailure, BulkReport, NewNumber, NumberChange, NumberCheck, NumberFilter,
    NumberPage, NumberQuery, NumbersChanged, Organization, PhoneNumber, Progress, SeedReport,
    Settings, WorkspaceInfo, parse_id,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::{AppState, Source};
use crate::{settings, sync, team};

/// The organization seeded by [`seed_demo`].
pub const DEMO_ORG: &str = "demo";

/// Event name announcing that numbers of an organization changed.
pub fn numbers_changed_event(organization_id: &str) -> String {
    format!("numbers://{organization_id}/changed")
}

/// Event name announcing that the list of organizations changed.
pub const ORGANIZATIONS_CHANGED: &str = "organizations://changed";

pub(crate) fn announce<R: Runtime>(app: &AppHandle<R>, organization_id: &str, ids: Vec<String>) {
    let payload = NumbersChanged {
        organization_id: organization_id.to_owned(),
        ids,
    };
    if let Err(e) = app.emit(&numbers_changed_event(organization_id), payload) {
        tracing::warn!(error = %e, "could not emit numbers changed");
    }
}

/// Which workspace is open.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn workspace_info(state: State<'_, AppState>) -> AppResult<WorkspaceInfo> {
    Ok(crate::team::workspace_info(&state))
}

/// Every organization.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_organizations(state: State<'_, AppState>) -> AppResult<Vec<Organization>> {
    let orgs = state.run(|ws| ws.organizations()).await?;
    Ok(orgs.into_iter().map(Into::into).collect())
}

/// Creates an organization.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn add_organization<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    slug: String,
    name: String,
) -> AppResult<Organization> {
    let org = match state.source() {
        Source::Local => state
            .run(move |ws| ws.add_organization(&slug, &name))
            .await?
            .into(),
        Source::Team { profile } => team::add_organization(&app, &profile, &slug, &name).await?,
    };
    let _ = app.emit(ORGANIZATIONS_CHANGED, ());
    Ok(org)
}

/// The agents of an organization.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_agents(
    state: State<'_, AppState>,
    organization_id: String,
) -> AppResult<Vec<Agent>> {
    let org = parse_id("organization", &organization_id)?;
    let agents = state.run(move |ws| ws.agents(org)).await?;
    Ok(agents.into_iter().map(Into::into).collect())
}

/// Creates an agent.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn add_agent<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
    name: String,
) -> AppResult<Agent> {
    let org = parse_id("organization", &organization_id)?;
    let name = check_name("agent name", &name)?;
    match state.source() {
        Source::Local => Ok(state.run(move |ws| ws.add_agent(org, &name)).await?.into()),
        Source::Team { profile } => team::add_agent(&app, &profile, org, &name).await,
    }
}

/// One page of numbers.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_numbers(state: State<'_, AppState>, query: NumberQuery) -> AppResult<NumberPage> {
    let q = query.into_core()?;
    Ok(state.run(move |ws| ws.list_numbers(&q)).await?.into())
}

/// The exact number of numbers a filter matches.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn count_numbers(state: State<'_, AppState>, filter: NumberFilter) -> AppResult<f64> {
    let f = filter.into_core()?;
    // f64: exact up to 2^53, and a plain `number` in TypeScript.
    Ok(state.count(move |ws| ws.count_numbers(&f)).await? as f64)
}

/// One number by id.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn get_number(state: State<'_, AppState>, id: String) -> AppResult<PhoneNumber> {
    let r = NumberRef::Id(parse_id("number", &id)?);
    Ok(state.run(move |ws| ws.number(&r, None)).await?.into())
}

/// Parses a number as typed (inline validation in the add dialog).
#[tauri::command]
#[tracing::instrument(err)]
pub async fn check_number(number: String, region: Option<String>) -> AppResult<NumberCheck> {
    let region = region.filter(|r| !r.trim().is_empty());
    Ok(E164::parse(&number, region.as_deref())?.into())
}

/// Adds a number to an organization.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn add_number<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
    number: NewNumber,
) -> AppResult<PhoneNumber> {
    let org = parse_id("organization", &organization_id)?;
    let input = number.into_core()?;
    let added = state
        .write(move |ws, writes| {
            let valid = input.validate()?;
            writes.add_number(ws, org, valid)
        })
        .await?;
    announce(&app, &organization_id, vec![added.id.to_string()]);
    sync::after_edit(&app);
    Ok(added.into())
}

/// Applies changes to one number, in one transaction.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn update_number<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    changes: Vec<NumberChange>,
) -> AppResult<PhoneNumber> {
    let r = NumberRef::Id(parse_id("number", &id)?);
    let update = dto::into_update(&changes)?;
    let n = state
        .write(move |ws, writes| writes.update_number(ws, &r, None, &update))
        .await?;
    announce(&app, &n.organization_id.to_string(), vec![id]);
    sync::after_edit(&app);
    Ok(n.into())
}

/// Removes a number.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn remove_number<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<PhoneNumber> {
    let r = NumberRef::Id(parse_id("number", &id)?);
    let n = state
        .write(move |ws, writes| writes.remove_number(ws, &r, None))
        .await?;
    announce(&app, &n.organization_id.to_string(), vec![id]);
    sync::after_edit(&app);
    Ok(n.into())
}

/// Applies the same changes to many numbers, one transaction per number, reporting progress
/// through `on_progress` and stopping early when [`cancel_task`] names `task_id`.
///
/// Core has no bulk update yet (see the report in docs/APP.md); until it does, this loops over
/// core's single-number update on the blocking pool.
#[tauri::command]
#[tracing::instrument(skip(state, app, on_progress, ids), fields(count = ids.len()), err)]
pub async fn bulk_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    task_id: String,
    organization_id: String,
    ids: Vec<String>,
    changes: Vec<NumberChange>,
    on_progress: Channel<Progress>,
) -> AppResult<BulkReport> {
    let org = parse_id("organization", &organization_id)?;
    let update = dto::into_update(&changes)?;
    let cancelled = state.start_task(&task_id);
    let report = state
        .write(move |ws, writes| {
            let total = ids.len() as u64;
            let mut report = BulkReport {
                updated: 0,
                failed: Vec::new(),
                cancelled: false,
            };
            for (i, id) in ids.into_iter().enumerate() {
                if cancelled.load(Ordering::SeqCst) {
                    report.cancelled = true;
                    break;
                }
                let result = parse_id("number", &id).and_then(|key| {
                    writes
                        .update_number(ws, &NumberRef::Id(key), Some(org), &update)
                        .map_err(Into::into)
                });
                match result {
                    Ok(_) => report.updated += 1,
                    Err(error) => report.failed.push(BulkFailure { id, error }),
                }
                let done = i as u64 + 1;
                if done % 25 == 0 || done == total {
                    let _ = on_progress.send(Progress { done, total });
                }
            }
            Ok(report)
        })
        .await;
    state.end_task(&task_id);
    announce(&app, &organization_id, Vec::new());
    sync::after_edit(&app);
    report
}

/// Asks a running bulk task (or provider task) to stop after the number it is on.
#[tauri::command]
#[tracing::instrument(skip(state, provider_tasks), err)]
pub async fn cancel_task(
    state: State<'_, AppState>,
    provider_tasks: State<'_, crate::providers::ProviderTasks>,
    task_id: String,
) -> AppResult<bool> {
    Ok(state.cancel_task(&task_id)? | provider_tasks.cancel(&task_id))
}

/// Seeds the demo organization (created when missing) with `count` realistic numbers,
/// reporting progress through `on_progress`. All or nothing.
#[tauri::command]
#[tracing::instrument(skip(state, app, on_progress), err)]
pub async fn seed_demo<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    count: u32,
    on_progress: Channel<Progress>,
) -> AppResult<SeedReport> {
    if state.source() != Source::Local {
        return Err(AppError::new(
            ErrorCode::NotAllowed,
            "demo data goes into the local workspace only; a team workspace shows what the \
             team database holds",
        ));
    }
    let report = state
        .run(move |ws| {
            switchboard_core::seed::seed(ws, DEMO_ORG, u64::from(count), |done, total| {
                let _ = on_progress.send(Progress { done, total });
            })
        })
        .await?;
    let _ = app.emit(ORGANIZATIONS_CHANGED, ());
    announce(&app, &report.organization.id.to_string(), Vec::new());
    Ok(report.into())
}

/// The app's settings.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn get_settings<R: Runtime>(app: AppHandle<R>) -> AppResult<Settings> {
    settings::load(&app)
}

/// Replaces the app's preferences. Connection profiles and the open workspace are kept as
/// stored: they change only through their own commands (`save_profile`, `open_workspace`…).
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn save_settings<R: Runtime>(app: AppHandle<R>, settings: Settings) -> AppResult<()> {
    settings::save_preferences(&app, settings)
}

/// The UI calls this once, when the numbers table (or the first-run screen) has painted. It
/// logs the time since the process started; with `SWITCHBOARD_EXIT_ON_PAINT=1` (the startup
/// benchmark, scripts/bench-app.sh) it also prints the wall-clock time and exits.
#[tauri::command]
#[tracing::instrument(skip(app), err)]
pub async fn startup_painted<R: Runtime>(app: AppHandle<R>, what: String) -> AppResult<f64> {
    let ms = crate::started().elapsed().as_secs_f64() * 1000.0;
    tracing::info!(what, ms, "first paint");
    if std::env::var_os("SWITCHBOARD_EXIT_ON_PAINT").is_some() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        println!(
            "painted {what} unix_ns={} since_start_ms={ms:.1}",
            now.as_nanos()
        );
        app.exit(0);
    }
    Ok(ms)
}
