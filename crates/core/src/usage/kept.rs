//! What the stores of call and message records (the `calls`, `messages`, `usage_daily`,
//! `usage_daily_cost` and `usage_cursors` tables) take and give: the account a pull belongs to,
//! its cursor, what keeping a page did, and the grouped rows reports and health read. The same
//! types for every store (the local workspace, the team database, the team workspace's cache),
//! serde and `ts_rs::TS` so the app shows them as the CLI prints them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::{DayCalls, Health, Totals};
use crate::domain::named_enum;
use crate::domain::{E164, Provider};
use crate::{Error, Result};

// A day as `YYYY-MM-DD` in serde.
time::serde::format_description!(pub(crate) utc_day, Date, "[year]-[month]-[day]");

named_enum! {
    /// Which of an account's records: calls or messages (`usage_cursors.kind`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[serde(rename_all = "snake_case")]
    pub enum RecordKind("kind") {
        /// Call records (`calls`).
        Calls = "calls",
        /// Message records (`messages`).
        Messages = "messages",
    }
}

/// A provider account's records within one organization: what a cursor and a pulled page
/// belong to. The same account may serve numbers of several organizations; each keeps only the
/// records of its own numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UsageAccount {
    /// The organization the records are kept for.
    pub organization_id: Uuid,
    /// The provider.
    pub provider: Provider,
    /// The provider's account id (Account SID, API key, auth id; never a secret).
    pub account_id: String,
}

/// Where the next pull of an account's records starts (`usage_cursors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UsageCursor {
    /// The next pull asks for records from this time on.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub since: OffsetDateTime,
    /// When the pull that set it finished.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub pulled_at: OffsetDateTime,
}

/// What keeping one page of records did. Every record of the page is counted once, in exactly
/// one of `added`, `completed`, `unchanged` or `not_ours`; `pending` counts, among the kept
/// ones, those still priced pending after the write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Kept {
    /// Records the store did not hold (by organization, provider, account and record id).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub added: u64,
    /// Records held as pending that came back priced (charged or not billed).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub completed: u64,
    /// Records held already and not completed by this read (rewritten as read: a call still
    /// ringing may have ended).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    /// Kept records (added, completed or unchanged) still priced pending.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: u64,
    /// Records of a number the organization does not have (another organization's number on a
    /// shared account, or one never added): not kept.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub not_ours: u64,
}

impl Kept {
    /// The records counted as kept: added, completed or unchanged.
    pub fn count(&self) -> u64 {
        self.added + self.completed + self.unchanged
    }

    /// Adds another page's counts.
    pub fn add(&mut self, other: &Kept) {
        self.added += other.added;
        self.completed += other.completed;
        self.unchanged += other.unchanged;
        self.pending += other.pending;
        self.not_ours += other.not_ours;
    }
}

named_enum! {
    /// What a usage report groups by (`--by`): `number`, `agent`, `provider`, `day`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[serde(rename_all = "snake_case")]
    pub enum GroupBy("by") {
        /// Each number of the organization (removed numbers keep their history under their
        /// E.164).
        Number = "number",
        /// Each agent the numbers are assigned to now (a number's whole history counts for its
        /// current agent); numbers without an agent, and removed ones, form one group.
        Agent = "agent",
        /// Each provider of the numbers (a removed number's records form one group of their
        /// own).
        Provider = "provider",
        /// Each UTC day.
        Day = "day",
    }
}

/// UTC days from `from` to `to`, both included; never empty (`from` ≤ `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayRange {
    #[serde(with = "utc_day")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    from: Date,
    #[serde(with = "utc_day")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    to: Date,
}

impl DayRange {
    /// The days from `from` to `to`, both included; `from` after `to` is refused.
    pub fn new(from: Date, to: Date) -> Result<DayRange> {
        if from > to {
            return Err(Error::InvalidInput {
                field: "from".into(),
                reason: format!("the first day {from} is after the last day {to}"),
            });
        }
        Ok(DayRange { from, to })
    }

