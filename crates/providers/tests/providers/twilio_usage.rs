//! Twilio's call and message records: the fake's `Calls.json` and `Messages.json` (filters,
//! paging, its clock, late prices) and the client's pull of them.

use std::collections::HashSet;

use serde_json::Value;
use switchboard_core::usage::{
    CallOutcome, CallRecord, HealthState, MessageRecord, Price, Thresholds, health,
};
use switchboard_fake_providers::{
    FakeConfig, FakeKind, FakeProviders, Faults, RequestRecord, UsageConfig, creds,
};
use switchboard_providers::model::{Gather, ProviderNumber, UsageListing};
use switchboard_providers::twilio::TwilioClient;
use time::{Duration as Span, OffsetDateTime, macros::datetime};
use tokio_util::sync::CancellationToken;

use super::twilio::{client, fake_get};
use super::*;

pub(super) const NOW: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);
const NUMBERS: usize = 20;
const CALLS: usize = 300;
const MESSAGES: usize = 60;

/// Records over the 10 days before [`NOW`], priced an hour after they end.
pub(super) fn usage(calls_per_number: usize, messages_per_number: usize) -> UsageConfig {
    UsageConfig {
        calls_per_number,
        messages_per_number,
        days: 10,
        now: NOW.unix_timestamp(),
        pending_secs: 3_600,
        ..UsageConfig::default()
    }
}

fn config() -> FakeConfig {
    FakeConfig {
        twilio_numbers: NUMBERS,
        usage: usage(CALLS, MESSAGES),
        ..FakeConfig::default()
    }
}

/// The fakes' clock for providers whose pulls end at the real clock (Plivo, Vonage): now, to
/// the minute.
pub(super) fn real_now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(UsageConfig::default().now).unwrap()
}

/// [`usage`] with the fakes' clock at `now`.
pub(super) fn usage_at(now: OffsetDateTime, calls: usize, messages: usize) -> UsageConfig {
    UsageConfig {
        now: now.unix_timestamp(),
        ..usage(calls, messages)
    }
}

/// A request's query value.
pub(super) fn q<'a>(r: &'a RequestRecord, key: &str) -> Option<&'a str> {
    r.query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The requests the `kind` fake received on `path`.
pub(super) fn requests_to(f: &FakeProviders, kind: FakeKind, path: &str) -> Vec<RequestRecord> {
    f.faults(kind)
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

/// Every call record `client` pulls from `since` (through `ProviderClient`'s dispatch, at the
/// provider's largest page), gathered.
pub(super) async fn pull_calls(
    client: &ProviderClient,
    since: OffsetDateTime,
) -> UsageListing<CallRecord> {
    let g = Gather::default();
    let pages = client
        .calls_since(since, &|p| g.page(p), &CancellationToken::new())
        .await;
    g.done(pages).expect("the calls")
}

/// The ids of `listing`'s records, after checking that none was skipped and none read twice.
pub(super) fn read_once(listing: &UsageListing<CallRecord>) -> HashSet<&str> {
    assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
    let ids: HashSet<&str> = listing
        .records
        .iter()
        .map(|r| r.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), listing.records.len(), "every record once");
    ids
}

/// Every message record `client` pulls from `since`, gathered.
pub(super) async fn pull_messages(
    client: &ProviderClient,
    since: OffsetDateTime,
) -> UsageListing<MessageRecord> {
    let g = Gather::default();
    let pages = client
        .messages_since(since, &|p| g.page(p), &CancellationToken::new())
        .await;
    g.done(pages).expect("the messages")
}

/// A rate limit on a pull from `client`'s fake `kind`: two 429s are waited out and the same
/// request sent again (the first three requests to `path` are alike); ten outlast the retries
/// and surface as `RateLimited`. Returns the calls pulled from `since` through the first two.
pub(super) async fn rate_limited_pull(
    f: &FakeProviders,
    kind: FakeKind,
    client: &ProviderClient,
    since: OffsetDateTime,
    path: &str,
) -> UsageListing<CallRecord> {
    f.faults(kind).set(Faults {
        rate_limit_next: 2,
        ..Faults::default()
    });
    let listing = pull_calls(client, since).await;
    let log = requests_to(f, kind, path);
    assert_eq!(log[0], log[1]);
    assert_eq!(log[1], log[2], "the same page until it is served");
    assert_ne!(log.get(3), Some(&log[0]));

    f.faults(kind).set(Faults {
        rate_limit_next: 10,
        ..Faults::default()
    });
    let g = Gather::<CallRecord>::default();
    let e = client
        .calls_since(since, &|p| g.page(p), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::RateLimited { .. }), "{e:?}");
    listing
}

