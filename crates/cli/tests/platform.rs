//! `switchboard-cli db …` on the web platform's own (Supabase) database (issue #14): migrate
//! installs beside the platform, grant ties a role to a platform user, audit counts secrets
//! without printing one, and the revert removes it all.

mod common;

use common::{command, exited, run, succeeded};
use serde_json::Value;
use switchboard_test_postgres::supabase::Platform;

/// Runs the CLI with `args` against `url` with `stdin`, and a workspace file of its own.
fn cli(url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let workspace = tempfile::tempdir().expect("temp dir");
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    let mut command = command(&all);
    command.env("SWITCHBOARD_WORKSPACE", workspace.path().join("ws.db"));
    run(command, stdin)
}

/// `db …` against `url`.
fn db(url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = vec!["db"];
    all.extend_from_slice(args);
    cli(url, &all, stdin)
}

#[test]
fn db_commands_install_grant_audit_and_revert_beside_the_platform() {
    let p = Platform::start().expect("the platform's database starts");
    let alice = p.add_user("alice@acme.example").unwrap();
    let acme = p.add_organization("acme", "Acme").unwrap();
    p.add_organization("globex", "Globex").unwrap();
    p.add_member(&alice, &acme).unwrap();
    p.web(
        &alice,
        &format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
             VALUES ('{acme}', 'twilio', '+14155550100',
                     '{{\"accountSid\": \"AC0123456789abcdef0123456789abcdef\",
                       \"authToken\": \"web-app-secret\"}}')"
        ),
        true,
    )
    .unwrap();
    let admin = p.admin_url();
    let before = p.catalog(false).unwrap();

    let out = db(&admin, &["migrate"], "");
    let text = succeeded(&out, &["db", "migrate"]);
    assert!(text.contains("is now installed"), "{text}");
    let out = cli(&admin, &["--json", "db", "migrate"], "");
    let again: Value =
        serde_json::from_str(&succeeded(&out, &["db", "migrate", "--json"])).unwrap();
    assert_eq!(again["beside_platform_already"], true, "{again}");

    // Without --platform-user, grant says what is missing (exit 2) and changes nothing.
    let out = db(
        &admin,
        &["grant", "--role", "alice_m", "--org", "acme"],
        "pw\n",
    );
    let err = exited(&out, 2, &["db", "grant"]);
    assert!(
        err.contains("--platform-user") || err.contains("platform-user"),
        "{err}"
    );
    let out = db(
        &admin,
        &[
            "grant",
            "--role",
            "alice_m",
            "--org",
            "acme",
            "--platform-user",
            "alice@acme.example",
        ],
        "alice-pw\n",
    );
    let text = succeeded(&out, &["db", "grant", "--platform-user"]);
    assert!(text.contains("created login role alice_m"), "{text}");
    assert!(
        text.contains("works as platform user alice@acme.example"),
        "{text}"
    );

    // The manager lists acme's number, and only acme.
    let manager = p.cluster.url_for("alice_m", "alice-pw");
    let out = cli(&manager, &["orgs", "list"], "");
    let orgs = succeeded(&out, &["orgs", "list"]);
    assert!(orgs.contains("acme") && !orgs.contains("globex"), "{orgs}");

    let out = db(&admin, &["audit"], "");
    let text = succeeded(&out, &["db", "audit"]);
    assert!(
        text.contains("acme: 1 of 1 number(s) hold a secret in credentials: authToken (1)"),
        "{text}"
    );
    assert!(text.contains("globex: 0 of 0"), "{text}");
    assert!(text.contains("authTokenRef"), "{text}");
    assert!(!text.contains("web-app-secret"), "{text}");

    let out = db(&admin, &["migrate", "--revert-platform"], "");
    let text = succeeded(&out, &["db", "migrate", "--revert-platform"]);
    assert!(text.contains("dropped login role alice_m"), "{text}");
    assert_eq!(
        p.catalog(false).unwrap(),
        before,
        "the platform is as it was"
    );
}
