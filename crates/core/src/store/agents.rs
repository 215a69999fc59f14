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

    /// Renames an agent of `organization_id` (names stay unique within an organization).
    pub fn rename_agent(&mut self, organization_id: Uuid, id: Uuid, name: &str) -> Result<Agent> {
        let name = check_name("agent name", name)?;
        let slug = self.org_slug(&organization_id);
        self.write(|tx| {
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM agents WHERE organization_id = ?1 AND name = ?2 AND id <> ?3)",
                params![organization_id.to_string(), name, id.to_string()],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Error::Duplicate { what: format!("agent {name:?}"), organization: slug });
            }
            let changed = tx.execute(
                "UPDATE agents SET name = ?3, updated_at = ?4 WHERE organization_id = ?1 AND id = ?2",
                params![organization_id.to_string(), id.to_string(), name, micros(now())],
            )?;
            if changed == 0 {
                return Err(Error::NotFound { kind: "agent", key: id.to_string() });
            }
            Ok(Agent { id, organization_id, name: name.clone() })
        })
    }

    /// Removes an agent of `organization_id`. Its numbers stay, unassigned (each marked
    /// updated); returns the agent as it was and how many numbers it left unassigned.
    pub fn remove_agent(&mut self, organization_id: Uuid, id: Uuid) -> Result<(Agent, u64)> {
        self.write(|tx| {
            let agent = tx
                .query_row(
                    "SELECT id, organization_id, name FROM agents WHERE organization_id = ?1 AND id = ?2",
                    params![organization_id.to_string(), id.to_string()],
                    from_row,
                )
                .optional()?
                .ok_or_else(|| Error::NotFound { kind: "agent", key: id.to_string() })?;
            let unassigned = tx.execute(
                "UPDATE phone_numbers SET agent_id = NULL, updated_at = ?2 WHERE agent_id = ?1",
                params![id.to_string(), micros(now())],
            )?;
            tx.execute("DELETE FROM agents WHERE id = ?1", [id.to_string()])?;
            Ok((agent, unassigned as u64))
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

    #[test]
    fn renaming_keeps_names_unique_and_removing_unassigns_without_losing_numbers() {
        use crate::domain::NewNumber;
        use crate::query::{AgentFilter, NumberFilter};
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", "Acme").unwrap();
        let globex = ws.add_organization("globex", "Globex").unwrap();
        let ava = ws.add_agent(acme.id, "Ava").unwrap();
        let bo = ws.add_agent(acme.id, "Bo").unwrap();
        let e = ws.rename_agent(acme.id, bo.id, " Ava ").unwrap_err();
        assert_eq!(e.to_string(), "agent \"Ava\" already exists in acme");
        assert_eq!(ws.rename_agent(acme.id, ava.id, "Ava").unwrap().name, "Ava");
        let renamed = ws.rename_agent(acme.id, bo.id, "Bea").unwrap();
        assert_eq!(ws.agent(acme.id, "Bea").unwrap(), renamed);
        assert_eq!(
            ws.rename_agent(globex.id, bo.id, "X").unwrap_err().code(),
            ErrorCode::NotFound,
            "another organization's agent"
        );
        assert_eq!(
            ws.rename_agent(acme.id, bo.id, " ").unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        for (i, agent) in [Some(ava.id), Some(ava.id), Some(bo.id), None]
            .into_iter()
            .enumerate()
        {
            let new = NewNumber {
                provider: "twilio".into(),
                number: format!("+1415555010{i}"),
                agent_id: agent,
                ..NewNumber::default()
            };
            ws.add_number(acme.id, new.validate().unwrap()).unwrap();
        }
        let before = ws
            .number(
                &crate::store::NumberRef::parse("+14155550100").unwrap(),
                None,
            )
            .unwrap();
        assert_eq!(
            ws.remove_agent(globex.id, ava.id).unwrap_err().code(),
            ErrorCode::NotFound
        );
        let (gone, unassigned) = ws.remove_agent(acme.id, ava.id).unwrap();
        assert_eq!((gone, unassigned), (ava.clone(), 2));
        assert_eq!(
            ws.count_numbers(&NumberFilter::org(acme.id)).unwrap(),
            4,
            "no number lost"
        );
        let mut none = NumberFilter::org(acme.id);
        none.agent = Some(AgentFilter::Unassigned);
        assert_eq!(ws.count_numbers(&none).unwrap(), 3);
        let after = ws
            .number(
                &crate::store::NumberRef::parse("+14155550100").unwrap(),
                None,
            )
            .unwrap();
        assert_eq!(after.agent_id, None);
        assert!(after.updated_at >= before.updated_at);
        assert_eq!(
            ws.agent(acme.id, "Ava").unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            ws.remove_agent(acme.id, ava.id).unwrap_err().code(),
            ErrorCode::NotFound
        );
    }
}
