//! Importing a provider account's numbers through the one inventory interface: what can be
//! written is, each number left out is reported with why, and a second run adds nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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

#[tokio::test]
async fn an_import_writes_what_it_can_and_a_second_run_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("workspace.db")))
        .await
        .unwrap();
    let acme = inv.add_organization("acme", "Acme").await.unwrap();
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

    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("workspace.db")))
        .await
        .unwrap();
    let acme = inv.add_organization("acme", "Acme").await.unwrap();
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
    let diff = flows::import_diff(&[older.clone(), drifted.clone()], &inventory);
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
    let again = flows::import_diff(&[older, drifted], &inventory);
    assert!(again.unrecorded_sms.is_empty(), "{again:?}");
    assert_eq!(again.sms_drift.len(), 1);
}
