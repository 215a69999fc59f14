//! The types that cross IPC, in one place.
//!
//! Core's types describe storage and rules; these describe what the UI sees and sends. They
//! derive [`ts_rs::TS`], and `bindings::typescript()` renders them into
//! `ui/src/lib/generated/bindings.ts`, which is committed and drift-checked by a test.
//! Conversions here only translate shapes; every rule (parsing numbers, limits, which agent
//! may be assigned) stays in core.

use serde::{Deserialize, Serialize};
use switchboard_core::domain as core;
use switchboard_core::query;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

mod providers;
pub use providers::*;

/// A telephony provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Twilio (and SignalWire).
    Twilio,
    /// Vonage.
    Vonage,
    /// Telnyx.
    Telnyx,
    /// Bandwidth.
    Bandwidth,
    /// Plivo.
    Plivo,
}

impl From<core::Provider> for Provider {
    fn from(p: core::Provider) -> Self {
        match p {
            core::Provider::Twilio => Provider::Twilio,
            core::Provider::Vonage => Provider::Vonage,
            core::Provider::Telnyx => Provider::Telnyx,
            core::Provider::Bandwidth => Provider::Bandwidth,
            core::Provider::Plivo => Provider::Plivo,
        }
    }
}

impl From<Provider> for core::Provider {
    fn from(p: Provider) -> Self {
        match p {
            Provider::Twilio => core::Provider::Twilio,
            Provider::Vonage => core::Provider::Vonage,
            Provider::Telnyx => core::Provider::Telnyx,
            Provider::Bandwidth => core::Provider::Bandwidth,
            Provider::Plivo => core::Provider::Plivo,
        }
    }
}

/// A number's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Usable.
    Active,
    /// Temporarily disabled.
    Inactive,
    /// Something is wrong.
    Error,
}

impl From<core::Status> for Status {
    fn from(s: core::Status) -> Self {
        match s {
            core::Status::Active => Status::Active,
            core::Status::Inactive => Status::Inactive,
            core::Status::Error => Status::Error,
        }
    }
}

impl From<Status> for core::Status {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => core::Status::Active,
            Status::Inactive => core::Status::Inactive,
            Status::Error => core::Status::Error,
        }
    }
}

/// One capability, for filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// Voice calls.
    Voice,
    /// SMS.
    Sms,
    /// MMS.
    Mms,
    /// Fax.
    Fax,
}

impl From<Capability> for core::Capability {
    fn from(c: Capability) -> Self {
        match c {
            Capability::Voice => core::Capability::Voice,
            Capability::Sms => core::Capability::Sms,
            Capability::Mms => core::Capability::Mms,
            Capability::Fax => core::Capability::Fax,
        }
    }
}

/// What a number can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Capabilities {
    /// Voice calls.
    pub voice: bool,
    /// SMS.
    pub sms: bool,
    /// MMS.
    pub mms: bool,
    /// Fax.
    pub fax: bool,
}

impl From<core::Capabilities> for Capabilities {
    fn from(c: core::Capabilities) -> Self {
        Capabilities {
            voice: c.voice,
            sms: c.sms,
            mms: c.mms,
            fax: c.fax,
        }
    }
}

impl From<Capabilities> for core::Capabilities {
    fn from(c: Capabilities) -> Self {
        core::Capabilities {
            voice: c.voice,
            sms: c.sms,
            mms: c.mms,
            fax: c.fax,
        }
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Id.
    pub id: String,
    /// URL-safe short name.
    pub slug: String,
    /// Display name.
    pub name: String,
}

impl From<core::Organization> for Organization {
    fn from(o: core::Organization) -> Self {
        Organization {
            id: o.id.to_string(),
            slug: o.slug,
            name: o.name,
        }
    }
}

/// An agent numbers can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// Id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// Display name.
    pub name: String,
}

impl From<core::Agent> for Agent {
    fn from(a: core::Agent) -> Self {
        Agent {
            id: a.id.to_string(),
            organization_id: a.organization_id.to_string(),
            name: a.name,
        }
    }
}

/// A phone number as the UI shows it: the stored record plus facts derived for display.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumber {
    /// Id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// Provider.
    pub provider: Provider,
    /// E.164, e.g. "+14155551234".
    pub phone_number: String,
    /// International display form, e.g. "+1 415-555-1234".
    pub display: String,
    /// ISO region, e.g. "US"; null for non-geographic numbers.
    pub country: Option<String>,
    /// Line type, e.g. "mobile", "toll_free".
    pub number_type: String,
    /// Display name.
    pub friendly_name: Option<String>,
    /// Assigned agent.
    pub agent_id: Option<String>,
    /// Status.
    pub status: Status,
    /// Capabilities from metadata.
    pub capabilities: Capabilities,
    /// The provider account the number belongs to, if known.
    pub account_id: Option<String>,
    /// Whether the provider's webhook points at the platform.
    pub webhook_configured: bool,
    /// The URL the provider calls.
    pub webhook_url: Option<String>,
    /// The whole metadata object (unknown keys included).
    #[ts(type = "Record<string, unknown> | null")]
    pub metadata: Option<serde_json::Value>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339; null when never verified.
    pub last_verified_at: Option<String>,
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<core::PhoneNumber> for PhoneNumber {
    fn from(n: core::PhoneNumber) -> Self {
        let (facts, display) = n.phone_number.facts_and_display();
        PhoneNumber {
            id: n.id.to_string(),
            organization_id: n.organization_id.to_string(),
            provider: n.provider.into(),
            display,
            phone_number: n.phone_number.to_string(),
            country: facts.country,
            number_type: facts.number_type.as_str().to_owned(),
            capabilities: n.capabilities().into(),
            account_id: n.credentials.account_id(n.provider).map(str::to_owned),
            friendly_name: n.friendly_name,
            agent_id: n.agent_id.map(|a| a.to_string()),
            status: n.status.into(),
            webhook_configured: n.webhook_configured,
            webhook_url: n.webhook_url,
            metadata: n
                .metadata
                .map(|m| serde_json::Value::Object(m.as_map().clone())),
            created_at: rfc3339(n.created_at),
            updated_at: rfc3339(n.updated_at),
            last_verified_at: n.last_verified_at.map(rfc3339),
        }
    }
}

