//! `usage sync`, `usage report` and `numbers list --health` through the built binary, against
//! the fake Twilio (its clock at the real time, so "today" is the fake's today), with the
//! account's secret in the real Secret Service:
//!
//! ```text
//! scripts/with-secret-service.sh cargo test -p switchboard-cli --test usage
//! ```
//!
//! Bad input (an unknown `--by`, `--from` after `--to`, a broken date or state) is refused
//! with exit code 2 before anything is opened or asked, and changes nothing.

mod common;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, Faults, UsageConfig, creds};
use time::{Duration, OffsetDateTime};

const SID: &str = creds::TWILIO_ACCOUNT_SID;
const NUMBERS: usize = 20;
const BANDWIDTH_NUMBERS: usize = 4;

/// A device with its own workspace, vault service and log, and the fakes.
struct Device {
    dir: tempfile::TempDir,
    service: String,
    fakes: Option<FakeProviders>,
    _runtime: tokio::runtime::Runtime,
}

impl Device {
    fn new(test: &str, fakes: bool) -> Self {
        let runtime = common::fakes_runtime();
        let config = FakeConfig {
            twilio_numbers: NUMBERS,
            bandwidth_numbers: BANDWIDTH_NUMBERS,
            usage: UsageConfig {
                calls_per_number: 300,
                messages_per_number: 60,
                days: 10,
                ..UsageConfig::default()
            },
            ..FakeConfig::default()
        };
        let fakes = fakes.then(|| {
            runtime
                .block_on(FakeProviders::start(config))
                .expect("fakes start")
        });
        Device {
            dir: tempfile::tempdir().expect("temp dir"),
            service: common::vault_service("usage", test),
            fakes,
            _runtime: runtime,
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace.db")
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut command = common::command(args);
        command
            .env("SWITCHBOARD_WORKSPACE", self.workspace())
            .env("SWITCHBOARD_VAULT_SERVICE", &self.service)
            .env("SWITCHBOARD_LOG_FILE", self.dir.path().join("cli.log"));
        if let Some(f) = &self.fakes {
            for kind in [FakeKind::Twilio, FakeKind::Bandwidth] {
                command.env(kind.env_var(), f.base_url(kind));
            }
        }
        common::run(command, stdin)
    }

    #[track_caller]
    fn ok(&self, args: &[&str], stdin: &str) -> String {
        common::succeeded(&self.run(args, stdin), args)
    }

    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all, "");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    /// Runs a command that must fail with `code`; returns its stderr.
    #[track_caller]
    fn fails(&self, args: &[&str], code: i32) -> String {
        common::exited(&self.run(args, ""), code, args)
    }

    fn twilio_requests(&self) -> usize {
        let f = self.fakes.as_ref().expect("fakes");
        f.faults(FakeKind::Twilio).requests().len()
    }
}

/// The `StartTime>` filters of the first pages of `Calls.json` the fake was asked for.
fn calls_filters(d: &Device) -> Vec<String> {
    let f = d.fakes.as_ref().expect("fakes");
    f.faults(FakeKind::Twilio)
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/Calls.json"))
        .filter(|r| !r.query.iter().any(|(k, _)| k == "PageToken"))
        .filter_map(|r| r.query.iter().find(|(k, _)| k == "StartTime>").cloned())
        .map(|(_, v)| v)
        .collect()
}

