//! Agents in the local workspace.

use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::{Workspace, micros, now, parse_uuid};
use crate::domain::{Agent, check_name};
use crate::error::{Error, Result};

fn from_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        organization_id: parse_uuid(&r.get::<_, String>(1)?)?,
        name: r.get(2)?,
    })
}

impl Workspace {
    /// Adds an agent to an organization. Names are unique within an organization.
    pub fn add_agent(&mut self, organization_id: Uuid, name: &str) -> Result<Agent> {
        let agent = Agent {
            id: Uuid::new_v4(),
            organization_id,
            name: check_name("agent name", name)?,
        };
        self.insert_agent(&agent)?;
        Ok(agent)
    }

    /// Inserts an agent with a known id.
    pub fn insert_agent(&mut self, agent: &Agent) -> Result<()> {
        let name = check_name("agent name", &agent.name)?;
        let slug = self
            .org_slug(&agent.organization_id)
            .ok_or_else(|| Error::NotFound {
                kind: "organization",
                key: agent.organization_id.to_string(),
            })?;
        self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM agents WHERE (organization_id = ?1 AND name = ?2) OR id = ?3)",
                params![agent.organization_id.to_string(), name, agent.id.to_string()],
                |r| r.get(0),
            )?;
            if exists {
                return Err(Error::Duplicate { what: format!("agent {name:?}"), organization: Some(slug) });
            }
            let t = micros(now());
            tx.execute(
                "INSERT INTO agents (id, organization_id, name, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![agent.id.to_string(), agent.organization_id.to_string(), name, t],
            )?;
            Ok(())
        })
    }

    /// An organization's agents, by name.
    pub fn agents(&self, organization_id: Uuid) -> Result<Vec<Agent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, organization_id, name FROM agents WHERE organization_id = ?1 ORDER BY name",
        )?;
        let rows = stmt.query_map([organization_id.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An agent by id, or by name within `organization_id`.
    pub fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent> {
        let key = id_or_name.trim();
        let id = Uuid::parse_str(key)
            .map(|u| u.to_string())
            .unwrap_or_default();
        self.conn
            .prepare_cached(
                "SELECT id, organization_id, name FROM agents
                 WHERE organization_id = ?1 AND (id = ?2 OR name = ?3)",
            )?
            .query_row(params![organization_id.to_string(), id, key], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                kind: "agent",
                key: key.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn agents_are_scoped_to_their_organization() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", "Acme").unwrap();
        let globex = ws.add_organization("globex", "Globex").unwrap();
        let a = ws.add_agent(acme.id, "Ava").unwrap();
        ws.add_agent(globex.id, "Ava").unwrap();
        assert_eq!(ws.agent(acme.id, "Ava").unwrap(), a);
        assert_eq!(ws.agent(acme.id, &a.id.to_string()).unwrap(), a);
        assert_eq!(
            ws.agent(globex.id, &a.id.to_string()).unwrap_err().code(),
            ErrorCode::NotFound
        );
        let e = ws.add_agent(acme.id, "Ava").unwrap_err();
        assert_eq!(e.to_string(), "agent \"Ava\" already exists in acme");
        assert_eq!(
            ws.add_agent(Uuid::new_v4(), "X").unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(ws.agents(acme.id).unwrap().len(), 1);
    }
}
