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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use switchboard_core::domain::{self as core, E164, NumberUpdate, Provider as CoreProvider};
use switchboard_core::store::NumberRef;
use switchboard_providers::flows::{
    self, AccountAction, AccountBatch, AccountGroups, AccountRuns, BulkOptions, BulkProgress,
    ImportDiff, Outcome as Done,
};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::import::{ImportPlan, ImportProgress, run_import};
use switchboard_providers::model::{
    self as pm, Confirmed, ListProgress, ProgressFn, SharedPolicy, WebhookChange,
};
use switchboard_providers::{ProviderClient, ProviderErrorCode, account};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::dto::{
    AvailableNumber, AvailableSearch, ChannelDrift, DriftView, ImportFailure, ImportPreview,
    ImportReport, ListingProgress, NumberOutcome, NumberResult, PhoneNumber, Progress, Provider,
    ProviderReport, WebhookPlanView, WebhookResult, parse_id, rfc3339,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::announce;
use switchboard_ops::providers::{
    ImportInto, added_accounts, organization_numbers, record_updates,
};

use crate::state::AppState;

/// How many previews the backend keeps for `import_numbers` (the newest).
const KEPT_PREVIEWS: usize = 4;

/// A listing kept between the wizard's preview and its import.
#[derive(Debug, Clone)]
struct Preview {
    organization_id: Uuid,
    provider: CoreProvider,
    account_id: String,
    diff: ImportDiff,
    created: std::time::Instant,
}

/// Managed state of the provider commands: cancel tokens of running tasks and the listings
/// of recent import previews.
#[derive(Debug, Default)]
pub struct ProviderTasks {
    tokens: Mutex<HashMap<String, CancellationToken>>,
    previews: Mutex<HashMap<String, Preview>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ProviderTasks {
    fn start(&self, id: &str) -> CancellationToken {
        let token = CancellationToken::new();
        lock(&self.tokens).insert(id.to_owned(), token.clone());
        token
    }

    fn end(&self, id: &str) {
        lock(&self.tokens).remove(id);
    }

    /// Cancels a running task; false when no task has this id.
    pub fn cancel(&self, id: &str) -> bool {
        lock(&self.tokens)
            .get(id)
            .map(CancellationToken::cancel)
            .is_some()
    }

    fn keep(&self, id: String, preview: Preview) {
        let mut previews = lock(&self.previews);
        previews.insert(id, preview);
        while previews.len() > KEPT_PREVIEWS {
            let Some(oldest) = previews
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            previews.remove(&oldest);
        }
    }

    fn get(&self, id: &str) -> Option<Preview> {
        lock(&self.previews).get(id).cloned()
    }

    fn forget(&self, id: &str) {
        lock(&self.previews).remove(id);
    }
}

/// A client for an account, with its secret from this device's vault.
pub async fn connect(provider: CoreProvider, account_id: &str) -> AppResult<ProviderClient> {
    let vault = crate::vault::vault()?;
    let secret = vault
        .get(&account::vault_key(provider, account_id))
        .await
        .map_err(|e| AppError::from(account::vault_error(e)))?;
    let Some(secret) = secret else {
        return Err(AppError::new(
            ErrorCode::CredentialsNotOnDevice,
            format!(
                "credentials not on this device for {provider} account {account_id}; add the \
                 account (with its {}) under Provider accounts",
                account::secret_name(provider).to_lowercase()
            ),
        ));
    };
    Ok(account::connect(
        provider,
        account_id,
        &secret,
        &HttpSettings::default(),
    )?)
}

/// The provider account of a record, provided it was added to the record's organization; or
/// a clear error when it has none, or `NotAllowed` when it was not added.
async fn account_of(state: &AppState, n: &core::PhoneNumber) -> AppResult<(CoreProvider, String)> {
    let added = added_accounts(&*state.inventory()).await?;
    match added.account_of(n) {
        Ok(Some((provider, id))) => Ok((provider, id.to_owned())),
        Ok(None) => Err(no_account(n)),
        Err(e) => Err(switchboard_core::Error::from(e).into()),
    }
}

/// Refuses (`NotAllowed`) an account that was not added to the organization, before it is
/// used for the organization's numbers (import, purchase, account verification).
pub async fn check_added(
    state: &AppState,
    organization_id: Uuid,
    provider: CoreProvider,
    account_id: &str,
) -> AppResult<()> {
    let added = added_accounts(&*state.inventory()).await?;
    Ok(added
        .check(organization_id, provider, account_id)
        .map_err(switchboard_core::Error::from)?)
}

/// Why a record without a provider account cannot be asked about.
fn no_account(n: &core::PhoneNumber) -> AppError {
    AppError::new(
        ErrorCode::InvalidInput,
        format!(
            "{} has no provider account, so its provider cannot be asked; import it from its \
             account instead",
            n.phone_number
        ),
    )
}

async fn record(state: &AppState, id: &str) -> AppResult<core::PhoneNumber> {
    let r = NumberRef::Id(parse_id("number", id)?);
    Ok(state.inventory().number(&r, None).await?)
}

async fn update(
    state: &AppState,
    n: &core::PhoneNumber,
    change: NumberUpdate,
) -> AppResult<core::PhoneNumber> {
    let updates = [(n.id, change)];
    let mut written = record_updates(&*state.inventory(), n.organization_id, &updates).await?;
    written
        .pop()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "the update returned no row"))
}

