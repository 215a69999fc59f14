//! Importing a file of numbers into the team database: all or nothing, as the manager.
//!
//! The file is read and checked by core ([`transfer::read_csv`]), exactly as the local import
//! reads it, against the organization's numbers and agents as this role sees them; a file with
//! any bad line is refused before anything is sent. The valid rows then go in with multi-row
//! `INSERT … SELECT FROM unnest(…)` statements of [`BATCH`] rows, all in **one transaction**,
//! as the manager's role, so row-level security, the unique constraints and the
//! same-organization agent rule check every row. (`COPY` is refused where RLS applies.) When
//! the server refuses a row, the transaction is rolled back and the refusal is reported as
//! [`Error::BadRows`] naming the file's line. The server does not say which row of a
//! multi-row statement it refused (and under RLS it withholds a unique violation's key), so
//! the lines are found by replaying the failed batch row by row under savepoints in a
//! transaction that is rolled back too:
//!
//! | server says | reported |
//! |---|---|
//! | unique `(organization_id, phone_number)` (a number added since the file was checked) | `line N: +1415… already exists in acme` |
//! | unique `id` (an id used by a number this role may not see) | `line N: id … is already used by another number` |
//! | row-level security | `line N: not allowed in organization <id> (you are not a member of it)` |
//! | agent of another organization / unknown agent | `line N: agent … does not belong to organization acme` / `agent … does not exist` |
//!
//! Anything else (a lost connection, say) is the usual mapped error; either way nothing is
//! written.

use std::io::Read;

use switchboard_core::error::RowError;
use switchboard_core::transfer::{self, ImportOptions, ImportReport, ImportRow, ImportTarget};
use switchboard_core::{Error, Result};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::errors::{constraint, is_rls_refusal, sqlstate};

/// Rows per `INSERT` statement.
pub const BATCH: usize = 1000;

const INSERT: &str = "INSERT INTO phone_numbers (id, organization_id, provider, phone_number,
       friendly_name, credentials, metadata, agent_id, webhook_configured, webhook_url, status,
       created_at, updated_at, last_verified_at)
     SELECT id, organization_id, provider, phone_number, friendly_name, credentials::jsonb,
       metadata::jsonb, agent_id, webhook_configured, webhook_url, status, created_at,
       updated_at, last_verified_at
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::uuid[], $9::bool[], $10::text[], $11::text[], $12::timestamptz[],
       $13::timestamptz[], $14::timestamptz[])
       AS t(id, organization_id, provider, phone_number, friendly_name, credentials, metadata,
         agent_id, webhook_configured, webhook_url, status, created_at, updated_at,
         last_verified_at)";

