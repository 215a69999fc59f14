//! The team edit policy against a real PostgreSQL (a throwaway cluster): online edits go to the
//! server (and into the open cache at once), a server that goes away turns the same edit into
//! a queued one, an offline open works on the cache, and the next sync sends what was queued.
//!
//! The server "goes away" by closing a TCP proxy between the inventory and the cluster: its
//! connections are cut and new ones refused, as when a laptop leaves the network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_core::domain::{NewNumber, NumberUpdate};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::{Error, ErrorCode};
use switchboard_ops::{Inventory, Reads, Target, actions, open, open_cached};
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, grant};
use switchboard_sync::{CancelToken, SyncOptions};
use switchboard_test_postgres::TestCluster;

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
        let cluster = TestCluster::start_local().expect("cluster starts");
        let admin = cluster.admin_url();
        let admin_settings = ConnectSettings::from_url(&admin).unwrap();
        switchboard_postgres::migrate::migrate(&admin_settings)
            .await
            .expect("migrations apply");
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
        let role = cluster.role_name("alice");
        let password = format!("alice-{}", std::process::id());
        let p = password.clone();
        grant(
            &admin_settings,
            &Grant {
                role: role.clone(),
                organization: "acme".into(),
                display_name: None,
            },
            || Ok(p),
        )
        .await
        .expect("grant");
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
        let url = format!(
            "postgres://{}:{}@127.0.0.1:{}/postgres?sslmode=disable",
            self.role,
            self.password,
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

    /// A sync of the cache (outbox replay, then the server's changes).
    async fn sync(&self, proxy: &Proxy) {
        let settings = self.settings(proxy);
        let cache = self.cache.clone();
        tokio::task::spawn_blocking(move || {
            let rt = switchboard_sync::runtime().unwrap();
            let remote = rt
                .block_on(switchboard_postgres::RemoteWorkspace::connect(&settings))
                .unwrap();
            let mut ws = Workspace::open(&cache).unwrap();
            switchboard_sync::sync(
                rt.handle(),
                &remote,
                &mut ws,
                &SyncOptions::default(),
                &mut |_| {},
                &CancelToken::new(),
            )
            .unwrap();
            rt.block_on(remote.close());
        })
        .await
        .unwrap();
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
