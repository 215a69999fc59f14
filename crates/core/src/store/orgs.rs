//! Organizations in the local workspace.

use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::{Workspace, micros, now, parse_uuid};
use crate::domain::{Organization, check_name, check_slug};
use crate::error::{Error, Result};

const COLUMNS: &str = "id, slug, name";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Organization> {
    Ok(Organization {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        slug: r.get(1)?,
        name: r.get(2)?,
    })
}

impl Workspace {
    /// Adds an organization with a new id.
    pub fn add_organization(&mut self, slug: &str, name: &str) -> Result<Organization> {
        let org = Organization {
            id: Uuid::new_v4(),
            slug: slug.trim().to_owned(),
            name: check_name("organization name", name)?,
        };
        self.insert_organization(&org)?;
        Ok(org)
    }

    /// Inserts an organization with a known id (from the team database or a seed).
    pub fn insert_organization(&mut self, org: &Organization) -> Result<()> {
        check_slug(&org.slug)?;
        check_name("organization name", &org.name)?;
        self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM organizations WHERE slug = ?1 OR id = ?2)",
                params![org.slug, org.id.to_string()],
                |r| r.get(0),
            )?;
            if exists {
                return Err(Error::Duplicate {
                    what: format!("organization {:?}", org.slug),
                    organization: None,
                });
            }
            let t = micros(now());
            tx.execute(
                "INSERT INTO organizations (id, slug, name, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![org.id.to_string(), org.slug, org.name, t],
            )?;
            // Row keys of numbers carry the organization's key in their top bits.
            if tx.last_insert_rowid() > super::numbers::MAX_ORG_KEY {
                return Err(Error::NotAllowed(format!(
                    "a workspace holds at most {} organizations",
                    super::numbers::MAX_ORG_KEY
                )));
            }
            Ok(())
        })
    }

    /// Every organization, by slug.
    pub fn organizations(&self) -> Result<Vec<Organization>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM organizations ORDER BY slug"
        ))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The organization with this slug or id.
    pub fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        let key = slug_or_id.trim();
        let id = Uuid::parse_str(key)
            .map(|u| u.to_string())
            .unwrap_or_default();
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM organizations WHERE slug = ?1 OR id = ?2"
            ))?
            .query_row(params![key, id], from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                kind: "organization",
                key: key.to_owned(),
            })
    }

    /// The slug of an organization id, for messages.
    pub(crate) fn org_slug(&self, id: &Uuid) -> Option<String> {
        self.conn
            .query_row(
                "SELECT slug FROM organizations WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn add_find_and_refuse_duplicates() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", " Acme Inc ").unwrap();
        assert_eq!(acme.name, "Acme Inc");
        assert_eq!(ws.organization("acme").unwrap(), acme);
        assert_eq!(ws.organization(&acme.id.to_string()).unwrap(), acme);
        let e = ws.add_organization("acme", "Other").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Duplicate);
        assert_eq!(e.to_string(), "organization \"acme\" already exists");
        assert_eq!(
            ws.organization("nope").unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert!(ws.add_organization("Bad Slug", "x").is_err());
        assert!(ws.add_organization("ok", "").is_err());
        assert_eq!(ws.organizations().unwrap().len(), 1);
    }
}
