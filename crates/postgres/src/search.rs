//! Listing, counting and search over one organization's numbers in the team database.
//!
//! One statement per page, built from [`NumberQuery`] with bound values only (the SQL text
//! varies with which filters are present, never with their values):
//!
//! - search: digits are found in `phone_number` (`LIKE '%415%'`, the number's digits behind
//!   its `+`); other text in the friendly name, case-insensitively, with `%`, `_` and `\`
//!   escaped, as `phone_number LIKE …` and `lower(friendly_name) LIKE lower(…)`. Under
//!   row-level security these are evaluated after the policy (they are not LEAKPROOF), so
//!   they never see another organization's row, and cannot be index conditions: alone they
//!   walk the organization's rows. Where the database has the search function of migration
//!   `20261207000100` (checked on connect) and the text has 3 or more characters, the
//!   matches come from it instead: `p.id IN (SELECT phone_number_ids_matching($org, field,
//!   pattern))`, whose statement reads only that organization's trigram index entries and
//!   rows, and the rows themselves are read by id under the policy. Nothing a manager's
//!   search does depends on another organization's rows (docs/POSTGRES.md, "Search under
//!   row-level security").
//! - capabilities: `metadata @> {"capabilities": {"voice": true, …}}`, which is true exactly
//!   when the local store's reading of the metadata says the number has them all.
//! - country: only where the calling code is the country's own (see [`country_prefix`]);
//!   number type: never. Both refuse with [`Error::InvalidInput`] rather than answer wrongly.
//! - order and pages: keyset. The cursor holds the last row's sort key and id; the next page
//!   starts strictly after it (`(key, id) > ($k, $id)`), so pages neither skip nor repeat rows
//!   while others write. Numbers are unique within an organization, so sorting by number
//!   needs no tie-breaker.
//!
//! A listing or count of an organization this role cannot see is [`Error::NotFound`], as in
//! the local store, checked only when nothing was found (no extra round trip otherwise).

use phonenumber::metadata::DATABASE;
use serde_json::{Map, Value, json};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Postgres, Row};
use switchboard_core::domain::{Status, parse_region};
use switchboard_core::query::{
    AgentFilter, Cursor, NumberFilter, NumberQuery, Page, SearchText, SortField,
};
use switchboard_core::readiness::State;
use switchboard_core::{Error, Result};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::rows::{self, NUMBER_COLUMNS};

/// A value to bind.
#[derive(Clone)]
enum Bind {
    Uuid(Uuid),
    Text(String),
    Json(Value),
    Time(OffsetDateTime),
}

/// A WHERE clause under construction, with its values in `$n` order.
struct Sql {
    clauses: Vec<String>,
    /// The search text's condition tested row by row, kept apart (see
    /// [`RemoteWorkspace::list_numbers`]).
    search: Option<String>,
    /// The search function's call that yields the search text's matches (`id`,
    /// `phone_number`).
    matching_ids: Option<String>,
    binds: Vec<Bind>,
}

impl Sql {
    fn new() -> Self {
        Sql {
            clauses: Vec::new(),
            search: None,
            matching_ids: None,
            binds: Vec::new(),
        }
    }

    /// The placeholder for `value`.
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// Every condition, the search text's through the search function's trigram indexes
    /// where there is one.
    fn where_clause(&self) -> String {
        let indexed = self
            .matching_ids
            .as_ref()
            .map(|call| format!("p.id IN (SELECT m.id FROM {call} AS m)"));
        self.clauses
            .iter()
            .cloned()
            .chain(indexed.or_else(|| self.search.clone()))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Every condition but the search text's.
    fn where_without_search(&self) -> String {
        self.clauses.join(" AND ")
    }

    fn query(&self, sql: String) -> Query<'static, Postgres, PgArguments> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in self.binds.iter().cloned() {
            query = match value {
                Bind::Uuid(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
                Bind::Json(v) => query.bind(v),
                Bind::Time(v) => query.bind(v),
            };
        }
        query
    }
}

