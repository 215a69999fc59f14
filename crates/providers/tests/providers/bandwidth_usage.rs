//! Bandwidth's call records: the fake's Insights Call Search (`startTime=gte:…`,
//! `sort=startTime:asc`, `offset`/`limit`, its `Link` header and body paging, its errors and
//! rate limit) and the client's pull of it. Call Search has no price (cost not reported, never
//! zero, never pending) and no messages (messages stay unsupported).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;
use switchboard_core::usage::{CallOutcome, CallRecord, Direction, MessageRecord, Price};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use switchboard_providers::Api;
use switchboard_providers::bandwidth::{BandwidthAuth, CALLS_PAGE_SIZE};
use switchboard_providers::model::Gather;
use time::{Duration as Span, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use super::twilio_usage::{NOW, pull_calls, q, rate_limited_pull, read_once, requests_to, usage};
use super::*;

const NUMBERS: usize = 8;
const CALLS: usize = 60;

fn config() -> FakeConfig {
    FakeConfig {
        bandwidth_numbers: NUMBERS,
        usage: usage(CALLS, 0),
        ..FakeConfig::default()
    }
}

fn bandwidth(f: &FakeProviders) -> ProviderClient {
    super::others::bandwidth_with(
        &f.base_url(FakeKind::Bandwidth),
        super::others::oauth(creds::BANDWIDTH_CLIENT_SECRET),
        &fast(),
    )
}

/// A legacy Basic API user (Call Search's documented scheme), so that every request is a page.
fn basic(f: &FakeProviders) -> ProviderClient {
    let password = switchboard_secrets::SecretString::new(creds::BANDWIDTH_PASSWORD.into());
    super::others::bandwidth_with(
        &f.base_url(FakeKind::Bandwidth),
        BandwidthAuth::Basic {
            username: creds::BANDWIDTH_USERNAME.into(),
            password,
        },
        &fast(),
    )
}

fn calls_path() -> String {
    format!("/api/v1/accounts/{}/calls", creds::BANDWIDTH_ACCOUNT_ID)
}

fn gte(t: OffsetDateTime) -> String {
    format!(
        "gte:{}",
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    )
}

/// A page of the fake's Call Search with `query` (HTTP Basic, as documented): status, `Link`
/// header and body.
async fn raw(
    f: &FakeProviders,
    account: &str,
    password: &str,
    query: &[(String, String)],
) -> (u16, Option<String>, Value) {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/accounts/{account}/calls",
            f.base_url(FakeKind::Bandwidth)
        ))
        .basic_auth(creds::BANDWIDTH_USERNAME, Some(password))
        .query(query)
        .send()
        .await
        .unwrap();
    let link = r
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_owned());
    (r.status().as_u16(), link, r.json().await.unwrap())
}

fn one(key: &str, value: &str) -> Vec<(String, String)> {
    vec![(key.to_owned(), value.to_owned())]
}

