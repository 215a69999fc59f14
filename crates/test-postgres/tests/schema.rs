//! The schema our migrations build: the same phone_numbers as the design's SQL (the web
//! platform's), migrations that apply again and on top of the web platform's database,
//! and indexes the documented queries use.

mod common;

use common::{World, grant_new_manager, migrations_dir};
use switchboard_test_postgres::TestCluster;

/// The design's SQL with its minimal prerequisites (the web platform's database).
const WEB_PLATFORM_SCHEMA: &str = include_str!("fixtures/web_platform_schema.sql");

/// Every column of phone_numbers: name, type, length, default, nullability. Not the
/// position: agent_id is added by a second migration, so it comes last.
const COLUMNS: &str = "
    SELECT column_name, data_type, udt_name, character_maximum_length, column_default, is_nullable
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = 'phone_numbers'
    ORDER BY column_name";

/// The design's indexes that migration 20261207000600 drops: they do not lead with
/// organization_id, so a manager's leakproof comparison could read every organization's
/// rows through them (docs/POSTGRES.md).
const DROPPED_INDEXES: &str = "
    SELECT indexname FROM pg_indexes
    WHERE schemaname = 'public' AND tablename = 'phone_numbers'
      AND indexname IN ('idx_phone_numbers_provider', 'idx_phone_numbers_status',
                        'idx_phone_numbers_phone_number', 'idx_phone_numbers_agent_id')
    ORDER BY 1";

/// The design's indexes (but [`DROPPED_INDEXES`]), constraints and trigger, as PostgreSQL
/// prints them back.
const DESIGN_OBJECTS: &str = "
    SELECT indexname || ': ' || indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename = 'phone_numbers'
      AND indexname IN ('phone_numbers_pkey', 'phone_numbers_organization_id_phone_number_key',
                        'idx_phone_numbers_organization_id')
    ORDER BY 1;
    SELECT conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = 'public.phone_numbers'::regclass
      AND conname IN ('phone_numbers_pkey', 'phone_numbers_organization_id_fkey',
                      'phone_numbers_agent_id_fkey', 'phone_numbers_organization_id_phone_number_key')
    ORDER BY 1;
    SELECT pg_get_triggerdef(oid) FROM pg_trigger
    WHERE tgrelid = 'public.phone_numbers'::regclass AND tgname = 'update_phone_numbers_updated_at';
    SELECT policyname || ': ' || cmd FROM pg_policies
    WHERE schemaname = 'public' AND tablename = 'phone_numbers' ORDER BY 1";

fn migrated(cluster: &TestCluster) -> String {
    let url = cluster.admin_url();
    cluster
        .apply_migrations(&url, &migrations_dir())
        .expect("migrations apply");
    url
}

fn web_platform(cluster: &TestCluster, name: &str) -> String {
    let url = cluster.create_database(name).expect("create database");
    cluster
        .psql(&url, WEB_PLATFORM_SCHEMA)
        .expect("the design's SQL runs");
    url
}

#[test]
fn the_design_and_our_migrations_create_the_same_columns() {
    let cluster = TestCluster::start().expect("cluster starts");
    let ours = migrated(&cluster);
    let design = web_platform(&cluster, "design");

    let our_columns = cluster.psql(&ours, COLUMNS).expect("columns");
    let design_columns = cluster.psql(&design, COLUMNS).expect("columns");
    assert_eq!(our_columns, design_columns);
    assert_eq!(our_columns.lines().count(), 14, "{our_columns}");
    assert!(
        our_columns.contains("status|character varying|varchar|20|'active'::character varying|NO"),
        "{our_columns}"
    );

    assert_eq!(
        cluster.psql(&ours, DESIGN_OBJECTS).expect("objects"),
        cluster.psql(&design, DESIGN_OBJECTS).expect("objects")
    );
    assert_eq!(cluster.psql(&ours, DROPPED_INDEXES).expect("indexes"), "");
    assert_eq!(
        cluster.psql(&design, DROPPED_INDEXES).expect("indexes"),
        "idx_phone_numbers_agent_id\nidx_phone_numbers_phone_number\n\
         idx_phone_numbers_provider\nidx_phone_numbers_status"
    );
}

#[test]
fn the_migrations_apply_again_without_change() {
    let cluster = TestCluster::start().expect("cluster starts");
    let url = migrated(&cluster);
    let everything = "
        SELECT count(*) FROM pg_indexes WHERE schemaname = 'public';
        SELECT count(*) FROM pg_policies;
        SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal;
        SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace";
    let before = cluster.psql(&url, everything).expect("counts");

    let applied = cluster
        .apply_migrations(&url, &migrations_dir())
        .expect("migrations apply again");

    let files = std::fs::read_dir(migrations_dir())
        .expect("migrations directory")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert_eq!(applied.len(), files, "{applied:?}");
    assert_eq!(cluster.psql(&url, everything).expect("counts"), before);
}

