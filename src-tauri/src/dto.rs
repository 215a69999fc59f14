//! The types that cross IPC, in one place.
//!
//! Where the app sends or receives a core or ops type as it is (organizations, agents, the
//! enums, the number view, reports, and the inputs of a listing or an edit, which ops defines
//! and translates once for both shells in `switchboard_ops::input`), that type is re-exported
//! here and derives [`ts_rs::TS`] where it lives (their `ts` feature); the types defined here
//! are what only the app sends or shows. `bindings::typescript()` renders them all into
//! `ui/src/lib/generated/bindings.ts`, which is committed and drift-checked by a test. Every
//! rule (parsing numbers, limits, which agent may be assigned) stays in core.

use serde::Serialize;
use switchboard_core::domain as core;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

mod providers;
pub use providers::*;
mod usage;
pub use usage::*;

pub use switchboard_core::domain::{
    Agent, Capabilities, Capability, NumberType, Organization, Provider, Status,
};
pub use switchboard_core::query::SortField;
pub use switchboard_core::seed::SeedReport;
pub use switchboard_ops::input::{
    AgentFilter, NewNumber, NumberChange, NumberFilter, NumberQuery, into_update,
};
pub use switchboard_ops::{
    BulkFailure, BulkReport, NumberCheck, NumberView as PhoneNumber, PageView as NumberPage,
    Progress, rfc3339,
};

pub(crate) fn parse_id(field: &str, id: &str) -> AppResult<Uuid> {
    Ok(switchboard_ops::actions::parse_id(field, id)?)
}

pub use switchboard_ops::agents::{AgentLoad, AgentRemoval, Orphans};
pub use switchboard_ops::app_settings::{DEFAULT_SYNC_INTERVAL_SECS, Settings, Theme};
pub use switchboard_ops::profiles::{ConnectionProfile, ConnectionTest, TlsMode};
pub use switchboard_ops::sync::{KeepVersion, SkippedRow, SyncPhase, SyncProgress};
pub use switchboard_ops::views::{Column, View, ViewFilters};
pub use switchboard_ops::workspace::{Connection, SyncConflict, WorkspaceInfo};

/// The payload of `numbers://{organizationId}/changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumbersChanged {
    /// The organization whose numbers changed.
    pub organization_id: String,
    /// The numbers that changed; empty when many did (reload everything).
    pub ids: Vec<String>,
}

/// Where the open workspace stands: which one, its connection, its last sync, what waits.
/// The payload of `team://status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamStatus {
    /// The open profile; null for the local workspace.
    pub profile: Option<String>,
    /// `host:port/database` of the open profile.
    pub server: Option<String>,
    /// Online, offline, …
    pub connection: Connection,
    /// Why the last sync failed; null after a successful one.
    pub last_error: Option<AppError>,
    /// RFC 3339: when a sync last tried the server.
    pub last_attempt_at: Option<String>,
    /// RFC 3339: when the cache was last complete and current.
    pub last_synced_at: Option<String>,
    /// Offline edits waiting to be sent.
    pub outbox: u32,
    /// Edits the server did not take, waiting for a decision.
    pub conflicts: u32,
    /// A sync is running.
    pub syncing: bool,
    /// The running sync's progress.
    pub progress: Option<SyncProgress>,
    /// The schema check's warnings at the last connect.
    pub warnings: Vec<String>,
    /// Rows of the team database the cache could not hold as the server has them.
    pub skipped: Vec<SkippedRow>,
}

impl TeamStatus {
    /// The status of the local workspace.
    pub fn local() -> Self {
        TeamStatus::default()
    }
}

/// The account id checked by core's rule (the provider's documented shape), and recorded on
/// the command's span only then: a command's arguments are not logged as typed, because what
/// was typed as an account id may be a secret pasted into the wrong field.
pub(crate) fn checked_account_id(provider: core::Provider, typed: &str) -> AppResult<String> {
    let account_id = switchboard_core::store::check_account_id(provider, typed)?;
    tracing::Span::current().record("account_id", account_id.as_str());
    Ok(account_id)
}
