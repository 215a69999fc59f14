//! Numbers as people paste them (issue #17), through the built CLI: `numbers add` and
//! `numbers import` take a `tel:` URI and fullwidth digits as the E.164 number they name, and
//! refuse a number with an extension saying so (exit code 2, nothing written; an import names
//! the line).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

/// The CLI on the workspace `ws`, as a script runs it.
fn run(ws: &Path, args: &[&str]) -> Output {
    let mut command = common::command(&["--workspace", ws.to_str().unwrap()]);
    command.args(args).env_remove("SWITCHBOARD_WORKSPACE");
    common::run(command, "")
}

fn ok(ws: &Path, args: &[&str]) -> String {
    common::succeeded(&run(ws, args), args)
}

/// Runs a command that must fail with exit code 2 (bad input), returning its stderr.
fn refused(ws: &Path, args: &[&str]) -> String {
    let out = run(ws, args);
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    stderr
}

/// `numbers add` of `number` to acme, with JSON output.
fn add(number: &str) -> Vec<&str> {
    let mut args: Vec<&str> = "--json numbers add --org acme --provider twilio --number"
        .split(' ')
        .collect();
    args.push(number);
    args
}

fn listed(ws: &Path) -> Vec<String> {
    let out = ok(ws, &["numbers", "list", "--org", "acme", "--json"]);
    let page: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let mut numbers: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["phone_number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    numbers
}

#[test]
fn numbers_add_takes_pasted_forms_and_refuses_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);

    let n: serde_json::Value = serde_json::from_str(&ok(ws, &add("tel:+1-415-555-0100"))).unwrap();
    assert_eq!(n["phone_number"], "+14155550100");
    // Fullwidth, as some Asian keyboards type it: ＋４４ ２０ ７９４６ ０９５８.
    let wide = "\u{FF0B}\u{FF14}\u{FF14}\u{3000}\u{FF12}\u{FF10}\u{3000}\u{FF17}\u{FF19}\u{FF14}\
                \u{FF16}\u{3000}\u{FF10}\u{FF19}\u{FF15}\u{FF18}";
    let n: serde_json::Value = serde_json::from_str(&ok(ws, &add(wide))).unwrap();
    assert_eq!(n["phone_number"], "+442079460958");

    for (pasted, ext) in [
        ("+1 415 555 0101 ext. 12", "12"),
        ("+1 415 555 0101 x12", "12"),
        ("tel:+1-415-555-0101;ext=12", "12"),
    ] {
        assert_eq!(
            refused(ws, &add(pasted)),
            format!(
                "error: {pasted:?} has an extension ({ext}); a provider number cannot have one \
                 \u{2014} remove the extension (the number alone is +14155550101)\n"
            )
        );
    }
    assert_eq!(listed(ws), ["+14155550100", "+442079460958"]);
}

#[test]
fn numbers_import_takes_pasted_forms_and_names_the_line_of_an_extension() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws.db");
    ok(ws, &["orgs", "add", "--slug", "acme", "--name", "Acme"]);
    let file = dir.path().join("pasted.csv");
    std::fs::write(
        &file,
        "phone_number,provider\n\
         tel:+14155550100,twilio\n\
         \u{FF0B}\u{FF11}\u{FF14}\u{FF11}\u{FF15}\u{FF15}\u{FF15}\u{FF15}\u{FF10}\u{FF11}\u{FF10}\u{FF11},twilio\n\
         \"+1 415 555 0102 x7\",twilio\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let err = refused(ws, &["numbers", "import", "--org", "acme", path]);
    assert!(
        err.contains(
            "line 4: \"+1 415 555 0102 x7\" has an extension (7); a provider number cannot have \
             one \u{2014} remove the extension (the number alone is +14155550102)"
        ),
        "{err}"
    );
    assert_eq!(listed(ws), Vec::<String>::new(), "all or nothing");

    let fixed = std::fs::read_to_string(&file).unwrap().replace(" x7", "");
    std::fs::write(&file, fixed).unwrap();
    ok(ws, &["numbers", "import", "--org", "acme", path]);
    assert_eq!(listed(ws), ["+14155550100", "+14155550101", "+14155550102"]);
}
