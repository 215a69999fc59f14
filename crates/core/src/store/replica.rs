//! The offline cache's write path: rows copied from the team database, by id.
//!
//! A team workspace's cache is an ordinary [`Workspace`] file whose rows are the server's (as
//! far as row-level security lets this manager see them). The sync (`switchboard-sync`) writes
//! them here through a [`Replica`]: one IMMEDIATE transaction in which it inserts, replaces and
//! deletes rows by their server id, mirrors organizations and agents, and records how far it
//! got — so a batch of rows and the progress that says it was copied commit together, and an
//! interrupted sync resumes from the last commit.
//!
//! Guarantees, as for every other write of the store:
//! - the full-text index and the per-organization counts (`number_counts`) change in the same
//!   transaction as the rows, through the same helpers as `numbers.rs`, so
//!   [`Workspace::integrity_check`] holds after every commit;
//! - rows with an edit waiting in the outbox are left as the manager edited them
//!   ([`Replica::put`] and [`Replica::delete`] skip them) until that edit is replayed;
//! - a row the server no longer has in the same place (another organization, or a number now
//!   held by another id) is moved or evicted, because the server's unique constraints already
//!   guarantee the state being copied is consistent.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use super::counts::{CountDelta, facets};
use super::numbers::{
    COLUMNS, FROM, SEARCH_DELETE, SEARCH_INSERT, from_row, insert_row, org_key, org_range, row_key,
    stored_facts,
};
use super::{Workspace, micros, now, parse_uuid};
use crate::domain::{Agent, NumberFacts, Organization, PhoneNumber, check_name, check_slug};
use crate::error::{Error, Result};
use crate::query::search_key;

/// How far the full copy of one organization got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyProgress {
    /// The organization.
    pub organization_id: Uuid,
    /// The last number copied (rows are copied in E.164 order); `None` before the first batch.
    pub after: Option<String>,
    /// Rows copied so far.
    pub rows_done: u64,
    /// Rows the server had when the copy started.
    pub rows_total: u64,
    /// Every row was copied.
    pub done: bool,
}

/// Whose row a write is: the server's (skip rows with pending edits, evict stale rows that
/// collide) or the manager's own offline edit (refuse collisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Server,
    Local,
}

/// Row writes inside one transaction, keeping search and counts right.
#[derive(Debug, Default)]
pub(super) struct Rows {
    /// Organization keys looked up so far.
    orgs: HashMap<Uuid, (i64, String)>,
    counts: CountDelta,
    /// When the server's rows being written were read (microseconds): rows written through
    /// by a direct edit after that are newer in the cache and stay (see [`Replica::read_at`]).
    read_at: Option<i64>,
}

