//! Phone numbers in the local workspace: add, bulk insert, read, update, remove.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::counts::{CountDelta, facets};
use super::{Workspace, from_micros, micros, now, parse_uuid};
use crate::domain::{
    Credentials, E164, Metadata, NumberFacts, NumberUpdate, PHONE_NUMBER_COLUMNS, PhoneNumber,
    Provider, ValidNumber,
};
use crate::error::{Error, Result};
use crate::query::search_key;

/// Numbers with their organization's id (rows store the organization's integer key).
/// CROSS JOIN keeps the numbers outermost, so their index order can serve ORDER BY.
pub(super) const FROM: &str = "phone_numbers p CROSS JOIN organizations o ON o.key = p.org_key";

/// Columns of [`PhoneNumber`] ([`PHONE_NUMBER_COLUMNS`], `organization_id` through the join),
/// in `from_row` order, over [`FROM`]. `crates/core/tests/columns.rs` writes and reads back a
/// number with every column set, through every path of this store.
pub(super) const COLUMNS: &str = "p.id, o.id, p.provider, p.phone_number, \
    p.friendly_name, p.credentials, p.metadata, p.agent_id, p.webhook_configured, p.webhook_url, \
    p.status, p.created_at, p.updated_at, p.last_verified_at";

pub(super) const INSERT: &str = "INSERT INTO phone_numbers (rowid, id, org_key, provider, \
    phone_number, friendly_name, credentials, metadata, agent_id, webhook_configured, webhook_url, \
    status, created_at, updated_at, last_verified_at, digits, search_name, country, number_type, \
    capabilities) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
    ?17, ?18, ?19, ?20)";

pub(super) const SEARCH_INSERT: &str =
    "INSERT INTO phone_numbers_search (rowid, digits, search_name) VALUES (?1, ?2, ?3)";
pub(super) const SEARCH_DELETE: &str = "INSERT INTO phone_numbers_search \
    (phone_numbers_search, rowid, digits, search_name) VALUES ('delete', ?1, ?2, ?3)";

/// The search entries of the rows whose keys `?1` lists (a JSON array) out, as they are
/// stored: before those rows' names change.
pub(super) const SEARCH_DELETE_SELECTED: &str = "INSERT INTO phone_numbers_search \
    (phone_numbers_search, rowid, digits, search_name) SELECT 'delete', rowid, digits, \
    search_name FROM phone_numbers WHERE rowid IN (SELECT value FROM json_each(?1))";
/// The search entries of the rows whose keys `?1` lists (a JSON array) in, as they are
/// stored: after those rows' names changed.
pub(super) const SEARCH_INSERT_SELECTED: &str = "INSERT INTO phone_numbers_search \
    (rowid, digits, search_name) SELECT rowid, digits, search_name FROM phone_numbers \
    WHERE rowid IN (SELECT value FROM json_each(?1))";

