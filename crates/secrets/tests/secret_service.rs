//! Integration tests against a real Secret Service (no mock).
//!
//! Run them in a throwaway D-Bus session with an unlocked GNOME Keyring:
//!
//! ```text
//! scripts/with-secret-service.sh cargo test -p switchboard-secrets
//! ```
//!
//! Without a session bus they fail with instructions instead of passing vacuously; set
//! `SWITCHBOARD_SKIP_VAULT_TESTS=1` to skip them on purpose. Every test works under its own
//! service name, so they run in parallel without seeing each other's entries. Tests that need a
//! different process environment (a missing bus, `SWITCHBOARD_VAULT_SERVICE`) re-run this test
//! binary with only an `#[ignore]`d child test selected.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use switchboard_secrets::{Removal, SERVICE_ENV, SecretKey, SecretString, Vault, VaultError};

const SKIP_ENV: &str = "SWITCHBOARD_SKIP_VAULT_TESTS";

const NO_SECRET_SERVICE: &str = "\
these tests need a real Secret Service, but DBUS_SESSION_BUS_ADDRESS is not set.
Run them inside a throwaway session with an unlocked GNOME Keyring:
    scripts/with-secret-service.sh cargo test -p switchboard-secrets
(Debian/Ubuntu packages: gnome-keyring libsecret-tools dbus), or set \
SWITCHBOARD_SKIP_VAULT_TESTS=1 to skip them explicitly.";

/// Marks a child process started by one of the tests below; the child tests do nothing without
/// it (they are `#[ignore]`d, so they only run when selected on purpose anyway).
const CHILD_ENV: &str = "SWITCHBOARD_SECRETS_TEST_CHILD";

/// Whether to run a test that needs the Secret Service; panics with instructions when there is
/// none and skipping was not asked for.
fn secret_service_required() -> bool {
    if std::env::var(SKIP_ENV).is_ok_and(|value| value == "1") {
        eprintln!("{SKIP_ENV}=1: skipping a test that needs a real Secret Service");
        return false;
    }
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "{NO_SECRET_SERVICE}"
    );
    true
}

/// A service name no other test (or earlier run) uses.
fn unique_service(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("dev.switchboard.test.{test}.{}.{nanos}", std::process::id())
}

fn vault(service: &str) -> Vault {
    Vault::native_with_service(service).expect("valid service name")
}

fn secret(text: &str) -> SecretString {
    SecretString::new(text.to_owned())
}

fn user(key: &SecretKey) -> String {
    key.vault_user().expect("valid key")
}

fn secret_tool(args: &[&str]) -> Output {
    Command::new("secret-tool")
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("cannot run secret-tool ({err}): install libsecret-tools"))
}

/// `secret-tool lookup service SERVICE username USER`: the stored bytes, or `None`.
fn secret_tool_lookup(service: &str, user: &str) -> Option<Vec<u8>> {
    let output = secret_tool(&["lookup", "service", service, "username", user]);
    output.status.success().then_some(output.stdout)
}

