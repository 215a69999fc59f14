//! Team workspaces: connection profiles, their passwords in the OS vault, testing a
//! connection, opening a profile's offline cache as the workspace, and the conflicts a sync
//! found.
//!
//! Guarantees:
//! - A profile's password goes from the form straight to the vault
//!   (`SecretKey::database_password_at`, the same entry `switchboard-cli db password set`
//!   writes for that role and server), never to settings, logs or an IPC response; commands
//!   that take one skip it in their tracing span.
//! - Opening a team workspace needs no network: it opens the profile's cache (the file the CLI
//!   uses for the same server, database and role) and starts a sync (see `sync`). Every read
//!   command then works on the cache unchanged; edits follow the team edit policy of
//!   `switchboard_ops` (to the server once a sync reached it, else queued).
//! - Profiles change only through these commands (`save_settings` keeps them as stored), and
//!   live in the one profile file `switchboard-cli profiles` uses
//!   (`switchboard_postgres::profiles`): a profile saved by either is listed by both.

use switchboard_ops::profiles::{self, Forget};
use switchboard_ops::vault::{self, password_key};
use switchboard_postgres::profiles::ProfileFile;
use switchboard_secrets::SecretString;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::dto::{
    ConnectionProfile, ConnectionTest, KeepVersion, Settings, SyncConflict, WorkspaceInfo,
};
use crate::error::{AppError, AppResult};
use crate::events::{ORGANIZATIONS_CHANGED, WORKSPACE_CHANGED};
use crate::settings;
use crate::state::{AppState, Source};
use crate::sync;

/// The saved profile called `name` as the app's form shows it.
pub fn profile<R: Runtime>(_app: &AppHandle<R>, name: &str) -> AppResult<ConnectionProfile> {
    Ok(ConnectionProfile::of(&settings::saved(name)?)?)
}

/// Adds a profile, or replaces the one called `original_name`, in the profile file shared
/// with the CLI (under its lock, so a profile the CLI saves meanwhile stays); stores
/// `password` (when given) in the vault first, so a vault that refuses leaves everything as
/// it was. Returns the settings. Editing the open profile reopens it.
#[tauri::command]
#[tracing::instrument(skip(app, _state, password), err)]
pub async fn save_profile<R: Runtime>(
    app: AppHandle<R>,
    _state: State<'_, AppState>,
    original_name: Option<String>,
    profile: ConnectionProfile,
    password: Option<String>,
) -> AppResult<Settings> {
    let path = ProfileFile::default_path()?;
    let password = password.map(SecretString::new);
    let saved = tokio::task::spawn_blocking(move || {
        let original = original_name.as_deref();
        profiles::save_form(&path, original, &profile, password, vault::native)
    })
    .await??;
    let (name, original) = (saved.name, saved.original);
    let mut current = settings::load(&app)?;
    let reopen = original.is_some() && current.active_profile == original;
    if reopen {
        current.active_profile = Some(name.clone());
        settings::save(&app, &current)?;
        open(&app, Some(name)).await?;
    }
    settings::load(&app)
}

/// Removes a profile from the profile file shared with the CLI (opening the local workspace
/// if it was open), and its password from the vault when `forget_password`. The cache file
/// stays (the CLI may use it).
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn remove_profile<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    forget_password: bool,
) -> AppResult<Settings> {
    settings::saved(&name)?;
    let forget = if forget_password {
        Forget::Always
    } else {
        Forget::Never
    };
    let path = ProfileFile::default_path()?;
    let gone = name.clone();
    tokio::task::spawn_blocking(move || profiles::remove(&path, &gone, forget, vault::native))
        .await??;
    if let Source::Team { profile } = state.source()
        && profile == name
    {
        open(&app, None).await?;
    }
    let mut current = settings::load(&app)?;
    if current.active_profile.as_deref() == Some(&name) {
        current.active_profile = None;
        settings::save(&app, &current)?;
    }
    Ok(current)
}

