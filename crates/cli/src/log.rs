//! The CLI's log file: one line per event, appended, so that a failed run in a script or on CI
//! can be read afterwards.
//!
//! Logging is off unless a file is given (`--log-file FILE` or `SWITCHBOARD_LOG_FILE`). The
//! level comes from `SWITCHBOARD_LOG` (`error`, `warn`, `info`, `debug`, `trace`; default
//! `info`) and applies to Switchboard's own crates; other libraries log warnings and errors
//! only, so that a verbose level never records a driver's or a D-Bus library's internals.
//!
//! What is logged cannot hold a secret: secrets travel as `SecretString`, whose `Debug` and
//! `Display` print a redaction, database URLs print redacted, and no secret is ever an
//! argument. The no-leak integration test (`tests/no_leak.rs`) reads the log to prove it.

use std::fs::OpenOptions;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

use switchboard_core::{Error, Result};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Environment variable holding the log level.
pub const LEVEL_ENV: &str = "SWITCHBOARD_LOG";

/// Switchboard's crates, which log at the chosen level.
const OWN_CRATES: [&str; 5] = [
    "switchboard_cli",
    "switchboard_core",
    "switchboard_ops",
    "switchboard_postgres",
    "switchboard_secrets",
];

/// Keeps logging set up while alive (nothing to flush: every event is written at once).
#[derive(Debug)]
pub struct Guard(());

/// Starts logging to `file` when one is given.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened for appending; [`Error::InvalidInput`] for an
/// unknown level in `SWITCHBOARD_LOG`.
pub fn init(file: Option<&Path>) -> Result<Guard> {
    let Some(path) = file else {
        return Ok(Guard(()));
    };
    let level = match std::env::var(LEVEL_ENV) {
        Ok(value) if !value.trim().is_empty() => {
            LevelFilter::from_str(value.trim()).map_err(|_| Error::InvalidInput {
                field: LEVEL_ENV.into(),
                reason: format!("{value:?} is not one of off, error, warn, info, debug, trace"),
            })?
        }
        _ => LevelFilter::INFO,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
    let mut targets = Targets::new().with_default(LevelFilter::WARN.min(level));
    for own in OWN_CRATES {
        targets = targets.with_target(own, level);
    }
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(Mutex::new(out))
        .with_ansi(false)
        .with_target(true);
    // Fails only if a subscriber is set already, which nothing else in this binary does.
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(targets)
        .try_init();
    Ok(Guard(()))
}

/// The subcommand path of a run, e.g. `numbers add`: what the log names each run by. Never
/// the arguments' values (a database URL may hold a password).
pub fn command_name(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        names.push(name.to_owned());
        current = sub;
    }
    names.join(" ")
}
