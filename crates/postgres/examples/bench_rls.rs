//! Team-database benchmark: 1,000,000 numbers in 10 organizations, queried as one manager's
//! login role under row-level security with the foundation's query sets (search as you type
//! for 1–4 digits and 3–6 letters, filter-only listings): first page of 100 and exact count,
//! p50/p95. Figures go to docs/BENCHMARKS.md next to the local store's.
//!
//! The search sets also run, in the same rounds, against a baseline: the leakproof operators
//! of migration `20251009150000` (which `20261207000100` drops because they let a manager read
//! other organizations' rows) installed again in the throwaway cluster, with the statements
//! the client sent through them. Last, the time of a search for text only another
//! organization has, before and after that organization gets 10,000 matching rows.
//!
//! `cargo run --release -p switchboard-postgres --example bench_rls [-- NUMBERS]`. Starts a
//! throwaway cluster (or uses `DATABASE_URL`, see switchboard-test-postgres). With
//! `BENCH_RLS_HOLD=1` it prints the admin's and the manager's URLs after the run and keeps the
//! cluster until a line arrives on standard input (for `EXPLAIN (ANALYZE, BUFFERS)` by hand).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sqlx::Row;
use sqlx::postgres::PgRow;
use switchboard_core::domain::{Capability, Organization, Provider, Status};
use switchboard_core::query::SearchText;
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::seed;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::search::escape_like;
use switchboard_postgres::{ConnectSettings, PgPool, RemoteWorkspace, bulk, migrate};
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

const DIGITS: &[&str] = &[
    "4155", "2125", "3055", "7400", "9999", "1234", "0000", "5551", "8675", "3120",
];
const NAMES: &[&str] = &[
    "suppor", "billin", "francis", "escala", "londo", "after ", "dispat", "zzzzzz", "berlin",
    "toront",
];

fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("URL")
        .with_timeout(Duration::from_secs(60))
}

/// Migration `20251009150000`, to install the leakproof operators again as the baseline.
const LEAKPROOF_OPERATORS: &str =
    include_str!("../../../migrations/20251009150000_phone_numbers_leakproof_search.sql");

/// What the client sent before `20261207000100` for search text with no other filter: the
/// leakproof operators for 3 or more characters, `LIKE` for shorter text. Returns the
/// condition (`$1` the organization, `$2` the pattern) and the pattern.
fn leakproof_condition(text: &SearchText) -> (&'static str, String) {
    let (condition, needle) = match text {
        SearchText::Digits(d) if d.chars().count() >= 3 => {
            ("p.phone_number OPERATOR(public.~~~) $2", d)
        }
        SearchText::Name(n) if n.chars().count() >= 3 => {
            ("p.friendly_name OPERATOR(public.~~~*) $2", n)
        }
        SearchText::Digits(d) => ("p.phone_number LIKE $2", d),
        SearchText::Name(n) => ("lower(p.friendly_name) LIKE lower($2)", n),
    };
    (condition, format!("%{}%", escape_like(needle)))
}

/// The rows of `sql` with the organization and the pattern bound.
async fn baseline_rows(pool: &PgPool, sql: String, org: Uuid, pattern: &str) -> Vec<PgRow> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org)
        .bind(pattern)
        .fetch_all(pool)
        .await
        .expect("baseline")
}

/// The old client's first page of 100 sorted by number: the first 4,040 rows in number order
/// tested, then every match through the index if that did not fill the page.
async fn baseline_page(pool: &PgPool, org: Uuid, text: &SearchText) -> usize {
    let (condition, pattern) = leakproof_condition(text);
    let walk = format!(
        "SELECT * FROM (SELECT p.*, p.phone_number AS sort_key FROM phone_numbers AS p
                        WHERE p.organization_id = $1 ORDER BY p.phone_number LIMIT 4040) AS p
         WHERE {condition} ORDER BY p.phone_number LIMIT 101"
    );
    let page = baseline_rows(pool, walk, org, &pattern).await;
    if page.len() == 101 || !condition.contains("OPERATOR") {
        return page.len();
    }
    let matches = format!(
        "WITH m AS MATERIALIZED (SELECT p.*, p.phone_number AS sort_key FROM phone_numbers AS p
                                 WHERE p.organization_id = $1 AND {condition})
         SELECT * FROM m AS p ORDER BY p.phone_number LIMIT 101"
    );
    baseline_rows(pool, matches, org, &pattern).await.len()
}

