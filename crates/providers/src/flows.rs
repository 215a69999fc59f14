//! The flows managers run over a whole account or a selection of numbers: import preview,
//! bulk verify, bulk webhook re-pointing and drift checks, plus the record updates that
//! follow a verification or a confirmed webhook change.
//!
//! What is guaranteed:
//! - [`import_diff`] is pure: it compares a listing with the inventory and classifies each
//!   provider number as new, already present (same data), or different (with the fields
//!   that differ). Importing the `new` ones and running it again yields no `new` entries, so
//!   an import run twice changes nothing.
//! - Bulk operations run at most [`BulkOptions::concurrency`] requests at once (default
//!   [`DEFAULT_CONCURRENCY`] = 16), report progress after each number, stop *starting* work
//!   when cancelled (numbers in flight finish, so the report stays true), and return one
//!   outcome per input number, in input order.
//! - A selection of many accounts' numbers runs account by account ([`AccountGroups`],
//!   [`AccountRuns`]): one client per account (built by the caller, from its vault), progress
//!   over the whole selection, and an account whose client cannot be built reported for its
//!   numbers without stopping the others. The CLI and the desktop app both run their bulk
//!   verify, re-point and drift this way.
//! - A run reads each object its numbers share (an application, a connection, a messaging
//!   profile, a location) once, with a client of its own ([`ProviderClient::sharing_reads`]),
//!   and again after the run writes it; the next run reads it afresh.
//! - A number is grouped under its account only if that account was added to the number's
//!   own organization ([`AddedAccounts`]); otherwise it is set aside in
//!   [`AccountGroups::not_added`] with the reason, and no client is built or request sent for
//!   it. A member of one organization can write a row that names another organization's
//!   account, but cannot make this device use that account's secret for it.
//! - [`verification_update`] encodes the rule: success sets `last_verified_at`; a refusal of
//!   the credentials sets `status = error` with the provider's reason; a network failure or
//!   any other error changes nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use switchboard_core::domain::{E164, Metadata, NumberUpdate, PhoneNumber, Provider, Status};
use switchboard_core::store::{AccountNotAdded, AddedAccounts};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::client::ProviderClient;
use crate::error::{ProviderError, Result};
use crate::model::{
    AccountInfo, Applied, Drift, FoundNumber, ListProgress, NumberRef, ProgressFn, ProviderNumber,
    SharedPolicy, Skipped, Wanted, WebhookChange, WebhookPlan, WebhookState, same_url,
};

/// Default number of requests a bulk operation keeps in flight. 16 stays well inside every
/// provider's documented limits (Plivo's 300 requests per 5 s is the tightest: 16 in flight at
/// ~100 ms each is ~160/s, so a long Plivo run will meet 429s, which are retried).
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A provider number that differs from the inventory record of the same number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The provider's view.
    pub number: ProviderNumber,
    /// The inventory record's id.
    pub existing_id: Uuid,
    /// The fields that differ, e.g. `["friendly_name", "metadata.capabilities"]`.
    pub fields: Vec<&'static str>,
}

/// An SMS webhook URL the provider has for a number of the inventory that has none on record
/// (recorded before the fact existed): an import records it ([`sms_webhook_record`]), whether
/// or not the number is chosen, since nothing on record is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnrecordedSms {
    /// The inventory record's id.
    pub existing_id: Uuid,
    /// The number.
    pub phone_number: E164,
    /// The provider's SMS webhook URL.
    pub url: String,
}

/// A number of the inventory whose recorded SMS webhook URL is not the provider's: drift,
/// reported by the preview and never overwritten by an import or a refresh (the manager
/// repairs it with the webhook actions, knowing which side is right).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsDrift {
    /// The inventory record's id.
    pub existing_id: Uuid,
    /// The number.
    pub phone_number: E164,
    /// The SMS webhook URL on record.
    pub on_record: String,
    /// The provider's (`None`: the provider has none).
    pub provider_url: Option<String>,
}

