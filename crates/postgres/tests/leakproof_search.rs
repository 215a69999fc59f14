//! Substring search under row-level security through the leakproof operators of migration
//! `20251009150000`: the same answers as `LIKE`, an index the planner may use, and nothing
//! learned about hidden rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, settings, valid};
use sqlx::Row;
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_postgres::RemoteWorkspace;

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
async fn answers(ws: &RemoteWorkspace, org: uuid::Uuid) -> Vec<(u64, Vec<String>)> {
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
async fn the_leakproof_operators_answer_as_like_does() {
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
    let leakproof = answers(&w.alice, w.acme).await;

    // Without the operators (as on a database migrated by a non-superuser) the client falls
    // back to LIKE, says so, and answers the same.
    common::scalar(
        &w.cluster,
        &w.admin,
        "DROP OPERATOR CLASS public.switchboard_trgm_ops USING gin CASCADE;
         DROP OPERATOR public.~~~ (text, text); DROP OPERATOR public.~~~* (text, text);",
    );
    let like = RemoteWorkspace::connect(&settings(&w.alice_url))
        .await
        .unwrap();
    assert!(
        like.warnings()
            .iter()
            .any(|w| w.contains("no leakproof search operators")),
        "{:?}",
        like.warnings()
    );
    let plain = answers(&like, w.acme).await;
    assert_eq!(leakproof, plain);
    // And the answers are not all empty.
    assert_eq!(leakproof[5].0, 11, "sales: Acme Sales and 10 lines");
    assert_eq!(leakproof[9].0, 1, "50%_ is literal");
    assert_eq!(leakproof[15].0, 10, r"back\slash");
}

#[tokio::test]
async fn a_managers_name_search_uses_the_trigram_index_under_row_level_security() {
    let w = World::new().await;
    // Enough rows in two organizations that a scan costs more than the index.
    common::scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
                                        credentials)
             SELECT o, 'twilio', '+1646' || lpad(g::text, 7, '0'), 'Desk ' || g, '{{}}'
             FROM unnest(ARRAY['{}'::uuid, '{}'::uuid]) AS o, generate_series(1, 20000) AS g;
             ANALYZE phone_numbers;",
            w.acme, w.globex
        ),
    );
    let plan = |sql: &str| {
        let sql = sql.to_owned();
        let pool = w.alice.pool().clone();
        async move {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                .fetch_all(&pool)
                .await
                .unwrap();
            rows.iter()
                .map(|r| r.get::<String, _>(0))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let org = w.acme;
    let leakproof = plan(&format!(
        "SELECT id FROM phone_numbers AS p WHERE p.organization_id = '{org}'
           AND p.friendly_name OPERATOR(public.~~~*) '%zzzz%'
         ORDER BY p.phone_number LIMIT 101"
    ))
    .await;
    assert!(
        leakproof.contains("idx_phone_numbers_friendly_name_trgm_leakproof"),
        "{leakproof}"
    );
    let digits = plan(&format!(
        "SELECT id FROM phone_numbers AS p WHERE p.organization_id = '{org}'
           AND p.phone_number OPERATOR(public.~~~) '%98765%'
         ORDER BY p.phone_number LIMIT 101"
    ))
    .await;
    assert!(
        digits.contains("idx_phone_numbers_phone_number_trgm_leakproof"),
        "{digits}"
    );
    // LIKE cannot be an index condition under the policy: the planner scans instead.
    let like = plan(&format!(
        "SELECT id FROM phone_numbers AS p WHERE p.organization_id = '{org}'
           AND lower(p.friendly_name) LIKE '%zzzz%'
         ORDER BY p.phone_number LIMIT 101"
    ))
    .await;
    assert!(!like.contains("trgm"), "{like}");
}

#[tokio::test]
async fn the_operators_tell_nothing_about_hidden_rows() {
    let w = World::new().await;
    // A globex name that, used as a LIKE pattern, would make LIKE raise an error.
    common::scalar(
        &w.cluster,
        &w.admin,
        &format!(
            r"UPDATE phone_numbers SET friendly_name = 'ends in \' WHERE id = '{}'",
            w.globex_number
        ),
    );
    let pool = w.alice.pool();
    // With a hidden row's name as the pattern, an error would tell alice it exists; the
    // leakproof operators run before the policy, so they must not raise.
    for op in ["~~~", "~~~*"] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM phone_numbers WHERE 'x' OPERATOR(public.{op}) friendly_name"
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(n, 0);
    }
    // LIKE itself, with the policy first, does not raise either (the hidden row never
    // reaches it) — and alice sees only acme's rows.
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM phone_numbers WHERE 'x' LIKE friendly_name")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(n, 0);
    // Where LIKE would raise, the operators answer "no match".
    let (like, ilike): (bool, bool) =
        sqlx::query_as(r"SELECT 'a\' OPERATOR(public.~~~) 'a\', 'a\' OPERATOR(public.~~~*) 'A\'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(!like && !ilike);
    let (like, ilike): (bool, bool) =
        sqlx::query_as(r"SELECT 'a\' OPERATOR(public.~~~) 'a\\', 'a\' OPERATOR(public.~~~*) 'A\\'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(like && ilike);
    // The functions' bodies name pg_catalog's objects, so a caller's search_path cannot
    // substitute them; and they are LEAKPROOF only because they cannot raise.
    let leakproof: Vec<(String, bool)> = sqlx::query_as(
        "SELECT proname::text, proleakproof FROM pg_proc
         WHERE proname IN ('switchboard_like', 'switchboard_ilike') ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        leakproof,
        [
            ("switchboard_ilike".to_owned(), true),
            ("switchboard_like".to_owned(), true)
        ]
    );
}
