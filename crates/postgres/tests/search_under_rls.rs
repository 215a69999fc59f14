//! Substring search under row-level security (migration `20261207000100`): the same answers
//! as `LIKE`, the organization's own trigram indexes, and nothing a manager can observe that
//! depends on another organization's rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::{World, figures, scalar, settings, valid};
use serde_json::Value;
use switchboard_core::domain::{Capability, Provider, Status};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort, SortField};
use switchboard_postgres::RemoteWorkspace;
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

const SEARCHES: &[&str] = &[
    "415",
    "4155",
    "55501",
    "0100",
    "+4930",
    "sales",
    "SALES",
    "acme s",
    "line",
    "50%_",
    "5%",
    "off",
    "zzz",
    "l",
    "e 1",
    r"back\slash",
    r"end\",
];

/// Count and first page's numbers of every search in [`SEARCHES`].
async fn answers(ws: &RemoteWorkspace, org: Uuid) -> Vec<(u64, Vec<String>)> {
    let mut out = Vec::new();
    for text in SEARCHES {
        let f = NumberFilter::org(org).search(text);
        let n = ws.count_numbers(&f).await.unwrap();
        let q = NumberQuery::first(f, Sort::default(), 10).unwrap();
        let page = ws.list_numbers(&q).await.unwrap();
        out.push((
            n,
            page.items
                .iter()
                .map(|n| n.phone_number.to_string())
                .collect(),
        ));
    }
    out
}

#[tokio::test]
async fn indexed_search_answers_as_like_does() {
    let w = World::new().await;
    assert!(w.alice.warnings().is_empty(), "{:?}", w.alice.warnings());
    for i in 0..30 {
        let mut v = valid(&format!("+1415555{:04}", 3000 + i));
        v.friendly_name = Some(match i % 3 {
            0 => format!("Line {i} Sales"),
            1 => format!(r"Back\slash {i}"),
            _ => format!(r"ends with \ {i}"),
        });
        w.alice.add_number(w.acme, v).await.unwrap();
    }
    let indexed = answers(&w.alice, w.acme).await;

    // Without the search function (as on a database migrated by a role subject to row-level
    // security) the client falls back to LIKE alone, says so, and answers the same.
    scalar(
        &w.cluster,
        &w.admin,
        "DROP FUNCTION public.phone_number_ids_matching(uuid, text, text)",
    );
    let like = RemoteWorkspace::connect(&settings(&w.alice_url))
        .await
        .unwrap();
    assert!(
        like.warnings()
            .iter()
            .any(|w| w.contains("no search function")),
        "{:?}",
        like.warnings()
    );
    let plain = answers(&like, w.acme).await;
    assert_eq!(indexed, plain);
    // And the answers are not all empty.
    assert_eq!(indexed[5].0, 11, "sales: Acme Sales and 10 lines");
    assert_eq!(indexed[9].0, 1, "50%_ is literal");
    assert_eq!(indexed[15].0, 10, r"back\slash");
}

/// The server log of a local cluster, where `auto_explain` writes the plans of alice's
/// statements.
struct PlanLog {
    path: PathBuf,
}

impl PlanLog {
    /// Makes the server log, with `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`'s figures, the
    /// plan of every statement `role` runs from its next connection on, nested ones (the
    /// search function's) included: more than the role itself can see.
    fn attach(cluster: &TestCluster, admin: &str, role: &str) -> Self {
        scalar(
            cluster,
            admin,
            &format!(
                "ALTER ROLE {role} SET session_preload_libraries = 'auto_explain';
                 ALTER ROLE {role} SET auto_explain.log_min_duration = 0;
                 ALTER ROLE {role} SET auto_explain.log_analyze = on;
                 ALTER ROLE {role} SET auto_explain.log_buffers = on;
                 ALTER ROLE {role} SET auto_explain.log_timing = off;
                 ALTER ROLE {role} SET auto_explain.log_nested_statements = on;
                 ALTER ROLE {role} SET auto_explain.log_format = 'json';"
            ),
        );
        let dir = cluster
            .data_dir()
            .expect("a local cluster: the test reads its server log");
        PlanLog {
            path: dir.join("postgres.log"),
        }
    }

    fn len(&self) -> usize {
        std::fs::read_to_string(&self.path).unwrap().len()
    }

    /// The figures of every plan logged after `from` bytes.
    fn since(&self, from: usize) -> Vec<Value> {
        let log = std::fs::read_to_string(&self.path).unwrap();
        let mut plans = Vec::new();
        let mut rest = &log[from..];
        while let Some(at) = rest.find("plan:\n") {
            rest = &rest[at + "plan:\n".len()..];
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let plan = values.next().expect("a JSON plan").expect("valid JSON");
            rest = &rest[values.byte_offset()..];
            // Statements on phone_numbers (auth.uid()'s look-up of users is logged once or
            // twice, as the connection's caches happen to be).
            if plan["Query Text"]
                .as_str()
                .is_some_and(|text| text.contains("phone_number"))
            {
                plans.push(figures(&plan));
            }
        }
        plans
    }
}