fn is_constraint_violation(e: &Error) -> bool {
    matches!(e, Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
        if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// The row at a row key.
pub(super) fn row_at(tx: &Transaction<'_>, key: i64) -> Result<Option<PhoneNumber>> {
    Ok(tx
        .prepare_cached(&format!("SELECT {COLUMNS} FROM {FROM} WHERE p.rowid = ?1"))?
        .query_row([key], from_row)
        .optional()?)
}

fn key_of(tx: &Transaction<'_>, id: &Uuid) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT rowid FROM phone_numbers WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

/// True when a direct edit wrote this row through after `since` (a sync's snapshot): the cache
/// holds a newer version than that sync read. Marks the row to be read again by the next sync.
fn written_through_after(tx: &Transaction<'_>, id: &Uuid, since: Option<i64>) -> Result<bool> {
    let Some(since) = since else {
        return Ok(false);
    };
    let newer = tx
        .prepare_cached("UPDATE sync_written_through SET refetch = 1 WHERE id = ?1 AND at > ?2")?
        .execute(params![id.to_string(), since])?;
    Ok(newer > 0)
}

/// True when the outbox holds an edit of this number.
pub(super) fn has_pending_edit(tx: &Transaction<'_>, id: &Uuid) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_outbox WHERE id = ?1)")?
        .query_row([id.to_string()], |r| r.get(0))?)
}

impl Rows {
    pub(super) fn org(&mut self, tx: &Transaction<'_>, org: &Uuid) -> Result<(i64, String)> {
        if let Some(found) = self.orgs.get(org) {
            return Ok(found.clone());
        }
        let found = org_key(tx, org)?;
        self.orgs.insert(*org, found.clone());
        Ok(found)
    }

    /// Inserts a row the caller believes is new (the fast path of a full copy). A row whose
    /// id or number is cached already goes through [`Rows::put`] instead.
    pub(super) fn insert_new(
        &mut self,
        tx: &Transaction<'_>,
        n: &PhoneNumber,
        facts: &NumberFacts,
    ) -> Result<()> {
        if written_through_after(tx, &n.id, self.read_at)? {
            return Ok(());
        }
        let (org_key, _) = self.org(tx, &n.organization_id)?;
        let key = row_key(org_key, n.phone_number.digits())?;
        let org = n.organization_id.to_string();
        match insert_row(tx, &org, org_key, key, n, facts, &mut self.counts, true) {
            Err(e) if is_constraint_violation(&e) => self.put(tx, n, Source::Server).map(|_| ()),
            other => other,
        }
    }

    /// Inserts `n`, or replaces the cached row with its id. Returns false when a server row
    /// was skipped because the outbox holds an edit of it.
    pub(super) fn put(
        &mut self,
        tx: &Transaction<'_>,
        n: &PhoneNumber,
        from: Source,
    ) -> Result<bool> {
        if from == Source::Server
            && (has_pending_edit(tx, &n.id)? || written_through_after(tx, &n.id, self.read_at)?)
        {
            return Ok(false);
        }
        let (org_key, _) = self.org(tx, &n.organization_id)?;
        let key = row_key(org_key, n.phone_number.digits())?;
        match key_of(tx, &n.id)? {
            Some(old) if old == key => self.replace(tx, key, n)?,
            Some(old) => {
                self.delete_key(tx, old)?;
                self.insert(tx, org_key, key, n, from)?;
            }
            None => self.insert(tx, org_key, key, n, from)?,
        }
        Ok(true)
    }

    fn insert(
        &mut self,
        tx: &Transaction<'_>,
        org_key: i64,
        key: i64,
        n: &PhoneNumber,
        from: Source,
    ) -> Result<()> {
        // The key is the organization and the number: a row there holds the same number.
        if let Some(other) = row_at(tx, key)? {
            if from == Source::Local {
                return Err(Error::Duplicate {
                    what: n.phone_number.to_string(),
                    organization: Some(self.org(tx, &n.organization_id)?.1),
                });
            }
            // The server gives this number to `n` now: the cached holder is stale.
            debug_assert_ne!(other.id, n.id);
            self.delete_key(tx, key)?;
        }
        let org = n.organization_id.to_string();
        insert_row(
            tx,
            &org,
            org_key,
            key,
            n,
            &n.facts(),
            &mut self.counts,
            true,
        )
    }

    /// Replaces every column of the row at `key` (same organization and number) with `n`'s.
    fn replace(&mut self, tx: &Transaction<'_>, key: i64, n: &PhoneNumber) -> Result<()> {
        let Some(old) = row_at(tx, key)? else {
            return Err(Error::NotFound {
                kind: "phone number",
                key: n.id.to_string(),
            });
        };
        let facts = stored_facts(tx, key)?;
        self.rewrite(tx, key, &old, facts, n)
    }

    /// Rewrites the row at `key` from `old` (as stored, with its stored country and line
    /// type) to `n` (same organization and number): the columns that differ, the counts and
    /// the search index.
    pub(super) fn rewrite(
        &mut self,
        tx: &Transaction<'_>,
        key: i64,
        old: &PhoneNumber,
        (country, number_type): (Option<String>, String),
        n: &PhoneNumber,
    ) -> Result<()> {
        let old_name = search_key(old.friendly_name.as_deref().unwrap_or(""));
        let new_name = search_key(n.friendly_name.as_deref().unwrap_or(""));
        // Only the columns that differ: SQLite rewrites the entries of every index that holds
        // a column named in SET, changed or not, and an incremental sync mostly changes a
        // name or a status.
        let text = |v: Option<String>| v.map_or(Value::Null, Value::Text);
        let mut set: Vec<(&str, Value)> = Vec::new();
        let mut differs = |column: &'static str, before: Value, after: Value| {
            if before != after {
                set.push((column, after));
            }
        };
        differs(
            "provider",
            Value::Text(old.provider.as_str().into()),
            Value::Text(n.provider.as_str().into()),
        );
        differs(
            "friendly_name",
            text(old.friendly_name.clone()),
            text(n.friendly_name.clone()),
        );
        differs(
            "credentials",
            Value::Text(old.credentials.to_json()),
            Value::Text(n.credentials.to_json()),
        );
        differs(
            "metadata",
            text(old.metadata.as_ref().map(|m| m.to_json())),
            text(n.metadata.as_ref().map(|m| m.to_json())),
        );
        differs(
            "agent_id",
            text(old.agent_id.map(|a| a.to_string())),
            text(n.agent_id.map(|a| a.to_string())),
        );
        differs(
            "webhook_configured",
            Value::Integer(old.webhook_configured.into()),
            Value::Integer(n.webhook_configured.into()),
        );
        differs(
            "webhook_url",
            text(old.webhook_url.clone()),
            text(n.webhook_url.clone()),
        );
        differs(
            "status",
            Value::Text(old.status.as_str().into()),
            Value::Text(n.status.as_str().into()),
        );
        differs(
            "created_at",
            Value::Integer(micros(old.created_at)),
            Value::Integer(micros(n.created_at)),
        );
        differs(
            "updated_at",
            Value::Integer(micros(old.updated_at)),
            Value::Integer(micros(n.updated_at)),
        );
        differs(
            "last_verified_at",
            old.last_verified_at
                .map_or(Value::Null, |t| Value::Integer(micros(t))),
            n.last_verified_at
                .map_or(Value::Null, |t| Value::Integer(micros(t))),
        );
        differs(
            "search_name",
            Value::Text(old_name.clone()),
            Value::Text(new_name.clone()),
        );
        differs(
            "capabilities",
            Value::Integer(old.capabilities().bits()),
            Value::Integer(n.capabilities().bits()),
        );
        if !set.is_empty() {
            let columns: Vec<String> = set
                .iter()
                .enumerate()
                .map(|(i, (c, _))| format!("{c} = ?{}", i + 2))
                .collect();
            let sql = format!(
                "UPDATE phone_numbers SET {} WHERE rowid = ?1",
                columns.join(", ")
            );
            let values =
                std::iter::once(Value::Integer(key)).chain(set.into_iter().map(|(_, v)| v));
            tx.prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(values))?;
        }
        let before = facets(old, country.as_deref(), &number_type);
        let after = facets(n, country.as_deref(), &number_type);
        if before != after {
            let org = n.organization_id.to_string();
            self.counts
                .add(&org, old.phone_number.digits(), &before, -1);
            self.counts.add(&org, n.phone_number.digits(), &after, 1);
        }
        if old_name != new_name {
            let digits = n.phone_number.digits();
            tx.prepare_cached(SEARCH_DELETE)?
                .execute(params![key, digits, old_name])?;
            tx.prepare_cached(SEARCH_INSERT)?
                .execute(params![key, digits, new_name])?;
        }
        Ok(())
    }

    /// Deletes the row with this id; returns it (`None` when it was not cached, or, for a
    /// server deletion, when the outbox holds an edit of it).
    pub(super) fn delete(
        &mut self,
        tx: &Transaction<'_>,
        id: &Uuid,
        from: Source,
    ) -> Result<Option<PhoneNumber>> {
        if from == Source::Server
            && (has_pending_edit(tx, id)? || written_through_after(tx, id, self.read_at)?)
        {
            return Ok(None);
        }
        match key_of(tx, id)? {
            Some(key) => self.delete_key(tx, key),
            None => Ok(None),
        }
    }

    fn delete_key(&mut self, tx: &Transaction<'_>, key: i64) -> Result<Option<PhoneNumber>> {
        let Some(old) = row_at(tx, key)? else {
            return Ok(None);
        };
        let (country, number_type) = stored_facts(tx, key)?;
        tx.prepare_cached("DELETE FROM phone_numbers WHERE rowid = ?1")?
            .execute([key])?;
        let name = search_key(old.friendly_name.as_deref().unwrap_or(""));
        tx.prepare_cached(SEARCH_DELETE)?
            .execute(params![key, old.phone_number.digits(), name])?;
        let f = facets(&old, country.as_deref(), &number_type);
        self.counts.add(
            &old.organization_id.to_string(),
            old.phone_number.digits(),
            &f,
            -1,
        );
        Ok(Some(old))
    }

    /// Deletes an organization's numbers (and, with `whole`, its agents and itself).
    pub(super) fn remove_org(
        &mut self,
        tx: &Transaction<'_>,
        id: &Uuid,
        whole: bool,
    ) -> Result<u64> {
        let org_key = match org_key(tx, id) {
            Ok((key, _)) => key,
            Err(Error::NotFound { .. }) => return Ok(0),
            Err(e) => return Err(e),
        };
        // Pending counts are applied first; this organization's are then dropped whole.
        self.apply_counts(tx)?;
        let (lo, hi) = org_range(org_key);
        tx.execute(
            "INSERT INTO phone_numbers_search (phone_numbers_search, rowid, digits, search_name)
             SELECT 'delete', rowid, digits, search_name FROM phone_numbers
             WHERE rowid BETWEEN ?1 AND ?2",
            params![lo, hi],
        )?;
        let n = tx.execute(
            "DELETE FROM phone_numbers WHERE rowid BETWEEN ?1 AND ?2",
            params![lo, hi],
        )?;
        tx.execute(
            "DELETE FROM number_counts WHERE organization_id = ?1",
            [id.to_string()],
        )?;
        if whole {
            self.orgs.remove(id);
            tx.execute(
                "DELETE FROM agents WHERE organization_id = ?1",
                [id.to_string()],
            )?;
            tx.execute("DELETE FROM organizations WHERE id = ?1", [id.to_string()])?;
            tx.execute(
                "DELETE FROM sync_copy WHERE organization_id = ?1",
                [id.to_string()],
            )?;
            tx.execute(
                "DELETE FROM sync_stage WHERE rowid BETWEEN ?1 AND ?2",
                params![lo, hi],
            )?;
            tx.execute(
                "DELETE FROM sync_stage_counts WHERE organization_id = ?1",
                [id.to_string()],
            )?;
        }
        Ok(n as u64)
    }

    /// Applies the pending counts now.
    pub(super) fn apply_counts(&mut self, tx: &Transaction<'_>) -> Result<()> {
        std::mem::take(&mut self.counts).apply(tx)
    }

    /// Forgets the pending counts: the writes they count were rolled back.
    pub(super) fn forget_counts(&mut self) {
        self.counts = CountDelta::default();
    }

    /// Applies the counts.
    pub(super) fn finish(self, tx: &Transaction<'_>) -> Result<()> {
        self.counts.apply(tx)
    }
}

