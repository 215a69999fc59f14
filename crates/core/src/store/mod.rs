//! The local workspace: one SQLite file holding organizations, agents and phone numbers.
//!
//! It is the default workspace when no team server is configured, and the offline cache of
//! a team workspace. Guarantees:
//! - every connection is opened here, with the same pragmas (WAL, foreign keys, busy timeout);
//! - the schema is migrated forward on open by embedded, timestamped migrations, and a file
//!   written by a newer build is refused instead of being modified;
//! - opening a file whose schema is current takes no write lock, so it opens and reads while
//!   another program (the CLI importing or syncing) holds that lock; only pending migrations
//!   take it, and a lock held past the busy timeout is [`Error::Busy`], naming the holder;
//! - every public write is one transaction: on any error nothing is changed.

mod accounts;
mod agents;
mod batch;
mod counts;
pub mod floor;
mod lock_holder;
mod numbers;
mod orgs;
mod outbox;
mod replica;
pub mod search;
mod skipped;
mod stage;
mod update_many;
mod usage;
mod usage_blocks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Error, Result};

pub use accounts::{
    ACCOUNT_LABEL_MAX_CHARS, AccountNotAdded, AccountUsage, AccountUser, AddedAccounts,
    ProviderAccount, check_account_id, check_account_label,
};
pub use numbers::{BulkInsert, NumberRef};
pub use outbox::{Conflict, Keep, OutboxEntry, OutboxOp};
pub use replica::{CopyProgress, Replica};
pub use skipped::{
    CheckedNumber, Skip, SkippedRow, StoredJson, StoredNumber, secrets_dropped_reason,
};
pub use update_many::{ManyUpdated, Selection, nothing_to_change};

/// Embedded migrations, oldest first: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        20261126000000,
        "workspace",
        include_str!("migrations/20261126000000_workspace.sql"),
    ),
    (
        20261201000000,
        "provider_accounts",
        include_str!("migrations/20261201000000_provider_accounts.sql"),
    ),
    (
        20261202000000,
        "sync",
        include_str!("migrations/20261202000000_sync.sql"),
    ),
    (
        20261203000000,
        "search_index",
        include_str!("migrations/20261203000000_search_index.sql"),
    ),
    (
        20261204000000,
        "sync_stage",
        include_str!("migrations/20261204000000_sync_stage.sql"),
    ),
    (
        20261205000000,
        "number_id_index",
        include_str!("migrations/20261205000000_number_id_index.sql"),
    ),
    (
        20261206000000,
        "sync_stage_constraints",
        include_str!("migrations/20261206000000_sync_stage_constraints.sql"),
    ),
    (
        20261207000500,
        "sync_skipped",
        include_str!("migrations/20261207000500_sync_skipped.sql"),
    ),
    (
        20261207000900,
        "sync_written_through",
        include_str!("migrations/20261207000900_sync_written_through.sql"),
    ),
    (
        20261207001000,
        "usage",
        include_str!("migrations/20261207001000_usage.sql"),
    ),
    (
        20261207001100,
        "calls_not_reported",
        include_str!("migrations/20261207001100_calls_not_reported.sql"),
    ),
    (
        20261207001200,
        "usage_rollup_keys",
        include_str!("migrations/20261207001200_usage_rollup_keys.sql"),
    ),
    (
        20261207002000,
        "usage_not_reported",
        include_str!("migrations/20261207002000_usage_not_reported.sql"),
    ),
    (
        20261208000100,
        "usage_record_key_index",
        include_str!("migrations/20261208000100_usage_record_key_index.sql"),
    ),
    (
        20261208000200,
        "usage_blocks",
        include_str!("migrations/20261208000200_usage_blocks.sql"),
    ),
    (
        20261208000300,
        "alarm_index",
        include_str!("migrations/20261208000300_alarm_index.sql"),
    ),
    (
        20261208000400,
        "verified_index",
        include_str!("migrations/20261208000400_verified_index.sql"),
    ),
];

/// What a migration does after its SQL, in the same transaction, when SQL cannot say it.
fn after_migration(tx: &rusqlite::Transaction<'_>, version: i64) -> Result<()> {
    if version == 20261208000200 {
        usage_blocks::fill(tx)?;
    }
    Ok(())
}

/// An open workspace file.
#[derive(Debug)]
pub struct Workspace {
    conn: Connection,
    path: PathBuf,
    few_matches: usize,
    /// The large pull under way on this connection, in its open transaction
    /// ([`Workspace::begin_large_pull`]).
    large: Option<usage::LargePull>,
}

