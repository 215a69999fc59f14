//! Importing a provider account's numbers through the one inventory interface: what can be
//! written is, each number left out is reported with why, and a second run adds nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/cluster.rs"]
mod cluster;

use std::sync::Mutex;

use switchboard_core::ErrorCode;
use switchboard_core::domain::{Capabilities, E164};
use switchboard_core::store::NumberRef;
use switchboard_ops::providers::import;
use switchboard_ops::{Progress, Target, open};
use switchboard_providers::import::ImportPlan;
use switchboard_providers::model::ProviderNumber;
use tokio_util::sync::CancellationToken;

const SID: &str = "AC0123456789abcdef0123456789abcdef";

fn listed(number: &str) -> ProviderNumber {
    let phone_number = E164::parse(number, None).unwrap();
    let (region, locality, number_type) = (None, None, None);
    let (voice_url, sms_url, voice_owner, sms_owner) = (None, None, None, None);
    let capabilities = Capabilities {
        voice: true,
        ..Capabilities::default()
    };
    ProviderNumber {
        provider_sid: format!("PN{}", &number[1..]),
        friendly_name: Some(format!("Line {number}")),
        iso_country: Some("US".into()),
        api: switchboard_providers::Api::Twilio,
        phone_number,
        capabilities,
        region,
        locality,
        number_type,
        voice_url,
        sms_url,
        voice_owner,
        sms_owner,
    }
}

/// A workspace file (in the directory returned) with one organization, acme.
async fn acme() -> (
    tempfile::TempDir,
    std::sync::Arc<dyn switchboard_ops::Inventory>,
    switchboard_core::domain::Organization,
) {
    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("workspace.db")))
        .await
        .unwrap();
    let acme = inv.add_organization("acme", "Acme").await.unwrap();
    (dir, inv, acme)
}

#[tokio::test]
async fn an_import_writes_what_it_can_and_a_second_run_adds_nothing() {
    let (_dir, inv, acme) = acme().await;
    let plan = ImportPlan {
        account_id: SID.into(),
        add: vec![listed("+14155550101"), listed("+14155550102")],
        refresh: Vec::new(),
        record_sms: Vec::new(),
    };
    let seen = Mutex::new(Vec::new());
    let progress = |p: Progress| seen.lock().unwrap().push(p);
    let cancel = CancellationToken::new();
    let first = import::import(&*inv, acme.id, plan.clone(), &progress, &cancel).await;
    assert_eq!((first.imported, first.failed.len()), (2, 0), "{first:?}");
    assert!(!first.cancelled);
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&Progress { done: 2, total: 2 })
    );
    let n = inv
        .number(&NumberRef::parse("+14155550101").unwrap(), Some(acme.id))
        .await
        .unwrap();
    assert_eq!(n.credentials.account_id(n.provider), Some(SID));

    // Again: nothing is added twice; each number is reported as already present.
    let again = import::import(&*inv, acme.id, plan, &progress, &cancel).await;
    assert_eq!(again.imported, 0);
    assert_eq!(again.failed.len(), 2, "{again:?}");
    for f in &again.failed {
        assert!(f.already_present, "{f:?}");
        assert_eq!(f.error.code, ErrorCode::Duplicate);
    }
    let json = serde_json::to_value(&again.failed[0]).unwrap();
    assert_eq!(json["error"]["code"], "Duplicate", "{json}");
    assert!(json.get("alreadyPresent").is_none(), "{json}");

    // Cancelled before it starts: nothing is written, and the report says so.
    cancel.cancel();
    let plan = ImportPlan {
        account_id: SID.into(),
        add: vec![listed("+14155550103")],
        refresh: Vec::new(),
        record_sms: Vec::new(),
    };
    let stopped = import::import(&*inv, acme.id, plan, &progress, &cancel).await;
    assert!(stopped.cancelled && stopped.imported == 0, "{stopped:?}");
}

