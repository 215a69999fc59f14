//! Usage, cost and health of an organization's numbers: the store of call and message records
//! ([`UsageStore`]), one interface over the local workspace, the team database and the team
//! workspace's cache.
//!
//! # Storage
//! Every store keeps the tables of the usage storage spec (`calls`, `messages`, `usage_daily`,
//! `usage_daily_cost`, `usage_cursors`; SQLite: core's `store/migrations/…_usage.sql`,
//! PostgreSQL: `migrations/`), with these guarantees, whatever the store:
//! - a record is kept once per (organization, provider, account, provider record id): keeping it
//!   again overwrites it with what was read (idempotent);
//! - a record is kept only for a number the organization has (matched by E.164), with that
//!   number's id; the others are counted as [`Kept::not_ours`] and not kept;
//! - `usage_daily` and `usage_daily_cost` equal the records at every commit: they are written in
//!   the same transaction as the records, exactly (a pending record that gets priced moves from
//!   `pending` to its currency's cost; a re-read record is counted once);
//! - money is per currency, never converted; a pending price is never zero.
//!
//! # Reads
//! Reports and health read the daily rollups only (grouped in the store's SQL; the workspace
//! file's report by number reads the same rollups packed per number and 32-day block), so a
//! report over a million records reads tens of thousands of rows, not the records. Health
//! therefore works on whole UTC days (see `switchboard_core::usage::health_from_days`); each
//! number's figures come with their sample sizes (the calls and answered calls of the window)
//! and the start of its latest call in the window (each daily rollup row keeps its day's
//! latest final call: the local workspace reads it there; the team database reads it from the
//! records).

use async_trait::async_trait;
use switchboard_core::Result;
use switchboard_core::usage::{
    CallRecord, DayRange, GroupBy, Kept, MessageRecord, NumberDayRows, NumberDays, RecordKind,
    UsageAccount, UsageCursor, UsageRow,
};
use time::OffsetDateTime;
use uuid::Uuid;

use std::collections::HashMap;

use serde::Serialize;
use switchboard_core::domain::{E164, PhoneNumber, Provider};
use switchboard_core::query::{MAX_PAGE, NumberFilter, NumberQuery, Page};
use switchboard_core::usage::{
    DayCalls, Health, HealthState, ReportRow, Thresholds, health_from_days,
};
use switchboard_providers::model::{PageSink, UsagePage};
use switchboard_providers::{ProviderClient, ProviderError};
use time::{Date, Duration};
use tokio_util::sync::CancellationToken;

use crate::providers::client::{ProviderFailure, check_added, connect};
use crate::{Inventory, for_each_page};

/// The one interface to a store of call and message records (object-safe: `&dyn UsageStore`).
///
/// Every method is one transaction of the store: on an error nothing is changed.
#[async_trait]
pub trait UsageStore: std::fmt::Debug + Send + Sync {
    /// Where the next pull of `account`'s records of `kind` starts; `None` before its first
    /// pull.
    async fn cursor(&self, account: &UsageAccount, kind: RecordKind)
    -> Result<Option<UsageCursor>>;

