//! `switchboard_sync` against a real PostgreSQL, through its public API only: the full copy,
//! incremental sync of other clients' edits (moves between organizations included),
//! cancellation and resume, outbox replay and conflicts, membership changes, a pruned change
//! log, and syncs that have nothing to do. Each test compares the cache with the server column
//! by column (see `common`).

mod common;

use std::sync::{Arc, Mutex};

use common::{Manager, World, assert_same_rows, cache_rows, file_bytes, table_rows};
use switchboard_core::domain::{Metadata, NewNumber, NumberUpdate};
use switchboard_core::store::{CopyProgress, Keep, NumberRef, Workspace};
use switchboard_postgres::grant::{Revoke, revoke};
use switchboard_sync::{CancelToken, Phase, Progress, SyncOptions, SyncReport};
use uuid::Uuid;

fn batches_of(batch_rows: usize) -> SyncOptions {
    SyncOptions {
        full: false,
        batch_rows,
    }
}

/// A sync of alice's cache, in batches of 5 rows.
fn alice_in_batches_of_5(w: &World, cache: &mut Workspace) -> SyncReport {
    w.sync_with(
        &w.alice,
        cache,
        &batches_of(5),
        &mut |_| {},
        &CancelToken::new(),
    )
}

/// A sync that is cancelled once the copy has committed `after_rows` rows; returns its report.
fn sync_cancelled_after(
    w: &World,
    who: &Manager,
    cache: &mut Workspace,
    options: &SyncOptions,
    after_rows: u64,
) -> SyncReport {
    let cancel = CancelToken::new();
    let token = cancel.clone();
    let report = w.sync_with(
        who,
        cache,
        options,
        &mut |p: Progress| {
            if p.phase == Phase::Copy && p.done >= after_rows {
                token.cancel();
            }
        },
        &cancel,
    );
    assert!(report.cancelled, "{report:?}");
    let status = switchboard_sync::status(cache).expect("status");
    assert!(
        !status.copied && status.copy_done >= after_rows && status.copy_done < status.copy_total,
        "the cancel landed mid-copy: {status:?}"
    );
    report
}

/// The organization whose copy has started and the one whose copy has not.
fn started_and_waiting(cache: &Workspace) -> (CopyProgress, CopyProgress) {
    let progress = cache.copy_progress().expect("copy progress");
    let started = progress
        .iter()
        .find(|p| p.rows_done > 0)
        .expect("an organization was copied in part")
        .clone();
    let waiting = progress
        .iter()
        .find(|p| p.rows_done == 0 && !p.done)
        .expect("an organization waits for its copy")
        .clone();
    (started, waiting)
}

fn rank(phase: Phase) -> u8 {
    match phase {
        Phase::Replay => 0,
        Phase::Copy => 1,
        Phase::Index => 2,
        Phase::Changes => 3,
    }
}

/// Phases in order, each one's `done` never going back, the copy's total fixed and reached.
fn assert_progress(events: &[Progress], copied: u64) {
    for pair in events.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        assert!(
            rank(a.phase) <= rank(b.phase),
            "phase went back: {a:?} then {b:?}"
        );
        if a.phase == b.phase {
            assert!(b.done >= a.done, "progress went back: {a:?} then {b:?}");
        }
    }
    let copy: Vec<&Progress> = events.iter().filter(|p| p.phase == Phase::Copy).collect();
    assert!(copy.len() > 1, "a copy in batches reports each: {events:?}");
    for p in &copy {
        assert_eq!(p.total, copied, "{p:?}");
        assert!(p.done <= p.total, "{p:?}");
    }
    let last = copy.last().expect("copy reported");
    assert_eq!((last.done, last.total), (copied, copied), "{events:?}");
    assert_eq!(
        events.iter().filter(|p| p.phase == Phase::Index).count(),
        1,
        "{events:?}"
    );
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn rename(name: &str) -> NumberUpdate {
    NumberUpdate {
        friendly_name: Some(Some(name.into())),
        ..NumberUpdate::default()
    }
}

