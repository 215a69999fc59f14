//! What several test files of the app share.
//!
//! Tests that start the app read its settings from the OS data directory. Such a test runs
//! itself again as a child process with `HOME`/XDG directories in a temporary directory, so
//! the settings are its own and not the machine's: the workspace forbids `unsafe`, and with it
//! `std::env::set_var`.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::process::Command;

use switchboard_app::state::AppState;
use switchboard_app::{providers, sync};
use switchboard_test_postgres::TestCluster;
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::{AppHandle, Manager};

/// The fake Twilio's account as the add-account form sends it, with its auth token.
pub fn fake_twilio_account() -> switchboard_app::dto::NewAccount {
    use switchboard_fake_providers::creds;
    serde_json::from_value(serde_json::json!({
        "provider": "twilio",
        "kind": "secret",
        "accountId": creds::TWILIO_ACCOUNT_SID,
        "identifier": null,
        "secret": creds::TWILIO_AUTH_TOKEN,
        "label": null,
    }))
    .unwrap()
}

/// A Twilio number as the add dialog sends it, with nothing else set.
pub fn twilio_number(number: &str) -> switchboard_app::dto::NewNumber {
    switchboard_app::dto::NewNumber {
        provider: switchboard_app::dto::Provider::Twilio,
        number: number.into(),
        region: None,
        friendly_name: None,
        status: None,
        capabilities: None,
        agent_id: None,
    }
}

/// The app on the mock runtime over a local workspace file in `dir` with the organization
/// `acme`, managing what the commands read; with the organization's id.
pub async fn mock_app_with_acme(dir: &Path) -> (AppHandle<MockRuntime>, uuid::Uuid) {
    let app = mock_builder()
        .plugin(tauri_plugin_store::Builder::default().build())
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    let state = AppState::open(&dir.join("workspace.db")).expect("opens");
    let org = state
        .run(|ws| ws.add_organization("acme", "Acme"))
        .await
        .expect("organization")
        .id;
    app.manage(state);
    app.manage(providers::ProviderTasks::default());
    app.manage(sync::SyncState::default());
    app.manage(switchboard_app::usage_refresh::UsageSyncs::default());
    (app.handle().clone(), org)
}

/// Runs the test `name` of this binary again in a child process whose `HOME`/XDG directories
/// are under a new temporary directory, which the child finds in `child_var`; `configure` adds
/// to its environment. Asserts that the child passed and printed `done` (a filter that matched
/// nothing would pass silently).
pub fn run_as_child(
    name: &str,
    child_var: &str,
    done: &str,
    configure: impl FnOnce(&mut Command, &Path),
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(child_var, dir.path())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"));
    configure(&mut child, dir.path());
    let out = child.output().expect("the test runs itself");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
    assert!(text.contains(done), "{text}");
}