    /// Sets the cursor of `account`'s records of `kind` (after a pull read every page).
    async fn set_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
        cursor: UsageCursor,
    ) -> Result<()>;

    /// Keeps a page of `account`'s call records, in one transaction with the rollups they
    /// change: each record is added, or overwrites the record kept with the same provider id
    /// (its `pulled_at` set to `pulled_at`). Records of numbers the organization does not have
    /// are not kept (counted as not ours). An organization that does not exist is
    /// `Error::NotFound`.
    async fn keep_calls(
        &self,
        account: &UsageAccount,
        records: Vec<CallRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept>;

    /// Keeps a page of `account`'s message records, as [`UsageStore::keep_calls`] keeps calls.
    async fn keep_messages(
        &self,
        account: &UsageAccount,
        records: Vec<MessageRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept>;

    /// A writer for the rest of a large pull of `account`'s records of `kind`, when this
    /// store has a faster way for many pages than [`UsageStore::keep_calls`] page by page;
    /// `None` (the default) when it has not. Whatever it keeps follows the same rules, and is
    /// kept only by [`LargePull::finish`]: dropped before, it keeps nothing.
    async fn large_pull(
        &self,
        _account: &UsageAccount,
        _kind: RecordKind,
    ) -> Result<Option<Box<dyn LargePull>>> {
        Ok(None)
    }

    /// About how many rows the end of a large pull of `kind` builds the unique record key
    /// over (the store's whole table of `kind`), read cheaply (never a count of millions of
    /// rows); `None` (the default) when the store has no [`UsageStore::large_pull`].
    async fn large_pull_rows(&self, _kind: RecordKind) -> Result<Option<u64>> {
        Ok(None)
    }

    /// When the oldest of `account`'s records of `kind` still priced pending started (calls)
    /// or was sent (messages); `None` when none is pending. The cursor rule starts the next
    /// pull no later than this, so that a later pull completes it.
    async fn oldest_pending(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<OffsetDateTime>>;

    /// The organization's usage over the days of `range`, grouped `by` number, agent, provider
    /// or day, from the daily rollups: one row per group that has records in the range (every
    /// count summed, the cost summed per currency). Ordered by key (numbers in E.164 order,
    /// agents by name with the no-agent group first, days oldest first).
    async fn usage_totals(
        &self,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
    ) -> Result<Vec<UsageRow>>;

    /// The daily call rollups in `range` (the health window) of every number of the
    /// organization with calls in it, or of only the numbers `only` names when given (read by
    /// number: what a page of the numbers table needs), in E.164 order, each with the start of
    /// its latest final call in the range.
    async fn daily_calls_of(
        &self,
        organization_id: Uuid,
        range: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>>;

    /// [`UsageStore::daily_calls_of`] every number of the organization.
    async fn daily_calls(&self, organization_id: Uuid, range: DayRange) -> Result<Vec<NumberDays>> {
        self.daily_calls_of(organization_id, range, None).await
    }

    /// [`UsageStore::usage_totals`] by number over `range` and [`UsageStore::daily_calls`]
    /// over `window` (what a report by number with each number's health reads). By default
    /// the two reads at once; the workspace file answers both from one pass over its rollups
    /// packed per number and 32-day block (core's `usage_blocks`: about two rows per number for
    /// a month).
    async fn usage_by_number_with_days(
        &self,
        organization_id: Uuid,
        range: DayRange,
        window: DayRange,
    ) -> Result<(Vec<UsageRow>, Vec<NumberDays>)> {
        let (rows, days) = tokio::join!(
            self.usage_totals(organization_id, range, GroupBy::Number),
            self.daily_calls(organization_id, window)
        );
        Ok((rows?, days?))
    }

    /// One number's usage (by E.164: a removed number keeps its history) over the days of
    /// `range`, from the daily rollups: its days with records, oldest first, each summed as
    /// [`UsageStore::usage_totals`] sums a day; its id now; the start of its latest final
    /// call in the range. A number without records has no days (not an error); an
    /// organization that does not exist is `Error::NotFound`.
    async fn number_days(
        &self,
        organization_id: Uuid,
        number: &E164,
        range: DayRange,
    ) -> Result<NumberDayRows>;
}

/// The rest of a large pull, kept as one (see [`UsageStore::large_pull`]): pages kept by it
/// are kept by [`LargePull::finish`], all at once; dropped before, nothing of them is kept.
#[async_trait]
pub trait LargePull: Send + Sync {
    /// Keeps a page of the pull's call records, as [`UsageStore::keep_calls`] would.
    async fn keep_calls(&self, records: Vec<CallRecord>, pulled_at: OffsetDateTime)
    -> Result<Kept>;

    /// Keeps a page of the pull's message records, as [`UsageStore::keep_messages`] would.
    async fn keep_messages(
        &self,
        records: Vec<MessageRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept>;

    /// Keeps every page kept by this pull.
    async fn finish(self: Box<Self>) -> Result<()>;
}

/// The fewest pages a pull keeps one by one before it may go large (see [`pull_goes_large`]):
/// a pull into an empty or small table goes large after them.
pub const LARGE_PULL_MIN_PAGES: u32 = 3;

/// What keeping a record on its own page costs more than in a large pull, in microseconds:
/// about 0.08 s a page of 1,000 (the unique record key's B-tree written in random order and
/// committed page by page; docs/BENCHMARKS.md, "Large pulls").
pub const PAGE_EXTRA_MICROS_PER_RECORD: u64 = 80;

/// What the end of a large pull costs per row its table holds, in microseconds: building the
/// unique record key again over the whole table, 4.25–5.46 s a million rows (docs/BENCHMARKS.md,
/// "Large pulls"; the start's reading of the account's kept ids is not counted apart).
pub const REBUILD_MICROS_PER_ROW: u64 = 5;

/// Whether a pull that has kept `pages` pages of `records` records one by one goes large for
/// the rest, its table holding `rows` rows now: the ski-rental rule. Once what the pages kept
/// one by one have cost more than in a large pull reaches what the large pull's end costs for
/// the table as it is, the rest is kept as one; so a pull never costs more than about twice
/// the better of the two ways. A first pull into an empty file goes large after
/// [`LARGE_PULL_MIN_PAGES`]; a routine refresh on a file of millions of records (an hour or a
/// day of them) stays page by page, never holding the file's write lock for the whole pull.
pub fn pull_goes_large(pages: u32, records: u64, rows: u64) -> bool {
    pages >= LARGE_PULL_MIN_PAGES
        && records.saturating_mul(PAGE_EXTRA_MICROS_PER_RECORD)
            >= rows.saturating_mul(REBUILD_MICROS_PER_ROW)
}

/// How far back the first pull of an account reads when no `--since` is given.
pub const FIRST_PULL_DAYS: i64 = 30;

/// How far before the newest record read the next pull starts again (the cursor's safety
/// margin: records the provider lists late, calls that end after a pull).
pub const CURSOR_MARGIN: Duration = Duration::hours(1);

/// An account whose records a sync pulls: the account in its organization, and its client.
#[derive(Debug, Clone)]
pub struct AccountToSync {
    /// The account in its organization.
    pub account: UsageAccount,
    /// Its client (with its secret).
    pub client: ProviderClient,
}

/// What a usage sync pulled of one kind of an account's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KindSynced {
    /// What keeping them did.
    pub kept: Kept,
    /// Records the provider listed that could not be read (each skipped, with its reason in
    /// `skipped_reasons`, the first few).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    /// The first reasons of the skipped records (at most [`SKIPPED_REASONS`]).
    pub skipped_reasons: Vec<String>,
    /// Pages read.
    pub pages: u32,
    /// The time the pull asked from.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub since: OffsetDateTime,
    /// Where the next pull starts.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub next_since: OffsetDateTime,
    /// Why the provider has no records of this kind to read (Bandwidth's messages): nothing
    /// was read, the cursor did not move, and the rest of the sync went on. `None` when read.
    pub unavailable: Option<String>,
}

/// How many skipped records' reasons a report keeps.
pub const SKIPPED_REASONS: usize = 5;

/// What a usage sync did for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountSynced {
    /// The provider.
    #[cfg_attr(feature = "ts", ts(type = "Provider"))]
    pub provider: Provider,
    /// The account.
    pub account_id: String,
    /// Records added (calls and messages).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub added: u64,
    /// Pending records completed (priced) by this pull.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub completed: u64,
    /// Records read that are still pending.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: u64,
    /// Records of numbers the organization does not have, and unreadable records: not kept.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    /// Pages read (calls and messages).
    pub pages: u32,
    /// The calls.
    pub calls: KindSynced,
    /// The messages.
    pub messages: KindSynced,
}

/// Progress of a usage sync: after each page kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UsageSyncProgress"))]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// The provider.
    #[cfg_attr(feature = "ts", ts(type = "Provider"))]
    pub provider: Provider,
    /// The account.
    pub account_id: String,
    /// Calls or messages.
    pub kind: RecordKind,
    /// Pages kept so far of this kind.
    pub pages: u32,
    /// Records kept so far of this kind (added, completed or unchanged).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
}

/// Where a pull starts: `since` when given, else the stored cursor, else
/// [`FIRST_PULL_DAYS`] before `now`.
fn start_of(
    since: Option<OffsetDateTime>,
    cursor: Option<UsageCursor>,
    now: OffsetDateTime,
) -> OffsetDateTime {
    since
        .or(cursor.map(|c| c.since))
        .unwrap_or(now - Duration::days(FIRST_PULL_DAYS))
}

/// The cursor rule: the next pull starts at the oldest record still pending, or an hour
/// ([`CURSOR_MARGIN`]) before the newest record read, whichever is earlier; where this one
/// started when it read nothing and nothing is pending.
pub fn next_since(
    asked: OffsetDateTime,
    newest: Option<OffsetDateTime>,
    oldest_pending: Option<OffsetDateTime>,
) -> OffsetDateTime {
    let from_newest = newest.map(|t| (t - CURSOR_MARGIN).max(asked));
    match (from_newest, oldest_pending) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b.min(asked),
        (None, None) => asked,
    }
}

