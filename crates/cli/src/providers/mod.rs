//! The commands that talk to telephony providers: `accounts verify`, `numbers import
//! --account`, `numbers verify`, `numbers webhook`, `numbers drift`, `available search`,
//! `numbers buy` and `numbers release`.
//!
//! Why a module of its own: these commands reach provider APIs through
//! `switchboard-providers` with a secret from this device's credential vault, run on an async
//! runtime with Ctrl-C cancellation, and fail in provider terms (credentials refused, provider
//! unreachable, rate-limited). The inventory commands in [`crate::commands`] do none of that.
//!
//! What is guaranteed:
//! - **Secrets come only from the vault** (`accounts add` stores them). When this device
//!   lacks an account's secret the command says "credentials not on this device" and how to
//!   enter them (exit code 2). No secret is printed, logged or stored anywhere else.
//! - **Only an organization's own accounts**: a number is sent to its provider only with an
//!   account added to its own organization on this device (`accounts add`; for a team
//!   database, listed in this device's cache of it). A number that names another account is
//!   reported `skipped` with the reason by the bulk commands and refused (exit 2) by the
//!   others, and nothing is sent (`switchboard_core::store::AddedAccounts`).
//! - **The record follows the provider**: a webhook URL is recorded only after the provider
//!   confirmed it; a verification sets `last_verified_at`, an authentication failure sets
//!   `status = error` with the provider's reason, a network failure changes nothing.
//! - **Plans before changes**: `numbers import` shows new / already present / different
//!   before importing; `numbers webhook` shows which provider object changes and how many
//!   numbers share it, and refuses a shared object without `--allow-shared`. `numbers
//!   webhook --org S --all` (or with the list filters) re-points a selection after a
//!   confirmation (or `--yes`), leaving numbers on a shared object unchanged unless
//!   `--allow-shared`, and reports each number.
//! - **Costly or destructive calls are confirmed**: `numbers buy` and `numbers release` (and
//!   `numbers import`) need `--yes`, or a "yes" typed on a terminal; without a terminal they
//!   refuse. Purchases and releases are sent once, never retried.
//! - **Exit codes**: 0 success; 2 bad input, including a refused confirmation, a number or
//!   account not found, missing credentials and a shared object; 1 provider, network, vault
//!   or storage failures; 130 cancelled with Ctrl-C (numbers already done stay done and are
//!   reported).
//! - **Team database**: with `--database-url` the same commands run on the inventory
//!   `switchboard_ops::open` returns, and record what the provider said through it, so they
//!   follow the team edit policy (the server while it answers; this device's cache and its
//!   outbox when it does not).
//!
//! Provider base URLs come from `SWITCHBOARD_<PROVIDER>_API_URL` (see
//! `switchboard_providers::config`), so `dev fake-providers` (crate::dev) and the tests aim
//! them at the local fakes.

mod import;
mod purchase;
mod readiness;
pub(crate) mod session;
mod verify;
mod webhooks;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::Subcommand;
use switchboard_core::Error;
use switchboard_core::domain::Provider;
use switchboard_ops::providers::client::ProviderFailure;
use switchboard_providers::flows::DEFAULT_CONCURRENCY;
use switchboard_providers::{ProviderError, ProviderErrorCode};
use tokio_util::sync::CancellationToken;

use crate::output::provider_message;
use crate::{Global, accounts, commands};

pub use import::import;

/// `accounts …`: the vault commands of [`accounts::Accounts`] and `accounts verify`.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Add, list and remove accounts.
    #[command(flatten)]
    Vault(accounts::Accounts),
    /// Talk to the account's provider.
    #[command(flatten)]
    Provider(AccountCommands),
}

/// `accounts verify`.
#[derive(Debug, Subcommand)]
pub enum AccountCommands {
    /// Check an account's credentials with its provider. Success sets last_verified_at on the
    /// account's numbers; a refusal sets their status to error with the provider's reason; a
    /// network failure changes nothing
    Verify(verify::AccountVerify),
    /// Ask the account's provider whether each number can carry its traffic (emergency
    /// address, A2P 10DLC campaign, toll-free verification, regulatory bundle, porting) and
    /// record each number's readiness: ready, attention or blocked. Twilio accounts
    #[command(name = "refresh-readiness")]
    RefreshReadiness(readiness::Refresh),
}

