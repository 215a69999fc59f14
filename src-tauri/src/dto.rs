//! The types that cross IPC, in one place.
//!
//! Where the app sends or receives a core or ops type as it is (organizations, agents, the
//! enums, the number view, reports), that type is re-exported here and derives [`ts_rs::TS`]
//! where it lives (their `ts` feature); the types defined here are what only the UI sends or
//! sees. `bindings::typescript()` renders them all into `ui/src/lib/generated/bindings.ts`,
//! which is committed and drift-checked by a test. Conversions here only translate shapes;
//! every rule (parsing numbers, limits, which agent may be assigned) stays in core.

use serde::{Deserialize, Serialize};
use switchboard_core::domain as core;
use switchboard_core::query;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

mod providers;
pub use providers::*;

pub use switchboard_core::domain::{
    Agent, Capabilities, Capability, Organization, Provider, Status,
};
pub use switchboard_core::query::SortField;
pub use switchboard_core::seed::SeedReport;
pub use switchboard_ops::{
    BulkFailure, BulkReport, NumberCheck, NumberView as PhoneNumber, PageView as NumberPage,
    Progress, rfc3339,
};

/// Which agent a listing wants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum AgentFilter {
    /// Assigned to this agent.
    Assigned(String),
    /// Not assigned to any agent.
    Unassigned,
}

/// Which numbers, in one organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumberFilter {
    /// The organization.
    pub organization_id: String,
    /// Search-as-you-type text: digits search numbers, anything else friendly names.
    pub search: Option<String>,
    /// Provider.
    pub provider: Option<Provider>,
    /// Status.
    pub status: Option<Status>,
    /// Agent.
    pub agent: Option<AgentFilter>,
    /// Capabilities a number must all have.
    pub capabilities: Vec<Capability>,
    /// ISO region, e.g. "US".
    pub country: Option<String>,
}

pub(crate) fn parse_id(field: &str, id: &str) -> AppResult<Uuid> {
    Ok(switchboard_ops::actions::parse_id(field, id)?)
}

impl NumberFilter {
    /// Core's filter.
    pub fn into_core(self) -> AppResult<query::NumberFilter> {
        let mut f = query::NumberFilter::org(parse_id("organization", &self.organization_id)?)
            .search(self.search.as_deref().unwrap_or(""));
        f.provider = self.provider;
        f.status = self.status;
        f.agent = match self.agent {
            None => None,
            Some(AgentFilter::Unassigned) => Some(query::AgentFilter::Unassigned),
            Some(AgentFilter::Assigned(id)) => {
                Some(query::AgentFilter::Assigned(parse_id("agent", &id)?))
            }
        };
        f.capabilities = self.capabilities;
        f.country = self
            .country
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty());
        Ok(f)
    }
}

/// A page request: filter, order, size and where the previous page ended.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumberQuery {
    /// Which numbers.
    pub filter: NumberFilter,
    /// Sort column.
    pub sort: SortField,
    /// Descending order.
    pub descending: bool,
    /// Page size, 1 to 1000.
    pub limit: u32,
    /// The `next` cursor of the previous page; null for the first page.
    pub after: Option<String>,
}

impl NumberQuery {
    /// Core's query.
    pub fn into_core(self) -> AppResult<query::NumberQuery> {
        let sort = query::Sort {
            field: self.sort,
            descending: self.descending,
        };
        let mut q = query::NumberQuery::first(self.filter.into_core()?, sort, self.limit)?;
        q.after = self.after.map(query::Cursor);
        Ok(q)
    }
}

/// What the add-number dialog sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewNumber {
    /// Provider.
    pub provider: Provider,
    /// The number as typed.
    pub number: String,
    /// Region for national numbers, e.g. "US".
    pub region: Option<String>,
    /// Display name.
    pub friendly_name: Option<String>,
    /// Status; active when null.
    pub status: Option<Status>,
    /// Capabilities, stored in metadata.
    pub capabilities: Option<Capabilities>,
    /// Assigned agent.
    pub agent_id: Option<String>,
}

impl NewNumber {
    /// Core's input (core validates it).
    pub fn into_core(self) -> AppResult<core::NewNumber> {
        let metadata = self.capabilities.map(|c| {
            let mut m = core::Metadata::new();
            m.set_capabilities(c);
            m.to_json()
        });
        Ok(core::NewNumber {
            provider: self.provider.as_str().to_owned(),
            number: self.number,
            region: self.region.filter(|r| !r.trim().is_empty()),
            friendly_name: self.friendly_name,
            status: self.status.map(|s| s.as_str().to_owned()),
            metadata,
            account_id: None,
            agent_id: self
                .agent_id
                .as_deref()
                .map(|a| parse_id("agent", a))
                .transpose()?,
        })
    }
}

/// One change to a number; a list of them is applied in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(tag = "field", content = "value", rename_all = "camelCase")]
pub enum NumberChange {
    /// Set or clear (null) the friendly name.
    FriendlyName(Option<String>),
    /// Set the status.
    Status(Status),
    /// Assign an agent, or unassign (null).
    Agent(Option<String>),
    /// Replace the capabilities in metadata.
    Capabilities(Capabilities),
}

