//! What the manager is told (ops::alerts): which numbers a re-verification newly turned to
//! `error`, which alarms a readiness refresh found new, the words of each, which accounts a
//! background refresh is due for — and the count of numbers under alarm, the same on the local
//! workspace, the team database (under row-level security, as a manager of one organization)
//! and the team workspace's cache.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/cluster.rs"]
mod cluster;

use std::collections::HashMap;
use std::time::Duration;

use switchboard_core::domain::{
    Credentials, E164, NewNumber, Organization, PhoneNumber, Provider, Status,
};
use switchboard_core::readiness::{Finding, Kind, Use};
use switchboard_fake_providers::creds;
use switchboard_ops::alerts::{
    self, AlertKind, NAMED, alarm_counts, new_alarms, newly_in_error, readiness_due,
};
use switchboard_ops::readiness::record;
use switchboard_ops::{Inventory, Reads, Target, actions, open};
use switchboard_postgres::ConnectSettings;
use switchboard_providers::model::{NumberFindings, ReadinessListing};
use time::macros::datetime;
use uuid::Uuid;

fn acme() -> Organization {
    Organization {
        id: Uuid::from_u128(7),
        slug: "acme".into(),
        name: "Acme".into(),
    }
}

fn number(i: u32, status: Status) -> PhoneNumber {
    let at = datetime!(2026-12-01 00:00 UTC);
    PhoneNumber {
        id: Uuid::from_u128(u128::from(i) + 100),
        organization_id: acme().id,
        provider: Provider::Twilio,
        phone_number: E164::parse(&format!("+1415555{i:04}"), None).unwrap(),
        friendly_name: None,
        credentials: Credentials::default(),
        metadata: None,
        agent_id: None,
        webhook_configured: false,
        webhook_url: None,
        status,
        created_at: at,
        updated_at: at,
        last_verified_at: None,
    }
}

#[test]
fn only_numbers_newly_in_error_are_told_once_in_one_alert() {
    let before = vec![
        number(1, Status::Active),
        number(2, Status::Error),
        number(3, Status::Inactive),
        number(4, Status::Active),
    ];
    let mut after = before.clone();
    after[0].status = Status::Error; // newly in error
    after[1].status = Status::Error; // already was: not news
    after[2].status = Status::Error; // newly in error
    let alert = newly_in_error(&acme(), &before, &after).expect("two numbers turned");
    assert_eq!(alert.kind, AlertKind::NeedsAttention);
    assert_eq!(alert.organization_id, acme().id.to_string());
    let told: Vec<&str> = alert
        .numbers
        .iter()
        .map(|n| n.phone_number.as_str())
        .collect();
    assert_eq!(told, ["+14155550001", "+14155550003"]);
    assert_eq!(alert.numbers[0].id, before[0].id.to_string());
    assert_eq!(alert.title, "2 numbers need attention in Acme");
    assert!(
        alert
            .body
            .starts_with("2 numbers need attention in Acme: +14155550001, +14155550003."),
        "{}",
        alert.body
    );

    // Nothing turned (or one came back): nothing to tell.
    assert_eq!(newly_in_error(&acme(), &before, &before), None);
    let mut back = before.clone();
    back[1].status = Status::Active;
    assert_eq!(newly_in_error(&acme(), &before, &back), None);

    // One number, in the singular; many, the first few named and the rest counted.
    let one = newly_in_error(&acme(), &before[..1], &after[..1]).unwrap();
    assert_eq!(one.title, "1 number needs attention in Acme");
    let many_before: Vec<_> = (0..8).map(|i| number(i, Status::Active)).collect();
    let many_after: Vec<_> = (0..8).map(|i| number(i, Status::Error)).collect();
    let many = newly_in_error(&acme(), &many_before, &many_after).unwrap();
    assert_eq!(many.numbers.len(), 8);
    assert!(
        many.body.contains(&format!(
            "+14155550004 and {} more. Their provider",
            8 - NAMED
        )),
        "{}",
        many.body
    );
}

#[test]
fn a_background_readiness_refresh_is_due_once_per_account_after_the_interval() {
    let a = (Uuid::from_u128(1), Provider::Telnyx, "KEY1".to_owned());
    let b = (Uuid::from_u128(1), Provider::Twilio, "AC1".to_owned());
    let c = (Uuid::from_u128(2), Provider::Telnyx, "KEY1".to_owned());
    let before = datetime!(2026-12-07 09:00 UTC);
    let mut last = HashMap::new();
    last.insert(a.clone(), datetime!(2026-12-07 08:00 UTC)); // refreshed too long ago
    last.insert(b.clone(), datetime!(2026-12-07 09:30 UTC)); // refreshed since
    let all = vec![a.clone(), b.clone(), c.clone(), a.clone()];
    assert_eq!(readiness_due(all, &last, before), [a, c]);
}

fn port_out(numbers: &[(&str, &str)]) -> ReadinessListing {
    ReadinessListing {
        numbers: (numbers.iter())
            .map(|(n, state)| NumberFindings {
                number: E164::parse(n, None).unwrap(),
                findings: vec![Finding::new(Kind::PortOut, *state)],
                used: Use::default(),
            })
            .collect(),
        requests: 1,
    }
}

const SID: &str = creds::TWILIO_ACCOUNT_SID;
const NUMBERS: [&str; 4] = [
    "+14155550100",
    "+14155550101",
    "+14155550102",
    "+14155550103",
];

/// Adds acme's numbers of the Twilio account (on a store where acme exists).
async fn add_numbers(inv: &dyn Inventory, org: Uuid) {
    for n in NUMBERS {
        let new = NewNumber {
            provider: "twilio".into(),
            number: n.into(),
            account_id: Some(SID.into()),
            ..NewNumber::default()
        };
        actions::add_number(inv, org, new).await.unwrap();
    }
}

