//! The provider commands against the local fake providers, with secrets in the real Secret
//! Service.
//!
//! Each test starts `FakeProviders` in-process, points the CLI at them with
//! `SWITCHBOARD_<PROVIDER>_API_URL`, and drives the built `switchboard-cli` as a manager would:
//! add an account (secret on standard input), verify it, import its numbers (twice), verify
//! them in bulk, point a webhook, detect drift made at the provider, search, buy and release.
//! Run them in a throwaway D-Bus session with an unlocked GNOME Keyring:
//!
//! ```text
//! scripts/with-secret-service.sh cargo test -p switchboard-cli --test providers
//! ```
//!
//! Without a session bus the tests fail with instructions rather than pass vacuously; set
//! `SWITCHBOARD_SKIP_VAULT_TESTS=1` to skip them on purpose.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::text;
use serde_json::Value;
use switchboard_core::domain::E164;
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, creds};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::model::{NumberRef, SharedPolicy, WebhookChange};
use switchboard_providers::twilio::{TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint};
use switchboard_secrets::SecretString;

const SID: &str = creds::TWILIO_ACCOUNT_SID;
/// How many numbers each fake account owns.
const OWNED: usize = 30;

fn secret_service_required() -> bool {
    common::secret_service_required("providers")
}

/// A manager's device with the fakes running: its own workspace, vault service and log, and
/// everything the CLI printed.
struct Device {
    dir: tempfile::TempDir,
    service: String,
    env: Vec<(String, String)>,
    printed: Vec<String>,
    fakes: FakeProviders,
    runtime: tokio::runtime::Runtime,
}

impl Device {
    fn new(test: &str) -> Self {
        Device::with(test, |_| {})
    }

    /// A device whose fakes serve `OWNED` numbers each, as `more` changes them.
    fn with(test: &str, more: impl FnOnce(&mut FakeConfig)) -> Self {
        let runtime = common::fakes_runtime();
        let mut config = FakeConfig {
            twilio_numbers: OWNED,
            vonage_numbers: OWNED,
            telnyx_numbers: OWNED,
            bandwidth_numbers: OWNED,
            plivo_numbers: OWNED,
            ..FakeConfig::default()
        };
        more(&mut config);
        let fakes = runtime
            .block_on(FakeProviders::start(config))
            .expect("fakes start");
        let env = FakeKind::ALL
            .iter()
            .map(|k| (k.env_var().to_owned(), fakes.base_url(*k)))
            .collect();
        Device {
            dir: tempfile::tempdir().expect("temp dir"),
            service: format!(
                "dev.switchboard.test.providers.{test}.{}",
                uuid::Uuid::new_v4().simple()
            ),
            env,
            printed: Vec::new(),
            fakes,
            runtime,
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace.db")
    }

    fn run_with(&mut self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut command = common::command(args);
        command
            .env("SWITCHBOARD_WORKSPACE", self.workspace())
            .env("SWITCHBOARD_VAULT_SERVICE", &self.service)
            .env("SWITCHBOARD_LOG_FILE", self.dir.path().join("cli.log"))
            .env("SWITCHBOARD_CACHE_DIR", self.dir.path().join("caches"))
            .env("SWITCHBOARD_LOG", "trace");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let output = common::run(command, stdin);
        self.printed.push(text(&output.stdout));
        self.printed.push(text(&output.stderr));
        output
    }

    #[track_caller]
    fn ok(&mut self, args: &[&str], stdin: &str) -> String {
        let output = self.run_with(args, stdin, &[]);
        common::succeeded(&output, args)
    }

    #[track_caller]
    fn json(&mut self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all, "");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    /// Runs a command that must fail with `code`; returns its stderr.
    #[track_caller]
    fn fails(&mut self, args: &[&str], code: i32) -> String {
        self.fails_with(args, code, &[])
    }

    #[track_caller]
    fn fails_with(&mut self, args: &[&str], code: i32, env: &[(&str, &str)]) -> String {
        let output = self.run_with(args, "", env);
        common::exited(&output, code, args)
    }

    /// The organization's numbers as JSON records.
    fn numbers(&mut self, org: &str) -> Vec<Value> {
        let page = self.json(&["numbers", "list", "--org", org, "--limit", "1000"]);
        page["items"].as_array().expect("items").clone()
    }

    /// Asserts no fake secret appears in anything the CLI printed or logged.
    fn assert_no_secret_printed(&self) {
        let log = std::fs::read_to_string(self.dir.path().join("cli.log")).unwrap_or_default();
        for secret in [
            creds::TWILIO_AUTH_TOKEN,
            creds::TELNYX_API_KEY,
            creds::VONAGE_API_SECRET,
            creds::TWILIO_API_KEY_SECRET,
            creds::BANDWIDTH_CLIENT_SECRET,
            creds::BANDWIDTH_PASSWORD,
            creds::PLIVO_AUTH_TOKEN,
            "wrong-token-123",
        ] {
            for printed in self.printed.iter().chain([&log]) {
                assert!(!printed.contains(secret), "a secret was printed: {printed}");
            }
        }
    }
}

/// A command line's words (none of them with a space).
fn words(line: &str) -> Vec<&str> {
    line.split(' ').collect()
}

fn add_twilio(device: &mut Device, token: &str) {
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
        &format!("{token}\n"),
    );
}

