//! A chunk of numbers changed in bulk ([`Workspace::update_numbers`]) ends exactly as the
//! per-number edits leave it ([`Workspace::update_number`], and on a team workspace's cache
//! offline [`Workspace::queue_update`]): the rows, their counts and search index, and the
//! outbox entries the sync replays (their order, op, base version and every column).
//!
//! Why: a change that sets the same values on every number is applied set-based (one
//! `UPDATE … WHERE rowid IN`, the outbox with one `UPDATE … FROM` and one `INSERT … SELECT`),
//! not through the per-number code; these run both on copies of one file and compare. The
//! times of the change differ between the two runs, so `updated_at` and `queued_at` are
//! checked on their own (stamped with the change, never before the version changed) and then
//! left out of the comparison.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use switchboard_core::domain::{
    Credentials, E164, NewNumber, NumberUpdate, PhoneNumber, Provider, Status,
};
use switchboard_core::query::{NumberFilter, SearchText};
use switchboard_core::store::{NumberRef, OutboxEntry, Workspace};
use time::OffsetDateTime;
use uuid::Uuid;

/// The numbers of the test: every column varied across them (names, none, statuses,
/// webhook set or not, metadata or none, verified or not).
fn numbers(org: Uuid, agent: Uuid) -> Vec<PhoneNumber> {
    (0..12u32)
        .map(|i| {
            let mut n = PhoneNumber::with_every_column(org, agent);
            n.id = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_1000 + u128::from(i));
            n.phone_number = E164::from_stored(format!("+1415555{:04}", 100 + i));
            n.friendly_name = match i % 3 {
                0 => None,
                1 => Some(format!("Desk {i}")),
                _ => Some("Night line".into()),
            };
            n.status = [Status::Active, Status::Inactive, Status::Error][i as usize % 3];
            n.webhook_configured = i % 2 == 0;
            if i % 4 == 0 {
                n.webhook_url = None;
                n.metadata = None;
                n.last_verified_at = None;
                n.agent_id = None;
            }
            if i % 5 == 0 {
                n.provider = Provider::Telnyx;
                n.credentials = Credentials::for_account(Provider::Telnyx, "conn-1").unwrap();
            }
            n.updated_at += time::Duration::seconds(i64::from(i));
            n
        })
        .collect()
}

struct World {
    org: Uuid,
    /// Ids to change, in an order that is not the rows' order, with ids the chunk must
    /// report (one of no number, one of another organization's number).
    ids: Vec<Uuid>,
    missing: Vec<Uuid>,
    change: NumberUpdate,
}

/// A workspace file with two organizations, agents, numbers and (when `offline`) edits
/// already in the outbox: an offline rename of one number and an offline add.
fn build(path: &Path, offline: bool) -> World {
    let mut ws = Workspace::open(path).unwrap();
    let org = ws.add_organization("acme", "Acme").unwrap();
    let other = ws.add_organization("other", "Other").unwrap();
    let ava = ws.add_agent(org.id, "Ava").unwrap();
    let bo = ws.add_agent(org.id, "Bo").unwrap();
    let mut bulk = ws.bulk_insert(org.id, 12).unwrap();
    let ours = numbers(org.id, ava.id);
    for n in &ours {
        bulk.insert(n).unwrap();
    }
    bulk.finish().unwrap();
    let theirs = PhoneNumber {
        id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_2000),
        agent_id: None,
        ..PhoneNumber::with_every_column(other.id, ava.id)
    };
    let mut bulk = ws.bulk_insert(other.id, 1).unwrap();
    bulk.insert(&theirs).unwrap();
    bulk.finish().unwrap();
    let mut ids: Vec<Uuid> = ours.iter().rev().map(|n| n.id).collect();
    if offline {
        let rename = NumberUpdate {
            friendly_name: Some(Some("Renamed offline".into())),
            ..NumberUpdate::default()
        };
        ws.queue_update(&NumberRef::Id(ours[3].id), Some(org.id), &rename)
            .unwrap();
        let added = NewNumber {
            provider: "twilio".into(),
            number: "+14155550999".into(),
            friendly_name: Some("Added offline".into()),
            ..NewNumber::default()
        }
        .validate()
        .unwrap();
        let added = ws.queue_add(org.id, added).unwrap();
        ids.insert(5, added.id);
    }
    let missing = vec![Uuid::now_v7(), theirs.id];
    ids.insert(2, missing[0]);
    ids.insert(7, missing[1]);
    let change = NumberUpdate {
        friendly_name: Some(Some("  Front   desk ".into())),
        status: Some(Status::Error),
        agent_id: Some(Some(bo.id)),
        webhook: Some((true, Some("https://hooks.example.com/bulk".into()))),
        last_verified_at: OffsetDateTime::from_unix_timestamp(1_700_000_300).ok(),
        ..NumberUpdate::default()
    };
    World {
        org: org.id,
        ids,
        missing,
        change,
    }
}

