//! The actions over a local workspace file, through the one inventory interface.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use switchboard_core::domain::{NewNumber, NumberUpdate, Status};
use switchboard_core::query::{NumberFilter, NumberQuery};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::transfer::{self, Format, ImportOptions};
use switchboard_core::{Error, ErrorCode};
use switchboard_ops::{Cancel, Inventory, Target, actions, open};

fn new_number(number: &str) -> NewNumber {
    NewNumber {
        provider: "twilio".into(),
        number: number.into(),
        ..NewNumber::default()
    }
}

/// Adds `total` numbers (+14155000000 on) to an organization of a workspace file.
async fn add_many(inv: &dyn Inventory, org: uuid::Uuid, total: u64) {
    let numbers = (0..total)
        .map(|i| new_number(&format!("+1415{:07}", 5_000_000 + i)).validate())
        .collect::<switchboard_core::Result<Vec<_>>>()
        .unwrap();
    inv.file()
        .unwrap()
        .run(move |ws| ws.add_numbers(org, numbers))
        .await
        .unwrap();
}

async fn opened(dir: &tempfile::TempDir) -> Arc<dyn Inventory> {
    open(Target::Local(dir.path().join("sub/workspace.db")))
        .await
        .expect("opens, creating the directory")
}

#[tokio::test]
async fn every_action_runs_on_a_local_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    assert!(inv.file().is_some(), "a local workspace is its own file");
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    assert_eq!(inv.organization("acme").await.unwrap().id, org.id);
    let ava = inv.add_agent(org.id, "Ava").await.unwrap();
    assert_eq!(
        actions::agent_arg(&*inv, org.id, "Ava").await.unwrap(),
        Some(ava.id)
    );
    assert_eq!(
        actions::agent_arg(&*inv, org.id, " None ").await.unwrap(),
        None
    );

    let mut ids = Vec::new();
    for i in 0..30 {
        let w = actions::add_number(&*inv, org.id, new_number(&format!("+1415555{:04}", i)))
            .await
            .unwrap();
        assert!(!w.queued, "a local edit is never queued");
        ids.push(w.number.id.to_string());
    }
    let bad = actions::add_number(&*inv, org.id, new_number("+1 415 555 000"))
        .await
        .expect_err("too short");
    assert_eq!(bad.code(), ErrorCode::InvalidNumber);

    let rename = NumberUpdate {
        friendly_name: Some(Some("Front desk".into())),
        agent_id: Some(Some(ava.id)),
        ..NumberUpdate::default()
    };
    let first = NumberRef::parse("+14155550000").unwrap();
    let w = actions::update_number(&*inv, &first, Some(org.id), &rename)
        .await
        .unwrap();
    assert_eq!(w.number.friendly_name.as_deref(), Some("Front desk"));
    assert_eq!(
        actions::agent_name(&*inv, &w.number)
            .await
            .unwrap()
            .as_deref(),
        Some("Ava")
    );

    // Bulk: one id that is not an id, one that does not exist; the rest change.
    let mut bulk_ids = ids[1..].to_vec();
    bulk_ids.push("not-an-id".into());
    bulk_ids.push(uuid::Uuid::now_v7().to_string());
    let inactive = NumberUpdate {
        status: Some(Status::Inactive),
        ..NumberUpdate::default()
    };
    let reported = AtomicU64::new(0);
    let report = actions::bulk_update(&*inv, org.id, bulk_ids, &inactive, &Cancel::new(), |p| {
        reported.store(p.done, Ordering::SeqCst)
    })
    .await;
    assert_eq!((report.updated, report.queued), (29, 0));
    assert_eq!(report.failed.len(), 2, "{:?}", report.failed);
    assert_eq!(report.failed[0].id, "not-an-id");
    assert_eq!(report.failed[0].error.code(), ErrorCode::InvalidInput);
    assert_eq!(report.failed[1].error.code(), ErrorCode::NotFound);
    assert_eq!(
        reported.load(Ordering::SeqCst),
        31,
        "the last progress is the total"
    );
    let mut filter = switchboard_core::query::NumberFilter::org(org.id);
    filter.status = Some(Status::Inactive);
    assert_eq!(inv.count_numbers(&filter).await.unwrap(), 29);

    // A raised cancel flag stops before the next number.
    let cancel = Cancel::new();
    cancel.cancel();
    let stopped =
        actions::bulk_update(&*inv, org.id, ids.clone(), &inactive, &cancel, |_| {}).await;
    assert!(stopped.cancelled);
    assert_eq!(stopped.updated, 0);

    let removed = actions::remove_number(&*inv, &first, Some(org.id))
        .await
        .unwrap();
    assert_eq!(removed.number.friendly_name.as_deref(), Some("Front desk"));
    let gone = inv.number(&first, Some(org.id)).await.expect_err("removed");
    assert_eq!(gone.code(), ErrorCode::NotFound);
    assert_eq!(
        inv.count_numbers(&switchboard_core::query::NumberFilter::org(org.id))
            .await
            .unwrap(),
        29
    );
}

