//! Organizations in the team database. Managers see the organizations they belong to (RLS);
//! adding one needs a role that may insert into `organizations` (an administrator's).

use switchboard_core::domain::{Organization, check_name, check_slug};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::errors::constraint;
use crate::rows;

impl RemoteWorkspace {
    /// Adds an organization with a new id.
    pub async fn add_organization(&self, slug: &str, name: &str) -> Result<Organization> {
        let slug = slug.trim();
        check_slug(slug)?;
        let name = check_name("organization name", name)?;
        let row = sqlx::query(
            "INSERT INTO organizations (id, slug, name) VALUES ($1, $2, $3)
             RETURNING id, slug, name",
        )
        .bind(Uuid::new_v4())
        .bind(slug)
        .bind(&name)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match constraint(&e) {
            Some("organizations_slug_key") => Error::Duplicate {
                what: format!("organization {slug:?}"),
                organization: None,
            },
            _ => self.map_error(e),
        })?;
        rows::organization(&row)
    }

    /// Every organization this role may see, by slug.
    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        let found = sqlx::query("SELECT id, slug, name FROM organizations ORDER BY slug")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.map_error(e))?;
        found.iter().map(rows::organization).collect()
    }

    /// The organization with this slug or id, if this role may see it.
    pub async fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        let key = slug_or_id.trim();
        let id = Uuid::parse_str(key).ok();
        let row =
            sqlx::query("SELECT id, slug, name FROM organizations WHERE slug = $1 OR id = $2")
                .bind(key)
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| self.map_error(e))?;
        match row {
            Some(row) => rows::organization(&row),
            None => Err(Error::NotFound {
                kind: "organization",
                key: key.to_owned(),
            }),
        }
    }

    /// The slug of a visible organization, for messages; its id when it is not visible.
    pub(crate) async fn slug_of(&self, id: Uuid) -> String {
        sqlx::query_scalar::<_, String>("SELECT slug FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| id.to_string())
    }

    /// NotFound unless this role can see the organization.
    pub(crate) async fn require_organization(&self, id: Uuid) -> Result<()> {
        let visible: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await
                .map_err(|e| self.map_error(e))?;
        if visible {
            Ok(())
        } else {
            Err(Error::NotFound {
                kind: "organization",
                key: id.to_string(),
            })
        }
    }
}
