//! A start of the app: kept failure, retried until it succeeds, then never again.

use switchboard_ops::startup::Start;

#[test]
fn a_failed_start_is_kept_and_retried_until_one_succeeds_then_never_again() {
    let start = Start::new(vec!["settings set aside"]);
    assert_eq!(start.status(), Ok(vec!["settings set aside"]));
    assert_eq!(start.attempt(|| Err("busy")), Err("busy"));
    assert_eq!(start.status(), Err("busy"), "the failure is kept");
    assert_eq!(
        start.attempt(|| Ok(vec!["team workspace not opened"])),
        Ok(vec!["settings set aside", "team workspace not opened"])
    );
    let again = start.attempt(|| panic!("a started app is not started again"));
    assert_eq!(
        again,
        Ok(vec!["settings set aside", "team workspace not opened"])
    );
}