/// Checks each call's price against its outcome as the fakes give them (charged: answered,
/// positive, in `currency`, billed per started minute unless `per_second`; pending: answered,
/// within two hours of `now`; not billed: unconnected, nothing billed), that the customer is a
/// number and that all five outcomes occur. Returns the pending calls' ids (some).
pub(super) fn pending_calls(
    records: &[CallRecord],
    now: OffsetDateTime,
    currency: &str,
    per_second: bool,
) -> Vec<String> {
    let (mut pending, mut outcomes) = (Vec::new(), HashSet::new());
    for r in records {
        outcomes.insert(r.outcome);
        match &r.price {
            Price::Charged { money } => {
                assert_eq!(money.currency, currency);
                assert!(money.nanos > 0, "{r:?}");
                assert_eq!(r.outcome, CallOutcome::Answered);
                let billed = match per_second {
                    true => r.duration_secs,
                    false => r.duration_secs.div_ceil(60) * 60,
                };
                assert_eq!(r.billed_secs, billed);
            }
            Price::Pending => {
                assert_eq!(r.outcome, CallOutcome::Answered);
                assert!(r.started_at > now - Span::hours(2), "{r:?}");
                pending.push(r.provider_id.clone());
            }
            Price::NotBilled => {
                assert_ne!(r.outcome, CallOutcome::Answered);
                assert_eq!(r.billed_secs, 0);
            }
            Price::NotReported => panic!("Twilio reports its prices: {r:?}"),
        }
        assert!(r.counterpart.starts_with("+1"), "{r:?}");
    }
    assert_eq!(
        outcomes.len(),
        5,
        "answered, busy, no-answer, failed, canceled"
    );
    assert!(!pending.is_empty());
    pending
}

/// Two hours later by `kind`'s clock, a pull from the earliest of the `pending` calls of
/// `first` (the request log cleared before it): that time, and the calls pulled.
pub(super) async fn pull_later(
    f: &FakeProviders,
    kind: FakeKind,
    client: &ProviderClient,
    first: &[CallRecord],
    pending: &[String],
) -> (OffsetDateTime, UsageListing<CallRecord>) {
    f.faults(kind).set(Faults {
        clock_secs: 7_200,
        ..Faults::default()
    });
    f.faults(kind).clear_requests();
    let since = first
        .iter()
        .filter(|r| pending.contains(&r.provider_id))
        .map(|r| r.started_at)
        .min()
        .unwrap();
    (since, pull_calls(client, since).await)
}

/// Every `pending` call is in `later`, priced.
pub(super) fn assert_priced(later: &[CallRecord], pending: &[String]) {
    for id in pending {
        let r = later
            .iter()
            .find(|r| &r.provider_id == id)
            .expect("still listed");
        assert!(matches!(r.price, Price::Charged { .. }), "{r:?}");
    }
}

/// The positions in `numbers` of the numbers health finds at risk at `now` from `calls`; none
/// may lack data.
pub(super) fn at_risk(
    calls: &[CallRecord],
    numbers: &[ProviderNumber],
    now: OffsetDateTime,
) -> Vec<usize> {
    let mut at_risk = Vec::new();
    for (k, n) in numbers.iter().enumerate() {
        let samples: Vec<_> = calls
            .iter()
            .filter(|r| r.number == n.phone_number)
            .map(CallRecord::sample)
            .collect();
        let h = health(&samples, now, &Thresholds::default());
        assert_ne!(h.state, HealthState::InsufficientData, "{n:?}");
        if h.state == HealthState::AtRisk {
            at_risk.push(k);
        }
    }
    at_risk
}

fn twilio(f: &FakeProviders) -> TwilioClient {
    match client(f) {
        ProviderClient::Twilio(c) => c,
        _ => unreachable!("a Twilio client"),
    }
}

async fn calls_since(c: &TwilioClient, since: OffsetDateTime) -> UsageListing<CallRecord> {
    let cancel = CancellationToken::new();
    let g = Gather::default();
    let pages = c.calls_since(since, 1000, &|p| g.page(p), &cancel).await;
    g.done(pages).expect("the calls")
}

/// A page of the fake's `resource` with `query`, as JSON.
async fn raw(f: &FakeProviders, resource: &str, query: &[(&str, &str)]) -> Value {
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", k, v.replace('+', "%2B")))
        .collect();
    let path = format!(
        "/2010-04-01/Accounts/{}/{resource}.json?{}",
        creds::TWILIO_ACCOUNT_SID,
        query.join("&")
    );
    fake_get(f, &path).await
}

