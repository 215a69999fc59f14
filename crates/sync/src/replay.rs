//! Cache to server: replaying the outbox.
//!
//! Entries go in `seq` order, one server transaction (one statement) each, every write
//! conditional on the row's `updated_at` still being the edit's base. The entry is dropped
//! from the outbox only after the server answered, in the same cache transaction that stores
//! the server's row. When the answer was lost (the connection dropped after the commit), the
//! next replay finds the server row already holding exactly the edit and takes it as done, so
//! an edit is applied once.
//!
//! | edit | the server | outcome |
//! |---|---|---|
//! | add | inserted | done |
//! | add | same id exists with the same content | done (replayed before) |
//! | add | number taken, or same id with other content | conflict, theirs = that row |
//! | update | row at the base `updated_at` | done |
//! | update | row already equal to the edit | done (replayed before) |
//! | update | row changed since | conflict, theirs = the row |
//! | update | row gone | conflict, theirs = none |
//! | remove | row at the base | done |
//! | remove | row gone | done (nothing to remove) |
//! | remove | row changed since | conflict, theirs = the row |
//! | any | refused (not allowed, invalid) | conflict with the refusal as the reason |
//! | any | offline or another server error | stop; the entry stays queued |

use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use switchboard_core::domain::PhoneNumber;
use switchboard_core::store::{OutboxEntry, OutboxOp, Workspace};
use switchboard_core::{Error, ErrorCode, Result};
use switchboard_postgres::RemoteWorkspace;
use switchboard_postgres::errors::constraint;
use tokio::runtime::Handle;

use crate::rows::{Decoded, ROW_FIELDS, ROW_SQL, decode};
use crate::{CancelToken, Phase, Progress};

enum Outcome {
    Done(Option<PhoneNumber>),
    Conflict(String, Option<PhoneNumber>),
}

/// Replays every entry; returns (taken by the server, turned into conflicts).
pub(crate) fn replay(
    handle: &Handle,
    remote: &RemoteWorkspace,
    cache: &mut Workspace,
    progress: &mut (dyn FnMut(Progress) + Send),
    cancel: &CancelToken,
) -> Result<(u64, u64)> {
    let entries = cache.outbox()?;
    let total = entries.len() as u64;
    let (mut done, mut conflicts) = (0, 0);
    for (i, entry) in entries.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        match handle.block_on(replay_one(remote, entry)) {
            Ok(Outcome::Done(row)) => {
                cache.outbox_done(entry.seq, row.as_ref())?;
                done += 1;
            }
            Ok(Outcome::Conflict(reason, theirs)) => {
                cache.outbox_conflict(entry.seq, &reason, theirs.as_ref())?;
                conflicts += 1;
            }
            Err(e) if e.is_bad_input() => {
                // Refused as it is: keep it, with the server's version, for the manager.
                let theirs = handle.block_on(current(remote, entry)).unwrap_or_default();
                cache.outbox_conflict(entry.seq, &format!("refused: {e}"), theirs.as_ref())?;
                conflicts += 1;
            }
            Err(e) => {
                if e.code() != ErrorCode::Offline {
                    cache.outbox_failed(entry.seq, &e.to_string())?;
                }
                return Err(e);
            }
        }
        progress(Progress {
            phase: Phase::Replay,
            done: i as u64 + 1,
            total,
        });
    }
    Ok((done, conflicts))
}

fn number(row: &PgRow) -> Result<PhoneNumber> {
    let fields: Vec<Option<String>> = (0..ROW_FIELDS)
        .map(|i| row.try_get::<Option<String>, _>(i))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Remote(format!("unexpected row from the team database: {e}")))?;
    // A secret in the server's credentials is dropped here too. A row core cannot read at
    // all cannot be compared with the edit: bad input, so the edit becomes a conflict naming
    // the row and why, and the replay goes on.
    match decode(&fields)? {
        Decoded::Row(n, _, _) => Ok(n),
        Decoded::Skipped(s) => Err(Error::InvalidInput {
            field: "the server's row".into(),
            reason: format!("{} cannot be read: {}", s.number_id, s.reason),
        }),
    }
}

/// The server's row with the entry's id (`None`: absent or not visible).
async fn current(remote: &RemoteWorkspace, entry: &OutboxEntry) -> Result<Option<PhoneNumber>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ROW_SQL} FROM phone_numbers p LEFT JOIN agents a ON a.id = p.agent_id
         WHERE p.id = $1"
    )))
    .bind(entry.number.id)
    .fetch_optional(remote.pool())
    .await
    .map_err(|e| remote.map_error(e))?;
    row.as_ref().map(number).transpose()
}

