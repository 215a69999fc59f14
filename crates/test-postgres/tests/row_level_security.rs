//! Row-level security as managers meet it: alice (acme) and bob (globex) log in with their
//! own roles, granted with docs/POSTGRES.md's SQL, and neither can see or touch the other
//! organization's numbers, agents or memberships, whatever they type.

mod common;

use common::{World, docs_sql, grant_new_manager, with_variables};

#[test]
fn each_manager_sees_only_their_organizations_rows() {
    let world = World::new();

    assert_eq!(
        world.sql(
            &world.alice,
            "SELECT phone_number FROM phone_numbers ORDER BY 1"
        ),
        "+14155550100\n+14155550101"
    );
    assert_eq!(
        world.sql(
            &world.bob,
            "SELECT phone_number FROM phone_numbers ORDER BY 1"
        ),
        "+442071830100"
    );
    assert_eq!(
        world.sql(
            &world.alice,
            &format!(
                "SELECT count(*) FROM phone_numbers WHERE id = '{}' OR organization_id = '{}'",
                world.globex_number, world.globex
            )
        ),
        "0",
        "asking for globex's rows by id returns nothing"
    );
    assert_eq!(
        world.sql(&world.alice, "SELECT slug FROM organizations"),
        "acme"
    );
    assert_eq!(
        world.sql(&world.alice, "SELECT name FROM agents"),
        "Acme Agent"
    );
    assert_eq!(
        world.sql(&world.alice, "SELECT user_id FROM user_organizations"),
        world.alice_id
    );
    assert_eq!(
        world.sql(&world.alice, "SELECT role_name FROM users"),
        world.alice_role
    );
    assert_eq!(world.sql(&world.alice, "SELECT auth.uid()"), world.alice_id);
    assert_eq!(world.sql(&world.bob, "SELECT auth.uid()"), world.bob_id);
}

#[test]
fn cross_organization_writes_fail_or_touch_nothing() {
    let world = World::new();
    let (alice, globex) = (&world.alice, &world.globex);

    let insert = world.error(
        alice,
        &format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials) \
             VALUES ('{globex}', 'twilio', '+15550000000', '{{}}')"
        ),
    );
    assert!(
        insert.contains(r#"new row violates row-level security policy for table "phone_numbers""#),
        "{insert}"
    );
    assert_eq!(
        world.tagged(
            alice,
            &format!(
                "UPDATE phone_numbers SET friendly_name = 'pwned' WHERE id = '{}'",
                world.globex_number
            )
        ),
        "UPDATE 0"
    );
    assert_eq!(
        world.tagged(
            alice,
            &format!("DELETE FROM phone_numbers WHERE organization_id = '{globex}'")
        ),
        "DELETE 0"
    );
    assert_eq!(
        world.tagged(alice, "UPDATE phone_numbers SET status = 'inactive'"),
        "UPDATE 2",
        "an unfiltered update reaches acme's two numbers only"
    );

    // Agents and memberships: the same walls.
    let agent = world.error(
        alice,
        &format!("INSERT INTO agents (organization_id, name) VALUES ('{globex}', 'Mole')"),
    );
    assert!(
        agent.contains("violates row-level security policy"),
        "{agent}"
    );
    assert_eq!(
        world.tagged(
            alice,
            &format!(
                "UPDATE agents SET name = 'pwned' WHERE id = '{}'",
                world.globex_agent
            )
        ),
        "UPDATE 0"
    );
    assert_eq!(
        world.tagged(
            alice,
            &format!("DELETE FROM agents WHERE id = '{}'", world.globex_agent)
        ),
        "DELETE 0"
    );
    let join = world.error(
        alice,
        &format!(
            "INSERT INTO user_organizations (user_id, organization_id) VALUES ('{}', '{globex}')",
            world.alice_id
        ),
    );
    assert!(
        join.contains("permission denied for table user_organizations"),
        "{join}"
    );
    let rename = world.error(alice, "UPDATE users SET role_name = 'someone_else'");
    assert!(
        rename.contains("permission denied for table users"),
        "{rename}"
    );

    // globex is as it was.
    assert_eq!(
        world.sql(
            &world.admin,
            "SELECT friendly_name, status FROM phone_numbers WHERE phone_number = '+442071830100';
             SELECT name FROM agents WHERE organization_id = (SELECT id FROM organizations WHERE slug = 'globex');
             SELECT count(*) FROM user_organizations"
        ),
        "Globex Sales|active\nGlobex Agent\n2"
    );
}

