//! The world the team-database tests share: a throwaway cluster, `migrations/` applied by
//! [`switchboard_postgres::migrate::migrate`], acme and globex with an agent and numbers
//! each (seeded as the superuser), and two managers granted by
//! [`switchboard_postgres::grant::grant`] (what `db grant` runs): alice in acme, bob in
//! globex.

#![allow(dead_code, reason = "each test file uses a part of this module")]

use std::time::Duration;

use serde_json::Value;

use switchboard_core::domain::NewNumber;
use switchboard_core::domain::ValidNumber;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

pub struct World {
    pub cluster: TestCluster,
    pub admin: String,
    pub alice_url: String,
    pub bob_url: String,
    pub alice: RemoteWorkspace,
    pub bob: RemoteWorkspace,
    pub acme: Uuid,
    pub globex: Uuid,
    pub acme_agent: Uuid,
    pub globex_agent: Uuid,
    /// +14155550100 in acme.
    pub acme_number: Uuid,
    /// +442071830100 in globex.
    pub globex_number: Uuid,
}

/// Settings for `url` with a short timeout (tests of offline behaviour wait for it).
pub fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("a valid URL")
        .with_timeout(Duration::from_secs(2))
}

/// A cluster with `migrations/` applied, by the code `db migrate` runs.
pub async fn migrated() -> (TestCluster, String) {
    migrated_on(TestCluster::start().expect("cluster starts")).await
}

/// `cluster` with `migrations/` applied, by the code `db migrate` runs.
pub async fn migrated_on(cluster: TestCluster) -> (TestCluster, String) {
    let admin = cluster.admin_url();
    let applied = switchboard_postgres::migrate::migrate(&settings(&admin))
        .await
        .expect("migrations apply");
    assert_eq!(
        applied.len(),
        switchboard_postgres::migrate::embedded().len()
    );
    (cluster, admin)
}

/// Grants `role` (created with `password` when missing) membership of `org`.
pub async fn grant_manager(
    cluster: &TestCluster,
    admin: &str,
    role: &str,
    password: &str,
    org: &str,
) {
    grant(
        &settings(admin),
        &Grant {
            role: role.to_owned(),
            organization: org.to_owned(),
            display_name: None,
        },
        || Ok(password.to_owned()),
    )
    .await
    .expect("grant");
    let _ = cluster;
}

pub fn scalar(cluster: &TestCluster, url: &str, sql: &str) -> String {
    cluster
        .psql(url, sql)
        .unwrap_or_else(|e| panic!("{sql}\n{e}"))
}

pub fn uuid(cluster: &TestCluster, url: &str, sql: &str) -> Uuid {
    Uuid::parse_str(&scalar(cluster, url, sql)).expect("a uuid")
}

impl World {
    pub async fn new() -> Self {
        Self::on(TestCluster::start().expect("cluster starts")).await
    }

    /// The world on `cluster`.
    pub async fn on(cluster: TestCluster) -> Self {
        let (cluster, admin) = migrated_on(cluster).await;
        scalar(
            &cluster,
            &admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
             INSERT INTO agents (organization_id, name)
               SELECT id, 'Acme Agent' FROM organizations WHERE slug = 'acme';
             INSERT INTO agents (organization_id, name)
               SELECT id, 'Globex Agent' FROM organizations WHERE slug = 'globex';
             INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
                                        credentials, metadata)
               SELECT o.id, 'twilio', n.number, n.name, '{}', n.metadata::jsonb
               FROM organizations AS o
               JOIN (VALUES ('acme', '+14155550100', 'Acme Support',
                             '{\"capabilities\": {\"voice\": true, \"sms\": true}}'),
                            ('acme', '+14155550101', 'Acme Sales',
                             '{\"capabilities\": {\"voice\": true}}'),
                            ('acme', '+4930123456', 'Berlin 50%_off', NULL),
                            ('globex', '+442071830100', 'Globex Sales', NULL))
                 AS n (slug, number, name, metadata)
                 ON n.slug = o.slug;",
        );
        let alice_role = cluster.role_name("alice");
        let bob_role = cluster.role_name("bob");
        grant_manager(&cluster, &admin, &alice_role, "alice-secret", "acme").await;
        grant_manager(&cluster, &admin, &bob_role, "bob-secret", "globex").await;
        let alice_url = cluster.url_for(&alice_role, "alice-secret");
        let bob_url = cluster.url_for(&bob_role, "bob-secret");
        let alice = RemoteWorkspace::connect(&settings(&alice_url))
            .await
            .expect("alice connects");
        let bob = RemoteWorkspace::connect(&settings(&bob_url))
            .await
            .expect("bob connects");
        let id = |sql: &str| uuid(&cluster, &admin, sql);
        World {
            acme: id("SELECT id FROM organizations WHERE slug = 'acme'"),
            globex: id("SELECT id FROM organizations WHERE slug = 'globex'"),
            acme_agent: id("SELECT id FROM agents WHERE name = 'Acme Agent'"),
            globex_agent: id("SELECT id FROM agents WHERE name = 'Globex Agent'"),
            acme_number: id("SELECT id FROM phone_numbers WHERE phone_number = '+14155550100'"),
            globex_number: id("SELECT id FROM phone_numbers WHERE phone_number = '+442071830100'"),
            alice_url,
            bob_url,
            alice,
            bob,
            admin,
            cluster,
        }
    }

    /// What the superuser sees of a number, to show a refused write changed nothing.
    pub fn row(&self, id: Uuid) -> String {
        scalar(
            &self.cluster,
            &self.admin,
            &format!(
                "SELECT organization_id || ' ' || coalesce(friendly_name, '') || ' ' || status
                 FROM phone_numbers WHERE id = '{id}'"
            ),
        )
    }
}

