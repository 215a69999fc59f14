//! Edits made while the team database is offline, and the conflicts their replay finds.
//!
//! Offline, a manager's add, update or remove changes the cached row **and** records the edit
//! in `sync_outbox` in one transaction, so the cache never shows an edit the outbox does not
//! hold, and an edit survives crashes and restarts (it is in the file, committed). The sync
//! replays entries in `seq` order when the server is back.
//!
//! Each entry keeps the server's `updated_at` the edit was based on. At most one entry exists
//! per number: a further edit of the same number merges into it (the row columns become the
//! newest state, the base stays the server version the first edit saw; an add followed by a
//! remove cancels out). Replaying that one entry has the same effect as replaying each edit.
//!
//! When the server's row changed since the base (or the replay is refused), the entry becomes a
//! conflict in `sync_conflicts` with **both versions** — the manager's (`mine`) and the
//! server's (`theirs`, absent when the server removed it) — and the cache shows the server's.
//! Nothing is overwritten until the manager resolves it ([`Workspace::resolve_conflict`]).

use std::sync::LazyLock;

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::numbers::{apply_update, check_agent, from_row, org_key, restored};
use super::replica::{Rows, Source};
use super::{NumberRef, Workspace, from_micros, micros, now, parse_uuid};
use crate::domain::{NumberUpdate, PHONE_NUMBER_COLUMNS, PhoneNumber, ValidNumber};
use crate::error::{Error, Result};

/// The row columns of the outbox and conflict tables ([`PHONE_NUMBER_COLUMNS`]), in
/// `from_row` order.
pub(super) fn row_columns() -> &'static str {
    static ROW: LazyLock<String> = LazyLock::new(|| PHONE_NUMBER_COLUMNS.join(", "));
    &ROW
}

/// `?first, …`: one numbered parameter per row column.
fn row_placeholders(first: usize) -> String {
    (first..first + PHONE_NUMBER_COLUMNS.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `column = ?first, …`: every row column set from numbered parameters.
fn row_assignments(first: usize) -> String {
    PHONE_NUMBER_COLUMNS
        .iter()
        .zip(first..)
        .map(|(column, i)| format!("{column} = ?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an entry's own columns start in a row selected with [`row_columns`] first.
const ENTRY_FIELDS: usize = PHONE_NUMBER_COLUMNS.len();

/// What an outbox entry does on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxOp {
    /// Insert the number (with the id it got offline).
    Add,
    /// Set the number's columns to the entry's.
    Update,
    /// Delete the number.
    Remove,
}

impl OutboxOp {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxOp::Add => "add",
            OutboxOp::Update => "update",
            OutboxOp::Remove => "remove",
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Self> {
        match s {
            "add" => Ok(OutboxOp::Add),
            "update" => Ok(OutboxOp::Update),
            "remove" => Ok(OutboxOp::Remove),
            other => Err(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown outbox op {other:?}").into(),
            )),
        }
    }
}

/// An edit waiting to be replayed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Replay order.
    pub seq: i64,
    /// What to do.
    pub op: OutboxOp,
    /// The server's `updated_at` the edit was based on (`None` for an add).
    #[serde(with = "time::serde::rfc3339::option")]
    pub base_updated_at: Option<OffsetDateTime>,
    /// When the (first) edit was made.
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// Why the last replay attempt failed, if it did.
    pub last_error: Option<String>,
    /// The number as the edit leaves it (for a remove: as it was).
    pub number: PhoneNumber,
}

/// An edit the server did not take as it was, with both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Conflict number, for `conflicts resolve`.
    pub id: i64,
    /// The number's id.
    pub number_id: Uuid,
    /// Its organization.
    pub organization_id: Uuid,
    /// The edit that conflicted.
    pub op: OutboxOp,
    /// What happened, e.g. "changed on the server since".
    pub reason: String,
    /// The server's `updated_at` the edit was based on.
    #[serde(with = "time::serde::rfc3339::option")]
    pub base_updated_at: Option<OffsetDateTime>,
    /// When the replay found it.
    #[serde(with = "time::serde::rfc3339")]
    pub detected_at: OffsetDateTime,
    /// The manager's version (`None`: the manager removed it).
    pub mine: Option<PhoneNumber>,
    /// The server's version (`None`: removed on the server).
    pub theirs: Option<PhoneNumber>,
}

/// Which version a resolved conflict keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The manager's: queued again, based on the server's current version.
    Mine,
    /// The server's: the manager's edit is dropped.
    Theirs,
}

