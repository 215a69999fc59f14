//! Properties of number parsing and formatting: parse → E.164 → parse is stable, the
//! formatted forms parse back to the same number, no input makes the parser panic, and a stored
//! number's facts (compiled metadata) are the parser's (`tests/facts_equivalence.rs` compares
//! them on far larger corpora).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use switchboard_core::domain::{E164, NumberType};

/// Valid numbers built from real ranges in several countries.
fn valid_number() -> impl Strategy<Value = String> {
    let ranges = prop_oneof![
        Just(("+1415", 7)),
        Just(("+1212", 7)),
        Just(("+1800", 7)),
        Just(("+1416", 7)),
        Just(("+44207", 7)),
        Just(("+447400", 6)),
        Just(("+4930", 8)),
        Just(("+3314", 7)),
        Just(("+6129", 7)),
        Just(("+55119", 8)),
        Just(("+813", 8)),
    ];
    (ranges, 2u8..=9, proptest::collection::vec(0u8..=9, 8)).prop_map(
        |((prefix, len), first, rest)| {
            let mut s = format!("{prefix}{first}");
            for d in rest.iter().take(len - 1) {
                s.push(char::from(b'0' + d));
            }
            s
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_is_idempotent(input in valid_number()) {
        {
            let n = E164::parse(&input, None).expect("generated from valid ranges");
            let again = E164::parse(n.as_str(), None).expect("E.164 output parses");
            prop_assert_eq!(&again, &n);
            prop_assert!(n.as_str().starts_with('+'));
            prop_assert!(n.as_str()[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(n.as_str().len() <= 16);
            // The international display form parses back to the same number.
            let display = n.international();
            prop_assert_eq!(E164::parse(&display, None).expect("display form parses"), n.clone());
            // So does the same number written with punctuation and spaces.
            let spaced: String = n.as_str().chars().flat_map(|c| [c, ' ']).collect();
            prop_assert_eq!(E164::parse(&spaced, None).expect("spaced parses"), n.clone());
            let facts = n.facts();
            prop_assert!(facts.country.is_some());
            prop_assert!(facts.number_type != NumberType::Unknown);
            // The compiled-metadata facts answer for every valid number, as the parser would.
            prop_assert_eq!(n.facts_fast(), Some(n.facts_reference()));
        }
    }

    #[test]
    fn national_form_with_region_round_trips(input in valid_number()) {
        {
            let n = E164::parse(&input, None).expect("generated from valid ranges");
            let facts = n.facts();
            let region = facts.country.clone().expect("geographic");
            let cc = facts.calling_code.to_string();
            let national = &n.as_str()[1 + cc.len()..];
            // Countries with a trunk prefix write national numbers with a leading 0.
            let written = if cc == "1" { national.to_owned() } else { format!("0{national}") };
            prop_assert_eq!(E164::parse(&written, Some(&region)).expect("national parses"), n);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(input in "\\PC{0,80}", region in proptest::option::of("[A-Za-z]{0,3}")) {
        let _ = E164::parse(&input, region.as_deref());
    }

    #[test]
    fn digit_soup_never_panics(input in "[+0-9 ()\\-.#*x]{0,40}") {
        if let Ok(n) = E164::parse(&input, Some("US")) {
            prop_assert_eq!(E164::parse(n.as_str(), None).expect("stable"), n);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Reading the metadata for stored digits agrees with the crate's parser on every valid
    /// number in every country, national numbers with a leading 0 excepted (see
    /// `E164::parsed_facts`; `italian_leading_zero` covers them).
    #[test]
    fn facts_match_the_parser(code in 1u16..1000, rest in "[0-9]{4,13}") {
        if let Ok(n) = E164::parse(&format!("+{code}{rest}"), None) {
            let cc = n.facts().calling_code.to_string();
            prop_assume!(!n.digits()[cc.len()..].starts_with('0'));
            prop_assert_eq!(n.metadata_facts(), n.parsed_facts(), "{}", n);
            prop_assert_eq!(Some(n.facts()), n.parsed_facts(), "{}", n);
            prop_assert_eq!(n.facts(), n.facts_reference(), "{}", n);
        }
    }
}

#[test]
fn italian_leading_zero() {
    let n = E164::parse("+39 06 4881 2345", None).expect("Rome fixed line");
    let facts = n.facts();
    assert_eq!(facts.country.as_deref(), Some("IT"));
    assert_eq!(facts.number_type, NumberType::FixedLine);
}
