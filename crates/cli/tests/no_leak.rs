//! Provider secrets and database passwords reach the OS credential vault and nothing else.
//!
//! These tests drive the built `switchboard-cli` against the real Secret Service (no mock) and,
//! for the team database, a real PostgreSQL. Run them in a throwaway D-Bus session with an
//! unlocked GNOME Keyring, as the test command does:
//!
//! ```text
//! scripts/with-secret-service.sh cargo test -p switchboard-cli --test no_leak
//! ```
//!
//! Every secret contains one random token. After a manager's day — accounts of every provider,
//! numbers, listings, details, exports, a team database reached with a password from the vault,
//! and errors of every kind, including an unreachable vault — the token must appear in none of
//! the PostgreSQL dump, the SQLite workspace (and its WAL), the log file (at `trace`), export
//! files, or anything the CLI printed; and `secret-tool` (libsecret) must find each secret under
//! the documented attributes. Removing the vault integration fails the `secret-tool` checks;
//! writing a secret anywhere else fails the leak checks.
//!
//! Without a session bus the tests fail with instructions rather than pass vacuously; set
//! `SWITCHBOARD_SKIP_VAULT_TESTS=1` to skip them on purpose.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::text;
use switchboard_test_postgres::TestCluster;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const SPARE_SID: &str = "ACfedcba9876543210fedcba9876543210";

fn secret_service_required() -> bool {
    common::secret_service_required("no_leak")
}

/// A random token no earlier run or other test uses.
fn random_token() -> String {
    format!("tok{}", uuid::Uuid::new_v4().simple())
}

/// One manager's device: a workspace file, a log file and a vault service of its own, and a
/// record of everything the CLI printed.
struct Device {
    dir: tempfile::TempDir,
    service: String,
    printed: Vec<(String, String)>,
}

impl Device {
    fn new(test: &str) -> Self {
        Device {
            dir: tempfile::tempdir().expect("temp dir"),
            service: format!(
                "dev.switchboard.test.cli.{test}.{}",
                uuid::Uuid::new_v4().simple()
            ),
            printed: Vec::new(),
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace.db")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("logs/switchboard.log")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the CLI with `stdin` on its standard input (a pipe: not a terminal) and `env` on
    /// top of this device's environment; records what it printed.
    fn run_with(&mut self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut command = common::command(args);
        command
            .env("SWITCHBOARD_WORKSPACE", self.workspace())
            .env("SWITCHBOARD_VAULT_SERVICE", &self.service)
            .env("SWITCHBOARD_LOG_FILE", self.log())
            .env("SWITCHBOARD_LOG", "trace");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = common::run(command, stdin);
        let what = args.join(" ");
        self.printed
            .push((format!("stdout of `{what}`"), text(&output.stdout)));
        self.printed
            .push((format!("stderr of `{what}`"), text(&output.stderr)));
        output
    }

    fn run(&mut self, args: &[&str], stdin: &str) -> Output {
        self.run_with(args, stdin, &[])
    }

    #[track_caller]
    fn ok(&mut self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        common::succeeded(&output, args)
    }

    #[track_caller]
    fn fails(&mut self, args: &[&str], stdin: &str, code: i32) -> String {
        let output = self.run(args, stdin);
        common::exited(&output, code, args)
    }

    /// `secret-tool lookup service SERVICE username USER`: what libsecret finds, if anything.
    fn lookup(&self, user: &str) -> Option<String> {
        let output = Command::new("secret-tool")
            .args(["lookup", "service", &self.service, "username", user])
            .output()
            .unwrap_or_else(|err| {
                panic!("cannot run secret-tool ({err}): install libsecret-tools")
            });
        output.status.success().then(|| text(&output.stdout))
    }

    /// Asserts `token` is in nothing this device wrote or printed, and returns how many
    /// places were searched.
    #[track_caller]
    fn assert_nowhere(&self, token: &str, extra: &[(String, Vec<u8>)]) -> usize {
        let mut places: Vec<(String, Vec<u8>)> = self
            .printed
            .iter()
            .map(|(name, printed)| (name.clone(), printed.as_bytes().to_vec()))
            .collect();
        for entry in std::fs::read_dir(self.dir.path()).expect("read the device's files") {
            let path = entry.expect("dir entry").path();
            if path.is_file() {
                places.push((path.display().to_string(), read(&path)));
            }
        }
        places.push((self.log().display().to_string(), read(&self.log())));
        places.extend(extra.iter().cloned());
        for (name, bytes) in &places {
            assert!(
                !contains(bytes, token.as_bytes()),
                "the secret token leaked into {name}:\n{}",
                text(bytes)
            );
        }
        places.len()
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// `pg_dump` of a database, as its administrator, in plain SQL.
fn pg_dump(admin_url: &str) -> Vec<u8> {
    let bin = std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .flatten()
                .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path())))
                .collect();
            versions.sort();
            versions.pop().map(|(_, dir)| dir.join("bin"))
        })
        .map(|dir| dir.join("pg_dump"))
        .unwrap_or_else(|| PathBuf::from("pg_dump"));
    let output = Command::new(&bin)
        .args(["--no-owner", "--dbname", admin_url])
        .output()
        .unwrap_or_else(|err| panic!("run {}: {err}", bin.display()));
    assert!(output.status.success(), "pg_dump: {}", text(&output.stderr));
    output.stdout
}

