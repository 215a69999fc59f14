//! Two managers in two organizations, each connected with their own login role: row-level
//! security keeps them apart, and every refusal is a clear core error.

mod common;

use common::{World, scalar, valid};
use switchboard_core::domain::{E164, NumberUpdate, PhoneNumber};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::store::NumberRef;
use switchboard_core::{Error, ErrorCode};
use switchboard_postgres::RemoteWorkspace;

#[tokio::test]
async fn another_organizations_rows_are_invisible() {
    let w = World::new().await;

    let orgs = w.bob.organizations().await.unwrap();
    assert_eq!(
        orgs.iter().map(|o| o.slug.as_str()).collect::<Vec<_>>(),
        ["globex"]
    );
    assert_eq!(
        w.bob.organization("acme").await.unwrap_err().code(),
        ErrorCode::NotFound
    );

    let listing = NumberQuery::first(NumberFilter::org(w.acme), Sort::default(), 50).unwrap();
    let e = w.bob.list_numbers(&listing).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                kind: "organization",
                ..
            }
        ),
        "{e}"
    );
    let e = w
        .bob
        .count_numbers(&NumberFilter::org(w.acme))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    for r in [
        NumberRef::Id(w.acme_number),
        NumberRef::parse("+14155550100").unwrap(),
    ] {
        let e = w.bob.number(&r, None).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("phone number {:?} not found", key(&r))
        );
    }
    assert!(w.bob.agents(w.acme).await.unwrap().is_empty());

    // Raw SQL as bob, past the store's own filters: still nothing.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM phone_numbers")
        .fetch_one(w.bob.pool())
        .await
        .unwrap();
    assert_eq!(n, 1, "bob sees globex's one number only");

    // The control: alice sees acme's.
    assert_eq!(
        w.alice
            .count_numbers(&NumberFilter::org(w.acme))
            .await
            .unwrap(),
        3
    );
}

fn key(r: &NumberRef) -> String {
    match r {
        NumberRef::Id(id) => id.to_string(),
        NumberRef::Number(n) => n.to_string(),
    }
}

