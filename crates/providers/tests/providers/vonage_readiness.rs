//! Vonage's readiness states: the fake's 10DLC lists link the account's US numbers with every
//! state the reference lists (US number `j` has the fake's `vonage_readiness::case(j)`), and
//! the client reads them from list endpoints only.

use switchboard_core::readiness::{Kind, State, judge};
use switchboard_fake_providers::vonage_readiness::{
    CAMPAIGNS, Case, case, seeded_us_number, sends_sms, sms_webhook,
};
use switchboard_fake_providers::{FakeConfig, FakeKind, Faults, RateWindow, creds};
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use tokio_util::sync::CancellationToken;

use super::others::vonage_with;
use super::*;

/// The fake Vonage with `gb` GB and `us` US numbers, and a client of it.
async fn account(gb: usize, us: usize, faults: Faults) -> (FakeProviders, ProviderClient) {
    let f = fakes(FakeConfig {
        vonage_numbers: gb,
        vonage_us_numbers: us,
        faults,
        ..FakeConfig::default()
    })
    .await;
    let base = f.base_url(FakeKind::Vonage);
    let c = vonage_with(&base, creds::VONAGE_API_SECRET, &fast());
    (f, c)
}

async fn readiness(gb: usize, us: usize, faults: Faults) -> (ReadinessListing, Vec<String>) {
    let (f, c) = account(gb, us, faults).await;
    let listing = c
        .readiness(&|_| {}, &CancellationToken::new())
        .await
        .expect("the readiness");
    let log = f.faults(FakeKind::Vonage).requests();
    (listing, log.into_iter().map(|r| r.path).collect())
}

fn us(listing: &ReadinessListing, j: usize) -> &NumberFindings {
    let phone = seeded_us_number(j);
    (listing.numbers.iter())
        .find(|n| n.number.as_str() == phone)
        .expect("every US number of the account")
}

/// The word the seed gives US number `j`: its link's status, or its campaign's when the
/// campaign is not active; empty on no campaign.
fn seeded_word(j: usize) -> &'static str {
    match case(j) {
        Case::Linked(c, _) if CAMPAIGNS[c].2 != "ACTIVE" => CAMPAIGNS[c].2,
        Case::Linked(_, status) => status,
        Case::Unlinked => "",
    }
}

#[tokio::test]
async fn every_seeded_campaign_link_reaches_its_number() {
    let (listing, paths) = readiness(5, 24, Faults::default()).await;
    // One page of numbers, the two applications they are linked to (each once: whether the
    // Messages one has an `inbound_url`), one of brands, one of campaigns per brand, one of
    // numbers per campaign.
    assert_eq!(paths.len(), 1 + 2 + 1 + 2 + 3, "{paths:#?}");
    assert_eq!(listing.requests as usize, paths.len());
    assert_eq!(listing.numbers.len(), 5 + 24);
    let mut on_messages_application_alone = 0;
    for gb in &listing.numbers[..5] {
        assert!(gb.findings.is_empty(), "no 10DLC outside the US: {gb:?}");
    }
    for j in 0..24 {
        let n = us(&listing, j);
        assert_eq!(n.used.sends_sms, sends_sms(j), "US number {j}");
        if !sms_webhook(j) && sends_sms(j) {
            on_messages_application_alone += 1;
        }
        let got: Vec<(Kind, &str)> = (n.findings.iter())
            .map(|f| (f.kind, f.state.as_str()))
            .collect();
        assert_eq!(
            got,
            [(Kind::A2p10dlc, seeded_word(j))],
            "US number {j}: {:?}",
            case(j)
        );
        let want = match j % 8 {
            0 | 6 => State::Ready,
            _ if !sends_sms(j) => State::Attention,
            _ => State::Blocked,
        };
        assert_eq!(judge(&n.findings, n.used).state, want, "US number {j}");
    }
    assert!(
        on_messages_application_alone > 0,
        "numbers with no moHttpUrl whose Messages application has an inbound_url are seeded"
    );
    let expired = &us(&listing, 4).findings[0];
    assert_eq!(expired.state, "EXPIRED");
    assert!(expired.reasons[0].contains(CAMPAIGNS[1].1), "{expired:?}");
}

#[tokio::test]
async fn a_throttled_10dlc_list_is_retried() {
    // Four requests a second: the numbers page, the brands and both brands' campaigns pass,
    // the first campaign's numbers are throttled (429, Retry-After) and asked again.
    let faults = Faults {
        rate_window: Some(RateWindow {
            limit: 4,
            window_ms: 1_000,
        }),
        ..Faults::default()
    };
    let (listing, paths) = readiness(0, 16, faults).await;
    assert!(
        paths.len() > 1 + 1 + 2 + 3,
        "throttled and asked again: {paths:#?}"
    );
    for j in 0..16 {
        assert_eq!(us(&listing, j).findings[0].state, seeded_word(j));
    }
}

#[tokio::test]
async fn ten_thousand_numbers_take_list_pages_only() {
    let (listing, paths) = readiness(0, 10_000, Faults::default()).await;
    no_request_names_a_number(&listing, &paths, |p| p.contains("/numbers/"));
    // 100 pages of numbers (100 each); the two applications they are linked to; one of
    // brands; one of campaigns for each of the two brands; of the linked numbers (100 a
    // page): 50 for the first campaign's 5,000, 13 for each other campaign's 1,250.
    assert_eq!(paths.len(), 100 + 2 + 1 + 2 + 50 + 13 + 13, "{paths:#?}");
}

#[tokio::test]
async fn progress_counts_each_request_and_cancel_stops_the_next() {
    let (f, c) = account(0, 250, Faults::default()).await;
    assert_eq!(readiness_cancelled_after(&c, 2).await, [1, 2]);
    assert_eq!(f.faults(FakeKind::Vonage).requests().len(), 2, "none after");
}
