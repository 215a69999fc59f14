//! The provider commands: the import wizard, verify, webhooks (plan, set, drift), bulk
//! re-pointing and verification, and Twilio's search, buy and release.
//!
//! Every provider call goes through `switchboard-providers` (its clients and flows) with the
//! secret read from this device's vault at the moment of the call
//! ([`switchboard_providers::account::connect`], the same as the CLI's). Base URLs follow
//! `SWITCHBOARD_<PROVIDER>_API_URL`, so tests aim the app at the local fakes. What holds:
//! - **The record follows the provider**: a webhook URL is recorded only after the provider
//!   confirmed it (`flows::webhook_update`); verification results are recorded by
//!   `flows::verification_update` (a network failure changes nothing).
//! - **Plans before changes**: the import preview (new / present / different) before importing,
//!   the webhook plan (which object, shared by how many) before setting; a shared object is
//!   changed only with `allow_shared`.
//! - **Costly or destructive calls carry a confirmation naming the number** (`buy_number`,
//!   `release_number`) and are sent once.
//! - Long work reports progress through a `Channel` and stops when [`crate::commands::cancel_task`]
//!   names its task (numbers in flight finish, so the report stays true).
//! - **A number uses only an account added to its own organization**
//!   (`switchboard_core::store::AddedAccounts`, from the open workspace: the local file or the
//!   team database's cache): otherwise a bulk action reports it skipped with the reason, and a
//!   single action, an import or a purchase is refused (`NotAllowed`); nothing is sent.

use switchboard_core::domain::{self as core, E164, Provider as CoreProvider};
use switchboard_core::store::NumberRef;
use switchboard_ops::numbers_at_provider::{
    self as at_provider, BulkAction, Failed, provider_report,
};
use switchboard_ops::providers::client::{self, ProviderFailure};
use switchboard_ops::providers::import::{self, KeptPreviews};
use switchboard_ops::tasks::Tasks;
use switchboard_ops::webhooks::{self, check_change, policy, webhook_change};
use switchboard_providers::flows::{self, BulkOptions, Changes};
use switchboard_providers::model::{Confirmed, WebhookChange};
use switchboard_providers::{ProviderClient, account};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tokio_util::sync::CancellationToken;