impl Workspace {
    /// Opens (creating if needed) the workspace at `path`, migrating it to this build's schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(&path, flags).map_err(|e| storage_error(e, &path))?;
        Self::init(conn, path.clone()).map_err(|e| match e {
            Error::Sqlite(e) => storage_error(e, &path),
            other => other,
        })
    }

    /// A private in-memory workspace (tests, benchmarks).
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Self> {
        configure(&conn)?;
        migrate(&mut conn, &path)?;
        Ok(Workspace {
            conn,
            path,
            few_matches: search::FEW_MATCHES,
            large: None,
        })
    }

    /// Sets how many trigram matches the search planner sorts before it prefers an index scan
    /// (see [`search::FEW_MATCHES`]). For tests that must exercise both plans.
    #[doc(hidden)]
    pub fn set_few_matches(&mut self, n: usize) {
        self.few_matches = n;
    }

    /// The file this workspace lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one IMMEDIATE transaction, committing only if it succeeds.
    fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        if self.large.is_some() {
            return Err(Error::NotAllowed(
                "a large pull of usage records is under way on this connection: it writes \
                 nothing else until it ends"
                    .into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| storage_error(e, &self.path))?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Keeps this connection's memory low for long bulk work such as a sync (`true`), or back
    /// to the defaults (`false`): no memory map of the file (mapped pages count towards the
    /// process's resident memory) and a 16 MB page cache, which also bounds index sorts.
    pub fn set_low_memory(&self, low: bool) -> Result<()> {
        let (mmap, cache) = if low {
            (0, -16 * 1024)
        } else {
            (MMAP_SIZE, CACHE_SIZE)
        };
        self.conn.execute_batch(&format!(
            "PRAGMA mmap_size = {mmap}; PRAGMA cache_size = {cache};"
        ))?;
        Ok(())
    }

    /// Runs `f`, a read, with every statement of this connection stopped as soon as `stop`
    /// says so: `Ok(None)` when it stopped `f` (or said so before it began). SQLite asks `stop`
    /// every [`STOP_CHECK_STEPS`] steps of its virtual machine, a few microseconds apart, so a
    /// long scan ends at once: a count that a newer query has made useless (the numbers
    /// table's, while the manager types on) stops taking a core from the next page. Only for
    /// reads: a stopped write would be rolled back statement by statement, not as a whole.
    pub fn until<T>(
        &mut self,
        stop: impl Fn() -> bool + Send + 'static,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<Option<T>> {
        if stop() {
            return Ok(None);
        }
        self.conn.progress_handler(STOP_CHECK_STEPS, Some(stop))?;
        let out = f(self);
        self.conn.progress_handler(0, None::<fn() -> bool>)?;
        match out {
            Ok(v) => Ok(Some(v)),
            Err(Error::Sqlite(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Updates the planner's statistics; worth calling after large imports.
    pub fn optimize(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA optimize=0x10002; ANALYZE;")?;
        Ok(())
    }

    /// Runs SQLite's integrity check; returns the problems found (empty when sound).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut problems: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
        problems.retain(|p| p != "ok");
        // The search index is written by the store, not by triggers: check it matches the rows.
        if let Err(e) = self.conn.execute(
            "INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('integrity-check', 1)",
            [],
        ) {
            problems.push(format!("search index: {e}"));
        }
        let drift: i64 = self.conn.query_row(
            "SELECT count(*) FROM (
               SELECT o.id, count(p.rowid) AS n FROM organizations o
               LEFT JOIN phone_numbers p ON p.org_key = o.key GROUP BY o.id) AS t
             LEFT JOIN number_counts c ON c.organization_id = t.id AND c.facet = ''
             WHERE coalesce(c.n, 0) <> t.n",
            [],
            |r| r.get(0),
        )?;
        if drift > 0 {
            problems.push(format!(
                "number counts disagree with rows in {drift} organization(s)"
            ));
        }
        problems.extend(self.usage_rollup_drift()?);
        Ok(problems)
    }
}

/// How much of the file every connection memory-maps, in bytes.
pub const MMAP_SIZE: u64 = 256 * 1024 * 1024;

/// How many steps of SQLite's virtual machine run between two asks of [`Workspace::until`]'s
/// `stop` (an atomic load each: far below a step's own cost).
pub const STOP_CHECK_STEPS: std::os::raw::c_int = 1000;

/// The page cache of every connection (negative: KiB).
pub(crate) const CACHE_SIZE: i64 = -65536;

/// How long a write waits for another connection's write lock before it is [`Error::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Pragmas for every connection, in one place. None of them takes the write lock on a file
/// already in WAL mode (only switching a new file to WAL does).
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = {CACHE_SIZE};
         PRAGMA mmap_size = {MMAP_SIZE};"
    ))?;
    Ok(())
}

/// The versions of the migrations applied to the file, read in one read transaction (no
/// write lock): none for a new file.
fn applied_migrations(conn: &mut Connection) -> Result<Vec<i64>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
    let has_table: bool = tx.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(Vec::new());
    }
    let versions = tx
        .prepare("SELECT version FROM schema_migrations ORDER BY version")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(versions)
}

