//! Logs through `tracing` to a daily file in the OS log directory (on Linux
//! `~/.local/share/dev.switchboard.desktop/logs`; before the bundle identifier
//! changed, `…/dev.switchboard.app/logs`, left as it was), and to stderr in debug builds. `RUST_LOG`
//! overrides the default level. Messages come from core's errors, which never hold secrets.

use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(log_dir: &Path) {
    let file = tracing_appender::rolling::daily(log_dir, "switchboard.log");
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,switchboard_app=debug"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let result = if cfg!(debug_assertions) {
        builder.with_writer(file.and(std::io::stderr)).try_init()
    } else {
        builder.with_writer(file).try_init()
    };
    if result.is_ok() {
        tracing::info!(dir = %log_dir.display(), "logging");
    }
}
