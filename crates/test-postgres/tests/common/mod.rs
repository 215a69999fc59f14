//! The world the database tests share: the migrations applied, two organizations with an
//! agent and numbers each, and two managers granted with the SQL of docs/POSTGRES.md.
//!
//! acme: agent "Acme Agent", numbers +14155550100 "Acme Support", +14155550101 "Acme Sales";
//! manager alice. globex: agent "Globex Agent", number +442071830100 "Globex Sales";
//! manager bob.

#![allow(dead_code, reason = "each test file uses a part of this module")]

use std::path::{Path, PathBuf};

use switchboard_test_postgres::{Error, TestCluster};

/// The repository's `migrations/`.
pub fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations")
}

/// The SQL block of docs/POSTGRES.md marked `<!-- tested: NAME -->`.
pub fn docs_sql(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/POSTGRES.md");
    let docs = std::fs::read_to_string(&path).expect("docs/POSTGRES.md is readable");
    let marker = format!("<!-- tested: {name} -->");
    let after_marker = docs
        .split_once(&marker)
        .unwrap_or_else(|| panic!("docs/POSTGRES.md has no {marker}"))
        .1;
    let block = after_marker
        .trim_start()
        .strip_prefix("```sql\n")
        .unwrap_or_else(|| panic!("{marker} is followed by a ```sql block"));
    let (sql, _) = block.split_once("```").expect("the block is closed");
    sql.to_owned()
}

/// `sql` preceded by `\set` lines for psql variables (values without quotes or
/// backslashes).
pub fn with_variables(variables: &[(&str, &str)], sql: &str) -> String {
    let mut script = String::new();
    for (name, value) in variables {
        assert!(!value.contains(['\'', '\\']), "{value:?} needs no escaping");
        script.push_str(&format!("\\set {name} '{value}'\n"));
    }
    script.push_str(sql);
    script
}

/// A cluster with the migrations applied and acme, globex, alice and bob in it.
pub struct World {
    pub cluster: TestCluster,
    /// The superuser's URL.
    pub admin: String,
    /// The manager roles' names (unique on an external server).
    pub alice_role: String,
    pub bob_role: String,
    /// URLs logging in as alice and bob.
    pub alice: String,
    pub bob: String,
    /// users.id of alice and bob.
    pub alice_id: String,
    pub bob_id: String,
    /// organizations.id of acme and globex.
    pub acme: String,
    pub globex: String,
    /// agents.id of each organization's agent.
    pub acme_agent: String,
    pub globex_agent: String,
    /// phone_numbers.id of +14155550100 (acme) and +442071830100 (globex).
    pub acme_number: String,
    pub globex_number: String,
}

impl World {
    pub fn new() -> Self {
        let cluster = TestCluster::start().expect("cluster starts");
        let admin = cluster.admin_url();
        cluster
            .apply_migrations(&admin, &migrations_dir())
            .expect("migrations apply");
        seed(&cluster, &admin);

        let alice_role = cluster.role_name("alice");
        let bob_role = cluster.role_name("bob");
        grant_new_manager(
            &cluster,
            &admin,
            &alice_role,
            "alice-secret",
            "Alice",
            "acme",
        );
        grant_new_manager(&cluster, &admin, &bob_role, "bob-secret", "Bob", "globex");

        let scalar = |sql: &str| cluster.psql(&admin, sql).expect("seed lookup");
        Self {
            alice: cluster.url_for(&alice_role, "alice-secret"),
            bob: cluster.url_for(&bob_role, "bob-secret"),
            alice_id: scalar(&format!(
                "SELECT id FROM users WHERE role_name = '{alice_role}'"
            )),
            bob_id: scalar(&format!(
                "SELECT id FROM users WHERE role_name = '{bob_role}'"
            )),
            acme: scalar("SELECT id FROM organizations WHERE slug = 'acme'"),
            globex: scalar("SELECT id FROM organizations WHERE slug = 'globex'"),
            acme_agent: scalar("SELECT id FROM agents WHERE name = 'Acme Agent'"),
            globex_agent: scalar("SELECT id FROM agents WHERE name = 'Globex Agent'"),
            acme_number: scalar("SELECT id FROM phone_numbers WHERE phone_number = '+14155550100'"),
            globex_number: scalar(
                "SELECT id FROM phone_numbers WHERE phone_number = '+442071830100'",
            ),
            alice_role,
            bob_role,
            admin,
            cluster,
        }
    }

    /// `sql` as the role of `url`; panics on error.
    pub fn sql(&self, url: &str, sql: &str) -> String {
        self.cluster
            .psql(url, sql)
            .unwrap_or_else(|error| panic!("{sql}\n{error}"))
    }

    /// `sql` as the role of `url`, with command tags (`UPDATE 0`); panics on error.
    pub fn tagged(&self, url: &str, sql: &str) -> String {
        self.cluster
            .psql_tagged(url, sql)
            .unwrap_or_else(|error| panic!("{sql}\n{error}"))
    }

    /// The server's error for `sql`, which must fail. Verbose: it names the SQLSTATE and
    /// the constraint.
    pub fn error(&self, url: &str, sql: &str) -> String {
        match self
            .cluster
            .psql(url, &format!("\\set VERBOSITY verbose\n{sql}"))
        {
            Err(Error::Psql { stderr, .. }) => stderr,
            other => panic!("expected {sql} to fail, got {other:?}"),
        }
    }
}

/// acme and globex, an agent and numbers each; as the superuser.
fn seed(cluster: &TestCluster, admin: &str) {
    cluster
        .psql(
            admin,
            "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
             INSERT INTO agents (organization_id, name)
               SELECT id, 'Acme Agent' FROM organizations WHERE slug = 'acme';
             INSERT INTO agents (organization_id, name)
               SELECT id, 'Globex Agent' FROM organizations WHERE slug = 'globex';
             INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name, credentials)
               SELECT o.id, 'twilio', n.number, n.name, '{}'
               FROM organizations AS o
               JOIN (VALUES ('acme', '+14155550100', 'Acme Support'),
                            ('acme', '+14155550101', 'Acme Sales'),
                            ('globex', '+442071830100', 'Globex Sales')) AS n (slug, number, name)
                 ON n.slug = o.slug;",
        )
        .expect("seed data");
}

/// docs/POSTGRES.md's "new manager" SQL; as the superuser.
pub fn grant_new_manager(
    cluster: &TestCluster,
    admin: &str,
    role: &str,
    password: &str,
    display_name: &str,
    org: &str,
) {
    let script = with_variables(
        &[
            ("role", role),
            ("password", password),
            ("display_name", display_name),
            ("org", org),
        ],
        &docs_sql("grant_new_manager"),
    );
    cluster.psql(admin, &script).expect("grant a new manager");
}