#[tokio::test]
async fn export_streams_every_number_as_cores_export_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    // More than one batch of the stream from the blocking pool (1,024 numbers).
    let csv: String = std::iter::once("phone_number,provider,friendly_name\n".to_owned())
        .chain((0..2500).map(|i| format!("+1415{:07},twilio,=cmd {i}\n", 2_000_000 + i)))
        .collect();
    let report = actions::import_csv(&*inv, org.id, csv.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(report.inserted, 2500);

    for format in [Format::Csv, Format::Json] {
        let mut ours = Vec::new();
        let n = actions::export(&*inv, org.id, format, &mut ours)
            .await
            .unwrap();
        assert_eq!(n, 2500);
        let path = inv.file().unwrap().path().to_owned();
        let mut cores = Vec::new();
        let ws = Workspace::open(&path).unwrap();
        transfer::export(&ws, org.id, format, &mut cores).unwrap();
        assert!(
            ours == cores,
            "the export is core's, byte for byte ({format:?})"
        );
    }
}

/// What the numbers table shows, exported: the query's filter and order over every page (2,500
/// matching numbers of 3,000: three pages), the same columns as the organization's export; a
/// failed export leaves the file already at the path as it was.
#[tokio::test]
async fn an_export_of_a_query_writes_every_matching_number_in_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let csv: String = std::iter::once("phone_number,provider,status\n".to_owned())
        .chain((0..3000).map(|i| {
            let status = if i % 6 == 5 { "inactive" } else { "active" };
            format!("+1415{:07},twilio,{status}\n", 2_000_000 + i)
        }))
        .collect();
    actions::import_csv(&*inv, org.id, csv.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    let filter = NumberFilter {
        status: Some(Status::Active),
        ..NumberFilter::org(org.id)
    };
    let query = NumberQuery::first(filter, "-number".parse().unwrap(), 50).unwrap();
    let expected: Vec<String> = (0..3000)
        .rev()
        .filter(|i| i % 6 != 5)
        .map(|i| format!("+1415{:07}", 2_000_000 + i))
        .collect();

    let path = dir.path().join("shown.csv");
    let n = actions::export_matching_to(&*inv, &query, None, Format::Csv, &path)
        .await
        .unwrap();
    assert_eq!(n, 2500);
    let written = std::fs::read_to_string(&path).unwrap();
    let mut lines = written.lines();
    let header = lines.next().unwrap();
    let mut whole = Vec::new();
    actions::export(&*inv, org.id, Format::Csv, &mut whole)
        .await
        .unwrap();
    assert_eq!(
        Some(header),
        String::from_utf8(whole).unwrap().lines().next()
    );
    let at = header.split(',').position(|c| c == "phone_number").unwrap();
    let numbers: Vec<&str> = lines.map(|l| l.split(',').nth(at).unwrap()).collect();
    assert!(numbers == expected, "CSV: {:?}…", &numbers[..3]);

    let json = dir.path().join("shown.json");
    actions::export_matching_to(&*inv, &query, None, Format::Json, &json)
        .await
        .unwrap();
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let numbers: Vec<&str> = rows
        .iter()
        .map(|r| r["phone_number"].as_str().unwrap())
        .collect();
    assert!(numbers == expected, "JSON: {:?}…", &numbers[..3]);

    // The partial file cannot be made (a directory holds its name): the export fails and the
    // earlier export at the path is kept whole.
    std::fs::create_dir(dir.path().join(".shown.csv.partial")).unwrap();
    actions::export_matching_to(&*inv, &query, None, Format::Csv, &path)
        .await
        .expect_err("the partial file cannot be written");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
}