/// The old client's count.
async fn baseline_count(pool: &PgPool, org: Uuid, text: &SearchText) -> i64 {
    let (condition, pattern) = leakproof_condition(text);
    let count = format!(
        "SELECT count(*) FROM phone_numbers AS p WHERE p.organization_id = $1 AND {condition}"
    );
    baseline_rows(pool, count, org, &pattern).await[0].get(0)
}

/// A manager's search (first page and count) for text only `other` has, timed before and
/// after `other` gets 10,000 matching rows: what time alone tells of another organization.
async fn timing_of_another_organizations_rows(
    admin: &PgPool,
    manager: &RemoteWorkspace,
    org: Uuid,
    other: Uuid,
) {
    let f = NumberFilter::org(org).search("qqxyzq");
    let q = NumberQuery::first(f.clone(), Sort::default(), 100).expect("query");
    let mut rounds = Vec::new();
    for rows in [0, 10_000] {
        if rows > 0 {
            sqlx::query(
                "INSERT INTO phone_numbers (organization_id, provider, phone_number,
                                            friendly_name, credentials)
                 SELECT $1, 'twilio', '+999' || lpad(g::text, 8, '0'), 'Qqxyzq line ' || g, '{}'
                 FROM generate_series(1, $2) AS g",
            )
            .bind(other)
            .bind(rows)
            .execute(admin)
            .await
            .expect("rows of another organization");
        }
        let mut times = Vec::new();
        for i in 0..60 {
            let t = Instant::now();
            let page = manager.list_numbers(&q).await.expect("page");
            let n = manager.count_numbers(&f).await.expect("count");
            assert!(page.items.is_empty() && n == 0);
            if i >= 10 {
                times.push(t.elapsed());
            }
        }
        rounds.push((rows, times));
    }
    for (rows, times) in rounds {
        summary(
            &format!("text only org1 has, {rows} rows there: page + count"),
            times,
        );
    }
}