/// A kind of record as a sync pulls and keeps it.
trait Pulled: Send + Sized + 'static {
    const KIND: RecordKind;
    /// When it started (a call) or was sent (a message).
    fn at(&self) -> OffsetDateTime;
    /// The account's records of this kind from `from` on, each page to `sink`.
    fn pull<'a>(
        client: &'a ProviderClient,
        from: OffsetDateTime,
        sink: PageSink<'a, Self>,
        cancel: &'a CancellationToken,
    ) -> impl Future<Output = std::result::Result<u32, ProviderError>> + Send + 'a;
    /// Keeps a page.
    fn keep<'a>(
        store: &'a dyn UsageStore,
        account: &'a UsageAccount,
        records: Vec<Self>,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<Kept>> + Send + 'a;
    /// Keeps a page in a large pull.
    fn keep_large<'a>(
        pull: &'a dyn LargePull,
        records: Vec<Self>,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<Kept>> + Send + 'a;
}

/// A kind of record: its time field, its pull and its keep.
macro_rules! pulled {
    ($record:ty, $kind:ident, $at:ident, $pull:ident, $keep:ident) => {
        impl Pulled for $record {
            const KIND: RecordKind = RecordKind::$kind;
            fn at(&self) -> OffsetDateTime {
                self.$at
            }
            fn pull<'a>(
                client: &'a ProviderClient,
                from: OffsetDateTime,
                sink: PageSink<'a, Self>,
                cancel: &'a CancellationToken,
            ) -> impl Future<Output = std::result::Result<u32, ProviderError>> + Send + 'a {
                client.$pull(from, sink, cancel)
            }
            fn keep<'a>(
                store: &'a dyn UsageStore,
                account: &'a UsageAccount,
                records: Vec<Self>,
                at: OffsetDateTime,
            ) -> impl Future<Output = Result<Kept>> + Send + 'a {
                store.$keep(account, records, at)
            }
            fn keep_large<'a>(
                pull: &'a dyn LargePull,
                records: Vec<Self>,
                at: OffsetDateTime,
            ) -> impl Future<Output = Result<Kept>> + Send + 'a {
                pull.$keep(records, at)
            }
        }
    };
}