#[tokio::test]
async fn writes_into_another_organization_fail_clearly_and_change_nothing() {
    let w = World::new().await;
    let before = w.row(w.acme_number);

    let e = w
        .bob
        .add_number(w.acme, valid("+14155550199"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::NotAllowed(m) if m == "not allowed in this organization"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "not allowed: not allowed in this organization"
    );

    let change = NumberUpdate {
        friendly_name: Some(Some("Hijacked".into())),
        ..Default::default()
    };
    let e = w
        .bob
        .update_number(&NumberRef::Id(w.acme_number), None, &change)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                kind: "phone number",
                ..
            }
        ),
        "{e}"
    );
    let e = w
        .bob
        .remove_number(&NumberRef::Id(w.acme_number), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                kind: "phone number",
                ..
            }
        ),
        "{e}"
    );
    let e = w.bob.add_agent(w.acme, "Mole").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");

    // The same statements as raw SQL: the server reaches no row, and the store maps an
    // insert's refusal the same way.
    let updated = sqlx::query("UPDATE phone_numbers SET friendly_name = 'x' WHERE id = $1")
        .bind(w.acme_number)
        .execute(w.bob.pool())
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM phone_numbers WHERE id = $1")
        .bind(w.acme_number)
        .execute(w.bob.pool())
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    let e = sqlx::query("INSERT INTO agents (organization_id, name) VALUES ($1, 'Mole')")
        .bind(w.acme)
        .execute(w.bob.pool())
        .await
        .unwrap_err();
    assert_eq!(
        w.bob.map_error(e).to_string(),
        "not allowed: not allowed in this organization"
    );

    assert_eq!(w.row(w.acme_number), before);
    assert_eq!(w.alice.agents(w.acme).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_row_cannot_be_moved_to_another_organization() {
    let w = World::new().await;
    let before = w.row(w.acme_number);
    // alice belongs to acme only: moving her number to globex breaks the WITH CHECK.
    let e = sqlx::query("UPDATE phone_numbers SET organization_id = $2 WHERE id = $1")
        .bind(w.acme_number)
        .bind(w.globex)
        .execute(w.alice.pool())
        .await
        .unwrap_err();
    let e = w.alice.map_error(e);
    assert!(
        matches!(&e, Error::NotAllowed(m) if m == "not allowed in this organization"),
        "{e}"
    );
    assert_eq!(w.row(w.acme_number), before);
}

#[tokio::test]
async fn setting_jwt_claims_changes_nothing() {
    let w = World::new().await;
    let bob_id = common::scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "SELECT id FROM users WHERE role_name = '{}'",
            w.cluster.role_name("bob")
        ),
    );
    // One connection, so the settings stay on the session the store then uses.
    let alice = RemoteWorkspace::connect(&common::settings(&w.alice_url).with_max_connections(1))
        .await
        .unwrap();
    sqlx::query(
        "SELECT set_config('request.jwt.claims', $1, false),
                set_config('request.jwt.claim.sub', $2, false)",
    )
    .bind(format!(r#"{{"sub": "{bob_id}", "role": "authenticated"}}"#))
    .bind(&bob_id)
    .execute(alice.pool())
    .await
    .unwrap();
    let claims: String = sqlx::query_scalar("SELECT current_setting('request.jwt.claims')")
        .fetch_one(alice.pool())
        .await
        .unwrap();
    assert!(
        claims.contains(&bob_id),
        "the claim is set on the store's session"
    );

    let globex = NumberQuery::first(NumberFilter::org(w.globex), Sort::default(), 50).unwrap();
    assert_eq!(
        alice.list_numbers(&globex).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        alice
            .number(&NumberRef::Id(w.globex_number), None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    let e = alice
        .add_number(w.globex, valid("+442071830199"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotAllowed, "{e}");
    assert_eq!(
        alice
            .count_numbers(&NumberFilter::org(w.acme))
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn an_agent_of_another_organization_cannot_be_assigned() {
    let w = World::new().await;
    let mut number = valid("+14155550177");
    number.agent_id = Some(w.globex_agent);
    let e = w.alice.add_number(w.acme, number).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "not allowed: agent {} does not belong to organization acme",
            w.globex_agent
        )
    );

    let before = w.row(w.acme_number);
    let change = NumberUpdate {
        agent_id: Some(Some(w.globex_agent)),
        ..Default::default()
    };
    let e = w
        .alice
        .update_number(&NumberRef::Id(w.acme_number), None, &change)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "not allowed: agent {} does not belong to organization acme",
            w.globex_agent
        )
    );
    assert_eq!(w.row(w.acme_number), before);

    // An agent that does not exist at all is not found; acme's own agent is fine.
    let change = NumberUpdate {
        agent_id: Some(Some(uuid::Uuid::new_v4())),
        ..Default::default()
    };
    let e = w
        .alice
        .update_number(&NumberRef::Id(w.acme_number), None, &change)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { kind: "agent", .. }), "{e}");
    let change = NumberUpdate {
        agent_id: Some(Some(w.acme_agent)),
        ..Default::default()
    };
    let n = w
        .alice
        .update_number(&NumberRef::Id(w.acme_number), None, &change)
        .await
        .unwrap();
    assert_eq!(n.agent_id, Some(w.acme_agent));
}

#[tokio::test]
async fn agents_are_renamed_and_removed_only_in_ones_own_organization_and_no_number_is_lost() {
    let w = World::new().await;
    let agents = |org: uuid::Uuid| {
        scalar(
            &w.cluster,
            &w.admin,
            &format!(
                "SELECT string_agg(name, ',' ORDER BY name) FROM agents WHERE organization_id = '{org}'"
            ),
        )
    };
    let globex_before = agents(w.globex);
    // Bob (globex) can neither rename nor remove acme's agent: it is not there for him.
    for e in [
        w.bob
            .rename_agent(w.acme, w.acme_agent, "Mole")
            .await
            .unwrap_err(),
        w.bob
            .rename_agent(w.globex, w.acme_agent, "Mole")
            .await
            .unwrap_err(),
        w.bob.remove_agent(w.acme, w.acme_agent).await.unwrap_err(),
        w.bob
            .remove_agent(w.globex, w.acme_agent)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(e, Error::NotFound { kind: "agent", .. }), "{e}");
    }
    assert_eq!(agents(w.acme), "Acme Agent");

    // Alice renames hers; a name taken in her organization is refused by name.
    let second = w.alice.add_agent(w.acme, "Second").await.unwrap();
    let e = w
        .alice
        .rename_agent(w.acme, second.id, "Acme Agent")
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "agent \"Acme Agent\" already exists in acme");
    // Globex's agent's name is no obstacle.
    let renamed = w
        .alice
        .rename_agent(w.acme, second.id, "Globex Agent")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Globex Agent");

    // Removing her agent unassigns its numbers; none is lost, globex is untouched.
    let change = NumberUpdate {
        agent_id: Some(Some(w.acme_agent)),
        ..Default::default()
    };
    let n = NumberRef::Id(w.acme_number);
    w.alice.update_number(&n, None, &change).await.unwrap();
    let count = |sql: &str| scalar(&w.cluster, &w.admin, sql);
    let all_before = count("SELECT count(*) FROM phone_numbers");
    let logged_before = count("SELECT count(*) FROM phone_numbers_changes");
    let (gone, unassigned) = w.alice.remove_agent(w.acme, w.acme_agent).await.unwrap();
    assert_eq!((gone.name.as_str(), unassigned), ("Acme Agent", 1));
    assert_eq!(
        count("SELECT count(*) FROM phone_numbers"),
        all_before,
        "no number lost"
    );
    assert_eq!(
        count(&format!(
            "SELECT coalesce(agent_id::text, 'none') FROM phone_numbers WHERE id = '{}'",
            w.acme_number
        )),
        "none"
    );
    assert_ne!(
        count("SELECT count(*) FROM phone_numbers_changes"),
        logged_before,
        "the unassigned numbers reach every cache through the change log"
    );
    assert_eq!(agents(w.acme), "Globex Agent");
    assert_eq!(agents(w.globex), globex_before);
    let e = w
        .alice
        .remove_agent(w.acme, w.acme_agent)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { kind: "agent", .. }), "{e}");
}

