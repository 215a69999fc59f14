//! Switchboard beside the web platform, on the platform's own database (issue #14): a
//! faithful Supabase stand-in (`switchboard_test_postgres::supabase`), web requests issued
//! exactly as PostgREST issues them, and managers granted with `--platform-user`.

use std::time::Duration;

use switchboard_core::Error;
use switchboard_core::domain::{NewNumber, NumberUpdate};
use switchboard_core::query::NumberFilter;
use switchboard_core::store::NumberRef;
use switchboard_postgres::grant::{Grant, Revoke};
use switchboard_postgres::migrate::{Migrated, migrate_any};
use switchboard_postgres::platform::{self, DatabaseKind, Installed, PlatformGrant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_test_postgres::supabase::Platform;

fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("a valid URL")
        .with_timeout(Duration::from_secs(5))
}

/// The platform with two users in two organizations, each with numbers and an agent, all
/// written as the web app writes them.
struct World {
    p: Platform,
    alice: String,
    bob: String,
    acme: String,
    globex: String,
}

fn world() -> World {
    let p = Platform::start().expect("the platform's database starts");
    let alice = p.add_user("alice@acme.example").expect("alice");
    let bob = p.add_user("bob@globex.example").expect("bob");
    let acme = p.add_organization("acme", "Acme").expect("acme");
    let globex = p.add_organization("globex", "Globex").expect("globex");
    p.add_member(&alice, &acme).expect("alice in acme");
    p.add_member(&bob, &globex).expect("bob in globex");
    for (user, org, numbers) in [
        (&alice, &acme, ["+14155550100", "+14155550101"]),
        (&bob, &globex, ["+442071830100", "+442071830101"]),
    ] {
        for n in numbers {
            p.web(
                user,
                &format!(
                    "INSERT INTO phone_numbers (organization_id, provider, phone_number, \
                     credentials, friendly_name) VALUES ('{org}', 'twilio', '{n}', \
                     '{{\"accountSid\": \"AC0123456789abcdef0123456789abcdef\", \
                       \"authToken\": \"web-app-secret\"}}', 'Line {n}')"
                ),
                true,
            )
            .expect("the web app adds a number");
        }
        p.web(
            user,
            &format!("INSERT INTO agents (organization_id, name) VALUES ('{org}', 'Ava')"),
            true,
        )
        .expect("the web app adds an agent");
    }
    World {
        p,
        alice,
        bob,
        acme,
        globex,
    }
}

/// Every kind of web request, for both users and the anon and service roles: reads of each
/// table, inserts and updates and deletes in the user's own organization and in the other,
/// each rolled back. Returns each request's output or error, in order.
fn web_requests(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |r: Result<String, switchboard_test_postgres::Error>| {
        out.push(match r {
            Ok(text) => text,
            Err(e) => format!("error: {e}"),
        });
    };
    for (user, own, other) in [(&w.alice, &w.acme, &w.globex), (&w.bob, &w.globex, &w.acme)] {
        for read in [
            "SELECT phone_number, friendly_name, organization_id FROM phone_numbers ORDER BY 1",
            "SELECT slug FROM organizations ORDER BY 1",
            "SELECT user_id, organization_id FROM user_organizations ORDER BY 1, 2",
            "SELECT name, organization_id FROM agents ORDER BY 1, 2",
            "SELECT count(*) FROM auth.users",
        ] {
            push(w.p.web(user, read, false));
        }
        for org in [own, other] {
            for write in [
                "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials) \
                 VALUES ('{org}', 'twilio', '+14155559999', '{}') RETURNING phone_number",
                "UPDATE phone_numbers SET friendly_name = 'renamed' WHERE organization_id = \
                 '{org}' RETURNING phone_number",
                "DELETE FROM phone_numbers WHERE organization_id = '{org}' RETURNING phone_number",
                "INSERT INTO agents (organization_id, name) VALUES ('{org}', 'Bo') RETURNING name",
            ] {
                push(w.p.web(user, &write.replace("{org}", org), false));
            }
        }
        // A row moved into the other organization.
        push(w.p.web(
            user,
            &format!(
                "UPDATE phone_numbers SET organization_id = '{other}' \
                 WHERE organization_id = '{own}' RETURNING phone_number"
            ),
            false,
        ));
    }
    for role in ["anon", "service_role"] {
        push(w.p.cluster.psql(
            w.p.superuser_url(),
            &format!(
                "BEGIN; SET LOCAL ROLE {role}; \
                 SELECT count(*) FROM phone_numbers; \
                 SELECT count(*) FROM organizations; ROLLBACK;"
            ),
        ));
    }
    out
}