fn conversion(e: crate::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<PhoneNumber> {
    let provider: String = r.get(2)?;
    let provider: Provider = provider.parse().map_err(conversion)?;
    let number: String = r.get(3)?;
    let metadata: Option<String> = r.get(6)?;
    let agent: Option<String> = r.get(7)?;
    let status: String = r.get(10)?;
    Ok(PhoneNumber {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        organization_id: parse_uuid(&r.get::<_, String>(1)?)?,
        provider,
        phone_number: E164::from_stored(number),
        friendly_name: r.get(4)?,
        credentials: Credentials::from_stored(&r.get::<_, String>(5)?).map_err(conversion)?,
        metadata: metadata
            .map(|m| Metadata::from_stored_json(&m))
            .transpose()
            .map_err(conversion)?,
        agent_id: agent.map(|a| parse_uuid(&a)).transpose()?,
        webhook_configured: r.get::<_, Option<bool>>(8)?.unwrap_or(false),
        webhook_url: r.get(9)?,
        status: status.parse().map_err(conversion)?,
        created_at: from_micros(r.get(11)?)?,
        updated_at: from_micros(r.get(12)?)?,
        last_verified_at: r.get::<_, Option<i64>>(13)?.map(from_micros).transpose()?,
    })
}

/// [`Workspace::verification_due`]'s statement: `?1` the organization's id, `?2` the time
/// before which a verification is old (microseconds), `?3` how many.
///
/// It walks the organization's numbers in `idx_phone_numbers_org_verified`'s order (never
/// verified first, as 0, then oldest first) and stops after `?3` due ones that have an
/// account; the organization's key and the expression are given as the index has them. The
/// range on the index (`< max(?2, 1)`) holds every due number for any `?2`; the condition
/// after it is the rule itself.
pub(super) fn verification_due_statement() -> String {
    // The account key differs per provider (accountSid, apiKey, …): Credentials names it.
    let account = Provider::ALL
        .iter()
        .map(|p| {
            format!(
                "WHEN '{}' THEN json_extract(p.credentials, '$.{}')",
                p.as_str(),
                Credentials::account_key(*p)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE p.org_key = (SELECT key FROM organizations WHERE id = ?1)
           AND coalesce(p.last_verified_at, 0) < max(?2, 1)
           AND (p.last_verified_at IS NULL OR p.last_verified_at < ?2)
           AND (CASE p.provider {account} END) IS NOT NULL
         ORDER BY coalesce(p.last_verified_at, 0), p.rowid LIMIT ?3"
    )
}

/// How a command names a number: by id, or by E.164 (unique within an organization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberRef {
    /// The record id.
    Id(Uuid),
    /// The number.
    Number(E164),
}

impl NumberRef {
    /// Reads a UUID or anything that parses as an international number.
    pub fn parse(text: &str) -> Result<Self> {
        if let Ok(id) = Uuid::parse_str(text.trim()) {
            return Ok(NumberRef::Id(id));
        }
        E164::parse(text, None).map(NumberRef::Number)
    }
}

/// Inserts many numbers into one organization inside a single transaction.
///
/// Obtained from [`Workspace::bulk_insert`]; call [`BulkInsert::finish`] to commit. Dropping
/// it without finishing rolls everything back.
///
/// A large batch (see [`DEFERRED_BATCH`]) defers index work: the secondary indexes are dropped
/// at the start and rebuilt, sorted, at the end, and the search index is filled for the
/// batch's row range in one statement. This is several times faster than maintaining them
/// row by row, and, being inside the same transaction, just as atomic.
#[derive(Debug)]
pub struct BulkInsert<'w> {
    tx: Transaction<'w>,
    org: String,
    org_key: i64,
    slug: String,
    counts: CountDelta,
    inserted: u64,
    /// Secondary indexes dropped for this batch: (name, CREATE statement).
    deferred: Option<Vec<(String, String)>>,
    /// The organization's row-key range, when it had no rows at the start of a deferred
    /// batch: its search entries are then written at the end in one statement.
    search_later: Option<(i64, i64)>,
}

/// The search index's in-memory buffer during a deferred batch, in bytes: large enough that a
/// million numbers make one segment (no merging), small enough to stay well under the
/// memory a desktop app may take. Restored to FTS5's default afterwards.
pub(super) const BULK_SEARCH_HASH: i64 = 128 * 1024 * 1024;
const SEARCH_HASH: i64 = 1024 * 1024;

/// Page cache for a large batch, in KiB.
const BULK_CACHE_KIB: i64 = 512 * 1024;

/// A batch of at least this many rows, and at least half the size of the table, defers its
/// index work to the end.
pub const DEFERRED_BATCH: u64 = 20_000;

impl BulkInsert<'_> {
    /// Inserts one fully formed record (its organization must be this batch's).
    pub fn insert(&mut self, n: &PhoneNumber) -> Result<()> {
        self.insert_with_facts(n, &n.facts())
    }

    /// Like [`BulkInsert::insert`], with the number's facts already derived (saves a parse).
    pub fn insert_with_facts(&mut self, n: &PhoneNumber, facts: &NumberFacts) -> Result<()> {
        if n.organization_id.to_string() != self.org {
            return Err(Error::invalid(
                "organization",
                "a batch inserts into one organization",
            ));
        }
        insert_row(
            &self.tx,
            &self.org,
            self.org_key,
            row_key(self.org_key, n.phone_number.digits())?,
            n,
            facts,
            &mut self.counts,
            self.search_later.is_none(),
        )
        .map_err(|e| {
            unique_violation(e, || Error::Duplicate {
                what: n.phone_number.to_string(),
                organization: Some(self.slug.clone()),
            })
        })?;
        self.inserted += 1;
        Ok(())
    }

    /// Commits the batch; returns how many rows were inserted.
    pub fn finish(self) -> Result<u64> {
        if let Some(range) = self.search_later {
            fill_search(&self.tx, "phone_numbers", range)?;
        }
        if let Some(indexes) = &self.deferred {
            if let Err(e) = finish_index_work(&self.tx, indexes) {
                // Only the id index is unique here: name the id that is there twice.
                let twin: Option<String> = self
                    .tx
                    .query_row(
                        "SELECT id FROM phone_numbers GROUP BY id HAVING count(*) > 1 LIMIT 1",
                        [],
                        |r| r.get(0),
                    )
                    .optional()
                    .ok()
                    .flatten();
                return Err(unique_violation(e, || Error::Duplicate {
                    what: format!("number id {}", twin.as_deref().unwrap_or("(unknown)")),
                    organization: Some(self.slug.clone()),
                }));
            }
            self.tx
                .execute_batch(&format!("PRAGMA cache_size = {};", super::CACHE_SIZE))?;
        }
        self.counts.apply(&self.tx)?;
        self.tx.commit()?;
        Ok(self.inserted)
    }
}

