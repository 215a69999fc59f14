//! The provider actions on numbers already in the inventory, once for every shell: verifying
//! numbers (one, a selection, or those due for re-verification), buying and releasing a
//! number, and the account-by-account runner the bulk actions share (webhooks and drift are in
//! [`crate::webhooks`]).
//!
//! A bulk action takes a selection grouped by account ([`AccountGroups`]) and a `connect` the
//! shell gives (its vault, its wording of "credentials not on this device"), runs the
//! provider action account by account ([`AccountRuns`]), and records what each provider said
//! through the open [`Inventory`] as soon as its account is done. The result, [`Ran`], keeps
//! every number with what happened to it (the provider's error itself), so each shell words
//! it; the desktop app sends it as a [`ProviderReport`].

use std::sync::Arc;

use serde::Serialize;
use switchboard_core::domain::{NumberUpdate, PhoneNumber, ValidNumber};
use switchboard_core::query::NumberFilter;
use switchboard_core::store::{AccountNotAdded, NumberRef};
use switchboard_core::{Error, Result};
use switchboard_providers::flows::{
    self, AccountAction, AccountBatch, AccountGroups, AccountRuns, BulkOptions, BulkProgress,
    Outcome,
};
use switchboard_providers::model::{
    Confirmed, Drift, FoundNumber, ProgressFn, ProviderNumber, WebhookChange,
};
use switchboard_providers::twilio::TwilioClient;
use switchboard_providers::{ProviderClient, ProviderError, ProviderErrorCode};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Inventory;
use crate::providers::client::ProviderFailure;

/// What happened to one selected number.
#[derive(Debug)]
pub enum Sent<T, E> {
    /// The provider answered.
    Done(T),
    /// The provider failed, with its reason.
    Failed(ProviderError),
    /// Not attempted: the action was cancelled first.
    NotStarted,
    /// Not sent: the number references no provider account.
    NoAccount,
    /// Not sent: its account was not added to its organization.
    NotAdded(AccountNotAdded),
    /// Not sent: no client for its account (the shell's `connect` says why).
    NoClient(Arc<E>),
}

/// One selected number and what happened to it.
#[derive(Debug)]
pub struct Line<T, E> {
    /// The record: as written, when the provider's answer changed it.
    pub number: PhoneNumber,
    /// What happened.
    pub sent: Sent<T, E>,
}

/// What a bulk provider action did: numbers without an account first, then those whose
/// account was not added, then each account's numbers (accounts sorted, selection order).
#[derive(Debug)]
pub struct Ran<T, E> {
    /// One line per number.
    pub lines: Vec<Line<T, E>>,
    /// True when cancellation left numbers not started.
    pub cancelled: bool,
}

/// Why a number named alone (not a selection) was not done: its failure is the action's, not a
/// report's line.
#[derive(Debug)]
pub enum Alone<E> {
    /// Nothing was sent: the number has no provider account, or its account was not added to
    /// its organization.
    Refused(ProviderFailure),
    /// No client for its account (the shell's `connect` says why).
    NoClient(E),
    /// The provider failed (its answer was recorded; boxed: provider errors carry the
    /// provider's whole message).
    Failed(Box<ProviderError>),
}

impl<T, E> Ran<T, E> {
    /// A run over one number named alone: [`Alone`] when it was not sent or the provider
    /// failed; else the run, to report.
    pub fn alone(mut self) -> std::result::Result<Self, Alone<E>> {
        let Some(Line { number, sent }) = self.lines.pop() else {
            return Ok(self);
        };
        let sent = match sent {
            Sent::NoAccount => {
                let refused = ProviderFailure::NoAccount(number.phone_number);
                return Err(Alone::Refused(refused));
            }
            Sent::NotAdded(e) => return Err(Alone::Refused(ProviderFailure::NotAdded(e))),
            // Its account's only number: the reason is not shared with another line.
            Sent::NoClient(e) => match Arc::try_unwrap(e) {
                Ok(e) => return Err(Alone::NoClient(e)),
                Err(e) => Sent::NoClient(e),
            },
            Sent::Failed(e) => return Err(Alone::Failed(Box::new(e))),
            sent => sent,
        };
        self.lines.push(Line { number, sent });
        Ok(self)
    }
}