/// Bad input to the three commands: exit 2 with what is wrong, before anything is opened.
fn assert_bad_input_is_refused(d: &Device) {
    let cases = [
        (
            "usage report --org acme --by week",
            "invalid by: \"week\" is not one of number, agent, provider, day",
        ),
        (
            "usage report --org acme --by day --from 2026-12-05 --to 2026-12-01",
            "invalid from: the first day 2026-12-05 is after the last day 2026-12-01",
        ),
        (
            "usage report --org acme --by day --to 12/01/2026",
            "invalid to: \"12/01/2026\" is not a day written YYYY-MM-DD",
        ),
        (
            "usage report --org acme --by day --format xml",
            "invalid format: \"xml\" is not table, csv or json",
        ),
        (
            "usage sync --org acme --since 2026-13-01",
            "invalid since: \"2026-13-01\" is not a day written YYYY-MM-DD",
        ),
        (
            "numbers list --org acme --health sick",
            "invalid health: \"sick\" is not one of healthy, at_risk, insufficient_data",
        ),
        (
            "usage report --org nobody --by day",
            "organization \"nobody\" not found",
        ),
        (
            "usage report --org acme --number +14155550100 --by agent",
            "invalid by: --number reports one number per day: --by agent does not apply",
        ),
        ("usage report --org acme --number 555-CALL", "555-CALL"),
        ("usage report --org acme", "--by <BY>"),
    ];
    for (command, expected) in cases {
        let args: Vec<&str> = command.split_whitespace().collect();
        let err = d.fails(&args, 2);
        assert!(err.contains(expected), "{command}: {err}");
    }
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let d = Device::new("bad", false);
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    let before = std::fs::read(d.workspace()).expect("workspace");
    assert_bad_input_is_refused(&d);
    let after = std::fs::read(d.workspace()).expect("workspace");
    assert!(before == after, "the workspace file changed");
    let empty = d.json(&["usage", "report", "--org", "acme", "--by", "number"]);
    assert_eq!(empty["rows"], serde_json::json!([]));
    // No account: nothing to pull, said plainly.
    let err = d.fails(&["usage", "sync", "--org", "acme"], 2);
    assert!(err.contains("no provider account"), "{err}");
}

