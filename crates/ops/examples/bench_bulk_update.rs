//! Select-all-matching and a bulk status change, against SQLite alone doing the same change of
//! the same rows, interleaved in one run.
//!
//! Builds NUMBERS demo numbers (core's seed), picks the filter whose match count is nearest
//! SELECTED, and for each round copies the seeded file four times: on one copy
//! `actions::update_matching` (select every matching number, change its status, to the
//! report) on the local workspace; on another the same rows with one plain `UPDATE … WHERE
//! rowid IN (…)` in one transaction; then the same pair on a team workspace's cache offline
//! (each edit into the outbox), against the plain UPDATE plus one `INSERT INTO sync_outbox …
//! SELECT` of the same rows. Prints each time and the ratios.
//!
//! `cargo run --release -p switchboard-ops --example bench_bulk_update [NUMBERS] [SELECTED]`
//! (default 1,000,000 and 100,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use switchboard_core::domain::{Capability, Provider, Status};
use switchboard_core::query::NumberFilter;
use switchboard_core::store::Workspace;
use switchboard_ops::{Reads, Target, open};
use switchboard_postgres::ConnectSettings;

mod common;
use common::{Rounds, arg};

/// The filters tried, with what they say.
fn candidates(org: uuid::Uuid) -> Vec<(String, NumberFilter)> {
    let mut out = Vec::new();
    for p in Provider::ALL {
        let mut f = NumberFilter::org(org);
        f.provider = Some(p);
        out.push((format!("provider={}", p.as_str()), f.clone()));
        f.status = Some(Status::Active);
        out.push((format!("provider={} status=active", p.as_str()), f));
    }
    for c in ["US", "GB", "CA", "DE", "FR", "AU"] {
        let mut f = NumberFilter::org(org);
        f.country = Some(c.into());
        out.push((format!("country={c}"), f));
    }
    let mut f = NumberFilter::org(org);
    f.capabilities = vec![Capability::Fax];
    out.push(("capability=fax".into(), f));
    out
}

/// Copies the seeded file (checkpointed, so the file alone is the database).
fn copy(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).unwrap();
}

/// SQLite alone: the same change of the same rows (by row key), one statement in one
/// transaction; with `outbox`, each row's edit recorded as the outbox records it first.
fn baseline(path: &Path, ids: &[uuid::Uuid], status: Status, outbox: bool) -> Duration {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    let list = serde_json::Value::from(ids.iter().map(|i| i.to_string()).collect::<Vec<_>>());
    let keys: Vec<i64> = conn
        .prepare("SELECT rowid FROM phone_numbers WHERE id IN (SELECT value FROM json_each(?1))")
        .unwrap()
        .query_map([list.to_string()], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(keys.len(), ids.len());
    let keys = serde_json::Value::from(keys).to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000_000;
    let started = Instant::now();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    if outbox {
        tx.execute(
            "INSERT INTO sync_outbox (op, base_updated_at, queued_at, id, organization_id,
               provider, phone_number, friendly_name, credentials, metadata, agent_id,
               webhook_configured, webhook_url, status, created_at, updated_at, last_verified_at)
             SELECT 'update', p.updated_at, ?2, p.id, o.id, p.provider, p.phone_number,
               p.friendly_name, p.credentials, p.metadata, p.agent_id, p.webhook_configured,
               p.webhook_url, ?3, p.created_at, ?2, p.last_verified_at
             FROM phone_numbers p JOIN organizations o ON o.key = p.org_key
             WHERE p.rowid IN (SELECT value FROM json_each(?1))",
            rusqlite::params![keys, now, status.as_str()],
        )
        .unwrap();
    }
    let changed = tx
        .execute(
            "UPDATE phone_numbers SET status = ?2, updated_at = ?3
             WHERE rowid IN (SELECT value FROM json_each(?1))",
            rusqlite::params![keys, status.as_str(), now],
        )
        .unwrap();
    tx.commit().unwrap();
    let took = started.elapsed();
    assert_eq!(changed, ids.len());
    took
}

fn main() {
    let (n, wanted) = (arg(1, 1_000_000), arg(2, 100_000));
    let dir = tempfile::tempdir().unwrap();
    let seeded = dir.path().join("seeded.db");
    let started = Instant::now();
    let filters = {
        let mut ws = Workspace::open(&seeded).unwrap();
        let org = switchboard_core::seed::seed(&mut ws, "demo", n, |_, _| {})
            .unwrap()
            .organization
            .id;
        let counted: Vec<(String, NumberFilter, u64)> = candidates(org)
            .into_iter()
            .map(|(name, f)| {
                let c = ws.count_numbers(&f).unwrap();
                (name, f, c)
            })
            .collect();
        counted
    };
    {
        let conn = rusqlite::Connection::open(&seeded).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let (name, filter, matching) = filters
        .into_iter()
        .min_by_key(|(_, _, c)| c.abs_diff(wanted))
        .unwrap();
    println!(
        "{n} numbers seeded in {:.1} s; filter {name}: {matching} numbers",
        started.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let unreachable =
        ConnectSettings::from_url("postgres://bench:bench@127.0.0.1:9/bench?sslmode=disable")
            .unwrap()
            .with_timeout(Duration::from_secs(1));
    let (ours_path, theirs_path) = (dir.path().join("ours.db"), dir.path().join("theirs.db"));
    // The rows both sides change: the selection, read once from the seeded file.
    let ids = rt.block_on(async {
        let inv = open(Target::Local(seeded.clone())).await.unwrap();
        let ids = inv.select_numbers(&filter).await.unwrap().ids;
        inv.close().await;
        ids
    });
    assert_eq!(ids.len() as u64, matching);
    let mut rows = vec![
        Rounds::new("local workspace"),
        Rounds::new("team cache + outbox"),
    ];
    for round in 0..3 {
        let status = [Status::Inactive, Status::Error, Status::Inactive][round];
        for (team, row) in rows.iter_mut().enumerate() {
            copy(&seeded, &ours_path);
            copy(&seeded, &theirs_path);
            let target = if team == 1 {
                Target::Team {
                    settings: Box::new(unreachable.clone()),
                    reads: Reads::Cache,
                    cache: ours_path.clone(),
                }
            } else {
                Target::Local(ours_path.clone())
            };
            let queued = if team == 1 { matching } else { 0 };
            let ours = || {
                rt.block_on(async {
                    let inv = open(target.clone()).await.unwrap();
                    let took =
                        common::update_matching(&*inv, &filter, status, (matching, queued)).await;
                    inv.close().await;
                    took
                })
            };
            // Alternate which runs first.
            let (o, t) = if round % 2 == 0 {
                let o = ours();
                (o, baseline(&theirs_path, &ids, status, team == 1))
            } else {
                let t = baseline(&theirs_path, &ids, status, team == 1);
                (ours(), t)
            };
            row.push(round, "SQLite alone", o, t);
        }
    }
    for row in rows {
        row.summary("SQLite alone", matching);
    }
}