fn name_on_server(w: &World, id: Uuid) -> String {
    w.psql(&format!(
        "SELECT coalesce(friendly_name, '<none>') FROM phone_numbers WHERE id = '{id}'"
    ))
}

#[test]
fn a_full_copy_brings_every_visible_row_with_every_column_and_nothing_of_other_organizations() {
    let w = World::new(40, 25, 30);
    let mut alice = w.cache(&w.alice);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let report = w.sync_with(
        &w.alice,
        &mut alice,
        &batches_of(7),
        &mut |p| seen.lock().expect("events").push(p),
        &CancelToken::new(),
    );
    // acme's 40, initech's 25 and its copy of one of acme's numbers.
    assert_eq!(report.copied, 66, "{report:?}");
    assert_eq!(
        (
            report.changed,
            report.deleted,
            report.skipped,
            report.cancelled
        ),
        (0, 0, 0, false),
        "{report:?}"
    );
    assert!(report.last_synced_at.is_some(), "{report:?}");
    assert_progress(&events.lock().expect("events"), 66);
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
    let status = switchboard_sync::status(&alice).expect("status");
    assert!(status.copied, "{status:?}");
    assert_eq!(status.numbers, 66);
    assert_eq!(status.role.as_deref(), Some(w.alice.role.as_str()));
    assert_eq!((status.outbox, status.conflicts), (0, 0));

    // Bob's cache is another file, with globex only.
    assert_ne!(w.cache_path(&w.alice), w.cache_path(&w.bob));
    let mut bob = w.cache(&w.bob);
    assert_eq!(w.sync(&w.bob, &mut bob).copied, 30);
    w.assert_mirrors(&bob, &[w.globex]);
    // Not a byte of globex in alice's file.
    let bytes = file_bytes(&w.cache_path(&w.alice));
    assert!(
        !contains(&bytes, "GLOBEX"),
        "a globex name is in alice's cache"
    );
    assert!(
        !contains(&bytes, &w.globex.to_string()),
        "globex's id is in alice's cache"
    );
    assert!(contains(&bytes, "INITECH"), "the check reads the file");
}

