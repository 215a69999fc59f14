//! The offline cache from the command line: `sync [--full]`, `sync status`, `outbox list`,
//! `conflicts list`, `conflicts resolve ID --keep mine|theirs`, and the offline fallback of the
//! `orgs`, `agents` and `numbers` commands with `--database-url`.
//!
//! The cache of a `--database-url` is the file [`switchboard_sync::cache_path`] names for its
//! server, database and role. When the server cannot be reached at the start of a command,
//! reads run on that file (the local commands, unchanged) after one line on stderr,
//! `offline: showing cached data from <time>`; `numbers add|update|remove` change the cache
//! and queue the edit in its outbox for the next `sync`. Other writes need the server.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use switchboard_core::domain::NewNumber;
use switchboard_core::store::{Keep, NumberRef, Workspace};
use switchboard_core::{Error, ErrorCode, Result};
use switchboard_postgres::RemoteWorkspace;
use switchboard_sync::{CancelToken, Phase, Progress, SyncOptions};
use time::format_description::well_known::Rfc3339;

use crate::commands::{Agents, Numbers, Orgs};
use crate::{Global, commands, db, output, remote};

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
    if g.json {
        output::json(&s);
    } else {
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
            let what = if row.skip.kept {
                "kept without it"
            } else {
                "not in the cache"
            };
            println!(
                "  {} {} ({what}): {}",
                row.skip.number_id,
                row.skip.phone_number.as_deref().unwrap_or("-"),
                row.skip.reason
            );
        }
    }
    Ok(())
}

fn sync(g: &Global, full: bool) -> Result<Finished> {
    let settings = db::settings(g)?;
    let mut cache = switchboard_sync::open_cache(&settings)?;
    let rt = switchboard_sync::runtime()?;
    let remote = rt.block_on(RemoteWorkspace::connect(&settings))?;
    for warning in remote.warnings() {
        eprintln!("warning: {warning}");
    }
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
            let phase = match p.phase {
                Phase::Replay => "replaying offline edits",
                Phase::Copy => "copying",
                Phase::Index => "indexing the copy",
                Phase::Changes => "applying changes",
            };
            if p.total > 0 {
                eprintln!("{phase}: {} of {}", p.done, p.total);
            } else {
                eprintln!("{phase}: {}", p.done);
            }
        }
    };
    // Ctrl-C stops the sync at the next batch boundary (a second one quits at once: the
    // cache is committed batch by batch, so that is as safe as a kill).
    let cancel = CancelToken::new();
    let on_signal = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling: finishing the batch in flight (Ctrl-C again to quit now)");
            on_signal.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let result = switchboard_sync::sync(
        rt.handle(),
        &remote,
        &mut cache,
        &options,
        &mut progress,
        &cancel,
    );
    rt.block_on(remote.close());
    let report = result?;
    if report.cancelled {
        tracing::warn!(copied = report.copied, "sync cancelled");
        if g.json {
            output::json(&report);
        }
        return Ok(Finished::Cancelled);
    }
    if g.json {
        output::json(&report);
    } else {
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
    }
    Ok(Finished::Complete)
}

/// `outbox list`.
pub fn outbox(g: &Global, cmd: Outbox) -> Result<()> {
    let Outbox::List = cmd;
    let entries = cache(g)?.outbox()?;
    if g.json {
        output::json(&entries);
    } else {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    e.seq.to_string(),
                    e.op.as_str().to_owned(),
                    e.number.phone_number.to_string(),
                    e.number.friendly_name.clone().unwrap_or_default(),
                    time_text(Some(e.queued_at)),
                    e.last_error.clone().unwrap_or_default(),
                ]
            })
            .collect();
        output::table(
            &["SEQ", "EDIT", "NUMBER", "NAME", "QUEUED", "LAST ERROR"],
            &rows,
        );
    }
    Ok(())
}

/// `conflicts list` and `conflicts resolve`.
pub fn conflicts(g: &Global, cmd: Conflicts) -> Result<()> {
    let mut ws = cache(g)?;
    match cmd {
        Conflicts::List => {
            let all = ws.conflicts()?;
            if g.json {
                output::json(&all);
                return Ok(());
            }
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
            for c in &all {
                println!("#{} {} {}: {}", c.id, c.op.as_str(), c.number_id, c.reason);
                println!("  mine:   {}", version(&c.mine));
                println!("  theirs: {}", version(&c.theirs));
            }
            if all.is_empty() {
                println!("no conflicts");
            }
        }
        Conflicts::Resolve { id, keep } => {
            let keep = match keep {
                KeepArg::Mine => Keep::Mine,
                KeepArg::Theirs => Keep::Theirs,
            };
            let c = ws.resolve_conflict(id, keep)?;
            if g.json {
                output::json(
                    &json!({ "resolved": c.id, "kept": format!("{keep:?}").to_lowercase() }),
                );
            } else if keep == Keep::Mine {
                println!("conflict #{id}: kept mine; it is sent with the next sync");
            } else {
                println!("conflict #{id}: kept theirs");
            }
        }
    }
    Ok(())
}

