//! Does this database have what Switchboard needs? Checked on every connect, changing nothing.
//!
//! The tables may have been made by the web platform from the design's SQL rather than by
//! `migrations/`. Switchboard works with them as they are when they have the columns it reads
//! and writes, with compatible types; it never migrates on its own (an administrator runs
//! `switchboard-cli db migrate`). Everything missing or incompatible is named in **one**
//! message, so an administrator fixes it in one go.
//!
//! Blocking ([`SchemaReport::problems`]): a missing table or column (or one the role has no
//! privilege on: `information_schema` shows only those), an incompatible type, a nullable
//! column Switchboard reads as required, and `phone_numbers` without row-level security.
//!
//! The usage tables (`calls`, `messages`, `usage_daily`, `usage_daily_cost`, `usage_cursors`,
//! migration `20261207001000`) are checked the same way once any of them is there: a missing or
//! incompatible column, or one of them without row-level security (ENABLEd and FORCEd), is a
//! problem. A database that has none of them yet works for everything else: a warning says so
//! and [`SchemaReport::usage`] is false (usage commands then name the migration).
//!
//! Not blocking ([`SchemaReport::warnings`]): what `migrations/` adds for safety or speed —
//! the same-organization rule for agents, an `auth.uid()` that trusts client-settable JWT
//! claims, the trigram search indexes and the search function that lets a manager's search use
//! them ([`SchemaReport::indexed_search`]).

use std::collections::HashMap;

use sqlx::{PgConnection, Row};
use switchboard_core::{Error, Result};

use crate::errors::from_sqlx;

/// A column Switchboard reads or writes: (table, column, accepted `udt_name`s, must be NOT
/// NULL).
const NEEDED: &[(&str, &str, &[&str], bool)] = &[
    ("organizations", "id", &["uuid"], true),
    ("organizations", "slug", TEXT, true),
    ("organizations", "name", TEXT, true),
    ("agents", "id", &["uuid"], true),
    ("agents", "organization_id", &["uuid"], true),
    ("agents", "name", TEXT, true),
    ("phone_numbers", "id", &["uuid"], true),
    ("phone_numbers", "organization_id", &["uuid"], true),
    ("phone_numbers", "provider", TEXT, true),
    ("phone_numbers", "phone_number", TEXT, true),
    ("phone_numbers", "friendly_name", TEXT, false),
    ("phone_numbers", "credentials", &["jsonb"], true),
    ("phone_numbers", "metadata", &["jsonb"], false),
    ("phone_numbers", "agent_id", &["uuid"], false),
    ("phone_numbers", "webhook_configured", &["bool"], false),
    ("phone_numbers", "webhook_url", TEXT, false),
    ("phone_numbers", "status", TEXT, true),
    ("phone_numbers", "created_at", &["timestamptz"], true),
    ("phone_numbers", "updated_at", &["timestamptz"], true),
    ("phone_numbers", "last_verified_at", &["timestamptz"], false),
];

const TEXT: &[&str] = &["text", "varchar"];

/// The usage tables of migration `20261207001000`.
pub const USAGE_TABLES: [&str; 5] = [
    "calls",
    "messages",
    "usage_daily",
    "usage_daily_cost",
    "usage_cursors",
];