/// What a provider said about a number, to record: its outcome as kept in the report, and the
/// record update it calls for.
type Recorded<T> = (Outcome<T>, Option<NumberUpdate>);

/// How a bulk action runs: the inventory that records what the providers said, `connect`
/// building each account's client (`E` says why it could not), the concurrency and
/// cancellation, and progress (of the numbers with an account).
pub struct Bulk<'a, C> {
    /// The open inventory.
    pub inventory: &'a dyn Inventory,
    /// Builds an account's client.
    pub connect: C,
    /// Requests in flight at most, per account, and the cancellation.
    pub options: &'a BulkOptions,
    /// Called after each number.
    pub progress: ProgressFn<'a, BulkProgress>,
}

impl<C> std::fmt::Debug for Bulk<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (f.debug_struct("Bulk"))
            .field("inventory", &self.inventory)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a, C, Fut, E> Bulk<'a, C>
where
    C: FnMut(switchboard_core::domain::Provider, String) -> Fut,
    Fut: Future<Output = std::result::Result<ProviderClient, E>>,
{
    /// A bulk action's settings.
    pub fn new(
        inventory: &'a dyn Inventory,
        connect: C,
        options: &'a BulkOptions,
        progress: ProgressFn<'a, BulkProgress>,
    ) -> Self {
        Bulk {
            inventory,
            connect,
            options,
            progress,
        }
    }

    /// Runs `action` over `grouped`, account by account; `record` turns each number's outcome
    /// into the update it calls for, written through the inventory once its account is done
    /// (stops at the first write refused).
    pub async fn run<A: AccountAction>(
        self,
        grouped: AccountGroups,
        action: A,
        mut record: impl FnMut(&PhoneNumber, Outcome<A::Output>) -> Recorded<A::Output>,
    ) -> Result<Ran<A::Output, E>> {
        let mut lines: Vec<Line<A::Output, E>> = (grouped.without_account.into_iter())
            .map(|number| Line {
                number,
                sent: Sent::NoAccount,
            })
            .collect();
        lines.extend(grouped.not_added.into_iter().map(|(number, e)| Line {
            number,
            sent: Sent::NotAdded(e),
        }));
        let (options, progress) = (self.options, self.progress);
        let mut runs = AccountRuns::new(grouped.groups, action, self.connect, options, progress);
        while let Some((_, _, batch)) = runs.next().await {
            let ran = match batch {
                AccountBatch::Ran(ran) => ran,
                AccountBatch::NoClient(group, e) => {
                    let e = Arc::new(e);
                    lines.extend(group.into_iter().map(|number| Line {
                        number,
                        sent: Sent::NoClient(e.clone()),
                    }));
                    continue;
                }
            };
            for (mut number, outcome) in ran {
                let (outcome, update) = record(&number, outcome);
                if let Some(change) = update {
                    let (r, org) = (NumberRef::Id(number.id), Some(number.organization_id));
                    number = self.inventory.update_number(&r, org, &change).await?.number;
                }
                let sent = match outcome {
                    Outcome::Ok(t) => Sent::Done(t),
                    Outcome::Failed(e) => Sent::Failed(e),
                    Outcome::NotStarted => Sent::NotStarted,
                };
                lines.push(Line { number, sent });
            }
        }
        Ok(Ran {
            lines,
            cancelled: runs.cancelled(),
        })
    }

    /// Verifies numbers with their providers ([`flows::Verify`]: each must still belong to
    /// its account, with working credentials) and records the result
    /// ([`flows::verification_update`]: success sets `last_verified_at`, a refusal sets
    /// `status = error` with the provider's reason, anything else changes nothing).
    pub async fn verify(self, grouped: AccountGroups) -> Result<Ran<FoundNumber, E>> {
        let now = OffsetDateTime::now_utc();
        let record = |n: &PhoneNumber, outcome: Outcome<FoundNumber>| match outcome {
            Outcome::Ok(found) => {
                let update = flows::verification_update(&Ok(()), n.status, now);
                (Outcome::Ok(found), update)
            }
            Outcome::Failed(e) => {
                let failed: switchboard_providers::Result<()> = Err(e);
                let update = flows::verification_update(&failed, n.status, now);
                (
                    failed.err().map_or(Outcome::NotStarted, Outcome::Failed),
                    update,
                )
            }
            Outcome::NotStarted => (Outcome::NotStarted, None),
        };
        self.run(grouped, flows::Verify, record).await
    }

    /// Compares the webhooks at the provider with the URLs on record ([`flows::CheckDrift`]);
    /// changes nothing.
    pub async fn check_drift(self, grouped: AccountGroups) -> Result<Ran<Drift, E>> {
        self.run(grouped, flows::CheckDrift, |_, outcome| (outcome, None))
            .await
    }
}

