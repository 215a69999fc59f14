//! `switchboard-cli`: Switchboard without a window, for scripts, benchmarks and CI.
//!
//! Every command is a thin translation of its arguments into one `switchboard-core` call and of
//! the result into text or JSON. Errors print one line on stderr; the exit code is 2 for bad
//! input and 1 for anything else.

mod bench;
mod commands;
mod db;
mod output;
mod remote;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
    /// (password from PGPASSWORD, not the URL, where others can see your command line)
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<db::DatabaseUrl>,
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
    Numbers(commands::Numbers),
    /// The team database: migrations and managers' access
    #[command(subcommand)]
    Db(db::Db),
    /// Developer tools
    #[command(subcommand)]
    Dev(commands::Dev),
    /// Benchmarks that print figures
    #[command(subcommand)]
    Bench(bench::Bench),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let remote = cli.global.database_url.is_some();
    let result = match cli.command {
        Command::Orgs(c) if remote => remote::orgs(&cli.global, c),
        Command::Agents(c) if remote => remote::agents(&cli.global, c),
        Command::Numbers(c) if remote => remote::numbers(&cli.global, c),
        Command::Db(c) => db::run(&cli.global, c),
        Command::Orgs(c) => commands::orgs(&cli.global, c),
        Command::Agents(c) => commands::agents(&cli.global, c),
        Command::Numbers(c) => commands::numbers(&cli.global, c),
        Command::Dev(c) => commands::dev(&cli.global, c),
        Command::Bench(c) => bench::run(&cli.global, c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.to_string();
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

    /// Opens the workspace.
    pub fn open(&self) -> switchboard_core::Result<switchboard_core::store::Workspace> {
        switchboard_core::store::Workspace::open(self.workspace_path()?)
    }
}
