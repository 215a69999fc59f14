//! Results, progress and cancellation shared by the actions and both shells.

use serde::Serialize;
use switchboard_core::domain::PhoneNumber;

/// A number edit's outcome: the row as written, and whether it waits in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The number after the edit (before it, for a removal).
    pub number: PhoneNumber,
    /// True when the edit went into a team workspace's outbox, for the next sync.
    pub queued: bool,
}

/// Progress of a long task, sent through a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Items done.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Items in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

/// One number a bulk edit could not change.
#[derive(Debug)]
pub struct BulkFailure {
    /// The number's id as given.
    pub id: String,
    /// Why.
    pub error: switchboard_core::Error,
}

/// What a bulk edit did.
#[derive(Debug, Default)]
pub struct BulkReport {
    /// Numbers changed.
    pub updated: u64,
    /// Numbers queued for the next sync (a team workspace offline); counted in `updated` too.
    pub queued: u64,
    /// Numbers not changed, each with why.
    pub failed: Vec<BulkFailure>,
    /// True when the manager stopped it before the end.
    pub cancelled: bool,
}
