//! Arbitrary text as a phone number, with and without a default region: parsing never panics,
//! and whatever parses is stable (E.164 → parse gives the same number).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::domain::E164;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (region, input) = match text.split_once('|') {
        Some((r, i)) if r.len() <= 3 => (Some(r), i),
        _ => (None, text),
    };
    if let Ok(n) = E164::parse(input, region) {
        let again = E164::parse(n.as_str(), None).expect("E.164 output must parse");
        assert_eq!(again, n);
        assert!(n.as_str().len() <= 16);
        let _ = n.facts();
        let _ = n.international();
    }
});
