//! Issue #17 in the app, on the mock runtime against the fake Twilio: verification and a bulk
//! webhook change are planned first (the plan changes nothing), drift of the organization or
//! of a selection is reported per channel, and the repair, planned then run, leaves no drift.
//!
//! Run inside `scripts/with-secret-service.sh`; the test runs itself again as a child process
//! with the fake's URL and its own vault service in the environment (as usage_refresh.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use switchboard_app::commands;
use switchboard_app::dto::{DriftSummary, NumberResult, PlannedState};
use switchboard_app::error::{AppError, ErrorCode};
use switchboard_app::providers::{self, ProviderTasks};
use switchboard_app::state::AppState;
use switchboard_fake_providers::creds;
use switchboard_providers::model::{SharedPolicy, WebhookChange};
use tauri::Manager;
use tauri::ipc::Channel;
use tauri::test::MockRuntime;

const CHILD: &str = "SWITCHBOARD_DRIFT_REPAIR_TEST_DIR";
const NUMBERS: usize = 4;

#[test]
fn plans_come_first_and_a_repair_leaves_no_drift() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(child(Path::new(&dir))),
        None => parent(),
    }
}

fn parent() {
    support::in_child_with_fake_twilio(
        "plans_come_first_and_a_repair_leaves_no_drift",
        CHILD,
        "drift repair done",
        NUMBERS,
        "drift_repair",
    );
}

fn quiet<T: tauri::ipc::IpcResponse>() -> Channel<T> {
    Channel::new(|_| Ok(()))
}

type App = tauri::AppHandle<MockRuntime>;

async fn drift(app: &App, org: &str, ids: Option<Vec<String>>) -> DriftSummary {
    let tasks = app.state::<ProviderTasks>();
    providers::check_drift(app.state(), tasks, "drift".into(), org.into(), ids, quiet())
        .await
        .expect("drift checked")
}

async fn records(app: &App, org: &str) -> Vec<switchboard_core::domain::PhoneNumber> {
    let inventory = app.state::<AppState>().inventory();
    let org = org.parse().unwrap();
    switchboard_ops::providers::organization_numbers(&*inventory, org)
        .await
        .unwrap()
}

/// The app with acme, the fake Twilio's account added to it and its numbers imported (the
/// account by reference).
async fn imported(dir: &Path) -> (App, String) {
    let (app, org) = support::mock_app_with_acme(dir).await;
    let org = org.to_string();
    let account = support::fake_twilio_account();
    switchboard_app::accounts::add_account(app.state(), org.clone(), account)
        .await
        .expect("account added");
    let tasks = app.state::<ProviderTasks>();
    let preview = providers::import_preview(
        app.state(),
        tasks.clone(),
        "list".into(),
        org.clone(),
        switchboard_app::dto::Provider::Twilio,
        creds::TWILIO_ACCOUNT_SID.into(),
        quiet(),
    )
    .await
    .expect("listed");
    let all = preview
        .candidates
        .iter()
        .map(|c| c.phone_number.clone())
        .collect();
    let report = providers::import_numbers(
        app.clone(),
        app.state(),
        tasks,
        "import".into(),
        preview.preview_id.clone(),
        all,
        Vec::new(),
        quiet(),
    )
    .await
    .expect("imported");
    assert!(report.failed.is_empty(), "{report:?}");
    (app, org)
}

/// Asks `cancel_task` to stop a task before it exists, as a Cancel sent while the app is still
/// reading a bulk action's numbers does; then runs `action` under that task id: it must stop
/// before anything is sent.
async fn cancelled_first<T: std::fmt::Debug>(
    app: &App,
    what: &str,
    action: impl AsyncFnOnce(String) -> Result<T, AppError>,
) {
    let task_id = format!("cancelled {what}");
    let answered = commands::cancel_task(app.state(), app.state(), task_id.clone()).await;
    assert!(!answered.unwrap(), "no task runs under {task_id} yet");
    let e = action(task_id).await.expect_err(what);
    assert_eq!(e.code, ErrorCode::Cancelled, "{what}: {e:?}");
    assert!(e.message.contains("nothing was sent"), "{what}: {e:?}");
}