#[test]
fn a_twilio_account_from_verify_to_release() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("twilio");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");

    // Before the account is added (and its secret on this device): say so, and how to add it.
    let err = d.fails(&["accounts", "verify", "--org", "acme", SID], 2);
    assert!(err.contains("was not added to acme"), "{err}");
    assert!(err.contains("accounts add"), "{err}");

    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    let out = d.ok(&["accounts", "verify", "--org", "acme", SID], "");
    assert!(out.contains("verified"), "{out}");

    // Import: the plan first, nothing changed; refused without --yes off a terminal.
    let plan = d.json(&[
        "numbers",
        "import",
        "--org",
        "acme",
        "--account",
        SID,
        "--dry-run",
    ]);
    assert_eq!(plan["new"].as_array().expect("new").len(), OWNED);
    assert!(d.numbers("acme").is_empty());
    let err = d.fails(&["numbers", "import", "--org", "acme", "--account", SID], 2);
    assert!(err.contains("--yes"), "{err}");
    assert!(d.numbers("acme").is_empty());
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
    let numbers = d.numbers("acme");
    assert_eq!(numbers.len(), OWNED);
    let first = &numbers[0];
    assert_eq!(first["credentials"]["accountSid"], SID);
    assert!(
        first["metadata"]["providerSid"]
            .as_str()
            .is_some_and(|s| s.starts_with("PN"))
    );

    // Twice: the second run changes nothing.
    let before: Vec<Value> = numbers.clone();
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
    assert!(out.contains("0 new"), "{out}");
    assert!(out.contains("nothing to import"), "{out}");
    assert_eq!(d.numbers("acme"), before);

    // Verify every number: a per-number report, last_verified_at set.
    let report = d.json(&["numbers", "verify", "--all", "--org", "acme"]);
    assert_eq!(report["verified"], OWNED);
    assert_eq!(report["items"].as_array().expect("items").len(), OWNED);
    assert!(
        d.numbers("acme")
            .iter()
            .all(|n| n["last_verified_at"].is_string())
    );

    // Webhook: plan, set after the provider confirms, recorded.
    let number = first["phone_number"].as_str().expect("number").to_owned();
    let out = d.ok(
        &[
            "numbers",
            "webhook",
            &number,
            "--voice-url",
            "https://platform.example/voice",
        ],
        "",
    );
    assert!(out.contains("plan for"), "{out}");
    assert!(out.contains("this number only"), "{out}");
    let shown = d.json(&["numbers", "show", &number]);
    assert_eq!(shown["webhook_configured"], true);
    assert_eq!(shown["webhook_url"], "https://platform.example/voice");

    // `numbers show` gives each channel's URL on record: the voice URL set, the SMS URL read
    // from Twilio at the import. The fake's first number (by E.164) routes its SMS through
    // the account's messaging application, whose sms_url is the number's SMS URL (its own
    // sms_url, still set, Twilio ignores).
    let out = d.ok(&["numbers", "show", &number], "");
    assert!(
        out.contains("voice webhook: https://platform.example/voice"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "sms webhook: {}",
            switchboard_fake_providers::TWILIO_SMS_APPLICATION_URL
        )),
        "{out}"
    );

    // Drift: none, then a change made at the provider is reported. Every imported number has
    // its SMS URL on record (read at the import), so every one is checked.
    let drift = d.json(&["numbers", "drift", "--org", "acme"]);
    assert_eq!(drift["drifted"], 0, "{drift}");
    assert_eq!(drift["in_sync"], OWNED, "{drift}");
    let twilio = TwilioClient::new(
        TwilioCredentials {
            account_sid: SID.into(),
            auth: TwilioAuth::AuthToken(SecretString::new(creds::TWILIO_AUTH_TOKEN.into())),
        },
        TwilioEndpoint::Twilio {
            base_url: Some(d.fakes.base_url(FakeKind::Twilio)),
        },
        &HttpSettings::default(),
    )
    .expect("client");
    let phone = E164::parse(&number, None).expect("E.164");
    d.runtime
        .block_on(twilio.set_webhooks(
            &NumberRef::new(phone),
            &WebhookChange {
                voice_url: Some("https://elsewhere.example/voice".into()),
                sms_url: Some("https://elsewhere.example/sms".into()),
                ..WebhookChange::default()
            },
            SharedPolicy::OnlyThisNumber,
        ))
        .expect("changed at the provider");
    let drift = d.json(&["numbers", "drift", "--org", "acme"]);
    assert_eq!(drift["drifted"], 1, "{drift}");
    let item = &drift["items"][0];
    assert_eq!(item["phone_number"], number.as_str());
    assert_eq!(item["channel"], "voice");
    assert_eq!(item["at_provider"], "https://elsewhere.example/voice");
    assert_eq!(item["on_record"], "https://platform.example/voice");
    // The SMS side on a line of its own.
    let item = &drift["items"][1];
    assert_eq!(item["phone_number"], number.as_str());
    assert_eq!(item["channel"], "sms");
    assert_eq!(item["at_provider"], "https://elsewhere.example/sms");
    assert_eq!(
        item["on_record"],
        switchboard_fake_providers::TWILIO_SMS_APPLICATION_URL
    );
    assert_eq!(drift["items"].as_array().map(Vec::len), Some(2), "{drift}");
    let out = d.ok(&["numbers", "drift", "--org", "acme"], "");
    assert!(out.contains("1 drifted"), "{out}");

    // Search and buy: refused without --yes, bought with it.
    let found = d.json(&[
        "available",
        "search",
        "--account",
        SID,
        "--country",
        "US",
        "--area-code",
        "415",
        "--contains",
        "555",
    ]);
    let found = found["items"].as_array().expect("items").clone();
    assert!(!found.is_empty());
    assert!(found.iter().all(|a| {
        let n = a["phone_number"].as_str().unwrap_or_default();
        n.starts_with("+1415") && n.contains("555")
    }));
    let pick = found[0]["phone_number"]
        .as_str()
        .expect("number")
        .to_owned();
    let err = d.fails(&["numbers", "buy", "--account", SID, &pick], 2);
    assert!(err.contains("--yes"), "{err}");
    let plan = d.json(&[
        "numbers",
        "import",
        "--org",
        "acme",
        "--account",
        SID,
        "--dry-run",
    ]);
    assert_eq!(
        plan["new"].as_array().expect("new").len(),
        0,
        "nothing was bought"
    );
    let out = d.ok(
        &[
            "numbers",
            "buy",
            "--account",
            SID,
            "--org",
            "acme",
            &pick,
            "--yes",
        ],
        "",
    );
    assert!(out.contains(&format!("bought {pick}")), "{out}");
    assert_eq!(d.numbers("acme").len(), OWNED + 1);

    // Release: refused without --yes, done with it (and it leaves the inventory).
    let err = d.fails(&["numbers", "release", &pick], 2);
    assert!(err.contains("--yes"), "{err}");
    let out = d.ok(&["numbers", "release", &pick, "--yes"], "");
    assert!(out.contains(&format!("released {pick}")), "{out}");
    assert_eq!(d.numbers("acme").len(), OWNED);
    let plan = d.json(&[
        "numbers",
        "import",
        "--org",
        "acme",
        "--account",
        SID,
        "--dry-run",
    ]);
    assert_eq!(plan["present"].as_array().expect("present").len(), OWNED);
    assert_eq!(plan["new"].as_array().expect("new").len(), 0);

    // A network failure is not a credential failure: nothing changes.
    let err = d.fails_with(
        &["accounts", "verify", "--org", "acme", SID],
        1,
        &[("SWITCHBOARD_TWILIO_API_URL", "http://127.0.0.1:9")],
    );
    assert!(err.contains("could not be reached"), "{err}");
    assert!(d.numbers("acme").iter().all(|n| n["status"] == "active"));

    // A wrong secret: refused, and the account's numbers say so.
    add_twilio(&mut d, "wrong-token-123");
    let err = d.fails(&["accounts", "verify", "--org", "acme", SID], 1);
    assert!(err.contains("refused the credentials"), "{err}");
    let numbers = d.numbers("acme");
    assert!(
        numbers.iter().all(|n| n["status"] == "error"),
        "{numbers:?}"
    );
    assert!(numbers[0]["metadata"]["lastVerifyError"].is_string());
    let report = d.fails(&["numbers", "verify", "--all", "--org", "acme"], 1);
    assert!(report.contains("not verified"), "{report}");

    // The right secret again: verified, back to active.
    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    d.ok(&["accounts", "verify", "--org", "acme", SID], "");
    assert!(d.numbers("acme").iter().all(|n| n["status"] == "active"));

    d.assert_no_secret_printed();
}

