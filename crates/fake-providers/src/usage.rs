//! The facts of the call and message records every fake serves, in its own provider's words
//! (`twilio_usage`, `telnyx_usage`, …): which number, which way, how it ended, when, how long.
//!
//! The records are generated, never stored: record `i` of a timeline belongs to generated number
//! `i % numbers` and starts at a time that grows with `i`, so a million records cost no memory and
//! a page costs only its own records. Records start before the fake's clock
//! ([`UsageConfig::now`] moved by [`crate::Faults::clock_secs`]); moving the clock makes new
//! records appear. A record that ended less than [`UsageConfig::pending_secs`] before the clock
//! has no price yet ([`Records::rated`]).
//!
//! What the records look like: about 55 % of calls answered, the rest no-answer, busy, failed and
//! canceled; 70 % outbound; answered calls from 2 s to 7 min, about one in eight under 10 s.
//! Every tenth number (index 7, 17, …) loses its answers in the three days before the configured
//! clock (10 % answered instead of 55 %), as a number carriers just labelled as spam does.

use std::ops::Range;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::UsageConfig;
use crate::common::{hex32, mix64, us_number};

pub(crate) const DAY: i64 = 86_400;

/// One timeline of generated records: `total` records over `span` seconds from `start`.
pub(crate) struct Timeline {
    start: i64,
    span: i64,
    total: i64,
}

impl Timeline {
    /// When record `i` starts.
    pub(crate) fn at(&self, i: i64) -> i64 {
        self.start + (i128::from(i) * i128::from(self.span) / i128::from(self.total)) as i64
    }

    /// The first record starting at or after `t`.
    pub(crate) fn first_from(&self, t: i64) -> i64 {
        if t <= self.start {
            return 0;
        }
        let mut i =
            ((i128::from(t - self.start) * i128::from(self.total)) / i128::from(self.span)) as i64;
        while i > 0 && self.at(i - 1) >= t {
            i -= 1;
        }
        while self.at(i) < t {
            i += 1;
        }
        i
    }

    /// The records starting in `[from, until)` and before `clock`.
    pub(crate) fn range(&self, from: Option<i64>, until: Option<i64>, clock: i64) -> Range<i64> {
        let lo = self.first_from(from.unwrap_or(i64::MIN));
        let mut hi = self.first_from(clock);
        if let Some(until) = until {
            hi = hi.min(self.first_from(until));
        }
        lo..hi.max(lo)
    }
}

