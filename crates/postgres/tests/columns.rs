//! Every column of `phone_numbers` in the team database is one core knows, and survives each
//! path of this crate: the administrators' `COPY`, a manager's import, reads and listings.
//!
//! Why: the SQL here names its columns by hand. A column added by a migration but not to core
//! ([`PHONE_NUMBER_COLUMNS`]), or to core but left out of one statement, compiles and passed
//! every other test; these write [`PhoneNumber::with_every_column`] (every column set, none to
//! its default) and read it back.

mod common;

use common::World;
use switchboard_core::domain::{NumberUpdate, PHONE_NUMBER_COLUMNS, PhoneNumber};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::store::NumberRef;
use switchboard_core::transfer::{Exporter, Format, ImportOptions};
use uuid::Uuid;

/// `n` as alice reads it back.
async fn read(w: &World, n: &PhoneNumber) -> PhoneNumber {
    w.alice
        .number(&NumberRef::Id(n.id), None)
        .await
        .expect("the number reads back")
}

#[tokio::test]
async fn the_migrated_table_has_the_columns_core_knows_and_each_survives_every_path() {
    let w = World::new().await;
    let mut columns: Vec<String> = common::scalar(
        &w.cluster,
        &w.admin,
        "SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = 'phone_numbers'",
    )
    .lines()
    .map(str::to_owned)
    .collect();
    columns.sort();
    let mut known: Vec<&str> = PHONE_NUMBER_COLUMNS.to_vec();
    known.sort_unstable();
    assert_eq!(
        columns, known,
        "migrations/ and core's PHONE_NUMBER_COLUMNS differ (docs/ARCHITECTURE.md, \"How to add \
         a column\")"
    );

    // An administrator's COPY, read back by a manager one by one and in a listing.
    let copied = PhoneNumber::with_every_column(w.acme, w.acme_agent);
    assert_eq!(copied.empty_columns(), Vec::<&str>::new());
    let admin = common::settings(&w.admin).admin_pool().await.unwrap();
    switchboard_postgres::bulk::copy_numbers(&admin, std::slice::from_ref(&copied))
        .await
        .unwrap();
    assert_eq!(read(&w, &copied).await, copied);
    let mut filter = NumberFilter::org(w.acme);
    filter.search = switchboard_core::query::SearchText::new("Every column");
    let page = w
        .alice
        .list_numbers(&NumberQuery::first(filter, Sort::default(), 10).unwrap())
        .await
        .unwrap();
    assert_eq!(page.items, std::slice::from_ref(&copied));

    // A manager's update of every field.
    let other = common::uuid(
        &w.cluster,
        &w.admin,
        &format!(
            "INSERT INTO agents (organization_id, name) VALUES ('{}', 'Bo') RETURNING id",
            w.acme
        ),
    );
    let change = NumberUpdate::of_every_field(other);
    let updated = w
        .alice
        .update_number(&NumberRef::Id(copied.id), None, &change)
        .await
        .unwrap();
    let mut expected = change.apply_to(&copied).unwrap();
    expected.updated_at = updated.updated_at;
    assert_eq!(updated, expected);
    assert_eq!(read(&w, &copied).await, updated);

    // A manager's import of an exported file.
    let mut imported = copied.clone();
    imported.id = Uuid::now_v7();
    imported.phone_number = "+14155550143".parse().unwrap();
    let mut csv = Vec::new();
    let mut exporter = Exporter::new(Format::Csv, &mut csv).unwrap();
    exporter.write(&imported).unwrap();
    exporter.finish().unwrap();
    w.alice
        .import_csv(w.acme, csv.as_slice(), &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(read(&w, &imported).await, imported);
}