/// One transaction of the sync on the cache. Nothing is written until [`Replica::commit`];
/// dropping it rolls everything back.
#[derive(Debug)]
pub struct Replica<'w> {
    pub(super) tx: Transaction<'w>,
    pub(super) rows: Rows,
    /// What rows staged in this transaction add to the stage's counts.
    pub(super) staged: CountDelta,
}

impl Replica<'_> {
    /// Inserts or updates an organization as the server has it. A cached organization with
    /// the same slug and another id is stale (the server's slugs are unique) and is removed.
    pub fn put_organization(&mut self, org: &Organization) -> Result<()> {
        check_slug(&org.slug)?;
        let name = check_name("organization name", &org.name)?;
        let stale: Vec<String> = self
            .tx
            .prepare("SELECT id FROM organizations WHERE slug = ?1 AND id <> ?2")?
            .query_map(params![org.slug, org.id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in stale {
            let id = parse_uuid(&id)?;
            self.rows.remove_org(&self.tx, &id, true)?;
        }
        let t = micros(now());
        self.tx.execute(
            "INSERT INTO organizations (id, slug, name, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
               updated_at = excluded.updated_at
             WHERE slug <> excluded.slug OR name <> excluded.name",
            params![org.id.to_string(), org.slug, name, t],
        )?;
        Ok(())
    }

    /// Removes an organization with its numbers and agents (the manager may no longer see it).
    /// Returns how many numbers went.
    pub fn remove_organization(&mut self, id: Uuid) -> Result<u64> {
        self.tx.execute(
            "DELETE FROM sync_skipped WHERE organization_id = ?1",
            [id.to_string()],
        )?;
        self.rows.remove_org(&self.tx, &id, true)
    }

    /// Removes an organization's numbers, keeping it and its agents (before a fresh copy).
    pub fn clear_numbers(&mut self, id: Uuid) -> Result<u64> {
        self.rows.remove_org(&self.tx, &id, false)
    }

    /// Inserts or updates an agent as the server has it.
    pub fn put_agent(&mut self, agent: &Agent) -> Result<()> {
        let id = agent.id.to_string();
        let org = agent.organization_id.to_string();
        // Another cached agent with this name is stale (renamed on the server).
        self.tx.execute(
            "DELETE FROM agents WHERE organization_id = ?1 AND name = ?2 AND id <> ?3",
            params![org, agent.name, id],
        )?;
        let t = micros(now());
        self.tx.execute(
            "INSERT INTO agents (id, organization_id, name, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id,
               name = excluded.name, updated_at = excluded.updated_at
             WHERE organization_id <> excluded.organization_id OR name <> excluded.name",
            params![id, org, agent.name, t],
        )?;
        Ok(())
    }

    /// Deletes a cached agent (removed on the server); its cached numbers lose it, as the
    /// server's did.
    pub fn remove_agent(&mut self, id: Uuid) -> Result<()> {
        self.tx
            .execute("DELETE FROM agents WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    /// Deletes the organization's cached agents that are not in `keep`.
    pub fn retain_agents(&mut self, organization_id: Uuid, keep: &[Uuid]) -> Result<()> {
        let cached: Vec<String> = self
            .tx
            .prepare("SELECT id FROM agents WHERE organization_id = ?1")?
            .query_map([organization_id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in cached {
            if !keep.iter().any(|k| k.to_string() == id) {
                self.tx.execute("DELETE FROM agents WHERE id = ?1", [id])?;
            }
        }
        Ok(())
    }

    /// Inserts a row of a full copy (new to the cache: the fast path). `facts` are the
    /// number's derived facts.
    pub fn insert_new(&mut self, n: &PhoneNumber, facts: &NumberFacts) -> Result<()> {
        self.rows.insert_new(&self.tx, n, facts)
    }

    /// Inserts or replaces the row with `n`'s id. Returns false when the outbox holds an edit
    /// of it (the manager's version stays until it is replayed), or when a direct edit wrote
    /// it through after [`Replica::read_at`].
    pub fn put(&mut self, n: &PhoneNumber) -> Result<bool> {
        self.rows.put(&self.tx, n, Source::Server)
    }

    /// Deletes the row with this id; returns whether one was deleted (false also when the
    /// outbox holds an edit of it, or a direct edit wrote it through after
    /// [`Replica::read_at`]).
    pub fn delete(&mut self, id: Uuid) -> Result<bool> {
        Ok(self.rows.delete(&self.tx, &id, Source::Server)?.is_some())
    }

    /// Says when the server's rows this transaction writes were read (microseconds, this
    /// device's clock, taken before the read began). A row that a direct edit wrote through
    /// after that ([`Replica::write_through`]) is newer than what was read: it is left as the
    /// edit wrote it and read again by the next sync ([`Workspace::rows_to_read_again`]).
    pub fn read_at(&mut self, at: i64) -> Result<()> {
        // Without any mark (nearly always), a full copy's rows need no lookup: this
        // transaction holds the write lock, so no write-through can add one meanwhile.
        let any: bool = self
            .tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_written_through)")?
            .query_row([], |r| r.get(0))?;
        self.rows.read_at = any.then_some(at);
        Ok(())
    }

    /// Writes through what a direct edit on the server returned: the row (`Some`), or the
    /// removal of `id` (`None`), marked so that a sync that read the server before this
    /// moment does not put its older version back.
    pub fn write_through(&mut self, id: Uuid, row: Option<&PhoneNumber>) -> Result<()> {
        match row {
            Some(n) => {
                self.rows.put(&self.tx, n, Source::Server)?;
            }
            None => {
                self.rows.delete(&self.tx, &id, Source::Server)?;
            }
        }
        self.tx
            .prepare_cached(
                "INSERT INTO sync_written_through (id, at) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET at = max(at, excluded.at)",
            )?
            .execute(params![id.to_string(), micros(now())])?;
        Ok(())
    }

    /// Drops the write-through marks made before `at` (a finished sync's [`Replica::read_at`]:
    /// what it read is at least as new as those edits).
    pub fn forget_written_through(&mut self, at: i64) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM sync_written_through WHERE at <= ?1")?
            .execute([at])?;
        Ok(())
    }

    /// Sets (or, with `None`, removes) a value of the sync's state.
    pub fn set_value(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self
                .tx
                .execute("DELETE FROM sync_state WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// Records how far the copy of an organization got.
    pub fn set_copy_progress(&mut self, p: &CopyProgress) -> Result<()> {
        self.tx.execute(
            "INSERT INTO sync_copy (organization_id, after_number, rows_done, rows_total, done)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (organization_id) DO UPDATE SET after_number = excluded.after_number,
               rows_done = excluded.rows_done, rows_total = excluded.rows_total,
               done = excluded.done",
            params![
                p.organization_id.to_string(),
                p.after,
                p.rows_done as i64,
                p.rows_total as i64,
                p.done,
            ],
        )?;
        Ok(())
    }

    /// Forgets every copy's progress (the copy is complete, or starts over).
    pub fn clear_copy_progress(&mut self) -> Result<()> {
        self.tx.execute("DELETE FROM sync_copy", [])?;
        Ok(())
    }

    /// Commits everything, with the search entries of new rows and the counts.
    pub fn commit(self) -> Result<()> {
        self.rows.finish(&self.tx)?;
        self.staged.apply_to(&self.tx, "sync_stage_counts")?;
        self.tx.commit()?;
        Ok(())
    }
}

impl Workspace {
    /// Starts a sync transaction on this cache.
    pub fn replica(&mut self) -> Result<Replica<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Replica {
            tx,
            rows: Rows::default(),
            staged: CountDelta::default(),
        })
    }

    /// The rows a sync left as a direct edit wrote them (it had read the server before the
    /// edit): the next sync reads each of them again, whatever its change log says.
    pub fn rows_to_read_again(&self) -> Result<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM sync_written_through WHERE refetch = 1")?;
        let ids = stmt.query_map([], |r| parse_uuid(&r.get::<_, String>(0)?))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// A value of the sync's state.
    pub fn sync_value(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// The progress of an unfinished full copy, by organization (empty when none is under way).
    pub fn copy_progress(&self) -> Result<Vec<CopyProgress>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT organization_id, after_number, rows_done, rows_total, done FROM sync_copy
             ORDER BY organization_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CopyProgress {
                organization_id: parse_uuid(&r.get::<_, String>(0)?)?,
                after: r.get(1)?,
                rows_done: r.get::<_, i64>(2)? as u64,
                rows_total: r.get::<_, i64>(3)? as u64,
                done: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many numbers the workspace holds, in all organizations.
    pub fn number_total(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM phone_numbers", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewNumber;

    fn number(org: Uuid, e164: &str, name: &str) -> PhoneNumber {
        let v = NewNumber {
            provider: "twilio".into(),
            number: e164.into(),
            friendly_name: Some(name.into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let t = now();
        PhoneNumber {
            id: Uuid::now_v7(),
            organization_id: org,
            provider: v.provider,
            phone_number: v.phone_number,
            friendly_name: v.friendly_name,
            credentials: v.credentials,
            metadata: v.metadata,
            agent_id: None,
            webhook_configured: false,
            webhook_url: None,
            status: v.status,
            created_at: t,
            updated_at: t,
            last_verified_at: None,
        }
    }

    #[test]
    fn upserts_moves_and_deletes_keep_search_and_counts_right() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = Organization {
            id: Uuid::new_v4(),
            slug: "acme".into(),
            name: "Acme".into(),
        };
        let globex = Organization {
            id: Uuid::new_v4(),
            slug: "globex".into(),
            name: "Globex".into(),
        };
        let a = number(acme.id, "+14155550100", "Support");
        let b = number(acme.id, "+14155550101", "Sales");
        let mut r = ws.replica().unwrap();
        r.put_organization(&acme).unwrap();
        r.put_organization(&globex).unwrap();
        r.insert_new(&a, &a.facts()).unwrap();
        r.put(&b).unwrap();
        // Replaced inside the same transaction.
        let mut b2 = b.clone();
        b2.friendly_name = Some("Sales West".into());
        r.put(&b2).unwrap();
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());

        let mut r = ws.replica().unwrap();
        let mut a2 = a.clone();
        a2.friendly_name = Some("Escalations".into());
        r.put(&a2).unwrap();
        // b moves to globex; a new row takes b's old number in acme.
        let mut b3 = b2.clone();
        b3.organization_id = globex.id;
        r.put(&b3).unwrap();
        let c = number(acme.id, "+14155550101", "Takes the number");
        r.put(&c).unwrap();
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        let names: Vec<_> = ws
            .list_numbers(
                &crate::query::NumberQuery::first(
                    crate::query::NumberFilter::org(acme.id).search("escal"),
                    Default::default(),
                    10,
                )
                .unwrap(),
            )
            .unwrap()
            .items;
        assert_eq!(names.len(), 1);

        // A stale row holding a number the server gives to another id is evicted.
        let mut r = ws.replica().unwrap();
        let d = number(acme.id, "+14155550100", "New owner");
        r.put(&d).unwrap();
        assert!(r.delete(c.id).unwrap());
        assert!(!r.delete(Uuid::new_v4()).unwrap());
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        assert_eq!(ws.number_total().unwrap(), 2);

        let mut r = ws.replica().unwrap();
        assert_eq!(r.remove_organization(globex.id).unwrap(), 1);
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        assert_eq!(ws.organizations().unwrap().len(), 1);
    }
}
