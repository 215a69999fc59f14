//! Numbers to and from files the manager picks in the OS's file dialog (issue #17): what the
//! numbers table shows, exported as CSV or JSON; a CSV file imported into an organization, all
//! of it or nothing, with every bad line named. The dialog is opened from here
//! (tauri-plugin-dialog) and the path it returns goes straight to the operation
//! (`switchboard_ops::actions::export_matching_to`, `import_file`): the web view holds no
//! dialog, file system or path permission and never names a file.

use std::path::{Path, PathBuf};

use serde::Serialize;
use switchboard_core::transfer::{Format, ImportOptions};
use switchboard_core::usage::HealthState;
use switchboard_ops::actions;
use switchboard_ops::usage::ByHealth;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};
use ts_rs::TS;

use crate::dto::{NumberQuery, parse_id};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::announce;
use crate::state::AppState;

/// A file written or read: where, and how many numbers.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FileDone {
    /// The file, as the dialog chose it.
    pub path: String,
    /// Numbers written to it, or imported from it.
    pub count: f64,
}

/// Writes the numbers `query` matches — every page of the table's search, filters and order,
/// and its Health filter when `health` is given — to a file the manager chooses in the save
/// dialog, as `format`; `None` when the dialog is closed without a file.
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn export_numbers<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query: NumberQuery,
    health: Option<HealthState>,
    format: Format,
) -> AppResult<Option<FileDone>> {
    let query = query.into_core()?;
    let inv = state.inventory();
    let org = inv
        .organization(&query.filter.organization_id.to_string())
        .await?;
    let ext = extension(format);
    let dialog = app
        .dialog()
        .file()
        .set_title("Export numbers")
        .add_filter(ext.to_uppercase(), &[ext])
        .set_file_name(format!("{}-numbers.{ext}", org.slug));
    let Some(path) = chosen(dialog, Dialog::Save).await? else {
        return Ok(None);
    };
    let health = health.map(ByHealth::today);
    let count = actions::export_matching_to(&*inv, &query, health, format, &path).await?;
    Ok(Some(done(&path, count)))
}

/// Imports a CSV file the manager chooses in the open dialog into the organization, as
/// `numbers import` does: every row checked first, all of them written or, when a row is bad,
/// none (the error names each bad line); `None` when the dialog is closed without a file.
#[tauri::command]
#[tracing::instrument(skip(app, state), err)]
pub async fn import_numbers_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
) -> AppResult<Option<FileDone>> {
    let org = parse_id("organization", &organization_id)?;
    let dialog = app
        .dialog()
        .file()
        .set_title("Import numbers from a CSV file")
        .add_filter("CSV", &["csv"]);
    let Some(path) = chosen(dialog, Dialog::Open).await? else {
        return Ok(None);
    };
    let report =
        actions::import_file(&*state.inventory(), org, &path, &ImportOptions::default()).await?;
    announce(&app, &organization_id, Vec::new());
    Ok(Some(done(&path, report.inserted)))
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Json => "json",
    }
}

fn done(path: &Path, count: u64) -> FileDone {
    FileDone {
        path: path.display().to_string(),
        // f64: exact up to 2^53, and a plain `number` in TypeScript.
        count: count as f64,
    }
}

/// Which dialog.
enum Dialog {
    Open,
    Save,
}

/// The file chosen in the dialog, without blocking a thread while it is open; `None` when it
/// was closed without one.
async fn chosen<R: Runtime>(
    dialog: FileDialogBuilder<R>,
    which: Dialog,
) -> AppResult<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let answer = move |path: Option<FilePath>| {
        let _ = tx.send(path);
    };
    match which {
        Dialog::Open => dialog.pick_file(answer),
        Dialog::Save => dialog.save_file(answer),
    }
    let Ok(Some(path)) = rx.await else {
        return Ok(None);
    };
    path.into_path()
        .map(Some)
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, format!("not a local file: {e}")))
}
