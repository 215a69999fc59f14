//! The provider actions of `switchboard_ops` against the local Twilio fake: a selection's
//! webhooks re-pointed account by account, the record following what the provider confirmed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, PhoneNumber, Provider};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use switchboard_ops::numbers_at_provider::{Bulk, ProviderReport, Sent};
use switchboard_ops::webhooks::{self, policy, webhook_change};
use switchboard_ops::{Inventory, Target, open};
use switchboard_providers::ProviderClient;
use switchboard_providers::flows::{AccountGroups, BulkOptions, BulkProgress, SetWebhooks};

mod common;
use common::twilio;

#[tokio::test]
async fn a_selection_is_repointed_and_the_record_follows_the_provider() {
    let fakes = FakeProviders::start(FakeConfig::default()).await.unwrap();
    let base = fakes.base_url(FakeKind::Twilio);
    let client = twilio(&base);
    let listing = (client.list_numbers(&|_| {}, &BulkOptions::default().cancel))
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let inv: Arc<dyn Inventory> = open(Target::Local(dir.path().join("w.db"))).await.unwrap();
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let sid = creds::TWILIO_ACCOUNT_SID;
    (inv.file().unwrap())
        .run(move |ws| ws.add_account(org.id, Provider::Twilio, sid, None))
        .await
        .unwrap();
    let mut selection: Vec<PhoneNumber> = Vec::new();
    for n in &listing.numbers[..6] {
        let valid = n.to_new_number(sid).validate().unwrap();
        selection.push(inv.add_number(org.id, valid).await.unwrap().number);
    }
    let plain = NewNumber {
        provider: "twilio".into(),
        number: "+14155550100".into(),
        ..NewNumber::default()
    };
    let without_account = inv
        .add_number(org.id, plain.validate().unwrap())
        .await
        .unwrap();
    selection.push(without_account.number);
    let order: Vec<_> = selection.iter().map(|n| n.id).collect();

    let added = switchboard_ops::providers::added_accounts(&*inv)
        .await
        .unwrap();
    let grouped = AccountGroups::new(selection, &added);
    let url = "https://hooks.example.com/voice";
    let action = SetWebhooks {
        change: webhook_change(Some(format!(" {url} ")), None),
        policy: policy(false),
    };
    let connects = std::sync::atomic::AtomicUsize::new(0);
    let connect = |provider: Provider, account: String| {
        connects.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let client = twilio(&base);
        async move {
            assert_eq!((provider, account.as_str()), (Provider::Twilio, sid));
            Ok::<_, String>(client)
        }
    };
    let options = BulkOptions::default();
    let progress = |_: BulkProgress| {};
    let bulk = Bulk::new(&*inv, connect, &options, &progress);
    let ran = bulk.set_webhooks(grouped, action).await.unwrap();
    assert_eq!(connects.into_inner(), 1, "one client for the one account");
    assert!(!ran.cancelled);
    assert_eq!(ran.lines.len(), 7);

    let mut repointed = 0;
    for line in &ran.lines {
        let stored = inv
            .number(
                &switchboard_core::store::NumberRef::Id(line.number.id),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            stored, line.number,
            "the line carries the record as written"
        );
        match &line.sent {
            Sent::NoAccount => assert_eq!(line.number.phone_number.as_str(), "+14155550100"),
            Sent::Done(state) => {
                repointed += 1;
                assert_eq!(state.voice_url(), Some(url));
                assert!(stored.webhook_configured, "{stored:?}");
                assert_eq!(stored.webhook_url.as_deref(), Some(url));
                let r = switchboard_providers::account::number_ref(&stored);
                let at_fake = client.webhooks(&r).await.unwrap();
                assert_eq!(at_fake.voice_url(), Some(url));
            }
            Sent::Failed(e) => {
                assert!(
                    matches!(e, switchboard_providers::ProviderError::SharedObject { .. }),
                    "only a shared object is refused: {e:?}"
                );
                assert!(
                    !stored.webhook_configured,
                    "a refused number is left as it was"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(repointed > 0, "some numbers hold their own webhooks");

    // The app's report of the same run: in the order given, the skipped number with why.
    let again = AccountGroups::new(ran.lines.iter().map(|l| l.number.clone()), &added);
    let action = SetWebhooks {
        change: webhook_change(Some(url.into()), None),
        policy: policy(false),
    };
    let ran = Bulk::new(&*inv, connect_none, &options, &progress)
        .set_webhooks(again, action)
        .await
        .unwrap();
    let report = ProviderReport::new(ran, &order, |_| "done".into(), "", |e: &String| e.clone());
    let ids: Vec<_> = report.outcomes.iter().map(|o| o.id.clone()).collect();
    let expected: Vec<_> = order.iter().map(ToString::to_string).collect();
    assert_eq!(ids, expected);
    assert_eq!(report.succeeded, 0);
    assert_eq!(report.failed, 7);
    assert!(
        report.outcomes[..6]
            .iter()
            .all(|o| o.message == "no secret here")
    );
    assert!(
        report.outcomes[6]
            .message
            .contains("has no provider account")
    );

    // One number through the single action, and its drift afterwards.
    let first = &inv
        .number(&switchboard_core::store::NumberRef::Id(order[0]), None)
        .await
        .unwrap();
    let change = webhook_change(Some("https://hooks.example.com/v2".into()), None);
    let (confirmed, written) = webhooks::set_webhooks(&*inv, &client, first, &change, policy(true))
        .await
        .unwrap();
    assert_eq!(confirmed.voice_url(), Some("https://hooks.example.com/v2"));
    assert_eq!(
        written.webhook_url.as_deref(),
        Some("https://hooks.example.com/v2")
    );
    let drift = webhooks::number_drift(&client, &written).await.unwrap();
    assert_eq!(drift.voice.state, webhooks::DriftState::InSync, "{drift:?}");
}

async fn connect_none(_: Provider, _: String) -> Result<ProviderClient, String> {
    Err("no secret here".into())
}