pulled!(CallRecord, Calls, started_at, calls_since, keep_calls);
pulled!(
    MessageRecord,
    Messages,
    sent_at,
    messages_since,
    keep_messages
);

/// Pulls one kind of an account's records from `since` and keeps every page as it arrives:
/// the download hands pages over a channel to the writer, which keeps each in one store
/// transaction while the next page downloads. Once [`pull_goes_large`] says the pages kept one
/// by one have cost more than a large pull would, the rest go to the store's [`LargePull`]
/// when it has one, finished when every page is read (a failure or a cancel drops it: its
/// pages are not kept, the cursor has not moved). Sets the cursor once every page is kept.
async fn pull_kind<R: Pulled>(
    store: &dyn UsageStore,
    a: &AccountToSync,
    since: Option<OffsetDateTime>,
    progress: &(dyn Fn(&SyncProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> std::result::Result<KindSynced, ProviderFailure> {
    let account = &a.account;
    let now = switchboard_core::store::now();
    let cursor = store.cursor(account, R::KIND).await?;
    let asked = start_of(since, cursor, now);
    // Pages wait here while the writer keeps the one before (never more than the writer is
    // behind the download).
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<UsagePage<R>>();
    let sink = move |page: UsagePage<R>| {
        // The writer stopped (it failed): the pull finishes, its error is reported.
        let _ = tx.send(page);
    };
    let reading = async move {
        let pages = R::pull(&a.client, asked, &sink, cancel).await;
        drop(sink);
        pages
    };
    let mut done = KindSynced {
        kept: Kept::default(),
        skipped: 0,
        skipped_reasons: Vec::new(),
        pages: 0,
        since: asked,
        next_since: asked,
        unavailable: None,
    };
    let mut newest: Option<OffsetDateTime> = None;
    // The records kept by the large pull, not yet finished.
    let mut in_large = 0u64;
    let writing = async {
        let mut pages = 0u32;
        let mut large: Option<Box<dyn LargePull>> = None;
        // The rows the store's table held when the first page arrived; `None` once the store
        // was asked for a large pull, or when it has none.
        let mut rows: Option<u64> = None;
        while let Some(page) = rx.recv().await {
            if pages == 0 {
                match store.large_pull_rows(R::KIND).await {
                    Ok(held) => rows = held,
                    Err(e) => {
                        rx.close();
                        return Err(e);
                    }
                }
            }
            if let Some(held) = rows
                && pull_goes_large(pages, done.kept.count(), held + done.kept.added)
            {
                rows = None;
                match store.large_pull(account, R::KIND).await {
                    Ok(pull) => large = pull,
                    Err(e) => {
                        rx.close();
                        return Err(e);
                    }
                }
            }
            done.skipped += page.skipped.len() as u64;
            for s in &page.skipped {
                if done.skipped_reasons.len() < SKIPPED_REASONS {
                    done.skipped_reasons.push(s.reason.clone());
                }
            }
            newest = newest.max(page.records.iter().map(Pulled::at).max());
            let kept = match &large {
                Some(pull) => R::keep_large(&**pull, page.records, now).await,
                None => R::keep(store, account, page.records, now).await,
            };
            let kept = match kept {
                Ok(k) => k,
                Err(e) => {
                    rx.close();
                    return Err(e);
                }
            };
            if large.is_some() {
                in_large += kept.count();
            }
            done.kept.add(&kept);
            pages += 1;
            progress(&SyncProgress {
                provider: account.provider,
                account_id: account.account_id.clone(),
                kind: R::KIND,
                pages,
                records: done.kept.count(),
            });
        }
        Ok(large)
    };
    let (read, written) = tokio::join!(reading, writing);
    let large = written?;
    let pages = match read {
        Ok(pages) => pages,
        Err(ProviderError::Cancelled { .. }) => {
            // Dropped: the large pull's pages are not kept.
            drop(large);
            return Err(ProviderFailure::Cancelled(format!(
                "cancelled: {} {} records of {} {} kept; its cursor did not move, the next \
                 sync reads them again",
                done.kept.count() - in_large,
                R::KIND.as_str(),
                account.provider,
                account.account_id
            )));
        }
        // The provider has none of these records: said, not a failure of the whole sync.
        Err(e @ ProviderError::Unsupported { .. }) => {
            if let Some(pull) = large {
                pull.finish().await?;
            }
            done.unavailable = Some(e.to_string());
            return Ok(done);
        }
        Err(e) => return Err(e.into()),
    };
    if cancel.is_cancelled() {
        return Err(ProviderFailure::Cancelled("cancelled".into()));
    }
    if let Some(pull) = large {
        pull.finish().await?;
    }
    done.pages = pages;
    let oldest_pending = store.oldest_pending(account, R::KIND).await?;
    done.next_since = next_since(asked, newest, oldest_pending);
    store
        .set_cursor(
            account,
            R::KIND,
            UsageCursor {
                since: done.next_since,
                pulled_at: now,
            },
        )
        .await?;
    Ok(done)
}

/// Pulls every account's call and message records into `store`, each from its cursor (or
/// `since` when given: a pull that reads again from then), keeping every page as it arrives
/// and moving each cursor once all its pages are kept ([`next_since`]). Accounts are pulled
/// one after another; the first failure stops the sync (what was kept stays kept, the
/// cursors not moved yet make the next sync read it again). A kind of record the provider does
/// not offer (Bandwidth's messages) is reported in [`KindSynced::unavailable`] instead.
/// Cancelling stops promptly with [`ProviderFailure::Cancelled`].
pub async fn sync(
    store: &dyn UsageStore,
    accounts: &[AccountToSync],
    since: Option<OffsetDateTime>,
    progress: &(dyn Fn(&SyncProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> std::result::Result<Vec<AccountSynced>, ProviderFailure> {
    let mut report = Vec::with_capacity(accounts.len());
    for a in accounts {
        report.push(sync_account(store, a, since, progress, cancel).await?);
    }
    Ok(report)
}

/// Pulls one account's calls, then its messages, as [`sync`] pulls each account.
async fn sync_account(
    store: &dyn UsageStore,
    a: &AccountToSync,
    since: Option<OffsetDateTime>,
    progress: &(dyn Fn(&SyncProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> std::result::Result<AccountSynced, ProviderFailure> {
    let calls = pull_kind::<CallRecord>(store, a, since, progress, cancel).await?;
    let messages = pull_kind::<MessageRecord>(store, a, since, progress, cancel).await?;
    let both = |f: fn(&KindSynced) -> u64| f(&calls) + f(&messages);
    Ok(AccountSynced {
        provider: a.account.provider,
        account_id: a.account.account_id.clone(),
        added: both(|k| k.kept.added),
        completed: both(|k| k.kept.completed),
        pending: both(|k| k.kept.pending),
        skipped: both(|k| k.kept.not_ours + k.skipped),
        pages: calls.pages + messages.pages,
        calls,
        messages,
    })
}

/// The provider accounts of an organization a usage sync pulls: those added to it on this
/// device and those its numbers use (by provider and account id); only `account` when given
/// (refused when the organization knows no such account).
pub async fn accounts_of(
    inv: &dyn Inventory,
    organization_id: Uuid,
    account: Option<&str>,
) -> Result<Vec<UsageAccount>> {
    let all = crate::providers::accounts::accounts_of(inv, organization_id).await?;
    let found: Vec<UsageAccount> = all
        .into_iter()
        .filter(|a| account.is_none_or(|id| a.account_id == id))
        .map(|a| UsageAccount {
            organization_id,
            provider: a.provider,
            account_id: a.account_id,
        })
        .collect();
    if let (Some(id), true) = (account, found.is_empty()) {
        return Err(switchboard_core::Error::NotFound {
            kind: "provider account",
            key: format!(
                "{id} (the organization has no number of it and it was not added with \
                 `accounts add`)"
            ),
        });
    }
    Ok(found)
}

/// How many days a report covers when no first day is given.
pub const REPORT_DAYS: i64 = 30;

/// A report's days: `from` to `to`, both included; `to` defaults to `today` (UTC), `from` to
/// [`REPORT_DAYS`] days ending on `to`. A first day after the last is refused.
pub fn report_range(from: Option<Date>, to: Option<Date>, today: Date) -> Result<DayRange> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(REPORT_DAYS - 1));
    DayRange::new(from, to)
}

/// Reads a day given as `YYYY-MM-DD` (a `--from`, `--to` or `--since`), naming `field` when
/// it is not one.
pub fn parse_day(field: &str, text: &str) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).map_err(|_| switchboard_core::Error::InvalidInput {
        field: field.into(),
        reason: format!("{text:?} is not a day written YYYY-MM-DD"),
    })
}

/// The accounts a usage sync of an organization pulls ([`accounts_of`]), each with its client:
/// every one must have been added to the organization on this device and have its secret in
/// the vault `vault` opens (else the failure says which, and nothing is pulled).
pub async fn accounts_to_sync(
    inv: &dyn Inventory,
    vault: impl FnOnce() -> Result<switchboard_secrets::Vault>,
    organization_id: Uuid,
    account: Option<&str>,
) -> std::result::Result<Vec<AccountToSync>, ProviderFailure> {
    let accounts = accounts_of(inv, organization_id, account).await?;
    for a in &accounts {
        check_added(inv, organization_id, a.provider, &a.account_id).await?;
    }
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let vault = vault()?;
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        let client = connect(&vault, account.provider, &account.account_id).await?;
        out.push(AccountToSync { account, client });
    }
    Ok(out)
}

/// The accounts of an organization a background refresh pulls when it runs with the cut-off
/// `pulled_before` (the re-verification interval's, `app_settings::verified_before`): each
/// account added to the organization on this device (one its numbers only reference is never
/// pulled unasked) whose calls or messages were never pulled, or last pulled at or before the
/// cut-off. An account pulled since, both kinds, is not due.
pub async fn accounts_due(
    inv: &dyn Inventory,
    organization_id: Uuid,
    pulled_before: OffsetDateTime,
) -> Result<Vec<UsageAccount>> {
    let store = inv.usage()?;
    let added = crate::providers::added_accounts(inv).await?;
    let mut due = Vec::new();
    for (provider, account_id) in added.of(organization_id) {
        let account = UsageAccount {
            organization_id,
            provider,
            account_id: account_id.to_owned(),
        };
        let mut stale = false;
        for kind in [RecordKind::Calls, RecordKind::Messages] {
            let cursor = store.cursor(&account, kind).await?;
            stale |= cursor.is_none_or(|c| c.pulled_at <= pulled_before);
        }
        if stale {
            due.push(account);
        }
    }
    Ok(due)
}

/// What a background refresh did for one account: what its pull did, or why it failed.
#[derive(Debug)]
pub struct RefreshedAccount {
    /// The account in its organization.
    pub account: UsageAccount,
    /// Its pull.
    pub outcome: std::result::Result<AccountSynced, ProviderFailure>,
}

/// One background refresh of usage: every organization's accounts due ([`accounts_due`]),
/// each pulled from its cursor as [`sync`] pulls it, one after another. An account that fails
/// (its secret gone from the vault, the provider refusing) is reported with why, and the next
/// one is still pulled; the vault is opened only when an account is due. Cancelling stops at
/// the next page with [`ProviderFailure::Cancelled`] (what was kept stays kept).
pub async fn refresh_due(
    inv: &dyn Inventory,
    vault: impl FnOnce() -> Result<switchboard_secrets::Vault>,
    pulled_before: OffsetDateTime,
    cancel: &CancellationToken,
) -> std::result::Result<Vec<RefreshedAccount>, ProviderFailure> {
    let mut due = Vec::new();
    for org in inv.organizations().await? {
        due.extend(accounts_due(inv, org.id, pulled_before).await?);
    }
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let vault = vault()?;
    let store = inv.usage()?;
    let mut done = Vec::with_capacity(due.len());
    for account in due {
        let outcome = async {
            let client = connect(&vault, account.provider, &account.account_id).await?;
            let a = AccountToSync {
                account: account.clone(),
                client,
            };
            sync_account(store, &a, None, &|_| {}, cancel).await
        }
        .await;
        if let Err(ProviderFailure::Cancelled(why)) = outcome {
            return Err(ProviderFailure::Cancelled(why));
        }
        done.push(RefreshedAccount { account, outcome });
    }
    Ok(done)
}

/// Reads a health state as the CLI and the app write it: `healthy`, `at_risk`,
/// `insufficient_data` (any case).
pub fn parse_health(text: &str) -> Result<HealthState> {
    text.parse()
}

/// A number's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NumberHealth {
    /// The number.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub phone_number: E164,
    /// Its id, unless it was removed.
    pub number_id: Option<Uuid>,
    /// Its health over the window.
    pub health: Health,
}

/// The health of every number with calls in the window ending on `last_day` (UTC), from the
/// daily rollups ([`health_from_days`]; a number without calls there has
/// [`HealthState::InsufficientData`] and is not listed), in E.164 order.
pub async fn health(
    store: &dyn UsageStore,
    organization_id: Uuid,
    last_day: Date,
    limits: &Thresholds,
) -> Result<Vec<NumberHealth>> {
    let window = DayRange::ending(last_day, limits.window_days);
    let numbers = store.daily_calls(organization_id, window).await?;
    Ok(judged(numbers, last_day, limits))
}

/// Each number's health judged from its rollups.
fn judged(numbers: Vec<NumberDays>, last_day: Date, limits: &Thresholds) -> Vec<NumberHealth> {
    numbers
        .into_iter()
        .map(|n| NumberHealth {
            health: health_from_days(&n.days, last_day, n.last_call_at, limits),
            phone_number: n.phone_number,
            number_id: n.number_id,
        })
        .collect()
}

/// The most numbers [`health_of`] judges at once (a page of the numbers table).
pub const MAX_HEALTH_BATCH: usize = 1000;

/// The health of each of `numbers` (a page of the numbers table), in their order, over the
/// window ending on `last_day`, exactly as [`health`] judges the organization's numbers: one
/// read of only these numbers' rollups; a number without calls in the window has
/// [`HealthState::InsufficientData`] (and no id).
pub async fn health_of(
    store: &dyn UsageStore,
    organization_id: Uuid,
    numbers: Vec<E164>,
    last_day: Date,
    limits: &Thresholds,
) -> Result<Vec<NumberHealth>> {
    if numbers.len() > MAX_HEALTH_BATCH {
        return Err(switchboard_core::Error::InvalidInput {
            field: "numbers".into(),
            reason: format!(
                "{} numbers is more than {MAX_HEALTH_BATCH} at once",
                numbers.len()
            ),
        });
    }
    let window = DayRange::ending(last_day, limits.window_days);
    let found = store
        .daily_calls_of(organization_id, window, Some(&numbers))
        .await?;
    let mut judged: HashMap<String, NumberHealth> = judged(found, last_day, limits)
        .into_iter()
        .map(|h| (h.phone_number.as_str().to_owned(), h))
        .collect();
    let none = health_from_days(&[], last_day, None, limits);
    Ok(numbers
        .into_iter()
        .map(|n| {
            judged.remove(n.as_str()).unwrap_or_else(|| NumberHealth {
                phone_number: n,
                number_id: None,
                health: none.clone(),
            })
        })
        .collect())
}

/// The organization's usage over `range`, grouped `by`; grouped by number, each row carries
/// the number's health over the window ending on the range's last day (judged by `limits`).
pub async fn report(
    store: &dyn UsageStore,
    organization_id: Uuid,
    range: DayRange,
    by: GroupBy,
    limits: &Thresholds,
) -> Result<Vec<ReportRow>> {
    if by != GroupBy::Number {
        let rows = store.usage_totals(organization_id, range, by).await?;
        return Ok(rows
            .into_iter()
            .map(|usage| ReportRow {
                usage,
                health: None,
            })
            .collect());
    }
    // The totals and the health window are read together (the workspace file reads its
    // rollups once for both).
    let window = DayRange::ending(range.to(), limits.window_days);
    let (rows, numbers) = store
        .usage_by_number_with_days(organization_id, range, window)
        .await?;
    let mut health: HashMap<String, Health> = judged(numbers, range.to(), limits)
        .into_iter()
        .map(|h| (h.phone_number.as_str().to_owned(), h.health))
        .collect();
    let none = health_from_days(&[], range.to(), None, limits);
    Ok(rows
        .into_iter()
        .map(|usage| ReportRow {
            health: Some(health.remove(&usage.key).unwrap_or_else(|| none.clone())),
            usage,
        })
        .collect())
}

/// Every number's health over the window ending on a day, read once (one read of the
/// organization's rollups) for the health filter; a number not in it has `none`.
pub(crate) struct Judged {
    health: HashMap<String, Health>,
    none: Health,
    state: HealthState,
}

impl Judged {
    /// The health of the organization's numbers as `by` judges it.
    pub(crate) async fn read(
        inv: &dyn Inventory,
        organization_id: Uuid,
        by: ByHealth<'_>,
    ) -> Result<Judged> {
        let store = inv.usage()?;
        let health = self::health(store, organization_id, by.last_day, by.limits)
            .await?
            .into_iter()
            .map(|h| (h.phone_number.as_str().to_owned(), h.health))
            .collect();
        let none = health_from_days(&[], by.last_day, None, by.limits);
        Ok(Judged {
            health,
            none,
            state: by.state,
        })
    }

    /// The numbers of `items` whose health is the state asked for, with it, in their order.
    pub(crate) fn keep(
        &self,
        items: Vec<PhoneNumber>,
    ) -> impl Iterator<Item = (PhoneNumber, &Health)> + '_ {
        items.into_iter().filter_map(move |n| {
            let h = self.health.get(n.phone_number.as_str());
            let h = h.unwrap_or(&self.none);
            (h.state == self.state).then_some((n, h))
        })
    }
}

/// The numbers `query` selects, every page of it, whose health is the state `by` asks for,
/// with it: a number without calls in the window has [`HealthState::InsufficientData`].
pub async fn numbers_by_health(
    inv: &dyn Inventory,
    query: &NumberQuery,
    by: ByHealth<'_>,
) -> Result<Vec<(PhoneNumber, Health)>> {
    let judged = Judged::read(inv, query.filter.organization_id, by).await?;
    let mut found = Vec::new();
    for_each_page(inv, query, |items| {
        found.extend(judged.keep(items).map(|(n, h)| (n, h.clone())));
        Ok(true)
    })
    .await?;
    Ok(found)
}

/// The table's Health filter: the numbers in `state` over the health window ending on
/// `last_day`, judged by `limits`.
#[derive(Debug, Clone, Copy)]
pub struct ByHealth<'a> {
    /// The state asked for.
    pub state: HealthState,
    /// The window's last day (UTC).
    pub last_day: Date,
    /// The thresholds judged by.
    pub limits: &'a Thresholds,
}

impl ByHealth<'static> {
    /// `state` over the health window ending today (UTC), judged by the default thresholds
    /// ([`Thresholds::default`]): what the table's Health filter and `--health` ask for.
    pub fn today(state: HealthState) -> Self {
        static DEFAULT: std::sync::LazyLock<Thresholds> =
            std::sync::LazyLock::new(Thresholds::default);
        ByHealth {
            state,
            last_day: OffsetDateTime::now_utc().date(),
            limits: &DEFAULT,
        }
    }
}

