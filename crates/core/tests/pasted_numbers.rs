//! Numbers as people paste them (issue #17): for every valid number of every region (the
//! examples libphonenumber's metadata gives), the RFC 3966 `tel:` URI, the fullwidth form
//! (`＋１ ４１５…`), other scripts' digits and the number with spaces, dashes or dots all parse to
//! the same E.164 as the number; the number with any extension is refused, saying so; and no
//! text makes the parser panic. A CSV import refuses a row with an extension by its line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::select;
use switchboard_core::domain::E164;
use switchboard_core::store::Workspace;
use switchboard_core::transfer::{self, ImportOptions};
use switchboard_core::{Error, ErrorCode};

/// Every example number of libphonenumber's metadata (fixed line, mobile, toll free, VoIP of
/// every region) that is a valid number, in E.164.
fn examples() -> &'static [String] {
    static EXAMPLES: OnceLock<Vec<String>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let mut out: Vec<String> = E164::metadata_examples()
            .into_iter()
            .map(String::from)
            .collect();
        out.sort();
        out.dedup();
        assert!(out.len() > 500, "examples of every region: {}", out.len());
        out
    })
}

fn valid_number() -> impl Strategy<Value = String> {
    select(examples())
}

/// The zero of each script whose digits libphonenumber reads (ASCII, fullwidth, Arabic-Indic,
/// Persian, Devanagari, Bengali, Thai, Mathematical bold…).
fn zero() -> impl Strategy<Value = char> {
    select(vec![
        '0',
        '\u{FF10}',
        '\u{660}',
        '\u{6F0}',
        '\u{966}',
        '\u{9E6}',
        '\u{E50}',
        '\u{1D7CE}',
    ])
}

/// `number` (`+` and ASCII digits) written with `zero`'s digits, its `+` fullwidth or not, and
/// a separator from `seps` after each digit where `at` says so.
fn written(number: &str, zero: char, wide_plus: bool, seps: &[(bool, char)]) -> String {
    let mut out = String::new();
    for (i, c) in number.chars().enumerate() {
        match c.to_digit(10) {
            Some(d) => out.push(char::from_u32(zero as u32 + d).unwrap()),
            None if wide_plus => out.push('\u{FF0B}'),
            None => out.push(c),
        }
        if let Some(&(true, sep)) = seps.get(i)
            && i > 1
            && i + 1 < number.len()
        {
            out.push(sep);
        }
    }
    out
}

fn separators() -> impl Strategy<Value = Vec<(bool, char)>> {
    proptest::collection::vec(
        (
            proptest::bool::weighted(0.3),
            select(vec![' ', '-', '.', '\u{3000}', '\u{FF0D}', '\u{2010}']),
        ),
        16,
    )
}

/// An extension as people write it after a number, and its digits.
fn extension() -> impl Strategy<Value = (String, String)> {
    let forms = select(vec![
        " ext. ",
        " ext ",
        " x",
        " x ",
        " X",
        " #",
        ";ext=",
        " extension ",
        ", ext. ",
    ]);
    (forms, "[1-9][0-9]{0,5}").prop_map(|(form, digits)| (format!("{form}{digits}"), digits))
}

