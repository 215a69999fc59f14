//! What a number's calls say about it: money kept per currency, and the health a rolling window
//! of call records gives a number (the design's future "Usage Tracking" and "Cost Tracking").
//!
//! Nothing here talks to a provider or a store: the records come in already normalized, and the
//! same rules judge them wherever they were pulled or kept.
//!
//! # Health
//! Over a window of [`Thresholds::window_days`] days ending now, a number's final calls (answered,
//! busy, unanswered, failed, canceled; calls still ringing or in progress are left out) give:
//! - calls per day;
//! - the answer rate: answered calls among all final calls;
//! - the short-call share: answered calls shorter than [`Thresholds::short_call_secs`] among the
//!   answered ones (a person who hears a spam label, or silence, hangs up at once);
//! - the failed share: failed calls among all final calls (carriers answer a call they block or
//!   decline with a failure).
//!
//! The state is [`HealthState::InsufficientData`] below [`Thresholds::min_calls`] calls (never
//! "healthy" on a handful of calls), otherwise [`HealthState::AtRisk`] when any of these holds,
//! each a [`Reason`] with its figures and threshold, else [`HealthState::Healthy`]:
//! - the answer rate is below [`Thresholds::min_answer_rate`];
//! - the answer rate of the last [`Thresholds::recent_days`] days fell below
//!   [`Thresholds::fall_ratio`] of the days before them, by at least
//!   [`Thresholds::min_fall_points`] points (both parts with at least half the minimum of calls):
//!   a number that carriers just labelled drops within a day or two, long before the week's
//!   average shows it;
//! - the short-call share is above [`Thresholds::max_short_share`];
//! - the failed share is above [`Thresholds::max_failed_share`].

mod kept;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::domain::{E164, named_enum};
use crate::{Error, Result};

pub use kept::{
    DayRange, GroupBy, Kept, NumberDayRows, NumberDays, RecordKind, ReportRow, UsageAccount,
    UsageCounts, UsageCursor, UsageRow,
};

/// Money in one currency, exact: an amount in billionths of the currency's unit. Amounts of two
/// currencies are never added or converted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Money {
    /// ISO 4217 code, upper case (`USD`, `EUR`).
    pub currency: String,
    /// The amount in billionths of a unit (1 USD = 1,000,000,000).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub nanos: i64,
}

const NANOS: i64 = 1_000_000_000;

fn invalid(field: &str, reason: String) -> Error {
    Error::InvalidInput {
        field: field.into(),
        reason,
    }
}

impl Money {
    /// Reads a provider's decimal amount (`"-0.00750"`, `"0.0045"`, `"12"`) in `currency`.
    /// Refuses what is not a plain decimal, a currency that is not three letters, and more than
    /// nine significant decimals (a figure kept exactly or not at all).
    pub fn parse(amount: &str, currency: &str) -> Result<Money> {
        let currency = currency.trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "currency",
                format!("{currency:?} is not an ISO 4217 currency code"),
            ));
        }
        let not_decimal = || invalid("amount", format!("{amount:?} is not a decimal amount"));
        let text = amount.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(not_decimal());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 9 {
            return Err(invalid(
                "amount",
                format!("{amount:?} has more than nine decimals"),
            ));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| not_decimal())?
        };
        let fraction_nanos: i64 = format!("{fraction:0<9}")
            .parse()
            .map_err(|_| not_decimal())?;
        let nanos = whole
            .checked_mul(NANOS)
            .and_then(|n| n.checked_add(fraction_nanos))
            .ok_or_else(|| invalid("amount", format!("{amount:?} is too large")))?;
        Ok(Money {
            currency,
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// The same amount without its sign: what a provider that writes charges as negative
    /// figures (Twilio's `price`) charged.
    pub fn charged(self) -> Money {
        Money {
            nanos: self.nanos.abs(),
            ..self
        }
    }
}

impl fmt::Display for Money {
    /// `USD 0.0075`: every decimal the amount has, at least two.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, decimal(self.nanos))
    }
}

fn decimal(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.unsigned_abs();
    let whole = abs / NANOS as u64;
    let fraction = format!("{:09}", abs % NANOS as u64);
    let fraction = fraction.trim_end_matches('0');
    format!("{sign}{whole}.{fraction:0<2}")
}