/// Lists what an account owns and compares it with the organization: the import wizard's
/// preview. Progress after each page; `cancel_task(task_id)` stops the listing (nothing is
/// imported). The listing is kept for [`import_numbers`] under the returned `previewId`.
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
    let core_provider = provider;
    let account_id = crate::dto::checked_account_id(core_provider, &account_id)?;
    // Registered first, so a cancel while the vault or the inventory is read is not lost.
    let cancel = tasks.start(&task_id);
    let listed = async {
        check_added(&state, org, core_provider, &account_id).await?;
        let client = connect(core_provider, &account_id).await?;
        let inventory = organization_numbers(&*state.inventory(), org).await?;
        let report = |p: ListProgress| {
            let _ = on_progress.send(p.into());
        };
        flows::import_preview(&client, &inventory, &report, &cancel)
            .await
            .map_err(|e| match e.code() {
                ProviderErrorCode::Cancelled => {
                    AppError::new(ErrorCode::Cancelled, "cancelled; nothing was imported")
                }
                _ => AppError::from(e),
            })
    }
    .await;
    tasks.end(&task_id);
    let diff = listed?;
    let preview_id = Uuid::new_v4().to_string();
    let view = ImportPreview::new(preview_id.clone(), provider, account_id.clone(), &diff);
    tasks.keep(
        preview_id,
        Preview {
            organization_id: org,
            provider: core_provider,
            account_id,
            diff,
            created: std::time::Instant::now(),
        },
    );
    Ok(view)
}

/// Imports the chosen new numbers of a preview into its organization (credentials by
/// reference to the account) and refreshes the chosen "different" ones from the provider's
/// data, as `switchboard_providers::import::run_import` does on every store: chunks of 100
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
    let Some(preview) = tasks.get(&preview_id) else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "this preview is no longer kept; list the account's numbers again",
        ));
    };
    let wanted: HashSet<&str> = phone_numbers.iter().map(String::as_str).collect();
    let fresh: HashSet<&str> = refresh.iter().map(String::as_str).collect();
    let diff = &preview.diff;
    let unknown = wanted.iter().chain(fresh.iter()).filter(|n| {
        !diff.new.iter().any(|p| p.phone_number.as_str() == **n)
            && !diff
                .different
                .iter()
                .any(|d| d.number.phone_number.as_str() == **n)
    });
    let mut failed: Vec<ImportFailure> = unknown
        .map(|n| ImportFailure {
            phone_number: (*n).to_owned(),
            error: AppError::new(
                ErrorCode::InvalidInput,
                format!("{n} is not a new or different number of this preview"),
            ),
        })
        .collect();
    let plan = ImportPlan {
        account_id: preview.account_id.clone(),
        add: (diff.new.iter())
            .filter(|n| wanted.contains(n.phone_number.as_str()))
            .cloned()
            .collect(),
        refresh: (diff.different.iter())
            .filter(|d| fresh.contains(d.number.phone_number.as_str()))
            .cloned()
            .collect(),
    };
    let org = preview.organization_id;
    let cancel = tasks.start(&task_id);
    let progress = |p: ImportProgress| {
        let _ = on_progress.send(Progress {
            done: p.done as u64,
            total: p.total as u64,
        });
    };
    let inventory = state.inventory();
    let mut target = ImportInto {
        inventory: &*inventory,
        organization_id: org,
    };
    let written = run_import(&mut target, plan, &progress, &cancel).await;
    tasks.end(&task_id);
    // Imported numbers are no longer new: a second import must list again.
    tasks.forget(&preview_id);
    announce(&app, &org.to_string(), Vec::new());
    crate::sync::after_edit(&app);
    tracing::info!(provider = %preview.provider, account_id = preview.account_id, "imported from a provider");
    let present = written.already_present.into_iter().map(|n| ImportFailure {
        error: switchboard_core::Error::Duplicate {
            what: n.clone(),
            organization: None,
        }
        .into(),
        phone_number: n,
    });
    failed.extend(present);
    failed.extend(written.failed.into_iter().map(|f| ImportFailure {
        phone_number: f.phone_number,
        error: f.error.into(),
    }));
    Ok(ImportReport {
        imported: written.imported as u32,
        refreshed: written.refreshed as u32,
        failed,
        cancelled: written.cancelled,
    })
}

