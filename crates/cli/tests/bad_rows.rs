//! Rows of the team database that Switchboard cannot read as they are, through the built CLI
//! against a real PostgreSQL: `db migrate` names them, `sync` completes and `sync status`
//! lists them, `numbers list` and `numbers export` leave them out with a warning, and a secret
//! in credentials reaches no output and no cache file.

mod common;

use std::path::Path;
use std::process::Output;

use switchboard_test_postgres::TestCluster;

const SECRET: &str = "hunter2-not-for-any-output";
const CHECKS_MIGRATION: &str =
    include_str!("../../../migrations/20261207000500_phone_numbers_checks.sql");

fn cli(args: &[&str], stdin: &str, cache: &Path) -> Output {
    let mut command = common::command(args);
    command
        .env("SWITCHBOARD_WORKSPACE", cache.join("ws.db"))
        .env("SWITCHBOARD_CACHE_DIR", cache);
    common::run(command, stdin)
}

#[track_caller]
fn ok(output: &Output) -> (String, String) {
    let out = common::succeeded(output, &[]);
    (out, common::text(&output.stderr))
}

/// Every byte of every file in `dir` (caches, their write-ahead logs), as text.
fn bytes_of(dir: &Path) -> String {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        if let Ok(bytes) = std::fs::read(entry.path()) {
            all.extend(bytes);
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn bad_rows_are_reported_everywhere_and_stop_nothing() {
    let cluster = TestCluster::start().expect("cluster starts");
    let admin = cluster.admin_url();
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    ok(&cli(&["db", "migrate", "--database-url", &admin], "", dir));
    // Rows written before the checks existed (or by the web platform): drop the checks, write
    // them, and put the checks back as the migration does (they stay NOT VALID).
    let ids = cluster
        .psql(
            &admin,
            &format!(
                "ALTER TABLE phone_numbers DROP CONSTRAINT phone_numbers_provider_known,
                   DROP CONSTRAINT phone_numbers_status_known,
                   DROP CONSTRAINT phone_numbers_credentials_no_secret;
                 INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme');
                 INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
                   SELECT id, 'twilio', '+1415555010' || g, '{{}}'
                   FROM organizations, generate_series(0, 4) g;
                 INSERT INTO phone_numbers (organization_id, provider, phone_number, status,
                                            credentials)
                   SELECT id, 'twilio', v.number, v.status, v.credentials::jsonb
                   FROM organizations, (VALUES
                     ('+14155550200', 'suspended', '{{}}'),
                     ('+14155550201', 'active', '{{\"authToken\": \"{SECRET}\"}}')
                   ) AS v (number, status, credentials)
                   RETURNING id"
            ),
        )
        .expect("bad rows");
    let ids: Vec<&str> = ids.lines().collect();
    let (suspended, with_secret) = (ids[0], ids[1]);
    cluster
        .psql(&admin, CHECKS_MIGRATION)
        .expect("checks again");

    let (out, _) = ok(&cli(&["db", "migrate", "--database-url", &admin], "", dir));
    assert!(out.contains("2 row(s) break checks"), "{out}");
    assert!(
        out.contains(&format!("row {suspended} of organization"))
            && out.contains("status \"suspended\" is not one of active, inactive, error"),
        "{out}"
    );
    assert!(
        out.contains(&format!("row {with_secret} of organization"))
            && out.contains("secret under key \"authToken\""),
        "{out}"
    );
    assert!(!out.contains(SECRET), "{out}");

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
        "alice-pass\n",
        dir,
    ));
    let url = cluster.url_for(&alice, "alice-pass");

    let (out, err) = ok(&cli(&["sync", "--database-url", &url], "", dir));
    assert!(out.contains("synced: 6 copied"), "{out}\n{err}");
    assert!(out.contains("2 row(s) of the team database"), "{out}");
    let (out, _) = ok(&cli(&["sync", "status", "--database-url", &url], "", dir));
    assert!(out.contains("numbers:        6"), "{out}");
    assert!(out.contains("skipped rows:   2"), "{out}");
    assert!(
        out.contains(&format!(
            "{suspended} +14155550200 (not in the cache): invalid status"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{with_secret} +14155550201 (kept without it): credentials held a secret: key \
             authToken dropped"
        )),
        "{out}"
    );
    let (json, _) = ok(&cli(
        &["sync", "status", "--json", "--database-url", &url],
        "",
        dir,
    ));
    let status: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let skipped = status["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 2, "{json}");
    assert!(
        skipped
            .iter()
            .any(|s| s["number_id"] == suspended && s["kept"] == false),
        "{json}"
    );

    // The team database read directly: the bad row is left out with a warning, the secret is
    // nowhere.
    let (out, err) = ok(&cli(
        &["numbers", "list", "--org", "acme", "--database-url", &url],
        "",
        dir,
    ));
    assert!(
        out.contains(with_secret) && !out.contains(suspended),
        "{out}"
    );
    assert!(
        err.contains(&format!("warning: row {suspended} (+14155550200) left out")),
        "{err}"
    );
    let (out, err) = ok(&cli(
        &[
            "numbers",
            "export",
            "--org",
            "acme",
            "--format",
            "json",
            "--database-url",
            &url,
        ],
        "",
        dir,
    ));
    assert_eq!(out.matches("+1415555").count(), 6, "{out}");
    assert!(
        err.contains(&format!(
            "row {with_secret} (+14155550201) shown without it"
        )),
        "{err}"
    );
    for (what, text) in [("list", &out), ("warnings", &err)] {
        assert!(!text.contains(SECRET), "{what}: {text}");
    }
    let (out, _) = ok(&cli(
        &[
            "numbers",
            "show",
            with_secret,
            "--json",
            "--database-url",
            &url,
        ],
        "",
        dir,
    ));
    assert!(
        !out.contains(SECRET) && out.contains("+14155550201"),
        "{out}"
    );
    assert!(!bytes_of(dir).contains(SECRET), "a file holds the secret");
}
