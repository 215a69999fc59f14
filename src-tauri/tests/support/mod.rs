//! What several test files of the app share.
//!
//! Tests that start the app read its settings from the OS data directory. Such a test runs
//! itself again as a child process with `HOME`/XDG directories in a temporary directory, so
//! the settings are its own and not the machine's: the workspace forbids `unsafe`, and with it
//! `std::env::set_var`.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::process::Command;

/// Runs the test `name` of this binary again in a child process whose `HOME`/XDG directories
/// are under a new temporary directory, which the child finds in `child_var`; `configure` adds
/// to its environment. Asserts that the child passed and printed `done` (a filter that matched
/// nothing would pass silently).
pub fn run_as_child(
    name: &str,
    child_var: &str,
    done: &str,
    configure: impl FnOnce(&mut Command, &Path),
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(child_var, dir.path())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"));
    configure(&mut child, dir.path());
    let out = child.output().expect("the test runs itself");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
    assert!(text.contains(done), "{text}");
}
