//! Issue #17 in ops, against the local Twilio fake: a bulk webhook change planned before it is
//! made (the plan names what the run then does, and changes nothing itself), and a drift check
//! of a selection repaired through the same plan and run, leaving no drift.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders};
use switchboard_ops::Inventory;
use switchboard_ops::numbers_at_provider::{BulkAction, NumberResult, provider_report};
use switchboard_ops::webhooks::{self, BulkWebhookPlan, WebhookChannel, policy, webhook_change};
use switchboard_providers::ProviderClient;
use switchboard_providers::account::number_ref;
use switchboard_providers::flows::{BulkOptions, Changes, SetWebhooks};
use switchboard_providers::model::{SharedPolicy, WebhookChange, WebhookState};

mod common;
use common::{telnyx, twilio};

struct Imported {
    _fakes: FakeProviders,
    _dir: tempfile::TempDir,
    base: String,
    make: fn(&str) -> ProviderClient,
    client: ProviderClient,
    inv: Arc<dyn Inventory>,
    numbers: Vec<PhoneNumber>,
}

impl Imported {
    async fn start(provider: Provider, count: usize) -> Self {
        let fakes = FakeProviders::start(FakeConfig::default()).await.unwrap();
        let (kind, make): (_, fn(&str) -> ProviderClient) = match provider {
            Provider::Telnyx => (FakeKind::Telnyx, telnyx),
            _ => (FakeKind::Twilio, twilio),
        };
        let base = fakes.base_url(kind);
        let client = make(&base);
        let (dir, inv, _org, numbers) = common::holding_first(&client, provider, count).await;
        Imported {
            _fakes: fakes,
            _dir: dir,
            base,
            make,
            client,
            inv,
            numbers,
        }
    }

    /// Every number's webhooks at the fake.
    async fn at_fake(&self) -> Vec<WebhookState> {
        let mut states = Vec::new();
        for n in &self.numbers {
            states.push(self.client.webhooks(&number_ref(n)).await.unwrap());
        }
        states
    }

    async fn plan(
        &self,
        numbers: Vec<PhoneNumber>,
        change: Changes,
        allow: bool,
    ) -> BulkWebhookPlan {
        let (base, make) = (self.base.clone(), self.make);
        let connect = move |_: Provider, _: String| {
            let client = make(&base);
            async move { Ok::<_, String>(client) }
        };
        let options = BulkOptions::default();
        let run = (connect, &options);
        let (change, policy) = (change, policy(allow));
        webhooks::webhook_plan(
            &*self.inv,
            numbers,
            (change, policy),
            run,
            &|_| {},
            String::clone,
        )
        .await
        .unwrap()
    }

    async fn run(
        &self,
        numbers: Vec<PhoneNumber>,
        change: Changes,
        allow: bool,
    ) -> switchboard_ops::numbers_at_provider::ProviderReport {
        let (base, make) = (self.base.clone(), self.make);
        let connect = move |_: Provider, _: String| {
            let client = make(&base);
            async move { Ok::<_, String>(client) }
        };
        let options = BulkOptions::default();
        let action = BulkAction::Webhooks(SetWebhooks {
            change,
            policy: policy(allow),
        });
        let run = (connect, &options);
        provider_report(&*self.inv, numbers, action, run, &|_| {}, String::clone)
            .await
            .unwrap()
    }

    async fn drift(&self) -> webhooks::DriftSummary {
        let (base, make) = (self.base.clone(), self.make);
        let connect = move |_: Provider, _: String| {
            let client = make(&base);
            async move { Ok::<_, String>(client) }
        };
        let options = BulkOptions::default();
        let numbers = self.records().await;
        webhooks::drift_summary(
            &*self.inv,
            numbers,
            (connect, &options),
            &|_| {},
            String::clone,
        )
        .await
        .unwrap()
    }

    async fn records(&self) -> Vec<PhoneNumber> {
        let mut out = Vec::new();
        for n in &self.numbers {
            let r = switchboard_core::store::NumberRef::Id(n.id);
            out.push(self.inv.number(&r, None).await.unwrap());
        }
        out
    }
}

/// Whether the run did what the plan said, number by number: a planned change made as
/// planned, a refused one and one not planned left as they were.
fn run_as_planned(
    plan: &BulkWebhookPlan,
    report: &switchboard_ops::numbers_at_provider::ProviderReport,
    numbers: &[PhoneNumber],
    (before, after): (&[WebhookState], &[WebhookState]),
) {
    let at = |id: &str| numbers.iter().position(|r| r.id.to_string() == id).unwrap();
    let outcome = |id: &str| report.outcomes.iter().find(|o| o.id == id).unwrap();
    for n in plan.accounts.iter().flat_map(|a| &a.numbers) {
        let (i, outcome) = (at(&n.id), outcome(&n.id));
        match &n.refused {
            None => {
                assert_eq!(outcome.result, NumberResult::Ok, "{outcome:?}");
                for w in &n.writes {
                    let now = match w.channel {
                        WebhookChannel::Voice => after[i].voice_url(),
                        WebhookChannel::Sms => after[i].sms_url(),
                    };
                    assert_eq!(now, Some(w.to.as_str()), "the planned write was made");
                }
            }
            Some(_) => {
                assert_eq!(outcome.result, NumberResult::Failed, "{outcome:?}");
                assert!(outcome.message.contains("shared"), "{outcome:?}");
                assert_eq!(after[i], before[i], "a refused number is left as it was");
            }
        }
    }
    for n in &plan.not_planned {
        assert_ne!(outcome(&n.id).result, NumberResult::Ok, "{n:?}");
        assert_eq!(after[at(&n.id)], before[at(&n.id)], "{n:?}");
    }
    assert_eq!(report.succeeded, plan.changed);
}

