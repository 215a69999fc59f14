//! Migration `20261207000500_phone_numbers_checks` on a real server: it applies on a database
//! that already holds rows breaking its checks (the web platform's), leaves those checks
//! `NOT VALID`, names the rows, refuses new bad writes, and validates once the rows are fixed;
//! its SQL rule for secret keys is core's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{migrated, scalar, settings};
use switchboard_core::domain::{Credentials, Provider, SECRET_KEYS, Status, identifier_keys};
use switchboard_postgres::migrate::migrate;
use switchboard_postgres::row_checks::broken_rows;
use switchboard_test_postgres::TestCluster;

const WEB_PLATFORM_SCHEMA: &str =
    include_str!("../../test-postgres/tests/fixtures/web_platform_schema.sql");

const CHECKS: &str = "SELECT string_agg(conname || '=' || convalidated, ',' ORDER BY conname)
    FROM pg_constraint
    WHERE conrelid = 'phone_numbers'::regclass
      AND conname IN ('phone_numbers_credentials_no_secret', 'phone_numbers_provider_known',
                      'phone_numbers_status_known')";

#[tokio::test]
async fn the_checks_apply_over_bad_rows_name_them_and_refuse_new_ones() {
    let cluster = TestCluster::start().expect("cluster starts");
    let web = cluster.create_database("web").expect("database");
    cluster
        .psql(&web, WEB_PLATFORM_SCHEMA)
        .expect("the design's SQL");
    let ids = scalar(
        &cluster,
        &web,
        "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme');
         INSERT INTO phone_numbers (organization_id, provider, phone_number, status, credentials)
         SELECT id, v.provider, v.number, v.status, v.credentials::jsonb
         FROM organizations, (VALUES
           ('twilio', '+14155550100', 'active', '{}'),
           ('twilio', '+14155550101', 'suspended', '{}'),
           ('signalwire', '+14155550102', 'active', '{}'),
           ('twilio', '+14155550103', 'active', '{\"accountSid\": \"AC1\", \"authToken\": \"hunter2\"}'),
           ('twilio', '+14155550104', 'active', '\"text\"')
         ) AS v (provider, number, status, credentials)
         RETURNING id",
    );
    let ids: Vec<&str> = ids.lines().collect();

    let applied = migrate(&settings(&web))
        .await
        .expect("migrates over bad rows");
    assert!(
        applied.iter().any(|m| m.version == 20261207000500),
        "{applied:?}"
    );
    assert_eq!(
        scalar(&cluster, &web, CHECKS),
        "phone_numbers_credentials_no_secret=false,phone_numbers_provider_known=false,\
         phone_numbers_status_known=false"
    );
    let broken = broken_rows(&settings(&web)).await.expect("report");
    let lines: Vec<String> = broken.iter().map(|b| b.line()).collect();
    assert_eq!(broken.len(), 4, "{lines:#?}");
    let reason_of = |i: usize| {
        broken
            .iter()
            .filter(|b| b.id.to_string() == ids[i])
            .map(|b| b.reason.as_str())
            .collect::<Vec<_>>()
    };
    assert!(reason_of(0).is_empty());
    assert_eq!(
        reason_of(1),
        ["status \"suspended\" is not one of active, inactive, error"]
    );
    assert_eq!(
        reason_of(2),
        ["provider \"signalwire\" is not one of twilio, vonage, telnyx, bandwidth, plivo"]
    );
    assert_eq!(reason_of(3).len(), 1);
    assert!(
        reason_of(3)[0].contains("secret under key \"authToken\""),
        "{lines:#?}"
    );
    assert!(reason_of(4)[0].contains("not a JSON object (a JSON string)"));
    assert!(!format!("{broken:?}").contains("hunter2"));

    // New writes are checked.
    for bad in [
        "UPDATE phone_numbers SET status = 'retired' WHERE phone_number = '+14155550100'",
        "UPDATE phone_numbers SET credentials = '{\"password\": \"x\"}' WHERE phone_number = '+14155550100'",
        "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
         SELECT id, 'nexmo', '+14155550199', '{}' FROM organizations",
    ] {
        let e = cluster.psql(&web, bad).expect_err(bad).to_string();
        assert!(e.contains("violates check constraint"), "{bad}: {e}");
    }

    // Fixed rows: the next `db migrate` validates every check and nothing is reported.
    scalar(
        &cluster,
        &web,
        "UPDATE phone_numbers SET status = 'inactive' WHERE status = 'suspended';
         UPDATE phone_numbers SET provider = 'twilio' WHERE provider = 'signalwire';
         UPDATE phone_numbers SET credentials = '{\"accountSid\": \"AC1\"}'
           WHERE phone_number IN ('+14155550103', '+14155550104')",
    );
    // What `db migrate` runs after migrating: the fixed checks are validated.
    assert!(broken_rows(&settings(&web)).await.unwrap().is_empty());
    assert_eq!(
        scalar(&cluster, &web, CHECKS),
        "phone_numbers_credentials_no_secret=true,phone_numbers_provider_known=true,\
         phone_numbers_status_known=true"
    );
}

