//! Listing, counting and search-as-you-type over one organization's numbers.
//!
//! Substring search has two access paths, chosen per query:
//! - **index scan**: walk the sort order's index and test each entry (`instr`), stopping at a
//!   full page. Cheap when matches are common, since a page fills after few entries.
//! - **trigram lookup**: ask the FTS5 trigram index for the matching row keys (restricted to
//!   the organization's row-key range), then sort those. Cheap when matches are rare.
//!
//! The planner probes the trigram index for up to [`FEW_MATCHES`] keys; if there are no more
//! than that, it sorts them, otherwise matches are common enough for the scan to fill a page
//! quickly. Searches shorter than three characters cannot use trigrams; their counts come from
//! the exact per-organization counters in `number_counts` (see `counts.rs`), which also
//! answer counts filtered by a single provider, status, country, line type or capability.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use uuid::Uuid;

use super::Workspace;
use super::counts;
use super::numbers::{COLUMNS, FROM, from_row};
use super::update_many::Selection;
use crate::domain::Capability;
use crate::error::{Error, Result};
use crate::query::{AgentFilter, Cursor, NumberFilter, NumberQuery, Page, SearchText, SortField};

/// Up to this many trigram matches, sorting the matches beats scanning in order.
pub const FEW_MATCHES: usize = 2000;

/// How the planner answered a page, for benchmarks and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// No search text: filters in index order.
    Filtered,
    /// Index-order scan testing each entry.
    Scan,
    /// Trigram lookup, then sort.
    Trigram,
}

/// A WHERE clause under construction with its positional values.
struct Sql {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Sql {
    fn new() -> Self {
        Sql {
            clauses: Vec::new(),
            values: Vec::new(),
        }
    }
    fn push(&mut self, clause: &str, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.to_owned());
        self.values.extend(values);
    }
    fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// The organization's key and row-key range (numbers' row keys are blocked by organization).
fn org_range(conn: &Connection, org: &Uuid) -> Result<(i64, i64, i64)> {
    let key: i64 = conn
        .prepare_cached("SELECT key FROM organizations WHERE id = ?1")?
        .query_row([org.to_string()], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NotFound {
                kind: "organization",
                key: org.to_string(),
            },
            e => e.into(),
        })?;
    let lo = key << super::numbers::NUMBER_BITS;
    Ok((key, lo, lo | ((1 << super::numbers::NUMBER_BITS) - 1)))
}

/// Column filters (everything but search), on alias `p`.
fn column_filters(f: &NumberFilter, org_key: i64, sql: &mut Sql) {
    sql.push("p.org_key = ?", [Value::Integer(org_key)]);
    if let Some(p) = f.provider {
        sql.push("p.provider = ?", [text(p.as_str())]);
    }
    if let Some(s) = f.status {
        sql.push("p.status = ?", [text(s.as_str())]);
    }
    match f.agent {
        Some(AgentFilter::Assigned(a)) => sql.push("p.agent_id = ?", [text(a.to_string())]),
        Some(AgentFilter::Unassigned) => sql.push("p.agent_id IS NULL", []),
        None => {}
    }
    if !f.capabilities.is_empty() {
        let bits: i64 = f.capabilities.iter().map(|c: &Capability| c.bit()).sum();
        sql.push(
            "(p.capabilities & ?) = ?",
            [Value::Integer(bits), Value::Integer(bits)],
        );
    }
    if let Some(c) = &f.country {
        sql.push("p.country = ?", [text(c.to_ascii_uppercase())]);
    }
    if let Some(t) = f.number_type {
        sql.push("p.number_type = ?", [text(t.as_str())]);
    }
    if let Some(r) = f.readiness {
        sql.push(
            "json_extract(p.metadata, '$.readiness.state') = ?",
            [text(r.as_str())],
        );
    }
    // Under the port-out alarm: `json_type` tells a JSON `true` from a 1.
    const ALARM: &str = "json_type(p.metadata, '$.readiness.alarm') = 'true'";
    if f.alarm {
        sql.push(ALARM, []);
    }
    if f.needs_attention {
        // crate::query::needs_attention, in SQL.
        sql.push(
            &format!(
                "(p.status = ? OR json_extract(p.metadata, '$.readiness.state') = ? OR {ALARM})"
            ),
            [
                text(crate::domain::Status::Error.as_str()),
                text(crate::readiness::State::Blocked.as_str()),
            ],
        );
    }
}

