//! Upkeep of the change log that incremental sync reads (`phone_numbers_changes`, migrations
//! 20251009130000 and 20251009140000).
//!
//! Entries are only needed until every client has read past them. Pruning deletes the ones
//! older than a retention period and moves the horizon (`phone_numbers_changes_horizon`);
//! a client whose cursor is at or below the horizon may have missed entries and copies
//! everything again (switchboard-sync checks this on every sync), so pruning never leaves a
//! cache silently stale. An administrator's action: managers have no EXECUTE on the function.

use std::time::Duration;

use sqlx::Connection;
use switchboard_core::{Error, Result};

use crate::ConnectSettings;
use crate::errors::from_sqlx;

/// Deletes change-log entries older than `keep`; returns how many went.
pub async fn prune(settings: &ConnectSettings, keep: Duration) -> Result<u64> {
    let server = settings.server().to_owned();
    let mut conn = settings.connect_one().await?;
    let seconds = i64::try_from(keep.as_secs()).map_err(|_| Error::InvalidInput {
        field: "keep".into(),
        reason: "too long".into(),
    })?;
    let pruned: i64 = sqlx::query_scalar(
        "SELECT prune_phone_numbers_changes(make_interval(secs => $1::double precision))",
    )
    .bind(seconds as f64)
    .fetch_one(&mut conn)
    .await
    .map_err(|e| from_sqlx(&server, e))?;
    let _ = conn.close().await;
    Ok(pruned as u64)
}
