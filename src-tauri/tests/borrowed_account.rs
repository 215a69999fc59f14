//! Issue #12, item 4, in the desktop app: a number of globex that references an account added
//! only to acme (a member of globex can write such a row) is skipped with the reason by the
//! background re-verification, Verify and bulk webhooks, and refused by the single-number
//! actions (webhooks, drift, release), the import, the purchase and the account check; the fake Twilio receives no request, although
//! this device's vault holds the account's secret. Once a manager adds the account to globex
//! too, the re-verification uses it.
//!
//! The commands run on Tauri's mock runtime against a workspace file in a temporary directory,
//! with the secret in a real Secret Service (run inside `scripts/with-secret-service.sh`). The
//! test runs itself again as a child process, once per phase, with its environment set (the
//! fake's URL in `SWITCHBOARD_TWILIO_API_URL`, its own vault service): the workspace forbids
//! `unsafe`, and with it `std::env::set_var`. The fakes run in the parent, which reads their
//! request log between the phases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use switchboard_app::dto::{NumberResult, Provider, ProviderReport};
use switchboard_app::error::ErrorCode;
use switchboard_app::state::AppState;
use switchboard_app::{accounts, providers};
use switchboard_core::domain::{NewNumber, Provider as CoreProvider};
use switchboard_fake_providers::{FakeKind, FakeProviders, creds};
use switchboard_providers::account::vault_key;
use switchboard_secrets::{SecretString, Vault};
use tauri::ipc::Channel;
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::{AppHandle, Manager};

const CHILD: &str = "SWITCHBOARD_BORROWED_ACCOUNT_TEST_DIR";
const PHASE: &str = "SWITCHBOARD_BORROWED_ACCOUNT_TEST_PHASE";
const SID: &str = creds::TWILIO_ACCOUNT_SID;
/// A number the fake Twilio account owns.
const NUMBER: &str = "+14152340000";

#[test]
fn another_organizations_account_is_skipped_by_verify_reverify_and_bulk_webhooks() {
    match (std::env::var_os(CHILD), std::env::var(PHASE)) {
        (Some(dir), Ok(phase)) => {
            tauri::async_runtime::block_on(child(PathBuf::from(dir), &phase));
        }
        _ => parent(),
    }
}

fn parent() {
    if !support::secret_service_required("borrowed_account") {
        return;
    }
    let (_runtime, fakes, service) = support::fakes_and_vault(4, "borrowed");
    let dir = tempfile::tempdir().expect("temp dir");
    let log = fakes.faults(FakeKind::Twilio);

    run_phase(dir.path(), "refused", &fakes, &service);
    let sent = log.requests();
    assert!(sent.is_empty(), "requests with acme's secret: {sent:?}");

    run_phase(dir.path(), "added", &fakes, &service);
    assert!(
        !log.requests().is_empty(),
        "the account added to globex is used"
    );
}

fn run_phase(dir: &Path, phase: &str, fakes: &FakeProviders, service: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "another_organizations_account_is_skipped_by_verify_reverify_and_bulk_webhooks",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, dir)
        .env(PHASE, phase)
        .env(FakeKind::Twilio.env_var(), fakes.base_url(FakeKind::Twilio))
        .env("SWITCHBOARD_VAULT_SERVICE", service)
        .output()
        .expect("the test runs itself");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "phase {phase}: {text}");
    // The child really ran the phase (a filter that matched nothing would pass silently).
    assert!(text.contains(&format!("phase {phase} done")), "{text}");
}

fn app(dir: &Path) -> AppHandle<MockRuntime> {
    let app = mock_builder()
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    app.manage(AppState::open(&dir.join("workspace.db")).expect("workspace"));
    app.manage(providers::ProviderTasks::default());
    app.handle().clone()
}

fn quiet<T: tauri::ipc::IpcResponse>() -> Channel<T> {
    Channel::new(|_| Ok(()))
}

/// Every line of the report skipped because the account was not added to globex.
#[track_caller]
fn all_skipped(report: &ProviderReport, what: &str) {
    assert_eq!(report.outcomes.len(), 1, "{what}: {report:?}");
    for o in &report.outcomes {
        assert_eq!(o.result, NumberResult::Skipped, "{what}: {report:?}");
        assert!(
            o.message
                .contains(&format!("twilio account {SID} was not added to globex")),
            "{what}: {}",
            o.message
        );
    }
    assert_eq!((report.succeeded, report.failed), (0, 1), "{what}");
}

