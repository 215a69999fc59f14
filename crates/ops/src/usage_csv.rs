//! The usage report as CSV, written once for both shells: the CLI's `usage report --format
//! csv` prints it and the app's `usage_report_csv` command hands it to the usage view's
//! download.
//!
//! RFC 4180 (CRLF line ends, a cell quoted only when it holds a comma, a quote or a line
//! break). Columns: the group, the counts, billed minutes, pending records, records whose cost the provider does not
//! report (`cost_not_reported`), one `cost_<CUR>`
//! column per currency (an amount as a decimal without its code; empty: nothing charged in
//! it) and, grouped by number, each number's health with its sample sizes (empty cells for a
//! number without one). Money stays per currency, never converted.
//!
//! The spreadsheet-formula guard is the number export's own
//! ([`switchboard_core::transfer::escape_cell`]), applied to the one cell a person writes: the
//! group's key (an agent's name, a provider, a day). A number's key is not escaped (always `+`
//! and digits, as the export's `phone_number`), nor are the figures this module writes (a
//! negative amount is a number, not a formula) or core's health words.

use switchboard_core::transfer::escape_cell;
use switchboard_core::usage::{GroupBy, Health, ReportRow};
use switchboard_core::{Error, Result};

/// The columns before the costs.
const COUNTS: [&str; 9] = [
    "calls",
    "final_calls",
    "answered",
    "failed",
    "billed_minutes",
    "messages",
    "segments",
    "pending",
    "cost_not_reported",
];

/// The health's columns, grouped by number.
const HEALTH: [&str; 9] = [
    "health",
    "answer_rate",
    "window_calls",
    "short_share",
    "window_answered",
    "failed_share",
    "calls_per_day",
    "last_call_at",
    "reasons",
];

/// `rows` (one report's, grouped `by`) as CSV text, header first.
pub fn report_csv(rows: &[ReportRow], by: GroupBy) -> Result<String> {
    let mut currencies: Vec<String> = rows
        .iter()
        .flat_map(|r| r.usage.cost.iter().map(|m| m.currency))
        .collect();
    currencies.sort();
    currencies.dedup();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<String> = std::iter::once(by.as_str())
        .chain(COUNTS)
        .map(String::from)
        .collect();
    header.extend(currencies.iter().map(|c| format!("cost_{c}")));
    if by == GroupBy::Number {
        header.extend(HEALTH.map(String::from));
    }
    w.write_record(&header).map_err(csv_error)?;
    for r in rows {
        let c = &r.usage.counts;
        let key = match by {
            GroupBy::Number => r.usage.key.clone(),
            _ => escape_cell(&r.usage.key).into_owned(),
        };
        let mut record = vec![
            key,
            c.calls.to_string(),
            c.final_calls.to_string(),
            c.answered.to_string(),
            c.failed.to_string(),
            format!("{:.1}", c.billed_minutes()),
            c.messages.to_string(),
            c.segments.to_string(),
            c.pending.to_string(),
            c.not_reported.to_string(),
        ];
        for currency in &currencies {
            let amount = r.usage.cost.iter().find(|m| &m.currency == currency);
            // "USD 0.0075" without its code: the column names the currency.
            record.push(amount.map_or(String::new(), |m| {
                (m.to_string().split_once(' '))
                    .map(|(_, decimal)| decimal.to_owned())
                    .unwrap_or_default()
            }));
        }
        if by == GroupBy::Number {
            record.extend(
                r.health
                    .as_ref()
                    .map_or_else(|| vec![String::new(); HEALTH.len()], health_cells),
            );
        }
        w.write_record(&record).map_err(csv_error)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|e| csv_error(std::io::Error::other(e).into()))
}

/// A health's cells, in [`HEALTH`] order: shares with four decimals, calls per day with two.
fn health_cells(h: &Health) -> Vec<String> {
    let share = |s: Option<f64>| s.map_or(String::new(), |s| format!("{s:.4}"));
    vec![
        h.state.as_str().to_owned(),
        share(h.answer_rate),
        h.calls.to_string(),
        share(h.short_share),
        h.answered.to_string(),
        share(h.failed_share),
        format!("{:.2}", h.calls_per_day),
        h.last_record_at.map_or(String::new(), crate::rfc3339),
        reasons(h),
    ]
}

