//! One sync at a time: a request while one runs joins it, an edit's request runs it once more,
//! and opening another workspace cancels it and keeps its end from changing the new status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_ops::sync::SyncSlot;

#[test]
fn a_request_joins_the_running_sync_and_an_edit_runs_it_once_more() {
    let slot: SyncSlot<u32, &str> = SyncSlot::new(0);
    let (done, started) = slot.request(Some("first"), false);
    let run = started.expect("nothing ran: this request starts one");
    let (joined, none) = slot.request(Some("second"), false);
    assert!(none.is_none(), "a second request joins");
    let mut heard = Vec::new();
    run.listeners.send(|l| {
        heard.push(*l);
        *l != "second"
    });
    assert_eq!(heard, ["first", "second"]);
    let mut heard = Vec::new();
    run.listeners.send(|l| {
        heard.push(*l);
        true
    });
    assert_eq!(heard, ["first"], "a listener that failed is dropped");

    assert!(!slot.run_again(&run), "nobody asked for another run");
    assert!(!slot.cancel(), "the slot is free");
    run.finish();
    assert!(*done.borrow() && *joined.borrow());

    let (_, started) = slot.request(None, false);
    let run = started.expect("a new sync");
    let _ = slot.request(None, true);
    assert!(
        slot.run_again(&run),
        "an edit during the run asks for one more"
    );
    assert!(!slot.run_again(&run), "once");
    assert_eq!(slot.update(run.generation, |s| *s = 7), Some(7));
}

#[test]
fn another_workspace_cancels_the_sync_and_ignores_its_end() {
    let slot: SyncSlot<u32, ()> = SyncSlot::new(0);
    let (_, started) = slot.request(None, false);
    let run = started.expect("a sync");
    let _ = slot.request(None, true);
    let generation = slot.reset(1);
    assert!(run.cancel.is_cancelled());
    assert_ne!(generation, run.generation);
    assert_eq!(
        slot.update(run.generation, |s| *s = 9),
        None,
        "an old sync's status"
    );
    assert!(!slot.run_again(&run), "the pending run was forgotten");
    assert_eq!(slot.status(), 1);
    let (_, started) = slot.request(None, false);
    assert_eq!(
        started.expect("the new workspace syncs").generation,
        generation
    );
    assert!(slot.cancel());
}

#[test]
fn the_sync_interval_is_checked_and_kept_in_range() {
    use std::time::Duration;
    use switchboard_ops::sync::{check_interval, interval};

    assert!(check_interval(5).is_ok() && check_interval(3600).is_ok());
    let e = check_interval(1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid sync interval: 1 s is not between 5 and 3600 s"
    );
    assert!(check_interval(3601).is_err());
    assert_eq!(interval(1), Duration::from_secs(5));
    assert_eq!(interval(60), Duration::from_secs(60));
    assert_eq!(interval(u32::MAX), Duration::from_secs(3600));
}
