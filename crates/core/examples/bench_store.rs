//! Benchmarks of the local store that print figures; results are recorded in
//! docs/BENCHMARKS.md. A harness, not a manager's action: it is not part of the CLI.
//!
//! ```text
//! cargo run --release -p switchboard-core --example bench_store -- insert [--numbers N] [--file PATH]
//! cargo run --release -p switchboard-core --example bench_store -- search --workspace PATH
//!     [--org SLUG] [--numbers N] [--rounds R] [--verbose]
//! ```
//!
//! `insert` times number generation and the bulk insert separately, into a fresh
//! workspace file, then the same rows written by SQLite alone with the same schema (the
//! floor any bulk insert with this schema has on this machine). `search` replays search-as-you-type sequences (1–4 digits, 3–6
//! letters) and filter-only listings against a seeded workspace, timing the first page of 100
//! and the exact count of each, and prints p50/p95/max.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use switchboard_core::domain::{Capability, Provider, Status};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::store::Workspace;
use switchboard_core::{Error, Result, seed};

/// What to run, from the command line.
#[derive(Debug)]
enum Bench {
    /// Generate N numbers, then bulk-insert them into a fresh workspace file (`file`, removed
    /// first; a temporary file by default).
    Insert { numbers: u64, file: Option<PathBuf> },
    /// Time search-as-you-type and filtered listings on a workspace, seeding `org` with
    /// `numbers` when it has none.
    Search {
        workspace: PathBuf,
        org: String,
        numbers: u64,
        rounds: u32,
        verbose: bool,
    },
}

fn usage() -> Error {
    Error::InvalidInput {
        field: "arguments".into(),
        reason: "usage: bench_store insert [--numbers N] [--file PATH] | bench_store search \
                 --workspace PATH [--org SLUG] [--numbers N] [--rounds R] [--verbose]"
            .into(),
    }
}