use crate::dto::{
    AvailableNumber, AvailableSearch, BulkWebhookPlan, DriftSummary, DriftView, ImportPreview,
    ImportReport, ListingProgress, PhoneNumber, Progress, Provider, ProviderReport, VerifyPlan,
    WebhookPlanView, WebhookResult, parse_id,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::announce;

use crate::state::AppState;

/// Managed state of the provider commands: cancel tokens of running tasks and the listings
/// of recent import previews.
#[derive(Debug, Default)]
pub struct ProviderTasks {
    pub(crate) running: Tasks,
    previews: KeptPreviews,
}

impl ProviderTasks {
    /// Cancels a running task; false when no task has this id yet (the cancel is then kept for
    /// a task starting under it: [`Tasks::cancel`]).
    pub fn cancel(&self, id: &str) -> bool {
        self.running.cancel(id)
    }
}

/// A provider action's failure as the app says it.
pub(crate) fn failure(f: ProviderFailure) -> AppError {
    match f {
        ProviderFailure::Core(e) => e.into(),
        ProviderFailure::Provider(e) => AppError::from_provider(&e),
        ProviderFailure::NotAdded(e) => switchboard_core::Error::from(e).into(),
        ProviderFailure::NoAccount(number) => {
            AppError::new(ErrorCode::InvalidInput, at_provider::no_account(&number))
        }
        ProviderFailure::NoSecret {
            provider,
            account_id,
        } => AppError::new(
            ErrorCode::CredentialsNotOnDevice,
            format!(
                "credentials not on this device for {provider} account {account_id}; add the \
                 account (with its {}) under Provider accounts",
                account::secret_name(provider).to_lowercase()
            ),
        ),
        ProviderFailure::Cancelled(message) => AppError::new(ErrorCode::Cancelled, message),
    }
}

/// A client for an account, with its secret from this device's vault.
pub async fn connect(provider: CoreProvider, account_id: &str) -> AppResult<ProviderClient> {
    let vault = switchboard_ops::vault::native()?;
    client::connect(&vault, provider, account_id)
        .await
        .map_err(failure)
}

async fn record(state: &AppState, id: &str) -> AppResult<core::PhoneNumber> {
    let r = NumberRef::Id(parse_id("number", id)?);
    Ok(state.inventory().number(&r, None).await?)
}

/// The client of the account a record uses, provided it was added to the record's
/// organization.
async fn client_of(state: &AppState, n: &core::PhoneNumber) -> AppResult<ProviderClient> {
    let vault = switchboard_ops::vault::native;
    let found = client::number_client(&*state.inventory(), vault, n).await;
    Ok(found.map_err(failure)?.1)
}

/// Lists what an account owns and compares it with the organization: the import wizard's
/// preview (`switchboard_ops::providers::import::preview`). Progress after each page;
/// `cancel_task(task_id)` stops the listing (nothing is imported). The listing is kept for
/// [`import_numbers`] under the returned `previewId`.
#[tauri::command]
#[tracing::instrument(skip(state, tasks, on_progress, account_id), fields(account_id = tracing::field::Empty), err)]
pub async fn import_preview(
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    provider: Provider,
    account_id: String,
    on_progress: Channel<ListingProgress>,
) -> AppResult<ImportPreview> {
    let org = parse_id("organization", &organization_id)?;
    let account_id = crate::dto::checked_account_id(provider, &account_id)?;
    // A task first, so a cancel while the vault or the inventory is read is not lost.
    let preview = tasks
        .running
        .run(&task_id, async |cancel| {
            let vault = switchboard_ops::vault::native()?;
            let report = sender(&on_progress);
            let account = (provider, account_id.as_str());
            let inventory = state.inventory();
            let listed = import::preview(&*inventory, &vault, org, account, &report, &cancel);
            listed.await.map_err(failure)
        })
        .await?;
    tasks.previews.keep(org, preview.clone());
    Ok(preview)
}

/// Imports the chosen new numbers of a preview into its organization (credentials by
/// reference to the account) and refreshes the chosen "different" ones from the provider's
/// data, as `switchboard_ops::providers::import::import` does on every store: chunks of 100
/// numbers, progress after each, `cancel_task(task_id)` stops between chunks. A number that
/// cannot be added (e.g. added meanwhile: `Duplicate`) is reported and the others still are.
#[tauri::command]
#[tracing::instrument(skip(app, state, tasks, on_progress, phone_numbers, refresh), fields(count = phone_numbers.len(), refresh = refresh.len()), err)]
#[allow(clippy::too_many_arguments)]
pub async fn import_numbers<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    preview_id: String,
    phone_numbers: Vec<String>,
    refresh: Vec<String>,
    on_progress: Channel<Progress>,
) -> AppResult<ImportReport> {
    // Imported numbers are no longer new: a second import must list again.
    let Some((org, preview)) = tasks.previews.take(&preview_id) else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "this preview is no longer kept; list the account's numbers again",
        ));
    };
    let (plan, unknown) = import::choose(&preview, &phone_numbers, &refresh);
    let progress = sender(&on_progress);
    let inventory = state.inventory();
    let mut report = tasks
        .running
        .run(&task_id, async |cancel| {
            import::import(&*inventory, org, plan, &progress, &cancel).await
        })
        .await;
    announce(&app, &org.to_string(), Vec::new());
    crate::sync::after_edit(&app);
    tracing::info!(provider = %preview.provider, account_id = preview.account_id, "imported from a provider");
    report.failed.splice(0..0, unknown);
    Ok(report)
}

/// Runs `action` over the numbers `ids` of an organization account by account
/// (`switchboard_ops::numbers_at_provider::provider_report`: one client each, secrets from the
/// vault, at most 16 requests in flight per account), and records what each provider confirmed
/// as soon as its account is done. Numbers without an account, whose account was not added to
/// the organization, or whose account's secret is not on this device, are reported as skipped
/// with the reason. The report is in the order of `ids`. A cancel stops the reading of the
/// records too ([`with_task`]).
async fn run_bulk<R: Runtime>(
    (app, state): (&AppHandle<R>, &AppState),
    (tasks, task_id): (&ProviderTasks, &str),
    (organization_id, ids): (&str, &[String]),
    action: BulkAction,
    on_progress: &Channel<Progress>,
) -> AppResult<ProviderReport> {
    let inventory = state.inventory();
    let report = with_task(tasks, task_id, async |options| {
        let numbers = read_records(state, organization_id, ids, &options.cancel).await?;
        let progress = sender(on_progress);
        let run = (bulk_connect, &options);
        let report = provider_report(&*inventory, numbers, action, run, &progress, no_client);
        Ok(report.await?)
    })
    .await?;
    announce(app, organization_id, Vec::new());
    crate::sync::after_edit(app);
    Ok(report)
}

