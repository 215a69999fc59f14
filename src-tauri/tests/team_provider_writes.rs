//! Issue #13: what the provider actions record in a team workspace reaches the team database,
//! online and offline then synced. An account's verification (`verify_account`) and an import
//! from the fake Twilio (`import_preview` + `import_numbers`) are run on Tauri's mock runtime
//! against a real PostgreSQL (a throwaway cluster) and the profile's cache file; after each
//! sync the server holds what the app recorded.
//!
//! The test runs itself again as a child process with its environment set (the fake's URL in
//! `SWITCHBOARD_TWILIO_API_URL`, its own vault service, `PGPASSWORD` for the database,
//! `HOME`/XDG directories): the workspace forbids `unsafe`, and with it `std::env::set_var`.
//! The secret goes to a real Secret Service (run inside `scripts/with-secret-service.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_app::dto::{ConnectionProfile, TlsMode};
use switchboard_app::{accounts, providers, sync, team};
use switchboard_fake_providers::{FakeKind, creds};
use switchboard_postgres::grant::{Grant, grant};
use tauri::ipc::Channel;
use tauri::test::MockRuntime;
use tauri::{AppHandle, Manager};

const CHILD: &str = "SWITCHBOARD_TEAM_PROVIDER_TEST_DIR";
const NAME: &str = "verification_and_import_in_a_team_workspace_reach_the_server";
const SID: &str = creds::TWILIO_ACCOUNT_SID;
/// The organization's numbers on the server that reference the account.
const ON_SERVER: usize = 3;
/// The numbers the fake Twilio account owns (none of them on the server at first).
const AT_PROVIDER: usize = 4;

#[test]
fn verification_and_import_in_a_team_workspace_reach_the_server() {
    if std::env::var_os(CHILD).is_some() {
        let dir = PathBuf::from(std::env::var_os(CHILD).unwrap());
        tauri::async_runtime::block_on(day(dir));
        return;
    }
    if !support::secret_service_required("team_provider_writes") {
        return;
    }
    let (_runtime, fakes, service) = support::fakes_and_vault(AT_PROVIDER, "team-provider");
    support::run_as_child(NAME, CHILD, "team provider day done", |child, dir| {
        child
            .env("SWITCHBOARD_CACHE_DIR", dir.join("cache"))
            .env("PGPASSWORD", format!("manager-{}", std::process::id()))
            .env(FakeKind::Twilio.env_var(), fakes.base_url(FakeKind::Twilio))
            .env("SWITCHBOARD_VAULT_SERVICE", &service)
            .env_remove("DATABASE_URL");
    });
}

fn quiet<T: tauri::ipc::IpcResponse>() -> Channel<T> {
    Channel::new(|_| Ok(()))
}

async fn sync_now(app: &AppHandle<MockRuntime>) -> Value {
    let status = tokio::time::timeout(
        Duration::from_secs(60),
        sync::sync_now(app.clone(), quiet()),
    )
    .await
    .expect("the sync ends")
    .expect("sync_now answers");
    serde_json::to_value(status).unwrap()
}