/// The substring test for the scan path. Digits are tested against `phone_number` (the same
/// digits behind a '+'), which every sort index carries, so the test needs no row lookup.
fn search_predicate(s: &SearchText, sql: &mut Sql) {
    match s {
        SearchText::Digits(d) => sql.push("instr(p.phone_number, ?) > 0", [text(d.clone())]),
        SearchText::Name(n) => sql.push("instr(p.search_name, ?) > 0", [text(n.clone())]),
    }
}

/// The FTS5 query for a needle of three or more characters.
fn fts_match(s: &SearchText) -> String {
    let (column, needle) = match s {
        SearchText::Digits(d) => ("digits", d),
        SearchText::Name(n) => ("search_name", n),
    };
    format!("{column} : \"{}\"", needle.replace('"', "\"\""))
}

fn trigram_capable(s: &SearchText) -> bool {
    s.needle().chars().count() >= 3
}

/// The index that walks a sort order within an organization.
fn sort_index(field: SortField) -> Option<&'static str> {
    match field {
        // Row keys are in number order: the table itself is that index.
        SortField::Number => None,
        SortField::FriendlyName => Some("idx_phone_numbers_org_name"),
        SortField::Created => Some("idx_phone_numbers_org_created"),
        SortField::Updated => Some("idx_phone_numbers_org_updated"),
    }
}

fn sort_column(field: SortField) -> &'static str {
    match field {
        SortField::Number => "p.phone_number",
        SortField::FriendlyName => "p.search_name",
        SortField::Created => "p.created_at",
        SortField::Updated => "p.updated_at",
    }
}

fn sort_value(n: &crate::domain::PhoneNumber, field: SortField) -> serde_json::Value {
    match field {
        SortField::Number => n.phone_number.as_str().into(),
        SortField::FriendlyName => {
            crate::query::search_key(n.friendly_name.as_deref().unwrap_or("")).into()
        }
        SortField::Created => super::micros(n.created_at).into(),
        SortField::Updated => super::micros(n.updated_at).into(),
    }
}

fn json_to_sql(v: &serde_json::Value) -> Option<Value> {
    match v {
        serde_json::Value::String(s) => Some(text(s.clone())),
        serde_json::Value::Number(n) => n.as_i64().map(Value::Integer),
        _ => None,
    }
}

fn bad_cursor() -> Error {
    Error::invalid("cursor", "not a cursor from this listing")
}

/// The counter answering a filter with exactly one column condition, if any.
fn single_facet(f: &NumberFilter) -> Option<String> {
    let mut facets = Vec::new();
    if let Some(p) = f.provider {
        facets.push(format!("provider={}", p.as_str()));
    }
    if let Some(s) = f.status {
        facets.push(format!("status={}", s.as_str()));
    }
    if let Some(c) = &f.country {
        facets.push(format!("country={}", c.to_ascii_uppercase()));
    }
    if let Some(t) = f.number_type {
        facets.push(format!("type={}", t.as_str()));
    }
    facets.extend(f.capabilities.iter().map(|c| format!("cap={}", c.as_str())));
    if f.agent.is_some()
        || f.readiness.is_some()
        || f.alarm
        || f.needs_attention
        || facets.len() != 1
    {
        return None;
    }
    facets.pop()
}

impl Workspace {
    /// One page of numbers.
    pub fn list_numbers(&self, q: &NumberQuery) -> Result<Page> {
        self.list_numbers_planned(q).map(|(page, _)| page)
    }

    /// One page of numbers, and the plan that produced it.
    pub fn list_numbers_planned(&self, q: &NumberQuery) -> Result<(Page, Plan)> {
        let f = &q.filter;
        let (org_key, lo, hi) = org_range(&self.conn, &f.organization_id)?;
        let mut sql = Sql::new();
        column_filters(f, org_key, &mut sql);
        let (dir, cmp) = if q.sort.descending {
            ("DESC", "<")
        } else {
            ("ASC", ">")
        };
        let after = match &q.after {
            Some(Cursor(c)) => {
                let parsed: (serde_json::Value, i64) =
                    serde_json::from_str(c).map_err(|_| bad_cursor())?;
                Some((json_to_sql(&parsed.0).ok_or_else(bad_cursor)?, parsed.1))
            }
            None => None,
        };
        let (statement, plan) = if q.sort.field == SortField::Number {
            self.number_order(f, org_key, (lo, hi), after, (dir, cmp), sql, q.limit)?
        } else {
            self.column_order(f, q, (lo, hi), after, (dir, cmp), sql)?
        };
        let (statement, sql) = statement;
        let mut stmt = self.conn.prepare_cached(&statement)?;
        let mut rows = stmt.query(params_from_iter(sql.values.iter()))?;
        let mut items = Vec::with_capacity(q.limit as usize);
        let mut last_key: i64 = 0;
        let mut more = false;
        while let Some(row) = rows.next()? {
            if items.len() == q.limit as usize {
                more = true;
                break;
            }
            items.push(from_row(row)?);
            last_key = row.get(14)?;
        }
        let next = match (more, items.last()) {
            (true, Some(last)) => Some(Cursor(
                serde_json::to_string(&(sort_value(last, q.sort.field), last_key))
                    .map_err(|_| bad_cursor())?,
            )),
            _ => None,
        };
        Ok((Page { items, next }, plan))
    }