/// The SMS webhook URL is never an import difference: a number recorded without one (before
/// the fact existed) is present and the import records the provider's; a number whose
/// recorded SMS URL differs is present, reported as SMS drift, and neither the import nor a
/// refresh of its other fields overwrites it.
#[tokio::test]
async fn an_import_records_a_missing_sms_url_and_reports_a_differing_one() {
    use switchboard_core::domain::{Metadata, NumberUpdate};
    use switchboard_providers::flows;

    let (_dir, inv, acme) = acme().await;
    let provider = |number: &str, url: &str| ProviderNumber {
        sms_url: Some(url.into()),
        ..listed(number)
    };
    let (older, drifted) = (
        provider("+14155550111", "https://sms.example.com/in"),
        ProviderNumber {
            friendly_name: Some("Renamed at the provider".into()),
            ..provider("+14155550112", "https://elsewhere.example.net/sms")
        },
    );
    let plan = ImportPlan {
        account_id: SID.into(),
        add: vec![older.clone(), listed(drifted.phone_number.as_str())],
        ..ImportPlan::default()
    };
    let cancel = CancellationToken::new();
    let first = import::import(&*inv, acme.id, plan, &|_| {}, &cancel).await;
    assert_eq!(first.imported, 2, "{first:?}");
    let by = |n: &ProviderNumber| NumberRef::parse(n.phone_number.as_str()).unwrap();
    // The older record has no SMS URL on record; the other one records its own.
    let older_id = inv.number(&by(&older), Some(acme.id)).await.unwrap().id;
    let remove = NumberUpdate {
        metadata_patch: Some(Metadata::sms_webhook_url_patch(None)),
        ..NumberUpdate::default()
    };
    inv.update_number(&NumberRef::Id(older_id), Some(acme.id), &remove)
        .await
        .unwrap();
    let recorded = NumberUpdate {
        metadata_patch: Some(Metadata::sms_webhook_url_patch(Some(
            "https://sms.example.com/recorded",
        ))),
        ..NumberUpdate::default()
    };
    inv.update_number(&by(&drifted), Some(acme.id), &recorded)
        .await
        .unwrap();

    let inventory = switchboard_ops::providers::organization_numbers(&*inv, acme.id)
        .await
        .unwrap();
    let diff = flows::import_diff(&[older.clone(), drifted.clone()], &inventory, SID);
    assert_eq!(diff.present.len(), 1, "{diff:?}");
    assert_eq!(diff.different.len(), 1, "{diff:?}");
    assert_eq!(diff.different[0].fields, vec!["friendly_name"]);
    assert_eq!(diff.unrecorded_sms.len(), 1, "{diff:?}");
    assert_eq!(diff.sms_drift.len(), 1, "{diff:?}");
    assert_eq!(
        diff.sms_drift[0].on_record,
        "https://sms.example.com/recorded"
    );

    let plan = ImportPlan::all(SID, &diff, true);
    let second = import::import(&*inv, acme.id, plan, &|_| {}, &cancel).await;
    assert_eq!(
        (second.imported, second.refreshed, second.sms_recorded),
        (0, 1, 1),
        "{second:?}"
    );
    let sms = |n: switchboard_core::domain::PhoneNumber| {
        n.metadata
            .and_then(|m| m.sms_webhook_url().map(str::to_owned))
    };
    let older_now = inv.number(&by(&older), Some(acme.id)).await.unwrap();
    assert_eq!(
        sms(older_now).as_deref(),
        Some("https://sms.example.com/in")
    );
    let drifted_now = inv.number(&by(&drifted), Some(acme.id)).await.unwrap();
    assert_eq!(
        drifted_now.friendly_name.as_deref(),
        Some("Renamed at the provider")
    );
    assert_eq!(
        sms(drifted_now).as_deref(),
        Some("https://sms.example.com/recorded"),
        "the refresh left the differing SMS URL as recorded"
    );
    // Run again: nothing left to record, the drift still reported.
    let inventory = switchboard_ops::providers::organization_numbers(&*inv, acme.id)
        .await
        .unwrap();
    let again = flows::import_diff(&[older, drifted], &inventory, SID);
    assert!(again.unrecorded_sms.is_empty(), "{again:?}");
    assert_eq!(again.sms_drift.len(), 1);
}

