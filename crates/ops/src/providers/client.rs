//! A provider account's client, and why a provider action could not run: what every provider
//! action needs before it calls the provider.

use switchboard_core::Error;
use switchboard_core::domain::{E164, PhoneNumber, Provider};
use switchboard_core::store::{AccountNotAdded, AddedAccounts};
use switchboard_providers::account::{self, vault_error, vault_key};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::{ProviderClient, ProviderError};
use switchboard_secrets::Vault;
use uuid::Uuid;

use super::added_accounts;
use crate::Inventory;

/// Why a provider action failed; each shell words the refusals its own way (how to add an
/// account, or enter its secret, differs between the CLI and the app).
#[derive(Debug)]
pub enum ProviderFailure {
    /// The inventory, the vault or the input.
    Core(Error),
    /// The provider (boxed: provider errors carry the provider's whole message).
    Provider(Box<ProviderError>),
    /// The account was not added to the organization on this device: nothing was sent.
    NotAdded(AccountNotAdded),
    /// The number references no provider account, so its provider cannot be asked.
    NoAccount(E164),
    /// This device's vault has no secret for the account.
    NoSecret {
        /// The provider.
        provider: Provider,
        /// The account.
        account_id: String,
    },
    /// The manager stopped it; the message says what was done.
    Cancelled(String),
}

impl From<Error> for ProviderFailure {
    fn from(e: Error) -> Self {
        ProviderFailure::Core(e)
    }
}

impl From<ProviderError> for ProviderFailure {
    fn from(e: ProviderError) -> Self {
        ProviderFailure::Provider(Box::new(e))
    }
}

impl From<AccountNotAdded> for ProviderFailure {
    fn from(e: AccountNotAdded) -> Self {
        ProviderFailure::NotAdded(e)
    }
}

/// A client for an account, with its secret from `vault` (any kind of credentials an account
/// is added with: see `switchboard_providers::account_auth`).
pub async fn connect(
    vault: &Vault,
    provider: Provider,
    account_id: &str,
) -> Result<ProviderClient, ProviderFailure> {
    let secret = vault
        .get(&vault_key(provider, account_id))
        .await
        .map_err(vault_error)?;
    let Some(secret) = secret else {
        return Err(ProviderFailure::NoSecret {
            provider,
            account_id: account_id.to_owned(),
        });
    };
    let settings = HttpSettings::default();
    Ok(account::connect(provider, account_id, &secret, &settings)?)
}

/// Refuses an account that was not added to the organization on this device, before it is
/// used for the organization's numbers (an import, a purchase, an account's verification).
pub async fn check_added(
    inv: &dyn Inventory,
    organization_id: Uuid,
    provider: Provider,
    account_id: &str,
) -> Result<(), ProviderFailure> {
    let added = added_accounts(inv).await?;
    Ok(added.check(organization_id, provider, account_id)?)
}

/// The provider account a number uses, provided it was added to the number's own organization
/// (`added`): else [`ProviderFailure::NoAccount`] or [`ProviderFailure::NotAdded`].
pub fn account_of(
    n: &PhoneNumber,
    added: &AddedAccounts,
) -> Result<(Provider, String), ProviderFailure> {
    match added.account_of(n)? {
        Some((provider, id)) => Ok((provider, id.to_owned())),
        None => Err(ProviderFailure::NoAccount(n.phone_number.clone())),
    }
}
