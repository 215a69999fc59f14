//! Team-database benchmark of usage records: a manager keeps pages of 1,000 call records
//! (`RemoteWorkspace::keep_calls`: one UNNEST upsert per page, the rollups recomputed by the
//! server's statement triggers in the same transaction), then reads them again priced (every
//! record updated), then reports `--by number` from the rollups.
//!
//! Baseline, in the same run on the same cluster, interleaved with the measured passes: the
//! same pages into a second organization with the rollup triggers disabled (what the upsert
//! costs without keeping the rollups).
//!
//! `cargo run --release -p switchboard-postgres --example bench_usage [-- RECORDS [NUMBERS]]`
//! (default 200,000 records over 1,000 numbers and 10 days). Starts a throwaway cluster (or
//! uses `DATABASE_URL`, see switchboard-test-postgres).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use switchboard_core::domain::{E164, Provider};
use switchboard_core::usage::{
    CallOutcome, CallRecord, DayRange, Direction, GroupBy, Money, Price, UsageAccount,
};
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace, migrate};
use switchboard_test_postgres::TestCluster;
use time::macros::datetime;
use uuid::Uuid;

const PAGE: usize = 1_000;

fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("URL")
        .with_timeout(Duration::from_secs(120))
}

/// Record `i` of `records` over `numbers` numbers and 10 days; `priced`: every price given.
fn record(i: usize, numbers: usize, records: usize, priced: bool) -> CallRecord {
    let answered = !i.is_multiple_of(3);
    let spacing = (10 * 86_400) / records.max(1) as i64;
    CallRecord {
        provider_id: format!("CA{i:010}"),
        number: E164::from_stored(format!("+1555{:07}", i % numbers)),
        direction: Direction::Outbound,
        counterpart: format!("+1212{:07}", i % 9_999_999),
        outcome: if answered {
            CallOutcome::Answered
        } else {
            CallOutcome::NoAnswer
        },
        started_at: datetime!(2026-11-20 00:00 UTC)
            + time::Duration::seconds(spacing.max(1) * i as i64),
        duration_secs: (i % 300) as u32,
        billed_secs: (i % 300).div_ceil(60) as u32 * 60,
        price: if !answered {
            Price::NotBilled
        } else if priced || !i.is_multiple_of(10) {
            Price::Charged {
                money: Money {
                    currency: if i.is_multiple_of(7) { "EUR" } else { "USD" }.into(),
                    nanos: 4_250_000 * (1 + (i % 5) as i64),
                },
            }
        } else {
            Price::Pending
        },
    }
}

/// Keeps every page; returns the total time and the slowest page.
async fn keep_all(
    ws: &RemoteWorkspace,
    account: &UsageAccount,
    numbers: usize,
    records: usize,
    priced: bool,
) -> (Duration, Duration) {
    let pulled = time::OffsetDateTime::now_utc();
    let (mut total, mut slowest) = (Duration::ZERO, Duration::ZERO);
    for start in (0..records).step_by(PAGE) {
        let page: Vec<CallRecord> = (start..(start + PAGE).min(records))
            .map(|i| record(i, numbers, records, priced))
            .collect();
        let t = Instant::now();
        let kept = ws.keep_calls(account, &page, pulled).await.unwrap();
        let took = t.elapsed();
        assert_eq!(kept.not_ours, 0);
        total += took;
        slowest = slowest.max(took);
    }
    (total, slowest)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().map_or(200_000, |a| a.parse().expect("RECORDS"));
    let numbers: usize = args.next().map_or(1_000, |a| a.parse().expect("NUMBERS"));
    let cluster = TestCluster::start().expect("cluster");
    let admin = cluster.admin_url();
    migrate::migrate(&settings(&admin)).await.expect("migrate");
    cluster
        .psql(
            &admin,
            &format!(
                "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('base', 'Base');
                 INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
                 SELECT o.id, 'twilio', '+1555' || lpad(g::text, 7, '0'), '{{}}'
                 FROM organizations AS o, generate_series(0, {}) AS g;",
                numbers - 1
            ),
        )
        .expect("seed");
    let role = cluster.role_name("bench");
    for org in ["acme", "base"] {
        grant(
            &settings(&admin),
            &Grant {
                role: role.clone(),
                organization: org.into(),
                display_name: None,
            },
            || Ok("bench-secret".into()),
        )
        .await
        .expect("grant");
    }
    let ws = RemoteWorkspace::connect(&settings(&cluster.url_for(&role, "bench-secret")))
        .await
        .expect("connect");
    let org = |slug: &str| -> Uuid {
        cluster
            .psql(
                &admin,
                &format!("SELECT id FROM organizations WHERE slug = '{slug}'"),
            )
            .unwrap()
            .parse()
            .unwrap()
    };
    let account = |organization_id| UsageAccount {
        organization_id,
        provider: Provider::Twilio,
        account_id: "AC1".into(),
    };
    let (acme, base) = (account(org("acme")), account(org("base")));

    println!("{records} call records, {numbers} numbers, 10 days, pages of {PAGE}");
    let rollups = |on: &str| {
        cluster
            .psql(
                &admin,
                &format!(
                    "ALTER TABLE calls {on} TRIGGER calls_usage_daily_inserts;
                     ALTER TABLE calls {on} TRIGGER calls_usage_daily_updates;"
                ),
            )
            .unwrap();
    };
    // Interleaved, so that neither side runs on a colder or quieter server throughout.
    let new = keep_all(&ws, &acme, numbers, records, false).await;
    rollups("DISABLE");
    let b_new = keep_all(&ws, &base, numbers, records, false).await;
    rollups("ENABLE");
    let again = keep_all(&ws, &acme, numbers, records, true).await;
    rollups("DISABLE");
    let b_again = keep_all(&ws, &base, numbers, records, true).await;
    rollups("ENABLE");
    let per = |d: Duration| d.as_secs_f64() * 1e3 / (records / PAGE) as f64;
    println!("| pass | with rollups: total (per page, slowest) | without rollups (baseline) |");
    println!("|---|---|---|");
    for (what, (t, s), (bt, bs)) in [
        ("new records", new, b_new),
        ("read again, priced", again, b_again),
    ] {
        println!(
            "| {what} | {:.2} s ({:.2} ms, {:.1} ms) | {:.2} s ({:.2} ms, {:.1} ms) |",
            t.as_secs_f64(),
            per(t),
            s.as_secs_f64() * 1e3,
            bt.as_secs_f64(),
            per(bt),
            bs.as_secs_f64() * 1e3
        );
    }
    let range = DayRange::new(
        datetime!(2026-11-20 00:00 UTC).date(),
        datetime!(2026-11-30 00:00 UTC).date(),
    )
    .unwrap();
    let mut times = Vec::new();
    for _ in 0..11 {
        let t = Instant::now();
        let rows = ws
            .usage_totals(acme.organization_id, range, GroupBy::Number)
            .await
            .unwrap();
        times.push(t.elapsed());
        assert_eq!(rows.len(), numbers);
        let calls: u64 = rows.iter().map(|r| r.counts.calls).sum();
        assert_eq!(calls as usize, records);
    }
    times.sort();
    println!(
        "usage report --by number ({numbers} rows): p50 {:.1} ms, max {:.1} ms",
        times[5].as_secs_f64() * 1e3,
        times[10].as_secs_f64() * 1e3
    );
    ws.close().await;
}