#[test]
fn incremental_sync_applies_a_coworkers_and_an_administrators_edits_and_moves() {
    let (w, mut alice) = World::with_alice_synced(30, 10, 10);

    // Carol, through the same client code as the CLI and the app.
    let carol = w.remote(&w.carol);
    let added =
        w.rt.block_on(
            carol.add_number(
                w.acme,
                NewNumber {
                    provider: "telnyx".into(),
                    number: "+14153000001".into(),
                    friendly_name: Some("Carol's new line".into()),
                    metadata: Some(r#"{"capabilities": {"sms": true}, "region": "CA"}"#.into()),
                    ..NewNumber::default()
                }
                .validate()
                .expect("valid"),
            ),
        )
        .expect("carol adds");
    let acme = |n: &str| NumberRef::parse(n).expect("number");
    let updated =
        w.rt.block_on(carol.update_number(
            &acme("+14152000002"),
            Some(w.acme),
            &NumberUpdate {
                friendly_name: Some(Some("Renamed by carol".into())),
                status: Some("inactive".parse().expect("status")),
                metadata_patch: Some(
                    Metadata::patch_from_json(r#"{"region": null, "state": "NY"}"#).expect("patch"),
                ),
                ..NumberUpdate::default()
            },
        ))
        .expect("carol updates");
    let removed =
        w.rt.block_on(carol.remove_number(&acme("+14152000003"), Some(w.acme)))
            .expect("carol removes");
    w.rt.block_on(carol.close());
    // Carol moves a row to initech, which alice manages too.
    let moved_within = w.id_of(w.acme, "+14152000006");
    w.psql_as(
        &w.carol.url,
        &format!(
            "UPDATE phone_numbers SET organization_id = '{}', friendly_name = 'Moved to initech'
             WHERE id = '{moved_within}'",
            w.initech
        ),
    );
    // The administrator inserts, updates every kind of column, deletes, and moves a row to
    // globex, which alice does not manage.
    w.psql(
        r#"INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
           SELECT id, 'plivo', '+16463000000', '{"authId": "MA0123456789ABCDEF01"}'
           FROM organizations WHERE slug = 'initech';
           UPDATE phone_numbers
             SET credentials = '{"accountSid": "AC00000000000000000000000000000000"}',
                 webhook_configured = true, webhook_url = 'https://hooks.example.com/new',
                 last_verified_at = '2026-12-01 10:11:12.131415+00', agent_id = NULL
           WHERE phone_number = '+14152000004';
           DELETE FROM phone_numbers WHERE phone_number = '+14152000005';"#,
    );
    let moved_out = w.id_of(w.acme, "+14152000007");
    w.psql(&format!(
        "UPDATE phone_numbers SET organization_id = '{}' WHERE id = '{moved_out}'",
        w.globex
    ));

    let report = w.sync(&w.alice, &mut alice);
    assert_eq!(report.copied, 0, "{report:?}");
    // Put: carol's add and update, the insert, the update, the move within. Deleted: carol's
    // removal, the deletion, the move out.
    assert_eq!((report.changed, report.deleted), (5, 3), "{report:?}");
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
    let cached = |id| alice.number(&NumberRef::Id(id), None);
    assert_eq!(
        cached(added.id).expect("added").friendly_name,
        added.friendly_name
    );
    assert_eq!(
        cached(updated.id).expect("updated").metadata,
        updated.metadata
    );
    assert!(cached(removed.id).is_err());
    assert_eq!(
        cached(moved_within).expect("moved").organization_id,
        w.initech
    );
    assert!(
        cached(moved_out).is_err(),
        "a row moved to globex is still cached"
    );
}

#[test]
fn a_cancelled_copy_resumes_to_the_same_cache_as_an_uncancelled_one() {
    let w = World::new(60, 20, 5);
    let mut resumed = w.cache(&w.alice);
    let first = sync_cancelled_after(&w, &w.alice, &mut resumed, &batches_of(5), 10);
    assert!(first.copied >= 10 && first.copied < 81, "{first:?}");
    // Nothing of an unfinished copy shows, and what it committed stays across a reopen.
    assert_eq!(resumed.number_total().expect("total"), 0);
    drop(resumed);
    let mut resumed = w.cache(&w.alice);
    let status = switchboard_sync::status(&resumed).expect("status");
    assert_eq!(status.copy_done, first.copied, "{status:?}");
    // The server changes while the copy is paused: behind where it stopped and ahead of it.
    let (started, _) = started_and_waiting(&resumed);
    let behind = w.psql(&format!(
        "SELECT phone_number FROM phone_numbers WHERE organization_id = '{}'
         ORDER BY phone_number LIMIT 2",
        started.organization_id
    ));
    let behind: Vec<&str> = behind.lines().collect();
    w.psql(&format!(
        "DELETE FROM phone_numbers WHERE organization_id = '{org}' AND phone_number = '{}';
         UPDATE phone_numbers SET friendly_name = 'Renamed while paused'
           WHERE organization_id = '{org}' AND phone_number = '{}';",
        behind[0],
        behind[1],
        org = started.organization_id,
    ));
    w.seed("acme", "+1415", 2_000_000, 0, 0);
    w.seed("acme", "+1415", 2_000_000, 99, 99);

    let second = alice_in_batches_of_5(&w, &mut resumed);
    assert!(!second.cancelled, "{second:?}");
    assert!(second.copied > 0, "{second:?}");
    w.assert_mirrors(&resumed, &[w.acme, w.initech]);

    let path = w.dir.path().join("uncancelled.db");
    let mut uncancelled = Workspace::open(&path).expect("cache");
    let report = alice_in_batches_of_5(&w, &mut uncancelled);
    assert_eq!(report.copied, 82, "{report:?}");
    assert_same_rows(&cache_rows(&resumed), &cache_rows(&uncancelled));
    assert_eq!(
        resumed.number_total().expect("total"),
        uncancelled.number_total().expect("total")
    );
}

#[test]
fn a_row_moved_between_two_of_the_managers_organizations_during_a_paused_copy_is_cached_once() {
    let w = World::new(40, 40, 0);
    let mut alice = w.cache(&w.alice);
    sync_cancelled_after(&w, &w.alice, &mut alice, &batches_of(5), 5);
    let (started, waiting) = started_and_waiting(&alice);
    let after = started.after.clone().expect("a number copied");
    // Moves the first row of `from` (up to `upto`, not `except`) whose number `to` does not
    // hold.
    let move_first = |from: Uuid, to: Uuid, upto: &str, except: Uuid| {
        let id = w.psql(&format!(
            "UPDATE phone_numbers SET organization_id = '{to}' WHERE id = (
               SELECT id FROM phone_numbers WHERE organization_id = '{from}'
                 AND phone_number <= '{upto}' AND id <> '{except}'
                 AND phone_number NOT IN (SELECT phone_number FROM phone_numbers
                                          WHERE organization_id = '{to}')
               ORDER BY phone_number LIMIT 1)
             RETURNING id"
        ));
        Uuid::parse_str(&id).expect("a row moved")
    };
    // A row the copy has staged moves to the organization it has not copied yet, so the
    // copy meets it twice; one of that organization's moves the other way, so the copy
    // may meet it in neither (the change log brings it).
    let (s, t) = (started.organization_id, waiting.organization_id);
    let twice = move_first(s, t, &after, Uuid::nil());
    let maybe_never = move_first(t, s, "+9", twice);
    w.sync(&w.alice, &mut alice);
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
    let org_of = |id| {
        alice
            .number(&NumberRef::Id(id), None)
            .expect("cached")
            .organization_id
    };
    assert_eq!(org_of(twice), t);
    assert_eq!(org_of(maybe_never), s);
}

#[test]
fn offline_edits_reach_the_server_and_resolved_conflicts_converge() {
    let (w, mut alice) = World::with_alice_synced(20, 5, 0);
    let acme = |n: &str| NumberRef::parse(n).expect("number");
    let added = alice
        .queue_add(
            w.acme,
            NewNumber {
                provider: "twilio".into(),
                number: "+14153000002".into(),
                friendly_name: Some("Added offline".into()),
                ..NewNumber::default()
            }
            .validate()
            .expect("valid"),
        )
        .expect("queued add");
    let updated = alice
        .queue_update(
            &acme("+14152000002"),
            Some(w.acme),
            &rename("Updated offline"),
        )
        .expect("queued update");
    let removed = alice
        .queue_remove(&acme("+14152000003"), Some(w.acme))
        .expect("queued remove");
    let mine = alice
        .queue_update(&acme("+14152000004"), Some(w.acme), &rename("Alice's"))
        .expect("queued");
    let theirs = alice
        .queue_update(&acme("+14152000005"), Some(w.acme), &rename("Alice's too"))
        .expect("queued");
    assert_eq!(alice.outbox().expect("outbox").len(), 5);
    // Carol edits two of the same rows on the server meanwhile.
    let carol = w.remote(&w.carol);
    for (number, name) in [("+14152000004", "Carol's"), ("+14152000005", "Carol's too")] {
        w.rt.block_on(carol.update_number(&acme(number), Some(w.acme), &rename(name)))
            .expect("carol updates");
    }
    w.rt.block_on(carol.close());

    let report = w.sync(&w.alice, &mut alice);
    assert_eq!((report.replayed, report.conflicts), (3, 2), "{report:?}");
    assert_eq!(name_on_server(&w, added.id), "Added offline");
    assert_eq!(name_on_server(&w, updated.id), "Updated offline");
    assert_eq!(name_on_server(&w, removed.id), "");
    assert_eq!(name_on_server(&w, mine.id), "Carol's");
    assert_eq!(name_on_server(&w, theirs.id), "Carol's too");
    assert!(alice.outbox().expect("outbox").is_empty());
    // The cache shows the server's versions; the conflicts keep both.
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
    let conflicts = alice.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let name = |n: &Option<switchboard_core::domain::PhoneNumber>| {
        n.as_ref().and_then(|n| n.friendly_name.clone())
    };
    for (c, (m, t)) in conflicts
        .iter()
        .zip([("Alice's", "Carol's"), ("Alice's too", "Carol's too")])
    {
        assert!(c.reason.contains("changed on the server"), "{}", c.reason);
        assert_eq!(name(&c.mine).as_deref(), Some(m));
        assert_eq!(name(&c.theirs).as_deref(), Some(t));
    }
    alice
        .resolve_conflict(conflicts[0].id, Keep::Mine)
        .expect("keep mine");
    alice
        .resolve_conflict(conflicts[1].id, Keep::Theirs)
        .expect("keep theirs");

    let report = w.sync(&w.alice, &mut alice);
    assert_eq!((report.replayed, report.conflicts), (1, 0), "{report:?}");
    assert_eq!(name_on_server(&w, mine.id), "Alice's");
    assert_eq!(name_on_server(&w, theirs.id), "Carol's too");
    assert!(alice.conflicts().expect("conflicts").is_empty());
    assert!(alice.outbox().expect("outbox").is_empty());
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
}

#[test]
fn losing_an_organization_removes_its_rows_and_regaining_it_copies_them_again() {
    let (w, mut alice) = World::with_alice_synced(10, 10, 0);
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
    w.rt.block_on(revoke(
        &common::settings(&w.admin),
        &Revoke {
            role: w.alice.role.clone(),
            organization: Some("initech".into()),
        },
    ))
    .expect("revoke initech");
    w.psql("UPDATE phone_numbers SET friendly_name = 'After the revoke' WHERE phone_number = '+16465550002'");

    w.sync(&w.alice, &mut alice);
    w.assert_mirrors(&alice, &[w.acme]);
    assert!(alice.organization("initech").is_err());
    assert!(alice.agents(w.initech).expect("agents").is_empty());

    common::grant_to(&w.rt, &w.admin, &w.alice.role, "initech", "unused");
    let report = w.sync(&w.alice, &mut alice);
    assert_eq!(report.copied, 11, "{report:?}");
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
}

#[test]
fn pruning_the_change_log_past_the_cursor_forces_a_full_copy() {
    let (w, mut alice) = World::with_alice_synced(20, 5, 0);
    let prune = || w.psql("SELECT prune_phone_numbers_changes('0 seconds')");

    // Entries the cache has read already: nothing to copy again.
    assert_ne!(prune(), "0");
    let report = w.sync(&w.alice, &mut alice);
    assert!(!report.recopied_after_pruning, "{report:?}");
    assert_eq!(report.copied, 0, "{report:?}");

    // Entries it has not read: a deletion, a rename, a move away and an insert, gone from the
    // log before the next sync.
    let moved_out = w.id_of(w.acme, "+14152000007");
    w.psql(&format!(
        "DELETE FROM phone_numbers WHERE phone_number = '+14152000009';
         UPDATE phone_numbers SET friendly_name = 'Renamed' WHERE phone_number = '+14152000011';
         UPDATE phone_numbers SET organization_id = '{}' WHERE id = '{moved_out}';",
        w.globex
    ));
    w.seed("initech", "+1646", 5_550_000, 50, 50);
    assert_ne!(prune(), "0");
    let report = w.sync(&w.alice, &mut alice);
    assert!(report.recopied_after_pruning, "{report:?}");
    assert_eq!(report.copied, 18 + 7, "{report:?}");
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
    let report = w.sync(&w.alice, &mut alice);
    assert!(
        !report.recopied_after_pruning && report.copied == 0,
        "{report:?}"
    );

    // Pruned while a full copy is paused: a row it staged is deleted meanwhile.
    sync_cancelled_after(
        &w,
        &w.alice,
        &mut alice,
        &SyncOptions {
            full: true,
            batch_rows: 3,
        },
        3,
    );
    let (started, _) = started_and_waiting(&alice);
    w.psql(&format!(
        "DELETE FROM phone_numbers WHERE id = (SELECT id FROM phone_numbers
           WHERE organization_id = '{}' ORDER BY phone_number LIMIT 1)",
        started.organization_id
    ));
    assert_ne!(prune(), "0");
    let report = w.sync(&w.alice, &mut alice);
    assert!(report.recopied_after_pruning, "{report:?}");
    w.assert_mirrors(&alice, &[w.acme, w.initech]);
}

