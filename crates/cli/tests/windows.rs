//! The Windows build of the CLI (`x86_64-pc-windows-gnu`), run under Wine as a manager on a
//! Windows desktop would run it, against the fake Twilio on loopback, with the secret in
//! Wine's implementation of the Windows Credential Manager.
//!
//! `scripts/windows.sh` builds what this needs and runs it (it is `#[ignore]`d in a plain
//! `cargo test`, which has no Windows build or Wine):
//!
//! ```text
//! SWITCHBOARD_WINDOWS_CLI=…/switchboard-cli.exe SWITCHBOARD_WINDOWS_HOLD_FILE=…/hold_file.exe \
//!   WINEPREFIX=… cargo test -p switchboard-cli --test windows -- --ignored
//! ```

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::text;
use serde_json::Value;
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};

const SID: &str = creds::TWILIO_ACCOUNT_SID;
const TOKEN: &str = creds::TWILIO_AUTH_TOKEN;
/// How many numbers the fake Twilio account owns.
const OWNED: usize = 30;
/// A folder with spaces and letters outside ASCII, as Windows users' folders often have.
const ODD_DIR: &str = r"C:\users\Public\Documents\Équipe Téléphonie — Zürich";
/// The CLI's log, at trace level, in that folder.
const LOG: &str = r"C:\users\Public\Documents\Équipe Téléphonie — Zürich\switchboard.log";

fn required(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run this test through scripts/windows.sh, which builds the Windows CLI and sets up Wine")
    })
}

/// The Windows CLI under Wine, with the fakes' addresses and a vault service of its own.
struct Desk {
    exe: String,
    prefix: PathBuf,
    env: Vec<(String, String)>,
    printed: Vec<String>,
}

impl Desk {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("wine");
        command
            .arg(&self.exe)
            .args(args)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env_remove("SWITCHBOARD_WORKSPACE")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .env_remove("SWITCHBOARD_PROFILE")
            .env_remove("SWITCHBOARD_CACHE_DIR")
            .env_remove("SWITCHBOARD_LOG_FILE");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    fn run(&mut self, args: &[&str], stdin: &str) -> Output {
        let output = common::run(self.command(args), stdin);
        self.printed.push(text(&output.stdout));
        self.printed.push(text(&output.stderr));
        output
    }

    #[track_caller]
    fn ok(&mut self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        common::succeeded(&output, args)
    }

    #[track_caller]
    fn fails(&mut self, args: &[&str], code: i32) -> String {
        let output = self.run(args, "");
        common::exited(&output, code, args)
    }

    #[track_caller]
    fn json(&mut self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all, "");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// The numbers of `org` in the workspace `ws` (None: the default one).
    fn numbers(&mut self, org: &str, ws: Option<&str>) -> Vec<Value> {
        let mut args = vec!["numbers", "list", "--org", org, "--limit", "1000"];
        if let Some(ws) = ws {
            args.extend(["--workspace", ws]);
        }
        self.json(&args)["items"].as_array().expect("items").clone()
    }

