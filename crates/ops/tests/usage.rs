//! Usage actions against the fake Twilio into a local workspace: a sync streams the account's
//! records into the store, a second sync asks only for what is new and completes late prices,
//! totals equal the fake's records, and health finds the numbers whose answers fell.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use switchboard_core::domain::{E164, Provider};
use switchboard_core::query::{NumberFilter, NumberQuery};
use switchboard_core::usage::{
    CallRecord, DayRange, GroupBy, HealthState, MessageRecord, Price, RecordKind, Thresholds,
    UsageAccount, UsageCursor,
};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, Faults, UsageConfig, creds};
use switchboard_ops::providers::accounts::add_account;
use switchboard_ops::providers::client::ProviderFailure;
use switchboard_ops::usage::{self, AccountToSync};
use switchboard_ops::{Inventory, Target, open};
use switchboard_providers::ProviderClient;
use switchboard_providers::account_auth::AccountAuth;
use switchboard_providers::model::Gather;
use switchboard_secrets::{SecretString, Vault};
use time::{Duration, OffsetDateTime, macros::datetime};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

mod common;

const NOW: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);
const NUMBERS: usize = 20;

fn config() -> FakeConfig {
    config_with(300)
}

/// [`config`] with `calls` calls per number over its 10 days.
fn config_with(calls: usize) -> FakeConfig {
    FakeConfig {
        twilio_numbers: NUMBERS,
        usage: UsageConfig {
            calls_per_number: calls,
            messages_per_number: 60,
            days: 10,
            now: NOW.unix_timestamp(),
            pending_secs: 3_600,
            currency: "USD".into(),
            ..UsageConfig::default()
        },
        ..FakeConfig::default()
    }
}

struct Setup {
    fakes: FakeProviders,
    inv: Arc<dyn Inventory>,
    org: Uuid,
    client: ProviderClient,
    accounts: Vec<AccountToSync>,
    _dir: tempfile::TempDir,
}

/// A local workspace whose organization "acme" has the first `keep` of `client`'s numbers.
async fn workspace_of(
    client: &ProviderClient,
    keep: usize,
) -> (tempfile::TempDir, Arc<dyn Inventory>, Uuid) {
    let listing = client
        .list_numbers(&|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("w.db"))).await.unwrap();
    let org = inv.add_organization("acme", "Acme").await.unwrap().id;
    for n in listing.numbers.iter().take(keep) {
        let valid = n.to_new_number(client.account_id()).validate().unwrap();
        inv.add_number(org, valid).await.unwrap();
    }
    (dir, inv, org)
}

/// A workspace whose organization has the fake's numbers, all but the last (its records are
/// not the organization's).
async fn setup() -> Setup {
    setup_with(config()).await
}

/// [`setup`] with the fake's records of `config`.
async fn setup_with(config: FakeConfig) -> Setup {
    let fakes = FakeProviders::start(config).await.unwrap();
    let client = common::twilio(&fakes.base_url(FakeKind::Twilio));
    let (dir, inv, org) = workspace_of(&client, NUMBERS - 1).await;
    let accounts = usage::accounts_of(&*inv, org, None).await.unwrap();
    assert_eq!(
        accounts,
        [UsageAccount {
            organization_id: org,
            provider: Provider::Twilio,
            account_id: creds::TWILIO_ACCOUNT_SID.into(),
        }]
    );
    let accounts = accounts
        .into_iter()
        .map(|account| AccountToSync {
            account,
            client: client.clone(),
        })
        .collect();
    fakes.faults(FakeKind::Twilio).clear_requests();
    Setup {
        fakes,
        inv,
        org,
        client,
        accounts,
        _dir: dir,
    }
}

/// The `filter` values of the fake's list requests of `resource` (first pages only: the next
/// pages follow Twilio's links).
fn filters(f: &FakeProviders, resource: &str, filter: &str) -> Vec<String> {
    f.faults(FakeKind::Twilio)
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(&format!("/{resource}.json")))
        .filter(|r| !r.query.iter().any(|(k, _)| k == "PageToken"))
        .filter_map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == filter)
                .map(|(_, v)| v.clone())
        })
        .collect()
}

/// Per number and currency, what the fake's records charged, and how many are pending.
fn sums(calls: &[CallRecord], messages: &[MessageRecord]) -> BTreeMap<String, (i64, u64)> {
    let mut out: BTreeMap<String, (i64, u64)> = BTreeMap::new();
    let prices = (calls.iter().map(|c| (&c.number, &c.price)))
        .chain(messages.iter().map(|m| (&m.number, &m.price)));
    for (number, price) in prices {
        let e = out.entry(number.as_str().to_owned()).or_default();
        match price {
            Price::Charged { money } => e.0 += money.nanos,
            Price::Pending => e.1 += 1,
            // Neither charged nor pending.
            Price::NotBilled | Price::NotReported => {}
        }
    }
    out
}

