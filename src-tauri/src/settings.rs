//! Settings, kept by tauri-plugin-store in `settings.json` in the app's data directory, and
//! the connection profiles, kept in the one profile file the CLI uses too
//! (`switchboard_postgres::profiles`): a profile saved by `switchboard-cli profiles add` is
//! listed here, and one saved here is the CLI's `--profile NAME`. [`load`] fills
//! `Settings::profiles` from that file; [`save`] never writes profiles to `settings.json`.
//! Only the backend touches the store; the webview has no store permission and goes through
//! the `get_settings`/`save_settings` commands. No secret is ever written here: [`Settings`]
//! has no field for one (passwords go to the OS vault).
//!
//! A settings file that cannot be read is never overwritten: the store would read it as
//! empty, and the next save (the app saves the organization shown at every start) would put
//! defaults in its place, losing the preferences. [`set_aside_unreadable`] moves it aside at
//! startup, before anything reads the settings, and says where it is.
//!
//! # The bundle identifier's change
//!
//! The app's identifier was [`FORMER_IDENTIFIER`] (`dev.switchboard.app`, which the Tauri
//! bundler warns about: `.app` is the macOS application bundle extension); it names the app's
//! data, config and log directories and was the vault's service name. [`prepare`], first
//! thing at startup, carries the former directory's settings over (copied: the former file
//! stays), moves the profiles the app kept in its settings into the one profile file
//! (`ProfileFile::merge`: an identical profile once, another under a taken name as
//! `NAME-app`, a name that is not plain made plain, each rename a startup warning; the former
//! list stays in `settings.json` under the key `formerProfiles`), and moves the vault entries of the
//! former service to the new one in the background (`Vault::carry_over_from`). Each step
//! does nothing the second time.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use switchboard_ops::app_settings;
pub use switchboard_ops::app_settings::MAX_VERIFY_INTERVAL_HOURS;
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::profiles::{Profile, ProfileFile};
use switchboard_secrets::{SecretString, Vault};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

use crate::dto::{ConnectionProfile, Settings};
use crate::error::{AppError, AppResult, ErrorCode};

/// The app's bundle identifier before `dev.switchboard.desktop`.
pub const FORMER_IDENTIFIER: &str = "dev.switchboard.app";

/// The key of `settings.json` that keeps the profiles it held before they moved to the
/// profile file (beside `settings`, which [`save`] replaces).
const FORMER_PROFILES: &str = "formerProfiles";

/// How long the background move of the former vault service's entries may take.
const VAULT_CARRY_OVER_TIMEOUT: Duration = Duration::from_secs(30);

const FILE: &str = "settings.json";
const KEY: &str = "settings";

fn settings_error(e: impl std::fmt::Display) -> AppError {
    settings_problem(format!("settings: {e}"))
}

/// A sentence of `switchboard_ops::app_settings` about the settings, as the app's error.
fn settings_problem(message: String) -> AppError {
    AppError::new(ErrorCode::Settings, message)
}