/// `text` with LIKE's wildcards and escape character escaped.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The prefix of a country's numbers, when their calling code is the country's alone
/// (DE → `+49`). Where several regions share it (+1: US, CA and the
/// Caribbean; +44: GB, GG, IM, JE; +7: RU, KZ), only libphonenumber's number plans tell them
/// apart, which SQL over the stored digits cannot do: that is [`Error::InvalidInput`].
pub fn country_prefix(region: &str) -> Result<String> {
    let id = parse_region(region)?;
    let code = DATABASE
        .by_id(id.as_ref())
        .map(|m| m.country_code())
        .ok_or_else(|| Error::InvalidInput {
            field: "country".into(),
            reason: format!("{region:?} has no telephone numbering plan"),
        })?;
    let sharing: Vec<String> = DATABASE
        .by_code(&code)
        .unwrap_or_default()
        .iter()
        .map(|m| m.id().to_owned())
        .filter(|other| other != id.as_ref())
        .collect();
    if sharing.is_empty() {
        Ok(format!("+{code}"))
    } else {
        Err(Error::InvalidInput {
            field: "country".into(),
            reason: format!(
                "the team database cannot filter by {}: it shares calling code +{code} with {}, \
                 and only the number is stored; filter by search text (e.g. \"+{code}\") instead",
                id.as_ref(),
                sharing.join(", ")
            ),
        })
    }
}

/// A first page sorted by number with search text first tests this many rows per row wanted
/// (4,040 for a page of 100), in number order, before it asks the trigram index for every match.
const WALK_ROWS_PER_ROW: u64 = 40;

/// How search text is matched (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    /// `LIKE` only: correct everywhere, but under row-level security it cannot use an index.
    Like,
    /// `LIKE`, and the search function `phone_number_ids_matching` of migration
    /// `20261207000100` for text with trigrams.
    Indexed,
}

/// Whether `text` is long enough for a trigram index to narrow the search. Shorter text
/// matches too many rows for an index to help.
fn trigrams(text: &str) -> bool {
    text.chars().count() >= 3
}

/// The WHERE clause of `f`.
fn filters(f: &NumberFilter, matching: Matching, sql: &mut Sql) -> Result<()> {
    let org = sql.bind(Bind::Uuid(f.organization_id));
    sql.push(format!("p.organization_id = {org}"));
    if let Some(provider) = f.provider {
        let p = sql.bind(Bind::Text(provider.as_str().into()));
        sql.push(format!("p.provider = {p}"));
    }
    if let Some(status) = f.status {
        let p = sql.bind(Bind::Text(status.as_str().into()));
        sql.push(format!("p.status = {p}"));
    }
    match f.agent {
        Some(AgentFilter::Assigned(agent)) => {
            let p = sql.bind(Bind::Uuid(agent));
            sql.push(format!("p.agent_id = {p}"));
        }
        Some(AgentFilter::Unassigned) => sql.push("p.agent_id IS NULL".into()),
        None => {}
    }
    if !f.capabilities.is_empty() {
        let wanted: Map<String, Value> = f
            .capabilities
            .iter()
            .map(|c| (c.as_str().to_owned(), Value::Bool(true)))
            .collect();
        let p = sql.bind(Bind::Json(json!({ "capabilities": wanted })));
        sql.push(format!("p.metadata @> {p}"));
    }
    if let Some(country) = &f.country {
        // starts_with is leakproof, so under row-level security it can still become an index
        // range on (organization_id, phone_number) (in the "C" collation); LIKE cannot.
        let p = sql.bind(Bind::Text(country_prefix(country)?));
        sql.push(format!("starts_with(p.phone_number, {p})"));
    }
    if let Some(state) = f.readiness {
        let p = sql.bind(Bind::Text(state.as_str().into()));
        sql.push(format!("(p.metadata -> 'readiness' ->> 'state') = {p}"));
    }
    // Under the port-out alarm: `readiness.alarm` is JSON `true`.
    const ALARM: &str = "(p.metadata -> 'readiness' -> 'alarm') = 'true'::jsonb";
    if f.alarm {
        sql.push(ALARM.to_owned());
    }
    if f.needs_attention {
        // switchboard_core::query::needs_attention, in SQL.
        let error = sql.bind(Bind::Text(Status::Error.as_str().into()));
        let blocked = sql.bind(Bind::Text(State::Blocked.as_str().into()));
        sql.push(format!(
            "(p.status = {error} OR (p.metadata -> 'readiness' ->> 'state') = {blocked} \
              OR {ALARM})"
        ));
    }
    if let Some(kind) = f.number_type {
        return Err(Error::InvalidInput {
            field: "number type".into(),
            reason: format!(
                "the team database cannot filter by number type ({kind}): it is derived from \
                 libphonenumber's plans, not stored"
            ),
        });
    }
    let (text, field, condition) = match &f.search {
        Some(SearchText::Digits(digits)) => (digits, "phone_number", "p.phone_number LIKE {p}"),
        Some(SearchText::Name(name)) => (
            name,
            "friendly_name",
            "lower(p.friendly_name) LIKE lower({p})",
        ),
        None => return Ok(()),
    };
    let p = sql.bind(Bind::Text(format!("%{}%", escape_like(text))));
    sql.search = Some(condition.replace("{p}", &p));
    if matching == Matching::Indexed && trigrams(text) {
        // Unqualified: in `public` on Switchboard's own database, in `switchboard` beside the
        // web platform (the connection's search_path holds both).
        let call = format!("phone_number_ids_matching({org}, '{field}', {p})");
        sql.matching_ids = Some(call);
    }
    Ok(())
}