async fn child(dir: PathBuf, phase: &str) {
    let app = app(&dir);
    let state = app.state::<AppState>();
    match phase {
        "refused" => {
            // acme added the account, and its secret is in this device's vault; a member of
            // globex wrote a number that references it.
            Vault::native()
                .expect("vault")
                .save(
                    &vault_key(CoreProvider::Twilio, SID),
                    &SecretString::new(creds::TWILIO_AUTH_TOKEN.into()),
                )
                .await
                .expect("secret saved");
            let (_, globex, number) = state
                .run(|ws| {
                    let acme = ws.add_organization("acme", "Acme")?;
                    let globex = ws.add_organization("globex", "Globex")?;
                    ws.add_account(acme.id, CoreProvider::Twilio, SID, None)?;
                    let mut added = Vec::new();
                    for org in [acme.id, globex.id] {
                        let n = NewNumber {
                            provider: "twilio".into(),
                            number: NUMBER.into(),
                            account_id: Some(SID.into()),
                            ..Default::default()
                        };
                        added.push(ws.add_number(org, n.validate()?)?);
                    }
                    Ok((acme.id, globex.id, added.remove(1)))
                })
                .await
                .expect("workspace set up");
            let (org, id) = (globex.to_string(), number.id.to_string());

            let report = providers::reverify(&app, &org, vec![id.clone()])
                .await
                .expect("re-verification runs");
            all_skipped(&report, "re-verification");
            let tasks = app.state::<providers::ProviderTasks>();
            let report = providers::verify_numbers(
                app.clone(),
                app.state(),
                tasks.clone(),
                "verify".into(),
                org.clone(),
                vec![id.clone()],
                quiet(),
            )
            .await
            .expect("verify runs");
            all_skipped(&report, "verify");
            let url = Some("https://platform.example/borrowed".to_owned());
            let report = providers::bulk_set_webhooks(
                app.clone(),
                app.state(),
                tasks.clone(),
                "webhooks".into(),
                org.clone(),
                vec![id.clone()],
                url.clone(),
                None,
                true,
                quiet(),
            )
            .await
            .expect("bulk webhooks run");
            all_skipped(&report, "bulk webhooks");

            // The single-number actions, the import and the account check are refused.
            let refused = |e: switchboard_app::error::AppError, what: &str| {
                assert_eq!(e.code, ErrorCode::NotAllowed, "{what}: {e:?}");
                assert!(e.message.contains("not added to globex"), "{what}: {e:?}");
            };
            let e = providers::set_webhooks(app.clone(), app.state(), id.clone(), url, None, true)
                .await
                .expect_err("set webhooks refused");
            refused(e, "set webhooks");
            let e = providers::number_drift(app.state(), id.clone())
                .await
                .expect_err("drift refused");
            refused(e, "drift");
            let e = providers::import_preview(
                app.state(),
                tasks.clone(),
                "import".into(),
                org.clone(),
                Provider::Twilio,
                SID.into(),
                quiet(),
            )
            .await
            .expect_err("import refused");
            refused(e, "import");
            let e = providers::buy_number(
                app.clone(),
                app.state(),
                org.clone(),
                Provider::Twilio,
                SID.into(),
                "+14155550100".into(),
                "+14155550100".into(),
            )
            .await
            .expect_err("purchase refused");
            refused(e, "buy");
            let e = providers::release_number(app.clone(), app.state(), id.clone(), NUMBER.into())
                .await
                .expect_err("release refused");
            refused(e, "release");
            let e = accounts::verify_account(
                app.clone(),
                app.state(),
                org.clone(),
                Provider::Twilio,
                SID.into(),
            )
            .await
            .expect_err("account check refused");
            refused(e, "verify account");
            let record = state
                .run(move |ws| ws.number(&switchboard_core::store::NumberRef::Id(number.id), None))
                .await
                .expect("still there");
            assert!(record.last_verified_at.is_none() && !record.webhook_configured);
        }
        "added" => {
            let (globex, ids) = state
                .run(|ws| {
                    let globex = ws.organization("globex")?;
                    ws.add_account(globex.id, CoreProvider::Twilio, SID, None)?;
                    let mut ids = Vec::new();
                    ws.for_each_number(globex.id, |n| {
                        ids.push(n.id.to_string());
                        Ok(())
                    })?;
                    Ok((globex.id, ids))
                })
                .await
                .expect("added to globex");
            let report = providers::reverify(&app, &globex.to_string(), ids)
                .await
                .expect("re-verification runs");
            assert_eq!(report.outcomes.len(), 1, "{report:?}");
            assert_eq!(report.outcomes[0].result, NumberResult::Ok, "{report:?}");
            Vault::native()
                .expect("vault")
                .remove(&vault_key(CoreProvider::Twilio, SID))
                .await
                .expect("secret removed");
        }
        other => panic!("unknown phase {other}"),
    }
    println!("phase {phase} done");
}