#[test]
fn sync_report_and_health_from_the_fake_twilio() {
    if !common::secret_service_required("usage") {
        return;
    }
    let d = Device::new("flow", true);
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    let add = "accounts add --org acme --provider twilio --account-sid";
    let add: Vec<&str> = add.split_whitespace().chain([SID]).collect();
    d.ok(&add, &format!("{}\n", creds::TWILIO_AUTH_TOKEN));
    // The account's numbers in the fake's order (its numbers 7 and 17 lose their answers).
    let import = ["numbers", "import", "--org", "acme", "--account", SID];
    let plan = d.json(&[&import[..], &["--dry-run"]].concat());
    let generated: Vec<String> = (plan["new"].as_array().expect("new").iter())
        .map(|n| n.as_str().expect("E.164").to_owned())
        .collect();
    assert_eq!(generated.len(), NUMBERS);
    d.ok(&[&import[..], &["--yes"]].concat(), "");
    let today = OffsetDateTime::now_utc().date();

    // First sync: every record of the last 10 days (the first pull reads 30), progress on
    // standard error.
    let output = d.run(&["--json", "usage", "sync", "--org", "acme"], "");
    let out = common::succeeded(&output, &["usage", "sync"]);
    let stderr = common::text(&output.stderr);
    assert!(stderr.contains("calls read"), "{stderr}");
    let first: Value = serde_json::from_str(&out).expect("JSON");
    let account = &first["accounts"][0];
    assert_eq!(account["accountId"], SID);
    assert_eq!(account["added"], NUMBERS * (300 + 60));
    assert_eq!(account["completed"], 0);
    let pending = account["pending"].as_u64().expect("pending");
    assert!(pending > 0, "{account}");
    let thirty = (today - Duration::days(30)).to_string();
    assert_eq!(calls_filters(&d), std::slice::from_ref(&thirty));

    // Two hours later at the fake: the second sync asks from its cursor and completes the
    // pending prices.
    let f = d.fakes.as_ref().expect("fakes");
    f.faults(FakeKind::Twilio).set(Faults {
        clock_secs: 7_200,
        ..Faults::default()
    });
    let second = d.json(&["usage", "sync", "--org", "acme", "--account", SID]);
    let again = &second["accounts"][0];
    assert_eq!(again["completed"], pending, "{again}");
    let filters = calls_filters(&d);
    assert_eq!(filters.len(), 2);
    assert!(
        filters[1] >= (today - Duration::days(1)).to_string(),
        "{filters:?}"
    );
    let text = d.ok(&["usage", "sync", "--org", "acme"], "");
    assert!(text.contains(&format!("twilio {SID}: 0 added")), "{text}");

    // The report by number: totals per number with USD cost and each number's health; the
    // fake's numbers 7 and 17 at risk, no other.
    let report = d.json(&["usage", "report", "--org", "acme", "--by", "number"]);
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), NUMBERS);
    let calls: u64 = rows
        .iter()
        .map(|r| r["counts"]["calls"].as_u64().unwrap())
        .sum();
    assert!(calls >= (NUMBERS * 300) as u64, "{calls}");
    let at_risk: Vec<&str> = rows
        .iter()
        .filter(|r| r["health"]["state"] == "at_risk")
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = vec![&generated[7], &generated[17]];
    expected.sort();
    assert_eq!(at_risk, expected);
    for r in rows {
        assert!(r["cost"]["USD"].as_i64().unwrap() > 0, "{r}");
        assert!(r["health"]["calls"].as_u64().unwrap() >= 20, "{r}");
        assert!(r["health"]["last_record_at"].is_string(), "{r}");
    }
    let table = d.ok(&["usage", "report", "--org", "acme", "--by", "number"], "");
    assert!(
        table.contains("HEALTH") && table.contains("at_risk"),
        "{table}"
    );
    assert!(table.contains("answer rate fell from"), "{table}");
    let csv = d.ok(
        &[
            "usage", "report", "--org", "acme", "--by", "number", "--format", "csv",
        ],
        "",
    );
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("number,calls,final_calls"), "{header}");
    assert!(
        header.contains("cost_USD") && header.contains("health"),
        "{header}"
    );
    assert_eq!(csv.lines().count(), NUMBERS + 1);
    for by in ["agent", "provider", "day"] {
        let grouped = d.json(&["usage", "report", "--org", "acme", "--by", by]);
        let rows = grouped["rows"].as_array().expect("rows");
        let sum: u64 = rows
            .iter()
            .map(|r| r["counts"]["calls"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, calls, "--by {by}");
        assert!(rows.iter().all(|r| r["health"].is_null()), "--by {by}");
    }

    // One number (--number): its row of the report, per day, with the same health.
    let risky_row = rows.iter().find(|r| r["key"] == expected[0]).unwrap();
    let one = d.json(&["usage", "report", "--org", "acme", "--number", expected[0]]);
    assert_eq!(one["organization"], "acme");
    assert_eq!(one["phoneNumber"], expected[0]);
    assert_eq!(one["health"], risky_row["health"]);
    assert_eq!(one["healthFrom"], (today - Duration::days(6)).to_string());
    assert_eq!(one["to"], today.to_string());
    for field in ["counts", "cost", "id"] {
        assert_eq!(one["totals"][field], risky_row[field], "{field}");
    }
    let days = one["days"].as_array().expect("days");
    let per_day: u64 = (days.iter())
        .map(|r| r["counts"]["calls"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day, risky_row["counts"]["calls"].as_u64().unwrap());
    assert!(days.len() >= 10, "{} days", days.len());
    let table = d.ok(
        &["usage", "report", "--org", "acme", "--number", expected[0]],
        "",
    );
    assert!(
        table.contains("TOTAL")
            && table.contains(&format!(
                "health ({} to ",
                one["healthFrom"].as_str().unwrap()
            )),
        "{table}"
    );
    assert!(
        table.contains("at_risk") && table.contains("why: answer rate fell from"),
        "{table}"
    );
    let csv = d.ok(
        &[
            "usage",
            "report",
            "--org",
            "acme",
            "--number",
            expected[0],
            "--format",
            "csv",
        ],
        "",
    );
    assert!(csv.starts_with("day,calls,"), "{csv}");
    assert_eq!(csv.lines().count(), days.len() + 1);

    // numbers list --health: the same two numbers.
    let risky = d.json(&["numbers", "list", "--org", "acme", "--health", "at_risk"]);
    let risky: Vec<&str> = (risky["items"].as_array().unwrap().iter())
        .map(|n| n["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(risky, expected);
    let healthy = d.json(&["numbers", "list", "--org", "acme", "--health", "healthy"]);
    assert_eq!(healthy["total"], NUMBERS - 2);

    // Bad input changes nothing: no request to the provider, the same report.
    let requests = d.twilio_requests();
    assert_bad_input_is_refused(&d);
    assert_eq!(d.twilio_requests(), requests);
    assert_eq!(
        d.json(&["usage", "report", "--org", "acme", "--by", "number"]),
        report
    );
}

/// A Bandwidth account's calls (Call Search reports no cost): `usage report` counts the
/// connected ones as "cost not reported" beside pending, the same in its JSON, CSV and table,
/// and in every grouping.
#[test]
fn the_report_counts_the_calls_whose_cost_is_not_reported() {
    if !common::secret_service_required("usage") {
        return;
    }
    let d = Device::new("not-reported", true);
    let account = creds::BANDWIDTH_ACCOUNT_ID;
    d.ok(&["orgs", "add", "--slug", "acme", "--name", "Acme"], "");
    d.ok(
        &[
            "accounts",
            "add",
            "--org",
            "acme",
            "--provider",
            "bandwidth",
            "--account-id",
            account,
            "--username",
            creds::BANDWIDTH_USERNAME,
        ],
        &format!("{}\n", creds::BANDWIDTH_PASSWORD),
    );
    let import = ["numbers", "import", "--org", "acme", "--account", account];
    d.ok(&[&import[..], &["--yes"]].concat(), "");
    let synced = d.json(&["usage", "sync", "--org", "acme"]);
    assert!(
        synced["accounts"][0]["added"].as_u64().unwrap() > 0,
        "{synced}"
    );

    let report = d.json(&["usage", "report", "--org", "acme", "--by", "number"]);
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), BANDWIDTH_NUMBERS);
    let count = |r: &Value, field: &str| r["counts"][field].as_u64().expect(field);
    let total: u64 = rows.iter().map(|r| count(r, "notReported")).sum();
    let calls: u64 = rows.iter().map(|r| count(r, "calls")).sum();
    assert!(0 < total && total < calls, "{total} of {calls}");
    for r in rows {
        assert_eq!(count(r, "pending"), 0, "{r}");
        assert!(r["cost"].as_object().unwrap().is_empty(), "{r}");
    }
    for by in ["agent", "provider", "day"] {
        let grouped = d.json(&["usage", "report", "--org", "acme", "--by", by]);
        let sum: u64 = (grouped["rows"].as_array().unwrap().iter())
            .map(|r| count(r, "notReported"))
            .sum();
        assert_eq!(sum, total, "--by {by}");
    }

    let csv = d.ok(
        &[
            "usage", "report", "--org", "acme", "--by", "number", "--format", "csv",
        ],
        "",
    );
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "cost_not_reported")
        .expect("a cost_not_reported column");
    assert_eq!(header[column - 1], "pending");
    let from_csv: Vec<(String, u64)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[column].parse().unwrap())
        })
        .collect();
    let from_json: Vec<(String, u64)> = (rows.iter())
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_owned(),
                count(r, "notReported"),
            )
        })
        .collect();
    assert_eq!(from_csv, from_json);

    let table = d.ok(
        &["usage", "report", "--org", "acme", "--by", "provider"],
        "",
    );
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains("PENDING") && header.contains("COST NOT REPORTED"),
        "{header}"
    );
    let bandwidth = lines
        .find(|l| l.starts_with("bandwidth"))
        .unwrap_or_else(|| panic!("{table}"));
    // PROVIDER CALLS ANSWERED MINUTES MESSAGES COST PENDING COST-NOT-REPORTED.
    let cells: Vec<&str> = bandwidth.split_whitespace().collect();
    let (calls, none, pending) = (calls.to_string(), "none", "0");
    let total = total.to_string();
    assert_eq!(
        [cells[1], cells[5], cells[6], cells[7]],
        [calls.as_str(), none, pending, total.as_str()],
        "{bandwidth}"
    );
}
