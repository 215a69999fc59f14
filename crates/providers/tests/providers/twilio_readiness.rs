//! Twilio's readiness states: the fake seeds every state its schemas list (one case per number
//! index, see the fake's `twilio_readiness::case`), and the client reads them from list
//! endpoints only.

use switchboard_core::readiness::{Finding, Kind, Level, State, Use, judge};
use switchboard_fake_providers::twilio_readiness::{
    Case, TOLL_FREE_REJECTION, case, seeded_number, toll_free_case, toll_free_number,
    toll_free_routes_sms,
};
use switchboard_fake_providers::{FakeConfig, FakeKind};
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use tokio_util::sync::CancellationToken;

use super::twilio::client;
use super::*;

/// The fake's number `i` (as its seed numbers them).
fn number(f: &[NumberFindings], i: usize) -> Option<&NumberFindings> {
    let phone = seeded_number(i);
    f.iter().find(|n| n.number.as_str() == phone)
}

async fn readiness(numbers: usize) -> (ReadinessListing, Vec<String>) {
    readiness_with(numbers, 0).await
}

/// The readiness of an account with `numbers` local and `toll_free` toll-free numbers, and the
/// requests it took (each as its path and query).
async fn readiness_with(numbers: usize, toll_free: usize) -> (ReadinessListing, Vec<String>) {
    let f = fakes(FakeConfig {
        twilio_numbers: numbers,
        twilio_toll_free_numbers: toll_free,
        ..FakeConfig::default()
    })
    .await;
    let c = client(&f);
    let ProviderClient::Twilio(t) = &c else {
        unreachable!("a Twilio client")
    };
    let listing = t
        .readiness(&|_| {}, &CancellationToken::new())
        .await
        .expect("the readiness");
    let paths = f
        .faults(FakeKind::Twilio)
        .requests()
        .into_iter()
        .map(|r| {
            let query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            match query.is_empty() {
                true => r.path,
                false => format!("{}?{}", r.path, query.join("&")),
            }
        })
        .collect();
    (listing, paths)
}

