//! Settings and connection profiles, kept by tauri-plugin-store in `settings.json` in the
//! app's data directory. Only the backend touches the store; the webview has no store
//! permission and goes through the `get_settings`/`save_settings` commands. No secret is ever
//! written here: [`Settings`] has no field for one (passwords go to the OS vault).
//!
//! A settings file that cannot be read is never overwritten: the store would read it as
//! empty, and the next save (the app saves the organization shown at every start) would put
//! defaults in its place, losing the connection profiles. [`set_aside_unreadable`] moves it
//! aside at startup, before anything reads the settings, and says where it is.

use std::path::Path;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

use crate::dto::Settings;
use crate::error::{AppError, AppResult, ErrorCode};

const FILE: &str = "settings.json";
const KEY: &str = "settings";

fn settings_error(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Settings, format!("settings: {e}"))
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
    let problem = match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(settings_error(format!("{}: {e}", path.display()))),
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Err(e) => e.to_string(),
            Ok(value) => match value
                .get(KEY)
                .cloned()
                .map(serde_json::from_value::<Settings>)
            {
                Some(Err(e)) => e.to_string(),
                None | Some(Ok(_)) => return Ok(()),
            },
        },
    };
    let aside = path.with_file_name(format!("{FILE}.unreadable-{now}"));
    std::fs::rename(path, &aside).map_err(|e| {
        settings_error(format!(
            "{} cannot be read ({problem}), nor moved aside: {e}",
            path.display()
        ))
    })?;
    Err(AppError::new(
        ErrorCode::Settings,
        format!(
            "the settings file {} could not be read ({problem}); it is kept as {} and Switchboard \
             started with default settings: add your connection profiles again, or repair that \
             file and move it back while Switchboard is closed",
            path.display(),
            aside.display()
        ),
    ))
}

/// Reads the settings; missing or unreadable values fall back to defaults.
pub fn load<R: Runtime>(app: &AppHandle<R>) -> AppResult<Settings> {
    let store = app.store(FILE).map_err(settings_error)?;
    Ok(store
        .get(KEY)
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Replaces the settings and writes the file.
pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> AppResult<()> {
    let store = app.store(FILE).map_err(settings_error)?;
    store.set(KEY, serde_json::to_value(settings).map_err(settings_error)?);
    store.save().map_err(settings_error)
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

/// Refuses intervals out of range, naming the value and the range.
pub fn check_preferences(preferences: &Settings) -> AppResult<()> {
    let range = crate::sync::INTERVAL_RANGE;
    if !range.contains(&preferences.sync_interval_secs) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "invalid sync interval: {} s is not between {} and {} s",
                preferences.sync_interval_secs,
                range.start(),
                range.end()
            ),
        ));
    }
    if preferences.verify_interval_hours > crate::reverify::MAX_INTERVAL_HOURS {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "invalid re-verification interval: {} hours is more than {} (0 turns it off)",
                preferences.verify_interval_hours,
                crate::reverify::MAX_INTERVAL_HOURS
            ),
        ));
    }
    Ok(())
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
                e.message.contains("add your connection profiles again"),
                "{}",
                e.message
            );
            assert_eq!(std::fs::read_to_string(&aside).expect("kept aside"), broken);
            assert!(!path.exists());
        }
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
