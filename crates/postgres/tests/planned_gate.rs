//! The policies' gate is computed when a statement is planned (migration `20261207000801`):
//! a plan kept for reuse must not keep a manager's organizations after a grant, and a
//! revocation holds whatever a plan keeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, scalar};
use sqlx::PgConnection;

/// How many organizations alice's connection sees, through one prepared statement.
async fn visible(conn: &mut PgConnection) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM organizations")
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_kept_plan_follows_grants_and_revocations() {
    let w = World::new().await;
    let admin = |sql: &str| scalar(&w.cluster, &w.admin, sql);
    let alice = w.alice.role().to_owned();
    let grant = format!(
        "INSERT INTO user_organizations (user_id, organization_id)
         SELECT id, '{}' FROM users WHERE role_name = '{alice}'",
        w.globex
    );
    let revoke = format!(
        "DELETE FROM user_organizations WHERE organization_id = '{}'
           AND user_id = (SELECT id FROM users WHERE role_name = '{alice}')",
        w.globex
    );
    let mut conn = w.alice.pool().acquire().await.unwrap();
    // Every execution of the statement reuses one plan, as a prepared statement's generic
    // plan is reused after its first executions.
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *conn)
        .await
        .unwrap();
    // (ALTER TABLE invalidates every plan that reads the table: the plan is made after it.)
    let triggers = |on: bool| {
        admin(&format!(
            "ALTER TABLE user_organizations {} TRIGGER switchboard_replan_policies",
            if on { "ENABLE" } else { "DISABLE" }
        ))
    };

    // Without the triggers, a grant is not seen: the plan holds the organizations it was
    // planned with (what the triggers are for).
    triggers(false);
    assert_eq!(visible(&mut conn).await, 1);
    admin(&grant);
    assert_eq!(visible(&mut conn).await, 1, "the plan kept its constant");
    admin(&revoke);
    triggers(true);

    // With them, the next statement sees a grant.
    assert_eq!(visible(&mut conn).await, 1);
    admin(&grant);
    assert_eq!(visible(&mut conn).await, 2, "a grant is seen at once");
    admin(&revoke);
    assert_eq!(visible(&mut conn).await, 1, "a revocation is seen at once");

    // A revocation holds even when the plan still holds the organization (the triggers
    // off): the policy's own condition reads the memberships when the statement runs.
    admin(&grant);
    triggers(false);
    assert_eq!(visible(&mut conn).await, 2);
    admin(&revoke);
    assert_eq!(visible(&mut conn).await, 1, "a revocation holds at once");
    triggers(true);

    // Called directly, the functions the policies call tell a manager only their own
    // organizations and users.id.
    let planned: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT unnest(public.switchboard_planned_organization_ids())")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(planned, [w.acme]);
    let own: Option<uuid::Uuid> = sqlx::query_scalar("SELECT public.switchboard_planned_user_id()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let alice_id = admin(&format!("SELECT id FROM users WHERE role_name = '{alice}'"));
    assert_eq!(own.map(|id| id.to_string()), Some(alice_id));

    // A manager cannot fire the replanning themselves.
    let e = sqlx::raw_sql("SELECT public.switchboard_replan_policies()")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("permission denied"), "{e}");
}