fn refused_for_its_extension(
    pasted: &str,
    digits: &str,
    number: &str,
) -> Result<(), TestCaseError> {
    let e = E164::parse(pasted, None).expect_err("a number with an extension is refused");
    prop_assert_eq!(e.code(), ErrorCode::InvalidNumber);
    prop_assert_eq!(
        e.to_string(),
        format!(
            "{pasted:?} has an extension ({digits}); a provider number cannot have one \u{2014} \
             remove the extension (the number alone is {number})"
        )
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn pasted_forms_parse_to_the_same_number(
        number in valid_number(),
        zero in zero(),
        wide_plus in any::<bool>(),
        seps in separators(),
    ) {
        let n = E164::parse(&number, None).expect("an example number");
        prop_assert_eq!(n.as_str(), number.as_str());
        for pasted in [
            format!("tel:{number}"),
            format!("TEL:{}", written(&number, '0', false, &seps.iter().map(|&(at, _)| (at, '-')).collect::<Vec<_>>())),
            format!("tel:{number};isub=77"),
            written(&number, zero, wide_plus, &seps),
            written(&number, '0', false, &seps),
            format!(" {} ", written(&number, zero, wide_plus, &[])),
        ] {
            let again = E164::parse(&pasted, None);
            prop_assert_eq!(again.as_ref().ok(), Some(&n), "{:?}: {:?}", pasted, again);
            // A default region does not change a number written with its country code.
            prop_assert_eq!(E164::parse(&pasted, Some("US")).ok(), Some(n.clone()), "{:?} with US", pasted);
        }
    }

    #[test]
    fn a_number_with_an_extension_is_refused_saying_so(
        number in valid_number(),
        (ext, digits) in extension(),
        zero in zero(),
    ) {
        let plain = format!("{number}{ext}");
        refused_for_its_extension(&plain, &digits, &number)?;
        let wide = written(&number, zero, false, &[]);
        refused_for_its_extension(&format!("{wide}{ext}"), &digits, &number)?;
        refused_for_its_extension(&format!("tel:{number};ext={digits}"), &digits, &number)?;
    }

    #[test]
    fn unicode_junk_never_panics(
        input in "\\PC{0,70}",
        region in proptest::option::of(select(vec!["US", "GB", "JP", "IN", "EG"])),
    ) {
        let _ = E164::parse(&input, region);
        let _ = E164::parse(&format!("tel:{input}"), region);
        let _ = E164::parse(&format!("+{input}"), region);
    }

    #[test]
    fn uri_like_junk_never_panics(
        input in "(tel:|TEL:)?[+\u{FF0B}]?[0-9\u{FF10}-\u{FF19}\u{660}-\u{669} ().\\-]{0,20}(;[a-z\\-]{0,12}(=[+0-9a-z.\\-]{0,12})?){0,3}",
    ) {
        if let Ok(n) = E164::parse(&input, Some("US")) {
            prop_assert_eq!(E164::parse(n.as_str(), None).expect("stable"), n);
        }
    }
}

#[test]
fn a_csv_import_names_the_line_of_a_number_with_an_extension() {
    let mut ws = Workspace::open_in_memory().unwrap();
    let org = ws.add_organization("acme", "Acme").unwrap();
    let csv = "phone_number,provider\n\
               tel:+14155550100,twilio\n\
               \"+1 415 555 0101 x12\",twilio\n\
               \u{FF0B}\u{FF14}\u{FF14}\u{FF12}\u{FF10}\u{FF17}\u{FF19}\u{FF14}\u{FF16}\u{FF10}\u{FF19}\u{FF15}\u{FF18},twilio\n\
               tel:+14155550102;ext=7,twilio\n";
    let e = transfer::import_csv(&mut ws, org.id, csv.as_bytes(), &ImportOptions::default())
        .expect_err("refused");
    let Error::BadRows(rows) = e else {
        panic!("bad rows, got {e}")
    };
    let rows: Vec<(u64, String)> = rows.into_iter().map(|r| (r.line, r.message)).collect();
    assert_eq!(
        rows,
        [
            (
                3,
                "\"+1 415 555 0101 x12\" has an extension (12); a provider number cannot have \
                 one \u{2014} remove the extension (the number alone is +14155550101)"
                    .to_owned()
            ),
            (
                5,
                "\"tel:+14155550102;ext=7\" has an extension (7); a provider number cannot have \
                 one \u{2014} remove the extension (the number alone is +14155550102)"
                    .to_owned()
            ),
        ]
    );

    // Without those rows, the pasted forms are imported as their E.164 numbers.
    let csv: String = csv
        .lines()
        .filter(|l| !l.contains("x12") && !l.contains("ext="))
        .map(|l| format!("{l}\n"))
        .collect();
    transfer::import_csv(&mut ws, org.id, csv.as_bytes(), &ImportOptions::default())
        .expect("imported");
    let mut numbers = Vec::new();
    ws.for_each_number(org.id, |n| {
        numbers.push(n.phone_number.as_str().to_owned());
        Ok(())
    })
    .unwrap();
    numbers.sort();
    assert_eq!(numbers, ["+14155550100", "+442079460958"]);
}
