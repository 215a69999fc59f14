//! The bulk-write floor of the workspace schema: what SQLite alone needs to write a table of
//! numbers with its indexes and search index, with no per-row work in Rust. `bench insert`
//! prints it next to the measured bulk insert, so the two can be compared on one machine.
//!
//! The rows are copied from an existing workspace into a scratch file with the workspace's own
//! table, index and search-index definitions (read from its schema), in the cheapest order:
//! rows first with one `INSERT … SELECT` in row-key order, then each index built sorted, then
//! the search index filled in one statement with the bulk insert's buffer, then one commit.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use super::numbers::BULK_SEARCH_HASH;
use crate::error::Result;

/// One step of the floor measurement and its wall-clock time.
#[derive(Debug, Clone)]
pub struct FloorStep {
    /// What the step did, e.g. "rows" or "index idx_phone_numbers_org_name".
    pub what: String,
    /// How long it took.
    pub took: Duration,
}

/// Writes the numbers of the workspace at `source` into a new file at `scratch` (which must not
/// exist) with the workspace schema, timing each step; returns the steps and the row count.
pub fn measure(source: &Path, scratch: &Path) -> Result<(Vec<FloorStep>, u64)> {
    let conn = Connection::open(scratch)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA threads = 1;
         PRAGMA cache_size = -{};",
        512 * 1024
    ))?;
    conn.execute("ATTACH DATABASE ?1 AS src", [source.display().to_string()])?;
    let schema: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, sql FROM src.sqlite_schema
             WHERE sql IS NOT NULL AND (tbl_name = 'phone_numbers' OR name = 'phone_numbers_search')
             ORDER BY type = 'index', name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut steps = Vec::new();
    let mut step = |what: String, f: &mut dyn FnMut() -> rusqlite::Result<()>| -> Result<()> {
        let t = Instant::now();
        f()?;
        steps.push(FloorStep {
            what,
            took: t.elapsed(),
        });
        Ok(())
    };
    // The organizations and agents the rows refer to, with their own definitions.
    let parents: Vec<String> = conn
        .prepare(
            "SELECT sql FROM src.sqlite_schema
             WHERE type = 'table' AND name IN ('organizations', 'agents') ORDER BY name = 'agents'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sql in &parents {
        conn.execute_batch(sql)?;
    }
    conn.execute_batch(
        "INSERT INTO organizations SELECT * FROM src.organizations;
         INSERT INTO agents SELECT * FROM src.agents;
         BEGIN;",
    )?;
    for (_, _, sql) in schema
        .iter()
        .filter(|(k, n, _)| k == "table" && n == "phone_numbers")
    {
        conn.execute_batch(sql)?;
    }
    let mut rows = 0u64;
    step("rows".into(), &mut || {
        rows = conn.execute(
            "INSERT INTO phone_numbers SELECT * FROM src.phone_numbers ORDER BY rowid",
            [],
        )? as u64;
        Ok(())
    })?;
    for (_, name, sql) in schema.iter().filter(|(k, _, _)| k == "index") {
        step(format!("index {name}"), &mut || conn.execute_batch(sql))?;
    }
    for (_, _, sql) in schema
        .iter()
        .filter(|(_, n, _)| n == "phone_numbers_search")
    {
        conn.execute_batch(sql)?;
    }
    step("search index".into(), &mut || {
        conn.execute(
            "INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('automerge', 0)",
            [],
        )?;
        conn.execute(
            "INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('hashsize', ?1)",
            params![BULK_SEARCH_HASH],
        )?;
        conn.execute(
            "INSERT INTO phone_numbers_search (rowid, digits, search_name)
             SELECT rowid, digits, search_name FROM phone_numbers",
            [],
        )?;
        Ok(())
    })?;
    step("commit".into(), &mut || conn.execute_batch("COMMIT"))?;
    Ok((steps, rows))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{seed, store::Workspace};

    #[test]
    fn the_floor_copies_every_row_with_the_workspace_schema() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("ws.db");
        {
            let mut ws = Workspace::open(&source).unwrap();
            seed::seed(&mut ws, "acme", 500, |_, _| {}).unwrap();
        }
        let scratch = dir.path().join("floor.db");
        let (steps, rows) = measure(&source, &scratch).unwrap();
        assert_eq!(rows, 500);
        let names: Vec<&str> = steps.iter().map(|s| s.what.as_str()).collect();
        assert_eq!(names.first(), Some(&"rows"));
        assert!(names.contains(&"index idx_phone_numbers_id"), "{names:?}");
        assert!(names.contains(&"search index"), "{names:?}");
        let conn = Connection::open(&scratch).unwrap();
        let matched: i64 = conn
            .query_row(
                "SELECT count(*) FROM phone_numbers_search WHERE phone_numbers_search MATCH '\"555\"'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let scanned: i64 = conn
            .query_row(
                "SELECT count(*) FROM phone_numbers WHERE digits LIKE '%555%' OR search_name LIKE '%555%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(matched, scanned);
    }
}
