//! Vonage's call and message records: the fake's Reports API (`GET /v2/reports/records`: 24-hour
//! windows, cursor paging, its clock, late prices, EUR, its rate limit) and the client's pull of
//! them, under its records cap. The client's windows end at the real clock, so the fake's clock
//! starts there too.

use std::collections::HashSet;

use serde_json::Value;
use switchboard_core::usage::{CallRecord, Money, Price, Totals};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use switchboard_providers::model::Gather;
use switchboard_providers::vonage::VonageClient;
use time::{Duration as Span, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use super::twilio_usage::{
    assert_priced, at_risk, pending_calls, pull_calls, pull_later, pull_messages, q,
    rate_limited_pull, real_now, requests_to, usage_at,
};
use super::*;

const NUMBERS: usize = 12;
const PATH: &str = "/v2/reports/records";

/// `calls` and `messages` per number over the 10 days before `now`.
fn config(now: OffsetDateTime, calls: usize, messages: usize) -> FakeConfig {
    FakeConfig {
        vonage_numbers: NUMBERS,
        usage: usage_at(now, calls, messages),
        ..FakeConfig::default()
    }
}

fn vonage(f: &FakeProviders) -> ProviderClient {
    super::others::vonage_with(
        &f.base_url(FakeKind::Vonage),
        creds::VONAGE_API_SECRET,
        &fast(),
    )
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// The fake's answer to `query`: status and body.
async fn raw(f: &FakeProviders, query: &[(&str, String)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{PATH}", f.base_url(FakeKind::Vonage)))
        .basic_auth(creds::VONAGE_API_KEY, Some(creds::VONAGE_API_SECRET))
        .query(query)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn calls_are_pulled_a_day_at_a_time_through_cursors_and_late_prices_arrive() {
    let now = real_now();
    // 12,000 calls over 10 days: 1,200 a day, more than one page of 1,000.
    let f = fakes(config(now, 1_000, 30)).await;
    let c = vonage(&f);
    let since = now - Span::days(2);
    let first = pull_calls(&c, since).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert_eq!(first.records.len(), 2_400);
    let ids: HashSet<&str> = first
        .records
        .iter()
        .map(|r| r.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), first.records.len(), "every record once");

    // Two days of two pages each (the second through the cursor), then the day that starts
    // now, empty.
    let log = requests_to(&f, FakeKind::Vonage, PATH);
    assert_eq!(first.pages, 5);
    assert_eq!(log.len(), 5);
    let days = [since, since + Span::days(1), now];
    for (k, day) in [0, 0, 1, 1, 2].into_iter().enumerate() {
        let r = &log[k];
        let start = rfc3339(days[day]);
        let end = rfc3339(days[day] + Span::days(1));
        assert_eq!(q(r, "account_id"), Some(creds::VONAGE_API_KEY));
        assert_eq!(q(r, "product"), Some("VOICE-CALL"));
        assert_eq!(q(r, "date_start"), Some(start.as_str()), "{r:?}");
        assert_eq!(q(r, "date_end"), Some(end.as_str()));
        assert_eq!(q(r, "direction"), None, "both directions");
        assert_eq!(q(r, "cursor").is_some(), k % 2 == 1 && k < 4, "{r:?}");
    }

    let pending = pending_calls(&first.records, now, "EUR", true);
    let (since, later) = pull_later(&f, FakeKind::Vonage, &c, &first.records, &pending).await;
    let log = requests_to(&f, FakeKind::Vonage, PATH);
    assert_eq!(q(&log[0], "date_start"), Some(rfc3339(since).as_str()));
    assert_priced(&later.records, &pending);
}

#[tokio::test]
async fn messages_are_pulled_per_direction() {
    let now = real_now();
    let f = fakes(config(now, 10, 30)).await;
    let listing = pull_messages(&vonage(&f), now - Span::days(3)).await;
    assert!(listing.skipped.is_empty());
    // 360 messages over 10 days.
    assert_eq!(listing.records.len(), 108);
    // Three days and the one that starts now, inbound then outbound.
    assert_eq!(listing.pages, 8);
    let directions: Vec<_> = requests_to(&f, FakeKind::Vonage, PATH)
        .iter()
        .map(|r| q(r, "direction").unwrap().to_owned())
        .collect();
    assert_eq!(directions[..2], ["inbound", "outbound"]);
    for m in &listing.records {
        assert_eq!(m.segments, 1);
        match &m.price {
            Price::Charged { money } => {
                assert_eq!(money.currency, "EUR");
                assert_eq!(money.nanos, 7_600_000);
            }
            Price::Pending => assert!(m.sent_at > now - Span::hours(2), "{m:?}"),
            Price::NotBilled => assert_eq!(m.status, "rejected"),
            Price::NotReported => panic!("this provider reports its prices: {m:?}"),
        }
    }
}

/// Vonage bills every record: past the cap the pull stops, with the records read handed over
/// and nothing more asked for.
#[tokio::test]
async fn a_pull_stops_at_the_records_cap() {
    let now = real_now();
    let f = fakes(config(now, 1_000, 0)).await;
    let c = VonageClient::new(
        switchboard_providers::vonage::VonageCredentials {
            api_key: creds::VONAGE_API_KEY.into(),
            api_secret: secret(creds::VONAGE_API_SECRET),
        },
        Some(&f.base_url(FakeKind::Vonage)),
        &fast(),
    )
    .unwrap()
    .with_records_cap(1_500);
    let g = Gather::<CallRecord>::default();
    let e = c
        .calls_since(
            now - Span::days(2),
            &|p| g.page(p),
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::RecordCap {
                records: 2_200,
                cap: 1_500,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("bills every"), "{e}");
    assert_eq!(requests_to(&f, FakeKind::Vonage, PATH).len(), 3);
    let read = g.done(Ok(0)).unwrap();
    assert_eq!(read.records.len(), 2_200, "what was read is kept");
}

/// The client's totals are the sum of the fake's `total_price` figures, to the billionth, in
/// the account's currency.
#[tokio::test]
async fn totals_are_the_sum_of_the_fakes_prices() {
    let now = real_now();
    let f = fakes(config(now, 100, 0)).await;
    let since = now - Span::days(1);
    let (_, body) = raw(
        &f,
        &[
            ("account_id", creds::VONAGE_API_KEY.into()),
            ("product", "VOICE-CALL".into()),
            ("date_start", rfc3339(since)),
            ("date_end", rfc3339(now)),
        ],
    )
    .await;
    let mut expected = Totals::default();
    for r in body["records"].as_array().unwrap() {
        if let Value::Number(n) = &r["total_price"] {
            expected.add(&Money::parse(&n.to_string(), r["currency"].as_str().unwrap()).unwrap());
        }
    }
    let mut got = Totals::default();
    for r in pull_calls(&vonage(&f), since).await.records {
        if let Price::Charged { money } = &r.price {
            got.add(money);
        }
    }
    assert_eq!(got, expected);
    assert_eq!(got.iter().map(|m| m.currency).collect::<Vec<_>>(), ["EUR"]);
}

#[tokio::test]
async fn a_rate_limit_is_retried_then_surfaced() {
    let now = real_now();
    let f = fakes(config(now, 100, 0)).await;
    let listing = rate_limited_pull(
        &f,
        FakeKind::Vonage,
        &vonage(&f),
        now - Span::hours(12),
        PATH,
    )
    .await;
    // 1,200 calls over 10 days: 60 in 12 hours.
    assert_eq!(listing.records.len(), 60);
}

#[tokio::test]
async fn the_fake_refuses_what_the_reports_api_refuses() {
    let now = real_now();
    let f = fakes(config(now, 10, 10)).await;
    let base = |product: &str| {
        vec![
            ("account_id", creds::VONAGE_API_KEY.to_owned()),
            ("product", product.to_owned()),
            ("date_start", rfc3339(now - Span::days(2))),
        ]
    };
    let mut too_wide = base("VOICE-CALL");
    too_wide.push(("date_end", rfc3339(now)));
    let (status, body) = raw(&f, &too_wide).await;
    assert_eq!(status, 422);
    assert_eq!(body["invalid_parameters"][0]["name"], "date_end");
    let mut no_direction = base("SMS");
    no_direction.push(("date_end", rfc3339(now - Span::days(1))));
    let (status, body) = raw(&f, &no_direction).await;
    assert_eq!(status, 422);
    assert_eq!(body["invalid_parameters"][0]["name"], "direction");
    let mut other_account = base("VOICE-CALL");
    other_account[0].1 = "zzzz9999".into();
    other_account.push(("date_end", rfc3339(now - Span::days(1))));
    let (status, _) = raw(&f, &other_account).await;
    assert_eq!(status, 403);
    // The request's own price: what the Reports API charges for the records it returned.
    let mut day = base("VOICE-CALL");
    day.push(("date_end", rfc3339(now - Span::days(1))));
    let (status, body) = raw(&f, &day).await;
    assert_eq!(status, 200);
    assert_eq!(body["request_status"], "SUCCESS");
    assert_eq!(body["items_count"], 12);
    assert_eq!(body["price"].to_string(), "0.0048");
}

/// The fake's number 7 loses its answers in the last three days: health says so of it and of
/// no other number.
#[tokio::test]
async fn health_finds_the_number_that_carriers_started_to_block() {
    let now = real_now();
    let f = fakes(config(now, 300, 0)).await;
    let c = vonage(&f);
    let calls = pull_calls(&c, now - Span::days(7)).await;
    let (numbers, _) = list_all(&c).await;
    assert_eq!(at_risk(&calls.records, &numbers.numbers, now), vec![7]);
}