pub(crate) fn mix(seed: u64, i: i64, salt: u64) -> u64 {
    mix64(seed ^ salt ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Unix seconds as RFC 3339 (`2026-12-01T10:00:00Z`).
pub(crate) fn rfc3339(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A date (`2026-12-01`, midnight UTC) or a full RFC 3339 timestamp, as Unix seconds.
pub(crate) fn instant(text: &str) -> Option<i64> {
    if let Ok(d) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(d.unix_timestamp());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text, &format).ok()?;
    Some(
        PrimitiveDateTime::new(date, Time::MIDNIGHT)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// A UUID-shaped id of record `i` of a kind (`seed`).
pub(crate) fn uuid(seed: u64, i: i64) -> String {
    let h = hex32(seed, i as u64);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `nanos` of a unit as a decimal with `places` decimals (`12_345_000, 5` → `0.01234`, cut).
pub(crate) fn decimal(nanos: i64, places: u32) -> String {
    let cut = 10i64.pow(9 - places);
    format!(
        "{}.{:0width$}",
        nanos / 1_000_000_000,
        nanos % 1_000_000_000 / cut,
        width = places as usize
    )
}

/// How a generated call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Answered,
    NoAnswer,
    Busy,
    Failed,
    Canceled,
}

/// What became of a generated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    Received,
    Delivered,
    Undelivered,
    Failed,
    Sent,
}

pub(crate) struct Call {
    /// The generated number's index.
    pub number: usize,
    pub inbound: bool,
    pub ending: Ending,
    pub start: i64,
    /// Seconds connected (0 unless answered).
    pub duration: i64,
    /// Seconds of ringing before the answer or the end.
    pub ring: i64,
    /// A hash of the record, for the provider's own variations.
    pub hash: u64,
}

impl Call {
    pub(crate) fn end(&self) -> i64 {
        self.start + self.ring + self.duration
    }

    /// Started minutes, as most providers bill a call.
    pub(crate) fn minutes(&self) -> i64 {
        (self.duration + 59) / 60
    }
}

pub(crate) struct Message {
    pub number: usize,
    pub inbound: bool,
    pub delivery: Delivery,
    pub sent: i64,
    pub segments: i64,
}

/// The generated records of one fake's numbers.
pub(crate) struct Records {
    pub numbers: Vec<String>,
    pub seed: u64,
    pub now: i64,
    pub pending_secs: i64,
    pub calls: Option<Timeline>,
    pub messages: Option<Timeline>,
}

impl Records {
    pub(crate) fn new(numbers: Vec<String>, seed: u64, config: &UsageConfig) -> Records {
        let span = i64::from(config.days.max(1)) * DAY;
        let timeline = |per_number: usize| {
            let total = (per_number * numbers.len()) as i64;
            (total > 0).then(|| Timeline {
                start: config.now - span,
                span,
                total,
            })
        };
        Records {
            calls: timeline(config.calls_per_number),
            messages: timeline(config.messages_per_number),
            numbers,
            seed,
            now: config.now,
            pending_secs: config.pending_secs,
        }
    }

    /// Whether a record that ended at `end` has its price at `clock`.
    pub(crate) fn rated(&self, end: i64, clock: i64) -> bool {
        end <= clock - self.pending_secs
    }

    /// Call `i` of `line` (the calls timeline).
    pub(crate) fn call(&self, line: &Timeline, i: i64) -> Call {
        let number = (i % self.numbers.len() as i64) as usize;
        let start = line.at(i);
        let h = mix(self.seed, i, 0xCA11);
        let labelled = number % 10 == 7 && start >= self.now - 3 * DAY;
        let answered_pct = if labelled { 10 } else { 55 };
        let ending = if h % 100 < answered_pct {
            Ending::Answered
        } else {
            match (h >> 8) % 10 {
                0..=4 => Ending::NoAnswer,
                5 | 6 => Ending::Busy,
                7 | 8 => Ending::Failed,
                _ => Ending::Canceled,
            }
        };
        let duration = match ending {
            Ending::Answered if (h >> 16).is_multiple_of(8) => 2 + (h >> 24) as i64 % 8,
            Ending::Answered => 10 + (h >> 24) as i64 % 410,
            _ => 0,
        };
        Call {
            number,
            inbound: (h >> 32) % 10 >= 7,
            ending,
            start,
            duration,
            ring: 3 + (h >> 40) as i64 % 25,
            hash: h,
        }
    }

    /// Message `i` of `line` (the messages timeline).
    pub(crate) fn message(&self, line: &Timeline, i: i64) -> Message {
        let number = (i % self.numbers.len() as i64) as usize;
        let h = mix(self.seed, i, 0x5E5);
        let inbound = h % 10 >= 6;
        let delivery = if inbound {
            Delivery::Received
        } else {
            match (h >> 8) % 100 {
                0..=84 => Delivery::Delivered,
                85..=91 => Delivery::Undelivered,
                92..=94 => Delivery::Failed,
                _ => Delivery::Sent,
            }
        };
        Message {
            number,
            inbound,
            delivery,
            sent: line.at(i),
            segments: 1 + (h >> 16) as i64 % 3,
        }
    }

    /// `(to, from)` of record `i` of generated number `number`: a customer's number on the
    /// other side.
    pub(crate) fn parties(&self, i: i64, number: usize, inbound: bool) -> (String, String) {
        let ours = self.numbers[number].clone();
        let (national, _, _) = us_number((mix(self.seed, i, 0xC0) % 60_000) as usize, 500);
        let theirs = format!("+1{national}");
        if inbound {
            (ours, theirs)
        } else {
            (theirs, ours)
        }
    }
}

/// The records of a timeline whose number is among some of the numbers (`on`), counted without
/// walking them: record `i` belongs to number `i % n`, so the matches below `x` are whole
/// cycles of numbers plus a prefix of one.
pub(crate) struct Subset {
    /// `prefix[k]`: how many of the first `k` numbers are in the subset.
    prefix: Vec<i64>,
}

impl Subset {
    pub(crate) fn new(numbers: usize, on: impl Fn(usize) -> bool) -> Subset {
        let mut prefix = Vec::with_capacity(numbers + 1);
        prefix.push(0);
        for k in 0..numbers {
            prefix.push(prefix[k] + i64::from(on(k)));
        }
        Subset { prefix }
    }

    fn below(&self, x: i64) -> i64 {
        let n = (self.prefix.len() - 1) as i64;
        if n == 0 {
            return 0;
        }
        (x / n) * self.prefix[n as usize] + self.prefix[(x % n) as usize]
    }

    /// How many records of `range` are in the subset.
    pub(crate) fn count(&self, range: &Range<i64>) -> i64 {
        self.below(range.end) - self.below(range.start)
    }

    /// The `skip`th to `skip + take`th records of `range` in the subset, in order.
    pub(crate) fn page(&self, range: &Range<i64>, skip: i64, take: i64) -> Vec<i64> {
        if skip >= self.count(range) {
            return Vec::new();
        }
        let n = (self.prefix.len() - 1) as i64;
        let base = self.below(range.start);
        // The first record with `skip` matches of the subset before it in the range.
        let (mut lo, mut hi) = (range.start, range.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.below(mid) - base < skip + 1 {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        let mut i = (lo - 1).max(range.start);
        while i < range.end && (out.len() as i64) < take {
            if n > 0 && self.prefix[(i % n) as usize + 1] > self.prefix[(i % n) as usize] {
                out.push(i);
            }
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_pages_like_a_walk() {
        let subset = Subset::new(7, |k| k % 3 != 2);
        let range = 5..200;
        let walked: Vec<i64> = range.clone().filter(|i| (i % 7) % 3 != 2).collect();
        assert_eq!(subset.count(&range), walked.len() as i64);
        for (skip, take) in [(0, 10), (3, 7), (100, 50), (125, 10), (200, 5)] {
            let expected: Vec<i64> = walked
                .iter()
                .copied()
                .skip(skip as usize)
                .take(take as usize)
                .collect();
            assert_eq!(subset.page(&range, skip, take), expected, "{skip} {take}");
        }
        assert_eq!(decimal(12_345_678, 5), "0.01234");
        assert_eq!(decimal(1_500_000_000, 4), "1.5000");
    }
}