#[test]
fn on_the_web_platforms_database_claims_identify_anyone_until_our_migrations_apply() {
    let cluster = TestCluster::start().expect("cluster starts");
    let web = web_platform(&cluster, "web");
    let (u1, u2) = (
        "11111111-1111-1111-1111-111111111111",
        "22222222-2222-2222-2222-222222222222",
    );
    cluster
        .psql(
            &web,
            &format!(
                "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
                 INSERT INTO user_organizations
                   SELECT '{u1}'::uuid, id FROM organizations WHERE slug = 'acme'
                   UNION ALL SELECT '{u2}'::uuid, id FROM organizations WHERE slug = 'globex';
                 INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
                   SELECT id, 'twilio', '+4420718301' || slug, '{{}}' FROM organizations"
            ),
        )
        .expect("web data");

    // A client connected directly, with table privileges, as web users are granted.
    let direct = cluster.role_name("direct_client");
    cluster
        .psql(
            &web,
            &format!(
                "CREATE ROLE {direct} LOGIN PASSWORD 'direct-secret';
                 GRANT USAGE ON SCHEMA auth TO {direct};
                 GRANT SELECT ON phone_numbers, user_organizations TO {direct}"
            ),
        )
        .expect("direct client role");
    let as_direct = cluster.url_as(&web, &direct, "direct-secret").expect("URL");
    let spoof = format!(
        "SET request.jwt.claims = '{{\"sub\": \"{u2}\"}}'; SELECT phone_number FROM phone_numbers"
    );
    assert_eq!(
        cluster.psql(&as_direct, &spoof).expect("spoofed query"),
        "+4420718301globex",
        "with the claims-based auth.uid(), setting a claim is being that user"
    );

    let applied = cluster
        .apply_migrations(&web, &migrations_dir())
        .expect("our migrations apply on the web platform's database");
    let files = std::fs::read_dir(migrations_dir())
        .expect("migrations directory")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert_eq!(applied.len(), files);

    assert_eq!(
        cluster.psql(&as_direct, &spoof).expect("query"),
        "",
        "after our migrations, a claim identifies no one"
    );
    let alice = cluster.role_name("alice");
    grant_new_manager(&cluster, &web, &alice, "alice-secret", "Alice", "acme");
    let as_alice = cluster.url_as(&web, &alice, "alice-secret").expect("URL");
    assert_eq!(
        cluster.psql(&as_alice, &spoof).expect("query"),
        "+4420718301acme",
        "alice sees acme's number whatever claim she sets"
    );
    // The web platform's organizations have no updated_at: no trigger was added for it.
    assert_eq!(
        cluster
            .psql_tagged(
                &web,
                "UPDATE organizations SET name = 'Acme Inc' WHERE slug = 'acme'"
            )
            .expect("update"),
        "UPDATE 1"
    );
    assert_eq!(
        cluster.psql(&web, COLUMNS).expect("columns"),
        cluster
            .psql(&web_platform(&cluster, "design"), COLUMNS)
            .expect("columns"),
        "our migrations changed no column of the existing table"
    );
}

#[test]
fn search_and_sync_queries_use_their_indexes() {
    let world = World::new();
    let plan = |query: &str| {
        world.sql(
            &world.admin,
            &format!("SET enable_seqscan = off; EXPLAIN (COSTS OFF) {query}"),
        )
    };

    // Substring search is per organization (migrations 20261207000100, 20261207000700: the
    // search function compares organization_id::text, which the indexes lead with). Among
    // three rows a scan of the organization is cheapest, so the plan is taken over 5,000
    // (rolled back).
    let trigram_plan = |query: &str| {
        world.sql(
            &world.admin,
            &format!(
                "BEGIN;
                 INSERT INTO phone_numbers (organization_id, provider, phone_number,
                                            friendly_name, credentials)
                 SELECT '{}', 'twilio', '+1646' || lpad(g::text, 7, '0'), 'Desk ' || g, '{{}}'
                 FROM generate_series(1, 5000) AS g;
                 ANALYZE phone_numbers;
                 EXPLAIN (COSTS OFF) {query};
                 ROLLBACK;",
                world.acme
            ),
        )
    };
    let number = trigram_plan(&format!(
        "SELECT id FROM phone_numbers
         WHERE organization_id::text = '{}' AND phone_number LIKE '%5550%'",
        world.acme
    ));
    assert!(
        number.contains("idx_phone_numbers_organization_text_phone_number_trgm"),
        "{number}"
    );
    let name = trigram_plan(&format!(
        "SELECT id FROM phone_numbers
         WHERE organization_id::text = '{}' AND lower(friendly_name) LIKE '%support%'",
        world.acme
    ));
    assert!(
        name.contains("idx_phone_numbers_organization_text_friendly_name_trgm"),
        "{name}"
    );
    let sync = plan(&format!(
        "SELECT id FROM phone_numbers
         WHERE organization_id = '{}'
           AND (updated_at, id) > ('2025-10-09T00:00:00Z', '00000000-0000-0000-0000-000000000000')
         ORDER BY updated_at, id LIMIT 100",
        world.acme
    ));
    assert!(
        sync.contains("idx_phone_numbers_organization_updated_at_id"),
        "{sync}"
    );

    assert_eq!(
        world.sql(
            &world.alice,
            "SELECT phone_number FROM phone_numbers WHERE lower(friendly_name) LIKE '%sales%'"
        ),
        "+14155550101",
        "a manager's search finds their own organization's match only"
    );
}

#[test]
fn updated_at_follows_every_update() {
    let world = World::new();
    assert_eq!(
        world.sql(
            &world.alice,
            &format!(
                "UPDATE phone_numbers SET friendly_name = 'Front desk' WHERE id = '{}'
                 RETURNING updated_at > created_at",
                world.acme_number
            )
        ),
        "t"
    );
}

#[test]
fn organization_slugs_are_lowercase_words() {
    let world = World::new();
    for slug in ["Acme", "acme corp", "-acme", "acme-", "acme--corp", ""] {
        let error = world.error(
            &world.admin,
            &format!("INSERT INTO organizations (slug, name) VALUES ('{slug}', 'x')"),
        );
        assert!(
            error.contains("organizations_slug_format"),
            "{slug:?}: {error}"
        );
    }
    assert_eq!(
        world.tagged(
            &world.admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme-2', 'Acme 2')"
        ),
        "INSERT 0 1"
    );
}