/// The numbers `ids` of an organization, in one trip to the open file.
pub(crate) async fn records(
    state: &AppState,
    organization_id: &str,
    ids: &[String],
) -> AppResult<Vec<core::PhoneNumber>> {
    read_records(state, organization_id, ids, &CancellationToken::new()).await
}

/// [`records`], for a task: the reading stops (number by number) when `cancel` fires, with
/// [`cancelled_reading`].
async fn read_records(
    state: &AppState,
    organization_id: &str,
    ids: &[String],
    cancel: &CancellationToken,
) -> AppResult<Vec<core::PhoneNumber>> {
    let org = parse_id("organization", organization_id)?;
    let keys = ids
        .iter()
        .map(|id| parse_id("number", id))
        .collect::<AppResult<Vec<_>>>()?;
    let stop = cancel.clone();
    let read = state.run(move |ws| {
        let mut found = Vec::with_capacity(keys.len());
        for k in &keys {
            if stop.is_cancelled() {
                return Ok(None);
            }
            found.push(ws.number(&NumberRef::Id(*k), Some(org))?);
        }
        Ok(Some(found))
    });
    until_cancelled(cancel, read)
        .await?
        .ok_or_else(cancelled_reading)
}

/// `read` (a task's numbers) unless `cancel` fires first: the read is then dropped, which
/// stops it (the local file's reader at its next batch, a query to the team database at
/// once), with [`cancelled_reading`].
async fn until_cancelled<T>(
    cancel: &CancellationToken,
    read: impl Future<Output = AppResult<T>>,
) -> AppResult<T> {
    (cancel.run_until_cancelled(read).await).unwrap_or_else(|| Err(cancelled_reading()))
}

/// A task cancelled while its numbers were read: nothing was asked of any provider.
fn cancelled_reading() -> AppError {
    AppError::new(
        ErrorCode::Cancelled,
        "cancelled while the numbers were read; nothing was sent",
    )
}

/// Verifies `ids` of an organization in the background (periodic re-verification): the same
/// work as [`verify_numbers`], with no progress channel to report to.
pub async fn reverify<R: Runtime>(
    app: &AppHandle<R>,
    organization_id: &str,
    ids: Vec<String>,
) -> AppResult<ProviderReport> {
    let tasks = app.state::<ProviderTasks>();
    let quiet = Channel::new(|_| Ok(()));
    let verify = BulkAction::Verify;
    let task = (&*tasks, "periodic-reverification");
    let app = (app, &*app.state::<AppState>());
    run_bulk(app, task, (organization_id, &ids), verify, &quiet).await
}

/// Verifies numbers with their providers: each must still belong to its account, with working
/// credentials. Success sets last verified; a refusal sets status error with the provider's
/// reason; anything else changes nothing. A per-number report, in the order of `ids`.
#[tauri::command]
#[tracing::instrument(skip(app, state, tasks, on_progress, ids), fields(count = ids.len()), err)]
pub async fn verify_numbers<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    ids: Vec<String>,
    on_progress: Channel<Progress>,
) -> AppResult<ProviderReport> {
    let task = (&*tasks, task_id.as_str());
    let verify = BulkAction::Verify;
    let selection = (organization_id.as_str(), ids.as_slice());
    run_bulk((&app, &state), task, selection, verify, &on_progress).await
}

/// Re-points the webhooks of many numbers to the same URL(s). Numbers whose change would touch
/// an object shared with other numbers fail (and are left as they were) unless
/// `allow_shared`. The record follows what each provider confirmed.
#[tauri::command]
// The URLs are not recorded on the span: a query string or user info may hold a token.
#[tracing::instrument(skip(app, state, tasks, on_progress, ids, voice_url, sms_url), fields(count = ids.len()), err)]
#[allow(clippy::too_many_arguments)]
pub async fn bulk_set_webhooks<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    ids: Vec<String>,
    voice_url: Option<String>,
    sms_url: Option<String>,
    allow_shared: bool,
    on_progress: Channel<Progress>,
) -> AppResult<ProviderReport> {
    let change = webhook_change(voice_url, sms_url);
    check_change(&change)?;
    let policy = policy(allow_shared);
    let action = BulkAction::Webhooks(flows::SetWebhooks {
        change: change.into(),
        policy,
    });
    let task = (&*tasks, task_id.as_str());
    let selection = (organization_id.as_str(), ids.as_slice());
    run_bulk((&app, &state), task, selection, action, &on_progress).await
}

