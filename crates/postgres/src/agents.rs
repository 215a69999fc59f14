//! Agents in the team database. Members of an organization see, add, change and remove its
//! agents (RLS). Names are unique within an organization, as in the local store: the design's
//! table has no such constraint, so adds are serialized per organization with a transaction
//! advisory lock and checked before inserting.

use switchboard_core::domain::{Agent, check_name};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::rows;

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
