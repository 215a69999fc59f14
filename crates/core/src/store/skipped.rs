//! Rows of the team database that a sync skipped, or kept only without a secret.
//!
//! Why: the team database is written by others too (the web platform, any member), and one row
//! the cache cannot hold must not stop every sync at that row. The sync records such a row here
//! with its id and the reason, goes on, and forgets it once the server's row is fixed (it then
//! arrives) or deleted. The reason never quotes a credential's value.

use rusqlite::params;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Replica, Workspace, from_micros, micros, now, parse_uuid};
use crate::domain::{Credentials, E164, Metadata, Provider, Status};
use crate::error::Result;

/// A row of the team database the sync could not take as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The row's id.
    pub number_id: Uuid,
    /// Its organization.
    pub organization_id: Uuid,
    /// Its `phone_number` as the server holds it.
    pub phone_number: Option<String>,
    /// Why, e.g. `invalid status: "suspended" is not one of active, inactive, error`.
    pub reason: String,
    /// The row is in the cache, without what the reason names (a secret in its credentials,
    /// dropped; a stored SMS webhook URL that is not a valid URL, read as unknown and kept as
    /// the server holds it); false: the row is not in the cache.
    pub kept: bool,
}

/// The columns of a number that core checks, as a store that other clients write (the team
/// database) gave them: text, and JSON as text. [`StoredNumber::check`] is the one rule every
/// reader of such a row follows (sync's copy, the team database's own reads).
#[derive(Debug, Clone, Copy)]
pub struct StoredNumber<'a> {
    /// The row's id.
    pub id: Uuid,
    /// Its organization.
    pub organization_id: Uuid,
    /// `phone_number` as stored.
    pub phone_number: &'a str,
    /// `provider` as stored.
    pub provider: &'a str,
    /// `credentials`, JSON text.
    pub credentials: &'a str,
    /// `metadata`, when not NULL.
    pub metadata: Option<StoredJson<'a>>,
    /// `status` as stored.
    pub status: &'a str,
}

/// A JSON column as a store gave it: text (a `COPY`), or a value its driver decoded.
#[derive(Debug, Clone, Copy)]
pub enum StoredJson<'a> {
    /// JSON text.
    Text(&'a str),
    /// A decoded value.
    Value(&'a serde_json::Value),
}

/// The values of a [`StoredNumber`] that core accepted.
#[derive(Debug)]
pub struct CheckedNumber {
    /// The number ([`E164::from_foreign`]).
    pub phone_number: E164,
    /// The provider.
    pub provider: Provider,
    /// The credentials, without any secret they held.
    pub credentials: Credentials,
    /// The metadata.
    pub metadata: Option<Metadata>,
    /// The status.
    pub status: Status,
    /// When the credentials held a secret (dropped) or the metadata's SMS webhook URL is not a
    /// valid URL (read as unknown): the record saying so (`kept`).
    pub dropped: Option<Skip>,
}

impl StoredNumber<'_> {
    /// Core's rules on the row's values: what it accepts, or why the row cannot be held
    /// ([`Skip`], not `kept`). A secret in the credentials is dropped, its other keys kept,
    /// and the drop recorded; metadata is read as stored ([`Metadata::from_stored_value`]): an
    /// SMS webhook URL that is not a valid URL is unknown, and recorded.
    pub fn check(&self) -> std::result::Result<CheckedNumber, Skip> {
        let values = || -> Result<_> {
            let phone_number = E164::from_foreign(self.phone_number)?;
            let provider: Provider = self.provider.parse()?;
            let (credentials, dropped) =
                Credentials::from_stored_without_secrets(provider, self.credentials)?;
            let metadata = match self.metadata {
                None => None,
                Some(StoredJson::Text(text)) => Some(Metadata::from_stored_json(text)?),
                Some(StoredJson::Value(value)) => Some(Metadata::from_stored_value(value.clone())?),
            };
            let status: Status = self.status.parse()?;
            Ok((
                phone_number,
                provider,
                credentials,
                dropped,
                metadata,
                status,
            ))
        };
        let (phone_number, provider, credentials, dropped, metadata, status) =
            values().map_err(|e| self.skip(e.to_string(), false))?;
        // Kept and reported: a secret dropped, an optional fact read as unknown.
        let reasons: Vec<String> = (!dropped.is_empty())
            .then(|| secrets_dropped_reason(&dropped))
            .into_iter()
            .chain(
                metadata
                    .as_ref()
                    .and_then(Metadata::sms_webhook_url_problem),
            )
            .collect();
        Ok(CheckedNumber {
            phone_number,
            provider,
            credentials,
            metadata,
            status,
            dropped: (!reasons.is_empty()).then(|| self.skip(reasons.join("; "), true)),
        })
    }

    fn skip(&self, reason: String, kept: bool) -> Skip {
        Skip {
            number_id: self.id,
            organization_id: self.organization_id,
            phone_number: Some(self.phone_number.to_owned()),
            reason,
            kept,
        }
    }
}