/// Refuses a file written by a newer build; when migrations are pending, applies each in its
/// own IMMEDIATE transaction (re-checked inside it: another process may have applied it
/// meanwhile). A current file is only read.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let applied = applied_migrations(conn)?;
    let newest_known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if let Some(&found) = applied.last().filter(|v| **v > newest_known) {
        return Err(Error::NewerSchema {
            path: path.display().to_string(),
            found,
            supported: newest_known,
        });
    }
    let pending = MIGRATIONS
        .iter()
        .filter(|(version, ..)| applied.binary_search(version).is_err());
    for (version, name, sql) in pending {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
               version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_none() {
            tx.execute_batch(sql)?;
            after_migration(&tx, *version)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![version, name, micros(now())],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The current time, truncated to microseconds (the precision stored here and in PostgreSQL).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// A SQLite failure of the workspace at `path`, said in the manager's terms when it is one
/// they can act on: the file busy (with who holds it), or damaged.
fn storage_error(e: rusqlite::Error, path: &Path) -> Error {
    use rusqlite::ErrorCode as Code;
    match e.sqlite_error_code() {
        Some(Code::DatabaseBusy) => Error::Busy {
            path: path.display().to_string(),
            holder: lock_holder::writer(path),
        },
        Some(Code::CannotOpen) if held_without_sharing(path) => Error::InUse {
            path: path.display().to_string(),
        },
        Some(Code::NotADatabase | Code::DatabaseCorrupt) => Error::Damaged {
            path: path.display().to_string(),
            reason: e.to_string(),
        },
        _ => Error::Sqlite(e),
    }
}

/// Whether the system refuses to open the existing file at `path` because another program
/// holds it open without sharing (Windows' sharing or lock violation).
#[cfg(windows)]
fn held_without_sharing(path: &Path) -> bool {
    const ERROR_SHARING_VIOLATION: i32 = 32;
    const ERROR_LOCK_VIOLATION: i32 = 33;
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Err(e) => matches!(
            e.raw_os_error(),
            Some(ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)
        ),
        Ok(_) => false,
    }
}

/// Other systems do not refuse to open a file that another program has open.
#[cfg(not(windows))]
fn held_without_sharing(_path: &Path) -> bool {
    false
}

/// Microseconds since the epoch: the unit of every time the workspace stores.
pub fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

/// A time the workspace stored as [`micros`].
pub fn from_micros(v: i64) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1000).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e))
    })
}

