//! Arbitrary bytes as an import file: import never panics, is all or nothing, and leaves a
//! sound workspace whose counts match what was reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::query::NumberFilter;
use switchboard_core::store::Workspace;
use switchboard_core::transfer::{ImportOptions, import_csv};

fuzz_target!(|data: &[u8]| {
    let mut ws = Workspace::open_in_memory().expect("in-memory workspace");
    let org = ws.add_organization("fuzz", "Fuzz").expect("org");
    let opts = ImportOptions { default_region: Some("US".into()) };
    let before = ws.count_numbers(&NumberFilter::org(org.id)).expect("count");
    match import_csv(&mut ws, org.id, data, &opts) {
        Ok(report) => {
            let after = ws.count_numbers(&NumberFilter::org(org.id)).expect("count");
            assert_eq!(after, before + report.inserted);
        }
        Err(_) => {
            let after = ws.count_numbers(&NumberFilter::org(org.id)).expect("count");
            assert_eq!(after, before, "a refused import writes nothing");
        }
    }
    assert!(ws.integrity_check().expect("check").is_empty());
});