/// How a shell words a report line the provider did not answer: its error, an account not
/// added to the number's organization, why an account had no client (the CLI and the app name
/// different commands in their hints).
pub trait Wording<E> {
    /// A provider's error, in one line.
    fn provider_error(&self, e: &ProviderError) -> String;
    /// Why a number's account is not used.
    fn not_added(&self, e: &AccountNotAdded) -> String;
    /// Why an account had no client.
    fn no_client(&self, e: &E) -> String;
    /// Why a number without a provider account was not sent.
    fn no_account(&self, _number: &PhoneNumber) -> String {
        "no provider account".into()
    }
}

/// A [`Wording`] given as functions, for a shell whose words need nothing else.
#[derive(Debug, Clone, Copy)]
pub struct WordsOf<E> {
    /// A provider's error, in one line.
    pub provider_error: fn(&ProviderError) -> String,
    /// Why a number's account is not used.
    pub not_added: fn(&AccountNotAdded) -> String,
    /// Why an account had no client.
    pub no_client: fn(&E) -> String,
}

impl<E> Wording<E> for WordsOf<E> {
    fn provider_error(&self, e: &ProviderError) -> String {
        (self.provider_error)(e)
    }

    fn not_added(&self, e: &AccountNotAdded) -> String {
        (self.not_added)(e)
    }

    fn no_client(&self, e: &E) -> String {
        (self.no_client)(e)
    }
}

/// The desktop app's words: the provider's error as [`provider_error_message`] puts it, the
/// refusal of an account not added as core says it, and `.0` saying why an account had no
/// client.
struct AppWords<F>(F);

impl<E, F: Fn(&E) -> String> Wording<E> for AppWords<F> {
    fn provider_error(&self, e: &ProviderError) -> String {
        provider_error_message(e)
    }

    fn not_added(&self, e: &AccountNotAdded) -> String {
        e.to_string()
    }

    fn no_client(&self, e: &E) -> String {
        (self.0)(e)
    }

    fn no_account(&self, number: &PhoneNumber) -> String {
        no_account(&number.phone_number)
    }
}

/// The desktop app's words ([`ProviderReport`]'s), with `no_client` saying why an account had
/// no client.
pub fn app_words<E>(no_client: impl Fn(&E) -> String) -> impl Wording<E> {
    AppWords(no_client)
}

/// One number's line in a bulk report: its record, how it ended (a word of the report, e.g.
/// "re-pointed", "skipped") and why.
#[derive(Debug, Clone)]
pub struct ReportLine {
    /// The record, as written.
    pub number: PhoneNumber,
    /// How it ended.
    pub result: &'static str,
    /// Why, when it did not go as asked.
    pub detail: String,
}

