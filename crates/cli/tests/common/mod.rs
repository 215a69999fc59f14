//! Scaffolding shared by the CLI's integration tests: the built binary run with a clean
//! environment and a piped standard input, its exit checked with everything it printed in the
//! failure message, and the guard of the tests that need a real Secret Service.
//!
//! Each test file that uses it starts with `mod common;`; not every file uses every helper.

#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// Set to `1` to skip, on purpose, the tests that need a real Secret Service.
pub const SKIP_VAULT_ENV: &str = "SWITCHBOARD_SKIP_VAULT_TESTS";

/// Whether to run a test that needs the Secret Service; panics with instructions when there is
/// none and skipping was not asked for (a test must not pass vacuously). `test` names the
/// test file, for the command to run.
pub fn secret_service_required(test: &str) -> bool {
    if std::env::var(SKIP_VAULT_ENV).is_ok_and(|value| value == "1") {
        eprintln!("{SKIP_VAULT_ENV}=1: skipping a test that needs a real Secret Service");
        return false;
    }
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a real Secret Service, but DBUS_SESSION_BUS_ADDRESS is not set. Run \
         them inside a throwaway session with an unlocked GNOME Keyring:\n    \
         scripts/with-secret-service.sh cargo test -p switchboard-cli --test {test}\n\
         (Debian/Ubuntu packages: gnome-keyring libsecret-tools dbus), or set \
         {SKIP_VAULT_ENV}=1 to skip them explicitly."
    );
    true
}

/// Bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The built CLI with `args`, without a team database, profile or database password from the
/// caller's environment.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"));
    command
        .args(args)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_PROFILE")
        .env_remove("PGPASSWORD");
    command
}

/// Runs `command` with `stdin` on its standard input (a pipe: not a terminal) and waits,
/// capturing what it printed.
pub fn run(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the CLI finishes")
}

/// Asserts `output` succeeded; returns its standard output.
#[track_caller]
pub fn succeeded(output: &Output, args: &[&str]) -> String {
    assert!(
        output.status.success(),
        "`{}` exited {:?}\nstdout: {}\nstderr: {}",
        args.join(" "),
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Asserts `output` exited with `code`; returns its standard error.
#[track_caller]
pub fn exited(output: &Output, code: i32, args: &[&str]) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "`{}`\nstdout: {}\nstderr: {}",
        args.join(" "),
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stderr)
}

/// A vault service name of its own for a test (`file`'s test `test`), so that tests running
/// at once never see each other's secrets.
pub fn vault_service(file: &str, test: &str) -> String {
    format!(
        "dev.switchboard.test.{file}.{test}.{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// A runtime for the in-process fakes: one worker, so they answer while the test waits for
/// the CLI.
pub fn fakes_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}
