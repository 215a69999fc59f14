//! The team edit policy against a real PostgreSQL (a throwaway cluster): online edits go to the
//! server (and into the open cache at once), a server that goes away turns the same edit into
//! a queued one, an offline open works on the cache, and the next sync sends what was queued.
//!
//! The server "goes away" by closing a TCP proxy between the inventory and the cluster: its
//! connections are cut and new ones refused, as when a laptop leaves the network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/cluster.rs"]
mod cluster;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_core::domain::{
    E164, Metadata, NewNumber, NumberType, NumberUpdate, Organization, PhoneNumber, Provider,
    Status,
};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort, SortField, needs_attention};
use switchboard_core::readiness::{Finding, Kind, State, Use, judge};
use switchboard_core::store::NumberRef;
use switchboard_core::usage::{
    CallOutcome, CallRecord, DayRange, Direction, GroupBy, HealthState, Money, Price, RecordKind,
    UsageAccount, UsageCursor,
};
use switchboard_core::{Error, ErrorCode};
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, UsageConfig, creds};
use switchboard_ops::usage;
use switchboard_ops::{Inventory, Reads, Target, actions, agents, input, open, open_cached};
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_test_postgres::TestCluster;
use time::macros::{date, datetime};

/// A TCP proxy to `upstream` on `port` (0: any), until [`Proxy::cut`].
struct Proxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: SocketAddr, port: u16) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("proxy binds");
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let streams = Arc::new(Mutex::new(Vec::<TcpStream>::new()));
        let (still_open, kept) = (open.clone(), streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if !still_open.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let mut all = kept.lock().unwrap();
                all.push(client.try_clone().unwrap());
                all.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Proxy {
            addr,
            open,
            streams,
        }
    }

    /// Cuts every connection and stops listening.
    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        // Wake the accepting thread so it drops the listener.
        let _ = TcpStream::connect(self.addr);
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct World {
    cluster: TestCluster,
    admin: String,
    upstream: SocketAddr,
    role: String,
    password: String,
    cache: PathBuf,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let (cluster, admin, admin_settings) = cluster::migrated().await;
        cluster
            .psql(
                &admin,
                "INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme');
                 INSERT INTO phone_numbers (organization_id, provider, phone_number,
                   friendly_name, credentials, metadata)
                 SELECT id, 'twilio', '+14155550100', 'Main', '{}', '{}'
                 FROM organizations WHERE slug = 'acme';",
            )
            .expect("seed");
        let (role, password) = cluster::manager(&cluster, &admin_settings, "alice", "acme").await;
        let upstream: SocketAddr = format!("127.0.0.1:{}", admin_settings.port())
            .parse()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        World {
            cache: dir.path().join("cache.db"),
            cluster,
            admin,
            upstream,
            role,
            password,
            _dir: dir,
        }
    }

    fn settings(&self, proxy: &Proxy) -> ConnectSettings {
        self.settings_as(proxy, &self.role, &self.password)
    }

    /// Settings of `role` through `proxy`.
    fn settings_as(&self, proxy: &Proxy, role: &str, password: &str) -> ConnectSettings {
        let url = format!(
            "postgres://{role}:{password}@127.0.0.1:{}/postgres?sslmode=disable",
            proxy.addr.port()
        );
        ConnectSettings::from_url(&url)
            .unwrap()
            .with_timeout(Duration::from_secs(2))
    }

    fn target(&self, proxy: &Proxy, reads: Reads) -> Target {
        Target::Team {
            settings: Box::new(self.settings(proxy)),
            reads,
            cache: self.cache.clone(),
        }
    }

    fn on_server(&self, sql: &str) -> String {
        self.cluster.psql(&self.admin, sql).unwrap()
    }

    /// bob, alice's co-worker in acme (granted now): his settings through `proxy` and his
    /// cache file.
    async fn coworker(&self, proxy: &Proxy) -> (ConnectSettings, PathBuf) {
        let bob = self.cluster.role_name("bob");
        grant(
            &ConnectSettings::from_url(&self.admin).unwrap(),
            &Grant {
                role: bob.clone(),
                organization: "acme".into(),
                display_name: None,
            },
            || Ok("bob-secret".into()),
        )
        .await
        .unwrap();
        let settings = self.settings_as(proxy, &bob, "bob-secret");
        (settings, self.cache.with_file_name("bob.db"))
    }

    /// A sync of the cache (outbox replay, then the server's changes).
    async fn sync(&self, proxy: &Proxy) {
        cluster::sync_cache(self.settings(proxy), self.cache.clone()).await;
    }
}

fn rename(name: &str) -> NumberUpdate {
    NumberUpdate {
        friendly_name: Some(Some(name.into())),
        ..NumberUpdate::default()
    }
}

async fn name_in(inv: &dyn Inventory, number: &str) -> Option<String> {
    inv.number(&NumberRef::parse(number).unwrap(), None)
        .await
        .unwrap()
        .friendly_name
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_edits_go_to_the_server_online_and_queue_when_it_goes_away() {
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    let server_name = |number: &str| {
        world.on_server(&format!(
            "SELECT friendly_name FROM phone_numbers WHERE phone_number = '{number}'"
        ))
    };

    // The CLI online: reads and edits on the server; no cache file is made.
    let cli = open(world.target(&proxy, Reads::Server)).await.unwrap();
    assert!(cli.file().is_none());
    let acme = cli.organization("acme").await.unwrap();
    let w = actions::update_number(
        &*cli,
        &NumberRef::parse("+14155550100").unwrap(),
        None,
        &rename("From the CLI"),
    )
    .await
    .unwrap();
    assert!(!w.queued);
    assert_eq!(server_name("+14155550100"), "From the CLI");
    assert!(!world.cache.exists(), "an online CLI edit needs no cache");
    cli.close().await;

    // The app: reads from the cache; an online edit reaches the server and the cache at once.
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    assert_eq!(
        name_in(&*app, "+14155550100").await.as_deref(),
        Some("From the CLI")
    );
    let added = actions::add_number(
        &*app,
        acme.id,
        NewNumber {
            provider: "twilio".into(),
            number: "+14155550101".into(),
            friendly_name: Some("Added online".into()),
            ..NewNumber::default()
        },
    )
    .await
    .unwrap();
    assert!(!added.queued, "online, the edit goes to the server");
    assert_eq!(server_name("+14155550101"), "Added online");
    assert_eq!(
        name_in(&*app, "+14155550101").await.as_deref(),
        Some("Added online"),
        "the cache holds the server's row before any sync"
    );
    let agent = app.add_agent(acme.id, "Ava").await.unwrap();
    assert_eq!(
        app.agent(acme.id, "Ava").await.unwrap().id,
        agent.id,
        "in the cache at once"
    );
    let outbox = app.file().unwrap().run(|ws| ws.outbox()).await.unwrap();
    assert!(outbox.is_empty(), "nothing queued online: {outbox:?}");

    // The server goes away mid-session: the same edit is queued, nothing is lost.
    proxy.cut();
    let w = actions::update_number(
        &*app,
        &NumberRef::parse("+14155550101").unwrap(),
        None,
        &rename("Edited offline"),
    )
    .await
    .expect("queued, not failed");
    assert!(w.queued);
    assert_eq!(
        name_in(&*app, "+14155550101").await.as_deref(),
        Some("Edited offline")
    );
    assert_eq!(server_name("+14155550101"), "Added online");
    assert!(
        app.take_notices().iter().any(|n| n.starts_with("offline:")),
        "the switch is announced"
    );
    let e = app
        .add_organization("globex", "Globex")
        .await
        .expect_err("needs the server");
    assert_eq!(e.code(), ErrorCode::Offline);
    assert!(
        e.to_string()
            .contains("adding an organization needs the server"),
        "{e}"
    );
    app.close().await;

    // Opening while the server is away: the CLI works on the cache, edits queue.
    let offline = open(world.target(&proxy, Reads::Server)).await.unwrap();
    let notices = offline.take_notices();
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with("offline: showing cached data from")),
        "{notices:?}"
    );
    let w = actions::remove_number(&*offline, &NumberRef::parse("+14155550100").unwrap(), None)
        .await
        .unwrap();
    assert!(w.queued);
    let e = actions::import_csv(
        &*offline,
        acme.id,
        "phone_number,provider\n+14155550199,twilio\n".as_bytes(),
        &Default::default(),
    )
    .await
    .expect_err("importing needs the server");
    assert_eq!(e.code(), ErrorCode::Offline);

    // Nothing cached for a server: the open fails as offline, saying what to do.
    let empty = Target::Team {
        settings: Box::new(world.settings(&proxy)),
        reads: Reads::Server,
        cache: world._dir.path().join("never-synced.db"),
    };
    let e = open(empty).await.expect_err("nothing to show");
    assert!(
        matches!(&e, Error::Offline { reason, .. } if reason.contains("nothing is cached")),
        "{e}"
    );

    // The server is back: the queued edits go with the next sync.
    let back = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&back).await;
    assert_eq!(server_name("+14155550101"), "Edited offline");
    assert_eq!(
        server_name("+14155550100"),
        "",
        "removed offline, then on the server"
    );

    // The app reconnects: edits go direct again.
    let settings = world.settings(&back);
    let app = open_cached(settings, world.cache.clone()).unwrap();
    assert!(!app.is_online(), "opening the cache needs no network");
    app.reconnect().await.unwrap();
    let w = app
        .update_number(
            &NumberRef::parse("+14155550101").unwrap(),
            None,
            &rename("Back online"),
        )
        .await
        .unwrap();
    assert!(!w.queued);
    assert_eq!(server_name("+14155550101"), "Back online");
    app.close().await;
}

/// The rows a store ends with, as the scenario compares them: number, name, status, agent.
type Rows = Vec<(String, String, String, String)>;

/// One scenario of the manager's actions (add, update, bulk update, remove, import a file,
/// export) on `inv`, whose organization `acme` holds +14155550100 and the agent Ava. `import`
/// runs the import step (offline it needs the server: the caller runs it after the sync).
async fn scenario(inv: &dyn Inventory, import: bool) -> Vec<bool> {
    let acme = inv.organization("acme").await.unwrap();
    let mut queued = Vec::new();
    for (number, name) in [
        ("+14155550101", "One"),
        ("+14155550102", "Two"),
        ("+14155550103", "Three"),
    ] {
        let new = NewNumber {
            provider: "twilio".into(),
            number: number.into(),
            friendly_name: Some(name.into()),
            ..NewNumber::default()
        };
        queued.push(actions::add_number(inv, acme.id, new).await.unwrap().queued);
    }
    let ava = actions::agent_arg(inv, acme.id, "Ava").await.unwrap();
    let change = NumberUpdate {
        friendly_name: Some(Some("First".into())),
        agent_id: Some(ava),
        ..NumberUpdate::default()
    };
    let first = NumberRef::parse("+14155550101").unwrap();
    let w = actions::update_number(inv, &first, Some(acme.id), &change)
        .await
        .unwrap();
    queued.push(w.queued);
    let mut ids = Vec::new();
    for n in ["+14155550101", "+14155550102", "+14155550103"] {
        let r = NumberRef::parse(n).unwrap();
        ids.push(inv.number(&r, Some(acme.id)).await.unwrap().id.to_string());
    }
    let inactive = NumberUpdate {
        status: Some(switchboard_core::domain::Status::Inactive),
        ..NumberUpdate::default()
    };
    let report =
        actions::bulk_update(inv, acme.id, ids, &inactive, &Default::default(), |_| {}).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    queued.push(report.queued == 3);
    let third = NumberRef::parse("+14155550103").unwrap();
    queued.push(
        actions::remove_number(inv, &third, Some(acme.id))
            .await
            .unwrap()
            .queued,
    );
    if import {
        import_step(inv).await;
    }
    queued
}