/// A listing writes no SMS URL onto a number recorded under another provider, or under another
/// account of its provider: the number is the other's (`different: provider` for another
/// provider), and its SMS URL is not this listing's to record, chosen or not.
#[tokio::test]
async fn an_import_records_no_sms_url_on_another_providers_or_accounts_number() {
    use switchboard_core::domain::NewNumber;
    use switchboard_providers::flows;

    let (_dir, inv, acme) = acme().await;
    let record = |provider: &str, number: &str, account: Option<&str>| NewNumber {
        provider: provider.into(),
        number: number.into(),
        region: None,
        friendly_name: None,
        status: None,
        metadata: None,
        account_id: account.map(str::to_owned),
        agent_id: None,
    };
    // +14155550100 is recorded under Vonage, +14155550131 under another Twilio account; neither
    // has an SMS URL on record. An old Twilio account (SID) still lists both.
    let other_account = "AC99999999999999999999999999999999";
    for n in [
        record("vonage", "+14155550100", None),
        record("twilio", "+14155550131", Some(other_account)),
    ] {
        inv.add_number(acme.id, n.validate().unwrap())
            .await
            .unwrap();
    }
    let with_sms = |number: &str| ProviderNumber {
        sms_url: Some("https://twilio.example.com/sms".into()),
        ..listed(number)
    };
    let listing = [
        with_sms("+14155550100"),
        with_sms("+14155550131"),
        with_sms("+14155550132"),
    ];
    let inventory = switchboard_ops::providers::organization_numbers(&*inv, acme.id)
        .await
        .unwrap();
    let diff = flows::import_diff(&listing, &inventory, SID);
    assert_eq!(diff.new.len(), 1, "{diff:?}");
    let vonage = diff
        .different
        .iter()
        .find(|d| d.number.phone_number.as_str() == "+14155550100");
    assert!(vonage.unwrap().fields.contains(&"provider"), "{diff:?}");
    assert!(diff.unrecorded_sms.is_empty(), "{diff:?}");

    // Importing the account's new number records nothing on the others' numbers.
    let plan = ImportPlan::all(SID, &diff, false);
    let cancel = CancellationToken::new();
    let report = import::import(&*inv, acme.id, plan, &|_| {}, &cancel).await;
    assert_eq!((report.imported, report.sms_recorded), (1, 0), "{report:?}");
    for number in ["+14155550100", "+14155550131"] {
        let r = NumberRef::parse(number).unwrap();
        let now = inv.number(&r, Some(acme.id)).await.unwrap();
        assert_eq!(now.recorded_webhooks().1, None, "{number}: {now:?}");
    }
}

