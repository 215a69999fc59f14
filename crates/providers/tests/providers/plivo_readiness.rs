//! Plivo's readiness states: the fake's numbers carry every compliance state Plivo documents on
//! the number (local number `i` has the fake's `plivo_readiness::case(i)`, toll-free number `j`
//! its `TOLL_FREE_VERIFICATION[j % 3]`), and the client reads them from the numbers list only.

use switchboard_core::readiness::{Kind, State, judge};
use switchboard_fake_providers::plivo_readiness::{
    CAMPAIGNS, TOLL_FREE_VERIFICATION, case, on_application, toll_free_number,
};
use switchboard_fake_providers::{FakeConfig, FakeKind, RateWindow, creds};
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use tokio_util::sync::CancellationToken;

use super::others::plivo_with;
use super::*;

/// The fake Plivo with `local` local and `toll_free` toll-free numbers, its request limit
/// `window`, and a client of it.
async fn account(
    local: usize,
    toll_free: usize,
    window: Option<RateWindow>,
) -> (FakeProviders, ProviderClient) {
    let f = fakes(FakeConfig {
        plivo_numbers: local,
        plivo_toll_free_numbers: toll_free,
        plivo_rate_window: window,
        ..FakeConfig::default()
    })
    .await;
    let base = f.base_url(FakeKind::Plivo);
    let c = plivo_with(&base, creds::PLIVO_AUTH_TOKEN, &fast());
    (f, c)
}

async fn readiness(
    local: usize,
    toll_free: usize,
    window: Option<RateWindow>,
) -> (ReadinessListing, Vec<String>) {
    let (f, c) = account(local, toll_free, window).await;
    let listing = c
        .readiness(&|_| {}, &CancellationToken::new())
        .await
        .expect("the readiness");
    let log = f.faults(FakeKind::Plivo).requests();
    (listing, log.into_iter().map(|r| r.path).collect())
}

fn words(n: &NumberFindings) -> Vec<(Kind, &str)> {
    let mut got: Vec<(Kind, &str)> = (n.findings.iter())
        .map(|f| (f.kind, f.state.as_str()))
        .collect();
    got.sort();
    got
}

/// The 10DLC word the seed gives local number `i`: its own, or its campaign's when its link is
/// complete on a campaign that is not active.
fn ten_dlc_word(i: usize) -> &'static str {
    let c = case(i);
    match c.campaign.map(|k| CAMPAIGNS[k].1) {
        Some(status) if c.tendlc == "COMPLETED" && status != "ACTIVE" => status,
        _ => c.tendlc,
    }
}

#[tokio::test]
async fn every_seeded_compliance_state_reaches_its_number() {
    let (listing, paths) = readiness(21, 6, None).await;
    assert_eq!(
        paths.len(),
        3,
        "27 numbers, 20 a page, one page of campaigns: {paths:?}"
    );
    assert_eq!(listing.requests, 3);
    assert_eq!(listing.numbers.len(), 27);
    for (i, n) in listing.numbers[..21].iter().enumerate() {
        let c = case(i);
        let mut want = vec![(Kind::A2p10dlc, ten_dlc_word(i))];
        want.extend(c.compliance.map(|w| (Kind::RegulatoryBundle, w)));
        want.sort();
        assert_eq!(words(n), want, "local number {i}: {c:?}");
        assert_eq!(n.used.sends_sms, on_application(i), "local number {i}");
        let sms = on_application(i);
        let state = match (ten_dlc_word(i), c.compliance) {
            (_, Some("Rejected")) => State::Blocked,
            ("PROCESSING" | "UNREGISTERED" | "FAILED" | "EXPIRED", _) if sms => State::Blocked,
            ("PROCESSING" | "UNREGISTERED" | "FAILED" | "EXPIRED", _) => State::Attention,
            (_, Some("Submitted" | "Draft")) => State::Attention,
            _ => State::Ready,
        };
        assert_eq!(judge(&n.findings, n.used).state, state, "local number {i}");
    }
    for (j, n) in listing.numbers[21..].iter().enumerate() {
        assert_eq!(n.number.as_str(), format!("+{}", toll_free_number(j)));
        let word = TOLL_FREE_VERIFICATION[j % 3];
        assert_eq!(
            words(n),
            [(Kind::TollFreeVerification, word)],
            "toll-free {j}"
        );
        let state = if word == "VERIFIED" {
            State::Ready
        } else {
            State::Blocked
        };
        assert_eq!(judge(&n.findings, n.used).state, state, "toll-free {j}");
    }
    let failed = &listing.numbers[7].findings[0];
    assert_eq!(failed.reasons, ["campaign CMPFA56 is FAILED"], "{failed:?}");
    let rejected = &listing.numbers[5].findings;
    let application = rejected.iter().find(|f| f.kind == Kind::RegulatoryBundle);
    assert!(
        application.is_some_and(|f| f.reasons[0].starts_with("compliance application ")),
        "{rejected:?}"
    );
}

#[tokio::test]
async fn a_throttled_page_is_asked_again_after_its_retry_after() {
    let window = RateWindow {
        limit: 1,
        window_ms: 2_000,
    };
    let (listing, paths) = readiness(21, 6, Some(window)).await;
    assert!(
        paths.len() > 3,
        "later pages throttled, then read: {paths:?}"
    );
    assert_eq!(listing.numbers.len(), 27);
    assert_eq!(listing.requests, 3, "pages read");
    assert_eq!(listing.numbers[8].findings[0].state, "EXPIRED");
}

#[tokio::test]
async fn ten_thousand_numbers_take_list_pages_only() {
    let (listing, paths) = readiness(10_000, 30, None).await;
    no_request_names_a_number(&listing, &paths, |p| p.contains("/Number/1"));
    assert_eq!(
        paths.len(),
        502 + 1,
        "10,030 numbers, 20 a page; the campaigns"
    );
}

#[tokio::test]
async fn progress_counts_each_request_and_cancel_stops_the_next() {
    let (f, c) = account(100, 0, None).await;
    assert_eq!(readiness_cancelled_after(&c, 3).await, [1, 2, 3]);
    assert_eq!(f.faults(FakeKind::Plivo).requests().len(), 3, "none after");
}
