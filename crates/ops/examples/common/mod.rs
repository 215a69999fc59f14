//! What the bulk-update benchmarks share: arguments, and the rounds' figures against a
//! baseline measured in the same run.

use std::time::Duration;

/// Argument `i` as a number, or `default`.
pub fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The times of one kind of run, ours and the baseline's, round by round.
pub struct Rounds {
    /// What ran.
    pub what: &'static str,
    ours: Vec<f64>,
    theirs: Vec<f64>,
}

impl Rounds {
    pub fn new(what: &'static str) -> Rounds {
        Rounds {
            what,
            ours: Vec::new(),
            theirs: Vec::new(),
        }
    }

    /// Records and prints round `round`: ours against `baseline`'s.
    pub fn push(&mut self, round: usize, baseline: &str, ours: Duration, theirs: Duration) {
        let (o, t) = (ms(ours), ms(theirs));
        println!(
            "round {round} {}: ours {o:.0} ms, {baseline} {t:.0} ms, ratio {:.2}",
            self.what,
            o / t
        );
        self.ours.push(o);
        self.theirs.push(t);
    }

    /// Prints the medians and their ratio.
    pub fn summary(self, baseline: &str, matching: u64) {
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let n = self.ours.len();
        let (o, t) = (median(self.ours), median(self.theirs));
        println!(
            "{}: select-all-matching + status change of {matching} numbers, median of {n}: \
             ours {o:.0} ms, {baseline} {t:.0} ms, ratio {:.2} (target <= 1.5)",
            self.what,
            o / t
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Ours: `actions::update_matching` of a status change on `inv` (the selection read, then
/// changed, to the report), timed; checks every one of `matching` numbers was changed and
/// `queued` of them queued.
pub async fn update_matching(
    inv: &dyn switchboard_ops::Inventory,
    filter: &switchboard_core::query::NumberFilter,
    status: switchboard_core::domain::Status,
    (matching, queued): (u64, u64),
) -> Duration {
    let change = switchboard_core::domain::NumberUpdate {
        status: Some(status),
        ..Default::default()
    };
    let cancel = switchboard_ops::Cancel::new();
    let started = std::time::Instant::now();
    let report = switchboard_ops::actions::update_matching(inv, filter, &change, &cancel, |_| {})
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(report.updated, matching);
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    assert_eq!(report.queued, queued);
    took
}