/// Whether the vault holds a password for the profile's role and server.
#[tauri::command]
#[tracing::instrument(err)]
pub async fn password_stored(profile: ConnectionProfile) -> AppResult<bool> {
    let key = password_key(&profile.connect_settings()?);
    Ok(vault::native()?.contains(&key).await?)
}

/// Connects as the profile (with `password` when given, else the stored one): reports the
/// server, role and schema warnings, or the error as it is (offline, bad password, a role
/// row-level security does not bind, a schema Switchboard cannot use).
#[tauri::command]
#[tracing::instrument(skip(password), err)]
pub async fn test_connection(
    profile: ConnectionProfile,
    password: Option<String>,
) -> AppResult<ConnectionTest> {
    let password = password.map(SecretString::new);
    let settings = settings::with_password(profile.connect_settings()?, password).await?;
    Ok(switchboard_ops::profiles::test_connection(&settings).await?)
}

/// Opens the local workspace (`None`) or a profile's cache, without touching settings; then
/// starts its sync. Blocking part (opening the file) on the blocking pool.
async fn open<R: Runtime>(
    app: &AppHandle<R>,
    profile_name: Option<String>,
) -> AppResult<WorkspaceInfo> {
    let handle = app.clone();
    let opened = tokio::task::spawn_blocking(move || {
        handle
            .state::<AppState>()
            .open_profile(profile_name.as_deref())
    })
    .await??;
    let info = opened.info();
    tracing::info!(path = info.path, profile = ?info.profile, "workspace open");
    sync::workspace_opened(app, &opened);
    let _ = app.emit(WORKSPACE_CHANGED, &info);
    let _ = app.emit(ORGANIZATIONS_CHANGED, ());
    Ok(info)
}

/// At startup: opens the workspace the settings name (a team profile's cache needs no
/// network), falling back to the local workspace when that profile cannot be opened; returns
/// that failure then, for the window to show.
pub fn open_at_startup<R: Runtime>(app: &AppHandle<R>) -> Option<AppError> {
    let state = app.state::<AppState>();
    let active = settings::load(app).ok().and_then(|s| s.active_profile);
    let name = active?;
    match state.open_profile(Some(&name)) {
        Ok(opened) => {
            tracing::info!(profile = name, "team workspace open");
            sync::workspace_opened(app, &opened);
            None
        }
        Err(e) => {
            tracing::warn!(profile = name, error = %e, "cannot open the team workspace; using the local one");
            Some(AppError::new(
                e.code,
                format!(
                    "the team workspace {name:?} could not be opened ({}); the local workspace \
                     is shown instead: open the team workspace again from the workspace button \
                     once that is fixed",
                    e.message
                ),
            ))
        }
    }
}

/// Opens the local workspace (`profile` null) or a profile's team workspace, and remembers
/// the choice.
#[tauri::command]
#[tracing::instrument(skip(app, _state), err)]
pub async fn open_workspace<R: Runtime>(
    app: AppHandle<R>,
    _state: State<'_, AppState>,
    profile: Option<String>,
) -> AppResult<WorkspaceInfo> {
    let info = open(&app, profile.clone()).await?;
    let mut current = settings::load(&app)?;
    current.active_profile = profile;
    settings::save(&app, &current)?;
    Ok(info)
}

/// The offline edits the server did not take, with both versions.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_conflicts(state: State<'_, AppState>) -> AppResult<Vec<SyncConflict>> {
    Ok(state.current().conflicts().await?)
}