/// What a bulk provider action does to each number.
enum Action {
    Verify,
    Webhooks(flows::SetWebhooks),
}

/// Runs `action` over the numbers `ids` of an organization account by account
/// (`flows::AccountRuns`: one client each, secrets from the vault, at most 16 requests in flight
/// per account), and records what each provider confirmed as soon as its account is done.
/// Numbers without an account, whose account was not added to the organization, or whose
/// account's secret is not on this device, are reported as skipped with the reason.
#[allow(clippy::too_many_arguments)]
async fn run_bulk<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    tasks: &ProviderTasks,
    task_id: &str,
    organization_id: &str,
    ids: Vec<String>,
    action: Action,
    on_progress: &Channel<Progress>,
) -> AppResult<ProviderReport> {
    let org = parse_id("organization", organization_id)?;
    let keys = ids
        .iter()
        .map(|id| parse_id("number", id))
        .collect::<AppResult<Vec<_>>>()?;
    // One trip to the open file for the whole selection.
    let records = state
        .run(move |ws| {
            keys.iter()
                .map(|k| ws.number(&NumberRef::Id(*k), Some(org)))
                .collect::<switchboard_core::Result<Vec<_>>>()
        })
        .await?;
    let total = records.len() as u64;
    let added = added_accounts(&*state.inventory()).await?;
    let grouped = AccountGroups::new(records.iter().cloned(), &added);
    let mut lines: HashMap<Uuid, NumberOutcome> = grouped
        .without_account
        .iter()
        .map(|n| (n.id, line(n, NumberResult::Skipped, no_account(n).message)))
        .chain(
            grouped
                .not_added
                .iter()
                .map(|(n, e)| (n.id, line(n, NumberResult::Skipped, e.to_string()))),
        )
        .collect();
    let cancel = tasks.start(task_id);
    let skipped = lines.len() as u64;
    let _ = on_progress.send(Progress {
        done: skipped,
        total,
    });
    let report = |p: BulkProgress| {
        let _ = on_progress.send(Progress {
            done: skipped + p.done as u64,
            total,
        });
    };
    let options = BulkOptions {
        concurrency: flows::DEFAULT_CONCURRENCY,
        cancel: cancel.clone(),
    };
    let now = OffsetDateTime::now_utc();
    let groups = grouped.groups;
    let cancelled = match action {
        Action::Verify => {
            by_account(
                state,
                org,
                groups,
                flows::Verify,
                &options,
                &report,
                &mut lines,
                |n, o| {
                    let result: switchboard_providers::Result<()> = match o {
                        Done::Ok(_) => Ok(()),
                        Done::Failed(e) => Err(e),
                        Done::NotStarted => {
                            return (line(n, NumberResult::NotStarted, "cancelled".into()), None);
                        }
                    };
                    let update = flows::verification_update(&result, n.status, now);
                    let outcome = match result {
                        Ok(()) => line(n, NumberResult::Ok, "verified".into()),
                        Err(e) if e.is_auth() => line(
                            n,
                            NumberResult::Refused,
                            format!(
                                "{}; status set to error",
                                AppError::from_provider(&e).message
                            ),
                        ),
                        Err(e) => {
                            line(n, NumberResult::Failed, AppError::from_provider(&e).message)
                        }
                    };
                    (outcome, update)
                },
            )
            .await
        }
        Action::Webhooks(action) => {
            let platform_url = action
                .change
                .voice_url
                .clone()
                .or(action.change.sms_url.clone())
                .unwrap_or_default();
            by_account(
                state,
                org,
                groups,
                action,
                &options,
                &report,
                &mut lines,
                |n, o| match o {
                    Done::Ok(confirmed) => (
                        line(
                            n,
                            NumberResult::Ok,
                            format!(
                                "voice {}, sms {}",
                                confirmed.voice_url().unwrap_or("(none)"),
                                confirmed.sms_url().unwrap_or("(none)")
                            ),
                        ),
                        Some(flows::webhook_update(&confirmed, &platform_url)),
                    ),
                    Done::Failed(e) => {
                        let result = if e.is_auth() {
                            NumberResult::Refused
                        } else {
                            NumberResult::Failed
                        };
                        (line(n, result, AppError::from_provider(&e).message), None)
                    }
                    Done::NotStarted => {
                        (line(n, NumberResult::NotStarted, "cancelled".into()), None)
                    }
                },
            )
            .await
        }
    };
    tasks.end(task_id);
    let cancelled = cancelled?;
    announce(app, organization_id, Vec::new());
    crate::sync::after_edit(app);
    let outcomes = records.iter().filter_map(|n| lines.remove(&n.id)).collect();
    Ok(ProviderReport::new(outcomes, cancelled))
}

