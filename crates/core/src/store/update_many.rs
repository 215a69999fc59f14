//! One change applied to many numbers of an organization in one transaction: a chunk of a
//! selection ([`Workspace::select_numbers`]) changed in bulk.
//!
//! Why: a manager changes the status or agent of 100,000 numbers at once. One transaction per
//! number spends its time committing, and one statement per number its time in SQLite's
//! statement machinery. A change that sets the same values on every number (anything but
//! metadata, whose merge and the capabilities it gives depend on the number) is applied to a
//! chunk set-based: one statement reads the chunk's row keys, one `UPDATE … WHERE rowid IN`
//! writes it, the outbox entries of a team workspace's cache are written with one
//! `UPDATE … FROM` (numbers with an entry already, merged as [`super::outbox`] merges) and
//! one `INSERT … SELECT` (the others, in the chunk's order), the search index is rewritten
//! for the renamed rows with two statements, and the counts move by status once per chunk.
//! The rows, entries, counts and index end exactly as the per-number path leaves them (the
//! time of the change is taken once per chunk). A metadata change, or one a number's values
//! refuse, goes number by number: each row read, changed with the same
//! [`NumberUpdate::apply_to`] checks, only the columns that differ rewritten.

use std::collections::HashMap;

use rusqlite::Transaction;
use rusqlite::types::Value;
use uuid::Uuid;

use super::counts::CountDelta;
use super::numbers::{
    COLUMNS, FROM, SEARCH_DELETE_SELECTED, SEARCH_INSERT_SELECTED, apply_update, check_agent,
    from_row, org_key,
};
use super::outbox::{OutboxOp, enqueue, row_columns};
use super::replica::{Rows, row_at};
use super::{Workspace, micros, now};
use crate::domain::{NumberUpdate, PHONE_NUMBER_COLUMNS, PhoneNumber, Status};
use crate::error::{Error, Result};
use crate::query::search_key;

/// What one chunk of a bulk change did.
#[derive(Debug, Default)]
pub struct ManyUpdated {
    /// Numbers changed.
    pub updated: u64,
    /// Numbers whose change went into a team workspace's outbox, for the next sync (counted
    /// in `updated` too): all of them, none, or (a team workspace whose server went away
    /// during the chunk) those changed after it went.
    pub queued: u64,
    /// Numbers not changed, each with why (the others were changed).
    pub failed: Vec<(Uuid, Error)>,
    /// The rows as the store wrote them, when it returns them (the team database: for the
    /// cache); empty otherwise.
    pub rows: Vec<PhoneNumber>,
}

/// The numbers a bulk change applies to ([`Workspace::selection`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The numbers, by id.
    pub ids: Vec<Uuid>,
    /// Their row keys in the workspace file, in the order of `ids`, when the store has them
    /// (the team database has none): a bulk change reads its rows by these and checks each
    /// id; an id whose row the key no longer holds (removed and put back, or the key now
    /// another number's) is looked up by id, and reported not found only when not there.
    pub keys: Option<Vec<i64>>,
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

fn not_found(id: &Uuid) -> Error {
    Error::NotFound {
        kind: "phone number",
        key: id.to_string(),
    }
}

/// True when `change` sets the same values on every number it changes: everything but
/// metadata (a merge patch, and the capabilities metadata gives, depend on the number). The
/// pattern names every field, so a field added to [`NumberUpdate`] must be judged here.
fn is_uniform(change: &NumberUpdate) -> bool {
    let NumberUpdate {
        friendly_name: _,
        status: _,
        agent_id: _,
        metadata_patch,
        metadata,
        webhook: _,
        last_verified_at: _,
        sms_webhook_url_if_none,
    } = change;
    metadata_patch.is_none() && metadata.is_none() && sms_webhook_url_if_none.is_none()
}

/// The columns a uniform change sets, with their values (taken from the change applied to
/// one number of the chunk: the same for every number).
fn uniform_columns(change: &NumberUpdate, next: &PhoneNumber) -> Vec<(&'static str, Value)> {
    let text = |v: Option<String>| v.map_or(Value::Null, Value::Text);
    let mut set = Vec::new();
    if change.status.is_some() {
        set.push(("status", Value::Text(next.status.as_str().into())));
    }
    if change.agent_id.is_some() {
        set.push(("agent_id", text(next.agent_id.map(|a| a.to_string()))));
    }
    if change.webhook.is_some() {
        set.push((
            "webhook_configured",
            Value::Integer(next.webhook_configured.into()),
        ));
        set.push(("webhook_url", text(next.webhook_url.clone())));
    }
    if change.last_verified_at.is_some() {
        set.push((
            "last_verified_at",
            next.last_verified_at
                .map_or(Value::Null, |t| Value::Integer(micros(t))),
        ));
    }
    if change.friendly_name.is_some() {
        set.push(("friendly_name", text(next.friendly_name.clone())));
        // Last: only the row update names it (not a column of the outbox).
        let name = search_key(next.friendly_name.as_deref().unwrap_or(""));
        set.push(("search_name", Value::Text(name)));
    }
    set
}