    /// The `days` UTC days ending with `to` (`to` alone when `days` is 0): the health window of
    /// [`super::Thresholds::window_days`] days that [`super::health_from_days`] judges.
    pub fn ending(to: Date, days: u32) -> DayRange {
        let from = to - Duration::days(i64::from(days.max(1)) - 1);
        DayRange { from, to }
    }

    /// The first day.
    pub fn from(&self) -> Date {
        self.from
    }

    /// The last day (included).
    pub fn to(&self) -> Date {
        self.to
    }
}

/// The counts of a group of daily rollups (`usage_daily`'s columns summed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UsageCounts {
    /// Every call record, unfinished ones included.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub calls: u64,
    /// Calls with a final outcome (all but unfinished).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub final_calls: u64,
    /// Answered calls.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub answered: u64,
    /// Answered calls shorter than [`super::ROLLUP_SHORT_CALL_SECS`].
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub short_answered: u64,
    /// Failed calls.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub failed: u64,
    /// Seconds billed, as the providers count them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub billed_secs: u64,
    /// Message records.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub messages: u64,
    /// Billed message segments.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub segments: u64,
    /// Call and message records whose price is still pending (not in `cost`: pending is never
    /// zero).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: u64,
    /// Call records whose provider reports no cost at all (Bandwidth's Call Search): not in
    /// `cost` and not pending (no later pull prices them); counted so that a report says how
    /// many records its cost leaves out.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub not_reported: u64,
}

impl UsageCounts {
    /// Adds another group's counts.
    pub fn add(&mut self, c: &UsageCounts) {
        self.calls += c.calls;
        self.final_calls += c.final_calls;
        self.answered += c.answered;
        self.short_answered += c.short_answered;
        self.failed += c.failed;
        self.billed_secs += c.billed_secs;
        self.messages += c.messages;
        self.segments += c.segments;
        self.pending += c.pending;
        self.not_reported += c.not_reported;
    }

    /// Billed minutes: billed seconds over 60, with their fraction.
    pub fn billed_minutes(&self) -> f64 {
        self.billed_secs as f64 / 60.0
    }
}

/// One group of a usage report: what its records counted and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    /// The group, as [`GroupBy`] says: the number's E.164; the agent's name (empty: no agent
    /// or a removed number); the provider's word (empty: a removed number); the day
    /// `YYYY-MM-DD`.
    pub key: String,
    /// The number's or the agent's id, when the group is one that still exists.
    pub id: Option<Uuid>,
    /// The counts.
    pub counts: UsageCounts,
    /// What the charged records cost, per currency (never converted, never summed across).
    pub cost: Totals,
}

/// A number's daily rollups in a window, with what health needs besides them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NumberDays {
    /// The number.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub phone_number: E164,
    /// Its id, unless it was removed.
    pub number_id: Option<Uuid>,
    /// Its days with calls, oldest first.
    pub days: Vec<DayCalls>,
    /// When its latest final call in the window started.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_call_at: Option<OffsetDateTime>,
}

/// One number's daily rollups over a range of days (records of every kind), with the start of
/// its latest final call in the range: what a number's usage and health are read from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NumberDayRows {
    /// The number's id now, unless it was removed (its history stays under its E.164).
    pub number_id: Option<Uuid>,
    /// Its days with records, oldest first: each row's key is the day (`YYYY-MM-DD`), its id
    /// none.
    pub days: Vec<UsageRow>,
    /// When its latest final call in the range started.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_call_at: Option<OffsetDateTime>,
}

/// One row of a usage report: a group's usage and, grouped by number, the number's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportRow {
    /// The group's usage.
    #[serde(flatten)]
    pub usage: UsageRow,
    /// Grouped by number: its health over the window ending on the report's last day.
    pub health: Option<Health>,
}
