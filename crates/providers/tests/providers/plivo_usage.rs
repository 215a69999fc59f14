//! Plivo's call and message records: the fake's `Call/` and `Message/` lists (time windows,
//! `limit`/`offset` paging, its clock, late prices, its rate limit) and the client's pull of
//! them. The client's windows end at the real clock, so the fake's clock starts there too.

use std::collections::HashSet;

use serde_json::Value;
use switchboard_core::usage::{Money, Price, Totals};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use time::{Duration as Span, OffsetDateTime};

use super::twilio_usage::{
    assert_priced, at_risk, pending_calls, pull_calls, pull_later, pull_messages, q,
    rate_limited_pull, real_now, requests_to, usage_at,
};
use super::*;

const NUMBERS: usize = 12;
const CALLS: usize = 100;
const MESSAGES: usize = 30;

fn config(now: OffsetDateTime) -> FakeConfig {
    FakeConfig {
        plivo_numbers: NUMBERS,
        usage: usage_at(now, CALLS, MESSAGES),
        ..FakeConfig::default()
    }
}

fn plivo(f: &FakeProviders) -> ProviderClient {
    super::others::plivo_with(
        &f.base_url(FakeKind::Plivo),
        creds::PLIVO_AUTH_TOKEN,
        &fast(),
    )
}

fn call_path() -> String {
    format!("/v1/Account/{}/Call/", creds::PLIVO_AUTH_ID)
}

/// `2026-12-01 10:00:00`: the filters' form.
fn filter_time(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(format).unwrap()
}

/// A page of the fake's `resource` list with `query`: status and body.
async fn raw(f: &FakeProviders, resource: &str, query: &[(&str, String)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1/Account/{}/{resource}/",
            f.base_url(FakeKind::Plivo),
            creds::PLIVO_AUTH_ID
        ))
        .basic_auth(creds::PLIVO_AUTH_ID, Some(creds::PLIVO_AUTH_TOKEN))
        .query(query)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Every record of the fake's `resource` list with `query`, page by page without the client.
async fn raw_all(f: &FakeProviders, resource: &str, query: &[(&str, String)]) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let mut q = query.to_vec();
        q.push(("offset", out.len().to_string()));
        let (_, body) = raw(f, resource, &q).await;
        out.extend(body["objects"].as_array().unwrap().iter().cloned());
        if body["meta"]["next"].is_null() {
            return out;
        }
    }
}

#[tokio::test]
async fn calls_are_pulled_by_end_time_twenty_at_a_time_and_late_prices_arrive() {
    let now = real_now();
    let f = fakes(config(now)).await;
    let c = plivo(&f);
    let since = now - Span::days(10);
    let first = pull_calls(&c, since).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    let ids: HashSet<&str> = first
        .records
        .iter()
        .map(|r| r.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), first.records.len(), "every record once");
    // Every call that ended since then: all but the few still ringing or talking at the
    // clock, and the first ones that ended before `since`.
    let expected = raw_all(&f, "Call", &[("end_time__gte", filter_time(since))]).await;
    let expected: HashSet<&str> = expected
        .iter()
        .map(|c| c["call_uuid"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected);
    assert!(
        (NUMBERS * CALLS - 10..=NUMBERS * CALLS).contains(&first.records.len()),
        "{}",
        first.records.len()
    );

    // Pages of 20, by offset, all asking from `since` (one 30-day window reaches now).
    let log = requests_to(&f, FakeKind::Plivo, &call_path());
    let pages = first.records.len().div_ceil(20);
    assert_eq!(first.pages as usize, pages);
    let client_log: Vec<_> = log.iter().take(pages).collect();
    for (k, r) in client_log.iter().enumerate() {
        assert_eq!(q(r, "limit"), Some("20"), "{r:?}");
        assert_eq!(q(r, "offset"), Some((k * 20).to_string().as_str()));
        assert_eq!(q(r, "end_time__gte"), Some(filter_time(since).as_str()));
        assert_eq!(q(r, "end_time__lt"), None);
    }

    let pending = pending_calls(&first.records, now, "USD", false);

    // Two hours later, from the earliest pending call: priced now, and only from there.
    let (since, later) = pull_later(&f, FakeKind::Plivo, &c, &first.records, &pending).await;
    assert!(
        requests_to(&f, FakeKind::Plivo, &call_path())
            .iter()
            .all(|r| q(r, "end_time__gte") == Some(filter_time(since).as_str()))
    );
    assert_priced(&later.records, &pending);
    assert!(later.records.iter().any(|r| r.started_at > now));
}

#[tokio::test]
async fn messages_are_pulled_with_their_units_and_prices() {
    let now = real_now();
    let f = fakes(config(now)).await;
    let listing = pull_messages(&plivo(&f), now - Span::days(10)).await;
    assert!(listing.skipped.is_empty());
    assert_eq!(listing.records.len(), NUMBERS * MESSAGES);
    assert_eq!(listing.pages, 18);
    for m in &listing.records {
        assert!((1..=3).contains(&m.segments));
        assert!(m.number.as_str().starts_with("+1") && m.counterpart.starts_with("+1"));
        match &m.price {
            Price::Charged { money } => assert_eq!(money.nanos, 5_000_000 * i64::from(m.segments)),
            Price::Pending => assert!(m.sent_at > now - Span::hours(2), "{m:?}"),
            Price::NotBilled => assert_eq!(m.status, "failed"),
            Price::NotReported => panic!("this provider reports its prices: {m:?}"),
        }
    }
}