/// The account-by-account loop of [`run_bulk`]: `outcome` turns each number's result into its
/// report line and the record update it calls for; each account's updates are written when it
/// is done. Returns whether cancellation left numbers not started.
#[allow(clippy::too_many_arguments)]
async fn by_account<A: AccountAction>(
    state: &AppState,
    org: Uuid,
    groups: BTreeMap<(CoreProvider, String), Vec<core::PhoneNumber>>,
    action: A,
    options: &BulkOptions,
    progress: ProgressFn<'_, BulkProgress>,
    lines: &mut HashMap<Uuid, NumberOutcome>,
    mut outcome: impl FnMut(
        &core::PhoneNumber,
        Done<A::Output>,
    ) -> (NumberOutcome, Option<NumberUpdate>),
) -> AppResult<bool> {
    let connect = |provider: CoreProvider, account_id: String| async move {
        connect(provider, &account_id).await
    };
    let mut runs = AccountRuns::new(groups, action, connect, options, progress);
    while let Some((_, _, batch)) = runs.next().await {
        let ran = match batch {
            AccountBatch::Ran(ran) => ran,
            AccountBatch::NoClient(group, e) => {
                for n in &group {
                    lines.insert(n.id, line(n, NumberResult::Skipped, e.message.clone()));
                }
                continue;
            }
        };
        let mut updates: Vec<(Uuid, NumberUpdate)> = Vec::new();
        for (n, o) in ran {
            let (report, update) = outcome(&n, o);
            lines.insert(n.id, report);
            if let Some(u) = update {
                updates.push((n.id, u));
            }
        }
        record_updates(&*state.inventory(), org, &updates).await?;
    }
    Ok(runs.cancelled())
}

/// Verifies `ids` of an organization in the background (periodic re-verification): the same
/// work as [`verify_numbers`], with no progress channel to report to.
pub async fn reverify<R: Runtime>(
    app: &AppHandle<R>,
    organization_id: &str,
    ids: Vec<String>,
) -> AppResult<ProviderReport> {
    let state = app.state::<AppState>();
    let tasks = app.state::<ProviderTasks>();
    let quiet = Channel::new(|_| Ok(()));
    run_bulk(
        app,
        &state,
        &tasks,
        "periodic-reverification",
        organization_id,
        ids,
        Action::Verify,
        &quiet,
    )
    .await
}

fn line(n: &core::PhoneNumber, result: NumberResult, message: String) -> NumberOutcome {
    NumberOutcome {
        id: n.id.to_string(),
        phone_number: n.phone_number.to_string(),
        result,
        message,
    }
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
    run_bulk(
        &app,
        &state,
        &tasks,
        &task_id,
        &organization_id,
        ids,
        Action::Verify,
        &on_progress,
    )
    .await
}

fn webhook_change(voice_url: Option<String>, sms_url: Option<String>) -> WebhookChange {
    let url = |u: Option<String>| u.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    WebhookChange {
        voice_url: url(voice_url),
        sms_url: url(sms_url),
        ..WebhookChange::default()
    }
}

fn policy(allow_shared: bool) -> SharedPolicy {
    if allow_shared {
        SharedPolicy::AllowShared
    } else {
        SharedPolicy::OnlyThisNumber
    }
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
    run_bulk(
        &app,
        &state,
        &tasks,
        &task_id,
        &organization_id,
        ids,
        Action::Webhooks(flows::SetWebhooks {
            change,
            policy: policy(allow_shared),
        }),
        &on_progress,
    )
    .await
}