/// What a number's line says before the provider's answer is looked at.
pub(crate) enum Answer<T> {
    /// The provider answered.
    Done(T),
    /// The provider failed.
    Failed(ProviderError),
    /// Not sent, or not finished: the result and the reason.
    Line(&'static str, String),
}

impl<T, E> Sent<T, E> {
    /// The provider's answer, or the result and message of a number it did not answer, as
    /// the desktop app shows them (`refused` is added to a refusal of the credentials; a
    /// number whose account had no client is skipped).
    pub(crate) fn app_result(
        self,
        number: &PhoneNumber,
        words: &impl Wording<E>,
        refused: &str,
    ) -> std::result::Result<T, (NumberResult, String)> {
        Err(match self.answer(number, words, "skipped") {
            Answer::Done(t) => return Ok(t),
            Answer::Failed(e) if e.is_auth() => (
                NumberResult::Refused,
                format!("{}{refused}", provider_error_message(&e)),
            ),
            Answer::Failed(e) => (NumberResult::Failed, provider_error_message(&e)),
            Answer::Line("not started", why) => (NumberResult::NotStarted, why),
            Answer::Line(_, why) => (NumberResult::Skipped, why),
        })
    }

    /// The line of a number the provider did not answer (`no_client` is the result of a number
    /// whose account had no client), else the answer or the failure.
    pub(crate) fn answer(
        self,
        number: &PhoneNumber,
        words: &impl Wording<E>,
        no_client: &'static str,
    ) -> Answer<T> {
        match self {
            Sent::Done(t) => Answer::Done(t),
            Sent::Failed(e) => Answer::Failed(e),
            Sent::NotStarted => Answer::Line("not started", "cancelled".into()),
            Sent::NoAccount => Answer::Line("skipped", words.no_account(number)),
            Sent::NotAdded(e) => Answer::Line("skipped", words.not_added(&e)),
            Sent::NoClient(e) => Answer::Line(no_client, words.no_client(&e)),
        }
    }
}

/// How many lines of a report ended `result`.
pub(crate) fn count<'a>(lines: impl IntoIterator<Item = &'a ReportLine>, result: &str) -> usize {
    lines.into_iter().filter(|l| l.result == result).count()
}

/// A verification's report: "ok", "auth refused" (the status was set to error), "failed",
/// "not started", "skipped", "not checked".
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// One line per number.
    pub lines: Vec<ReportLine>,
    /// Numbers verified.
    pub verified: usize,
    /// Numbers not verified.
    pub failed: usize,
    /// True when cancellation left numbers not started.
    pub cancelled: bool,
}

impl VerifyReport {
    /// The report of a verification, worded by `words`.
    pub fn new<E>(ran: Ran<FoundNumber, E>, words: &impl Wording<E>) -> Self {
        let lines: Vec<ReportLine> = (ran.lines.into_iter())
            .map(|Line { number, sent }| {
                let (result, detail) = match sent.answer(&number, words, "not checked") {
                    Answer::Done(_) => ("ok", String::new()),
                    Answer::Failed(e) if e.is_auth() => (
                        "auth refused",
                        format!("{}; status set to error", words.provider_error(&e)),
                    ),
                    Answer::Failed(e) => ("failed", words.provider_error(&e)),
                    Answer::Line(result, detail) => (result, detail),
                };
                ReportLine {
                    number,
                    result,
                    detail,
                }
            })
            .collect();
        let verified = count(&lines, "ok");
        VerifyReport {
            failed: lines.len() - verified,
            verified,
            lines,
            cancelled: ran.cancelled,
        }
    }
}

/// The organization that names each account of `grouped` in a hint: its first number's, by
/// slug (left out when it cannot be read).
pub async fn account_organizations(
    inventory: &dyn Inventory,
    grouped: &AccountGroups,
) -> std::collections::HashMap<(switchboard_core::domain::Provider, String), String> {
    let mut slugs = std::collections::HashMap::new();
    for (key, group) in &grouped.groups {
        if let Some(n) = group.first()
            && let Ok(org) = inventory.organization(&n.organization_id.to_string()).await
        {
            slugs.insert(key.clone(), org.slug);
        }
    }
    slugs
}