/// The usage tables' columns Switchboard reads or writes, as [`NEEDED`]: the shared spec's.
const USAGE_NEEDED: &[(&str, &str, &[&str], bool)] = &[
    ("calls", "id", &["uuid"], true),
    ("calls", "organization_id", &["uuid"], true),
    ("calls", "phone_number_id", &["uuid"], false),
    ("calls", "phone_number", TEXT, true),
    ("calls", "provider", TEXT, true),
    ("calls", "account_id", TEXT, true),
    ("calls", "provider_record_id", TEXT, true),
    ("calls", "direction", TEXT, true),
    ("calls", "counterpart", TEXT, true),
    ("calls", "outcome", TEXT, true),
    ("calls", "started_at", &["timestamptz"], true),
    ("calls", "duration_secs", INT, true),
    ("calls", "billed_secs", INT, true),
    ("calls", "price_state", TEXT, true),
    ("calls", "price_nanos", &["int8"], false),
    ("calls", "currency", TEXT, false),
    ("calls", "pulled_at", &["timestamptz"], true),
    ("calls", "written_xid", &["xid8"], true),
    ("messages", "id", &["uuid"], true),
    ("messages", "organization_id", &["uuid"], true),
    ("messages", "phone_number_id", &["uuid"], false),
    ("messages", "phone_number", TEXT, true),
    ("messages", "provider", TEXT, true),
    ("messages", "account_id", TEXT, true),
    ("messages", "provider_record_id", TEXT, true),
    ("messages", "direction", TEXT, true),
    ("messages", "counterpart", TEXT, true),
    ("messages", "status", TEXT, true),
    ("messages", "sent_at", &["timestamptz"], true),
    ("messages", "segments", INT, true),
    ("messages", "price_state", TEXT, true),
    ("messages", "price_nanos", &["int8"], false),
    ("messages", "currency", TEXT, false),
    ("messages", "pulled_at", &["timestamptz"], true),
    ("messages", "written_xid", &["xid8"], true),
    ("usage_daily", "organization_id", &["uuid"], true),
    ("usage_daily", "phone_number", TEXT, true),
    ("usage_daily", "day", &["date"], true),
    ("usage_daily", "phone_number_id", &["uuid"], false),
    ("usage_daily", "calls", INT, true),
    ("usage_daily", "final_calls", INT, true),
    ("usage_daily", "answered", INT, true),
    ("usage_daily", "short_answered", INT, true),
    ("usage_daily", "failed", INT, true),
    ("usage_daily", "billed_secs", &["int8"], true),
    ("usage_daily", "messages", INT, true),
    ("usage_daily", "segments", INT, true),
    ("usage_daily", "pending", INT, true),
    ("usage_daily", "not_reported", INT, true),
    ("usage_daily_cost", "organization_id", &["uuid"], true),
    ("usage_daily_cost", "phone_number", TEXT, true),
    ("usage_daily_cost", "day", &["date"], true),
    ("usage_daily_cost", "currency", TEXT, true),
    ("usage_daily_cost", "nanos", &["int8"], true),
    ("usage_cursors", "organization_id", &["uuid"], true),
    ("usage_cursors", "provider", TEXT, true),
    ("usage_cursors", "account_id", TEXT, true),
    ("usage_cursors", "kind", TEXT, true),
    ("usage_cursors", "since", &["timestamptz"], true),
    ("usage_cursors", "pulled_at", &["timestamptz"], true),
];

const INT: &[&str] = &["int4", "int8"];

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaReport {
    /// What stops Switchboard from working safely; empty when it can.
    pub problems: Vec<String>,
    /// What works but is less safe or slower than `migrations/` makes it.
    pub warnings: Vec<String>,
    /// The search function `phone_number_ids_matching` of migration `20261207000100` is
    /// there and this role may call it, so search under row-level security can use the
    /// trigram indexes.
    pub indexed_search: bool,
    /// The usage tables are there, with the columns Switchboard needs and row-level security.
    pub usage: bool,
}

impl SchemaReport {
    /// The warnings when there is no problem; otherwise one [`Error::Remote`] naming every
    /// problem.
    pub fn into_result(self) -> Result<Vec<String>> {
        if self.problems.is_empty() {
            return Ok(self.warnings);
        }
        let list: Vec<String> = self.problems.iter().map(|p| format!("  - {p}")).collect();
        Err(Error::Remote(format!(
            "the database's schema is not what Switchboard needs ({} problem(s); nothing was \
             changed — an administrator can run `switchboard-cli db migrate`):\n{}",
            self.problems.len(),
            list.join("\n")
        )))
    }
}

