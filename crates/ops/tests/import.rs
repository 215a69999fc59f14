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
    };
    let stopped = import::import(&*inv, acme.id, plan, &progress, &cancel).await;
    assert!(stopped.cancelled && stopped.imported == 0, "{stopped:?}");
}
