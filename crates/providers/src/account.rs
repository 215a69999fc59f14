//! One provider account as the CLI and the desktop app reach it: where its vault entry is
//! filed, what the provider calls its secret, the [`ProviderClient`] built from the entry (whose
//! shape is [`AccountAuth`]'s), how vault errors read, and how an inventory record is named to
//! its provider.
//!
//! Why here: both front ends must file an entry under the same key and in the same shape (so an
//! account added with `switchboard-cli accounts add` works in the app, and the other way round),
//! and must build the same client from it.

use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_secrets::{Removal, SecretKey, SecretString, Vault, VaultError};

use crate::account_auth::AccountAuth;
use crate::client::ProviderClient;
use crate::error::Result;
use crate::http::HttpSettings;
use crate::model::NumberRef;

/// The vault key of an account's secret.
pub fn vault_key(provider: Provider, account_id: &str) -> SecretKey {
    SecretKey::provider_account(provider.as_str(), account_id)
}

/// A vault error as core's error (code `VaultUnavailable`, or `InvalidInput` for a bad key or
/// an empty secret). The vault's messages never hold a secret.
pub fn vault_error(e: VaultError) -> switchboard_core::Error {
    use switchboard_core::Error;
    match e {
        VaultError::InvalidKey { field, problem } => Error::InvalidInput {
            field: field.replace('_', " "),
            reason: problem,
        },
        VaultError::EmptySecret { .. } => Error::InvalidInput {
            field: "secret".into(),
            reason: "is empty; nothing was stored".into(),
        },
        other => Error::Vault(other.to_string()),
    }
}

/// What the provider calls the account's secret.
pub fn secret_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Twilio => "Auth token",
        Provider::Vonage => "API secret",
        Provider::Telnyx => "API key",
        Provider::Bandwidth => "Client secret",
        Provider::Plivo => "Auth token",
    }
}

/// The client of an account from its vault entry (see [`AccountAuth::from_vault`]). Base URLs
/// are the defaults unless `SWITCHBOARD_<PROVIDER>_API_URL` overrides them (see
/// [`crate::config`]).
pub fn connect(
    provider: Provider,
    account_id: &str,
    stored: &SecretString,
    settings: &HttpSettings,
) -> Result<ProviderClient> {
    AccountAuth::from_vault(provider, stored)?.client(provider, account_id, settings)
}

/// What became of an account's secret after one of its numbers was removed
/// ([`forget_if_unused`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretAfterRemoval {
    /// The number referenced no account.
    NoAccount,
    /// Other numbers still use the account (how many): its secret was kept.
    StillUsed(u64),
    /// No number uses the account any more: the vault's answer to removing its secret.
    Forgotten(Removal),
}

/// After `n` was removed and `still_used` numbers still reference its account: removes the
/// account's secret from this device's vault when no number uses it any more, else keeps it.
/// The CLI's `numbers remove --forget-secret`; the app removes secrets only through "Remove
/// account" (`switchboard_ops::providers::accounts`). Blocks on the vault: call it off the async runtime.
pub fn forget_if_unused(
    vault: &Vault,
    n: &PhoneNumber,
    still_used: u64,
) -> std::result::Result<SecretAfterRemoval, VaultError> {
    let Some(account_id) = n.credentials.account_id(n.provider) else {
        return Ok(SecretAfterRemoval::NoAccount);
    };
    if still_used > 0 {
        return Ok(SecretAfterRemoval::StillUsed(still_used));
    }
    let removal = vault.remove_blocking(&vault_key(n.provider, account_id))?;
    tracing::info!(provider = %n.provider, account_id, ?removal, "forgot an account secret");
    Ok(SecretAfterRemoval::Forgotten(removal))
}

/// How the provider knows an inventory record: by its sid when the record has one (saves a
/// lookup), else by the number.
pub fn number_ref(n: &PhoneNumber) -> NumberRef {
    match n.metadata.as_ref().and_then(|m| m.provider_sid()) {
        Some(sid) => NumberRef::with_sid(n.phone_number.clone(), sid),
        None => NumberRef::new(n.phone_number.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_as_the_cli_files_them() {
        let oauth = AccountAuth::BandwidthOAuth2 {
            client_id: "client".into(),
            client_secret: SecretString::new("s3cret".into()),
        };
        let client = connect(
            Provider::Bandwidth,
            "9900001",
            &oauth.to_vault(),
            &HttpSettings::default(),
        )
        .unwrap();
        assert_eq!(client.account_id(), "9900001");
        let e = connect(
            Provider::Bandwidth,
            "9900001",
            &SecretString::new("no-client-id".into()),
            &HttpSettings::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("client"), "{e}");
    }

    #[test]
    fn keys_match_the_vault_layout() {
        let key = vault_key(Provider::Twilio, "AC0123");
        assert_eq!(key.vault_user().unwrap(), "twilio:AC0123");
    }
}
