//! What the desktop app's add-account form sends: the account, the kind of its credentials and
//! its secret.
//!
//! A secret crosses IPC in one direction only, UI → backend, inside [`NewAccount`], as a
//! [`SecretInput`] that redacts itself in `Debug` (so `tracing` spans cannot print it) and
//! cannot be serialized back.

use serde::{Deserialize, Deserializer};
use switchboard_core::domain::Provider;
pub use switchboard_providers::account_auth::CredentialKind;
use switchboard_secrets::SecretString;

/// A secret typed by the manager, on its way to the vault. `Debug` prints `[redacted]`; it
/// cannot be serialized.
pub struct SecretInput(pub SecretString);

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(switchboard_secrets::REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(SecretInput(SecretString::new(String::deserialize(d)?)))
    }
}

/// What the add-account form sends.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    /// The provider.
    pub provider: Provider,
    /// The kind of credentials.
    pub kind: CredentialKind,
    /// Twilio Account SID (or SignalWire project id), Vonage API key, Telnyx account label,
    /// Bandwidth account id, Plivo auth id.
    pub account_id: String,
    /// The identifier kept beside the secret, for every kind but `secret`: the API key SID,
    /// the SignalWire space, the OAuth2 client id, the API user name.
    pub identifier: Option<String>,
    /// The secret: auth token, API secret or key, API key secret, API token, client secret or
    /// password. Goes to the OS vault only.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub secret: SecretInput,
    /// A label for the account.
    pub label: Option<String>,
}

/// The add-account form as typed, without its secret: what the app's `check_account`
/// checks while the manager types.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountDraft {
    /// The provider.
    pub provider: Provider,
    /// The kind of credentials.
    pub kind: CredentialKind,
    /// The account id as typed.
    pub account_id: String,
    /// The identifier beside the secret, as typed.
    pub identifier: Option<String>,
    /// The label as typed.
    pub label: Option<String>,
}