/// Sums of money kept apart per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Totals(
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))] BTreeMap<String, i64>,
);

impl Totals {
    /// Adds `money` to its currency's sum.
    pub fn add(&mut self, money: &Money) {
        *self.0.entry(money.currency.clone()).or_default() += money.nanos;
    }

    /// Each currency's sum, by currency code.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.iter().map(|(currency, &nanos)| Money {
            currency: currency.clone(),
            nanos,
        })
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Totals {
    /// `EUR 1.20, USD 12.3475`; `none` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let parts: Vec<String> = self.iter().map(|m| m.to_string()).collect();
        f.write_str(&parts.join(", "))
    }
}

/// How a call ended, as the providers' records say it (each provider's own words map here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Answered and ended.
    Answered,
    /// The callee's line was busy.
    Busy,
    /// Rang without an answer.
    NoAnswer,
    /// Could not be connected: refused, blocked or declined on the way.
    Failed,
    /// Ended by the caller before it was answered.
    Canceled,
    /// Queued, ringing or in progress: not final, left out of health.
    Unfinished,
}

/// Which way a call or message went, seen from the organization's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// To the number.
    Inbound,
    /// From the number.
    Outbound,
}

/// What a record cost, as far as the provider has said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Price {
    /// Charged this much (a positive amount).
    Charged { money: Money },
    /// Billable, but the provider has not priced it yet: pending, never zero; a later pull
    /// completes it.
    Pending,
    /// Not billed: a call that never connected (busy, unanswered, failed, canceled) and that
    /// the provider left unpriced.
    NotBilled,
    /// Billable, but the provider's records carry no price at all and never will (Bandwidth's
    /// Call Search): neither zero nor pending, counted apart as "cost not reported by the
    /// provider" and never summed.
    NotReported,
}

/// One call record of a provider account, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    /// The provider's id of the record (Twilio's `CA…` SID).
    pub provider_id: String,
    /// The organization's number the call used.
    pub number: E164,
    pub direction: Direction,
    /// The other party, as the provider gives it (a number, a SIP address or a client name).
    pub counterpart: String,
    pub outcome: CallOutcome,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Connected seconds.
    pub duration_secs: u32,
    /// Seconds billed, as the provider counts them.
    pub billed_secs: u32,
    pub price: Price,
}

impl CallRecord {
    /// What health needs of it.
    pub fn sample(&self) -> CallSample {
        CallSample {
            started_at: self.started_at,
            outcome: self.outcome,
            duration_secs: self.duration_secs,
        }
    }
}

/// One message record of a provider account, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRecord {
    /// The provider's id of the record (Twilio's `SM…` SID).
    pub provider_id: String,
    /// The organization's number the message used.
    pub number: E164,
    pub direction: Direction,
    /// The other party.
    pub counterpart: String,
    /// The provider's delivery status as given (`delivered`, `undelivered`, `received`, …).
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// Billed segments.
    pub segments: u32,
    pub price: Price,
}

/// One call, as much of it as health needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSample {
    /// When the call started.
    pub started_at: OffsetDateTime,
    /// How it ended.
    pub outcome: CallOutcome,
    /// How long it lasted once answered, in seconds.
    pub duration_secs: u32,
}

/// The limits health judges by. [`Thresholds::default`] holds the documented ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// The rolling window, in days (7).
    pub window_days: u32,
    /// Fewer final calls than this in the window: insufficient data (20).
    pub min_calls: u32,
    /// An answer rate below this is at risk (0.25).
    pub min_answer_rate: f64,
    /// The recent days compared with the rest of the window (3).
    pub recent_days: u32,
    /// The recent answer rate below this share of the earlier one is a fall (0.5)...
    pub fall_ratio: f64,
    /// ...when it is also this many points lower (0.15).
    pub min_fall_points: f64,
    /// An answered call shorter than this many seconds is short (10).
    pub short_call_secs: u32,
    /// A short-call share above this is at risk (0.5).
    pub max_short_share: f64,
    /// A failed share above this is at risk (0.3).
    pub max_failed_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            window_days: 7,
            min_calls: 20,
            min_answer_rate: 0.25,
            recent_days: 3,
            fall_ratio: 0.5,
            min_fall_points: 0.15,
            short_call_secs: 10,
            max_short_share: 0.5,
            max_failed_share: 0.3,
        }
    }
}

