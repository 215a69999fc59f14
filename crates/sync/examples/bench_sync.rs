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

/// CPU time (user + system) of this process so far, in seconds, from /proc/self/stat (Linux's
/// clock tick is 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default()
}

/// The full sync alone: `--full-sync-child URL CACHE`; prints phases, then
/// `child: SECONDS ROWS PEAK_RSS_KB`.
fn full_sync_child(url: &str, cache: &str) -> Fallible<()> {
    let rt = switchboard_sync::runtime()?;
    let remote = rt.block_on(RemoteWorkspace::connect(&settings(url)?))?;
    let mut cache = Workspace::open(cache)?;
    let t = Instant::now();
    let mut phase = None;
    let report = switchboard_sync::sync(
        rt.handle(),
        &remote,
        &mut cache,
        &SyncOptions::default(),
        &mut |p| {
            if phase != Some(p.phase) {
                phase = Some(p.phase);
                println!(
                    "  {:?} from {:.2} s (CPU so far {:.1} s, peak RSS so far {} MB)",
                    p.phase,
                    t.elapsed().as_secs_f64(),
                    cpu_seconds(),
                    peak_rss_kb() / 1024
                );
            }
        },
        &CancelToken::new(),
    )?;
    let full = t.elapsed();
    println!(
        "  done at {:.2} s (CPU {:.1} s)",
        full.as_secs_f64(),
        cpu_seconds()
    );
    println!(
        "child: {} {} {}",
        full.as_secs_f64(),
        report.copied,
        peak_rss_kb()
    );
    rt.block_on(remote.close());
    Ok(())
}

fn main() -> Fallible<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--full-sync-child") {
        return full_sync_child(&args[2], &args[3]);
    }
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

    // Full sync into a fresh cache, in a child process so that its peak RSS is the sync's
    // alone (this process still holds the allocator's memory from generating the rows).
    println!("load before full sync: {}", load().trim());
    let cache_path = dir.path().join("cache.db");
    let out = Command::new(std::env::current_exe()?)
        .arg("--full-sync-child")
        .arg(&url)
        .arg(&cache_path)
        .output()?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        return Err(format!("full sync failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let figures: Vec<f64> = text
        .lines()
        .find_map(|l| l.strip_prefix("child: "))
        .ok_or("no figures from the child")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let (full, copied, rss) = (figures[0], figures[1], figures[2]);
    println!(
        "full sync: {full:.2} s for {copied} rows ({:.0} rows/s), {:.2}x the baseline, peak RSS {:.0} MB (sync process)",
        copied / full,
        full / baseline.as_secs_f64(),
        rss / 1024.0
    );
    let remote = rt.block_on(RemoteWorkspace::connect(&settings(&url)?))?;
    let mut cache = Workspace::open(&cache_path)?;
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
        let mut phases = Vec::new();
        let report = switchboard_sync::sync(
            rt.handle(),
            &remote,
            &mut cache,
            &SyncOptions::default(),
            &mut |p| phases.push((p.phase, t.elapsed())),
            &CancelToken::new(),
        )?;
        times.push(t.elapsed());
        if round == 0 || round == 4 {
            let first: Vec<String> = phases
                .iter()
                .map(|(p, at)| format!("{p:?} at {:.1} ms", at.as_secs_f64() * 1000.0))
                .collect();
            println!("  round {}: {}", round + 1, first.join(", "));
        }
        assert_eq!(report.changed, 1000, "{report:?}");
    }
    let in_order: Vec<String> = times
        .iter()
        .map(|t| format!("{:.1}", t.as_secs_f64() * 1000.0))
        .collect();
    println!(
        "  incremental rounds in order (ms): {}",
        in_order.join(", ")
    );
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
