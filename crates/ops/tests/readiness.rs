//! Readiness refreshed with an account against the fake Twilio, which seeds every state its
//! schemas list (number `i` has the fake's `case(i)`): each number gets the right state and
//! items, kept in its metadata; the readiness filter returns exactly the seeded set; a second
//! refresh writes nothing; a port-out raises the alarm. The fake Bandwidth's seeded 10DLC and
//! toll-free verification states reach the store and its filter the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::twilio;
use switchboard_core::domain::{E164, Provider};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::readiness::{Finding, Kind, State, Use};
use switchboard_fake_providers::twilio_readiness::{Case, case, seeded_number};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use switchboard_ops::Inventory;
use switchboard_ops::readiness::{self, record, refresh_with};
use switchboard_providers::ProviderClient;
use switchboard_providers::bandwidth::{BandwidthAuth, BandwidthClient, BandwidthCredentials};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use switchboard_secrets::SecretString;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const NUMBERS: usize = 60;

/// The state the rules give the fake's number `i` (SMS-capable numbers have the demo SMS URL,
/// so they are used for SMS).
fn expected(i: usize) -> State {
    let sms = i % 7 != 3;
    match case(i) {
        Case::Fine | Case::PortedIn | Case::Bundle("twilio-approved") => State::Ready,
        Case::Emergency("registration-failure" | "unregistration-failure") => State::Blocked,
        Case::Emergency(_) => State::Attention,
        Case::AddressMissing | Case::Bundle("twilio-rejected") => State::Blocked,
        Case::Bundle(_) => State::Attention,
        Case::NoCampaign | Case::Campaign(_) if sms => State::Blocked,
        Case::NoCampaign | Case::Campaign(_) => State::Ready,
    }
}

async fn setup() -> (FakeProviders, tempfile::TempDir, Arc<dyn Inventory>, Uuid) {
    setup_with(FakeConfig {
        twilio_numbers: NUMBERS,
        ..FakeConfig::default()
    })
    .await
}

/// The fakes as `config` says, and a local workspace holding the fake Twilio's numbers.
async fn setup_with(
    config: FakeConfig,
) -> (FakeProviders, tempfile::TempDir, Arc<dyn Inventory>, Uuid) {
    let fakes = FakeProviders::start(config).await.unwrap();
    let client = twilio(&fakes.base_url(FakeKind::Twilio));
    let (dir, inv, org) = common::holding(&client, Provider::Twilio).await;
    (fakes, dir, inv, org)
}

async fn matching(inv: &dyn Inventory, org: Uuid, state: State) -> BTreeSet<String> {
    let mut filter = NumberFilter::org(org);
    filter.readiness = Some(state);
    let q = NumberQuery::first(filter.clone(), Sort::default(), 1000).unwrap();
    let page = inv.list_numbers(&q).await.unwrap();
    assert_eq!(
        inv.count_numbers(&filter).await.unwrap(),
        page.items.len() as u64
    );
    page.items
        .iter()
        .map(|n| n.phone_number.to_string())
        .collect()
}