/// The command line as a [`Bench`].
fn parse(args: &[String]) -> Result<Bench> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args.get(i + 1).cloned().ok_or_else(usage))
            .transpose()
    };
    let number = |flag: &str, default: u64| -> Result<u64> {
        value(flag)?.map_or(Ok(default), |v| v.parse().map_err(|_| usage()))
    };
    match args.first().map(String::as_str) {
        Some("insert") => Ok(Bench::Insert {
            numbers: number("--numbers", 1_000_000)?,
            file: value("--file")?.map(PathBuf::from),
        }),
        Some("search") => Ok(Bench::Search {
            workspace: value("--workspace")?.map(PathBuf::from).ok_or_else(usage)?,
            org: value("--org")?.unwrap_or_else(|| "bench".into()),
            numbers: number("--numbers", 1_000_000)?,
            rounds: u32::try_from(number("--rounds", 5)?).map_err(|_| usage())?,
            verbose: args.iter().any(|a| a == "--verbose"),
        }),
        _ => Err(usage()),
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args).and_then(run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Percentiles of a set of durations, in milliseconds.
struct Summary {
    n: usize,
    p50: f64,
    p95: f64,
    max: f64,
}

fn summarize(mut d: Vec<Duration>) -> Summary {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let at = |p: f64| {
        ms(d[((d.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(d.len() - 1)])
    };
    Summary {
        n: d.len(),
        p50: at(0.50),
        p95: at(0.95),
        max: ms(d[d.len() - 1]),
    }
}

fn print_summary(label: &str, s: &Summary) {
    println!(
        "{label:<44} n={:<5} p50={:>8.3} ms  p95={:>8.3} ms  max={:>8.3} ms",
        s.n, s.p50, s.p95, s.max
    );
}

/// Search-as-you-type sequences: each prefix of each query is one keystroke.
const DIGIT_QUERIES: &[&str] = &[
    "4155", "2125", "3055", "7400", "9999", "1234", "0000", "5551", "8675", "3120",
];
const NAME_QUERIES: &[&str] = &[
    "suppor", "billin", "francis", "escala", "londo", "after ", "dispat", "zzzzzz", "berlin",
    "toront",
];

fn keystrokes() -> (Vec<String>, Vec<String>) {
    let digits = DIGIT_QUERIES
        .iter()
        .flat_map(|q| (1..=4).map(move |n| q[..n].to_owned()))
        .collect();
    let names = NAME_QUERIES
        .iter()
        .flat_map(|q| (3..=q.chars().count().min(6)).map(move |n| q.chars().take(n).collect()))
        .collect();
    (digits, names)
}

fn run(cmd: Bench) -> Result<()> {
    match cmd {
        Bench::Insert { numbers, file } => insert(numbers, file),
        Bench::Search {
            workspace,
            org,
            numbers,
            rounds,
            verbose,
        } => search(&workspace, &org, numbers, rounds, verbose),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cpu}, {cores} cores")
}

fn insert(numbers: u64, file: Option<PathBuf>) -> Result<()> {
    let dir = tempfile_dir()?;
    let path = file.unwrap_or_else(|| dir.join("bench-insert.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    println!("machine: {}", machine());
    let mut ws = Workspace::open(&path)?;
    let org = ws.add_organization("bench", "Bench")?;
    let t = Instant::now();
    let rows = seed::generate(&org, &[], numbers, Default::default())?;
    let generate = t.elapsed();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut bulk = ws.bulk_insert(org.id, numbers)?;
    for (n, facts) in &rows {
        bulk.insert_with_facts(n, facts)?;
    }
    bulk.finish()?;
    let insert = t.elapsed();
    let insert_cpu = cpu_seconds() - cpu;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(format!("{}-wal", path.display()))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "generate+validate {numbers} numbers: {:.2} s ({:.0} numbers/s)",
        generate.as_secs_f64(),
        numbers as f64 / generate.as_secs_f64()
    );
    println!(
        "bulk insert {numbers} numbers: {:.2} s wall ({:.0} rows/s), {insert_cpu:.2} s CPU ({:.0} rows/CPU-s)",
        insert.as_secs_f64(),
        numbers as f64 / insert.as_secs_f64(),
        numbers as f64 / insert_cpu.max(0.01)
    );
    println!(
        "file size: {:.1} MB ({:.0} bytes/number)",
        size as f64 / 1e6,
        size as f64 / numbers as f64
    );
    drop(ws);
    // The same rows written by SQLite alone, with the same schema: the floor for this schema.
    let scratch = dir.join("bench-floor.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
    }
    let t = Instant::now();
    let cpu = cpu_seconds();
    let (steps, rows) = switchboard_core::store::floor::measure(&path, &scratch)?;
    let (floor, floor_cpu) = (t.elapsed(), cpu_seconds() - cpu);
    println!(
        "SQLite floor for this schema ({rows} rows, no per-row work in Rust): {:.2} s wall ({:.0} rows/s), {floor_cpu:.2} s CPU ({:.0} rows/CPU-s)",
        floor.as_secs_f64(),
        rows as f64 / floor.as_secs_f64(),
        rows as f64 / floor_cpu.max(0.01)
    );
    for s in &steps {
        println!("  {:<40} {:>7.2} s", s.what, s.took.as_secs_f64());
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
    }
    Ok(())
}

/// CPU seconds this process has used (user + system), from /proc; 0 where unavailable.
/// Unlike wall time, it is barely affected by other work on the machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
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

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    Ok(dir)
}

fn search(workspace: &Path, slug: &str, numbers: u64, rounds: u32, verbose: bool) -> Result<()> {
    let mut ws = Workspace::open(workspace)?;
    println!("machine: {}", machine());
    let org = match ws.organization(slug) {
        Ok(o) if ws.count_numbers(&NumberFilter::org(o.id))? > 0 => o,
        _ => {
            let t = Instant::now();
            let report = seed::seed(&mut ws, slug, numbers, |_, _| {})?;
            println!(
                "seeded {} numbers in {:.1} s",
                report.numbers_inserted,
                t.elapsed().as_secs_f64()
            );
            report.organization
        }
    };
    let total = ws.count_numbers(&NumberFilter::org(org.id))?;
    println!(
        "workspace: {} ({} numbers in {})",
        ws.path().display(),
        total,
        org.slug
    );
    let (digits, names) = keystrokes();
    let sort = Sort::default();
    let run_set = |label: &str, filters: Vec<NumberFilter>| -> Result<()> {
        let mut pages = Vec::new();
        let mut counts = Vec::new();
        // One warm-up pass, then the measured rounds.
        for round in 0..=rounds {
            for f in &filters {
                let q = NumberQuery::first(f.clone(), sort, 100)?;
                let t = Instant::now();
                let (page, plan) = ws.list_numbers_planned(&q)?;
                let page_time = t.elapsed();
                let t = Instant::now();
                let n = ws.count_numbers(f)?;
                let count_time = t.elapsed();
                if (n as usize) < page.items.len() {
                    return Err(Error::InvalidInput {
                        field: "bench".into(),
                        reason: format!("count {n} < page {}", page.items.len()),
                    });
                }
                if verbose && round == rounds {
                    println!(
                        "    {:?} {:?}: page {:.3} ms ({plan:?}, {} rows), count {:.3} ms ({n})",
                        f.search,
                        (f.provider, f.status, &f.country, &f.capabilities),
                        page_time.as_secs_f64() * 1e3,
                        page.items.len(),
                        count_time.as_secs_f64() * 1e3
                    );
                }
                if round > 0 {
                    pages.push(page_time);
                    counts.push(count_time);
                }
            }
        }
        print_summary(&format!("{label}: first page of 100"), &summarize(pages));
        print_summary(&format!("{label}: exact count"), &summarize(counts));
        Ok(())
    };
    let of = |s: &str| NumberFilter::org(org.id).search(s);
    run_set("search 1-4 digits", digits.iter().map(|s| of(s)).collect())?;
    for len in 1..=4 {
        run_set(
            &format!("  {len} digit(s)"),
            digits
                .iter()
                .filter(|s| s.len() == len)
                .map(|s| of(s))
                .collect(),
        )?;
    }
    run_set("search 3-6 letters", names.iter().map(|s| of(s)).collect())?;
    let mut filters = Vec::new();
    for p in Provider::ALL {
        let mut f = NumberFilter::org(org.id);
        f.provider = Some(p);
        filters.push(f);
    }
    for s in Status::ALL {
        let mut f = NumberFilter::org(org.id);
        f.status = Some(s);
        filters.push(f);
    }
    for c in ["US", "GB", "JP", "BR"] {
        let mut f = NumberFilter::org(org.id);
        f.country = Some(c.into());
        filters.push(f);
    }
    let mut f = NumberFilter::org(org.id);
    f.capabilities = vec![Capability::Mms, Capability::Fax];
    f.status = Some(Status::Error);
    filters.push(f);
    run_set("filter-only listing", filters)?;
    Ok(())
}
