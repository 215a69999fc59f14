//! What a manager asks for, as the shells send it: which numbers (a filter, a page), a new
//! number, changes to a number. The desktop app receives these over IPC as they are (they
//! derive `ts_rs::TS` under the `ts` feature); the CLI builds the same filter from its flags.
//! Each translates into core's types here, once: ids are checked (a malformed one is
//! `InvalidInput`), and every other rule stays in core.

use serde::{Deserialize, Serialize};
use switchboard_core::Result;
use switchboard_core::domain::{
    self as core, Capabilities, Capability, NumberType, Provider, Status,
};
use switchboard_core::query::{self, SortField};
use uuid::Uuid;

use crate::Inventory;
use crate::actions::parse_id;

/// Which agent a listing wants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum AgentFilter {
    /// Assigned to this agent.
    Assigned(String),
    /// Not assigned to any agent.
    Unassigned,
}

impl AgentFilter {
    /// An agent as a command names it: "none" (any case) means unassigned, anything else is
    /// an agent's id or name.
    pub fn named(value: &str) -> Self {
        if value.trim().eq_ignore_ascii_case("none") {
            AgentFilter::Unassigned
        } else {
            AgentFilter::Assigned(value.to_owned())
        }
    }
}

/// Which numbers, in one organization (the default names none: set `organization_id`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// Readiness as last refreshed (`ready`, `attention`, `blocked`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub readiness: Option<switchboard_core::readiness::State>,
    /// Line type (mobile, toll free, …).
    #[serde(default)]
    pub number_type: Option<NumberType>,
    /// Only the numbers under a readiness alarm (moving away), when true.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub alarm: Option<bool>,
    /// Only the numbers that need attention: status `error`, readiness `blocked`, or the
    /// port-out alarm ([`switchboard_core::query::needs_attention`]).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    pub needs_attention: bool,
}

impl NumberFilter {
    /// Core's filter; the organization and the agent are given by id.
    pub fn into_core(self) -> Result<query::NumberFilter> {
        let org = parse_id("organization", &self.organization_id)?;
        let agent = match &self.agent {
            None => None,
            Some(AgentFilter::Unassigned) => Some(query::AgentFilter::Unassigned),
            Some(AgentFilter::Assigned(id)) => {
                Some(query::AgentFilter::Assigned(parse_id("agent", id)?))
            }
        };
        Ok(self.with(org, agent))
    }

    /// Core's filter, the organization named by slug or id and the agent by id or name, as
    /// `inv` resolves them.
    pub async fn resolve(self, inv: &dyn Inventory) -> Result<query::NumberFilter> {
        let org = inv.organization(&self.organization_id).await?.id;
        let agent = match &self.agent {
            None => None,
            Some(AgentFilter::Unassigned) => Some(query::AgentFilter::Unassigned),
            Some(AgentFilter::Assigned(a)) => {
                Some(query::AgentFilter::Assigned(inv.agent(org, a).await?.id))
            }
        };
        Ok(self.with(org, agent))
    }

    /// Core's filter over `org`, for `agent`.
    fn with(self, org: Uuid, agent: Option<query::AgentFilter>) -> query::NumberFilter {
        let mut f = query::NumberFilter::org(org).search(self.search.as_deref().unwrap_or(""));
        f.provider = self.provider;
        f.status = self.status;
        f.agent = agent;
        f.capabilities = self.capabilities;
        f.readiness = self.readiness;
        f.needs_attention = self.needs_attention;
        f.country = self
            .country
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty());
        f.number_type = self.number_type;
        f.alarm = self.alarm.unwrap_or(false);
        f
    }
}

/// A page request: filter, order, size and where the previous page ended.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// Core's query; the organization and the agent are given by id.
    pub fn into_core(self) -> Result<query::NumberQuery> {
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    pub fn into_core(self) -> Result<core::NewNumber> {
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
pub fn into_update(changes: &[NumberChange]) -> Result<core::NumberUpdate> {
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