fn states(findings: &[Finding]) -> Vec<(Kind, &str)> {
    let mut v: Vec<(Kind, &str)> = findings
        .iter()
        .map(|f| (f.kind, f.state.as_str()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn every_seeded_state_reaches_its_number() {
    let (listing, _) = readiness(40).await;
    for i in 0..40 {
        let sms = i % 7 != 3;
        let n = number(&listing.numbers, i).expect("every number of the account");
        assert_eq!(
            n.used.sends_sms, sms,
            "number {i}: SMS capable, with the demo SMS URL"
        );
        let findings = &n.findings;
        let mut expected: Vec<(Kind, &str)> = vec![(
            Kind::EmergencyAddress,
            match case(i) {
                Case::Emergency(s) => s,
                _ => "registered",
            },
        )];
        match case(i) {
            Case::AddressMissing => expected.push((Kind::Address, "local")),
            Case::Bundle(s) => expected.push((Kind::RegulatoryBundle, s)),
            // The one completed port-in request brought number 15 in.
            Case::PortedIn if i == 15 => expected.push((Kind::PortIn, "Completed")),
            _ => {}
        }
        if sms {
            expected.push((
                Kind::A2p10dlc,
                match case(i) {
                    Case::NoCampaign => "",
                    Case::Campaign(s) => s,
                    _ => "VERIFIED",
                },
            ));
        }
        expected.sort();
        assert_eq!(states(findings), expected, "number {i} ({:?})", case(i));
    }
    // The failed campaign carries its errors; the judged states follow.
    let failed = number(&listing.numbers, 14).unwrap();
    let campaign = failed
        .findings
        .iter()
        .find(|f| f.kind == Kind::A2p10dlc)
        .unwrap();
    assert_eq!(
        campaign.reasons,
        ["30896: Opt-in information is missing or invalid."]
    );
    assert!(campaign.since.is_some());
    let judged = |i: usize, sends_sms: bool| {
        judge(
            &number(&listing.numbers, i).unwrap().findings,
            Use { sends_sms },
        )
        .state
    };
    assert_eq!(judged(0, true), State::Ready);
    assert_eq!(judged(1, false), State::Attention);
    assert_eq!(judged(3, false), State::Blocked, "registration failure");
    assert_eq!(judged(10, false), State::Blocked, "bundle rejected");
    assert_eq!(
        judged(12, false),
        State::Attention,
        "no campaign, voice only"
    );
    assert_eq!(judged(12, true), State::Blocked, "no campaign, sends SMS");
    assert_eq!(judged(16, true), State::Ready, "bundle approved");
    // Numbers being ported in are named too, though not on the account yet.
    let porting: Vec<&str> = listing
        .numbers
        .iter()
        .flat_map(|n| n.findings.iter())
        .filter(|f| f.kind == Kind::PortIn)
        .map(|f| f.state.as_str())
        .collect();
    // Number 15 is on the account (named first); the others are still on their way in.
    assert_eq!(
        porting,
        ["Completed", "Submitted", "Pending", "Action Required"]
    );
}

#[tokio::test]
async fn ten_thousand_numbers_take_list_requests_only() {
    let (listing, paths) = readiness(10_000).await;
    let paths: Vec<String> = paths
        .into_iter()
        .map(|p| p.split('?').next().unwrap_or_default().to_owned())
        .collect();
    no_request_names_a_number(&listing, &paths, |p| p.contains("/IncomingPhoneNumbers/PN"));
    // 10 pages of numbers, 3 of bundles (3,000 of them), 1 of services, per service (3) its
    // campaign and 9/1/1 pages of its numbers (8,500/500/500), 1 port-in list and one
    // request per port-in request (3): list pages, not numbers, set the count.
    assert_eq!(paths.len(), 10 + 3 + 1 + 3 + 11 + 1 + 3, "{paths:#?}");
}

/// The findings the toll-free number `j` must get: its emergency address (a voice number) and
/// its verification, with the rejection reason when rejected; no verification is the empty
/// state.
#[tokio::test]
async fn every_seeded_toll_free_verification_reaches_its_number() {
    let (listing, _) = readiness_with(20, 10).await;
    for j in 0..10 {
        let phone = toll_free_number(j);
        let n = (listing.numbers.iter())
            .find(|n| n.number.as_str() == phone)
            .unwrap_or_else(|| panic!("toll-free number {j} ({phone})"));
        assert_eq!(
            n.used.sends_sms,
            toll_free_routes_sms(j),
            "{phone}: SMS capable, used for SMS when it has an SMS URL"
        );
        let status = toll_free_case(j);
        let word = status.unwrap_or("");
        assert_eq!(
            states(&n.findings),
            [
                (Kind::EmergencyAddress, "registered"),
                (Kind::TollFreeVerification, word)
            ],
            "{phone}"
        );
        let verification = (n.findings.iter())
            .find(|f| f.kind == Kind::TollFreeVerification)
            .unwrap();
        assert_eq!(verification.since.is_some(), status.is_some(), "{phone}");
        for sends_sms in [true, false] {
            let judged = judge(&n.findings, Use { sends_sms });
            let item = (judged.items.iter())
                .find(|i| i.kind == Kind::TollFreeVerification)
                .unwrap();
            let (level, reasons): (Level, Vec<String>) = match status {
                Some("TWILIO_APPROVED") => (Level::Ok, vec![]),
                Some("TWILIO_REJECTED") if sends_sms => {
                    (Level::Blocked, vec![TOLL_FREE_REJECTION.0.to_owned()])
                }
                Some("TWILIO_REJECTED") => {
                    (Level::Attention, vec![TOLL_FREE_REJECTION.0.to_owned()])
                }
                _ if sends_sms => (Level::Blocked, vec![]),
                _ => (Level::Attention, vec![]),
            };
            assert_eq!(
                (item.level, item.provider_state.as_str(), &item.reasons),
                (level, word, &reasons),
                "{phone} (sends SMS: {sends_sms})"
            );
            let state = match level {
                Level::Ok => State::Ready,
                Level::Attention => State::Attention,
                Level::Blocked => State::Blocked,
            };
            assert_eq!(judged.state, state, "{phone} (sends SMS: {sends_sms})");
            if level != Level::Ok {
                assert!(!item.action.is_empty(), "{phone}: what to do");
            }
        }
    }
    // The local numbers keep their own findings: none of them is a toll-free verification.
    for i in 0..20 {
        let n = number(&listing.numbers, i).unwrap();
        assert!(
            n.findings
                .iter()
                .all(|f| f.kind != Kind::TollFreeVerification),
            "number {i}"
        );
    }
}

#[tokio::test]
async fn toll_free_verifications_are_read_as_a_list() {
    let (listing, paths) = readiness_with(10_000, 5_000).await;
    let toll_free = (listing.numbers.iter())
        .filter(|n| {
            n.findings
                .iter()
                .any(|f| f.kind == Kind::TollFreeVerification)
        })
        .count();
    assert_eq!(toll_free, 5_000);
    // No path names a number or a verification, no query a number's sid.
    no_request_names_a_number(&listing, &paths, |p| {
        p.contains("/IncomingPhoneNumbers/PN")
            || p.contains("/Verifications/HH")
            || p.contains("TollfreePhoneNumberSid")
    });
    let verifications = paths
        .iter()
        .filter(|p| p.starts_with("/v1/Tollfree/Verifications"))
        .count();
    // 4,000 verifications (the fifth number has none), 1,000 a page.
    assert_eq!(verifications, 4, "{paths:#?}");
    // 15 pages of numbers, then as for the local numbers alone (see above), and the 4 pages
    // of verifications.
    assert_eq!(paths.len(), 15 + 3 + 1 + 3 + 11 + 4 + 1 + 3, "{paths:#?}");
}