/// A writer that fails after `left` bytes.
struct FailingWriter {
    left: usize,
}

impl std::io::Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.left < buf.len() {
            return Err(std::io::Error::other("disk full"));
        }
        self.left -= buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_export_whose_writer_fails_stops_with_the_writers_error() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let csv: String = std::iter::once("phone_number,provider\n".to_owned())
        .chain((0..5000).map(|i| format!("+1415{:07},twilio\n", 2_000_000 + i)))
        .collect();
    actions::import_csv(&*inv, org.id, csv.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    let e = actions::export(&*inv, org.id, Format::Csv, FailingWriter { left: 10_000 })
        .await
        .expect_err("the disk filled up");
    assert!(e.to_string().contains("disk full"), "{e}");
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_names_each_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    actions::add_number(&*inv, org.id, new_number("+14155550100"))
        .await
        .unwrap();
    let file = dir.path().join("import.csv");
    std::fs::write(
        &file,
        "phone_number,provider\n+14155550101,twilio\n+14155550100,twilio\n12,twilio\n",
    )
    .unwrap();
    let e = actions::import_file(&*inv, org.id, &file, &ImportOptions::default())
        .await
        .expect_err("two bad rows");
    let Error::BadRows(rows) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4]);
    assert!(rows[0].message.contains("already exists"), "{rows:?}");
    let all = switchboard_core::query::NumberFilter::org(org.id);
    assert_eq!(inv.count_numbers(&all).await.unwrap(), 1, "nothing written");
    // Without the bad rows the file goes in.
    std::fs::write(&file, "phone_number,provider\n+14155550101,twilio\n").unwrap();
    let report = actions::import_file(&*inv, org.id, &file, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(inv.count_numbers(&all).await.unwrap(), 2);
}