/// Every call of the fake's Call Search from `since`, following the body's `next` links.
async fn raw_all(f: &FakeProviders, since: OffsetDateTime) -> Vec<Value> {
    let (mut out, mut query) = (Vec::new(), vec![("startTime".to_owned(), gte(since))]);
    loop {
        let (status, _, body) = raw(
            f,
            creds::BANDWIDTH_ACCOUNT_ID,
            creds::BANDWIDTH_PASSWORD,
            &query,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        out.extend(body["data"]["calls"].as_array().unwrap().iter().cloned());
        let Some(next) = body["links"][0]["href"].as_str() else {
            return out;
        };
        let url = reqwest::Url::parse(next).unwrap();
        query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    }
}

#[tokio::test]
async fn calls_are_pulled_oldest_first_a_hundred_at_a_time_without_a_price() {
    let f = fakes(config()).await;
    let c = bandwidth(&f);
    let since = NOW - Span::days(10);
    let first = pull_calls(&c, since).await;
    read_once(&first);
    // Every call but the few still going on at the clock.
    assert!(
        (NUMBERS * CALLS - 5..=NUMBERS * CALLS).contains(&first.records.len()),
        "{}",
        first.records.len()
    );
    assert!(
        first
            .records
            .windows(2)
            .all(|w| w[0].started_at <= w[1].started_at),
        "oldest first"
    );

    let log = requests_to(&f, FakeKind::Bandwidth, &calls_path());
    let pages = first.records.len().div_ceil(CALLS_PAGE_SIZE as usize);
    assert_eq!(first.pages as usize, pages);
    assert_eq!(log.len(), pages);
    for (k, r) in log.iter().enumerate() {
        assert_eq!(q(r, "startTime"), Some(gte(since).as_str()), "{r:?}");
        assert_eq!(q(r, "sort"), Some("startTime:asc"));
        assert_eq!(q(r, "limit"), Some("100"));
        assert_eq!(q(r, "offset"), Some((k * 100).to_string().as_str()));
    }

    let (mut outcomes, mut directions) = (HashSet::new(), HashSet::new());
    for r in &first.records {
        outcomes.insert(r.outcome);
        directions.insert(r.direction);
        assert!(r.counterpart.starts_with("+1"), "{r:?}");
        match r.outcome {
            CallOutcome::Answered => {
                assert_eq!(r.price, Price::NotReported, "{r:?}");
                assert!(
                    r.duration_secs >= 2 && r.billed_secs == r.duration_secs,
                    "{r:?}"
                );
            }
            _ => {
                assert_eq!(r.price, Price::NotBilled, "{r:?}");
                assert_eq!((r.duration_secs, r.billed_secs), (0, 0), "{r:?}");
            }
        }
    }
    assert_eq!(
        outcomes.len(),
        5,
        "answered, busy, no-answer, failed, canceled"
    );
    assert_eq!(directions.len(), 2);

    // A second pull from the newest call read asks only from there.
    f.faults(FakeKind::Bandwidth).clear_requests();
    let newest = first.records.last().unwrap().started_at;
    let again = pull_calls(&c, newest).await;
    assert!(!again.records.is_empty() && again.records.len() < 10);
    assert!(again.records.iter().all(|r| r.started_at >= newest));
    let log = requests_to(&f, FakeKind::Bandwidth, &calls_path());
    assert_eq!(log.len(), 1);
    assert_eq!(q(&log[0], "startTime"), Some(gte(newest).as_str()));
}

/// The client's calls, minutes and outcomes are the fake's, record by record: its SIP codes
/// and results mapped as documented, its milliseconds rounded up to the second.
#[tokio::test]
async fn totals_are_the_fakes_records() {
    let f = fakes(config()).await;
    let since = NOW - Span::days(3);
    let fake = raw_all(&f, since).await;
    let got = pull_calls(&bandwidth(&f), since).await.records;
    assert_eq!(got.len(), fake.len());
    let by_id: HashMap<&str, &CallRecord> =
        got.iter().map(|r| (r.provider_id.as_str(), r)).collect();
    let (mut answered_ms, mut answered_secs) = (0u64, 0u64);
    for v in &fake {
        let r = by_id[v["callId"].as_str().unwrap()];
        let expected = match v["sipResponseCode"].as_u64().unwrap() {
            200 => CallOutcome::Answered,
            486 | 600 => CallOutcome::Busy,
            408 | 480 => CallOutcome::NoAnswer,
            487 => CallOutcome::Canceled,
            _ => CallOutcome::Failed,
        };
        assert_eq!(r.outcome, expected, "{v}");
        let inbound = v["callDirection"].as_str().unwrap().starts_with("inbound");
        assert_eq!(r.direction == Direction::Inbound, inbound, "{v}");
        let ours = if inbound {
            "calledNumber"
        } else {
            "callingNumber"
        };
        assert_eq!(r.number.as_str(), v[ours].as_str().unwrap());
        if expected == CallOutcome::Answered {
            answered_ms += v["duration"].as_u64().unwrap();
            answered_secs += u64::from(r.duration_secs);
        }
    }
    assert!(answered_ms > 0);
    // Each call rounded up by less than a second.
    let answered = got
        .iter()
        .filter(|r| r.outcome == CallOutcome::Answered)
        .count() as u64;
    assert!(
        answered_secs * 1000 >= answered_ms && answered_secs * 1000 < answered_ms + answered * 1000
    );
}

/// The fake keeps Call Search's documented rules: a filter is required, `limit` defaults to
/// 100, the next page is in the `Link` header and the body, bad credentials are 401 and
/// another account 403.
#[tokio::test]
async fn the_fake_keeps_call_searchs_rules() {
    let f = fakes(config()).await;
    let account = creds::BANDWIDTH_ACCOUNT_ID;
    let pw = creds::BANDWIDTH_PASSWORD;
    let (status, _, body) = raw(&f, account, pw, &[]).await;
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = raw(&f, account, pw, &one("startTime", "yesterday")).await;
    assert_eq!(status, 400);
    let (status, _, _) = raw(&f, account, "wrong", &one("callResult", "complete")).await;
    assert_eq!(status, 401);
    let (status, _, _) = raw(&f, "9999999", pw, &one("callResult", "complete")).await;
    assert_eq!(status, 403);

    let (status, link, body) = raw(&f, account, pw, &one("callResult", "complete")).await;
    assert_eq!(status, 200);
    let calls = body["data"]["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 100);
    assert!(
        calls
            .iter()
            .all(|c| c["callResult"] == "complete" && c["answerTime"].is_string())
    );
    let total = body["data"]["totalCount"].as_u64().unwrap();
    assert!(total > 100 && total < (NUMBERS * CALLS) as u64, "{total}");
    let next = body["links"][0]["href"].as_str().unwrap();
    assert_eq!(body["links"][0]["rel"], "next");
    assert!(
        next.contains("offset=100") && next.contains("callResult=complete"),
        "{next}"
    );
    assert_eq!(link.unwrap(), format!("<{next}>; rel=\"next\""));
    assert!(
        calls
            .windows(2)
            .all(|w| w[0]["startTime"].as_str() >= w[1]["startTime"].as_str()),
        "newest first without a sort"
    );
}

/// A 429 is waited out and the same page asked again; a limit that outlasts the retries is
/// surfaced as `RateLimited`.
#[tokio::test]
async fn a_rate_limit_is_retried_then_surfaced() {
    let f = fakes(config()).await;
    let c = basic(&f);
    let listing = rate_limited_pull(
        &f,
        FakeKind::Bandwidth,
        &c,
        NOW - Span::days(2),
        &calls_path(),
    )
    .await;
    assert!(listing.records.len() > 50);
}

/// Cancelling between pages stops the pull: no page is asked after it.
#[tokio::test]
async fn a_cancelled_pull_stops_after_the_page_it_was_reading() {
    let f = fakes(config()).await;
    let c = bandwidth(&f);
    let cancel = CancellationToken::new();
    let (pages, calls) = (AtomicU32::new(0), Gather::<CallRecord>::default());
    let e = c
        .calls_since(
            NOW - Span::days(10),
            &|p| {
                pages.fetch_add(1, Ordering::SeqCst);
                calls.page(p);
                cancel.cancel();
            },
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Cancelled { .. }), "{e:?}");
    assert_eq!(pages.load(Ordering::SeqCst), 1);
    assert_eq!(requests_to(&f, FakeKind::Bandwidth, &calls_path()).len(), 1);
}

/// Call Search has no messages: the pull says so and asks nothing.
#[tokio::test]
async fn a_bandwidth_message_pull_says_it_is_not_supported() {
    let f = fakes(config()).await;
    let c = bandwidth(&f);
    let messages = Gather::<MessageRecord>::default();
    let e = c
        .messages_since(
            NOW - Span::days(1),
            &|p| messages.page(p),
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::Unsupported {
                api: Api::Bandwidth,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("message records"), "{e}");
    assert!(
        f.faults(FakeKind::Bandwidth).requests().is_empty(),
        "nothing asked"
    );
}