pub(crate) fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reopening_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/ws.db");
        {
            let mut ws = Workspace::open(&file).unwrap();
            ws.add_organization("acme", "Acme").unwrap();
        }
        let ws = Workspace::open(&file).unwrap();
        assert_eq!(ws.organizations().unwrap().len(), 1);
        assert!(ws.integrity_check().unwrap().is_empty());
        let mode: String = ws
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = ws
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    /// A workspace file with the migrations before `version` applied.
    fn schema_before(file: &Path, version: i64) -> Connection {
        let mut conn = Connection::open(file).unwrap();
        configure(&conn).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(
            "CREATE TABLE schema_migrations (
               version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        for (v, name, sql) in MIGRATIONS.iter().filter(|m| m.0 < version) {
            tx.execute_batch(sql).unwrap();
            tx.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, 0)",
                params![v, name],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        conn
    }

    /// Inserts a call of `org` into a workspace of any version since 20261207001100: (id, number,
    /// outcome, start, seconds, price state, nanos in USD when charged).
    fn insert_call(
        conn: &Connection,
        org: Uuid,
        (id, number, outcome, at, secs, state, nanos): (
            &str,
            &str,
            &str,
            i64,
            i64,
            &str,
            Option<i64>,
        ),
    ) {
        conn.execute(
            "INSERT INTO calls VALUES (?1, ?2, NULL, ?3, 'twilio', 'AC1', ?1, 'outbound',
               '+14155559999', ?4, ?5, ?6, ?6, ?7, ?8, ?9, 0)",
            params![
                id,
                org.to_string(),
                number,
                outcome,
                at,
                secs,
                state,
                nanos,
                nanos.map(|_| "USD")
            ],
        )
        .unwrap();
    }

    /// A day and an hour in microseconds, and the start of stored day 20000 (2024-10-04, UTC).
    const DAY: i64 = 86_400_000_000;
    const HOUR: i64 = 3_600_000_000;
    const D0: i64 = 20_000 * DAY;

    /// The stored days 20000 and 20001 (2024-10-04 and 2024-10-05, UTC), as a report's range.
    fn days_20000_and_20001() -> crate::usage::DayRange {
        crate::usage::DayRange::ending(time::Date::from_julian_day(2_440_588 + 20_001).unwrap(), 2)
    }

    /// A workspace whose calls and messages were kept with their record key as a table
    /// constraint keeps every record and gets the key as a named unique index instead (which
    /// a large pull can drop), refusing a second record with the same key as before.
    #[test]
    fn the_record_key_index_migration_keeps_the_records_and_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let org = Uuid::new_v4();
        {
            let conn = schema_before(&file, 20261208000100);
            conn.execute(
                "INSERT INTO organizations VALUES (1, ?1, 'acme', 'Acme', 0, 0)",
                [org.to_string()],
            )
            .unwrap();
            insert_call(
                &conn,
                org,
                (
                    "CA1",
                    "+14155550101",
                    "answered",
                    D0,
                    60,
                    "charged",
                    Some(7),
                ),
            );
            insert_call(
                &conn,
                org,
                ("CA2", "+14155550101", "busy", D0 + HOUR, 0, "pending", None),
            );
            conn.execute(
                "INSERT INTO messages VALUES ('SM1', ?1, NULL, '+14155550101', 'twilio', 'AC1',
                   'SM1', 'inbound', '+14155559999', 'received', ?2, 1, 'pending', NULL, NULL, 0)",
                params![org.to_string(), D0],
            )
            .unwrap();
        }
        let ws = Workspace::open(&file).unwrap();
        let count = |sql: &str| -> i64 { ws.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM calls"), 2);
        assert_eq!(count("SELECT count(*) FROM messages"), 1);
        assert_eq!(
            count(
                "SELECT count(*) FROM pragma_index_list('calls') WHERE name = 'idx_calls_record'
                   AND \"unique\" AND origin = 'c'"
            ),
            1
        );
        assert_eq!(
            count(
                "SELECT count(*) FROM pragma_index_list('messages')
                 WHERE name = 'idx_messages_record' AND \"unique\" AND origin = 'c'"
            ),
            1
        );
        assert_eq!(
            count(
                "SELECT (SELECT count(*) FROM pragma_index_list('calls') WHERE origin = 'u')
                      + (SELECT count(*) FROM pragma_index_list('messages') WHERE origin = 'u')"
            ),
            0,
            "no UNIQUE table constraint left"
        );
        for sql in [
            "INSERT INTO calls SELECT 'other', organization_id, phone_number_id, phone_number,
               provider, account_id, provider_record_id, direction, counterpart, outcome,
               started_at, duration_secs, billed_secs, price_state, price_nanos, currency,
               pulled_at FROM calls WHERE id = 'CA1'",
            "INSERT INTO messages SELECT 'other', organization_id, phone_number_id, phone_number,
               provider, account_id, provider_record_id, direction, counterpart, status, sent_at,
               segments, price_state, price_nanos, currency, pulled_at FROM messages",
        ] {
            let refused = ws.conn.execute(sql, []).unwrap_err();
            assert!(refused.to_string().contains("UNIQUE"), "{refused}");
        }
    }

    /// A workspace whose calls were kept before the "not reported" price state keeps every
    /// call and its indexes, and then takes a call whose cost its provider does not report.
    #[test]
    fn the_not_reported_migration_keeps_the_calls() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let org = Uuid::new_v4().to_string();
        {
            let conn = schema_before(&file, 20261207001100);
            conn.execute(
                "INSERT INTO organizations VALUES (1, ?1, 'acme', 'Acme', 0, 0)",
                [&org],
            )
            .unwrap();
            for (id, state, nanos, currency) in [
                ("CA1", "charged", Some(21_000_000i64), Some("USD")),
                ("CA2", "pending", None, None),
                ("CA3", "not_billed", None, None),
            ] {
                conn.execute(
                    "INSERT INTO calls VALUES (?1, ?2, NULL, '+14155550101', 'twilio', 'AC1', ?1,
                       'outbound', '+14155559999', 'answered', 0, 60, 60, ?3, ?4, ?5, 0)",
                    params![id, org, state, nanos, currency],
                )
                .unwrap();
            }
            let refused = conn.execute(
                "UPDATE calls SET price_state = 'not_reported' WHERE id = 'CA3'",
                [],
            );
            assert!(refused.is_err(), "not known before the migration");
        }
        let ws = Workspace::open(&file).unwrap();
        let kept: Vec<(String, String, Option<i64>)> = ws
            .conn
            .prepare("SELECT id, price_state, price_nanos FROM calls ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let kept: Vec<(&str, &str, Option<i64>)> = (kept.iter())
            .map(|(i, s, n)| (i.as_str(), s.as_str(), *n))
            .collect();
        assert_eq!(
            kept,
            [
                ("CA1", "charged", Some(21_000_000)),
                ("CA2", "pending", None),
                ("CA3", "not_billed", None)
            ]
        );
        // (It rebuilt idx_calls_number_started too; the rollup keys migration drops it.)
        let indexes: i64 = ws
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls'
                   AND name IN ('idx_calls_org_started', 'idx_calls_pending')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 2);
        ws.conn
            .execute(
                "UPDATE calls SET price_state = 'not_reported' WHERE id = 'CA3'",
                [],
            )
            .unwrap();
        let wrong = ws.conn.execute(
            "UPDATE calls SET price_state = 'not_reported' WHERE id = 'CA1'",
            [],
        );
        assert!(wrong.is_err(), "a not-reported call has no amount");
    }

    /// A workspace whose daily rollups were keyed by the organization's id keeps every rollup
    /// row under the organization's integer key, with each day's latest final call recounted
    /// from the calls (an unfinished later call is not one), and reports the same figures.
    #[test]
    fn the_rollup_keys_migration_keeps_the_rollups() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let org = Uuid::new_v4();
        {
            let conn = schema_before(&file, 20261207001200);
            conn.execute(
                "INSERT INTO organizations VALUES (7, ?1, 'acme', 'Acme', 0, 0)",
                [org.to_string()],
            )
            .unwrap();
            for (id, number, outcome, at, state, nanos) in [
                (
                    "CA1",
                    "+14155550101",
                    "answered",
                    D0 + 10 * HOUR,
                    "charged",
                    Some(21_000_000i64),
                ),
                (
                    "CA2",
                    "+14155550101",
                    "unfinished",
                    D0 + 12 * HOUR,
                    "pending",
                    None,
                ),
                (
                    "CA3",
                    "+14155550101",
                    "failed",
                    D0 + DAY + 8 * HOUR,
                    "not_billed",
                    None,
                ),
                (
                    "CA4",
                    "+14155550102",
                    "busy",
                    D0 + 9 * HOUR,
                    "not_billed",
                    None,
                ),
            ] {
                let billed = if outcome == "answered" { 60 } else { 0 };
                insert_call(&conn, org, (id, number, outcome, at, billed, state, nanos));
            }
            conn.execute_batch(&format!(
                "INSERT INTO usage_daily VALUES
                   ('{org}', '+14155550101', 20000, NULL, 2, 1, 1, 0, 0, 60, 0, 0, 1),
                   ('{org}', '+14155550101', 20001, NULL, 1, 1, 0, 0, 1, 0, 0, 0, 0),
                   ('{org}', '+14155550102', 20000, NULL, 1, 1, 0, 0, 0, 0, 0, 0, 0);
                 INSERT INTO usage_daily_cost VALUES
                   ('{org}', '+14155550101', 20000, 'USD', 21000000);"
            ))
            .unwrap();
        }
        let ws = Workspace::open(&file).unwrap();
        let rows: Vec<(i64, String, i64, i64, Option<i64>)> = ws
            .conn
            .prepare(
                "SELECT org_key, phone_number, day, calls, last_call_at FROM usage_daily
                 ORDER BY org_key, phone_number, day",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let rows: Vec<_> = (rows.iter())
            .map(|(k, n, d, c, l)| (*k, n.as_str(), *d, *c, *l))
            .collect();
        assert_eq!(
            rows,
            [
                (7, "+14155550101", 20_000, 2, Some(D0 + 10 * HOUR)),
                (7, "+14155550101", 20_001, 1, Some(D0 + DAY + 8 * HOUR)),
                (7, "+14155550102", 20_000, 1, Some(D0 + 9 * HOUR)),
            ]
        );
        assert!(ws.integrity_check().unwrap().is_empty());
        let range = days_20000_and_20001();
        let totals = ws
            .usage_totals(org, range, crate::usage::GroupBy::Number)
            .unwrap();
        let figures: Vec<_> = (totals.iter())
            .map(|r| {
                (
                    r.key.as_str(),
                    r.counts.calls,
                    r.counts.failed,
                    r.cost.to_string(),
                )
            })
            .collect();
        assert_eq!(
            figures,
            [
                ("+14155550101", 3, 1, "USD 0.021".to_owned()),
                ("+14155550102", 1, 0, "none".to_owned())
            ]
        );
        let health = ws.daily_calls(org, range).unwrap();
        let last: Vec<_> = (health.iter())
            .map(|n| n.last_call_at.map(micros))
            .collect();
        assert_eq!(last, [Some(D0 + DAY + 8 * HOUR), Some(D0 + 9 * HOUR)]);
        // Nothing reads the records by number any more: their indexes are gone.
        let by_number: i64 = ws
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index'
                   AND name IN ('idx_calls_number_started', 'idx_messages_number_sent')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(by_number, 0);
    }

    /// A workspace kept before the rollups counted the calls whose cost is not reported gets
    /// that count for the rows it already kept, recounted from their calls (a pending, a
    /// charged or a not-billed call is not one), and reports it per number and in total.
    #[test]
    fn the_not_reported_count_migration_counts_the_kept_calls() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let org = Uuid::new_v4();
        let (a, b) = ("+14155550101", "+14155550102");
        {
            let conn = schema_before(&file, 20261207002000);
            conn.execute(
                "INSERT INTO organizations VALUES (3, ?1, 'acme', 'Acme', 0, 0)",
                [org.to_string()],
            )
            .unwrap();
            for (id, number, outcome, at, state, nanos) in [
                ("C1", a, "answered", D0 + HOUR, "not_reported", None),
                ("C2", a, "answered", D0 + 2 * HOUR, "not_reported", None),
                ("C3", a, "answered", D0 + 3 * HOUR, "pending", None),
                (
                    "C4",
                    a,
                    "answered",
                    D0 + 4 * HOUR,
                    "charged",
                    Some(5_000_000i64),
                ),
                ("C5", a, "busy", D0 + DAY + HOUR, "not_billed", None),
                ("C6", b, "unfinished", D0 + 5 * HOUR, "not_reported", None),
            ] {
                insert_call(&conn, org, (id, number, outcome, at, 30, state, nanos));
            }
            conn.execute_batch(&format!(
                "INSERT INTO usage_daily VALUES
                   (3, '{a}', 20000, 4, 4, 4, 0, 0, 120, 0, 0, 1, {}),
                   (3, '{a}', 20001, 1, 1, 0, 0, 0, 30, 0, 0, 0, {}),
                   (3, '{b}', 20000, 1, 0, 0, 0, 0, 30, 0, 0, 0, NULL);
                 INSERT INTO usage_daily_cost VALUES (3, '{a}', 20000, 'USD', 5000000);",
                D0 + 4 * HOUR,
                D0 + DAY + HOUR
            ))
            .unwrap();
        }
        let ws = Workspace::open(&file).unwrap();
        let counted: Vec<(String, i64, i64)> = ws
            .conn
            .prepare("SELECT phone_number, day, not_reported FROM usage_daily ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let counted: Vec<(&str, i64, i64)> = (counted.iter())
            .map(|(n, d, c)| (n.as_str(), *d, *c))
            .collect();
        assert_eq!(counted, [(a, 20_000, 2), (a, 20_001, 0), (b, 20_000, 1)]);
        assert!(ws.integrity_check().unwrap().is_empty());
        let rows = ws
            .usage_totals(org, days_20000_and_20001(), crate::usage::GroupBy::Number)
            .unwrap();
        let figures: Vec<_> = (rows.iter())
            .map(|r| (r.key.as_str(), r.counts.pending, r.counts.not_reported))
            .collect();
        assert_eq!(figures, [(a, 1, 2), (b, 0, 1)]);
    }

    /// A workspace kept before the rollups were packed in 32-day blocks gets its blocks from
    /// the daily rollups it kept (days on both sides of a block's edge, two currencies, a
    /// pending, an unfinished and a not-reported call), and its report by number, read from
    /// them, gives the figures the records and the daily rollups give.
    #[test]
    fn the_blocks_migration_packs_the_kept_rollups() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let org = Uuid::new_v4();
        let (a, b) = ("+14155550101", "+14155550102");
        {
            let conn = schema_before(&file, 20261208000200);
            conn.execute(
                "INSERT INTO organizations VALUES (4, ?1, 'acme', 'Acme', 0, 0)",
                [org.to_string()],
            )
            .unwrap();
            // Day 19999 ends block 624, day 20000 starts block 625.
            for (id, number, outcome, at, secs, state, nanos) in [
                (
                    "C1",
                    a,
                    "answered",
                    D0 - DAY + HOUR,
                    30,
                    "charged",
                    Some(5_000_000i64),
                ),
                (
                    "C2",
                    a,
                    "answered",
                    D0 + HOUR,
                    5,
                    "charged",
                    Some(7_000_000),
                ),
                ("C3", a, "failed", D0 + 2 * HOUR, 0, "not_billed", None),
                ("C4", a, "unfinished", D0 + DAY + HOUR, 0, "pending", None),
                ("C5", b, "busy", D0 + 3 * HOUR, 0, "not_reported", None),
            ] {
                insert_call(&conn, org, (id, number, outcome, at, secs, state, nanos));
            }
            // The daily rollups as the store kept them: a recount of the records.
            conn.execute_batch(&format!(
                "UPDATE calls SET currency = 'EUR' WHERE id = 'C2';
                 WITH r(org, number, day, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, last)
                   AS ({})
                 INSERT INTO usage_daily (org_key, phone_number, day, calls, final_calls,
                   answered, short_answered, failed, billed_secs, messages, segments, pending,
                   not_reported, last_call_at)
                 SELECT 4, number, day, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, last FROM r;
                 WITH r(org, number, day, currency, nanos) AS ({})
                 INSERT INTO usage_daily_cost SELECT 4, number, day, currency, nanos FROM r;",
                usage::RECOUNT_DAILY,
                usage::RECOUNT_COST
            ))
            .unwrap();
        }
        let ws = Workspace::open(&file).unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        let blocks: Vec<(String, i64)> = ws
            .conn
            .prepare("SELECT phone_number, block FROM usage_blocks ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let blocks: Vec<(&str, i64)> = blocks.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        assert_eq!(blocks, [(a, 624), (a, 625), (b, 625)]);
        let range = crate::usage::DayRange::ending(
            time::Date::from_julian_day(2_440_588 + 20_001).unwrap(),
            3,
        );
        let (rows, numbers) = ws.usage_by_number_with_days(org, range, range).unwrap();
        let figures: Vec<_> = (rows.iter())
            .map(|r| {
                let c = &r.counts;
                let cost: Vec<_> = r.cost.iter().map(|m| (m.currency, m.nanos)).collect();
                (
                    r.key.as_str(),
                    c.calls,
                    c.short_answered,
                    c.failed,
                    c.pending,
                    c.not_reported,
                    cost,
                )
            })
            .collect();
        assert_eq!(
            figures,
            [
                (
                    a,
                    4,
                    1,
                    1,
                    1,
                    0,
                    vec![("EUR".to_owned(), 7_000_000), ("USD".to_owned(), 5_000_000)]
                ),
                (b, 1, 0, 0, 0, 1, vec![]),
            ]
        );
        assert_eq!(
            rows,
            ws.usage_totals(org, range, crate::usage::GroupBy::Number)
                .unwrap()
        );
        assert_eq!(numbers, ws.daily_calls(org, range).unwrap());
        let last: Vec<_> = (numbers.iter())
            .map(|n| (n.days.len(), n.last_call_at.map(micros)))
            .collect();
        assert_eq!(last, [(2, Some(D0 + 2 * HOUR)), (1, Some(D0 + 3 * HOUR))]);
    }

    /// A copy under way when the stage got its rules keeps its staged rows; an organization
    /// with a row that breaks them starts its copy again (nothing is lost either way).
    #[test]
    fn the_stage_migration_keeps_a_copy_under_way() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let (good, bad) = (Uuid::new_v4(), Uuid::new_v4());
        {
            let conn = schema_before(&file, 20261206000000);
            for (key, org) in [(1i64, good), (2, bad)] {
                conn.execute(
                    "INSERT INTO organizations VALUES (?1, ?2, ?3, 'Org', 0, 0)",
                    params![key, org.to_string(), format!("org{key}")],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO sync_copy VALUES (?1, '+14155550101', 1, 10, 0)",
                    [org.to_string()],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO sync_stage_counts VALUES (?1, '', 1)",
                    [org.to_string()],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO sync_stage (rowid, id, org_key, provider, phone_number,
                       credentials, agent_id, status, created_at, updated_at, digits,
                       search_name, number_type, capabilities)
                     VALUES (?1, ?2, ?3, ?4, '+14155550101', '{}', 'gone', 'active', 0, 0,
                       '14155550101', '', 'unknown', 0)",
                    params![
                        key << 52 | 1,
                        Uuid::new_v4().to_string(),
                        key,
                        if key == 1 { "twilio" } else { "skype" }
                    ],
                )
                .unwrap();
            }
        }
        let ws = Workspace::open(&file).unwrap();
        assert!(ws.integrity_check().unwrap().is_empty());
        let staged: Vec<(i64, Option<String>)> = ws
            .conn
            .prepare("SELECT org_key, agent_id FROM sync_stage")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            staged,
            vec![(1, None)],
            "the good row stays, without its lost agent"
        );
        let progress: Vec<(String, Option<String>, i64)> = ws
            .conn
            .prepare("SELECT organization_id, after_number, rows_done FROM sync_copy")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (org, after, done) in progress {
            if org == good.to_string() {
                assert_eq!((after.as_deref(), done), (Some("+14155550101"), 1));
            } else {
                assert_eq!(org, bad.to_string());
                assert_eq!((after, done), (None, 0), "the broken copy starts again");
            }
        }
        let counts: i64 = ws
            .conn
            .query_row("SELECT count(*) FROM sync_stage_counts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(counts, 1);
    }

    /// A workspace written before the id index migration keeps its rows, row keys, search
    /// entries and counts, and gets the named unique index in place of the column constraint.
    #[test]
    fn the_id_index_migration_keeps_rows_and_search() {
        use crate::query::{NumberFilter, NumberQuery};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let (org, first, second) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        {
            let mut conn = schema_before(&file, 20261205000000);
            let tx = conn.transaction().unwrap();
            tx.execute(
                "INSERT INTO organizations VALUES (7, ?1, 'acme', 'Acme', 0, 0)",
                [org.to_string()],
            )
            .unwrap();
            for (key, id, number, name) in [
                (7i64 << 52 | 1, first, "+14155550101", "Front desk"),
                (7i64 << 52 | 2, second, "+442079460958", "London office"),
            ] {
                tx.execute(
                    "INSERT INTO phone_numbers (rowid, id, org_key, provider, phone_number,
                       friendly_name, credentials, metadata, status, created_at, updated_at,
                       digits, search_name, country, number_type, capabilities)
                     VALUES (?1, ?2, 7, 'twilio', ?3, ?4, '{}', NULL, 'active', 0, 0,
                       substr(?3, 2), lower(?4), NULL, 'unknown', 0)",
                    params![key, id.to_string(), number, name],
                )
                .unwrap();
                tx.execute(
                    "INSERT INTO phone_numbers_search (rowid, digits, search_name)
                     VALUES (?1, substr(?2, 2), lower(?3))",
                    params![key, number, name],
                )
                .unwrap();
            }
            tx.execute(
                "INSERT INTO number_counts VALUES (?1, '', 2)",
                [org.to_string()],
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let ws = Workspace::open(&file).unwrap();
        let problems = ws.integrity_check().unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let indexes: Vec<String> = ws
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'phone_numbers'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            indexes.contains(&"idx_phone_numbers_id".to_owned()),
            "{indexes:?}"
        );
        assert!(
            !indexes.iter().any(|i| i.starts_with("sqlite_autoindex")),
            "{indexes:?}"
        );
        assert!(
            indexes.contains(&"idx_phone_numbers_org_alarm".to_owned()),
            "{indexes:?}"
        );
        assert!(
            indexes.contains(&"idx_phone_numbers_org_verified".to_owned()),
            "{indexes:?}"
        );
        assert_eq!(indexes.len(), 9, "{indexes:?}");
        let got = ws.number(&NumberRef::Id(second), None).unwrap();
        assert_eq!(got.phone_number.as_str(), "+442079460958");
        for (search, expected) in [("2079", vec![second]), ("desk", vec![first])] {
            let page = ws
                .list_numbers(
                    &NumberQuery::first(
                        NumberFilter::org(org).search(search),
                        Default::default(),
                        10,
                    )
                    .unwrap(),
                )
                .unwrap();
            let ids: Vec<Uuid> = page.items.iter().map(|n| n.id).collect();
            assert_eq!(ids, expected, "search {search:?}");
        }
        let duplicate = ws.conn.execute(
            "INSERT INTO phone_numbers (rowid, id, org_key, provider, phone_number, credentials,
               status, created_at, updated_at, digits, search_name, number_type, capabilities)
             VALUES (?1, ?2, 7, 'twilio', '+14155550102', '{}', 'active', 0, 0, '14155550102',
               '', 'unknown', 0)",
            params![7i64 << 52 | 3, first.to_string()],
        );
        assert!(
            duplicate.is_err(),
            "a second row with the same id was accepted"
        );
    }

    /// Another connection of this process holding the write lock with a change under way,
    /// as `switchboard-cli import` does in its own process.
    fn hold_write_lock(file: &Path) -> Connection {
        let writer = Connection::open(file).unwrap();
        writer
            .execute_batch("BEGIN IMMEDIATE; UPDATE organizations SET name = 'Renaming'")
            .unwrap();
        writer
    }

    /// The busy error for `file` held by this process, as `Workspace` reports it.
    fn assert_busy_by_this_process(err: &Error, file: &Path) {
        let Error::Busy { path, holder } = err else {
            panic!("expected Busy, got {err}");
        };
        assert_eq!(path, &file.display().to_string());
        if cfg!(target_os = "linux") {
            let me = format!("(process {})", std::process::id());
            assert!(
                holder.as_deref().is_some_and(|h| h.ends_with(&me)),
                "{holder:?}"
            );
            assert!(err.to_string().contains(&me), "{err}");
        }
        assert!(
            err.to_string().contains("try again when it finishes"),
            "{err}"
        );
        assert_eq!(err.code(), crate::ErrorCode::Busy);
    }

    /// While the CLI imports into the file, the app must still open it and read: opening a
    /// current workspace takes no write lock. A write waits, then says who holds the lock.
    #[test]
    fn a_current_workspace_opens_and_reads_while_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        Workspace::open(&file)
            .unwrap()
            .add_organization("acme", "Acme")
            .unwrap();
        let writer = hold_write_lock(&file);

        let started = std::time::Instant::now();
        let mut ws = Workspace::open(&file).expect("opens while another connection writes");
        let names: Vec<String> = ws
            .organizations()
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["Acme"], "reads the committed rows");
        let took = started.elapsed();
        assert!(took < BUSY_TIMEOUT / 5, "opening waited {took:?}");

        let err = ws.add_organization("globex", "Globex").unwrap_err();
        assert_busy_by_this_process(&err, &file);
        writer.execute_batch("ROLLBACK").unwrap();
        ws.add_organization("globex", "Globex")
            .expect("writes once the lock is free");
    }

    /// A file that needs a migration while another connection holds the write lock is
    /// refused after the busy timeout with who holds it, and left as it was; it migrates once
    /// the lock is free.
    #[test]
    fn a_workspace_needing_migration_while_locked_is_busy_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let last = MIGRATIONS.last().unwrap().0;
        drop(schema_before(&file, last));
        let writer = hold_write_lock(&file);

        let started = std::time::Instant::now();
        let err = Workspace::open(&file).unwrap_err();
        assert!(
            started.elapsed() < BUSY_TIMEOUT * 2,
            "{:?}",
            started.elapsed()
        );
        assert_busy_by_this_process(&err, &file);
        let applied: i64 = writer
            .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(applied < last, "the migration was not applied");

        writer.execute_batch("ROLLBACK").unwrap();
        let ws = Workspace::open(&file).expect("migrates once the lock is free");
        assert!(ws.integrity_check().unwrap().is_empty());
    }

    /// A file that is not a database is refused with what to do, and left as it was.
    #[test]
    fn a_damaged_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        let garbage = b"this is not a workspace, just text that fills a page or so".repeat(100);
        std::fs::write(&file, &garbage).unwrap();
        let err = Workspace::open(&file).unwrap_err();
        assert!(matches!(err, Error::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("move it aside"), "{err}");
        assert_eq!(std::fs::read(&file).unwrap(), garbage);
    }

    #[test]
    fn a_newer_file_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ws.db");
        drop(Workspace::open(&file).unwrap());
        {
            let conn = Connection::open(&file).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (99990101000000, 'future', 0)",
                [],
            )
            .unwrap();
        }
        let err = Workspace::open(&file).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NewerSchema {
                    found: 99990101000000,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("update Switchboard"));
        let conn = Connection::open(&file).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, MIGRATIONS.len() as i64 + 1);
    }
}