/// The result of comparing an account's numbers with the inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportDiff {
    /// Not in the inventory: candidates to import.
    pub new: Vec<ProviderNumber>,
    /// In the inventory with the same data: `(provider number, inventory id)`.
    pub present: Vec<(ProviderNumber, Uuid)>,
    /// In the inventory with other data.
    pub different: Vec<Difference>,
    /// Listed by the provider but not valid numbers.
    pub skipped: Vec<Skipped>,
    /// Present or different numbers of the listing's provider and account (or of no account)
    /// with no SMS webhook URL on record that the provider has one for: recorded by an import
    /// (if still none is on record then), not a difference.
    pub unrecorded_sms: Vec<UnrecordedSms>,
    /// Present or different numbers whose recorded SMS webhook URL differs from the provider's.
    pub sms_drift: Vec<SmsDrift>,
}

/// Compares `listed` (the numbers of account `account_id`) with `inventory` (the
/// organization's numbers, any provider). A number recorded under another provider is reported
/// as different (`provider`); its SMS URL is never recorded from this listing (nor that of a
/// number recorded under another account of the provider): only a record of the listing's
/// provider and account (or of no account) is in [`ImportDiff::unrecorded_sms`].
pub fn import_diff(
    listed: &[ProviderNumber],
    inventory: &[PhoneNumber],
    account_id: &str,
) -> ImportDiff {
    let by_number: std::collections::HashMap<&str, &PhoneNumber> = inventory
        .iter()
        .map(|p| (p.phone_number.as_str(), p))
        .collect();
    let mut diff = ImportDiff::default();
    for n in listed {
        let Some(existing) = by_number.get(n.phone_number.as_str()) else {
            diff.new.push(n.clone());
            continue;
        };
        let mut fields = Vec::new();
        let provider = n.api.provider();
        if existing.provider != provider {
            fields.push("provider");
        }
        let ours = existing.provider == provider
            && (existing.credentials.account_id(provider)).is_none_or(|a| a == account_id);
        if n.friendly_name.is_some() && existing.friendly_name != n.friendly_name {
            fields.push("friendly_name");
        }
        let fresh = n.metadata();
        let old = existing.metadata.clone().unwrap_or_default();
        if old.capabilities() != fresh.capabilities() {
            fields.push("metadata.capabilities");
        }
        if old.provider_sid() != fresh.provider_sid() {
            fields.push("metadata.providerSid");
        }
        if fresh.locality().is_some() && old.locality() != fresh.locality() {
            fields.push("metadata.locality");
        }
        if fresh.state().is_some() && old.state() != fresh.state() {
            fields.push("metadata.state");
        }
        // The SMS URL is never an import difference: one the provider has and the record has
        // not (recorded before the fact existed) is recorded by the import, when the record is
        // the listing's provider's and account's (another's number is not this listing's to
        // write); a recorded one
        // that differs is drift, reported and left for the manager. The record's SMS URL is
        // read as every other reader reads it (the fact, or the column of an SMS-only number
        // recorded before it).
        let provider_sms = fresh.sms_webhook_url();
        match (existing.recorded_webhooks().1, provider_sms) {
            (None, Some(url)) if ours => diff.unrecorded_sms.push(UnrecordedSms {
                existing_id: existing.id,
                phone_number: n.phone_number.clone(),
                url: url.to_owned(),
            }),
            (Some(on_record), provider_url) if !same_url(provider_url, on_record) => {
                diff.sms_drift.push(SmsDrift {
                    existing_id: existing.id,
                    phone_number: n.phone_number.clone(),
                    on_record: on_record.to_owned(),
                    provider_url: provider_url.map(str::to_owned),
                });
            }
            _ => {}
        }
        if fields.is_empty() {
            diff.present.push((n.clone(), existing.id));
        } else {
            diff.different.push(Difference {
                number: n.clone(),
                existing_id: existing.id,
                fields,
            });
        }
    }
    diff
}

/// Lists the account's numbers and compares them with the inventory.
pub async fn import_preview(
    client: &ProviderClient,
    inventory: &[PhoneNumber],
    progress: ProgressFn<'_, ListProgress>,
    cancel: &CancellationToken,
) -> Result<ImportDiff> {
    let listing = client.list_numbers(progress, cancel).await?;
    let mut diff = import_diff(&listing.numbers, inventory, client.account_id());
    diff.skipped = listing.skipped;
    Ok(diff)
}