/// Every way the app and the CLI search (first page and count), for text that matches only
/// globex's rows: names (indexed and 2 characters), digits (indexed, 2 and 1 digits), with
/// filters, with a country, sorted otherwise.
fn searches(org: Uuid) -> Vec<(&'static str, NumberFilter, Sort)> {
    let by = |field, descending| Sort { field, descending };
    let mut filtered = NumberFilter::org(org).search("falcon");
    filtered.provider = Some(Provider::Twilio);
    filtered.status = Some(Status::Active);
    filtered.capabilities = vec![Capability::Voice];
    let mut german = NumberFilter::org(org).search("87654");
    german.country = Some("DE".into());
    let number_order = Sort::default();
    let plain = [
        ("name", "falcon", number_order),
        ("name by name", "falcon", by(SortField::FriendlyName, false)),
        ("name, 2 characters", "fa", number_order),
        ("digits", "87654", number_order),
        ("digits by creation", "87654", by(SortField::Created, true)),
        ("digits, 2", "88", number_order),
        ("digits, 1", "8", number_order),
    ];
    plain
        .into_iter()
        .map(|(label, text, sort)| (label, NumberFilter::org(org).search(text), sort))
        .chain([
            ("name with filters", filtered, number_order),
            ("digits in a country", german, number_order),
        ])
        .collect()
}

fn logged_operators(seen: &[(String, Vec<Value>)]) -> bool {
    seen.iter().any(|(label, _)| label.starts_with("operator"))
}

/// What alice's statements showed, search by search, on a fresh connection.
async fn observe(w: &World, log: &PlanLog) -> Vec<(String, Vec<Value>)> {
    let alice = RemoteWorkspace::connect(&settings(&w.alice_url))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for (label, filter, sort) in searches(w.acme) {
        let from = log.len();
        let q = NumberQuery::first(filter.clone(), sort, 100).unwrap();
        let page = alice.list_numbers(&q).await.unwrap();
        assert!(page.items.is_empty(), "{label}: {:?}", page.items);
        assert_eq!(alice.count_numbers(&filter).await.unwrap(), 0, "{label}");
        seen.push((label.to_owned(), log.since(from)));
    }
    // By hand: LIKE, the search function (for alice's organization and for globex's) and the
    // leakproof operators of 20251009150000, where they are there.
    let (function, operators): (bool, bool) = sqlx::query_as(
        "SELECT to_regprocedure('public.phone_number_ids_matching(uuid, text, text)') IS NOT NULL,
                EXISTS (SELECT 1 FROM pg_catalog.pg_operator WHERE oprname IN ('~~~', '~~~*'))",
    )
    .fetch_one(alice.pool())
    .await
    .unwrap();
    let mut by_hand: Vec<(&str, String)> = vec![(
        "LIKE on the organization",
        format!(
            "SELECT id FROM phone_numbers
             WHERE organization_id = '{}' AND lower(friendly_name) LIKE '%falcon%'",
            w.acme
        ),
    )];
    if function {
        by_hand.push((
            "function, own organization",
            format!(
                "SELECT * FROM public.phone_number_ids_matching('{}', 'friendly_name', '%falcon%')",
                w.acme
            ),
        ));
        by_hand.push((
            "function, other organization",
            format!(
                "SELECT * FROM public.phone_number_ids_matching('{}', 'phone_number', '%87654%')",
                w.globex
            ),
        ));
    }
    if operators {
        by_hand.push((
            "operator ~~~*",
            "SELECT id FROM phone_numbers WHERE friendly_name OPERATOR(public.~~~*) '%falcon%'"
                .into(),
        ));
        by_hand.push((
            "operator ~~~",
            "SELECT id FROM phone_numbers WHERE phone_number OPERATOR(public.~~~) '%87654%'".into(),
        ));
    }
    for (label, sql) in by_hand {
        let from = log.len();
        let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .fetch_all(alice.pool())
            .await
            .unwrap();
        assert!(rows.is_empty(), "{label}");
        seen.push((label.to_owned(), log.since(from)));
    }
    alice.pool().close().await;
    seen
}

/// The start of an administrator's insert into phone_numbers.
const INSERT: &str = "INSERT INTO phone_numbers (organization_id, provider, phone_number, \
                      friendly_name, credentials, metadata)";
/// Metadata of a voice number.
const VOICE: &str = r#"{"capabilities": {"voice": true}}"#;