/// Fails with the lines only one catalog has.
fn assert_same(now: &str, expected: &str, what: &str) {
    let (a, b): (Vec<&str>, Vec<&str>) = (now.lines().collect(), expected.lines().collect());
    let added: Vec<&&str> = a.iter().filter(|l| !b.contains(l)).collect();
    let gone: Vec<&&str> = b.iter().filter(|l| !a.contains(l)).collect();
    assert!(
        added.is_empty() && gone.is_empty() && now == expected,
        "{what}:\nadded: {added:#?}\ngone: {gone:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_installs_beside_the_platform_and_revert_leaves_it_as_it_was() {
    let w = world();
    let admin = settings(&w.p.admin_url());
    let before = w.p.catalog(false).expect("catalog");
    let web_before = web_requests(&w);
    assert!(
        web_before.iter().any(|r| r.starts_with("error:")),
        "the battery includes refused requests: {web_before:#?}"
    );

    // The administrator is not a superuser.
    assert_eq!(
        w.p.cluster
            .psql(
                &w.p.admin_url(),
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            .unwrap(),
        "f"
    );
    let mut conn = admin.connect_one().await.unwrap();
    assert_eq!(
        platform::kind(&mut conn, "platform").await.unwrap(),
        DatabaseKind::Platform { installed: false }
    );
    // Switchboard's own migrations are refused, changing nothing.
    let refused = switchboard_postgres::migrate::migrate(&admin)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("web platform"), "{refused}");
    assert_eq!(w.p.catalog(false).unwrap(), before);

    let first = migrate_any(&admin)
        .await
        .expect("db migrate beside the platform");
    assert_eq!(
        first,
        Migrated::BesidePlatform(Installed { already: false })
    );
    let installed = w.p.catalog(false).unwrap();
    assert_ne!(installed, before, "something was installed");
    assert_same(
        &w.p.catalog(true).unwrap(),
        &before,
        "outside Switchboard's schema, role, grants, policies, triggers and indexes, the \
         platform's catalog is unchanged",
    );
    assert_eq!(
        web_requests(&w),
        web_before,
        "web requests read and write exactly what they could before"
    );

    let second = migrate_any(&admin).await.expect("db migrate again");
    assert_eq!(
        second,
        Migrated::BesidePlatform(Installed { already: true })
    );
    assert_eq!(
        w.p.catalog(false).unwrap(),
        installed,
        "a second run changes nothing"
    );

    let reverted = platform::revert(&admin).await.expect("revert");
    assert!(
        reverted.was_installed && reverted.group_dropped,
        "{reverted:?}"
    );
    assert_same(
        &w.p.catalog(false).unwrap(),
        &before,
        "after the revert the catalog is exactly as before",
    );
    assert_eq!(web_requests(&w), web_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manager_granted_as_a_platform_user_sees_that_users_organizations_and_no_more() {
    let w = world();
    let admin = settings(&w.p.admin_url());
    migrate_any(&admin).await.expect("db migrate");

    // Without --platform-user, db grant says what is missing; nothing changes.
    let plain = switchboard_postgres::grant::grant(
        &admin,
        &Grant {
            role: "alice_m".into(),
            organization: "acme".into(),
            display_name: None,
        },
        || Ok("pw".into()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&plain, Error::InvalidInput { field, .. } if field == "platform-user"),
        "{plain}"
    );
    let grant = |role: &str, user: &str, org: &str| PlatformGrant {
        role: role.into(),
        organization: org.into(),
        user: user.into(),
    };
    let unknown = platform::grant(
        &admin,
        &grant("alice_m", "nobody@x.example", "acme"),
        || Ok("pw".into()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            unknown,
            Error::NotFound {
                kind: "platform user",
                ..
            }
        ),
        "{unknown}"
    );
    let not_member = platform::grant(
        &admin,
        &grant("alice_m", "ALICE@acme.example", "globex"),
        || Ok("pw".into()),
    )
    .await
    .unwrap_err();
    assert!(matches!(not_member, Error::NotAllowed(_)), "{not_member}");
    assert_eq!(
        w.p.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'alice_m'")
            .unwrap(),
        "0",
        "refused grants create no role"
    );

    let report = platform::grant(
        &admin,
        &grant("alice_m", "ALICE@acme.example", "acme"),
        || Ok("alice-pw".into()),
    )
    .await
    .expect("grant by email");
    assert!(report.role_created);
    platform::grant(&admin, &grant("bob_m", &w.bob, "globex"), || {
        Ok("bob-pw".into())
    })
    .await
    .expect("grant by id");

    let alice = RemoteWorkspace::connect(&settings(&w.p.cluster.url_for("alice_m", "alice-pw")))
        .await
        .expect("alice connects");
    assert!(
        !alice.warnings().iter().any(|m| m.contains("request.jwt")),
        "{:?}",
        alice.warnings()
    );
    let orgs: Vec<String> = alice
        .organizations()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.slug)
        .collect();
    assert_eq!(orgs, ["acme"]);
    let acme = alice.organization("acme").await.unwrap();
    let mut listed = Vec::new();
    alice
        .for_each_number(acme.id, |n| {
            listed.push(n.clone());
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        !format!("{listed:?}").contains("web-app-secret"),
        "a secret the web app stored never reaches the manager's client"
    );
    assert!(alice.organization("globex").await.is_err());
    // Search goes through Switchboard's search function beside the platform.
    assert!(
        !alice
            .warnings()
            .iter()
            .any(|m| m.contains("search function")),
        "{:?}",
        alice.warnings()
    );
    for text in ["555010", "line +1415", "(415) 555-0101"] {
        let found = alice
            .count_numbers(&NumberFilter::org(acme.id).search(text))
            .await
            .unwrap();
        assert!(found >= 1, "{text}: {found}");
    }
    let globex_id = uuid::Uuid::parse_str(&w.globex).unwrap();
    let other = alice
        .count_numbers(&NumberFilter::org(globex_id).search("207183"))
        .await;
    assert!(
        matches!(
            other,
            Err(Error::NotFound {
                kind: "organization",
                ..
            })
        ),
        "globex is not even known to alice: {other:?}"
    );

    // A number the manager adds is the web user's of the same organization, not the other's.
    let added = alice
        .add_number(
            acme.id,
            NewNumber {
                provider: "twilio".into(),
                number: "+14155550199".into(),
                friendly_name: Some("From Switchboard".into()),
                ..NewNumber::default()
            }
            .validate()
            .unwrap(),
        )
        .await
        .expect("alice adds a number");
    let seen = |user: &str| {
        w.p.web(
            user,
            "SELECT count(*) FROM phone_numbers WHERE phone_number = '+14155550199'",
            false,
        )
        .unwrap()
    };
    assert_eq!(seen(&w.alice), "1");
    assert_eq!(seen(&w.bob), "0");
    alice
        .update_number(
            &NumberRef::Id(added.id),
            None,
            &NumberUpdate {
                friendly_name: Some(Some("Renamed in Switchboard".into())),
                ..NumberUpdate::default()
            },
        )
        .await
        .expect("alice edits it");
    assert_eq!(
        w.p.web(
            &w.alice,
            "SELECT friendly_name FROM phone_numbers WHERE phone_number = '+14155550199'",
            false
        )
        .unwrap(),
        "Renamed in Switchboard"
    );

    // Spoofed claims: alice's session claims to be bob, every way auth.uid() reads them.
    let pool = alice.pool();
    let mut c = pool.acquire().await.unwrap();
    for spoof in [
        format!(
            "SELECT set_config('request.jwt.claims', '{{\"sub\":\"{}\",\"role\":\"authenticated\"}}', false)",
            w.bob
        ),
        format!(
            "SELECT set_config('request.jwt.claim.sub', '{}', false)",
            w.bob
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(spoof))
            .execute(&mut *c)
            .await
            .unwrap();
        // What the platform's auth.uid() reads (the manager may not call it by name: no
        // USAGE on schema auth; the platform's policies call it all the same).
        let claimed: String = sqlx::query_scalar(
            "SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                             current_setting('request.jwt.claims', true)::jsonb ->> 'sub')",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        assert_eq!(claimed, w.bob, "the spoof took");
        for (sql, expected) in [
            ("SELECT count(*) FROM phone_numbers", 3i64),
            (
                "SELECT count(*) FROM phone_numbers WHERE phone_number LIKE '+44%'",
                0,
            ),
            ("SELECT count(*) FROM organizations", 1),
            ("SELECT count(*) FROM user_organizations", 1),
            ("SELECT count(*) FROM agents", 1),
            ("SELECT count(*) FROM phone_numbers_changes", 2),
        ] {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *c)
                .await
                .unwrap();
            assert_eq!(n, expected, "{sql}");
        }
        let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE phone_numbers SET friendly_name = 'x' WHERE organization_id = '{}'",
            w.globex
        )))
        .execute(&mut *c)
        .await
        .unwrap();
        assert_eq!(updated.rows_affected(), 0);
        let deleted = sqlx::query("DELETE FROM phone_numbers WHERE phone_number LIKE '+44%'")
            .execute(&mut *c)
            .await
            .unwrap();
        assert_eq!(deleted.rows_affected(), 0);
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials) \
             VALUES ('{}', 'twilio', '+442071830199', '{{}}')",
            w.globex
        )))
        .execute(&mut *c)
        .await;
        assert!(inserted.is_err(), "an insert into globex is refused");
        let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE phone_numbers SET organization_id = '{}' WHERE phone_number = '+14155550199'",
            w.globex
        )))
        .execute(&mut *c)
        .await;
        assert!(moved.is_err(), "a number cannot be moved into globex");
        let foreign_agent = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE phone_numbers SET agent_id = (SELECT id FROM agents LIMIT 1) \
             WHERE false; UPDATE phone_numbers SET agent_id = '{}' \
             WHERE phone_number = '+14155550199'",
            w.p.sql(&format!(
                "SELECT id FROM agents WHERE organization_id = '{}'",
                w.globex
            ))
            .unwrap()
        )))
        .execute(&mut *c)
        .await;
        assert!(
            foreign_agent.is_err(),
            "globex's agent cannot be assigned in acme"
        );
    }
    // Switchboard's own functions and tables give nothing more: the search function answers
    // only for the caller's organizations, the rest is not the manager's to call or read.
    let matched: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM phone_number_ids_matching('{}', 'phone_number', '%2071%')",
        w.globex
    )))
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(matched, 0);
    for forbidden in [
        "SELECT count(*) FROM switchboard.managers",
        "SELECT switchboard.prune_phone_numbers_changes('0 seconds')",
        "INSERT INTO switchboard.phone_numbers_changes (id, organization_id, op) \
         VALUES (gen_random_uuid(), gen_random_uuid(), 'I')",
        "SELECT count(*) FROM auth.users",
    ] {
        let refused = sqlx::query(sqlx::AssertSqlSafe(forbidden))
            .execute(&mut *c)
            .await;
        assert!(refused.is_err(), "{forbidden} must be refused");
    }
    // Switchboard's search indexes serve no condition a manager can write: were one an index
    // condition, EXPLAIN ANALYZE would count globex's rows it matched before the policy
    // removed them. (The platform's own indexes still can: docs/POSTGRES.md, "Known limit".)
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *c)
        .await
        .unwrap();
    for probe in [
        format!("organization_id::text = '{}'", w.globex),
        "phone_number::text = '+442071830100'".to_owned(),
        "phone_number::text LIKE '+4420718301%'".to_owned(),
        "lower(friendly_name::text) = 'line +442071830100'".to_owned(),
    ] {
        let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN SELECT id FROM phone_numbers WHERE {probe}"
        )))
        .fetch_all(&mut *c)
        .await
        .unwrap();
        assert!(
            !plan.join("\n").contains("switchboard_phone_numbers"),
            "{probe} uses Switchboard's index:\n{}",
            plan.join("\n")
        );
    }
    drop(c);
    // The same EXPLAIN shows them where they serve: the search function's own conditions, run
    // by its owner, who row-level security does not bind.
    let indexed =
        w.p.cluster
            .psql(
                &w.p.admin_url(),
                &format!(
                    "SET enable_seqscan = off; EXPLAIN SELECT p.id FROM public.phone_numbers AS p
                 WHERE p.organization_id::text = '{}' AND p.phone_number::text LIKE '%2071%'",
                    w.globex
                ),
            )
            .unwrap();
    assert!(
        indexed.contains("Index Scan on switchboard_phone_numbers_"),
        "{indexed}"
    );
    // Nor may a web request reach Switchboard's schema.
    let web_refused = w.p.web(&w.alice, "SELECT switchboard.uid()", false);
    assert!(web_refused.is_err(), "{web_refused:?}");
    assert_eq!(
        w.p.sql("SELECT count(*) FROM phone_numbers WHERE organization_id IN (SELECT id FROM organizations WHERE slug = 'globex')")
            .unwrap(),
        "2",
        "globex is untouched"
    );

    // Revoked, the role no longer works as any platform user. (Its sessions are closed first:
    // the platform's administrator may not end them, and revoke would then change nothing.)
    alice.close().await;
    let revoked = switchboard_postgres::grant::revoke(
        &admin,
        &Revoke {
            role: "alice_m".into(),
            organization: None,
        },
    )
    .await
    .expect("revoke");
    assert_eq!(revoked.removed_from, ["acme"]);
    assert!(
        RemoteWorkspace::connect(&settings(&w.p.cluster.url_for("alice_m", "alice-pw")))
            .await
            .is_err(),
        "a revoked manager cannot log in"
    );
    assert_eq!(
        w.p.sql("SELECT coalesce(user_id::text, 'untied') FROM switchboard.managers WHERE role_name = 'alice_m'")
            .unwrap(),
        "untied"
    );

    // Audit: every organization, the rows holding a secret, no value printed.
    let audit = platform::audit(&admin).await.expect("audit");
    let text = format!("{audit:?}");
    assert!(!text.contains("web-app-secret"), "{text}");
    let acme_line = audit.iter().find(|l| l.organization == "acme").unwrap();
    assert_eq!(
        (acme_line.numbers, acme_line.with_secret),
        (3, 2),
        "{acme_line:?}"
    );
    assert_eq!(acme_line.keys.get("authToken"), Some(&2));
    let globex_line = audit.iter().find(|l| l.organization == "globex").unwrap();
    assert_eq!((globex_line.numbers, globex_line.with_secret), (2, 2));
    let refused = platform::audit(&settings(&w.p.cluster.url_for("bob_m", "bob-pw")))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::NotAllowed(_)), "{refused}");

    // A revoked role stays tied to nobody; granting it again ties it again.
    let regranted = platform::grant(&admin, &grant("alice_m", &w.alice, "acme"), || {
        Ok("unused".into())
    })
    .await
    .expect("grant again");
    assert!(!regranted.role_created && regranted.membership_added && regranted.login_restored);

    // The revert drops both roles db grant created, once their sessions are gone.
    for _ in 0..100 {
        let open =
            w.p.sql("SELECT count(*) FROM pg_stat_activity WHERE usename IN ('alice_m', 'bob_m')")
                .unwrap();
        if open == "0" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reverted = platform::revert(&admin).await.expect("revert");
    assert_eq!(reverted.dropped_roles, ["alice_m", "bob_m"], "{reverted:?}");
    assert!(reverted.group_dropped, "{reverted:?}");
    assert_eq!(
        w.p.sql(
            "SELECT string_agg(rolname, ',') FROM pg_roles \
             WHERE rolname IN ('alice_m', 'bob_m', 'switchboard_manager')"
        )
        .unwrap(),
        ""
    );
}