#[test]
fn secrets_reach_the_vault_and_nothing_else() {
    if !secret_service_required() {
        return;
    }
    let token = random_token();
    let secret = |what: &str| format!("{token}-{what}");
    let mut device = Device::new("noleak");

    // --- The local workspace: accounts of every provider, numbers that use them. ---
    device.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    let out = device.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
            "--label",
            "Main",
        ],
        &format!("{}\n", secret("twilio")),
    );
    assert!(out.contains("saved the secret of twilio account"), "{out}");
    assert!(out.contains(&format!("user twilio:{SID}")), "{out}");
    let accounts = [
        ("vonage", "abcd1234"),
        ("telnyx", "conn-42"),
        ("bandwidth", "9900001"),
        ("plivo", "MAXXXXXXXXXXXXXXXXXX"),
    ];
    for (provider, id) in accounts {
        let mut args = vec![
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            provider,
            "--account-id",
            id,
        ];
        // Bandwidth's secret is an OAuth2 client's: the client id goes beside it.
        if provider == "bandwidth" {
            args.extend(["--client-id", "bw-client"]);
        }
        device.ok(
            &args,
            // No trailing newline, and a Windows line ending: both are read as one line.
            &if provider == "plivo" {
                secret(provider)
            } else {
                format!("{}\r\n", secret(provider))
            },
        );
    }
    // Replacing a secret.
    let out = device.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-id",
            SID,
        ],
        &format!("{}\n", secret("twilio-replaced")),
    );
    assert!(out.contains("replaced the secret"), "{out}");

    let numbers = [
        ("twilio", "+14155551234", Some(SID)),
        ("twilio", "+14155551235", Some(SID)),
        ("vonage", "+442079460123", Some("abcd1234")),
        ("telnyx", "+14155551236", Some("conn-42")),
        ("bandwidth", "+14155551237", Some("9900001")),
        ("plivo", "+14155551238", Some("MAXXXXXXXXXXXXXXXXXX")),
        // Another manager's account: its secret is not on this device.
        ("vonage", "+442079460124", Some("elsewh01")),
        ("twilio", "+14155551239", None),
    ];
    for (provider, number, account) in numbers {
        let mut args = vec![
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            provider,
            "--number",
            number,
        ];
        if let Some(account) = account {
            args.extend(["--account", account]);
        }
        let output = device.run(&args, "");
        assert!(output.status.success(), "{}", text(&output.stderr));
        if account == Some("elsewh01") {
            let note = text(&output.stderr);
            assert!(note.contains("credentials not on this device"), "{note}");
        }
    }

    let out = device.ok(&["accounts", "list", "--org", "acme"], "");
    for (_, id) in accounts {
        assert!(out.contains(id), "{out}");
    }
    assert!(out.contains("SECRET ON THIS DEVICE"), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("elsewh01"))
        .expect("the referenced account is listed");
    assert!(line.trim_end().ends_with("no"), "{line}");
    let listed: serde_json::Value =
        serde_json::from_str(&device.ok(&["accounts", "list", "--org", "acme", "--json"], ""))
            .expect("JSON");
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 6, "{listed}");
    let twilio = items
        .iter()
        .find(|a| a["account_id"] == SID)
        .expect("twilio account");
    assert_eq!(twilio["secret_on_this_device"], true);
    assert_eq!(twilio["numbers"], 2);
    assert_eq!(twilio["label"], "Main");

    device.ok(&["numbers", "list", "--org", "acme"], "");
    device.ok(&["numbers", "list", "--org", "acme", "--json"], "");
    let out = device.ok(&["numbers", "show", "+14155551234"], "");
    assert!(out.contains("on this device (twilio account"), "{out}");
    assert!(out.contains(&format!("vault:twilio:{SID}")), "{out}");
    let out = device.ok(&["numbers", "show", "+442079460124"], "");
    assert!(out.contains("credentials not on this device"), "{out}");
    assert!(
        out.contains(
            "switchboard-cli accounts add --org acme --provider vonage --account-id elsewh01"
        ),
        "{out}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&device.ok(&["numbers", "show", "+14155551236", "--json"], ""))
            .expect("JSON");
    assert_eq!(shown["secret_on_this_device"], true);
    assert_eq!(shown["credentials"]["apiKeyRef"], "vault:telnyx:conn-42");
    device.ok(
        &["numbers", "export", "--org", "acme", "--format", "csv"],
        "",
    );
    device.ok(
        &["numbers", "export", "--org", "acme", "--format", "json"],
        "",
    );
    let csv_file = device.path("export.csv");
    let csv_path = csv_file.to_str().expect("UTF-8 path");
    device.ok(
        &[
            "numbers", "export", "--org", "acme", "--format", "csv", "-o", csv_path,
        ],
        "",
    );

    // --- Errors, each given a secret on standard input that it must not echo. ---
    let with_secret = format!("{}\n", secret("in-an-error"));
    let err = device.fails(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twillio",
            "--account-sid",
            SID,
        ],
        &with_secret,
        2,
    );
    assert!(err.contains("invalid provider"), "{err}");
    let err = device.fails(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "vonage",
            "--account-sid",
            SID,
        ],
        &with_secret,
        2,
    );
    assert!(err.contains("--account-sid is for Twilio"), "{err}");
    let err = device.fails(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            "AC123",
        ],
        &with_secret,
        2,
    );
    assert!(err.contains("invalid account id"), "{err}");
    // A secret typed where an identifier goes is refused without being repeated.
    let telnyx_key = format!("KEY{}", secret("as-id"));
    let key_sid = secret("as-key-sid");
    let identifiers: [(&[&str], &str); 2] = [
        (
            &["--provider", "telnyx", "--account-id", &telnyx_key],
            "looks like a Telnyx API key",
        ),
        (
            &[
                "--provider",
                "twilio",
                "--account-sid",
                SID,
                "--api-key-sid",
                &key_sid,
            ],
            "API key SID",
        ),
    ];
    for (identifier, says) in identifiers {
        let mut args = vec!["accounts", "add", "--org", "acme"];
        args.extend_from_slice(identifier);
        let err = device.fails(&args, &with_secret, 2);
        assert!(err.contains(says), "{err}");
    }
    // So is one in a file's credentials or webhook URL.
    let bad_csv = device.path("bad-import.csv");
    std::fs::write(
        &bad_csv,
        format!(
            "phone_number,provider,credentials,webhook_url\n\
             +14155550177,telnyx,\"{{\"\"connectionId\"\":\"\"{telnyx_key}\"\"}}\",\n\
             +14155550178,twilio,,ftp://user:{}@hooks.example/\n",
            secret("in-a-url")
        ),
    )
    .expect("write the file");
    let err = device.fails(
        &[
            "numbers",
            "import",
            "--org",
            "acme",
            bad_csv.to_str().expect("UTF-8 path"),
        ],
        "",
        2,
    );
    assert!(err.contains("line 2: invalid credentials"), "{err}");
    assert!(err.contains("line 3: invalid webhook_url"), "{err}");
    std::fs::remove_file(&bad_csv).expect("remove the file");
    let err = device.fails(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
        ],
        "\n",
        2,
    );
    assert!(err.contains("none was given"), "{err}");
    let err = device.fails(
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155551234",
            "--account",
            SID,
        ],
        &with_secret,
        2,
    );
    assert!(err.contains("already exists in acme"), "{err}");
    let err = device.fails(
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+1 555",
        ],
        &with_secret,
        2,
    );
    assert!(err.contains("is not a valid phone number"), "{err}");
    // A secret pasted where an identifier belongs is refused without being repeated.
    let err = device.fails(
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155551240",
            "--account",
            &secret("pasted"),
        ],
        "",
        2,
    );
    assert!(err.contains("not a Twilio Account SID"), "{err}");

    // The vault is unreachable: what needs a secret fails fast and says why; the rest works.
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")];
    let started = Instant::now();
    let output = device.run_with(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SPARE_SID,
        ],
        &with_secret,
        &no_bus,
    );
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let err = text(&output.stderr);
    assert!(err.contains("Secret Service is unavailable"), "{err}");
    assert!(
        err.contains("GNOME Keyring") || err.contains("D-Bus"),
        "{err}"
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let output = device.run_with(&["numbers", "list", "--org", "acme"], "", &no_bus);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("8 of 8 shown"));
    let output = device.run_with(&["numbers", "show", "+14155551234"], "", &no_bus);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("cannot tell whether this device holds them"),
        "{}",
        text(&output.stdout)
    );
    let output = device.run_with(&["accounts", "list", "--org", "acme"], "", &no_bus);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("warning: cannot tell which secrets"));

    // --- The team database, its password in the vault. ---
    let cluster = TestCluster::start().expect("cluster starts");
    let admin = cluster.admin_url();
    device.ok(&["db", "migrate", "--database-url", &admin], "");
    cluster
        .psql(
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')",
        )
        .expect("organization");
    let alice = cluster.role_name("alice");
    let db_password = secret("db");
    device.ok(
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
        &format!("{db_password}\n"),
    );
    let url = cluster
        .url_for(&alice, "placeholder")
        .replace(":placeholder@", "@");
    assert!(!url.contains("placeholder"), "{url}");
    // Without a password anywhere the server refuses…
    let err = device.fails(&["orgs", "list", "--database-url", &url], "", 2);
    assert!(err.contains("password authentication failed"), "{err}");
    // …and with it in the vault the same URL works.
    let out = device.ok(
        &["db", "password", "set", "--database-url", &url],
        &format!("{db_password}\n"),
    );
    assert!(out.contains("saved the password of"), "{out}");
    let out = device.ok(&["orgs", "list", "--database-url", &url], "");
    assert!(out.contains("acme"), "{out}");
    for (provider, number, account) in [
        ("twilio", "+14155551234", SID),
        ("vonage", "+442079460123", "abcd1234"),
        ("plivo", "+14155551238", "MAXXXXXXXXXXXXXXXXXX"),
    ] {
        device.ok(
            &[
                "numbers",
                "add",
                "--database-url",
                &url,
                "--org",
                "acme",
                "--provider",
                provider,
                "--number",
                number,
                "--account",
                account,
            ],
            "",
        );
    }
    device.ok(
        &["numbers", "list", "--database-url", &url, "--org", "acme"],
        "",
    );
    let out = device.ok(
        &["numbers", "show", "--database-url", &url, "+14155551234"],
        "",
    );
    assert!(out.contains("on this device (twilio account"), "{out}");
    device.ok(
        &[
            "numbers",
            "export",
            "--database-url",
            &url,
            "--org",
            "acme",
            "--format",
            "json",
        ],
        "",
    );
    device.ok(
        &[
            "numbers",
            "export",
            "--database-url",
            &url,
            "--org",
            "acme",
            "--format",
            "csv",
        ],
        "",
    );
    let out = device.ok(
        &["accounts", "list", "--database-url", &url, "--org", "acme"],
        "",
    );
    assert!(out.contains(SID) && out.contains("abcd1234"), "{out}");
    device.ok(
        &[
            "accounts",
            "add",
            "--database-url",
            &url,
            "--org",
            "acme",
            "--provider",
            "telnyx",
            "--account-id",
            "conn-43",
        ],
        &format!("{}\n", secret("telnyx-team")),
    );
    let err = device.fails(
        &[
            "numbers",
            "add",
            "--database-url",
            &url,
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155551234",
            "--account",
            SID,
        ],
        &with_secret,
        2,
    );
    assert!(err.contains("already exists in acme"), "{err}");
    let err = device.fails(
        &["numbers", "list", "--database-url", &url, "--org", "globex"],
        &with_secret,
        2,
    );
    assert!(err.contains("not found"), "{err}");
    // PGPASSWORD wins over the vault: a wrong one is refused.
    let output = device.run_with(
        &["orgs", "list", "--database-url", &url],
        "",
        &[("PGPASSWORD", "wrong")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("password authentication failed"));

    // --- The secrets are in the vault, where libsecret finds them… ---
    assert_eq!(
        device.lookup(&format!("twilio:{SID}")).as_deref(),
        Some(secret("twilio-replaced").as_str())
    );
    for (provider, id) in accounts {
        let stored = device.lookup(&format!("{provider}:{id}"));
        if provider == "bandwidth" {
            // A kind with an identifier: the client id beside the secret, in one entry.
            let entry: serde_json::Value =
                serde_json::from_str(stored.as_deref().unwrap_or_default()).expect("JSON entry");
            assert_eq!(entry["kind"], "bandwidth_oauth2");
            assert_eq!(entry["client_id"], "bw-client");
            assert_eq!(entry["client_secret"], secret(provider).as_str());
            continue;
        }
        assert_eq!(
            stored.as_deref(),
            Some(secret(provider).as_str()),
            "{provider}"
        );
    }
    assert_eq!(
        device.lookup("telnyx:conn-43").as_deref(),
        Some(secret("telnyx-team").as_str())
    );
    let port = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("host:port in the URL")
        .to_owned();
    let database = url
        .rsplit('/')
        .next()
        .and_then(|rest| rest.split('?').next())
        .expect("database in the URL")
        .to_owned();
    assert_eq!(
        device
            .lookup(&format!("postgres:{alice}@{port}/{database}"))
            .as_deref(),
        Some(db_password.as_str())
    );
    let out = device.ok(&["db", "password", "remove", "--database-url", &url], "");
    assert!(out.contains("removed the password of"), "{out}");
    device.fails(&["orgs", "list", "--database-url", &url], "", 2);

    // --- …and nowhere else. ---
    let log = String::from_utf8(read(&device.log())).expect("UTF-8 log");
    for logged in ["accounts add", "numbers show", "db password set", "failed"] {
        assert!(log.contains(logged), "the log has no {logged:?}:\n{log}");
    }
    // The searches can find what is there: identifiers are in the files searched.
    assert!(contains(&read(&device.workspace()), SID.as_bytes()));
    let dump = pg_dump(&admin);
    assert!(contains(&dump, SID.as_bytes()), "the dump has the numbers");
    let searched = device.assert_nowhere(
        &token,
        &[
            ("the pg_dump of the team database".to_owned(), dump),
            (
                "the team database's server log".to_owned(),
                cluster.data_dir().map(server_logs).unwrap_or_default(),
            ),
        ],
    );
    assert!(searched > 50, "searched only {searched} places");
}