/// Refuses an empty change, or a URL that fails core's rule (`check_webhook_url`: http(s), at
/// most 2,048 characters; the error does not repeat the URL), before any provider is asked.
fn check_change(change: &WebhookChange) -> AppResult<()> {
    if change.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "invalid webhook URL: give a voice or SMS URL",
        ));
    }
    for (field, url) in [
        ("voice URL", &change.voice_url),
        ("SMS URL", &change.sms_url),
    ] {
        if let Some(u) = url {
            core::check_webhook_url(field, u)?;
        }
    }
    Ok(())
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
    let change = webhook_change(voice_url, sms_url);
    check_change(&change)?;
    let n = record(&state, &id).await?;
    let (provider, account_id) = account_of(&state, &n).await?;
    let client = connect(provider, &account_id).await?;
    let plan = client
        .plan_webhooks(&account::number_ref(&n), &change)
        .await?;
    Ok((&plan).into())
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
    let change = webhook_change(voice_url, sms_url);
    check_change(&change)?;
    let n = record(&state, &id).await?;
    let (provider, account_id) = account_of(&state, &n).await?;
    let client = connect(provider, &account_id).await?;
    let confirmed = client
        .set_webhooks(&account::number_ref(&n), &change, policy(allow_shared))
        .await?;
    let platform_url = change
        .voice_url
        .as_deref()
        .or(change.sms_url.as_deref())
        .unwrap_or_default();
    let updated = update(&state, &n, flows::webhook_update(&confirmed, platform_url)).await?;
    announce(&app, &n.organization_id.to_string(), vec![id]);
    crate::sync::after_edit(&app);
    Ok(WebhookResult {
        number: updated.into(),
        voice_url: confirmed.voice_url().map(str::to_owned),
        sms_url: confirmed.sms_url().map(str::to_owned),
    })
}

/// A number's webhooks as its provider has them now, compared with the URL on record.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn number_drift(state: State<'_, AppState>, id: String) -> AppResult<DriftView> {
    let n = record(&state, &id).await?;
    let (provider, account_id) = account_of(&state, &n).await?;
    let client = connect(provider, &account_id).await?;
    let hooks = client.webhooks(&account::number_ref(&n)).await?;
    let (voice, sms) = account::recorded_urls(&n).unwrap_or_default();
    let drift = pm::drift(&hooks, voice.as_deref(), sms.as_deref());
    Ok(DriftView {
        phone_number: n.phone_number.to_string(),
        voice: ChannelDrift::new(hooks.voice.as_ref(), &drift.voice, voice.as_deref()),
        sms: ChannelDrift::new(hooks.sms.as_ref(), &drift.sms, sms.as_deref()),
        checked_at: rfc3339(OffsetDateTime::now_utc()),
    })
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
    match E164::parse(confirmed_number, None) {
        Ok(c) if &c == number => Ok(Confirmed::number(number)),
        _ => Err(AppError::new(
            ErrorCode::NotConfirmed,
            format!("not confirmed: the confirmation does not name {number}; nothing was {what}"),
        )),
    }
}

/// A call sent once that failed on the network: whether it happened is unknown.
fn sent_once(e: switchboard_providers::ProviderError, what: &str) -> AppError {
    let mut err = AppError::from_provider(&e);
    if e.code() == ProviderErrorCode::Offline {
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
    check_added(&state, org, provider, &account_id).await?;
    let client = connect(provider, &account_id).await?;
    let bought = client
        .twilio()?
        .buy(&number, &confirmed, None)
        .await
        .map_err(|e| sent_once(e, "purchase"))?;
    tracing::info!(number = %bought.phone_number, "bought a number");
    let valid = bought.to_new_number(&account_id).validate()?;
    let added = state.inventory().add_number(org, valid).await?.number;
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
    let (provider, account_id) = account_of(&state, &n).await?;
    let client = connect(provider, &account_id).await?;
    client
        .twilio()?
        .release(&account::number_ref(&n), &confirmed)
        .await
        .map_err(|e| sent_once(e, "release"))?;
    tracing::info!(number = %n.phone_number, "released a number");
    let org = n.organization_id;
    let removed = state
        .inventory()
        .remove_number(&NumberRef::Id(n.id), Some(org))
        .await?
        .number;
    announce(&app, &org.to_string(), vec![id]);
    crate::sync::after_edit(&app);
    Ok(removed.into())
}
