//! Usage records end to end: 1,000,000 call records of 10,000 numbers from the fake Twilio,
//! (a) downloaded and parsed alone (every page read, nothing kept: the baseline), and (b)
//! pulled by `switchboard_ops::usage::sync` into a new local workspace (streamed into the store
//! while the next page downloads, rollups kept in the same transactions; once
//! `usage::pull_goes_large` says so, after 3 pages into the new file, the rest as one large
//! pull), and (c) the same sync with every page
//! kept on its own (as before large pulls: the unique record key written by every insert) into
//! another new workspace, in the same run; then
//! `usage::report(--by number)` (with each number's health) over those records, in process,
//! against the same reads made apart (the totals and the health window at once, as before the
//! report read the rollups once for both).
//!
//! `cargo run --release -p switchboard-ops --example bench_usage [NUMBERS] [CALLS_PER_NUMBER]`
//! (defaults 10,000 and 100). Targets: (b) ≤ 2 × (a); the report ≤ 100 ms.
//! `… [NUMBERS] [CALLS_PER_NUMBER] no-c` leaves (c) out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use switchboard_core::Result;
use switchboard_core::domain::E164;
use switchboard_core::usage::{
    CallRecord, Kept, MessageRecord, NumberDayRows, NumberDays, RecordKind, UsageAccount,
    UsageCursor, UsageRow,
};
use switchboard_ops::usage::UsageStore;

use switchboard_core::query::{NumberFilter, NumberQuery};
use switchboard_core::usage::{DayRange, GroupBy, Thresholds};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, UsageConfig, creds};
use switchboard_ops::usage::{self, AccountToSync};
use switchboard_ops::{Inventory, Target, open};
use switchboard_providers::ProviderClient;
use switchboard_providers::http::HttpSettings;
use switchboard_providers::twilio::{TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint};
use switchboard_secrets::SecretString;
use time::{Duration as Span, OffsetDateTime};
use tokio_util::sync::CancellationToken;

fn client(base: &str) -> ProviderClient {
    let auth = TwilioAuth::AuthToken(SecretString::new(creds::TWILIO_AUTH_TOKEN.to_owned()));
    let credentials = TwilioCredentials {
        account_sid: creds::TWILIO_ACCOUNT_SID.into(),
        auth,
    };
    let endpoint = TwilioEndpoint::Twilio {
        base_url: Some(base.to_owned()),
    };
    let settings = HttpSettings {
        max_listed_numbers: 10_000_000,
        ..HttpSettings::default()
    };
    ProviderClient::Twilio(TwilioClient::new(credentials, endpoint, &settings).unwrap())
}

/// A store that keeps every page on its own: `store`'s methods but its large pull (the
/// default: none).
#[derive(Debug)]
struct PageByPage<'a>(&'a dyn UsageStore);

#[async_trait]
impl UsageStore for PageByPage<'_> {
    async fn cursor(&self, a: &UsageAccount, k: RecordKind) -> Result<Option<UsageCursor>> {
        self.0.cursor(a, k).await
    }
    async fn set_cursor(&self, a: &UsageAccount, k: RecordKind, c: UsageCursor) -> Result<()> {
        self.0.set_cursor(a, k, c).await
    }
    async fn keep_calls(
        &self,
        a: &UsageAccount,
        r: Vec<CallRecord>,
        at: OffsetDateTime,
    ) -> Result<Kept> {
        self.0.keep_calls(a, r, at).await
    }
    async fn keep_messages(
        &self,
        a: &UsageAccount,
        r: Vec<MessageRecord>,
        at: OffsetDateTime,
    ) -> Result<Kept> {
        self.0.keep_messages(a, r, at).await
    }
    async fn oldest_pending(
        &self,
        a: &UsageAccount,
        k: RecordKind,
    ) -> Result<Option<OffsetDateTime>> {
        self.0.oldest_pending(a, k).await
    }
    async fn usage_totals(&self, o: uuid::Uuid, r: DayRange, by: GroupBy) -> Result<Vec<UsageRow>> {
        self.0.usage_totals(o, r, by).await
    }
    async fn daily_calls_of(
        &self,
        o: uuid::Uuid,
        r: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>> {
        self.0.daily_calls_of(o, r, only).await
    }
    async fn number_days(&self, o: uuid::Uuid, n: &E164, r: DayRange) -> Result<NumberDayRows> {
        self.0.number_days(o, n, r).await
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (numbers, per_number) = (arg(1, 10_000), arg(2, 100));
    let compare = std::env::args().nth(3).as_deref() != Some("no-c");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(numbers, per_number, compare));
}

