//! Readiness refreshed with a Vonage or a Plivo account against its fake, which seeds every
//! state its provider documents: each of the organization's numbers of the account gets the
//! state its seed gives it, kept in its metadata, and the readiness filter finds exactly them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use switchboard_core::domain::{E164, Provider};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::readiness::{Level, State};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders};
use switchboard_ops::Inventory;
use switchboard_ops::readiness::{self, refresh_with};
use switchboard_providers::ProviderClient;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Refreshes the account and checks every number's state against `expected`, and the filter.
async fn refreshed_as_seeded(
    client: &ProviderClient,
    inv: &dyn Inventory,
    org: Uuid,
    expected: &[(String, State)],
) {
    let cancel = CancellationToken::new();
    let first = refresh_with(inv, client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    let all = expected.len() as u32;
    assert_eq!((first.checked, first.changed), (all, all));
    assert!(first.alarms.is_empty() && first.elsewhere.is_empty());
    for (phone, want) in expected {
        let number = E164::parse(phone, None).unwrap();
        let n = inv
            .number(
                &switchboard_core::store::NumberRef::Number(number),
                Some(org),
            )
            .await
            .unwrap();
        let r = readiness::of(&n).expect("judged");
        assert_eq!(r.state, *want, "{phone}: {r:?}");
        assert!(r.items.iter().all(|item| item.since.is_some()));
        for item in &r.items {
            assert_eq!(item.action.is_empty(), item.level == Level::Ok, "{r:?}");
        }
    }
    for state in [State::Ready, State::Attention, State::Blocked] {
        let want: BTreeSet<&str> = (expected.iter())
            .filter(|(_, s)| *s == state)
            .map(|(p, _)| p.as_str())
            .collect();
        assert!(!want.is_empty(), "{state:?} is seeded");
        let mut filter = NumberFilter::org(org);
        filter.readiness = Some(state);
        let q = NumberQuery::first(filter, Sort::default(), 1000).unwrap();
        let page = inv.list_numbers(&q).await.unwrap();
        let got: BTreeSet<String> = (page.items.iter())
            .map(|n| n.phone_number.to_string())
            .collect();
        assert_eq!(
            got,
            want.into_iter().map(str::to_owned).collect(),
            "{state:?}"
        );
    }
    let again = refresh_with(inv, client, org, &|_| {}, &cancel)
        .await
        .unwrap();
    assert_eq!((again.checked, again.changed), (all, 0));
}

#[tokio::test]
async fn a_vonage_accounts_numbers_get_their_campaign_links_readiness() {
    use switchboard_fake_providers::vonage_readiness::{seeded_us_number, sends_sms};
    // 40: number 39, on no campaign, has neither an SMS webhook nor a Messages application
    // (attention); 7, 15, 23 and 31 have no SMS webhook but that application (blocked).
    let fakes = FakeProviders::start(FakeConfig {
        vonage_numbers: 3,
        vonage_us_numbers: 40,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = common::vonage(&fakes.base_url(FakeKind::Vonage));
    let (_dir, inv, org) = common::holding(&client, Provider::Vonage).await;
    let mut expected: Vec<(String, State)> = (0..3)
        .map(|i| (format!("+4474001{i:05}"), State::Ready))
        .collect();
    expected.extend((0..40).map(|j| {
        let state = match j % 8 {
            0 | 6 => State::Ready,
            _ if !sends_sms(j) => State::Attention,
            _ => State::Blocked,
        };
        (seeded_us_number(j), state)
    }));
    refreshed_as_seeded(&client, &*inv, org, &expected).await;
}

#[tokio::test]
async fn a_plivo_accounts_numbers_get_the_compliance_they_carry() {
    use switchboard_fake_providers::plivo_readiness::{
        CAMPAIGNS, TOLL_FREE_VERIFICATION, case, on_application, toll_free_number,
    };
    let fakes = FakeProviders::start(FakeConfig {
        plivo_numbers: 21,
        plivo_toll_free_numbers: 6,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = common::plivo(&fakes.base_url(FakeKind::Plivo));
    let (_dir, inv, org) = common::holding(&client, Provider::Plivo).await;
    let listing = client
        .list_numbers(&|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let mut expected: Vec<(String, State)> = (listing.numbers[..21].iter().enumerate())
        .map(|(i, n)| {
            let c = case(i);
            let campaign = c.campaign.map(|k| CAMPAIGNS[k].1);
            let dead = c.tendlc == "COMPLETED" && campaign.is_some_and(|s| s != "ACTIVE");
            let unregistered = dead || matches!(c.tendlc, "PROCESSING" | "UNREGISTERED");
            let state = match c.compliance {
                Some("Rejected") => State::Blocked,
                _ if unregistered && on_application(i) => State::Blocked,
                _ if unregistered => State::Attention,
                Some("Submitted" | "Draft") => State::Attention,
                _ => State::Ready,
            };
            (n.phone_number.to_string(), state)
        })
        .collect();
    expected.extend((0..6).map(|j| {
        let state = if TOLL_FREE_VERIFICATION[j % 3] == "VERIFIED" {
            State::Ready
        } else {
            State::Blocked
        };
        (format!("+{}", toll_free_number(j)), state)
    }));
    refreshed_as_seeded(&client, &*inv, org, &expected).await;
}