    /// Where a Windows path of this prefix's C: drive lies on this machine.
    fn unix_path(&self, windows: &str) -> PathBuf {
        let rest = windows
            .strip_prefix(r"C:\")
            .expect("a path on C:")
            .replace('\\', "/");
        self.prefix.join("drive_c").join(rest)
    }

    /// Waits for the Wine server to exit, a few seconds after the last program: only then has
    /// it written the registry files.
    fn settle(&self) {
        let waited = Command::new("wineserver")
            .arg("-w")
            .env("WINEPREFIX", &self.prefix)
            .status()
            .expect("wineserver runs");
        assert!(waited.success(), "wineserver -w: {waited}");
    }

    /// Wine's registry files (the Credential Manager keeps its entries there).
    fn registry(&self) -> String {
        self.settle();
        ["system.reg", "user.reg", "userdef.reg"]
            .iter()
            .map(|f| {
                std::fs::read(self.prefix.join(f))
                    .map(|b| text(&b))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Opens `file` from a Windows program that shares it with no one, until dropped.
    fn hold(&self, file: &str) -> Held {
        let mut child = Command::new("wine")
            .arg(required("SWITCHBOARD_WINDOWS_HOLD_FILE"))
            .arg(file)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("hold_file runs");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().expect("stdout")),
            &mut line,
        )
        .expect("hold_file prints");
        assert_eq!(line.trim(), "held", "hold_file could not open {file}");
        Held(child)
    }
}

struct Held(Child);

impl Drop for Held {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// The files below `dir`, not following links (Wine links the user's Desktop and Documents
/// to the Unix home directory).
fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        match entry.file_type() {
            Ok(t) if t.is_dir() => files_below(&entry.path(), out),
            Ok(t) if t.is_file() => out.push(entry.path()),
            _ => {}
        }
    }
}

#[test]
#[ignore = "needs the Windows build of the CLI and Wine: run scripts/windows.sh"]
fn a_managers_day_on_windows_under_wine() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let fakes = runtime
        .block_on(FakeProviders::start(FakeConfig {
            twilio_numbers: OWNED,
            ..FakeConfig::default()
        }))
        .expect("fakes start");
    let service = format!(
        "dev.switchboard.test.windows.{}",
        uuid::Uuid::new_v4().simple()
    );
    let mut d = Desk {
        exe: required("SWITCHBOARD_WINDOWS_CLI"),
        prefix: PathBuf::from(required("WINEPREFIX")),
        env: vec![
            (
                FakeKind::Twilio.env_var().to_owned(),
                fakes.base_url(FakeKind::Twilio),
            ),
            ("SWITCHBOARD_VAULT_SERVICE".to_owned(), service.clone()),
            ("SWITCHBOARD_LOG_FILE".to_owned(), LOG.to_owned()),
            ("SWITCHBOARD_LOG".to_owned(), "trace".to_owned()),
        ],
        printed: Vec::new(),
    };
    std::fs::create_dir_all(d.unix_path(ODD_DIR)).expect("folder");