#[test]
fn a_number_cannot_be_moved_to_another_organization() {
    let world = World::new();

    let error = world.error(
        &world.alice,
        &format!(
            "UPDATE phone_numbers SET organization_id = '{}' WHERE id = '{}'",
            world.globex, world.acme_number
        ),
    );
    assert!(
        error.contains(r#"new row violates row-level security policy for table "phone_numbers""#),
        "{error}"
    );
    // Without a WHERE clause the SELECT policy is not consulted: only the UPDATE policy's
    // WITH CHECK stands between alice and moving every acme number to globex.
    let unfiltered = world.error(
        &world.alice,
        &format!(
            "UPDATE phone_numbers SET organization_id = '{}'",
            world.globex
        ),
    );
    assert!(
        unfiltered
            .contains(r#"new row violates row-level security policy for table "phone_numbers""#),
        "{unfiltered}"
    );
    let agent = world.error(
        &world.alice,
        &format!(
            "UPDATE agents SET organization_id = '{}' WHERE id = '{}'",
            world.globex, world.acme_agent
        ),
    );
    assert!(
        agent.contains("violates row-level security policy"),
        "{agent}"
    );
    let unfiltered_agents = world.error(
        &world.alice,
        &format!("UPDATE agents SET organization_id = '{}'", world.globex),
    );
    assert!(
        unfiltered_agents
            .contains(r#"new row violates row-level security policy for table "agents""#),
        "{unfiltered_agents}"
    );
    assert_eq!(
        world.sql(
            &world.admin,
            &format!(
                "SELECT count(*) FROM phone_numbers WHERE organization_id = '{}';
                 SELECT count(*) FROM agents WHERE organization_id = '{}'",
                world.acme, world.acme
            )
        ),
        "2\n1"
    );
}

#[test]
fn jwt_claims_and_role_switches_do_not_change_who_you_are() {
    let world = World::new();
    let acme_only = format!(
        "SELECT auth.uid(); SELECT count(*) FROM phone_numbers WHERE organization_id = '{}'",
        world.globex
    );

    assert_eq!(
        world.sql(
            &world.alice,
            &format!(
                "SET request.jwt.claims = '{{\"sub\": \"{bob}\", \"role\": \"authenticated\"}}';
                 SET request.jwt.claim.sub = '{bob}';
                 {acme_only}",
                bob = world.bob_id
            )
        ),
        format!("{}\n0", world.alice_id)
    );
    assert_eq!(
        world.sql(
            &world.alice,
            &format!("SET ROLE switchboard_manager; SELECT current_user; {acme_only}")
        ),
        format!("switchboard_manager\n{}\n0", world.alice_id)
    );
    let authorization = world.error(
        &world.alice,
        &format!("SET SESSION AUTHORIZATION {}", world.bob_role),
    );
    assert!(
        authorization.contains("permission denied to set session authorization"),
        "{authorization}"
    );
    let role = world.error(&world.alice, &format!("SET ROLE {}", world.bob_role));
    assert!(role.contains("permission denied to set role"), "{role}");
}

#[test]
fn an_agent_of_another_organization_cannot_be_assigned() {
    let world = World::new();
    let expected = format!(
        "agent {} does not belong to organization {}",
        world.globex_agent, world.acme
    );

    for (who, url) in [("alice", &world.alice), ("the superuser", &world.admin)] {
        let update = world.error(
            url,
            &format!(
                "UPDATE phone_numbers SET agent_id = '{}' WHERE id = '{}'",
                world.globex_agent, world.acme_number
            ),
        );
        assert!(
            update.contains(&format!("ERROR:  23503: {expected}")),
            "{who}: {update}"
        );
        assert!(
            update.contains("CONSTRAINT NAME:  phone_numbers_agent_same_organization_fkey"),
            "{who}: {update}"
        );
    }
    let insert = world.error(
        &world.alice,
        &format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials, agent_id) \
             VALUES ('{}', 'twilio', '+14155550199', '{{}}', '{}')",
            world.acme, world.globex_agent
        ),
    );
    assert!(insert.contains(&expected), "{insert}");

    // The composite foreign key holds even without the trigger.
    world.sql(
        &world.admin,
        "ALTER TABLE phone_numbers DISABLE TRIGGER check_phone_numbers_agent_organization",
    );
    let backstop = world.error(
        &world.admin,
        &format!(
            "UPDATE phone_numbers SET agent_id = '{}' WHERE id = '{}'",
            world.globex_agent, world.acme_number
        ),
    );
    assert!(backstop.contains("ERROR:  23503"), "{backstop}");
    assert!(
        backstop.contains(
            r#"violates foreign key constraint "phone_numbers_agent_same_organization_fkey""#
        ),
        "{backstop}"
    );
    world.sql(
        &world.admin,
        "ALTER TABLE phone_numbers ENABLE TRIGGER check_phone_numbers_agent_organization",
    );

    // One's own agent is assignable; an assigned agent cannot change organization; deleting
    // it unassigns it and leaves the number in its organization.
    assert_eq!(
        world.tagged(
            &world.alice,
            &format!(
                "UPDATE phone_numbers SET agent_id = '{}' WHERE id = '{}'",
                world.acme_agent, world.acme_number
            )
        ),
        "UPDATE 1"
    );
    let move_agent = world.error(
        &world.admin,
        &format!(
            "UPDATE agents SET organization_id = '{}' WHERE id = '{}'",
            world.globex, world.acme_agent
        ),
    );
    assert!(
        move_agent.contains("phone_numbers_agent_same_organization_fkey"),
        "{move_agent}"
    );
    assert_eq!(
        world.tagged(
            &world.alice,
            &format!("DELETE FROM agents WHERE id = '{}'", world.acme_agent)
        ),
        "DELETE 1"
    );
    assert_eq!(
        world.sql(
            &world.alice,
            &format!(
                "SELECT agent_id IS NULL, organization_id FROM phone_numbers WHERE id = '{}'",
                world.acme_number
            )
        ),
        format!("t|{}", world.acme)
    );
}

#[test]
fn the_superuser_sees_and_changes_everything() {
    let world = World::new();
    assert_eq!(
        world.sql(
            &world.admin,
            "SELECT count(*) FROM phone_numbers; SELECT count(*) FROM agents;
             SELECT count(*) FROM organizations; SELECT count(*) FROM users"
        ),
        "3\n2\n2\n2"
    );
    assert_eq!(
        world.tagged(&world.admin, "UPDATE phone_numbers SET status = 'error'"),
        "UPDATE 3"
    );
}

#[test]
fn the_table_owner_is_subject_to_row_level_security_too() {
    let world = World::new();
    let owner = world.cluster.role_name("owner");
    world.sql(
        &world.admin,
        &format!(
            "CREATE ROLE {owner} LOGIN PASSWORD 'owner-secret' IN ROLE switchboard_manager;
             ALTER TABLE phone_numbers OWNER TO {owner}"
        ),
    );
    let as_owner = world.cluster.url_for(&owner, "owner-secret");
    assert_eq!(
        world.sql(&as_owner, "SELECT count(*) FROM phone_numbers"),
        "0",
        "FORCE ROW LEVEL SECURITY: the owner is no manager, so sees nothing"
    );
}

#[test]
fn a_login_role_that_is_no_user_sees_nothing() {
    let world = World::new();
    let mallory = world.cluster.role_name("mallory");
    world.sql(
        &world.admin,
        &format!(
            "CREATE ROLE {mallory} LOGIN PASSWORD 'mallory-secret';
             GRANT switchboard_manager TO {mallory}"
        ),
    );
    let as_mallory = world.cluster.url_for(&mallory, "mallory-secret");

    assert_eq!(
        world.sql(
            &as_mallory,
            "SELECT auth.uid() IS NULL; SELECT count(*) FROM phone_numbers;
             SELECT count(*) FROM organizations; SELECT count(*) FROM agents"
        ),
        "t\n0\n0\n0"
    );
    let insert = world.error(
        &as_mallory,
        &format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials) \
             VALUES ('{}', 'twilio', '+15550000001', '{{}}')",
            world.acme
        ),
    );
    assert!(
        insert.contains("violates row-level security policy"),
        "{insert}"
    );
}

#[test]
fn memberships_granted_and_revoked_with_the_documented_sql_take_effect() {
    let world = World::new();
    let alice_in_globex = [("role", world.alice_role.as_str()), ("org", "globex")];

    world.sql(
        &world.admin,
        &with_variables(&alice_in_globex, &docs_sql("grant_membership")),
    );
    assert_eq!(
        world.sql(
            &world.alice,
            "SELECT count(*) FROM phone_numbers; SELECT count(*) FROM organizations"
        ),
        "3\n2"
    );

    world.sql(
        &world.admin,
        &with_variables(&alice_in_globex, &docs_sql("revoke_membership")),
    );
    assert_eq!(
        world.sql(
            &world.alice,
            "SELECT phone_number FROM phone_numbers ORDER BY 1"
        ),
        "+14155550100\n+14155550101"
    );

    // A third manager in acme sees acme's numbers and nothing of globex.
    let carol = world.cluster.role_name("carol");
    grant_new_manager(
        &world.cluster,
        &world.admin,
        &carol,
        "carol-secret",
        "Carol",
        "acme",
    );
    assert_eq!(
        world.sql(
            &world.cluster.url_for(&carol, "carol-secret"),
            "SELECT count(*) FROM phone_numbers"
        ),
        "2"
    );
}