/// Two copies of one file: the first changed number by number, the second in one chunk.
fn both(dir: &Path, offline: bool) -> (Workspace, Workspace, World) {
    let (each, chunk) = (dir.join("each.db"), dir.join("chunk.db"));
    let world = build(&each, offline);
    Workspace::open(&each)
        .unwrap()
        .integrity_check()
        .map(|broken| assert!(broken.is_empty(), "{broken:?}"))
        .unwrap();
    let conn = rusqlite::Connection::open(&each).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    std::fs::copy(&each, &chunk).unwrap();
    (
        Workspace::open(&each).unwrap(),
        Workspace::open(&chunk).unwrap(),
        world,
    )
}

/// Every number of the organization, each checked stamped with the change (at or after its
/// version before, `before`), then with `updated_at` left out.
fn rows(ws: &Workspace, world: &World, before: &[PhoneNumber]) -> Vec<PhoneNumber> {
    let mut out = rows_unchecked(ws, world.org);
    for n in &mut out {
        let was = before.iter().find(|b| b.id == n.id).unwrap();
        assert!(n.updated_at >= was.updated_at, "{n:?}");
        if world.ids.contains(&n.id) {
            assert_ne!(
                n.updated_at, was.updated_at,
                "stamped with the change: {n:?}"
            );
        }
        n.updated_at = OffsetDateTime::UNIX_EPOCH;
    }
    out
}

/// The outbox, each entry's number as the row shows it and queued no earlier than
/// `since`, then with both times left out.
fn outbox(ws: &Workspace, since: OffsetDateTime) -> Vec<OutboxEntry> {
    let mut entries = ws.outbox().unwrap();
    for e in &mut entries {
        let row = ws.number(&NumberRef::Id(e.number.id), None).unwrap();
        assert_eq!(e.number, row, "the entry holds the row as changed");
        assert!(e.queued_at >= since - time::Duration::seconds(1), "{e:?}");
        e.number.updated_at = OffsetDateTime::UNIX_EPOCH;
        e.queued_at = OffsetDateTime::UNIX_EPOCH;
    }
    entries
}

fn counts(ws: &Workspace, org: Uuid) -> Vec<u64> {
    let mut out = Vec::new();
    for status in [Status::Active, Status::Inactive, Status::Error] {
        let mut f = NumberFilter::org(org);
        f.status = Some(status);
        out.push(ws.count_numbers(&f).unwrap());
    }
    for search in ["front", "night", "desk 1", "41555501"] {
        let mut f = NumberFilter::org(org);
        f.search = Some(SearchText::new(search).unwrap());
        out.push(ws.count_numbers(&f).unwrap());
        out.push(ws.select_numbers(&f).unwrap().len() as u64);
    }
    out
}

/// Row keys for `ids` as a selection gives them (none for an id of no number, whose key is
/// then any other number's: the chunk must see it is not that number).
fn keys_of(ws: &Workspace, org: Uuid, ids: &[Uuid]) -> Vec<i64> {
    let selection = ws.selection(&NumberFilter::org(org)).unwrap();
    let keys = selection.keys.unwrap();
    ids.iter()
        .map(|id| {
            let at = selection.ids.iter().position(|s| s == id).unwrap_or(0);
            keys[at]
        })
        .collect()
}

/// Both runs on copies of one file; `by_key`: the chunk reads its rows by row key.
fn compare(offline: bool, by_key: bool) {
    compare_change(offline, by_key, None);
}

/// [`compare`] with `change` instead of the world's.
fn compare_change(offline: bool, by_key: bool, change: Option<NumberUpdate>) {
    let dir = tempfile::tempdir().unwrap();
    let (mut each, mut chunk, mut world) = both(dir.path(), offline);
    if let Some(change) = change {
        world.change = change;
    }
    let keyed = by_key.then(|| keys_of(&chunk, world.org, &world.ids));
    let before = rows_unchecked(&each, world.org);
    let since = OffsetDateTime::now_utc();
    let mut each_failed = Vec::new();
    for id in &world.ids {
        let r = NumberRef::Id(*id);
        let edited = if offline {
            each.queue_update(&r, Some(world.org), &world.change)
        } else {
            each.update_number(&r, Some(world.org), &world.change)
        };
        if let Err(e) = edited {
            each_failed.push((*id, e.code()));
        }
    }
    let done = chunk
        .update_numbers(
            world.org,
            (&world.ids, keyed.as_deref()),
            &world.change,
            offline,
        )
        .unwrap();
    let failed: Vec<_> = done.failed.iter().map(|(id, e)| (*id, e.code())).collect();
    assert_eq!(
        failed, each_failed,
        "the same numbers refused, the same way"
    );
    assert_eq!(
        done.failed.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        world.missing
    );
    assert_eq!(done.updated as usize, world.ids.len() - world.missing.len());
    assert_eq!(done.queued, if offline { done.updated } else { 0 });

    assert_eq!(
        rows(&chunk, &world, &before),
        rows(&each, &world, &before),
        "rows"
    );
    assert_eq!(counts(&chunk, world.org), counts(&each, world.org));
    let entries = outbox(&chunk, since);
    assert_eq!(entries, outbox(&each, since), "outbox");
    if offline {
        // An update for each number changed, the offline add still an add.
        assert_eq!(entries.len(), world.ids.len() - world.missing.len());
        assert_eq!(entries.iter().filter(|e| e.op.as_str() == "add").count(), 1);
    } else {
        assert!(entries.is_empty());
    }
    for ws in [&each, &chunk] {
        assert_eq!(ws.integrity_check().unwrap(), Vec::<String>::new());
    }
}