/// The metadata patch that brings a record in line with the provider (for "different"): the
/// listing's facts except the SMS webhook URL, which a refresh never writes (an unrecorded one
/// is recorded by [`sms_webhook_record`], a differing one is drift).
pub fn refresh_patch(number: &ProviderNumber) -> Metadata {
    let mut m = number.metadata();
    // Clearing a key is never refused.
    let _cleared = m.set_sms_webhook_url(None);
    m
}

/// The record update that records an SMS webhook URL the record had none of at the listing:
/// only if it still has none as the update applies (`NumberUpdate::sms_webhook_url_if_none`),
/// so one recorded since is kept.
pub fn sms_webhook_record(unrecorded: &UnrecordedSms) -> NumberUpdate {
    NumberUpdate {
        sms_webhook_url_if_none: Some(unrecorded.url.clone()),
        ..NumberUpdate::default()
    }
}

/// The record update that brings a "different" record in line with the provider: its name
/// (when the provider has one) and [`refresh_patch`].
pub fn refresh_update(number: &ProviderNumber) -> NumberUpdate {
    NumberUpdate {
        friendly_name: number.friendly_name.clone().map(Some),
        metadata_patch: Some(refresh_patch(number)),
        ..NumberUpdate::default()
    }
}

/// How a bulk operation runs.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Requests in flight at most (at least 1).
    pub concurrency: usize,
    /// Stops starting new numbers when cancelled.
    pub cancel: CancellationToken,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            concurrency: DEFAULT_CONCURRENCY,
            cancel: CancellationToken::new(),
        }
    }
}

/// Progress of a bulk operation, after each number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BulkProgress {
    /// Numbers finished (either way).
    pub done: usize,
    /// Of which failed.
    pub failed: usize,
    /// Numbers in the operation.
    pub total: usize,
}

/// What happened to one number.
#[derive(Debug)]
pub enum Outcome<T> {
    /// Done.
    Ok(T),
    /// Failed, with the provider's reason.
    Failed(ProviderError),
    /// Not attempted: the operation was cancelled first.
    NotStarted,
}

/// One number's outcome.
#[derive(Debug)]
pub struct NumberOutcome<T> {
    /// The number.
    pub number: NumberRef,
    /// What happened.
    pub outcome: Outcome<T>,
}

/// The per-number report of a bulk operation, in input order.
#[derive(Debug)]
pub struct BulkReport<T> {
    /// One entry per input number.
    pub outcomes: Vec<NumberOutcome<T>>,
    /// True when cancellation stopped the operation early.
    pub cancelled: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl<T> BulkReport<T> {
    /// Numbers that succeeded.
    pub fn succeeded(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Ok(_)))
            .count()
    }

    /// Numbers that failed.
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Failed(_)))
            .count()
    }

    /// Numbers not attempted.
    pub fn not_started(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::NotStarted))
            .count()
    }
}

/// Runs `work` over `numbers`, each with its position in `numbers` (for what else it needs
/// of that number), [`BulkOptions::concurrency`] at a time, until cancelled.
async fn run_bulk<T, F, Fut>(
    numbers: &[NumberRef],
    options: &BulkOptions,
    progress: ProgressFn<'_, BulkProgress>,
    work: F,
) -> BulkReport<T>
where
    F: Fn(usize, NumberRef) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let started = std::time::Instant::now();
    let total = numbers.len();
    let mut results: Vec<Option<Outcome<T>>> = (0..total).map(|_| None).collect();
    let cancel = &options.cancel;
    let work = &work;
    let mut stream = futures_util::stream::iter(numbers.iter().cloned().enumerate())
        .take_while(|_| std::future::ready(!cancel.is_cancelled()))
        .map(|(i, n)| async move { (i, work(i, n).await) })
        .buffer_unordered(options.concurrency.max(1));
    let (mut done, mut failed) = (0, 0);
    while let Some((i, result)) = stream.next().await {
        done += 1;
        let outcome = match result {
            Ok(v) => Outcome::Ok(v),
            Err(e) => {
                failed += 1;
                Outcome::Failed(e)
            }
        };
        results[i] = Some(outcome);
        progress(BulkProgress {
            done,
            failed,
            total,
        });
    }
    let outcomes: Vec<NumberOutcome<T>> = numbers
        .iter()
        .cloned()
        .zip(results)
        .map(|(number, outcome)| NumberOutcome {
            number,
            outcome: outcome.unwrap_or(Outcome::NotStarted),
        })
        .collect();
    let cancelled = outcomes
        .iter()
        .any(|o| matches!(o.outcome, Outcome::NotStarted));
    BulkReport {
        outcomes,
        cancelled,
        elapsed: started.elapsed(),
    }
}

