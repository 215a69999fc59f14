//! Bandwidth's readiness states: the fake seeds every state of its 10DLC numbers list and of
//! the toll-free verification API (number `i` has the fake's `bandwidth_readiness::case(i)`),
//! and the client reads the list once and asks only toll-free numbers one by one (Bandwidth
//! documents no list of verifications).

use switchboard_core::readiness::{Kind, State, judge};
use switchboard_fake_providers::bandwidth_readiness::{
    BLOCKED_REASON, Case, DECLINE_REASON, case, on_messaging_location, seeded_number, toll_free,
};
use switchboard_fake_providers::{FakeConfig, FakeKind, Faults, RequestRecord, creds};
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use tokio_util::sync::CancellationToken;

use super::others::{bandwidth_with, oauth};
use super::*;

const TOKEN: &str = "/api/v1/oauth2/token";

pub(super) async fn fake(numbers: usize) -> (FakeProviders, ProviderClient) {
    let f = fakes(FakeConfig {
        bandwidth_numbers: numbers,
        ..FakeConfig::default()
    })
    .await;
    let c = bandwidth_with(
        &f.base_url(FakeKind::Bandwidth),
        oauth(creds::BANDWIDTH_CLIENT_SECRET),
        &fast(),
    );
    (f, c)
}

/// The requests the fake logged, without the OAuth2 token's.
fn asked(f: &FakeProviders) -> Vec<RequestRecord> {
    (f.faults(FakeKind::Bandwidth).requests().into_iter())
        .filter(|r| r.path != TOKEN)
        .collect()
}

async fn readiness(numbers: usize) -> (ReadinessListing, Vec<RequestRecord>) {
    let (f, c) = fake(numbers).await;
    let listing = c
        .readiness(&|_| {}, &CancellationToken::new())
        .await
        .expect("the readiness");
    (listing, asked(&f))
}

fn number(listing: &ReadinessListing, i: usize) -> &NumberFindings {
    let phone = seeded_number(i);
    (listing.numbers.iter())
        .find(|n| n.number.as_str() == phone)
        .expect("every number of the account")
}

/// What the client must find about number `i`: the finding's kind, word and reasons.
fn expected(i: usize) -> (Kind, &'static str, Vec<&'static str>) {
    let second = "Sample message does not name the business";
    match case(i) {
        Case::Fine => (Kind::A2p10dlc, "SUCCESS", vec![]),
        Case::TenDlc(s, _) => (Kind::A2p10dlc, s, vec![]),
        Case::NoTenDlc => (Kind::A2p10dlc, "", vec![]),
        Case::TollFree(Some("UNVERIFIED")) => (
            Kind::TollFreeVerification,
            "UNVERIFIED",
            vec![DECLINE_REASON, second],
        ),
        Case::TollFree(s) => (Kind::TollFreeVerification, s.unwrap_or(""), vec![]),
        Case::TollFreeBlocked => (
            Kind::TollFreeVerification,
            "blocked",
            vec![BLOCKED_REASON, "status UNVERIFIED"],
        ),
    }
}

/// The state number `i` is judged in: ready when registered, else blocked on a number that
/// delivers SMS and needing attention on another.
fn expected_state(i: usize) -> State {
    match (expected(i).1, on_messaging_location(i)) {
        ("SUCCESS" | "VERIFIED", _) => State::Ready,
        (_, true) => State::Blocked,
        (_, false) => State::Attention,
    }
}

#[tokio::test]
async fn every_seeded_state_reaches_its_number() {
    let (listing, log) = readiness(40).await;
    let paths: Vec<&str> = log.iter().map(|r| r.path.as_str()).collect();
    // One page of numbers, one of 10DLC registrations, the applications, the messaging
    // application's locations, that location's numbers, and one read per toll-free number.
    let toll_free_numbers = (0..40).filter(|i| toll_free(*i)).count();
    assert_eq!(toll_free_numbers, 10);
    assert_eq!(paths.len(), 5 + toll_free_numbers, "{paths:#?}");
    assert_eq!(listing.requests as usize, paths.len());
    assert_eq!(listing.numbers.len(), 40, "each number once");
    for i in 0..40 {
        let n = number(&listing, i);
        let (kind, word, reasons) = expected(i);
        assert_eq!(n.findings.len(), 1, "number {i}: {:?}", n.findings);
        let f = &n.findings[0];
        assert_eq!(
            (f.kind, f.state.as_str(), &f.reasons),
            (kind, word, &reasons.iter().map(|r| r.to_string()).collect()),
            "number {i}: {:?}",
            case(i)
        );
        assert_eq!(n.used.sends_sms, on_messaging_location(i), "number {i}");
        let judged = judge(&n.findings, n.used);
        assert_eq!(judged.state, expected_state(i), "number {i}: {:?}", case(i));
        assert!(!judged.alarm);
        if !word.is_empty() {
            assert!(f.since.is_some(), "number {i}: the provider's time");
        }
    }
}