    /// E.164 order is row-key order (see `numbers::row_key`): the table, and the trigram
    /// index's doclists, already hold an organization's numbers sorted, so a page is read in
    /// order and reading stops when it is full — however rare or clustered the matches are.
    #[allow(clippy::too_many_arguments)]
    fn number_order(
        &self,
        f: &NumberFilter,
        org_key: i64,
        (mut lo, mut hi): (i64, i64),
        after: Option<(Value, i64)>,
        (dir, cmp): (&str, &str),
        mut sql: Sql,
        limit: u32,
    ) -> Result<((String, Sql), Plan)> {
        // A country's numbers share its calling code: read only that code's key range.
        if let Some(code) = f.country.as_deref().and_then(crate::domain::calling_code) {
            let (first, last) = super::numbers::prefix_range(org_key, &code.to_string())?;
            lo = lo.max(first);
            hi = hi.min(last);
        }
        let key = match f.search.as_ref() {
            Some(s) if trigram_capable(s) => "phone_numbers_search.rowid",
            _ => "p.rowid",
        };
        let mut range = Sql::new();
        range.push(
            &format!("{key} BETWEEN ? AND ?"),
            [Value::Integer(lo), Value::Integer(hi)],
        );
        if let Some((_, k)) = after {
            range.push(&format!("{key} {cmp} ?"), [Value::Integer(k)]);
        }
        let limit = limit + 1;
        Ok(match f.search.as_ref() {
            Some(s) if trigram_capable(s) => {
                let mut all = Sql::new();
                all.push("phone_numbers_search MATCH ?", [text(fts_match(s))]);
                all.clauses.extend(range.clauses);
                all.values.extend(range.values);
                all.clauses.extend(sql.clauses);
                all.values.extend(sql.values);
                let statement = format!(
                    "SELECT {COLUMNS}, p.rowid FROM phone_numbers_search
                       CROSS JOIN phone_numbers p ON p.rowid = phone_numbers_search.rowid
                       CROSS JOIN organizations o ON o.key = p.org_key
                     WHERE {} ORDER BY phone_numbers_search.rowid {dir} LIMIT {limit}",
                    all.where_clause()
                );
                ((statement, all), Plan::Trigram)
            }
            search => {
                let plan = match search {
                    Some(s) => {
                        search_predicate(s, &mut sql);
                        Plan::Scan
                    }
                    None => Plan::Filtered,
                };
                range.clauses.extend(sql.clauses);
                range.values.extend(sql.values);
                // An agent's numbers, or a rare status, are read through their index, whose
                // entries are also in row-key order.
                let rare_status = match f.status {
                    Some(s) => {
                        let facet = format!("status={}", s.as_str());
                        self.facet_share(&f.organization_id, &facet)? < 0.25
                    }
                    None => false,
                };
                let index = match f.agent {
                    Some(AgentFilter::Assigned(_)) => "INDEXED BY idx_phone_numbers_agent_id",
                    // With capabilities too, the covering index tests both without reading
                    // rows; its order is not row-key order, but few rows survive to be sorted.
                    _ if rare_status && !f.capabilities.is_empty() => {
                        "INDEXED BY idx_phone_numbers_org_status_caps"
                    }
                    _ if rare_status => "INDEXED BY idx_phone_numbers_org_status",
                    _ => "",
                };
                let statement = format!(
                    "SELECT {COLUMNS}, p.rowid FROM phone_numbers p {index}
                       CROSS JOIN organizations o ON o.key = p.org_key
                     WHERE {} ORDER BY p.rowid {dir} LIMIT {limit}",
                    range.where_clause()
                );
                ((statement, range), plan)
            }
        })
    }