/// Checks each number is still the account's, with working credentials: one lookup a number
/// ([`ProviderClient::lookup_number`]), nothing else read.
pub async fn bulk_verify(
    client: &ProviderClient,
    numbers: &[NumberRef],
    options: &BulkOptions,
    progress: ProgressFn<'_, BulkProgress>,
) -> BulkReport<FoundNumber> {
    run_bulk(numbers, options, progress, |_, n| async move {
        client.lookup_number(&n).await
    })
    .await
}

/// Re-points the webhooks of each number. With [`SharedPolicy::OnlyThisNumber`], numbers
/// whose change would touch a shared object fail with `SharedObject` and nothing is changed
/// for them.
pub async fn bulk_set_webhooks(
    client: &ProviderClient,
    numbers: &[NumberRef],
    change: &WebhookChange,
    shared: SharedPolicy,
    options: &BulkOptions,
    progress: ProgressFn<'_, BulkProgress>,
) -> BulkReport<WebhookState> {
    let client = &client.sharing_reads();
    run_bulk(numbers, options, progress, |_, n| async move {
        client.set_webhooks(&n, change, shared).await
    })
    .await
}

/// Checks drift for each `(number, voice URL on record, SMS URL on record)`.
pub async fn bulk_drift(
    client: &ProviderClient,
    numbers: &[(NumberRef, Option<String>, Option<String>)],
    options: &BulkOptions,
    progress: ProgressFn<'_, BulkProgress>,
) -> BulkReport<Drift> {
    let refs: Vec<NumberRef> = numbers.iter().map(|(n, _, _)| n.clone()).collect();
    let client = &client.sharing_reads();
    run_bulk(&refs, options, progress, |i, n| async move {
        let (_, v, s) = &numbers[i];
        client.drift(&n, v.as_deref(), s.as_deref()).await
    })
    .await
}

/// A selection of numbers grouped by the provider account each references.
#[derive(Debug, Clone, Default)]
pub struct AccountGroups {
    /// Each account's numbers (provider, account id), in selection order; accounts sorted.
    /// Only accounts added to the numbers' own organizations.
    pub groups: BTreeMap<(Provider, String), Vec<PhoneNumber>>,
    /// The numbers that reference no account (their provider cannot be asked), in selection
    /// order.
    pub without_account: Vec<PhoneNumber>,
    /// The numbers whose account was not added to their organization, with the reason, in
    /// selection order: skipped, nothing is sent for them.
    pub not_added: Vec<(PhoneNumber, AccountNotAdded)>,
}

impl AccountGroups {
    /// Groups `numbers` by the account each references, setting aside those whose account is
    /// not among the accounts `added` to their own organization.
    pub fn new(numbers: impl IntoIterator<Item = PhoneNumber>, added: &AddedAccounts) -> Self {
        let mut grouped = AccountGroups::default();
        for n in numbers {
            match added.account_of(&n) {
                Ok(Some((provider, id))) => {
                    let key = (provider, id.to_owned());
                    grouped.groups.entry(key).or_default().push(n);
                }
                Ok(None) => grouped.without_account.push(n),
                Err(refused) => grouped.not_added.push((n, refused)),
            }
        }
        grouped
    }

    /// How many numbers reference an account.
    pub fn total(&self) -> usize {
        self.groups.values().map(Vec::len).sum()
    }
}

/// What a bulk action does to each number of one account: [`Verify`], [`SetWebhooks`],
/// [`CheckDrift`].
pub trait AccountAction {
    /// What the provider returns per number.
    type Output;

    /// Runs the action over `numbers` (all of one account) with its client.
    fn run<'a>(
        &'a self,
        client: &'a ProviderClient,
        numbers: &'a [PhoneNumber],
        options: &'a BulkOptions,
        progress: ProgressFn<'a, BulkProgress>,
    ) -> impl std::future::Future<Output = BulkReport<Self::Output>> + Send + 'a;
}

/// [`bulk_verify`] as an [`AccountAction`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Verify;

impl AccountAction for Verify {
    type Output = FoundNumber;

