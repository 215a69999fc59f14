//! Rows of `phone_numbers` that break a check the database does not enforce on them yet.
//!
//! Migration `20261207000500_phone_numbers_checks` adds checks on provider, status and
//! credentials `NOT VALID`, so that a database already holding rows that break them still
//! migrates (and every new write is checked), and validates each check every row passes. This
//! module validates each of those checks that every row now passes, and names the rows behind
//! the others, so an administrator can fix them (`switchboard-cli db migrate` does both after
//! migrating: running it again after fixing the rows validates their checks). It reads as the
//! connecting role: an administrator who is not a superuser, under the table's row-level
//! security, sees only the rows their memberships show.

use serde::Serialize;
use sqlx::{AssertSqlSafe, Connection};
use switchboard_core::Result;
use switchboard_core::domain::{Provider, Status};
use uuid::Uuid;

use crate::ConnectSettings;

/// id, organization_id, provider, status, the credentials' JSON type, their first secret key.
type RowFacts = (Uuid, Uuid, String, String, Option<String>, Option<String>);

/// The checks migration `20261207000500_phone_numbers_checks` adds.
pub const CHECKS: [&str; 3] = [
    "phone_numbers_credentials_no_secret",
    "phone_numbers_provider_known",
    "phone_numbers_status_known",
];

/// Rows listed per check at most.
pub const MAX_ROWS_PER_CHECK: i64 = 1000;

/// A row breaking a check that is not validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenRow {
    /// The row's id.
    pub id: Uuid,
    /// Its organization.
    pub organization_id: Uuid,
    /// The check's name (`phone_numbers_status_known`, …).
    pub check: String,
    /// What is wrong, e.g. `status "suspended" is not one of active, inactive, error`; never a
    /// credential's value.
    pub reason: String,
}

/// Validates each of [`CHECKS`] that is `NOT VALID` and that every row now passes (as the
/// table's owner or a superuser), then returns the rows behind every check of `phone_numbers`
/// still not validated, by check (at most [`MAX_ROWS_PER_CHECK`] each).
pub async fn broken_rows(settings: &ConnectSettings) -> Result<Vec<BrokenRow>> {
    let server = settings.server().to_owned();
    let map = |e| crate::errors::from_sqlx(&server, e);
    let mut conn = settings.connect_one().await?;
    let unvalidated: Vec<String> = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint
         WHERE conrelid = to_regclass('public.phone_numbers') AND NOT convalidated
           AND conname = ANY ($1)",
    )
    .bind(CHECKS)
    .fetch_all(&mut conn)
    .await
    .map_err(map)?;
    for check in unvalidated {
        // A name from the list above, not anyone's input.
        let validated = sqlx::query(AssertSqlSafe(format!(
            "ALTER TABLE public.phone_numbers VALIDATE CONSTRAINT {check}"
        )))
        .execute(&mut conn)
        .await;
        match validated {
            Ok(_) => {}
            // Some row still breaks it: listed below.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23514") => {}
            Err(e) => return Err(map(e)),
        }
    }
    let checks: Vec<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_expr(conbin, conrelid)
         FROM pg_constraint
         WHERE conrelid = to_regclass('public.phone_numbers') AND contype = 'c'
           AND NOT convalidated
         ORDER BY conname",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(map)?;
    let secret_key = "CASE WHEN to_regprocedure('public.switchboard_credentials_secret_key(text, \
                      jsonb)') IS NOT NULL THEN public.switchboard_credentials_secret_key(\
                      p.provider::text, p.credentials) END";
    let mut broken = Vec::new();
    for (check, expression) in checks {
        // The expression is the catalog's own text of the check, not anyone's input.
        let rows: Vec<RowFacts> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT p.id, p.organization_id, p.provider::text, p.status::text,
                        jsonb_typeof(p.credentials), {secret_key}
                 FROM public.phone_numbers p
                 WHERE ({expression}) IS FALSE
                 ORDER BY p.organization_id, p.phone_number
                 LIMIT {MAX_ROWS_PER_CHECK}"
        )))
        .fetch_all(&mut conn)
        .await
        .map_err(map)?;
        for (id, organization_id, provider, status, shape, secret) in rows {
            broken.push(BrokenRow {
                id,
                organization_id,
                reason: reason(&check, &provider, &status, shape.as_deref(), secret),
                check: check.clone(),
            });
        }
    }
    let _ = conn.close().await;
    Ok(broken)
}

fn reason(
    check: &str,
    provider: &str,
    status: &str,
    shape: Option<&str>,
    secret: Option<String>,
) -> String {
    match check {
        "phone_numbers_provider_known" => {
            let known: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
            format!("provider {provider:?} is not one of {}", known.join(", "))
        }
        "phone_numbers_status_known" => {
            let known: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            format!("status {status:?} is not one of {}", known.join(", "))
        }
        "phone_numbers_credentials_no_secret" => match (shape, secret) {
            (Some("object"), Some(key)) => format!(
                "credentials hold a secret under key {key:?} (secrets belong in the managers' \
                 OS credential vaults)"
            ),
            (Some("object"), None) => "credentials break the check".to_owned(),
            (shape, _) => format!(
                "credentials are not a JSON object (a JSON {})",
                shape.unwrap_or("null")
            ),
        },
        other => format!("breaks the check {other}"),
    }
}

impl BrokenRow {
    /// One line for an administrator.
    pub fn line(&self) -> String {
        format!(
            "row {} of organization {}: {} (check {})",
            self.id, self.organization_id, self.reason, self.check
        )
    }
}