/// The sort key's SQL: numbers by E.164, names case-insensitively with unnamed numbers first.
fn sort_key(field: SortField) -> &'static str {
    match field {
        SortField::Number => "p.phone_number",
        SortField::FriendlyName => "lower(coalesce(p.friendly_name, ''))",
        SortField::Created => "p.created_at",
        SortField::Updated => "p.updated_at",
    }
}

fn bad_cursor() -> Error {
    Error::InvalidInput {
        field: "cursor".into(),
        reason: "not a cursor from this listing".into(),
    }
}

/// The cursor after `row`: `[key, id]`, the key as text or as microseconds since the epoch.
/// The cursor after `row` (selected with [`NUMBER_COLUMNS`] and `sort_key`), from the row's
/// own values: it holds even when core cannot read the row.
fn cursor_after(row: &PgRow, field: SortField) -> Result<Cursor> {
    let get = |e: sqlx::Error| Error::Remote(format!("unexpected value in the team database: {e}"));
    let id: Uuid = row.try_get(0).map_err(get)?;
    let key = match field {
        SortField::Number => Value::String(row.try_get::<String, _>(3).map_err(get)?),
        SortField::FriendlyName => {
            Value::String(row.try_get::<String, _>("sort_key").map_err(get)?)
        }
        SortField::Created => micros(row.try_get::<OffsetDateTime, _>(11).map_err(get)?).into(),
        SortField::Updated => micros(row.try_get::<OffsetDateTime, _>(12).map_err(get)?).into(),
    };
    serde_json::to_string(&(key, id))
        .map(Cursor)
        .map_err(|_| bad_cursor())
}

fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

/// The condition that starts a page after `cursor`.
fn after(cursor: &Cursor, field: SortField, descending: bool, sql: &mut Sql) -> Result<()> {
    let (key, id): (Value, Uuid) = serde_json::from_str(&cursor.0).map_err(|_| bad_cursor())?;
    let key = match (field, key) {
        (SortField::Number | SortField::FriendlyName, Value::String(s)) => Bind::Text(s),
        (SortField::Created | SortField::Updated, Value::Number(n)) => {
            let micros = n.as_i64().ok_or_else(bad_cursor)?;
            Bind::Time(
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
                    .map_err(|_| bad_cursor())?,
            )
        }
        _ => return Err(bad_cursor()),
    };
    let cmp = if descending { "<" } else { ">" };
    let column = sort_key(field);
    let k = sql.bind(key);
    if field == SortField::Number {
        sql.push(format!("{column} {cmp} {k}"));
    } else {
        let i = sql.bind(Bind::Uuid(id));
        sql.push(format!("({column}, p.id) {cmp} ({k}, {i})"));
    }
    Ok(())
}

impl RemoteWorkspace {
    pub(crate) fn matching(&self) -> Matching {
        if self.indexed_search {
            Matching::Indexed
        } else {
            Matching::Like
        }
    }

