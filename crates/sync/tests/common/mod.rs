//! A migrated throwaway PostgreSQL with three organizations and three managers who log in as
//! their own roles, and helpers that compare a cache with the server column by column.
//!
//! - alice manages acme and initech (the cache under test);
//! - carol manages acme and initech too (the co-worker editing on the server);
//! - bob manages globex only (the other organization, whose rows alice must never get).
//!
//! The server's rows are read as the administrator with SQL of their own (JSON, timestamps as
//! UTC text with microseconds), not through the sync's decoder, so a column the sync drops,
//! escapes wrongly or rounds shows up as a difference.

#![allow(dead_code, reason = "each test binary uses part of the helpers")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_core::domain::PhoneNumber;
use switchboard_core::store::Workspace;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_sync::{CancelToken, Progress, SyncOptions, SyncReport};
use switchboard_test_postgres::TestCluster;
use time::UtcOffset;
use time::macros::format_description;
use uuid::Uuid;

/// A manager's login.
#[derive(Debug, Clone)]
pub struct Manager {
    /// The PostgreSQL role.
    pub role: String,
    /// The URL the manager connects with.
    pub url: String,
}

#[derive(Debug)]
pub struct World {
    pub cluster: TestCluster,
    pub rt: tokio::runtime::Runtime,
    pub admin: String,
    pub alice: Manager,
    pub bob: Manager,
    pub carol: Manager,
    pub acme: Uuid,
    pub initech: Uuid,
    pub globex: Uuid,
    pub dir: tempfile::TempDir,
}

pub fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("a valid URL")
        .with_timeout(Duration::from_secs(5))
}

/// A throwaway cluster with every migration applied, the runtime to sync with, and the
/// administrator's URL.
pub fn migrated_cluster() -> (TestCluster, tokio::runtime::Runtime, String) {
    let cluster = TestCluster::start().expect("cluster starts");
    let rt = switchboard_sync::runtime().expect("runtime");
    let admin = cluster.admin_url();
    rt.block_on(switchboard_postgres::migrate::migrate(&settings(&admin)))
        .expect("migrations apply");
    (cluster, rt, admin)
}

/// Makes `role` (created with `password` if new) a manager of organization `slug`.
pub fn grant_to(rt: &tokio::runtime::Runtime, admin: &str, role: &str, slug: &str, password: &str) {
    rt.block_on(grant(
        &settings(admin),
        &Grant {
            role: role.to_owned(),
            organization: slug.to_owned(),
            display_name: None,
        },
        || Ok(password.to_owned()),
    ))
    .unwrap_or_else(|e| panic!("grant {slug} to {role}: {e}"));
}

/// Every byte of a cache file and its write-ahead log or journal.
pub fn file_bytes(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(&p) {
            all.extend(bytes);
        }
    }
    all
}

/// Rows numbered `from..=to` of an organization, with every column varied: NULLs, text that
/// COPY must escape (tab, newline, backslash, non-ASCII), credentials with identifiers and a
/// vault reference, nested metadata, agents, webhooks, every status, and timestamps with
/// microseconds. `{slug}`, `{prefix}`, `{base}`, `{from}`, `{to}` and `{label}` are filled in.
const SEED: &str = r#"
INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name, credentials,
  metadata, agent_id, webhook_configured, webhook_url, status, created_at, updated_at,
  last_verified_at)
SELECT o.id,
  CASE WHEN g % 8 = 0 THEN 'vonage' ELSE 'twilio' END,
  '{prefix}' || ({base} + g)::text,
  CASE WHEN g % 11 = 0 THEN NULL
       WHEN g % 7 = 0 THEN E'Tab\there, back\\slash, new\nline \u260e {label} ' || g
       ELSE '{label} ' || g END,
  CASE WHEN g % 8 = 0 THEN '{"apiKey": "abcd1234"}'::jsonb
       WHEN g % 3 = 0 THEN '{"accountSid": "AC0123456789abcdef0123456789abcdef",
                             "authTokenRef": "vault:twilio:AC0123456789abcdef0123456789abcdef"}'::jsonb
       ELSE '{}'::jsonb END,
  CASE WHEN g % 4 = 0 THEN NULL
       ELSE jsonb_build_object('capabilities', jsonb_build_object('voice', true, 'sms', g % 2 = 0),
                               'region', 'US',
                               'extra', jsonb_build_array(g, 'x', jsonb_build_object('deep', NULL)))
  END,
  CASE WHEN g % 5 = 0 THEN (SELECT a.id FROM agents a WHERE a.organization_id = o.id
                            ORDER BY a.name LIMIT 1) END,
  CASE WHEN g % 13 = 0 THEN NULL ELSE g % 6 = 0 END,
  CASE WHEN g % 6 = 0 THEN 'https://hooks.example.com/' || g END,
  CASE WHEN g % 9 = 0 THEN 'inactive' WHEN g % 10 = 0 THEN 'error' ELSE 'active' END,
  timestamptz '2025-03-04 05:06:07.123456+00' + g * interval '1 day 1 microsecond',
  timestamptz '2026-05-06 07:08:09.654321+00' + g * interval '1 hour 3 microseconds',
  CASE WHEN g % 2 = 0 THEN timestamptz '2026-01-02 03:04:05.000001+00' + g * interval '1 second' END