#[test]
fn a_sync_with_no_server_change_changes_nothing_in_the_cache() {
    let w = World::new(30, 10, 5);
    let mut alice = w.cache(&w.alice);
    let path = w.cache_path(&w.alice);
    let nothing = |r: &SyncReport| SyncReport {
        last_synced_at: r.last_synced_at,
        ..SyncReport::default()
    };
    w.sync(&w.alice, &mut alice);
    for round in 0..2 {
        let before = table_rows(&path);
        assert!(
            before.iter().any(|l| l.starts_with("phone_numbers: ")),
            "the dump reads the rows"
        );
        let report = w.sync(&w.alice, &mut alice);
        assert_eq!(report, nothing(&report), "round {round}");
        let after = table_rows(&path);
        let changed: Vec<_> = after.iter().filter(|l| !before.contains(l)).collect();
        assert!(
            before == after,
            "round {round}: the cache changed: {changed:?}"
        );
        w.assert_mirrors(&alice, &[w.acme, w.initech]);
        // The next round starts after an incremental change was applied.
        w.psql("UPDATE phone_numbers SET status = 'error' WHERE phone_number = '+14152000012'");
        let report = w.sync(&w.alice, &mut alice);
        assert_eq!((report.changed, report.deleted), (1, 0), "{report:?}");
    }
}