/// Index work deferred to the end of a large write: drops the secondary indexes of
/// `phone_numbers` (returning their definitions for [`finish_index_work`]), gives index sorts
/// a helper thread, and stops the search index from merging its segments as it grows (a
/// `search_hash`-byte in-memory buffer makes few segments; one merge at the end is far
/// cheaper). Within the caller's transaction, so a failure rolls all of it back.
pub(super) fn defer_index_work(
    tx: &Transaction<'_>,
    search_hash: i64,
) -> Result<Vec<(String, String)>> {
    // The unique id index too: building it sorted at the end is about twice as fast as
    // inserting random UUIDs into it, and a duplicate id still fails the transaction.
    let mut stmt = tx.prepare(
        "SELECT name, sql FROM sqlite_schema
         WHERE type = 'index' AND tbl_name = 'phone_numbers' AND sql IS NOT NULL",
    )?;
    let indexes: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    tx.execute_batch(&format!(
        "PRAGMA threads = 1;
         INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('automerge', 0);
         INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('hashsize', {search_hash});"
    ))?;
    Ok(indexes)
}

/// Writes the search entries of the rows of `table` (`phone_numbers`, or the sync's stage)
/// in the row-key range `(lo, hi)`, in one statement.
pub(super) fn fill_search(tx: &Transaction<'_>, table: &str, (lo, hi): (i64, i64)) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO phone_numbers_search (rowid, digits, search_name)
             SELECT rowid, digits, search_name FROM {table} WHERE rowid BETWEEN ?1 AND ?2"
        ),
        params![lo, hi],
    )?;
    Ok(())
}

/// Rebuilds what [`defer_index_work`] dropped and restores the search index's settings.
pub(super) fn finish_index_work(tx: &Transaction<'_>, indexes: &[(String, String)]) -> Result<()> {
    for (_, create) in indexes {
        tx.execute_batch(create)?;
    }
    tx.execute_batch(&format!(
        "INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('automerge', 4);
         INSERT INTO phone_numbers_search (phone_numbers_search, rank) VALUES ('hashsize', {SEARCH_HASH});
         INSERT INTO phone_numbers_search (phone_numbers_search) VALUES ('optimize');
         PRAGMA threads = 0;"
    ))?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn insert_row(
    tx: &Transaction<'_>,
    org: &str,
    org_key: i64,
    key: i64,
    n: &PhoneNumber,
    facts: &NumberFacts,
    counts: &mut CountDelta,
    index_search: bool,
) -> Result<()> {
    let search_name = write_row(tx, INSERT, org_key, key, n, facts)?;
    if index_search {
        tx.prepare_cached(SEARCH_INSERT)?.execute(params![
            key,
            n.phone_number.digits(),
            search_name
        ])?;
    }
    let facets = facets(n, facts.country.as_deref(), facts.number_type.as_str());
    counts.add(org, n.phone_number.digits(), &facets, 1);
    Ok(())
}

/// Writes a row's columns with `insert` (an INSERT with [`INSERT`]'s columns, into
/// `phone_numbers` or the sync's stage); returns the row's search name.
pub(super) fn write_row(
    tx: &Transaction<'_>,
    insert: &str,
    org_key: i64,
    key: i64,
    n: &PhoneNumber,
    facts: &NumberFacts,
) -> Result<String> {
    let search_name = search_key(n.friendly_name.as_deref().unwrap_or(""));
    tx.prepare_cached(insert)?.execute(params![
        key,
        n.id.to_string(),
        org_key,
        n.provider.as_str(),
        n.phone_number.as_str(),
        n.friendly_name,
        n.credentials.to_json(),
        n.metadata.as_ref().map(Metadata::to_json),
        n.agent_id.map(|a| a.to_string()),
        n.webhook_configured,
        n.webhook_url,
        n.status.as_str(),
        micros(n.created_at),
        micros(n.updated_at),
        n.last_verified_at.map(micros),
        n.phone_number.digits(),
        search_name,
        facts.country.as_deref(),
        facts.number_type.as_str(),
        n.capabilities().bits(),
    ])?;
    Ok(search_name)
}

/// Maps a UNIQUE constraint failure to `make()`, passing other errors through.
pub(super) fn unique_violation(e: Error, make: impl FnOnce() -> Error) -> Error {
    match e {
        Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                // The row key is derived from the number: a clash means the same number.
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            make()
        }
        other => other,
    }
}

