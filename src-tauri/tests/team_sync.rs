//! The team-workspace commands (`team.rs`, `sync.rs`, over `state.rs`) called as the webview
//! calls them — with a real `AppHandle`, managed `State` and `Channel` from Tauri's mock
//! runtime — against a real PostgreSQL (a throwaway cluster, `switchboard-test-postgres`) and
//! a cache file in a temporary directory: save a profile, open it, sync (progress through the
//! channel and `team://status`, rows done of total), edit online (on the server at once),
//! stop the server (offline reported, the edit waits in the outbox), start it (the outbox
//! replays), and a conflict of an offline edit surfaced and resolved.
//!
//! The test runs itself again as a child process with its environment set (`PGPASSWORD`, so
//! the vault is not needed for the database password; `HOME`/XDG directories, so settings and
//! the cache land in a temporary directory): the workspace forbids `unsafe`, and with it
//! `std::env::set_var`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use switchboard_app::dto::{
    Connection, ConnectionProfile, KeepVersion, NumberChange, NumberFilter, SyncProgress,
    TeamStatus, TlsMode,
};
use switchboard_app::error::ErrorCode;
use switchboard_app::state::AppState;
use switchboard_app::{commands, sync, team};
use switchboard_postgres::grant::{Grant, grant};
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::test::MockRuntime;
use tauri::{AppHandle, Listener, Manager};

const CHILD: &str = "SWITCHBOARD_TEAM_SYNC_TEST_DIR";
const ROWS: u32 = 240;

#[test]
fn a_team_workspace_syncs_goes_offline_replays_and_surfaces_a_conflict() {
    match std::env::var_os(CHILD) {
        Some(dir) => tauri::async_runtime::block_on(day(PathBuf::from(dir))),
        None => run_as_child(),
    }
}

fn run_as_child() {
    support::run_as_child(
        "a_team_workspace_syncs_goes_offline_replays_and_surfaces_a_conflict",
        CHILD,
        "team day done",
        |child, dir| {
            child
                .env("SWITCHBOARD_CACHE_DIR", dir.join("cache"))
                .env("PGPASSWORD", password())
                .env_remove("DATABASE_URL");
        },
    );
}

fn password() -> String {
    format!("manager-{}", std::process::id())
}

/// The role's password in the child: the parent's, passed through `PGPASSWORD`.
fn child_password() -> String {
    std::env::var("PGPASSWORD").expect("PGPASSWORD set by the parent")
}

/// A channel whose messages land in a vector, as the webview's `Channel` would receive them.
fn recording_channel() -> (Channel<SyncProgress>, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let channel = Channel::new(move |body| {
        let value = match body {
            InvokeResponseBody::Json(text) => serde_json::from_str(&text).unwrap(),
            InvokeResponseBody::Raw(_) => panic!("progress is JSON"),
        };
        sink.lock().unwrap().push(value);
        Ok(())
    });
    (channel, seen)
}

async fn sync_now(app: &AppHandle<MockRuntime>) -> (TeamStatus, Vec<Value>) {
    let (channel, seen) = recording_channel();
    let status = tokio::time::timeout(
        Duration::from_secs(60),
        sync::sync_now(app.clone(), channel),
    )
    .await
    .expect("the sync ends")
    .expect("sync_now answers");
    let seen = seen.lock().unwrap().clone();
    (status, seen)
}

async fn status(app: &AppHandle<MockRuntime>) -> TeamStatus {
    sync::team_status(app.state()).await.unwrap()
}

async fn rename(app: &AppHandle<MockRuntime>, id: &str, name: &str) {
    let n = commands::update_number(
        app.clone(),
        app.state(),
        id.to_owned(),
        vec![NumberChange::FriendlyName(Some(name.to_owned()))],
    )
    .await
    .expect("the edit is taken");
    assert_eq!(n.friendly_name.as_deref(), Some(name));
}

async fn name_in_app(app: &AppHandle<MockRuntime>, id: &str) -> Option<String> {
    commands::get_number(app.state(), id.to_owned())
        .await
        .unwrap()
        .friendly_name
}