/// The `(attribute, value)` pairs of every item whose `service` attribute is `service`, one
/// list per item, as `secret-tool search --all` prints them.
fn secret_tool_items(service: &str) -> Vec<Vec<(String, String)>> {
    let output = secret_tool(&["search", "--all", "service", service]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut items: Vec<Vec<(String, String)>> = Vec::new();
    for line in text.lines() {
        if line.starts_with('[') {
            items.push(Vec::new());
        } else if let Some((name, value)) = line.split_once(" = ")
            && let Some(item) = items.last_mut()
        {
            item.push((name.to_owned(), value.to_owned()));
        }
    }
    items
}

fn secret_tool_store(service: &str, user: &str, value: &str) {
    let mut child = Command::new("secret-tool")
        .args(["store", "--label=stored by secret-tool"])
        .args(["service", service, "username", user])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run secret-tool store");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(value.as_bytes())
        .expect("write the secret to secret-tool");
    assert!(child.wait().expect("secret-tool store").success());
}

/// Test-harness arguments that run exactly one (ignored) test, verbosely.
const CHILD_TEST_ARGS: [&str; 4] = ["--exact", "--ignored", "--nocapture", "--test-threads=1"];

fn this_test_binary() -> std::path::PathBuf {
    std::env::current_exe().expect("path of this test binary")
}

/// Runs this test binary with only `child_test` selected, in an environment changed by
/// `configure`; asserts that exactly that one test ran and passed.
fn run_child_test(child_test: &str, configure: impl FnOnce(&mut Command)) {
    let mut command = Command::new(this_test_binary());
    command
        .arg(child_test)
        .args(CHILD_TEST_ARGS)
        .env(CHILD_ENV, "1");
    configure(&mut command);
    assert_child_passed(child_test, &mut command);
}

fn assert_child_passed(child_test: &str, command: &mut Command) {
    let output = command.output().expect("run the child test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && text.contains("1 passed"),
        "child test {child_test} failed:\n{text}"
    );
}

fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_contains_get_replace_remove() {
    if !secret_service_required() {
        return;
    }
    let service = unique_service("round-trip");
    let vault = vault(&service);
    let key = SecretKey::provider_account("twilio", "AC00000000000000000000000000000001");

    assert!(!vault.contains(&key).await.expect("contains before save"));
    assert!(vault.get(&key).await.expect("get before save").is_none());
    assert_eq!(vault.remove(&key).await.expect("remove"), Removal::NotFound);

    vault
        .save(&key, &secret("first-token"))
        .await
        .expect("save");
    assert!(vault.contains(&key).await.expect("contains after save"));
    let stored = vault.get(&key).await.expect("get").expect("stored");
    assert_eq!(stored.expose_secret(), "first-token");

    vault
        .save(&key, &secret("second-token"))
        .await
        .expect("replace");
    let stored = vault.get(&key).await.expect("get").expect("stored");
    assert_eq!(stored.expose_secret(), "second-token");
    assert_eq!(
        secret_tool_items(&service).len(),
        1,
        "replacing must not leave a second item"
    );

    assert_eq!(vault.remove(&key).await.expect("remove"), Removal::Removed);
    assert!(!vault.contains(&key).await.expect("contains after remove"));
    assert!(vault.get(&key).await.expect("get after remove").is_none());
    assert_eq!(
        vault.remove(&key).await.expect("remove again"),
        Removal::NotFound
    );
    assert!(secret_tool_lookup(&service, &user(&key)).is_none());
}

#[test]
fn blocking_api_round_trip() {
    if !secret_service_required() {
        return;
    }
    let service = unique_service("blocking");
    let vault = vault(&service);
    let key = SecretKey::database_password("::1", 5432, "switchboard", "app");

    assert!(!vault.contains_blocking(&key).expect("contains"));
    vault
        .save_blocking(&key, &secret("db-password"))
        .expect("save");
    assert!(vault.contains_blocking(&key).expect("contains"));
    let stored = vault.get_blocking(&key).expect("get").expect("stored");
    assert_eq!(stored.expose_secret(), "db-password");
    assert_eq!(
        secret_tool_lookup(&service, "postgres:app@[::1]:5432/switchboard").as_deref(),
        Some(b"db-password".as_slice())
    );
    assert_eq!(
        vault.remove_blocking(&key).expect("remove"),
        Removal::Removed
    );
    assert_eq!(
        vault.remove_blocking(&key).expect("remove"),
        Removal::NotFound
    );
}

/// The documented attributes are what `secret-tool` (libsecret) finds, both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_interoperate_with_secret_tool() {
    if !secret_service_required() {
        return;
    }
    let service = unique_service("interop");
    let vault = vault(&service);
    let key = SecretKey::provider_account("twilio", "AC00000000000000000000000000000002");
    let user = user(&key);
    assert_eq!(user, "twilio:AC00000000000000000000000000000002");

    vault
        .save(&key, &secret("token-for-interop"))
        .await
        .expect("save");
    assert_eq!(
        secret_tool_lookup(&service, &user).as_deref(),
        Some(b"token-for-interop".as_slice()),
        "secret-tool lookup service {service} username {user}"
    );

    let items = secret_tool_items(&service);
    assert_eq!(items.len(), 1, "{items:?}");
    let attributes: Vec<(&str, &str)> = items[0]
        .iter()
        .filter_map(|(name, value)| Some((name.strip_prefix("attribute.")?, value.as_str())))
        .collect();
    let mut sorted = attributes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [("service", service.as_str()), ("username", user.as_str())],
        "exactly the documented attributes"
    );
    let label = items[0].iter().find(|(name, _)| name == "label");
    assert_eq!(
        label.map(|(_, value)| value.as_str()),
        Some(format!("keyring:{user}@{service}").as_str())
    );

    // And the other way: what secret-tool writes under those attributes, the vault reads.
    secret_tool_store(&service, &user, "token-from-secret-tool");
    let stored = vault.get(&key).await.expect("get").expect("stored");
    assert_eq!(stored.expose_secret(), "token-from-secret-tool");

    assert!(
        secret_tool(&["clear", "service", &service, "username", &user])
            .status
            .success()
    );
    assert!(
        !vault
            .contains(&key)
            .await
            .expect("contains after secret-tool clear")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unicode_secret_round_trips() {
    if !secret_service_required() {
        return;
    }
    let service = unique_service("unicode");
    let vault = vault(&service);
    let key = SecretKey::provider_account("vonage", "ключ-键-🔑");
    // Surrounding whitespace included: the vault must return the exact text, untrimmed.
    let text = "  pässwörd 🔑 пароль 密码 \u{200d} — \"quoted\" 'single' $HOME\n\t";

    vault.save(&key, &secret(text)).await.expect("save");
    let stored = vault.get(&key).await.expect("get").expect("stored");
    assert_eq!(stored.expose_secret(), text);
    assert_eq!(
        secret_tool_lookup(&service, "vonage:ключ-键-🔑").as_deref(),
        Some(text.as_bytes()),
        "stored as UTF-8"
    );
    assert_eq!(vault.remove(&key).await.expect("remove"), Removal::Removed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_keys_are_isolated() {
    if !secret_service_required() {
        return;
    }
    let release = vault(&unique_service("isolated-release"));
    let dev = vault(&unique_service("isolated-dev"));
    let key = SecretKey::provider_account("telnyx", "KEY0001");
    let other_account = SecretKey::provider_account("telnyx", "KEY0002");

    release.save(&key, &secret("release")).await.expect("save");
    dev.save(&key, &secret("dev")).await.expect("save");
    assert!(!release.contains(&other_account).await.expect("contains"));
    assert_eq!(
        release
            .get(&key)
            .await
            .expect("get")
            .expect("stored")
            .expose_secret(),
        "release"
    );
    assert_eq!(
        release.remove(&key).await.expect("remove"),
        Removal::Removed
    );
    assert_eq!(
        dev.get(&key)
            .await
            .expect("get")
            .expect("stored")
            .expose_secret(),
        "dev"
    );
    assert_eq!(dev.remove(&key).await.expect("remove"), Removal::Removed);
}

/// The bundle identifier changed from `dev.switchboard.app`: entries saved under the former
/// service (by an older Switchboard, or by secret-tool with its two attributes) move to the
/// new one, read back before the former copy is deleted; a differing newer secret wins and
/// the former one is kept; a second run changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_of_the_former_service_move_to_the_new_one() {
    if !secret_service_required() {
        return;
    }
    let former_name = unique_service("carry-former");
    // The new name extends the former one, as `dev.switchboard.app.dev` extends
    // `dev.switchboard.app`: the search must not take the new service's own entries.
    let new_name = format!("{former_name}.dev");
    let former = vault(&former_name);
    let new = vault(&new_name);
    let db = SecretKey::database_password("db.example.com", 5432, "switchboard", "alice");
    let twilio = SecretKey::provider_account("twilio", "AC00000000000000000000000000000001");
    let same = SecretKey::provider_account("telnyx", "KEY-same");
    let differs = SecretKey::provider_account("vonage", "abcd1234");
    former.save(&db, &secret("db-pass")).await.expect("save");
    secret_tool_store(&former_name, &user(&twilio), "tw-token");
    former.save(&same, &secret("same")).await.expect("save");
    new.save(&same, &secret("same")).await.expect("save");
    former.save(&differs, &secret("older")).await.expect("save");
    new.save(&differs, &secret("newer")).await.expect("save");

    let found = new
        .carry_over_from(&former_name, &[])
        .await
        .expect("carried over");
    assert_eq!(found.moved, [user(&db), user(&twilio)], "{found:?}");
    assert_eq!(found.already_here, [user(&same)]);
    assert_eq!(found.kept, [user(&differs)]);
    for (key, value) in [
        (&db, "db-pass"),
        (&twilio, "tw-token"),
        (&same, "same"),
        (&differs, "newer"),
    ] {
        assert_eq!(
            secret_tool_lookup(&new_name, &user(key)).as_deref(),
            Some(value.as_bytes()),
            "{key:?} under the new service"
        );
    }
    for key in [&db, &twilio, &same] {
        assert_eq!(
            secret_tool_lookup(&former_name, &user(key)),
            None,
            "{key:?}"
        );
    }
    assert_eq!(
        secret_tool_lookup(&former_name, &user(&differs)).as_deref(),
        Some(&b"older"[..]),
        "a differing former secret is kept"
    );

    let again = new.carry_over_from(&former_name, &[]).await.expect("again");
    assert!(
        again.moved.is_empty() && again.already_here.is_empty(),
        "{again:?}"
    );
    assert_eq!(secret_tool_items(&new_name).len(), 4);
    for key in [&db, &twilio, &same, &differs] {
        new.remove(key).await.expect("cleanup");
    }
    former.remove(&differs).await.expect("cleanup");
}

#[test]
fn service_name_comes_from_the_environment() {
    if !secret_service_required() {
        return;
    }
    let service = unique_service("from-env");
    run_child_test(
        "child_saves_under_the_service_from_the_environment",
        |command| {
            command.env(SERVICE_ENV, &service);
        },
    );
    assert_eq!(
        secret_tool_lookup(&service, "plivo:MA0001").as_deref(),
        Some(b"saved-by-child".as_slice())
    );
    let vault = vault(&service);
    let key = SecretKey::provider_account("plivo", "MA0001");
    assert_eq!(
        vault.remove_blocking(&key).expect("remove"),
        Removal::Removed
    );
}

#[test]
#[ignore = "run in a child process by service_name_comes_from_the_environment"]
fn child_saves_under_the_service_from_the_environment() {
    if !is_child() {
        return;
    }
    let expected = std::env::var(SERVICE_ENV).expect("service set by the parent test");
    let vault = Vault::native().expect("vault");
    assert_eq!(vault.service(), expected);
    let key = SecretKey::provider_account("plivo", "MA0001");
    vault
        .save_blocking(&key, &secret("saved-by-child"))
        .expect("save");
}

/// With the session bus pointing at a socket that does not exist, every call reports the
/// Secret Service unavailable, quickly. Needs no Secret Service itself.
#[test]
fn unavailable_vault_fails_fast() {
    let nowhere =
        std::env::temp_dir().join(format!("switchboard-no-such-dir-{}", std::process::id()));
    let missing_socket = format!("unix:path={}/bus", nowhere.display());
    run_child_test("child_reports_vault_unavailable", |command| {
        command.env("DBUS_SESSION_BUS_ADDRESS", &missing_socket);
    });
    // Without any bus address zbus falls back to $XDG_RUNTIME_DIR/bus: also missing here.
    run_child_test("child_reports_vault_unavailable", |command| {
        command
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", &nowhere);
    });
}

#[test]
#[ignore = "run in a child process by unavailable_vault_fails_fast"]
fn child_reports_vault_unavailable() {
    if !is_child() {
        return;
    }
    let bus_unset = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none();
    let vault = vault(&unique_service("unavailable"));
    let key = SecretKey::provider_account("bandwidth", "u-0001");
    let check = |operation: &str, result: Result<(), VaultError>, started: Instant| {
        let elapsed = started.elapsed();
        let err = result.expect_err("the vault is unreachable");
        let printed = format!("{err} / {err:?}");
        eprintln!("{operation}: {elapsed:?}: {printed}");
        assert!(
            elapsed < Duration::from_millis(1500),
            "{operation} took {elapsed:?}"
        );
        assert!(
            matches!(
                &err,
                VaultError::VaultUnavailable {
                    vault: "Secret Service",
                    ..
                }
            ),
            "{operation}: {printed}"
        );
        assert!(!printed.contains("never-printed-secret"), "{printed}");
        if bus_unset {
            assert!(
                printed.contains("DBUS_SESSION_BUS_ADDRESS is not set"),
                "{printed}"
            );
        }
    };

    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let started = Instant::now();
        let result = vault.save(&key, &secret("never-printed-secret")).await;
        check("save", result, started);
        let started = Instant::now();
        check("contains", vault.contains(&key).await.map(drop), started);
        let started = Instant::now();
        check("get", vault.get(&key).await.map(drop), started);
        let started = Instant::now();
        check("remove", vault.remove(&key).await.map(drop), started);
    });
    let started = Instant::now();
    let result = vault.save_blocking(&key, &secret("never-printed-secret"));
    check("save_blocking", result, started);
    let started = Instant::now();
    check("get_blocking", vault.get_blocking(&key).map(drop), started);
}