/// At startup, before the store reads the file: when the settings file is not JSON, or its
/// settings are not [`Settings`], renames it to `settings.json.unreadable-<unix seconds>` so
/// that nothing overwrites it, and returns a `Settings` error that says what happened, where
/// the file is and what to do. The app then starts with default settings.
pub fn set_aside_unreadable<R: Runtime>(app: &AppHandle<R>) -> AppResult<()> {
    let dir = app.path().app_data_dir().map_err(settings_error)?;
    set_aside_if_unreadable(
        &dir.join(FILE),
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
}

fn set_aside_if_unreadable(path: &Path, now: i64) -> AppResult<()> {
    app_settings::set_aside_if_unreadable(path, KEY, now).map_err(settings_problem)
}

/// Reads the settings, with the profiles of the one profile file; missing or unreadable
/// values fall back to defaults (a profile file that cannot be read is logged and lists no
/// profiles: saving one then names the problem).
pub fn load<R: Runtime>(app: &AppHandle<R>) -> AppResult<Settings> {
    let store = app.store(FILE).map_err(settings_error)?;
    let mut settings: Settings = store
        .get(KEY)
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    settings.profiles = switchboard_ops::profiles::forms();
    Ok(settings)
}

/// Replaces the settings (not the profiles, which live in the profile file) and writes the
/// file.
pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> AppResult<()> {
    let store = app.store(FILE).map_err(settings_error)?;
    let settings = Settings {
        profiles: Vec::new(),
        ..settings.clone()
    };
    store.set(
        KEY,
        serde_json::to_value(&settings).map_err(settings_error)?,
    );
    store.save().map_err(settings_error)
}

/// First thing at startup, before anything reads the settings: carries the former bundle
/// identifier's settings over, sets an unreadable settings file aside, moves the profiles
/// the settings held into the one profile file, and starts moving the former vault
/// service's entries. Returns what the manager should know (a file set aside, a profile
/// renamed or not moved); never fails.
pub fn prepare<R: Runtime>(app: &AppHandle<R>) -> Vec<AppError> {
    let mut warnings = Vec::new();
    if let Err(e) = carry_over_former_settings(app) {
        warnings.push(e);
    }
    if let Err(e) = set_aside_unreadable(app) {
        warnings.push(e);
    }
    match move_profiles(app) {
        Ok(notes) => warnings.extend(notes),
        Err(e) => warnings.push(e),
    }
    carry_over_vault_in_background();
    warnings
}

/// Copies `settings.json` from the former identifier's data directory when this one has
/// none (the former file stays, so an older Switchboard still finds it). Also the window's
/// size and place, used from the next start (the window-state plugin has read its file
/// already).
pub fn carry_over_former_settings<R: Runtime>(app: &AppHandle<R>) -> AppResult<()> {
    let path = app.path();
    let pairs = [
        (
            path.data_dir()
                .map_err(settings_error)?
                .join(FORMER_IDENTIFIER),
            path.app_data_dir().map_err(settings_error)?,
            FILE,
        ),
        (
            path.config_dir()
                .map_err(settings_error)?
                .join(FORMER_IDENTIFIER),
            path.app_config_dir().map_err(settings_error)?,
            ".window-state.json",
        ),
    ];
    app_settings::carry_over_files(pairs).map_err(settings_problem)
}

/// Moves the profiles `settings.json` holds (the app kept them there before the one profile
/// file) into the profile file, under the file's lock. A renamed profile is a warning; the
/// open workspace follows its profile's new name. A profile that cannot be moved (its CA
/// file is gone, say) stays in the settings, named in a warning, and is tried again at the
/// next start. The moved list is kept under `formerProfiles`.
pub fn move_profiles<R: Runtime>(app: &AppHandle<R>) -> AppResult<Vec<AppError>> {
    let store = app.store(FILE).map_err(settings_error)?;
    let Some(mut value) = store.get(KEY) else {
        return Ok(Vec::new());
    };
    let stored: Vec<ConnectionProfile> = value
        .get("profiles")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(settings_error)?
        .unwrap_or_default();
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    let active = value.get("activeProfile").and_then(Value::as_str);
    let path = ProfileFile::default_path()?;
    let moved = app_settings::move_stored_profiles(&path, stored, active)?;
    if let Some(active) = &moved.active {
        value["activeProfile"] = Value::String(active.clone());
    }
    let mut former: Vec<Value> = store
        .get(FORMER_PROFILES)
        .as_ref()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for form in &moved.moved {
        former.push(serde_json::to_value(form).map_err(settings_error)?);
    }
    let staying = &moved.staying;
    value["profiles"] = serde_json::to_value(staying).map_err(settings_error)?;
    store.set(KEY, value);
    store.set(FORMER_PROFILES, Value::Array(former));
    store.save().map_err(settings_error)?;
    tracing::info!(
        moved = moved.moved.len(),
        staying = staying.len(),
        "moved the app's profiles to the profile file"
    );
    Ok(moved.notes.into_iter().map(settings_problem).collect())
}

/// Moves the vault entries of the former service name into this build's once per device,
/// on a background thread (`switchboard_ops::vault::carry_over_former_entries`). A failure
/// is logged; the next start tries again.
pub fn carry_over_vault_in_background() {
    tauri::async_runtime::spawn_blocking(|| match Vault::native() {
        Ok(vault) => switchboard_ops::vault::carry_over_and_log(&vault, VAULT_CARRY_OVER_TIMEOUT),
        Err(e) => {
            tracing::warn!(error = %AppError::from(e), "cannot carry the former vault service's entries over yet")
        }
    });
}

/// Replaces the preferences (theme, last organization, sync and re-verification intervals),
/// keeping the stored profiles and open workspace, which change only through their own
/// commands. The intervals must be in range ([`check_preferences`]).
pub fn save_preferences<R: Runtime>(app: &AppHandle<R>, preferences: Settings) -> AppResult<()> {
    check_preferences(&preferences)?;
    let stored = load(app)?;
    save(
        app,
        &Settings {
            profiles: stored.profiles,
            active_profile: stored.active_profile,
            ..preferences
        },
    )
}

/// The saved profile called `name`, as stored in the profile file shared with the CLI.
pub fn saved(name: &str) -> AppResult<Profile> {
    ProfileFile::open()?.find(name).cloned().ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("no connection profile is called {name:?}"),
        )
    })
}