impl RemoteWorkspace {
    /// What an import into `organization_id` is checked against: its numbers and agents.
    pub async fn import_target(&self, organization_id: Uuid) -> Result<ImportTarget> {
        self.require_organization(organization_id).await?;
        let existing: Vec<String> =
            sqlx::query_scalar("SELECT phone_number FROM phone_numbers WHERE organization_id = $1")
                .bind(organization_id)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| self.map_error(e))?;
        Ok(ImportTarget {
            organization_id,
            existing: existing.into_iter().collect(),
            agents: self.agents(organization_id).await?,
        })
    }

    /// Reads a CSV file as the local import does and inserts every row into `organization_id`
    /// in one transaction, or nothing.
    pub async fn import_csv(
        &self,
        organization_id: Uuid,
        input: impl Read,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let target = self.import_target(organization_id).await?;
        let rows = transfer::read_csv(&target, input, opts)?;
        self.import_rows(&rows).await
    }

    /// Inserts checked rows (each into its own `organization_id`) in one transaction; a row the
    /// server refuses is reported by its line and nothing is written.
    pub async fn import_rows(&self, rows: &[ImportRow]) -> Result<ImportReport> {
        let mut tx = self.pool.begin().await.map_err(|e| self.map_error(e))?;
        let mut inserted = 0;
        for (i, batch) in rows.chunks(BATCH).enumerate() {
            match insert(batch).execute(&mut *tx).await {
                Ok(done) => inserted += done.rows_affected(),
                Err(e) => {
                    drop(tx.rollback().await);
                    if !is_refusal(&e) {
                        return Err(self.map_error(e));
                    }
                    return Err(self.refused(&rows[..i * BATCH], batch, e).await);
                }
            }
        }
        tx.commit().await.map_err(|e| self.map_error(e))?;
        Ok(ImportReport { inserted })
    }

    /// Which rows of `batch` the server refuses, and why. The server does not say which row
    /// of a statement failed (and under row-level security a unique violation's detail is
    /// withheld), so this replays the import in a transaction that is rolled back: the rows
    /// before the batch as they went in, then the batch's rows one by one, each under a
    /// savepoint.
    async fn refused(
        &self,
        before: &[ImportRow],
        batch: &[ImportRow],
        first: sqlx::Error,
    ) -> Error {
        match self.find_refused(before, batch).await {
            Ok(found) if !found.is_empty() => Error::BadRows(found),
            _ => {
                let first_line = batch.first().map_or(0, |r| r.line);
                let last_line = batch.last().map_or(0, |r| r.line);
                Error::BadRows(vec![RowError {
                    line: first_line,
                    message: format!(
                        "the database refused a row on lines {first_line}–{last_line}: {}",
                        self.map_error(first)
                    ),
                }])
            }
        }
    }

    async fn find_refused(
        &self,
        before: &[ImportRow],
        batch: &[ImportRow],
    ) -> std::result::Result<Vec<RowError>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for rows in before.chunks(BATCH) {
            insert(rows).execute(&mut *tx).await?;
        }
        let mut found = Vec::new();
        for row in batch {
            sqlx::query("SAVEPOINT import_row")
                .execute(&mut *tx)
                .await?;
            match insert(std::slice::from_ref(row)).execute(&mut *tx).await {
                Ok(_) => {
                    sqlx::query("RELEASE SAVEPOINT import_row")
                        .execute(&mut *tx)
                        .await?;
                }
                Err(e) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT import_row")
                        .execute(&mut *tx)
                        .await?;
                    found.push(RowError {
                        line: row.line,
                        message: self.row_refusal(row, e).await,
                    });
                }
            }
        }
        tx.rollback().await?;
        Ok(found)
    }

    /// Why the server refused `row`.
    async fn row_refusal(&self, row: &ImportRow, e: sqlx::Error) -> String {
        let n = &row.number;
        let agent = n.agent_id.map(|a| a.to_string()).unwrap_or_default();
        if is_rls_refusal(&e) {
            return format!(
                "not allowed in organization {} (you are not a member of it)",
                n.organization_id
            );
        }
        match constraint(&e) {
            Some("phone_numbers_organization_id_phone_number_key") => format!(
                "{} already exists in {}",
                n.phone_number,
                self.slug_of(n.organization_id).await
            ),
            Some("phone_numbers_pkey") => {
                format!("id {} is already used by another number", n.id)
            }
            Some("phone_numbers_agent_same_organization_fkey") => format!(
                "agent {agent} does not belong to organization {}",
                self.slug_of(n.organization_id).await
            ),
            Some("phone_numbers_agent_id_fkey") => format!("agent {agent} does not exist"),
            _ => self.map_error(e).to_string(),
        }
    }
}

/// A refusal of the rows themselves (a constraint, a policy), not of the connection.
fn is_refusal(e: &sqlx::Error) -> bool {
    let state = sqlstate(e);
    state.starts_with("23") || state.starts_with("22") || state == "42501"
}

/// One batch's `INSERT`, its columns bound as arrays.
fn insert(
    batch: &[ImportRow],
) -> sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let n = batch.len();
    let mut id = Vec::with_capacity(n);
    let mut organization_id = Vec::with_capacity(n);
    let mut provider = Vec::with_capacity(n);
    let mut phone_number = Vec::with_capacity(n);
    let mut friendly_name: Vec<Option<String>> = Vec::with_capacity(n);
    let mut credentials = Vec::with_capacity(n);
    let mut metadata: Vec<Option<String>> = Vec::with_capacity(n);
    let mut agent_id: Vec<Option<Uuid>> = Vec::with_capacity(n);
    let mut webhook_configured = Vec::with_capacity(n);
    let mut webhook_url: Vec<Option<String>> = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut created_at: Vec<OffsetDateTime> = Vec::with_capacity(n);
    let mut updated_at: Vec<OffsetDateTime> = Vec::with_capacity(n);
    let mut last_verified_at: Vec<Option<OffsetDateTime>> = Vec::with_capacity(n);
    for ImportRow { number: p, .. } in batch {
        id.push(p.id);
        organization_id.push(p.organization_id);
        provider.push(p.provider.as_str().to_owned());
        phone_number.push(p.phone_number.to_string());
        friendly_name.push(p.friendly_name.clone());
        credentials.push(p.credentials.to_json());
        metadata.push(p.metadata.as_ref().map(|m| m.to_json()));
        agent_id.push(p.agent_id);
        webhook_configured.push(p.webhook_configured);
        webhook_url.push(p.webhook_url.clone());
        status.push(p.status.as_str().to_owned());
        created_at.push(p.created_at);
        updated_at.push(p.updated_at);
        last_verified_at.push(p.last_verified_at);
    }
    sqlx::query(INSERT)
        .bind(id)
        .bind(organization_id)
        .bind(provider)
        .bind(phone_number)
        .bind(friendly_name)
        .bind(credentials)
        .bind(metadata)
        .bind(agent_id)
        .bind(webhook_configured)
        .bind(webhook_url)
        .bind(status)
        .bind(created_at)
        .bind(updated_at)
        .bind(last_verified_at)
}
