//! Saved connection profiles against a real PostgreSQL and the real Secret Service: a manager
//! saves the team database under a name (the password goes to the vault, never the file),
//! then every team command takes `--profile NAME` before or after the subcommand.
//!
//! ```text
//! scripts/with-secret-service.sh cargo test -p switchboard-cli --test profiles
//! ```
//!
//! Without a session bus the test fails with instructions rather than pass vacuously; set
//! `SWITCHBOARD_SKIP_VAULT_TESTS=1` to skip it on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{exited, secret_service_required, succeeded, text};
use serde_json::Value;
use switchboard_test_postgres::TestCluster;

const PASSWORD: &str = "pr0file-pass";

/// A manager's device: its own profile file, vault service, workspace and cache directory.
struct Device {
    dir: tempfile::TempDir,
    service: String,
    printed: Vec<String>,
}

impl Device {
    fn new() -> Self {
        Device {
            dir: tempfile::tempdir().expect("temp dir"),
            service: format!(
                "dev.switchboard.test.profiles.{}",
                uuid::Uuid::new_v4().simple()
            ),
            printed: Vec::new(),
        }
    }

    fn profiles_file(&self) -> PathBuf {
        self.dir.path().join("config/profiles.json")
    }

    fn run(&mut self, args: &[&str], stdin: &str) -> Output {
        let mut command = common::command(args);
        command
            .env("PGPASSFILE", self.dir.path().join("no-pgpass"))
            .env("SWITCHBOARD_PROFILES", self.profiles_file())
            .env("SWITCHBOARD_WORKSPACE", self.dir.path().join("ws.db"))
            .env("SWITCHBOARD_CACHE_DIR", self.dir.path().join("caches"))
            .env("SWITCHBOARD_VAULT_SERVICE", &self.service)
            .env(
                "SWITCHBOARD_VAULT_FORMER_SERVICE",
                format!("{}.former", self.service),
            )
            .env("SWITCHBOARD_LOG_FILE", self.dir.path().join("cli.log"))
            .env("SWITCHBOARD_LOG", "trace");
        let output = common::run(command, stdin);
        self.printed.push(text(&output.stdout));
        self.printed.push(text(&output.stderr));
        output
    }

    #[track_caller]
    fn ok(&mut self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        succeeded(&output, args)
    }