    // The default workspace: under the Windows user's roaming application data.
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    let mut defaults = Vec::new();
    files_below(&d.prefix.join("drive_c/users"), &mut defaults);
    let workspace = defaults
        .iter()
        .find(|p| p.ends_with("AppData/Roaming/switchboard/switchboard/data/workspace.db"))
        .unwrap_or_else(|| panic!("no workspace under AppData\\Roaming: {defaults:?}"))
        .clone();
    d.ok(
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "(415) 555-0100",
            "--region",
            "US",
            "--friendly-name",
            "Front desk",
        ],
        "",
    );
    let numbers = d.numbers("acme", None);
    assert_eq!(numbers.len(), 1);
    assert_eq!(numbers[0]["phone_number"], "+14155550100");

    // A provider account: the secret goes to the Credential Manager, read back to verify and
    // to import the account's numbers from the fake Twilio.
    d.ok(
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
        &format!("{TOKEN}\n"),
    );
    assert!(
        d.registry().contains(&service),
        "the Credential Manager holds no entry for {service}"
    );
    let out = d.ok(&["accounts", "verify", "--org", "acme", SID], "");
    assert!(out.contains("verified"), "{out}");
    let out = d.ok(
        &[
            "numbers",
            "import",
            "--org",
            "acme",
            "--account",
            SID,
            "--yes",
        ],
        "",
    );
    assert!(
        out.contains(&format!("imported {OWNED} number(s)")),
        "{out}"
    );
    assert_eq!(d.numbers("acme", None).len(), OWNED + 1);
    // Every imported number verifies; the one added by hand has no account and is reported as
    // skipped, so the run exits 1 (not everything was verified).
    let args = ["--json", "numbers", "verify", "--all", "--org", "acme"];
    let output = d.run(&args, "");
    common::exited(&output, 1, &args);
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["verified"], OWNED, "{report}");

    // Without the secret on this device (another vault service: an empty vault), the CLI says
    // what is missing and how to add it, and changes nothing.
    let before = d.numbers("acme", None);
    let saved = std::mem::replace(
        &mut d.env[1].1,
        format!(
            "dev.switchboard.test.windows.empty.{}",
            uuid::Uuid::new_v4().simple()
        ),
    );
    let err = d.fails(&["accounts", "verify", "--org", "acme", SID], 2);
    assert!(err.contains("accounts add"), "{err}");
    d.env[1].1 = saved;
    assert_eq!(d.numbers("acme", None), before);

    // Export to a folder with spaces and accents; import what Windows tools write back (a
    // UTF-8 byte-order mark and CRLF line endings) into a workspace in that folder.
    let csv = format!(r"{ODD_DIR}\numéros acme.csv");
    let ws = format!(r"{ODD_DIR}\équipe workspace.db");
    d.ok(
        &["numbers", "export", "--org", "acme", "--output", &csv],
        "",
    );
    let exported = std::fs::read_to_string(d.unix_path(&csv)).expect("exported CSV");
    assert_eq!(exported.lines().count(), OWNED + 2, "{exported}");
    let windows_text = format!(
        "\u{feff}{}",
        exported.lines().collect::<Vec<_>>().join("\r\n") + "\r\n"
    );
    let crlf = format!(r"{ODD_DIR}\from excel.csv");
    std::fs::write(d.unix_path(&crlf), windows_text).expect("CRLF copy");
    d.ok(
        &[
            "orgs",
            "add",
            "--slug",
            "beta",
            "--name",
            "Beta",
            "--workspace",
            &ws,
        ],
        "",
    );
    let out = d.ok(
        &[
            "numbers",
            "import",
            "--org",
            "beta",
            "--workspace",
            &ws,
            &crlf,
        ],
        "",
    );
    assert!(out.contains(&format!("{}", OWNED + 1)), "{out}");
    let strip = |n: &Value| {
        (
            n["phone_number"].clone(),
            n["friendly_name"].clone(),
            n["status"].clone(),
            n["metadata"].clone(),
        )
    };
    let mut a: Vec<_> = d.numbers("acme", None).iter().map(strip).collect();
    let mut b: Vec<_> = d.numbers("beta", Some(&ws)).iter().map(strip).collect();
    a.sort_by_key(|t| t.0.to_string());
    b.sort_by_key(|t| t.0.to_string());
    assert_eq!(a, b, "the CRLF file did not import as exported");

    // A workspace that another Windows program holds open without sharing: a clear error,
    // nothing changed; once it lets go, the same command works.
    {
        let _held = d.hold(&ws);
        let err = d.fails(&["numbers", "list", "--org", "beta", "--workspace", &ws], 1);
        assert!(err.contains("held open by another program"), "{err}");
        assert!(err.contains("équipe workspace.db"), "{err}");
    }
    assert_eq!(d.numbers("beta", Some(&ws)).len(), OWNED + 1);

    // Removing the account forgets its secret: the Credential Manager entry is gone.
    d.ok(
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
        !d.registry().contains(&service),
        "the Credential Manager still holds {service}"
    );
    let err = d.fails(&["accounts", "verify", "--org", "acme", SID], 2);
    assert!(err.contains("accounts add"), "{err}");

    // The secret is nowhere but where the Credential Manager kept it: not in the registry's
    // text, the workspaces, the exports, the CLI's output, or its log.
    d.settle();
    let mut files = vec![workspace];
    files_below(&d.unix_path(ODD_DIR), &mut files);
    files_below(&d.prefix.join("drive_c/users"), &mut files);
    for f in ["system.reg", "user.reg", "userdef.reg"] {
        files.push(d.prefix.join(f));
    }
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "the secret is in {}",
            file.display()
        );
    }
    for printed in &d.printed {
        assert!(
            !printed.contains(TOKEN),
            "the secret was printed: {printed}"
        );
    }
    let log = std::fs::read_to_string(d.unix_path(LOG)).expect("the CLI's log");
    assert!(
        log.contains("accounts"),
        "the log holds the commands: {log}"
    );
    fakes.shutdown();
}
