//! What every provider command runs in: an async runtime with Ctrl-C wired to a
//! [`CancellationToken`], the inventory (local workspace or team database), the accounts added
//! to each organization on this device (which alone a number may use: see
//! `switchboard_core::store::AddedAccounts`), and provider clients built with secrets from this
//! device's vault.

use std::time::Duration;

use switchboard_core::Result;
use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_core::store::{AccountNotAdded, NumberRef};
use switchboard_ops::numbers_at_provider::WordsOf;
use switchboard_ops::providers::client as ops_client;
use switchboard_ops::{Inventory, Reads, Target};
use switchboard_providers::ProviderClient;
use tokio_util::sync::CancellationToken;

use super::{Failure, Outcome};
use crate::output::provider_message;
use crate::{Global, accounts, db, vault};

/// One number by id or E.164, in `org` when given.
pub async fn number(inv: &dyn Inventory, r: &str, org: Option<&str>) -> Result<PhoneNumber> {
    let org = switchboard_ops::actions::organization_arg(inv, org).await?;
    inv.number(&NumberRef::parse(r)?, org.map(|o| o.id)).await
}

/// Runs `f` with the inventory (`switchboard_ops::open`: the workspace file, or the team
/// database with its edit policy and this device's cache of it, which lists the accounts
/// added to each organization on this device) and a cancellation token that Ctrl-C cancels (a second Ctrl-C
/// exits at once with code 130).
pub fn run<T>(
    g: &Global,
    f: impl AsyncFnOnce(&dyn Inventory, &CancellationToken) -> Outcome<T>,
) -> Outcome<T> {
    // Settings first: finding the database password may ask the vault, which blocks.
    let target = match &g.database_url {
        Some(_) => Target::team(db::settings(g)?, Reads::Server)?,
        None => Target::Local(g.workspace_path()?),
    };
    let runtime = db::runtime()?;
    let result = runtime.block_on(async {
        let inv = switchboard_ops::open(target).await?;
        let notices = |inv: &dyn Inventory| {
            for line in inv.take_notices() {
                eprintln!("{line}");
            }
        };
        notices(&*inv);
        let cancel = CancellationToken::new();
        let on_signal = cancel.clone();
        tokio::spawn(crate::progress::cancel_on_ctrl_c(
            "the requests in flight",
            move || on_signal.cancel(),
        ));
        let result = f(&*inv, &cancel).await;
        notices(&*inv);
        inv.close().await;
        result
    });
    // A prompt's reader may still be blocked on standard input: do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(50));
    result
}

/// A client for an account, with its secret from this device's vault. `org` names the
/// organization in the "credentials not on this device" hint.
pub async fn client(provider: Provider, account_id: &str, org: &str) -> Outcome<ProviderClient> {
    let vault = vault::open()?;
    ops_client::connect(&vault, provider, account_id)
        .await
        .map_err(|f| Failure::of(f, org))
}

/// A number by id or E.164 (in `org` when given), provided the account it references was
/// added to its own organization, with the account, the organization's slug and the account's
/// client.
pub async fn number_client(
    inv: &dyn Inventory,
    r: &str,
    org: Option<&str>,
) -> Outcome<(PhoneNumber, String, String, ProviderClient)> {
    let n = number(inv, r, org).await?;
    let found = ops_client::number_client(inv, vault::open, &n).await;
    let slug = inv.organization(&n.organization_id.to_string()).await?.slug;
    let (account_id, client) = found.map_err(|f| Failure::of(f, &slug))?;
    Ok((n, account_id, slug, client))
}

/// Why a number's account is not used, with how to add the account to the organization.
pub fn not_added(e: &AccountNotAdded) -> String {
    format!(
        "{e}; add it with: {}",
        accounts::add_command(&e.organization, e.provider, &e.account_id)
    )
}

/// The CLI's words for the lines of a bulk report.
pub const WORDS: WordsOf<Failure> = WordsOf {
    provider_error: provider_message,
    not_added,
    no_client: Failure::message,
};
