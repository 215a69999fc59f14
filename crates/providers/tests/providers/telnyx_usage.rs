//! Telnyx's call and message records: the fake's `GET /v2/detail_records` (record types,
//! `filter[created_at]`, `page[number]`/`page[size]` paging, its clock, late prices, its rate
//! limit) and the client's pull of them.

use std::collections::HashSet;

use serde_json::Value;
use switchboard_core::usage::{Money, Price, Totals};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use time::Duration as Span;

use super::twilio_usage::{
    NOW, assert_priced, at_risk, pending_calls, pull_calls, pull_later, pull_messages, q,
    rate_limited_pull, requests_to, usage,
};
use super::*;

const NUMBERS: usize = 12;
const CALLS: usize = 100;
const MESSAGES: usize = 30;

fn config() -> FakeConfig {
    FakeConfig {
        telnyx_numbers: NUMBERS,
        twilio_numbers: NUMBERS,
        usage: usage(CALLS, MESSAGES),
        ..FakeConfig::default()
    }
}

fn telnyx(f: &FakeProviders) -> ProviderClient {
    super::others::telnyx_with(
        &f.base_url(FakeKind::Telnyx),
        creds::TELNYX_API_KEY,
        &fast(),
    )
}

/// Every record of `record_type` the fake has since `gte`, read page by page without the client.
async fn raw_records(f: &FakeProviders, record_type: &str, gte: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let body: Value = reqwest::Client::new()
            .get(format!(
                "{}/v2/detail_records",
                f.base_url(FakeKind::Telnyx)
            ))
            .bearer_auth(creds::TELNYX_API_KEY)
            .query(&[
                ("filter[record_type]", record_type),
                ("filter[created_at][gte]", gte),
                ("page[size]", "50"),
                ("page[number]", &page.to_string()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.extend(body["data"].as_array().unwrap().iter().cloned());
        if page >= body["meta"]["total_pages"].as_i64().unwrap() {
            return out;
        }
    }
    unreachable!()
}

#[tokio::test]
async fn calls_are_pulled_per_record_type_page_by_page_and_late_prices_arrive_with_the_clock() {
    let f = fakes(config()).await;
    let c = telnyx(&f);
    let first = pull_calls(&c, NOW - Span::days(10)).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert_eq!(first.records.len(), NUMBERS * CALLS);
    let ids: HashSet<&str> = first
        .records
        .iter()
        .map(|r| r.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), first.records.len(), "every record once");

    // Numbers on the Call Control and TeXML applications (8 of 12) have `call-control`
    // records, the SIP connection's (4) `sip-trunking` ones: 16 and 8 pages of 50.
    assert_eq!(first.pages, 24);
    let log = requests_to(&f, FakeKind::Telnyx, "/v2/detail_records");
    assert_eq!(log.len(), 24);
    for (k, r) in log.iter().enumerate() {
        let (record_type, page) = if k < 16 {
            ("call-control", k + 1)
        } else {
            ("sip-trunking", k - 15)
        };
        assert_eq!(q(r, "filter[record_type]"), Some(record_type), "{r:?}");
        assert_eq!(
            q(r, "page[number]"),
            Some(page.to_string().as_str()),
            "{r:?}"
        );
        assert_eq!(q(r, "page[size]"), Some("50"));
        assert_eq!(q(r, "sort"), Some("created_at"));
        assert_eq!(
            q(r, "filter[created_at][gte]"),
            Some("2026-11-21T00:00:00Z")
        );
    }

    let pending = pending_calls(&first.records, NOW, "USD", false);

    // Two hours later, a pull from the earliest pending call: only that range is asked for,
    // the pending calls come back priced and the calls made meanwhile appear.
    let (since, later) = pull_later(&f, FakeKind::Telnyx, &c, &first.records, &pending).await;
    let log = requests_to(&f, FakeKind::Telnyx, "/v2/detail_records");
    assert!(!log.is_empty());
    let gte = since
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(
        log.iter()
            .all(|r| q(r, "filter[created_at][gte]") == Some(gte.as_str())),
        "{log:?}"
    );
    assert_eq!(
        later.records.len(),
        first
            .records
            .iter()
            .filter(|r| r.started_at >= since)
            .count()
            + later.records.iter().filter(|r| r.started_at >= NOW).count()
    );
    assert_priced(&later.records, &pending);
    // 1,200 calls over 10 days: 5 an hour.
    assert_eq!(
        later.records.iter().filter(|r| r.started_at >= NOW).count(),
        10
    );
}

#[tokio::test]
async fn messages_are_pulled_with_their_parts_and_prices() {
    let f = fakes(config()).await;
    let c = telnyx(&f);
    let listing = pull_messages(&c, NOW - Span::days(10)).await;
    assert!(listing.skipped.is_empty());
    assert_eq!(listing.records.len(), NUMBERS * MESSAGES);
    assert_eq!(listing.pages, 8);
    for m in &listing.records {
        assert!((1..=3).contains(&m.segments));
        match &m.price {
            Price::Charged { money } => assert_eq!(money.nanos, 4_000_000 * i64::from(m.segments)),
            Price::Pending => assert!(m.sent_at > NOW - Span::hours(2), "{m:?}"),
            Price::NotBilled => assert!(["failed", "gw_reject"].contains(&m.status.as_str())),
            Price::NotReported => panic!("this provider reports its prices: {m:?}"),
        }
    }
}

/// The client's totals are the sum of the fake's own `cost` figures, to the billionth, kept
/// per currency: the Telnyx account in EUR, the Twilio one in USD.
#[tokio::test]
async fn totals_are_the_sum_of_the_fakes_costs_per_currency() {
    let mut config = config();
    config.usage.currencies = vec![(FakeKind::Telnyx, "EUR".into())];
    let f = fakes(config).await;
    let since = NOW - Span::days(10);
    let mut expected = Totals::default();
    for record_type in ["call-control", "sip-trunking"] {
        for r in raw_records(&f, record_type, "2026-11-21T00:00:00Z").await {
            if let Some(cost) = r["cost"].as_str() {
                expected.add(&Money::parse(cost, r["currency"].as_str().unwrap()).unwrap());
            }
        }
    }
    let calls = pull_calls(&telnyx(&f), since).await;
    let twilio = pull_calls(&super::twilio::client(&f), since).await;

    let (mut got, mut usd) = (Totals::default(), Totals::default());
    for r in &calls.records {
        if let Price::Charged { money } = &r.price {
            got.add(money);
        }
    }
    for r in &twilio.records {
        if let Price::Charged { money } = &r.price {
            usd.add(money);
            got.add(money);
        }
    }
    let currencies: Vec<String> = got.iter().map(|m| m.currency).collect();
    assert_eq!(currencies, ["EUR", "USD"]);
    let eur: Vec<Money> = got.iter().filter(|m| m.currency == "EUR").collect();
    assert_eq!(eur, expected.iter().collect::<Vec<_>>());
    assert!(eur[0].nanos > 0);
    assert_eq!(
        got.iter()
            .filter(|m| m.currency == "USD")
            .collect::<Vec<_>>(),
        usd.iter().collect::<Vec<_>>()
    );
}

/// Telnyx's 429 (`x-ratelimit-reset`) is waited out and the same page asked again; a limit
/// that outlasts the retries is surfaced as `RateLimited`.
#[tokio::test]
async fn a_rate_limit_is_retried_then_surfaced() {
    let f = fakes(config()).await;
    let c = telnyx(&f);
    let since = NOW - Span::days(1);
    let listing = rate_limited_pull(&f, FakeKind::Telnyx, &c, since, "/v2/detail_records").await;
    assert_eq!(
        listing.records.len(),
        NUMBERS * CALLS / 10,
        "every call of the day"
    );
    assert_eq!(
        q(
            &requests_to(&f, FakeKind::Telnyx, "/v2/detail_records")[0],
            "page[number]"
        ),
        Some("1")
    );
}

#[tokio::test]
async fn the_fake_refuses_what_telnyx_refuses() {
    let f = fakes(config()).await;
    let get = |query: &'static [(&'static str, &'static str)]| {
        let url = format!("{}/v2/detail_records", f.base_url(FakeKind::Telnyx));
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .bearer_auth(creds::TELNYX_API_KEY)
                .query(query)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = get(&[("page[size]", "20")]).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(&[("filter[record_type]", "messaging"), ("page[size]", "51")]).await;
    assert_eq!(status, 422);
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("50"));
    // Default: 20 per page, newest first.
    let (status, body) = get(&[("filter[record_type]", "call-control")]).await;
    assert_eq!(status, 200);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 20);
    assert!(
        data.windows(2)
            .all(|w| w[0]["created_at"].as_str() >= w[1]["created_at"].as_str())
    );
    assert_eq!(body["meta"]["total_results"], 800);
    assert_eq!(body["meta"]["total_pages"], 40);
}

/// The fake's number 7 loses its answers in the last three days: health says so of it and of
/// no other number.
#[tokio::test]
async fn health_finds_the_number_that_carriers_started_to_block() {
    let mut config = config();
    config.usage.calls_per_number = 300;
    let f = fakes(config).await;
    let c = telnyx(&f);
    let calls = pull_calls(&c, NOW - Span::days(7)).await;
    let (numbers, _) = list_all(&c).await;
    assert_eq!(at_risk(&calls.records, &numbers.numbers, NOW), vec![7]);
}