/// Every number `filter` selects, in E.164 order (read a page of 1,000 at a time): the
/// selection of a bulk provider action.
pub async fn select(inventory: &dyn Inventory, filter: NumberFilter) -> Result<Vec<PhoneNumber>> {
    let sort = "number".parse::<switchboard_core::query::Sort>()?;
    let mut query = switchboard_core::query::NumberQuery::first(filter, sort, 1000)?;
    let mut all = Vec::new();
    loop {
        let page = inventory.list_numbers(&query).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(all),
        }
    }
}

/// The organizations with numbers due for re-verification, each with them: verified last
/// before `before` (or never), at most `batch` per organization, least recently verified first
/// (core's rule, `Workspace::verification_due`, on the inventory's workspace file; none
/// without one).
pub async fn verification_due(
    inventory: &dyn Inventory,
    before: OffsetDateTime,
    batch: usize,
) -> Result<Vec<(Uuid, Vec<PhoneNumber>)>> {
    let Some(file) = inventory.file() else {
        return Ok(Vec::new());
    };
    file.run(move |ws| {
        let mut due = Vec::new();
        for org in ws.organizations()? {
            let numbers = ws.verification_due(org.id, before, batch)?;
            if !numbers.is_empty() {
                due.push((org.id, numbers));
            }
        }
        Ok(due)
    })
    .await
}

/// How one number of a provider action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NumberResult {
    /// Done.
    Ok,
    /// Nothing to do: a repair found the number already in sync, so nothing was written.
    InSync,
    /// The provider refused the credentials.
    Refused,
    /// Failed (the message says why); nothing changed for this number.
    Failed,
    /// Not attempted: the action was cancelled first.
    NotStarted,
    /// Not attempted: the number has no provider account, its account was not added to its
    /// organization, or its account's secret is not on this device.
    Skipped,
}

/// One number's line in a bulk provider report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NumberOutcome {
    /// The number's id.
    pub id: String,
    /// E.164.
    pub phone_number: String,
    /// How it ended.
    pub result: NumberResult,
    /// What happened, in a sentence (the confirmed URL, or the reason).
    pub message: String,
}

/// The per-number report of a bulk provider action, in the order of the ids given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProviderReport {
    /// One line per number.
    pub outcomes: Vec<NumberOutcome>,
    /// Numbers done (for a repair: changed).
    pub succeeded: u32,
    /// Numbers a repair found already in sync: nothing was written.
    pub in_sync: u32,
    /// Numbers not done (failed, refused, skipped, not started).
    pub failed: u32,
    /// True when the manager cancelled before the end.
    pub cancelled: bool,
}

