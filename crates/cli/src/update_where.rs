//! `numbers update --org S --where [filter flags]`: one change to every number of an
//! organization the filter flags select (the flags of `numbers list`, parsed by the same
//! [`FilterArgs`]), through `switchboard_ops::actions::update_where`.

use clap::Parser;
use switchboard_core::{Error, Result};
use switchboard_ops::actions::{self, TypedChange};
use switchboard_ops::{BulkReport, Cancel, Inventory};

use crate::number_filter::FilterArgs;
use crate::progress::{self, Progress};
use crate::{Global, output};

/// The flags after `--where`.
#[derive(Debug, Parser)]
#[command(name = "--where", no_binary_name = true, disable_help_flag = true)]
struct Where {
    #[command(flatten)]
    filter: FilterArgs,
    /// `--dry-run` given after `--where`.
    #[arg(long)]
    dry_run: bool,
}

/// The filter flags after `--where`, checked as `numbers list` checks them.
fn filter_flags(flags: &[String]) -> Result<Where> {
    let parsed = Where::try_parse_from(flags).map_err(|e| {
        let message = e.to_string();
        let first = message.lines().next().unwrap_or_default();
        Error::InvalidInput {
            field: "where".into(),
            reason: first.trim_start_matches("error: ").trim().to_owned(),
        }
    })?;
    Ok(parsed)
}

/// Runs (or, `dry_run`, counts) the change of every number of `org` the flags select.
pub async fn run(
    g: &Global,
    inv: &dyn Inventory,
    org: &str,
    flags: &[String],
    typed: TypedChange,
    dry_run: bool,
) -> Result<()> {
    let org = inv.organization(org).await?;
    let flags = filter_flags(flags)?;
    let filter = flags.filter.resolve(inv, &org.id.to_string()).await?;
    if dry_run || flags.dry_run {
        let n = actions::update_where_dry_run(inv, &filter, typed).await?;
        output::json_or(
            g.json,
            &serde_json::json!({ "matching": n, "dryRun": true }),
            |_| {
                format!(
                    "would update {} of {}",
                    output::count_of(n, "number"),
                    org.slug
                )
            },
        );
        return Ok(());
    }
    let cancel = Cancel::new();
    let on_signal = cancel.clone();
    let signal = tokio::spawn(progress::cancel_on_ctrl_c(
        "the chunk in flight",
        move || on_signal.cancel(),
    ));
    let progress = Progress::new();
    let report = actions::update_where(inv, &filter, typed, &cancel, |p| {
        let text = format!("updating: {} of {}", p.done, p.total);
        progress.report(p.done as usize, Some(p.total as usize), &text);
    })
    .await;
    progress.finish();
    signal.abort();
    output::json_or_print(g.json, &report?, print_report);
    Ok(())
}

/// A bulk change's report in words.
fn print_report(r: &BulkReport) {
    let mut line = format!("updated {}", output::count_of(r.updated, "number"));
    if r.queued > 0 {
        line.push_str(&format!(
            " ({} offline; queued for the next sync)",
            r.queued
        ));
    }
    if r.cancelled {
        line.push_str("; cancelled: the numbers after those are unchanged");
    }
    println!("{line}");
    for f in &r.failed {
        println!("failed: {}: {}", f.id, f.error);
    }
}