#[test]
fn telnyx_and_vonage_accounts_import_and_verify() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("others");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    for (provider, account, secret) in [
        ("telnyx", "telnyx-main", creds::TELNYX_API_KEY),
        ("vonage", creds::VONAGE_API_KEY, creds::VONAGE_API_SECRET),
    ] {
        d.ok(
            &[
                "accounts",
                "add",
                "--org",
                "acme",
                "--provider",
                provider,
                "--account-id",
                account,
            ],
            &format!("{secret}\n"),
        );
        let out = d.ok(&["accounts", "verify", "--org", "acme", account], "");
        assert!(out.contains("verified"), "{provider}: {out}");
        let out = d.ok(
            &[
                "numbers",
                "import",
                "--org",
                "acme",
                "--account",
                account,
                "--yes",
            ],
            "",
        );
        assert!(
            out.contains(&format!("imported {OWNED} number(s)")),
            "{provider}: {out}"
        );
        let again = d.json(&[
            "numbers",
            "import",
            "--org",
            "acme",
            "--account",
            account,
            "--dry-run",
        ]);
        assert_eq!(
            again["new"].as_array().expect("new").len(),
            0,
            "{provider}: {again}"
        );
    }
    let numbers = d.numbers("acme");
    assert_eq!(numbers.len(), 2 * OWNED);
    let report = d.json(&["numbers", "verify", "--all", "--org", "acme"]);
    assert_eq!(report["verified"], 2 * OWNED, "{report}");
    let one = numbers
        .iter()
        .find(|n| n["provider"] == "telnyx")
        .expect("a telnyx number");
    let out = d.ok(&["numbers", "verify", one["id"].as_str().expect("id")], "");
    assert!(out.contains("1 verified"), "{out}");

    // Telnyx keeps the voice webhook on the number's connection, shared with other numbers:
    // the plan says so, and the change needs --allow-shared.
    let url = "https://platform.example/telnyx";
    let shared = numbers
        .iter()
        .filter(|n| n["provider"] == "telnyx")
        .find_map(|n| {
            let id = n["id"].as_str().expect("id").to_owned();
            // Numbers on a SIP connection have no object to hold a webhook: refused, skipped.
            let args = [
                "--json",
                "numbers",
                "webhook",
                &id,
                "--voice-url",
                url,
                "--dry-run",
            ];
            let output = d.run_with(&args, "", &[]);
            if !output.status.success() {
                assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
                return None;
            }
            let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            let change = &plan["plan"]["changes"][0];
            (change["object"]["kind"] == "telnyx_call_control_application"
                && plan["needs_allow_shared"] == true)
                .then(|| (id, change["shared_by"].as_u64().expect("count")))
        })
        .expect("a Telnyx number on a shared Call Control application");
    let (id, shared_by) = shared;
    assert!(shared_by > 1);
    let err = d.fails(&["numbers", "webhook", &id, "--voice-url", url], 2);
    assert!(err.contains("--allow-shared"), "{err}");
    assert!(
        err.contains(&format!("shared by {shared_by} numbers")),
        "{err}"
    );
    let out = d.ok(
        &[
            "numbers",
            "webhook",
            &id,
            "--voice-url",
            url,
            "--allow-shared",
        ],
        "",
    );
    assert!(
        out.contains(&format!("shared by {shared_by} numbers")),
        "{out}"
    );
    let shown = d.json(&["numbers", "show", &id]);
    assert_eq!(shown["webhook_configured"], true);
    assert_eq!(shown["webhook_url"], url);
    // Checked: the number just pointed, and every number whose SMS URL the import read (a
    // Telnyx messaging profile's, a Vonage number's `moHttpUrl`); the others are not recorded.
    let recorded = (d.numbers("acme").iter())
        .filter(|n| n["webhook_url"].is_string() || n["metadata"]["smsWebhookUrl"].is_string())
        .count();
    let drift = d.json(&["numbers", "drift", "--org", "acme"]);
    assert_eq!(drift["drifted"], 0, "{drift}");
    assert_eq!(drift["in_sync"], recorded, "{drift}");
    assert!(drift["not_recorded"].as_u64() > Some(0), "{drift}");
    d.assert_no_secret_printed();
}

#[test]
fn ctrl_c_stops_a_bulk_verify_and_a_bulk_webhook_cleanly() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("cancel");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    d.ok(
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
    // 200 ms a request, one at a time: 30 numbers take 6 s; Ctrl-C comes after about 1 s.
    d.fakes
        .faults(FakeKind::Twilio)
        .set(switchboard_fake_providers::Faults {
            latency_ms: 200,
            ..Default::default()
        });
    let output = interrupted(
        &d,
        &[
            "--json",
            "numbers",
            "verify",
            "--all",
            "--org",
            "acme",
            "--concurrency",
            "1",
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a report");
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), OWNED, "one line per number");
    let verified = report["verified"].as_u64().expect("count") as usize;
    let not_started = items
        .iter()
        .filter(|i| i["result"] == "not started")
        .count();
    assert!(verified >= 1 && not_started >= 1, "{report}");
    assert_eq!(verified + not_started, OWNED, "{report}");
    // What was verified before Ctrl-C is recorded; the rest is untouched.
    d.fakes
        .faults(FakeKind::Twilio)
        .set(switchboard_fake_providers::Faults::default());
    let recorded = d
        .numbers("acme")
        .iter()
        .filter(|n| n["last_verified_at"].is_string())
        .count();
    assert_eq!(recorded, verified);

    // The same for re-pointing a selection: the report covers every number, what the
    // provider confirmed before Ctrl-C is recorded, the rest was not started.
    d.fakes
        .faults(FakeKind::Twilio)
        .set(switchboard_fake_providers::Faults {
            latency_ms: 200,
            ..Default::default()
        });
    let url = "https://platform.example/cancelled";
    let output = interrupted(
        &d,
        &[
            "--json",
            "numbers",
            "webhook",
            "--all",
            "--org",
            "acme",
            "--voice-url",
            url,
            "--yes",
            "--concurrency",
            "1",
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a report");
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), OWNED, "one line per number");
    let repointed = report["repointed"].as_u64().expect("count") as usize;
    let not_started = items
        .iter()
        .filter(|i| i["result"] == "not started")
        .count();
    assert!(repointed >= 1 && not_started >= 1, "{report}");
    assert_eq!(repointed + not_started, OWNED, "{report}");
    d.fakes
        .faults(FakeKind::Twilio)
        .set(switchboard_fake_providers::Faults::default());
    let recorded = d
        .numbers("acme")
        .iter()
        .filter(|n| n["webhook_configured"] == true && n["webhook_url"] == url)
        .count();
    assert_eq!(recorded, repointed);
}

/// Runs a command with the fakes slowed down and sends it SIGINT (Ctrl-C) after 1.5 s.
fn interrupted(d: &Device, args: &[&str]) -> Output {
    let mut command = common::command(args);
    command
        .env("SWITCHBOARD_WORKSPACE", d.workspace())
        .env("SWITCHBOARD_VAULT_SERVICE", &d.service)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in &d.env {
        command.env(key, value);
    }
    let child = command.spawn().expect("the CLI runs");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    child.wait_with_output().expect("the CLI finishes")
}