/// Why a number is at risk, in core's words ([`switchboard_core::usage::Reason`]'s text), one
/// after the other: the CSV's `reasons` cell, the CLI's `REASONS` column and the app's.
pub fn reasons(h: &Health) -> String {
    (h.reasons.iter().map(ToString::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

fn csv_error(e: csv::Error) -> Error {
    Error::Io {
        path: "usage report CSV".into(),
        source: std::io::Error::other(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use switchboard_core::usage::{
        Health, HealthState, Money, Reason, ReportRow, Totals, UsageCounts, UsageRow,
    };
    use time::macros::datetime;

    use super::*;

    fn row(key: &str, counts: UsageCounts, cost: &[(&str, i64)]) -> ReportRow {
        let mut totals = Totals::default();
        for (currency, nanos) in cost {
            totals.add(&Money {
                currency: (*currency).into(),
                nanos: *nanos,
            });
        }
        ReportRow {
            usage: UsageRow {
                key: key.into(),
                id: None,
                counts,
                cost: totals,
            },
            health: None,
        }
    }

    #[test]
    fn writes_a_column_per_currency_empty_where_nothing_was_charged() {
        let csv = report_csv(
            &[
                row(
                    "Ana, \"the\" lead",
                    UsageCounts {
                        calls: 2,
                        final_calls: 2,
                        answered: 1,
                        billed_secs: 90,
                        ..Default::default()
                    },
                    &[("USD", 7_500_000)],
                ),
                row(
                    "",
                    UsageCounts {
                        calls: 3,
                        pending: 1,
                        not_reported: 2,
                        ..Default::default()
                    },
                    &[("EUR", 1_000_000_000)],
                ),
                row(
                    "=HYPERLINK(1)",
                    UsageCounts {
                        messages: 1,
                        segments: 2,
                        ..Default::default()
                    },
                    &[],
                ),
            ],
            GroupBy::Agent,
        )
        .unwrap();
        assert_eq!(
            csv.split("\r\n").collect::<Vec<_>>(),
            [
                "agent,calls,final_calls,answered,failed,billed_minutes,messages,segments,pending,cost_not_reported,cost_EUR,cost_USD",
                "\"Ana, \"\"the\"\" lead\",2,2,1,0,1.5,0,0,0,0,,0.0075",
                ",3,0,0,0,0.0,0,0,1,2,1.00,",
                "'=HYPERLINK(1),0,0,0,0,0.0,1,2,0,0,,",
                "",
            ]
        );
    }

    #[test]
    fn adds_each_numbers_health_and_keeps_an_e164s_plus_sign() {
        let mut r = row(
            "+15550000001",
            UsageCounts {
                calls: 10,
                final_calls: 10,
                answered: 1,
                ..Default::default()
            },
            &[],
        );
        r.health = Some(Health {
            state: HealthState::AtRisk,
            reasons: vec![Reason::LowAnswerRate {
                rate: 0.1,
                threshold: 0.2,
            }],
            calls: 10,
            answered: 1,
            calls_per_day: 10.0 / 7.0,
            answer_rate: Some(0.1),
            short_share: None,
            failed_share: Some(0.0),
            last_record_at: Some(datetime!(2026-12-01 10:00 UTC)),
        });
        let csv = report_csv(&[r], GroupBy::Number).unwrap();
        let mut lines = csv.split("\r\n");
        let (header, line) = (lines.next().unwrap(), lines.next().unwrap());
        assert_eq!(
            header,
            "number,calls,final_calls,answered,failed,billed_minutes,messages,segments,pending,\
             cost_not_reported,health,answer_rate,window_calls,short_share,window_answered,failed_share,calls_per_day,last_call_at,reasons"
        );
        assert_eq!(
            line,
            "+15550000001,10,10,1,0,0.0,0,0,0,0,at_risk,0.1000,10,,1,0.0000,1.43,2026-12-01T10:00:00Z,\
             answer rate 10 % is below 20 %"
        );
    }
}