/// `numbers …`: the inventory commands of [`commands::Numbers`] and the provider commands.
#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    /// The inventory.
    #[command(flatten)]
    Inventory(commands::Numbers),
    /// The numbers at their providers.
    #[command(flatten)]
    Provider(NumberCommands),
}

/// The provider commands of `numbers`.
#[derive(Debug, Subcommand)]
pub enum NumberCommands {
    /// Check numbers with their providers (in bulk with --all): each must still belong to its
    /// account, with working credentials. Prints a per-number report; Ctrl-C stops cleanly
    Verify(verify::Verify),
    /// Point a number's webhooks at a URL, or a selection's (--all, or the list filters, with
    /// --org). Shows first which provider object changes and how many numbers share it;
    /// records the URL only after the provider confirms it. A selection is re-pointed with
    /// bounded concurrency and a per-number report, after a confirmation (or --yes); Ctrl-C
    /// stops cleanly
    Webhook(webhooks::Webhook),
    /// Show every item of a number's readiness as last refreshed: what the provider said,
    /// what it means, what to do, since when
    Readiness {
        /// Id or E.164 number
        number: String,
        /// Organization, when the number exists in several
        #[arg(long)]
        org: Option<String>,
    },
    /// Report numbers whose webhook URL at the provider differs from the one on record
    Drift {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// Requests in flight at most, per account
        #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u16,
            value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
    /// Buy a number (Twilio): costs money, so it asks first or needs --yes; never retried
    Buy(purchase::Buy),
    /// Release a number (Twilio): the account loses it and it leaves the inventory; asks
    /// first or needs --yes; never retried
    Release {
        /// Id or E.164 number
        number: String,
        /// Organization, when the number exists in several
        #[arg(long)]
        org: Option<String>,
        /// Release without asking
        #[arg(long)]
        yes: bool,
    },
}

/// `available …`.
#[derive(Debug, Subcommand)]
pub enum Available {
    /// Search numbers a provider offers for purchase (Twilio)
    Search(purchase::Search),
}

/// Why a provider command failed.
#[derive(Debug)]
pub enum Failure {
    /// The inventory, the vault or the input.
    Core(Error),
    /// The provider (boxed: provider errors carry the provider's whole message).
    Provider(Box<ProviderError>),
    /// This device's vault has no secret for the account.
    NoSecret {
        /// The provider.
        provider: Provider,
        /// The account.
        account_id: String,
        /// The organization, for the `accounts add` hint.
        org: String,
    },
    /// The user did not confirm (or could not be asked).
    NotConfirmed(String),
    /// Ctrl-C; the message says what was done.
    Cancelled(String),
    /// Some numbers of a bulk operation failed; the report was printed.
    Partial(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Cancelled { .. } => Failure::Cancelled(format!("{e}")),
            e => Failure::Provider(Box::new(e)),
        }
    }
}

/// Result of a provider command.
pub type Outcome<T = ()> = std::result::Result<T, Failure>;

impl Failure {
    /// A provider action's failure in the CLI's words (`org` names the organization in the
    /// hints).
    pub fn of(f: ProviderFailure, org: &str) -> Self {
        match f {
            ProviderFailure::Core(e) => Failure::Core(e),
            ProviderFailure::Provider(e) => Failure::from(*e),
            // Not allowed (exit code 2): nothing was sent.
            ProviderFailure::NotAdded(e) => {
                Failure::Core(Error::NotAllowed(session::not_added(&e)))
            }
            ProviderFailure::NoAccount(number) => Failure::Core(Error::InvalidInput {
                field: "account".into(),
                reason: format!(
                    "{number} has no provider account, so its provider cannot be asked; add it \
                     with `numbers add … --account ID` or import it with `numbers import \
                     --account ID`"
                ),
            }),
            ProviderFailure::NoSecret {
                provider,
                account_id,
            } => Failure::NoSecret {
                provider,
                account_id,
                org: org.to_owned(),
            },
            ProviderFailure::Cancelled(message) => Failure::Cancelled(message),
        }
    }

    /// The message, one line except for core errors that list rows.
    pub fn message(&self) -> String {
        match self {
            Failure::Core(e) => e.to_string(),
            Failure::Provider(e) => provider_message(e),
            Failure::NoSecret {
                provider,
                account_id,
                org,
            } => format!(
                "credentials not on this device for {provider} account {account_id}; enter them \
                 with: {}",
                accounts::add_command(org, *provider, account_id)
            ),
            Failure::NotConfirmed(m) | Failure::Cancelled(m) | Failure::Partial(m) => m.clone(),
        }
    }

