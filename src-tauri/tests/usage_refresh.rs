//! Background refresh of usage on the mock runtime against the fake Twilio: a check pulls the
//! records of an account added to the organization that was never pulled (as the usage view's
//! sync would), nothing while the interval is off (`verifyIntervalHours` 0) or while a manual
//! sync runs, and nothing again once the account was pulled within the interval. A manual
//! sync stops a background refresh under way and waits for it; a refresh never starts while a
//! manual sync runs. The check that pulled records announces the organization's usage changed
//! (`usage://{organizationId}/changed`), once; the checks that pulled nothing announce nothing,
//! and a refresh announces only the organizations whose records it added or completed.
//!
//! Run inside `scripts/with-secret-service.sh`; like usage_sync.rs, the test runs itself again
//! as a child process with the fake's URL and its own vault service in the environment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard_app::dto::GroupBy;
use switchboard_app::events::usage_changed_event;
use switchboard_app::usage_refresh::{self, UsageSyncs};
use switchboard_app::{settings, usage};
use switchboard_fake_providers::creds;
use tauri::{Listener, Manager};
use time::{Duration, OffsetDateTime};

const CHILD: &str = "SWITCHBOARD_USAGE_REFRESH_TEST_DIR";
const NUMBERS: usize = 3;

#[test]
fn a_check_pulls_the_accounts_due_unless_off_or_a_sync_runs() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(child(Path::new(&dir))),
        None => parent(),
    }
}

fn parent() {
    support::in_child_with_fake_twilio(
        "a_check_pulls_the_accounts_due_unless_off_or_a_sync_runs",
        CHILD,
        "usage refresh done",
        NUMBERS,
        "usage_refresh",
    );
}

/// Calls kept in the organization over the last 60 days.
async fn calls_kept(app: &tauri::AppHandle<tauri::test::MockRuntime>, org: &str) -> u64 {
    let today = OffsetDateTime::now_utc().date();
    let report = usage::usage_report(
        app.state(),
        org.to_owned(),
        Some((today - Duration::days(60)).to_string()),
        Some(today.to_string()),
        GroupBy::Day,
    )
    .await
    .expect("report");
    report.rows.iter().map(|r| r.usage.counts.calls).sum()
}

async fn child(dir: &Path) {
    let (app, org, _) = support::acme_with_fake_twilio(dir).await;
    let announced = Arc::new(AtomicUsize::new(0));
    let seen = announced.clone();
    app.listen(usage_changed_event(&org), move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    // Emitted events reach listeners on the event loop's thread: give them a moment.
    let announcements = async || {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        announced.load(Ordering::SeqCst)
    };
    let set_hours = |hours: u32| {
        let mut s = settings::load(&app).expect("settings");
        s.verify_interval_hours = hours;
        settings::save(&app, &s).expect("saved");
    };

    // Off: nothing, though the account was never pulled.
    set_hours(0);
    let done = usage_refresh::check(&app).await.expect("check");
    assert!(done.is_empty(), "off");
    // On, while a manual sync runs: nothing either.
    set_hours(24);
    {
        let syncs = app.state::<UsageSyncs>();
        let _manual = syncs.manual().await;
        let done = usage_refresh::check(&app).await.expect("check");
        assert!(done.is_empty(), "a manual sync runs");
    }
    assert_eq!(calls_kept(&app, &org).await, 0);
    assert_eq!(
        announcements().await,
        0,
        "nothing pulled, nothing announced"
    );

    // On and free: the account, never pulled, is pulled.
    let done = usage_refresh::check(&app).await.expect("check");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].account.account_id, creds::TWILIO_ACCOUNT_SID);
    let synced = done[0].outcome.as_ref().expect("pulled");
    assert!(synced.calls.kept.added > 0, "{synced:?}");
    assert_eq!(calls_kept(&app, &org).await, synced.calls.kept.added);
    assert_eq!(
        announcements().await,
        1,
        "the records it added are announced"
    );

    // Pulled within the interval: not due.
    let again = usage_refresh::check(&app).await.expect("check");
    assert!(again.is_empty(), "pulled a moment ago");
    assert_eq!(announcements().await, 1, "nothing new: not announced again");
    println!("usage refresh done");
}

#[test]
fn a_manual_sync_stops_a_background_refresh_and_none_starts_during_one() {
    tauri::async_runtime::block_on(async {
        let syncs = UsageSyncs::default();
        let (running, token) = syncs.background().expect("nothing runs");
        assert!(syncs.background().is_none(), "one refresh at a time");
        let manual = syncs.manual();
        tokio::pin!(manual);
        // The manual sync cancels the refresh, then waits for it to end.
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), &mut manual).await;
        assert!(waited.is_err(), "it waits while the refresh runs");
        assert!(token.is_cancelled());
        drop(running);
        let guard = manual.await;
        assert!(
            syncs.background().is_none(),
            "no refresh during a manual sync"
        );
        drop(guard);
        assert!(syncs.background().is_some());
    });
}

/// What a refresh announces: the organizations whose pulls added or completed records, each
/// once; not one whose pull read only what was kept, nor one whose pull failed.
#[test]
fn a_refresh_announces_only_the_organizations_whose_records_changed() {
    use switchboard_core::domain::Provider;
    use switchboard_core::usage::{Kept, UsageAccount};
    use switchboard_ops::providers::client::ProviderFailure;
    use switchboard_ops::usage::{AccountSynced, KindSynced, RefreshedAccount};
    use uuid::Uuid;

    let kind = KindSynced {
        kept: Kept::default(),
        skipped: 0,
        skipped_reasons: Vec::new(),
        pages: 1,
        since: OffsetDateTime::UNIX_EPOCH,
        next_since: OffsetDateTime::UNIX_EPOCH,
        unavailable: None,
    };
    let account = |org: Uuid, id: &str, outcome: Result<(u64, u64), ()>| RefreshedAccount {
        account: UsageAccount {
            organization_id: org,
            provider: Provider::Twilio,
            account_id: id.to_owned(),
        },
        outcome: match outcome {
            Ok((added, completed)) => Ok(AccountSynced {
                provider: Provider::Twilio,
                account_id: id.to_owned(),
                added,
                completed,
                pending: 3,
                skipped: 0,
                pages: 2,
                calls: kind.clone(),
                messages: kind.clone(),
            }),
            Err(()) => Err(ProviderFailure::Cancelled("stopped".into())),
        },
    };
    let [added, completed, unchanged, failed] = [0; 4].map(|_| Uuid::new_v4());
    let done = [
        account(added, "AC1", Ok((5, 0))),
        account(added, "AC2", Ok((1, 0))),
        account(completed, "AC3", Ok((0, 2))),
        account(unchanged, "AC4", Ok((0, 0))),
        account(failed, "AC5", Err(())),
    ];
    let mut expected = vec![added, completed];
    expected.sort();
    let changed: Vec<Uuid> = usage_refresh::organizations_changed(&done)
        .into_iter()
        .collect();
    assert_eq!(changed, expected);
    assert!(usage_refresh::organizations_changed(&[]).is_empty());
}