#[test]
fn the_team_database_imports_verifies_and_records_webhooks() {
    if !secret_service_required() {
        return;
    }
    let cluster = switchboard_test_postgres::TestCluster::start().expect("cluster starts");
    let admin = cluster.admin_url();
    let mut d = Device::new("team");
    d.ok(&["db", "migrate", "--database-url", &admin], "");
    cluster
        .psql(
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')",
        )
        .expect("organization");
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
        "manager pass\n",
    );
    let manager = cluster.url_for(&alice, "manager pass");
    let db = ["--database-url", manager.as_str()];
    let with_db = |args: &[&'static str]| -> Vec<String> {
        args.iter()
            .map(|a| a.to_string())
            .chain(db.iter().map(|a| a.to_string()))
            .collect()
    };
    let run = |d: &mut Device, args: &[&'static str], stdin: &str| -> String {
        let args = with_db(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        d.ok(&args, stdin)
    };
    // The account is listed under the organization in this device's cache of the team
    // database (the cache learns the organization first: it was never synced).
    run(
        &mut d,
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
        &format!("{}\n", creds::TWILIO_AUTH_TOKEN),
    );
    // The server refuses one of the account's numbers (a rule of its own): the import records
    // the others, names the one left out with why, and exits 1; run again once the rule is
    // gone, it imports that one alone.
    cluster
        .psql(
            &admin,
            "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
               IF NEW.phone_number = '+12122340000' THEN RAISE EXCEPTION 'a test rule'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_one BEFORE INSERT ON phone_numbers
               FOR EACH ROW EXECUTE FUNCTION refuse_one()",
        )
        .expect("trigger");
    let import = with_db(&[
        "numbers",
        "import",
        "--org",
        "acme",
        "--account",
        SID,
        "--yes",
    ]);
    let import: Vec<&str> = import.iter().map(String::as_str).collect();
    let err = d.fails(&import, 1);
    assert!(err.contains("not imported +12122340000: "), "{err}");
    assert!(
        err.contains(&format!("1 of {OWNED} number(s) not imported")),
        "{err}"
    );
    let out = d.printed[d.printed.len() - 2].clone();
    assert!(
        out.contains(&format!("imported {} number(s)", OWNED - 1)),
        "{out}"
    );
    cluster
        .psql(&admin, "DROP TRIGGER refuse_one ON phone_numbers")
        .expect("drop trigger");
    let out = d.ok(&import, "");
    assert!(
        out.contains(&format!("1 new, {} already present", OWNED - 1)),
        "{out}"
    );
    assert!(out.contains("imported 1 number(s)"), "{out}");
    let out = run(
        &mut d,
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
    assert!(out.contains("nothing to import"), "{out}");
    let out = run(&mut d, &["accounts", "verify", "--org", "acme", SID], "");
    assert!(
        out.contains(&format!("last_verified_at set on {OWNED} number(s)")),
        "{out}"
    );
    let out = run(&mut d, &["numbers", "verify", "--all", "--org", "acme"], "");
    assert!(
        out.contains(&format!("{OWNED} verified, 0 not verified")),
        "{out}"
    );
    let out = run(
        &mut d,
        &[
            "numbers",
            "webhook",
            "+14152340000",
            "--org",
            "acme",
            "--voice-url",
            "https://platform.example/voice",
        ],
        "",
    );
    assert!(out.contains("webhook_configured=true"), "{out}");
    // Every imported number has its SMS URL on record (read at the import): all are checked.
    let out = run(&mut d, &["numbers", "drift", "--org", "acme"], "");
    assert!(
        out.contains(&format!("0 drifted, {OWNED} in sync")),
        "{out}"
    );
    let recorded = cluster
        .psql(
            &admin,
            "SELECT count(*) FILTER (WHERE last_verified_at IS NOT NULL) || '/' || \
             count(*) FILTER (WHERE webhook_configured) FROM phone_numbers",
        )
        .expect("counts");
    assert_eq!(recorded.trim(), format!("{OWNED}/1"));

    // A selection re-pointed in the team database: the filter runs there, the records follow.
    let out = run(
        &mut d,
        &[
            "numbers",
            "webhook",
            "--org",
            "acme",
            "--search",
            "415",
            "--voice-url",
            "https://platform.example/team",
            "--yes",
        ],
        "",
    );
    assert!(out.contains("0 not re-pointed"), "{out}");
    let counts = cluster
        .psql(
            &admin,
            "SELECT count(*) FILTER (WHERE webhook_configured AND \
             webhook_url = 'https://platform.example/team') || '/' || \
             count(*) FILTER (WHERE phone_number LIKE '%415%' OR friendly_name LIKE '%415%') \
             FROM phone_numbers",
        )
        .expect("counts");
    let (repointed, selected) = counts.trim().split_once('/').expect("two counts");
    assert_eq!(repointed, selected, "{counts}");
    assert_ne!(repointed, "0", "{counts}");

    // The account is listed as added; the cache, which learned the organization when the
    // account was added, gets its numbers with the next sync and keeps the account.
    let listed = run(&mut d, &["--json", "accounts", "list", "--org", "acme"], "");
    let listed: Value = serde_json::from_str(&listed).expect("JSON");
    assert_eq!(listed["items"][0]["added"], true, "{listed}");
    run(&mut d, &["sync"], "");
    let caches: Vec<PathBuf> = std::fs::read_dir(d.dir.path().join("caches"))
        .expect("caches")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
        .collect();
    assert_eq!(caches.len(), 1, "{caches:?}");
    let cache = switchboard_core::store::Workspace::open(&caches[0]).expect("cache opens");
    let acme = cache.organization("acme").expect("acme cached");
    let mut cached = 0;
    cache
        .for_each_number(acme.id, |_| {
            cached += 1;
            Ok(())
        })
        .expect("numbers");
    assert_eq!(cached, OWNED);
    let added = cache.added_accounts().expect("added accounts");
    assert!(added.contains(acme.id, switchboard_core::domain::Provider::Twilio, SID));
    drop(cache);

    // The last number of an account removed with --forget-secret, online: the secret goes,
    // and so does the account from the cache's list of accounts added on this device.
    const OTHER_SID: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    run(
        &mut d,
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-sid",
            OTHER_SID,
        ],
        &format!("{}\n", creds::TWILIO_AUTH_TOKEN),
    );
    run(
        &mut d,
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155550199",
            "--account",
            OTHER_SID,
        ],
        "",
    );
    let args = with_db(&["numbers", "remove", "+14155550199", "--forget-secret"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let removed = d.run_with(&args, "", &[]);
    let said = text(&removed.stderr);
    assert!(removed.status.success(), "{said}");
    assert!(
        said.contains("removed the secret of twilio account"),
        "{said}"
    );
    let cache = switchboard_core::store::Workspace::open(&caches[0]).expect("cache opens");
    let added = cache.added_accounts().expect("added accounts");
    assert!(!added.contains(
        acme.id,
        switchboard_core::domain::Provider::Twilio,
        OTHER_SID
    ));
    assert!(added.contains(acme.id, switchboard_core::domain::Provider::Twilio, SID));
    d.assert_no_secret_printed();
}

/// The records of `ids` as (webhook_configured, webhook_url).
fn webhooks_of(d: &mut Device, org: &str) -> std::collections::HashMap<String, (bool, Value)> {
    d.numbers(org)
        .into_iter()
        .map(|n| {
            (
                n["id"].as_str().expect("id").to_owned(),
                (
                    n["webhook_configured"].as_bool().expect("bool"),
                    n["webhook_url"].clone(),
                ),
            )
        })
        .collect()
}

#[test]
fn a_selection_is_repointed_in_bulk_with_a_per_number_report() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("bulk");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    d.ok(
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
    let selected: std::collections::HashSet<String> = d.json(&[
        "numbers", "list", "--org", "acme", "--search", "415", "--limit", "1000",
    ])["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(
        !selected.is_empty() && selected.len() < OWNED,
        "{selected:?}"
    );
    let url = "https://platform.example/bulk";

    // Bad selections: no organization; a number and a filter together.
    let err = d.fails(
        &["numbers", "webhook", "--search", "415", "--voice-url", url],
        2,
    );
    assert!(err.contains("--org"), "{err}");
    let err = d.fails(
        &[
            "numbers",
            "webhook",
            "+14152340000",
            "--search",
            "415",
            "--voice-url",
            url,
        ],
        2,
    );
    assert!(err.contains("not both"), "{err}");

    // The plan, then a refusal without --yes off a terminal: nothing changes.
    let plan = d.json(&[
        "numbers",
        "webhook",
        "--org",
        "acme",
        "--search",
        "415",
        "--voice-url",
        url,
        "--dry-run",
    ]);
    assert_eq!(plan["selected"], selected.len(), "{plan}");
    let err = d.fails(
        &[
            "numbers",
            "webhook",
            "--org",
            "acme",
            "--search",
            "415",
            "--voice-url",
            url,
        ],
        2,
    );
    assert!(err.contains("--yes"), "{err}");
    assert!(webhooks_of(&mut d, "acme").values().all(|(c, _)| !c));

    // Re-pointed with --yes: one report line per selected number, the records follow it.
    let output = d.run_with(
        &[
            "--json",
            "numbers",
            "webhook",
            "--org",
            "acme",
            "--search",
            "415",
            "--voice-url",
            url,
            "--yes",
            "--concurrency",
            "4",
        ],
        "",
        &[],
    );
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stderr)));
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), selected.len(), "{report}");
    let repointed: std::collections::HashSet<String> = items
        .iter()
        .filter(|i| i["result"] == "re-pointed")
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!repointed.is_empty(), "{report}");
    assert_eq!(report["repointed"], repointed.len(), "{report}");
    let expected_code = if repointed.len() == selected.len() {
        0
    } else {
        1
    };
    assert_eq!(output.status.code(), Some(expected_code), "{report}");
    assert!(
        text(&output.stderr).contains(&format!("webhooks: {n}/{n} done", n = selected.len())),
        "progress on stderr: {}",
        text(&output.stderr)
    );
    for (id, (configured, recorded)) in webhooks_of(&mut d, "acme") {
        if repointed.contains(&id) {
            assert!(configured, "{id}");
            assert_eq!(recorded, url, "{id}");
        } else {
            assert!(!configured, "{id} was not selected or not re-pointed");
        }
    }

    // Every number of the account, shared objects included.
    let url2 = "https://platform.example/all";
    let report = d.json(&[
        "numbers",
        "webhook",
        "--all",
        "--org",
        "acme",
        "--provider",
        "twilio",
        "--voice-url",
        url2,
        "--yes",
        "--allow-shared",
    ]);
    assert_eq!(report["repointed"], OWNED, "{report}");
    assert!(
        webhooks_of(&mut d, "acme")
            .values()
            .all(|(c, u)| *c && *u == url2)
    );
    let drift = d.json(&["numbers", "drift", "--org", "acme"]);
    assert_eq!(drift["in_sync"], OWNED, "{drift}");

    // Telnyx keeps voice webhooks on shared connections: without --allow-shared those numbers
    // are reported and left alone; with it they are re-pointed.
    d.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "telnyx",
            "--account-id",
            "telnyx-main",
        ],
        &format!("{}\n", creds::TELNYX_API_KEY),
    );
    d.ok(
        &[
            "numbers",
            "import",
            "--org",
            "acme",
            "--account",
            "telnyx-main",
            "--yes",
        ],
        "",
    );
    let telnyx = [
        "--json",
        "numbers",
        "webhook",
        "--org",
        "acme",
        "--provider",
        "telnyx",
        "--voice-url",
        url,
        "--yes",
    ];
    let output = d.run_with(&telnyx, "", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("a report");
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), OWNED);
    let shared: Vec<String> = items
        .iter()
        .filter(|i| i["result"] == "shared object")
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!shared.is_empty(), "{report}");
    assert!(
        items
            .iter()
            .filter(|i| i["result"] == "shared object")
            .all(|i| i["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("--allow-shared")),
        "{report}"
    );
    let records = webhooks_of(&mut d, "acme");
    assert!(shared.iter().all(|id| !records[id].0), "left alone");
    let mut allowed = telnyx.to_vec();
    allowed.push("--allow-shared");
    let output = d.run_with(&allowed, "", &[]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("a report");
    let records = webhooks_of(&mut d, "acme");
    for id in &shared {
        assert!(
            records[id].0,
            "{id} re-pointed with --allow-shared: {report}"
        );
    }
    d.assert_no_secret_printed();
}

/// The plan `numbers webhook --org S … --dry-run` prints for a selection: per account the
/// numbers changed and refused, the objects other numbers share that are written (and whether
/// they are), each refusal, the numbers not planned; `numbers verify --all --dry-run`'s: per
/// account the numbers and requests, the numbers not sent. Nothing is written at a provider
/// nor on record.
#[test]
fn bulk_dry_runs_print_the_plan_and_send_no_write() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("bulk-plan");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    let telnyx = "--provider telnyx --account-id telnyx-main";
    let add = format!("accounts add --org acme {telnyx}");
    d.ok(&words(&add), &format!("{}\n", creds::TELNYX_API_KEY));
    for account in [SID, "telnyx-main"] {
        let import = format!("numbers import --org acme --account {account} --yes");
        d.ok(&words(&import), "");
    }
    // A number without a provider account: not planned.
    let no_account = "numbers add --org acme --provider twilio --number +16505550199";
    d.ok(&words(no_account), "");
    let before = webhooks_of(&mut d, "acme");
    for kind in [FakeKind::Twilio, FakeKind::Telnyx] {
        d.fakes.faults(kind).clear_requests();
    }
    let url = "https://platform.example/planned";
    let dry_run = |d: &mut Device, more: &[&str]| {
        let mut args = vec![
            "numbers",
            "webhook",
            "--org",
            "acme",
            "--all",
            "--voice-url",
            url,
            "--dry-run",
        ];
        args.extend_from_slice(more);
        d.ok(&args, "")
    };
    let selected = "60 number(s) of acme selected (twilio AC00000000000000000000000000000001: \
                    30, telnyx telnyx-main: 30), 1 without a provider account";
    let texml = "TeXML application 1293384261075731500 \"texml-ivr\": shared by 10 numbers, 10 \
                 of the selection";
    let call_control = "Call Control application 1293384261075731499 \"call-router\": shared \
                        by 10 numbers, 10 of the selection";
    let not_planned = |out: &str| {
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.contains(": not planned: "))
            .collect();
        assert_eq!(lines.len(), 11, "{out}");
        assert!(
            lines.contains(&"  +16505550199: not planned: no provider account"),
            "{out}"
        );
        let no_application = "has no Call Control or TeXML application to hold a webhook";
        let without = lines.iter().filter(|l| l.contains(no_application)).count();
        assert_eq!(without, 10, "{out}");
    };

    // Without --allow-shared: the shared applications are not written, their numbers refused.
    let out = dry_run(&mut d, &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "re-point to voice {url}: {selected}; numbers on a shared object are left \
             unchanged (--allow-shared changes it)"
        ),
        "{out}"
    );
    for line in [
        "twilio AC00000000000000000000000000000001: 30 to change, 0 already in sync, 0 refused (shared object)",
        "telnyx telnyx-main: 0 to change, 0 already in sync, 20 refused (shared object)",
        &format!("  {texml}, not changed"),
        &format!("  {call_control}, not changed"),
    ] {
        assert!(lines.contains(&line), "{line:?} in\n{out}");
    }
    let refused: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("  refused: "))
        .collect();
    assert_eq!(refused.len(), 20, "{out}");
    for l in &refused {
        assert!(
            l.contains("is shared by 10 numbers: changing it re-points all of them, not only +")
                && l.ends_with("left as it is (allow shared objects to change it)"),
            "{l}"
        );
    }
    not_planned(&out);
    assert_eq!(lines.last(), Some(&"dry run: nothing was changed"), "{out}");

    // With --allow-shared: the applications are written, nothing is refused.
    let out = dry_run(&mut d, &["--allow-shared"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "re-point to voice {url}: {selected}; shared objects (applications, connections, \
             profiles) are changed too"
        ),
        "{out}"
    );
    for line in [
        "twilio AC00000000000000000000000000000001: 30 to change, 0 already in sync, 0 refused (shared object)",
        "telnyx telnyx-main: 20 to change, 0 already in sync, 0 refused (shared object)",
        &format!("  {texml}"),
        &format!("  {call_control}"),
    ] {
        assert!(lines.contains(&line), "{line:?} in\n{out}");
    }
    assert!(!out.contains("refused: "), "{out}");
    not_planned(&out);
    assert_eq!(lines.last(), Some(&"dry run: nothing was changed"), "{out}");

    // A verification's plan is made from the records alone: nothing is sent.
    let requests = |d: &Device| -> usize {
        [FakeKind::Twilio, FakeKind::Telnyx]
            .iter()
            .map(|k| d.fakes.faults(*k).requests().len())
            .sum()
    };
    let asked = requests(&d);
    let out = d.ok(
        &["numbers", "verify", "--all", "--org", "acme", "--dry-run"],
        "",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "verify 60 number(s) in 60 request(s), 1 not sent",
            "twilio AC00000000000000000000000000000001: 30 number(s), 30 request(s)",
            "telnyx telnyx-main: 30 number(s), 30 request(s)",
            "  +16505550199: not sent: no provider account",
            "dry run: nothing was sent",
        ],
        "{out}"
    );
    let plan = d.json(&["numbers", "verify", "--all", "--org", "acme", "--dry-run"]);
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert_eq!(plan["plan"]["numbers"], 60, "{plan}");
    assert_eq!(plan["plan"]["skipped"][0]["phoneNumber"], "+16505550199");
    assert_eq!(requests(&d), asked, "a verification's plan sends nothing");
    let never = d.json(&["numbers", "list", "--org", "acme", "--limit", "1000"]);
    let items = never["items"].as_array().expect("items");
    assert!(
        items.iter().all(|n| n["last_verified_at"].is_null()),
        "nothing verified: {never}"
    );

    // The providers were asked, and only read from; the records did not change.
    for kind in [FakeKind::Twilio, FakeKind::Telnyx] {
        let requests = d.fakes.faults(kind).requests();
        assert!(!requests.is_empty(), "{kind:?} was asked");
        let writes: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
        assert!(writes.is_empty(), "{kind:?} got writes: {writes:?}");
    }
    assert_eq!(webhooks_of(&mut d, "acme"), before);
}

