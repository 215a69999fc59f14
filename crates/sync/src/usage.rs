//! Server to cache: the call and message records of every organization the cache holds,
//! whoever pulled them (migration `20261207001000`), as numbers are synced.
//!
//! Each organization is read in one `REPEATABLE READ` transaction: first the snapshot's xmin
//! (the organization's next mark), then every record whose `written_xid` (the transaction that
//! last wrote it, set by the server's trigger) is at or above the previous mark. Every
//! transaction below an xmin had finished when it was taken, so no record can be written
//! behind a mark later; records at or above it are read again next time and kept again
//! idempotently (by provider record id). They go into the cache through the store's own
//! `keep_calls` / `keep_messages`, in pages grouped by account and pull time, so the cache's
//! rollups stay equal to its records. The mark moves only after every page of the
//! organization is in the cache.
//!
//! A record is kept in the cache when the cached organization has its number (the store's
//! rule): a removed number's history stays on the server and in its reports, not in the cache.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use sqlx::Row;
use sqlx::postgres::PgRow;
use switchboard_core::Result;
use switchboard_core::domain::{E164, Provider};
use switchboard_core::store::Workspace;
use switchboard_core::usage::{
    CallOutcome, CallRecord, Direction, MessageRecord, Money, Price, UsageAccount,
};
use switchboard_postgres::RemoteWorkspace;
use time::OffsetDateTime;
use tokio::runtime::Handle;
use uuid::Uuid;

use crate::CancelToken;

/// The sync-state key of an organization's mark.
fn mark_key(organization_id: Uuid) -> String {
    format!("usage_xid:{organization_id}")
}

/// Records kept in the cache per call of the store.
const PAGE: usize = 2_000;

/// Copies the records written since each cached organization's mark; returns how many were
/// read. Nothing when the server has no usage tables.
pub(crate) fn pull(
    handle: &Handle,
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
    cancel: &CancelToken,
) -> Result<u64> {
    if remote.require_usage().is_err() {
        return Ok(0);
    }
    let mut read = 0;
    for org in cache.organizations()? {
        if cancel.is_cancelled() {
            break;
        }
        read += handle.block_on(pull_organization(remote, cache, org.id))?;
    }
    Ok(read)
}

/// A page of one account's records of one pull.
type Pages<R> = BTreeMap<(String, String, OffsetDateTime), Vec<R>>;

async fn pull_organization(
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
    organization_id: Uuid,
) -> Result<u64> {
    let map = |e| remote.map_error(e);
    let mark = cache.sync_value(&mark_key(organization_id))?;
    let mut conn = remote.pool().acquire().await.map_err(map)?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    let next: String = sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    let since = mark.as_deref().unwrap_or("0");
    let common = "provider, account_id, pulled_at, provider_record_id, phone_number, direction,
                  counterpart, price_state, price_nanos, currency";
    let calls = format!(
        "SELECT {common}, outcome, started_at, duration_secs, billed_secs FROM calls
         WHERE organization_id = $1 AND written_xid >= $2::text::xid8"
    );
    let messages = format!(
        "SELECT {common}, status, sent_at, segments FROM messages
         WHERE organization_id = $1 AND written_xid >= $2::text::xid8"
    );
    let mut read = 0u64;
    for (sql, kind) in [(calls, Kind::Calls), (messages, Kind::Messages)] {
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(organization_id)
            .bind(since)
            .fetch(&mut *conn);
        let mut pages = kind.pages();
        while let Some(row) = rows.next().await {
            pages.add(&row.map_err(map)?).map_err(map)?;
            read += 1;
            if read.is_multiple_of(PAGE as u64) {
                pages.keep(cache, organization_id)?;
            }
        }
        pages.keep(cache, organization_id)?;
    }
    sqlx::query("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    if mark.as_deref() != Some(next.as_str()) {
        let mut r = cache.replica()?;
        r.set_value(&mark_key(organization_id), Some(&next))?;
        r.commit()?;
    }
    Ok(read)
}

/// Which records a query reads.
enum Kind {
    Calls,
    Messages,
}

impl Kind {
    fn pages(&self) -> Gathered {
        match self {
            Kind::Calls => Gathered::Calls(BTreeMap::new()),
            Kind::Messages => Gathered::Messages(BTreeMap::new()),
        }
    }
}

