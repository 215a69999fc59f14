//! `switchboard-cli`: Switchboard without a window, for scripts and CI.
//!
//! Every command is a thin translation of its arguments into one `switchboard-core` call and of
//! the result into text or JSON. Errors print one line on stderr; the exit code is 2 for bad
//! input, 130 when Ctrl-C stopped a long command (`sync`, the provider commands), and 1 for
//! anything else. `--profile NAME` stands for the `--database-url` saved under that name.
//!
//! Each run is logged (command, outcome, errors) to the file of `--log-file` or
//! `SWITCHBOARD_LOG_FILE`, at the level of `SWITCHBOARD_LOG` (default `info`); see [`log`].

mod accounts;
mod commands;
mod db;
mod dev;
mod log;
mod number_filter;
mod output;
mod profiles;
mod progress;
mod providers;
mod sync;
mod update_where;
mod usage;
mod vault;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use dev::DevCommand;
use providers::{AccountsCommand, NumbersCommand};
use switchboard_secrets::SecretString;

/// Manage an organization's telephone numbers from the command line.
#[derive(Debug, Parser)]
#[command(name = "switchboard-cli", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The workspace file [default: the OS data directory's switchboard/workspace.db]
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_WORKSPACE",
        value_name = "FILE"
    )]
    workspace: Option<PathBuf>,
    /// Machine-readable output (JSON)
    #[arg(long, global = true)]
    json: bool,
    /// Work on the team database instead of the workspace file: postgres://ROLE@HOST/DB
    /// (password from PGPASSWORD or this device's vault, see `db password set`; not the URL,
    /// where others can see your command line)
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<SecretString>,
    /// Work on the team database of a saved profile (see `profiles add`) instead of
    /// --database-url
    #[arg(long, global = true, env = "SWITCHBOARD_PROFILE", value_name = "NAME")]
    profile: Option<String>,
    /// Append a log of each command and its errors to this file (level from SWITCHBOARD_LOG:
    /// error, warn, info, debug or trace; default info)
    #[arg(long, global = true, env = "SWITCHBOARD_LOG_FILE", value_name = "FILE")]
    log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Organizations
    #[command(subcommand)]
    Orgs(commands::Orgs),
    /// Agents numbers can be assigned to
    #[command(subcommand)]
    Agents(commands::Agents),
    /// Phone numbers
    #[command(subcommand)]
    Numbers(providers::NumbersCommand),
    /// Provider accounts and their secrets in this device's credential vault
    #[command(subcommand)]
    Accounts(providers::AccountsCommand),
    /// The team database: migrations and managers' access
    #[command(subcommand)]
    Db(db::Db),
    /// Saved team database connections, used with --profile NAME
    #[command(subcommand)]
    Profiles(profiles::Profiles),
    /// Bring the offline cache of --database-url up to date (`sync status`: where it stands)
    Sync(sync::SyncArgs),
    /// Edits made offline, waiting for the next sync
    #[command(subcommand)]
    Outbox(sync::Outbox),
    /// Offline edits the server did not take
    #[command(subcommand)]
    Conflicts(sync::Conflicts),
    /// Developer tools
    #[command(subcommand)]
    Dev(DevCommand),
    /// Numbers providers offer for purchase
    #[command(subcommand)]
    Available(providers::Available),
    /// Call and message records: pull them, and report usage, cost and each number's health
    #[command(subcommand)]
    Usage(usage::Usage),
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let _log = match log::init(cli.global.log_file.as_deref()) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let name = log::command_name(&matches);
    let span = tracing::info_span!("command", name = %name);
    let _entered = span.enter();
    // Only the command's name: an argument's value may be a secret pasted in the wrong place.
    tracing::info!("started");
    // `profiles` commands manage the file; every other command may name a profile.
    if !matches!(cli.command, Command::Profiles(_))
        && let Err(e) = cli.global.resolve_profile()
    {
        return exit(Err(e));
    }
    let result = match cli.command {
        Command::Accounts(AccountsCommand::Provider(c)) => {
            return providers::exit(providers::accounts(&cli.global, c));
        }
        Command::Numbers(NumbersCommand::Provider(c)) => {
            return providers::exit(providers::numbers(&cli.global, c));
        }
        Command::Numbers(NumbersCommand::Inventory(commands::Numbers::Import {
            org,
            from_provider,
            ..
        })) if from_provider.account.is_some() => {
            return providers::exit(providers::import(&cli.global, &org, &from_provider));
        }
        Command::Available(c) => return providers::exit(providers::available(&cli.global, c)),
        Command::Usage(usage::Usage::Sync(a)) => {
            return providers::exit(usage::sync(&cli.global, a));
        }
        Command::Usage(usage::Usage::Report(a)) => usage::report(&cli.global, a),
        #[cfg(feature = "fake-providers")]
        Command::Dev(DevCommand::Provider(c)) => return providers::exit(dev::fakes::run(c)),
        Command::Accounts(AccountsCommand::Vault(c)) => accounts::run(&cli.global, c),
        Command::Sync(a) => match sync::run(&cli.global, a) {
            Ok(sync::Finished::Cancelled) => {
                tracing::warn!("cancelled");
                eprintln!("cancelled; the next sync resumes");
                return ExitCode::from(130);
            }
            Ok(sync::Finished::Complete) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Outbox(c) => sync::outbox(&cli.global, c),
        Command::Conflicts(c) => sync::conflicts(&cli.global, c),
        Command::Db(c) => db::run(&cli.global, c),
        Command::Orgs(c) => commands::orgs(&cli.global, c),
        Command::Agents(c) => commands::agents(&cli.global, c),
        Command::Numbers(NumbersCommand::Inventory(c)) => commands::numbers(&cli.global, c),
        Command::Dev(DevCommand::Seed { org, numbers }) => dev::seed(&cli.global, &org, numbers),
        Command::Profiles(c) => profiles::run(&cli.global, c),
    };
    exit(result)
}

/// Prints and logs a command's outcome; the exit code: 0, 2 for bad input, 1 otherwise.
fn exit(result: switchboard_core::Result<()>) -> ExitCode {
    match result {
        Ok(()) => {
            tracing::info!("succeeded");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let message = e.to_string();
            // Not the whole message: an import's bad rows quote the file's cells.
            tracing::error!(code = ?e.code(), error = %e.log_message(), "failed");
            let mut lines = message.lines();
            eprintln!("error: {}", lines.next().unwrap_or_default());
            for line in lines {
                eprintln!("{line}");
            }
            ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
        }
    }
}

impl Global {
    /// The workspace file to use.
    pub fn workspace_path(&self) -> Result<PathBuf, switchboard_core::Error> {
        if let Some(p) = &self.workspace {
            return Ok(p.clone());
        }
        directories::ProjectDirs::from("dev", "switchboard", "switchboard")
            .map(|d| d.data_dir().join("workspace.db"))
            .ok_or_else(|| switchboard_core::Error::InvalidInput {
                field: "workspace".into(),
                reason: "no home directory; pass --workspace FILE".into(),
            })
    }
}