#[tokio::test]
async fn ten_thousand_numbers_take_list_pages_and_one_read_per_toll_free_number() {
    let (listing, log) = readiness(10_000).await;
    assert!(listing.numbers.len() >= 10_000);
    assert_eq!(listing.requests as usize, log.len());
    let tendlc = format!(
        "/api/v2/accounts/{}/tendlc/phoneNumbers",
        creds::BANDWIDTH_ACCOUNT_ID
    );
    let inservice = format!(
        "/api/accounts/{}/inserviceNumbers",
        creds::BANDWIDTH_ACCOUNT_ID
    );
    let lists = |p: &str| log.iter().filter(|r| r.path.ends_with(p)).count();
    // 4 pages of 2,500 in-service numbers; 28 pages of the 7,000 registrations (250 each); the
    // applications, the messaging one's locations, and that location's numbers.
    assert_eq!(lists(&inservice), 4);
    assert_eq!(lists(&tendlc), 28);
    let routing = ["/applications", "/associatedsippeers", "/tns"];
    assert_eq!(routing.map(lists), [1, 1, 1]);
    // Every other request reads one toll-free number's verification, each once; no request
    // names a local number.
    let mut named: Vec<String> = (log.iter())
        .filter(|r| r.path != tendlc && r.path != inservice)
        .filter(|r| !routing.iter().any(|p| r.path.ends_with(p)))
        .map(|r| r.path.replace("%2B", "+"))
        .collect();
    named.sort();
    let mut want: Vec<String> = (0..10_000)
        .filter(|i| toll_free(*i))
        .map(|i| {
            format!(
                "/api/v2/accounts/{}/phoneNumbers/{}/tollFreeVerification",
                creds::BANDWIDTH_ACCOUNT_ID,
                seeded_number(i)
            )
        })
        .collect();
    want.sort();
    assert_eq!(want.len(), 2_500);
    assert_eq!(named, want);
    assert_eq!(log.len(), 4 + 28 + 3 + 2_500);
}

#[tokio::test]
async fn the_ignored_status_filter_is_never_sent_and_states_are_filtered_here() {
    let (f, c) = fake(60).await;
    // The fake answers the status filter as Bandwidth documents it: ignored, every record.
    let http = reqwest::Client::new();
    let url = format!(
        "{}/api/v2/accounts/{}/tendlc/phoneNumbers",
        f.base_url(FakeKind::Bandwidth),
        creds::BANDWIDTH_ACCOUNT_ID
    );
    let total = |query: Vec<(&'static str, &'static str)>| {
        let req = http
            .get(&url)
            .basic_auth(creds::BANDWIDTH_USERNAME, Some(creds::BANDWIDTH_PASSWORD))
            .query(&query);
        async move {
            let v: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
            v["page"]["totalElements"].as_u64().unwrap()
        }
    };
    let all = total(vec![]).await;
    assert_eq!(all, 42, "cases 0, 1, 2, 4 and 10-19 of 60 numbers");
    assert_eq!(total(vec![("status[eq]", "FAILURE")]).await, all);
    assert_eq!(total(vec![("status[contains]", "FAIL")]).await, all);
    assert_eq!(total(vec![("campaignId[eq]", "CA3XKE1")]).await, all);
    assert!(total(vec![("campaignId[contains]", "CA3")]).await < all);
    f.faults(FakeKind::Bandwidth).clear_requests();

    let listing = c
        .readiness(&|_| {}, &CancellationToken::new())
        .await
        .expect("the readiness");
    for r in asked(&f)
        .iter()
        .filter(|r| r.path.ends_with("/phoneNumbers"))
    {
        let keys: Vec<&str> = r.query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["limit", "offset"], "no filter is sent");
    }
    // The failed registrations, picked out here from everything the list gave.
    let failed: Vec<String> = (listing.numbers.iter())
        .filter(|n| n.findings.iter().any(|f| f.state == "FAILURE"))
        .map(|n| n.number.to_string())
        .collect();
    let want: Vec<String> = (0..60)
        .filter(|i| case(*i) == Case::TenDlc("FAILURE", true))
        .map(seeded_number)
        .collect();
    assert_eq!(failed, want);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_a_cancelled_read_stops() {
    let (f, c) = fake(40).await;
    let (quiet, never) = (|_: ListProgress| {}, CancellationToken::new());
    let refresh = || c.readiness(&quiet, &never);
    let limit = |n| {
        f.faults(FakeKind::Bandwidth).set(Faults {
            rate_limit_next: n,
            retry_after_secs: 1,
            ..Faults::default()
        })
    };
    limit(2);
    let listing = refresh().await.expect("retried after 429");
    assert_eq!(listing.numbers.len(), 40);
    limit(100);
    let e = refresh().await.unwrap_err();
    assert!(matches!(e, ProviderError::RateLimited { .. }), "{e:?}");

    f.faults(FakeKind::Bandwidth).set(Faults::default());
    f.faults(FakeKind::Bandwidth).clear_requests();
    let cancel = CancellationToken::new();
    let pages = Mutex::new(0u32);
    let e = c
        .readiness(
            &|p| {
                *pages.lock().unwrap() = p.pages;
                if p.pages >= 3 {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Cancelled { .. }), "{e:?}");
    assert_eq!(*pages.lock().unwrap(), 3, "stopped at once");
    assert_eq!(asked(&f).len(), 3, "nothing asked after the cancel");
}