FROM organizations o, generate_series({from}, {to}) g WHERE o.slug = '{slug}'"#;

impl World {
    /// acme (`+1415200xxxx`), initech (`+1646555xxxx`) and globex (`+442071830xxx`) with the
    /// given numbers of rows, and an agent each; initech also holds one of acme's numbers
    /// (`+14152000001`, another row), as two organizations may.
    pub fn new(acme: u32, initech: u32, globex: u32) -> World {
        let (cluster, rt, admin) = migrated_cluster();
        cluster
            .psql(
                &admin,
                "INSERT INTO organizations (slug, name)
                   VALUES ('acme', 'Acme'), ('initech', 'Initech'), ('globex', 'Globex');
                 INSERT INTO agents (organization_id, name)
                   SELECT id, CASE slug WHEN 'acme' THEN 'Ava' WHEN 'initech' THEN 'Ivy'
                                        ELSE 'Gus' END
                   FROM organizations;",
            )
            .expect("organizations and agents");
        let mut managers = Vec::new();
        for (name, orgs) in [
            ("alice", &["acme", "initech"][..]),
            ("bob", &["globex"][..]),
            ("carol", &["acme", "initech"][..]),
        ] {
            let role = cluster.role_name(name);
            let password = format!("{role}-secret");
            for org in orgs {
                grant_to(&rt, &admin, &role, org, &password);
            }
            managers.push(Manager {
                url: cluster.url_for(&role, &password),
                role,
            });
        }
        let ids: BTreeMap<String, Uuid> = cluster
            .psql(&admin, "SELECT slug, id FROM organizations")
            .expect("organization ids")
            .lines()
            .map(|line| {
                let (slug, id) = line.split_once('|').expect("slug|id");
                (slug.to_owned(), Uuid::parse_str(id).expect("uuid"))
            })
            .collect();
        let world = World {
            acme: ids["acme"],
            initech: ids["initech"],
            globex: ids["globex"],
            carol: managers.pop().expect("carol"),
            bob: managers.pop().expect("bob"),
            alice: managers.pop().expect("alice"),
            admin,
            rt,
            cluster,
            dir: tempfile::tempdir().expect("temp dir"),
        };
        world.seed("acme", "+1415", 2_000_000, 1, acme);
        world.seed("initech", "+1646", 5_550_000, 1, initech);
        world.seed("globex", "+4420", 71_830_000, 1, globex);
        if initech > 0 {
            world.psql(
                "INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
                                            credentials)
                 SELECT id, 'twilio', '+14152000001', 'Shared with acme', '{}'
                 FROM organizations WHERE slug = 'initech'",
            );
        }
        world
    }

    /// [`World::new`], and alice's cache after its first sync.
    pub fn with_alice_synced(acme: u32, initech: u32, globex: u32) -> (World, Workspace) {
        let w = World::new(acme, initech, globex);
        let mut alice = w.cache(&w.alice);
        w.sync(&w.alice, &mut alice);
        (w, alice)
    }

    /// Adds rows `from..=to` of `slug` (see [`SEED`]); their names start with the slug in
    /// capitals.
    pub fn seed(&self, slug: &str, prefix: &str, base: u32, from: u32, to: u32) {
        if from > to {
            return;
        }
        let sql = SEED
            .replace("{slug}", slug)
            .replace("{prefix}", prefix)
            .replace("{base}", &base.to_string())
            .replace("{from}", &from.to_string())
            .replace("{to}", &to.to_string())
            .replace("{label}", &slug.to_uppercase());
        self.psql(&sql);
    }

    /// Runs SQL as the administrator.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_as(&self.admin, sql)
    }

    /// Runs SQL as whoever `url` logs in as.
    pub fn psql_as(&self, url: &str, sql: &str) -> String {
        self.cluster
            .psql(url, sql)
            .unwrap_or_else(|e| panic!("{sql}\n{e}"))
    }

    /// The id of the row holding `number` in `org`.
    pub fn id_of(&self, org: Uuid, number: &str) -> Uuid {
        let out = self.psql(&format!(
            "SELECT id FROM phone_numbers WHERE organization_id = '{org}' AND phone_number = '{number}'"
        ));
        Uuid::parse_str(&out).unwrap_or_else(|e| panic!("{number} in {org}: {out:?}: {e}"))
    }

    pub fn remote(&self, who: &Manager) -> RemoteWorkspace {
        self.rt
            .block_on(RemoteWorkspace::connect(&settings(&who.url)))
            .expect("connects")
    }

    /// The cache file of `who`: the name [`switchboard_sync::cache_path`] gives it, in this
    /// test's directory.
    pub fn cache_path(&self, who: &Manager) -> PathBuf {
        let name = switchboard_sync::cache_path(&settings(&who.url))
            .expect("cache path")
            .file_name()
            .expect("file name")
            .to_owned();
        self.dir.path().join(name)
    }

    pub fn cache(&self, who: &Manager) -> Workspace {
        Workspace::open(self.cache_path(who)).expect("cache opens")
    }

    /// One sync of `cache` as `who`, as the CLI and the app call it.
    pub fn sync_with(
        &self,
        who: &Manager,
        cache: &mut Workspace,
        options: &SyncOptions,
        progress: &mut (dyn FnMut(Progress) + Send),
        cancel: &CancelToken,
    ) -> SyncReport {
        let remote = self.remote(who);
        let report =
            switchboard_sync::sync(self.rt.handle(), &remote, cache, options, progress, cancel)
                .expect("sync");
        self.rt.block_on(remote.close());
        assert_sound(cache);
        report
    }

    /// A default sync (batches of 1,000 rows, no progress, not cancelled).
    pub fn sync(&self, who: &Manager, cache: &mut Workspace) -> SyncReport {
        self.sync_with(
            who,
            cache,
            &SyncOptions::default(),
            &mut |_| {},
            &CancelToken::new(),
        )
    }

    /// Every row of `orgs` on the server by id, each as an object of its columns.
    pub fn server_rows(&self, orgs: &[Uuid]) -> BTreeMap<Uuid, Value> {
        let list = orgs
            .iter()
            .map(|o| format!("'{o}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let time =
            |c: &str| format!("to_char(p.{c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')");
        let out = self.psql(&format!(
            "SELECT coalesce(json_agg(json_build_object(
               'id', p.id, 'organization_id', p.organization_id, 'provider', p.provider,
               'phone_number', p.phone_number, 'friendly_name', p.friendly_name,
               'credentials', p.credentials, 'metadata', p.metadata, 'agent_id', p.agent_id,
               -- The design's column has a default but no NOT NULL; core reads NULL as false.
               'webhook_configured', coalesce(p.webhook_configured, false),
               'webhook_url', p.webhook_url, 'status', p.status,
               'created_at', {}, 'updated_at', {}, 'last_verified_at', {})), '[]')
             FROM phone_numbers p WHERE p.organization_id IN ({list})",
            time("created_at"),
            time("updated_at"),
            time("last_verified_at"),
        ));
        let rows: Vec<Value> = serde_json::from_str(&out).expect("JSON rows");
        let mut by_id = BTreeMap::new();
        for row in rows {
            let id = Uuid::parse_str(row["id"].as_str().expect("id")).expect("uuid");
            by_id.insert(id, row);
        }
        by_id
    }

    /// The server's agents of `orgs`, as (organization, id, name), sorted.
    pub fn server_agents(&self, orgs: &[Uuid]) -> Vec<(Uuid, Uuid, String)> {
        let mut agents = Vec::new();
        for org in orgs {
            let out = self.psql(&format!(
                "SELECT id, name FROM agents WHERE organization_id = '{org}'"
            ));
            for line in out.lines().filter(|l| !l.is_empty()) {
                let (id, name) = line.split_once('|').expect("id|name");
                agents.push((*org, Uuid::parse_str(id).expect("uuid"), name.to_owned()));
            }
        }
        agents.sort();
        agents
    }

    /// Checks that `cache` holds exactly `orgs` (by id), their agents, and every row of them
    /// with every column as the server has it, and nothing else.
    pub fn assert_mirrors(&self, cache: &Workspace, orgs: &[Uuid]) {
        self.assert_mirrors_as(cache, orgs, false);
    }

    /// [`World::assert_mirrors`] where server rows may hold secrets in `credentials` (the web
    /// platform's): the cache must hold those rows without the secret keys, and nothing else
    /// different.
    pub fn assert_mirrors_dropping_secrets(&self, cache: &Workspace, orgs: &[Uuid]) {
        self.assert_mirrors_as(cache, orgs, true);
    }

    fn assert_mirrors_as(&self, cache: &Workspace, orgs: &[Uuid], drop_secrets: bool) {
        let mut cached_orgs: Vec<Uuid> = cache
            .organizations()
            .expect("organizations")
            .iter()
            .map(|o| o.id)
            .collect();
        cached_orgs.sort();
        let mut want = orgs.to_vec();
        want.sort();
        assert_eq!(cached_orgs, want, "the cache's organizations");
        let mut agents = Vec::new();
        for org in orgs {
            for a in cache.agents(*org).expect("agents") {
                assert_eq!(a.organization_id, *org);
                agents.push((*org, a.id, a.name));
            }
        }
        agents.sort();
        assert_eq!(agents, self.server_agents(orgs), "the cache's agents");
        let cached = cache_rows(cache);
        let mut server = self.server_rows(orgs);
        if drop_secrets {
            for row in server.values_mut() {
                let provider: switchboard_core::domain::Provider = row["provider"]
                    .as_str()
                    .and_then(|p| p.parse().ok())
                    .expect("a known provider");
                if let Some(credentials) = row["credentials"].as_object_mut() {
                    credentials.retain(|key, _| {
                        !switchboard_core::domain::Credentials::is_secret_key(provider, key)
                    });
                }
            }
        }
        assert_same_rows(&cached, &server);
        assert_eq!(
            cache.number_total().expect("total"),
            cached.len() as u64,
            "the cache's count of numbers"
        );
        assert_sound(cache);
    }
}