/// The SMS URL an import records was missing at the preview; a co-worker (`coworker`, their
/// own connection) may record one before the import writes. The import records only onto a
/// number that still has none as it is written; the other is reported as drift and keeps its
/// URL.
async fn an_sms_url_recorded_since_the_preview_is_not_overwritten(
    inv: &dyn switchboard_ops::Inventory,
    coworker: &dyn switchboard_ops::Inventory,
    org: uuid::Uuid,
) {
    use switchboard_core::domain::{Metadata, NumberUpdate};
    use switchboard_ops::providers::import::SmsDriftEntry;
    use switchboard_providers::flows;

    let (stale, empty) = (listed("+14155550121"), listed("+14155550122"));
    let plan = ImportPlan {
        account_id: SID.into(),
        add: vec![stale.clone(), empty.clone()],
        ..ImportPlan::default()
    };
    let cancel = CancellationToken::new();
    let first = import::import(inv, org, plan, &|_| {}, &cancel).await;
    assert_eq!(first.imported, 2, "{first:?}");
    // The provider has an SMS URL for both now; neither has one on record: the preview.
    let provider_url = "https://sms.example.com/in";
    let with_sms = |n: &ProviderNumber| ProviderNumber {
        sms_url: Some(provider_url.into()),
        ..n.clone()
    };
    let inventory = switchboard_ops::providers::organization_numbers(inv, org)
        .await
        .unwrap();
    let diff = flows::import_diff(&[with_sms(&stale), with_sms(&empty)], &inventory, SID);
    assert_eq!(diff.unrecorded_sms.len(), 2, "{diff:?}");
    // A co-worker records one since.
    let by = |n: &ProviderNumber| NumberRef::parse(n.phone_number.as_str()).unwrap();
    let theirs = "https://a.example.com/sms";
    let recorded = NumberUpdate {
        metadata_patch: Some(Metadata::sms_webhook_url_patch(Some(theirs))),
        ..NumberUpdate::default()
    };
    let w = coworker
        .update_number(&by(&stale), Some(org), &recorded)
        .await;
    let stale_id = w.unwrap().number.id;

    let plan = ImportPlan::all(SID, &diff, false);
    let report = import::import(inv, org, plan, &|_| {}, &cancel).await;
    assert_eq!(report.sms_recorded, 1, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(
        report.sms_drift,
        [SmsDriftEntry {
            phone_number: stale.phone_number.to_string(),
            existing_id: stale_id.to_string(),
            on_record: theirs.into(),
            provider_url: Some(provider_url.into()),
        }]
    );
    let sms = |n: switchboard_core::domain::PhoneNumber| n.recorded_webhooks().1.map(str::to_owned);
    for reader in [inv, coworker] {
        let stale_now = reader.number(&by(&stale), Some(org)).await.unwrap();
        assert_eq!(sms(stale_now).as_deref(), Some(theirs), "not overwritten");
        let empty_now = reader.number(&by(&empty), Some(org)).await.unwrap();
        assert_eq!(sms(empty_now).as_deref(), Some(provider_url), "recorded");
    }
}

#[tokio::test]
async fn an_sms_url_recorded_since_the_preview_is_not_overwritten_in_a_workspace_file() {
    let (_dir, inv, acme) = acme().await;
    an_sms_url_recorded_since_the_preview_is_not_overwritten(&*inv, &*inv, acme.id).await;
}

/// On the team database (managers of the organization, under row-level security), the
/// importing manager reading from the server or from the team workspace's cache (which does
/// not see the co-worker's write until the next sync).
#[tokio::test]
async fn an_sms_url_recorded_since_the_preview_is_not_overwritten_on_the_team_database() {
    use std::time::Duration;
    use switchboard_ops::Reads;
    use switchboard_postgres::ConnectSettings;

    let (cluster, admin, admin_settings) = cluster::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    for (i, reads) in [Reads::Server, Reads::Cache].into_iter().enumerate() {
        let slug = format!("org{i}");
        let seed = format!("INSERT INTO organizations (slug, name) VALUES ('{slug}', 'Org {i}');");
        cluster.psql(&admin, &seed).expect("seed");
        let mut settings = Vec::new();
        for who in [format!("alice{i}"), format!("carol{i}")] {
            let (role, password) = cluster::manager(&cluster, &admin_settings, &who, &slug).await;
            let url = format!(
                "postgres://{role}:{password}@127.0.0.1:{}/postgres?sslmode=disable",
                admin_settings.port()
            );
            let s = ConnectSettings::from_url(&url).unwrap();
            settings.push(s.with_timeout(Duration::from_secs(5)));
        }
        let team = |reads, settings: &ConnectSettings, cache: &str| Target::Team {
            settings: Box::new(settings.clone()),
            reads,
            cache: dir.path().join(cache),
        };
        let cache = format!("alice{i}.db");
        if reads == Reads::Cache {
            cluster::sync_cache(settings[0].clone(), dir.path().join(&cache)).await;
        }
        let inv = open(team(reads, &settings[0], &cache)).await.unwrap();
        let coworker =
            (open(team(Reads::Server, &settings[1], &format!("carol{i}.db"))).await).unwrap();
        let orgs = inv.organizations().await.unwrap();
        assert_eq!(orgs.len(), 1, "{orgs:?}");
        an_sms_url_recorded_since_the_preview_is_not_overwritten(&*inv, &*coworker, orgs[0].id)
            .await;
        inv.close().await;
        coworker.close().await;
    }
}