named_enum! {
    /// A number's health state, named as the CLI and the app write it: `healthy`, `at_risk`,
    /// `insufficient_data`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum HealthState("health") {
        /// Enough calls, and none of the reasons for concern.
        Healthy = "healthy",
        /// At least one [`Reason`].
        AtRisk = "at_risk",
        /// Fewer calls than [`Thresholds::min_calls`] in the window.
        InsufficientData = "insufficient_data",
    }
}

/// Why a number is at risk, with the figures that say so.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Reason {
    /// The window's answer rate is below the threshold.
    LowAnswerRate { rate: f64, threshold: f64 },
    /// The recent days' answer rate fell against the days before them.
    AnswerRateFell { earlier: f64, recent: f64 },
    /// Too many answered calls were short.
    ShortCalls { share: f64, threshold: f64 },
    /// Too many calls failed.
    FailedCalls { share: f64, threshold: f64 },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |x: f64| format!("{:.0} %", x * 100.0);
        match *self {
            Reason::LowAnswerRate { rate, threshold } => {
                write!(f, "answer rate {} is below {}", pct(rate), pct(threshold))
            }
            Reason::AnswerRateFell { earlier, recent } => write!(
                f,
                "answer rate fell from {} to {} in the last days",
                pct(earlier),
                pct(recent)
            ),
            Reason::ShortCalls { share, threshold } => write!(
                f,
                "{} of answered calls lasted under the short-call limit (above {})",
                pct(share),
                pct(threshold)
            ),
            Reason::FailedCalls { share, threshold } => write!(
                f,
                "{} of calls failed (above {})",
                pct(share),
                pct(threshold)
            ),
        }
    }
}

/// A number's health over the window, with every figure's sample size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Health {
    pub state: HealthState,
    /// Why it is at risk; empty otherwise.
    pub reasons: Vec<Reason>,
    /// Final calls in the window: the sample of the answer rate and the failed share.
    pub calls: u32,
    /// Answered calls in the window: the sample of the short-call share.
    pub answered: u32,
    /// Final calls per day of the window.
    pub calls_per_day: f64,
    /// Answered among final calls; none without calls.
    pub answer_rate: Option<f64>,
    /// Short among answered calls; none without answered calls.
    pub short_share: Option<f64>,
    /// Failed among final calls; none without calls.
    pub failed_share: Option<f64>,
    /// When the window's latest call started.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_record_at: Option<OffsetDateTime>,
}

#[derive(Default)]
struct Tally {
    calls: u32,
    answered: u32,
    short: u32,
    failed: u32,
}

impl Tally {
    fn add(&mut self, call: &CallSample, short_call_secs: u32) {
        self.calls += 1;
        match call.outcome {
            CallOutcome::Answered => {
                self.answered += 1;
                if call.duration_secs < short_call_secs {
                    self.short += 1;
                }
            }
            CallOutcome::Failed => self.failed += 1,
            _ => {}
        }
    }

    fn share(part: u32, of: u32) -> Option<f64> {
        (of > 0).then(|| f64::from(part) / f64::from(of))
    }

    fn answer_rate(&self) -> Option<f64> {
        Self::share(self.answered, self.calls)
    }
}

/// The health that `calls` give a number at `now`, judged by `limits`. Calls outside the window
/// (or after `now`) and unfinished calls are left out.
pub fn health<'a>(
    calls: impl IntoIterator<Item = &'a CallSample>,
    now: OffsetDateTime,
    limits: &Thresholds,
) -> Health {
    let from = now - Duration::days(i64::from(limits.window_days));
    let recent_from = now - Duration::days(i64::from(limits.recent_days));
    let mut parts = Parts::default();
    let mut last_record_at: Option<OffsetDateTime> = None;
    for call in calls {
        if call.outcome == CallOutcome::Unfinished
            || call.started_at < from
            || call.started_at > now
        {
            continue;
        }
        parts.add(call.started_at >= recent_from, |t| {
            t.add(call, limits.short_call_secs)
        });
        last_record_at = last_record_at.max(Some(call.started_at));
    }
    judge(&parts, last_record_at, limits)
}

