//! The full copy's staging area: rows of a team cache's full copy wait in `sync_stage` until
//! the whole copy is there, then move into `phone_numbers` in one transaction.
//!
//! Why: a full copy of a million rows written row by row through the store (every index, the
//! search index and the counts maintained per row) is several times slower than landing the
//! rows in a plain table and building the indexes, search entries and counts in bulk at the
//! end. Staging keeps the copy resumable (each batch commits with its progress) without ever
//! committing a half-built index: `phone_numbers` only changes in the final move, so the
//! cache passes its integrity check at every point and shows what it showed before until the
//! copy is complete (a `--full` copy replaces the old rows in the same transaction).
//!
//! The stage has `phone_numbers`' exact definition (checks and foreign keys, no indexes), so
//! the rules are checked as rows are staged, and a copy into a cache that holds no numbers
//! (the first copy, the common case) becomes the table by a rename instead of a second write
//! of every row.
//!
//! The stage's counts (`sync_stage_counts`) are kept by the same code as `number_counts`, so
//! the move adds them without recomputing anything. An organization that already has rows
//! when the copy is moved in (offline edits queued during the copy) takes the careful path:
//! each staged row through [`Rows::insert_new`](super::replica), which resolves collisions
//! the way the incremental sync does.

use rusqlite::params;
use uuid::Uuid;

use super::Replica;
use super::counts::facets;
use super::numbers::{
    COLUMNS, DEFERRED_BATCH, INSERT, defer_index_work, fill_search, finish_index_work, from_row,
    org_range, row_key, write_row,
};
use crate::domain::{NumberFacts, PhoneNumber};
use crate::error::{Error, Result};

/// The search index's in-memory buffer while a copy moves in, in bytes (see
/// [`defer_index_work`]); smaller than a local bulk insert's, to keep a sync's memory low.
const MOVE_SEARCH_HASH: i64 = 16 * 1024 * 1024;

/// The columns of `sync_stage` that `phone_numbers` has, in the same order: those [`INSERT`]
/// writes (so a column added there moves with the copy).
fn row_columns() -> &'static str {
    static COLUMNS: std::sync::LazyLock<&str> = std::sync::LazyLock::new(|| {
        let start = INSERT.find('(').map_or(0, |i| i + 1);
        let end = INSERT.find(") VALUES").unwrap_or(INSERT.len());
        INSERT[start..end].trim()
    });
    &COLUMNS
}

fn stage_insert() -> &'static str {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| INSERT.replacen("phone_numbers", "sync_stage", 1));
    &SQL
}