async fn import_step(inv: &dyn Inventory) {
    let acme = inv.organization("acme").await.unwrap();
    let csv = "phone_number,provider,friendly_name,agent_id\n\
               +14155550104,twilio,Imported,Ava\n+14155550105,twilio,=SUM(A1),\n";
    let report = actions::import_csv(inv, acme.id, csv.as_bytes(), &Default::default())
        .await
        .unwrap();
    assert_eq!(report.inserted, 2);
}

/// Lists `acme`'s numbers in every order the CLI sorts by (and the app's headers ask for),
/// two rows a page so that every page boundary is a cursor: each order lists every row
/// once, in that order. Also the line-type filter, which a store reading the team database
/// (`on_server`) refuses by name. Returns the numbers in the orders of the text columns (the
/// times differ from store to store).
async fn sorted(inv: &dyn Inventory, on_server: bool) -> Vec<Vec<String>> {
    let acme = inv.organization("acme").await.unwrap();
    let every = NumberFilter::org(acme.id);
    let all = inv.count_numbers(&every).await.unwrap();
    let mut orders = Vec::new();
    for field in [
        SortField::Number,
        SortField::FriendlyName,
        SortField::Created,
        SortField::Updated,
    ] {
        for descending in [false, true] {
            let sort = Sort { field, descending };
            let mut q = NumberQuery::first(every.clone(), sort, 2).unwrap();
            let mut rows: Vec<PhoneNumber> = Vec::new();
            loop {
                let page = inv.list_numbers(&q).await.unwrap();
                rows.extend(page.items);
                assert!(rows.len() as u64 <= all, "{sort:?}: pages repeat rows");
                match page.next {
                    Some(next) => q.after = Some(next),
                    None => break,
                }
            }
            assert_eq!(rows.len() as u64, all, "{sort:?}: every row");
            let key = |n: &PhoneNumber| match field {
                SortField::Number => (n.phone_number.to_string(), 0),
                SortField::FriendlyName => (
                    n.friendly_name.clone().unwrap_or_default().to_lowercase(),
                    0,
                ),
                SortField::Created => (String::new(), n.created_at.unix_timestamp_nanos()),
                SortField::Updated => (String::new(), n.updated_at.unix_timestamp_nanos()),
            };
            let in_order = rows.windows(2).all(|w| {
                let (a, b) = (key(&w[0]), key(&w[1]));
                if descending { a >= b } else { a <= b }
            });
            assert!(
                in_order,
                "{sort:?}: {:?}",
                rows.iter().map(key).collect::<Vec<_>>()
            );
            let ids: std::collections::HashSet<_> = rows.iter().map(|n| n.id).collect();
            assert_eq!(ids.len(), rows.len(), "{sort:?}: no row twice");
            if matches!(field, SortField::Number | SortField::FriendlyName) {
                orders.push(rows.iter().map(|n| n.phone_number.to_string()).collect());
            }
        }
    }
    let of_type = |t| NumberFilter {
        number_type: Some(t),
        ..every.clone()
    };
    let us = of_type(NumberType::FixedLineOrMobile);
    if on_server {
        // The team database stores no line type (the design's columns): it says so.
        let e = inv
            .count_numbers(&us)
            .await
            .expect_err("no line type stored");
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.to_string().contains("number type"), "{e}");
        return orders;
    }
    assert_eq!(inv.count_numbers(&us).await.unwrap(), all);
    let mobile = of_type(NumberType::Mobile);
    assert_eq!(inv.count_numbers(&mobile).await.unwrap(), 0);
    let q = NumberQuery::first(mobile, Sort::default(), 10).unwrap();
    assert!(inv.list_numbers(&q).await.unwrap().items.is_empty());
    orders
}