#[tokio::test]
async fn nothing_a_managers_search_shows_depends_on_another_organizations_rows() {
    let w = World::on(TestCluster::start_local().expect("a local cluster")).await;
    // Enough rows that the planner uses indexes rather than reading the whole table (a
    // sequential scan's "Rows Removed by Filter" counts every organization's rows: the
    // table's size, see docs/POSTGRES.md). acme's numbers have no 8; nothing of acme's
    // contains "fa".
    scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "{INSERT}
             SELECT '{acme}', 'twilio', '+1646555' || lpad(g::text, 4, '0'), 'Desk ' || g, '{{}}',
                    '{VOICE}'
             FROM generate_series(1, 2500) AS g WHERE g::text !~ '[89]';
             {INSERT}
             SELECT '{globex}', 'twilio', '+1212' || lpad(g::text, 7, '0'), 'Globex desk ' || g,
                    '{{}}', '{VOICE}'
             FROM generate_series(1, 30000) AS g;
             ANALYZE;",
            acme = w.acme,
            globex = w.globex
        ),
    );
    let log = PlanLog::attach(&w.cluster, &w.admin, &w.cluster.role_name("alice"));

    let before = observe(&w, &log).await;
    // globex gets a line that every search above matches.
    scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "{INSERT} VALUES ('{}', 'twilio', '+4930887654321', 'Project Falcon', '{{}}', '{VOICE}')",
            w.globex
        ),
    );
    let after = observe(&w, &log).await;

    assert_eq!(before.len(), after.len());
    for ((label, seen_before), (_, seen_after)) in before.iter().zip(&after) {
        assert!(!seen_before.is_empty(), "{label}: no plan logged");
        assert_eq!(
            seen_before,
            seen_after,
            "{label}: what alice's statements show changed when globex got a matching row\n\
             before: {}\nafter:  {}",
            serde_json::to_string_pretty(seen_before).unwrap(),
            serde_json::to_string_pretty(seen_after).unwrap()
        );
    }
    // The leakproof operators are gone; the search went through the organization's own
    // trigram indexes.
    assert!(
        !logged_operators(&before),
        "the leakproof operators are still there"
    );
    let logged = serde_json::to_string(&before).unwrap();
    for index in [
        "idx_phone_numbers_organization_text_friendly_name_trgm",
        "idx_phone_numbers_organization_text_phone_number_trgm",
    ] {
        assert!(logged.contains(index), "{index} unused: {logged}");
    }
}

#[tokio::test]
async fn the_search_function_answers_only_for_the_callers_organizations() {
    let w = World::new().await;
    let pool = w.alice.pool();
    let ids = |org: Uuid, field: &'static str, pattern: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>(
            "SELECT id FROM public.phone_number_ids_matching($1, $2, $3) ORDER BY 1",
        )
        .bind(org)
        .bind(field)
        .bind(pattern)
        .fetch_all(pool)
        .await
    };
    assert_eq!(
        ids(w.acme, "phone_number", "%4155550100%").await.unwrap(),
        [w.acme_number]
    );
    assert_eq!(
        ids(w.acme, "friendly_name", "%ACME SUP%").await.unwrap(),
        [w.acme_number]
    );
    // globex's own number and name: nothing, as for an organization that does not exist.
    assert!(
        ids(w.globex, "phone_number", "%442071830100%")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        ids(w.globex, "friendly_name", "%globex%")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        ids(Uuid::nil(), "friendly_name", "%%")
            .await
            .unwrap()
            .is_empty()
    );
    // Bad input is refused before any row is read, whichever organization it names.
    for org in [w.acme, w.globex] {
        let e = ids(org, "credentials", "%a%").await.unwrap_err();
        assert!(e.to_string().contains("field must be"), "{e}");
        let e = ids(org, "friendly_name", r"%a\").await.unwrap_err();
        assert!(e.to_string().contains("escape character"), "{e}");
    }
    assert_eq!(
        ids(w.acme, "friendly_name", r"%50\%\_off%")
            .await
            .unwrap()
            .len(),
        1
    );
    // Only managers may call it.
    let public: bool = sqlx::query_scalar(
        "SELECT has_function_privilege('public',
                  'public.phone_number_ids_matching(uuid, text, text)', 'EXECUTE')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(!public);
}

#[tokio::test]
async fn a_first_page_found_through_the_index_holds_the_first_matches_by_number() {
    let w = World::new().await;
    // 20 matches, all behind the 440 rows a first page of 10 tests one by one.
    scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "{INSERT}
             SELECT '{}', 'twilio', '+1650555' || lpad(g::text, 4, '0'),
                    CASE WHEN g > 580 THEN 'Late match ' || g ELSE 'Desk ' || g END, '{{}}', NULL
             FROM generate_series(600, 1, -1) AS g;
             ANALYZE phone_numbers;",
            w.acme
        ),
    );
    let f = NumberFilter::org(w.acme).search("late match");
    assert_eq!(w.alice.count_numbers(&f).await.unwrap(), 20);
    let q = NumberQuery::first(f, Sort::default(), 10).unwrap();
    let page = w.alice.list_numbers(&q).await.unwrap();
    let numbers: Vec<String> = page
        .items
        .iter()
        .map(|n| n.phone_number.to_string())
        .collect();
    let expected: Vec<String> = (581..=590).map(|g| format!("+16505550{g}")).collect();
    assert_eq!(numbers, expected);
    assert!(page.next.is_some());
}
