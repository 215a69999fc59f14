//! `E164::facts` (metadata tables compiled once) must equal `E164::facts_reference` (the
//! `phonenumber` parser path it replaced) for every input. Compared here on every region's
//! example numbers and their variations, the seed generator's numbers, and random digits after
//! every calling code; each corpus also checks that the fast path answered (instead of handing
//! the input to the reference), so the comparison is not between the reference and itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use phonenumber::metadata::{DATABASE, Metadata};
use proptest::prelude::*;
use switchboard_core::domain::{E164, NumberFacts, Organization};
use uuid::Uuid;

/// How one corpus went: inputs compared, inputs the fast path answered, mismatches.
#[derive(Default)]
struct Tally {
    compared: usize,
    fast: usize,
    wrong: BTreeSet<String>,
}

impl Tally {
    /// Compares `facts` (and `facts_and_display`) with the reference on `text`.
    fn check(&mut self, text: &str) {
        self.check_facts(text);
        let n = E164::from_stored(text.to_owned());
        let (with_display, display) = n.facts_and_display();
        if with_display != n.facts_reference() || display != n.international() {
            self.wrong.insert(format!(
                "{text}: facts_and_display {with_display:?} {display:?}"
            ));
        }
    }

    /// Compares `facts` with the reference on `text`.
    fn check_facts(&mut self, text: &str) {
        let n = E164::from_stored(text.to_owned());
        let reference = n.facts_reference();
        let facts = n.facts();
        self.compared += 1;
        if n.facts_fast().is_some() {
            self.fast += 1;
        }
        if facts != reference {
            self.wrong
                .insert(format!("{text}: facts {facts:?}, reference {reference:?}"));
        }
    }

    fn assert_equal(&self, corpus: &str) {
        let shown: Vec<&String> = self.wrong.iter().take(40).collect();
        assert!(
            self.wrong.is_empty(),
            "{corpus}: {} of {} differ, e.g. {shown:#?}",
            self.wrong.len(),
            self.compared
        );
    }
}

/// Every calling code the metadata knows.
static CALLING_CODES: LazyLock<Vec<u16>> = LazyLock::new(|| {
    (1..1000u16)
        .filter(|c| DATABASE.region(c).is_some())
        .collect()
});