    async fn run(
        &self,
        client: &ProviderClient,
        numbers: &[PhoneNumber],
        options: &BulkOptions,
        progress: ProgressFn<'_, BulkProgress>,
    ) -> BulkReport<FoundNumber> {
        let refs: Vec<NumberRef> = numbers.iter().map(crate::account::number_ref).collect();
        bulk_verify(client, &refs, options, progress).await
    }
}

/// The URLs a bulk webhook change sets: the same for every number, or a drift's repair.
#[derive(Debug, Clone)]
pub enum Changes {
    /// The same URLs for every number.
    Same(WebhookChange),
    /// A drift's repair: each number's channels whose URL at the provider is not the one on
    /// record ([`PhoneNumber::recorded_webhooks`]) set back to it ([`Drift::repair`], from the
    /// state the client reads to plan or make the change, once: [`Wanted::Recorded`]). A
    /// channel in sync, or with nothing on record, is not written, so the object it lives on
    /// is not touched; a number with nothing drifted gets no write (its plan has no change,
    /// its run confirms the state read). Callers leave out the numbers with nothing on record.
    Recorded,
}

impl From<WebhookChange> for Changes {
    fn from(change: WebhookChange) -> Self {
        Changes::Same(change)
    }
}

impl Changes {
    /// The URLs `number` is pointed at: the same URLs, or for a repair its URLs on record (of
    /// which only the drifted channels are written).
    pub fn of(&self, number: &PhoneNumber) -> WebhookChange {
        match self {
            Changes::Same(change) => change.clone(),
            Changes::Recorded => {
                let (voice, sms) = number.recorded_webhooks();
                WebhookChange {
                    voice_url: voice.map(str::to_owned),
                    sms_url: sms.map(str::to_owned),
                    ..WebhookChange::default()
                }
            }
        }
    }

    /// What is asked of `number`: the same URLs, or for a repair its URLs on record, of which
    /// the client writes the drifted channels of the state it reads ([`Wanted::Recorded`]).
    fn wanted<'a>(&'a self, number: &'a PhoneNumber) -> Wanted<'a> {
        match self {
            Changes::Same(change) => Wanted::Urls(change),
            Changes::Recorded => {
                let (voice, sms) = number.recorded_webhooks();
                Wanted::Recorded { voice, sms }
            }
        }
    }

    /// Runs `work` over `numbers` ([`run_bulk`]), each with what is asked of it
    /// ([`Changes::wanted`]).
    async fn run_each<'a, T, F, Fut>(
        &'a self,
        numbers: &'a [PhoneNumber],
        options: &BulkOptions,
        progress: ProgressFn<'_, BulkProgress>,
        work: F,
    ) -> BulkReport<T>
    where
        F: Fn(NumberRef, Wanted<'a>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let refs: Vec<NumberRef> = numbers.iter().map(crate::account::number_ref).collect();
        let work = &work;
        run_bulk(&refs, options, progress, |i, n| async move {
            work(n, self.wanted(&numbers[i])).await
        })
        .await
    }
}

/// Re-points each number's webhooks as [`bulk_set_webhooks`] does, each number with its URLs
/// ([`Changes`]), as an [`AccountAction`].
#[derive(Debug, Clone)]
pub struct SetWebhooks {
    /// The URLs.
    pub change: Changes,
    /// Whether an object other numbers share may change.
    pub policy: SharedPolicy,
}

impl AccountAction for SetWebhooks {
    /// The state confirmed, and whether a repair found the number already in sync.
    type Output = Applied;

    async fn run(
        &self,
        client: &ProviderClient,
        numbers: &[PhoneNumber],
        options: &BulkOptions,
        progress: ProgressFn<'_, BulkProgress>,
    ) -> BulkReport<Applied> {
        let policy = self.policy;
        let set =
            |n: NumberRef, wanted| async move { client.apply_webhooks(&n, wanted, policy).await };
        self.change.run_each(numbers, options, progress, set).await
    }
}

/// [`ProviderClient::plan_webhooks`] as an [`AccountAction`]: the writes [`SetWebhooks`]
/// with the same [`Changes`] would make, asked of the provider without changing anything.
#[derive(Debug, Clone)]
pub struct PlanWebhooks {
    /// The URLs.
    pub change: Changes,
}

