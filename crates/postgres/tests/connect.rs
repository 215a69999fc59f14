//! Connecting: who Switchboard refuses to be, what schema it accepts without migrating, and
//! what a lost server looks like.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{grant_manager, migrated, scalar, settings};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::{Error, ErrorCode};
use switchboard_postgres::RemoteWorkspace;
use switchboard_test_postgres::TestCluster;

const WEB_PLATFORM_SCHEMA: &str =
    include_str!("../../test-postgres/tests/fixtures/web_platform_schema.sql");

fn refusal(result: Result<RemoteWorkspace, Error>) -> String {
    match result {
        Err(Error::NotAllowed(message)) => message,
        Err(other) => panic!("expected a refusal, got {other}"),
        Ok(ws) => panic!("expected a refusal, connected as {}", ws.role()),
    }
}

#[tokio::test]
async fn superusers_bypassrls_roles_and_owners_are_refused() {
    let (cluster, admin) = migrated().await;
    let message = refusal(RemoteWorkspace::connect(&settings(&admin)).await);
    assert!(message.contains("it is a superuser"), "{message}");
    assert!(message.contains("db grant"), "{message}");

    let bypass = cluster.role_name("bypass");
    let owner = cluster.role_name("owner");
    let owners_friend = cluster.role_name("owners_friend");
    scalar(
        &cluster,
        &admin,
        &format!(
            "CREATE ROLE {bypass} LOGIN PASSWORD 'pw' BYPASSRLS;
             CREATE ROLE {owner} LOGIN PASSWORD 'pw';
             CREATE ROLE {owners_friend} LOGIN PASSWORD 'pw' IN ROLE {owner};
             ALTER TABLE phone_numbers OWNER TO {owner};"
        ),
    );
    let message =
        refusal(RemoteWorkspace::connect(&settings(&cluster.url_for(&bypass, "pw"))).await);
    assert!(message.contains("BYPASSRLS"), "{message}");
    let message =
        refusal(RemoteWorkspace::connect(&settings(&cluster.url_for(&owner, "pw"))).await);
    assert!(message.contains("owns phone_numbers"), "{message}");
    let message =
        refusal(RemoteWorkspace::connect(&settings(&cluster.url_for(&owners_friend, "pw"))).await);
    assert!(
        message.contains("member of") && message.contains(&owner),
        "{message}"
    );

    // A manager granted the ordinary way connects.
    scalar(
        &cluster,
        &admin,
        "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')",
    );
    let alice = cluster.role_name("alice");
    grant_manager(&cluster, &admin, &alice, "alice-secret", "acme").await;
    let ws = RemoteWorkspace::connect(&settings(&cluster.url_for(&alice, "alice-secret")))
        .await
        .unwrap();
    assert_eq!(ws.role(), alice);
    assert!(ws.warnings().is_empty(), "{:?}", ws.warnings());

    let e = RemoteWorkspace::connect(&settings(&cluster.url_for(&alice, "wrong")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotAllowed, "{e}");
    assert!(
        !e.to_string().contains("wrong"),
        "the password is not repeated: {e}"
    );
}

/// The web platform's database (the design's SQL) with a role granted what a manager needs.
fn web_platform(cluster: &TestCluster, name: &str, extra_sql: &str) -> String {
    let url = cluster.create_database(name).expect("database");
    scalar(cluster, &url, WEB_PLATFORM_SCHEMA);
    scalar(cluster, &url, extra_sql);
    let role = cluster.role_name(&format!("{name}_manager"));
    scalar(
        cluster,
        &url,
        &format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                 CREATE ROLE {role} LOGIN PASSWORD 'pw';
               END IF;
             END $$;
             GRANT USAGE ON SCHEMA auth TO {role};
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
             GRANT INSERT, UPDATE, DELETE ON phone_numbers TO {role};"
        ),
    );
    cluster.url_as(&url, &role, "pw").expect("URL")
}

