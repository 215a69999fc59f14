//! `switchboard-cli` against a real PostgreSQL: `db migrate`, `db grant`, and the numbers
//! commands with `--database-url`, run as the built binary, exit codes included.

mod common;

use std::process::Output;

use switchboard_test_postgres::TestCluster;

/// Runs the CLI with `args`, `stdin` on its standard input, and no workspace or database
/// from the environment.
fn cli(args: &[&str], stdin: &str) -> Output {
    let workspace = tempfile::tempdir().expect("temp dir");
    let mut command = common::command(args);
    command.env("SWITCHBOARD_WORKSPACE", workspace.path().join("ws.db"));
    common::run(command, stdin)
}

#[track_caller]
fn ok(output: &Output) -> String {
    common::succeeded(output, &[])
}

#[track_caller]
fn fails(output: &Output, code: i32) -> String {
    common::exited(output, code, &[])
}

#[test]
fn an_administrator_migrates_and_grants_and_a_manager_works() {
    let cluster = TestCluster::start().expect("cluster starts");
    let admin = cluster.admin_url();

    let out = ok(&cli(&["db", "migrate", "--database-url", &admin], ""));
    assert!(
        out.contains("applied 20251009110255 create phone numbers table"),
        "{out}"
    );
    let out = ok(&cli(&["db", "migrate", "--database-url", &admin], ""));
    assert!(out.contains("is up to date"), "{out}");

    cluster
        .psql(
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')",
        )
        .expect("organizations");
    let alice = cluster.role_name("alice");
    let grant = |org: &str, password: &str| {
        cli(
            &[
                "db",
                "grant",
                "--database-url",
                &admin,
                "--role",
                &alice,
                "--org",
                org,
            ],
            password,
        )
    };
    let out = ok(&grant("acme", "s3cret pass\n"));
    assert!(
        out.contains(&format!("created login role {alice}")),
        "{out}"
    );
    let out = ok(&grant("acme", ""));
    assert!(out.contains("was already a manager in acme"), "{out}");
    let err = fails(&grant("initech", ""), 2);
    assert!(err.contains("organization \"initech\" not found"), "{err}");
    let err = fails(
        &cli(
            &[
                "db",
                "grant",
                "--database-url",
                &admin,
                "--role",
                "Bad-Name",
                "--org",
                "acme",
            ],
            "pw\n",
        ),
        2,
    );
    assert!(err.contains("invalid role"), "{err}");
    let verifier = cluster
        .psql(
            &admin,
            &format!("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = '{alice}'"),
        )
        .expect("verifier");
    assert_eq!(
        verifier, "SCRAM-SHA-256$",
        "the server got a verifier, not the password"
    );

    let url = cluster.url_for(&alice, "s3cret pass");
    let out = ok(&cli(
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
            "(415) 555-1234",
            "--region",
            "US",
            "--friendly-name",
            "Front desk",
        ],
        "",
    ));
    assert!(out.contains("added +14155551234 to acme"), "{out}");
    let out = ok(&cli(
        &[
            "numbers",
            "list",
            "--json",
            "--database-url",
            &url,
            "--org",
            "acme",
            "--search",
            "front",
        ],
        "",
    ));
    let listing: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(listing["total"], 1);
    assert_eq!(listing["items"][0]["phone_number"], "+14155551234");
    let out = ok(&cli(&["orgs", "list", "--database-url", &url], ""));
    assert!(out.contains("acme") && !out.contains("globex"), "{out}");

    // Agents: rename, the orphan report, and a removal that unassigns and loses nothing.
    let agents = |args: &[&str]| {
        let mut all = vec!["agents", args[0], "--database-url", &url, "--org", "acme"];
        all.extend_from_slice(&args[1..]);
        cli(&all, "")
    };
    ok(&agents(&["add", "--name", "Ava"]));
    let assign = [
        "numbers",
        "update",
        "--database-url",
        &url,
        "--org",
        "acme",
        "+14155551234",
        "--agent",
        "Ava",
    ];
    ok(&cli(&assign, ""));
    ok(&agents(&["add", "--name", "Bo"]));
    let err = fails(&agents(&["rename", "Bo", "--to", "Ava"]), 2);
    assert!(
        err.contains("agent \"Ava\" already exists in acme"),
        "{err}"
    );
    let out = ok(&agents(&["rename", "Bo", "--to", "Bea"]));
    assert!(
        out.contains("renamed agent \"Bo\" to \"Bea\" in acme"),
        "{out}"
    );
    let out = ok(&agents(&["orphans", "--json"]));
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["unassigned"], 0);
    assert_eq!(report["idleAgents"][0]["name"], "Bea");
    let out = ok(&agents(&["remove", "Ava"]));
    assert_eq!(
        out.trim(),
        "removed agent \"Ava\" from acme; 1 number left unassigned"
    );
    let out = ok(&agents(&["orphans"]));
    assert!(out.starts_with("1 number with no agent:"), "{out}");
    assert!(out.contains("+1 415-555-1234"), "{out}");
    let err = fails(&agents(&["remove", "Ava"]), 2);
    assert!(err.contains("agent \"Ava\" not found"), "{err}");

    // Bad input is exit code 2, before or after reaching the server.
    let err = fails(
        &cli(
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
            ],
            "",
        ),
        2,
    );
    assert!(err.contains("+14155551234 already exists in acme"), "{err}");
    let err = fails(
        &cli(
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
                "+1 555",
            ],
            "",
        ),
        2,
    );
    assert!(err.contains("is not a valid phone number"), "{err}");
    let err = fails(
        &cli(
            &["numbers", "list", "--database-url", &url, "--org", "globex"],
            "",
        ),
        2,
    );
    assert!(err.contains("organization \"globex\" not found"), "{err}");
    let err = fails(
        &cli(
            &[
                "numbers",
                "list",
                "--database-url",
                &url,
                "--org",
                "acme",
                "--country",
                "US",
            ],
            "",
        ),
        2,
    );
    assert!(err.contains("cannot filter by US"), "{err}");
    let err = fails(&cli(&["orgs", "list", "--database-url", &admin], ""), 2);
    assert!(err.contains("superuser"), "{err}");
    let err = fails(
        &cli(&["orgs", "list", "--database-url", "mysql://x@y/z"], ""),
        2,
    );
    assert!(err.contains("invalid database URL"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");

    // A server that is not there is exit code 1: not the caller's input.
    let gone = "postgres://nobody:pw@127.0.0.1:1/none?connect_timeout=1";
    let err = fails(&cli(&["orgs", "list", "--database-url", gone], ""), 1);
    assert!(err.contains("offline"), "{err}");
    assert!(!err.contains("pw@"), "{err}");
}

#[test]
fn a_manager_imports_a_file_into_the_team_database_all_or_nothing() {
    let cluster = TestCluster::start().expect("cluster starts");
    let admin = cluster.admin_url();
    ok(&cli(&["db", "migrate", "--database-url", &admin], ""));
    cluster
        .psql(
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
             INSERT INTO agents (organization_id, name)
               SELECT id, 'Globex Agent' FROM organizations WHERE slug = 'globex';",
        )
        .expect("organizations");
    let alice = cluster.role_name("alice");
    ok(&cli(
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
        "pw\n",
    ));
    let url = cluster.url_for(&alice, "pw");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write the file");
        path.display().to_string()
    };
    let import = |path: &str, org: &str| {
        cli(
            &[
                "numbers",
                "import",
                "--database-url",
                &url,
                "--org",
                org,
                "--region",
                "US",
                path,
            ],
            "",
        )
    };
    let count = || {
        cluster
            .psql(&admin, "SELECT count(*) FROM phone_numbers")
            .expect("count")
    };
    let mut good = String::from("phone_number,provider,friendly_name\n");
    for i in 0..1500 {
        good.push_str(&format!("(212) 555-{i:04},twilio,Desk {i}\n"));
    }

    // One bad line: nothing is imported, and the line is named (exit code 2).
    let bad = good.replace("(212) 555-0700,", "(212) 555,");
    let err = fails(&import(&file("bad.csv", &bad), "acme"), 2);
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(err.contains("line 702:"), "{err}");
    assert_eq!(count(), "0");

    // Another organization's agent on one line: nothing, and the line.
    let mut agent = String::from("phone_number,provider,friendly_name,agent_id\n");
    for i in 0..100 {
        let who = if i == 43 { "Globex Agent" } else { "" };
        agent.push_str(&format!("(212) 555-{i:04},twilio,Desk {i},{who}\n"));
    }
    let err = fails(&import(&file("agent.csv", &agent), "acme"), 2);
    assert!(err.contains("line 45:"), "{err}");
    assert!(err.contains("is not in this organization"), "{err}");
    assert_eq!(count(), "0");

    // An organization the manager is not a member of: not found, nothing written.
    let err = fails(&import(&file("good.csv", &good), "globex"), 2);
    assert!(err.contains("not found"), "{err}");
    assert_eq!(count(), "0");

    // The good file: every row, in one go.
    let out = ok(&import(&file("good.csv", &good), "acme"));
    assert!(out.contains("imported 1500 numbers into acme"), "{out}");
    assert_eq!(count(), "1500");

    // Again: every line is a duplicate now; each is named and nothing more is written.
    let err = fails(&import(&file("good.csv", &good), "acme"), 2);
    assert!(err.contains("1500 bad row(s)"), "{err}");
    assert!(
        err.contains("line 2: +12125550000 already exists in this organization"),
        "{err}"
    );
    assert_eq!(count(), "1500");

    // The team database's export escapes formula cells as the local one does.
    let formula = "phone_number,provider,friendly_name\n+12125559999,twilio,=1+2\n";
    ok(&import(&file("formula.csv", formula), "acme"));
    let exported = ok(&cli(
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
    ));
    assert_eq!(exported.lines().count(), 1502, "a header and every number");
    assert!(exported.contains(",+12125559999,'=1+2,"), "{exported}");
}

#[test]
fn a_remote_server_is_verified_by_default_and_a_weaker_mode_is_warned_about() {
    // `.invalid` never resolves: the command fails to connect, after saying what it chose.
    let url = "postgres://admin:pw@db.switchboard.invalid/switchboard";
    let out = cli(&["db", "migrate", "--database-url", url], "");
    let said = common::text(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(!said.contains("warning: TLS mode"), "{said}");
    let out = cli(
        &[
            "db",
            "migrate",
            "--database-url",
            &format!("{url}?sslmode=require"),
        ],
        "",
    );
    let said = common::text(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("warning: TLS mode require to db.switchboard.invalid:5432/switchboard"),
        "{said}"
    );
    assert!(said.contains("certificate is not checked"), "{said}");
    assert!(!said.contains(":pw@"), "{said}");
}
