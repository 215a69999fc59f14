//! A provider account's client, and why a provider action could not run: what every provider
//! action needs before it calls the provider.

use switchboard_core::Error;
use switchboard_core::domain::{E164, Organization, PhoneNumber, Provider};
use switchboard_core::store::{AccountNotAdded, AddedAccounts};
use switchboard_providers::account::{self, vault_error, vault_key};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::{ProviderClient, ProviderError};
use switchboard_secrets::Vault;
use uuid::Uuid;

use super::added_accounts;
use crate::Inventory;
use crate::numbers_at_provider::Failed;

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

impl From<Failed> for ProviderFailure {
    fn from(e: Failed) -> Self {
        match e {
            Failed::Provider(e) => e.into(),
            Failed::Inventory(e) => e.into(),
        }
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

/// The client of an account about to be used for an organization's numbers (an import, a
/// purchase, an account's verification): refused when the account was not added to the
/// organization (`organization_id`, when given) on this device; else with its secret from the
/// vault `vault` opens.
pub async fn account_client(
    inv: &dyn Inventory,
    vault: impl FnOnce() -> switchboard_core::Result<Vault>,
    organization_id: Option<Uuid>,
    (provider, account_id): (Provider, &str),
) -> Result<ProviderClient, ProviderFailure> {
    if let Some(org) = organization_id {
        check_added(inv, org, provider, account_id).await?;
    }
    connect(&vault()?, provider, account_id).await
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

/// The client of the account a number uses, provided it was added to the number's own
/// organization on this device ([`account_of`]), with its secret from the vault `vault` opens
/// (once the account is known); with the account's id.
pub async fn number_client(
    inv: &dyn Inventory,
    vault: impl FnOnce() -> switchboard_core::Result<Vault>,
    n: &PhoneNumber,
) -> Result<(String, ProviderClient), ProviderFailure> {
    let added = added_accounts(inv).await?;
    let (provider, account_id) = account_of(n, &added)?;
    let client = connect(&vault()?, provider, &account_id).await?;
    Ok((account_id, client))
}

/// Which provider an account id belongs to in an organization: `explicit` if given, else the
/// organization's accounts and numbers (refused when it knows none, or several), else a Twilio
/// Account SID by its shape.
pub async fn account_provider(
    inv: &dyn Inventory,
    org: &Organization,
    account_id: &str,
    explicit: Option<&str>,
) -> switchboard_core::Result<Provider> {
    if let Some(p) = explicit {
        return p.parse();
    }
    let known = super::accounts::account_providers(inv, org.id, account_id).await?;
    match known.as_slice() {
        [one] => Ok(*one),
        [] if looks_like_twilio_sid(account_id) => Ok(Provider::Twilio),
        [] => Err(Error::NotFound {
            kind: "provider account",
            key: format!(
                "{account_id} in {} (add it with `switchboard-cli accounts add`, or give \
                 --provider)",
                org.slug
            ),
        }),
        several => Err(Error::InvalidInput {
            field: "provider".into(),
            reason: format!(
                "account {account_id} exists under {} in {}; give --provider",
                several
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(" and "),
                org.slug
            ),
        }),
    }
}

fn looks_like_twilio_sid(id: &str) -> bool {
    id.len() == 34 && id.starts_with("AC") && id[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The provider of an account named with an optional organization: in the organization
/// ([`account_provider`]) when one is named, returned with it; else `explicit`, else Twilio.
pub async fn account_provider_in(
    inv: &dyn Inventory,
    org: Option<&str>,
    account_id: &str,
    explicit: Option<&str>,
) -> switchboard_core::Result<(Provider, Option<Organization>)> {
    match org {
        Some(o) => {
            let org = inv.organization(o).await?;
            let provider = account_provider(inv, &org, account_id, explicit).await?;
            Ok((provider, Some(org)))
        }
        None => {
            let explicit = explicit.map(str::parse).transpose()?;
            Ok((explicit.unwrap_or(Provider::Twilio), None))
        }
    }
}