fn time_text(t: time::OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
        ))
        .expect("formats")
}

/// A cached number as [`World::server_rows`] reads a server row.
pub fn row_json(n: &PhoneNumber) -> Value {
    let parse = |text: String| -> Value { serde_json::from_str(&text).expect("JSON") };
    json!({
        "id": n.id,
        "organization_id": n.organization_id,
        "provider": n.provider.as_str(),
        "phone_number": n.phone_number.as_str(),
        "friendly_name": n.friendly_name,
        "credentials": parse(n.credentials.to_json()),
        "metadata": n.metadata.as_ref().map(|m| parse(m.to_json())),
        "agent_id": n.agent_id,
        "webhook_configured": n.webhook_configured,
        "webhook_url": n.webhook_url,
        "status": n.status.as_str(),
        "created_at": time_text(n.created_at),
        "updated_at": time_text(n.updated_at),
        "last_verified_at": n.last_verified_at.map(time_text),
    })
}

/// Every number of the cache, of every organization it holds, by id; an id cached twice
/// fails.
pub fn cache_rows(cache: &Workspace) -> BTreeMap<Uuid, Value> {
    let mut rows = BTreeMap::new();
    for org in cache.organizations().expect("organizations") {
        cache
            .for_each_number(org.id, |n| {
                let row = row_json(n);
                if let Some(first) = rows.insert(n.id, row.clone()) {
                    panic!("{} is cached twice:\n{first}\n{row}", n.id);
                }
                Ok(())
            })
            .expect("cache reads");
    }
    rows
}