async fn day(dir: PathBuf) {
    // The team database: schema, one organization with ROWS numbers, a manager's login role.
    let (cluster, admin, admin_settings) = support::team_database().await;
    let psql = |sql: &str| support::psql(&cluster, &admin, sql);
    psql(&format!(
        "INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
                                    credentials, metadata)
         SELECT o.id, 'twilio', '+1415' || (2000000 + g)::text, 'Line ' || g, '{{}}',
                '{{\"capabilities\": {{\"voice\": true}}}}'
         FROM organizations o, generate_series(1, {ROWS}) g WHERE o.slug = 'acme'"
    ));
    let role = cluster.role_name("manager");
    grant(
        &admin_settings,
        &Grant {
            role: role.clone(),
            organization: "acme".into(),
            display_name: None,
        },
        || Ok(child_password()),
    )
    .await
    .expect("grant");
    let server_name = |number: &str| {
        psql(&format!(
            "SELECT friendly_name FROM phone_numbers WHERE phone_number = '{number}'"
        ))
    };

    // The app, on the mock runtime, with the state its setup manages.
    let app = support::mock_app(&dir);
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = events.clone();
    app.listen_any(sync::STATUS_EVENT, move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });

    // Save the profile (no password: PGPASSWORD stands in for the vault) and open it.
    let profile = ConnectionProfile {
        name: "team".into(),
        host: "127.0.0.1".into(),
        port: admin_settings.port(),
        database: admin_settings.database().to_owned(),
        user: role.clone(),
        tls_mode: TlsMode::Disable,
        ca_file: None,
    };
    team::save_profile(app.clone(), app.state(), None, profile, None)
        .await
        .expect("profile saved");
    let info = team::open_workspace(app.clone(), app.state(), Some("team".into()))
        .await
        .expect("team workspace opens");
    assert_eq!(info.kind, "team");
    assert!(
        Path::new(&info.path).starts_with(dir.join("cache")),
        "the cache is the profile's cache file: {}",
        info.path
    );

    // First sync: a full copy, progress through the channel and in `team://status`.
    let (synced, progress) = sync_now(&app).await;
    assert_eq!(synced.connection, Connection::Online, "{synced:?}");
    assert!(synced.last_synced_at.is_some() && synced.last_error.is_none());
    assert_eq!((synced.outbox, synced.conflicts), (0, 0));
    assert!(!progress.is_empty(), "sync_now's channel received progress");
    assert!(
        progress.iter().all(|p| p["phase"].is_string()
            && p["done"].as_u64().is_some()
            && p["total"].as_u64().is_some()),
        "{progress:?}"
    );
    let copied: Vec<(u64, u64)> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s["progress"]["phase"] == "copy")
        .map(|s| {
            (
                s["progress"]["done"].as_u64().unwrap(),
                s["progress"]["total"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        copied.contains(&(u64::from(ROWS), u64::from(ROWS))),
        "the copy reported rows done of total: {copied:?}"
    );
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|s| s["connection"] == "online" && s["syncing"] == false),
        "team://status announced the sync's end"
    );
    let orgs = commands::list_organizations(app.state()).await.unwrap();
    assert_eq!(orgs.len(), 1);
    let filter = NumberFilter {
        organization_id: orgs[0].id.to_string(),
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
    };
    let count = commands::count_numbers(app.state(), filter, None)
        .await
        .unwrap();
    assert_eq!(count, f64::from(ROWS), "every row is in the cache");
    let id_of = |number: &str| {
        let r = switchboard_core::store::NumberRef::parse(number).unwrap();
        let state = app.state::<AppState>();
        async move {
            state
                .run(move |ws| ws.number(&r, None))
                .await
                .unwrap()
                .id
                .to_string()
        }
    };
    let first = id_of("+14152000001").await;
    let second = id_of("+14152000002").await;
    let third = id_of("+14152000003").await;

    // An edit online goes to the server at once (the sync reached it), and into the cache.
    rename(&app, &first, "Edited online").await;
    assert_eq!(server_name("+14152000001"), "Edited online");
    assert_eq!(
        name_in_app(&app, &first).await.as_deref(),
        Some("Edited online")
    );
    let (online, _) = sync_now(&app).await;
    assert_eq!((online.connection, online.outbox), (Connection::Online, 0));
    assert_eq!(server_name("+14152000001"), "Edited online");

    // The server stops: offline is reported, the cache stays readable, edits wait.
    let port = admin_settings.port();
    support::pg_ctl(&cluster, port, "stop");
    let (offline, _) = sync_now(&app).await;
    assert_eq!(offline.connection, Connection::Offline, "{offline:?}");
    assert_eq!(
        offline.last_error.as_ref().map(|e| e.code),
        Some(ErrorCode::Offline)
    );
    rename(&app, &second, "Edited offline").await;
    assert_eq!(
        name_in_app(&app, &second).await.as_deref(),
        Some("Edited offline")
    );
    let (still_offline, _) = sync_now(&app).await;
    assert_eq!(still_offline.connection, Connection::Offline);
    assert_eq!(still_offline.outbox, 1, "the edit waits in the outbox");
    assert_eq!(status(&app).await.outbox, 1);

    // The server is back: the outbox replays.
    support::pg_ctl(&cluster, port, "start");
    let (back, _) = sync_now(&app).await;
    assert_eq!(
        (back.connection, back.outbox),
        (Connection::Online, 0),
        "{back:?}"
    );
    assert_eq!(server_name("+14152000002"), "Edited offline");

    // A conflict: the server changes a row the cache has not seen change, and the manager,
    // offline, edits the same row before the cache learns of it.
    psql(
        "UPDATE phone_numbers SET friendly_name = 'Changed on the server' WHERE phone_number = '+14152000003'",
    );
    support::pg_ctl(&cluster, port, "stop");
    let (offline, _) = sync_now(&app).await;
    assert_eq!(offline.connection, Connection::Offline, "{offline:?}");
    rename(&app, &third, "Edited in the app").await;
    support::pg_ctl(&cluster, port, "start");
    let (conflicted, _) = sync_now(&app).await;
    assert_eq!(conflicted.connection, Connection::Online);
    assert_eq!(conflicted.conflicts, 1, "{conflicted:?}");
    let conflicts = team::list_conflicts(app.state()).await.unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.number_id, third);
    assert_eq!(
        c.mine.as_ref().and_then(|n| n.friendly_name.as_deref()),
        Some("Edited in the app")
    );
    assert_eq!(
        c.theirs.as_ref().and_then(|n| n.friendly_name.as_deref()),
        Some("Changed on the server")
    );
    assert_eq!(server_name("+14152000003"), "Changed on the server");
    team::resolve_conflict(app.clone(), app.state(), c.id, KeepVersion::Theirs)
        .await
        .expect("resolved");
    let (resolved, _) = sync_now(&app).await;
    assert_eq!(resolved.conflicts, 0, "{resolved:?}");
    assert!(team::list_conflicts(app.state()).await.unwrap().is_empty());
    assert_eq!(
        name_in_app(&app, &third).await.as_deref(),
        Some("Changed on the server")
    );
    println!("team day done");
}