/// The reason recorded for credentials that held secrets under `keys` (dropped): the keys,
/// never the values.
pub fn secrets_dropped_reason(keys: &[String]) -> String {
    let s = if keys.len() == 1 { "" } else { "s" };
    format!(
        "credentials held a secret: key{s} {} dropped (secrets belong in the OS credential \
         vault; the server's row still holds it)",
        keys.join(", ")
    )
}

/// A [`Skip`] as recorded in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRow {
    /// The row and why.
    #[serde(flatten)]
    pub skip: Skip,
    /// When a sync first found it so.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    /// When a sync last found it so.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
}

impl Replica<'_> {
    /// Records (or updates) a skipped row, keeping when it was first seen.
    pub fn record_skipped(&mut self, s: &Skip) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO sync_skipped (number_id, organization_id, phone_number, reason, kept,
                                           first_seen, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (number_id) DO UPDATE SET organization_id = excluded.organization_id,
                   phone_number = excluded.phone_number, reason = excluded.reason,
                   kept = excluded.kept, last_seen = excluded.last_seen",
            )?
            .execute(params![
                s.number_id.to_string(),
                s.organization_id.to_string(),
                s.phone_number,
                s.reason,
                s.kept,
                micros(now()),
            ])?;
        Ok(())
    }

    /// Forgets a row's record (the server's row now reads cleanly, or is gone).
    pub fn forget_skipped(&mut self, number_id: Uuid) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM sync_skipped WHERE number_id = ?1")?
            .execute([number_id.to_string()])?;
        Ok(())
    }

    /// Forgets the records no sync has seen since `t` (a full copy that started at `t` has read
    /// every row: the others were fixed or deleted).
    pub fn forget_skipped_before(&mut self, t: OffsetDateTime) -> Result<()> {
        self.tx
            .execute("DELETE FROM sync_skipped WHERE last_seen < ?1", [micros(t)])?;
        Ok(())
    }
}

impl Workspace {
    /// The skipped rows, by organization and number.
    pub fn skipped_rows(&self) -> Result<Vec<SkippedRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT number_id, organization_id, phone_number, reason, kept, first_seen, last_seen
             FROM sync_skipped ORDER BY organization_id, phone_number, number_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SkippedRow {
                skip: Skip {
                    number_id: parse_uuid(&r.get::<_, String>(0)?)?,
                    organization_id: parse_uuid(&r.get::<_, String>(1)?)?,
                    phone_number: r.get(2)?,
                    reason: r.get(3)?,
                    kept: r.get(4)?,
                },
                first_seen: from_micros(r.get(5)?)?,
                last_seen: from_micros(r.get(6)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Organization;

    #[test]
    fn skipped_rows_are_recorded_updated_and_forgotten() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let org = Organization {
            id: Uuid::new_v4(),
            slug: "acme".into(),
            name: "Acme".into(),
        };
        let skip = |reason: &str| Skip {
            number_id: Uuid::from_u128(1),
            organization_id: org.id,
            phone_number: Some("+14155550100".into()),
            reason: reason.into(),
            kept: false,
        };
        let mut r = ws.replica().unwrap();
        r.put_organization(&org).unwrap();
        r.record_skipped(&skip("first")).unwrap();
        r.commit().unwrap();
        let first = ws.skipped_rows().unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].skip, skip("first"));

        let mut r = ws.replica().unwrap();
        r.record_skipped(&skip("second")).unwrap();
        r.commit().unwrap();
        let second = ws.skipped_rows().unwrap();
        assert_eq!(second[0].skip.reason, "second");
        assert_eq!(second[0].first_seen, first[0].first_seen);
        assert!(second[0].last_seen >= first[0].last_seen);

        let mut r = ws.replica().unwrap();
        r.forget_skipped_before(second[0].last_seen).unwrap();
        r.commit().unwrap();
        assert_eq!(ws.skipped_rows().unwrap().len(), 1, "seen at that time");
        let mut r = ws.replica().unwrap();
        r.forget_skipped(Uuid::from_u128(1)).unwrap();
        r.commit().unwrap();
        assert!(ws.skipped_rows().unwrap().is_empty());

        let mut r = ws.replica().unwrap();
        r.record_skipped(&skip("again")).unwrap();
        r.remove_organization(org.id).unwrap();
        r.commit().unwrap();
        assert!(
            ws.skipped_rows().unwrap().is_empty(),
            "with its organization"
        );
    }
}