fn row_params(n: &PhoneNumber) -> [rusqlite::types::Value; PHONE_NUMBER_COLUMNS.len()] {
    use rusqlite::types::Value;
    let text = |s: String| Value::Text(s);
    let opt = |s: Option<String>| s.map_or(Value::Null, Value::Text);
    [
        text(n.id.to_string()),
        text(n.organization_id.to_string()),
        text(n.provider.as_str().to_owned()),
        text(n.phone_number.to_string()),
        opt(n.friendly_name.clone()),
        text(n.credentials.to_json()),
        opt(n.metadata.as_ref().map(|m| m.to_json())),
        opt(n.agent_id.map(|a| a.to_string())),
        Value::Integer(n.webhook_configured.into()),
        opt(n.webhook_url.clone()),
        text(n.status.as_str().to_owned()),
        Value::Integer(micros(n.created_at)),
        Value::Integer(micros(n.updated_at)),
        n.last_verified_at
            .map_or(Value::Null, |t| Value::Integer(micros(t))),
    ]
}

/// Records an edit, merging it into the number's pending entry if there is one.
pub(super) fn enqueue(
    tx: &Transaction<'_>,
    op: OutboxOp,
    base: Option<OffsetDateTime>,
    n: &PhoneNumber,
) -> Result<()> {
    let pending: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, op FROM sync_outbox WHERE id = ?1",
            [n.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let values = row_params(n);
    match pending {
        None => {
            let mut all: Vec<rusqlite::types::Value> = vec![
                op.as_str().to_owned().into(),
                base.map(micros).into(),
                micros(now()).into(),
            ];
            all.extend(values);
            tx.execute(
                &format!(
                    "INSERT INTO sync_outbox (op, base_updated_at, queued_at, {})
                     VALUES (?1, ?2, ?3, {})",
                    row_columns(),
                    row_placeholders(4)
                ),
                rusqlite::params_from_iter(all),
            )?;
        }
        Some((seq, previous)) => {
            let previous = OutboxOp::parse(&previous)?;
            let merged = match (previous, op) {
                // Added and removed offline: the server never needs to hear of it.
                (OutboxOp::Add, OutboxOp::Remove) => None,
                (OutboxOp::Add, _) => Some(OutboxOp::Add),
                (_, OutboxOp::Remove) => Some(OutboxOp::Remove),
                _ => Some(OutboxOp::Update),
            };
            match merged {
                None => {
                    tx.execute("DELETE FROM sync_outbox WHERE seq = ?1", [seq])?;
                }
                Some(merged) => {
                    let mut all: Vec<rusqlite::types::Value> =
                        vec![seq.into(), merged.as_str().to_owned().into()];
                    all.extend(values);
                    tx.execute(
                        &format!(
                            "UPDATE sync_outbox SET op = ?2, {}, last_error = NULL WHERE seq = ?1",
                            row_assignments(3)
                        ),
                        rusqlite::params_from_iter(all),
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        number: from_row(r)?,
        seq: r.get(ENTRY_FIELDS)?,
        op: OutboxOp::parse(&r.get::<_, String>(ENTRY_FIELDS + 1)?)?,
        base_updated_at: r
            .get::<_, Option<i64>>(ENTRY_FIELDS + 2)?
            .map(from_micros)
            .transpose()?,
        queued_at: from_micros(r.get(ENTRY_FIELDS + 3)?)?,
        last_error: r.get(ENTRY_FIELDS + 4)?,
    })
}

fn entry(tx: &Transaction<'_>, seq: i64) -> Result<OutboxEntry> {
    tx.query_row(
        &format!(
            "SELECT {}, seq, op, base_updated_at, queued_at, last_error FROM sync_outbox
             WHERE seq = ?1",
            row_columns()
        ),
        [seq],
        entry_from_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "outbox entry",
        key: seq.to_string(),
    })
}

fn save_conflict_row(
    tx: &Transaction<'_>,
    conflict: i64,
    side: &str,
    n: &PhoneNumber,
) -> Result<()> {
    let mut all: Vec<rusqlite::types::Value> = vec![conflict.into(), side.to_owned().into()];
    all.extend(row_params(n));
    tx.execute(
        &format!(
            "INSERT INTO sync_conflict_rows (conflict_id, side, {}) VALUES (?1, ?2, {})",
            row_columns(),
            row_placeholders(3)
        ),
        rusqlite::params_from_iter(all),
    )?;
    Ok(())
}

fn conflict_row(
    tx: &rusqlite::Connection,
    conflict: i64,
    side: &str,
) -> Result<Option<PhoneNumber>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {} FROM sync_conflict_rows WHERE conflict_id = ?1 AND side = ?2",
            row_columns()
        ))?
        .query_row(params![conflict, side], from_row)
        .optional()?)
}