/// A locked keyring (gnome-keyring cannot show its unlock prompt without a display, so the
/// prompt is dismissed) is reported as unavailable with the unlock hint, not as "no entry".
/// Runs in a separate throwaway session so locking does not disturb the other tests.
#[test]
fn locked_keyring_is_unavailable() {
    if !secret_service_required() {
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/with-secret-service.sh"
    );
    let lock_then_run = r#"
        printf %s locked-token | secret-tool store --label=test \
            service "$SWITCHBOARD_VAULT_SERVICE" username twilio:AC0000000000000000000000000000000L
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
            org.freedesktop.Secret.Service.Lock \
            array:objpath:/org/freedesktop/secrets/aliases/default >/dev/null || exit 1
        exec "$@"
    "#;
    let mut command = Command::new(script);
    command
        .args(["sh", "-c", lock_then_run, "sh"])
        .arg(this_test_binary())
        .arg("child_finds_the_keyring_locked")
        .args(CHILD_TEST_ARGS)
        .env(CHILD_ENV, "1")
        .env(SERVICE_ENV, unique_service("locked"));
    assert_child_passed("child_finds_the_keyring_locked", &mut command);
}

#[test]
#[ignore = "run in a child process by locked_keyring_is_unavailable"]
fn child_finds_the_keyring_locked() {
    if !is_child() {
        return;
    }
    let vault = Vault::native().expect("vault");
    let key = SecretKey::provider_account("twilio", "AC0000000000000000000000000000000L");
    let check = |operation: &str, result: Result<(), VaultError>, started: Instant| {
        let elapsed = started.elapsed();
        let err = result.expect_err("the keyring is locked");
        eprintln!("{operation}: {elapsed:?}: {err}");
        assert!(
            elapsed < Duration::from_millis(1500),
            "{operation} took {elapsed:?}"
        );
        assert!(
            matches!(&err, VaultError::VaultUnavailable { hint, .. } if hint.contains("Unlock")),
            "{operation}: {err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("locked-token"));
    };
    let started = Instant::now();
    check("contains", vault.contains_blocking(&key).map(drop), started);
    let started = Instant::now();
    check("get", vault.get_blocking(&key).map(drop), started);
    let started = Instant::now();
    let result = vault.save_blocking(&key, &secret("new-token"));
    check("save", result, started);
}
