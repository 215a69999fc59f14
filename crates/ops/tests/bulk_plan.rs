//! Issue #17 in ops, against the providers' local fakes: a bulk webhook change planned before
//! it is made (the plan names what the run then does, and changes nothing itself), a drift
//! check of a selection repaired through the same plan and run (only the channels that
//! drifted), leaving no drift, and a bulk verification that sends what its plan counts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, NumberUpdate};
use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders};
use switchboard_ops::Inventory;
use switchboard_ops::numbers_at_provider::{self, BulkAction, NumberResult, provider_report};
use switchboard_ops::webhooks::{
    self, BulkWebhookPlan, PlannedState, WebhookChannel, policy, webhook_change,
};
use switchboard_providers::ProviderClient;
use switchboard_providers::account::number_ref;
use switchboard_providers::flows::{BulkOptions, Changes, SetWebhooks};
use switchboard_providers::model::{
    DriftStatus, ObjectKind, SharedPolicy, WebhookChange, WebhookState,
};

mod common;
use common::{bandwidth, plivo, telnyx, twilio, vonage};

struct Imported {
    fakes: FakeProviders,
    kind: FakeKind,
    _dir: tempfile::TempDir,
    base: String,
    make: fn(&str) -> ProviderClient,
    client: ProviderClient,
    inv: Arc<dyn Inventory>,
    org: uuid::Uuid,
    numbers: Vec<PhoneNumber>,
}

impl Imported {
    async fn start(provider: Provider, count: usize) -> Self {
        let fakes = FakeProviders::start(FakeConfig::default()).await.unwrap();
        let (kind, make): (_, fn(&str) -> ProviderClient) = match provider {
            Provider::Telnyx => (FakeKind::Telnyx, telnyx),
            Provider::Vonage => (FakeKind::Vonage, vonage),
            Provider::Bandwidth => (FakeKind::Bandwidth, bandwidth),
            Provider::Plivo => (FakeKind::Plivo, plivo),
            _ => (FakeKind::Twilio, twilio),
        };
        let base = fakes.base_url(kind);
        let client = make(&base);
        let (dir, inv, org, numbers) = common::holding_first(&client, provider, count).await;
        Imported {
            fakes,
            kind,
            _dir: dir,
            base,
            make,
            client,
            inv,
            org,
            numbers,
        }
    }

    /// The requests the fake received.
    fn requests(&self) -> Vec<switchboard_fake_providers::RequestRecord> {
        self.fakes.faults(self.kind).requests()
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
            &numbers_at_provider::app_words(String::clone),
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
        let action = BulkAction::Webhooks(SetWebhooks {
            change,
            policy: policy(allow),
        });
        self.act(numbers, action).await
    }

