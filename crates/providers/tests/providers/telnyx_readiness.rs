//! Telnyx's readiness states: the fake seeds every state the issue lists (number `i` has the
//! fake's `telnyx_readiness::case(i)`), and the client reads them from list endpoints only.

use switchboard_core::readiness::{Kind, State, judge};
use switchboard_fake_providers::telnyx_readiness::{
    Case, PORTING_ELSEWHERE, case, on_profile, seeded_number,
};
use switchboard_fake_providers::{FakeConfig, FakeKind, creds};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use tokio_util::sync::CancellationToken;

use super::others::telnyx_with;
use super::*;

async fn readiness(numbers: usize) -> (ReadinessListing, Vec<String>) {
    let f = fakes(FakeConfig {
        telnyx_numbers: numbers,
        ..FakeConfig::default()
    })
    .await;
    let c = telnyx_with(
        &f.base_url(FakeKind::Telnyx),
        creds::TELNYX_API_KEY,
        &HttpSettings::default(),
    );
    let listing = c
        .readiness(&|_| {}, &CancellationToken::new())
        .await
        .expect("the readiness");
    let log = f.faults(FakeKind::Telnyx).requests();
    (listing, log.into_iter().map(|r| r.path).collect())
}

fn number(listing: &ReadinessListing, i: usize) -> &NumberFindings {
    let phone = seeded_number(i);
    (listing.numbers.iter())
        .find(|n| n.number.as_str() == phone)
        .expect("every number of the account")
}

#[tokio::test]
async fn every_seeded_state_reaches_its_number_and_a_port_out_raises_the_alarm() {
    let (listing, paths) = readiness(48).await;
    assert_eq!(paths.len(), 3, "one page of each list: {paths:?}");
    for i in 0..48 {
        let n = number(&listing, i);
        assert_eq!(n.used.sends_sms, on_profile(i), "number {i}");
        let mut got: Vec<(Kind, &str)> = (n.findings.iter())
            .map(|f| (f.kind, f.state.as_str()))
            .collect();
        got.sort();
        let status = match case(i) {
            Case::Status(s) => s,
            _ => "active",
        };
        let mut want = vec![
            (Kind::NumberStatus, status),
            (
                Kind::Emergency,
                match case(i) {
                    Case::Emergency(e) => e,
                    _ => "active",
                },
            ),
        ];
        let listed = if case(i) == Case::Unlisted {
            "false"
        } else {
            "true"
        };
        want.push((Kind::Cnam, listed));
        if matches!(status, "port-out-pending" | "ported-out") {
            want.push((Kind::PortOut, status));
        }
        if status == "port-pending" {
            want.push((Kind::PortIn, "in-process"));
        }
        if on_profile(i) {
            want.push((
                Kind::A2p10dlc,
                match case(i) {
                    Case::Campaign(s) => s.unwrap_or(""),
                    _ => "ASSIGNED",
                },
            ));
        }
        want.sort();
        assert_eq!(got, want, "number {i}: {:?}", case(i));
        let judged = judge(&n.findings, n.used);
        assert_eq!(
            judged.alarm,
            matches!(status, "port-out-pending" | "ported-out"),
            "number {i}"
        );
    }
    let unassigned = number(&listing, 13);
    assert!(
        unassigned.used.sends_sms,
        "on the messaging profile, on no campaign"
    );
    assert_eq!(
        judge(&unassigned.findings, unassigned.used).state,
        State::Blocked
    );
    let fine = judge(&number(&listing, 0).findings, number(&listing, 0).used);
    assert_eq!(fine.state, State::Ready);
    // No caller-name listing: the only thing to look at, as core's CNAM rule words it.
    let unlisted = number(&listing, 12);
    assert_eq!(case(12), Case::Unlisted);
    let judged = judge(&unlisted.findings, unlisted.used);
    assert_eq!(judged.state, State::Attention);
    let cnam = &judged.items[0];
    assert_eq!(
        (cnam.kind, cnam.provider_state.as_str()),
        (Kind::Cnam, "false")
    );
    assert_eq!(cnam.action, "Enable a CNAM listing for the number.");
    let failed = number(&listing, 10);
    let f = failed.findings.iter().find(|f| f.kind == Kind::A2p10dlc);
    assert!(f.is_some_and(|f| !f.reasons.is_empty()), "failure reasons");
    // Numbers of porting orders that are not on the account yet.
    let elsewhere: Vec<&str> = (listing.numbers.iter().skip(48))
        .map(|n| n.findings[0].state.as_str())
        .collect();
    assert_eq!(elsewhere, PORTING_ELSEWHERE);
}

#[tokio::test]
async fn ten_thousand_numbers_take_list_pages_only() {
    let (listing, paths) = readiness(10_000).await;
    no_request_names_a_number(&listing, &paths, |p| p.contains("+1") || p.contains("%2B1"));
    // 40 pages of numbers (250 each), 69 of the 6,875 assignments (100 each: the 7,500
    // numbers on the messaging profile less the 625 on no campaign), 3 of the 628 porting
    // numbers (250 each).
    assert_eq!(paths.len(), 40 + 69 + 3, "{paths:#?}");
}
