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
//! Reports and health read the daily rollups only (grouped in the store's SQL), so a report over
//! a million records reads tens of thousands of rows, not the records. Health therefore works on
//! whole UTC days (see `switchboard_core::usage::health_from_days`); each number's figures come
//! with their sample sizes (the calls and answered calls of the window) and the start of its
//! latest call in the window, the one value read from the records (an index seek per number).

use async_trait::async_trait;
use switchboard_core::Result;
use switchboard_core::usage::{
    CallRecord, DayRange, GroupBy, Kept, MessageRecord, NumberDays, RecordKind, UsageAccount,
    UsageCursor, UsageRow,
};
use time::OffsetDateTime;
use uuid::Uuid;

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

    /// The daily call rollups of every number of the organization with calls in `range` (the
    /// health window), in E.164 order, each with the start of its latest final call in the
    /// range.
    async fn daily_calls(&self, organization_id: Uuid, range: DayRange) -> Result<Vec<NumberDays>>;
}

/// The error of a store that does not keep usage records (yet): the team workspace, until the
/// team database and its cache keep them. The one place that says so.
pub(crate) fn not_kept_here() -> switchboard_core::Error {
    switchboard_core::Error::NotAllowed(
        "usage needs a local workspace for now: the team workspace does not keep call and \
         message records yet"
            .into(),
    )
}