/// Checks the schema as the connected role sees it.
pub async fn check(conn: &mut PgConnection, server: &str) -> Result<SchemaReport> {
    let map = |e| from_sqlx(server, e);
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text, udt_name::text, is_nullable = 'YES'
         FROM information_schema.columns
         WHERE table_schema = 'public'
           AND table_name IN ('organizations', 'agents', 'phone_numbers', 'calls', 'messages',
                              'usage_daily', 'usage_daily_cost', 'usage_cursors')",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    let mut columns: HashMap<(String, String), (String, bool)> = HashMap::new();
    for row in rows {
        let key = (row.try_get(0).map_err(map)?, row.try_get(1).map_err(map)?);
        columns.insert(
            key,
            (row.try_get(2).map_err(map)?, row.try_get(3).map_err(map)?),
        );
    }

    let mut report = SchemaReport::default();
    let has_table = |table: &str| columns.keys().any(|(t, _)| t == table);
    if !["organizations", "agents", "phone_numbers"]
        .iter()
        .any(|t| has_table(t))
    {
        report.problems.push(
            "no table organizations, agents or phone_numbers is visible: the database has no \
             Switchboard schema, or this role was granted nothing"
                .into(),
        );
        return Ok(report);
    }
    for table in ["organizations", "agents", "phone_numbers"] {
        if !has_table(table) {
            report.problems.push(format!(
                "table {table} is missing (or not granted to this role)"
            ));
        }
    }
    let any_usage = USAGE_TABLES.iter().any(|t| has_table(t));
    if any_usage {
        for table in USAGE_TABLES {
            if !has_table(table) {
                report.problems.push(format!(
                    "table {table} is missing (or not granted to this role)"
                ));
            }
        }
    } else {
        report.warnings.push(
            "the usage tables (calls, messages, usage_daily, usage_daily_cost, usage_cursors) \
             are missing: usage and health need migration 20261207001000 (an administrator \
             runs `switchboard-cli db migrate`)"
                .into(),
        );
    }
    let needed = NEEDED
        .iter()
        .chain(USAGE_NEEDED.iter().filter(|_| any_usage));
    for (table, column, types, required) in needed {
        if !has_table(table) {
            continue;
        }
        match columns.get(&(table.to_string(), column.to_string())) {
            None => report.problems.push(format!(
                "column {table}.{column} is missing (or not granted to this role)"
            )),
            Some((found, _)) if !types.contains(&found.as_str()) => report.problems.push(format!(
                "column {table}.{column} is {found}; Switchboard needs {}",
                types.join(" or ")
            )),
            Some((_, nullable)) if *required && *nullable => report.problems.push(format!(
                "column {table}.{column} allows NULL; Switchboard needs NOT NULL"
            )),
            Some(_) => {}
        }
    }

    let safety = sqlx::query(
        "SELECT c.relrowsecurity,
                EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS k
                        WHERE k.conrelid = c.oid
                          AND k.conname = 'phone_numbers_agent_same_organization_fkey'),
                (SELECT p.prosrc FROM pg_catalog.pg_proc AS p
                 JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0),
                EXISTS (SELECT 1 FROM pg_catalog.pg_indexes AS i
                        WHERE i.schemaname = 'public' AND i.tablename = 'phone_numbers'
                          AND i.indexdef LIKE '%gin_trgm_ops%'),
                coalesce(has_function_privilege(
                  to_regprocedure('phone_number_ids_matching(uuid, text, text)'),
                  'EXECUTE'), false),
                to_regprocedure('switchboard.uid()') IS NOT NULL
         FROM pg_catalog.pg_class AS c
         WHERE c.oid = to_regclass('public.phone_numbers')",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(map)?;
    if any_usage {
        let unprotected: Vec<String> = sqlx::query_scalar(
            "SELECT t.name FROM unnest($1::text[]) AS t (name)
             LEFT JOIN pg_catalog.pg_class AS c
               ON c.oid = to_regclass('public.' || quote_ident(t.name))
             WHERE NOT coalesce(c.relrowsecurity AND c.relforcerowsecurity, false)
             ORDER BY t.name",
        )
        .bind(USAGE_TABLES.as_slice())
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        for table in &unprotected {
            report.problems.push(format!(
                "row-level security is not enabled and forced on {table}: managers could read \
                 other organizations' usage records"
            ));
        }
        report.usage = report.problems.is_empty();
    }
    if let Some(row) = safety {
        let rls: bool = row.try_get(0).map_err(map)?;
        let agent_rule: bool = row.try_get(1).map_err(map)?;
        let uid_source: Option<String> = row.try_get(2).map_err(map)?;
        let trigram: bool = row.try_get(3).map_err(map)?;
        report.indexed_search = row.try_get(4).map_err(map)?;
        // Installed beside the web platform (crate::platform): managers are bound by
        // Switchboard's restrictive policies, which also check an agent's organization.
        let beside_platform: bool = row.try_get(5).map_err(map)?;
        if !rls {
            report.problems.push(
                "row-level security is off on phone_numbers: every manager could read and \
                 change every organization's numbers"
                    .into(),
            );
        }
        if !agent_rule && !beside_platform {
            report.warnings.push(
                "phone_numbers has no same-organization rule for agents \
                 (phone_numbers_agent_same_organization_fkey): an agent of another \
                 organization can be assigned"
                    .into(),
            );
        }
        if !beside_platform && uid_source.is_some_and(|source| source.contains("request.jwt")) {
            report.warnings.push(
                "auth.uid() reads the request.jwt claims, which any directly connected client \
                 can set: managers who connect directly are not kept apart until an \
                 administrator runs `switchboard-cli db migrate`"
                    .into(),
            );
        }
        if !trigram {
            report.warnings.push(
                "phone_numbers has no trigram (pg_trgm) index: substring search scans".into(),
            );
        } else if !report.indexed_search {
            report.warnings.push(
                "phone_numbers has no search function this role may call (migration \
                 20261207000100, which needs a superuser or BYPASSRLS role): under row-level \
                 security substring search cannot use the trigram indexes and scans the \
                 organization"
                    .into(),
            );
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use switchboard_core::domain::PHONE_NUMBER_COLUMNS;

    #[test]
    fn every_column_of_a_number_is_checked() {
        let checked: Vec<&str> = super::NEEDED
            .iter()
            .filter(|(table, ..)| *table == "phone_numbers")
            .map(|(_, column, ..)| *column)
            .collect();
        assert_eq!(
            checked, PHONE_NUMBER_COLUMNS,
            "NEEDED must list every column of PHONE_NUMBER_COLUMNS, in order, with its types"
        );
    }
}
