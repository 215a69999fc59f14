//! The local workspace as a manager uses it: add, find, search, page, edit, remove, import,
//! export — and every refusal leaves the workspace exactly as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use switchboard_core::domain::{
    Capability, Metadata, NewNumber, NumberType, NumberUpdate, Provider, Status,
};
use switchboard_core::query::{AgentFilter, NumberFilter, NumberQuery, Sort, SortField};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::transfer::{self, Format, ImportOptions};
use switchboard_core::{Error, ErrorCode, seed};
use uuid::Uuid;

fn new(number: &str, name: Option<&str>) -> NewNumber {
    NewNumber {
        provider: "twilio".into(),
        number: number.into(),
        friendly_name: name.map(str::to_owned),
        ..Default::default()
    }
}

fn all(ws: &Workspace, f: NumberFilter, sort: Sort) -> Vec<String> {
    let mut out = Vec::new();
    let mut q = NumberQuery::first(f, sort, 7).unwrap();
    loop {
        let page = ws.list_numbers(&q).unwrap();
        out.extend(page.items.iter().map(|n| n.phone_number.to_string()));
        match page.next {
            Some(c) => q.after = Some(c),
            None => return out,
        }
    }
}

#[test]
fn a_managers_day() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let acme = ws.add_organization("acme", "Acme").unwrap();
    let ava = ws.add_agent(acme.id, "Ava").unwrap();
    let support = ws
        .add_number(
            acme.id,
            NewNumber {
                metadata: Some(
                    r#"{"capabilities":{"voice":true,"sms":true},"custom":{"k":1}}"#.into(),
                ),
                agent_id: Some(ava.id),
                ..new("+1 (415) 555-1234", Some("Support Line"))
            }
            .validate()
            .unwrap(),
        )
        .unwrap();
    ws.add_number(
        acme.id,
        new("+442079460958", Some("London Sales"))
            .validate()
            .unwrap(),
    )
    .unwrap();
    ws.add_number(
        acme.id,
        NewNumber {
            region: Some("US".into()),
            ..new("(212) 555-0100", None)
        }
        .validate()
        .unwrap(),
    )
    .unwrap();

    // Search as you type: digits and names, case-insensitive.
    let f = |s: &str| NumberFilter::org(acme.id).search(s);
    assert_eq!(
        all(&ws, f("555"), Sort::default()),
        ["+12125550100", "+14155551234"]
    );
    assert_eq!(all(&ws, f("4155"), Sort::default()), ["+14155551234"]);
    assert_eq!(all(&ws, f("(415) 55"), Sort::default()), ["+14155551234"]);
    assert_eq!(all(&ws, f("sUPp"), Sort::default()), ["+14155551234"]);
    assert_eq!(all(&ws, f("on sa"), Sort::default()), ["+442079460958"]);
    assert_eq!(all(&ws, f("7"), Sort::default()), ["+442079460958"]);
    assert_eq!(ws.count_numbers(&f("555")).unwrap(), 2);
    assert_eq!(ws.count_numbers(&f("2")).unwrap(), 3);
    assert_eq!(ws.count_numbers(&f("zzz")).unwrap(), 0);

    // Edit: name, status, metadata merge keeps unknown keys; agent unassign.
    let updated = ws
        .update_number(
            &NumberRef::parse("+14155551234").unwrap(),
            None,
            &NumberUpdate {
                friendly_name: Some(Some("Front Desk".into())),
                status: Some(Status::Inactive),
                agent_id: Some(None),
                metadata_patch: Some(
                    Metadata::patch_from_json(r#"{"capabilities":{"mms":true}}"#).unwrap(),
                ),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(updated.friendly_name.as_deref(), Some("Front Desk"));
    assert_eq!(updated.agent_id, None);
    assert!(updated.updated_at >= support.updated_at);
    let meta = updated.metadata.clone().unwrap();
    assert_eq!(meta.as_map()["custom"]["k"], 1);
    assert!(meta.capabilities().mms && meta.capabilities().voice);
    assert_eq!(
        ws.number(&NumberRef::Id(support.id), None).unwrap(),
        updated
    );
    assert_eq!(all(&ws, f("supp"), Sort::default()), Vec::<String>::new());
    assert_eq!(all(&ws, f("front"), Sort::default()), ["+14155551234"]);

    // Remove.
    ws.remove_number(&NumberRef::Id(support.id), None).unwrap();
    assert_eq!(ws.count_numbers(&NumberFilter::org(acme.id)).unwrap(), 2);
    assert_eq!(
        ws.number(&NumberRef::Id(support.id), None)
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert!(ws.integrity_check().unwrap().is_empty());
}

#[test]
fn refused_writes_change_nothing() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let acme = ws.add_organization("acme", "Acme").unwrap();
    let globex = ws.add_organization("globex", "Globex").unwrap();
    let gus = ws.add_agent(globex.id, "Gus").unwrap();
    let n = ws
        .add_number(acme.id, new("+14155551234", Some("A")).validate().unwrap())
        .unwrap();

    let dup = ws
        .add_number(acme.id, new("+1 415 555 1234", None).validate().unwrap())
        .unwrap_err();
    assert_eq!(dup.to_string(), "+14155551234 already exists in acme");
    // The same number in another organization is fine.
    ws.add_number(globex.id, new("+14155551234", None).validate().unwrap())
        .unwrap();

    let cross = ws
        .update_number(
            &NumberRef::Id(n.id),
            None,
            &NumberUpdate {
                agent_id: Some(Some(gus.id)),
                friendly_name: Some(Some("B".into())),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(cross.code(), ErrorCode::NotAllowed, "{cross}");
    assert!(
        cross
            .to_string()
            .contains("does not belong to organization acme")
    );
    let too_long = ws
        .update_number(
            &NumberRef::Id(n.id),
            None,
            &NumberUpdate {
                friendly_name: Some(Some("x".repeat(101))),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(too_long.code(), ErrorCode::InvalidInput);
    let bad_meta = ws
        .update_number(
            &NumberRef::Id(n.id),
            None,
            &NumberUpdate {
                status: Some(Status::Error),
                metadata_patch: Some(
                    Metadata::patch_from_json(r#"{"capabilities":"all"}"#).unwrap(),
                ),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(bad_meta.code(), ErrorCode::InvalidInput);
    assert_eq!(
        ws.number(&NumberRef::Id(n.id), None).unwrap(),
        n,
        "nothing changed"
    );

    // Ambiguous E.164 across organizations must be named by organization or id.
    let e = ws
        .number(&NumberRef::parse("+14155551234").unwrap(), None)
        .unwrap_err();
    assert!(e.to_string().contains("several organizations"), "{e}");
    assert_eq!(
        ws.number(&NumberRef::parse("+14155551234").unwrap(), Some(acme.id))
            .unwrap(),
        n
    );
    assert!(ws.integrity_check().unwrap().is_empty());
}

#[test]
fn sorting_paging_and_filters_on_seeded_data() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let report = seed::seed(&mut ws, "acme", 3000, |_, _| {}).unwrap();
    let org = report.organization.id;
    assert_eq!(report.numbers_inserted, 3000);
    assert_eq!(ws.count_numbers(&NumberFilter::org(org)).unwrap(), 3000);

    for field in [
        SortField::Number,
        SortField::FriendlyName,
        SortField::Created,
        SortField::Updated,
    ] {
        for descending in [false, true] {
            let sort = Sort { field, descending };
            let mut f = NumberFilter::org(org);
            f.status = Some(Status::Error);
            let listed = all(&ws, f.clone(), sort);
            assert_eq!(listed.len() as u64, ws.count_numbers(&f).unwrap());
            let unique: HashSet<_> = listed.iter().collect();
            assert_eq!(
                unique.len(),
                listed.len(),
                "no row twice across pages ({sort:?})"
            );
            if field == SortField::Number {
                let mut sorted = listed.clone();
                sorted.sort();
                if descending {
                    sorted.reverse();
                }
                assert_eq!(listed, sorted);
            }
        }
    }
    let mut f = NumberFilter::org(org);
    f.provider = Some(Provider::Plivo);
    f.capabilities = vec![Capability::Voice, Capability::Sms];
    f.country = Some("us".into());
    f.number_type = Some(NumberType::FixedLineOrMobile);
    for n in ws
        .list_numbers(&NumberQuery::first(f.clone(), Sort::default(), 1000).unwrap())
        .unwrap()
        .items
    {
        assert_eq!(n.provider, Provider::Plivo);
        assert!(n.capabilities().voice && n.capabilities().sms);
        assert!(n.phone_number.as_str().starts_with("+1"));
    }
    let agent = ws.agents(org).unwrap()[0].id;
    let mut f = NumberFilter::org(org);
    f.agent = Some(AgentFilter::Assigned(agent));
    let assigned = ws.count_numbers(&f).unwrap();
    f.agent = Some(AgentFilter::Unassigned);
    let unassigned = ws.count_numbers(&f).unwrap();
    assert!(assigned > 0 && unassigned > 0 && assigned + unassigned < 3000);

    let bad = NumberQuery {
        after: Some(switchboard_core::query::Cursor("nonsense".into())),
        ..NumberQuery::first(NumberFilter::org(org), Sort::default(), 10).unwrap()
    };
    assert_eq!(
        ws.list_numbers(&bad).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let unknown = NumberFilter::org(Uuid::new_v4());
    assert_eq!(
        ws.count_numbers(&unknown).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn export_then_import_round_trips_and_bad_files_import_nothing() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let src = seed::seed(&mut ws, "src", 200, |_, _| {})
        .unwrap()
        .organization;
    let mut csv = Vec::new();
    assert_eq!(
        transfer::export(&ws, src.id, Format::Csv, &mut csv).unwrap(),
        200
    );
    let mut json = Vec::new();
    transfer::export(&ws, src.id, Format::Json, &mut json).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 200);
    assert!(parsed[0].get("phone_number").is_some() && parsed[0].get("last_verified_at").is_some());

    // Into a fresh workspace with the same agent names: identical rows but the organization.
    let mut other = Workspace::open_in_memory().unwrap();
    let dst = other.add_organization("dst", "Dst").unwrap();
    for a in ws.agents(src.id).unwrap() {
        other
            .insert_agent(&switchboard_core::domain::Agent {
                organization_id: dst.id,
                ..a
            })
            .unwrap();
    }
    let report = transfer::import_csv(
        &mut other,
        dst.id,
        csv.as_slice(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.inserted, 200);
    let mut a = Vec::new();
    ws.for_each_number(src.id, |n| {
        a.push(n.clone());
        Ok(())
    })
    .unwrap();
    let mut b = Vec::new();
    other
        .for_each_number(dst.id, |n| {
            b.push(n.clone());
            Ok(())
        })
        .unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (x.id, &x.phone_number, &x.metadata, x.created_at),
            (y.id, &y.phone_number, &y.metadata, y.created_at)
        );
    }
    // Importing again: every row is a duplicate; nothing changes.
    let e = transfer::import_csv(
        &mut other,
        dst.id,
        csv.as_slice(),
        &ImportOptions::default(),
    )
    .unwrap_err();
    let Error::BadRows(rows) = &e else {
        panic!("{e}")
    };
    assert_eq!(rows.len(), 200);
    assert_eq!(rows[0].line, 2);

    let bad = "phone_number,provider,friendly_name,status\n\
               +14155550101,twilio,ok,active\n\
               +1234,twilio,short,active\n\
               +14155550102,acme,bad provider,active\n\
               +14155550101,twilio,dup in file,active\n\
               +14155550103,twilio,,paused\n\
               (415) 555-0104,twilio,national,active\n";
    let e = transfer::import_csv(
        &mut other,
        dst.id,
        bad.as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap_err();
    let Error::BadRows(rows) = &e else {
        panic!("{e}")
    };
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7], "{e}");
    assert!(rows[0].message.contains("too short"));
    assert!(rows[2].message.contains("first on line 2"));
    assert_eq!(
        other.count_numbers(&NumberFilter::org(dst.id)).unwrap(),
        200,
        "nothing imported"
    );
    // With a default region the national number is fine.
    let good = "phone_number,provider\n(415) 555-0104,twilio\n";
    let opts = ImportOptions {
        default_region: Some("US".into()),
        ..ImportOptions::default()
    };
    assert_eq!(
        transfer::import_csv(&mut other, dst.id, good.as_bytes(), &opts)
            .unwrap()
            .inserted,
        1
    );
    let missing = "number,provider\n+14155550105,twilio\n";
    let e = transfer::import_csv(&mut other, dst.id, missing.as_bytes(), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown column \"number\"") && e.contains("missing column \"phone_number\""),
        "{e}"
    );
    assert!(other.integrity_check().unwrap().is_empty());
}

#[test]
fn numbers_due_for_reverification_belong_to_an_account_and_are_oldest_first() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let org = ws.add_organization("acme", "Acme").unwrap();
    let add = |ws: &mut Workspace, number: &str, account: Option<&str>| {
        let mut n = new(number, None);
        n.account_id = account.map(str::to_owned);
        ws.add_number(org.id, n.validate().unwrap()).unwrap()
    };
    let no_account = add(&mut ws, "+14155550100", None);
    let never = add(
        &mut ws,
        "+14155550101",
        Some("AC00000000000000000000000000000001"),
    );
    let old = add(
        &mut ws,
        "+14155550102",
        Some("AC00000000000000000000000000000001"),
    );
    let fresh = add(
        &mut ws,
        "+14155550103",
        Some("AC00000000000000000000000000000001"),
    );
    let now = time::OffsetDateTime::now_utc();
    for (n, when) in [
        (&old, now - time::Duration::days(3)),
        (&fresh, now - time::Duration::minutes(5)),
        (&no_account, now - time::Duration::days(30)),
    ] {
        ws.update_number(
            &NumberRef::Id(n.id),
            None,
            &switchboard_core::domain::NumberUpdate {
                last_verified_at: Some(when),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let due: Vec<_> = ws
        .verification_due(org.id, now - time::Duration::days(1), 10)
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(due, vec![never.id, old.id]);
    let one = ws
        .verification_due(org.id, now - time::Duration::days(1), 1)
        .unwrap();
    assert_eq!(one.len(), 1);
    assert!(
        ws.verification_due(org.id, now - time::Duration::days(10), 10)
            .unwrap()
            .iter()
            .all(|n| n.id == never.id)
    );
}

/// A batch large enough to build the indexes at its end still refuses two rows with the same
/// id, with an error that says so, and leaves the workspace as it was.
#[test]
fn a_deferred_batch_with_a_duplicate_id_inserts_nothing() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let org = ws.add_organization("acme", "Acme").unwrap();
    let mut rows = seed::generate(&org, &[], 25_000, HashSet::new()).unwrap();
    let twin = rows[0].0.id;
    rows[24_999].0.id = twin;
    let mut bulk = ws.bulk_insert(org.id, rows.len() as u64).unwrap();
    for (n, facts) in &rows {
        bulk.insert_with_facts(n, facts).unwrap();
    }
    let e = bulk.finish().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Duplicate, "{e}");
    assert!(e.to_string().contains(&twin.to_string()), "{e}");
    assert_eq!(ws.count_numbers(&NumberFilter::org(org.id)).unwrap(), 0);
    assert!(ws.integrity_check().unwrap().is_empty());
    // The indexes dropped for the batch are back.
    let n = ws
        .add_number(org.id, new("+14155551234", None).validate().unwrap())
        .unwrap();
    assert_eq!(ws.number(&NumberRef::Id(n.id), None).unwrap(), n);
}

/// A read run under `until` ends mid-scan when its caller says stop (the numbers table's count
/// of a one-letter name search walks every number of the organization), with nothing, and
/// the connection counts as before afterwards: the stop belongs to that one call.
#[test]
fn a_count_stops_mid_scan_when_its_caller_says_so() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use switchboard_core::query::SearchText;

    let mut ws = Workspace::open_in_memory().unwrap();
    let org = seed::seed(&mut ws, "acme", 20_000, |_, _| {})
        .unwrap()
        .organization
        .id;
    let f = NumberFilter {
        search: SearchText::new("s"),
        ..NumberFilter::org(org)
    };
    let all = ws.count_numbers(&f).unwrap();
    assert!(all > 1000, "the seed's names hold an s: {all}");

    // Told to stop on SQLite's fourth ask, i.e. in the middle of the walk.
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let g = f.clone();
    let stopped = ws
        .until(
            move || counter.fetch_add(1, Ordering::SeqCst) >= 3,
            |ws| ws.count_numbers(&g),
        )
        .unwrap();
    assert_eq!(stopped, None);
    assert_eq!(
        asked.load(Ordering::SeqCst),
        4,
        "asked during the walk, and not after the stop"
    );

    // Never told: the whole count; told before it begins: nothing is read.
    let g = f.clone();
    assert_eq!(
        ws.until(|| false, |ws| ws.count_numbers(&g)).unwrap(),
        Some(all)
    );
    assert_eq!(
        ws.until(
            || true,
            |_| -> switchboard_core::Result<u64> { panic!("ran") }
        )
        .unwrap(),
        None
    );
    // The stop is gone with its call.
    assert_eq!(ws.count_numbers(&f).unwrap(), all);
}
