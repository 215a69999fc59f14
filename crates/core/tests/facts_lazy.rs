//! The facts' fast path compiles a metadata pattern only when a number needs it (alone in its
//! test binary: any other number's facts in the same process would compile more).

use switchboard_core::domain::E164;

/// +1 has 25 regions; a US number is the US region's (the first, without leading digits), so
/// nothing of the 24 others is compiled, and the app's first page of US numbers does not pay
/// for the Caribbean's patterns (14 MB of the app's idle memory when all were compiled).
#[test]
fn a_us_number_compiles_only_the_us_patterns() {
    let us = E164::from_stored("+14155550100".to_owned());
    let facts = us.facts_fast().expect("the fast path answers");
    assert_eq!(facts, us.facts_reference());
    assert_eq!(facts.country.as_deref(), Some("US"));

    let regions = E164::compiled_patterns(1).expect("+1 has a compiled table");
    assert!(regions.len() > 20, "{regions:?}");
    assert_eq!(regions[0].0.as_deref(), Some("US"));
    assert!(
        regions[0].1 >= 2,
        "the general and the type patterns: {regions:?}"
    );
    let others: Vec<_> = regions[1..].iter().filter(|(_, n)| *n > 0).collect();
    assert!(others.is_empty(), "compiled for a US number: {others:?}");

    // A Jamaican number is chosen by its leading digits: the regions before it are asked for
    // theirs (and the US for its patterns), Jamaica's own patterns give its type.
    let jm = E164::from_stored("+18765550100".to_owned());
    assert_eq!(jm.facts_fast(), Some(jm.facts_reference()));
    let regions = E164::compiled_patterns(1).unwrap();
    let at = regions
        .iter()
        .position(|(c, _)| c.as_deref() == Some("JM"))
        .unwrap();
    assert!(regions[at].1 > 1, "{regions:?}");
    let after: Vec<_> = regions[at + 1..].iter().filter(|(_, n)| *n > 0).collect();
    assert!(after.is_empty(), "compiled past Jamaica: {after:?}");
}