/// A provider's error in one line, as the desktop app shows it: a network failure says that
/// nothing was changed.
pub fn provider_error_message(e: &ProviderError) -> String {
    let text = if e.code() == ProviderErrorCode::Offline {
        format!("{e} (a network failure, not a credential failure: nothing was changed)")
    } else {
        e.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl ProviderReport {
    /// The report of `ran`, in the order of `order` (ids not in `ran` are left out): `done`
    /// says how a number the provider answered ended ([`NumberResult::Ok`], or
    /// [`NumberResult::InSync`]) and words it, `refused` is added to a refusal of the
    /// credentials, `no_client` words why an account had no client.
    pub fn new<T, E>(
        ran: Ran<T, E>,
        order: &[Uuid],
        done: impl Fn(&T) -> (NumberResult, String),
        refused: &str,
        no_client: impl Fn(&E) -> String,
    ) -> Self {
        let words = AppWords(no_client);
        let mut lines: std::collections::HashMap<Uuid, NumberOutcome> = ran
            .lines
            .into_iter()
            .map(|Line { number, sent }| {
                let (result, message) = match sent.app_result(&number, &words, refused) {
                    Ok(t) => done(&t),
                    Err(not_done) => not_done,
                };
                let line = NumberOutcome {
                    id: number.id.to_string(),
                    phone_number: number.phone_number.to_string(),
                    result,
                    message,
                };
                (number.id, line)
            })
            .collect();
        let outcomes: Vec<NumberOutcome> = order.iter().filter_map(|id| lines.remove(id)).collect();
        let ended = |r: NumberResult| outcomes.iter().filter(|o| o.result == r).count() as u32;
        let (succeeded, in_sync) = (ended(NumberResult::Ok), ended(NumberResult::InSync));
        ProviderReport {
            failed: outcomes.len() as u32 - succeeded - in_sync,
            succeeded,
            in_sync,
            outcomes,
            cancelled: ran.cancelled,
        }
    }
}

/// One account a bulk action will ask, and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountAsk {
    /// The provider.
    pub provider: switchboard_core::domain::Provider,
    /// The account.
    pub account_id: String,
    /// Its numbers in the selection.
    pub numbers: u32,
    /// The requests sent for them (a throttled request is retried, and counts again).
    pub requests: u32,
}

/// What a bulk verification will ask, shown before asking: which accounts, how many numbers
/// each, how many requests ([`flows::Verify`]: one lookup a number, and for a Bandwidth
/// account the OAuth2 token its client asks for once; a legacy Basic API user sends one
/// fewer), and the numbers not sent with why. Built from the selection alone: nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VerifyPlan {
    /// The accounts asked, sorted.
    pub accounts: Vec<AccountAsk>,
    /// Numbers asked about.
    pub numbers: u32,
    /// Requests in all.
    pub requests: u32,
    /// The numbers not sent (no provider account, or one not added to their organization),
    /// in selection order.
    pub skipped: Vec<NumberOutcome>,
}

impl VerifyPlan {
    /// The plan of verifying `grouped`; the numbers not sent are worded by `words`.
    pub fn new<E>(grouped: &AccountGroups, words: &impl Wording<E>) -> Self {
        let accounts: Vec<AccountAsk> = (grouped.groups.iter())
            .map(|((provider, account_id), numbers)| AccountAsk {
                provider: *provider,
                account_id: account_id.clone(),
                numbers: numbers.len() as u32,
                requests: numbers.len() as u32
                    + u32::from(*provider == switchboard_core::domain::Provider::Bandwidth),
            })
            .collect();
        VerifyPlan {
            numbers: accounts.iter().map(|a| a.numbers).sum(),
            requests: accounts.iter().map(|a| a.requests).sum(),
            accounts,
            skipped: not_sent(grouped, words),
        }
    }
}

/// What verifying `numbers` will ask ([`VerifyPlan`]), with the accounts added on this device
/// (every shell's verification plan: the app's before a bulk verification, the CLI's
/// `numbers verify --dry-run`); the numbers not sent are worded by `words`. Sends nothing.
pub async fn verify_plan<E>(
    inventory: &dyn Inventory,
    numbers: Vec<PhoneNumber>,
    words: &impl Wording<E>,
) -> Result<VerifyPlan> {
    let added = crate::providers::added_accounts(inventory).await?;
    Ok(VerifyPlan::new(&AccountGroups::new(numbers, &added), words))
}

/// The lines of the numbers of `grouped` that are not sent, as `words` words them.
fn not_sent<E>(grouped: &AccountGroups, words: &impl Wording<E>) -> Vec<NumberOutcome> {
    let line = |n: &PhoneNumber, message: String| NumberOutcome {
        id: n.id.to_string(),
        phone_number: n.phone_number.to_string(),
        result: NumberResult::Skipped,
        message,
    };
    (grouped.without_account.iter())
        .map(|n| line(n, words.no_account(n)))
        .chain((grouped.not_added.iter()).map(|(n, e)| line(n, words.not_added(e))))
        .collect()
}

/// What a bulk provider action of the desktop app does to each number.
#[derive(Debug)]
pub enum BulkAction {
    /// Verify them ([`Bulk::verify`]).
    Verify,
    /// Re-point their webhooks ([`Bulk::set_webhooks`]).
    Webhooks(flows::SetWebhooks),
}

