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

/// Replaces the preferences (theme, last organization, sync interval), keeping the stored
/// profiles and open workspace, which change only through their own commands. The interval
/// must be within [`crate::sync::INTERVAL_RANGE`].
pub fn save_preferences<R: Runtime>(app: &AppHandle<R>, preferences: Settings) -> AppResult<()> {
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
