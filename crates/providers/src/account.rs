//! One provider account as the CLI and the desktop app reach it: where its vault entry is
//! filed, what the provider calls its secret, the [`ProviderClient`] built from the entry (whose
//! shape is [`AccountAuth`]'s), how vault errors read, and how an inventory record is named to
//! its provider.
//!
//! Why here: both front ends must file an entry under the same key and in the same shape (so an
//! account added with `switchboard-cli accounts add` works in the app, and the other way round),
//! and must build the same client from it.

use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_core::store::{AccountUsage, Workspace};
use switchboard_secrets::{Removal, SecretKey, SecretString, Vault, VaultError};
use uuid::Uuid;

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

/// What removing an account from this device did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRemoval {
    /// Whether the vault held the account's secret (deleted now) or held none.
    pub secret: Removal,
    /// Whether the organization listed the account (added explicitly); it no longer does.
    pub was_added: bool,
    /// The numbers that still reference the account, in every organization of the
    /// workspace: they keep the reference and need its secret again to reach the provider.
    pub usage: AccountUsage,
}

/// Removes an account from this device, as `switchboard-cli accounts remove` and the app's
/// "Remove account" do: its secret from the vault (first: a vault that fails changes
/// nothing), then its entry from the organization's list. Numbers that reference it keep the
/// reference; the first `named` of them are returned with the count. Nothing to remove (no
/// secret, not listed, no number references it) is `NotFound`. Blocks on the vault and the
/// workspace: call it off the async runtime.
pub fn remove(
    vault: &Vault,
    ws: &mut Workspace,
    organization_id: Uuid,
    provider: Provider,
    account_id: &str,
    named: u32,
) -> switchboard_core::Result<AccountRemoval> {
    let account_id = account_id.trim();
    let secret = vault
        .remove_blocking(&vault_key(provider, account_id))
        .map_err(vault_error)?;
    let was_added = ws.remove_account(organization_id, provider, account_id)?;
    let usage = ws.account_usage(provider, account_id, named)?;
    tracing::info!(%provider, account_id, ?secret, was_added, still_used = usage.total, "removed an account");
    if secret == Removal::NotFound && !was_added && usage.total == 0 {
        return Err(switchboard_core::Error::NotFound {
            kind: "provider account",
            key: format!("{provider}:{account_id}"),
        });
    }
    Ok(AccountRemoval {
        secret,
        was_added,
        usage,
    })
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
/// account" ([`remove`]). Blocks on the vault: call it off the async runtime.
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

/// The webhook URL on record, per channel, as [`crate::flows::webhook_update`] recorded it:
/// the voice URL, or the SMS URL for a number that has SMS but no voice. `None` when nothing
/// is on record.
pub fn recorded_urls(n: &PhoneNumber) -> Option<(Option<String>, Option<String>)> {
    let url = n.webhook_url.clone()?;
    let caps = n.capabilities();
    Some(if caps.sms && !caps.voice {
        (None, Some(url))
    } else {
        (Some(url), None)
    })
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
    fn removing_an_account_deletes_its_secret_and_names_the_numbers_left() {
        use switchboard_core::domain::NewNumber;
        const SID: &str = "AC0123456789abcdef0123456789abcdef";
        let vault = Vault::in_memory();
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", "Acme").unwrap();
        let number = NewNumber {
            provider: "twilio".into(),
            number: "+14155551234".into(),
            account_id: Some(SID.into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        ws.add_number(acme.id, number).unwrap();
        ws.add_account(acme.id, Provider::Twilio, SID, Some("Sales"))
            .unwrap();
        let key = vault_key(Provider::Twilio, SID);
        vault
            .save_blocking(&key, &SecretString::new("tok".into()))
            .unwrap();

        let removed = remove(&vault, &mut ws, acme.id, Provider::Twilio, SID, 10).unwrap();
        assert_eq!(removed.secret, Removal::Removed);
        assert!(removed.was_added);
        assert_eq!(removed.usage.total, 1);
        assert_eq!(
            removed.usage.numbers[0].phone_number.as_str(),
            "+14155551234"
        );
        assert!(!vault.contains_blocking(&key).unwrap());
        let listed = ws.account(acme.id, Provider::Twilio, SID).unwrap().unwrap();
        assert!(!listed.added, "still listed because a number references it");

        // Again: no secret, not listed, but a number still references it.
        let again = remove(&vault, &mut ws, acme.id, Provider::Twilio, SID, 10).unwrap();
        assert_eq!(again.secret, Removal::NotFound);
        assert!(!again.was_added);
        // An account nobody knows is NotFound and changes nothing.
        let e = remove(&vault, &mut ws, acme.id, Provider::Vonage, "abcd1234", 10).unwrap_err();
        assert_eq!(e.code(), switchboard_core::ErrorCode::NotFound);
    }

    #[test]
    fn keys_match_the_vault_layout() {
        let key = vault_key(Provider::Twilio, "AC0123");
        assert_eq!(key.vault_user().unwrap(), "twilio:AC0123");
    }
}