/// Every number of the organization, in E.164 order.
fn rows_unchecked(ws: &Workspace, org: Uuid) -> Vec<PhoneNumber> {
    let ids = ws.select_numbers(&NumberFilter::org(org)).unwrap();
    let read = |id: &Uuid| ws.number(&NumberRef::Id(*id), Some(org)).unwrap();
    ids.iter().map(read).collect()
}

#[test]
fn a_chunk_changed_at_once_ends_as_the_per_number_edits_leave_the_workspace() {
    compare(false, false);
    compare(false, true);
}

#[test]
fn a_chunk_changed_offline_ends_with_the_outbox_the_per_number_edits_leave() {
    compare(true, false);
    compare(true, true);
}

/// A name some of the numbers have already (their search entries stay as they are, the
/// others' are rewritten) and an agent taken away.
#[test]
fn a_chunk_given_a_name_some_numbers_have_ends_as_the_per_number_edits_leave_it() {
    let change = NumberUpdate {
        friendly_name: Some(Some("Night line".into())),
        agent_id: Some(None),
        ..NumberUpdate::default()
    };
    for (offline, by_key) in [(false, false), (false, true), (true, true)] {
        compare_change(offline, by_key, Some(change.clone()));
    }
}

#[test]
fn a_change_the_numbers_refuse_is_reported_for_each_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _, world) = both(dir.path(), true);
    let before = rows_unchecked(&ws, world.org);
    let entries = ws.outbox().unwrap();
    let too_long = NumberUpdate {
        friendly_name: Some(Some("x".repeat(101))),
        status: Some(Status::Inactive),
        ..NumberUpdate::default()
    };
    let single = ws
        .update_number(&NumberRef::Id(before[0].id), Some(world.org), &too_long)
        .unwrap_err();
    let done = ws
        .update_numbers(world.org, (&world.ids, None), &too_long, true)
        .unwrap();
    assert_eq!(done.updated, 0);
    assert_eq!(done.failed.len(), world.ids.len());
    for (id, e) in &done.failed {
        if !world.missing.contains(id) {
            assert_eq!(e.to_string(), single.to_string());
        }
    }
    assert_eq!(rows_unchecked(&ws, world.org), before);
    assert_eq!(ws.outbox().unwrap(), entries);
    // A number given twice is changed once, the second reported as not found.
    let twice = [before[1].id, before[1].id];
    let done = ws
        .update_numbers(world.org, (&twice, None), &world.change, false)
        .unwrap();
    assert_eq!(done.updated, 1);
    assert_eq!(
        done.failed.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [before[1].id]
    );
    assert_eq!(ws.integrity_check().unwrap(), Vec::<String>::new());
}

#[test]
fn a_number_re_keyed_since_the_selection_is_still_changed_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _, world) = both(dir.path(), false);
    let selection = ws.selection(&NumberFilter::org(world.org)).unwrap();
    let keys = selection.keys.clone().unwrap();
    // A sync after the selection was read brings the number under another E.164 (a
    // co-worker's correction): the same id, another row key.
    let moved = selection.ids[0];
    let mut corrected = ws.number(&NumberRef::Id(moved), Some(world.org)).unwrap();
    corrected.phone_number = E164::from_stored("+14155559999".into());
    let mut replica = ws.replica().unwrap();
    assert!(replica.put(&corrected).unwrap());
    replica.commit().unwrap();
    let now_keys = ws.selection(&NumberFilter::org(world.org)).unwrap();
    let at = now_keys.ids.iter().position(|id| *id == moved).unwrap();
    assert!(
        !keys.contains(&now_keys.keys.unwrap()[at]),
        "the number holds another row key now"
    );
    let done = ws
        .update_numbers(
            world.org,
            (&selection.ids, Some(&keys)),
            &world.change,
            false,
        )
        .unwrap();
    assert!(done.failed.is_empty(), "{:?}", done.failed);
    assert_eq!(done.updated as usize, selection.ids.len());
    let now = ws.number(&NumberRef::Id(moved), Some(world.org)).unwrap();
    assert_eq!(now.friendly_name.as_deref(), Some("Front   desk"));
    assert_eq!(now.status, Status::Error);
    assert_eq!(ws.integrity_check().unwrap(), Vec::<String>::new());
}
