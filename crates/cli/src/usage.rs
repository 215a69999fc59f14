//! `usage sync` and `usage report`: the organization's call and message records, their cost
//! per currency and each number's health (`switchboard_ops::usage` does the work; this module
//! reads the flags and prints).

use std::io::Write as _;

use clap::{Args, Subcommand};
use serde_json::json;
use switchboard_core::domain::E164;
use switchboard_core::usage::{GroupBy, Health, ReportRow, Thresholds, UsageRow};
use switchboard_core::{Error, Result};
use switchboard_ops::usage::{self, AccountSynced, NumberUsage, SyncProgress};
use switchboard_ops::usage_csv;
use time::{OffsetDateTime, PrimitiveDateTime, Time};

use crate::output;
use crate::providers::{Failure, Outcome, Progress};
use crate::{Global, db, vault};

/// `usage …`.
#[derive(Debug, Subcommand)]
pub enum Usage {
    /// Pull the organization's call and message records from its provider accounts, each from
    /// where the last sync stopped (pending prices are completed by later syncs); progress on
    /// standard error; Ctrl-C stops cleanly (what was kept stays, the next sync reads the rest)
    Sync(SyncArgs),
    /// Calls, billed minutes, messages, cost per currency, pending records and records whose
    /// cost the provider does not report, grouped by number (with each number's health),
    /// agent, provider or day; or one number's, per day, with its health (--number)
    Report(ReportArgs),
}

/// `usage sync` flags.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Organization slug or id
    #[arg(long)]
    org: String,
    /// Only this provider account
    #[arg(long)]
    account: Option<String>,
    /// Read the records from this UTC day on (YYYY-MM-DD) instead of from the last sync
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
}

/// `usage report` flags.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Organization slug or id
    #[arg(long)]
    org: String,
    /// First UTC day (YYYY-MM-DD) [default: 30 days ending with --to]
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last UTC day, included (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// number, agent, provider or day (with --number: day, the default)
    #[arg(long, required_unless_present = "number")]
    by: Option<String>,
    /// Only this number (E.164): its days, totals and health
    #[arg(long, value_name = "NUM")]
    number: Option<String>,
    /// table, csv or json (--json is json)
    #[arg(long, default_value = "table")]
    format: String,
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFormat {
    Table,
    Csv,
    Json,
}

impl std::str::FromStr for ReportFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(ReportFormat::Table),
            "csv" => Ok(ReportFormat::Csv),
            "json" => Ok(ReportFormat::Json),
            _ => Err(Error::InvalidInput {
                field: "format".into(),
                reason: format!("{s:?} is not table, csv or json"),
            }),
        }
    }
}

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

/// `usage sync --org S [--account ID] [--since DATE]`.
pub fn sync(g: &Global, a: SyncArgs) -> Outcome {
    let since = (a.since.as_deref())
        .map(|d| usage::parse_day("since", d))
        .transpose()?
        .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_utc());
    crate::providers::session::run(g, async |inv, cancel| {
        let org = inv.organization(&a.org).await?;
        let accounts = usage::accounts_to_sync(inv, vault::open, org.id, a.account.as_deref());
        let accounts = accounts.await.map_err(|f| Failure::of(f, &org.slug))?;
        if accounts.is_empty() {
            return Err(Failure::Core(Error::InvalidInput {
                field: "org".into(),
                reason: format!(
                    "{} has no provider account to pull records from (add one with \
                     `switchboard-cli accounts add`)",
                    org.slug
                ),
            }));
        }
        let progress = Progress::new();
        let show = |p: &SyncProgress| {
            let text = format!(
                "{} {}: {} {} read ({} pages)",
                p.provider,
                p.account_id,
                p.records,
                p.kind.as_str(),
                p.pages
            );
            progress.report((p.records / 10_000) as usize, None, &text);
        };
        let store = inv.usage()?;
        let synced = usage::sync(store, &accounts, since, &show, cancel).await;
        progress.finish();
        let synced = synced.map_err(|f| Failure::of(f, &org.slug))?;
        output::json_or_print(
            g.json,
            &json!({ "organization": org.slug, "accounts": synced }),
            |_| {
                for s in &synced {
                    println!("{}", synced_line(s));
                }
            },
        );
        Ok(())
    })
}

fn synced_line(s: &AccountSynced) -> String {
    let kinds = [("calls", &s.calls), ("messages", &s.messages)];
    let next = (kinds.iter())
        .filter(|(_, k)| k.unavailable.is_none())
        .map(|(_, k)| k.next_since)
        .min();
    let mut line = format!(
        "{} {}: {} added, {} completed, {} pending, {} skipped ({} pages)",
        s.provider, s.account_id, s.added, s.completed, s.pending, s.skipped, s.pages,
    );
    if let Some(next) = next {
        line.push_str(&format!("; next sync from {}", usage_time(next)));
    }
    for (name, k) in kinds {
        if let Some(why) = &k.unavailable {
            line.push_str(&format!("; {name} not available: {why}"));
        }
    }
    line
}

fn usage_time(t: OffsetDateTime) -> String {
    switchboard_ops::rfc3339(t)
}