#[tokio::test]
async fn a_change_of_every_matching_number_goes_chunk_by_chunk_and_stops_between_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    // More than two chunks.
    let total = 2 * actions::CHUNK as u64 + 500;
    add_many(&*inv, org.id, total).await;
    let mut active = switchboard_core::query::NumberFilter::org(org.id);
    active.status = Some(Status::Active);
    let mut inactive = active.clone();
    inactive.status = Some(Status::Inactive);
    let change = NumberUpdate {
        status: Some(Status::Inactive),
        ..NumberUpdate::default()
    };
    let chunk = actions::CHUNK as u64;

    // Cancelled once the first chunk is done: that chunk stays done, nothing else changes.
    let cancel = Cancel::new();
    let mut progress = Vec::new();
    let report = actions::update_matching(&*inv, &active, &change, &cancel, |p| {
        progress.push((p.done, p.total));
        if p.done == chunk {
            cancel.cancel();
        }
    })
    .await
    .unwrap();
    assert!(report.cancelled);
    assert_eq!((report.updated, report.failed.len()), (chunk, 0));
    assert_eq!(progress, [(0, total), (chunk, total)]);
    assert_eq!(inv.count_numbers(&inactive).await.unwrap(), chunk);

    // Again: the numbers still active, to the end.
    let mut progress = Vec::new();
    let report = actions::update_matching(&*inv, &active, &change, &Cancel::new(), |p| {
        progress.push((p.done, p.total))
    })
    .await
    .unwrap();
    let rest = total - chunk;
    assert!(!report.cancelled);
    assert_eq!((report.updated, report.failed.len()), (rest, 0));
    assert_eq!(progress, [(0, rest), (chunk, rest), (rest, rest)]);
    assert_eq!(inv.count_numbers(&inactive).await.unwrap(), total);
    assert_eq!(inv.count_numbers(&active).await.unwrap(), 0);
    let checked = inv.file().unwrap().run(|ws| ws.integrity_check()).await;
    assert_eq!(
        checked.unwrap(),
        Vec::<String>::new(),
        "counts and index agree"
    );

    // Nothing to change is refused.
    let nothing = actions::update_matching(
        &*inv,
        &inactive,
        &NumberUpdate::default(),
        &Cancel::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(nothing.code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_change_of_checked_rows_goes_chunk_by_chunk_and_reports_each_refusal_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let inv = opened(&dir).await;
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let other = inv.add_organization("other", "Other").await.unwrap();
    let theirs = inv.add_agent(other.id, "Theirs").await.unwrap();
    let total = actions::CHUNK as u64 + 300;
    add_many(&*inv, org.id, total).await;
    let all = NumberFilter::org(org.id);
    let mut ids: Vec<String> = inv
        .select_numbers(&all)
        .await
        .unwrap()
        .ids
        .iter()
        .map(ToString::to_string)
        .collect();
    // Refusals in both chunks, in the order given: an id that is not one, one of no number,
    // and (second chunk) a number given again, which is changed again as before.
    let missing = uuid::Uuid::now_v7().to_string();
    ids.insert(10, "not-an-id".into());
    ids.insert(20, missing.clone());
    ids.push(ids[0].clone());
    ids.push("neither".into());
    let given = ids.len() as u64;
    let inactive = NumberUpdate {
        status: Some(Status::Inactive),
        ..NumberUpdate::default()
    };
    let mut progress = Vec::new();
    let report = actions::bulk_update(&*inv, org.id, ids.clone(), &inactive, &Cancel::new(), |p| {
        progress.push((p.done, p.total))
    })
    .await;
    let chunk = actions::CHUNK as u64;
    assert_eq!(progress, [(chunk, given), (given, given)]);
    assert_eq!(report.updated, total + 1);
    let failed: Vec<(&str, ErrorCode)> = report
        .failed
        .iter()
        .map(|f| (f.id.as_str(), f.error.code()))
        .collect();
    assert_eq!(
        failed,
        [
            ("not-an-id", ErrorCode::InvalidInput),
            (missing.as_str(), ErrorCode::NotFound),
            ("neither", ErrorCode::InvalidInput),
        ]
    );
    let mut inactive_filter = all.clone();
    inactive_filter.status = Some(Status::Inactive);
    assert_eq!(inv.count_numbers(&inactive_filter).await.unwrap(), total);

    // An agent of another organization refuses each number on its own, as a single edit
    // does; nothing changes.
    let wrong_agent = NumberUpdate {
        agent_id: Some(Some(theirs.id)),
        ..NumberUpdate::default()
    };
    let single = actions::update_number(
        &*inv,
        &NumberRef::parse(&ids[0]).unwrap(),
        Some(org.id),
        &wrong_agent,
    )
    .await
    .unwrap_err();
    let few = ids[..5].to_vec();
    let report = actions::bulk_update(
        &*inv,
        org.id,
        few.clone(),
        &wrong_agent,
        &Cancel::new(),
        |_| {},
    )
    .await;
    assert_eq!(report.updated, 0);
    assert_eq!(
        report
            .failed
            .iter()
            .map(|f| (f.id.clone(), f.error.to_string()))
            .collect::<Vec<_>>(),
        few.iter()
            .map(|id| (id.clone(), single.to_string()))
            .collect::<Vec<_>>()
    );

    // Cancelled after the first chunk: that chunk stays done, the rest is not touched.
    let active = NumberUpdate {
        status: Some(Status::Active),
        ..NumberUpdate::default()
    };
    let cancel = Cancel::new();
    let report =
        actions::bulk_update(&*inv, org.id, ids, &active, &cancel, |_| cancel.cancel()).await;
    assert!(report.cancelled);
    assert_eq!(report.updated, chunk - 2);
    assert_eq!(
        inv.count_numbers(&inactive_filter).await.unwrap(),
        total - (chunk - 2)
    );
    let checked = inv.file().unwrap().run(|ws| ws.integrity_check()).await;
    assert_eq!(checked.unwrap(), Vec::<String>::new());
}