async fn run(numbers: usize, per_number: usize, compare: bool) {
    let now = OffsetDateTime::now_utc();
    let config = FakeConfig {
        twilio_numbers: numbers,
        usage: UsageConfig {
            calls_per_number: per_number,
            messages_per_number: 0,
            days: 30,
            now: now.unix_timestamp() - now.unix_timestamp() % 60,
            ..UsageConfig::default()
        },
        ..FakeConfig::default()
    };
    let fakes = FakeProviders::start(config).await.unwrap();
    let c = client(&fakes.base_url(FakeKind::Twilio));
    let cancel = CancellationToken::new();
    let since = now - Span::days(31);

    // The organization's numbers, as an import would add them.
    let dir = tempfile::tempdir().unwrap();
    let inv: Arc<dyn Inventory> = open(Target::Local(dir.path().join("bench.db")))
        .await
        .unwrap();
    let org = inv.add_organization("bench", "Bench").await.unwrap().id;
    let listing = c.list_numbers(&|_| {}, &cancel).await.unwrap();
    let sid = creds::TWILIO_ACCOUNT_SID;
    let valid: Vec<_> = (listing.numbers.iter())
        .map(|n| n.to_new_number(sid).validate().unwrap())
        .collect();
    let valid_again = valid.clone();
    (inv.file().unwrap())
        .run(move |ws| ws.add_numbers(org, valid).map(|_| ()))
        .await
        .unwrap();
    println!(
        "{} numbers, {} call records over 30 days",
        numbers,
        numbers * per_number
    );

    // (a) Download and parse alone.
    let read = AtomicU64::new(0);
    let started = Instant::now();
    let pages = c
        .calls_since(
            since,
            &|p| {
                read.fetch_add(p.records.len() as u64, Ordering::Relaxed);
            },
            &cancel,
        )
        .await
        .unwrap();
    let baseline = started.elapsed();
    println!(
        "(a) download + parse alone: {:.2} s ({} records, {pages} pages)",
        baseline.as_secs_f64(),
        read.load(Ordering::Relaxed)
    );

    // (b) Pulled into the store.
    let accounts = usage::accounts_of(&*inv, org, None).await.unwrap();
    let accounts: Vec<AccountToSync> = (accounts.into_iter())
        .map(|account| AccountToSync {
            account,
            client: c.clone(),
        })
        .collect();
    let store = inv.usage().unwrap();
    let started = Instant::now();
    let synced = usage::sync(store, &accounts, Some(since), &|_| {}, &cancel)
        .await
        .unwrap();
    let ingest = started.elapsed();
    println!(
        "(b) sync into the local workspace: {:.2} s ({} added, {} pending, {} pages): {:.2} × (a)",
        ingest.as_secs_f64(),
        synced[0].added,
        synced[0].pending,
        synced[0].pages,
        ingest.as_secs_f64() / baseline.as_secs_f64()
    );

    // (c) The same sync, page by page, into another workspace with the same numbers.
    if compare {
        let other: Arc<dyn Inventory> = open(Target::Local(dir.path().join("pages.db")))
            .await
            .unwrap();
        let other_org = other.add_organization("bench", "Bench").await.unwrap().id;
        (other.file().unwrap())
            .run(move |ws| ws.add_numbers(other_org, valid_again).map(|_| ()))
            .await
            .unwrap();
        let accounts: Vec<AccountToSync> = (usage::accounts_of(&*other, other_org, None).await)
            .unwrap()
            .into_iter()
            .map(|account| AccountToSync {
                account,
                client: c.clone(),
            })
            .collect();
        let pages = PageByPage(other.usage().unwrap());
        let started = Instant::now();
        let synced = usage::sync(&pages, &accounts, Some(since), &|_| {}, &cancel)
            .await
            .unwrap();
        let by_page = started.elapsed();
        println!(
            "(c) the same, every page kept on its own: {:.2} s ({} added): {:.2} × (a); (b) is \
             {:.2} × (c)",
            by_page.as_secs_f64(),
            synced[0].added,
            by_page.as_secs_f64() / baseline.as_secs_f64(),
            ingest.as_secs_f64() / by_page.as_secs_f64()
        );
        drop(other);
        let _ = std::fs::remove_file(dir.path().join("pages.db"));
    }

    // The report by number, with health, in process.
    let limits = Thresholds::default();
    let range = DayRange::new((now - Span::days(30)).date(), now.date()).unwrap();
    let mut times = Vec::new();
    let mut totals_only = Vec::new();
    let mut apart = Vec::new();
    let mut rows = 0;
    for _ in 0..7 {
        let t = Instant::now();
        rows = usage::report(store, org, range, GroupBy::Number, &limits)
            .await
            .unwrap()
            .len();
        times.push(t.elapsed());
        let t = Instant::now();
        store
            .usage_totals(org, range, GroupBy::Number)
            .await
            .unwrap();
        totals_only.push(t.elapsed());
        // The baseline in the same run: the totals and the health window as two reads at
        // once, as the report read them before it read the rollups once for both.
        let t = Instant::now();
        let (totals, health) = tokio::join!(
            store.usage_totals(org, range, GroupBy::Number),
            usage::health(store, org, range.to(), &limits)
        );
        totals.unwrap();
        health.unwrap();
        apart.push(t.elapsed());
    }
    times.sort();
    totals_only.sort();
    apart.sort();
    println!(
        "report --by number with health: {rows} rows, median {:.1} ms (min {:.1}, max {:.1}); \
         totals alone median {:.1} ms; totals and health window read apart (the baseline) \
         median {:.1} ms",
        ms(times[3]),
        ms(times[0]),
        ms(times[6]),
        ms(totals_only[3]),
        ms(apart[3])
    );
    let query = NumberQuery::first(NumberFilter::org(org), Default::default(), 1000).unwrap();
    let t = Instant::now();
    let by = usage::ByHealth {
        state: switchboard_core::usage::HealthState::AtRisk,
        last_day: now.date(),
        limits: &limits,
    };
    let at_risk = usage::numbers_by_health(&*inv, &query, by).await.unwrap();
    println!(
        "numbers list --health at_risk: {} numbers in {:.1} ms",
        at_risk.len(),
        ms(t.elapsed())
    );
    let size = std::fs::metadata(dir.path().join("bench.db")).map_or(0, |m| m.len());
    println!("workspace file: {:.0} MB", size as f64 / 1e6);
}