/// The organization's rows as exported (core's CSV: every column), with agents by name.
async fn exported(inv: &dyn Inventory) -> Rows {
    let acme = inv.organization("acme").await.unwrap();
    let mut out = Vec::new();
    let n = actions::export(
        inv,
        acme.id,
        switchboard_core::transfer::Format::Csv,
        &mut out,
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (number, name, status, agent) = (
        col("phone_number"),
        col("friendly_name"),
        col("status"),
        col("agent_id"),
    );
    let mut rows = Rows::new();
    for line in lines {
        // The scenario's cells hold no commas or quotes but the escaped formula.
        let cells: Vec<&str> = line.split(',').collect();
        let agent = match cells[agent] {
            "" => String::new(),
            id => inv.agent(acme.id, id).await.unwrap().name,
        };
        rows.push((
            cells[number].to_owned(),
            cells[name].to_owned(),
            cells[status].to_owned(),
            agent,
        ));
    }
    assert_eq!(rows.len() as u64, n);
    rows
}

/// A local workspace in `dir` holding what [`World::new`] seeds on the server: acme, and its
/// +14155550100 called Main.
async fn local_like_the_server(dir: &tempfile::TempDir) -> (Arc<dyn Inventory>, Organization) {
    let local = open(Target::Local(dir.path().join("local.db")))
        .await
        .unwrap();
    let acme = local.add_organization("acme", "Acme").await.unwrap();
    let main = NewNumber {
        provider: "twilio".into(),
        number: "+14155550100".into(),
        friendly_name: Some("Main".into()),
        ..NewNumber::default()
    };
    actions::add_number(&*local, acme.id, main).await.unwrap();
    (local, acme)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_scenario_ends_with_the_same_rows_on_every_store() {
    // The local workspace.
    let dir = tempfile::tempdir().unwrap();
    let (local, acme) = local_like_the_server(&dir).await;
    local.add_agent(acme.id, "Ava").await.unwrap();
    assert_eq!(scenario(&*local, true).await, [false; 6]);
    let expected = exported(&*local).await;
    assert_eq!(expected.len(), 5, "{expected:?}");
    let orders = sorted(&*local, false).await;
    assert!(
        expected.contains(&(
            "+14155550101".into(),
            "First".into(),
            "inactive".into(),
            "Ava".into()
        )),
        "{expected:?}"
    );

    // The team database, online (the CLI's way: reads and edits on the server).
    let world = World::new().await;
    world.on_server(
        "INSERT INTO agents (organization_id, name) SELECT id, 'Ava' FROM organizations WHERE slug = 'acme'",
    );
    let proxy = Proxy::start(world.upstream, 0);
    let online = open(world.target(&proxy, Reads::Server)).await.unwrap();
    assert_eq!(scenario(&*online, true).await, [false; 6]);
    assert_eq!(exported(&*online).await, expected, "online: the same rows");
    assert_eq!(
        sorted(&*online, true).await,
        orders,
        "online: the same orders"
    );
    online.close().await;

    // The team database offline (the app's way: reads from the cache), then synced.
    let world = World::new().await;
    world.on_server(
        "INSERT INTO agents (organization_id, name) SELECT id, 'Ava' FROM organizations WHERE slug = 'acme'",
    );
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    proxy.cut();
    let offline = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    assert_eq!(
        scenario(&*offline, false).await,
        [true; 6],
        "every edit queued"
    );
    let e = actions::import_csv(
        &*offline,
        acme.id,
        "phone_number,provider\n".as_bytes(),
        &Default::default(),
    )
    .await
    .expect_err("importing needs the server");
    assert_eq!(e.code(), ErrorCode::Offline);
    sorted(&*offline, false).await;
    offline.close().await;
    let back = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&back).await;
    let synced = open(world.target(&back, Reads::Cache)).await.unwrap();
    import_step(&*synced).await;
    assert_eq!(
        exported(&*synced).await,
        expected,
        "the cache after the sync"
    );
    assert_eq!(
        sorted(&*synced, false).await,
        orders,
        "the cache: the same orders"
    );
    synced.close().await;
    let server = open(world.target(&back, Reads::Server)).await.unwrap();
    assert_eq!(
        exported(&*server).await,
        expected,
        "the server after the sync"
    );
    assert_eq!(
        sorted(&*server, true).await,
        orders,
        "the server: the same orders"
    );
    server.close().await;
}

#[tokio::test]
async fn an_account_added_to_a_team_workspace_is_listed_in_this_devices_cache() {
    use switchboard_core::domain::Provider;
    use switchboard_ops::providers::accounts;
    use switchboard_providers::account_auth::AccountAuth;
    use switchboard_secrets::{SecretString, Vault};
    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    let inv = open(world.target(&proxy, Reads::Server)).await.unwrap();
    assert!(inv.file().is_none(), "never synced: no cache yet");
    let acme = inv.organization("acme").await.unwrap();
    let vault = Vault::in_memory();
    let account = (Provider::Twilio, SID);
    let auth = AccountAuth::Secret(SecretString::new("tok".into()));
    let added = accounts::add_account(&*inv, &vault, &acme, account, auth, None)
        .await
        .unwrap();
    assert!(added.account.added && world.cache.exists(), "{added:?}");
    world.on_server(&format!(
        "UPDATE phone_numbers SET credentials = \
         '{{\"accountSid\":\"{SID}\",\"authTokenRef\":\"vault:twilio:{SID}\"}}'"
    ));
    let listed = accounts::list_accounts(&*inv, acme.id, Ok(&vault))
        .await
        .unwrap();
    let a = &listed.accounts[0];
    assert_eq!((listed.accounts.len(), a.added, a.numbers), (1, true, 1));
    let allowed = switchboard_ops::providers::added_accounts(&*inv).await;
    assert!(allowed.unwrap().contains(acme.id, Provider::Twilio, SID));

    let removed = accounts::remove_account(&*inv, &vault, acme.id, account, 10)
        .await
        .unwrap();
    assert!(removed.secret_removed && removed.was_added, "{removed:?}");
    assert_eq!(removed.numbers, ["+14155550100"]);
    inv.close().await;
}

/// `count` call records of `number` for `account`, one a minute from 2026-12-01 10:00 UTC:
/// every third answered, the others busy; answered ones charged USD 0.0130, every fifth of
/// those still pending.
fn calls(number: &str, count: u32) -> Vec<CallRecord> {
    (0..count)
        .map(|i| {
            let answered = i.is_multiple_of(3);
            CallRecord {
                provider_id: format!("CA{number}{i:05}"),
                number: E164::from_stored(number.to_owned()),
                direction: Direction::Inbound,
                counterpart: "+12125550100".into(),
                outcome: if answered {
                    CallOutcome::Answered
                } else {
                    CallOutcome::Busy
                },
                started_at: datetime!(2026-12-01 10:00 UTC) + time::Duration::minutes(i.into()),
                duration_secs: if answered { 42 } else { 0 },
                billed_secs: if answered { 60 } else { 0 },
                price: match (answered, i % 5) {
                    (false, _) => Price::NotBilled,
                    (true, 0) => Price::Pending,
                    (true, _) => Price::Charged {
                        money: Money::parse("0.0130", "USD").unwrap(),
                    },
                },
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_usage_goes_to_the_server_and_reaches_every_managers_cache() {
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    // bob, alice's co-worker in acme, with a cache of his own.
    let (bob_settings, bob_cache) = world.coworker(&proxy).await;
    cluster::sync_cache(bob_settings.clone(), bob_cache.clone()).await;

    // alice's app (reads from her cache) keeps a usage sync's pages: on the server, and in her
    // cache at once.
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let acme = app.organization("acme").await.unwrap();
    let account = UsageAccount {
        organization_id: acme.id,
        provider: Provider::Twilio,
        account_id: "AC1".into(),
    };
    let store = app.usage().unwrap();
    let mut page = calls("+14155550100", 300);
    page.extend(calls("+19995550000", 4));
    // Whole microseconds: what both stores keep.
    let pulled = datetime!(2026-12-02 09:00:00.123456 UTC);
    let kept = store.keep_calls(&account, page, pulled).await.unwrap();
    assert_eq!((kept.added, kept.not_ours, kept.pending), (300, 4, 20));
    assert_eq!(world.on_server("SELECT count(*) FROM calls"), "300");
    let cursor = UsageCursor {
        since: datetime!(2026-12-01 14:00 UTC),
        pulled_at: pulled,
    };
    store
        .set_cursor(&account, RecordKind::Calls, cursor)
        .await
        .unwrap();
    assert_eq!(
        store.cursor(&account, RecordKind::Calls).await.unwrap(),
        Some(cursor),
        "the cursor is the server's"
    );

    let range = DayRange::new(date!(2026 - 12 - 01), date!(2026 - 12 - 01)).unwrap();
    let server = switchboard_postgres::RemoteWorkspace::connect(&world.settings(&proxy))
        .await
        .unwrap();
    let on_server = server
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(on_server.len(), 1);
    assert_eq!(on_server[0].counts.calls, 300);
    assert_eq!(on_server[0].counts.answered, 100);
    assert_eq!(on_server[0].counts.pending, 20);
    assert_eq!(on_server[0].cost.to_string(), "USD 1.04", "80 × 0.0130");
    let in_alices_cache = store
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(in_alices_cache, on_server);
    // Another manager's record reaches the server: alice's app still reports from her cache
    // (its next sync brings the record).
    world.on_server(&format!(
        "INSERT INTO calls (organization_id, phone_number, provider, account_id,
                            provider_record_id, direction, counterpart, outcome, started_at,
                            duration_secs, billed_secs, price_state, pulled_at)
         VALUES ('{}', '+14155550100', 'twilio', 'AC1', 'CA-other', 'inbound', '+1', 'busy',
                 '2026-12-01 12:00', 0, 0, 'not_billed', now())",
        acme.id
    ));
    let on_server = server
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(on_server[0].counts.calls, 301);
    let in_alices_cache = store
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(
        in_alices_cache[0].counts.calls, 300,
        "alice's report reads her open cache"
    );
    server.close().await;
    app.close().await;

    // bob's cache gets alice's records with his next sync, and only those written since.
    let report = cluster::sync_cache(bob_settings.clone(), bob_cache.clone()).await;
    assert_eq!(report.usage_records, 301);
    let report = cluster::sync_cache(bob_settings.clone(), bob_cache.clone()).await;
    assert_eq!(report.usage_records, 0, "nothing new: nothing read again");
    // A pending call priced later on the server comes with the next sync.
    world.on_server(
        "UPDATE calls SET price_state = 'charged', price_nanos = 13000000, currency = 'USD'
         WHERE price_state = 'pending' AND provider_record_id LIKE '%00000'",
    );
    let report = cluster::sync_cache(bob_settings.clone(), bob_cache.clone()).await;
    assert_eq!(report.usage_records, 1);
    // A call whose provider reports no cost (Bandwidth's) reaches the cache as such: neither
    // pending nor costed there either.
    world.on_server(
        "UPDATE calls SET price_state = 'not_reported'
         WHERE provider_record_id = (SELECT min(provider_record_id) FROM calls
                                     WHERE price_state = 'not_billed')",
    );
    let report = cluster::sync_cache(bob_settings.clone(), bob_cache.clone()).await;
    assert_eq!(report.usage_records, 1);

    // Offline, bob's app reports from his cache; a usage sync needs the server.
    proxy.cut();
    let offline = open_cached(bob_settings, bob_cache).unwrap();
    let bobs = offline.usage().unwrap();
    let totals = bobs
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].counts.calls, 301);
    assert_eq!(totals[0].counts.pending, 19);
    assert_eq!(totals[0].cost.to_string(), "USD 1.053");
    let daily = bobs.daily_calls(acme.id, range).await.unwrap();
    assert_eq!(daily[0].days[0].calls, 301);
    let e = bobs
        .keep_calls(&account, calls("+14155550100", 1), pulled)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Offline, "{e}");
    assert!(e.to_string().contains("usage sync needs the server"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_usage_sync_from_the_fake_twilio_equals_on_the_server_and_in_a_coworkers_cache() {
    let now = datetime!(2026-12-01 00:00 UTC);
    let fakes = FakeProviders::start(FakeConfig {
        twilio_numbers: 4,
        usage: UsageConfig {
            calls_per_number: 120,
            messages_per_number: 30,
            days: 5,
            now: now.unix_timestamp(),
            pending_secs: 3_600,
            currency: "USD".into(),
            ..UsageConfig::default()
        },
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = common::twilio(&fakes.base_url(FakeKind::Twilio));
    let listing = client
        .list_numbers(&|_| {}, &tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let acme = app.organization("acme").await.unwrap();
    for n in &listing.numbers {
        let valid = n
            .to_new_number(creds::TWILIO_ACCOUNT_SID)
            .validate()
            .unwrap();
        app.add_number(acme.id, valid).await.unwrap();
    }
    let accounts: Vec<usage::AccountToSync> = usage::accounts_of(&*app, acme.id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|account| usage::AccountToSync {
            account,
            client: client.clone(),
        })
        .collect();
    assert_eq!(accounts.len(), 1);
    let since = now - time::Duration::days(5);
    let synced = usage::sync(
        app.usage().unwrap(),
        &accounts,
        Some(since),
        &|_| {},
        &tokio_util::sync::CancellationToken::new(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(synced[0].calls.kept.added, 4 * 120);
    assert_eq!(synced[0].messages.kept.added, 4 * 30);
    assert_eq!(
        world.on_server("SELECT count(*) FROM calls"),
        (4 * 120).to_string()
    );

    // The server's report, alice's cache's and (after its sync) a co-worker's are the same.
    let range = DayRange::new(since.date(), now.date()).unwrap();
    let server = switchboard_postgres::RemoteWorkspace::connect(&world.settings(&proxy))
        .await
        .unwrap();
    let on_server = server
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(on_server.len(), 4);
    assert!(
        on_server.iter().all(|r| !r.cost.is_empty()),
        "{on_server:?}"
    );
    let in_cache = app
        .usage()
        .unwrap()
        .usage_totals(acme.id, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(in_cache, on_server);
    let health_server = server.daily_calls(acme.id, range).await.unwrap();
    assert_eq!(
        app.usage()
            .unwrap()
            .daily_calls(acme.id, range)
            .await
            .unwrap(),
        health_server
    );
    // The table's health column: a page's numbers judged in one call, on the server under
    // row-level security and in the cache, exactly as health() judges them there; acme's Main
    // has no calls.
    let last_day = now.date() - time::Duration::days(1);
    let limits = Default::default();
    let mut page: Vec<E164> = (listing.numbers.iter())
        .map(|n| n.phone_number.clone())
        .collect();
    page.sort();
    page.push(E164::from_stored("+14155550100".into()));
    let stores: [(&str, &dyn usage::UsageStore); 2] =
        [("server", &server), ("cache", app.usage().unwrap())];
    for (name, store) in stores {
        let all = usage::health(store, acme.id, last_day, &limits)
            .await
            .unwrap();
        assert_eq!(all.len(), 4, "{name}");
        let of = usage::health_of(store, acme.id, page.clone(), last_day, &limits)
            .await
            .unwrap();
        assert_eq!(of[..4], all[..], "{name}");
        assert_eq!(of[4].phone_number, page[4], "{name}");
        assert_eq!(of[4].health.state, HealthState::InsufficientData, "{name}");
    }
    server.close().await;
    app.close().await;

    let (bob_settings, bob_cache) = world.coworker(&proxy).await;
    let report = cluster::sync_cache(bob_settings.clone(), bob_cache.clone()).await;
    assert_eq!(report.usage_records, 4 * 150);
    let bobs = open_cached(bob_settings, bob_cache).unwrap();
    assert_eq!(
        bobs.usage()
            .unwrap()
            .usage_totals(acme.id, range, GroupBy::Number)
            .await
            .unwrap(),
        on_server
    );
}

/// Agents looked after on `inv`, whose organization `acme` holds +14155550100 only: two
/// agents, one number each way, a rename (and a refused one), the orphan report, a removal.
/// Returns what a manager sees, to compare store with store.
async fn agent_steps(inv: &dyn Inventory) -> Vec<String> {
    let acme = inv.organization("acme").await.unwrap();
    let ava = inv.add_agent(acme.id, "Ava").await.unwrap();
    inv.add_agent(acme.id, "Bo").await.unwrap();
    let assign = NumberUpdate {
        agent_id: Some(Some(ava.id)),
        ..NumberUpdate::default()
    };
    let main = NumberRef::parse("+14155550100").unwrap();
    actions::update_number(inv, &main, Some(acme.id), &assign)
        .await
        .unwrap();
    let other = NewNumber {
        provider: "twilio".into(),
        number: "+14155550101".into(),
        ..NewNumber::default()
    };
    actions::add_number(inv, acme.id, other).await.unwrap();
    let bea = agents::rename(inv, acme.id, "Bo", " Bea ").await.unwrap();
    assert_eq!(
        inv.agent(acme.id, "Bea").await.unwrap(),
        bea,
        "read back at once"
    );
    let e = agents::rename(inv, acme.id, "Bea", "Ava")
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "agent \"Ava\" already exists in acme");
    let e = agents::rename(inv, acme.id, "Nobody", "X")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);

    let before = agents::orphans(inv, acme.id).await.unwrap();
    let removal = agents::remove(inv, acme.id, "Ava").await.unwrap();
    assert_eq!(removal.unassigned, 1);
    let after = agents::orphans(inv, acme.id).await.unwrap();
    let every = switchboard_core::query::NumberFilter::org(acme.id);
    assert_eq!(
        inv.count_numbers(&every).await.unwrap(),
        2,
        "no number lost"
    );
    let e = agents::remove(inv, acme.id, &ava.id.to_string())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    let report = |o: &agents::Orphans| {
        let sample: Vec<&str> = o
            .unassigned_sample
            .iter()
            .map(|n| n.phone_number.as_str())
            .collect();
        let idle: Vec<&str> = o.idle_agents.iter().map(|a| a.name.as_str()).collect();
        let load: Vec<String> = (o.agents.iter())
            .map(|a| format!("{}:{}", a.agent.name, a.numbers))
            .collect();
        format!(
            "{} unassigned {sample:?}; idle {idle:?}; {}",
            o.unassigned,
            load.join(",")
        )
    };
    vec![
        report(&before),
        format!(
            "removed {} leaving {}",
            removal.agent.name, removal.unassigned
        ),
        report(&after),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_are_renamed_removed_and_reported_alike_on_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let local = open(Target::Local(dir.path().join("local.db")))
        .await
        .unwrap();
    let acme = local.add_organization("acme", "Acme").await.unwrap();
    let main = NewNumber {
        provider: "twilio".into(),
        number: "+14155550100".into(),
        ..NewNumber::default()
    };
    actions::add_number(&*local, acme.id, main).await.unwrap();
    let expected = agent_steps(&*local).await;
    assert_eq!(
        expected,
        [
            "1 unassigned [\"+14155550101\"]; idle [\"Bea\"]; Ava:1,Bea:0",
            "removed Ava leaving 1",
            "2 unassigned [\"+14155550100\", \"+14155550101\"]; idle [\"Bea\"]; Bea:0",
        ]
    );

    // The team database, directly (the CLI).
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    let online = open(world.target(&proxy, Reads::Server)).await.unwrap();
    assert_eq!(agent_steps(&*online).await, expected, "the team database");
    online.close().await;

    // The team workspace (the app): edits on the server, read back from the cache at once.
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    assert_eq!(
        agent_steps(&*app).await,
        expected,
        "the team workspace's cache"
    );
    assert_eq!(
        world.on_server("SELECT string_agg(name, ',') FROM agents"),
        "Bea",
        "the server"
    );
    // Offline, renaming and removing need the server, and say so.
    proxy.cut();
    let acme = app.organization("acme").await.unwrap();
    for e in [
        agents::rename(&*app, acme.id, "Bea", "Cy")
            .await
            .unwrap_err(),
        agents::remove(&*app, acme.id, "Bea").await.unwrap_err(),
    ] {
        assert_eq!(e.code(), ErrorCode::Offline, "{e}");
    }
    app.close().await;
}

/// Each number the attention steps add: its status, and the readiness finding judged into its
/// metadata.
fn attention_numbers() -> Vec<(&'static str, &'static str, Option<Finding>)> {
    let found = |kind, word| Some(Finding::new(kind, word));
    vec![
        ("+14155550101", "error", None),
        // Blocked, no alarm.
        (
            "+14155550102",
            "active",
            found(Kind::NumberStatus, "purchase-failed"),
        ),
        // Attention only: works today, not counted.
        (
            "+14155550103",
            "active",
            found(Kind::RegulatoryBundle, "in-review"),
        ),
        // A port-out word core does not know: attention, but the alarm.
        (
            "+14155550104",
            "inactive",
            found(Kind::PortOut, "port-out-review"),
        ),
        // Ported away: blocked and the alarm.
        ("+14155550105", "active", found(Kind::PortOut, "ported-out")),
        // Ready, and in error: counted for its status.
        ("+14155550106", "error", found(Kind::Cnam, "enabled")),
        ("+14155550107", "active", found(Kind::Cnam, "enabled")),
    ]
}

/// Every number `f` (as the app sends it) selects, read in pages of two, and the count.
async fn attention_listed(inv: &dyn Inventory, f: input::NumberFilter) -> String {
    let f = f.resolve(inv).await.unwrap();
    let count = inv.count_numbers(&f).await.unwrap();
    let mut q = NumberQuery::first(f, Sort::default(), 2).unwrap();
    let mut out = Vec::new();
    loop {
        let page = inv.list_numbers(&q).await.unwrap();
        out.extend(page.items.iter().map(|n| n.phone_number.to_string()));
        match page.next {
            Some(next) => q.after = Some(next),
            None => return format!("{out:?} ({count})"),
        }
    }
}

/// The filters the attention steps ask each store for, over `org`.
fn attention_filters(org: &str) -> Vec<(&'static str, input::NumberFilter)> {
    let every = input::NumberFilter {
        organization_id: org.to_owned(),
        ..input::NumberFilter::default()
    };
    let attention = input::NumberFilter {
        needs_attention: true,
        ..every.clone()
    };
    let readiness = |state| input::NumberFilter {
        readiness: Some(state),
        ..every.clone()
    };
    vec![
        ("needs attention", attention.clone()),
        (
            "and active",
            input::NumberFilter {
                status: Some(Status::Active),
                ..attention.clone()
            },
        ),
        (
            "and searched",
            input::NumberFilter {
                search: Some("0105".into()),
                ..attention.clone()
            },
        ),
        (
            "and attention",
            input::NumberFilter {
                readiness: Some(State::Attention),
                ..attention
            },
        ),
        ("blocked", readiness(State::Blocked)),
        ("ready", readiness(State::Ready)),
        ("every", every),
    ]
}

/// Adds the attention numbers to acme (which holds +14155550100), checks that "needs
/// attention" finds exactly the numbers core's rule names, and reports what each filter finds.
async fn attention_steps(inv: &dyn Inventory) -> Vec<String> {
    let acme = inv.organization("acme").await.unwrap().id;
    for (number, status, finding) in attention_numbers() {
        let new = NewNumber {
            provider: "twilio".into(),
            number: number.into(),
            status: Some(status.into()),
            friendly_name: Some(format!("Line {}", &number[10..])),
            ..NewNumber::default()
        };
        actions::add_number(inv, acme, new).await.unwrap();
        if let Some(finding) = finding {
            let change = NumberUpdate {
                metadata_patch: Some(Metadata::readiness_patch(&judge(
                    &[finding],
                    Use::default(),
                ))),
                ..NumberUpdate::default()
            };
            let r = NumberRef::parse(number).unwrap();
            inv.update_number(&r, Some(acme), &change).await.unwrap();
        }
    }
    attention_found(inv, acme).await
}

/// What each attention filter finds in acme, once "needs attention" is checked against core's
/// rule over every number as this store reads it back.
async fn attention_found(inv: &dyn Inventory, acme: uuid::Uuid) -> Vec<String> {
    let mut expected = BTreeSet::new();
    inv.for_each_number(acme, &mut |n: &PhoneNumber| {
        if needs_attention(n) {
            expected.insert(n.phone_number.to_string());
        }
        Ok(())
    })
    .await
    .unwrap();
    let mut out = Vec::new();
    for (name, f) in attention_filters(&acme.to_string()) {
        out.push(format!("{name}: {}", attention_listed(inv, f).await));
    }
    assert_eq!(
        out[0],
        format!(
            "needs attention: {:?} ({})",
            expected.iter().collect::<Vec<_>>(),
            expected.len()
        ),
        "exactly the numbers core's rule names"
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn needs_attention_selects_the_same_numbers_on_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let (local, _) = local_like_the_server(&dir).await;
    let expected = attention_steps(&*local).await;
    let all = |numbers: &[&str]| {
        let quoted: Vec<String> = numbers
            .iter()
            .map(|n| format!("\"+141555501{n}\""))
            .collect();
        format!("[{}] ({})", quoted.join(", "), numbers.len())
    };
    assert_eq!(
        expected,
        [
            format!("needs attention: {}", all(&["01", "02", "04", "05", "06"])),
            format!("and active: {}", all(&["02", "05"])),
            format!("and searched: {}", all(&["05"])),
            format!("and attention: {}", all(&["04"])),
            format!("blocked: {}", all(&["02", "05"])),
            format!("ready: {}", all(&["06", "07"])),
            format!(
                "every: {}",
                all(&["00", "01", "02", "03", "04", "05", "06", "07"])
            ),
        ]
    );
    local.close().await;

    // The team database as alice, a manager of acme under row-level security: globex's number
    // in error, blocked and moving away is not hers to see.
    let world = World::new().await;
    world.on_server(
        "INSERT INTO organizations (slug, name) VALUES ('globex', 'Globex');
         INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
           credentials, metadata, status)
         SELECT id, 'twilio', '+14155550108', 'Line 08', '{}',
           '{\"readiness\": {\"state\": \"blocked\", \"items\": [], \"alarm\": true}}', 'error'
         FROM organizations WHERE slug = 'globex';",
    );
    let proxy = Proxy::start(world.upstream, 0);
    let server = open(world.target(&proxy, Reads::Server)).await.unwrap();
    assert_eq!(
        attention_steps(&*server).await,
        expected,
        "the team database"
    );
    server.close().await;

    // The team workspace (the app): its cache, synced, answers alike.
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let acme = app.organization("acme").await.unwrap().id;
    assert_eq!(
        attention_found(&*app, acme).await,
        expected,
        "the team workspace's cache"
    );
    app.close().await;
}

/// A number as a manager sees it, to compare versions: every column but `updated_at`, and the
/// metadata's text (its key order too).
fn every_column(n: &PhoneNumber) -> String {
    let mut v = serde_json::to_value(n).unwrap();
    v["updated_at"] = serde_json::Value::Null;
    format!(
        "{v} {}",
        n.metadata
            .as_ref()
            .map(Metadata::to_json)
            .unwrap_or_default()
    )
}

/// JSON with every object's keys sorted: the same text from every store (the team database's
/// JSONB keeps keys in an order of its own).
fn sorted_json(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let sorted: BTreeMap<_, _> =
                m.iter().map(|(k, v)| (k.clone(), sorted_json(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
        other => other.clone(),
    }
}

/// Undo on `inv`, whose organization `acme` holds +14155550100 called Main: an edit undone
/// exactly, a stale undo refused, an undo refused after someone else's change, a removal put
/// back as it was, and refused once the number is back or added again. Returns what a manager
/// sees, to compare store with store.
async fn undo_steps(inv: &dyn Inventory) -> Vec<String> {
    let acme = inv.organization("acme").await.unwrap();
    let ava = inv.add_agent(acme.id, "Ava").await.unwrap();
    let main = NumberRef::parse("+14155550100").unwrap();
    let edit = |change: NumberUpdate| async move {
        let main = NumberRef::parse("+14155550100").unwrap();
        (actions::update_number(inv, &main, Some(acme.id), &change).await)
            .unwrap()
            .number
    };
    let patch = |json: &str| Some(Metadata::patch_from_json(json).unwrap());
    let mut seen = Vec::new();

    // An edit of every field a manager edits, metadata keys removed, nested and added.
    let before = edit(NumberUpdate {
        agent_id: Some(Some(ava.id)),
        metadata_patch: patch(
            r#"{"zeta": {"kept": [1, 2]}, "capabilities": {"voice": true, "rcs": true},
                "region": "US"}"#,
        ),
        ..NumberUpdate::default()
    })
    .await;
    let after = edit(NumberUpdate {
        friendly_name: Some(Some("Sales".into())),
        status: Some(Status::Inactive),
        agent_id: Some(None),
        metadata_patch: patch(r#"{"zeta": null, "capabilities": {"rcs": null}, "added": 1}"#),
        ..NumberUpdate::default()
    })
    .await;
    let undo = switchboard_ops::undo::Undo::of_edit(before.clone(), after).unwrap();
    let back = switchboard_ops::undo::undo(inv, &undo).await.unwrap();
    let read = inv.number(&main, Some(acme.id)).await.unwrap();
    assert_eq!(every_column(&back.number), every_column(&before));
    assert_eq!(every_column(&read), every_column(&before), "read back");
    seen.push(format!(
        "edit undone: {:?} {} {:?}",
        read.friendly_name,
        sorted_json(&serde_json::Value::Object(
            read.metadata.as_ref().unwrap().as_map().clone()
        )),
        read.agent_id == Some(ava.id)
    ));
    let e = switchboard_ops::undo::undo(inv, &undo).await.unwrap_err();
    seen.push(format!("again: {e}"));

    // Someone else changes the number after the edit: the undo is refused, theirs stays.
    let after = edit(rename("Support")).await;
    let undo = switchboard_ops::undo::Undo::of_edit(read.clone(), after).unwrap();
    edit(rename("Someone else's")).await;
    let e = switchboard_ops::undo::undo(inv, &undo).await.unwrap_err();
    let name = inv
        .number(&main, Some(acme.id))
        .await
        .unwrap()
        .friendly_name;
    seen.push(format!("changed since: {e}; name {name:?}"));

    // A removal is put back as it was: same id, organization, every column.
    let removed = (actions::remove_number(inv, &main, Some(acme.id)).await)
        .unwrap()
        .number;
    let undo = switchboard_ops::undo::Undo::of_removal(removed.clone());
    let back = switchboard_ops::undo::undo(inv, &undo).await.unwrap();
    let read = inv.number(&main, Some(acme.id)).await.unwrap();
    assert_eq!(every_column(&back.number), every_column(&removed));
    assert_eq!(every_column(&read), every_column(&removed), "read back");
    assert!(read.updated_at >= removed.updated_at, "stamped now");
    seen.push(format!("removal undone: same id {}", read.id == removed.id));
    let e = switchboard_ops::undo::undo(inv, &undo).await.unwrap_err();
    seen.push(format!("again: {e}"));

    // Removed, then added again: the undo is refused and the new number stays.
    let removed = (actions::remove_number(inv, &main, Some(acme.id)).await)
        .unwrap()
        .number;
    let again = NewNumber {
        provider: "twilio".into(),
        number: "+14155550100".into(),
        friendly_name: Some("Added again".into()),
        ..NewNumber::default()
    };
    let added = actions::add_number(inv, acme.id, again)
        .await
        .unwrap()
        .number;
    let undo = switchboard_ops::undo::Undo::of_removal(removed);
    let e = switchboard_ops::undo::undo(inv, &undo).await.unwrap_err();
    let now = inv.number(&main, Some(acme.id)).await.unwrap();
    assert_eq!(every_column(&now), every_column(&added), "nothing changed");
    seen.push(format!("added again: {e}"));
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_or_a_removal_is_undone_alike_on_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let (local, _) = local_like_the_server(&dir).await;
    let expected = undo_steps(&*local).await;
    let refused = "invalid undo: +14155550100";
    assert_eq!(
        expected,
        [
            r#"edit undone: Some("Main") {"capabilities":{"rcs":true,"voice":true},"region":"US","zeta":{"kept":[1,2]}} true"#.to_owned(),
            format!("again: {refused} was changed since the edit (by someone else or elsewhere); nothing was changed"),
            format!("changed since: {refused} was changed since the edit (by someone else or elsewhere); nothing was changed; name Some(\"Someone else's\")"),
            "removal undone: same id true".to_owned(),
            format!("again: {refused} is back already; nothing was changed"),
            format!("added again: {refused} was added again since it was removed; nothing was changed"),
        ]
    );
    local.close().await;

    for (inv, store, _world, _proxy) in team_stores().await {
        assert_eq!(undo_steps(&*inv).await, expected, "{store}");
        inv.close().await;
    }
}

/// The team stores a scenario runs on, each on a server of its own seeded by [`World::new`]:
/// the team database as alice under row-level security (the CLI's way in), and the team
/// workspace's cache once synced (the app's: edits on the server, read back from the cache at
/// once); each with its name, and the world and proxy that keep it up.
async fn team_stores() -> Vec<(Arc<dyn Inventory>, &'static str, World, Proxy)> {
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    let server = open(world.target(&proxy, Reads::Server)).await.unwrap();
    let mut stores = vec![(server, "the team database", world, proxy)];
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    stores.push((app, "the team workspace's cache", world, proxy));
    stores
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_undone_offline_reaches_the_server_with_its_id_and_another_organization_is_refused()
 {
    let world = World::new().await;
    world.on_server(
        "INSERT INTO organizations (slug, name) VALUES ('globex', 'Globex');
         INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
           credentials, metadata)
         SELECT id, 'twilio', '+14155550108', 'Theirs', '{}', '{}'
         FROM organizations WHERE slug = 'globex';",
    );
    let row = |number: &str| {
        world.on_server(&format!(
            "SELECT id || ' ' || coalesce(friendly_name, '') || ' ' || created_at
             FROM phone_numbers WHERE phone_number = '{number}'"
        ))
    };
    let main_row = row("+14155550100");
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let main = NumberRef::parse("+14155550100").unwrap();

    // Attacker's view: alice forges the undo of a removal into globex, not hers.
    let globex_id = world.on_server("SELECT id FROM organizations WHERE slug = 'globex'");
    let mut forged = app.number(&main, None).await.unwrap();
    forged.id = uuid::Uuid::now_v7();
    forged.organization_id = globex_id.trim().parse().unwrap();
    forged.phone_number = E164::parse("+14155550109", None).unwrap();
    let undo = switchboard_ops::undo::Undo::of_removal(forged);
    let e = switchboard_ops::undo::undo(&*app, &undo).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotAllowed, "{e}");
    assert_eq!(
        world.on_server("SELECT count(*) FROM phone_numbers"),
        "2",
        "nothing written"
    );

    // Removed online, undone offline: the cache has it back at once, the outbox adds it with
    // its id, and the next sync puts it on the server.
    let removed = actions::remove_number(&*app, &main, None).await.unwrap();
    assert!(!removed.queued);
    proxy.cut();
    let undo = switchboard_ops::undo::Undo::of_removal(removed.number.clone());
    let back = switchboard_ops::undo::undo(&*app, &undo).await.unwrap();
    assert!(back.queued, "offline, the undo is queued");
    assert_eq!(app.number(&main, None).await.unwrap().id, removed.number.id);
    assert_eq!(row("+14155550100"), "", "not on the server yet");

    app.close().await;
    let back = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&back).await;
    assert_eq!(
        row("+14155550100"),
        main_row,
        "the same id, name and creation date on the server"
    );

    // Removed offline and undone offline: the two merge into one queued update, the server's
    // row stays as it was.
    let app = open(world.target(&back, Reads::Cache)).await.unwrap();
    back.cut();
    let removed = actions::remove_number(&*app, &main, None).await.unwrap();
    assert!(removed.queued);
    let undo = switchboard_ops::undo::Undo::of_removal(removed.number);
    assert!(
        switchboard_ops::undo::undo(&*app, &undo)
            .await
            .unwrap()
            .queued
    );
    let outbox = app.file().unwrap().run(|ws| ws.outbox()).await.unwrap();
    let ops: Vec<_> = outbox.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["update"]);
    app.close().await;

    let again = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&again).await;
    assert_eq!(row("+14155550100"), main_row);
    let cache = switchboard_core::store::Workspace::open(&world.cache).unwrap();
    assert!(cache.outbox().unwrap().is_empty(), "every edit sent");
    assert!(cache.conflicts().unwrap().is_empty(), "no conflict");
}

/// Adds to acme (which holds +14155550100) the agent Ava and seven desks: five active, two
/// inactive.
async fn bulk_setup(inv: &dyn Inventory) {
    let acme = inv.organization("acme").await.unwrap().id;
    inv.add_agent(acme, "Ava").await.unwrap();
    for i in 1..=7 {
        let new = NewNumber {
            provider: "twilio".into(),
            number: format!("+1415555020{i}"),
            status: Some(if i <= 5 { "active" } else { "inactive" }.into()),
            friendly_name: Some(format!("Desk {i}")),
            ..NewNumber::default()
        };
        actions::add_number(inv, acme, new).await.unwrap();
    }
}

/// Changes every active desk at once (found by search and status), and reports what the
/// change did and every number of acme afterwards; `other_agent` is an agent of another
/// organization, which the change refuses before changing anything.
async fn bulk_steps(inv: &dyn Inventory, other_agent: uuid::Uuid) -> Vec<String> {
    let acme = inv.organization("acme").await.unwrap().id;
    let filter = input::NumberFilter {
        organization_id: acme.to_string(),
        search: Some("desk".into()),
        status: Some(Status::Active),
        ..input::NumberFilter::default()
    };
    let filter = filter.resolve(inv).await.unwrap();
    let typed = actions::TypedChange {
        friendly_name: Some("Moved".into()),
        status: Some("inactive".into()),
        agent: Some("Ava".into()),
        metadata: Some(r#"{"capabilities": {"sms": true}}"#.into()),
    };
    let mut out = Vec::new();
    let refused = actions::update_matching(
        inv,
        &filter,
        &NumberUpdate {
            agent_id: Some(Some(other_agent)),
            ..NumberUpdate::default()
        },
        &Default::default(),
        |_| {},
    )
    .await
    .unwrap_err();
    out.push(format!("another's agent: {:?}", refused.code()));
    let cancel = switchboard_ops::Cancel::new();
    cancel.cancel();
    let stopped = actions::update_where(inv, &filter, typed.clone(), &cancel, |_| {})
        .await
        .unwrap();
    out.push(format!(
        "cancelled: {} updated {}",
        stopped.cancelled, stopped.updated
    ));
    let dry = actions::update_where_dry_run(inv, &filter, typed.clone()).await;
    out.push(format!("dry run: {}", dry.unwrap()));
    let mut progress = Vec::new();
    let report = actions::update_where(inv, &filter, typed, &Default::default(), |p| {
        progress.push((p.done, p.total))
    })
    .await
    .unwrap();
    out.push(format!(
        "updated {} failed {} cancelled {} progress {progress:?}",
        report.updated,
        report.failed.len(),
        report.cancelled
    ));
    let change = NumberUpdate {
        status: Some(Status::Error),
        ..NumberUpdate::default()
    };
    let missing = inv
        .update_numbers(
            switchboard_ops::Chunk {
                organization_id: acme,
                ids: &[uuid::Uuid::now_v7()],
                keys: None,
                change: &change,
            },
            &mut |_| true,
        )
        .await
        .unwrap();
    out.push(format!(
        "missing: updated {} failed {:?}",
        missing.updated,
        missing
            .failed
            .iter()
            .map(|f| f.1.code())
            .collect::<Vec<_>>()
    ));
    let ava = inv.agent(acme, "Ava").await.unwrap().id;
    let moved = NumberFilter::org(acme).search("moved");
    out.push(format!(
        "moved: {}",
        inv.count_numbers(&moved).await.unwrap()
    ));
    inv.for_each_number(acme, &mut |n: &PhoneNumber| {
        out.push(format!(
            "{} {} {} ava={} sms={}",
            n.phone_number,
            n.friendly_name.as_deref().unwrap_or("-"),
            n.status.as_str(),
            n.agent_id == Some(ava),
            n.capabilities()
                .has(switchboard_core::domain::Capability::Sms),
        ));
        Ok(())
    })
    .await
    .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_every_matching_number_is_alike_on_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let (local, _) = local_like_the_server(&dir).await;
    bulk_setup(&*local).await;
    let globex = local.add_organization("globex", "Globex").await.unwrap();
    let gus = local.add_agent(globex.id, "Gus").await.unwrap();
    let expected = bulk_steps(&*local, gus.id).await;
    let desk = |i: u32, name: &str, status: &str, moved: bool| {
        format!("+1415555020{i} {name} {status} ava={moved} sms={moved}")
    };
    let mut rows = vec!["+14155550100 Main active ava=false sms=false".to_owned()];
    rows.extend((1..=5).map(|i| desk(i, "Moved", "inactive", true)));
    rows.extend((6..=7).map(|i| desk(i, &format!("Desk {i}"), "inactive", false)));
    let mut steps: Vec<String> = [
        "another's agent: NotFound",
        "cancelled: true updated 0",
        "dry run: 5",
        "updated 5 failed 0 cancelled false progress [(0, 5), (5, 5)]",
        "missing: updated 0 failed [NotFound]",
        "moved: 5",
    ]
    .map(String::from)
    .to_vec();
    steps.extend(rows);
    assert_eq!(expected, steps, "the local workspace");
    local.close().await;

    // The team database as alice, a manager of acme under row-level security: globex's active
    // desk matches the same search and status, and is not hers to change; its agent is not
    // hers to give.
    let world = World::new().await;
    world.on_server(
        "INSERT INTO organizations (slug, name) VALUES ('globex', 'Globex');
         INSERT INTO agents (organization_id, name) SELECT id, 'Gus' FROM organizations
           WHERE slug = 'globex';
         INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
           credentials, metadata, status)
         SELECT id, 'twilio', '+14155550201', 'Desk 9', '{}', '{}', 'active'
         FROM organizations WHERE slug = 'globex';",
    );
    let gus: uuid::Uuid = world
        .on_server("SELECT id FROM agents WHERE name = 'Gus'")
        .trim()
        .parse()
        .unwrap();
    let proxy = Proxy::start(world.upstream, 0);
    let server = open(world.target(&proxy, Reads::Server)).await.unwrap();
    bulk_setup(&*server).await;
    assert_eq!(
        bulk_steps(&*server, gus).await,
        expected,
        "the team database"
    );
    server.close().await;
    assert_eq!(
        world.on_server(
            "SELECT friendly_name || ' ' || status FROM phone_numbers p
             JOIN organizations o ON o.id = p.organization_id WHERE o.slug = 'globex'"
        ),
        "Desk 9 active",
        "another organization's number is not changed"
    );

    // The team workspace (the app) offline: the change goes into its cache, and each edit into
    // the outbox as single edits go.
    world.on_server(
        "UPDATE phone_numbers SET friendly_name = 'Desk ' || right(phone_number, 1),
           status = CASE WHEN right(phone_number, 1) <= '5' THEN 'active' ELSE 'inactive' END,
           agent_id = NULL, metadata = '{}'
         WHERE phone_number LIKE '+1415555020%'
           AND organization_id = (SELECT id FROM organizations WHERE slug = 'acme')",
    );
    world.sync(&proxy).await;
    proxy.cut();
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let offline = bulk_steps(&*app, gus).await;
    assert_eq!(offline, expected, "the team workspace's cache, offline");
    let queued = app
        .file()
        .unwrap()
        .run(|ws| ws.outbox())
        .await
        .unwrap()
        .len();
    assert_eq!(queued, 5, "one outbox entry per changed number");
    app.close().await;
}

/// Adds to acme on the server `count` numbers, +14156000000 on, named "Line 0", "Line 1", …
/// (one statement: a bulk change's parts need thousands); returns their ids, in E.164 order.
fn lines(world: &World, count: usize) -> Vec<String> {
    world.on_server(&format!(
        "INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
           credentials, metadata)
         SELECT o.id, 'twilio', '+141560' || lpad(i::text, 5, '0'), 'Line ' || i, '{{}}', '{{}}'
         FROM organizations o, generate_series(0, {}) i WHERE o.slug = 'acme'",
        count - 1
    ));
    world
        .on_server(
            "SELECT string_agg(id::text, ' ' ORDER BY phone_number) FROM phone_numbers
             WHERE phone_number LIKE '+141560%'",
        )
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// How many numbers on the server are named `name`.
fn named(world: &World, name: &str) -> usize {
    world
        .on_server(&format!(
            "SELECT count(*) FROM phone_numbers WHERE friendly_name = '{name}'"
        ))
        .parse()
        .unwrap()
}

/// Every number of acme, every column, on the server (as alice) and in the cache `file`.
async fn cache_and_server(world: &World, proxy: &Proxy, file: &Path) -> (Vec<String>, Vec<String>) {
    let remote = switchboard_postgres::RemoteWorkspace::connect(&world.settings(proxy))
        .await
        .unwrap();
    let acme = remote.organization("acme").await.unwrap().id;
    let mut on_server = Vec::new();
    remote
        .for_each_number(acme, |n| {
            on_server.push(every_column(n));
            Ok(())
        })
        .await
        .unwrap();
    remote.close().await;
    let cache = switchboard_ops::LocalInventory::open(file).unwrap();
    let mut cached = Vec::new();
    cache
        .for_each_number(acme, &mut |n: &PhoneNumber| {
            cached.push(every_column(n));
            Ok(())
        })
        .await
        .unwrap();
    (on_server, cached)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_change_on_the_team_database_reports_progress_and_stops_between_parts() {
    let part = switchboard_ops::SERVER_PART;
    for (inv, name, world, proxy) in team_stores().await {
        let acme = inv.organization("acme").await.unwrap().id;
        let ids = lines(&world, 2 * part + 60);
        world.sync(&proxy).await;

        // The rows a manager checked: stopped at the first report, between the parts of the
        // one chunk.
        let cancel = switchboard_ops::Cancel::new();
        let mut reports = Vec::new();
        let checked = part as u64 + 30;
        let report = actions::bulk_update(
            &*inv,
            acme,
            ids[..part + 30].to_vec(),
            &rename("Checked"),
            &cancel,
            |p| {
                reports.push((p.done, p.total));
                cancel.cancel();
            },
        )
        .await;
        assert_eq!(
            reports,
            [(part as u64, checked)],
            "{name}: progress between parts"
        );
        assert!(report.cancelled, "{name}");
        assert_eq!((report.updated, report.queued), (part as u64, 0), "{name}");
        assert!(report.failed.is_empty(), "{name}: {:?}", report.failed);
        assert_eq!(named(&world, "Checked"), part, "{name}: the rest unchanged");

        // Every number a filter matches: stopped at the second report (the first is before
        // anything is changed).
        let cancel = switchboard_ops::Cancel::new();
        let mut reports = Vec::new();
        let filter = NumberFilter::org(acme).search("line");
        let total = part as u64 + 60;
        let report = actions::update_matching(&*inv, &filter, &rename("Matched"), &cancel, |p| {
            reports.push((p.done, p.total));
            if reports.len() == 2 {
                cancel.cancel();
            }
        })
        .await
        .unwrap();
        assert_eq!(reports, [(0, total), (part as u64, total)], "{name}");
        assert!(report.cancelled, "{name}");
        assert_eq!(report.updated, part as u64, "{name}");
        assert_eq!(named(&world, "Matched"), part, "{name}: the rest unchanged");
        if name == "the team workspace's cache" {
            let (on_server, cached) = cache_and_server(&world, &proxy, &world.cache).await;
            assert_eq!(cached.len(), 2 * part + 61, "{name}");
            assert_eq!(cached, on_server, "{name}: the cache equals the server");
        }
        inv.close().await;
    }
}

/// A server with acme's `count` lines ([`lines`]), a proxy to it, and the app's team
/// workspace on it, synced: the world, the proxy, the lines' ids, the workspace, acme's id.
async fn synced_app(count: usize) -> (World, Proxy, Vec<String>, Arc<dyn Inventory>, uuid::Uuid) {
    let world = World::new().await;
    let ids = lines(&world, count);
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let acme = app.organization("acme").await.unwrap().id;
    (world, proxy, ids, app, acme)
}

/// A bulk change of `ids` in acme (`actions::bulk_update`) naming them `name`, the server cut
/// through `proxy` at the first progress report; with the progress reports (numbers done).
async fn cut_at_first_report(
    inv: &dyn Inventory,
    acme: uuid::Uuid,
    ids: &[String],
    name: &str,
    proxy: &Proxy,
) -> (switchboard_ops::BulkReport, Vec<u64>) {
    let mut reports = Vec::new();
    let report = actions::bulk_update(
        inv,
        acme,
        ids.to_vec(),
        &rename(name),
        &Default::default(),
        |p| {
            reports.push(p.done);
            if reports.len() == 1 {
                proxy.cut();
            }
        },
    )
    .await;
    (report, reports)
}

/// The team database without a cache (read directly), as alice through `proxy`.
async fn direct(world: &World, proxy: &Proxy) -> Arc<dyn Inventory> {
    Arc::new(
        switchboard_postgres::RemoteWorkspace::connect(&world.settings(proxy))
            .await
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_change_whose_server_goes_away_midway_reports_only_the_queued_numbers() {
    let part = switchboard_ops::SERVER_PART;
    let (world, proxy, ids, app, acme) = synced_app(part + 60).await;
    let total = ids.len() as u64;

    // The server goes away at the first report (after the first part): that part changed on
    // it, the rest queued in the cache's outbox.
    let (report, reports) = cut_at_first_report(&*app, acme, &ids, "Checked", &proxy).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!((report.updated, report.queued), (total, 60));
    assert_eq!(reports, [part as u64, total]);
    let outbox = app.file().unwrap().run(|ws| ws.outbox()).await.unwrap();
    assert_eq!(outbox.len(), 60, "one entry per queued number");
    assert_eq!(
        named(&world, "Checked"),
        part,
        "the rest not on the server yet"
    );
    app.close().await;

    // Synced: every queued edit sent once, none a conflict, the cache equal to the server.
    let back = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&back).await;
    assert_eq!(
        named(&world, "Checked"),
        part + 60,
        "every queued edit sent"
    );
    let cache = switchboard_core::store::Workspace::open(&world.cache).unwrap();
    assert!(cache.outbox().unwrap().is_empty());
    assert!(cache.conflicts().unwrap().is_empty(), "no edit doubled");
    drop(cache);
    let (on_server, cached) = cache_and_server(&world, &back, &world.cache).await;
    assert_eq!(cached, on_server, "the cache equals the server");

    // The team database without a cache (the server read directly): the numbers not reached
    // are reported failed, offline, and nothing is lost or doubled.
    let remote = direct(&world, &back).await;
    let (report, _) = cut_at_first_report(&*remote, acme, &ids, "Direct", &back).await;
    assert_eq!((report.updated, report.queued), (part as u64, 0));
    assert_eq!(report.failed.len(), 60);
    assert!(
        report
            .failed
            .iter()
            .all(|f| f.error.code() == ErrorCode::Offline),
        "{:?}",
        report.failed.first()
    );
    let failed: Vec<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
    let not_reached: Vec<&str> = ids[part..].iter().map(String::as_str).collect();
    assert_eq!(failed, not_reached, "the numbers not reached, in order");
    assert_eq!(named(&world, "Direct"), part);
    assert_eq!(named(&world, "Checked"), 60, "the rest as they were");
}

/// Makes the server refuse every change of `number` (a trigger, as the cluster's admin): a part
/// of a bulk change that holds it is refused whole and goes number by number.
fn refuse_changes_of(world: &World, number: &str) {
    world.on_server(&format!(
        "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.phone_number = '{number}' THEN RAISE EXCEPTION 'refused for the test'; END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER refuse_one BEFORE UPDATE ON phone_numbers
           FOR EACH ROW EXECUTE FUNCTION refuse_one();"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_in_a_refused_parts_number_by_number_pass_stops_it_there() {
    let part = switchboard_ops::SERVER_PART;
    for (inv, name, world, proxy) in team_stores().await {
        let acme = inv.organization("acme").await.unwrap().id;
        let ids = lines(&world, part + 30);
        world.sync(&proxy).await;
        // The first part holds the 11th number, which the server refuses: that part goes
        // number by number. An id that is not one waits at position 100, past the cancel.
        refuse_changes_of(&world, "+14156000010");
        let mut checked = ids.clone();
        checked.insert(100, "not-an-id".into());
        let total = checked.len() as u64;

        // Cancelled at the first report, 25 numbers into the number-by-number pass.
        let cancel = switchboard_ops::Cancel::new();
        let mut reports = Vec::new();
        let report = actions::bulk_update(&*inv, acme, checked, &rename("Checked"), &cancel, |p| {
            reports.push((p.done, p.total));
            cancel.cancel();
        })
        .await;
        assert_eq!(
            reports,
            [(25, total)],
            "{name}: the last report is what was done"
        );
        assert!(report.cancelled, "{name}");
        assert_eq!((report.updated, report.queued), (24, 0), "{name}");
        let failed: Vec<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            failed,
            [ids[10].as_str()],
            "{name}: only the refused number, not the id not reached"
        );
        assert!(
            report.failed[0]
                .error
                .to_string()
                .contains("refused for the test"),
            "{name}: {}",
            report.failed[0].error
        );
        assert_eq!(named(&world, "Checked"), 24, "{name}: the rest unchanged");

        // Not cancelled, the refused number last, in the second part: that part's start is
        // reported once, then every 25 numbers of its pass.
        let mut again: Vec<String> = ids[11..].to_vec();
        again.extend_from_slice(&ids[..11]);
        let mut reports = Vec::new();
        let report = actions::bulk_update(
            &*inv,
            acme,
            again,
            &rename("Again"),
            &Default::default(),
            |p| reports.push(p.done),
        )
        .await;
        let total = ids.len() as u64;
        assert_eq!(reports, [part as u64, part as u64 + 25, total], "{name}");
        assert!(!report.cancelled, "{name}");
        assert_eq!(report.updated, total - 1, "{name}");
        let failed: Vec<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(failed, [ids[10].as_str()], "{name}");
        assert_eq!(named(&world, "Again") as u64, total - 1, "{name}");
        if name == "the team workspace's cache" {
            let (on_server, cached) = cache_and_server(&world, &proxy, &world.cache).await;
            assert_eq!(cached, on_server, "{name}: the cache equals the server");
        }
        inv.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_lost_in_a_refused_parts_number_by_number_pass_is_one_notice() {
    let part = switchboard_ops::SERVER_PART;
    let (world, proxy, ids, app, acme) = synced_app(part + 60).await;
    let total = ids.len() as u64;
    refuse_changes_of(&world, "+14156000010");
    app.take_notices();

    // The server goes away at the first report, 25 numbers into the first part's
    // number-by-number pass: those stay done, the rest of the chunk is queued at once.
    let (report, reports) = cut_at_first_report(&*app, acme, &ids, "Checked", &proxy).await;
    let failed: Vec<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(failed, [ids[10].as_str()], "{:?}", report.failed);
    assert_eq!((report.updated, report.queued), (total - 1, total - 25));
    assert_eq!(reports, [25, total]);
    let offline: Vec<String> = app
        .take_notices()
        .into_iter()
        .filter(|n| n.starts_with("offline:"))
        .collect();
    assert_eq!(
        offline.len(),
        1,
        "one notice that the server is gone: {offline:?}"
    );
    assert!(
        offline[0].ends_with("the rest of the change is queued"),
        "{offline:?}"
    );
    let outbox = app.file().unwrap().run(|ws| ws.outbox()).await.unwrap();
    assert_eq!(
        outbox.len() as u64,
        total - 25,
        "one entry per queued number"
    );
    assert_eq!(
        named(&world, "Checked"),
        24,
        "the rest not on the server yet"
    );
    app.close().await;

    // Synced: every queued edit sent once, the cache equal to the server.
    let back = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&back).await;
    assert_eq!(
        named(&world, "Checked") as u64,
        total - 1,
        "every queued edit sent"
    );
    let (on_server, cached) = cache_and_server(&world, &back, &world.cache).await;
    assert_eq!(cached, on_server, "the cache equals the server");

    // The team database without a cache: the pass stops where the server went; the numbers
    // not reached are reported failed, offline, without trying each on a server gone.
    let remote = direct(&world, &back).await;
    let (report, reports) = cut_at_first_report(&*remote, acme, &ids, "Direct", &back).await;
    assert_eq!(reports, [25, total]);
    assert_eq!((report.updated, report.queued), (24, 0));
    let failed: Vec<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
    let mut expected = vec![ids[10].as_str()];
    expected.extend(ids[25..].iter().map(String::as_str));
    assert_eq!(
        failed, expected,
        "the refused number, then those not reached"
    );
    assert!(
        report.failed[1..]
            .iter()
            .all(|f| f.error.code() == ErrorCode::Offline
                && f.error.to_string().ends_with("; not changed")),
        "{:?}",
        report.failed.get(1)
    );
    assert_eq!(named(&world, "Direct"), 24);
}

/// Two copies of the same numbers in acme (+1415700…: set A, +1415800…: set B), some named
/// "Old name", with Ava on some, and metadata of their own on some.
fn twin_sets(world: &World) -> (Vec<String>, Vec<String>) {
    world.on_server(
        "INSERT INTO agents (organization_id, name) SELECT id, 'Ava' FROM organizations
           WHERE slug = 'acme';
         INSERT INTO phone_numbers (organization_id, provider, phone_number, friendly_name,
           credentials, metadata, agent_id, status)
         SELECT o.id, 'twilio', s.prefix || lpad(i::text, 4, '0'),
           CASE WHEN i % 3 = 0 THEN 'Old name' ELSE 'Line ' || i END, '{}',
           CASE WHEN i % 4 = 0 THEN '{\"capabilities\": {\"voice\": true}, \"note\": \"x\"}'
                ELSE '{}' END::jsonb,
           CASE WHEN i % 2 = 0 THEN a.id END,
           CASE WHEN i % 5 = 0 THEN 'inactive' ELSE 'active' END
         FROM organizations o JOIN agents a ON a.organization_id = o.id,
           (VALUES ('+1415700'), ('+1415800')) s(prefix), generate_series(0, 39) i
         WHERE o.slug = 'acme'",
    );
    let ids = |prefix: &str| -> Vec<String> {
        world
            .on_server(&format!(
                "SELECT string_agg(id::text, ' ' ORDER BY phone_number) FROM phone_numbers
                 WHERE phone_number LIKE '{prefix}%'"
            ))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    (ids("+1415700"), ids("+1415800"))
}

/// The numbers with a prefix on the server as a manager sees them, every column but the id,
/// the number's own digits and `updated_at`, in E.164 order.
async fn set_rows(inv: &dyn Inventory, acme: uuid::Uuid, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    inv.for_each_number(acme, &mut |n: &PhoneNumber| {
        if n.phone_number.as_str().starts_with(prefix) {
            let mut v = serde_json::to_value(n).unwrap();
            v["updated_at"] = serde_json::Value::Null;
            v["id"] = serde_json::Value::Null;
            v["phone_number"] = serde_json::Value::from(&n.phone_number.as_str()[8..]);
            out.push(format!(
                "{} {}",
                sorted_json(&v),
                n.metadata
                    .as_ref()
                    .map(Metadata::to_json)
                    .unwrap_or_default()
            ));
        }
        Ok(())
    })
    .await
    .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_change_on_the_server_equals_single_edits_and_keeps_a_coworkers_change() {
    let world = World::new().await;
    let (set_a, set_b) = twin_sets(&world);
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let acme = app.organization("acme").await.unwrap().id;
    let ava = app.agent(acme, "Ava").await.unwrap().id;
    let parse =
        |ids: &[String]| -> Vec<uuid::Uuid> { ids.iter().map(|i| i.parse().unwrap()).collect() };
    let (a, b) = (parse(&set_a), parse(&set_b));
    let changes = [
        NumberUpdate {
            status: Some(Status::Inactive),
            ..NumberUpdate::default()
        },
        NumberUpdate {
            agent_id: Some(Some(ava)),
            friendly_name: Some(Some("Old name".into())),
            ..NumberUpdate::default()
        },
        NumberUpdate {
            metadata_patch: Metadata::from_json(r#"{"capabilities": {"sms": true}}"#).ok(),
            ..NumberUpdate::default()
        },
        NumberUpdate {
            agent_id: Some(None),
            friendly_name: Some(None),
            status: Some(Status::Error),
            ..NumberUpdate::default()
        },
    ];
    for (step, change) in changes.iter().enumerate() {
        // Between the selection and the write, a co-worker (the web platform) renames the
        // third number of each set and removes the fifth.
        world.on_server(&format!(
            "UPDATE phone_numbers SET friendly_name = 'Theirs {step}'
               WHERE id IN ('{}', '{}');
             DELETE FROM phone_numbers WHERE id IN ('{}', '{}')",
            set_a[2 + step * 6],
            set_b[2 + step * 6],
            set_a[4 + step * 6],
            set_b[4 + step * 6],
        ));
        let mut asked = Vec::new();
        let set = app
            .update_numbers(
                switchboard_ops::Chunk {
                    organization_id: acme,
                    ids: &a,
                    keys: None,
                    change,
                },
                &mut |n| {
                    asked.push(n);
                    true
                },
            )
            .await
            .unwrap();
        assert_eq!(asked, [0], "step {step}: asked once, before the one part");
        let mut single = Vec::new();
        for id in &b {
            match app
                .update_number(&NumberRef::Id(*id), Some(acme), change)
                .await
            {
                Ok(w) => assert!(!w.queued),
                Err(e) => single.push(format!("{:?}", e.code())),
            }
        }
        let failed: Vec<String> = set
            .failed
            .iter()
            .map(|(_, e)| format!("{:?}", e.code()))
            .collect();
        assert_eq!(
            failed, single,
            "step {step}: the same numbers refused alike"
        );
        assert_eq!(set.updated as usize + failed.len(), b.len(), "step {step}");
        if step % 2 == 0 {
            let theirs = app
                .number(&NumberRef::Id(a[2 + step * 6]), Some(acme))
                .await
                .unwrap();
            assert_eq!(
                theirs.friendly_name.as_deref(),
                Some(format!("Theirs {step}").as_str()),
                "step {step}: the co-worker's change kept"
            );
        }
        let gone: Vec<uuid::Uuid> = (0..=step).map(|s| a[4 + s * 6]).collect();
        assert_eq!(
            set.failed.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            gone,
            "step {step}: the removed numbers, not found"
        );
        assert_eq!(
            set_rows(&*app, acme, "+1415700").await,
            set_rows(&*app, acme, "+1415800").await,
            "step {step}: set-based equals single edits"
        );
    }
    let rows = set_rows(&*app, acme, "+1415700").await;
    assert!(
        rows[0].contains("\"sms\":true") && rows[0].contains("\"voice\":true"),
        "the capability merged into the metadata it had: {}",
        rows[0]
    );
    app.close().await;
    // The numbers the co-worker removed stay in the cache until the next sync, as after a
    // single edit that finds its number gone; every other row equals the server's.
    let (on_server, mut cached) = cache_and_server(&world, &proxy, &world.cache).await;
    let removed: Vec<&String> = (0..changes.len())
        .flat_map(|s| [&set_a[4 + s * 6], &set_b[4 + s * 6]])
        .collect();
    cached.retain(|row| !removed.iter().any(|id| row.contains(id.as_str())));
    assert_eq!(cached, on_server, "the cache equals the server");
}

/// bob, the manager of a new organization, globex (and of nothing else): his role and password.
async fn globex_manager(world: &World) -> (String, String) {
    world.on_server("INSERT INTO organizations (slug, name) VALUES ('globex', 'Globex')");
    cluster::manager(
        &world.cluster,
        &ConnectSettings::from_url(&world.admin).unwrap(),
        "bob",
        "globex",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organizations_ids_in_a_bulk_change_are_not_found_and_unchanged() {
    let world = World::new().await;
    let ids = lines(&world, 30);
    let (bob, password) = globex_manager(&world).await;
    let proxy = Proxy::start(world.upstream, 0);
    let before = world.on_server(
        "SELECT string_agg(friendly_name || status || updated_at, ',' ORDER BY id)
         FROM phone_numbers",
    );
    let settings = world.settings_as(&proxy, &bob, &password);
    let direct: Arc<dyn Inventory> = Arc::new(
        switchboard_postgres::RemoteWorkspace::connect(&settings)
            .await
            .unwrap(),
    );
    let cached = open(Target::Team {
        settings: Box::new(settings),
        reads: Reads::Cache,
        cache: world.cache.with_file_name("bob.db"),
    })
    .await
    .unwrap();
    let globex = direct.organization("globex").await.unwrap().id;
    let acme: uuid::Uuid = world
        .on_server("SELECT id FROM organizations WHERE slug = 'acme'")
        .trim()
        .parse()
        .unwrap();
    let keys: Vec<uuid::Uuid> = ids.iter().map(|i| i.parse().unwrap()).collect();
    for (inv, name) in [
        (&direct, "the team database"),
        (&cached, "the team workspace"),
    ] {
        // As bob, with acme's ids: under acme's id and under his own organization's.
        for org in [acme, globex] {
            let change = NumberUpdate {
                status: Some(Status::Error),
                friendly_name: Some(Some("Taken".into())),
                ..NumberUpdate::default()
            };
            let done = inv
                .update_numbers(
                    switchboard_ops::Chunk {
                        organization_id: org,
                        ids: &keys,
                        keys: None,
                        change: &change,
                    },
                    &mut |_| true,
                )
                .await
                .unwrap();
            assert_eq!((done.updated, done.queued), (0, 0), "{name}");
            assert_eq!(done.failed.len(), keys.len(), "{name}");
            for (id, e) in &done.failed {
                assert_eq!(e.code(), ErrorCode::NotFound, "{name}: {e}");
                assert!(
                    !e.to_string().contains("Line"),
                    "{name}: nothing revealed: {e}"
                );
                assert!(keys.contains(id));
            }
            assert!(done.rows.is_empty(), "{name}");
        }
        let report = actions::bulk_update(
            &**inv,
            globex,
            ids.clone(),
            &rename("Taken"),
            &Default::default(),
            |_| {},
        )
        .await;
        assert_eq!(report.updated, 0, "{name}");
        assert_eq!(report.failed.len(), ids.len(), "{name}");
    }
    assert_eq!(
        world.on_server(
            "SELECT string_agg(friendly_name || status || updated_at, ',' ORDER BY id)
             FROM phone_numbers",
        ),
        before,
        "acme's numbers unchanged"
    );
    let outbox = cached.file().unwrap().run(|ws| ws.outbox()).await.unwrap();
    assert!(outbox.is_empty(), "nothing queued");
}

/// A part of a bulk change locks the rows it changes (`SELECT … FOR UPDATE`), only those its
/// manager sees: another organization's rows locked by an edit under way hold up that
/// organization's own manager, but neither hold up nor answer differently a manager who cannot
/// see them (a wait would tell him they exist).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organizations_locked_rows_do_not_hold_up_a_bulk_change() {
    let world = World::new().await;
    let ids = lines(&world, 30);
    let (bob, password) = globex_manager(&world).await;
    let proxy = Proxy::start(world.upstream, 0);
    let connect = |settings| async move {
        switchboard_postgres::RemoteWorkspace::connect(&settings)
            .await
            .unwrap()
    };
    let alice = connect(world.settings(&proxy)).await;
    let bob = connect(world.settings_as(&proxy, &bob, &password)).await;
    let acme = alice.organization("acme").await.unwrap().id;
    let globex = bob.organization("globex").await.unwrap().id;
    let keys: Vec<uuid::Uuid> = ids.iter().map(|i| i.parse().unwrap()).collect();
    let change = rename("Taken");

    // acme's rows locked, as by an edit under way, until the end of the test.
    let mut holder = <sqlx::PgConnection as sqlx::Connection>::connect(&world.admin)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN; SELECT id FROM phone_numbers FOR UPDATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let held = tokio::time::timeout(
        Duration::from_millis(500),
        alice.update_many(acme, &keys, &change),
    )
    .await;
    assert!(held.is_err(), "acme's manager waits for the lock");

    for org in [acme, globex] {
        let done = tokio::time::timeout(
            Duration::from_secs(20),
            bob.update_many(org, &keys, &change),
        )
        .await
        .expect("not held up by rows bob cannot see")
        .unwrap();
        assert_eq!((done.updated, done.rows.len()), (0, 0));
        assert_eq!(done.failed.len(), keys.len());
        for (id, e) in &done.failed {
            assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
            let unknown = Error::NotFound {
                kind: "phone number",
                key: id.to_string(),
            };
            assert_eq!(e.to_string(), unknown.to_string(), "as for no row at all");
        }
    }
    drop(holder);
    assert_eq!(named(&world, "Taken"), 0, "acme's numbers unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_url_recorded_offline_if_none_does_not_overwrite_a_coworkers_on_the_server() {
    let world = World::new().await;
    let proxy = Proxy::start(world.upstream, 0);
    world.sync(&proxy).await;
    let app = open(world.target(&proxy, Reads::Cache)).await.unwrap();
    let main = NumberRef::parse("+14155550100").unwrap();
    let sms = |n: &PhoneNumber| n.recorded_webhooks().1.map(str::to_owned);

    // Offline, an import records the SMS URL its listing showed, if the number has none: the
    // cache has none, so it is recorded there and queued.
    proxy.cut();
    let ours = "https://ours.example.com/sms";
    let change = NumberUpdate {
        sms_webhook_url_if_none: Some(ours.into()),
        ..NumberUpdate::default()
    };
    let written = app.update_number(&main, None, &change).await.unwrap();
    assert!(written.queued, "offline, the edit is queued");
    assert_eq!(sms(&written.number).as_deref(), Some(ours));
    app.close().await;

    // Meanwhile a co-worker records another SMS URL on the server.
    let theirs = "https://theirs.example.com/sms";
    world.on_server(&format!(
        "UPDATE phone_numbers SET metadata = metadata || '{{\"smsWebhookUrl\": \"{theirs}\"}}'
         WHERE phone_number = '+14155550100'"
    ));

    // The replay does not overwrite it: the queued edit is reported as a conflict, with the
    // server's version, which the cache shows.
    let back = Proxy::start(world.upstream, proxy.addr.port());
    world.sync(&back).await;
    assert_eq!(
        world.on_server(
            "SELECT metadata ->> 'smsWebhookUrl' FROM phone_numbers
             WHERE phone_number = '+14155550100'"
        ),
        theirs,
        "the co-worker's URL kept on the server"
    );
    let cache = switchboard_core::store::Workspace::open(&world.cache).unwrap();
    assert!(cache.outbox().unwrap().is_empty());
    let conflicts = cache.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].reason, "changed on the server since");
    drop(cache);
    let app = open(world.target(&back, Reads::Cache)).await.unwrap();
    let shown = app.number(&main, None).await.unwrap();
    assert_eq!(
        sms(&shown).as_deref(),
        Some(theirs),
        "the cache shows the server's"
    );
    app.close().await;
}
