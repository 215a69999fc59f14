//! The offline cache against a real PostgreSQL: sync killed at random points, the server
//! stopped mid-copy and mid-replay, conflicting edits by two roles, remote deletions, and
//! caches kept apart per role. The kill test runs the built CLI as a child process.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use switchboard_core::domain::{NewNumber, NumberUpdate};
use switchboard_core::store::{Keep, NumberRef, Workspace};
use switchboard_core::{Error, ErrorCode};
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_sync::{CancelToken, Phase, Progress, SyncOptions, SyncReport};
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

struct World {
    cluster: TestCluster,
    rt: tokio::runtime::Runtime,
    admin: String,
    alice: String,
    bob: String,
    carol: String,
    acme: Uuid,
    globex: Uuid,
    cache_dir: tempfile::TempDir,
}

fn settings(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("a valid URL")
        .with_timeout(Duration::from_secs(3))
}

impl World {
    /// acme with `acme_rows` numbers, globex with 50; alice and carol manage acme, bob globex.
    fn new(acme_rows: u32) -> World {
        let cluster = TestCluster::start().expect("cluster starts");
        let rt = switchboard_sync::runtime().expect("runtime");
        let admin = cluster.admin_url();
        rt.block_on(switchboard_postgres::migrate::migrate(&settings(&admin)))
            .expect("migrations apply");
        cluster
            .psql(
                &admin,
                "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
                 INSERT INTO agents (organization_id, name)
                   SELECT id, 'Ava' FROM organizations WHERE slug = 'acme';",
            )
            .expect("seed organizations");
        let mut urls = Vec::new();
        for (role, org) in [("alice", "acme"), ("bob", "globex"), ("carol", "acme")] {
            let role = cluster.role_name(role);
            rt.block_on(grant(
                &settings(&admin),
                &Grant {
                    role: role.clone(),
                    organization: org.into(),
                    display_name: None,
                },
                || Ok(format!("{role}-secret")),
            ))
            .expect("grant");
            urls.push(cluster.url_for(&role, &format!("{role}-secret")));
        }
        let id = |slug: &str| {
            let out = cluster
                .psql(
                    &admin,
                    &format!("SELECT id FROM organizations WHERE slug = '{slug}'"),
                )
                .expect("org id");
            Uuid::parse_str(&out).expect("uuid")
        };
        let world = World {
            acme: id("acme"),
            globex: id("globex"),
            admin,
            bob: urls[1].clone(),
            carol: urls[2].clone(),
            alice: urls[0].clone(),
            rt,
            cluster,
            cache_dir: tempfile::tempdir().expect("temp dir"),
        };
        world.seed("acme", 0, acme_rows);
        world.seed("globex", 0, 50);
        world
    }

    fn psql(&self, sql: &str) -> String {
        self.cluster
            .psql(&self.admin, sql)
            .unwrap_or_else(|e| panic!("{sql}\n{e}"))
    }

