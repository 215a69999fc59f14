//! Agents in the team database. Members of an organization see, add, rename and remove its
//! agents (RLS); removing one unassigns its numbers, which stay. Names are unique within an organization, as in the local store: the design's
//! table has no such constraint, so adds are serialized per organization with a transaction
//! advisory lock and checked before inserting.

use switchboard_core::domain::{Agent, check_name};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::rows;

fn not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "agent",
        key: id.to_string(),
    }
}

/// The agent a statement returned, or `NotFound` (none, or another organization's: RLS).
fn found(row: Option<sqlx::postgres::PgRow>, id: Uuid) -> Result<Agent> {
    row.as_ref().map_or_else(|| Err(not_found(id)), rows::agent)
}

impl RemoteWorkspace {
    /// Adds an agent to an organization.
    pub async fn add_agent(&self, organization_id: Uuid, name: &str) -> Result<Agent> {
        let name = check_name("agent name", name)?;
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        let slug: Option<String> =
            sqlx::query_scalar("SELECT slug FROM organizations WHERE id = $1")
                .bind(organization_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
        let Some(slug) = slug else {
            return Err(Error::NotFound {
                kind: "organization",
                key: organization_id.to_string(),
            });
        };
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('switchboard.agents:' || $1::text))")
            .bind(organization_id)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM agents WHERE organization_id = $1 AND name = $2)",
        )
        .bind(organization_id)
        .bind(&name)
        .fetch_one(&mut *tx)
        .await
        .map_err(map)?;
        if exists {
            return Err(Error::Duplicate {
                what: format!("agent {name:?}"),
                organization: Some(slug),
            });
        }
        let row = sqlx::query(
            "INSERT INTO agents (id, organization_id, name) VALUES ($1, $2, $3)
             RETURNING id, organization_id, name",
        )
        .bind(Uuid::new_v4())
        .bind(organization_id)
        .bind(&name)
        .fetch_one(&mut *tx)
        .await
        .map_err(map)?;
        let agent = rows::agent(&row)?;
        tx.commit().await.map_err(map)?;
        Ok(agent)
    }

    /// Renames an agent of an organization (names stay unique: serialized with adds).
    pub async fn rename_agent(&self, organization_id: Uuid, id: Uuid, name: &str) -> Result<Agent> {
        let name = check_name("agent name", name)?;
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('switchboard.agents:' || $1::text))")
            .bind(organization_id)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
        let taken: Option<String> = sqlx::query_scalar(
            "SELECT o.slug FROM agents a JOIN organizations o ON o.id = a.organization_id
             WHERE a.organization_id = $1 AND a.name = $2 AND a.id <> $3",
        )
        .bind(organization_id)
        .bind(&name)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        if let Some(slug) = taken {
            return Err(Error::Duplicate {
                what: format!("agent {name:?}"),
                organization: Some(slug),
            });
        }
        // Under row-level security another organization's agent is not there to update.
        let row = sqlx::query(
            "UPDATE agents SET name = $3 WHERE organization_id = $1 AND id = $2
             RETURNING id, organization_id, name",
        )
        .bind(organization_id)
        .bind(id)
        .bind(&name)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        let agent = found(row, id)?;
        tx.commit().await.map_err(map)?;
        Ok(agent)
    }

    /// Removes an agent of an organization. Its numbers stay, unassigned (each an update, so
    /// the change log carries them to every cache); returns the agent as it was and how many
    /// numbers it left unassigned. The agent's row is locked first, so no number can be
    /// assigned to it meanwhile.
    pub async fn remove_agent(&self, organization_id: Uuid, id: Uuid) -> Result<(Agent, u64)> {
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        let row = sqlx::query(
            "SELECT id, organization_id, name FROM agents
             WHERE organization_id = $1 AND id = $2 FOR UPDATE",
        )
        .bind(organization_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        let agent = found(row, id)?;
        let mut affected = [0; 2];
        for (rows, statement) in affected.iter_mut().zip([
            "UPDATE phone_numbers SET agent_id = NULL WHERE organization_id = $1 AND agent_id = $2",
            "DELETE FROM agents WHERE organization_id = $1 AND id = $2",
        ]) {
            *rows = sqlx::query(statement)
                .bind(organization_id)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map)?
                .rows_affected();
        }
        let [unassigned, deleted] = affected;
        if deleted == 0 {
            return Err(not_found(id));
        }
        tx.commit().await.map_err(map)?;
        Ok((agent, unassigned))
    }

    /// An organization's agents, by name.
    pub async fn agents(&self, organization_id: Uuid) -> Result<Vec<Agent>> {
        let found = sqlx::query(
            "SELECT id, organization_id, name FROM agents WHERE organization_id = $1 ORDER BY name",
        )
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.map_error(e))?;
        found.iter().map(rows::agent).collect()
    }

    /// An agent by id, or by name within `organization_id`.
    pub async fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent> {
        let key = id_or_name.trim();
        let row = sqlx::query(
            "SELECT id, organization_id, name FROM agents
             WHERE organization_id = $1 AND (id = $2 OR name = $3)
             ORDER BY id = $2 DESC LIMIT 1",
        )
        .bind(organization_id)
        .bind(Uuid::parse_str(key).ok())
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.map_error(e))?;
        match row {
            Some(row) => rows::agent(&row),
            None => Err(Error::NotFound {
                kind: "agent",
                key: key.to_owned(),
            }),
        }
    }
}
