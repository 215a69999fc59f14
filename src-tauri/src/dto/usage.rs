//! The usage report and sync as they cross IPC: ops' and core's own types, and the report
//! (and one number's usage) with the days it covers and its numbers' reasons in words.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

pub use switchboard_core::usage::{
    GroupBy, Health, HealthState, Kept, Reason, RecordKind, ReportRow, Totals, UsageCounts,
    UsageRow,
};
pub use switchboard_ops::usage::{
    AccountSynced, KindSynced, NumberUsage, SyncProgress as UsageSyncProgress,
};

/// A usage report: the days it covers (`YYYY-MM-DD`, both included), how it is grouped, and
/// its rows as `switchboard_ops::usage::report` returns them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
    /// What the rows are grouped by.
    pub by: GroupBy,
    /// One row per group.
    pub rows: Vec<ReportRow>,
    /// Grouped by number: why each number at risk is, in core's words (the CSV's `reasons`
    /// cell), by its row's key.
    pub reasons: BTreeMap<String, String>,
}

/// One number's usage and health (`switchboard_ops::usage::number_usage`), with why it is at
/// risk in core's words (empty otherwise): the detail panel's usage.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumberUsageReport {
    /// Its days, totals and health, as ops gives them.
    #[serde(flatten)]
    pub usage: NumberUsage,
    /// Why it is at risk (the CSV's `reasons` cell).
    pub reasons: String,
}
