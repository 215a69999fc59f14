//! Select-all-matching and a bulk status change on the team database, online, as a manager
//! under row-level security, against PostgreSQL alone doing the same `UPDATE` of the same rows
//! as the same manager, interleaved in one run.
//!
//! Starts a throwaway cluster (or uses `DATABASE_URL`, see switchboard-test-postgres), loads
//! NUMBERS demo numbers (core's seed) into one organization with `COPY`, grants a manager, and
//! picks the provider filter whose match count is nearest SELECTED. Each round:
//! `actions::update_matching` (select every matching number on the server, change its status
//! in transactions of `SERVER_PART`, to the report) through the team workspace as the CLI
//! opens it (reads from the server, no cache) and as the app opens it (its cache synced
//! first: the selection read from the cache, every written row put into it); and, as the
//! baseline, one `UPDATE phone_numbers SET status = $2, updated_at = now() WHERE id = ANY($1)`
//! of the same ids on the manager's own connection. The table is vacuumed before each timed
//! run, so no side pays for the other's dead rows. Prints each time and the ratios, medians
//! of 3.
//!
//! `cargo run --release -p switchboard-ops --example bench_team_bulk_update [NUMBERS] [SELECTED]`
//! (default 1,000,000 and 100,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use switchboard_core::domain::{Organization, Provider, Status};
use switchboard_core::query::NumberFilter;
use switchboard_core::seed;
use switchboard_core::store::Workspace;
use switchboard_ops::{Cancel, Inventory, Reads, Target, open};
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, PgPool, RemoteWorkspace, bulk, migrate};
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

mod common;
use common::{Rounds, arg};

fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .unwrap()
        .with_timeout(Duration::from_secs(120))
}

/// PostgreSQL alone: the same status change of the same rows, one statement, as the manager.
async fn baseline(manager: &RemoteWorkspace, ids: &[Uuid], status: Status) -> Duration {
    let started = Instant::now();
    let changed =
        sqlx::query("UPDATE phone_numbers SET status = $2, updated_at = now() WHERE id = ANY($1)")
            .bind(ids)
            .bind(status.as_str())
            .execute(manager.pool())
            .await
            .unwrap()
            .rows_affected();
    let took = started.elapsed();
    assert_eq!(changed, ids.len() as u64);
    took
}

async fn vacuum(admin: &PgPool) {
    sqlx::query("VACUUM ANALYZE phone_numbers")
        .execute(admin)
        .await
        .unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (n, wanted) = (arg(1, 1_000_000), arg(2, 100_000));
    let cluster = TestCluster::start().expect("cluster");
    let admin_url = cluster.admin_url();
    migrate::migrate(&settings(&admin_url)).await.unwrap();
    let admin = settings(&admin_url).admin_pool().await.unwrap();
    let started = Instant::now();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO organizations (slug, name) VALUES ('demo', 'Demo') RETURNING id",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    let org = Organization {
        id,
        slug: "demo".into(),
        name: "Demo".into(),
    };
    let numbers: Vec<_> = seed::generate(&org, &[], n, HashSet::new())
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    bulk::copy_numbers(&admin, &numbers).await.unwrap();
    drop(numbers);
    vacuum(&admin).await;
    grant(
        &settings(&admin_url),
        &Grant {
            role: "bench_manager".into(),
            organization: "demo".into(),
            display_name: None,
        },
        || Ok("bench-pw".into()),
    )
    .await
    .unwrap();
    let manager_settings = settings(&cluster.url_for("bench_manager", "bench-pw"));
    let manager = RemoteWorkspace::connect(&manager_settings).await.unwrap();
    let mut filters = Vec::new();
    for p in Provider::ALL {
        let mut f = NumberFilter::org(org.id);
        f.provider = Some(p);
        let count = manager.count_numbers(&f).await.unwrap();
        filters.push((p.as_str(), f, count));
    }
    let (name, filter, matching) = filters
        .into_iter()
        .min_by_key(|(_, _, c)| c.abs_diff(wanted))
        .unwrap();
    println!(
        "{n} numbers loaded in {:.1} s; filter provider={name}: {matching} numbers; parts of {}",
        started.elapsed().as_secs_f64(),
        switchboard_ops::SERVER_PART
    );
    let ids = manager.select_numbers(&filter).await.unwrap().ids;
    assert_eq!(ids.len() as u64, matching);

    // The app's team workspace: its cache synced once (every number), then opened online.
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.db");
    let synced = Instant::now();
    {
        let (s, cache) = (manager_settings.clone(), cache.clone());
        tokio::task::spawn_blocking(move || {
            let rt = switchboard_sync::runtime().unwrap();
            let remote = rt.block_on(RemoteWorkspace::connect(&s)).unwrap();
            let mut ws = Workspace::open(&cache).unwrap();
            switchboard_sync::sync(
                rt.handle(),
                &remote,
                &mut ws,
                &switchboard_sync::SyncOptions::default(),
                &mut |_| {},
                &Cancel::new(),
            )
            .unwrap();
            rt.block_on(remote.close());
        })
        .await
        .unwrap();
    }
    println!("cache synced in {:.1} s", synced.elapsed().as_secs_f64());

    let kinds = [
        ("team database (CLI: server reads)", Reads::Server),
        (
            "team workspace (app: cache reads + write-through)",
            Reads::Cache,
        ),
    ];
    let mut rows: Vec<Rounds> = kinds.iter().map(|(k, _)| Rounds::new(k)).collect();
    let statuses = [Status::Inactive, Status::Error, Status::Active];
    let mut next = 0;
    for round in 0..3 {
        for (kind, (_, reads)) in kinds.iter().enumerate() {
            let target = Target::Team {
                settings: Box::new(manager_settings.clone()),
                reads: *reads,
                cache: cache.clone(),
            };
            let ours = async |status: Status| {
                let inv = open(target.clone()).await.unwrap();
                vacuum(&admin).await;
                let took = common::update_matching(&*inv, &filter, status, (matching, 0)).await;
                inv.close().await;
                took
            };
            let theirs = async |status: Status| {
                vacuum(&admin).await;
                baseline(&manager, &ids, status).await
            };
            let (a, b) = (statuses[next % 3], statuses[(next + 1) % 3]);
            next += 2;
            // Alternate which runs first.
            let (o, t) = if round % 2 == 0 {
                let o = ours(a).await;
                (o, theirs(b).await)
            } else {
                let t = theirs(a).await;
                (ours(b).await, t)
            };
            rows[kind].push(round, "PostgreSQL alone", o, t);
        }
    }
    for row in rows {
        row.summary("PostgreSQL alone", matching);
    }
    manager.close().await;
}