#[tokio::test]
async fn a_fresh_database_gets_valid_checks() {
    let (cluster, admin) = migrated().await;
    assert_eq!(
        scalar(&cluster, &admin, CHECKS),
        "phone_numbers_credentials_no_secret=true,phone_numbers_provider_known=true,\
         phone_numbers_status_known=true"
    );
}

/// The SQL lists and rule are core's: every provider and status core knows passes, others do
/// not, and the SQL secret-key rule answers as `Credentials::is_secret_key` for every provider
/// and every key either side knows, in several spellings.
#[tokio::test]
async fn the_sql_rules_are_cores() {
    let (cluster, admin) = migrated().await;
    let quoted = |v: &[String]| {
        v.iter()
            .map(|s| format!("'{}'", s.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut providers: Vec<String> = Provider::ALL.iter().map(|p| p.as_str().into()).collect();
    let mut statuses: Vec<String> = Status::ALL.iter().map(|s| s.as_str().into()).collect();
    providers.extend(["signalwire".into(), "Twilio".into(), String::new()]);
    statuses.extend(["suspended".into(), "Active".into(), String::new()]);
    let expect = |values: &[String], known: &dyn Fn(&str) -> bool| {
        values
            .iter()
            .map(|v| format!("{v}={}", known(v)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let sql = |column: &str, values: &[String]| {
        let check = scalar(
            &cluster,
            &admin,
            &format!(
                "SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint
                 WHERE conname = 'phone_numbers_{column}_known'"
            ),
        )
        .replace(&format!("({column})::text"), "v");
        scalar(
            &cluster,
            &admin,
            &format!(
                "SELECT string_agg(v || '=' || ({check}), ',' ORDER BY o)
                 FROM unnest(ARRAY[{}]::text[]) WITH ORDINALITY AS t (v, o)",
                quoted(values)
            ),
        )
    };
    assert_eq!(
        sql("provider", &providers),
        expect(&providers, &|v| Provider::ALL
            .iter()
            .any(|p| p.as_str() == v))
    );
    assert_eq!(
        sql("status", &statuses),
        expect(&statuses, &|v| Status::ALL.iter().any(|s| s.as_str() == v))
    );

    let mut keys: Vec<String> = Vec::new();
    for s in SECRET_KEYS {
        keys.extend([
            s.to_owned(),
            s.to_uppercase(),
            format!("my_{s}"),
            format!("{s}Ref"),
            format!("{s}_id"),
            s[1..].to_owned(),
        ]);
    }
    for p in Provider::ALL {
        keys.extend(identifier_keys(p).iter().map(|k| (*k).to_owned()));
        keys.push(Credentials::ref_key(p).to_owned());
    }
    keys.extend(
        [
            "authToken",
            "auth_token",
            "Auth-Token",
            "twilioAuthToken",
            "apiKey",
            "api_key",
            "Ref",
            "region",
            "tokenish",
            "accountSid ",
            "ACCOUNTSID",
        ]
        .map(String::from),
    );
    let credentials_check = scalar(
        &cluster,
        &admin,
        "SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint
         WHERE conname = 'phone_numbers_credentials_no_secret'",
    );
    for p in Provider::ALL {
        // The whole check (its quick first test included) refuses exactly what core calls a
        // secret.
        let got = scalar(
            &cluster,
            &admin,
            &format!(
                "SELECT string_agg(k || '=' || NOT ({credentials_check}), ',' ORDER BY o)
                 FROM (SELECT k, o, '{p}'::varchar AS provider,
                              jsonb_build_object(k, 'x') AS credentials
                       FROM unnest(ARRAY[{}]::text[]) WITH ORDINALITY AS t (k, o)) AS row",
                quoted(&keys)
            ),
        );
        assert_eq!(
            got,
            expect(&keys, &|k| Credentials::is_secret_key(p, k)),
            "{p}"
        );
        let got = scalar(
            &cluster,
            &admin,
            &format!(
                "SELECT string_agg(k || '=' ||
                          (switchboard_credentials_secret_key('{p}', jsonb_build_object(k, 'x'))
                           IS NOT NULL), ',' ORDER BY o)
                 FROM unnest(ARRAY[{}]::text[]) WITH ORDINALITY AS t (k, o)",
                quoted(&keys)
            ),
        );
        let want = expect(&keys, &|k| Credentials::is_secret_key(p, k));
        assert_eq!(got, want, "{p}");
    }
}