/// A selection grouped by account for a bulk provider action of the desktop app: the order
/// its report keeps, and its progress, where the numbers that are not sent (no account, or one
/// not added) count as done from the start.
#[derive(Debug)]
pub struct Prepared {
    /// The ids, in the order given.
    pub order: Vec<Uuid>,
    /// The numbers by account ([`AccountGroups::new`] with the accounts added on this device).
    pub grouped: AccountGroups,
    skipped: u64,
    total: u64,
}

impl Prepared {
    /// Groups `numbers` by account; reports the numbers not sent as done through `progress`.
    pub async fn new(
        inventory: &dyn Inventory,
        numbers: Vec<PhoneNumber>,
        progress: ProgressFn<'_, crate::Progress>,
    ) -> Result<Self> {
        let order: Vec<Uuid> = numbers.iter().map(|n| n.id).collect();
        let total = order.len() as u64;
        let added = crate::providers::added_accounts(inventory).await?;
        let grouped = AccountGroups::new(numbers, &added);
        let skipped = (grouped.without_account.len() + grouped.not_added.len()) as u64;
        progress(crate::Progress {
            done: skipped,
            total,
        });
        Ok(Prepared {
            order,
            grouped,
            skipped,
            total,
        })
    }

    /// The progress of the selection, from a run's progress (of the numbers sent).
    pub fn progress<'a>(
        &self,
        progress: ProgressFn<'a, crate::Progress>,
    ) -> impl Fn(BulkProgress) + 'a {
        let (skipped, total) = (self.skipped, self.total);
        move |p: BulkProgress| {
            progress(crate::Progress {
                done: skipped + p.done as u64,
                total,
            });
        }
    }
}

/// Runs `action` over `numbers` account by account ([`Bulk`], with the accounts added on this
/// device) and reports each number in the order of `numbers` ([`ProviderReport`]; `no_client`
/// words why an account had no client). Progress counts the numbers that are not sent (no
/// account, or one not added) as done from the start ([`Prepared`]).
pub async fn provider_report<C, Fut, E>(
    inventory: &dyn Inventory,
    numbers: Vec<PhoneNumber>,
    action: BulkAction,
    (connect, options): (C, &BulkOptions),
    progress: ProgressFn<'_, crate::Progress>,
    no_client: impl Fn(&E) -> String,
) -> Result<ProviderReport>
where
    C: FnMut(switchboard_core::domain::Provider, String) -> Fut,
    Fut: Future<Output = std::result::Result<ProviderClient, E>>,
{
    let numbers = match &action {
        BulkAction::Webhooks(action) => crate::webhooks::changed_numbers(&action.change, numbers),
        BulkAction::Verify => numbers,
    };
    let prepared = Prepared::new(inventory, numbers, progress).await?;
    let report = prepared.progress(progress);
    let Prepared { order, grouped, .. } = prepared;
    let bulk = Bulk::new(inventory, connect, options, &report);
    Ok(match action {
        BulkAction::Verify => {
            let ran = bulk.verify(grouped).await?;
            let refused = "; status set to error";
            let verified = |_: &_| (NumberResult::Ok, "verified".into());
            ProviderReport::new(ran, &order, verified, refused, no_client)
        }
        BulkAction::Webhooks(action) => {
            let ran = bulk.set_webhooks(grouped, action).await?;
            ProviderReport::new(ran, &order, confirmed_urls, "", no_client)
        }
    })
}

/// How a number's webhook change ended: changed, or already in sync (a repair wrote nothing),
/// with the URLs its provider confirms in words.
fn confirmed_urls(applied: &switchboard_providers::model::Applied) -> (NumberResult, String) {
    let urls = format!(
        "voice {}, sms {}",
        applied.state.voice_url().unwrap_or("(none)"),
        applied.state.sms_url().unwrap_or("(none)")
    );
    let result = if applied.in_sync {
        NumberResult::InSync
    } else {
        NumberResult::Ok
    };
    (result, urls)
}