/// What verifying `ids` of an organization will ask, before asking: the accounts, how many
/// numbers each, how many requests, and the numbers not sent with why. Sends nothing.
#[tauri::command]
#[tracing::instrument(skip(state, ids), fields(count = ids.len()), err)]
pub async fn plan_verify(
    state: State<'_, AppState>,
    organization_id: String,
    ids: Vec<String>,
) -> AppResult<VerifyPlan> {
    let numbers = records(&state, &organization_id, &ids).await?;
    let words = at_provider::app_words(no_client);
    Ok(at_provider::verify_plan(&*state.inventory(), numbers, &words).await?)
}

/// Task `task_id` ([`switchboard_ops::tasks::Registry::run`]) with its bulk options. `work`
/// reads its numbers itself, stopping when cancelled ([`read_records`], [`until_cancelled`]).
async fn with_task<T, F, Fut>(tasks: &ProviderTasks, task_id: &str, work: F) -> AppResult<T>
where
    F: FnOnce(BulkOptions) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    tasks
        .running
        .run(task_id, |cancel| {
            work(BulkOptions {
                concurrency: flows::DEFAULT_CONCURRENCY,
                cancel,
            })
        })
        .await
}

/// An account's client, for a bulk action's `connect`.
async fn bulk_connect(provider: CoreProvider, account_id: String) -> AppResult<ProviderClient> {
    connect(provider, &account_id).await
}

/// Progress reports sent to `on_progress` (a closed channel is ignored).
fn sender<P: tauri::ipc::IpcResponse + Send + Sync>(
    on_progress: &Channel<P>,
) -> impl Fn(P) + Send + Sync + '_ {
    |p| {
        let _ = on_progress.send(p);
    }
}

/// Why an account had no client, for a bulk action's report.
fn no_client(e: &AppError) -> String {
    e.message.clone()
}

/// Plans a bulk webhook change of `ids` (`change`: the same URLs, or a repair's URLs on
/// record): each provider is asked which objects it writes; nothing changes.
async fn plan_change(
    state: &AppState,
    (tasks, task_id): (&ProviderTasks, &str),
    (organization_id, ids): (&str, &[String]),
    (change, allow_shared): (Changes, bool),
    on_progress: &Channel<Progress>,
) -> AppResult<BulkWebhookPlan> {
    let inventory = state.inventory();
    with_task(tasks, task_id, async |options| {
        let numbers = read_records(state, organization_id, ids, &options.cancel).await?;
        let progress = sender(on_progress);
        let run = (bulk_connect, &options);
        let how = (change, policy(allow_shared));
        let words = at_provider::app_words(no_client);
        let plan = webhooks::webhook_plan(&*inventory, numbers, how, run, &progress, &words);
        Ok(plan.await?)
    })
    .await
}

/// The plan of [`bulk_set_webhooks`] with the same arguments: per account, the numbers that
/// change, the objects other numbers share that are written (and how many numbers share
/// each), what the shared policy refuses. Progress after each number; `cancel_task(task_id)`
/// stops it. Changes nothing.
#[tauri::command]
#[tracing::instrument(skip(state, tasks, on_progress, ids, voice_url, sms_url), fields(count = ids.len()), err)]
#[allow(clippy::too_many_arguments)]
pub async fn plan_bulk_webhooks(
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    ids: Vec<String>,
    voice_url: Option<String>,
    sms_url: Option<String>,
    allow_shared: bool,
    on_progress: Channel<Progress>,
) -> AppResult<BulkWebhookPlan> {
    let change = webhook_change(voice_url, sms_url);
    check_change(&change)?;
    let task = (&*tasks, task_id.as_str());
    let how = (Changes::Same(change), allow_shared);
    plan_change(&state, task, (&organization_id, &ids), how, &on_progress).await
}