/// Every descriptor's example national number of a region.
fn examples(meta: &Metadata) -> Vec<String> {
    let d = meta.descriptors();
    [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.emergency(),
        d.voicemail(),
        d.short_code(),
        d.standard_rate(),
        d.carrier(),
        d.no_international(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|x| x.example().map(str::to_owned))
    .collect()
}

/// A national number, its prefixes, one digit more or fewer, its last one or two digits
/// changed, and with a national prefix (the region's, "0", "00") in front.
fn variations(national: &str, national_prefix: Option<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for end in 0..=national.len() {
        out.insert(national[..end].to_owned());
    }
    for d in '0'..='9' {
        out.insert(format!("{national}{d}"));
        out.insert(format!("{national}{d}{d}"));
        if let Some(head) = national.get(..national.len().saturating_sub(1)) {
            out.insert(format!("{head}{d}"));
            out.insert(format!("{head}{d}9"));
        }
        if let Some(head) = national.get(..national.len().saturating_sub(2)) {
            out.insert(format!("{head}{d}0"));
            out.insert(format!("{head}{d}5"));
        }
        out.insert(format!("{d}{national}"));
    }
    if let Some(first) = national.get(1..) {
        out.insert(first.to_owned());
    }
    for prefix in [national_prefix.unwrap_or("0"), "0", "00", "1", "9"] {
        out.insert(format!("{prefix}{national}"));
    }
    out
}

#[test]
fn every_region_example_and_its_variations() {
    let mut tally = Tally::default();
    let mut bases = 0;
    for meta in DATABASE.iter() {
        for national in examples(meta) {
            bases += 1;
            for v in variations(&national, meta.national_prefix()) {
                tally.check(&format!("+{}{v}", meta.country_code()));
            }
        }
    }
    tally.assert_equal("region examples");
    assert!(bases > 1000, "only {bases} examples");
    assert!(
        tally.fast * 100 >= tally.compared * 95,
        "the fast path answered only {} of {}",
        tally.fast,
        tally.compared
    );
    println!(
        "{} examples, {} variations compared, {} by the fast path",
        bases, tally.compared, tally.fast
    );
}

#[test]
fn seed_generator_numbers() {
    let org = Organization {
        id: Uuid::nil(),
        slug: "facts".into(),
        name: "Facts".into(),
    };
    let rows = switchboard_core::seed::generate(&org, &[], 200_000, HashSet::new()).unwrap();
    assert_eq!(rows.len(), 200_000);
    let mut tally = Tally::default();
    for (n, generated) in &rows {
        let text = n.phone_number.as_str();
        let facts = n.phone_number.facts();
        if &facts != generated {
            tally
                .wrong
                .insert(format!("{text}: facts {facts:?}, generated {generated:?}"));
        }
        // The display form is the same parser call either way; the facts are what changed.
        tally.check_facts(text);
    }
    tally.assert_equal("seed numbers");
    assert_eq!(
        tally.fast, tally.compared,
        "every seed number takes the fast path"
    );
}

#[test]
fn leading_zeros_non_geographic_and_shared_codes() {
    let mut tally = Tally::default();
    for text in [
        "+390648812345", // Rome: national number with a leading zero
        "+3906698",      // Vatican City range inside Italy's code
        "+379066981234",
        "+80012345678", // non-geographic (001)
        "+88213000000",
        "+14155551234",
        "+16135550123", // Canada under +1
        "+18765550123", // Jamaica under +1
        "+447400123456",
        "+441481256789",  // Guernsey under +44
        "+5491123456789", // Argentina mobile: a transform rule
        "+541123456789",
        "+5511987654321",
        "+0",
        "+01",
        "+014155551234",
        "+1",
        "+12",
        "+999123456",
        "+",
        "14155551234",
        "+1 415 555 1234",
        "+123456789012345678",
    ] {
        tally.check(text);
    }
    tally.assert_equal("hand-picked");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    /// Random digits after every known calling code.
    #[test]
    fn random_digits_after_every_calling_code(
        index in 0usize..1000,
        rest in "[0-9]{0,15}",
    ) {
        let code = CALLING_CODES[index % CALLING_CODES.len()];
        let text = format!("+{code}{rest}");
        let n = E164::from_stored(text.clone());
        prop_assert_eq!(n.facts(), n.facts_reference(), "{}", text);
    }

    /// Any `+` and digits, leading zeros and over-long ones included.
    #[test]
    fn any_plus_and_digits(digits in "[0-9]{0,19}") {
        let n = E164::from_stored(format!("+{digits}"));
        prop_assert_eq!(n.facts(), n.facts_reference(), "+{}", digits);
    }
}

/// The calling-code sweep above must not be vacuous: most of its inputs take the fast path.
#[test]
fn random_digits_mostly_take_the_fast_path() {
    let codes = &*CALLING_CODES;
    assert!(codes.len() > 200, "{}", codes.len());
    let mut tally = Tally::default();
    let mut rng = switchboard_core::seed::Rng::from_seed("facts");
    for code in codes {
        for _ in 0..40 {
            let len = 4 + rng.below(10) as usize;
            let rest: String = (0..len)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            tally.check(&format!("+{code}{rest}"));
        }
    }
    tally.assert_equal("random digits");
    assert!(
        tally.fast * 100 >= tally.compared * 95,
        "the fast path answered only {} of {}",
        tally.fast,
        tally.compared
    );
}

#[test]
fn facts_of_known_numbers() {
    let facts = |s: &str| E164::parse(s, None).unwrap().facts();
    assert_eq!(
        facts("+14155551234"),
        NumberFacts {
            country: Some("US".into()),
            calling_code: 1,
            number_type: switchboard_core::domain::NumberType::FixedLineOrMobile,
            area_code: Some("415".into()),
        }
    );
    let rome = facts("+39 06 4881 2345");
    assert_eq!(rome.country.as_deref(), Some("IT"));
    let uk = facts("+44 7400 123456");
    assert_eq!(
        (uk.country.as_deref(), uk.number_type),
        (Some("GB"), switchboard_core::domain::NumberType::Mobile)
    );
}