/// The server's row holding the entry's number in its organization.
async fn holder(remote: &RemoteWorkspace, entry: &OutboxEntry) -> Result<Option<PhoneNumber>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ROW_SQL} FROM phone_numbers p LEFT JOIN agents a ON a.id = p.agent_id
         WHERE p.organization_id = $1 AND p.phone_number = $2"
    )))
    .bind(entry.number.organization_id)
    .bind(entry.number.phone_number.as_str())
    .fetch_optional(remote.pool())
    .await
    .map_err(|e| remote.map_error(e))?;
    row.as_ref().map(number).transpose()
}

/// True when the server row holds exactly what the edit wrote (timestamps aside).
fn same_content(server: &PhoneNumber, mine: &PhoneNumber) -> bool {
    let mut a = server.clone();
    a.created_at = mine.created_at;
    a.updated_at = mine.updated_at;
    a == *mine
}

async fn replay_one(remote: &RemoteWorkspace, entry: &OutboxEntry) -> Result<Outcome> {
    let n = &entry.number;
    let map = |e| remote.map_error(e);
    let metadata = n.metadata.as_ref().map(|m| m.to_json());
    match entry.op {
        OutboxOp::Add => {
            let result = sqlx::query(AssertSqlSafe(format!(
                "WITH p AS (
                   INSERT INTO phone_numbers (id, organization_id, provider, phone_number,
                     friendly_name, credentials, metadata, agent_id, webhook_configured,
                     webhook_url, status, last_verified_at, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13)
                   RETURNING *)
                 SELECT {ROW_SQL} FROM p LEFT JOIN agents a ON a.id = p.agent_id"
            )))
            .bind(n.id)
            .bind(n.organization_id)
            .bind(n.provider.as_str())
            .bind(n.phone_number.as_str())
            .bind(&n.friendly_name)
            .bind(n.credentials.to_json())
            .bind(&metadata)
            .bind(n.agent_id)
            .bind(n.webhook_configured)
            .bind(&n.webhook_url)
            .bind(n.status.as_str())
            .bind(n.last_verified_at)
            // When it was added (offline, or first: a removal put back keeps its date).
            .bind(n.created_at)
            .fetch_one(remote.pool())
            .await;
            match result {
                Ok(row) => Ok(Outcome::Done(Some(number(&row)?))),
                Err(e) if constraint(&e) == Some("phone_numbers_pkey") => {
                    match current(remote, entry).await? {
                        Some(cur) if same_content(&cur, n) => Ok(Outcome::Done(Some(cur))),
                        theirs => Ok(Outcome::Conflict(
                            "a record with this id exists on the server".into(),
                            theirs,
                        )),
                    }
                }
                Err(e)
                    if constraint(&e) == Some("phone_numbers_organization_id_phone_number_key") =>
                {
                    Ok(Outcome::Conflict(
                        format!("{} was added on the server meanwhile", n.phone_number),
                        holder(remote, entry).await?,
                    ))
                }
                Err(e) => Err(map(e)),
            }
        }
        OutboxOp::Update => {
            let row = sqlx::query(AssertSqlSafe(format!(
                "WITH p AS (
                   UPDATE phone_numbers SET friendly_name = $3, status = $4, agent_id = $5,
                     metadata = $6::jsonb, webhook_configured = $7, webhook_url = $8,
                     last_verified_at = $9
                   WHERE id = $1 AND updated_at = $2
                   RETURNING *)
                 SELECT {ROW_SQL} FROM p LEFT JOIN agents a ON a.id = p.agent_id"
            )))
            .bind(n.id)
            .bind(entry.base_updated_at)
            .bind(&n.friendly_name)
            .bind(n.status.as_str())
            .bind(n.agent_id)
            .bind(&metadata)
            .bind(n.webhook_configured)
            .bind(&n.webhook_url)
            .bind(n.last_verified_at)
            .fetch_optional(remote.pool())
            .await
            .map_err(map)?;
            if let Some(row) = row {
                return Ok(Outcome::Done(Some(number(&row)?)));
            }
            match current(remote, entry).await? {
                Some(cur) if same_content(&cur, n) => Ok(Outcome::Done(Some(cur))),
                Some(cur) => Ok(Outcome::Conflict(
                    "changed on the server since".into(),
                    Some(cur),
                )),
                None => Ok(Outcome::Conflict("removed on the server".into(), None)),
            }
        }
        OutboxOp::Remove => {
            let gone: Option<uuid::Uuid> = sqlx::query_scalar(
                "DELETE FROM phone_numbers WHERE id = $1 AND updated_at = $2 RETURNING id",
            )
            .bind(n.id)
            .bind(entry.base_updated_at)
            .fetch_optional(remote.pool())
            .await
            .map_err(map)?;
            if gone.is_some() {
                return Ok(Outcome::Done(None));
            }
            match current(remote, entry).await? {
                None => Ok(Outcome::Done(None)),
                Some(cur) => Ok(Outcome::Conflict(
                    "changed on the server since".into(),
                    Some(cur),
                )),
            }
        }
    }
}