impl Workspace {
    /// Adds a number offline: to the cache and to the outbox, in one transaction.
    pub fn queue_add(&mut self, organization_id: Uuid, v: ValidNumber) -> Result<PhoneNumber> {
        self.queue_insert(v.into_record(organization_id, now()))
    }

    /// Puts a removed number back offline (an undo): the cache gets it as it was, stamped
    /// updated now, and the outbox an add of it with its id (merged with a queued removal of
    /// it into an update, like any edit of the same number).
    pub fn queue_restore(&mut self, n: &PhoneNumber) -> Result<PhoneNumber> {
        self.queue_insert(restored(n))
    }

    /// Inserts a fully formed record into the cache and queues its add.
    fn queue_insert(&mut self, record: PhoneNumber) -> Result<PhoneNumber> {
        let organization_id = record.organization_id;
        self.write(|tx| {
            let (_, slug) = org_key(tx, &organization_id)?;
            check_agent(tx, record.agent_id, &organization_id, &slug)?;
            let mut rows = Rows::default();
            rows.put(tx, &record, Source::Local).map_err(|e| match e {
                Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    Error::Duplicate {
                        what: record.phone_number.to_string(),
                        organization: Some(slug.clone()),
                    }
                }
                e => e,
            })?;
            rows.finish(tx)?;
            enqueue(tx, OutboxOp::Add, None, &record)
        })?;
        Ok(record)
    }

    /// Updates a number offline: the cache and the outbox, in one transaction.
    pub fn queue_update(
        &mut self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<PhoneNumber> {
        let current = self.number(r, organization_id)?;
        if change.is_empty() {
            return Ok(current);
        }
        let next = apply_update(&current, change)?;
        let slug = self.org_slug(&current.organization_id).unwrap_or_default();
        self.write(|tx| {
            let new_agent = next.agent_id.filter(|a| Some(*a) != current.agent_id);
            check_agent(tx, new_agent, &next.organization_id, &slug)?;
            let mut rows = Rows::default();
            rows.put(tx, &next, Source::Local)?;
            rows.finish(tx)?;
            enqueue(tx, OutboxOp::Update, Some(current.updated_at), &next)
        })?;
        Ok(next)
    }

    /// Removes a number offline: from the cache, into the outbox, in one transaction.
    pub fn queue_remove(
        &mut self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
    ) -> Result<PhoneNumber> {
        let current = self.number(r, organization_id)?;
        self.write(|tx| {
            let mut rows = Rows::default();
            rows.delete(tx, &current.id, Source::Local)?;
            rows.finish(tx)?;
            enqueue(tx, OutboxOp::Remove, Some(current.updated_at), &current)
        })?;
        Ok(current)
    }

    /// The edits waiting to be replayed, in replay order.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {}, seq, op, base_updated_at, queued_at, last_error FROM sync_outbox
             ORDER BY seq",
            row_columns()
        ))?;
        let rows = stmt.query_map([], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The server took entry `seq`: drops it and caches the server's row (`None`: removed).
    pub fn outbox_done(&mut self, seq: i64, server: Option<&PhoneNumber>) -> Result<()> {
        self.write(|tx| {
            let e = entry(tx, seq)?;
            tx.execute("DELETE FROM sync_outbox WHERE seq = ?1", [seq])?;
            let mut rows = Rows::default();
            match server {
                Some(n) => {
                    rows.put(tx, n, Source::Server)?;
                }
                None => {
                    rows.delete(tx, &e.number.id, Source::Server)?;
                }
            }
            rows.finish(tx)
        })
    }

    /// Notes why replaying entry `seq` failed (it stays queued).
    pub fn outbox_failed(&mut self, seq: i64, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_outbox SET last_error = ?2 WHERE seq = ?1",
                params![seq, error],
            )?;
            Ok(())
        })
    }

    /// The server did not take entry `seq`: moves it to the conflicts with the server's
    /// version (`None`: the server has no such row), which the cache then shows. Returns the
    /// conflict's id.
    pub fn outbox_conflict(
        &mut self,
        seq: i64,
        reason: &str,
        theirs: Option<&PhoneNumber>,
    ) -> Result<i64> {
        self.write(|tx| {
            let e = entry(tx, seq)?;
            tx.execute(
                "INSERT INTO sync_conflicts (number_id, organization_id, op, reason,
                   base_updated_at, detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    e.number.id.to_string(),
                    e.number.organization_id.to_string(),
                    e.op.as_str(),
                    reason,
                    e.base_updated_at.map(micros),
                    micros(now()),
                ],
            )?;
            let id = tx.last_insert_rowid();
            if e.op != OutboxOp::Remove {
                save_conflict_row(tx, id, "mine", &e.number)?;
            }
            if let Some(t) = theirs {
                save_conflict_row(tx, id, "theirs", t)?;
            }
            tx.execute("DELETE FROM sync_outbox WHERE seq = ?1", [seq])?;
            let mut rows = Rows::default();
            // The cache shows the server's version of this id; mine is kept in the conflict.
            match theirs.filter(|t| t.id == e.number.id) {
                Some(t) => {
                    rows.put(tx, t, Source::Server)?;
                }
                None => {
                    rows.delete(tx, &e.number.id, Source::Server)?;
                }
            }
            rows.finish(tx)?;
            Ok(id)
        })
    }

    /// Every unresolved conflict, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number_id, organization_id, op, reason, base_updated_at, detected_at
             FROM sync_conflicts ORDER BY id",
        )?;
        let heads = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    parse_uuid(&r.get::<_, String>(1)?)?,
                    parse_uuid(&r.get::<_, String>(2)?)?,
                    OutboxOp::parse(&r.get::<_, String>(3)?)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<i64>>(5)?.map(from_micros).transpose()?,
                    from_micros(r.get(6)?)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        heads
            .into_iter()
            .map(
                |(id, number_id, organization_id, op, reason, base, detected_at)| {
                    Ok(Conflict {
                        id,
                        number_id,
                        organization_id,
                        op,
                        reason,
                        base_updated_at: base,
                        detected_at,
                        mine: conflict_row(&self.conn, id, "mine")?,
                        theirs: conflict_row(&self.conn, id, "theirs")?,
                    })
                },
            )
            .collect()
    }

    /// Resolves a conflict. Keeping theirs drops the manager's edit. Keeping mine puts the
    /// manager's version in the cache and queues it again, based on the server's version, so
    /// the next sync sends it.
    pub fn resolve_conflict(&mut self, id: i64, keep: Keep) -> Result<Conflict> {
        let conflict = self
            .conflicts()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::NotFound {
                kind: "conflict",
                key: id.to_string(),
            })?;
        self.write(|tx| {
            if keep == Keep::Mine {
                if has_pending(tx, &conflict.number_id)? {
                    return Err(Error::invalid(
                        "conflict",
                        "the number has newer offline edits; sync them first",
                    ));
                }
                let mut rows = Rows::default();
                match (&conflict.mine, &conflict.theirs) {
                    (Some(_), Some(t)) if t.id != conflict.number_id => {
                        return Err(Error::invalid(
                            "conflict",
                            format!(
                                "{} exists on the server as another record ({}); keep theirs, \
                                 or remove that record first",
                                t.phone_number, t.id
                            ),
                        ));
                    }
                    (Some(m), theirs) => {
                        let mut m = m.clone();
                        m.updated_at = now();
                        let base = theirs.as_ref().map(|t| t.updated_at);
                        rows.put(tx, &m, Source::Local)?;
                        let op = if base.is_some() {
                            OutboxOp::Update
                        } else {
                            OutboxOp::Add
                        };
                        rows.finish(tx)?;
                        enqueue(tx, op, base, &m)?;
                    }
                    (None, Some(t)) => {
                        rows.delete(tx, &t.id, Source::Local)?;
                        rows.finish(tx)?;
                        enqueue(tx, OutboxOp::Remove, Some(t.updated_at), t)?;
                    }
                    (None, None) => {}
                }
            }
            tx.execute("DELETE FROM sync_conflicts WHERE id = ?1", [id])?;
            Ok(())
        })?;
        Ok(conflict)
    }
}

