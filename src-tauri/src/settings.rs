//! Settings and connection profiles, kept by tauri-plugin-store in `settings.json` in the
//! app's data directory. Only the backend touches the store; the webview has no store
//! permission and goes through the `get_settings`/`save_settings` commands. No secret is ever
//! written here: [`Settings`] has no field for one (passwords go to the OS vault).

use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::dto::Settings;
use crate::error::{AppError, AppResult, ErrorCode};

const FILE: &str = "settings.json";
const KEY: &str = "settings";

fn settings_error(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Settings, format!("settings: {e}"))
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