impl AccountAction for PlanWebhooks {
    type Output = WebhookPlan;

    async fn run(
        &self,
        client: &ProviderClient,
        numbers: &[PhoneNumber],
        options: &BulkOptions,
        progress: ProgressFn<'_, BulkProgress>,
    ) -> BulkReport<WebhookPlan> {
        let plan = |n: NumberRef, wanted| async move { client.plan_webhooks(&n, wanted).await };
        self.change.run_each(numbers, options, progress, plan).await
    }
}

/// [`bulk_drift`] as an [`AccountAction`], against the URLs on record
/// ([`PhoneNumber::recorded_webhooks`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckDrift;

impl AccountAction for CheckDrift {
    type Output = Drift;

    async fn run(
        &self,
        client: &ProviderClient,
        numbers: &[PhoneNumber],
        options: &BulkOptions,
        progress: ProgressFn<'_, BulkProgress>,
    ) -> BulkReport<Drift> {
        let input: Vec<(NumberRef, Option<String>, Option<String>)> = numbers
            .iter()
            .map(|n| {
                let (voice, sms) = n.recorded_webhooks();
                let owned = |u: Option<&str>| u.map(str::to_owned);
                (crate::account::number_ref(n), owned(voice), owned(sms))
            })
            .collect();
        bulk_drift(client, &input, options, progress).await
    }
}

/// What happened to one account's numbers in [`AccountRuns`].
#[derive(Debug)]
pub enum AccountBatch<T, E> {
    /// The account's client was built (or the run was cancelled first): each number with its
    /// outcome, in selection order.
    Ran(Vec<(PhoneNumber, Outcome<T>)>),
    /// No client could be built for the account (`E` says why: credentials not on this
    /// device, an entry of another provider, …); its numbers were not tried.
    NoClient(Vec<PhoneNumber>, E),
}

/// Runs an [`AccountAction`] over a selection, account by account: [`AccountRuns::next`]
/// builds the next account's client with `connect`, runs the action over its numbers (at most
/// `options.concurrency` requests in flight) and returns what happened, so the caller records
/// each account's results as soon as they are known. Progress counts the whole selection's
/// numbers that have an account; an account without a client counts as done and failed. Once
/// `options.cancel` is cancelled, the remaining accounts are not connected and their numbers
/// are `NotStarted`.
pub struct AccountRuns<'a, A, C> {
    action: A,
    connect: C,
    options: &'a BulkOptions,
    progress: ProgressFn<'a, BulkProgress>,
    groups: std::collections::btree_map::IntoIter<(Provider, String), Vec<PhoneNumber>>,
    total: usize,
    done: usize,
    failed: usize,
    cancelled: bool,
}

impl<A, C> std::fmt::Debug for AccountRuns<'_, A, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRuns")
            .field("total", &self.total)
            .field("done", &self.done)
            .field("failed", &self.failed)
            .field("cancelled", &self.cancelled)
            .finish_non_exhaustive()
    }
}

impl<'a, A, C, Fut, E> AccountRuns<'a, A, C>
where
    A: AccountAction,
    C: FnMut(Provider, String) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<ProviderClient, E>>,
{
    /// A run of `action` over `groups` (see [`AccountGroups`]), with `connect` building each
    /// account's client.
    pub fn new(
        groups: BTreeMap<(Provider, String), Vec<PhoneNumber>>,
        action: A,
        connect: C,
        options: &'a BulkOptions,
        progress: ProgressFn<'a, BulkProgress>,
    ) -> Self {
        let total = groups.values().map(Vec::len).sum();
        AccountRuns {
            action,
            connect,
            options,
            progress,
            groups: groups.into_iter(),
            total,
            done: 0,
            failed: 0,
            cancelled: false,
        }
    }

    /// The next account: its provider, account id and what happened to its numbers; `None`
    /// when every account ran.
    pub async fn next(&mut self) -> Option<(Provider, String, AccountBatch<A::Output, E>)> {
        let ((provider, account_id), numbers) = self.groups.next()?;
        if self.options.cancel.is_cancelled() {
            self.cancelled = true;
            let ran = numbers
                .into_iter()
                .map(|n| (n, Outcome::NotStarted))
                .collect();
            return Some((provider, account_id, AccountBatch::Ran(ran)));
        }
        let client = match (self.connect)(provider, account_id.clone()).await {
            Ok(client) => client,
            Err(e) => {
                self.done += numbers.len();
                self.failed += numbers.len();
                (self.progress)(self.progress());
                return Some((provider, account_id, AccountBatch::NoClient(numbers, e)));
            }
        };
        let (done, failed, total, progress) = (self.done, self.failed, self.total, self.progress);
        let report = move |p: BulkProgress| {
            progress(BulkProgress {
                done: done + p.done,
                failed: failed + p.failed,
                total,
            })
        };
        // The objects the account's numbers share are read once in its run.
        let client = client.sharing_reads();
        let report = self
            .action
            .run(&client, &numbers, self.options, &report)
            .await;
        self.done += report.outcomes.len() - report.not_started();
        self.failed += report.failed();
        self.cancelled |= report.cancelled;
        let ran = numbers
            .into_iter()
            .zip(report.outcomes)
            .map(|(n, o)| (n, o.outcome))
            .collect();
        Some((provider, account_id, AccountBatch::Ran(ran)))
    }

    /// Progress so far.
    pub fn progress(&self) -> BulkProgress {
        BulkProgress {
            done: self.done,
            failed: self.failed,
            total: self.total,
        }
    }

    /// Whether cancellation left numbers not started.
    pub fn cancelled(&self) -> bool {
        self.cancelled
    }
}