/// A valid number to add.
pub fn valid(number: &str) -> ValidNumber {
    NewNumber {
        provider: "twilio".into(),
        number: number.into(),
        friendly_name: Some("Test line".into()),
        metadata: Some(r#"{"capabilities":{"voice":true}}"#.into()),
        ..Default::default()
    }
    .validate()
    .expect("a valid number")
}

/// `plan` without what varies from run to run whatever the data: timings, and buffer counts,
/// which follow what this and other sessions have read into the cache and the catalogue
/// look-ups of a new connection (94 or 4 shared hits for the same statement); and without
/// the planner's estimates, which come from column statistics (docs/POSTGRES.md says what
/// they show). Every other figure stays: rows, loops, rows removed, heap blocks, plan shape.
pub fn figures(plan: &Value) -> Value {
    const ESTIMATES_AND_TIMES: &[&str] = &[
        "Startup Cost",
        "Total Cost",
        "Plan Rows",
        "Plan Width",
        "Actual Startup Time",
        "Actual Total Time",
        "Planning Time",
        "Execution Time",
        "I/O Read Time",
        "I/O Write Time",
    ];
    match plan {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| {
                    let buffers = k.ends_with(" Blocks") && !k.ends_with("Heap Blocks");
                    !buffers && !ESTIMATES_AND_TIMES.contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), figures(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(figures).collect()),
        other => other.clone(),
    }
}

/// The planner settings each probe runs under: its own choice, and pushed to each other kind
/// of plan.
pub const PLANNER: &[(&str, &str)] = &[
    ("default", ""),
    ("no seqscan", "SET enable_seqscan = off;"),
    (
        "no seqscan, no bitmapscan",
        "SET enable_seqscan = off; SET enable_bitmapscan = off;",
    ),
    ("no indexscan", "SET enable_indexscan = off;"),
    (
        "no indexscan, no bitmapscan",
        "SET enable_indexscan = off; SET enable_bitmapscan = off;",
    ),
    // B-tree scans of the policy's `= ANY ($n)` look dear (one descent per element, 10
    // assumed), so the planner turns to a GIN index if it can.
    (
        "no seqscan, random pages dear",
        "SET enable_seqscan = off; SET random_page_cost = 10000;",
    ),
];

/// The number of rows of `table`, as the administrator counts them.
pub fn table_size(w: &World, table: &str) -> u64 {
    scalar(
        &w.cluster,
        &w.admin,
        &format!("SELECT count(*) FROM {table}"),
    )
    .parse()
    .expect("a count")
}

/// The figures of `sql` as alice runs it under `planner`; a sequential scan's rows removed
/// replaced by a mark once checked to be all its table's rows but those returned (the
/// table's size, which any sequential scan under a policy shows; the policies' own scans of
/// user_organizations too). `sizes`: each table's row count.
pub fn observe(w: &World, planner: &str, sql: &str, sizes: &[(&str, u64)]) -> Value {
    let plan = scalar(
        &w.cluster,
        &w.alice_url,
        &format!(
            "{planner} EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF, \
             FORMAT JSON) {sql}"
        ),
    );
    let mut plan = figures(&serde_json::from_str(&plan).expect("EXPLAIN's JSON"));
    mark_table_size(&mut plan, sizes, sql);
    plan
}

/// Every probe `(table, label, condition)` as alice runs `SELECT * FROM {table} WHERE
/// {condition}` under every setting of [`PLANNER`]: `("{label} ({setting}): {sql}", figures)`,
/// the label starting with the probe's. `sizes`: as for [`observe`].
pub fn observe_probes<L: std::fmt::Display>(
    w: &World,
    probes: impl IntoIterator<Item = (&'static str, L, String)>,
    sizes: &[(&str, u64)],
) -> Vec<(String, Value)> {
    let mut seen = Vec::new();
    for (table, label, condition) in probes {
        let sql = format!("SELECT * FROM {table} WHERE {condition}");
        for (setting, planner) in PLANNER {
            let plan = observe(w, planner, &sql, sizes);
            seen.push((format!("{label} ({setting}): {sql}"), plan));
        }
    }
    seen
}

/// Replaces `Rows Removed by Filter` of every sequential scan that ran by "table size", after
/// checking that it and the rows the scan returned count all rows of its table.
fn mark_table_size(plan: &mut Value, sizes: &[(&str, u64)], sql: &str) {
    match plan {
        Value::Object(fields) => {
            // A scan never executed shows 0 rows of each kind; that stays as it is.
            let seq_scan = fields.get("Node Type") == Some(&Value::from("Seq Scan"))
                && fields.get("Actual Loops") != Some(&Value::from(0));
            let size = sizes
                .iter()
                .find(|(table, _)| fields.get("Relation Name") == Some(&Value::from(*table)))
                .map(|(_, size)| *size);
            let returned = fields.get("Actual Rows").and_then(Value::as_u64);
            if seq_scan && let Some(removed) = fields.get_mut("Rows Removed by Filter") {
                let read = removed.as_u64().zip(returned).map(|(r, n)| r + n);
                assert_eq!(read, size, "{sql}: a sequential scan");
                *removed = Value::from("table size");
            }
            for value in fields.values_mut() {
                mark_table_size(value, sizes, sql);
            }
        }
        Value::Array(items) => {
            for item in items {
                mark_table_size(item, sizes, sql);
            }
        }
        _ => {}
    }
}
