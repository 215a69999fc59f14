//! Every column of `phone_numbers` survives every path of the local store, and every provider
//! can be stored in every table that holds one.
//!
//! Why: the store's SQL names its columns by hand (the numbers table, the outbox, the conflict
//! rows, the sync's stage, the CSV export), and the SQLite schema lists the providers in its
//! checks. A column or provider added to the domain but left out of one of them compiles and
//! passed every other test; these write [`PhoneNumber::with_every_column`] (every column set,
//! none to its default) and each [`Provider::ALL`] through each path and read them back.

use switchboard_core::domain::{
    Agent, NewNumber, NumberUpdate, Organization, PHONE_NUMBER_COLUMNS, PhoneNumber, Provider,
    Status,
};
use switchboard_core::seed;
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::transfer::{self, Format, ImportOptions, ImportTarget};
use uuid::Uuid;

/// A workspace with one organization and one agent, and the example number of that agent.
fn world() -> (Workspace, Organization, Agent, PhoneNumber) {
    let mut ws = Workspace::open_in_memory().expect("workspace");
    let org = ws.add_organization("acme", "Acme").expect("organization");
    let agent = ws.add_agent(org.id, "Ava").expect("agent");
    let n = PhoneNumber::with_every_column(org.id, agent.id);
    assert_eq!(
        n.empty_columns(),
        Vec::<&str>::new(),
        "the example must give every column a value"
    );
    (ws, org, agent, n)
}

fn read(ws: &Workspace, n: &PhoneNumber) -> PhoneNumber {
    ws.number(&NumberRef::Id(n.id), Some(n.organization_id))
        .expect("the number reads back")
}

fn insert(ws: &mut Workspace, org: &Organization, n: &PhoneNumber) {
    let mut bulk = ws.bulk_insert(org.id, 1).expect("batch");
    bulk.insert(n).expect("insert");
    bulk.finish().expect("commit");
}

#[test]
fn every_column_survives_the_local_store() {
    let (mut ws, org, _, n) = world();
    insert(&mut ws, &org, &n);
    assert_eq!(read(&ws, &n), n);
}

/// `n` with `change` applied, stamped as `stored` was: what every store's update must give.
fn changed(n: &PhoneNumber, change: &NumberUpdate, stored: &PhoneNumber) -> PhoneNumber {
    let mut expected = change.apply_to(n).expect("the change applies");
    assert_ne!(&expected, n);
    for column in PHONE_NUMBER_COLUMNS {
        let before = serde_json::to_value(n).expect("JSON")[column].clone();
        let after = serde_json::to_value(&expected).expect("JSON")[column].clone();
        let unchanged = [
            "id",
            "organization_id",
            "provider",
            "phone_number",
            "credentials",
        ];
        let stamped = ["created_at", "updated_at"];
        if !unchanged.contains(&column) && !stamped.contains(&column) {
            assert_ne!(
                before, after,
                "NumberUpdate::of_every_field leaves {column} as it is"
            );
        }
    }
    expected.updated_at = stored.updated_at;
    expected
}

#[test]
fn every_field_of_an_update_is_written_by_the_local_store() {
    let (mut ws, org, _, n) = world();
    insert(&mut ws, &org, &n);
    let other = ws.add_agent(org.id, "Bo").expect("agent");
    let change = NumberUpdate::of_every_field(other.id);
    let updated = ws
        .update_number(&NumberRef::Id(n.id), Some(org.id), &change)
        .expect("updated");
    assert_eq!(updated, changed(&n, &change, &updated));
    assert_eq!(read(&ws, &n), updated);
}

#[test]
fn every_column_survives_a_csv_and_a_json_export() {
    let (mut ws, org, agent, n) = world();
    insert(&mut ws, &org, &n);

    let mut csv = Vec::new();
    transfer::export(&ws, org.id, Format::Csv, &mut csv).expect("CSV export");
    let header = String::from_utf8_lossy(&csv)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    assert_eq!(header, PHONE_NUMBER_COLUMNS.join(","));
    let target = ImportTarget {
        organization_id: org.id,
        existing: Default::default(),
        agents: vec![agent],
    };
    let rows = transfer::read_csv(&target, csv.as_slice(), &ImportOptions::default())
        .expect("the export reads back");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].number, n);

    let mut json = Vec::new();
    transfer::export(&ws, org.id, Format::Json, &mut json).expect("JSON export");
    let parsed: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(parsed, serde_json::json!([n]));
}

/// An agent of `organization_id` as the sync caches the server's.
fn cached_agent(ws: &mut Workspace, organization_id: Uuid, name: &str) -> Agent {
    let agent = Agent {
        id: Uuid::now_v7(),
        organization_id,
        name: name.into(),
    };
    let mut replica = ws.replica().expect("replica");
    replica.put_agent(&agent).expect("agent");
    replica.commit().expect("commit");
    agent
}

/// `n` staged by a full copy (one transaction, as each batch of a copy) and moved in (another).
fn stage_and_move(ws: &mut Workspace, n: &PhoneNumber) {
    let mut replica = ws.replica().expect("replica");
    replica.stage(n, &n.facts()).expect("stage");
    replica.commit().expect("commit");
    let mut replica = ws.replica().expect("replica");
    assert_eq!(replica.move_staged_copy(&[]).expect("move"), 1);
    replica.commit().expect("commit");
}

