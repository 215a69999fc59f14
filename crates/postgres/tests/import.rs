//! `numbers import` into the team database: the local import's parsing and line-numbered
//! report, all rows in one transaction as the manager (row-level security applies), or none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::World;
use switchboard_core::query::NumberFilter;
use switchboard_core::transfer::{self, ImportOptions};
use switchboard_core::{Error, ErrorCode};

fn csv(rows: &[String]) -> String {
    let mut out = String::from("phone_number,provider,friendly_name,status,agent_id\n");
    for r in rows {
        out.push_str(r);
        out.push('\n');
    }
    out
}

/// 2,500 good rows (more than two INSERT batches): +1212555 0000…2499.
fn good_rows() -> Vec<String> {
    (0..2500)
        .map(|i| {
            let agent = if i % 3 == 0 { "Acme Agent" } else { "" };
            format!("+1212555{i:04},twilio,Imported {i},active,{agent}")
        })
        .collect()
}

async fn count(w: &World) -> u64 {
    w.alice
        .count_numbers(&NumberFilter::org(w.acme))
        .await
        .unwrap()
}

fn bad_lines(e: &Error) -> Vec<(u64, String)> {
    let Error::BadRows(rows) = e else {
        panic!("expected bad rows, got {e}")
    };
    rows.iter().map(|r| (r.line, r.message.clone())).collect()
}