fn count_of(counts: &[alerts::OrgAlarms], org: &Organization) -> u32 {
    (counts.iter())
        .find(|c| c.organization_id == org.id.to_string())
        .expect("every organization is counted")
        .count
}

/// Refreshes acme's readiness three times on `inv` (two numbers moving away; the same again;
/// one of them back) and checks the alerts and the counts; the counts as `inv` gives them
/// after each.
async fn alarm_steps(inv: &dyn Inventory, org: &Organization) -> Vec<u32> {
    let account = (Provider::Twilio, SID);
    let now = datetime!(2026-12-07 09:00 UTC);
    let mut counts = Vec::new();
    let listing = port_out(&[(NUMBERS[0], "port-out-pending"), (NUMBERS[2], "ported-out")]);
    let first = record(inv, org.id, account, listing.clone(), now)
        .await
        .unwrap();
    let alert = new_alarms(org, &first).expect("two new alarms");
    assert_eq!(alert.kind, AlertKind::Alarm);
    let told: Vec<&str> = alert
        .numbers
        .iter()
        .map(|n| n.phone_number.as_str())
        .collect();
    assert_eq!(told, [NUMBERS[0], NUMBERS[2]]);
    assert_eq!(alert.title, "2 numbers are moving away from Acme");
    counts.push(count_of(&alarm_counts(inv).await.unwrap(), org));

    // The same answer again: the alarms stand, but they were told already.
    let again = record(inv, org.id, account, listing, now).await.unwrap();
    assert_eq!(again.alarms.len(), 2);
    assert!(again.alarms.iter().all(|a| !a.new));
    assert_eq!(new_alarms(org, &again), None);
    counts.push(count_of(&alarm_counts(inv).await.unwrap(), org));

    // One port-out was cancelled, another number starts moving: only that one is news.
    let listing = port_out(&[(NUMBERS[2], "ported-out"), (NUMBERS[3], "port-out-pending")]);
    let third = record(inv, org.id, account, listing, now).await.unwrap();
    let alert = new_alarms(org, &third).expect("one new alarm");
    assert_eq!(alert.numbers.len(), 1);
    assert_eq!(alert.numbers[0].phone_number, NUMBERS[3]);
    assert_eq!(alert.title, "1 number is moving away from Acme");
    counts.push(count_of(&alarm_counts(inv).await.unwrap(), org));
    counts
}

#[tokio::test]
async fn the_alarm_count_on_the_local_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("w.db"))).await.unwrap();
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let other = inv.add_organization("globex", "Globex").await.unwrap();
    add_numbers(&*inv, org.id).await;
    assert_eq!(count_of(&alarm_counts(&*inv).await.unwrap(), &org), 0);
    assert_eq!(alarm_steps(&*inv, &org).await, [2, 2, 2]);
    assert_eq!(count_of(&alarm_counts(&*inv).await.unwrap(), &other), 0);
}

#[tokio::test]
async fn the_alarm_count_on_the_team_database_and_its_cache_sees_only_the_managers_organization() {
    let (cluster, admin, admin_settings) = cluster::migrated().await;
    // globex, which alice does not manage, has a number under alarm of its own.
    cluster
        .psql(
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
             INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials,
               metadata)
             SELECT id, 'twilio', '+14155550199', '{}',
               '{\"readiness\": {\"state\": \"blocked\", \"items\": [], \"alarm\": true}}'
             FROM organizations WHERE slug = 'globex';",
        )
        .expect("seed");
    let mut roles = Vec::new();
    for (who, org) in [("alice", "acme"), ("gus", "globex")] {
        let (role, password) = cluster::manager(&cluster, &admin_settings, who, org).await;
        let url = format!(
            "postgres://{role}:{password}@127.0.0.1:{}/postgres?sslmode=disable",
            admin_settings.port()
        );
        let settings = ConnectSettings::from_url(&url)
            .unwrap()
            .with_timeout(Duration::from_secs(5));
        roles.push(settings);
    }
    let dir = tempfile::tempdir().unwrap();
    let team = |reads, settings: &ConnectSettings, cache: &str| Target::Team {
        settings: Box::new(settings.clone()),
        reads,
        cache: dir.path().join(cache),
    };

    // alice on the server: her organization only, globex's alarm not counted anywhere.
    let server = open(team(Reads::Server, &roles[0], "alice.db"))
        .await
        .unwrap();
    let orgs = server.organizations().await.unwrap();
    assert_eq!(orgs.len(), 1, "{orgs:?}");
    let org = orgs[0].clone();
    add_numbers(&*server, org.id).await;
    let counts = alarm_counts(&*server).await.unwrap();
    assert_eq!(counts.len(), 1, "only acme is counted: {counts:?}");
    assert_eq!(alarm_steps(&*server, &org).await, [2, 2, 2]);
    server.close().await;

    // gus sees globex's one alarm, none of acme's.
    let gus = open(team(Reads::Server, &roles[1], "gus.db"))
        .await
        .unwrap();
    let counts = alarm_counts(&*gus).await.unwrap();
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!(counts[0].count, 1);
    gus.close().await;

    // alice's cache after a sync: the same count, read from the cache; its alarms change there
    // as she refreshes (the server's rows written into the cache at once).
    cluster::sync_cache(roles[0].clone(), dir.path().join("alice.db")).await;
    let cached = open(team(Reads::Cache, &roles[0], "alice.db"))
        .await
        .unwrap();
    let counts = alarm_counts(&*cached).await.unwrap();
    assert_eq!(
        counts,
        [alerts::OrgAlarms {
            organization_id: org.id.to_string(),
            count: 2
        }]
    );
    cached.close().await;
}