fn has_pending(tx: &Transaction<'_>, id: &Uuid) -> Result<bool> {
    super::replica::has_pending_edit(tx, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{NewNumber, Organization};

    fn valid(e164: &str) -> ValidNumber {
        NewNumber {
            provider: "twilio".into(),
            number: e164.into(),
            friendly_name: Some("Support".into()),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn offline_edits_merge_per_number_and_conflicts_keep_both_versions() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = Organization {
            id: Uuid::new_v4(),
            slug: "acme".into(),
            name: "Acme".into(),
        };
        let mut r = ws.replica().unwrap();
        r.put_organization(&acme).unwrap();
        r.commit().unwrap();
        let a = ws.add_number(acme.id, valid("+14155550100")).unwrap();

        // Add then remove offline: nothing to send.
        let b = ws.queue_add(acme.id, valid("+14155550101")).unwrap();
        assert_eq!(ws.outbox().unwrap().len(), 1);
        ws.queue_remove(&NumberRef::Id(b.id), None).unwrap();
        assert!(ws.outbox().unwrap().is_empty());

        // Two updates: one entry, based on the server's version, with the newest state.
        let rename = |name: &str| NumberUpdate {
            friendly_name: Some(Some(name.into())),
            ..Default::default()
        };
        ws.queue_update(&NumberRef::Id(a.id), None, &rename("One"))
            .unwrap();
        ws.queue_update(&NumberRef::Id(a.id), None, &rename("Two"))
            .unwrap();
        let out = ws.outbox().unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].op, OutboxOp::Update);
        assert_eq!(out[0].base_updated_at, Some(a.updated_at));
        assert_eq!(out[0].number.friendly_name.as_deref(), Some("Two"));
        assert!(ws.integrity_check().unwrap().is_empty());

        // The server changed it meanwhile: conflict, cache shows theirs, mine is kept.
        let mut theirs = a.clone();
        theirs.friendly_name = Some("Theirs".into());
        theirs.updated_at = now();
        let id = ws
            .outbox_conflict(out[0].seq, "changed on the server since", Some(&theirs))
            .unwrap();
        assert!(ws.outbox().unwrap().is_empty());
        let c = &ws.conflicts().unwrap()[0];
        assert_eq!(
            c.mine.as_ref().unwrap().friendly_name.as_deref(),
            Some("Two")
        );
        assert_eq!(
            c.theirs.as_ref().unwrap().friendly_name.as_deref(),
            Some("Theirs")
        );
        let cached = ws.number(&NumberRef::Id(a.id), None).unwrap();
        assert_eq!(cached.friendly_name.as_deref(), Some("Theirs"));

        ws.resolve_conflict(id, Keep::Mine).unwrap();
        assert!(ws.conflicts().unwrap().is_empty());
        let out = ws.outbox().unwrap();
        assert_eq!(out[0].base_updated_at, Some(theirs.updated_at));
        assert_eq!(
            ws.number(&NumberRef::Id(a.id), None)
                .unwrap()
                .friendly_name
                .as_deref(),
            Some("Two")
        );
        assert!(ws.integrity_check().unwrap().is_empty());
    }
}
