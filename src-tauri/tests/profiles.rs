//! One profile store for the CLI and the app, and the bundle identifier's change from
//! `dev.switchboard.app` (which the Tauri bundler warns about) to `dev.switchboard.desktop`.
//!
//! A device that ran the former app: its settings in the former identifier's data directory,
//! profiles in those settings, and the CLI's own `profiles.json`. On the first start of this
//! version (`settings::prepare`, on Tauri's mock runtime with the real identifier), the
//! settings come over, every profile lands in the one file (identical ones once, a different
//! one under a taken name as `NAME-app`, names made plain, the open workspace following its
//! profile), nothing is lost and a second start changes nothing. Then a profile saved (or
//! removed) by the app's commands is listed (or gone) for the CLI binary, and one the CLI
//! saves is listed by the app's command.
//!
//! The test runs itself again as a child process with `HOME`/XDG directories in a temporary
//! directory (see `support`): the workspace forbids `unsafe`, and with it `set_var`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use switchboard_app::dto::{ConnectionProfile, Theme, TlsMode};
use switchboard_app::state::AppState;
use switchboard_app::{commands, settings, team};
use switchboard_postgres::ConnectSettings;
use tauri::Manager;
use tauri::test::{mock_builder, mock_context, noop_assets};

const CHILD: &str = "SWITCHBOARD_PROFILES_TEST_DIR";
const NAME: &str =
    "the_former_identifiers_settings_and_profiles_come_over_once_and_both_shells_share_them";

#[test]
fn the_former_identifiers_settings_and_profiles_come_over_once_and_both_shells_share_them() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(first_start(PathBuf::from(dir))),
        None => support::run_as_child(NAME, CHILD, "profiles done", |child, dir| {
            child
                .env_remove("SWITCHBOARD_PROFILES")
                .env_remove("SWITCHBOARD_VAULT_FORMER_SERVICE")
                .env("SWITCHBOARD_CACHE_DIR", dir.join("cache"))
                .env(
                    "SWITCHBOARD_VAULT_SERVICE",
                    format!("dev.switchboard.test.app-profiles.{}", std::process::id()),
                );
        }),
    }
}