#[tokio::test]
async fn the_web_platforms_schema_is_used_as_it_is_without_migrating() {
    let cluster = TestCluster::start().expect("cluster starts");
    let url = web_platform(&cluster, "web", "");
    let ws = RemoteWorkspace::connect(&settings(&url))
        .await
        .expect("connects");
    let warnings = ws.warnings().join("\n");
    assert!(
        warnings.contains("auth.uid() reads the request.jwt claims"),
        "{warnings}"
    );
    assert!(
        warnings.contains("phone_numbers_agent_same_organization_fkey"),
        "{warnings}"
    );
    assert!(warnings.contains("pg_trgm"), "{warnings}");
    assert!(ws.organizations().await.unwrap().is_empty());
    let migrations: String =
        sqlx::query_scalar("SELECT coalesce(to_regclass('_sqlx_migrations')::text, 'none')")
            .fetch_one(ws.pool())
            .await
            .unwrap();
    assert_eq!(migrations, "none", "connecting migrated nothing");
    let users: bool = sqlx::query_scalar("SELECT to_regclass('users') IS NULL")
        .fetch_one(ws.pool())
        .await
        .unwrap();
    assert!(users, "our prerequisites were not created either");
}

#[tokio::test]
async fn a_broken_schema_is_named_in_one_message() {
    let cluster = TestCluster::start().expect("cluster starts");
    let url = web_platform(
        &cluster,
        "broken",
        "ALTER TABLE phone_numbers DROP COLUMN webhook_url;
         ALTER TABLE phone_numbers ALTER COLUMN metadata TYPE text;
         ALTER TABLE phone_numbers ALTER COLUMN status DROP NOT NULL;
         ALTER TABLE phone_numbers DISABLE ROW LEVEL SECURITY;
         DROP TABLE agents CASCADE;",
    );
    let e = RemoteWorkspace::connect(&settings(&url)).await.unwrap_err();
    let message = e.to_string();
    assert_eq!(e.code(), ErrorCode::Storage, "{message}");
    for expected in [
        "5 problem(s)",
        "table agents is missing",
        "column phone_numbers.webhook_url is missing",
        "column phone_numbers.metadata is text; Switchboard needs jsonb",
        "column phone_numbers.status allows NULL",
        "row-level security is off on phone_numbers",
        "nothing was changed",
        "switchboard-cli db migrate",
    ] {
        assert!(message.contains(expected), "{expected:?} in:\n{message}");
    }

    let empty = cluster.create_database("empty").unwrap();
    let role = cluster.role_name("nobody");
    scalar(
        &cluster,
        &empty,
        &format!("CREATE ROLE {role} LOGIN PASSWORD 'pw'"),
    );
    let e = RemoteWorkspace::connect(&settings(&cluster.url_as(&empty, &role, "pw").unwrap()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no Switchboard schema"), "{e}");
}

/// pg_ctl of the machine's newest PostgreSQL, as the harness finds it.
fn pg_ctl() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return PathBuf::from(dir).join("pg_ctl");
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            Some((
                e.file_name().to_str()?.parse().ok()?,
                e.path().join("bin/pg_ctl"),
            ))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, p)| p)
        .unwrap_or_else(|| "pg_ctl".into())
}

#[tokio::test]
async fn a_stopped_server_is_offline() {
    let (cluster, admin) = migrated().await;
    let Some(dir) = cluster.data_dir().map(|d| d.join("data")) else {
        eprintln!("skipped: DATABASE_URL's server is not ours to stop");
        return;
    };
    scalar(
        &cluster,
        &admin,
        "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')",
    );
    let acme = common::uuid(
        &cluster,
        &admin,
        "SELECT id FROM organizations WHERE slug = 'acme'",
    );
    let alice = cluster.role_name("alice");
    grant_manager(&cluster, &admin, &alice, "alice-secret", "acme").await;
    let url = cluster.url_for(&alice, "alice-secret");
    let ws = RemoteWorkspace::connect(&settings(&url)).await.unwrap();
    let query = NumberQuery::first(NumberFilter::org(acme), Sort::default(), 10).unwrap();
    assert!(ws.list_numbers(&query).await.unwrap().items.is_empty());
    assert_eq!(ws.count_numbers(&NumberFilter::org(acme)).await.unwrap(), 0);

    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut stop = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_ctl());
        c
    } else {
        Command::new(pg_ctl())
    };
    let status = stop
        .arg("--pgdata")
        .arg(&dir)
        .args(["stop", "-m", "fast", "-w"])
        .status()
        .expect("pg_ctl runs");
    assert!(status.success());

    let e = ws
        .count_numbers(&NumberFilter::org(acme))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Offline, "{e}");
    assert!(
        matches!(&e, Error::Offline { server, .. } if server.contains("127.0.0.1")),
        "{e}"
    );
    assert!(!e.to_string().contains("alice-secret"), "{e}");
    let e = RemoteWorkspace::connect(&settings(&url)).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Offline, "{e}");
    assert!(!e.is_bad_input());
}