/// Compares the webhooks at the provider with the URLs on record for `ids` of an
/// organization, or for all its numbers when `ids` is null: in sync, differing per channel,
/// unknown (nothing on record, no account), errors. Progress after each number checked;
/// `cancel_task(task_id)` stops it (the report covers the numbers checked). Changes nothing.
#[tauri::command]
#[tracing::instrument(skip(state, tasks, on_progress, ids), err)]
pub async fn check_drift(
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    ids: Option<Vec<String>>,
    on_progress: Channel<Progress>,
) -> AppResult<DriftSummary> {
    let inventory = state.inventory();
    with_task(&tasks, &task_id, async |options| {
        let cancel = &options.cancel;
        let numbers = match ids {
            Some(ids) => read_records(&state, &organization_id, &ids, cancel).await?,
            None => {
                let org = parse_id("organization", &organization_id)?;
                let read = switchboard_ops::providers::organization_numbers(&*inventory, org);
                until_cancelled(cancel, async { Ok(read.await?) }).await?
            }
        };
        let progress = sender(&on_progress);
        let run = (bulk_connect, &options);
        let summary = webhooks::drift_summary(&*inventory, numbers, run, &progress, no_client);
        Ok(summary.await?)
    })
    .await
}

/// The plan of [`repair_webhooks`]: setting each of `ids` back to the URLs on record.
/// Changes nothing.
#[tauri::command]
#[tracing::instrument(skip(state, tasks, on_progress, ids), fields(count = ids.len()), err)]
pub async fn plan_repair(
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    ids: Vec<String>,
    allow_shared: bool,
    on_progress: Channel<Progress>,
) -> AppResult<BulkWebhookPlan> {
    let task = (&*tasks, task_id.as_str());
    let how = (Changes::Recorded, allow_shared);
    plan_change(&state, task, (&organization_id, &ids), how, &on_progress).await
}

/// Repairs drift: sets the URLs on record at the provider for `ids` (those with a URL on
/// record; the drifted numbers of a [`check_drift`]), as [`bulk_set_webhooks`] sets a URL
/// (a shared object only with `allow_shared`; the record follows what the provider confirms).
#[tauri::command]
#[tracing::instrument(skip(app, state, tasks, on_progress, ids), fields(count = ids.len()), err)]
#[allow(clippy::too_many_arguments)]
pub async fn repair_webhooks<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    tasks: State<'_, ProviderTasks>,
    task_id: String,
    organization_id: String,
    ids: Vec<String>,
    allow_shared: bool,
    on_progress: Channel<Progress>,
) -> AppResult<ProviderReport> {
    let change = Changes::Recorded;
    let policy = policy(allow_shared);
    let action = BulkAction::Webhooks(flows::SetWebhooks { change, policy });
    let task = (&*tasks, task_id.as_str());
    let selection = (organization_id.as_str(), ids.as_slice());
    run_bulk((&app, &state), task, selection, action, &on_progress).await
}

/// A number's record, its account's client and the change asked for, once checked.
async fn webhook_target(
    state: &AppState,
    id: &str,
    voice_url: Option<String>,
    sms_url: Option<String>,
) -> AppResult<(core::PhoneNumber, ProviderClient, WebhookChange)> {
    let change = webhook_change(voice_url, sms_url);
    check_change(&change)?;
    let n = record(state, id).await?;
    let client = client_of(state, &n).await?;
    Ok((n, client, change))
}

/// The writes setting a number's webhooks would make: which object holds each URL, how many
/// numbers share it, from → to. Changes nothing.
#[tauri::command]
#[tracing::instrument(skip(state, voice_url, sms_url), err)]
pub async fn plan_webhooks(
    state: State<'_, AppState>,
    id: String,
    voice_url: Option<String>,
    sms_url: Option<String>,
) -> AppResult<WebhookPlanView> {
    let (n, client, change) = webhook_target(&state, &id, voice_url, sms_url).await?;
    let plan = webhooks::plan_webhooks(&client, &n, &change).await;
    Ok((&plan.map_err(|e| failure(e.into()))?).into())
}

/// Sets a number's webhooks and records what the provider confirmed. A change that would
/// re-point an object other numbers share is refused (`NotConfirmed`) unless `allow_shared`.
#[tauri::command]
#[tracing::instrument(skip(app, state, voice_url, sms_url), err)]
pub async fn set_webhooks<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    voice_url: Option<String>,
    sms_url: Option<String>,
    allow_shared: bool,
) -> AppResult<WebhookResult> {
    let (n, client, change) = webhook_target(&state, &id, voice_url, sms_url).await?;
    let inventory = state.inventory();
    let set = webhooks::set_webhooks(&*inventory, &client, &n, &change, policy(allow_shared));
    let (confirmed, updated) = set.await.map_err(|e| failure(e.into()))?;
    announce(&app, &n.organization_id.to_string(), vec![id]);
    crate::sync::after_edit(&app);
    Ok(WebhookResult::new(&confirmed, updated))
}