/// One page of the numbers table under the health filter (what the app's Health filter
/// shows): from `query`'s cursor, the numbers it selects whose health is the state `by` asks
/// for, in its order. Pages of `query.limit` numbers are read until at least `query.limit`
/// match or none are left, so a page may hold up to twice the limit less one; its `next` is
/// the cursor after the last page read (`None`: nothing more). Health is read once per call,
/// as [`numbers_by_health`] reads it.
pub async fn numbers_page_by_health(
    inv: &dyn Inventory,
    query: &NumberQuery,
    by: ByHealth<'_>,
) -> Result<Page> {
    let judged = Judged::read(inv, query.filter.organization_id, by).await?;
    let enough = query.limit as usize;
    let mut items = Vec::new();
    let next = for_each_page(inv, query, |page| {
        items.extend(judged.keep(page).map(|(n, _)| n));
        Ok(items.len() < enough)
    })
    .await?;
    Ok(Page { items, next })
}

/// How many numbers `filter` selects whose health is the state `by` asks for (the table's
/// count under the health filter): every number of the filter is read, a thousand a page.
pub async fn count_numbers_by_health(
    inv: &dyn Inventory,
    filter: &NumberFilter,
    by: ByHealth<'_>,
) -> Result<u64> {
    let query = NumberQuery::first(filter.clone(), Default::default(), MAX_PAGE)?;
    let judged = Judged::read(inv, filter.organization_id, by).await?;
    let mut count = 0;
    for_each_page(inv, &query, |page| {
        count += judged.keep(page).count() as u64;
        Ok(true)
    })
    .await?;
    Ok(count)
}