    /// Numbers +1415200xxxx from `from` (exclusive) to `to`, every tenth with the agent.
    fn seed(&self, slug: &str, from: u32, to: u32) {
        self.psql(&format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
                                        credentials, metadata, agent_id)
             SELECT o.id, 'twilio', '+1415' || (2000000 + g)::text, 'Line ' || g, '{{}}',
                    '{{\"capabilities\": {{\"voice\": true}}}}',
                    CASE WHEN g % 10 = 0 THEN (SELECT a.id FROM agents a
                                               WHERE a.organization_id = o.id LIMIT 1) END
             FROM organizations o, generate_series({}, {to}) g WHERE o.slug = '{slug}'",
            from + 1
        ));
    }

    fn remote(&self, url: &str) -> RemoteWorkspace {
        self.rt
            .block_on(RemoteWorkspace::connect(&settings(url)))
            .expect("connects")
    }

    fn cache(&self, url: &str) -> Workspace {
        // The CLI's cache file for this role: same name, in this test's directory.
        Workspace::open(self.cache_path(url)).expect("cache opens")
    }

    fn cache_path(&self, url: &str) -> PathBuf {
        let name = switchboard_sync::cache_path(&settings(url))
            .expect("cache path")
            .file_name()
            .expect("file name")
            .to_owned();
        self.cache_dir.path().join(name)
    }

    fn sync_with(
        &self,
        url: &str,
        cache: &mut Workspace,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncReport, Error> {
        let remote = self.rt.block_on(RemoteWorkspace::connect(&settings(url)))?;
        let options = SyncOptions {
            full: false,
            batch_rows: 1000,
        };
        let result = switchboard_sync::sync(
            self.rt.handle(),
            &remote,
            cache,
            &options,
            progress,
            &CancelToken::new(),
        );
        self.rt.block_on(remote.close());
        result
    }

    fn sync(&self, url: &str, cache: &mut Workspace) -> SyncReport {
        self.sync_with(url, cache, &mut |_| {}).expect("sync")
    }

    /// Every visible row of an organization on the server, as comparable lines.
    fn server_rows(&self, org: Uuid) -> Vec<String> {
        let out = self.psql(&format!(
            "SELECT id || '|' || phone_number || '|' || coalesce(friendly_name, '') || '|' ||
                    status || '|' || coalesce(agent_id::text, '') || '|' ||
                    (extract(epoch FROM updated_at) * 1000000)::int8
             FROM phone_numbers WHERE organization_id = '{org}' ORDER BY id"
        ));
        out.lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn pg_ctl(&self, action: &str) {
        let dir = self.cluster.data_dir().expect("a local cluster");
        let port = self
            .admin
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .expect("port")
            .to_owned();
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("postgresql installed")
            .flatten()
            .map(|e| e.path().join("bin/pg_ctl"))
            .find(|p| p.is_file())
            .expect("pg_ctl");
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(bin);
        cmd.current_dir(dir)
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-w", "-m", "fast", "-l"])
            .arg(dir.join("postgres.log"))
            .arg(format!("-o -p {port}"))
            .arg(action);
        let out = cmd.output().expect("pg_ctl runs");
        assert!(out.status.success(), "pg_ctl {action}: {out:?}");
    }
}

/// The cache's rows of an organization, as [`World::server_rows`] prints them.
fn cache_rows(ws: &Workspace, org: Uuid) -> Vec<String> {
    let mut rows = Vec::new();
    ws.for_each_number(org, |n| {
        rows.push(format!(
            "{}|{}|{}|{}|{}|{}",
            n.id,
            n.phone_number,
            n.friendly_name.as_deref().unwrap_or(""),
            n.status,
            n.agent_id.map(|a| a.to_string()).unwrap_or_default(),
            n.updated_at.unix_timestamp_nanos() / 1000
        ));
        Ok(())
    })
    .expect("cache reads");
    rows.sort();
    rows
}

fn assert_sound(ws: &Workspace) {
    let problems = ws.integrity_check().expect("integrity check runs");
    assert!(problems.is_empty(), "{problems:?}");
}

fn cli(world: &World, args: &[&str]) -> Output {
    common::command(args)
        .env("SWITCHBOARD_CACHE_DIR", world.cache_dir.path())
        .env(
            "SWITCHBOARD_WORKSPACE",
            world.cache_dir.path().join("local.db"),
        )
        .output()
        .expect("the CLI runs")
}

/// A small deterministic generator (xorshift), seeded from the clock and printed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[test]
fn sigkilled_syncs_leave_a_sound_cache_that_resumes_to_the_server_state() {
    let world = World::new(20_000);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 | 1)
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    eprintln!("kill schedule seed: {seed}");
    let mut rng = Rng(seed);
    // How long one uninterrupted sync takes here, to spread the kills over it.
    let t = Instant::now();
    let out = cli(&world, &["sync", "--database-url", &world.alice]);
    assert!(out.status.success(), "{out:?}");
    let mut span = t.elapsed().as_millis() as u64 + 50;
    let mut kills = 0;
    let mut completed = 0;
    // Rounds go on until a dozen kills have landed: a sync that finishes before its kill
    // narrows the window the next kills are drawn from, so a fast machine cannot leave the
    // test with too few interruptions.
    for round in 0..40u32 {
        if kills >= 12 {
            break;
        }
        // Changes between rounds, so the resumed and repeated copies also meet updates,
        // deletions and inserts made meanwhile.
        match round % 4 {
            0 => {
                world.psql(&format!(
                    "UPDATE phone_numbers SET friendly_name = 'Renamed {round}'
                     WHERE phone_number LIKE '%{round}7'"
                ));
            }
            1 => {
                world.psql(&format!(
                    "DELETE FROM phone_numbers WHERE phone_number LIKE '%{round}3'"
                ));
            }
            2 => world.seed("acme", 20_000 + round * 100, 20_000 + round * 100 + 100),
            _ => {}
        }
        // A complete cache copies again (--full); an interrupted copy resumes.
        let copied = switchboard_sync::status(&world.cache(&world.alice))
            .expect("status")
            .copied;
        let mut args = vec!["sync", "--database-url", world.alice.as_str()];
        if copied {
            args.push("--full");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
            .args(&args)
            .env("SWITCHBOARD_CACHE_DIR", world.cache_dir.path())
            .env("SWITCHBOARD_SYNC_BATCH", "500")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the CLI runs");
        std::thread::sleep(Duration::from_millis(50 + rng.next(span.min(3000))));
        match child.try_wait().expect("wait") {
            Some(_) => {
                completed += 1;
                span = (span * 3 / 4).max(100);
            }
            None => {
                child.kill().expect("SIGKILL");
                kills += 1;
            }
        }
        let _ = child.wait();
        assert_sound(&world.cache(&world.alice));
    }
    eprintln!("{kills} kills, {completed} syncs finished first (span {span} ms)");
    assert!(kills >= 10, "too few kills landed: {kills}");
    let out = cli(&world, &["sync", "--database-url", &world.alice]);
    assert!(out.status.success(), "{out:?}");
    let ws = world.cache(&world.alice);
    assert_sound(&ws);
    let server = world.server_rows(world.acme);
    let cached = cache_rows(&ws, world.acme);
    assert_eq!(server.len(), cached.len());
    assert!(server == cached, "the cache differs from the server");
    assert!(cache_rows(&ws, world.globex).is_empty());
}

#[test]
fn stopping_the_server_mid_copy_and_mid_replay_loses_and_duplicates_nothing() {
    let world = World::new(10_000);
    let mut ws = world.cache(&world.alice);
    // Mid-copy.
    let mut stopped = false;
    let err = world
        .sync_with(&world.alice, &mut ws, &mut |p: Progress| {
            if p.phase == Phase::Copy && p.done >= 4000 && !stopped {
                stopped = true;
                world.pg_ctl("stop");
            }
        })
        .expect_err("the server went away");
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    assert_sound(&ws);
    // The rows already in flight may all have been committed; either way the state is clean.
    let status = switchboard_sync::status(&ws).expect("status");
    assert!(status.numbers >= 4000, "{status:?}");
    // Offline: reads work from the cache, with the indication.
    let out = cli(
        &world,
        &[
            "numbers",
            "list",
            "--org",
            "acme",
            "--database-url",
            &world.alice,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("offline: showing cached data"),
        "{out:?}"
    );
    world.pg_ctl("start");
    world.sync(&world.alice, &mut ws);
    assert_eq!(cache_rows(&ws, world.acme), world.server_rows(world.acme));

    // Mid-replay: 40 offline adds, the server stops after 15 were sent.
    for i in 0..40 {
        let v = NewNumber {
            provider: "twilio".into(),
            number: format!("+1415300{i:04}"),
            friendly_name: Some(format!("Offline {i}")),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        ws.queue_add(world.acme, v).expect("queued");
    }
    assert_sound(&ws);
    let mut stopped = false;
    let err = world
        .sync_with(&world.alice, &mut ws, &mut |p: Progress| {
            if p.phase == Phase::Replay && p.done == 15 && !stopped {
                stopped = true;
                world.pg_ctl("stop");
            }
        })
        .expect_err("the server went away");
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    assert_eq!(ws.outbox().expect("outbox").len(), 25);
    assert_sound(&ws);
    // A crash now loses nothing: the outbox is in the file.
    drop(ws);
    let mut ws = world.cache(&world.alice);
    assert_eq!(ws.outbox().expect("outbox").len(), 25);
    world.pg_ctl("start");
    let sent =
        world.psql("SELECT count(*) FROM phone_numbers WHERE friendly_name LIKE 'Offline %'");
    assert_eq!(sent, "15");
    let report = world.sync(&world.alice, &mut ws);
    assert_eq!((report.replayed, report.conflicts), (25, 0));
    let sent =
        world.psql("SELECT count(*) FROM phone_numbers WHERE friendly_name LIKE 'Offline %'");
    assert_eq!(sent, "40");
    assert!(ws.outbox().expect("outbox").is_empty());
    assert_eq!(cache_rows(&ws, world.acme), world.server_rows(world.acme));
    assert_sound(&ws);
}

#[test]
fn conflicting_edits_keep_both_versions_and_deletions_reach_the_cache() {
    let world = World::new(100);
    let mut ws = world.cache(&world.alice);
    world.sync(&world.alice, &mut ws);
    let target = "+14152000007";
    // Carol edits on the server while alice edits the same row offline.
    let carol = world.remote(&world.carol);
    let r = NumberRef::parse(target).expect("number");
    world
        .rt
        .block_on(carol.update_number(
            &r,
            Some(world.acme),
            &NumberUpdate {
                friendly_name: Some(Some("Carol's".into())),
                ..Default::default()
            },
        ))
        .expect("carol updates");
    ws.queue_update(
        &r,
        Some(world.acme),
        &NumberUpdate {
            friendly_name: Some(Some("Alice's".into())),
            ..Default::default()
        },
    )
    .expect("alice queues");
    // And the server deletes another number.
    world.psql("DELETE FROM phone_numbers WHERE phone_number = '+14152000009'");
    let report = world.sync(&world.alice, &mut ws);
    assert_eq!(report.conflicts, 1, "{report:?}");
    assert!(report.deleted >= 1, "{report:?}");
    assert!(
        ws.number(&NumberRef::parse("+14152000009").expect("n"), None)
            .is_err()
    );
    let conflicts = ws.conflicts().expect("conflicts");
    let c = &conflicts[0];
    assert_eq!(
        c.mine.as_ref().and_then(|m| m.friendly_name.as_deref()),
        Some("Alice's")
    );
    assert_eq!(
        c.theirs.as_ref().and_then(|t| t.friendly_name.as_deref()),
        Some("Carol's")
    );
    // Never overwritten silently: the server keeps Carol's, the cache shows it.
    let name = |ws: &Workspace| ws.number(&r, None).expect("cached").friendly_name;
    assert_eq!(name(&ws).as_deref(), Some("Carol's"));
    assert_eq!(
        world.psql(&format!(
            "SELECT friendly_name FROM phone_numbers
             WHERE phone_number = '{target}' AND organization_id = '{}'",
            world.acme
        )),
        "Carol's"
    );
    // The CLI shows it; keeping mine sends it with the next sync.
    let out = cli(
        &world,
        &["conflicts", "list", "--database-url", &world.alice],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Alice's") && text.contains("Carol's"),
        "{text}"
    );
    ws.resolve_conflict(c.id, Keep::Mine).expect("resolve");
    world.sync(&world.alice, &mut ws);
    assert_eq!(
        world.psql(&format!(
            "SELECT friendly_name FROM phone_numbers
             WHERE phone_number = '{target}' AND organization_id = '{}'",
            world.acme
        )),
        "Alice's"
    );
    assert!(ws.conflicts().expect("conflicts").is_empty());
    assert_eq!(cache_rows(&ws, world.acme), world.server_rows(world.acme));
    assert_sound(&ws);
    world.rt.block_on(carol.close());
}

#[test]
fn each_role_has_its_own_cache_and_never_sees_another_roles_rows() {
    let world = World::new(100);
    for url in [&world.alice, &world.bob] {
        let out = cli(&world, &["sync", "--database-url", url]);
        assert!(out.status.success(), "{out:?}");
    }
    assert_ne!(world.cache_path(&world.alice), world.cache_path(&world.bob));
    let bob = world.cache(&world.bob);
    assert!(cache_rows(&bob, world.acme).is_empty());
    assert_eq!(cache_rows(&bob, world.globex).len(), 50);
    assert!(bob.organization("acme").is_err());
    let alice = world.cache(&world.alice);
    assert!(cache_rows(&alice, world.globex).is_empty());
    // Offline, bob's fallback reads bob's cache only.
    world.pg_ctl("stop");
    let out = cli(
        &world,
        &[
            "numbers",
            "list",
            "--org",
            "acme",
            "--database-url",
            &world.bob,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = cli(
        &world,
        &[
            "--json",
            "numbers",
            "list",
            "--org",
            "globex",
            "--database-url",
            &world.bob,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&world.acme.to_string()));
    world.pg_ctl("start");
}

#[test]
fn ctrl_c_stops_a_sync_between_batches_and_the_next_sync_resumes() {
    use std::io::BufRead as _;
    let world = World::new(20_000);
    let mut child = common::command(&["sync", "--database-url", &world.alice])
        .env("SWITCHBOARD_CACHE_DIR", world.cache_dir.path())
        .env("SWITCHBOARD_SYNC_BATCH", "100")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI runs");
    // Ctrl-C once the copy is under way (the first batch reported).
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut printed = String::new();
    loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).expect("read stderr");
        printed.push_str(&line);
        if n == 0 || line.starts_with("copying") {
            break;
        }
    }
    assert!(printed.contains("copying"), "{printed}");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read stderr");
    printed.push_str(&rest);
    let status = child.wait().expect("the CLI finishes");
    assert_eq!(status.code(), Some(130), "{printed}");
    assert!(
        printed.contains("cancelled; the next sync resumes"),
        "{printed}"
    );
    // Stopped between batches: sound, partly copied, and the next sync finishes the job.
    let ws = world.cache(&world.alice);
    assert_sound(&ws);
    let copied = switchboard_sync::status(&ws).expect("status");
    assert!(
        !copied.copied && copied.copy_done < 20_000,
        "Ctrl-C came after the copy: {copied:?}"
    );
    drop(ws);
    let out = cli(&world, &["sync", "--database-url", &world.alice]);
    assert!(out.status.success(), "{out:?}");
    let ws = world.cache(&world.alice);
    assert_sound(&ws);
    assert!(world.server_rows(world.acme) == cache_rows(&ws, world.acme));
}

#[test]
fn pruning_the_change_log_past_a_cache_makes_it_copy_again_and_miss_nothing() {
    let world = World::new(100);
    let mut ws = world.cache(&world.alice);
    world.sync(&world.alice, &mut ws);
    // The server deletes and renames rows, then an administrator prunes every entry, so the
    // change log no longer says what happened to them.
    world.psql(
        "DELETE FROM phone_numbers WHERE phone_number = '+14152000009';
         UPDATE phone_numbers SET friendly_name = 'Renamed' WHERE phone_number = '+14152000011';",
    );
    let out = cli(
        &world,
        &[
            "db",
            "prune-changes",
            "--keep-days",
            "0",
            "--json",
            "--database-url",
            &world.admin,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let pruned: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(pruned["pruned"].as_u64().unwrap_or(0) >= 2, "{pruned}");
    assert_eq!(
        world.psql("SELECT count(*) FROM phone_numbers_changes"),
        "0",
        "every entry was older than 0 days"
    );
    // Managers cannot prune.
    let out = cli(
        &world,
        &[
            "db",
            "prune-changes",
            "--keep-days",
            "0",
            "--database-url",
            &world.alice,
        ],
    );
    assert!(!out.status.success(), "a manager pruned the change log");

    let report = world.sync(&world.alice, &mut ws);
    assert!(report.recopied_after_pruning, "{report:?}");
    assert_eq!(cache_rows(&ws, world.acme), world.server_rows(world.acme));
    assert!(
        ws.number(&NumberRef::parse("+14152000009").expect("n"), None)
            .is_err(),
        "a row deleted behind the pruned horizon is still cached"
    );
    assert_sound(&ws);
    // Past the horizon now: the next sync is incremental again.
    let report = world.sync(&world.alice, &mut ws);
    assert!(!report.recopied_after_pruning, "{report:?}");
    assert_eq!(report.copied, 0, "{report:?}");
}

#[test]
fn a_server_without_the_change_log_gets_a_clear_error() {
    let world = World::new(10);
    let mut ws = world.cache(&world.alice);
    world.psql("DROP TABLE phone_numbers_changes CASCADE");
    let err = world
        .sync_with(&world.alice, &mut ws, &mut |_| {})
        .expect_err("sync without a change log");
    let text = err.to_string();
    assert!(
        text.contains("no change log") && text.contains("db migrate"),
        "{text}"
    );
}

#[test]
fn db_revoke_takes_an_organization_out_of_the_next_sync_and_a_full_revoke_the_login() {
    let world = World::new(30);
    let alice = world.cluster.role_name("alice");
    let carol = world.cluster.role_name("carol");
    world
        .rt
        .block_on(grant(
            &settings(&world.admin),
            &Grant {
                role: alice.clone(),
                organization: "globex".into(),
                display_name: None,
            },
            || Ok("unused".into()),
        ))
        .expect("grant globex");
    for url in [&world.alice, &world.carol] {
        let out = cli(&world, &["sync", "--database-url", url]);
        assert!(out.status.success(), "{out:?}");
    }
    assert_eq!(
        cache_rows(&world.cache(&world.alice), world.globex).len(),
        50
    );

    // One organization: alice keeps acme and her login.
    let out = cli(
        &world,
        &[
            "--json",
            "db",
            "revoke",
            "--role",
            &alice,
            "--org",
            "globex",
            "--database-url",
            &world.admin,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        report["removed_from"],
        serde_json::json!(["globex"]),
        "{report}"
    );
    assert_eq!(report["login_disabled"], false, "{report}");
    let remote = world.remote(&world.alice);
    let seen: Vec<String> = world
        .rt
        .block_on(remote.organizations())
        .expect("organizations")
        .into_iter()
        .map(|o| o.slug)
        .collect();
    assert_eq!(seen, ["acme"]);
    world.rt.block_on(remote.close());
    let out = cli(&world, &["sync", "--database-url", &world.alice]);
    assert!(out.status.success(), "{out:?}");
    let ws = world.cache(&world.alice);
    assert!(cache_rows(&ws, world.globex).is_empty());
    assert!(ws.organization("globex").is_err());
    assert_eq!(cache_rows(&ws, world.acme), world.server_rows(world.acme));
    assert_sound(&ws);

    // Everything: carol cannot log in; her cache keeps what it had synced.
    let out = cli(
        &world,
        &[
            "db",
            "revoke",
            "--role",
            &carol,
            "--database-url",
            &world.admin,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("no longer a manager in acme"), "{said}");
    assert!(said.contains("may no longer log in"), "{said}");
    let out = cli(&world, &["sync", "--database-url", &world.carol]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("not permitted to log in"), "{said}");
    assert_eq!(
        cache_rows(&world.cache(&world.carol), world.acme).len(),
        30,
        "a revoked device keeps its cache until it is wiped"
    );

    // Unknown organization: bad input, nothing changes.
    let out = cli(
        &world,
        &[
            "db",
            "revoke",
            "--role",
            &alice,
            "--org",
            "initech",
            "--database-url",
            &world.admin,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("initech"),
        "{out:?}"
    );
    let out = cli(&world, &["sync", "--database-url", &world.alice]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        cache_rows(&world.cache(&world.alice), world.acme),
        world.server_rows(world.acme)
    );
}