#[tokio::test]
async fn a_bulk_plan_names_what_the_run_then_does_and_changes_nothing() {
    // Telnyx keeps voice webhooks on Call Control applications many numbers share.
    let t = Imported::start(Provider::Telnyx, usize::MAX).await;
    let before = t.at_fake().await;
    let url = "https://platform.example/bulk";
    let change: Changes = webhook_change(Some(url.into()), None).into();

    let plan = t.plan(t.numbers.clone(), change.clone(), false).await;
    assert_eq!(
        t.at_fake().await,
        before,
        "a plan writes nothing at the provider"
    );
    assert_eq!(
        t.records().await,
        t.numbers,
        "a plan writes nothing on record"
    );
    assert!(!plan.allow_shared);
    assert_eq!(plan.accounts.len(), 1, "{plan:#?}");
    let account = &plan.accounts[0];
    assert!(
        plan.refused > 0,
        "the fake has shared applications: {plan:#?}"
    );
    let planned = account.numbers.len() + plan.not_planned.len();
    assert_eq!(planned, t.numbers.len());
    // Each object other numbers share is listed with how many share it and how many of the
    // selection write it; one only refused numbers write is not changed.
    let shared: Vec<_> = (account.objects.iter())
        .filter(|o| o.shared_by != Some(1))
        .collect();
    assert!(!shared.is_empty(), "{plan:#?}");
    assert!(
        shared.iter().all(|o| !o.changed && o.selected > 0),
        "{shared:#?}"
    );
    assert!(
        shared
            .iter()
            .all(|o| o.shared_by.is_some_and(|n| n >= o.selected)),
        "{shared:#?}"
    );
    for n in account.numbers.iter().filter(|n| n.refused.is_some()) {
        let why = n.refused.as_deref().unwrap();
        assert!(why.contains("shared by"), "{why}");
    }

    // Allowing shared objects: nothing refused, the shared objects are changed.
    let allowed = t.plan(t.numbers.clone(), change.clone(), true).await;
    assert_eq!(allowed.refused, 0);
    assert_eq!(allowed.changed, plan.changed + plan.refused);
    assert!(allowed.accounts[0].objects.iter().all(|o| o.changed));
    assert_eq!(t.at_fake().await, before);

    let report = t.run(t.numbers.clone(), change.clone(), false).await;
    let after = t.at_fake().await;
    run_as_planned(&plan, &report, &t.numbers, (&before, &after));

    let report = t.run(t.numbers.clone(), change, true).await;
    let last = t.at_fake().await;
    run_as_planned(&allowed, &report, &t.numbers, (&after, &last));
}

#[tokio::test]
async fn drift_of_a_selection_is_repaired_to_zero_through_the_plan() {
    let t = Imported::start(Provider::Twilio, 5).await;
    let first = t.drift().await;
    assert_eq!(first.drifted, 0, "{first:#?}");
    let checked = first.in_sync;
    assert!(checked >= 2, "{first:#?}");

    // Someone changes two numbers at the provider's console.
    let elsewhere = "https://elsewhere.example.net/hook";
    let recorded: Vec<_> = (t.numbers.iter())
        .filter(|n| n.recorded_webhooks().1.is_some())
        .take(2)
        .cloned()
        .collect();
    assert_eq!(recorded.len(), 2);
    let sms = WebhookChange {
        sms_url: Some(elsewhere.into()),
        ..WebhookChange::default()
    };
    for n in &recorded {
        let r = number_ref(n);
        let at = t
            .client
            .set_webhooks(&r, &sms, SharedPolicy::OnlyThisNumber);
        at.await.unwrap();
    }

    let drift = t.drift().await;
    assert_eq!((drift.drifted, drift.sms_drifted), (2, 2), "{drift:#?}");
    assert_eq!(drift.in_sync, checked - 2);
    let ids: Vec<String> = recorded.iter().map(|n| n.id.to_string()).collect();
    assert_eq!(drift.drifted_ids, ids);
    let row = drift
        .rows
        .iter()
        .find(|r| r.channel == Some(WebhookChannel::Sms))
        .unwrap();
    assert_eq!(row.at_provider.as_deref(), Some(elsewhere));

    // The repair's plan sets the URLs on record, and the run does that: no drift left.
    let plan = t.plan(recorded.clone(), Changes::Recorded, false).await;
    assert_eq!(plan.changed, 2, "{plan:#?}");
    for (n, planned) in recorded.iter().zip(&plan.accounts[0].numbers) {
        let sms = planned
            .writes
            .iter()
            .find(|w| w.channel == WebhookChannel::Sms)
            .unwrap();
        assert_eq!(Some(sms.to.as_str()), n.recorded_webhooks().1);
        assert_eq!(sms.from.as_deref(), Some(elsewhere));
    }
    assert_eq!(t.drift().await.drifted, 2, "the plan repaired nothing");
    let report = t.run(recorded.clone(), Changes::Recorded, false).await;
    assert_eq!(report.succeeded, 2, "{report:#?}");
    let after = t.drift().await;
    assert_eq!((after.drifted, after.in_sync), (0, checked), "{after:#?}");
    for n in &recorded {
        let now = t.client.webhooks(&number_ref(n)).await.unwrap();
        assert_eq!(
            now.sms_url(),
            n.recorded_webhooks().1,
            "the URL on record is back"
        );
    }
}