/// Verifies several accounts, at most `options.concurrency` at once.
pub async fn verify_accounts(
    clients: &[ProviderClient],
    options: &BulkOptions,
) -> Vec<Result<AccountInfo>> {
    futures_util::stream::iter(clients.iter())
        .map(|c| async move {
            if options.cancel.is_cancelled() {
                return Err(ProviderError::Cancelled {
                    api: c.api(),
                    subject: crate::Subject::Account(c.account_id().to_owned()),
                });
            }
            c.verify().await
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await
}

/// The record update a verification result calls for: `Ok` → `last_verified_at = now` (and a
/// previous `error` status back to `active`, the verify error cleared); `Auth` → `status =
/// error` with the provider's reason in metadata `lastVerifyError`; anything else → `None`
/// (a network failure is not a credential failure).
pub fn verification_update<T>(
    result: &Result<T>,
    current: Status,
    now: OffsetDateTime,
) -> Option<NumberUpdate> {
    match result {
        Ok(_) => {
            let mut patch = serde_json::Map::new();
            patch.insert("lastVerifyError".into(), serde_json::Value::Null);
            Some(NumberUpdate {
                last_verified_at: Some(now),
                status: (current == Status::Error).then_some(Status::Active),
                metadata_patch: Metadata::from_value(serde_json::Value::Object(patch)).ok(),
                ..NumberUpdate::default()
            })
        }
        Err(e) if e.is_auth() => {
            let mut patch = serde_json::Map::new();
            patch.insert("lastVerifyError".into(), e.reason().into());
            Some(NumberUpdate {
                status: Some(Status::Error),
                metadata_patch: Metadata::from_value(serde_json::Value::Object(patch)).ok(),
                ..NumberUpdate::default()
            })
        }
        Err(_) => None,
    }
}

/// The record update after the provider confirmed a webhook change: `webhook_configured`
/// and `webhook_url` are set only if the confirmed state carries `platform_url` (voice, or
/// SMS for numbers without voice), and the SMS URL the provider confirms is recorded as the
/// metadata fact `smsWebhookUrl` (removed when the provider has none).
pub fn webhook_update(state: &WebhookState, platform_url: &str) -> NumberUpdate {
    let same = |u: Option<&str>| same_url(u, platform_url);
    let configured = same(state.voice_url()) || same(state.sms_url());
    NumberUpdate {
        webhook: Some((
            configured,
            state.voice_url().or(state.sms_url()).map(str::to_owned),
        )),
        metadata_patch: Some(Metadata::sms_webhook_url_patch(state.sms_url())),
        ..NumberUpdate::default()
    }
}

/// Whether a periodic re-verification is due (for the desktop app's scheduler).
pub fn verification_due(
    last_verified_at: Option<OffsetDateTime>,
    interval: Duration,
    now: OffsetDateTime,
) -> bool {
    match last_verified_at {
        None => true,
        Some(last) => (now - last) >= interval,
    }
}