#[test]
fn a_direct_edit_written_into_the_cache_while_a_sync_runs_is_not_undone_by_it() {
    let (w, mut alice) = World::with_alice_synced(10, 5, 0);
    let path = w.cache_path(&w.alice);
    let edited = w.id_of(w.acme, "+14152000002");
    let untouched = w.id_of(w.acme, "+14152000004");
    // Changes made before the sync, which it reads: a co-worker renames both rows.
    w.psql(&format!(
        "UPDATE phone_numbers SET friendly_name = 'Renamed before the sync'
         WHERE id IN ('{edited}', '{untouched}')"
    ));
    let name_in = |ws: &Workspace, id: Uuid| cache_rows(ws)[&id]["friendly_name"].clone();
    // After the sync read the change log and before it applies it, alice edits a row directly
    // on the server and the edit's row goes into the cache (as the app's team workspace does
    // with what the server returns); and a second row is written through with a version the
    // server never had (standing for a row whose later server change this sync cannot see).
    let between = || {
        w.psql_as(
            &w.alice.url,
            &format!(
                "UPDATE phone_numbers SET friendly_name = 'Edited during the sync'
                 WHERE id = '{edited}'"
            ),
        );
        let mut ws = Workspace::open(&path).expect("a second connection to the cache");
        let rows: Vec<_> = [
            (edited, "Edited during the sync"),
            (untouched, "Written through"),
        ]
        .into_iter()
        .map(|(id, name)| {
            let mut n = ws.number(&NumberRef::Id(id), None).expect("cached");
            n.friendly_name = Some(name.into());
            n
        })
        .collect();
        let mut r = ws.replica().expect("replica");
        for n in &rows {
            r.write_through(n.id, Some(n)).expect("write through");
        }
        r.commit().expect("commit");
    };
    let remote = w.remote(&w.alice);
    switchboard_sync::sync_interleaved(
        w.rt.handle(),
        &remote,
        &mut alice,
        &SyncOptions::default(),
        &mut |_| {},
        &CancelToken::new(),
        &between,
    )
    .expect("sync");
    w.rt.block_on(remote.close());
    assert_eq!(name_in(&alice, edited), "Edited during the sync");
    assert_eq!(name_in(&alice, untouched), "Written through");
    assert_eq!(alice.rows_to_read_again().expect("marks").len(), 2);

    // The next sync reads both again: the cache is the server's, whatever the change log says.
    w.sync(&w.alice, &mut alice);
    assert_same_rows(&cache_rows(&alice), &w.server_rows(&[w.acme, w.initech]));
    assert_eq!(name_in(&alice, untouched), "Renamed before the sync");
    assert!(alice.rows_to_read_again().expect("marks").is_empty());
}