#[tokio::test]
async fn the_client_pulls_every_call_and_late_prices_arrive_with_the_clock() {
    let f = fakes(config()).await;
    let c = twilio(&f);
    let first = calls_since(&c, NOW - Span::days(10)).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert_eq!(first.records.len(), NUMBERS * CALLS);
    assert_eq!(first.pages, 6);
    let sids: HashSet<&str> = first
        .records
        .iter()
        .map(|r| r.provider_id.as_str())
        .collect();
    assert_eq!(sids.len(), first.records.len(), "every record once");
    assert!(
        first
            .records
            .windows(2)
            .all(|w| w[0].started_at >= w[1].started_at),
        "most recent first"
    );
    // The requests: the day filter on the first page, Twilio's own links after it.
    let log = f.faults(FakeKind::Twilio).requests();
    let first_query = &log[0].query;
    assert!(first_query.contains(&("StartTime>".into(), "2026-11-21".into())));
    assert!(first_query.contains(&("PageSize".into(), "1000".into())));
    assert!(
        log[1]
            .query
            .iter()
            .any(|(k, v)| k == "PageToken" && v.starts_with("PA")),
        "{:?}",
        log[1]
    );

    // Priced, pending and unbilled as Twilio leaves them.
    let (mut pending, mut charged) = (Vec::new(), 0);
    for r in &first.records {
        match &r.price {
            Price::Charged { money } => {
                assert_eq!(money.currency, "USD");
                assert!(money.nanos > 0, "a charge is positive: {r:?}");
                assert_eq!(r.outcome, CallOutcome::Answered);
                assert_eq!(r.billed_secs % 60, 0);
                assert!(r.billed_secs >= r.duration_secs);
                charged += 1;
            }
            Price::Pending => {
                assert_eq!(r.outcome, CallOutcome::Answered);
                assert!(r.started_at > NOW - Span::hours(2), "{r:?}");
                pending.push(r.provider_id.clone());
            }
            Price::NotBilled => assert_ne!(r.outcome, CallOutcome::Answered),
            Price::NotReported => panic!("Twilio reports its prices: {r:?}"),
        }
        assert!(r.number.as_str().starts_with("+1") && r.counterpart.starts_with("+1"));
    }
    assert!(!pending.is_empty() && charged > 2_000, "{charged}");

    // Two hours later: the pending calls are priced, and the calls made meanwhile appear.
    f.faults(FakeKind::Twilio).set(Faults {
        clock_secs: 7_200,
        ..Faults::default()
    });
    let later = calls_since(&c, NOW - Span::days(1)).await;
    for sid in &pending {
        let r = later
            .records
            .iter()
            .find(|r| &r.provider_id == sid)
            .expect("still listed");
        assert!(matches!(r.price, Price::Charged { .. }), "{r:?}");
    }
    let new = later.records.iter().filter(|r| r.started_at >= NOW).count();
    // 6,000 calls over 10 days: 25 an hour.
    assert_eq!(new, 50);
}

