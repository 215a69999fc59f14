//! The offline cache from the command line: `sync [--full]`, `sync status`, `outbox list`,
//! `conflicts list`, `conflicts resolve ID --keep mine|theirs`.
//!
//! The cache of a `--database-url` is the file [`switchboard_sync::cache_path`] names for its
//! server, database and role. The `orgs`, `agents` and `numbers` commands use it when the
//! server cannot be reached (see `commands`).

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use switchboard_core::Result;
use switchboard_core::store::{Conflict, OutboxEntry, Workspace};
use switchboard_ops::sync::{KeepVersion, SkippedRow, SyncProgress, SyncRun};
use switchboard_sync::{CancelToken, Progress, SyncOptions};
use time::format_description::well_known::Rfc3339;

use crate::{Global, db, output};

/// `sync [--full]` or `sync status`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// Copy everything again instead of applying the changes since the last sync
    #[arg(long)]
    full: bool,
    #[command(subcommand)]
    command: Option<SyncCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Where the cache stands: last sync, rows, outbox, conflicts
    Status,
}

#[derive(Debug, Subcommand)]
pub enum Outbox {
    /// Edits made offline, waiting for the next sync
    List,
}

#[derive(Debug, Subcommand)]
pub enum Conflicts {
    /// Offline edits the server did not take, with both versions
    List,
    /// Keep one version of a conflicting edit
    Resolve {
        /// The conflict's number (from `conflicts list`)
        id: i64,
        /// Which version to keep
        #[arg(long, value_enum)]
        keep: KeepArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeepArg {
    /// My offline edit: sent again with the next sync
    Mine,
    /// The server's version: my edit is dropped
    Theirs,
}

fn cache(g: &Global) -> Result<Workspace> {
    switchboard_sync::open_cache(&db::settings(g)?)
}

fn time_text(t: Option<time::OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "never".into())
}

/// How `sync` ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Done (or `sync status` printed).
    Complete,
    /// Stopped by Ctrl-C between batches: what was committed stays, the next sync resumes.
    Cancelled,
}

/// `sync [--full]` and `sync status`.
pub fn run(g: &Global, args: SyncArgs) -> Result<Finished> {
    match args.command {
        Some(SyncCommand::Status) => status(g).map(|()| Finished::Complete),
        None => sync(g, args.full),
    }
}

fn status(g: &Global) -> Result<()> {
    let s = switchboard_sync::status(&cache(g)?)?;
    output::json_or_print(g.json, &s, |s| {
        println!("cache:          {}", s.path);
        println!("last synced at: {}", time_text(s.last_synced_at));
        println!("numbers:        {}", s.numbers);
        if !s.copied {
            println!(
                "full copy:      {} of {} rows (resumes with the next sync)",
                s.copy_done, s.copy_total
            );
        }
        println!("outbox:         {} edit(s) waiting", s.outbox);
        println!("conflicts:      {}", s.conflicts);
        println!("skipped rows:   {}", s.skipped.len());
        for row in &s.skipped {
            println!("  {}", SkippedRow::from(row).line());
        }
    });
    Ok(())
}