    /// The stable code, for the log.
    fn code(&self) -> String {
        match self {
            Failure::Core(e) => format!("{:?}", e.code()),
            Failure::Provider(e) => format!("{:?}", e.code()),
            Failure::NoSecret { .. } => "CredentialsNotOnDevice".into(),
            Failure::NotConfirmed(_) => "NotConfirmed".into(),
            Failure::Cancelled(_) => "Cancelled".into(),
            Failure::Partial(_) => "Partial".into(),
        }
    }

    /// The process exit code: 2 bad input, 130 cancelled, 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Core(e) if e.is_bad_input() => 2,
            Failure::Core(_) => 1,
            Failure::Provider(e) => match e.code() {
                ProviderErrorCode::NotFound | ProviderErrorCode::NotAllowed => 2,
                ProviderErrorCode::Cancelled => 130,
                _ => 1,
            },
            Failure::NoSecret { .. } | Failure::NotConfirmed(_) => 2,
            Failure::Cancelled(_) => 130,
            Failure::Partial(_) => 1,
        }
    }
}

/// Prints and logs a provider command's outcome the way `main` does for the others, and
/// returns the exit code.
pub fn exit(result: Outcome) -> ExitCode {
    match result {
        Ok(()) => {
            tracing::info!("succeeded");
            ExitCode::SUCCESS
        }
        Err(f) => {
            let message = f.message();
            tracing::error!(code = %f.code(), error = %message, "failed");
            let mut lines = message.lines();
            eprintln!("error: {}", lines.next().unwrap_or_default());
            for line in lines {
                eprintln!("{line}");
            }
            ExitCode::from(f.exit_code())
        }
    }
}

/// `accounts verify`.
pub fn accounts(g: &Global, cmd: AccountCommands) -> Outcome {
    match cmd {
        AccountCommands::Verify(a) => verify::account(g, a),
        AccountCommands::RefreshReadiness(a) => readiness::refresh(g, a),
    }
}

/// The provider commands of `numbers`.
pub fn numbers(g: &Global, cmd: NumberCommands) -> Outcome {
    match cmd {
        NumberCommands::Verify(v) => verify::numbers(g, v),
        NumberCommands::Webhook(w) => webhooks::webhook(g, w),
        NumberCommands::Drift { org, concurrency } => webhooks::drift(g, &org, concurrency.into()),
        NumberCommands::Buy(b) => purchase::buy(g, b),
        NumberCommands::Readiness { number, org } => readiness::show(g, &number, org.as_deref()),
        NumberCommands::Release { number, org, yes } => {
            purchase::release(g, &number, org.as_deref(), yes)
        }
    }
}

/// `available search`.
pub fn available(g: &Global, cmd: Available) -> Outcome {
    match cmd {
        Available::Search(s) => purchase::search(g, s),
    }
}

/// Asks "question [y/N]" on the terminal unless `yes`; without a terminal, refuses. Ctrl-C
/// while asking cancels.
pub async fn confirm(yes: bool, question: &str, cancel: &CancellationToken) -> Outcome {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::NotConfirmed(format!(
            "not confirmed: {question} Run it again with --yes (standard input is not a \
             terminal, so nothing was asked and nothing was changed)"
        )));
    }
    eprint!("{question} [y/N] ");
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    });
    let answer = tokio::select! {
        answer = answer => answer,
        () = cancel.cancelled() => {
            return Err(Failure::Cancelled("cancelled; nothing was changed".into()));
        }
    };
    match answer {
        Ok(Ok(line)) if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") => Ok(()),
        _ => Err(Failure::NotConfirmed(
            "not confirmed; nothing was changed".into(),
        )),
    }
}

/// How a bulk command ends: cancelled (`done` numbers `verb` before Ctrl-C), with `failed` of
/// `total` numbers not `verb` (the report says which), or done.
pub fn ended(verb: &str, cancelled: bool, done: usize, failed: usize, total: usize) -> Outcome {
    if cancelled {
        return Err(Failure::Cancelled(format!(
            "cancelled: {done} number(s) {verb} before Ctrl-C, the rest not started"
        )));
    }
    if failed > 0 {
        return Err(Failure::Partial(format!(
            "{failed} of {total} number(s) not {verb} (see the report)"
        )));
    }
    Ok(())
}

pub use crate::progress::Progress;