fn cli_ok(args: &[&str]) -> String {
    let out = support::cli().args(args).output().expect("the CLI runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn write(path: &Path, value: &Value) -> Vec<u8> {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes = serde_json::to_vec_pretty(value).unwrap();
    std::fs::write(path, &bytes).unwrap();
    bytes
}

fn names(profiles: &[ConnectionProfile]) -> Vec<&str> {
    profiles.iter().map(|p| p.name.as_str()).collect()
}

async fn first_start(dir: PathBuf) {
    let home = dir.join("home");
    let data = home.join(".local/share");
    let former_settings = data.join("dev.switchboard.app/settings.json");
    let former = write(
        &former_settings,
        &json!({"settings": {
            "theme": "dark",
            "lastOrganizationId": "org-7",
            "profiles": [
                {"name": "Team West", "host": "db.example.com", "port": 5432, "database": "sw",
                 "user": "alice", "tlsMode": "verify-full"},
                {"name": "team", "host": "other.example.com", "port": 5433, "database": "sw",
                 "user": "bob", "tlsMode": "require"},
                {"name": "shared", "host": "db.example.com", "port": 5432, "database": "sw",
                 "user": "carol", "tlsMode": "verify-full"},
                {"name": "gone-ca", "host": "db.example.com", "port": 5432, "database": "sw",
                 "user": "dan", "tlsMode": "verify-full", "caFile": "/nonexistent/ca.pem"}
            ],
            "activeProfile": "Team West",
            "syncIntervalSecs": 120,
            "verifyIntervalHours": 12
        }}),
    );
    let profiles_file = home.join(".config/switchboard/profiles.json");
    write(
        &profiles_file,
        &json!({"version": 1, "profiles": [
            {"name": "team", "database_url": "postgres://erin@cli.example.com/sw"},
            {"name": "shared", "database_url": "postgres://carol@db.example.com/sw"}
        ]}),
    );

    let mut context = mock_context(noop_assets());
    context.config_mut().identifier = "dev.switchboard.desktop".into();
    let app = mock_builder()
        .plugin(tauri_plugin_store::Builder::default().build())
        .build(context)
        .expect("the app builds");
    app.manage(AppState::open(&dir.join("local.db")).expect("local workspace"));
    app.manage(switchboard_app::sync::SyncState::default());
    app.manage(switchboard_app::providers::ProviderTasks::default());
    let app = app.handle().clone();
    assert_eq!(
        app.path().app_data_dir().unwrap(),
        data.join("dev.switchboard.desktop")
    );

    // First start: settings carried over, profiles moved, renames and a failure named.
    let warnings: Vec<String> = settings::prepare(&app)
        .into_iter()
        .map(|w| w.message)
        .collect();
    let said = |what: &str| warnings.iter().any(|w| w.contains(what));
    assert!(
        said("\"Team West\" is now called \"team-west\""),
        "{warnings:?}"
    );
    assert!(said("\"team\" is now called \"team-app\""), "{warnings:?}");
    assert!(said("\"gone-ca\" was not moved"), "{warnings:?}");
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    let s = settings::load(&app).unwrap();
    assert_eq!(s.theme, Theme::Dark);
    assert_eq!(s.last_organization_id.as_deref(), Some("org-7"));
    assert_eq!((s.sync_interval_secs, s.verify_interval_hours), (120, 12));
    assert_eq!(s.active_profile.as_deref(), Some("team-west"));
    assert_eq!(
        names(&s.profiles),
        ["team", "shared", "team-west", "team-app"]
    );
    let team_app = &s.profiles[3];
    assert_eq!(
        (
            team_app.host.as_str(),
            team_app.port,
            team_app.user.as_str()
        ),
        ("other.example.com", 5433, "bob")
    );
    assert_eq!(team_app.tls_mode, TlsMode::Require);
    assert_eq!(
        s.profiles[0].host, "cli.example.com",
        "the CLI's profile keeps its name"
    );
    // Nothing lost: the former file as it was, the profile not moved kept in the settings,
    // the moved ones listed under formerProfiles.
    assert_eq!(std::fs::read(&former_settings).unwrap(), former);
    let new_settings: Value = serde_json::from_slice(
        &std::fs::read(data.join("dev.switchboard.desktop/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(new_settings["settings"]["profiles"][0]["name"], "gone-ca");
    assert_eq!(new_settings["formerProfiles"].as_array().unwrap().len(), 3);
    let moved = std::fs::read(&profiles_file).unwrap();

    // Second start: nothing changes (the one profile that cannot move is named again).
    let again: Vec<String> = settings::prepare(&app)
        .into_iter()
        .map(|w| w.message)
        .collect();
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(again[0].contains("\"gone-ca\""), "{again:?}");
    assert_eq!(std::fs::read(&profiles_file).unwrap(), moved);
    assert_eq!(
        names(&settings::load(&app).unwrap().profiles),
        ["team", "shared", "team-west", "team-app"]
    );

    // The app saves a profile: the CLI lists it.
    let form = ConnectionProfile {
        name: "from-app".into(),
        host: "db.example.com".into(),
        port: 5432,
        database: "sw".into(),
        user: "gina".into(),
        tls_mode: TlsMode::VerifyFull,
        ca_file: None,
    };
    team::save_profile(app.clone(), app.state(), None, form, None)
        .await
        .expect("saved by the app");
    let listed: Value =
        serde_json::from_str(&cli_ok(&["profiles", "list", "--json"])).expect("JSON");
    let cli_names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        cli_names,
        ["team", "shared", "team-west", "team-app", "from-app"]
    );
    // The CLI saves one, and removes one: the app's command sees both.
    cli_ok(&[
        "profiles",
        "add",
        "from-cli",
        "--database-url",
        "postgres://hal@db.example.com/sw",
    ]);
    let s = commands::get_settings(app.clone()).await.unwrap();
    assert_eq!(
        names(&s.profiles),
        [
            "team",
            "shared",
            "team-west",
            "team-app",
            "from-app",
            "from-cli"
        ]
    );
    // The app removes one: gone for the CLI too.
    team::remove_profile(app.clone(), app.state(), "shared".into(), false)
        .await
        .expect("removed by the app");
    let err = support::cli()
        .args(["profiles", "show", "shared"])
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("not saved"));
    // A rename by the app keeps the CLI's URL parameters the form does not show.
    cli_ok(&[
        "profiles",
        "add",
        "tuned",
        "--database-url",
        "postgres://ian@db.example.com/sw?application_name=ops",
    ]);
    let tuned = team::profile(&app, "tuned").unwrap();
    team::save_profile(
        app.clone(),
        app.state(),
        Some("tuned".into()),
        ConnectionProfile {
            name: "tuned-2".into(),
            ..tuned
        },
        None,
    )
    .await
    .expect("renamed by the app");
    let shown: Value =
        serde_json::from_str(&cli_ok(&["profiles", "show", "tuned-2", "--json"])).unwrap();
    assert!(
        shown["database_url"]
            .as_str()
            .unwrap()
            .ends_with("application_name=ops"),
        "{shown}"
    );
    // Opening a saved profile connects with its URL as stored: the parameters the form does
    // not show and `verify-ca` are kept (not rebuilt from the form's fields).
    let stored = "postgres://ian@db.example.invalid:5544/sw?sslmode=verify-ca&connect_timeout=7";
    cli_ok(&["profiles", "add", "stored", "--database-url", stored]);
    team::open_workspace(app.clone(), app.state(), Some("stored".into()))
        .await
        .expect("the team workspace opens without the network");
    let state = app.state::<AppState>();
    let used = state.team().expect("a team workspace").settings().clone();
    assert_eq!(
        format!("{used:?}"),
        format!("{:?}", ConnectSettings::from_url(stored).unwrap())
    );
    assert_eq!(used.tls_mode_name(), "verify-ca");
    assert_eq!(
        format!("{:?}", settings::saved_settings("stored").unwrap()),
        format!("{used:?}")
    );
    println!("profiles done");
}