/// The organization's key and slug, or `NotFound`.
pub(super) fn org_key(conn: &Connection, org: &Uuid) -> Result<(i64, String)> {
    conn.query_row(
        "SELECT key, slug FROM organizations WHERE id = ?1",
        [org.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "organization",
        key: org.to_string(),
    })
}

/// The derived country and line type stored with a row.
pub(super) fn stored_facts(tx: &Transaction<'_>, key: i64) -> Result<(Option<String>, String)> {
    Ok(tx.query_row(
        "SELECT country, number_type FROM phone_numbers WHERE rowid = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Bits of a row key below the organization's key.
pub(super) const NUMBER_BITS: u32 = 52;

/// The row-key range of an organization.
pub(super) fn org_range(org_key: i64) -> (i64, i64) {
    let lo = org_key << NUMBER_BITS;
    (lo, lo | ((1i64 << NUMBER_BITS) - 1))
}

/// The largest organization key a row key can carry.
pub(super) const MAX_ORG_KEY: i64 = (1 << (63 - NUMBER_BITS)) - 1;

/// Encodes E.164 digits so that numeric order is the digits' lexicographic order: each digit
/// d becomes d+1 in base 11, right-padded with zeros to 15 places (E.164's maximum).
/// Injective, and 11^15 < 2^52.
pub(super) fn digits_key(digits: &str) -> Option<i64> {
    if digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut key: i64 = 0;
    for i in 0..15 {
        let d = digits
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0') + 1);
        key = key * 11 + d;
    }
    Some(key)
}

/// The first and last row keys of an organization's numbers that start with `prefix` digits.
pub(super) fn prefix_range(org_key: i64, prefix: &str) -> Result<(i64, i64)> {
    let first = row_key(org_key, prefix)?;
    let span = 11_i64.pow(15 - prefix.len() as u32);
    Ok((first, first + span - 1))
}

/// A number's row key: its organization's key, then its digits, order-preserving. Rows of an
/// organization therefore sit in one key range, in E.164 order, so the table itself and the
/// full-text index (whose doclists are in row-key order) both yield numbers sorted.
pub(super) fn row_key(org_key: i64, digits: &str) -> Result<i64> {
    let number = digits_key(digits)
        .ok_or_else(|| Error::invalid("number", format!("{digits:?} is not E.164 digits")))?;
    Ok((org_key << NUMBER_BITS) | number)
}

/// A removed number as it goes back: as it was, stamped updated now (never before it was).
pub(super) fn restored(n: &PhoneNumber) -> PhoneNumber {
    PhoneNumber {
        updated_at: now().max(n.updated_at),
        ..n.clone()
    }
}

/// `change` applied to `current` ([`NumberUpdate::apply_to`]), stamped with the time of the
/// change (never earlier than the version it changes).
pub(super) fn apply_update(current: &PhoneNumber, change: &NumberUpdate) -> Result<PhoneNumber> {
    let mut next = change.apply_to(current)?;
    next.updated_at = now().max(current.updated_at);
    Ok(next)
}

pub(super) fn check_agent(
    tx: &Transaction<'_>,
    agent: Option<Uuid>,
    org: &Uuid,
    slug: &str,
) -> Result<()> {
    let Some(agent) = agent else { return Ok(()) };
    let owner: Option<String> = tx
        .query_row(
            "SELECT organization_id FROM agents WHERE id = ?1",
            [agent.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        None => Err(Error::NotFound {
            kind: "agent",
            key: agent.to_string(),
        }),
        Some(o) if o != org.to_string() => Err(Error::NotAllowed(format!(
            "agent {agent} does not belong to organization {slug}"
        ))),
        Some(_) => Ok(()),
    }
}

impl Workspace {
    /// Adds a validated number to an organization.
    pub fn add_number(&mut self, organization_id: Uuid, v: ValidNumber) -> Result<PhoneNumber> {
        self.insert_number(v.into_record(organization_id, now()))
    }

    /// Puts a removed number back as it was: the same id, organization and columns, stamped
    /// updated now (an undo; refused like an add when the number is in its organization).
    pub fn restore_number(&mut self, n: &PhoneNumber) -> Result<PhoneNumber> {
        self.insert_number(restored(n))
    }

    /// Inserts one fully formed record, its agent checked.
    fn insert_number(&mut self, record: PhoneNumber) -> Result<PhoneNumber> {
        let organization_id = record.organization_id;
        let mut bulk = self.bulk_insert(organization_id, 1)?;
        check_agent(&bulk.tx, record.agent_id, &organization_id, &bulk.slug)?;
        bulk.insert(&record)?;
        bulk.finish()?;
        Ok(record)
    }

    /// Starts a single-transaction batch insert into one organization; `size_hint` is how many
    /// rows the caller expects to insert (large batches defer index work to the end).
    pub fn bulk_insert(&mut self, organization_id: Uuid, size_hint: u64) -> Result<BulkInsert<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (key, slug) = org_key(&tx, &organization_id)?;
        let existing: i64 = tx.query_row("SELECT count(*) FROM phone_numbers", [], |r| r.get(0))?;
        let deferred = if size_hint >= DEFERRED_BATCH && size_hint * 2 >= existing as u64 {
            tx.execute_batch(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB};"))?;
            Some(defer_index_work(&tx, BULK_SEARCH_HASH)?)
        } else {
            None
        };
        let search_later = match deferred {
            Some(_) => {
                let (lo, hi) = org_range(key);
                let empty: bool = tx.query_row(
                    "SELECT NOT EXISTS (SELECT 1 FROM phone_numbers WHERE rowid BETWEEN ?1 AND ?2)",
                    params![lo, hi],
                    |r| r.get(0),
                )?;
                empty.then_some((lo, hi))
            }
            None => None,
        };
        Ok(BulkInsert {
            tx,
            org: organization_id.to_string(),
            org_key: key,
            slug,
            counts: CountDelta::default(),
            inserted: 0,
            deferred,
            search_later,
        })
    }

    /// Calls `f` with every number of an organization, in E.164 order; returns how many.
    pub fn for_each_number(
        &self,
        organization_id: Uuid,
        mut f: impl FnMut(&PhoneNumber) -> Result<()>,
    ) -> Result<u64> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE o.id = ?1 ORDER BY p.phone_number"
        ))?;
        let mut rows = stmt.query([organization_id.to_string()])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            f(&from_row(row)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// Numbers of an organization that belong to a provider account and are due for
    /// re-verification: never verified, or last verified before `verified_before`. Least
    /// recently verified first, at most `limit` (the desktop app's periodic re-verification).
    pub fn verification_due(
        &self,
        organization_id: Uuid,
        verified_before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<PhoneNumber>> {
        let mut stmt = self.conn.prepare_cached(&verification_due_statement())?;
        let rows = stmt.query_map(
            params![
                organization_id.to_string(),
                micros(verified_before),
                limit as i64
            ],
            from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The E.164 numbers an organization already has.
    pub fn numbers_in(&self, organization_id: Uuid) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT p.phone_number FROM {FROM} WHERE o.id = ?1"
        ))?;
        let rows = stmt.query_map([organization_id.to_string()], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Finds a number by id or E.164. A number present in several organizations must be named
    /// by id (or with `organization_id`).
    pub fn number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<PhoneNumber> {
        self.locate(r, organization_id).map(|(n, _)| n)
    }

    /// The number and its row key.
    fn locate(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<(PhoneNumber, i64)> {
        let org = organization_id.map(|o| o.to_string());
        // By E.164: the number's row key in each organization, one primary-key seek each.
        debug_assert_eq!(NUMBER_BITS, 52);
        let (sql, key, digits) = match r {
            NumberRef::Id(id) => ("p.id = ?1 AND (?2 IS NULL OR o.id = ?2)", id.to_string(), None),
            NumberRef::Number(n) => (
                "p.rowid IN (SELECT (key << 52) | ?3 FROM organizations WHERE ?2 IS NULL OR id = ?2)
                 AND p.phone_number = ?1",
                n.to_string(),
                digits_key(n.digits()),
            ),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, p.rowid FROM {FROM} WHERE {sql} LIMIT 2"
        ))?;
        let row = |r: &Row<'_>| Ok((from_row(r)?, r.get(PHONE_NUMBER_COLUMNS.len())?));
        let found: Vec<(PhoneNumber, i64)> = match digits {
            Some(d) => stmt.query_map(params![key, org, d], row)?,
            None => stmt.query_map(params![key, org], row)?,
        }
        .collect::<rusqlite::Result<_>>()?;
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (None, _) => Err(Error::NotFound {
                kind: "phone number",
                key,
            }),
            (Some(one), None) => Ok(one),
            (Some(_), Some(_)) => Err(Error::invalid(
                "number",
                format!("{key} exists in several organizations; name it by id or organization"),
            )),
        }
    }

    /// Applies `change` to a number and returns the updated record.
    pub fn update_number(
        &mut self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<PhoneNumber> {
        let (current, key) = self.locate(r, organization_id)?;
        if change.is_empty() {
            return Ok(current);
        }
        let next = apply_update(&current, change)?;
        let slug = self.org_slug(&current.organization_id).unwrap_or_default();
        self.write(|tx| {
            let new_agent = next.agent_id.filter(|a| Some(*a) != current.agent_id);
            check_agent(tx, new_agent, &next.organization_id, &slug)?;
            let old_name = search_key(current.friendly_name.as_deref().unwrap_or(""));
            let new_name = search_key(next.friendly_name.as_deref().unwrap_or(""));
            let changed = tx.execute(
                "UPDATE phone_numbers SET friendly_name = ?2, status = ?3, agent_id = ?4,
                   metadata = ?5, capabilities = ?6, webhook_configured = ?7, webhook_url = ?8,
                   last_verified_at = ?9, updated_at = ?10, search_name = ?11
                 WHERE rowid = ?1",
                params![
                    key,
                    next.friendly_name,
                    next.status.as_str(),
                    next.agent_id.map(|a| a.to_string()),
                    next.metadata.as_ref().map(Metadata::to_json),
                    next.capabilities().bits(),
                    next.webhook_configured,
                    next.webhook_url,
                    next.last_verified_at.map(micros),
                    micros(next.updated_at),
                    new_name,
                ],
            )?;
            if changed != 1 {
                return Err(Error::NotFound {
                    kind: "phone number",
                    key: next.id.to_string(),
                });
            }
            let (country, number_type) = stored_facts(tx, key)?;
            let before = facets(&current, country.as_deref(), &number_type);
            let after = facets(&next, country.as_deref(), &number_type);
            if before != after {
                let org = next.organization_id.to_string();
                let mut delta = CountDelta::default();
                delta.add(&org, next.phone_number.digits(), &before, -1);
                delta.add(&org, next.phone_number.digits(), &after, 1);
                delta.apply(tx)?;
            }
            if old_name != new_name {
                let digits = next.phone_number.digits();
                tx.prepare_cached(SEARCH_DELETE)?
                    .execute(params![key, digits, old_name])?;
                tx.prepare_cached(SEARCH_INSERT)?
                    .execute(params![key, digits, new_name])?;
            }
            Ok(())
        })?;
        Ok(next)
    }

    /// Removes a number; returns what was removed.
    pub fn remove_number(
        &mut self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
    ) -> Result<PhoneNumber> {
        let (current, key) = self.locate(r, organization_id)?;
        self.write(|tx| {
            let (country, number_type) = stored_facts(tx, key)?;
            let gone = tx.execute("DELETE FROM phone_numbers WHERE rowid = ?1", [key])?;
            if gone != 1 {
                return Err(Error::NotFound {
                    kind: "phone number",
                    key: current.id.to_string(),
                });
            }
            let digits = current.phone_number.digits();
            let name = search_key(current.friendly_name.as_deref().unwrap_or(""));
            tx.prepare_cached(SEARCH_DELETE)?
                .execute(params![key, digits, name])?;
            let mut delta = CountDelta::default();
            let facets = facets(&current, country.as_deref(), &number_type);
            delta.add(&current.organization_id.to_string(), digits, &facets, -1);
            delta.apply(tx)
        })?;
        Ok(current)
    }
}