/// Waits until the team status counts `expected` edits in the outbox (it is counted again in
/// the background after each edit); fails after ten seconds with the last count.
async fn outbox_reaches(app: &AppHandle<MockRuntime>, expected: u64) {
    let mut seen = None;
    for _ in 0..100 {
        let status = sync::team_status(app.state()).await.unwrap();
        seen = serde_json::to_value(status).unwrap()["outbox"].as_u64();
        if seen == Some(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the outbox holds {seen:?} edits, not {expected}");
}

async fn verify(app: &AppHandle<MockRuntime>, org: &str) -> Value {
    let verified = accounts::verify_account(
        app.clone(),
        app.state(),
        org.to_owned(),
        serde_json::from_value(json!("twilio")).unwrap(),
        SID.into(),
    )
    .await
    .expect("the account is verified");
    serde_json::to_value(verified).unwrap()
}

/// Previews the account's numbers and imports `count` of the new ones.
async fn import(app: &AppHandle<MockRuntime>, org: &str, count: usize) -> (Value, Value) {
    let tasks = app.state::<providers::ProviderTasks>();
    let preview = providers::import_preview(
        app.state(),
        tasks.clone(),
        "preview".into(),
        org.to_owned(),
        serde_json::from_value(json!("twilio")).unwrap(),
        SID.into(),
        quiet(),
    )
    .await
    .expect("the account's numbers are listed");
    let preview = serde_json::to_value(preview).unwrap();
    let new: Vec<String> = preview["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "new")
        .take(count)
        .map(|c| c["phoneNumber"].as_str().unwrap().to_owned())
        .collect();
    let report = providers::import_numbers(
        app.clone(),
        app.state(),
        tasks,
        "import".into(),
        preview["previewId"].as_str().unwrap().to_owned(),
        new,
        Vec::new(),
        quiet(),
    )
    .await
    .expect("the import runs");
    (preview, serde_json::to_value(report).unwrap())
}

async fn day(dir: PathBuf) {
    // The team database: one organization whose numbers reference the account.
    let (cluster, admin, settings) = support::team_database().await;
    let psql = |sql: &str| support::psql(&cluster, &admin, sql);
    psql(&format!(
        "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
         SELECT o.id, 'twilio', '+1415300000' || g, '{{\"accountSid\": \"{SID}\"}}'
         FROM organizations o, generate_series(1, {ON_SERVER}) g WHERE o.slug = 'acme'"
    ));
    let role = cluster.role_name("manager");
    let password = std::env::var("PGPASSWORD").unwrap();
    grant(
        &settings,
        &Grant {
            role: role.clone(),
            organization: "acme".into(),
            display_name: None,
        },
        || Ok(password.clone()),
    )
    .await
    .expect("grant");
    let verified_on_server = || {
        psql(&format!(
            "SELECT count(*) FROM phone_numbers WHERE last_verified_at IS NOT NULL \
             AND credentials->>'accountSid' = '{SID}'"
        ))
    };
    let latest_verification =
        || psql("SELECT coalesce(min(last_verified_at)::text, '') FROM phone_numbers");
    let numbers_on_server = || psql("SELECT count(*) FROM phone_numbers");

    // The app opens the team workspace and copies it.
    let app = support::mock_app(&dir);
    let profile = ConnectionProfile {
        name: "team".into(),
        host: "127.0.0.1".into(),
        port: settings.port(),
        database: settings.database().to_owned(),
        user: role,
        tls_mode: TlsMode::Disable,
        ca_file: None,
    };
    team::save_profile(app.clone(), app.state(), None, profile, None)
        .await
        .expect("profile saved");
    team::open_workspace(app.clone(), app.state(), Some("team".into()))
        .await
        .expect("team workspace opens");
    assert_eq!(sync_now(&app).await["connection"], "online");
    let orgs = switchboard_app::commands::list_organizations(app.state())
        .await
        .unwrap();
    let org = orgs[0].id.to_string();

    // The account, with its secret in this device's vault.
    let account = support::fake_twilio_account();
    accounts::add_account(app.state(), org.clone(), account)
        .await
        .expect("account added");

    // Online: the verification reaches the server.
    let verified = verify(&app, &org).await;
    assert_eq!(verified["outcome"], "verified", "{verified}");
    assert_eq!(verified["numbersUpdated"], ON_SERVER, "{verified}");
    sync_now(&app).await;
    assert_eq!(verified_on_server(), ON_SERVER.to_string());
    let first = latest_verification();

    // Offline: the verification waits in the outbox, and reaches the server once it is back.
    let port = settings.port();
    support::pg_ctl(&cluster, port, "stop");
    assert_eq!(sync_now(&app).await["connection"], "offline");
    std::thread::sleep(Duration::from_millis(20));
    let again = verify(&app, &org).await;
    assert_eq!(again["numbersUpdated"], ON_SERVER, "{again}");
    outbox_reaches(&app, ON_SERVER as u64).await;

    // An import offline is queued too.
    let (preview, report) = import(&app, &org, 2).await;
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["failed"], json!([]), "{report}");
    assert_eq!(
        preview["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["state"] == "new")
            .count(),
        AT_PROVIDER
    );
    outbox_reaches(&app, ON_SERVER as u64 + 2).await;

    support::pg_ctl(&cluster, port, "start");
    let back = sync_now(&app).await;
    assert_eq!(
        (&back["connection"], &back["outbox"]),
        (&json!("online"), &json!(0)),
        "{back}"
    );
    assert!(
        latest_verification() > first,
        "the second verification reached the server"
    );
    assert_eq!(numbers_on_server(), (ON_SERVER + 2).to_string());

    // Online, run again: the two imported are already present, the rest are imported.
    let (preview, report) = import(&app, &org, AT_PROVIDER).await;
    let states: Vec<&str> = preview["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["new", "new", "present", "present"], "{preview}");
    assert_eq!(report["imported"], AT_PROVIDER - 2, "{report}");
    sync_now(&app).await;
    assert_eq!(numbers_on_server(), (ON_SERVER + AT_PROVIDER).to_string());
    println!("team provider day done");
}
