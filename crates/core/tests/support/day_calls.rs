//! A call counted into its UTC day as the daily rollups count it (shared by the usage tests).

use std::collections::BTreeMap;

use switchboard_core::usage::{CallOutcome, DayCalls, ROLLUP_SHORT_CALL_SECS};
use time::{Date, OffsetDateTime};

/// Adds a final call (any outcome but unfinished, which is not counted) to its day.
pub fn count_final_call(
    days: &mut BTreeMap<Date, DayCalls>,
    started_at: OffsetDateTime,
    outcome: CallOutcome,
    duration_secs: u32,
) {
    if outcome == CallOutcome::Unfinished {
        return;
    }
    let day = started_at.date();
    let d = days.entry(day).or_insert(DayCalls {
        day,
        calls: 0,
        answered: 0,
        short_answered: 0,
        failed: 0,
    });
    let answered = outcome == CallOutcome::Answered;
    d.calls += 1;
    d.answered += u32::from(answered);
    d.short_answered += u32::from(answered && duration_secs < ROLLUP_SHORT_CALL_SECS);
    d.failed += u32::from(outcome == CallOutcome::Failed);
}