/// The client's totals are the sum of the fake's `total_amount` figures, to the billionth.
#[tokio::test]
async fn totals_are_the_sum_of_the_fakes_amounts() {
    let now = real_now();
    let f = fakes(config(now)).await;
    let since = now - Span::days(10);
    let mut expected = Totals::default();
    for r in raw_all(&f, "Call", &[("end_time__gte", filter_time(since))]).await {
        if let Some(amount) = r["total_amount"].as_str() {
            expected.add(&Money::parse(amount, "USD").unwrap());
        }
    }
    let mut got = Totals::default();
    for r in pull_calls(&plivo(&f), since).await.records {
        if let Price::Charged { money } = &r.price {
            got.add(money);
        }
    }
    assert_eq!(got, expected);
    assert!(got.iter().next().unwrap().nanos > 0);
}

/// A 429 is waited out (`Retry-After`) and the same page asked again; a limit that outlasts
/// the retries is surfaced as `RateLimited`.
#[tokio::test]
async fn a_rate_limit_is_retried_then_surfaced() {
    let now = real_now();
    let f = fakes(config(now)).await;
    let c = plivo(&f);
    let listing =
        rate_limited_pull(&f, FakeKind::Plivo, &c, now - Span::hours(12), &call_path()).await;
    assert!(listing.records.len() > 40);
    assert_eq!(
        q(&requests_to(&f, FakeKind::Plivo, &call_path())[0], "offset"),
        Some("0")
    );
}

/// Plivo's windows: 7 days without a filter, 30 days from a lone lower bound; 20 at most.
#[tokio::test]
async fn the_fake_keeps_plivos_windows_and_limit() {
    let now = real_now();
    let mut config = config(now);
    config.usage.days = 60;
    config.usage.calls_per_number = 60;
    let f = fakes(config).await;
    let (status, body) = raw(&f, "Call", &[("limit", "21".into())]).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("20"));
    let (status, _) = raw(&f, "Call", &[("end_time__gte", "yesterday".into())]).await;
    assert_eq!(status, 400);

    // 720 calls over 60 days: 12 a day.
    let (_, week) = raw(&f, "Call", &[]).await;
    let week = week["meta"]["total_count"].as_i64().unwrap();
    assert!((80..=86).contains(&week), "{week}");
    let from = filter_time(now - Span::days(50));
    let (_, month) = raw(&f, "Call", &[("end_time__gte", from.clone())]).await;
    assert_eq!(month["meta"]["total_count"], 360);
    assert_eq!(month["meta"]["limit"], 20);
    assert!(
        month["meta"]["next"]
            .as_str()
            .unwrap()
            .contains("offset=20")
    );
    let objects = month["objects"].as_array().unwrap();
    assert!(
        objects
            .windows(2)
            .all(|w| w[0]["initiation_time"].as_str() >= w[1]["initiation_time"].as_str()),
        "most recent first"
    );
    assert!(
        objects
            .iter()
            .all(|c| c["end_time"].as_str().unwrap() >= from.as_str())
    );
}

/// The fake's number 7 loses its answers in the last three days: health says so of it and of
/// no other number.
#[tokio::test]
async fn health_finds_the_number_that_carriers_started_to_block() {
    let now = real_now();
    let mut config = config(now);
    config.usage.calls_per_number = 300;
    let f = fakes(config).await;
    let c = plivo(&f);
    let calls = pull_calls(&c, now - Span::days(7)).await;
    let (numbers, _) = list_all(&c).await;
    assert_eq!(at_risk(&calls.records, &numbers.numbers, now), vec![7]);
}

/// From further back than 30 days the client asks window by window: each 30 days with both
/// bounds, the last with its lower bound alone; no call is missed between them.
#[tokio::test]
async fn a_pull_from_long_ago_asks_in_thirty_day_windows() {
    let now = real_now();
    let mut config = config(now);
    config.usage.days = 60;
    config.usage.calls_per_number = 60;
    let f = fakes(config).await;
    let since = now - Span::days(45);
    let calls = pull_calls(&plivo(&f), since).await;
    // 12 calls a day for 45 days, less the call still going on at the clock, if any.
    assert!(
        (539..=540).contains(&calls.records.len()),
        "{}",
        calls.records.len()
    );
    let ids: HashSet<&str> = calls
        .records
        .iter()
        .map(|r| r.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), calls.records.len());
    let log = requests_to(&f, FakeKind::Plivo, &call_path());
    let windows: Vec<(Option<&str>, Option<&str>)> = log
        .iter()
        .filter(|r| q(r, "offset") == Some("0"))
        .map(|r| (q(r, "end_time__gte"), q(r, "end_time__lt")))
        .collect();
    let middle = filter_time(since + Span::days(30));
    assert_eq!(
        windows,
        [
            (Some(filter_time(since).as_str()), Some(middle.as_str())),
            (Some(middle.as_str()), None)
        ]
    );
}