/// A number's webhooks as its provider has them now, compared with the URL on record.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn number_drift(state: State<'_, AppState>, id: String) -> AppResult<DriftView> {
    let n = record(&state, &id).await?;
    let client = client_of(&state, &n).await?;
    Ok(webhooks::number_drift(&client, &n).await?)
}

/// Opens a number's page in its provider's web console in the system browser, and returns the
/// address opened. The address is built in Rust from the record
/// (`switchboard_providers::console::number_console_url`), checked against the consoles' origins
/// (`checked_console_url`) and opened through tauri-plugin-opener from here: the web view sends
/// only the number's id and holds no opener permission.
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn open_in_console<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<String> {
    use switchboard_providers::console;
    use tauri_plugin_opener::OpenerExt;
    let n = record(&state, &id).await?;
    let url = console::number_console_url(&n);
    console::checked_console_url(&url)?;
    app.opener().open_url(&url, None::<&str>).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("could not open {url} in the browser: {e}"),
        )
    })?;
    Ok(url)
}

/// Numbers a Twilio account can buy.
#[tauri::command]
#[tracing::instrument(err)]
pub async fn search_available(
    provider: Provider,
    account_id: String,
    search: AvailableSearch,
) -> AppResult<Vec<AvailableNumber>> {
    let client = connect(provider, account_id.trim()).await?;
    let found = client.twilio()?.search_available(&(&search).into()).await?;
    Ok(found.into_iter().map(Into::into).collect())
}

/// The confirmation a buy or release carries: it must name the number itself.
fn confirmation(number: &E164, confirmed_number: &str, what: &str) -> AppResult<Confirmed> {
    at_provider::confirmation(number, confirmed_number).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotConfirmed,
            format!("not confirmed: the confirmation does not name {number}; nothing was {what}"),
        )
    })
}

/// A call sent once that failed on the network: whether it happened is unknown.
fn sent_once(e: Failed, what: &str) -> AppError {
    let unknown = e.outcome_unknown();
    let mut err = failure(e.into());
    if unknown {
        err.message = format!(
            "{} It is unknown whether the {what} happened: import the account's numbers to see.",
            err.message
        );
    }
    err
}

/// Buys a number on a Twilio account (it costs money: `confirmed_number` must name it) and
/// adds it to the organization with the account by reference. Sent once, never retried.
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn buy_number<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
    provider: Provider,
    account_id: String,
    number: String,
    confirmed_number: String,
) -> AppResult<PhoneNumber> {
    let org = parse_id("organization", &organization_id)?;
    let number = E164::parse(&number, None)?;
    let confirmed = confirmation(&number, &confirmed_number, "bought")?;
    let account_id = account_id.trim().to_owned();
    let inventory = state.inventory();
    let vault = switchboard_ops::vault::native;
    // Refused (`NotAllowed`) when the account was not added to the organization.
    let found = client::account_client(&*inventory, vault, Some(org), (provider, &account_id));
    let client = found.await.map_err(failure)?;
    let twilio = client.twilio()?;
    let bought = at_provider::buy(
        &*inventory,
        twilio,
        &account_id,
        Some(org),
        &number,
        &confirmed,
        None,
    )
    .await
    .map_err(|e| sent_once(e, "purchase"))?;
    let added = bought
        .record
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "the purchase added no record"))?;
    announce(&app, &organization_id, vec![added.id.to_string()]);
    crate::sync::after_edit(&app);
    Ok(added.into())
}

/// Releases a number from its Twilio account (the account loses it: `confirmed_number` must
/// name it) and removes it from the inventory. Sent once, never retried.
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn release_number<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    confirmed_number: String,
) -> AppResult<PhoneNumber> {
    let n = record(&state, &id).await?;
    let confirmed = confirmation(&n.phone_number, &confirmed_number, "released")?;
    let client = client_of(&state, &n).await?;
    let inventory = state.inventory();
    let removed = at_provider::release(&*inventory, client.twilio()?, &n, &confirmed)
        .await
        .map_err(|e| sent_once(e, "release"))?;
    announce(&app, &n.organization_id.to_string(), vec![id]);
    crate::sync::after_edit(&app);
    Ok(removed.into())
}