#[test]
fn every_credential_kind_is_added_verified_and_used() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("kinds");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    let account = creds::BANDWIDTH_ACCOUNT_ID;
    let bandwidth = |kind: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec![
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "bandwidth",
            "--account-id",
            creds::BANDWIDTH_ACCOUNT_ID,
        ];
        args.extend_from_slice(kind);
        args
    };

    // Bandwidth OAuth2 client credentials: add, verify, import (twice), webhook.
    let out = d.ok(
        &bandwidth(&["--client-id", creds::BANDWIDTH_CLIENT_ID]),
        &format!("{}\n", creds::BANDWIDTH_CLIENT_SECRET),
    );
    assert!(
        out.contains(&format!(
            "saved the secret of bandwidth account {account} (OAuth2 client {})",
            creds::BANDWIDTH_CLIENT_ID
        )),
        "{out}"
    );
    let out = d.ok(&["accounts", "verify", "--org", "acme", account], "");
    assert!(out.contains("verified"), "{out}");
    let out = d.ok(
        &[
            "numbers",
            "import",
            "--org",
            "acme",
            "--account",
            account,
            "--yes",
        ],
        "",
    );
    assert!(
        out.contains(&format!("imported {OWNED} number(s)")),
        "{out}"
    );
    let again = d.json(&[
        "numbers",
        "import",
        "--org",
        "acme",
        "--account",
        account,
        "--dry-run",
    ]);
    assert_eq!(again["new"].as_array().expect("new").len(), 0, "{again}");
    let first = d
        .numbers("acme")
        .into_iter()
        .find(|n| n["provider"] == "bandwidth")
        .expect("a bandwidth number");
    let id = first["id"].as_str().expect("id").to_owned();
    let url = "https://platform.example/bandwidth";
    // Bandwidth has no per-number webhook: the application is shared, so the plan says so.
    let err = d.fails(&["numbers", "webhook", &id, "--voice-url", url], 2);
    assert!(err.contains("--allow-shared"), "{err}");
    let out = d.ok(
        &[
            "numbers",
            "webhook",
            &id,
            "--voice-url",
            url,
            "--allow-shared",
        ],
        "",
    );
    assert!(out.contains("webhook_configured=true"), "{out}");

    // The legacy API user (Basic), then a wrong password: refused as credentials.
    d.ok(
        &bandwidth(&["--username", creds::BANDWIDTH_USERNAME]),
        &format!("{}\n", creds::BANDWIDTH_PASSWORD),
    );
    let out = d.ok(&["accounts", "verify", "--org", "acme", account], "");
    assert!(out.contains("verified"), "{out}");
    d.ok(
        &bandwidth(&["--username", creds::BANDWIDTH_USERNAME]),
        "wrong-token-123\n",
    );
    let err = d.fails(&["accounts", "verify", "--org", "acme", account], 1);
    assert!(err.contains("refused the credentials"), "{err}");
    // A kind of another provider is refused before anything is read or stored.
    let err = d.fails(&bandwidth(&["--api-key-sid", creds::TWILIO_API_KEY_SID]), 2);
    assert!(err.contains("not for bandwidth"), "{err}");

    // Plivo: auth id + token; webhooks through the number's application.
    d.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "plivo",
            "--account-id",
            creds::PLIVO_AUTH_ID,
        ],
        &format!("{}\n", creds::PLIVO_AUTH_TOKEN),
    );
    let out = d.ok(
        &["accounts", "verify", "--org", "acme", creds::PLIVO_AUTH_ID],
        "",
    );
    assert!(out.contains("verified"), "{out}");
    d.ok(
        &[
            "numbers",
            "import",
            "--org",
            "acme",
            "--account",
            creds::PLIVO_AUTH_ID,
            "--yes",
        ],
        "",
    );
    let plivo = d
        .numbers("acme")
        .into_iter()
        .find(|n| n["provider"] == "plivo")
        .expect("a plivo number");
    let id = plivo["id"].as_str().expect("id").to_owned();
    let out = d.ok(
        &[
            "numbers",
            "webhook",
            &id,
            "--voice-url",
            "https://platform.example/plivo",
            "--allow-shared",
        ],
        "",
    );
    assert!(out.contains("webhook_configured=true"), "{out}");

    // A Twilio API key: verified with IncomingPhoneNumbers (API keys cannot read the account).
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
            "--api-key-sid",
            creds::TWILIO_API_KEY_SID,
        ],
        &format!("{}\n", creds::TWILIO_API_KEY_SECRET),
    );
    let out = d.ok(&["accounts", "verify", "--org", "acme", SID], "");
    assert!(
        out.contains("IncomingPhoneNumbers.json?PageSize=1"),
        "{out}"
    );
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
    // The auth token is not the API key's secret.
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
            "--api-key-sid",
            creds::TWILIO_API_KEY_SID,
        ],
        &format!("{}\n", creds::TWILIO_AUTH_TOKEN),
    );
    let err = d.fails(&["accounts", "verify", "--org", "acme", SID], 1);
    assert!(err.contains("refused the credentials"), "{err}");

    // SignalWire: the same API under the space's host (here the Twilio fake's /api/laml).
    d.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-id",
            SID,
            "--signalwire-space",
            "acme",
        ],
        &format!("{}\n", creds::TWILIO_AUTH_TOKEN),
    );
    let signalwire = d.fakes.base_url(FakeKind::Twilio);
    let output = d.run_with(
        &["accounts", "verify", "--org", "acme", SID],
        "",
        &[
            ("SWITCHBOARD_SIGNALWIRE_API_URL", signalwire.as_str()),
            ("SWITCHBOARD_TWILIO_API_URL", "http://127.0.0.1:9"),
        ],
    );
    assert!(
        output.status.success(),
        "{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert!(
        text(&output.stdout).contains("SignalWire"),
        "{}",
        text(&output.stdout)
    );
    let err = d.fails(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--account-id",
            SID,
            "--signalwire-space",
            "not a space",
        ],
        2,
    );
    assert!(err.contains("SignalWire space"), "{err}");
    d.assert_no_secret_printed();
}

