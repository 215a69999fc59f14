//! Numbers as people paste them (issue #17), through the add dialog's two commands on the mock
//! runtime: `check_number` (its inline check) and `add_number` take a `tel:` URI and fullwidth
//! digits as the E.164 number they name, and refuse a number with an extension saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use switchboard_app::commands;
use switchboard_app::dto::{self, NewNumber, NumberQuery, SortField};
use switchboard_app::error::ErrorCode;
use tauri::Manager;

const EXTENSION: &str = "\"+1 415 555 0101 x12\" has an extension (12); a provider number \
                         cannot have one \u{2014} remove the extension (the number alone is \
                         +14155550101)";

/// ＋１ ４１５ ５５５ ０１０２, as some Asian keyboards type it.
const FULLWIDTH: &str = "\u{FF0B}\u{FF11}\u{3000}\u{FF14}\u{FF11}\u{FF15}\u{3000}\u{FF15}\u{FF15}\
                         \u{FF15}\u{3000}\u{FF10}\u{FF11}\u{FF10}\u{FF12}";

#[test]
fn the_add_dialog_takes_pasted_numbers_and_refuses_extensions() {
    tauri::async_runtime::block_on(add_dialog());
}

async fn add_dialog() {
    // The inline check, with the dialog's default region.
    for (pasted, e164) in [
        ("tel:+1-415-555-0100", "+14155550100"),
        (FULLWIDTH, "+14155550102"),
    ] {
        let check = commands::check_number(pasted.into(), Some("US".into()))
            .await
            .unwrap_or_else(|e| panic!("{pasted:?}: {}", e.message));
        assert_eq!(check.e164, e164);
    }
    let e = commands::check_number("+1 415 555 0101 x12".into(), Some("US".into()))
        .await
        .expect_err("an extension is refused");
    assert_eq!(e.code, ErrorCode::InvalidNumber);
    assert_eq!(e.message, EXTENSION);

    // Adding.
    let dir = tempfile::tempdir().unwrap();
    let (app, org) = support::mock_app_with_acme(dir.path()).await;
    let org = org.to_string();
    let new = |number: &str| NewNumber {
        provider: dto::Provider::Twilio,
        number: number.into(),
        region: Some("US".into()),
        friendly_name: None,
        status: None,
        capabilities: None,
        agent_id: None,
    };
    for (pasted, e164) in [
        ("tel:+1-415-555-0100", "+14155550100"),
        (FULLWIDTH, "+14155550102"),
    ] {
        let added = commands::add_number(app.clone(), app.state(), org.clone(), new(pasted))
            .await
            .unwrap_or_else(|e| panic!("{pasted:?}: {}", e.message));
        assert_eq!(added.phone_number, e164);
    }
    let e = commands::add_number(
        app.clone(),
        app.state(),
        org.clone(),
        new("+1 415 555 0101 x12"),
    )
    .await
    .expect_err("an extension is refused");
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::InvalidNumber, EXTENSION)
    );

    let query = NumberQuery {
        filter: support::every_number_of(org),
        sort: SortField::Number,
        descending: false,
        limit: 10,
        after: None,
    };
    let page = commands::list_numbers(app.state(), query).await.unwrap();
    let numbers: Vec<&str> = page.items.iter().map(|n| n.phone_number.as_str()).collect();
    assert_eq!(numbers, ["+14155550100", "+14155550102"]);
}