/// The server's log files of a local cluster, concatenated.
fn server_logs(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() && (name == "log" || name == "pg_log") {
                stack.push(path);
            } else if path.is_file() && name.ends_with(".log") {
                all.extend(std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    all
}

#[test]
fn removing_accounts_and_numbers_forgets_secrets_on_request() {
    if !secret_service_required() {
        return;
    }
    let token = random_token();
    let mut device = Device::new("forget");
    device.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    device.ok(&["orgs", "add", "--slug", "globex", "--name", "Globex"], "");
    device.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
        ],
        &token,
    );
    for (org, number) in [
        ("acme", "+14155551234"),
        ("acme", "+14155551235"),
        ("globex", "+14155551236"),
    ] {
        device.ok(
            &[
                "numbers",
                "add",
                "--org",
                org,
                "--provider",
                "twilio",
                "--number",
                number,
                "--account",
                SID,
            ],
            "",
        );
    }
    let user = format!("twilio:{SID}");

    // Not the last user: nothing is forgotten, even when asked.
    let output = device.run(
        &["numbers", "remove", "+14155551234", "--forget-secret"],
        "",
    );
    assert!(output.status.success());
    assert!(
        text(&output.stderr).contains("kept the secret of twilio account"),
        "{}",
        text(&output.stderr)
    );
    assert!(device.lookup(&user).is_some());
    // `accounts remove` deletes the secret and names the numbers that still need it.
    let out = device.ok(
        &[
            "accounts",
            "remove",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
        ],
        "",
    );
    assert!(
        out.contains("removed the secret of twilio account"),
        "{out}"
    );
    assert!(
        out.contains("2 number(s) still reference it")
            && out.contains("+14155551235 (acme)")
            && out.contains("+14155551236 (globex)"),
        "{out}"
    );
    assert!(device.lookup(&user).is_none());
    let out = device.ok(&["numbers", "show", "+14155551235"], "");
    assert!(out.contains("credentials not on this device"), "{out}");

    // Entered again; the last number removed without the flag: a hint, and the secret stays.
    device.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
        ],
        &token,
    );
    device.ok(&["numbers", "remove", "+14155551235"], "");
    let output = device.run(&["numbers", "remove", "+14155551236"], "");
    assert!(output.status.success());
    let hint = text(&output.stderr);
    assert!(hint.contains("no number uses twilio account"), "{hint}");
    assert!(hint.contains("--forget-secret"), "{hint}");
    assert!(device.lookup(&user).is_some());

    // With the flag on the last number, the secret goes.
    device.ok(
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155551237",
            "--account",
            SID,
        ],
        "",
    );
    let output = device.run(
        &["numbers", "remove", "+14155551237", "--forget-secret"],
        "",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("removed the secret of twilio account"),
        "{}",
        text(&output.stderr)
    );
    assert!(device.lookup(&user).is_none());
    let err = device.fails(
        &[
            "accounts",
            "remove",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
        ],
        "",
        2,
    );
    assert!(err.contains("not found"), "{err}");
    device.assert_nowhere(&token, &[]);
}