/// Issue #17 review: a Cancel that arrives before a bulk action's task is registered (while
/// its numbers are read) stops the action before anything is sent, for every bulk action; the
/// cancel is used up by the task it named.
async fn cancelled_before_the_read(app: &App, org: &str, ids: &[String]) {
    let tasks = app.state::<ProviderTasks>();
    let before = records(app, org).await;
    let client = providers::connect(
        switchboard_core::domain::Provider::Twilio,
        creds::TWILIO_ACCOUNT_SID,
    )
    .await
    .unwrap();
    let at_provider = async || {
        let mut hooks = Vec::new();
        for n in &before {
            let r = switchboard_providers::account::number_ref(n);
            hooks.push(client.webhooks(&r).await.unwrap());
        }
        hooks
    };
    let hooks = at_provider().await;
    let (o, i) = (|| org.to_owned(), || ids.to_vec());
    let url = || Some("https://platform.example/cancelled".to_owned());
    let t = || tasks.clone();

    cancelled_first(app, "organization drift", async |id| {
        providers::check_drift(app.state(), t(), id, o(), None, quiet()).await
    })
    .await;
    cancelled_first(app, "selection drift", async |id| {
        providers::check_drift(app.state(), t(), id, o(), Some(i()), quiet()).await
    })
    .await;
    cancelled_first(app, "webhook plan", async |id| {
        let plan = providers::plan_bulk_webhooks;
        plan(app.state(), t(), id, o(), i(), url(), None, true, quiet()).await
    })
    .await;
    cancelled_first(app, "webhook change", async |id| {
        let set = providers::bulk_set_webhooks;
        set(
            app.clone(),
            app.state(),
            t(),
            id,
            o(),
            i(),
            url(),
            None,
            true,
            quiet(),
        )
        .await
    })
    .await;
    cancelled_first(app, "verification", async |id| {
        providers::verify_numbers(app.clone(), app.state(), t(), id, o(), i(), quiet()).await
    })
    .await;
    cancelled_first(app, "repair plan", async |id| {
        providers::plan_repair(app.state(), t(), id, o(), i(), true, quiet()).await
    })
    .await;
    cancelled_first(app, "repair", async |id| {
        let repair = providers::repair_webhooks;
        repair(app.clone(), app.state(), t(), id, o(), i(), true, quiet()).await
    })
    .await;

    assert_eq!(records(app, org).await, before, "nothing changed on record");
    assert_eq!(
        at_provider().await,
        hooks,
        "nothing changed at the provider"
    );
    // The early cancel was used up by its task: the same id runs to the end next time.
    let again = "cancelled organization drift".to_owned();
    let r = providers::check_drift(app.state(), t(), again, o(), None, quiet());
    assert!(!r.await.unwrap().cancelled);
}