    /// Other orders walk their column's index, or sort a small set of trigram matches.
    fn column_order(
        &self,
        f: &NumberFilter,
        q: &NumberQuery,
        (lo, hi): (i64, i64),
        after: Option<(Value, i64)>,
        (dir, cmp): (&str, &str),
        mut sql: Sql,
    ) -> Result<((String, Sql), Plan)> {
        let column = sort_column(q.sort.field);
        if let Some((v, k)) = after {
            sql.push(
                &format!("({column}, p.rowid) {cmp} (?, ?)"),
                [v, Value::Integer(k)],
            );
        }
        let plan = match &f.search {
            None => Plan::Filtered,
            Some(s) if trigram_capable(s) => {
                let mut probe = self.conn.prepare_cached(
                    "SELECT rowid FROM phone_numbers_search
                     WHERE phone_numbers_search MATCH ?1 AND rowid BETWEEN ?2 AND ?3 LIMIT ?4",
                )?;
                let found = probe
                    .query_map(
                        rusqlite::params![fts_match(s), lo, hi, self.few_matches as i64 + 1],
                        |r| r.get::<_, i64>(0),
                    )?
                    .count();
                if found <= self.few_matches {
                    sql.push(
                        "p.rowid IN (SELECT rowid FROM phone_numbers_search
                         WHERE phone_numbers_search MATCH ? AND rowid BETWEEN ? AND ?)",
                        [text(fts_match(s)), Value::Integer(lo), Value::Integer(hi)],
                    );
                    Plan::Trigram
                } else {
                    search_predicate(s, &mut sql);
                    Plan::Scan
                }
            }
            Some(s) => {
                search_predicate(s, &mut sql);
                Plan::Scan
            }
        };
        // Walking the sort index stops after one page; only a small trigram candidate set is
        // better fetched by row key and sorted.
        let from = match (plan, sort_index(q.sort.field)) {
            (Plan::Filtered | Plan::Scan, Some(index)) => FROM.replacen(
                "phone_numbers p",
                &format!("phone_numbers p INDEXED BY {index}"),
                1,
            ),
            _ => FROM.to_owned(),
        };
        let statement = format!(
            "SELECT {COLUMNS}, p.rowid FROM {from} WHERE {} ORDER BY {column} {dir}, p.rowid {dir} LIMIT {}",
            sql.where_clause(),
            q.limit + 1
        );
        Ok(((statement, sql), plan))
    }

    /// The share of an organization's numbers counted under `facet` (0 when it has none).
    fn facet_share(&self, org: &Uuid, facet: &str) -> Result<f64> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT coalesce(max(CASE WHEN facet = ?2 THEN n END), 0),
                    coalesce(max(CASE WHEN facet = '' THEN n END), 0)
             FROM number_counts WHERE organization_id = ?1 AND facet IN ('', ?2)",
        )?;
        let (n, total): (i64, i64) = stmt.query_row([org.to_string(), facet.to_owned()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        })
    }

    /// The exact number of rows the filter matches.
    pub fn count_numbers(&self, f: &NumberFilter) -> Result<u64> {
        let (org_key, lo, hi) = org_range(&self.conn, &f.organization_id)?;
        let org = f.organization_id.to_string();
        let counter = |facet: &str| -> Result<u64> {
            let n: Option<i64> = self
                .conn
                .prepare_cached(
                    "SELECT n FROM number_counts WHERE organization_id = ?1 AND facet = ?2",
                )?
                .query_row([&org, facet], |r| r.get(0))
                .ok();
            Ok(n.unwrap_or(0) as u64)
        };
        let single_facet = single_facet(f);
        match &f.search {
            None if !f.has_column_filters() => return counter(""),
            None if single_facet.is_some() => {
                return counter(single_facet.as_deref().unwrap_or(""));
            }
            Some(SearchText::Digits(d)) if !f.has_column_filters() => {
                if let Some(facet) = counts::digit_facet(d) {
                    return counter(facet);
                }
            }
            _ => {}
        }
        if let Some(s) = f
            .search
            .as_ref()
            .filter(|s| trigram_capable(s) && !f.has_column_filters())
        {
            let n: i64 = self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM phone_numbers_search
                     WHERE phone_numbers_search MATCH ?1 AND rowid BETWEEN ?2 AND ?3",
                )?
                .query_row(rusqlite::params![fts_match(s), lo, hi], |r| r.get(0))?;
            return Ok(n as u64);
        }
        let (statement, sql) = count_statement(f, (org_key, lo, hi));
        let n: i64 = self
            .conn
            .prepare_cached(&statement)?
            .query_row(params_from_iter(sql.values.iter()), |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Every number the filter matches (its search included), by id, in E.164 order: a
    /// selection to change in bulk ([`Workspace::update_numbers`]).
    pub fn select_numbers(&self, f: &NumberFilter) -> Result<Vec<Uuid>> {
        Ok(self.selection(f)?.ids)
    }

    /// [`Workspace::select_numbers`] with each number's row key, which a bulk change of the
    /// selection reads the rows by (an integer key, where an id is a lookup in the ids' index).
    pub fn selection(&self, f: &NumberFilter) -> Result<Selection> {
        let sql = matching(f, org_range(&self.conn, &f.organization_id)?);
        let statement = format!(
            "SELECT p.id, p.rowid FROM phone_numbers p WHERE {} ORDER BY p.rowid",
            sql.where_clause()
        );
        let mut stmt = self.conn.prepare_cached(&statement)?;
        let mut rows = stmt.query(params_from_iter(sql.values.iter()))?;
        let (mut ids, mut keys) = (Vec::new(), Vec::new());
        while let Some(r) = rows.next()? {
            ids.push(super::parse_uuid(&r.get::<_, String>(0)?)?);
            keys.push(r.get(1)?);
        }
        Ok(Selection {
            ids,
            keys: Some(keys),
        })
    }
}

