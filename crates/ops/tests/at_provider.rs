//! The provider actions of `switchboard_ops` against the local Twilio fake: a selection's
//! webhooks re-pointed account by account, the record following what the provider confirmed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, PhoneNumber, Provider};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use switchboard_ops::Inventory;
use switchboard_ops::numbers_at_provider::{Bulk, NumberResult, ProviderReport, Sent};
use switchboard_ops::webhooks::{self, policy, webhook_change};
use switchboard_providers::ProviderClient;
use switchboard_providers::flows::{AccountGroups, BulkOptions, BulkProgress, SetWebhooks};

mod common;
use common::twilio;

/// The fake Twilio, and a local workspace whose organization has its account and its first
/// numbers, imported as an import writes them ([`common::holding_first`]).
struct Imported {
    _fakes: FakeProviders,
    _dir: tempfile::TempDir,
    base: String,
    client: ProviderClient,
    inv: Arc<dyn Inventory>,
    org: uuid::Uuid,
    numbers: Vec<PhoneNumber>,
}

impl Imported {
    async fn start(count: usize) -> Self {
        let fakes = FakeProviders::start(FakeConfig::default()).await.unwrap();
        let base = fakes.base_url(FakeKind::Twilio);
        let client = twilio(&base);
        let (dir, inv, org, numbers) =
            common::holding_first(&client, Provider::Twilio, count).await;
        Imported {
            _fakes: fakes,
            _dir: dir,
            base,
            client,
            inv,
            org,
            numbers,
        }
    }
}

#[tokio::test]
async fn a_selection_is_repointed_and_the_record_follows_the_provider() {
    let t = Imported::start(6).await;
    let (base, client, inv, org) = (&t.base, &t.client, &*t.inv, t.org);
    let sid = creds::TWILIO_ACCOUNT_SID;
    let mut selection = t.numbers.clone();
    let plain = NewNumber {
        provider: "twilio".into(),
        number: "+14155550100".into(),
        ..NewNumber::default()
    };
    let without_account = inv
        .add_number(org, plain.validate().unwrap())
        .await
        .unwrap();
    selection.push(without_account.number);
    let order: Vec<_> = selection.iter().map(|n| n.id).collect();

    let added = switchboard_ops::providers::added_accounts(inv)
        .await
        .unwrap();
    let grouped = AccountGroups::new(selection, &added);
    let url = "https://hooks.example.com/voice";
    let action = SetWebhooks {
        change: webhook_change(Some(format!(" {url} ")), None).into(),
        policy: policy(false),
    };
    let connects = std::sync::atomic::AtomicUsize::new(0);
    let connect = |provider: Provider, account: String| {
        connects.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let client = twilio(base);
        async move {
            assert_eq!((provider, account.as_str()), (Provider::Twilio, sid));
            Ok::<_, String>(client)
        }
    };
    let options = BulkOptions::default();
    let progress = |_: BulkProgress| {};
    let bulk = Bulk::new(inv, connect, &options, &progress);
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
            Sent::Done(applied) => {
                repointed += 1;
                assert!(!applied.in_sync, "a given URL is written");
                assert_eq!(applied.state.voice_url(), Some(url));
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
        change: webhook_change(Some(url.into()), None).into(),
        policy: policy(false),
    };
    let ran = Bulk::new(inv, connect_none, &options, &progress)
        .set_webhooks(again, action)
        .await
        .unwrap();
    let done = |_: &_| (NumberResult::Ok, "done".into());
    let report = ProviderReport::new(ran, &order, done, "", |e: &String| e.clone());
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
    let (confirmed, written) = webhooks::set_webhooks(inv, client, first, &change, policy(true))
        .await
        .unwrap();
    assert_eq!(confirmed.voice_url(), Some("https://hooks.example.com/v2"));
    assert_eq!(
        written.webhook_url.as_deref(),
        Some("https://hooks.example.com/v2")
    );
    let drift = webhooks::number_drift(client, &written).await.unwrap();
    assert_eq!(drift.voice.state, webhooks::DriftState::InSync, "{drift:?}");
}

async fn connect_none(_: Provider, _: String) -> Result<ProviderClient, String> {
    Err("no secret here".into())
}

