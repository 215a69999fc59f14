//! The commands the UI invokes. Each unpacks its arguments, runs one action of
//! `switchboard-ops` on the open workspace's inventory, and maps the result; writes then announce themselves with a typed event
//! (`numbers://{organizationId}/changed`) so every view of that organization refreshes.

use switchboard_core::domain::check_name;
use switchboard_core::store::NumberRef;
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Runtime, State};

use switchboard_core::usage::HealthState;
use switchboard_ops::{Written, actions, agents, undo, usage};

use crate::dto::{
    self, Agent, AgentRemoval, BulkReport, NewNumber, NumberChange, NumberCheck, NumberFilter,
    NumberPage, NumberQuery, Organization, Orphans, PhoneNumber, Progress, SeedReport, Settings,
    WorkspaceInfo, parse_id,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::{ORGANIZATIONS_CHANGED, announce};
use crate::settings;
use crate::state::{AppState, Source};
use crate::sync::edited;

/// The organization seeded by [`seed_demo`].
pub const DEMO_ORG: &str = "demo";

/// Which workspace is open.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn workspace_info(state: State<'_, AppState>) -> AppResult<WorkspaceInfo> {
    Ok(state.current().info())
}

/// Every organization.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_organizations(state: State<'_, AppState>) -> AppResult<Vec<Organization>> {
    Ok(state.inventory().organizations().await?)
}

/// Creates an organization (in a team workspace: on the server, which must answer).
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn add_organization<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    slug: String,
    name: String,
) -> AppResult<Organization> {
    let org = state.inventory().add_organization(&slug, &name).await?;
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
    Ok(state.inventory().agents(org).await?)
}

/// Creates an agent (in a team workspace: on the server, which must answer).
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn add_agent(
    state: State<'_, AppState>,
    organization_id: String,
    name: String,
) -> AppResult<Agent> {
    let org = parse_id("organization", &organization_id)?;
    let name = check_name("agent name", &name)?;
    Ok(state.inventory().add_agent(org, &name).await?)
}

/// Renames an agent (in a team workspace: on the server, which must answer).
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn rename_agent(
    state: State<'_, AppState>,
    organization_id: String,
    agent_id: String,
    name: String,
) -> AppResult<Agent> {
    let org = parse_id("organization", &organization_id)?;
    let id = parse_id("agent", &agent_id)?;
    Ok(state.inventory().rename_agent(org, id, &name).await?)
}

/// Removes an agent; its numbers stay, unassigned (the answer says how many), and the table
/// is told they changed.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn remove_agent<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
    agent_id: String,
) -> AppResult<AgentRemoval> {
    let org = parse_id("organization", &organization_id)?;
    parse_id("agent", &agent_id)?;
    let removal = agents::remove(&*state.inventory(), org, &agent_id).await?;
    edited(&app, &organization_id, Vec::new());
    Ok(removal)
}

/// The orphan report: numbers with no agent, agents with no number, every agent's count.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn agent_orphans(
    state: State<'_, AppState>,
    organization_id: String,
) -> AppResult<Orphans> {
    let org = parse_id("organization", &organization_id)?;
    Ok(agents::orphans(&*state.inventory(), org).await?)
}

/// One page of numbers.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_numbers(state: State<'_, AppState>, query: NumberQuery) -> AppResult<NumberPage> {
    let q = query.into_core()?;
    Ok(state.inventory().list_numbers(&q).await?.into())
}

/// The exact number of numbers a filter matches. With `task_id`, `cancel_task(task_id)` stops
/// the count at once, even mid-scan (the numbers table stops its count when a newer query
/// makes it useless), and it fails as `Cancelled`.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn count_numbers(
    state: State<'_, AppState>,
    filter: NumberFilter,
    task_id: Option<String>,
) -> AppResult<f64> {
    let f = filter.into_core()?;
    let inventory = state.inventory();
    // f64: exact up to 2^53, and a plain `number` in TypeScript.
    let Some(task_id) = task_id else {
        return Ok(inventory.count_numbers(&f).await? as f64);
    };
    let counted = (state.tasks)
        .run(&task_id, async |cancel| {
            inventory.count_numbers_until(&f, &cancel).await
        })
        .await?;
    counted.map(|n| n as f64).ok_or_else(|| {
        AppError::new(
            ErrorCode::Cancelled,
            "the count was stopped before it finished",
        )
    })
}

/// The health of `numbers` (E.164; the rows of a loaded page of the numbers table, at most
/// 1,000) over the 7 UTC days ending today, in their order: one ops call
/// (`switchboard_ops::usage::health_of`), judged exactly as the usage report and `numbers list
/// --health` judge them; a number without calls has insufficient data.
#[tauri::command]
#[tracing::instrument(skip(state, numbers), err)]
pub async fn number_health(
    state: State<'_, AppState>,
    organization_id: String,
    numbers: Vec<String>,
) -> AppResult<Vec<switchboard_ops::usage::NumberHealth>> {
    let org = parse_id("organization", &organization_id)?;
    let numbers = (numbers.iter())
        .map(|n| switchboard_core::domain::E164::parse(n, None))
        .collect::<switchboard_core::Result<Vec<_>>>()?;
    let today = time::OffsetDateTime::now_utc().date();
    let inventory = state.inventory();
    let limits = Default::default();
    Ok(switchboard_ops::usage::health_of(inventory.usage()?, org, numbers, today, &limits).await?)
}

