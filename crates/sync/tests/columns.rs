//! Every column of `phone_numbers` survives the sync's paths against a real PostgreSQL: the
//! full copy (`COPY … TO STDOUT` and its decoder), the incremental read of the change log, and
//! the replay of an offline edit.
//!
//! Why: the sync selects its columns by hand (`ROW_SQL` in `src/rows.rs`) and its
//! replay names the columns it writes. A column added to core but left out of one of them
//! compiles and passed every other test; this writes [`PhoneNumber::with_every_column`]
//! (every column set, none to its default) on the server and reads it back from the cache.

use std::time::Duration;

use switchboard_core::domain::{NumberUpdate, PhoneNumber};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_postgres::grant::{Grant, grant};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_sync::{CancelToken, SyncOptions};
use switchboard_test_postgres::TestCluster;
use uuid::Uuid;

fn connect(url: &str) -> ConnectSettings {
    ConnectSettings::from_url(url)
        .expect("a valid URL")
        .with_timeout(Duration::from_secs(5))
}

#[test]
fn every_column_survives_the_copy_the_change_log_and_a_replayed_edit() {
    let cluster = TestCluster::start().expect("cluster starts");
    let rt = switchboard_sync::runtime().expect("runtime");
    let admin = cluster.admin_url();
    rt.block_on(switchboard_postgres::migrate::migrate(&connect(&admin)))
        .expect("migrations apply");
    let ids = cluster
        .psql(
            &admin,
            "WITH o AS (INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')
                        RETURNING id)
             INSERT INTO agents (organization_id, name)
               SELECT id, n FROM o, (VALUES ('Ava'), ('Bo')) AS v (n)
             RETURNING organization_id || ' ' || id",
        )
        .expect("organization and agents");
    let ids: Vec<Uuid> = ids
        .split_whitespace()
        .map(|id| Uuid::parse_str(id).unwrap())
        .collect();
    let (org, agent, other) = (ids[0], ids[1], ids[3]);
    let role = cluster.role_name("alice");
    rt.block_on(grant(
        &connect(&admin),
        &Grant {
            role: role.clone(),
            organization: "acme".into(),
            display_name: None,
        },
        || Ok("alice-secret".into()),
    ))
    .expect("grant");
    let alice = rt
        .block_on(RemoteWorkspace::connect(&connect(
            &cluster.url_for(&role, "alice-secret"),
        )))
        .expect("alice connects");
    let admin_pool = rt
        .block_on(connect(&admin).admin_pool())
        .expect("admin pool");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cache = Workspace::open(dir.path().join("cache.db")).expect("cache");
    let sync = |cache: &mut Workspace| {
        switchboard_sync::sync(
            rt.handle(),
            &alice,
            cache,
            &SyncOptions::default(),
            &mut |_| {},
            &CancelToken::new(),
        )
        .expect("sync")
    };
    let cached = |cache: &Workspace, n: &PhoneNumber| {
        cache
            .number(&NumberRef::Id(n.id), None)
            .expect("the number is cached")
    };

    // The full copy.
    let copied = PhoneNumber::with_every_column(org, agent);
    assert_eq!(copied.empty_columns(), Vec::<&str>::new());
    rt.block_on(switchboard_postgres::bulk::copy_numbers(
        &admin_pool,
        std::slice::from_ref(&copied),
    ))
    .expect("copy");
    assert_eq!(sync(&mut cache).copied, 1);
    assert_eq!(cached(&cache, &copied), copied);

    // The change log.
    let mut later = copied.clone();
    later.id = Uuid::now_v7();
    later.phone_number = "+14155550143".parse().expect("a number");
    rt.block_on(switchboard_postgres::bulk::copy_numbers(
        &admin_pool,
        std::slice::from_ref(&later),
    ))
    .expect("copy");
    sync(&mut cache);
    assert_eq!(cached(&cache, &later), later);

    // An offline edit of every field, replayed: the server's row has each, and the cache
    // holds the server's reply.
    let change = NumberUpdate::of_every_field(other);
    cache
        .queue_update(&NumberRef::Id(copied.id), None, &change)
        .expect("queued");
    sync(&mut cache);
    assert!(cache.outbox().expect("outbox").is_empty());
    let server = rt
        .block_on(alice.number(&NumberRef::Id(copied.id), None))
        .expect("the server's row");
    let mut expected = change.apply_to(&copied).unwrap();
    expected.updated_at = server.updated_at;
    assert_eq!(server, expected);
    assert_eq!(cached(&cache, &copied), server);
    rt.block_on(alice.close());
}
