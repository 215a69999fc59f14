//! Sync benchmark: full copy of 1,000,000 numbers (10 organizations) into a fresh cache, next
//! to the baseline `psql \copy (SELECT …) TO STDOUT | sqlite3 .import` pipeline timed in the
//! same run; then an incremental sync of 1,000 changed rows; peak RSS of the full sync.
//!
//! `cargo run --release -p switchboard-sync --example bench_sync [-- ROWS]`. Starts a
//! throwaway cluster (or uses `DATABASE_URL`, see switchboard-test-postgres).

use std::process::Command;
use std::time::{Duration, Instant};

use switchboard_core::domain::Organization;
use switchboard_core::store::Workspace;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_sync::{CancelToken, SyncOptions};
use switchboard_test_postgres::TestCluster;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn settings(url: &str) -> Fallible<ConnectSettings> {
    Ok(ConnectSettings::from_url(url)?.with_timeout(Duration::from_secs(30)))
}

/// Peak resident set size of this process, from /proc/self/status (kB).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default()
}

fn main() -> Fallible<()> {
    let rows: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let orgs = 10u64;
    let rt = switchboard_sync::runtime()?;
    let cluster = TestCluster::start()?;
    let admin = cluster.admin_url();
    rt.block_on(switchboard_postgres::migrate::migrate(&settings(&admin)?))?;
    let pool = rt.block_on(settings(&admin)?.admin_pool())?;
    let t = Instant::now();
    for i in 0..orgs {
        let slug = format!("org{i}");
        let id: String = cluster.psql(
            &admin,
            &format!(
                "INSERT INTO organizations (slug, name) VALUES ('{slug}', 'Org {i}') RETURNING id"
            ),
        )?;
        let org = Organization {
            id: uuid::Uuid::parse_str(id.lines().next().unwrap_or(""))?,
            slug: slug.clone(),
            name: format!("Org {i}"),
        };
        let numbers: Vec<_> =
            switchboard_core::seed::generate(&org, &[], rows / orgs, Default::default())?
                .into_iter()
                .map(|(n, _)| n)
                .collect();
        rt.block_on(switchboard_postgres::bulk::copy_numbers(&pool, &numbers))?;
        let role = cluster.role_name("manager");
        rt.block_on(grant(
            &settings(&admin)?,
            &Grant {
                role: role.clone(),
                organization: slug,
                display_name: None,
            },
            || Ok("manager-secret".into()),
        ))?;
    }
    cluster.psql(&admin, "VACUUM ANALYZE")?;
    println!(
        "loaded {rows} rows in {orgs} organizations in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let url = cluster.url_for(&cluster.role_name("manager"), "manager-secret");
    let dir = tempfile::tempdir()?;

    // Baseline: psql \copy piped into sqlite3 .import, as the manager (under RLS).
    let baseline_db = dir.path().join("baseline.db");
    let select = "SELECT p.id, p.organization_id, p.provider, p.phone_number, p.friendly_name, \
        p.credentials, p.metadata, p.agent_id, p.webhook_configured, p.webhook_url, p.status, \
        p.created_at, p.updated_at, p.last_verified_at FROM phone_numbers p";
    let script = format!(
        "psql -X -q -d '{url}' -c '\\copy ({select}) TO STDOUT' | sqlite3 '{db}' \
         'CREATE TABLE t (id, organization_id, provider, phone_number, friendly_name, \
          credentials, metadata, agent_id, webhook_configured, webhook_url, status, created_at, \
          updated_at, last_verified_at)' '.mode tabs' '.import /dev/stdin t'",
        db = baseline_db.display()
    );
    println!("load before baseline: {}", load().trim());
    let t = Instant::now();
    let out = Command::new("sh").arg("-c").arg(&script).output()?;
    let baseline = t.elapsed();
    if !out.status.success() {
        return Err(format!("baseline failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let imported = Command::new("sqlite3")
        .arg(&baseline_db)
        .arg("SELECT count(*) FROM t")
        .output()?;
    println!(
        "baseline psql \\copy | sqlite3 .import: {:.2} s ({} rows)",
        baseline.as_secs_f64(),
        String::from_utf8_lossy(&imported.stdout).trim()
    );

    // Full sync into a fresh cache.
    let remote = rt.block_on(RemoteWorkspace::connect(&settings(&url)?))?;
    let mut cache = Workspace::open(dir.path().join("cache.db"))?;
    // Forget the load's peak: VmHWM from here on is the sync's.
    std::fs::write("/proc/self/clear_refs", "5")?;
    println!("load before full sync: {}", load().trim());
    let t = Instant::now();
    let report = switchboard_sync::sync(
        rt.handle(),
        &remote,
        &mut cache,
        &SyncOptions::default(),
        &mut |_| {},
        &CancelToken::new(),
    )?;
    let full = t.elapsed();
    let rss = peak_rss_kb();
    println!(
        "full sync: {:.2} s for {} rows ({:.0} rows/s), {:.2}x the baseline, peak RSS {:.0} MB",
        full.as_secs_f64(),
        report.copied,
        report.copied as f64 / full.as_secs_f64(),
        full.as_secs_f64() / baseline.as_secs_f64(),
        rss as f64 / 1024.0
    );
    let problems = cache.integrity_check()?;
    println!(
        "cache integrity: {}",
        if problems.is_empty() {
            "ok".to_owned()
        } else {
            problems.join("; ")
        }
    );

    // Incremental: 1,000 changed rows.
    let mut times = Vec::new();
    for round in 0..5 {
        cluster.psql(
            &admin,
            &format!(
                "UPDATE phone_numbers SET friendly_name = 'changed {round}'
                 WHERE id IN (SELECT id FROM phone_numbers ORDER BY id OFFSET {} LIMIT 1000)",
                round * 1000
            ),
        )?;
        let t = Instant::now();
        let report = switchboard_sync::sync(
            rt.handle(),
            &remote,
            &mut cache,
            &SyncOptions::default(),
            &mut |_| {},
            &CancelToken::new(),
        )?;
        times.push(t.elapsed());
        assert_eq!(report.changed, 1000, "{report:?}");
    }
    times.sort();
    println!(
        "incremental sync of 1000 changed rows: median {:.1} ms, max {:.1} ms (5 runs)",
        times[2].as_secs_f64() * 1000.0,
        times[4].as_secs_f64() * 1000.0
    );
    println!("load after: {}", load().trim());
    rt.block_on(remote.close());
    Ok(())
}