    /// One page of numbers.
    pub async fn list_numbers(&self, q: &NumberQuery) -> Result<Page> {
        let mut sql = Sql::new();
        filters(&q.filter, self.matching(), &mut sql)?;
        if let Some(cursor) = &q.after {
            after(cursor, q.sort.field, q.sort.descending, &mut sql)?;
        }
        let dir = if q.sort.descending { "DESC" } else { "ASC" };
        let key = sort_key(q.sort.field);
        let order = if q.sort.field == SortField::Number {
            format!("{key} {dir}")
        } else {
            format!("{key} {dir}, p.id {dir}")
        };
        let take = u64::from(q.limit) + 1;
        let found = match (&sql.search, &sql.matching_ids, q.sort.field) {
            (Some(search), Some(_), SortField::Number) => {
                // The first rows in number order, tested one by one: found quickly when the
                // text is common among them.
                let walk = format!(
                    "SELECT * FROM (
                       SELECT {NUMBER_COLUMNS}, {key} AS sort_key FROM phone_numbers AS p
                       WHERE {} ORDER BY {order} LIMIT {}) AS p
                     WHERE {search} ORDER BY {order} LIMIT {take}",
                    sql.where_without_search(),
                    take * WALK_ROWS_PER_ROW
                );
                let found = sql
                    .query(walk)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| self.map_error(e))?;
                if found.len() as u64 == take {
                    found
                } else {
                    // Rare there: every match, through the trigram index, then sorted. With no
                    // other condition, the function's numbers already give the page's ids.
                    let condition = match &sql.matching_ids {
                        Some(call) if !q.filter.has_column_filters() && q.after.is_none() => {
                            format!(
                                "{} AND p.id IN (SELECT m.id FROM {call} AS m
                                                 ORDER BY m.phone_number {dir} LIMIT {take})",
                                sql.where_without_search()
                            )
                        }
                        _ => sql.where_clause(),
                    };
                    let matches = format!(
                        "WITH m AS MATERIALIZED (
                           SELECT {NUMBER_COLUMNS}, {key} AS sort_key FROM phone_numbers AS p
                           WHERE {condition})
                         SELECT * FROM m AS p ORDER BY {order} LIMIT {take}"
                    );
                    sql.query(matches)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(|e| self.map_error(e))?
                }
            }
            _ => {
                let statement = format!(
                    "SELECT {NUMBER_COLUMNS}, {key} AS sort_key FROM phone_numbers AS p
                     WHERE {} ORDER BY {order} LIMIT {take}",
                    sql.where_clause()
                );
                sql.query(statement)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| self.map_error(e))?
            }
        };
        if found.is_empty() && q.after.is_none() {
            self.require_organization(q.filter.organization_id).await?;
        }
        let more = found.len() > q.limit as usize;
        let mut items = Vec::with_capacity(found.len().min(q.limit as usize));
        let mut next = None;
        for (i, row) in found.iter().take(q.limit as usize).enumerate() {
            if more && i + 1 == q.limit as usize {
                next = Some(cursor_after(row, q.sort.field)?);
            }
            // A row core cannot read is left out of the page and reported, not a failure.
            let (number, dropped) = rows::number_or_skip(row)?;
            match number {
                Ok(number) => items.push(number),
                Err(skip) => self.report_skipped(skip),
            }
            if let Some(skip) = dropped {
                self.report_skipped(skip);
            }
        }
        Ok(Page { items, next })
    }

    /// The exact number of rows the filter matches.
    pub async fn count_numbers(&self, f: &NumberFilter) -> Result<u64> {
        let mut sql = Sql::new();
        filters(f, self.matching(), &mut sql)?;
        let statement = match &sql.matching_ids {
            // The function's ids are the answer (it checks membership as the policy does);
            // reading each row again by id would only cost time.
            Some(call) if !f.has_column_filters() => format!("SELECT count(*) FROM {call}"),
            _ => format!(
                "SELECT count(*) FROM phone_numbers AS p WHERE {}",
                sql.where_clause()
            ),
        };
        let row = sql
            .query(statement)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.map_error(e))?;
        let n: i64 = row.try_get(0).map_err(|e| self.map_error(e))?;
        if n == 0 {
            self.require_organization(f.organization_id).await?;
        }
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_off\now"), r"50\%\_off\\now");
        assert_eq!(escape_like("support"), "support");
    }

    #[test]
    fn countries_with_a_code_of_their_own_filter_by_prefix() {
        assert_eq!(country_prefix("de").unwrap(), "+49");
        assert_eq!(country_prefix("JP").unwrap(), "+81");
        let us = country_prefix("US").unwrap_err();
        assert!(matches!(us, Error::InvalidInput { .. }), "{us}");
        assert!(
            us.to_string().contains("+1") && us.to_string().contains("CA"),
            "{us}"
        );
        assert!(country_prefix("GB").unwrap_err().to_string().contains("JE"));
        assert!(country_prefix("USA").is_err());
    }
}