/// Stops or starts a local test cluster's server on `port` (`action`: `stop` or `start`), as
/// the cluster's owner.
pub fn pg_ctl(cluster: &TestCluster, port: u16, action: &str) {
    let dir = cluster.data_dir().expect("a local cluster");
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .expect("postgresql installed")
        .flatten()
        .map(|e| e.path().join("bin/pg_ctl"))
        .find(|p| p.is_file())
        .expect("pg_ctl");
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.current_dir(dir)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-w", "-m", "fast", "-l"])
        .arg(dir.join("postgres.log"))
        .arg(format!("-o -p {port}"))
        .arg(action);
    let out = cmd.output().expect("pg_ctl runs");
    assert!(out.status.success(), "pg_ctl {action}: {out:?}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A team database on a throwaway local cluster: the schema, and the organization `acme`.
/// Returns the cluster, its administrator's URL and connection settings.
pub async fn team_database() -> (TestCluster, String, switchboard_postgres::ConnectSettings) {
    let cluster = TestCluster::start_local().expect("cluster starts");
    let admin = cluster.admin_url();
    let settings = switchboard_postgres::ConnectSettings::from_url(&admin).unwrap();
    switchboard_postgres::migrate::migrate(&settings)
        .await
        .expect("migrations apply");
    psql(
        &cluster,
        &admin,
        "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')",
    );
    (cluster, admin, settings)
}

/// Runs `sql` on the cluster as `url`'s role and returns its output; panics with the
/// statement on failure.
pub fn psql(cluster: &TestCluster, url: &str, sql: &str) -> String {
    cluster
        .psql(url, sql)
        .unwrap_or_else(|e| panic!("{sql}\n{e}"))
}

/// A one-thread runtime for the fake providers a parent test runs for its child.
pub fn fakes_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The app on Tauri's mock runtime with the state its setup manages, its local workspace in
/// `dir`.
pub fn mock_app(dir: &Path) -> tauri::AppHandle<tauri::test::MockRuntime> {
    use tauri::Manager;
    use tauri::test::{mock_builder, mock_context, noop_assets};
    let app = mock_builder()
        .plugin(tauri_plugin_store::Builder::default().build())
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    app.manage(
        switchboard_app::state::AppState::open(&dir.join("local.db")).expect("local workspace"),
    );
    app.manage(switchboard_app::providers::ProviderTasks::default());
    app.manage(switchboard_app::sync::SyncState::default());
    app.handle().clone()
}

/// The CLI binary, built beside this test (`cargo test --workspace` builds it; with `-p
/// switchboard-app`, build it first: `cargo build -p switchboard-cli`).
pub fn cli() -> Command {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join(format!("switchboard-cli{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: build it first (cargo build -p switchboard-cli)",
        bin.display()
    );
    Command::new(bin)
}

/// A team database on a new local cluster: the migrations, `seed` run as the superuser (it
/// creates the organization `acme`), and the login role `manager` (its name in the cluster is
/// returned) managing `acme` with `password`. Returns the cluster, the superuser's settings
/// and the role.
pub async fn team_database_with_manager(
    seed: &str,
    password: String,
) -> (TestCluster, switchboard_postgres::ConnectSettings, String) {
    use switchboard_postgres::grant::{Grant, grant};
    let cluster = TestCluster::start_local().expect("cluster starts");
    let admin = cluster.admin_url();
    let admin_settings = switchboard_postgres::ConnectSettings::from_url(&admin).unwrap();
    switchboard_postgres::migrate::migrate(&admin_settings)
        .await
        .expect("migrations apply");
    psql(&cluster, &admin, seed);
    let role = cluster.role_name("manager");
    grant(
        &admin_settings,
        &Grant {
            role: role.clone(),
            organization: "acme".into(),
            display_name: None,
        },
        || Ok(password),
    )
    .await
    .expect("grant");
    (cluster, admin_settings, role)
}

/// The filter of every number of an organization, as the app's table sends it unfiltered.
pub fn every_number_of(organization_id: String) -> switchboard_app::dto::NumberFilter {
    switchboard_app::dto::NumberFilter {
        organization_id,
        search: None,
        provider: None,
        status: None,
        agent: None,
        capabilities: Vec::new(),
        country: None,
        readiness: None,
        needs_attention: false,
        number_type: None,
        alarm: None,
    }
}

/// Whether a test that needs the real Secret Service runs: false, saying so, when
/// `SWITCHBOARD_SKIP_VAULT_TESTS=1`; a failure naming how to run the test file `test` when
/// there is no D-Bus session.
pub fn secret_service_required(test: &str) -> bool {
    if std::env::var("SWITCHBOARD_SKIP_VAULT_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("SWITCHBOARD_SKIP_VAULT_TESTS=1: skipping a test that needs a Secret Service");
        return false;
    }
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a real Secret Service: run it inside scripts/with-secret-service.sh \
         cargo test -p switchboard-app --test {test} (or set SWITCHBOARD_SKIP_VAULT_TESTS=1 to \
         skip it explicitly)"
    );
    true
}

/// The fakes with `twilio_numbers` Twilio numbers, on a runtime of their own (keep both for
/// as long as the test runs), and a vault service name of the test's own.
pub fn fakes_and_vault(
    twilio_numbers: usize,
    test: &str,
) -> (
    tokio::runtime::Runtime,
    switchboard_fake_providers::FakeProviders,
    String,
) {
    let runtime = fakes_runtime();
    let config = switchboard_fake_providers::FakeConfig {
        twilio_numbers,
        ..switchboard_fake_providers::FakeConfig::default()
    };
    let fakes = runtime
        .block_on(switchboard_fake_providers::FakeProviders::start(config))
        .expect("fakes start");
    let service = format!(
        "dev.switchboard.test.{test}.{}",
        uuid::Uuid::new_v4().simple()
    );
    (runtime, fakes, service)
}

/// Runs the test `name` of this binary again as a child process ([`run_as_child`]) next to the
/// fakes with `twilio_numbers` Twilio numbers: the child reaches the fake Twilio and keeps its
/// secrets under a vault service of its own (`test` names it). Does nothing where no Secret
/// Service runs, as [`secret_service_required`] says.
pub fn in_child_with_fake_twilio(
    name: &str,
    child_var: &str,
    done: &str,
    twilio_numbers: usize,
    test: &str,
) {
    use switchboard_fake_providers::FakeKind;
    if !secret_service_required(test) {
        return;
    }
    let (_runtime, fakes, service) = fakes_and_vault(twilio_numbers, test);
    run_as_child(name, child_var, done, |cmd, _| {
        cmd.env(FakeKind::Twilio.env_var(), fakes.base_url(FakeKind::Twilio))
            .env("SWITCHBOARD_VAULT_SERVICE", &service);
    });
}

/// In the child of [`in_child_with_fake_twilio`]: the mock app with acme
/// ([`mock_app_with_acme`]), the fake Twilio's account added to acme (its token in the vault)
/// and the account's numbers added; acme's id, and the numbers.
pub async fn acme_with_fake_twilio(
    dir: &Path,
) -> (
    AppHandle<MockRuntime>,
    String,
    Vec<switchboard_core::domain::E164>,
) {
    use switchboard_app::{accounts, commands};
    use switchboard_fake_providers::creds;
    let (app, org) = mock_app_with_acme(dir).await;
    let org = org.to_string();
    accounts::add_account(app.state(), org.clone(), fake_twilio_account())
        .await
        .expect("account added");
    let client = providers::connect(
        switchboard_core::domain::Provider::Twilio,
        creds::TWILIO_ACCOUNT_SID,
    )
    .await
    .expect("client");
    let listing = client
        .list_numbers(&|_| {}, &tokio_util::sync::CancellationToken::new())
        .await
        .expect("listing");
    let numbers: Vec<_> = listing
        .numbers
        .into_iter()
        .map(|n| n.phone_number)
        .collect();
    for n in &numbers {
        let new = twilio_number(n.as_str());
        commands::add_number(app.clone(), app.state(), org.clone(), new)
            .await
            .expect("number added");
    }
    (app, org, numbers)
}