#[test]
fn every_column_survives_the_team_cache_its_stage_and_its_outbox() {
    let (mut ws, org, agent, n) = world();
    let mut replica = ws.replica().expect("replica");
    replica.put_organization(&org).expect("organization");
    replica.put_agent(&agent).expect("agent");
    replica.commit().expect("commit");

    // A first full copy: the stage becomes the table.
    let mut copied = n.clone();
    copied.id = Uuid::now_v7();
    copied.phone_number = "+14155550143".parse().expect("a number");
    stage_and_move(&mut ws, &copied);
    assert_eq!(read(&ws, &copied), copied);

    // The server's versions, as an incremental sync writes them: new to the cache, then
    // changed in every column.
    let mut bare = PhoneNumber {
        friendly_name: None,
        credentials: Default::default(),
        metadata: None,
        agent_id: None,
        webhook_configured: false,
        webhook_url: None,
        status: Status::Active,
        last_verified_at: None,
        ..n.clone()
    };
    bare.updated_at = bare.created_at;
    let mut replica = ws.replica().expect("replica");
    assert!(replica.put(&bare).expect("put"));
    replica.commit().expect("commit");
    assert_eq!(read(&ws, &bare), bare);
    let mut replica = ws.replica().expect("replica");
    assert!(replica.put(&n).expect("put"));
    replica.commit().expect("commit");
    assert_eq!(read(&ws, &n), n);

    // A copy into an organization that has rows: row by row.
    let mut later = n.clone();
    later.id = Uuid::now_v7();
    later.phone_number = "+14155550144".parse().expect("a number");
    stage_and_move(&mut ws, &later);
    assert_eq!(read(&ws, &later), later);

    // A copy of an organization with no rows yet, into a cache with rows: in bulk.
    let globex = Organization {
        id: Uuid::now_v7(),
        slug: "globex".into(),
        name: "Globex".into(),
    };
    let mut replica = ws.replica().expect("replica");
    replica.put_organization(&globex).expect("organization");
    replica.commit().expect("commit");
    let globex_agent = cached_agent(&mut ws, globex.id, "Gus");
    let mut theirs = PhoneNumber::with_every_column(globex.id, globex_agent.id);
    theirs.id = Uuid::now_v7();
    stage_and_move(&mut ws, &theirs);
    assert_eq!(read(&ws, &theirs), theirs);

    // An offline edit: the outbox keeps every column of the edited row.
    let other = cached_agent(&mut ws, org.id, "Bo");
    let change = NumberUpdate::of_every_field(other.id);
    let edited = ws
        .queue_update(&NumberRef::Id(n.id), Some(org.id), &change)
        .expect("queued");
    let outbox = ws.outbox().expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].number, edited);
    assert_eq!(read(&ws, &n), edited);
    assert_eq!(edited, changed(&n, &change, &edited));

    // A conflict keeps both versions with every column.
    ws.outbox_conflict(outbox[0].seq, "changed on the server", Some(&n))
        .expect("conflict");
    let conflicts = ws.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].mine.as_ref(), Some(&edited));
    assert_eq!(conflicts[0].theirs.as_ref(), Some(&n));
}

#[test]
fn every_provider_can_be_stored_in_every_table() {
    let (mut ws, org, _, _) = world();
    for (i, provider) in Provider::ALL.into_iter().enumerate() {
        let number = format!("+1415555{:04}", 200 + i);
        let added = ws
            .add_number(
                org.id,
                NewNumber {
                    provider: provider.as_str().into(),
                    number: number.clone(),
                    ..Default::default()
                }
                .validate()
                .expect("valid"),
            )
            .unwrap_or_else(|e| panic!("the local store refuses {provider}: {e}"));
        assert_eq!(added.provider, provider);
        let account = seed::account_id(provider, &mut seed::Rng::from_seed("columns"));
        ws.add_account(org.id, provider, &account, None)
            .unwrap_or_else(|e| panic!("the accounts table refuses {provider}: {e}"));

        let mut cached = added.clone();
        cached.id = Uuid::now_v7();
        cached.phone_number = format!("+1415556{:04}", 200 + i).parse().expect("a number");
        let mut staged = added.clone();
        staged.id = Uuid::now_v7();
        staged.phone_number = format!("+1415557{:04}", 200 + i).parse().expect("a number");
        let mut replica = ws.replica().expect("replica");
        replica
            .put(&cached)
            .unwrap_or_else(|e| panic!("the team cache refuses {provider}: {e}"));
        replica
            .stage(&staged, &staged.facts())
            .unwrap_or_else(|e| panic!("the sync's stage refuses {provider}: {e}"));
        replica.commit().expect("commit");
        let mut replica = ws.replica().expect("replica");
        replica.move_staged_copy(&[]).expect("move");
        replica.commit().expect("commit");
        assert_eq!(read(&ws, &cached).provider, provider);
        assert_eq!(read(&ws, &staged).provider, provider);
    }
}