/// The cache to use instead of the server, when the server cannot be reached now.
fn offline_cache(g: &Global) -> Result<Option<Global>> {
    let settings = db::settings(g)?;
    let rt = db::runtime()?;
    let probe = rt.block_on(async {
        let ws = RemoteWorkspace::connect(&settings).await?;
        ws.close().await;
        Ok::<_, Error>(())
    });
    match probe {
        Ok(()) => Ok(None),
        Err(e) if e.code() == ErrorCode::Offline => {
            let path = switchboard_sync::cache_path(&settings)?;
            // No cache yet (or an empty one): there is nothing to show, so the command fails
            // as offline instead of showing an empty workspace as if it were the truth.
            let has_data = path.exists() && !Workspace::open(&path)?.organizations()?.is_empty();
            if !has_data {
                return Err(match e {
                    Error::Offline { server, reason } => Error::Offline {
                        server,
                        reason: format!(
                            "{reason}; nothing is cached for it yet (run `sync` while online)"
                        ),
                    },
                    e => e,
                });
            }
            let ws = Workspace::open(&path)?;
            let when = switchboard_sync::last_synced_at(&ws)?;
            match when {
                Some(_) => eprintln!("offline: showing cached data from {}", time_text(when)),
                None => eprintln!("offline: showing cached data (never completely synced)"),
            }
            let mut local = g.clone();
            local.workspace = Some(path);
            local.database_url = None;
            Ok(Some(local))
        }
        Err(e) => Err(e),
    }
}

fn needs_server(what: &str) -> Error {
    Error::Offline {
        server: "the team database".into(),
        reason: format!(
            "{what} needs the server; only numbers add, update and remove are queued offline"
        ),
    }
}

/// `orgs …` with `--database-url`, from the cache when offline.
pub fn orgs(g: &Global, cmd: Orgs) -> Result<()> {
    match offline_cache(g)? {
        None => remote::orgs(g, cmd),
        Some(_) if matches!(cmd, Orgs::Add { .. }) => Err(needs_server("adding an organization")),
        Some(local) => commands::orgs(&local, cmd),
    }
}

/// `agents …` with `--database-url`, from the cache when offline.
pub fn agents(g: &Global, cmd: Agents) -> Result<()> {
    match offline_cache(g)? {
        None => remote::agents(g, cmd),
        Some(_) if matches!(cmd, Agents::Add { .. }) => Err(needs_server("adding an agent")),
        Some(local) => commands::agents(&local, cmd),
    }
}

/// `numbers …` with `--database-url`: reads from the cache and edits into the outbox when
/// offline.
pub fn numbers(g: &Global, cmd: Numbers) -> Result<()> {
    let Some(local) = offline_cache(g)? else {
        return remote::numbers(g, cmd);
    };
    let mut ws = local.open()?;
    let queued = |what: &str, n: &switchboard_core::domain::PhoneNumber| {
        if local.json {
            output::json(n);
        } else {
            println!(
                "{what} {} ({}) offline; queued for the next sync",
                n.phone_number, n.id
            );
        }
    };
    match cmd {
        Numbers::Add {
            org,
            provider,
            number,
            region,
            friendly_name,
            status,
            metadata,
            account,
            agent,
            ..
        } => {
            let org = ws.organization(&org)?;
            let agent_id = match agent {
                Some(a) => commands::agent_arg(&ws, org.id, &a)?,
                None => None,
            };
            let valid = NewNumber {
                provider,
                number,
                region,
                friendly_name,
                status,
                metadata,
                account_id: account,
                agent_id,
            }
            .validate()?;
            let n = ws.queue_add(org.id, valid)?;
            queued("added", &n);
        }
        Numbers::Update {
            number,
            org,
            friendly_name,
            status,
            agent,
            metadata,
            ..
        } => {
            let org = org.map(|o| ws.organization(&o)).transpose()?;
            let r = NumberRef::parse(&number)?;
            let current = ws.number(&r, org.as_ref().map(|o| o.id))?;
            let agent_id = match agent {
                Some(a) => Some(commands::agent_arg(&ws, current.organization_id, &a)?),
                None => None,
            };
            let change = commands::update_change(friendly_name, status, agent_id, metadata)?;
            let n = ws.queue_update(&NumberRef::Id(current.id), None, &change)?;
            queued("updated", &n);
        }
        Numbers::Remove { number, org, .. } => {
            let org = org.map(|o| ws.organization(&o)).transpose()?;
            let n = ws.queue_remove(&NumberRef::parse(&number)?, org.map(|o| o.id))?;
            queued("removed", &n);
        }
        Numbers::Import { .. } => return Err(needs_server("importing")),
        read => {
            drop(ws);
            return commands::numbers(&local, read);
        }
    }
    Ok(())
}