#[tokio::test]
async fn the_fake_filters_by_number_day_and_status_and_pages_with_tokens() {
    let f = fakes(config()).await;
    let ours = "+14152340000"; // the first generated number
    let to = raw(&f, "Calls", &[("To", ours), ("PageSize", "1000")]).await;
    let from = raw(&f, "Calls", &[("From", ours), ("PageSize", "1000")]).await;
    let to = to["calls"].as_array().unwrap();
    let from = from["calls"].as_array().unwrap();
    assert!(
        to.iter()
            .all(|c| c["to"] == ours && c["direction"] == "inbound")
    );
    assert!(
        from.iter()
            .all(|c| c["from"] == ours && c["direction"] == "outbound-api")
    );
    assert_eq!(to.len() + from.len(), CALLS);

    let day = raw(
        &f,
        "Calls",
        &[("StartTime", "2026-11-25"), ("PageSize", "1000")],
    )
    .await;
    let day = day["calls"].as_array().unwrap();
    assert!((580..=620).contains(&day.len()), "{}", day.len());
    assert!(
        day.iter()
            .all(|c| c["start_time"].as_str().unwrap().contains("25 Nov 2026"))
    );
    let busy = raw(&f, "Calls", &[("Status", "busy"), ("PageSize", "1000")]).await;
    assert!(
        busy["calls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "busy")
    );
    let nobody = raw(&f, "Calls", &[("To", "+15005550006")]).await;
    assert_eq!(nobody["calls"], serde_json::json!([]));

    // Pages of 50 by default, each link to the next; no record twice, none missed.
    let mut page = raw(&f, "Calls", &[("StartTime>", "2026-11-30")]).await;
    let mut seen = HashSet::new();
    loop {
        let calls = page["calls"].as_array().unwrap();
        assert!(calls.len() <= 50);
        for c in calls {
            assert!(seen.insert(c["sid"].as_str().unwrap().to_owned()));
        }
        let Some(next) = page["next_page_uri"].as_str().map(str::to_owned) else {
            break;
        };
        page = fake_get(&f, &next).await;
    }
    assert_eq!(seen.len(), NUMBERS * CALLS / 10);

    let messages = raw(
        &f,
        "Messages",
        &[("DateSent>", "2026-11-29"), ("PageSize", "1000")],
    )
    .await;
    let messages = messages["messages"].as_array().unwrap();
    assert_eq!(messages.len(), NUMBERS * MESSAGES * 2 / 10);
    assert!(
        messages
            .iter()
            .all(|m| m["sid"].as_str().unwrap().starts_with("SM"))
    );
}

#[tokio::test]
async fn messages_are_pulled_with_their_segments_and_prices() {
    let f = fakes(config()).await;
    let c = twilio(&f);
    let cancel = CancellationToken::new();
    let g = Gather::default();
    let since = NOW - Span::days(10);
    let pages = c.messages_since(since, 1000, &|p| g.page(p), &cancel).await;
    let listing = g.done(pages).unwrap();
    assert!(listing.skipped.is_empty());
    assert_eq!(listing.records.len(), NUMBERS * MESSAGES);
    for m in &listing.records {
        assert!((1..=3).contains(&m.segments));
        match &m.price {
            Price::Charged { money } => assert_eq!(money.nanos, 7_900_000 * i64::from(m.segments)),
            Price::Pending => assert!(m.sent_at > NOW - Span::hours(2)),
            Price::NotBilled => assert_eq!(m.status, "failed"),
            Price::NotReported => panic!("Twilio reports its prices: {m:?}"),
        }
    }
}

/// The fake's numbers 7 and 17 lose their answers in the last three days: health says so of
/// them and of no other number.
#[tokio::test]
async fn health_finds_the_numbers_that_carriers_started_to_block() {
    let f = fakes(config()).await;
    let c = twilio(&f);
    let calls = calls_since(&c, NOW - Span::days(7)).await;
    let numbers = c
        .list_numbers(1000, &|_| {}, &CancellationToken::new())
        .await
        .unwrap()
        .numbers;
    assert_eq!(numbers.len(), NUMBERS);
    assert_eq!(at_risk(&calls.records, &numbers, NOW), vec![7, 17]);
}

/// Every provider's pull stops at cancellation: cancelled from the sink after the first page,
/// it asks for no other page and says `Cancelled`.
#[tokio::test]
async fn every_pull_stops_when_cancelled() {
    let now = real_now();
    let f = fakes(FakeConfig {
        telnyx_numbers: NUMBERS,
        plivo_numbers: NUMBERS,
        vonage_numbers: NUMBERS,
        usage: usage_at(now, CALLS, MESSAGES),
        ..FakeConfig::default()
    })
    .await;
    let clients = [
        (
            FakeKind::Twilio,
            client(&f),
            format!(
                "/2010-04-01/Accounts/{}/Calls.json",
                creds::TWILIO_ACCOUNT_SID
            ),
        ),
        (
            FakeKind::Telnyx,
            super::others::telnyx_with(
                &f.base_url(FakeKind::Telnyx),
                creds::TELNYX_API_KEY,
                &fast(),
            ),
            "/v2/detail_records".to_owned(),
        ),
        (
            FakeKind::Plivo,
            super::others::plivo_with(
                &f.base_url(FakeKind::Plivo),
                creds::PLIVO_AUTH_TOKEN,
                &fast(),
            ),
            format!("/v1/Account/{}/Call/", creds::PLIVO_AUTH_ID),
        ),
        (
            FakeKind::Vonage,
            super::others::vonage_with(
                &f.base_url(FakeKind::Vonage),
                creds::VONAGE_API_SECRET,
                &fast(),
            ),
            "/v2/reports/records".to_owned(),
        ),
    ];
    for (kind, c, path) in clients {
        let cancel = CancellationToken::new();
        let g = Gather::<CallRecord>::default();
        let e = c
            .calls_since(
                now - Span::days(5),
                &|p| {
                    g.page(p);
                    cancel.cancel();
                },
                &cancel,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, ProviderError::Cancelled { .. }),
            "{kind:?}: {e:?}"
        );
        assert_eq!(requests_to(&f, kind, &path).len(), 1, "{kind:?}");
        assert!(!g.done(Ok(0)).unwrap().records.is_empty(), "{kind:?}");
    }
}
