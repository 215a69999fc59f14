//! What every provider command runs in: an async runtime with Ctrl-C wired to a
//! [`CancellationToken`], the inventory (local workspace or team database), the accounts added
//! to each organization on this device (which alone a number may use: see
//! `switchboard_core::store::AddedAccounts`), and provider clients built with secrets from this
//! device's vault.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::domain::{Organization, PhoneNumber, Provider};
use switchboard_core::store::{AccountNotAdded, AddedAccounts, NumberRef};
use switchboard_core::{Error, Result};
use switchboard_ops::numbers_at_provider::Wording;
use switchboard_ops::providers::client as ops_client;
use switchboard_ops::{Inventory, Reads, Target};
use switchboard_providers::{ProviderClient, ProviderError};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Failure, Outcome};
use crate::output::provider_message;
use crate::{Global, accounts, db, vault};

/// The inventory a provider command reads and writes (`switchboard_ops::open`: the workspace
/// file, or the team database with its edit policy and this device's cache of it, which lists
/// the accounts added to each organization on this device).
#[derive(Debug)]
pub struct Store {
    inv: Arc<dyn Inventory>,
}

impl Store {
    /// The open inventory.
    pub fn inventory(&self) -> &dyn Inventory {
        &*self.inv
    }

    /// An organization by slug or id.
    pub async fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        self.inv.organization(slug_or_id).await
    }

    /// Every number of an organization, in E.164 order.
    pub async fn numbers(&self, organization_id: Uuid) -> Result<Vec<PhoneNumber>> {
        switchboard_ops::providers::organization_numbers(&*self.inv, organization_id).await
    }

    /// One number by id or E.164, in `org` when given.
    pub async fn number(&self, r: &str, org: Option<&str>) -> Result<PhoneNumber> {
        let org = switchboard_ops::actions::organization_arg(&*self.inv, org).await?;
        self.inv
            .number(&NumberRef::parse(r)?, org.map(|o| o.id))
            .await
    }

    /// The accounts added to each organization on this device: from the workspace file, or
    /// for the team database from this device's cache of it (none before its first `sync` or
    /// `accounts add`).
    pub async fn added_accounts(&self) -> Result<AddedAccounts> {
        switchboard_ops::providers::added_accounts(&*self.inv).await
    }
}

/// Runs `f` with the inventory and a cancellation token that Ctrl-C cancels (a second Ctrl-C
/// exits at once with code 130).
pub fn run<T>(
    g: &Global,
    f: impl AsyncFnOnce(&mut Store, &CancellationToken) -> Outcome<T>,
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
        let mut store = Store { inv };
        let cancel = CancellationToken::new();
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\ncancelling: finishing the requests in flight (Ctrl-C again to quit now)"
                );
                on_signal.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        let result = f(&mut store, &cancel).await;
        notices(store.inventory());
        store.inv.close().await;
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
    store: &Store,
    number: &str,
    org: Option<&str>,
) -> Outcome<(PhoneNumber, String, String, ProviderClient)> {
    let n = store.number(number, org).await?;
    let added = store.added_accounts().await?;
    // No secret is read yet: the hint's organization is not needed.
    let account = ops_client::account_of(&n, &added).map_err(|f| Failure::of(f, "ORG"));
    let (provider, account_id) = account?;
    let slug = store
        .organization(&n.organization_id.to_string())
        .await?
        .slug;
    let client = client(provider, &account_id, &slug).await?;
    Ok((n, account_id, slug, client))
}

/// Why a number's account is not used, with how to add the account to the organization.
pub fn not_added(e: &AccountNotAdded) -> String {
    format!(
        "{e}; add it with: {}",
        accounts::add_command(&e.organization, e.provider, &e.account_id)
    )
}

/// A refusal as the command's failure: not allowed (exit code 2), nothing was sent.
pub fn refused(e: &AccountNotAdded) -> Failure {
    Failure::Core(Error::NotAllowed(not_added(e)))
}

/// The CLI's words for the lines of a bulk report.
#[derive(Debug)]
pub struct Words;

impl Wording<Failure> for Words {
    fn provider_error(&self, e: &ProviderError) -> String {
        provider_message(e)
    }

    fn not_added(&self, e: &AccountNotAdded) -> String {
        not_added(e)
    }

    fn no_client(&self, e: &Failure) -> String {
        e.message()
    }
}