/// Keeps one version of a conflicting edit (mine: sent with the next sync, which starts now;
/// theirs: the edit is dropped).
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn resolve_conflict<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
    keep: KeepVersion,
) -> AppResult<SyncConflict> {
    let resolved = state.current().resolve_conflict(id, keep).await?;
    let number = vec![resolved.number_id.clone()];
    sync::edited(&app, &resolved.organization_id, number);
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::TlsMode;
    use crate::error::ErrorCode;
    use switchboard_postgres::ConnectSettings;
    use switchboard_secrets::SecretKey;

    fn profile(host: &str, user: &str) -> ConnectionProfile {
        ConnectionProfile {
            name: " team ".into(),
            host: host.into(),
            port: 5432,
            database: " switchboard ".into(),
            user: user.into(),
            tls_mode: TlsMode::Disable,
            ca_file: None,
        }
    }

    /// The form as saved (the profile file's entry is checked in `switchboard_postgres`).
    fn check_profile(form: &ConnectionProfile) -> AppResult<ConnectionProfile> {
        let (saved, clean) = form.checked(None)?;
        assert_eq!(saved.name, clean.name);
        assert_eq!(
            saved.settings()?.server(),
            clean.connect_settings()?.server()
        );
        Ok(clean)
    }

    #[test]
    fn profiles_are_trimmed_and_checked_by_the_connection_rules() {
        let p = check_profile(&profile(" db.example.com ", "alice")).expect("valid");
        assert_eq!(
            (p.name.as_str(), p.host.as_str(), p.database.as_str()),
            ("team", "db.example.com", "switchboard")
        );
        // Names are the CLI's: the same file holds both shells' profiles.
        let e = check_profile(&ConnectionProfile {
            name: "Team West".into(),
            ..profile("db.example.com", "alice")
        })
        .expect_err("not a plain name");
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("invalid profile name"), "{}", e.message);
        let e = check_profile(&profile("db/x", "alice")).expect_err("bad host");
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("host"), "{}", e.message);
        let e = check_profile(&profile("db", "")).expect_err("no user");
        assert!(e.message.contains("user"), "{}", e.message);
    }

    #[test]
    fn a_new_profile_verifies_the_certificate_and_may_name_its_ca() {
        assert_eq!(TlsMode::default(), TlsMode::VerifyFull);
        // A profile saved before the CA file existed still loads.
        let old: ConnectionProfile = serde_json::from_str(
            r#"{"name":"t","host":"db.example.com","port":5432,"database":"d","user":"u",
                "tlsMode":"require"}"#,
        )
        .expect("an older profile");
        assert_eq!(old.ca_file, None);
        let weak = check_profile(&ConnectionProfile {
            tls_mode: TlsMode::Require,
            ..profile("db.example.com", "alice")
        })
        .expect("valid");
        let warning = weak.connect_settings().expect("settings").tls_warning();
        assert!(warning.is_some_and(|w| w.contains("TLS mode require")));
        let missing = ConnectionProfile {
            tls_mode: TlsMode::VerifyFull,
            ca_file: Some(" /nonexistent/ca.pem ".into()),
            ..profile("db.example.com", "alice")
        };
        let e = check_profile(&missing).expect_err("no such CA file");
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("/nonexistent/ca.pem"), "{}", e.message);
        let blank = check_profile(&ConnectionProfile {
            ca_file: Some("  ".into()),
            ..profile("db.example.com", "alice")
        })
        .expect("a blank CA file is none");
        assert_eq!(blank.ca_file, None);
    }

    #[test]
    fn a_profile_shares_the_clis_cache_file_and_vault_entry() {
        let p = check_profile(&profile("::1", "alice")).expect("valid");
        let from_profile = p.connect_settings().expect("settings");
        let from_url =
            ConnectSettings::from_url("postgres://alice@[::1]:5432/switchboard?sslmode=disable")
                .expect("url");
        assert_eq!(
            switchboard_sync::cache_path(&from_profile).expect("path"),
            switchboard_sync::cache_path(&from_url).expect("path")
        );
        assert_eq!(password_key(&from_profile), password_key(&from_url));
        assert_eq!(
            password_key(&from_profile),
            SecretKey::database_password("::1", 5432, "switchboard", "alice")
        );
    }

    #[test]
    fn settings_have_no_place_for_a_password() {
        let mut s = Settings::default();
        s.profiles.push(profile("db", "alice"));
        let json = serde_json::to_value(&s).expect("serializes");
        let keys: Vec<&String> = json["profiles"][0]
            .as_object()
            .expect("object")
            .keys()
            .collect();
        assert_eq!(
            keys,
            ["name", "host", "port", "database", "user", "tlsMode"]
        );
        assert_eq!(json["syncIntervalSecs"], 60);
    }
}
