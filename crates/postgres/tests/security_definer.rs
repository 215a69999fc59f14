//! SECURITY DEFINER functions (migration `20261207000101`): each pins its search_path, none
//! is executable by PUBLIC unless docs/POSTGRES.md says why, and a manager cannot attach the
//! trigger functions to a table of their own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, scalar, valid};
use sqlx::PgConnection;
use sqlx::postgres::PgDatabaseError;

/// The functions PUBLIC may execute, each with the words docs/POSTGRES.md explains it in.
const PUBLIC_MAY_EXECUTE: &[(&str, &str)] = &[
    ("auth.uid()", "`auth.uid()` stays executable by `PUBLIC`"),
    (
        "switchboard_planned_organization_ids()",
        "`switchboard_planned_organization_ids()` and `switchboard_planned_user_id()` are \
         executable by `PUBLIC`",
    ),
    (
        "switchboard_planned_user_id()",
        "`switchboard_planned_organization_ids()` and `switchboard_planned_user_id()` are \
         executable by `PUBLIC`",
    ),
];

#[tokio::test]
async fn every_security_definer_function_pins_its_search_path_and_is_not_public() {
    let w = World::new().await;
    let functions: Vec<(String, Option<Vec<String>>, bool)> = sqlx::query_as(
        "SELECT p.oid::regprocedure::text, p.proconfig,
                has_function_privilege('public', p.oid, 'EXECUTE')
         FROM pg_catalog.pg_proc AS p
         JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
         WHERE p.prosecdef AND n.nspname IN ('public', 'auth')
         ORDER BY 1",
    )
    .fetch_all(w.alice.pool())
    .await
    .unwrap();
    let names: Vec<&str> = functions.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "auth.uid()",
            "check_phone_number_agent_organization()",
            "log_phone_numbers_changes()",
            "phone_number_ids_matching(uuid,text,text)",
            "refresh_usage_daily()",
            "switchboard_planned_organization_ids()",
            "switchboard_planned_user_id()",
            "switchboard_replan_policies()",
        ]
    );
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/POSTGRES.md"),
    )
    .unwrap();
    for (name, config, public) in &functions {
        // pg_temp last: otherwise the caller's temporary tables are found first.
        let search_path = config
            .iter()
            .flatten()
            .find_map(|setting| setting.strip_prefix("search_path="));
        assert_eq!(
            search_path,
            Some("pg_catalog, public, pg_temp"),
            "{name}: {config:?}"
        );
        match PUBLIC_MAY_EXECUTE
            .iter()
            .find(|(allowed, _)| allowed == name)
        {
            Some((_, why)) => assert!(docs.contains(why), "docs/POSTGRES.md: {why}"),
            None => assert!(!public, "PUBLIC may execute {name}"),
        }
    }
}

/// The SQLSTATE and message of `sql` run on `conn`, which must fail.
async fn refused(conn: &mut PgConnection, sql: &str) -> (String, String) {
    let e = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .expect_err(sql);
    let db = e
        .as_database_error()
        .unwrap_or_else(|| panic!("{sql}: {e}"))
        .downcast_ref::<PgDatabaseError>();
    (db.code().to_owned(), db.message().to_owned())
}

#[tokio::test]
async fn a_manager_cannot_attach_the_trigger_functions_to_a_table_of_their_own() {
    let w = World::new().await;
    let entries = || {
        scalar(
            &w.cluster,
            &w.admin,
            "SELECT count(*) FROM phone_numbers_changes",
        )
    };
    let before = entries();
    let mut conn = w.alice.pool().acquire().await.unwrap();
    sqlx::raw_sql("CREATE TEMPORARY TABLE mine (id uuid, organization_id uuid, agent_id uuid)")
        .execute(&mut *conn)
        .await
        .unwrap();
    for function in [
        "log_phone_numbers_changes",
        "check_phone_number_agent_organization",
        "switchboard_replan_policies",
    ] {
        let (code, message) = refused(
            &mut conn,
            &format!(
                "CREATE TRIGGER t AFTER INSERT ON pg_temp.mine REFERENCING NEW TABLE AS new_rows
                 FOR EACH STATEMENT EXECUTE FUNCTION public.{function}()"
            ),
        )
        .await;
        assert_eq!(code, "42501", "{function}: {message}");
        assert!(
            message.contains("permission denied for function"),
            "{message}"
        );
    }
    drop(conn);

    // Whoever may execute it (the owner) cannot make it log another table either.
    let attached = w.cluster.psql(
        &w.admin,
        &format!(
            "CREATE TABLE not_numbers (id uuid, organization_id uuid);
             CREATE TRIGGER t AFTER INSERT ON not_numbers REFERENCING NEW TABLE AS new_rows
               FOR EACH STATEMENT EXECUTE FUNCTION log_phone_numbers_changes();
             INSERT INTO not_numbers VALUES (gen_random_uuid(), '{}');",
            w.globex
        ),
    );
    let e = attached.expect_err("the trigger refuses another table");
    assert!(
        e.to_string()
            .contains("logs public.phone_numbers only, not public.not_numbers"),
        "{e}"
    );
    assert_eq!(entries(), before, "nothing was logged");

    // The triggers still fire for managers, who may not execute the functions themselves.
    w.alice
        .add_number(w.acme, valid("+14155559876"))
        .await
        .unwrap();
    assert_eq!(
        entries().parse::<i64>().unwrap(),
        before.parse::<i64>().unwrap() + 1
    );
    let mut foreign = valid("+14155559877");
    foreign.agent_id = Some(w.globex_agent);
    let e = w.alice.add_number(w.acme, foreign).await.unwrap_err();
    assert!(e.to_string().contains("does not belong"), "{e}");
}
