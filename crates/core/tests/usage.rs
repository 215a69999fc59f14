//! Money per currency and the health of a number's calls (core::usage).

#[path = "support/day_calls.rs"]
mod day_calls;

use day_calls::count_final_call;
use proptest::prelude::*;
use std::collections::BTreeMap;

use switchboard_core::usage::{
    CallOutcome, CallSample, DayCalls, HealthState, Money, ROLLUP_SHORT_CALL_SECS, Reason,
    Thresholds, Totals, health, health_from_days,
};
use time::{Duration, OffsetDateTime, macros::datetime};

const NOW: OffsetDateTime = datetime!(2026-12-07 12:00 UTC);

#[test]
fn money_reads_the_providers_decimals_exactly() {
    let twilio = Money::parse("-0.00750", "usd").expect("Twilio's price");
    assert_eq!(twilio.currency, "USD");
    assert_eq!(twilio.nanos, -7_500_000);
    assert_eq!(twilio.clone().charged().nanos, 7_500_000);
    assert_eq!(twilio.charged().to_string(), "USD 0.0075");
    assert_eq!(Money::parse("0.0045", "EUR").expect("ok").nanos, 4_500_000);
    assert_eq!(
        Money::parse("12", "GBP").expect("ok").to_string(),
        "GBP 12.00"
    );
    assert_eq!(Money::parse(".5", "USD").expect("ok").nanos, 500_000_000);
    assert_eq!(Money::parse("1.", "USD").expect("ok").nanos, 1_000_000_000);
    assert_eq!(
        Money::parse("0.1000000000000", "USD").expect("zeros").nanos,
        100_000_000
    );
    assert_eq!(
        Money::parse("0.123456789", "USD").expect("nine").nanos,
        123_456_789
    );
    for bad in ["", "-", ".", "abc", "1.2.3", "1e3", "0,5", "- 1", "1 000"] {
        let err = Money::parse(bad, "USD").expect_err(bad).to_string();
        assert!(err.contains("is not a decimal amount"), "{bad}: {err}");
    }
    let err = Money::parse("0.0000000001", "USD").expect_err("ten decimals");
    assert!(err.to_string().contains("more than nine decimals"), "{err}");
    let err = Money::parse("99999999999", "USD").expect_err("too large");
    assert!(err.to_string().contains("too large"), "{err}");
    for bad in ["US", "DOLLAR", "U$D", ""] {
        let err = Money::parse("1", bad).expect_err(bad).to_string();
        assert!(
            err.contains("not an ISO 4217 currency code"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn totals_never_mix_currencies() {
    let mut totals = Totals::default();
    assert_eq!(totals.to_string(), "none");
    for (amount, currency) in [("0.0085", "USD"), ("0.013", "EUR"), ("0.0115", "usd")] {
        totals.add(&Money::parse(amount, currency).expect("ok"));
    }
    assert_eq!(totals.to_string(), "EUR 0.013, USD 0.02");
    let sums: Vec<Money> = totals.iter().collect();
    assert_eq!(sums.len(), 2);
    assert_eq!(sums[1].nanos, 20_000_000);
}

proptest! {
    /// Sums to the cent whatever the order and the number of records; each currency apart.
    #[test]
    fn totals_equal_the_sum_of_their_records(records in prop::collection::vec((0i64..1_000_000, prop::bool::ANY), 0..300)) {
        let mut totals = Totals::default();
        let (mut usd, mut eur) = (0i64, 0i64);
        for &(cents_tenths, euro) in &records {
            let text = format!("{}.{:03}", cents_tenths / 1000, cents_tenths % 1000);
            let money = Money::parse(&text, if euro { "EUR" } else { "USD" }).expect("a decimal");
            totals.add(&money);
            if euro { eur += cents_tenths } else { usd += cents_tenths }
        }
        for sum in totals.iter() {
            let expected = if sum.currency == "EUR" { eur } else { usd };
            prop_assert_eq!(sum.nanos, expected * 1_000_000);
        }
    }

    /// Any text is either read or refused, never a panic; what is read prints back to itself.
    #[test]
    fn money_never_panics_and_prints_back(text in "[-+0-9. a-z]{0,14}") {
        if let Ok(money) = Money::parse(&text, "USD") {
            let printed = money.to_string();
            let again = Money::parse(printed.trim_start_matches("USD "), "USD").expect("printed back");
            prop_assert_eq!(again, money);
        }
    }

    /// Never healthy on fewer calls than the minimum, whatever they were.
    #[test]
    fn never_healthy_on_a_handful_of_calls(outcomes in prop::collection::vec(0u8..6, 0..20)) {
        let calls: Vec<CallSample> = outcomes
            .iter()
            .enumerate()
            .map(|(i, &o)| call(i as i64 % 6, outcome(o), 60))
            .collect();
        let h = health(&calls, NOW, &Thresholds::default());
        prop_assert_eq!(h.state, HealthState::InsufficientData);
        prop_assert!(h.reasons.is_empty());
    }
}

fn outcome(code: u8) -> CallOutcome {
    match code {
        0 => CallOutcome::Answered,
        1 => CallOutcome::Busy,
        2 => CallOutcome::NoAnswer,
        3 => CallOutcome::Failed,
        4 => CallOutcome::Canceled,
        _ => CallOutcome::Answered,
    }
}

/// A call `days_ago` days (and a few minutes) before now.
fn call(days_ago: i64, outcome: CallOutcome, duration_secs: u32) -> CallSample {
    CallSample {
        started_at: NOW - Duration::days(days_ago) - Duration::minutes(5),
        outcome,
        duration_secs,
    }
}

/// `per_day` calls on each of the window's 7 days, answered at `rate(day)` (day 6 is the
/// oldest), the others unanswered; answered calls last 90 s.
fn days(per_day: u32, rate: impl Fn(i64) -> f64) -> Vec<CallSample> {
    let mut calls = Vec::new();
    for day in 0..7i64 {
        let answered = (f64::from(per_day) * rate(day)).round() as u32;
        for i in 0..per_day {
            let outcome = if i < answered {
                CallOutcome::Answered
            } else {
                CallOutcome::NoAnswer
            };
            calls.push(call(day, outcome, 90));
        }
    }
    calls
}

#[test]
fn an_answer_rate_falling_from_40_to_10_percent_over_three_days_is_at_risk() {
    let limits = Thresholds::default();
    let falling = days(20, |day| if day < 3 { 0.10 } else { 0.40 });
    let h = health(&falling, NOW, &limits);
    assert_eq!(h.state, HealthState::AtRisk, "{h:?}");
    assert_eq!(h.calls, 140);
    let fell = h
        .reasons
        .iter()
        .find_map(|r| match *r {
            Reason::AnswerRateFell { earlier, recent } => Some((earlier, recent)),
            _ => None,
        })
        .expect("the fall is the reason");
    assert!(
        (fell.0 - 0.40).abs() < 1e-9 && (fell.1 - 0.10).abs() < 1e-9,
        "{fell:?}"
    );
    // The week's average alone (27 %) would not have said it.
    assert!(h.answer_rate.expect("rate") > limits.min_answer_rate);
    assert!(
        h.reasons[0]
            .to_string()
            .contains("answer rate fell from 40 % to 10 %")
    );

    // Steady at 40 %, or wandering between 35 % and 45 %: healthy.
    for steady in [
        days(20, |_| 0.40),
        days(20, |day| if day % 2 == 0 { 0.35 } else { 0.45 }),
    ] {
        let h = health(&steady, NOW, &limits);
        assert_eq!(h.state, HealthState::Healthy, "{h:?}");
        assert!(h.reasons.is_empty());
    }
}

/// `calls` with `change` applied to the first `count` calls of outcome `from`.
fn changed(
    mut calls: Vec<CallSample>,
    from: CallOutcome,
    count: usize,
    change: impl Fn(&mut CallSample),
) -> Vec<CallSample> {
    calls
        .iter_mut()
        .filter(|c| c.outcome == from)
        .take(count)
        .for_each(change);
    calls
}

#[test]
fn each_reason_is_reported_with_its_figures() {
    let limits = Thresholds::default();
    let short = changed(days(10, |_| 0.6), CallOutcome::Answered, 70, |c| {
        c.duration_secs = 4
    });
    let cases = [
        (
            days(10, |_| 0.2),
            Reason::LowAnswerRate {
                rate: 0.2,
                threshold: 0.25,
            },
        ),
        (
            short.clone(),
            Reason::ShortCalls {
                share: 1.0,
                threshold: 0.5,
            },
        ),
        (
            changed(days(10, |_| 0.5), CallOutcome::NoAnswer, 28, |c| {
                c.outcome = CallOutcome::Failed
            }),
            Reason::FailedCalls {
                share: 0.4,
                threshold: 0.3,
            },
        ),
    ];
    for (calls, reason) in cases {
        let h = health(&calls, NOW, &limits);
        assert_eq!(h.state, HealthState::AtRisk, "{h:?}");
        assert_eq!(h.reasons, vec![reason]);
    }
    let h = health(&short, NOW, &limits);
    assert_eq!((h.answered, h.short_share), (42, Some(1.0)));
}

#[test]
fn the_window_holds_only_final_calls_of_its_days() {
    let limits = Thresholds::default();
    let mut calls = days(3, |_| 1.0); // 21 answered calls in the window
    calls.push(call(0, CallOutcome::Unfinished, 0));
    calls.push(call(8, CallOutcome::NoAnswer, 0)); // before the window
    calls.push(CallSample {
        started_at: NOW + Duration::hours(1), // after now
        outcome: CallOutcome::NoAnswer,
        duration_secs: 0,
    });
    let h = health(&calls, NOW, &limits);
    assert_eq!(h.calls, 21);
    assert_eq!(h.state, HealthState::Healthy);
    assert_eq!(h.answer_rate, Some(1.0));
    assert_eq!(h.calls_per_day, 3.0);
    assert_eq!(h.last_record_at, Some(NOW - Duration::minutes(5)));

    // One call fewer: not enough to call it healthy.
    let h = health(&calls[1..], NOW, &limits);
    assert_eq!(h.calls, 20);
    let h = health(&calls[2..], NOW, &limits);
    assert_eq!(h.state, HealthState::InsufficientData);

    let none = health(&[], NOW, &limits);
    assert_eq!(none.answer_rate, None);
    assert_eq!(none.last_record_at, None);
    assert_eq!(none.state.as_str(), "insufficient_data");
}

proptest! {
    /// Health from the daily rollups is [`health`] over the same calls with the window ending at
    /// the end of the UTC day: one rule, fed by calls or by days.
    #[test]
    fn the_rollups_judge_as_the_calls_they_count(
        picked in prop::collection::vec((0i64..10, 0i64..86_400, 0u8..7, 0u32..30), 0..200),
    ) {
        let today = NOW.date();
        let midnight = NOW.replace_time(time::Time::MIDNIGHT) + Duration::days(1);
        let limits = Thresholds { short_call_secs: ROLLUP_SHORT_CALL_SECS, ..Thresholds::default() };
        let calls: Vec<CallSample> = picked
            .iter()
            .map(|&(days_ago, second, o, duration_secs)| CallSample {
                started_at: midnight - Duration::days(days_ago + 1) + Duration::seconds(second),
                outcome: if o == 6 { CallOutcome::Unfinished } else { outcome(o) },
                duration_secs,
            })
            .collect();
        let mut days: BTreeMap<time::Date, DayCalls> = BTreeMap::new();
        let first = today - Duration::days(i64::from(limits.window_days) - 1);
        let mut last = None;
        for c in calls.iter().filter(|c| c.outcome != CallOutcome::Unfinished) {
            count_final_call(&mut days, c.started_at, c.outcome, c.duration_secs);
            if c.started_at.date() >= first {
                last = last.max(Some(c.started_at));
            }
        }
        prop_assert_eq!(
            health_from_days(days.values(), today, last, &limits),
            health(&calls, midnight, &limits)
        );
    }
}
