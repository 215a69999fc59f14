//! Taking access away (`db revoke`, [`switchboard_postgres::grant::revoke`]) on a real server:
//! one organization, then everything and the login; what is refused changes nothing.

mod common;

use common::{World, grant_manager, scalar, settings};
use switchboard_core::Error;
use switchboard_core::store::NumberRef;
use switchboard_postgres::RemoteWorkspace;
use switchboard_postgres::grant::{Revoke, RevokeReport, revoke};

fn request(role: &str, org: Option<&str>) -> Revoke {
    Revoke {
        role: role.to_owned(),
        organization: org.map(str::to_owned),
    }
}

async fn slugs(ws: &RemoteWorkspace) -> Vec<String> {
    ws.organizations()
        .await
        .expect("organizations")
        .into_iter()
        .map(|o| o.slug)
        .collect()
}

/// Every membership, as `role|slug` lines, to show a refusal changed nothing.
fn memberships(w: &World) -> String {
    scalar(
        &w.cluster,
        &w.admin,
        "SELECT u.role_name || '|' || o.slug FROM user_organizations m
         JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.organization_id
         ORDER BY 1",
    )
}

#[tokio::test]
async fn one_organization_is_taken_away_and_the_others_stay() {
    let w = World::new().await;
    let alice = w.alice.role().to_owned();
    grant_manager(&w.cluster, &w.admin, &alice, "unused", "globex").await;
    assert_eq!(slugs(&w.alice).await, ["acme", "globex"]);
    assert!(
        w.alice
            .number(&NumberRef::Id(w.globex_number), None)
            .await
            .is_ok()
    );

    let report = revoke(&settings(&w.admin), &request(&alice, Some("globex")))
        .await
        .expect("revoke");
    assert_eq!(
        report,
        RevokeReport {
            removed_from: vec!["globex".into()],
            login_disabled: false,
            sessions_ended: 0,
        }
    );
    // The open workspace (same pool, same sessions) no longer reads globex.
    assert_eq!(slugs(&w.alice).await, ["acme"]);
    assert!(matches!(
        w.alice.number(&NumberRef::Id(w.globex_number), None).await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        w.alice
            .number(&NumberRef::Id(w.acme_number), None)
            .await
            .is_ok()
    );
    // Nor does a new connection, which still logs in.
    let again = RemoteWorkspace::connect(&settings(&w.alice_url))
        .await
        .expect("alice still logs in");
    assert_eq!(slugs(&again).await, ["acme"]);
    again.close().await;

    // Again: nothing to remove, said so.
    let report = revoke(&settings(&w.admin), &request(&alice, Some("globex")))
        .await
        .expect("revoke again");
    assert!(report.removed_from.is_empty());
}

#[tokio::test]
async fn a_full_revoke_ends_the_sessions_and_the_login_and_grant_gives_them_back() {
    let w = World::new().await;
    let bob = w.bob.role().to_owned();
    assert_eq!(slugs(&w.bob).await, ["globex"]);
    let before = memberships(&w);

    let report = revoke(&settings(&w.admin), &request(&bob, None))
        .await
        .expect("revoke");
    assert_eq!(report.removed_from, ["globex"]);
    assert!(report.login_disabled);
    assert!(report.sessions_ended >= 1, "{report:?}");
    assert_eq!(
        memberships(&w),
        before
            .lines()
            .filter(|l| !l.starts_with(&format!("{bob}|")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        scalar(
            &w.cluster,
            &w.admin,
            &format!(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = '{bob}';
                 SELECT rolcanlogin FROM pg_roles WHERE rolname = '{bob}'"
            ),
        ),
        "0\nf"
    );
    // The open workspace's sessions were ended, and it cannot log in again.
    let err = w.bob.organizations().await.expect_err("session ended");
    assert!(
        matches!(err, Error::NotAllowed(_) | Error::Offline { .. }),
        "{err:?}"
    );
    let err = RemoteWorkspace::connect(&settings(&w.bob_url))
        .await
        .expect_err("no login");
    match &err {
        Error::NotAllowed(message) => {
            assert!(message.contains("not permitted to log in"), "{message}")
        }
        other => panic!("expected a refused login, got {other:?}"),
    }

    // `db grant` gives access back, login included.
    let report = switchboard_postgres::grant::grant(
        &settings(&w.admin),
        &switchboard_postgres::grant::Grant {
            role: bob.clone(),
            organization: "globex".into(),
            display_name: None,
        },
        || panic!("an existing role keeps its password"),
    )
    .await
    .expect("grant");
    assert!(report.login_restored && report.membership_added && !report.role_created);
    let back = RemoteWorkspace::connect(&settings(&w.bob_url))
        .await
        .expect("bob logs in again");
    assert_eq!(slugs(&back).await, ["globex"]);
    back.close().await;
}

#[tokio::test]
async fn unknown_roles_organizations_and_non_managers_are_refused_and_nothing_changes() {
    let w = World::new().await;
    let alice = w.alice.role().to_owned();
    let outsider = w.cluster.role_name("outsider");
    scalar(
        &w.cluster,
        &w.admin,
        &format!("CREATE ROLE {outsider} LOGIN PASSWORD 'pw'"),
    );
    let before = memberships(&w);
    let roles = |w: &World| {
        scalar(
            &w.cluster,
            &w.admin,
            "SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname)
             FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%'",
        )
    };
    let roles_before = roles(&w);
    let admin = settings(&w.admin);
    let superuser = scalar(&w.cluster, &w.admin, "SELECT current_user");

    let unknown_role = w.cluster.role_name("nobody");
    match revoke(&admin, &request(&unknown_role, None)).await {
        Err(Error::NotFound { kind, key }) => {
            assert_eq!((kind, key.as_str()), ("role", unknown_role.as_str()))
        }
        other => panic!("expected an unknown role, got {other:?}"),
    }
    match revoke(&admin, &request(&alice, Some("initech"))).await {
        Err(Error::NotFound { kind, key }) => {
            assert_eq!((kind, key.as_str()), ("organization", "initech"))
        }
        other => panic!("expected an unknown organization, got {other:?}"),
    }
    for (role, says) in [
        (outsider.as_str(), "not a member of switchboard_manager"),
        (superuser.as_str(), "is a superuser"),
    ] {
        match revoke(&admin, &request(role, None)).await {
            Err(Error::NotAllowed(message)) => {
                assert!(message.contains(says), "{message}");
                assert!(message.contains("nothing was changed"), "{message}");
            }
            other => panic!("expected a refusal for {role}, got {other:?}"),
        }
    }
    let err = revoke(&admin, &request("Not A Role", None))
        .await
        .expect_err("a bad name");
    assert!(err.is_bad_input(), "{err:?}");

    assert_eq!(memberships(&w), before);
    assert_eq!(roles(&w), roles_before);
    assert_eq!(slugs(&w.alice).await, ["acme"]);
}