    #[track_caller]
    fn json(&mut self, args: &[&str]) -> Value {
        let out = self.ok(args, "");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    #[track_caller]
    fn fails(&mut self, args: &[&str], stdin: &str, code: i32) -> String {
        let output = self.run(args, stdin);
        exited(&output, code, args)
    }
}

#[test]
fn a_saved_profile_reaches_the_team_database_with_its_password_in_the_vault() {
    if !secret_service_required("profiles") {
        return;
    }
    let cluster = TestCluster::start().expect("cluster starts");
    let admin = cluster.admin_url();
    let mut d = Device::new();
    d.ok(&["db", "migrate", "--database-url", &admin], "");
    cluster
        .psql(
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')",
        )
        .expect("organizations");
    let alice = cluster.role_name("alice");
    d.ok(
        &[
            "db",
            "grant",
            "--database-url",
            &admin,
            "--role",
            &alice,
            "--org",
            "acme",
        ],
        &format!("{PASSWORD}\n"),
    );
    let with_password = cluster.url_for(&alice, PASSWORD);
    let marked = cluster.url_for(&alice, "PWMARK");
    let bare = marked.replacen(":PWMARK@", "@", 1);
    assert!(!bare.contains("PWMARK") && bare.contains(&alice), "{bare}");

    // A URL with a password is refused, and nothing is written.
    let err = d.fails(
        &["profiles", "add", "team", "--database-url", &with_password],
        "",
        2,
    );
    assert!(err.contains("--password-stdin"), "{err}");
    assert!(!d.profiles_file().exists());

    // Saved with the password on standard input: into the vault, not the file.
    let out = d.ok(
        &[
            "profiles",
            "add",
            "team",
            "--database-url",
            &bare,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.contains("saved profile team"), "{out}");
    let file = std::fs::read_to_string(d.profiles_file()).expect("profile file");
    assert!(file.contains(&alice), "{file}");
    assert!(
        !file.contains(PASSWORD),
        "the password reached the file: {file}"
    );
    let shown = d.json(&["--json", "profiles", "show", "team"]);
    assert_eq!(shown["password_in_vault"], true, "{shown}");
    assert_eq!(shown["role"], alice.as_str());
    let listed = d.json(&["profiles", "list", "--json"]);
    assert_eq!(listed.as_array().expect("list").len(), 1, "{listed}");

    // The same name twice, a bad name: refused.
    let err = d.fails(&["profiles", "add", "team", "--database-url", &bare], "", 2);
    assert!(err.contains("profile \"team\" already exists"), "{err}");
    let err = d.fails(
        &["profiles", "add", "Team X", "--database-url", &bare],
        "",
        2,
    );
    assert!(err.contains("invalid profile name"), "{err}");

    // --profile after the subcommand …
    let out = d.ok(
        &[
            "numbers",
            "add",
            "--profile",
            "team",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155551234",
            "--friendly-name",
            "Front desk",
        ],
        "",
    );
    assert!(out.contains("added +14155551234 to acme"), "{out}");
    // … and before it.
    let page = d.json(&[
        "--profile",
        "team",
        "--json",
        "numbers",
        "list",
        "--org",
        "acme",
        "--search",
        "front",
    ]);
    assert_eq!(page["total"], 1, "{page}");
    let out = d.ok(&["orgs", "list", "--profile", "team"], "");
    assert!(out.contains("acme") && !out.contains("globex"), "{out}");
    let out = d.ok(
        &[
            "agents",
            "add",
            "--profile",
            "team",
            "--org",
            "acme",
            "--name",
            "Ava",
        ],
        "",
    );
    assert!(out.contains("added agent \"Ava\""), "{out}");
    // The team database is really the one written (as alice, under RLS).
    let rows = cluster
        .psql(
            &admin,
            "SELECT count(*) FROM phone_numbers WHERE friendly_name = 'Front desk'",
        )
        .expect("count");
    assert_eq!(rows.trim(), "1");

    // sync and the cache commands take the profile too.
    let out = d.ok(&["sync", "--profile", "team"], "");
    assert!(out.contains("synced"), "{out}");
    let status = d.json(&["--profile", "team", "--json", "sync", "status"]);
    assert_eq!(status["numbers"], 1, "{status}");
    d.ok(&["outbox", "list", "--profile", "team"], "");
    d.ok(&["conflicts", "list", "--profile", "team"], "");

    // Unknown profile; both --profile and --database-url.
    let err = d.fails(&["orgs", "list", "--profile", "prod"], "", 2);
    assert!(err.contains("\"prod\" is not saved"), "{err}");
    assert!(err.contains("saved profiles: team"), "{err}");
    let err = d.fails(
        &["orgs", "list", "--profile", "team", "--database-url", &bare],
        "",
        2,
    );
    assert!(err.contains("not both"), "{err}");

    // Removing the profile removes its password from the vault.
    let out = d.ok(&["profiles", "remove", "team"], "");
    assert!(out.contains("removed profile team"), "{out}");
    assert!(out.contains("removed the password"), "{out}");
    let err = d.fails(&["profiles", "show", "team"], "", 2);
    assert!(err.contains("not saved"), "{err}");
    d.ok(&["profiles", "add", "team", "--database-url", &bare], "");
    let shown = d.json(&["profiles", "show", "team", "--json"]);
    assert_eq!(shown["password_in_vault"], false, "{shown}");
    let err = d.fails(&["orgs", "list", "--profile", "team"], "", 2);
    assert!(!err.is_empty());

    let log = std::fs::read_to_string(d.dir.path().join("cli.log")).unwrap_or_default();
    for printed in d.printed.iter().chain([&log]) {
        assert!(
            !printed.contains(PASSWORD),
            "the password was printed: {printed}"
        );
    }
}

/// The app's bundle identifier was `dev.switchboard.app`, which also named the vault service:
/// a password an older Switchboard kept under the former service is moved to the new one the
/// first time the CLI opens the vault (here the test's pair of services stands for them), and
/// the former entry is gone afterwards; a second run finds nothing more to move.
#[test]
fn a_password_under_the_former_vault_service_is_carried_over() {
    if !secret_service_required("profiles") {
        return;
    }
    let mut d = Device::new();
    let former = format!("{}.former", d.service);
    let url = "postgres://alice@db.example.com:5432/switchboard";
    let key = switchboard_secrets::SecretKey::database_password(
        "db.example.com",
        5432,
        "switchboard",
        "alice",
    );
    let old = switchboard_secrets::Vault::native_with_service(&former).expect("service");
    old.save_blocking(
        &key,
        &switchboard_secrets::SecretString::new(PASSWORD.into()),
    )
    .expect("an older Switchboard's entry");
    d.ok(&["profiles", "add", "team", "--database-url", url], "");
    let shown = d.json(&["profiles", "show", "team", "--json"]);
    assert_eq!(shown["password_in_vault"], true, "{shown}");
    assert!(
        !old.contains_blocking(&key).expect("asked"),
        "moved, not copied"
    );
    let new = switchboard_secrets::Vault::native_with_service(&d.service).expect("service");
    let moved = new.get_blocking(&key).expect("asked").expect("moved");
    assert_eq!(moved.expose_secret(), PASSWORD);
    let shown = d.json(&["profiles", "show", "team", "--json"]);
    assert_eq!(shown["password_in_vault"], true, "{shown}");
    new.remove_blocking(&key).expect("cleanup");
}