/// One page of the numbers whose health over the 7 UTC days ending today is `health` (the
/// table's Health filter): one ops call (`switchboard_ops::usage::numbers_page_by_health`),
/// judged as `number_health` and `numbers list --health` judge them.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_numbers_by_health(
    state: State<'_, AppState>,
    query: NumberQuery,
    health: HealthState,
) -> AppResult<NumberPage> {
    let (q, by) = (query.into_core()?, usage::ByHealth::today(health));
    let inventory = state.inventory();
    let page = usage::numbers_page_by_health(&*inventory, &q, by).await?;
    Ok(page.into())
}

/// How many numbers a filter matches whose health is `health` (the count under the table's
/// Health filter): one ops call (`switchboard_ops::usage::count_numbers_by_health`).
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn count_numbers_by_health(
    state: State<'_, AppState>,
    filter: NumberFilter,
    health: HealthState,
) -> AppResult<f64> {
    let (f, by) = (filter.into_core()?, usage::ByHealth::today(health));
    let inventory = state.inventory();
    let n = usage::count_numbers_by_health(&*inventory, &f, by).await?;
    Ok(n as f64)
}

/// One number by id.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn get_number(state: State<'_, AppState>, id: String) -> AppResult<PhoneNumber> {
    let r = NumberRef::Id(parse_id("number", &id)?);
    Ok(state.inventory().number(&r, None).await?.into())
}

/// Parses a number as typed (inline validation in the add dialog).
#[tauri::command]
#[tracing::instrument(err)]
pub async fn check_number(number: String, region: Option<String>) -> AppResult<NumberCheck> {
    Ok(actions::check_number(&number, region.as_deref())?)
}

/// Runs an edit of one number, announces it (see [`edited`]), and returns the number.
async fn edit_one<R: Runtime>(
    app: &AppHandle<R>,
    edit: impl Future<Output = switchboard_core::Result<Written>>,
) -> AppResult<PhoneNumber> {
    Ok(announced(app, edit.await?))
}

/// Announces a number's edit (see [`edited`]); returns the number.
fn announced<R: Runtime>(app: &AppHandle<R>, written: Written) -> PhoneNumber {
    let n = written.number;
    edited(app, &n.organization_id.to_string(), vec![n.id.to_string()]);
    n.into()
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
    edit_one(&app, actions::add_number(&*state.inventory(), org, input)).await
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
    let workspace = state.current();
    let (written, undo) = undo::update_number(&*workspace.inventory, &r, None, &update).await?;
    state.keep_undo(&workspace, undo);
    Ok(announced(&app, written))
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
    let workspace = state.current();
    let (written, undo) = undo::remove_number(&*workspace.inventory, &r, None).await?;
    state.keep_undo(&workspace, Some(undo));
    Ok(announced(&app, written))
}

/// Undoes the last edit or removal of a number made in this window since the app started
/// (`switchboard_ops::undo`): the number as the undo leaves it. Refused, changing nothing, when
/// there is none or someone changed the number since; an undo that failed for a reason that
/// may pass (the server away, a busy workspace) stays to be tried again.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn undo_last<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<PhoneNumber> {
    let (workspace, last) = state.take_undo()?;
    match undo::undo(&*workspace.inventory, &last).await {
        Ok(written) => Ok(announced(&app, written)),
        Err(e) => {
            if undo::may_retry(&e) {
                state.return_undo(&workspace, last);
            }
            Err(e.into())
        }
    }
}

/// Applies the same changes to many numbers (the checked rows), in chunks as a change of
/// every matching number goes, reporting progress through `on_progress` after each chunk and
/// stopping between chunks when [`cancel_task`] names `task_id`
/// (`switchboard_ops::actions::bulk_update`).
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
    let inventory = state.inventory();
    let report = (state.tasks)
        .run(&task_id, async |cancel| {
            actions::bulk_update(&*inventory, org, ids, &update, &cancel, |p| {
                let _ = on_progress.send(p);
            })
            .await
        })
        .await;
    edited(&app, &organization_id, Vec::new());
    Ok(report)
}

/// Applies the same changes to every number `filter` matches — the table's whole selection
/// when the manager selects all that match, not only the loaded rows — in chunks, reporting
/// progress through `on_progress` and stopping between chunks when [`cancel_task`] names
/// `task_id` (`switchboard_ops::actions::update_matching`).
#[tauri::command]
#[tracing::instrument(skip(state, app, on_progress), err)]
pub async fn update_matching<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    task_id: String,
    filter: NumberFilter,
    changes: Vec<NumberChange>,
    on_progress: Channel<Progress>,
) -> AppResult<BulkReport> {
    let organization_id = filter.organization_id.clone();
    let (filter, update) = (filter.into_core()?, dto::into_update(&changes)?);
    let inventory = state.inventory();
    let report = (state.tasks)
        .run(&task_id, async |cancel| {
            actions::update_matching(&*inventory, &filter, &update, &cancel, |p| {
                let _ = on_progress.send(p);
            })
            .await
        })
        .await;
    edited(&app, &organization_id, Vec::new());
    Ok(report?)
}

/// Asks a running bulk task (or provider task) to stop after the number it is on; true when one
/// ran. A cancel that arrives before its task has started is kept, and stops the task as soon
/// as it starts under that id (`switchboard_ops::tasks::Registry::start`).
#[tauri::command]
#[tracing::instrument(skip(state, provider_tasks), err)]
pub async fn cancel_task(
    state: State<'_, AppState>,
    provider_tasks: State<'_, crate::providers::ProviderTasks>,
    task_id: String,
) -> AppResult<bool> {
    Ok(state.tasks.cancel(&task_id) | provider_tasks.cancel(&task_id))
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
    Ok(report)
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