/// Why a record without a provider account cannot be asked about, as the desktop app says it.
pub fn no_account(phone_number: &switchboard_core::domain::E164) -> String {
    format!(
        "{phone_number} has no provider account, so its provider cannot be asked; import it \
         from its account instead"
    )
}

/// A provider action that failed at the provider or in the inventory.
#[derive(Debug)]
pub enum Failed {
    /// The provider refused or could not be reached.
    Provider(ProviderError),
    /// The inventory (or a rule of core's) refused.
    Inventory(Error),
}

impl From<ProviderError> for Failed {
    fn from(e: ProviderError) -> Self {
        Failed::Provider(e)
    }
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Inventory(e)
    }
}

impl Failed {
    /// Whether a call sent once may have happened or not: the network failed during it.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Failed::Provider(e) if e.code() == ProviderErrorCode::Offline)
    }
}

/// The confirmation a purchase or a release carries: only one naming `number` itself.
pub fn confirmation(
    number: &switchboard_core::domain::E164,
    confirmed_number: &str,
) -> Option<Confirmed> {
    let parsed = switchboard_core::domain::E164::parse(confirmed_number, None);
    (parsed.is_ok_and(|c| &c == number)).then(|| Confirmed::number(number))
}

/// A bought number, and its record when it was added to an organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bought {
    /// The number as the provider sold it.
    pub bought: ProviderNumber,
    /// Its record in the organization.
    pub record: Option<PhoneNumber>,
}

/// Buys `number` on a Twilio account (`confirmed` must name it; sent once, never retried), with
/// its webhooks pointed at `hooks` when given, and adds it to `organization_id` when given (the
/// account by reference; a webhook URL recorded as the provider confirmed it). A
/// [`Failed::Provider`] comes from the purchase only.
pub async fn buy(
    inventory: &dyn Inventory,
    twilio: &TwilioClient,
    account_id: &str,
    organization_id: Option<Uuid>,
    number: &switchboard_core::domain::E164,
    confirmed: &Confirmed,
    hooks: Option<&WebhookChange>,
) -> std::result::Result<Bought, Failed> {
    let bought = twilio.buy(number, confirmed, hooks).await?;
    tracing::info!(number = %bought.phone_number, "bought a number");
    let Some(org) = organization_id else {
        return Ok(Bought {
            bought,
            record: None,
        });
    };
    let valid: ValidNumber = bought.to_new_number(account_id).validate()?;
    let mut record = inventory.add_number(org, valid).await?.number;
    if let Some(url) = hooks.and_then(|h| h.voice_url.as_ref().or(h.sms_url.as_ref())) {
        let confirmed = bought.voice_url.as_ref().or(bought.sms_url.as_ref());
        let change = NumberUpdate {
            webhook: Some((confirmed == Some(url), confirmed.cloned())),
            ..NumberUpdate::default()
        };
        let r = NumberRef::Id(record.id);
        record = inventory
            .update_number(&r, Some(org), &change)
            .await?
            .number;
    }
    Ok(Bought {
        bought,
        record: Some(record),
    })
}

/// Releases a number from its Twilio account (`confirmed` must name it; sent once, never
/// retried) and removes it from the inventory; returns the record as it was. A
/// [`Failed::Provider`] comes from the release only.
pub async fn release(
    inventory: &dyn Inventory,
    twilio: &TwilioClient,
    n: &PhoneNumber,
    confirmed: &Confirmed,
) -> std::result::Result<PhoneNumber, Failed> {
    let r = switchboard_providers::account::number_ref(n);
    twilio.release(&r, confirmed).await?;
    tracing::info!(number = %n.phone_number, "released a number");
    let removed = inventory
        .remove_number(&NumberRef::Id(n.id), Some(n.organization_id))
        .await?;
    Ok(removed.number)
}