fn sync(g: &Global, full: bool) -> Result<Finished> {
    let settings = db::settings(g)?;
    let cache = switchboard_sync::cache_path(&settings)?;
    let rt = switchboard_sync::runtime()?;
    let mut options = SyncOptions {
        full,
        ..SyncOptions::default()
    };
    // Smaller batches (tests that interrupt the copy at many points).
    if let Some(n) = std::env::var("SWITCHBOARD_SYNC_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.batch_rows = n;
    }
    let quiet = g.json;
    let mut progress = move |p: Progress| {
        if !quiet {
            eprintln!("{}", SyncProgress::from(p).line());
        }
    };
    let cancel = CancelToken::new();
    let on_signal = cancel.clone();
    let handle = rt.handle().clone();
    let mut connected = move |warnings: &[String]| {
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
        // Ctrl-C stops the sync at the next batch boundary (a second one quits at once: the
        // cache is committed batch by batch, so that is as safe as a kill).
        let on_signal = on_signal.clone();
        handle.spawn(crate::progress::cancel_on_ctrl_c(
            "the batch in flight",
            move || on_signal.cancel(),
        ));
    };
    let run = SyncRun {
        settings: &settings,
        cache: &cache,
        options,
        team: None,
    };
    let report = run
        .run(rt.handle(), &mut connected, &mut progress, &cancel)?
        .report;
    if report.cancelled {
        tracing::warn!(copied = report.copied, "sync cancelled");
        if g.json {
            output::json(&report);
        }
        return Ok(Finished::Cancelled);
    }
    output::json_or_print(g.json, &report, |report| {
        println!(
            "synced: {} copied, {} changed, {} deleted, {} offline edit(s) sent, {} conflict(s); \
             last synced at {}",
            report.copied,
            report.changed,
            report.deleted,
            report.replayed,
            report.conflicts,
            time_text(report.last_synced_at)
        );
        if report.usage_records > 0 {
            println!(
                "{} call and message record(s) of the team's usage brought into the cache",
                report.usage_records
            );
        }
        if report.conflicts > 0 {
            println!("see `conflicts list`");
        }
        if report.skipped > 0 {
            println!(
                "{} row(s) of the team database could not be cached as they are: see `sync \
                 status`",
                report.skipped
            );
        }
    });
    Ok(Finished::Complete)
}

/// `outbox list`.
pub fn outbox(g: &Global, cmd: Outbox) -> Result<()> {
    let Outbox::List = cmd;
    output::listing(g.json, &cache(g)?.outbox()?, &OUTBOX_COLUMNS);
    Ok(())
}

/// The columns of `outbox list`.
const OUTBOX_COLUMNS: [output::Column<OutboxEntry>; 6] = [
    ("SEQ", |e| e.seq.to_string()),
    ("EDIT", |e| e.op.as_str().to_owned()),
    ("NUMBER", |e| e.number.phone_number.to_string()),
    ("NAME", |e| {
        e.number.friendly_name.clone().unwrap_or_default()
    }),
    ("QUEUED", |e| time_text(Some(e.queued_at))),
    ("LAST ERROR", |e| e.last_error.clone().unwrap_or_default()),
];

/// `conflicts list` and `conflicts resolve`.
pub fn conflicts(g: &Global, cmd: Conflicts) -> Result<()> {
    let mut ws = cache(g)?;
    match cmd {
        Conflicts::List => {
            let all = ws.conflicts()?;
            output::json_or_print(g.json, all.as_slice(), print_conflicts);
        }
        Conflicts::Resolve { id, keep } => {
            let keep = match keep {
                KeepArg::Mine => KeepVersion::Mine,
                KeepArg::Theirs => KeepVersion::Theirs,
            };
            let c = ws.resolve_conflict(id, keep.into())?;
            output::json_or(
                g.json,
                &json!({ "resolved": c.id, "kept": keep }),
                |_| match keep {
                    KeepVersion::Mine => {
                        format!("conflict #{id}: kept mine; it is sent with the next sync")
                    }
                    KeepVersion::Theirs => format!("conflict #{id}: kept theirs"),
                },
            );
        }
    }
    Ok(())
}

/// `conflicts list` in words.
fn print_conflicts(all: &[Conflict]) {
    let version = |n: &Option<switchboard_core::domain::PhoneNumber>| match n {
        Some(n) => format!(
            "{} {:?} {} (updated {})",
            n.phone_number,
            n.friendly_name.as_deref().unwrap_or(""),
            n.status,
            time_text(Some(n.updated_at))
        ),
        None => "removed".into(),
    };
    for c in all {
        println!("#{} {} {}: {}", c.id, c.op.as_str(), c.number_id, c.reason);
        println!("  mine:   {}", version(&c.mine));
        println!("  theirs: {}", version(&c.theirs));
    }
    if all.is_empty() {
        println!("no conflicts");
    }
}
