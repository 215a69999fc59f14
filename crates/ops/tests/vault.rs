//! The former vault service's entries are carried over once per device
//! (`switchboard_ops::vault::carry_over_former_entries`), on the real Secret Service.
//!
//! The test runs itself again as a child process with `HOME`/XDG directories and the vault
//! service names in its environment: the workspace forbids `unsafe`, and with it `set_var`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use switchboard_ops::vault::carry_over_former_entries;
use switchboard_secrets::{SecretKey, SecretString, Vault};

const CHILD: &str = "SWITCHBOARD_OPS_VAULT_TEST_DIR";
const NAME: &str = "the_former_services_entries_are_carried_over_once_per_device";
const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn the_former_services_entries_are_carried_over_once_per_device() {
    if let Some(dir) = std::env::var_os(CHILD) {
        return child(PathBuf::from(dir));
    }
    if std::env::var("SWITCHBOARD_SKIP_VAULT_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("SWITCHBOARD_SKIP_VAULT_TESTS=1: skipping a test that needs a Secret Service");
        return;
    }
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a real Secret Service: scripts/with-secret-service.sh cargo test -p \
         switchboard-ops --test vault (or SWITCHBOARD_SKIP_VAULT_TESTS=1 to skip it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let service = format!("dev.switchboard.test.ops-vault.{}", std::process::id());
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, dir.path())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("SWITCHBOARD_PROFILES")
        .env("SWITCHBOARD_VAULT_SERVICE", format!("{service}.new"))
        .env(
            "SWITCHBOARD_VAULT_FORMER_SERVICE",
            format!("{service}.former"),
        )
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("carried over once"), "{text}");
}

fn child(dir: PathBuf) {
    let new = Vault::native().expect("the vault");
    let former_name = new.service().replace(".new", ".former");
    let former = Vault::native_with_service(&former_name).expect("the former service");
    let first = SecretKey::provider_account("twilio", "AC00000000000000000000000000000001");
    let later = SecretKey::provider_account("twilio", "AC00000000000000000000000000000002");
    former
        .save_blocking(&first, &SecretString::new("first".into()))
        .unwrap();

    let found = carry_over_former_entries(&new, TIMEOUT)
        .unwrap()
        .expect("a first run");
    assert_eq!(found.moved.len(), 1, "{found:?}");
    assert_eq!(
        new.get_blocking(&first).unwrap().unwrap().expose_secret(),
        "first"
    );
    let mark = dir
        .join("home/.config/switchboard")
        .join(format!("vault-carried-over-{former_name}"));
    assert!(mark.is_file(), "{}", mark.display());

    // Done once: a later call does not search the vault again.
    former
        .save_blocking(&later, &SecretString::new("later".into()))
        .unwrap();
    assert!(carry_over_former_entries(&new, TIMEOUT).unwrap().is_none());
    assert!(former.get_blocking(&later).unwrap().is_some(), "not moved");
    assert!(new.get_blocking(&later).unwrap().is_none());

    // Without the mark (a run that failed leaves none), it runs again.
    std::fs::remove_file(&mark).unwrap();
    let found = carry_over_former_entries(&new, TIMEOUT)
        .unwrap()
        .expect("a second run");
    assert_eq!(found.moved.len(), 1, "{found:?}");
    for key in [&first, &later] {
        new.remove_blocking(key).unwrap();
    }
    println!("carried over once");
}