async fn child(dir: &Path) {
    let (app, org) = imported(dir).await;
    let numbers = records(&app, &org).await;
    assert_eq!(numbers.len(), NUMBERS);
    let ids: Vec<String> = numbers.iter().map(|n| n.id.to_string()).collect();
    let tasks = app.state::<ProviderTasks>();

    cancelled_before_the_read(&app, &org, &ids).await;

    // Verification: one account, one request a number; nothing sent.
    let plan = providers::plan_verify(app.state(), org.clone(), ids.clone())
        .await
        .unwrap();
    assert_eq!(plan.accounts.len(), 1);
    assert_eq!(plan.accounts[0].account_id, creds::TWILIO_ACCOUNT_SID);
    assert_eq!(
        (plan.numbers, plan.requests),
        (NUMBERS as u32, NUMBERS as u32)
    );
    assert!(plan.skipped.is_empty());

    // As imported: the URLs on record are the provider's.
    let first = drift(&app, &org, None).await;
    assert_eq!(
        (first.in_sync, first.drifted),
        (NUMBERS as u32, 0),
        "{first:?}"
    );

    // A bulk change is planned first; the plan writes nothing, then the run does it.
    let url = "https://platform.example/app-bulk";
    let plan = providers::plan_bulk_webhooks(
        app.state(),
        tasks.clone(),
        "plan".into(),
        org.clone(),
        ids.clone(),
        Some(url.into()),
        None,
        false,
        quiet(),
    )
    .await
    .unwrap();
    assert_eq!(plan.changed + plan.refused, NUMBERS as u32, "{plan:?}");
    let writes = plan.accounts[0].numbers[0].writes.clone();
    assert_eq!(writes[0].to, url);
    assert_eq!(
        records(&app, &org).await,
        numbers,
        "a plan writes nothing on record"
    );
    let client = providers::connect(
        switchboard_core::domain::Provider::Twilio,
        creds::TWILIO_ACCOUNT_SID,
    )
    .await
    .unwrap();
    let r = switchboard_providers::account::number_ref(&numbers[0]);
    let before = client.webhooks(&r).await.unwrap();
    assert_ne!(
        before.voice_url(),
        Some(url),
        "a plan writes nothing at the provider"
    );
    let report = providers::bulk_set_webhooks(
        app.clone(),
        app.state(),
        tasks.clone(),
        "set".into(),
        org.clone(),
        ids.clone(),
        Some(url.into()),
        None,
        false,
        quiet(),
    )
    .await
    .unwrap();
    assert_eq!(report.succeeded, plan.changed, "{report:?}");
    let synced = drift(&app, &org, None).await;
    assert_eq!(
        (synced.in_sync, synced.drifted),
        (NUMBERS as u32, 0),
        "{synced:?}"
    );

    // Someone re-points the voice URL of two numbers at the console.
    let elsewhere = WebhookChange {
        voice_url: Some("https://elsewhere.example.net/voice".into()),
        ..WebhookChange::default()
    };
    for n in &numbers[..2] {
        let r = switchboard_providers::account::number_ref(n);
        let set = client.set_webhooks(&r, &elsewhere, SharedPolicy::OnlyThisNumber);
        set.await.unwrap();
    }
    let drifted = drift(&app, &org, None).await;
    assert_eq!(
        (
            drifted.drifted,
            drifted.voice_drifted,
            drifted.sms_drifted,
            drifted.in_sync
        ),
        (2, 2, 0, NUMBERS as u32 - 2),
        "{drifted:?}"
    );
    assert_eq!(drifted.drifted_ids, ids[..2].to_vec());
    // The selection: only its numbers are checked.
    let one = drift(&app, &org, Some(vec![ids[0].clone(), ids[3].clone()])).await;
    assert_eq!((one.drifted, one.in_sync), (1, 1), "{one:?}");

    // The repair is planned (nothing changes), then run: no drift left.
    let repair_ids = drifted.drifted_ids.clone();
    let plan = providers::plan_repair(
        app.state(),
        tasks.clone(),
        "plan-repair".into(),
        org.clone(),
        repair_ids.clone(),
        false,
        quiet(),
    )
    .await
    .unwrap();
    assert_eq!(plan.changed, 2, "{plan:?}");
    let voice = (plan.accounts[0].numbers.iter())
        .flat_map(|n| &n.writes)
        .filter(|w| w.to == url)
        .count();
    assert_eq!(voice, 2, "the repair sets the URL on record: {plan:?}");
    assert_eq!(
        drift(&app, &org, None).await.drifted,
        2,
        "the plan repaired nothing"
    );
    let report = providers::repair_webhooks(
        app.clone(),
        app.state(),
        tasks.clone(),
        "repair".into(),
        org.clone(),
        repair_ids,
        false,
        quiet(),
    )
    .await
    .unwrap();
    assert_eq!(report.succeeded, 2, "{report:?}");
    assert!(report.outcomes.iter().all(|o| o.result == NumberResult::Ok));
    let after = drift(&app, &org, None).await;
    assert_eq!(
        (after.drifted, after.in_sync),
        (0, NUMBERS as u32),
        "{after:?}"
    );
    for n in &numbers[..2] {
        let r = switchboard_providers::account::number_ref(n);
        let now = client.webhooks(&r).await.unwrap();
        assert_eq!(
            now.voice_url(),
            Some(url),
            "the URL on record is back at the provider"
        );
    }

    // Repaired again, now in sync: the plan and the run's report both say so (ops' words, the
    // shell only carries them), and nothing is counted as changed.
    let again = drifted.drifted_ids.clone();
    let plan = providers::plan_repair(
        app.state(),
        tasks.clone(),
        "plan-again".into(),
        org.clone(),
        again.clone(),
        false,
        quiet(),
    )
    .await
    .unwrap();
    assert_eq!((plan.changed, plan.in_sync), (0, 2), "{plan:?}");
    let states = plan.accounts.iter().flat_map(|a| &a.numbers);
    assert!(states.into_iter().all(|n| n.state == PlannedState::InSync));
    let report = providers::repair_webhooks(
        app.clone(),
        app.state(),
        tasks.clone(),
        "repair-again".into(),
        org.clone(),
        again,
        false,
        quiet(),
    )
    .await
    .unwrap();
    let counts = (report.succeeded, report.in_sync, report.failed);
    assert_eq!(counts, (0, 2, 0), "{report:?}");
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| o.result == NumberResult::InSync)
    );

    // Bad input changes nothing: an empty change is refused before any provider is asked.
    let e = providers::plan_bulk_webhooks(
        app.state(),
        tasks.clone(),
        "bad".into(),
        org.clone(),
        ids.clone(),
        Some("  ".into()),
        None,
        false,
        quiet(),
    )
    .await
    .expect_err("an empty change is refused");
    assert!(e.message.contains("give a voice or SMS URL"), "{e:?}");
    println!("drift repair done");
}