fn summary(label: &str, mut d: Vec<Duration>) {
    d.sort();
    let at = |p: f64| {
        d[((d.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(d.len() - 1)]
    };
    let ms = |x: Duration| x.as_secs_f64() * 1e3;
    println!(
        "{label:<44} n={:<4} p50={:>8.2} ms  p95={:>8.2} ms  max={:>8.2} ms",
        d.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(d[d.len() - 1])
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let cluster = TestCluster::start().expect("cluster");
    let admin = cluster.admin_url();
    migrate::migrate(&settings(&admin)).await.expect("migrate");
    let pool = settings(&admin).admin_pool().await.expect("admin pool");

    let t = Instant::now();
    let mut orgs = Vec::new();
    for i in 0..10 {
        let slug = format!("org{i}");
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO organizations (slug, name) VALUES ($1, $1) RETURNING id",
        )
        .bind(&slug)
        .fetch_one(&pool)
        .await
        .expect("organization");
        orgs.push(Organization {
            id,
            slug: slug.clone(),
            name: slug,
        });
    }
    for org in &orgs {
        let rows = seed::generate(org, &[], total / 10, HashSet::new()).expect("generate");
        let numbers: Vec<_> = rows.into_iter().map(|(n, _)| n).collect();
        bulk::copy_numbers(&pool, &numbers).await.expect("copy");
    }
    sqlx::query("ANALYZE")
        .execute(&pool)
        .await
        .expect("analyze");
    println!(
        "loaded {total} numbers in 10 organizations in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    grant(
        &settings(&admin),
        &Grant {
            role: "bench_manager".into(),
            organization: "org0".into(),
            display_name: None,
        },
        || Ok("bench-pw".into()),
    )
    .await
    .expect("grant");
    let manager =
        RemoteWorkspace::connect(&settings(&cluster.url_for("bench_manager", "bench-pw")))
            .await
            .expect("connect as manager");
    let org = orgs[0].id;
    let t = Instant::now();
    sqlx::raw_sql(LEAKPROOF_OPERATORS)
        .execute(&pool)
        .await
        .expect("baseline operators");
    sqlx::query("ANALYZE phone_numbers")
        .execute(&pool)
        .await
        .expect("analyze");
    println!(
        "baseline: leakproof operators and their indexes installed in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let digit_queries: Vec<String> = DIGITS
        .iter()
        .flat_map(|q| (1..=4).map(move |n| q[..n].to_owned()))
        .collect();
    let name_queries: Vec<String> = NAMES
        .iter()
        .flat_map(|q| (3..=q.chars().count().min(6)).map(move |n| q.chars().take(n).collect()))
        .collect();
    let mut filters = Vec::new();
    for p in Provider::ALL {
        let mut f = NumberFilter::org(org);
        f.provider = Some(p);
        filters.push(f);
    }
    for s in Status::ALL {
        let mut f = NumberFilter::org(org);
        f.status = Some(s);
        filters.push(f);
    }
    // Countries with a calling code of their own (the team store refuses shared codes).
    for c in ["DE", "FR", "JP", "BR"] {
        let mut f = NumberFilter::org(org);
        f.country = Some(c.into());
        filters.push(f);
    }
    let mut f = NumberFilter::org(org);
    f.capabilities = vec![Capability::Mms, Capability::Fax];
    f.status = Some(Status::Error);
    filters.push(f);

    let sets: Vec<(&str, Vec<NumberFilter>)> = vec![
        (
            "search 1-4 digits",
            digit_queries
                .iter()
                .map(|q| NumberFilter::org(org).search(q))
                .collect(),
        ),
        (
            "search 3-6 letters",
            name_queries
                .iter()
                .map(|q| NumberFilter::org(org).search(q))
                .collect(),
        ),
        ("filter-only listing", filters),
    ];
    for (label, set) in sets {
        let (mut pages, mut counts) = (Vec::new(), Vec::new());
        let (mut base_pages, mut base_counts) = (Vec::new(), Vec::new());
        for round in 0..3 {
            for f in &set {
                if let Some(text) = &f.search {
                    let t = Instant::now();
                    let n = baseline_page(manager.pool(), org, text).await;
                    let page_time = t.elapsed();
                    let t = Instant::now();
                    let count = baseline_count(manager.pool(), org, text).await;
                    let count_time = t.elapsed();
                    assert!(count as usize >= n.min(100), "{text:?}");
                    if round > 0 {
                        base_pages.push(page_time);
                        base_counts.push(count_time);
                    }
                }
                let q = NumberQuery::first(f.clone(), Sort::default(), 100).expect("query");
                let t = Instant::now();
                let page = manager.list_numbers(&q).await.expect("page");
                let page_time = t.elapsed();
                let t = Instant::now();
                let n = manager.count_numbers(f).await.expect("count");
                let count_time = t.elapsed();
                assert!(n as usize >= page.items.len());
                if round > 0 {
                    pages.push(page_time);
                    counts.push(count_time);
                }
            }
        }
        summary(&format!("{label}: first page of 100"), pages);
        summary(&format!("{label}: exact count"), counts);
        if !base_pages.is_empty() {
            summary(&format!("{label}: baseline ~~~, first page"), base_pages);
            summary(&format!("{label}: baseline ~~~, exact count"), base_counts);
        }
    }
    timing_of_another_organizations_rows(&pool, &manager, org, orgs[1].id).await;
    if std::env::var_os("BENCH_RLS_HOLD").is_some() {
        // Keep the cluster for EXPLAIN by hand until a line (or end of file) on stdin.
        println!("admin:   {admin}");
        println!("manager: {}", cluster.url_for("bench_manager", "bench-pw"));
        println!("organization: {org}; press Enter to stop the cluster");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).ok();
    }
}
