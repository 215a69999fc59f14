//! Rows of the design's tables as core's domain values.
//!
//! Values written by Switchboard were validated on the way in. Values written by someone else
//! (the web platform) are taken as they are where core allows it (credentials, unknown
//! metadata keys), except that a key of `credentials` holding a secret is always dropped (never
//! shown, printed or exported). A number that is not E.164, or a provider or status Switchboard
//! does not know, fails the read of that row with a message naming it; listings and exports
//! skip such a row instead and report it ([`number_or_skip`]).

use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use switchboard_core::domain::{Agent, Organization, PhoneNumber};
use switchboard_core::store::{Skip, StoredJson, StoredNumber};
use switchboard_core::{Error, Result};
use time::OffsetDateTime;
use uuid::Uuid;

/// The columns of [`PhoneNumber`] on alias `p`, in the order [`number`] reads them:
/// [`PHONE_NUMBER_COLUMNS`](switchboard_core::domain::PHONE_NUMBER_COLUMNS) (a test compares
/// them).
pub(crate) const NUMBER_COLUMNS: &str = "p.id, p.organization_id, p.provider, p.phone_number, \
     p.friendly_name, p.credentials, p.metadata, p.agent_id, p.webhook_configured, \
     p.webhook_url, p.status, p.created_at, p.updated_at, p.last_verified_at";

/// A row selected with [`NUMBER_COLUMNS`]; a secret in its credentials is dropped. A value
/// core does not accept fails the read, naming the row.
pub(crate) fn number(row: &PgRow) -> Result<PhoneNumber> {
    match number_or_skip(row)? {
        (Ok(n), _) => Ok(n),
        (Err(skip), _) => Err(Error::Remote(format!(
            "phone number {}: {}",
            skip.number_id, skip.reason
        ))),
    }
}

/// A row selected with [`NUMBER_COLUMNS`], or why it cannot be read ([`Skip`], not `kept`);
/// with, when its credentials held a secret (dropped), the record saying so (`kept`).
pub(crate) fn number_or_skip(
    row: &PgRow,
) -> Result<(std::result::Result<PhoneNumber, Skip>, Option<Skip>)> {
    let id: Uuid = row.try_get(0).map_err(decode)?;
    let organization_id: Uuid = row.try_get(1).map_err(decode)?;
    let phone_number: String = row.try_get(3).map_err(decode)?;
    let provider: String = row.try_get(2).map_err(decode)?;
    let credentials: Value = row.try_get(5).map_err(decode)?;
    let metadata: Option<Value> = row.try_get(6).map_err(decode)?;
    let status: String = row.try_get(10).map_err(decode)?;
    let credentials = credentials.to_string();
    let stored = StoredNumber {
        id,
        organization_id,
        phone_number: &phone_number,
        provider: &provider,
        credentials: &credentials,
        metadata: metadata.as_ref().map(StoredJson::Value),
        status: &status,
    };
    let checked = match stored.check() {
        Ok(checked) => checked,
        Err(skip) => return Ok((Err(skip), None)),
    };
    let n = PhoneNumber {
        id,
        organization_id,
        provider: checked.provider,
        phone_number: checked.phone_number,
        friendly_name: row.try_get(4).map_err(decode)?,
        credentials: checked.credentials,
        metadata: checked.metadata,
        agent_id: row.try_get(7).map_err(decode)?,
        webhook_configured: row
            .try_get::<Option<bool>, _>(8)
            .map_err(decode)?
            .unwrap_or(false),
        webhook_url: row.try_get(9).map_err(decode)?,
        status: checked.status,
        created_at: row.try_get::<OffsetDateTime, _>(11).map_err(decode)?,
        updated_at: row.try_get::<OffsetDateTime, _>(12).map_err(decode)?,
        last_verified_at: row.try_get(13).map_err(decode)?,
    };
    Ok((Ok(n), checked.dropped))
}

/// A row of `id, slug, name`.
pub(crate) fn organization(row: &PgRow) -> Result<Organization> {
    Ok(Organization {
        id: row.try_get(0).map_err(decode)?,
        slug: row.try_get(1).map_err(decode)?,
        name: row.try_get(2).map_err(decode)?,
    })
}

/// A row of `id, organization_id, name`.
pub(crate) fn agent(row: &PgRow) -> Result<Agent> {
    Ok(Agent {
        id: row.try_get(0).map_err(decode)?,
        organization_id: row.try_get(1).map_err(decode)?,
        name: row.try_get(2).map_err(decode)?,
    })
}

/// A value that does not decode: the schema is not what the check saw.
fn decode(error: sqlx::Error) -> Error {
    Error::Remote(format!("unexpected value in the team database: {error}"))
}

#[cfg(test)]
mod tests {
    use switchboard_core::domain::PHONE_NUMBER_COLUMNS;

    #[test]
    fn the_selected_columns_are_the_column_list() {
        let listed: Vec<String> = PHONE_NUMBER_COLUMNS
            .iter()
            .map(|c| format!("p.{c}"))
            .collect();
        assert_eq!(
            super::NUMBER_COLUMNS,
            listed.join(", "),
            "NUMBER_COLUMNS must select PHONE_NUMBER_COLUMNS, in order (and `number` read them)"
        );
    }
}