/// `usage report --org S [--from DATE] [--to DATE] --by … [--format …]`. Every flag is read
/// before the workspace is opened: bad input changes nothing.
pub fn report(g: &Global, a: ReportArgs) -> Result<()> {
    let by: GroupBy = a.by.as_deref().unwrap_or("day").parse()?;
    let number: Option<E164> = a.number.as_deref().map(str::parse).transpose()?;
    if number.is_some() && by != GroupBy::Day {
        return Err(Error::InvalidInput {
            field: "by".into(),
            reason: format!(
                "--number reports one number per day: --by {} does not apply",
                by.as_str()
            ),
        });
    }
    let format = if g.json {
        ReportFormat::Json
    } else {
        a.format.parse()?
    };
    let from = (a.from.as_deref())
        .map(|d| usage::parse_day("from", d))
        .transpose()?;
    let to =
        a.to.as_deref()
            .map(|d| usage::parse_day("to", d))
            .transpose()?;
    let range = usage::report_range(from, to, today())?;
    db::with_inventory(g, async |inv| {
        let org = inv.organization(&a.org).await?;
        let limits = Thresholds::default();
        if let Some(number) = &number {
            let found = usage::number_usage(inv.usage()?, org.id, number, range, &limits).await?;
            return number_report(&org.slug, &found, format);
        }
        let rows = usage::report(inv.usage()?, org.id, range, by, &limits).await?;
        match format {
            ReportFormat::Json => output::json(&json!({
                "organization": org.slug,
                "from": range.from().to_string(),
                "to": range.to().to_string(),
                "by": by,
                "rows": rows,
            })),
            ReportFormat::Csv => print_csv(&rows, by)?,
            ReportFormat::Table => table(&rows, by),
        }
        Ok(())
    })
}

/// Prints `rows` grouped `by` as ops' CSV.
fn print_csv(rows: &[ReportRow], by: GroupBy) -> Result<()> {
    let text = usage_csv::report_csv(rows, by)?;
    let mut out = std::io::stdout().lock();
    (out.write_all(text.as_bytes()).and_then(|()| out.flush())).map_err(|e| Error::Io {
        path: "standard output".into(),
        source: e,
    })
}

/// `usage report --number NUM`: the number's days (JSON: all of ops' answer; CSV: its days as
/// the report by day writes them; table: its days, its totals and its health).
fn number_report(org: &str, found: &NumberUsage, format: ReportFormat) -> Result<()> {
    let days: Vec<ReportRow> = (found.days.iter())
        .map(|usage| ReportRow {
            usage: usage.clone(),
            health: None,
        })
        .collect();
    match format {
        ReportFormat::Json => {
            #[derive(serde::Serialize)]
            struct Answer<'a> {
                organization: &'a str,
                #[serde(flatten)]
                usage: &'a NumberUsage,
            }
            output::json(&Answer {
                organization: org,
                usage: found,
            });
        }
        ReportFormat::Csv => print_csv(&days, GroupBy::Day)?,
        ReportFormat::Table => {
            println!(
                "{} in {org}, {} to {}",
                found.phone_number, found.from, found.to
            );
            let total = ReportRow {
                usage: UsageRow {
                    key: "TOTAL".into(),
                    ..found.totals.clone()
                },
                health: None,
            };
            table(&[days, vec![total]].concat(), GroupBy::Day);
            let h = &found.health;
            let [state, rate, short, failed, per_day, last, reasons] =
                <[String; 7]>::try_from(health_cells(h)).unwrap_or_default();
            println!(
                "health ({} to {}): {state}; answer rate {rate} calls; short {short} answered; \
                 failed {failed}; {per_day} calls a day; last call {last}",
                found.health_from, found.to
            );
            if !reasons.is_empty() {
                println!("why: {reasons}");
            }
        }
    }
    Ok(())
}

/// What a group's key says when it is empty.
fn key(row: &ReportRow, by: GroupBy) -> String {
    match (by, row.usage.key.as_str()) {
        (GroupBy::Agent, "") => "(no agent)".into(),
        (GroupBy::Provider, "") => "(removed numbers)".into(),
        (_, k) => k.to_owned(),
    }
}

fn minutes(row: &ReportRow) -> String {
    format!("{:.1}", row.usage.counts.billed_minutes())
}

fn percent(share: Option<f64>) -> String {
    share.map_or("—".into(), |s| format!("{:.0} %", s * 100.0))
}

/// A health's figures as table cells: state, answer rate (of n), short share (of n), failed
/// share (of n), calls per day, last call, reasons.
fn health_cells(h: &Health) -> Vec<String> {
    vec![
        h.state.as_str().to_owned(),
        format!("{} of {}", percent(h.answer_rate), h.calls),
        format!("{} of {}", percent(h.short_share), h.answered),
        format!("{} of {}", percent(h.failed_share), h.calls),
        format!("{:.1}", h.calls_per_day),
        h.last_record_at.map_or("—".into(), usage_time),
        usage_csv::reasons(h),
    ]
}

fn table(rows: &[ReportRow], by: GroupBy) {
    let mut header = vec![
        by.as_str().to_uppercase(),
        "CALLS".into(),
        "ANSWERED".into(),
        "MINUTES".into(),
        "MESSAGES".into(),
        "COST".into(),
        "PENDING".into(),
        "COST NOT REPORTED".into(),
    ];
    if by == GroupBy::Number {
        header.extend(
            [
                "HEALTH",
                "ANSWER RATE",
                "SHORT",
                "FAILED",
                "CALLS/DAY",
                "LAST CALL",
                "REASONS",
            ]
            .map(String::from),
        );
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let c = &r.usage.counts;
            let mut cells = vec![
                key(r, by),
                c.calls.to_string(),
                c.answered.to_string(),
                minutes(r),
                c.messages.to_string(),
                r.usage.cost.to_string(),
                c.pending.to_string(),
                c.not_reported.to_string(),
            ];
            cells.extend(r.health.as_ref().map(health_cells).unwrap_or_default());
            cells
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    output::table(&header, &cells);
}