#[tokio::test]
async fn removing_an_agent_never_locks_another_organizations() {
    let w = World::new().await;
    // bob runs, in a transaction he keeps open, remove_agent's locking statement on acme's
    // agent: it is not there for him, so nothing is locked.
    let mut bob = w.bob.pool().begin().await.unwrap();
    let locked = sqlx::query(
        "SELECT id, organization_id, name FROM agents
         WHERE organization_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(w.acme)
    .bind(w.acme_agent)
    .fetch_optional(&mut *bob)
    .await
    .unwrap();
    assert!(locked.is_none());
    // alice removes her agent meanwhile without waiting for bob.
    let (gone, _) = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        w.alice.remove_agent(w.acme, w.acme_agent),
    )
    .await
    .expect("alice does not wait for bob's transaction")
    .unwrap();
    assert_eq!(gone.id, w.acme_agent);
    bob.rollback().await.unwrap();
}

/// Attacker's view of the undo of a removal: alice puts back, under her own login role, a
/// forged record. Into globex she is refused alike whether globex holds that id and number,
/// holds neither, or the organization does not exist at all; into acme, an id globex holds
/// is refused exactly like an id acme holds (nothing names globex or its number). Nothing is
/// written.
#[tokio::test]
async fn a_restore_never_writes_into_or_tells_of_another_organization() {
    let w = World::new().await;
    let alice = &w.alice;
    let ours = alice
        .number(&NumberRef::Id(w.acme_number), None)
        .await
        .unwrap();
    let forged = |id: uuid::Uuid, organization_id: uuid::Uuid, number: &str| PhoneNumber {
        id,
        organization_id,
        phone_number: E164::parse(number, None).unwrap(),
        ..ours.clone()
    };
    let refusal = |n: PhoneNumber| async move { alice.restore_number(&n).await.unwrap_err() };
    let globex_before = w.row(w.globex_number);

    let theirs = refusal(forged(w.globex_number, w.globex, "+442071830100")).await;
    assert_eq!(theirs.code(), ErrorCode::NotAllowed, "{theirs}");
    let unheld = refusal(forged(uuid::Uuid::new_v4(), w.globex, "+442071830199")).await;
    let nowhere = refusal(forged(
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        "+14155550199",
    ))
    .await;
    assert_eq!(theirs.to_string(), unheld.to_string());
    assert_eq!(theirs.to_string(), nowhere.to_string());

    let taken_in_globex = refusal(forged(w.globex_number, w.acme, "+14155550198")).await;
    let taken_in_acme = refusal(forged(w.acme_number, w.acme, "+14155550198")).await;
    assert_eq!(
        taken_in_globex.code(),
        ErrorCode::Duplicate,
        "{taken_in_globex}"
    );
    assert_eq!(taken_in_globex.to_string(), taken_in_acme.to_string());

    assert_eq!(w.row(w.globex_number), globex_before);
    let count = |sql: &str| scalar(&w.cluster, &w.admin, sql);
    assert_eq!(count("SELECT count(*) FROM phone_numbers"), "4");
}
