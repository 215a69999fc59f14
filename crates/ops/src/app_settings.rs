//! The desktop app's settings (`settings.json`, kept by its store plugin): their type, which
//! the app sends over IPC, their range checks, what the app does with a settings file it
//! cannot read, and how the profiles it kept there before the one profile file move into
//! that file. The app keeps only the store and the wording of its error codes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use switchboard_core::Result;

use crate::profiles::{ConnectionProfile, MovedForms, move_forms};
use crate::views::{View, check_views};

/// Color scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// The default interval between background syncs of a team workspace.
pub const DEFAULT_SYNC_INTERVAL_SECS: u32 = 60;

/// Hours between background re-verifications of a number, by default.
pub const DEFAULT_VERIFY_INTERVAL_HOURS: u32 = 24;

/// The longest re-verification interval, in hours (30 days).
pub const MAX_VERIFY_INTERVAL_HOURS: u32 = 720;

/// The app's settings, kept by tauri-plugin-store in the app's config directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Color scheme.
    pub theme: Theme,
    /// The organization shown last.
    pub last_organization_id: Option<String>,
    /// Saved team-database profiles (no passwords).
    pub profiles: Vec<ConnectionProfile>,
    /// The open workspace: a profile's name, or null for the local workspace.
    pub active_profile: Option<String>,
    /// Seconds between background syncs of a team workspace (5 to 3600).
    pub sync_interval_secs: u32,
    /// Hours after which a number with a provider account is verified again in the
    /// background (1 to 720; 0 turns it off).
    pub verify_interval_hours: u32,
    /// The numbers table's saved views ([`crate::views`]).
    pub views: Vec<View>,
    /// The view shown last, shown again at the next start.
    pub last_view: View,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::default(),
            last_organization_id: None,
            profiles: Vec::new(),
            active_profile: None,
            sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
            verify_interval_hours: DEFAULT_VERIFY_INTERVAL_HOURS,
            views: Vec::new(),
            last_view: View::default(),
        }
    }
}

/// Refuses intervals out of range, naming the value and the range (the sync interval's is
/// [`crate::sync::SYNC_INTERVAL_RANGE`]), and views that [`check_views`] refuses.
pub fn check_preferences(preferences: &Settings) -> Result<()> {
    check_views(&preferences.views, &preferences.last_view)?;
    crate::sync::check_interval(preferences.sync_interval_secs)?;
    if preferences.verify_interval_hours > MAX_VERIFY_INTERVAL_HOURS {
        return Err(switchboard_core::Error::InvalidInput {
            field: "re-verification interval".into(),
            reason: format!(
                "{} hours is more than {} (0 turns it off)",
                preferences.verify_interval_hours, MAX_VERIFY_INTERVAL_HOURS
            ),
        });
    }
    Ok(())
}

/// The cut-off `verifyIntervalHours` means: numbers verified before it are due again
/// (`None`: 0 turns re-verification off).
pub fn verified_before(
    interval_hours: u32,
    now: time::OffsetDateTime,
) -> Option<time::OffsetDateTime> {
    (interval_hours > 0).then(|| now - time::Duration::hours(i64::from(interval_hours)))
}

/// When the settings file at `path` is not JSON, or its settings (under `key`) are not
/// [`Settings`], renames it to `<file name>.unreadable-<now>` so that nothing overwrites it
/// (the store would read it as empty and the next save would put defaults in its place), and
/// returns a sentence that says what happened, where the file is and what to do. A missing
/// file is fine.
pub fn set_aside_if_unreadable(
    path: &Path,
    key: &str,
    now: i64,
) -> std::result::Result<(), String> {
    let problem = match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("settings: {}: {e}", path.display())),
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Err(e) => e.to_string(),
            Ok(value) => match value
                .get(key)
                .cloned()
                .map(serde_json::from_value::<Settings>)
            {
                Some(Err(e)) => e.to_string(),
                None | Some(Ok(_)) => return Ok(()),
            },
        },
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let aside = path.with_file_name(format!("{name}.unreadable-{now}"));
    std::fs::rename(path, &aside).map_err(|e| {
        format!(
            "settings: {} cannot be read ({problem}), nor moved aside: {e}",
            path.display()
        )
    })?;
    Err(format!(
        "the settings file {} could not be read ({problem}); it is kept as {} and Switchboard \
         started with default settings: repair that file and move it back while Switchboard \
         is closed (connection profiles saved by this version are in the profile file \
         shared with switchboard-cli)",
        path.display(),
        aside.display()
    ))
}

/// What moving the settings' profiles into the profile file did ([`move_stored_profiles`]).
#[derive(Debug, Default)]
pub struct StoredProfilesMoved {
    /// The forms moved (the settings keep them as their former profiles).
    pub moved: Vec<ConnectionProfile>,
    /// The forms that stay in the settings, to be tried again at the next start.
    pub staying: Vec<ConnectionProfile>,
    /// The open profile's name now, when it moved under another name.
    pub active: Option<String>,
    /// What the manager should know: a profile renamed, or not moved and why.
    pub notes: Vec<String>,
}

/// Moves the profiles the app's settings held (`stored`; `active` is the open one) into the
/// profile file at `path`, under its lock ([`move_forms`], renaming with the suffix `app`).
/// A renamed profile is a note and the open workspace follows its new name; a profile that
/// cannot be moved (its CA file is gone, say) stays, named in a note.
pub fn move_stored_profiles(
    path: &Path,
    stored: Vec<ConnectionProfile>,
    active: Option<&str>,
) -> Result<StoredProfilesMoved> {
    let MovedForms { moved, staying } = move_forms(path, stored, "app")?;
    let mut notes: Vec<String> = (staying.iter())
        .map(|(form, e)| {
            format!(
                "the connection profile {:?} was not moved to the profile file shared \
                 with switchboard-cli ({e}); it stays in the settings and is tried \
                 again at the next start",
                form.name
            )
        })
        .collect();
    let mut result = StoredProfilesMoved {
        staying: staying.into_iter().map(|(form, _)| form).collect(),
        ..StoredProfilesMoved::default()
    };
    for (form, now) in moved {
        if now != form.name {
            notes.push(format!(
                "the connection profile {:?} is now called {now:?}: profiles are shared \
                 with switchboard-cli, whose names are lowercase letters, digits, - and _ \
                 and unique",
                form.name
            ));
        }
        if active == Some(form.name.as_str()) {
            result.active = Some(now);
        }
        result.moved.push(form);
    }
    result.notes = notes;
    Ok(result)
}

/// Copies each `file` from the `former` directory (the former bundle identifier's) to the
/// `now` directory when `now` has none and they differ (the former file stays, so an older
/// Switchboard still finds it), logging each copy. A copy that fails is a sentence naming
/// both files.
pub fn carry_over_files<'a>(
    pairs: impl IntoIterator<Item = (PathBuf, PathBuf, &'a str)>,
) -> std::result::Result<(), String> {
    for (former, now, file) in pairs {
        let (from, to) = (former.join(file), now.join(file));
        if former == now || to.exists() || !from.is_file() {
            continue;
        }
        std::fs::create_dir_all(&now)
            .and_then(|()| std::fs::copy(&from, &to))
            .map_err(|e| {
                format!(
                    "settings: cannot copy {} to {}: {e}; Switchboard started with default settings",
                    from.display(),
                    to.display()
                )
            })?;
        tracing::info!(from = %from.display(), to = %to.display(), "carried a settings file over");
    }
    Ok(())
}
