//! Declares the app's commands so Tauri generates an `allow-<command>` permission for each;
//! `capabilities/main.json` then grants exactly the ones the UI uses.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(switchboard_commands());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}

/// Keep in step with `commands::handler()` in src/lib.rs.
fn switchboard_commands() -> &'static [&'static str] {
    &[
        // Starting (src/startup.rs): why the workspace did not open, and trying again.
        "startup_status",
        "retry_startup",
        "workspace_info",
        "list_organizations",
        "add_organization",
        "list_agents",
        "add_agent",
        "list_numbers",
        "count_numbers",
        "get_number",
        "check_number",
        "add_number",
        "update_number",
        "remove_number",
        "bulk_update",
        "cancel_task",
        "seed_demo",
        "get_settings",
        "save_settings",
        "startup_painted",
        // Provider features (src/accounts.rs, src/providers.rs).
        "list_accounts",
        "add_account",
        "verify_account",
        "check_account",
        "remove_account",
        "import_preview",
        "import_numbers",
        "verify_numbers",
        "bulk_set_webhooks",
        "plan_webhooks",
        "set_webhooks",
        "number_drift",
        "search_available",
        "buy_number",
        "release_number",
        "save_profile",
        "remove_profile",
        "password_stored",
        "test_connection",
        "open_workspace",
        "list_conflicts",
        "resolve_conflict",
        "team_status",
        "sync_now",
        "cancel_sync",
    ]
}