#[tokio::test]
async fn every_number_gets_the_seeded_readiness_and_the_filter_finds_exactly_it() {
    let (fakes, _dir, inv, org) = setup().await;
    let client = twilio(&fakes.base_url(FakeKind::Twilio));
    let cancel = CancellationToken::new();
    let first = refresh_with(&*inv, &client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!(
        (first.checked, first.changed),
        (NUMBERS as u32, NUMBERS as u32)
    );
    assert!(first.alarms.is_empty());
    let elsewhere: Vec<&str> = (first.elsewhere.iter())
        .map(|e| e.readiness.items[0].provider_state.as_str())
        .collect();
    assert_eq!(elsewhere.len(), 3, "the numbers still being ported in");
    assert!(elsewhere.contains(&"Action Required"));

    for i in 0..NUMBERS {
        let n = inv
            .number(
                &switchboard_core::store::NumberRef::Number(
                    E164::parse(&seeded_number(i), None).unwrap(),
                ),
                Some(org),
            )
            .await
            .unwrap();
        let r = readiness::of(&n).expect("judged");
        assert_eq!(r.state, expected(i), "number {i}: {:?}", case(i));
        assert!(r.checked_at.is_some());
        assert!(r.items.iter().all(|item| item.since.is_some()));
        if r.state != State::Ready {
            assert!(r.items.iter().any(|item| !item.action.is_empty()));
        }
    }
    for state in [State::Ready, State::Attention, State::Blocked] {
        let want: BTreeSet<String> = (0..NUMBERS)
            .filter(|i| expected(*i) == state)
            .map(seeded_number)
            .collect();
        assert!(!want.is_empty());
        assert_eq!(matching(&*inv, org, state).await, want, "{state:?}");
    }
    // With a second filter the counter of that filter alone must not answer.
    let mut filter = NumberFilter::org(org);
    filter.readiness = Some(State::Blocked);
    filter.provider = Some(Provider::Twilio);
    let blocked = (0..NUMBERS).filter(|i| expected(*i) == State::Blocked);
    assert_eq!(
        inv.count_numbers(&filter).await.unwrap(),
        blocked.count() as u64
    );

    // Checked again with the same answers: nothing is written.
    let again = refresh_with(&*inv, &client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!((again.checked, again.changed), (NUMBERS as u32, 0));
}

/// The state the rules give the fake Bandwidth's number `i`: ready when registered, else
/// blocked on a number of the location that delivers SMS, attention on another.
fn bandwidth_expected(i: usize) -> State {
    use switchboard_fake_providers::bandwidth_readiness::{Case as B, case, on_messaging_location};
    match case(i) {
        B::Fine | B::TollFree(Some("VERIFIED")) => State::Ready,
        _ if on_messaging_location(i) => State::Blocked,
        _ => State::Attention,
    }
}

#[tokio::test]
async fn bandwidth_numbers_get_their_seeded_readiness_and_the_filter_finds_exactly_it() {
    use switchboard_fake_providers::bandwidth_readiness::seeded_number;
    let fakes = FakeProviders::start(FakeConfig {
        bandwidth_numbers: 40,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let creds = BandwidthCredentials {
        account_id: creds::BANDWIDTH_ACCOUNT_ID.into(),
        auth: BandwidthAuth::OAuth2 {
            client_id: creds::BANDWIDTH_CLIENT_ID.into(),
            client_secret: SecretString::new(creds::BANDWIDTH_CLIENT_SECRET.into()),
        },
    };
    let base = fakes.base_url(FakeKind::Bandwidth);
    let client = BandwidthClient::new(creds, Some(&base), &HttpSettings::default()).unwrap();
    let client = ProviderClient::Bandwidth(client);
    let (_dir, inv, org) = common::holding(&client, Provider::Bandwidth).await;
    let cancel = CancellationToken::new();
    let first = refresh_with(&*inv, &client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!((first.checked, first.changed), (40, 40));
    assert!(first.alarms.is_empty() && first.elsewhere.is_empty());
    for state in [State::Ready, State::Attention, State::Blocked] {
        let want: BTreeSet<String> = (0..40)
            .filter(|i| bandwidth_expected(*i) == state)
            .map(seeded_number)
            .collect();
        assert!(!want.is_empty());
        assert_eq!(matching(&*inv, org, state).await, want, "{state:?}");
    }
    let again = refresh_with(&*inv, &client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!((again.checked, again.changed), (40, 0));
}

/// The fake Twilio's toll-free numbers (in no messaging service) get the readiness of their
/// seeded verification: ready when approved, else blocked on a number used for SMS (one with
/// an SMS URL) and attention on the others, with the rejection reason on the rejected one; the
/// filter finds exactly them.
#[tokio::test]
async fn twilio_toll_free_numbers_get_their_seeded_verification() {
    use switchboard_fake_providers::twilio_readiness::{
        TOLL_FREE_REJECTION, toll_free_case, toll_free_number, toll_free_routes_sms,
    };
    const TOLL_FREE: usize = 10;
    let (fakes, _dir, inv, org) = setup_with(FakeConfig {
        twilio_numbers: 20,
        twilio_toll_free_numbers: TOLL_FREE,
        ..FakeConfig::default()
    })
    .await;
    let client = twilio(&fakes.base_url(FakeKind::Twilio));
    let cancel = CancellationToken::new();
    let first = refresh_with(&*inv, &client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!(first.checked, (20 + TOLL_FREE) as u32);
    let expected = |j: usize| match toll_free_case(j) {
        Some("TWILIO_APPROVED") => State::Ready,
        _ if toll_free_routes_sms(j) => State::Blocked,
        _ => State::Attention,
    };
    for j in 0..TOLL_FREE {
        let phone = toll_free_number(j);
        let n = inv
            .number(
                &switchboard_core::store::NumberRef::Number(E164::parse(&phone, None).unwrap()),
                Some(org),
            )
            .await
            .unwrap();
        let r = readiness::of(&n).expect("judged");
        assert_eq!(r.state, expected(j), "{phone}: {:?}", toll_free_case(j));
        let item = (r.items.iter())
            .find(|i| i.kind == Kind::TollFreeVerification)
            .expect("its toll-free verification");
        assert_eq!(
            item.provider_state,
            toll_free_case(j).unwrap_or(""),
            "{phone}"
        );
        let reasons: Vec<&str> = item.reasons.iter().map(String::as_str).collect();
        match toll_free_case(j) {
            Some("TWILIO_REJECTED") => assert_eq!(reasons, [TOLL_FREE_REJECTION.0], "{phone}"),
            _ => assert!(reasons.is_empty(), "{phone}"),
        }
        assert!(item.since.is_some(), "{phone}");
        if r.state != State::Ready {
            assert!(!item.action.is_empty(), "{phone}: what to do");
        }
    }
    for state in [State::Ready, State::Attention, State::Blocked] {
        let want: BTreeSet<String> = (0..TOLL_FREE)
            .filter(|j| expected(*j) == state)
            .map(toll_free_number)
            .collect();
        let found: BTreeSet<String> = matching(&*inv, org, state)
            .await
            .into_iter()
            .filter(|n| n.starts_with("+1833"))
            .collect();
        assert_eq!(found, want, "{state:?}");
    }
}

#[tokio::test]
async fn a_number_moving_away_is_an_alarm_recorded_with_its_time() {
    let (_fakes, _dir, inv, org) = setup().await;
    let number = E164::parse(&seeded_number(0), None).unwrap();
    let listing = ReadinessListing {
        numbers: vec![NumberFindings {
            number: number.clone(),
            findings: vec![Finding::new(Kind::PortOut, "port-out-pending")],
            used: Use::default(),
        }],
        requests: 1,
    };
    let now = time::macros::datetime!(2026-12-07 06:00 UTC);
    let account = (Provider::Twilio, creds::TWILIO_ACCOUNT_SID);
    let refreshed = record(&*inv, org, account, listing, now).await.unwrap();
    assert_eq!(refreshed.alarms.len(), 1);
    assert_eq!(refreshed.alarms[0].phone_number, number.to_string());
    let id = refreshed.alarms[0].id.parse().unwrap();
    let stored = inv
        .number(&switchboard_core::store::NumberRef::Id(id), Some(org))
        .await
        .unwrap();
    let r = readiness::of(&stored).unwrap();
    assert!(r.alarm);
    assert_eq!(r.state, State::Blocked);
    assert_eq!(r.items[0].since, Some(now), "recorded with its time");
    assert_eq!(matching(&*inv, org, State::Blocked).await.len(), 1);
    assert!(readiness::parse_state("moved").is_err());
}

#[test]
fn readiness_states_read_as_the_cli_names_them() {
    for (word, state) in [
        ("ready", State::Ready),
        (" attention ", State::Attention),
        ("Blocked", State::Blocked),
    ] {
        assert_eq!(readiness::parse_state(word).unwrap(), state, "{word:?}");
    }
    assert_eq!(
        readiness::parse_state("moved").unwrap_err().to_string(),
        "invalid readiness: \"moved\" is not one of ready, attention, blocked"
    );
}
