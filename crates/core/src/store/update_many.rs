//! One change applied to many numbers of an organization in one transaction: a chunk of a
//! selection ([`Workspace::select_numbers`]) changed in bulk.
//!
//! Why: a manager changes the status or agent of 100,000 numbers at once. One transaction per
//! number spends its time committing; here a chunk of a few thousand numbers is read with one
//! statement, each row is changed exactly as a single edit changes it (the same
//! [`NumberUpdate::apply_to`] checks, the same agent check, only the columns that differ
//! rewritten), and the counts and search index are adjusted once per chunk.

use std::collections::HashMap;

use rusqlite::Transaction;
use uuid::Uuid;

use super::Workspace;
use super::numbers::{COLUMNS, FROM, apply_update, check_agent, from_row, org_key};
use super::outbox::{OutboxOp, enqueue};
use super::replica::Rows;
use crate::domain::{NumberUpdate, PHONE_NUMBER_COLUMNS, PhoneNumber};
use crate::error::{Error, Result};

/// What one chunk of a bulk change did.
#[derive(Debug, Default)]
pub struct ManyUpdated {
    /// Numbers changed.
    pub updated: u64,
    /// True when the changes went into a team workspace's outbox, for the next sync.
    pub queued: bool,
    /// Numbers not changed, each with why (the others were changed).
    pub failed: Vec<(Uuid, Error)>,
    /// The rows as the store wrote them, when it returns them (the team database: for the
    /// cache); empty otherwise.
    pub rows: Vec<PhoneNumber>,
}

/// The refusal of an empty change.
pub fn nothing_to_change() -> Error {
    Error::invalid("update", "nothing to change")
}

/// A row of a chunk as stored: the number, its row key, its stored country and line type.
type StoredRow = (PhoneNumber, i64, (Option<String>, String));

/// The rows of an organization with these ids, by id (ids not there are missing).
fn read_chunk(
    tx: &Transaction<'_>,
    org_key: i64,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, StoredRow>> {
    let list = serde_json::Value::from(ids.iter().map(Uuid::to_string).collect::<Vec<_>>());
    let n = PHONE_NUMBER_COLUMNS.len();
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS}, p.rowid, p.country, p.number_type FROM {FROM}
         WHERE p.id IN (SELECT value FROM json_each(?1)) AND p.org_key = ?2"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params![list.to_string(), org_key], |r| {
            let number = from_row(r)?;
            Ok((number, r.get(n)?, (r.get(n + 1)?, r.get(n + 2)?)))
        })?
        .map(|row| row.map(|row: StoredRow| (row.0.id, row)))
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(rows)
}

impl Workspace {
    /// Applies `change` to the numbers of an organization with these ids, in one transaction:
    /// each number as [`Workspace::update_number`] changes it (or, `queue`, a team
    /// workspace's cache offline, as [`Workspace::queue_update`] does: the cache and the
    /// outbox). A number not in the organization, or that the change cannot apply to, is
    /// reported with why and the others are changed; an agent not of the organization
    /// refuses the whole chunk, changing nothing.
    pub fn update_numbers(
        &mut self,
        organization_id: Uuid,
        ids: &[Uuid],
        change: &NumberUpdate,
        queue: bool,
    ) -> Result<ManyUpdated> {
        if change.is_empty() {
            return Err(nothing_to_change());
        }
        self.write(|tx| {
            let (org_key, slug) = org_key(tx, &organization_id)?;
            check_agent(tx, change.agent_id.flatten(), &organization_id, &slug)?;
            let mut found = read_chunk(tx, org_key, ids)?;
            let mut rows = Rows::default();
            let mut done = ManyUpdated {
                queued: queue,
                ..ManyUpdated::default()
            };
            for id in ids {
                let Some((current, key, facts)) = found.remove(id) else {
                    done.failed.push((
                        *id,
                        Error::NotFound {
                            kind: "phone number",
                            key: id.to_string(),
                        },
                    ));
                    continue;
                };
                match apply_update(&current, change) {
                    Ok(next) => {
                        rows.rewrite(tx, key, &current, facts, &next)?;
                        if queue {
                            enqueue(tx, OutboxOp::Update, Some(current.updated_at), &next)?;
                        }
                        done.updated += 1;
                    }
                    Err(e) => done.failed.push((*id, e)),
                }
            }
            rows.finish(tx)?;
            Ok(done)
        })
    }
}