/// The fake's call and message records from `since` on, read through the client.
async fn fake_records(s: &Setup, since: OffsetDateTime) -> (Vec<CallRecord>, Vec<MessageRecord>) {
    let cancel = CancellationToken::new();
    let gather_calls = Gather::default();
    let sink = |p| gather_calls.page(p);
    let pages = s.client.calls_since(since, &sink, &cancel).await;
    let calls = gather_calls.done(pages).unwrap().records;
    let gather_messages = Gather::default();
    let sink = |p| gather_messages.page(p);
    let pages = s.client.messages_since(since, &sink, &cancel).await;
    (calls, gather_messages.done(pages).unwrap().records)
}

/// The workspace's integrity check finds nothing (its rollups equal its records).
async fn assert_whole(s: &Setup) {
    let problems = s
        .inv
        .file()
        .unwrap()
        .run(|ws| ws.integrity_check())
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

/// Per number of `rows`, its cost (in USD, the only currency) and pending records.
fn usd_and_pending(rows: &[switchboard_core::usage::UsageRow]) -> BTreeMap<String, (i64, u64)> {
    rows.iter()
        .map(|r| {
            let usd: Vec<_> = r.cost.iter().collect();
            assert_eq!(usd.len(), 1, "one currency: {r:?}");
            assert_eq!(usd[0].currency, "USD");
            (r.key.clone(), (usd[0].nanos, r.counts.pending))
        })
        .collect()
}

async fn sync(s: &Setup, since: Option<OffsetDateTime>) -> Vec<usage::AccountSynced> {
    let pages = AtomicU32::new(0);
    let progress = |_: &usage::SyncProgress| {
        pages.fetch_add(1, Ordering::SeqCst);
    };
    let store = s.inv.usage().unwrap();
    let report = usage::sync(
        store,
        &s.accounts,
        since,
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        pages.load(Ordering::SeqCst),
        report[0].pages,
        "progress per page"
    );
    report
}

#[tokio::test]
async fn a_second_sync_asks_only_for_what_is_new_and_completes_late_prices() {
    second_sync_of(300).await;
}

/// The same with a first pull of 24,000 calls in pages of 1,000 into an empty file: the rest
/// of it after `LARGE_PULL_MIN_PAGES` is kept as one large pull.
#[tokio::test]
async fn after_a_large_first_sync_a_second_asks_only_for_what_is_new_and_completes_late_prices() {
    const { assert!(24 > usage::LARGE_PULL_MIN_PAGES + 2) };
    second_sync_of(1_200).await;
}

/// A first sync of `per_number` calls per number over 10 days, then a second two hours later.
async fn second_sync_of(per_number: usize) {
    let s = setup_with(config_with(per_number)).await;
    let since = NOW - Duration::days(10);
    let first = sync(&s, Some(since)).await;
    let a = &first[0];
    let (ours, theirs) = (per_number * (NUMBERS - 1), per_number);
    assert_eq!(a.calls.kept.added as usize, ours);
    assert_eq!(a.calls.kept.not_ours as usize, theirs);
    assert_eq!(a.messages.kept.added as usize, 60 * (NUMBERS - 1));
    assert_eq!(a.added, a.calls.kept.added + a.messages.kept.added);
    assert!(a.pending > 0, "the last hour's records are pending: {a:?}");
    assert_eq!(a.completed, 0);
    assert_eq!(
        filters(&s.fakes, "Calls", "StartTime>"),
        ["2026-11-21"],
        "the first sync asks from --since"
    );

    // Totals equal the fake's records, to the nanounit, with the pending ones apart.
    let (calls, messages) = fake_records(&s, since).await;
    let mut expected = sums(&calls, &messages);
    let range = DayRange::new(since.date(), NOW.date()).unwrap();
    let store = s.inv.usage().unwrap();
    let rows = store
        .usage_totals(s.org, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(rows.len(), NUMBERS - 1);
    let stranger = expected
        .keys()
        .find(|k| !rows.iter().any(|r| &&r.key == k))
        .cloned()
        .expect("the number the organization does not have");
    expected.remove(&stranger);
    assert_eq!(usd_and_pending(&rows), expected);

    // Two hours later: the second sync asks from its cursor (the oldest pending record's day)
    // and completes every record that was pending.
    let calls_cursor = a.calls.next_since;
    assert!(
        calls_cursor > NOW - Duration::hours(2) && calls_cursor < NOW,
        "{calls_cursor}"
    );
    s.fakes.faults(FakeKind::Twilio).set(Faults {
        clock_secs: 7_200,
        ..Faults::default()
    });
    s.fakes.faults(FakeKind::Twilio).clear_requests();
    let second = sync(&s, None).await;
    let b = &second[0];
    assert_eq!(filters(&s.fakes, "Calls", "StartTime>"), ["2026-11-30"]);
    assert_eq!(filters(&s.fakes, "Messages", "DateSent>"), ["2026-11-30"]);
    assert_eq!(b.calls.since, calls_cursor);
    assert_eq!(b.completed, a.pending, "every pending record was priced");
    // The calls made meanwhile (the fake's rate: per hour, all its calls over its 240 hours)
    // are added, but the other number's.
    let gather = Gather::default();
    let pages = s
        .client
        .calls_since(NOW, &|p| gather.page(p), &CancellationToken::new())
        .await;
    let made: Vec<CallRecord> = gather.done(pages).unwrap().records;
    let made: Vec<&CallRecord> = made.iter().filter(|c| c.started_at >= NOW).collect();
    assert_eq!(made.len(), 2 * per_number * NUMBERS / 240);
    let ours = made
        .iter()
        .filter(|c| c.number.as_str() != stranger)
        .count();
    assert_eq!(b.calls.kept.added as usize, ours);
    assert_whole(&s).await;
    let rows = store
        .usage_totals(s.org, range, GroupBy::Day)
        .await
        .unwrap();
    let pending: u64 = rows.iter().map(|r| r.counts.pending).sum();
    assert_eq!(
        pending, b.pending,
        "what is pending now was read by this sync"
    );
}

/// A large first sync cancelled after its large part began keeps only the pages kept before
/// it (the large part is undone: its records were reported kept, they are not in the store),
/// the workspace reopens whole, and the next sync keeps every record once: totals equal the
/// fake's records to the nanounit.
#[tokio::test]
async fn a_large_sync_cut_off_leaves_a_whole_store_and_the_next_sync_keeps_everything() {
    let s = setup_with(config_with(1_200)).await;
    let since = NOW - Duration::days(10);
    let cancel = CancellationToken::new();
    let reported = std::sync::atomic::AtomicU64::new(0);
    let progress = |p: &usage::SyncProgress| {
        reported.store(p.records, Ordering::SeqCst);
        if p.pages == usage::LARGE_PULL_MIN_PAGES + 2 {
            cancel.cancel();
        }
    };
    let store = s.inv.usage().unwrap();
    let cut = usage::sync(store, &s.accounts, Some(since), &progress, &cancel).await;
    assert!(matches!(cut, Err(ProviderFailure::Cancelled(_))), "{cut:?}");
    let reported = reported.load(Ordering::SeqCst);
    assert!(
        reported >= 1_000 * u64::from(usage::LARGE_PULL_MIN_PAGES),
        "{reported}"
    );

    // The program stops; the workspace is opened again.
    // (The large pull's own connection closed when the sync returned.)
    let mut s = s;
    let path = s.inv.file().unwrap().path().to_owned();
    s.inv = open(Target::Local(path)).await.unwrap();
    assert_whole(&s).await;
    let range = DayRange::new(since.date(), NOW.date()).unwrap();
    let store = s.inv.usage().unwrap();
    let kept: u64 = (store.usage_totals(s.org, range, GroupBy::Day).await)
        .unwrap()
        .iter()
        .map(|r| r.counts.calls)
        .sum();
    assert!(
        kept > 0 && kept < reported,
        "the pages before the large part are kept, not the large part: {kept} of {reported}"
    );
    assert_eq!(
        store
            .cursor(&s.accounts[0].account, RecordKind::Calls)
            .await
            .unwrap(),
        None,
        "the cursor did not move"
    );

    let again = sync(&s, None).await;
    assert!(again[0].calls.since <= since, "a first pull again");
    let (calls, messages) = fake_records(&s, since).await;
    let expected = sums(&calls, &messages);
    let rows = store
        .usage_totals(s.org, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(rows.len(), NUMBERS - 1);
    for (number, figures) in &usd_and_pending(&rows) {
        assert_eq!(Some(figures), expected.get(number), "{number}");
    }
    let calls_kept: u64 = rows.iter().map(|r| r.counts.calls).sum();
    assert_eq!(calls_kept as usize, 1_200 * (NUMBERS - 1));
    assert_whole(&s).await;
}

/// The ski-rental rule: a pull goes large once what its pages kept one by one cost more than
/// in a large pull reaches what the large pull's end costs for the table as it is.
#[test]
fn a_pull_goes_large_once_its_pages_have_cost_what_the_rebuild_would() {
    use usage::{LARGE_PULL_MIN_PAGES as MIN, pull_goes_large as large};
    // Into an empty file: after the first few pages, not before.
    assert!(!large(
        MIN - 1,
        1_000 * u64::from(MIN - 1),
        1_000 * u64::from(MIN - 1)
    ));
    assert!(large(MIN, 1_000 * u64::from(MIN), 1_000 * u64::from(MIN)));
    // A table of a million rows: the rebuild (5 s) is worth it after 62,500 records (0.08 s a
    // page of 1,000), not one record before.
    assert!(!large(62, 62_499, 1_000_000 + 62_499));
    assert!(large(63, 62_500, 1_000_000));
    // A day's refresh (24 pages) on a file of five million records stays page by page; a pull
    // of more than 312,500 records into it goes large.
    assert!(!large(24, 24_000, 5_024_000));
    assert!(!large(312, 312_499, 5_000_000));
    assert!(large(313, 312_500, 5_000_000));
    // No overflow at any size.
    assert!(!large(u32::MAX, 1, u64::MAX));
    assert!(large(u32::MAX, u64::MAX, u64::MAX / 16));
}

/// Syncs `s`'s accounts from `since`; whether the file's write lock was seen held after any
/// page was kept (a large pull holds it from its start to its end; page by page, no write is
/// under way while the progress of a kept page is told).
async fn sync_seeing_the_write_lock(s: &Setup, since: OffsetDateTime) -> bool {
    let path = s.inv.file().unwrap().path().to_owned();
    let other = std::sync::Mutex::new(rusqlite::Connection::open(&path).unwrap());
    let held = std::sync::atomic::AtomicBool::new(false);
    let progress = |_: &usage::SyncProgress| {
        let other = other.lock().unwrap();
        match other.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
            Ok(()) => {}
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                held.store(true, Ordering::SeqCst);
            }
            Err(e) => panic!("{e}"),
        }
    };
    let store = s.inv.usage().unwrap();
    let report = usage::sync(
        store,
        &s.accounts,
        Some(since),
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(report[0].calls.pages, 4, "{report:?}");
    held.load(Ordering::SeqCst)
}

/// A pull of 4 pages of calls goes large into an empty file, but stays page by page on a file
/// whose calls table already holds 100,000 rows (another organization's): rebuilding their key
/// would cost more than the pages save. Every record is kept either way.
#[tokio::test]
async fn a_pull_into_a_file_of_many_records_stays_page_by_page() {
    let since = NOW - Duration::days(10);
    let empty = setup_with(config_with(200)).await;
    assert!(
        sync_seeing_the_write_lock(&empty, since).await,
        "into an empty file the pull goes large"
    );

    let s = setup_with(config_with(200)).await;
    let other = s.inv.add_organization("other", "Other").await.unwrap().id;
    let path = s.inv.file().unwrap().path().to_owned();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO calls (id, organization_id, phone_number_id, phone_number, provider,
               account_id, provider_record_id, direction, counterpart, outcome, started_at,
               duration_secs, billed_secs, price_state, price_nanos, currency, pulled_at)
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
             SELECT 'elsewhere-' || i, ?1, NULL, '+15550000000', 'twilio', 'ACelsewhere',
               'CA' || i, 'inbound', '+15551111111', 'answered', 0, 60, 60, 'not_billed',
               NULL, NULL, 0
             FROM n",
            [other.to_string()],
        )
        .unwrap();
    assert!(
        !sync_seeing_the_write_lock(&s, since).await,
        "on a file of many records the pull stays page by page"
    );
    let range = DayRange::new(since.date(), NOW.date()).unwrap();
    let rows = s
        .inv
        .usage()
        .unwrap()
        .usage_totals(s.org, range, GroupBy::Number)
        .await
        .unwrap();
    let calls: u64 = rows.iter().map(|r| r.counts.calls).sum();
    assert_eq!(calls as usize, 200 * (NUMBERS - 1));
}

/// While a large usage pull holds the file's write lock, an edit waits for it (on the
/// inventory's primary connection, up to the busy timeout) and the numbers' pages and their
/// health still read;
/// once the pull ends the edit goes through.
#[tokio::test(flavor = "multi_thread")]
async fn the_numbers_table_reads_while_an_edit_waits_for_a_large_pull() {
    let s = setup().await;
    let store = s.inv.usage().unwrap();
    let large = store
        .large_pull(&s.accounts[0].account, RecordKind::Calls)
        .await
        .unwrap()
        .expect("a workspace file has large pulls");
    let inv = s.inv.clone();
    let edit = tokio::spawn(async move { inv.add_organization("later", "Later").await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!edit.is_finished(), "the edit waits for the large pull");
    let query = NumberQuery::first(NumberFilter::org(s.org), Default::default(), 7).unwrap();
    let page = s.inv.list_numbers(&query).await.unwrap();
    assert_eq!(page.items.len(), 7);
    let numbers: Vec<E164> = page.items.iter().map(|n| n.phone_number.clone()).collect();
    let range = DayRange::new(NOW.date() - Duration::days(7), NOW.date()).unwrap();
    store
        .daily_calls_of(s.org, range, Some(&numbers))
        .await
        .unwrap();
    assert!(
        !edit.is_finished(),
        "the page and its health were read while the edit waited"
    );
    drop(large);
    edit.await
        .unwrap()
        .expect("the edit goes through once the pull ends");
}

#[tokio::test]
async fn health_turns_at_risk_only_for_the_numbers_whose_answers_fell() {
    let s = setup().await;
    sync(&s, Some(NOW - Duration::days(8))).await;
    let store = s.inv.usage().unwrap();
    let last_day = (NOW - Duration::days(1)).date();
    let limits = Thresholds::default();
    let health = usage::health(store, s.org, last_day, &limits)
        .await
        .unwrap();
    assert_eq!(health.len(), NUMBERS - 1);
    let listing = s
        .client
        .list_numbers(&|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let at_risk: Vec<usize> = health
        .iter()
        .filter(|h| h.health.state == HealthState::AtRisk)
        .map(|h| {
            (listing.numbers.iter())
                .position(|n| n.phone_number == h.phone_number)
                .unwrap()
        })
        .collect();
    assert_eq!(
        at_risk,
        [7, 17],
        "the fake's numbers k % 10 == 7 and no other"
    );
    for h in &health {
        assert!(h.health.calls >= 20, "{h:?}");
        let last = h.health.last_record_at.expect("a last call");
        assert!(last.date() == last_day, "{last}");
        assert!(h.number_id.is_some());
    }

    // The report by number carries the same health; the listing filter finds the same numbers.
    let range = DayRange::new(last_day - Duration::days(6), last_day).unwrap();
    let rows = usage::report(store, s.org, range, GroupBy::Number, &limits)
        .await
        .unwrap();
    let risky: Vec<&str> = rows
        .iter()
        .filter(|r| r.health.as_ref().unwrap().state == HealthState::AtRisk)
        .map(|r| r.usage.key.as_str())
        .collect();
    let expected: Vec<&str> = at_risk
        .iter()
        .map(|&k| listing.numbers[k].phone_number.as_str())
        .collect();
    assert_eq!(risky, expected);
    let query = NumberQuery::first(NumberFilter::org(s.org), Default::default(), 7).unwrap();
    let by = |state| usage::ByHealth {
        state,
        last_day,
        limits: &limits,
    };
    let found = usage::numbers_by_health(&*s.inv, &query, by(HealthState::AtRisk))
        .await
        .unwrap();
    let found: Vec<&str> = found.iter().map(|(n, _)| n.phone_number.as_str()).collect();
    assert_eq!(found, expected, "every page of the listing");
    let healthy = usage::numbers_by_health(&*s.inv, &query, by(HealthState::Healthy))
        .await
        .unwrap();
    assert_eq!(healthy.len(), NUMBERS - 3);

    // The app's filter: the same numbers page by page (pages of the table's size), and its
    // count, for each state; a number with no calls at all has insufficient data.
    let quiet = switchboard_core::domain::NewNumber {
        provider: "twilio".into(),
        number: "+14155550199".into(),
        ..Default::default()
    };
    switchboard_ops::actions::add_number(&*s.inv, s.org, quiet)
        .await
        .unwrap();
    let total = s
        .inv
        .count_numbers(&NumberFilter::org(s.org))
        .await
        .unwrap() as usize;
    let without = total - found.len() - healthy.len();
    assert_eq!(without, 1, "the number without calls");
    for (state, want) in [
        (HealthState::AtRisk, found.len()),
        (HealthState::Healthy, healthy.len()),
        (HealthState::InsufficientData, without),
    ] {
        let all = usage::numbers_by_health(&*s.inv, &query, by(state))
            .await
            .unwrap();
        assert_eq!(all.len(), want, "{state:?}");
        let mut paged = Vec::new();
        let mut q = NumberQuery::first(NumberFilter::org(s.org), Default::default(), 2).unwrap();
        let mut pages = 0;
        loop {
            let page = usage::numbers_page_by_health(&*s.inv, &q, by(state))
                .await
                .unwrap();
            assert!(page.items.len() < 4, "at most twice the limit less one");
            assert!(
                page.items.len() >= 2 || page.next.is_none(),
                "a short page is the last"
            );
            paged.extend(page.items.into_iter().map(|n| n.phone_number));
            pages += 1;
            match page.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        let all: Vec<_> = all.into_iter().map(|(n, _)| n.phone_number).collect();
        assert_eq!(paged, all, "{state:?} in {pages} pages");
        let count = usage::count_numbers_by_health(&*s.inv, &q.filter, by(state))
            .await
            .unwrap();
        assert_eq!(count, want as u64, "{state:?}");
        // The table's export under the same filter: exactly these numbers, in its order.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shown.json");
        let written = switchboard_ops::actions::export_matching_to(
            &*s.inv,
            &q,
            Some(by(state)),
            switchboard_core::transfer::Format::Json,
            &file,
        )
        .await
        .unwrap();
        assert_eq!(written, want as u64, "{state:?} exported");
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let exported: Vec<&str> = rows
            .iter()
            .map(|r| r["phone_number"].as_str().unwrap())
            .collect();
        let all: Vec<&str> = all.iter().map(|n| n.as_str()).collect();
        assert_eq!(exported, all, "{state:?} exported");
    }

    // The table's column: each page's numbers judged in one call, exactly as health() judged
    // them; a number without calls in the window (the fake's last, not the organization's)
    // has insufficient data.
    let judged: std::collections::HashMap<&str, &usage::NumberHealth> = (health.iter())
        .map(|h| (h.phone_number.as_str(), h))
        .collect();
    let mut q = query.clone();
    let mut pages = 0;
    loop {
        let page = s.inv.list_numbers(&q).await.unwrap();
        let mut numbers: Vec<_> = page.items.iter().map(|n| n.phone_number.clone()).collect();
        numbers.push(listing.numbers[NUMBERS - 1].phone_number.clone());
        let of = usage::health_of(store, s.org, numbers.clone(), last_day, &limits)
            .await
            .unwrap();
        assert_eq!(of.len(), numbers.len());
        for (h, n) in of.iter().zip(&numbers) {
            assert_eq!(&h.phone_number, n, "in the order asked");
            match judged.get(n.as_str()) {
                Some(&expected) => assert_eq!(h, expected),
                None => {
                    assert_eq!(h.health.state, HealthState::InsufficientData, "{h:?}");
                    assert_eq!(h.number_id, None);
                }
            }
        }
        pages += 1;
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3, "pages of 7");
    let too_many = vec![listing.numbers[0].phone_number.clone(); usage::MAX_HEALTH_BATCH + 1];
    let e = usage::health_of(store, s.org, too_many, last_day, &limits)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("1001 numbers is more than 1000"),
        "{e}"
    );
}

/// Per day of `number`'s records: calls, billed seconds, messages, pending records and the
/// charged nanos per currency, summed from the records themselves.
type DayFigures = (u64, u64, u64, u64, BTreeMap<String, i64>);

fn per_day(
    number: &str,
    calls: &[CallRecord],
    messages: &[MessageRecord],
) -> BTreeMap<String, DayFigures> {
    let mut out: BTreeMap<String, DayFigures> = BTreeMap::new();
    let price = |e: &mut DayFigures, p: &Price| match p {
        Price::Charged { money } => *e.4.entry(money.currency.clone()).or_default() += money.nanos,
        Price::Pending => e.3 += 1,
        Price::NotBilled | Price::NotReported => {}
    };
    for c in calls.iter().filter(|c| c.number.as_str() == number) {
        let e = out.entry(c.started_at.date().to_string()).or_default();
        e.0 += 1;
        e.1 += u64::from(c.billed_secs);
        price(e, &c.price);
    }
    for m in messages.iter().filter(|m| m.number.as_str() == number) {
        let e = out.entry(m.sent_at.date().to_string()).or_default();
        e.2 += 1;
        price(e, &m.price);
    }
    out
}

fn figures(row: &switchboard_core::usage::UsageRow) -> DayFigures {
    let c = &row.counts;
    let cost = row.cost.iter().map(|m| (m.currency, m.nanos)).collect();
    (c.calls, c.billed_secs, c.messages, c.pending, cost)
}

#[tokio::test]
async fn a_numbers_usage_is_its_records_per_day_and_its_health_the_reports() {
    let s = setup().await;
    let since = NOW - Duration::days(8);
    sync(&s, Some(since)).await;
    let (calls, messages) = fake_records(&s, since).await;
    let store = s.inv.usage().unwrap();
    let limits = Thresholds::default();
    // A range of four days, shorter than the health window: health still reads its 7 days.
    let last_day = (NOW - Duration::days(1)).date();
    let range = DayRange::new(last_day - Duration::days(3), last_day).unwrap();
    let report = usage::report(store, s.org, range, GroupBy::Number, &limits)
        .await
        .unwrap();
    assert_eq!(report.len(), NUMBERS - 1);
    for row in &report {
        let number = row.usage.key.parse().unwrap();
        let found = usage::number_usage(store, s.org, &number, range, &limits)
            .await
            .unwrap();
        assert_eq!((found.from, found.to), (range.from(), range.to()));
        assert_eq!(found.totals, row.usage, "the report's row of {number}");
        assert_eq!(Some(&found.health), row.health.as_ref(), "{number}");
        assert!(found.number_id.is_some() && found.number_id == row.usage.id);
        let expected: BTreeMap<String, DayFigures> = per_day(number.as_str(), &calls, &messages)
            .into_iter()
            .filter(|(day, _)| *day >= range.from().to_string())
            .filter(|(day, _)| *day <= range.to().to_string())
            .collect();
        let days: BTreeMap<String, DayFigures> = found
            .days
            .iter()
            .map(|d| (d.key.clone(), figures(d)))
            .collect();
        assert_eq!(days, expected, "{number}, per day, to the nanounit");
    }
    let at_risk = report
        .iter()
        .filter(|r| r.health.as_ref().unwrap().state == HealthState::AtRisk)
        .count();
    assert_eq!(at_risk, 2, "the window's health, not the four days'");

    // A number without records (here: one the organization does not have) has none.
    let stranger = (calls.iter())
        .map(|c| c.number.clone())
        .find(|n| !report.iter().any(|r| r.usage.key == n.as_str()))
        .unwrap();
    let none = usage::number_usage(store, s.org, &stranger, range, &limits)
        .await
        .unwrap();
    assert!(none.days.is_empty() && none.totals.cost.is_empty() && none.number_id.is_none());
    assert_eq!(none.totals.counts, Default::default());
    assert_eq!(none.health.state, HealthState::InsufficientData);
    assert_eq!(none.health.last_record_at, None);
    let unknown = usage::number_usage(store, Uuid::now_v7(), &stranger, range, &limits).await;
    assert!(
        matches!(unknown, Err(switchboard_core::Error::NotFound { .. })),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn an_added_account_is_due_for_a_background_refresh_until_both_kinds_were_pulled_since() {
    let s = setup().await;
    let due = |before: OffsetDateTime| usage::accounts_due(&*s.inv, s.org, before);
    let account = s.accounts[0].account.clone();
    // The numbers reference the account, but it was not added here: never pulled unasked.
    assert_eq!(due(OffsetDateTime::now_utc()).await.unwrap(), []);
    let no_vault = || -> switchboard_core::Result<Vault> {
        panic!("the vault is opened only for an account due")
    };
    let cancel = CancellationToken::new();
    let refreshed = usage::refresh_due(&*s.inv, no_vault, OffsetDateTime::now_utc(), &cancel);
    assert!(refreshed.await.unwrap().is_empty());

    let acme = s.inv.organization("acme").await.unwrap();
    let auth = AccountAuth::Secret(SecretString::new(creds::TWILIO_AUTH_TOKEN.into()));
    let vault = Vault::in_memory();
    let added = (Provider::Twilio, creds::TWILIO_ACCOUNT_SID);
    add_account(&*s.inv, &vault, &acme, added, auth, None)
        .await
        .unwrap();
    assert_eq!(
        due(OffsetDateTime::now_utc() - Duration::days(365))
            .await
            .unwrap(),
        std::slice::from_ref(&account),
        "never pulled"
    );

    sync(&s, None).await;
    let pulled = OffsetDateTime::now_utc();
    assert_eq!(
        due(pulled - Duration::hours(1)).await.unwrap(),
        [],
        "pulled within the interval"
    );
    assert_eq!(
        due(pulled + Duration::seconds(1)).await.unwrap(),
        std::slice::from_ref(&account)
    );
    // Its messages last pulled two days ago: due again, though its calls are fresh.
    let store = s.inv.usage().unwrap();
    let cursor = store
        .cursor(&account, RecordKind::Messages)
        .await
        .unwrap()
        .unwrap();
    let old = UsageCursor {
        pulled_at: pulled - Duration::days(2),
        ..cursor
    };
    store
        .set_cursor(&account, RecordKind::Messages, old)
        .await
        .unwrap();
    assert_eq!(
        due(pulled - Duration::hours(1)).await.unwrap(),
        std::slice::from_ref(&account)
    );

    // An account due whose secret the vault lacks is reported with why; nothing stops.
    let empty = Vault::in_memory();
    let refreshed = usage::refresh_due(&*s.inv, || Ok(empty), pulled - Duration::hours(1), &cancel)
        .await
        .unwrap();
    assert_eq!(refreshed.len(), 1);
    assert_eq!(refreshed[0].account, account);
    assert!(
        matches!(&refreshed[0].outcome, Err(ProviderFailure::NoSecret { account_id, .. }) if account_id == creds::TWILIO_ACCOUNT_SID),
        "{:?}",
        refreshed[0].outcome
    );
}

#[test]
fn health_states_read_as_the_cli_and_the_app_write_them() {
    for (word, state) in [
        ("healthy", HealthState::Healthy),
        (" At_Risk ", HealthState::AtRisk),
        ("INSUFFICIENT_DATA", HealthState::InsufficientData),
    ] {
        assert_eq!(usage::parse_health(word).unwrap(), state, "{word:?}");
    }
    assert_eq!(
        usage::parse_health("sick").unwrap_err().to_string(),
        "invalid health: \"sick\" is not one of healthy, at_risk, insufficient_data"
    );
}

/// A Bandwidth account's sync keeps its Call Search calls (their cost not reported: no cost
/// summed, nothing pending) and says its messages are not available instead of failing; a
/// second sync asks Call Search only from the cursor.
#[tokio::test]
async fn a_bandwidth_sync_keeps_its_calls_and_says_its_messages_are_not_available() {
    use switchboard_providers::bandwidth::{BandwidthAuth, BandwidthClient, BandwidthCredentials};
    use switchboard_providers::http::HttpSettings;
    use switchboard_secrets::SecretString;

    let mut config = config();
    config.twilio_numbers = 0;
    config.bandwidth_numbers = 6;
    config.usage.calls_per_number = 40;
    let fakes = FakeProviders::start(config).await.unwrap();
    let creds = BandwidthCredentials {
        account_id: creds::BANDWIDTH_ACCOUNT_ID.into(),
        auth: BandwidthAuth::Basic {
            username: creds::BANDWIDTH_USERNAME.into(),
            password: SecretString::new(creds::BANDWIDTH_PASSWORD.into()),
        },
    };
    let base = fakes.base_url(FakeKind::Bandwidth);
    let client = ProviderClient::Bandwidth(
        BandwidthClient::new(creds, Some(&base), &HttpSettings::default()).unwrap(),
    );
    let (_dir, inv, org) = workspace_of(&client, usize::MAX).await;
    let accounts: Vec<AccountToSync> = usage::accounts_of(&*inv, org, None)
        .await
        .unwrap()
        .into_iter()
        .map(|account| AccountToSync {
            account,
            client: client.clone(),
        })
        .collect();
    assert_eq!(accounts.len(), 1);
    let since = NOW - Duration::days(10);
    let store = inv.usage().unwrap();
    let cancel = CancellationToken::new();
    let first = usage::sync(store, &accounts, Some(since), &|_| {}, &cancel)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let a = &first[0];
    let gathered = Gather::default();
    let pages = client
        .calls_since(since, &|p| gathered.page(p), &cancel)
        .await;
    let calls: Vec<CallRecord> = gathered.done(pages).unwrap().records;
    assert!(calls.iter().any(|c| c.price == Price::NotReported));
    assert_eq!(a.calls.kept.added as usize, calls.len());
    assert_eq!((a.pending, a.calls.kept.not_ours), (0, 0));
    assert_eq!(a.messages.pages, 0);
    let why = a
        .messages
        .unavailable
        .as_deref()
        .expect("messages said unavailable");
    assert!(why.contains("message records"), "{why}");
    assert_eq!(a.calls.unavailable, None);

    // The report: every call counted, no cost summed (none was reported), nothing pending,
    // and per number, as in total, "cost not reported" for each of the fake's connected
    // calls (those without a price that are not free).
    let range = DayRange::new(since.date(), NOW.date()).unwrap();
    let rows = store
        .usage_totals(org, range, GroupBy::Number)
        .await
        .unwrap();
    let counted: u64 = rows.iter().map(|r| r.counts.calls).sum();
    assert_eq!(counted as usize, calls.len());
    let mut unpriced: BTreeMap<String, u64> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.price == Price::NotReported) {
        *unpriced.entry(c.number.as_str().to_owned()).or_default() += 1;
    }
    let not_reported: BTreeMap<String, u64> = (rows.iter())
        .filter(|r| r.counts.not_reported > 0)
        .map(|r| (r.key.clone(), r.counts.not_reported))
        .collect();
    assert_eq!(not_reported, unpriced);
    let total: u64 = unpriced.values().sum();
    assert!(0 < total && total < counted, "{total} of {counted}");
    for r in &rows {
        assert!(r.cost.is_empty(), "no cost was reported: {r:?}");
        assert_eq!(r.counts.pending, 0);
    }
    let limits = Thresholds::default();
    for by in [
        GroupBy::Number,
        GroupBy::Agent,
        GroupBy::Provider,
        GroupBy::Day,
    ] {
        let report = usage::report(store, org, range, by, &limits).await.unwrap();
        let sum: u64 = report.iter().map(|r| r.usage.counts.not_reported).sum();
        assert_eq!(sum, total, "by {by:?}");
    }

    // A second sync asks only from the cursor the first one left.
    fakes.faults(FakeKind::Bandwidth).clear_requests();
    let second = usage::sync(store, &accounts, None, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!(second[0].calls.kept.added, 0);
    let from = format!("gte:{}", switchboard_ops::rfc3339(a.calls.next_since));
    let asked: Vec<String> = fakes
        .faults(FakeKind::Bandwidth)
        .requests()
        .iter()
        .filter_map(|r| r.query.iter().find(|(k, _)| k == "startTime"))
        .map(|(_, v)| v.clone())
        .collect();
    assert_eq!(asked, [from]);
}