/// The SMS URL is kept apart from the voice URL: imported numbers carry Twilio's `sms_url` as
/// their SMS fact, an SMS URL changed at the provider is reported on its own drift line (the
/// voice side has nothing on record and is not a difference), a number recorded before the
/// fact existed is not checked at all, and re-pointing SMS records what Twilio confirms.
#[tokio::test]
async fn sms_drift_is_its_own_line_and_numbers_without_the_fact_carry_over() {
    use switchboard_core::domain::{Metadata, NumberUpdate};
    use switchboard_core::store::NumberRef;
    use switchboard_ops::numbers_at_provider::Wording;
    use switchboard_providers::model::{SharedPolicy, WebhookChange};

    struct Words;
    impl Wording<String> for Words {
        fn provider_error(&self, e: &switchboard_providers::ProviderError) -> String {
            e.to_string()
        }
        fn not_added(&self, e: &switchboard_core::store::AccountNotAdded) -> String {
            e.account_id.clone()
        }
        fn no_client(&self, e: &String) -> String {
            e.clone()
        }
    }

    let t = Imported::start(3).await;
    let (base, client, inv, org) = (&t.base, &t.client, &*t.inv, t.org);
    let mut numbers = t.numbers.clone();
    let reply = "https://demo.twilio.com/welcome/sms/reply";
    assert_eq!(
        switchboard_ops::NumberView::from(numbers[0].clone())
            .sms_webhook_url
            .as_deref(),
        Some(reply)
    );
    // The third as a number imported before the fact existed: no SMS URL on record.
    let forget = NumberUpdate {
        metadata_patch: Some(Metadata::sms_webhook_url_patch(None)),
        ..NumberUpdate::default()
    };
    let r = NumberRef::Id(numbers[2].id);
    numbers[2] = inv
        .update_number(&r, Some(org), &forget)
        .await
        .unwrap()
        .number;
    assert_eq!(numbers[2].recorded_webhooks(), (None, None));

    // Someone re-points the SMS of the first and the third at Twilio's console.
    let elsewhere = "https://elsewhere.example.net/sms";
    let sms_only = WebhookChange {
        sms_url: Some(elsewhere.into()),
        ..WebhookChange::default()
    };
    for n in [&numbers[0], &numbers[2]] {
        let r = switchboard_providers::account::number_ref(n);
        let policy = SharedPolicy::OnlyThisNumber;
        client.set_webhooks(&r, &sms_only, policy).await.unwrap();
    }

    let selection = webhooks::DriftSelection::new(numbers.clone());
    assert_eq!(selection.recorded.len(), 2);
    assert_eq!(selection.not_recorded, 1, "no fact: not a difference");
    let added = switchboard_ops::providers::added_accounts(inv)
        .await
        .unwrap();
    let grouped = AccountGroups::new(selection.recorded.clone(), &added);
    let connect = |_: Provider, _: String| {
        let client = twilio(base);
        async move { Ok::<_, String>(client) }
    };
    let options = BulkOptions::default();
    let progress = |_: BulkProgress| {};
    let ran = (Bulk::new(inv, connect, &options, &progress))
        .check_drift(grouped)
        .await
        .unwrap();
    let report = webhooks::DriftReport::new(&selection, ran, &Words);
    let lines: Vec<_> = (report.lines.iter())
        .map(|l| {
            let n = l.line.number.phone_number.to_string();
            (
                n,
                l.line.result,
                l.channel,
                l.on_record.clone(),
                l.at_provider.clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                numbers[0].phone_number.to_string(),
                "drifted",
                "sms",
                Some(reply.to_owned()),
                Some(elsewhere.to_owned())
            ),
            (
                numbers[1].phone_number.to_string(),
                "in sync",
                "",
                None,
                None
            ),
        ]
    );
    assert_eq!(
        (report.drifted, report.in_sync, report.not_recorded),
        (1, 1, 1)
    );

    // Re-pointing the SMS records the SMS URL Twilio confirms; then no drift.
    let platform = "https://platform.example.com/hooks/sms";
    let change = webhook_change(None, Some(platform.into()));
    let (_, written) = webhooks::set_webhooks(inv, client, &numbers[0], &change, policy(false))
        .await
        .unwrap();
    let fact = written
        .metadata
        .as_ref()
        .and_then(Metadata::sms_webhook_url);
    assert_eq!(fact, Some(platform));
    let drift = webhooks::number_drift(client, &written).await.unwrap();
    assert_eq!(drift.sms.state, webhooks::DriftState::InSync, "{drift:?}");
    assert_eq!(drift.sms.on_record.as_deref(), Some(platform));
}