/// One number's usage over a range of days and its health: what the app's detail panel and
/// `usage report --number` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NumberUsage {
    /// The number.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub phone_number: E164,
    /// Its id now, unless it was removed.
    pub number_id: Option<Uuid>,
    /// The first day (`YYYY-MM-DD`).
    #[serde(with = "day_text")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub from: Date,
    /// The last day, included.
    #[serde(with = "day_text")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub to: Date,
    /// Its records of those days summed (keyed by the number), as the report grouped by
    /// number gives its row: each currency apart, pending records counted as pending.
    pub totals: UsageRow,
    /// Its days with records, oldest first (keyed `YYYY-MM-DD`).
    pub days: Vec<UsageRow>,
    /// The first day of the health window (it ends on `to`).
    #[serde(with = "day_text")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub health_from: Date,
    /// Its health over the window ending on the last day (every figure with its sample size
    /// and the time of its last call).
    pub health: Health,
}

time::serde::format_description!(day_text, Date, "[year]-[month]-[day]");

/// One number's usage over `range` and its health over the window ending on the range's last
/// day (judged by `limits`), as [`report`] gives the number's row and health: one read of its
/// daily rollups over the range and the window, whatever the store. A number without records
/// has zero counts, no cost and [`HealthState::InsufficientData`].
pub async fn number_usage(
    store: &dyn UsageStore,
    organization_id: Uuid,
    number: &E164,
    range: DayRange,
    limits: &Thresholds,
) -> Result<NumberUsage> {
    let window = DayRange::ending(range.to(), limits.window_days);
    let read = DayRange::new(range.from().min(window.from()), range.to())?;
    let found = store.number_days(organization_id, number, read).await?;
    let mut totals = UsageRow {
        key: number.as_str().to_owned(),
        id: found.number_id,
        counts: Default::default(),
        cost: Default::default(),
    };
    let mut days = Vec::new();
    let mut calls = Vec::new();
    for row in found.days {
        let day = parse_day("day", &row.key)?;
        if day >= window.from() && row.counts.final_calls > 0 {
            let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            calls.push(DayCalls {
                day,
                calls: count(row.counts.final_calls),
                answered: count(row.counts.answered),
                short_answered: count(row.counts.short_answered),
                failed: count(row.counts.failed),
            });
        }
        if day >= range.from() {
            totals.counts.add(&row.counts);
            for money in row.cost.iter() {
                totals.cost.add(&money);
            }
            days.push(row);
        }
    }
    // The latest call of the days read is the window's when it falls in the window (both end
    // on the range's last day).
    let window_start = window.from().midnight().assume_utc();
    let last_call_at = found.last_call_at.filter(|t| *t >= window_start);
    Ok(NumberUsage {
        phone_number: number.clone(),
        number_id: found.number_id,
        from: range.from(),
        to: range.to(),
        totals,
        days,
        health_from: window.from(),
        health: health_from_days(&calls, range.to(), last_call_at, limits),
    })
}
