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