/// The count of the rows `f` matches, read from the table (no counter answers it). Under the
/// alarm alone it reads idx_phone_numbers_org_alarm, whose WHERE is [`column_filters`]' ALARM.
fn count_statement(f: &NumberFilter, range: (i64, i64, i64)) -> (String, Sql) {
    let sql = matching(f, range);
    let statement = format!(
        "SELECT count(*) FROM phone_numbers p WHERE {}",
        sql.where_clause()
    );
    (statement, sql)
}

/// The condition on `phone_numbers p` that a filter (search included) sets, for an
/// organization's key and row-key range.
fn matching(f: &NumberFilter, (org_key, lo, hi): (i64, i64, i64)) -> Sql {
    let mut sql = Sql::new();
    column_filters(f, org_key, &mut sql);
    match &f.search {
        Some(s) if trigram_capable(s) => {
            sql.push(
                "p.rowid IN (SELECT rowid FROM phone_numbers_search
                 WHERE phone_numbers_search MATCH ? AND rowid BETWEEN ? AND ?)",
                [text(fts_match(s)), Value::Integer(lo), Value::Integer(hi)],
            );
        }
        Some(s) => search_predicate(s, &mut sql),
        None => {}
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Workspace;

    /// SQLite's plan for `statement`, one detail line per step.
    fn plan(ws: &Workspace, (statement, sql): &(String, Sql)) -> Vec<String> {
        ws.conn
            .prepare(&format!("EXPLAIN QUERY PLAN {statement}"))
            .unwrap()
            .query_map(params_from_iter(sql.values.iter()), |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The periodic re-verification's due numbers come from idx_phone_numbers_org_verified in
    /// its order, stopping at the limit: never a read and sort of every number (the app runs
    /// it a minute after start, on a million numbers), with and without statistics.
    #[test]
    fn the_due_numbers_read_the_verified_index_in_order() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let org = crate::seed::seed(&mut ws, "acme", 500, |_, _| {})
            .unwrap()
            .organization;
        let statement = format!(
            "EXPLAIN QUERY PLAN {}",
            super::super::numbers::verification_due_statement()
        );
        for analyzed in [false, true] {
            if analyzed {
                ws.optimize().unwrap();
            }
            let steps: Vec<String> = (ws.conn.prepare(&statement).unwrap())
                .query_map(
                    rusqlite::params![org.id.to_string(), 1_800_000_000_000_000_i64, 10],
                    |r| r.get(3),
                )
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                steps.iter().any(|s| s
                    == "SEARCH p USING INDEX idx_phone_numbers_org_verified (org_key=? AND <expr><?)"),
                "analyzed: {analyzed}: {steps:?}"
            );
            assert!(
                !steps
                    .iter()
                    .any(|s| s.starts_with("SCAN p") || s.contains("TEMP B-TREE")),
                "analyzed: {analyzed}: {steps:?}"
            );
        }
    }

    /// The alarm badge's count (an organization's numbers under the alarm) reads the partial
    /// alarm index, never the whole table, with and without the planner's statistics (it then
    /// reads only the rows under the alarm: the index holds no metadata).
    #[test]
    fn the_alarm_count_reads_the_alarm_index() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let org = ws.add_organization("acme", "Acme").unwrap();
        let f = NumberFilter {
            alarm: true,
            ..NumberFilter::org(org.id)
        };
        let range = org_range(&ws.conn, &org.id).unwrap();
        for analyzed in [false, true] {
            if analyzed {
                ws.optimize().unwrap();
            }
            let steps = plan(&ws, &count_statement(&f, range));
            assert_eq!(
                steps,
                ["SEARCH p USING INDEX idx_phone_numbers_org_alarm (org_key=?)"],
                "analyzed: {analyzed}"
            );
        }
        assert_eq!(ws.count_numbers(&f).unwrap(), 0);
    }
}