impl Replica<'_> {
    /// Stages a row of a full copy. It becomes visible when [`Replica::move_staged_copy`] moves
    /// the complete copy in. `facts` are the number's derived facts.
    pub fn stage(&mut self, n: &PhoneNumber, facts: &NumberFacts) -> Result<()> {
        let (org_key, _) = self.rows.org(&self.tx, &n.organization_id)?;
        let key = row_key(org_key, n.phone_number.digits())?;
        write_row(&self.tx, stage_insert(), org_key, key, n, facts)?;
        let f = facets(n, facts.country.as_deref(), facts.number_type.as_str());
        self.staged.add(
            &n.organization_id.to_string(),
            n.phone_number.digits(),
            &f,
            1,
        );
        Ok(())
    }

    /// Empties the stage (a copy starts over).
    pub fn clear_stage(&mut self) -> Result<()> {
        self.tx
            .execute_batch("DELETE FROM sync_stage; DELETE FROM sync_stage_counts;")?;
        self.staged = Default::default();
        Ok(())
    }

    /// Moves the staged copy into the cache: first removes the cached numbers of the
    /// organizations in `replace` (a `--full` copy), then inserts every staged row, with its
    /// search entry and counts, and empties the stage. Returns how many rows moved in.
    ///
    /// A row the server moved from one organization to another while the copy read them one
    /// after the other is staged in both, and the bulk move fails on the unique id. That is
    /// rare, so it is noticed by that failure (checking every copy for it would cost a sort
    /// of the stage): the move is undone and done again row by row, which moves a row by its
    /// id as the incremental sync does. The change log, read after the copy, then brings the
    /// row's current state.
    pub fn move_staged_copy(&mut self, replace: &[Uuid]) -> Result<u64> {
        self.rows.apply_counts(&self.tx)?;
        self.tx.execute_batch("SAVEPOINT move_staged_copy")?;
        let result = match self.move_stage(replace, false) {
            Err(e) if is_unique_violation(&e) => {
                self.tx.execute_batch("ROLLBACK TO move_staged_copy")?;
                self.rows.forget_counts();
                self.move_stage(replace, true)
            }
            other => other,
        };
        let released = self.tx.execute_batch("RELEASE move_staged_copy");
        let moved = result?;
        released?;
        Ok(moved)
    }

    /// [`Replica::move_staged_copy`]'s work; `row_by_row` takes the careful path for every
    /// organization.
    fn move_stage(&mut self, replace: &[Uuid], row_by_row: bool) -> Result<u64> {
        for id in replace {
            self.rows.remove_org(&self.tx, id, false)?;
        }
        // Staged organizations and their row counts, from the stage's own counts.
        let staged: Vec<(i64, String, i64)> = self
            .tx
            .prepare(
                "SELECT o.key, o.id, c.n FROM sync_stage_counts c
                 JOIN organizations o ON o.id = c.organization_id
                 WHERE c.facet = '' AND c.n > 0 ORDER BY o.key",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut empty = Vec::new();
        let mut occupied = Vec::new();
        for (key, id, n) in staged {
            let (lo, hi) = org_range(key);
            let has_rows: bool = self.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM phone_numbers WHERE rowid BETWEEN ?1 AND ?2)",
                params![lo, hi],
                |r| r.get(0),
            )?;
            if has_rows || row_by_row {
                occupied.push((lo, hi));
            } else {
                empty.push((lo, hi, id, n));
            }
        }
        let mut moved = 0;
        let bulk: i64 = empty.iter().map(|(_, _, _, n)| n).sum();
        let table_empty: bool =
            self.tx
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM phone_numbers)", [], |r| {
                    r.get(0)
                })?;
        if bulk > 0 && table_empty {
            moved = self.take_over_stage(bulk)?;
        } else if bulk > 0 {
            let existing: i64 =
                self.tx
                    .query_row("SELECT count(*) FROM phone_numbers", [], |r| r.get(0))?;
            let deferred = if bulk as u64 >= DEFERRED_BATCH && bulk >= existing {
                Some(defer_index_work(&self.tx, MOVE_SEARCH_HASH)?)
            } else {
                None
            };
            for (lo, hi, id, _) in &empty {
                moved += self.tx.execute(
                    &format!(
                        "INSERT INTO phone_numbers ({columns}) SELECT {columns}
                         FROM sync_stage WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid",
                        columns = row_columns()
                    ),
                    params![lo, hi],
                )? as u64;
                fill_search(&self.tx, "sync_stage", (*lo, *hi))?;
                // The organization had no rows, so its counts are zero (or absent).
                add_staged_counts(&self.tx, Some(id))?;
            }
            if let Some(indexes) = deferred {
                finish_index_work(&self.tx, &indexes)?;
            }
        }
        for (lo, hi) in occupied {
            let rows: Vec<PhoneNumber> = self
                .tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM sync_stage p JOIN organizations o ON o.key = p.org_key
                     WHERE p.rowid BETWEEN ?1 AND ?2 ORDER BY p.rowid"
                ))?
                .query_map(params![lo, hi], from_row)?
                .collect::<rusqlite::Result<_>>()?;
            for n in &rows {
                self.rows.insert_new(&self.tx, n, &n.facts())?;
                moved += 1;
            }
        }
        self.clear_stage()?;
        Ok(moved)
    }

    /// Makes the stage the cache's table of numbers, when the cache has none (a first copy,
    /// or a full copy that replaced every row): the stage has `phone_numbers`' definition, so
    /// renaming it spares writing every row a second time. Then builds the indexes, the
    /// search index and the counts as the bulk move does, and leaves an empty stage.
    fn take_over_stage(&mut self, staged: i64) -> Result<u64> {
        let stage_sql: String = self.tx.query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'sync_stage'",
            [],
            |r| r.get(0),
        )?;
        let indexes = defer_index_work(&self.tx, MOVE_SEARCH_HASH)?;
        self.tx.execute_batch(
            "INSERT INTO phone_numbers_search (phone_numbers_search) VALUES ('delete-all');
             DROP TABLE phone_numbers;
             ALTER TABLE sync_stage RENAME TO phone_numbers;",
        )?;
        self.tx.execute_batch(&stage_sql)?;
        fill_search(&self.tx, "phone_numbers", (i64::MIN, i64::MAX))?;
        add_staged_counts(&self.tx, None)?;
        finish_index_work(&self.tx, &indexes)?;
        Ok(staged as u64)
    }
}