/// The answered calls shorter than this many seconds are the short ones the daily rollups count
/// (`usage_daily.short_answered`): [`health_from_days`] judges with it, whatever
/// [`Thresholds::short_call_secs`] says.
pub const ROLLUP_SHORT_CALL_SECS: u32 = 10;

/// One UTC day of a number's calls, as the daily rollups (`usage_daily`) keep them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayCalls {
    /// The UTC day (`YYYY-MM-DD`).
    #[serde(with = "kept::utc_day")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub day: Date,
    /// Final calls (every outcome but unfinished).
    pub calls: u32,
    /// Answered calls.
    pub answered: u32,
    /// Answered calls shorter than [`ROLLUP_SHORT_CALL_SECS`].
    pub short_answered: u32,
    /// Failed calls.
    pub failed: u32,
}

/// The health that a number's daily rollups give it on the UTC day `today`, by the same rules
/// as [`health`] with the window cut at day boundaries: the window is the
/// [`Thresholds::window_days`] UTC days ending with `today` (today included, however much of it
/// has passed), its recent part the last [`Thresholds::recent_days`] of them; days outside are
/// left out. Short calls are the rollups' ([`ROLLUP_SHORT_CALL_SECS`]). `last_record_at` is the
/// start of the number's latest final call in the window, as the store found it (a day holds no
/// times).
pub fn health_from_days<'a>(
    days: impl IntoIterator<Item = &'a DayCalls>,
    today: Date,
    last_record_at: Option<OffsetDateTime>,
    limits: &Thresholds,
) -> Health {
    let first = DayRange::ending(today, limits.window_days).from();
    let recent_first = DayRange::ending(today, limits.recent_days).from();
    let mut parts = Parts::default();
    for d in days {
        if d.day < first || d.day > today {
            continue;
        }
        parts.add(d.day >= recent_first, |t| {
            t.calls += d.calls;
            t.answered += d.answered;
            t.short += d.short_answered;
            t.failed += d.failed;
        });
    }
    judge(&parts, last_record_at, limits)
}

/// A window's tallies: all of it, and its earlier and recent parts.
#[derive(Default)]
struct Parts {
    all: Tally,
    earlier: Tally,
    recent: Tally,
}

impl Parts {
    fn add(&mut self, recent: bool, f: impl Fn(&mut Tally)) {
        f(&mut self.all);
        f(if recent {
            &mut self.recent
        } else {
            &mut self.earlier
        });
    }
}

/// The rules of the module's doc, over a window's tallies.
fn judge(parts: &Parts, last_record_at: Option<OffsetDateTime>, limits: &Thresholds) -> Health {
    let Parts {
        all,
        earlier,
        recent,
    } = parts;
    let answer_rate = all.answer_rate();
    let short_share = Tally::share(all.short, all.answered);
    let failed_share = Tally::share(all.failed, all.calls);
    let mut reasons = Vec::new();
    let state = if all.calls < limits.min_calls {
        HealthState::InsufficientData
    } else {
        if let Some(rate) = answer_rate.filter(|&r| r < limits.min_answer_rate) {
            reasons.push(Reason::LowAnswerRate {
                rate,
                threshold: limits.min_answer_rate,
            });
        }
        let half = limits.min_calls.div_ceil(2);
        if let (Some(before), Some(now_rate)) = (earlier.answer_rate(), recent.answer_rate())
            && earlier.calls >= half
            && recent.calls >= half
            && now_rate < before * limits.fall_ratio
            && before - now_rate >= limits.min_fall_points
        {
            reasons.push(Reason::AnswerRateFell {
                earlier: before,
                recent: now_rate,
            });
        }
        if let Some(share) = short_share.filter(|&s| s > limits.max_short_share) {
            reasons.push(Reason::ShortCalls {
                share,
                threshold: limits.max_short_share,
            });
        }
        if let Some(share) = failed_share.filter(|&s| s > limits.max_failed_share) {
            reasons.push(Reason::FailedCalls {
                share,
                threshold: limits.max_failed_share,
            });
        }
        if reasons.is_empty() {
            HealthState::Healthy
        } else {
            HealthState::AtRisk
        }
    };
    Health {
        state,
        reasons,
        calls: all.calls,
        answered: all.answered,
        calls_per_day: f64::from(all.calls) / f64::from(limits.window_days.max(1)),
        answer_rate,
        short_share,
        failed_share,
        last_record_at,
    }
}