/// Which agent a listing wants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum AgentFilter {
    /// Assigned to this agent.
    Assigned(String),
    /// Not assigned to any agent.
    Unassigned,
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    /// E.164 order.
    Number,
    /// Friendly name.
    FriendlyName,
    /// Created.
    Created,
    /// Updated.
    Updated,
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
        f.provider = self.provider.map(Into::into);
        f.status = self.status.map(Into::into);
        f.agent = match self.agent {
            None => None,
            Some(AgentFilter::Unassigned) => Some(query::AgentFilter::Unassigned),
            Some(AgentFilter::Assigned(id)) => {
                Some(query::AgentFilter::Assigned(parse_id("agent", &id)?))
            }
        };
        f.capabilities = self.capabilities.into_iter().map(Into::into).collect();
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
        let field = match self.sort {
            SortField::Number => query::SortField::Number,
            SortField::FriendlyName => query::SortField::FriendlyName,
            SortField::Created => query::SortField::Created,
            SortField::Updated => query::SortField::Updated,
        };
        let sort = query::Sort {
            field,
            descending: self.descending,
        };
        let mut q = query::NumberQuery::first(self.filter.into_core()?, sort, self.limit)?;
        q.after = self.after.map(query::Cursor);
        Ok(q)
    }
}

/// One page of numbers.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumberPage {
    /// Rows, in order.
    pub items: Vec<PhoneNumber>,
    /// Cursor of the next page; null on the last page.
    pub next: Option<String>,
}

impl From<query::Page> for NumberPage {
    fn from(p: query::Page) -> Self {
        NumberPage {
            items: p.items.into_iter().map(PhoneNumber::from).collect(),
            next: p.next.map(|c| c.0),
        }
    }
}

/// A number as typed, checked: its E.164 form and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumberCheck {
    /// E.164.
    pub e164: String,
    /// International display form.
    pub display: String,
    /// ISO region, when geographic.
    pub country: Option<String>,
    /// Line type.
    pub number_type: String,
}

impl From<core::E164> for NumberCheck {
    fn from(n: core::E164) -> Self {
        let (facts, display) = n.facts_and_display();
        NumberCheck {
            display,
            e164: n.to_string(),
            country: facts.country,
            number_type: facts.number_type.as_str().to_owned(),
        }
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
            m.set_capabilities(c.into());
            m.to_json()
        });
        Ok(core::NewNumber {
            provider: core::Provider::from(self.provider).as_str().to_owned(),
            number: self.number,
            region: self.region.filter(|r| !r.trim().is_empty()),
            friendly_name: self.friendly_name,
            status: self
                .status
                .map(|s| core::Status::from(s).as_str().to_owned()),
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
            NumberChange::Status(s) => u.status = Some((*s).into()),
            NumberChange::Agent(agent) => {
                u.agent_id = Some(agent.as_deref().map(|a| parse_id("agent", a)).transpose()?);
            }
            NumberChange::Capabilities(c) => {
                let mut m = core::Metadata::new();
                m.set_capabilities((*c).into());
                u.metadata_patch = Some(m);
            }
        }
    }
    Ok(u)
}

pub use switchboard_ops::Progress;

/// What seeding the demo organization did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SeedReport {
    /// The organization seeded.
    pub organization: Organization,
    /// Agents created.
    pub agents_created: u32,
    /// Numbers inserted.
    #[ts(type = "number")]
    pub numbers_inserted: u64,
}

impl From<switchboard_core::seed::SeedReport> for SeedReport {
    fn from(r: switchboard_core::seed::SeedReport) -> Self {
        SeedReport {
            organization: r.organization.into(),
            agents_created: r.agents_created as u32,
            numbers_inserted: r.numbers_inserted,
        }
    }
}

/// One number a bulk action could not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkFailure {
    /// The number's id.
    pub id: String,
    /// Why.
    pub error: AppError,
}

/// The result of a bulk action, number by number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkReport {
    /// Numbers changed.
    pub updated: u32,
    /// Numbers not changed, with the reason.
    pub failed: Vec<BulkFailure>,
    /// True when the user cancelled before the end (the rest were left as they were).
    pub cancelled: bool,
}

impl From<switchboard_ops::BulkReport> for BulkReport {
    fn from(r: switchboard_ops::BulkReport) -> Self {
        BulkReport {
            updated: r.updated as u32,
            failed: r
                .failed
                .into_iter()
                .map(|f| BulkFailure {
                    id: f.id,
                    error: f.error.into(),
                })
                .collect(),
            cancelled: r.cancelled,
        }
    }
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