/// A unique constraint failed (a row staged twice under one id).
fn is_unique_violation(e: &Error) -> bool {
    matches!(e, Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// Adds the stage's counts to `number_counts`, for one organization or all.
fn add_staged_counts(tx: &rusqlite::Transaction<'_>, organization: Option<&str>) -> Result<()> {
    tx.execute(
        "INSERT INTO number_counts (organization_id, facet, n)
         SELECT organization_id, facet, n FROM sync_stage_counts
         WHERE (?1 IS NULL OR organization_id = ?1) AND n > 0
         ON CONFLICT (organization_id, facet) DO UPDATE SET n = n + excluded.n",
        [organization],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{NewNumber, Organization};
    use crate::query::{NumberFilter, NumberQuery};
    use crate::store::{NumberRef, Workspace, now};

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

    fn org(slug: &str) -> Organization {
        Organization {
            id: Uuid::new_v4(),
            slug: slug.into(),
            name: slug.into(),
        }
    }

    fn count(ws: &Workspace, org: Uuid, search: Option<&str>) -> u64 {
        let mut f = NumberFilter::org(org);
        if let Some(s) = search {
            f = f.search(s);
        }
        let listed = ws
            .list_numbers(&NumberQuery::first(f.clone(), Default::default(), 1000).unwrap())
            .unwrap()
            .items
            .len() as u64;
        let counted = ws.count_numbers(&f).unwrap();
        assert_eq!(listed, counted, "listing and count disagree for {search:?}");
        counted
    }

    fn stage_many(
        ws: &mut Workspace,
        org: Uuid,
        from: u32,
        n: u32,
        name: &str,
    ) -> Vec<PhoneNumber> {
        let rows: Vec<PhoneNumber> = (from..from + n)
            .map(|i| {
                let e164 = format!("+1415{:07}", 5_550_000 + i);
                number(org, &e164, &format!("{name} {i}"))
            })
            .collect();
        let mut r = ws.replica().unwrap();
        for n in &rows {
            r.stage(n, &n.facts()).unwrap();
        }
        r.commit().unwrap();
        rows
    }

    #[test]
    fn staged_rows_appear_only_when_moved_in_with_search_and_counts() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let (acme, globex) = (org("acme"), org("globex"));
        let mut r = ws.replica().unwrap();
        r.put_organization(&acme).unwrap();
        r.put_organization(&globex).unwrap();
        // Globex already holds a row (an offline add, say) whose number the copy gives to
        // another id: the careful path must evict it.
        let stale = number(globex.id, "+14155550003", "stale");
        r.put(&stale).unwrap();
        r.commit().unwrap();

        stage_many(&mut ws, acme.id, 0, 30, "Acme");
        stage_many(&mut ws, globex.id, 0, 5, "Globex");
        // Nothing is visible yet, and the file is sound.
        assert_eq!(count(&ws, acme.id, None), 0);
        assert_eq!(count(&ws, globex.id, None), 1);
        assert!(ws.integrity_check().unwrap().is_empty());

        let mut r = ws.replica().unwrap();
        assert_eq!(r.move_staged_copy(&[]).unwrap(), 35);
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        assert_eq!(count(&ws, acme.id, None), 30);
        assert_eq!(count(&ws, globex.id, None), 5);
        assert_eq!(count(&ws, acme.id, Some("5550012")), 1);
        assert_eq!(count(&ws, acme.id, Some("acme 2")), 11);
        assert_eq!(count(&ws, globex.id, Some("stale")), 0);
        // The stage is empty again: moving twice adds nothing.
        let mut r = ws.replica().unwrap();
        assert_eq!(r.move_staged_copy(&[]).unwrap(), 0);
        r.commit().unwrap();

        // A full copy replaces the organization's rows in the same transaction.
        stage_many(&mut ws, acme.id, 100, 2, "Fresh");
        assert_eq!(count(&ws, acme.id, None), 30);
        let mut r = ws.replica().unwrap();
        assert_eq!(r.move_staged_copy(&[acme.id]).unwrap(), 2);
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        assert_eq!(count(&ws, acme.id, None), 2);
        assert_eq!(count(&ws, acme.id, Some("fresh")), 2);
        assert_eq!(count(&ws, globex.id, None), 5);
    }

    #[test]
    fn a_large_copy_builds_its_indexes_in_bulk_and_rolls_back_whole() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = org("acme");
        let mut r = ws.replica().unwrap();
        r.put_organization(&acme).unwrap();
        r.commit().unwrap();
        let n = DEFERRED_BATCH as u32;
        stage_many(&mut ws, acme.id, 0, n / 2, "Bulk");
        stage_many(&mut ws, acme.id, n / 2, n - n / 2, "Bulk");
        // Dropped without committing: nothing changes, indexes included.
        let mut r = ws.replica().unwrap();
        assert_eq!(r.move_staged_copy(&[]).unwrap(), u64::from(n));
        drop(r);
        assert_eq!(count(&ws, acme.id, None), 0);
        assert!(ws.integrity_check().unwrap().is_empty());
        let mut r = ws.replica().unwrap();
        assert_eq!(r.move_staged_copy(&[]).unwrap(), u64::from(n));
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        assert_eq!(ws.number_total().unwrap(), u64::from(n));
        assert_eq!(count(&ws, acme.id, Some("5551234")), 1);
        // The sort indexes are back (the planner names them).
        let sorted = ws
            .list_numbers(
                &NumberQuery::first(
                    NumberFilter::org(acme.id),
                    crate::query::Sort {
                        field: crate::query::SortField::FriendlyName,
                        ..Default::default()
                    },
                    3,
                )
                .unwrap(),
            )
            .unwrap();
        assert_eq!(sorted.items.len(), 3);
        // Every index of a new workspace's table is back, the partial alarm index included.
        let fresh = Workspace::open_in_memory().unwrap();
        assert_eq!(index_sql(&ws), index_sql(&fresh));
        assert!(
            (index_sql(&ws).iter()).any(|s| s.contains("idx_phone_numbers_org_alarm")),
            "{:?}",
            index_sql(&ws)
        );
        // The stage became the table: its rules hold, and a new, empty stage takes the next copy.
        let bad = ws.conn.execute(
            "INSERT INTO phone_numbers (rowid, id, org_key, provider, phone_number, credentials,
               status, created_at, updated_at, digits, search_name, number_type, capabilities)
             SELECT rowid + 1000000, 'x', org_key, 'skype', phone_number, credentials, status,
               created_at, updated_at, digits, search_name, number_type, capabilities
             FROM phone_numbers LIMIT 1",
            [],
        );
        assert!(
            bad.is_err(),
            "a provider the schema does not know was accepted"
        );
        let staged: i64 = ws
            .conn
            .query_row("SELECT count(*) FROM sync_stage", [], |r| r.get(0))
            .unwrap();
        assert_eq!(staged, 0);
        stage_many(&mut ws, acme.id, 0, 3, "Again");
        let mut r = ws.replica().unwrap();
        assert_eq!(r.move_staged_copy(&[acme.id]).unwrap(), 3);
        r.commit().unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        assert_eq!(count(&ws, acme.id, None), 3);
        assert_eq!(count(&ws, acme.id, Some("again")), 3);
        assert_eq!(count(&ws, acme.id, Some("bulk")), 0);
    }

    #[test]
    fn a_row_staged_in_two_organizations_moves_in_once() {
        // The server moved it from acme to globex between the two organizations' copies.
        for initech_cached in [false, true] {
            let mut ws = Workspace::open_in_memory().unwrap();
            let (acme, globex, initech) = (org("acme"), org("globex"), org("initech"));
            let mut r = ws.replica().unwrap();
            for o in [&acme, &globex, &initech] {
                r.put_organization(o).unwrap();
            }
            if initech_cached {
                // The cache has rows: the move inserts instead of renaming the stage.
                r.put(&number(initech.id, "+14155550100", "Initech"))
                    .unwrap();
            }
            r.commit().unwrap();
            let mut moved = stage_many(&mut ws, acme.id, 0, 3, "Acme").remove(1);
            moved.organization_id = globex.id;
            let mut r = ws.replica().unwrap();
            r.stage(&moved, &moved.facts()).unwrap();
            r.commit().unwrap();
            stage_many(&mut ws, globex.id, 10, 2, "Globex");

            let mut r = ws.replica().unwrap();
            r.move_staged_copy(&[]).unwrap();
            r.commit().unwrap();
            assert!(ws.integrity_check().unwrap().is_empty());
            assert_eq!(count(&ws, acme.id, None) + count(&ws, globex.id, None), 5);
            assert_eq!(count(&ws, initech.id, None), u64::from(initech_cached));
            assert!(ws.number(&NumberRef::Id(moved.id), None).is_ok());
            let staged: i64 = ws
                .conn
                .query_row("SELECT count(*) FROM sync_stage", [], |r| r.get(0))
                .unwrap();
            assert_eq!(staged, 0);
        }
    }

    /// The definitions of the indexes of `phone_numbers`, by name.
    fn index_sql(ws: &Workspace) -> Vec<String> {
        ws.conn
            .prepare(
                "SELECT sql FROM sqlite_schema
                 WHERE type = 'index' AND tbl_name = 'phone_numbers' AND sql IS NOT NULL
                 ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The stage can only become the table if it is defined exactly like it.
    #[test]
    fn the_stage_is_defined_exactly_like_the_table() {
        let ws = Workspace::open_in_memory().unwrap();
        let sql = |name: &str| -> String {
            ws.conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let body = |sql: String| sql[sql.find('(').unwrap()..].to_owned();
        assert_eq!(body(sql("sync_stage")), body(sql("phone_numbers")));
        let stage_indexes: i64 = ws
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'sync_stage'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stage_indexes, 0);
    }
}