/// Folds changes into core's update.
pub fn into_update(changes: &[NumberChange]) -> AppResult<core::NumberUpdate> {
    let mut u = core::NumberUpdate::default();
    for change in changes {
        match change {
            NumberChange::FriendlyName(name) => u.friendly_name = Some(name.clone()),
            NumberChange::Status(s) => u.status = Some(*s),
            NumberChange::Agent(agent) => {
                u.agent_id = Some(agent.as_deref().map(|a| parse_id("agent", a)).transpose()?);
            }
            NumberChange::Capabilities(c) => {
                let mut m = core::Metadata::new();
                m.set_capabilities(*c);
                u.metadata_patch = Some(m);
            }
        }
    }
    Ok(u)
}

pub use switchboard_ops::profiles::{ConnectionProfile, ConnectionTest, TlsMode};
pub use switchboard_ops::sync::{KeepVersion, SkippedRow, SyncPhase, SyncProgress};

/// Which workspace is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    /// "local" (the workspace file) or "team" (a profile's offline cache of a team database).
    pub kind: String,
    /// Where it is (for a team workspace: its cache file).
    pub path: String,
    /// The open profile's name; null for the local workspace.
    pub profile: Option<String>,
}

/// The payload of `numbers://{organizationId}/changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumbersChanged {
    /// The organization whose numbers changed.
    pub organization_id: String,
    /// The numbers that changed; empty when many did (reload everything).
    pub ids: Vec<String>,
}

/// Color scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// The default interval between background syncs of a team workspace.
pub const DEFAULT_SYNC_INTERVAL_SECS: u32 = 60;

/// Hours between background re-verifications of a number, by default.
pub const DEFAULT_VERIFY_INTERVAL_HOURS: u32 = 24;

/// The app's settings, kept by tauri-plugin-store in the app's config directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Color scheme.
    pub theme: Theme,
    /// The organization shown last.
    pub last_organization_id: Option<String>,
    /// Saved team-database profiles (no passwords).
    pub profiles: Vec<ConnectionProfile>,
    /// The open workspace: a profile's name, or null for the local workspace.
    pub active_profile: Option<String>,
    /// Seconds between background syncs of a team workspace (5 to 3600).
    pub sync_interval_secs: u32,
    /// Hours after which a number with a provider account is verified again in the
    /// background (1 to 720; 0 turns it off).
    pub verify_interval_hours: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::default(),
            last_organization_id: None,
            profiles: Vec::new(),
            active_profile: None,
            sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
            verify_interval_hours: DEFAULT_VERIFY_INTERVAL_HOURS,
        }
    }
}

/// The connection of the open workspace, as the banner shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    /// The local workspace is open: there is no server.
    Local,
    /// A team workspace is open and nothing was tried yet.
    Unknown,
    /// The last sync reached the server.
    Online,
    /// The last sync could not reach the server (`Offline`): showing cached data.
    Offline,
    /// The server answered but the sync failed (bad password, refused role, schema…).
    Failed,
}

/// Where the open workspace stands: which one, its connection, its last sync, what waits.
/// The payload of `team://status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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
        TeamStatus {
            profile: None,
            server: None,
            connection: Connection::Local,
            last_error: None,
            last_attempt_at: None,
            last_synced_at: None,
            outbox: 0,
            conflicts: 0,
            syncing: false,
            progress: None,
            warnings: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

/// An offline edit the server did not take as it was, with both versions.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncConflict {
    /// Conflict number.
    #[ts(type = "number")]
    pub id: i64,
    /// The number's id.
    pub number_id: String,
    /// Its organization.
    pub organization_id: String,
    /// "add", "update" or "remove".
    pub op: String,
    /// What happened, e.g. "changed on the server since".
    pub reason: String,
    /// RFC 3339: when the sync found it.
    pub detected_at: String,
    /// The manager's version; null when the manager removed it.
    pub mine: Option<PhoneNumber>,
    /// The server's version; null when removed on the server.
    pub theirs: Option<PhoneNumber>,
}

impl From<switchboard_core::store::Conflict> for SyncConflict {
    fn from(c: switchboard_core::store::Conflict) -> Self {
        SyncConflict {
            id: c.id,
            number_id: c.number_id.to_string(),
            organization_id: c.organization_id.to_string(),
            op: c.op.as_str().to_owned(),
            reason: c.reason,
            detected_at: rfc3339(c.detected_at),
            mine: c.mine.map(Into::into),
            theirs: c.theirs.map(Into::into),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn changes_fold_into_one_update() {
        let agent = Uuid::new_v4().to_string();
        let u = into_update(&[
            NumberChange::FriendlyName(None),
            NumberChange::Status(Status::Inactive),
            NumberChange::Agent(Some(agent.clone())),
        ])
        .expect("valid");
        assert_eq!(u.friendly_name, Some(None));
        assert_eq!(u.status, Some(core::Status::Inactive));
        assert_eq!(u.agent_id.flatten().map(|a| a.to_string()), Some(agent));
        let e = into_update(&[NumberChange::Agent(Some("bob".into()))]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn changes_deserialize_from_the_ui_shape() {
        let c: Vec<NumberChange> = serde_json::from_str(
            r#"[{"field":"friendlyName","value":"Support"},{"field":"agent","value":null},
                {"field":"capabilities","value":{"voice":true,"sms":false,"mms":false,"fax":false}}]"#,
        )
        .expect("parses");
        assert_eq!(c[0], NumberChange::FriendlyName(Some("Support".into())));
        assert_eq!(c[1], NumberChange::Agent(None));
    }
}