/// Issue #12, item 4: a number of globex that references acme's account (a member of globex
/// can write such a row) is skipped with the reason by every provider command, and nothing is
/// sent with acme's secret; once a manager adds the account to globex too, it is used.
#[test]
fn another_organizations_account_is_never_used_for_a_number() {
    if !secret_service_required() {
        return;
    }
    let mut d = Device::new("borrowed");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    d.ok(&["orgs", "add", "--slug", "globex", "--name", "Globex"], "");
    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    let number = "+14152340000";
    for org in ["acme", "globex"] {
        d.ok(
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
    let twilio = FakeKind::Twilio;
    d.fakes.faults(twilio).clear_requests();
    let not_added = "twilio account ".to_owned() + SID + " was not added to globex";

    // Verify in bulk: skipped with the reason, exit 1 (not verified), nothing sent.
    let detail = skipped_alone(
        &mut d,
        &["--json", "numbers", "verify", "--all", "--org", "globex"],
    );
    assert!(detail.contains(&not_added), "{detail}");
    assert!(detail.contains("accounts add --org globex"), "{detail}");
    // One number named: refused as not allowed (exit 2).
    let err = d.fails(&["numbers", "verify", "--org", "globex", number], 2);
    assert!(err.contains(&not_added), "{err}");
    // The account itself, for globex's numbers.
    let err = d.fails(&["accounts", "verify", "--org", "globex", SID], 2);
    assert!(err.contains(&not_added), "{err}");

    // Webhooks, one number and in bulk: skipped with the reason, nothing sent or recorded.
    let url = "https://platform.example/borrowed";
    let err = d.fails(
        &[
            "numbers",
            "webhook",
            number,
            "--org",
            "globex",
            "--voice-url",
            url,
        ],
        2,
    );
    assert!(err.contains(&not_added), "{err}");
    let detail = skipped_alone(
        &mut d,
        &[
            "--json",
            "numbers",
            "webhook",
            "--org",
            "globex",
            "--all",
            "--voice-url",
            url,
            "--yes",
        ],
    );
    assert!(detail.contains(&not_added), "{detail}");
    assert!(webhooks_of(&mut d, "globex").values().all(|(c, _)| !c));

    // Importing into globex and releasing globex's number: refused before any request.
    let err = d.fails(
        &[
            "numbers",
            "import",
            "--org",
            "globex",
            "--account",
            SID,
            "--yes",
        ],
        2,
    );
    assert!(err.contains(&not_added), "{err}");
    let err = d.fails(
        &["numbers", "release", number, "--org", "globex", "--yes"],
        2,
    );
    assert!(err.contains(&not_added), "{err}");
    let err = d.fails(
        &[
            "numbers",
            "buy",
            "+14155550100",
            "--org",
            "globex",
            "--account",
            SID,
            "--yes",
        ],
        2,
    );
    assert!(err.contains(&not_added), "{err}");
    assert_eq!(
        d.fakes.faults(twilio).requests().len(),
        0,
        "{:?}",
        d.fakes.faults(twilio).requests()
    );
    assert_eq!(d.numbers("globex").len(), 1);

    // Control: acme's own number is verified with the account as before.
    let out = d.ok(&["numbers", "verify", "--org", "acme", number], "");
    assert!(out.contains("1 verified"), "{out}");
    assert!(!d.fakes.faults(twilio).requests().is_empty());

    // Once a manager adds the account to globex as well, globex's number uses it.
    d.fakes.faults(twilio).clear_requests();
    d.ok(
        &[
            "accounts",
            "add",
            "--org",
            "globex",
            "--provider",
            "twilio",
            "--account-sid",
            SID,
        ],
        &format!("{}\n", creds::TWILIO_AUTH_TOKEN),
    );
    let out = d.ok(&["numbers", "verify", "--all", "--org", "globex"], "");
    assert!(out.contains("1 verified, 0 not verified"), "{out}");
    assert!(!d.fakes.faults(twilio).requests().is_empty());
    d.assert_no_secret_printed();
}

/// Runs a bulk command whose selection is one number that must be skipped: exit 1, one report
/// line, `skipped`; returns its detail.
#[track_caller]
fn skipped_alone(d: &mut Device, args: &[&str]) -> String {
    let output = d.run_with(args, "", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)));
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{report}");
    assert_eq!(items[0]["result"], "skipped", "{report}");
    items[0]["detail"].as_str().expect("detail").to_owned()
}