    /// Runs `action` over `numbers` as the app does (a client per account, made afresh).
    async fn act(
        &self,
        numbers: Vec<PhoneNumber>,
        action: BulkAction,
    ) -> switchboard_ops::numbers_at_provider::ProviderReport {
        let (base, make) = (self.base.clone(), self.make);
        let connect = move |_: Provider, _: String| {
            let client = make(&base);
            async move { Ok::<_, String>(client) }
        };
        let options = BulkOptions::default();
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
            None if n.state == PlannedState::InSync => {
                assert_eq!(outcome.result, NumberResult::InSync, "{outcome:?}");
                assert_eq!(after[i], before[i], "a number in sync is left as it was");
            }
            None => {
                assert_eq!(n.state, PlannedState::Changes, "{n:?}");
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
                assert_eq!(n.state, PlannedState::Refused, "{n:?}");
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
    assert_eq!(report.in_sync, plan.in_sync);
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

/// A channel in sync is not written by a repair: a number whose voice URL lives on an
/// application other numbers share, in sync, and whose SMS URL (on the number) drifted is
/// repaired on its SMS channel alone, without consent to change shared objects, and the
/// application is left as it was (Vonage: writing it would need that consent; Twilio: the
/// voice URL written again would move to the number, detached from its application). The
/// plan says so, and the run does it.
#[tokio::test]
async fn a_repair_writes_only_the_channels_that_drifted() {
    // The fake Twilio's tenth number answers calls through its "Main IVR" application; the
    // fake Vonage's first, through an application eight numbers share.
    for (provider, at) in [(Provider::Twilio, 9), (Provider::Vonage, 0)] {
        repair_only_what_drifted(provider, at).await;
    }
}

async fn repair_only_what_drifted(provider: Provider, at: usize) {
    let t = Imported::start(provider, 10).await;
    // Its voice URL is on record, as the provider has it.
    let on_app = t.numbers[at].clone();
    let before = t.client.webhooks(&number_ref(&on_app)).await.unwrap();
    let voice = before.voice.clone().unwrap();
    assert_ne!(voice.owner.object.kind, ObjectKind::Number, "{before:#?}");
    assert_eq!(
        before.sms.as_ref().unwrap().owner.object.kind,
        ObjectKind::Number
    );
    let update = NumberUpdate {
        webhook: Some((true, voice.url.clone())),
        ..NumberUpdate::default()
    };
    let r = switchboard_core::store::NumberRef::Id(on_app.id);
    let on_app = (t.inv.update_number(&r, Some(t.org), &update).await.unwrap()).number;
    let recorded = on_app.recorded_webhooks();
    assert_eq!(recorded.0, voice.url.as_deref());
    assert!(recorded.1.is_some(), "{on_app:#?}");

    // Someone changes its SMS URL (on the number itself) at the provider's console.
    let elsewhere = WebhookChange {
        sms_url: Some("https://elsewhere.example.net/sms".into()),
        ..WebhookChange::default()
    };
    (t.client)
        .set_webhooks(
            &number_ref(&on_app),
            &elsewhere,
            SharedPolicy::OnlyThisNumber,
        )
        .await
        .unwrap();
    let faults = t.fakes.faults(t.kind);
    faults.clear_requests();
    let drifted = t.client.webhooks(&number_ref(&on_app)).await.unwrap();
    let one_read = t.requests();
    let drift = t.drift().await;
    let (sms, voice) = (drift.sms_drifted, drift.voice_drifted);
    assert_eq!((sms, voice), (1, 0), "{provider}: {drift:#?}");

    let selection = vec![on_app.clone()];
    faults.clear_requests();
    let plan = t.plan(selection.clone(), Changes::Recorded, false).await;
    // The plan reads the number's state once: what drifted follows from it.
    assert_eq!(t.requests(), one_read, "{provider}");
    assert_eq!(
        (plan.changed, plan.refused),
        (1, 0),
        "{provider}: {plan:#?}"
    );
    let planned = &plan.accounts[0].numbers[0];
    let channels: Vec<_> = planned.writes.iter().map(|w| w.channel).collect();
    assert_eq!(channels, [WebhookChannel::Sms], "{provider}: {planned:#?}");
    assert!(
        plan.accounts[0].objects.is_empty(),
        "no shared object written"
    );

    faults.clear_requests();
    let report = t.run(selection.clone(), Changes::Recorded, false).await;
    // So does the run, before it writes.
    let sent = t.requests();
    let reads = sent.iter().take_while(|r| r.method == "GET").count();
    assert_eq!(sent[..reads], one_read[..], "{provider}: {sent:#?}");
    let after = t.client.webhooks(&number_ref(&on_app)).await.unwrap();
    run_as_planned(
        &plan,
        &report,
        &selection,
        (&[drifted], std::slice::from_ref(&after)),
    );
    assert_eq!(
        after.voice, before.voice,
        "the shared application is as it was"
    );
    assert_eq!(after.sms_url(), recorded.1);
    assert_eq!(t.drift().await.drifted, 0);

    // Repaired again once in sync: the plan says the number is already in sync, with no
    // write, counted neither as changing nor as refused; the run writes nothing and its
    // report says the same, not that the number changed.
    let again = t.plan(selection.clone(), Changes::Recorded, false).await;
    let counts = (again.changed, again.in_sync, again.refused);
    assert_eq!(counts, (0, 1, 0), "{provider}: {again:#?}");
    assert_eq!(again.accounts[0].in_sync, 1, "{provider}: {again:#?}");
    let in_sync = &again.accounts[0].numbers[0];
    assert_eq!(in_sync.state, PlannedState::InSync, "{in_sync:#?}");
    assert_eq!(in_sync.state.words(), "already in sync");
    assert!(
        in_sync.writes.is_empty() && in_sync.refused.is_none(),
        "{in_sync:#?}"
    );
    faults.clear_requests();
    let report = t.run(selection, Changes::Recorded, false).await;
    let counts = (report.succeeded, report.in_sync, report.failed);
    assert_eq!(counts, (0, 1, 0), "{provider}: {report:#?}");
    assert_eq!(
        report.outcomes[0].result,
        NumberResult::InSync,
        "{report:#?}"
    );
    let sent = t.requests();
    assert!(
        sent.iter().all(|r| r.method == "GET"),
        "{provider}: {sent:#?}"
    );
}

/// The numbers a bulk webhook plan does not plan are listed in the selection's order, whatever
/// kept each of them out (no account, no client for their account).
#[tokio::test]
async fn numbers_not_planned_are_in_selection_order() {
    let t = Imported::start(Provider::Twilio, 3).await;
    let mut without = NewNumber {
        provider: "twilio".into(),
        number: "+14155550199".into(),
        region: None,
        friendly_name: None,
        status: None,
        metadata: None,
        account_id: None,
        agent_id: None,
    };
    let no_account = (t
        .inv
        .add_number(t.org, without.clone().validate().unwrap())
        .await)
        .unwrap()
        .number;
    without.number = "+14155550198".into();
    let no_account_too = (t.inv.add_number(t.org, without.validate().unwrap()).await)
        .unwrap()
        .number;
    let selection = vec![
        t.numbers[0].clone(),
        no_account,
        t.numbers[1].clone(),
        t.numbers[2].clone(),
        no_account_too,
    ];
    let connect =
        |_: Provider, _: String| async { Err::<ProviderClient, _>("not here".to_owned()) };
    let options = BulkOptions::default();
    let change: Changes = webhook_change(Some("https://platform.example/x".into()), None).into();
    let plan = webhooks::webhook_plan(
        &*t.inv,
        selection.clone(),
        (change, policy(false)),
        (connect, &options),
        &|_| {},
        &numbers_at_provider::app_words(String::clone),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = plan.not_planned.iter().map(|n| n.id.as_str()).collect();
    let want: Vec<String> = selection.iter().map(|n| n.id.to_string()).collect();
    assert_eq!(ids, want, "{plan:#?}");
}

/// A bulk verification sends, per provider, the requests its plan counts: one lookup a number
/// (and the OAuth2 token of a Bandwidth client), nothing read for the objects the numbers'
/// SMS URLs live on (Twilio's SMS applications, Vonage's Messages application).
#[tokio::test]
async fn a_verification_sends_the_requests_its_plan_counts() {
    let providers = [
        Provider::Twilio,
        Provider::Vonage,
        Provider::Telnyx,
        Provider::Bandwidth,
        Provider::Plivo,
    ];
    for provider in providers {
        let t = Imported::start(provider, 15).await;
        // Which of them have their SMS URL on another object (read when a number is fetched).
        let mut on_objects = 0;
        for n in &t.numbers {
            let fetched = t.client.fetch_number(&number_ref(n)).await.unwrap();
            on_objects += usize::from(fetched.sms_owner.is_some());
        }
        if matches!(provider, Provider::Twilio | Provider::Vonage) {
            assert!(
                on_objects > 0,
                "{provider}: the fake routes some SMS elsewhere"
            );
        }
        let words = numbers_at_provider::app_words(|e: &String| e.clone());
        let plan = numbers_at_provider::verify_plan(&*t.inv, t.numbers.clone(), &words)
            .await
            .unwrap();
        assert_eq!(plan.numbers, 15, "{provider}");
        t.fakes.faults(t.kind).clear_requests();
        let report = t.act(t.numbers.clone(), BulkAction::Verify).await;
        assert_eq!(report.succeeded, 15, "{provider}: {report:#?}");
        let sent = t.requests();
        assert_eq!(
            sent.len() as u32,
            plan.requests,
            "{provider} ({on_objects} numbers with an SMS URL elsewhere): {sent:#?}"
        );
    }
}

/// The reads of objects other than numbers in `sent`, by object (its path, and the list of
/// numbers on it): applications (Vonage, Twilio, Bandwidth, Plivo; Telnyx's Call Control and
/// TeXML applications), Telnyx's messaging profiles, Bandwidth's locations.
fn shared_reads(
    sent: &[switchboard_fake_providers::RequestRecord],
) -> std::collections::BTreeMap<String, usize> {
    let mut reads = std::collections::BTreeMap::new();
    for r in sent.iter().filter(|r| r.method == "GET") {
        let on = (r.query.iter())
            .filter(|(k, _)| k == "application_id" || k == "filter[connection_id]")
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>();
        let path = &r.path;
        let object = ["pplication", "messaging_profiles", "/products/"]
            .iter()
            .any(|p| path.contains(p));
        if object || !on.is_empty() {
            *reads.entry(format!("{path} {on:?}")).or_insert(0) += 1;
        }
    }
    reads
}

/// The first 30 numbers of `provider`'s fake, each with its voice URL on record as the
/// provider has it.
async fn voice_on_record(provider: Provider) -> Imported {
    let mut t = Imported::start(provider, 30).await;
    for n in &t.numbers {
        let state = t.client.webhooks(&number_ref(n)).await.unwrap();
        let update = NumberUpdate {
            webhook: Some((true, state.voice_url().map(str::to_owned))),
            ..NumberUpdate::default()
        };
        let r = switchboard_core::store::NumberRef::Id(n.id);
        t.inv.update_number(&r, Some(t.org), &update).await.unwrap();
    }
    t.numbers = t.records().await;
    t
}

/// Issue #17 (review): a bulk drift check and a bulk plan read each object the selection's
/// numbers share once in the run, however many of them sit on it, and answer as the numbers
/// read one by one do.
#[tokio::test]
async fn a_bulk_run_reads_each_shared_object_once() {
    for provider in [
        Provider::Vonage,
        Provider::Twilio,
        Provider::Telnyx,
        Provider::Bandwidth,
        Provider::Plivo,
    ] {
        shared_objects_read_once(provider).await;
    }
}

async fn shared_objects_read_once(provider: Provider) {
    let mut t = voice_on_record(provider).await;
    // The numbers on a shared application drift on voice (the record changed elsewhere).
    let mut owners: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, n) in t.numbers.iter().enumerate() {
        let state = t.client.webhooks(&number_ref(n)).await.unwrap();
        for hook in [&state.voice, &state.sms].into_iter().flatten() {
            if hook.owner.object.kind != ObjectKind::Number {
                let on = owners.entry(hook.owner.object.id.clone()).or_default();
                if !on.contains(&i) {
                    on.push(i);
                }
            }
        }
    }
    let shared = (owners.values().find(|on| on.len() >= 3))
        .unwrap_or_else(|| panic!("{provider}: {owners:?}"));
    for &i in shared {
        let update = NumberUpdate {
            webhook: Some((true, Some("https://elsewhere.example.net/voice".into()))),
            ..NumberUpdate::default()
        };
        let r = switchboard_core::store::NumberRef::Id(t.numbers[i].id);
        t.inv.update_number(&r, Some(t.org), &update).await.unwrap();
    }
    t.numbers = t.records().await;

    // Number by number, as before.
    let (mut drifted, mut in_sync) = (Vec::new(), 0);
    for n in &t.numbers {
        let (voice, sms) = n.recorded_webhooks();
        if (voice, sms) == (None, None) {
            continue;
        }
        let d = t.client.drift(&number_ref(n), voice, sms).await.unwrap();
        if [&d.voice, &d.sms]
            .iter()
            .any(|s| matches!(s, DriftStatus::Drifted { .. }))
        {
            drifted.push(n.id.to_string());
        } else {
            in_sync += 1;
        }
    }
    assert!(!drifted.is_empty(), "{provider}");

    let faults = t.fakes.faults(t.kind);
    faults.clear_requests();
    let drift = t.drift().await;
    let reads = shared_reads(&t.requests());
    assert_eq!(drift.drifted_ids, drifted, "{provider}: {drift:#?}");
    assert_eq!(drift.in_sync, in_sync, "{provider}: {drift:#?}");
    assert!(reads.len() >= owners.len(), "{provider}: {reads:?}");
    assert!(
        reads.values().all(|&n| n == 1),
        "{provider}: drift: {reads:?}"
    );

    let url = "https://platform.example/shared";
    let change: Changes = webhook_change(Some(url.into()), Some(url.into())).into();
    faults.clear_requests();
    let plan = t.plan(t.numbers.clone(), change, true).await;
    let reads = shared_reads(&t.requests());
    assert!(
        reads.values().all(|&n| n == 1),
        "{provider}: plan: {reads:?}"
    );
    let change = webhook_change(Some(url.into()), Some(url.into()));
    for planned in plan.accounts.iter().flat_map(|a| &a.numbers) {
        let n = t
            .numbers
            .iter()
            .find(|n| n.id.to_string() == planned.id)
            .unwrap();
        let alone = t
            .client
            .plan_webhooks(&number_ref(n), &change)
            .await
            .unwrap();
        let writes: Vec<webhooks::PlannedWrite> = alone.changes.iter().map(Into::into).collect();
        assert_eq!(planned.writes, writes, "{provider}");
    }
    let planned = plan.accounts.iter().map(|a| a.numbers.len()).sum::<usize>();
    assert_eq!(planned + plan.not_planned.len(), t.numbers.len());
}

/// A repair run that writes an object its numbers share reads it again after writing it
/// (Issue #17, review): every number on it is confirmed at its URL on record, nothing on
/// record takes the state read before the write, and no drift is left. Twilio's runs write
/// only numbers.
#[tokio::test]
async fn a_repair_reads_a_shared_object_again_after_writing_it() {
    for provider in [
        Provider::Vonage,
        Provider::Telnyx,
        Provider::Bandwidth,
        Provider::Plivo,
    ] {
        repair_a_shared_object(provider).await;
    }
}

async fn repair_a_shared_object(provider: Provider) {
    let t = voice_on_record(provider).await;
    // Someone re-points a voice application many of them share, at the provider's console.
    let mut on_shared = None;
    for n in &t.numbers {
        let state = t.client.webhooks(&number_ref(n)).await.unwrap();
        let shared = (state.voice.as_ref())
            .filter(|v| v.owner.object.kind != ObjectKind::Number && v.url.is_some());
        if shared.is_some() {
            on_shared = Some(n.clone());
            break;
        }
    }
    let on_shared = on_shared.unwrap_or_else(|| panic!("{provider}: no shared voice object"));
    let elsewhere = WebhookChange {
        voice_url: Some("https://elsewhere.example.net/voice".into()),
        ..WebhookChange::default()
    };
    let r = number_ref(&on_shared);
    let at = t
        .client
        .set_webhooks(&r, &elsewhere, SharedPolicy::AllowShared);
    at.await.unwrap();
    let drift = t.drift().await;
    assert!(drift.voice_drifted >= 2, "{provider}: {drift:#?}");
    let selection: Vec<PhoneNumber> = (t.numbers.iter())
        .filter(|n| drift.drifted_ids.contains(&n.id.to_string()))
        .cloned()
        .collect();

    let report = t.run(selection.clone(), Changes::Recorded, true).await;
    // The first number on the object writes it; the others on it are then found in sync.
    assert_eq!(
        (report.succeeded + report.in_sync) as usize,
        selection.len(),
        "{provider}: {report:#?}"
    );
    assert!(report.succeeded >= 1, "{provider}: {report:#?}");
    assert_eq!(report.failed, 0, "{provider}: {report:#?}");
    let records = t.records().await;
    for n in &selection {
        let now = records.iter().find(|r| r.id == n.id).unwrap();
        assert_eq!(
            now.recorded_webhooks(),
            n.recorded_webhooks(),
            "{provider}: the record keeps its URLs"
        );
        assert!(now.webhook_configured, "{provider}: {now:#?}");
    }
    let after = t.drift().await;
    assert_eq!(after.drifted, 0, "{provider}: {after:#?}");
}