/// Records read and not yet in the cache, by page.
enum Gathered {
    Calls(Pages<CallRecord>),
    Messages(Pages<MessageRecord>),
}

impl Gathered {
    fn add(&mut self, row: &PgRow) -> std::result::Result<(), sqlx::Error> {
        match self {
            Gathered::Calls(pages) => {
                let (key, record) = call(row)?;
                pages.entry(key).or_default().push(record);
            }
            Gathered::Messages(pages) => {
                let (key, record) = message(row)?;
                pages.entry(key).or_default().push(record);
            }
        }
        Ok(())
    }

    /// Keeps every page gathered in the cache and empties them.
    fn keep(&mut self, cache: &mut Workspace, organization_id: Uuid) -> Result<()> {
        match self {
            Gathered::Calls(pages) => keep(cache, organization_id, pages, Workspace::keep_calls),
            Gathered::Messages(pages) => {
                keep(cache, organization_id, pages, Workspace::keep_messages)
            }
        }
    }
}

/// Keeps every page of `pages` in the cache with `keep` and empties them.
fn keep<R>(
    cache: &mut Workspace,
    organization_id: Uuid,
    pages: &mut Pages<R>,
    keep: fn(
        &mut Workspace,
        &UsageAccount,
        &[R],
        OffsetDateTime,
    ) -> Result<switchboard_core::usage::Kept>,
) -> Result<()> {
    for ((provider, account_id, pulled_at), records) in std::mem::take(pages) {
        let account = UsageAccount {
            organization_id,
            provider: provider.parse::<Provider>()?,
            account_id,
        };
        keep(cache, &account, &records, pulled_at)?;
    }
    Ok(())
}

/// The page a row belongs to, and its number, direction, counterpart and price.
#[allow(clippy::type_complexity)]
fn common(
    row: &PgRow,
) -> std::result::Result<
    (
        (String, String, OffsetDateTime),
        String,
        E164,
        Direction,
        String,
        Price,
    ),
    sqlx::Error,
> {
    let direction = match row.try_get::<&str, _>("direction")? {
        "inbound" => Direction::Inbound,
        _ => Direction::Outbound,
    };
    let price = match row.try_get::<&str, _>("price_state")? {
        "charged" => Price::Charged {
            money: Money {
                currency: row.try_get("currency")?,
                nanos: row.try_get("price_nanos")?,
            },
        },
        "pending" => Price::Pending,
        "not_reported" => Price::NotReported,
        _ => Price::NotBilled,
    };
    Ok((
        (
            row.try_get("provider")?,
            row.try_get("account_id")?,
            row.try_get("pulled_at")?,
        ),
        row.try_get("provider_record_id")?,
        E164::from_stored(row.try_get("phone_number")?),
        direction,
        row.try_get("counterpart")?,
        price,
    ))
}

fn call(
    row: &PgRow,
) -> std::result::Result<((String, String, OffsetDateTime), CallRecord), sqlx::Error> {
    let (key, provider_id, number, direction, counterpart, price) = common(row)?;
    let outcome = match row.try_get::<&str, _>("outcome")? {
        "answered" => CallOutcome::Answered,
        "busy" => CallOutcome::Busy,
        "no_answer" => CallOutcome::NoAnswer,
        "failed" => CallOutcome::Failed,
        "canceled" => CallOutcome::Canceled,
        _ => CallOutcome::Unfinished,
    };
    let secs = |c: &str| -> std::result::Result<u32, sqlx::Error> {
        Ok(row.try_get::<i32, _>(c)?.max(0) as u32)
    };
    Ok((
        key,
        CallRecord {
            provider_id,
            number,
            direction,
            counterpart,
            outcome,
            started_at: row.try_get("started_at")?,
            duration_secs: secs("duration_secs")?,
            billed_secs: secs("billed_secs")?,
            price,
        },
    ))
}

fn message(
    row: &PgRow,
) -> std::result::Result<((String, String, OffsetDateTime), MessageRecord), sqlx::Error> {
    let (key, provider_id, number, direction, counterpart, price) = common(row)?;
    Ok((
        key,
        MessageRecord {
            provider_id,
            number,
            direction,
            counterpart,
            status: row.try_get("status")?,
            sent_at: row.try_get("sent_at")?,
            segments: row.try_get::<i32, _>("segments")?.max(0) as u32,
            price,
        },
    ))
}