#[test]
fn readiness_is_refreshed_then_filtered_and_shown_per_number() {
    if !secret_service_required() {
        return;
    }
    use switchboard_fake_providers::twilio_readiness::seeded_number;
    let mut d = Device::new("readiness");
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    add_twilio(&mut d, creds::TWILIO_AUTH_TOKEN);
    let import = ["numbers", "import", "--org", "acme", "--account", SID];
    d.ok(&[&import[..], &["--yes"]].concat(), "");
    let never = d.ok(&["numbers", "readiness", &seeded_number(3)], "");
    assert!(never.contains("never checked"), "{never}");

    let refresh = ["accounts", "refresh-readiness", "--org", "acme", SID];
    let r = d.json(&refresh)["refreshed"].clone();
    assert_eq!(r["checked"], OWNED);
    assert_eq!(r["changed"], OWNED);
    assert_eq!(r["alarms"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        r["elsewhere"].as_array().map(Vec::len),
        Some(3),
        "being ported in"
    );
    let blocked_count = r["states"]["blocked"].as_u64().expect("some blocked");

    let list = ["numbers", "list", "--org", "acme", "--readiness", "blocked"];
    let blocked: Vec<String> = d.json(&list)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["phone_number"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(blocked.len() as u64, blocked_count);
    assert!(blocked.contains(&seeded_number(3)), "registration failure");
    assert!(!blocked.contains(&seeded_number(0)), "fine");
    assert!(
        !blocked.contains(&seeded_number(1)),
        "unregistered: attention"
    );

    let shown = d.ok(&["numbers", "readiness", &seeded_number(3)], "");
    assert!(shown.contains(": blocked"), "{shown}");
    assert!(
        shown.contains("emergency_address: registration-failure"),
        "{shown}"
    );
    assert!(shown.contains("to do: Correct the address"), "{shown}");
    let json = d.json(&["numbers", "readiness", &seeded_number(14)]);
    let items = json["readiness"]["items"].as_array().expect("items");
    assert!(items.iter().any(|i| {
        i["kind"] == "a2p_10dlc"
            && i["providerState"] == "FAILED"
            && i["reasons"][0]
                .as_str()
                .is_some_and(|r| r.contains("30896"))
    }));

    let err = d.fails(
        &["numbers", "list", "--org", "acme", "--readiness", "moved"],
        2,
    );
    assert!(err.contains("ready, attention, blocked"), "{err}");

    // Needs attention: in error, blocked, or the port-out alarm (core's needs_attention),
    // read from every number's row as listed.
    d.ok(
        &["numbers", "update", &seeded_number(0), "--status", "error"],
        "",
    );
    let every = d.json(&["numbers", "list", "--org", "acme", "--limit", "1000"]);
    let expected: Vec<&str> = (every["items"].as_array().expect("items").iter())
        .filter(|n| {
            let r = &n["metadata"]["readiness"];
            n["status"] == "error" || r["state"] == "blocked" || r["alarm"] == true
        })
        .map(|n| n["phone_number"].as_str().unwrap_or_default())
        .collect();
    let attention = ["numbers", "list", "--org", "acme", "--needs-attention"];
    let found = d.json(&[&attention[..], &["--limit", "1000"]].concat());
    let listed: Vec<&str> = (found["items"].as_array().expect("items").iter())
        .map(|n| n["phone_number"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(listed.len(), blocked.len() + 1, "the blocked and the error");
    assert_eq!(found["total"], listed.len());
    // Checked again: the same answers change nothing.
    assert_eq!(d.json(&refresh)["refreshed"]["changed"], 0);
    d.assert_no_secret_printed();
}

/// Adds the account of `provider` (`vonage`, `plivo`) to `acme` with its fake's secret, imports
/// its numbers and refreshes their readiness; returns the refresh's report.
fn refreshed_readiness(d: &mut Device, provider: &str, account: &str, secret: &str) -> Value {
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    let add = ["accounts", "add", "--org", "acme", "--provider", provider];
    d.ok(
        &[&add[..], &["--account-id", account]].concat(),
        &format!("{secret}\n"),
    );
    let import = ["numbers", "import", "--org", "acme", "--account", account];
    d.ok(&[&import[..], &["--yes"]].concat(), "");
    let refresh = ["accounts", "refresh-readiness", "--org", "acme", account];
    let out = d.ok(&refresh, "");
    assert!(out.contains("blocked"), "{out}");
    d.json(&refresh)["refreshed"].clone()
}

/// The numbers `numbers list --readiness state` selects.
fn listed_with(d: &mut Device, state: &str) -> Vec<String> {
    let list = ["numbers", "list", "--org", "acme", "--readiness", state];
    let mut numbers: Vec<String> = (d.json(&list)["items"].as_array().expect("items").iter())
        .map(|n| n["phone_number"].as_str().unwrap_or_default().to_owned())
        .collect();
    numbers.sort();
    numbers
}

#[test]
fn a_vonage_accounts_readiness_is_refreshed_from_its_campaign_links() {
    if !secret_service_required() {
        return;
    }
    use switchboard_fake_providers::vonage_readiness::{seeded_us_number, sends_sms};
    const US: usize = 16;
    let mut d = Device::with("vonage-readiness", |c| c.vonage_us_numbers = US);
    let (key, secret) = (creds::VONAGE_API_KEY, creds::VONAGE_API_SECRET);
    let r = refreshed_readiness(&mut d, "vonage", key, secret);
    assert_eq!(r["checked"], OWNED + US);
    assert_eq!(r["changed"], 0, "the second refresh: nothing new");
    // Not ready: blocked when used for SMS (an SMS webhook, or a Messages application's
    // inbound URL), else attention.
    let not_ready = (0..US).filter(|j| !matches!(j % 8, 0 | 6));
    let mut blocked: Vec<String> = (not_ready.clone())
        .filter(|j| sends_sms(*j))
        .map(seeded_us_number)
        .collect();
    blocked.sort();
    assert_eq!(r["states"]["blocked"], blocked.len());
    let attention = not_ready.filter(|j| !sends_sms(*j)).count() as u64;
    assert_eq!(
        r["states"]["attention"].as_u64().unwrap_or(0),
        attention,
        "on no campaign, no SMS webhook"
    );
    assert_eq!(listed_with(&mut d, "blocked"), blocked);
    let shown = d.ok(&["numbers", "readiness", &seeded_us_number(2)], "");
    assert!(shown.contains("a2p_10dlc: REJECTED"), "{shown}");
    let json = d.json(&["numbers", "readiness", &seeded_us_number(4)]);
    let item = &json["readiness"]["items"][0];
    assert_eq!(item["providerState"], "EXPIRED", "{json}");
    assert!(
        item["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("CB22B0F"))
    );
    d.assert_no_secret_printed();
}

#[test]
fn a_plivo_accounts_readiness_is_refreshed_from_what_its_numbers_carry() {
    if !secret_service_required() {
        return;
    }
    use switchboard_fake_providers::plivo_readiness::toll_free_number;
    const TOLL_FREE: usize = 3;
    let mut d = Device::with("plivo-readiness", |c| c.plivo_toll_free_numbers = TOLL_FREE);
    let (id, token) = (creds::PLIVO_AUTH_ID, creds::PLIVO_AUTH_TOKEN);
    let r = refreshed_readiness(&mut d, "plivo", id, token);
    assert_eq!(r["checked"], OWNED + TOLL_FREE);
    assert_eq!(r["changed"], 0, "the second refresh: nothing new");
    let blocked = listed_with(&mut d, "blocked");
    assert_eq!(r["states"]["blocked"], blocked.len());
    let unverified = format!("+{}", toll_free_number(0));
    assert!(blocked.contains(&unverified), "{blocked:?}");
    assert!(
        !blocked.contains(&format!("+{}", toll_free_number(2))),
        "verified"
    );
    let shown = d.ok(&["numbers", "readiness", &unverified], "");
    assert!(
        shown.contains("toll_free_verification: UNVERIFIED"),
        "{shown}"
    );
    let attention = listed_with(&mut d, "attention");
    assert_eq!(r["states"]["attention"], attention.len());
    let json = d.json(&["numbers", "readiness", &attention[0]]);
    let items = json["readiness"]["items"].as_array().expect("items");
    assert!(
        items.iter().any(|i| i["level"] == "attention"
            && [
                "Submitted",
                "Draft",
                "PROCESSING",
                "UNREGISTERED",
                "FAILED",
                "EXPIRED"
            ]
            .contains(&i["providerState"].as_str().unwrap_or_default())),
        "{json}"
    );
    d.assert_no_secret_printed();
}

#[test]
fn a_telnyx_number_without_a_caller_name_listing_needs_attention() {
    if !secret_service_required() {
        return;
    }
    use switchboard_fake_providers::telnyx_readiness::{Case, case, seeded_number};
    let mut d = Device::new("telnyx-cnam");
    let key = creds::TELNYX_API_KEY;
    refreshed_readiness(&mut d, "telnyx", "telnyx-main", key);
    let unlisted: Vec<String> = (0..OWNED)
        .filter(|i| case(*i) == Case::Unlisted)
        .map(seeded_number)
        .collect();
    assert!(
        !unlisted.is_empty(),
        "the fake seeds a number with no listing"
    );
    let attention = listed_with(&mut d, "attention");
    for n in &unlisted {
        assert!(attention.contains(n), "{n} in {attention:?}");
        let shown = d.ok(&["numbers", "readiness", n], "");
        assert!(shown.contains("cnam: false"), "{shown}");
        assert!(shown.contains("Enable a CNAM listing"), "{shown}");
    }
    let listed = d.json(&["numbers", "readiness", &seeded_number(0)]);
    let items = listed["readiness"]["items"].as_array().expect("items");
    let cnam = items.iter().find(|i| i["kind"] == "cnam");
    assert!(
        cnam.is_some_and(|i| i["providerState"] == "true" && i["level"] == "ok"),
        "{listed}"
    );
    d.assert_no_secret_printed();
}