#[tokio::test]
async fn a_good_file_imports_every_row_as_the_manager() {
    let w = World::new().await;
    let before = count(&w).await;
    let report = w
        .alice
        .import_csv(
            w.acme,
            csv(&good_rows()).as_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.inserted, 2500);
    assert_eq!(count(&w).await, before + 2500);
    let assigned = common::scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "SELECT count(*) FROM phone_numbers
             WHERE organization_id = '{}' AND agent_id = '{}' AND phone_number LIKE '+1212555%'",
            w.acme, w.acme_agent
        ),
    );
    assert_eq!(assigned, "834");
    // Bob's organization is untouched.
    assert_eq!(
        w.bob
            .count_numbers(&NumberFilter::org(w.globex))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn one_bad_line_or_duplicate_imports_nothing_and_names_the_line() {
    let w = World::new().await;
    let before = count(&w).await;
    let opts = ImportOptions::default();

    // A malformed number on the 1,201st data row (line 1,202).
    let mut rows = good_rows();
    rows[1200] = "+1212,twilio,too short,active,".into();
    let e = w
        .alice
        .import_csv(w.acme, csv(&rows).as_bytes(), &opts)
        .await
        .unwrap_err();
    let lines = bad_lines(&e);
    assert_eq!(lines.len(), 1, "{e}");
    assert_eq!(lines[0].0, 1202, "{e}");
    assert!(e.to_string().contains("nothing was imported"), "{e}");
    assert_eq!(count(&w).await, before);

    // A number the organization already has (World seeds +14155550100 in acme).
    let mut rows = good_rows();
    rows[2400] = "+14155550100,twilio,already there,active,".into();
    let e = w
        .alice
        .import_csv(w.acme, csv(&rows).as_bytes(), &opts)
        .await
        .unwrap_err();
    let lines = bad_lines(&e);
    assert_eq!(lines.len(), 1, "{e}");
    assert_eq!(lines[0].0, 2402, "{e}");
    assert!(lines[0].1.contains("+14155550100 already exists"), "{e}");
    assert_eq!(count(&w).await, before);

    // Twice in the file.
    let mut rows = good_rows();
    rows[10] = "+12125550003,twilio,again,active,".into();
    let e = w
        .alice
        .import_csv(w.acme, csv(&rows).as_bytes(), &opts)
        .await
        .unwrap_err();
    let lines = bad_lines(&e);
    assert_eq!(
        lines,
        [(12, "+12125550003 appears twice (first on line 5)".into())]
    );
    assert_eq!(count(&w).await, before);

    // Another organization's agent, by name or by id.
    let mut rows = good_rows();
    rows[5] = format!("+13125550001,twilio,x,active,{}", w.globex_agent);
    let e = w
        .alice
        .import_csv(w.acme, csv(&rows).as_bytes(), &opts)
        .await
        .unwrap_err();
    let lines = bad_lines(&e);
    assert_eq!(lines.len(), 1, "{e}");
    assert_eq!(lines[0].0, 7, "{e}");
    assert!(lines[0].1.contains("is not in this organization"), "{e}");
    assert_eq!(count(&w).await, before);
}

#[tokio::test]
async fn the_servers_refusals_name_the_line_and_roll_everything_back() {
    let w = World::new().await;
    let before = count(&w).await;
    let opts = ImportOptions::default();
    let target = w.alice.import_target(w.acme).await.unwrap();

    // A number added by someone else after the file was checked: the unique constraint
    // refuses it in the third batch, after two batches went in; all of it is rolled back.
    let rows = transfer::read_csv(&target, csv(&good_rows()).as_bytes(), &opts).unwrap();
    w.bob
        .add_number(w.globex, common::valid("+12125552300"))
        .await
        .unwrap();
    common::scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
             VALUES ('{}', 'twilio', '+12125552300', '{{}}')",
            w.acme
        ),
    );
    let e = w.alice.import_rows(&rows).await.unwrap_err();
    assert_eq!(
        bad_lines(&e),
        [(2302, "+12125552300 already exists in acme".into())]
    );
    assert_eq!(count(&w).await, before + 1, "only the row added by hand");

    // An id used by a number alice cannot see (globex's): the primary key refuses it.
    let file = format!(
        "id,phone_number,provider\n{},+13125550001,twilio\n{},+13125550002,twilio\n",
        uuid::Uuid::now_v7(),
        w.globex_number
    );
    let e = w
        .alice
        .import_csv(w.acme, file.as_bytes(), &opts)
        .await
        .unwrap_err();
    assert_eq!(
        bad_lines(&e),
        [(
            3,
            format!("id {} is already used by another number", w.globex_number)
        )]
    );
    assert_eq!(count(&w).await, before + 1);

    // The same id twice in the file (the parser checks numbers, the primary key ids).
    let id = uuid::Uuid::now_v7();
    let file =
        format!("id,phone_number,provider\n{id},+13125550001,twilio\n{id},+13125550002,twilio\n");
    let e = w
        .alice
        .import_csv(w.acme, file.as_bytes(), &opts)
        .await
        .unwrap_err();
    assert_eq!(
        bad_lines(&e),
        [(3, format!("id {id} is already used by another number"))]
    );
    assert_eq!(count(&w).await, before + 1);

    // A row for another organization: row-level security refuses it, by line.
    let mut rows = transfer::read_csv(&target, csv(&good_rows()[..50]).as_bytes(), &opts).unwrap();
    rows[40].number.organization_id = w.globex;
    let e = w.alice.import_rows(&rows).await.unwrap_err();
    let lines = bad_lines(&e);
    assert_eq!(lines.len(), 1, "{e}");
    assert_eq!(lines[0].0, 42, "{e}");
    assert!(lines[0].1.contains("not allowed in organization"), "{e}");
    assert_eq!(count(&w).await, before + 1);
    assert_eq!(
        common::scalar(
            &w.cluster,
            &w.admin,
            "SELECT count(*) FROM phone_numbers WHERE phone_number LIKE '+1212555%'"
        ),
        "2",
        "the row added by hand and bob's"
    );

    // An organization alice is not a member of is not found, and nothing is written.
    let e = w
        .alice
        .import_csv(w.globex, csv(&good_rows()[..3]).as_bytes(), &opts)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    assert_eq!(
        w.bob
            .count_numbers(&NumberFilter::org(w.globex))
            .await
            .unwrap(),
        2
    );
}
