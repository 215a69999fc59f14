//! Agents as a manager looks after them, over any [`Inventory`]: renaming, removing (its
//! numbers stay, unassigned, and the answer says how many), and the orphan report (numbers
//! with no agent, agents with no number). The CLI's `agents rename/remove/orphans` and the
//! app's agents dialog call these.

use serde::Serialize;
use switchboard_core::Result;
use switchboard_core::domain::Agent;
use switchboard_core::query::{AgentFilter, NumberFilter, NumberQuery, Sort};
use uuid::Uuid;

use crate::{Inventory, NumberView};

/// How many unassigned numbers the orphan report lists (their count is exact).
pub const ORPHAN_SAMPLE: u32 = 20;

/// What removing an agent did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AgentRemoval {
    /// The agent as it was.
    pub agent: Agent,
    /// How many of its numbers it left unassigned (none is removed).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unassigned: u64,
}

/// One agent and how many numbers it has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AgentLoad {
    /// The agent.
    pub agent: Agent,
    /// Numbers assigned to it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub numbers: u64,
}

/// The orphan report of an organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Orphans {
    /// How many numbers have no agent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unassigned: u64,
    /// The first of them in E.164 order (at most [`ORPHAN_SAMPLE`]).
    pub unassigned_sample: Vec<NumberView>,
    /// Agents with no number, by name.
    pub idle_agents: Vec<Agent>,
    /// Every agent with its number count, by name.
    pub agents: Vec<AgentLoad>,
}

/// How many numbers `agent` has in `organization_id`.
pub async fn numbers_of(inv: &dyn Inventory, organization_id: Uuid, agent: Uuid) -> Result<u64> {
    let mut filter = NumberFilter::org(organization_id);
    filter.agent = Some(AgentFilter::Assigned(agent));
    inv.count_numbers(&filter).await
}

/// Renames the agent `agent` names (id or name) in `organization_id`.
pub async fn rename(
    inv: &dyn Inventory,
    organization_id: Uuid,
    agent: &str,
    name: &str,
) -> Result<Agent> {
    let found = inv.agent(organization_id, agent).await?;
    inv.rename_agent(organization_id, found.id, name).await
}

/// Removes the agent `agent` names (id or name) in `organization_id`; its numbers stay,
/// unassigned.
pub async fn remove(
    inv: &dyn Inventory,
    organization_id: Uuid,
    agent: &str,
) -> Result<AgentRemoval> {
    let found = inv.agent(organization_id, agent).await?;
    let (agent, unassigned) = inv.remove_agent(organization_id, found.id).await?;
    Ok(AgentRemoval { agent, unassigned })
}

/// Numbers with no agent (their count, the first [`ORPHAN_SAMPLE`]) and agents with no
/// number, in `organization_id`: one count per agent, each an indexed lookup.
pub async fn orphans(inv: &dyn Inventory, organization_id: Uuid) -> Result<Orphans> {
    let mut none = NumberFilter::org(organization_id);
    none.agent = Some(AgentFilter::Unassigned);
    let unassigned = inv.count_numbers(&none).await?;
    let sample = NumberQuery::first(none, Sort::default(), ORPHAN_SAMPLE)?;
    let unassigned_sample = (inv.list_numbers(&sample).await?.items.into_iter())
        .map(NumberView::from)
        .collect();
    let mut agents = Vec::new();
    for agent in inv.agents(organization_id).await? {
        let numbers = numbers_of(inv, organization_id, agent.id).await?;
        agents.push(AgentLoad { agent, numbers });
    }
    let idle_agents = (agents.iter())
        .filter(|a| a.numbers == 0)
        .map(|a| a.agent.clone())
        .collect();
    Ok(Orphans {
        unassigned,
        unassigned_sample,
        idle_agents,
        agents,
    })
}