/// The value of a row column as the uniform change `set` leaves it, as SQL over the row
/// `p` (before the change) and its organization `o`; `?2` is the time of the change and the
/// values of `set` are `?3`, `?4`, …
fn next_value(set: &[(&'static str, Value)], column: &str) -> String {
    if let Some(i) = set.iter().position(|(c, _)| *c == column) {
        return format!("?{}", i + 3);
    }
    match column {
        "organization_id" => "o.id".into(),
        "updated_at" => "MAX(?2, p.updated_at)".into(),
        // As `from_row` reads it (NULL is false) and the outbox writes it.
        "webhook_configured" => "(coalesce(p.webhook_configured, 0) != 0)".into(),
        c => format!("p.{c}"),
    }
}

/// Runs a statement with as many of `values` (`?1`, `?2`, …) as it names.
fn run(tx: &Transaction<'_>, sql: &str, values: &[Value]) -> Result<usize> {
    let mut stmt = tx.prepare_cached(sql)?;
    for i in 1..=stmt.parameter_count() {
        stmt.raw_bind_parameter(i, &values[i - 1])?;
    }
    Ok(stmt.raw_execute()?)
}

/// A row of a chunk as the set-based path reads it: its row key, status and search name.
type Found = (i64, String, String);

/// Applies a uniform change ([`is_uniform`]) to the numbers of an organization with these
/// ids, set-based (see the module's documentation). `None`, having written nothing, when the
/// change does not apply to the chunk's numbers (then each is refused on its own).
fn update_uniform(
    tx: &Transaction<'_>,
    organization_id: &Uuid,
    org_key: i64,
    (ids, keys): (&[Uuid], Option<&[i64]>),
    change: &NumberUpdate,
    queue: bool,
) -> Result<Option<ManyUpdated>> {
    let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    // By row key when the selection has them (checked against the id), else by id.
    let keys = keys.filter(|k| k.len() == ids.len());
    let (list, by) = match keys {
        Some(keys) => (serde_json::Value::from(keys), "p.rowid"),
        None => (serde_json::Value::from(texts.as_slice()), "p.id"),
    };
    let read = |list: serde_json::Value, by: &str| -> Result<HashMap<String, Found>> {
        Ok(tx
            .prepare_cached(&format!(
                "SELECT p.id, p.rowid, p.status, p.search_name FROM phone_numbers p
                 WHERE {by} IN (SELECT value FROM json_each(?1)) AND p.org_key = ?2"
            ))?
            .query_map(rusqlite::params![list.to_string(), org_key], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
            })?
            .collect::<rusqlite::Result<_>>()?)
    };
    let mut found = read(list, by)?;
    if keys.is_some() {
        // Ids their keys no longer name (the row re-keyed since the selection): by id.
        let rekeyed: Vec<String> = (texts.iter())
            .filter(|t| !found.contains_key(*t))
            .cloned()
            .collect();
        if !rekeyed.is_empty() {
            found.extend(read(serde_json::Value::from(rekeyed), "p.id")?);
        }
    }
    let mut done = ManyUpdated::default();
    // In the chunk's order, by the ids the rows hold: an id given twice is found once (as
    // the per-number path finds it), one whose row key is now another number's not at all.
    let mut rows = Vec::with_capacity(found.len());
    for (id, text) in ids.iter().zip(&texts) {
        match found.remove(text) {
            Some(row) => rows.push(row),
            None => done.failed.push((*id, not_found(id))),
        }
    }
    let Some((first, ..)) = rows.first() else {
        return Ok(Some(done));
    };
    let current = row_at(tx, *first)?.ok_or_else(|| not_found(&ids[0]))?;
    let Ok(next) = apply_update(&current, change) else {
        return Ok(None);
    };
    let set = uniform_columns(change, &next);
    let keys: Vec<i64> = rows.iter().map(|(key, ..)| *key).collect();
    let mut values = vec![
        Value::Text(serde_json::Value::from(keys).to_string()),
        Value::Integer(micros(now())),
    ];
    values.extend(set.iter().map(|(_, v)| v.clone()));
    let chunk = "SELECT value FROM json_each(?1)";
    if queue {
        // Numbers with an entry: merged into it, as `enqueue` merges a further edit.
        let assignments: Vec<String> = PHONE_NUMBER_COLUMNS[1..]
            .iter()
            .map(|c| format!("{c} = {}", next_value(&set, c)))
            .collect();
        run(
            tx,
            &format!(
                "UPDATE sync_outbox AS s SET
                   op = CASE s.op WHEN 'add' THEN 'add' ELSE 'update' END, last_error = NULL, {}
                 FROM phone_numbers p CROSS JOIN organizations o ON o.key = p.org_key
                 WHERE p.rowid IN ({chunk}) AND s.id = p.id",
                assignments.join(", ")
            ),
            &values,
        )?;
        // The others: one new entry each, in the chunk's order, based on the row's version.
        let selected: Vec<String> = PHONE_NUMBER_COLUMNS
            .iter()
            .map(|c| next_value(&set, c))
            .collect();
        run(
            tx,
            &format!(
                "INSERT INTO sync_outbox (op, base_updated_at, queued_at, {})
                 SELECT 'update', p.updated_at, ?2, {}
                 FROM json_each(?1) k CROSS JOIN phone_numbers p ON p.rowid = k.value
                   CROSS JOIN organizations o ON o.key = p.org_key
                 WHERE NOT EXISTS (SELECT 1 FROM sync_outbox s WHERE s.id = p.id)
                 ORDER BY k.key",
                row_columns(),
                selected.join(", ")
            ),
            &values,
        )?;
    }
    // The search index: the renamed rows' entries out before, back in after.
    let renamed = set
        .iter()
        .find(|(c, _)| *c == "search_name")
        .map(|(_, name)| {
            let keys: Vec<i64> = rows
                .iter()
                .filter(|(_, _, old)| !matches!(name, Value::Text(n) if n == old))
                .map(|(key, ..)| *key)
                .collect();
            [Value::Text(serde_json::Value::from(keys).to_string())]
        });
    if let Some(renamed) = &renamed {
        run(tx, SEARCH_DELETE_SELECTED, renamed)?;
    }
    let assignments: Vec<String> = set
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ?{}", i + 3))
        .chain(["updated_at = MAX(?2, updated_at)".to_owned()])
        .collect();
    let changed = run(
        tx,
        &format!(
            "UPDATE phone_numbers SET {} WHERE rowid IN ({chunk})",
            assignments.join(", ")
        ),
        &values,
    )?;
    if changed != rows.len() {
        return Err(Error::invalid(
            "update",
            format!("{} of {} numbers changed", changed, rows.len()),
        ));
    }
    if let Some(renamed) = &renamed {
        run(tx, SEARCH_INSERT_SELECTED, renamed)?;
    }
    // The counts: only the status facet can differ (no metadata, so no capability).
    if change.status.is_some() {
        let mut by_status: HashMap<&str, i64> = HashMap::new();
        for (_, status, _) in &rows {
            *by_status.entry(status.as_str()).or_default() += 1;
        }
        let mut delta = CountDelta::default();
        let org = organization_id.to_string();
        for (status, n) in by_status {
            let from: Status = status.parse()?;
            delta.move_status(&org, from, next.status, n);
        }
        delta.apply(tx)?;
    }
    done.updated = rows.len() as u64;
    done.queued = if queue { done.updated } else { 0 };
    Ok(Some(done))
}

/// Applies `change` to the numbers of an organization with these ids one by one: each read,
/// changed as a single edit changes it, only the columns that differ rewritten.
fn update_each_row(
    tx: &Transaction<'_>,
    org_key: i64,
    ids: &[Uuid],
    change: &NumberUpdate,
    queue: bool,
) -> Result<ManyUpdated> {
    let mut found = read_chunk(tx, org_key, ids)?;
    let mut rows = Rows::default();
    let mut done = ManyUpdated::default();
    for id in ids {
        let Some((current, key, facts)) = found.remove(id) else {
            done.failed.push((*id, not_found(id)));
            continue;
        };
        match apply_update(&current, change) {
            Ok(next) => {
                rows.rewrite(tx, key, &current, facts, &next)?;
                if queue {
                    enqueue(tx, OutboxOp::Update, Some(current.updated_at), &next)?;
                    done.queued += 1;
                }
                done.updated += 1;
            }
            Err(e) => done.failed.push((*id, e)),
        }
    }
    rows.finish(tx)?;
    Ok(done)
}

impl Workspace {
    /// Applies `change` to the numbers of an organization with these ids, in one transaction:
    /// each number as [`Workspace::update_number`] changes it (or, `queue`, a team
    /// workspace's cache offline, as [`Workspace::queue_update`] does: the cache and the
    /// outbox). A number not in the organization, or that the change cannot apply to, is
    /// reported with why and the others are changed; an agent not of the organization
    /// refuses the whole chunk, changing nothing. A change of anything but metadata is
    /// applied set-based (see the module's documentation).
    ///
    /// `keys`, when given, are the numbers' row keys in the order of `ids`
    /// ([`Selection::keys`]): the rows are read by them, each checked to hold its id.
    pub fn update_numbers(
        &mut self,
        organization_id: Uuid,
        (ids, keys): (&[Uuid], Option<&[i64]>),
        change: &NumberUpdate,
        queue: bool,
    ) -> Result<ManyUpdated> {
        if change.is_empty() {
            return Err(nothing_to_change());
        }
        self.write(|tx| {
            let (org_key, slug) = org_key(tx, &organization_id)?;
            check_agent(tx, change.agent_id.flatten(), &organization_id, &slug)?;
            if is_uniform(change)
                && let Some(done) =
                    update_uniform(tx, &organization_id, org_key, (ids, keys), change, queue)?
            {
                return Ok(done);
            }
            update_each_row(tx, org_key, ids, change, queue)
        })
    }
}
