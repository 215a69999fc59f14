//! Switchboard's desktop app: Tauri commands that translate between the web UI and
//! `switchboard-core`. No rule lives here; see `commands` for the contract, `dto` for the
//! types that cross IPC, and `state` for how the workspace is shared.

pub mod accounts;
pub mod bindings;
pub mod commands;
pub mod dto;
pub mod error;
pub mod logging;
pub mod providers;
pub mod reverify;
pub mod settings;
pub mod startup;
pub mod state;
pub mod sync;
pub mod team;
pub mod webview;

use std::sync::OnceLock;
use std::time::Instant;

use tauri::Manager;

static STARTED: OnceLock<Instant> = OnceLock::new();

/// When [`run`] was entered (for the startup measurement).
pub fn started() -> Instant {
    *STARTED.get_or_init(Instant::now)
}

/// Builds and runs the app until its last window closes.
pub fn run() {
    started();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            if let Ok(dir) = app.path().app_log_dir() {
                logging::init(&dir);
            }
            if let Some(window) = app.get_webview_window("main")
                && let Err(e) = webview::configure(&window)
            {
                tracing::warn!(error = %e, "web view rendering left at WebKit's default");
            }
            app.manage(providers::ProviderTasks::default());
            app.manage(sync::SyncState::default());
            // Never fails: a workspace that cannot be opened is shown in the window.
            startup::start(app.handle(), state::default_workspace_path());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            startup::startup_status,
            startup::retry_startup,
            commands::workspace_info,
            commands::list_organizations,
            commands::add_organization,
            commands::list_agents,
            commands::add_agent,
            commands::list_numbers,
            commands::count_numbers,
            commands::get_number,
            commands::check_number,
            commands::add_number,
            commands::update_number,
            commands::remove_number,
            commands::bulk_update,
            commands::cancel_task,
            commands::seed_demo,
            commands::get_settings,
            commands::save_settings,
            commands::startup_painted,
            accounts::list_accounts,
            accounts::add_account,
            accounts::verify_account,
            accounts::check_account,
            accounts::remove_account,
            providers::import_preview,
            providers::import_numbers,
            providers::verify_numbers,
            providers::bulk_set_webhooks,
            providers::plan_webhooks,
            providers::set_webhooks,
            providers::number_drift,
            providers::search_available,
            providers::buy_number,
            providers::release_number,
            team::save_profile,
            team::remove_profile,
            team::password_stored,
            team::test_connection,
            team::open_workspace,
            team::list_conflicts,
            team::resolve_conflict,
            sync::team_status,
            sync::sync_now,
            sync::cancel_sync,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("switchboard: {e}");
        std::process::exit(1);
    }
}