/// How to connect as the saved profile `name`: from its URL as stored, with every parameter
/// the form does not show (`sslcert`, `connect_timeout`, `options`, …) and its TLS mode as
/// written (`verify-ca` stays `verify-ca`), as the CLI connects with the same profile.
pub fn saved_settings(name: &str) -> AppResult<ConnectSettings> {
    Ok(saved(name)?.settings()?)
}

/// `settings` with `password` when given, else `PGPASSWORD` (already in `settings`), else
/// the vault's entry, else none (libpq's password file, or a server that asks for none). A
/// vault that cannot be asked is logged, not fatal, as in the CLI.
pub async fn with_password(
    settings: ConnectSettings,
    password: Option<SecretString>,
) -> AppResult<ConnectSettings> {
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        return Ok(settings.with_password(password.expose_secret()));
    }
    let vault = switchboard_ops::vault::native;
    let with = move || switchboard_ops::vault::with_vault_password(settings, vault).0;
    Ok(tokio::task::spawn_blocking(with).await?)
}

/// Refuses intervals out of range, naming the value and the range
/// (`switchboard_ops::app_settings::check_preferences`).
pub fn check_preferences(preferences: &Settings) -> AppResult<()> {
    Ok(app_settings::check_preferences(preferences)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_settings_file_is_moved_aside_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        assert!(set_aside_if_unreadable(&path, 1).is_ok(), "no file is fine");
        let good = r#"{"settings":{"theme":"dark","profiles":[]},"other":1}"#;
        std::fs::write(&path, good).expect("write");
        assert!(set_aside_if_unreadable(&path, 2).is_ok());
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), good);

        for (now, broken) in [
            (3, r#"{"settings":{"theme":"dark","profiles":[{"name":"#),
            (4, r#"{"settings":{"profiles":"team"}}"#),
        ] {
            std::fs::write(&path, broken).expect("write");
            let e = set_aside_if_unreadable(&path, now).expect_err(broken);
            assert_eq!(e.code, ErrorCode::Settings);
            let aside = dir.path().join(format!("{FILE}.unreadable-{now}"));
            assert!(
                e.message.contains(&aside.display().to_string()),
                "{}",
                e.message
            );
            assert!(
                e.message
                    .contains("move it back while Switchboard is closed"),
                "{}",
                e.message
            );
            assert_eq!(std::fs::read_to_string(&aside).expect("kept aside"), broken);
            assert!(!path.exists());
        }
    }

    #[test]
    fn the_bundle_identifier_does_not_end_in_app_and_names_the_vault_service() {
        let conf: Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json");
        let id = conf["identifier"].as_str().expect("an identifier");
        // The bundler's warning: "… ends with `.app`. This is not recommended because it
        // conflicts with the application bundle extension on macOS."
        assert!(!id.ends_with(".app"), "{id}");
        assert_ne!(id, FORMER_IDENTIFIER);
        assert_eq!(id, switchboard_secrets::RELEASE_SERVICE);
        assert_eq!(
            FORMER_IDENTIFIER,
            switchboard_secrets::FORMER_RELEASE_SERVICE
        );
    }

    #[test]
    fn intervals_out_of_range_are_refused_by_name() {
        assert!(check_preferences(&Settings::default()).is_ok());
        let off = Settings {
            verify_interval_hours: 0,
            ..Settings::default()
        };
        assert!(check_preferences(&off).is_ok());
        let long = Settings {
            verify_interval_hours: 721,
            ..Settings::default()
        };
        let e = check_preferences(&long).expect_err("721 hours");
        assert!(e.message.contains("721 hours"), "{}", e.message);
        let fast = Settings {
            sync_interval_secs: 1,
            ..Settings::default()
        };
        let e = check_preferences(&fast).expect_err("1 s");
        assert!(e.message.contains("sync interval"), "{}", e.message);
    }
}