/// Fails with the differing columns of each differing row, and the ids only one side has.
pub fn assert_same_rows(cached: &BTreeMap<Uuid, Value>, server: &BTreeMap<Uuid, Value>) {
    let mut problems = Vec::new();
    for (id, want) in server {
        let Some(got) = cached.get(id) else {
            problems.push(format!("{id} ({}) is not cached", want["phone_number"]));
            continue;
        };
        let (Value::Object(want), Value::Object(got)) = (want, got) else {
            panic!("rows are objects");
        };
        let mut columns = (
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
        );
        columns.0.sort();
        columns.1.sort();
        assert_eq!(
            columns.0, columns.1,
            "the comparison covers every column on both sides"
        );
        for (column, w) in want {
            if got.get(column) != Some(w) {
                problems.push(format!(
                    "{id} {column}: cached {}, server {w}",
                    got.get(column).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    for (id, row) in cached {
        if !server.contains_key(id) {
            problems.push(format!(
                "{id} ({}) is cached but not on the server (or not visible)",
                row["phone_number"]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

pub fn assert_sound(cache: &Workspace) {
    let problems = cache.integrity_check().expect("integrity check runs");
    assert!(problems.is_empty(), "{problems:?}");
}

/// Every row of every table of a cache file (read-only), as text, except the time of the
/// last sync: what two syncs that changed nothing must leave byte for byte equal. The
/// full-text index is compared through its shadow tables.
pub fn table_rows(path: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("cache opens read-only");
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema
             WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
        )
        .expect("schema")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<rusqlite::Result<_>>()
        .expect("table names");
    let mut out = Vec::new();
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("rows");
        let mut lines = Vec::new();
        while let Some(row) = rows.next().expect("row") {
            let values: Vec<String> = (0..columns)
                .map(|i| value_text(row.get_ref(i).expect("value")))
                .collect();
            let line = format!("{table}: {}", values.join(" | "));
            if !(table == "sync_state" && line.starts_with("sync_state: 'last_synced_at'")) {
                lines.push(line);
            }
        }
        lines.sort();
        out.extend(lines);
    }
    out
}

fn value_text(v: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:e}"),
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}
