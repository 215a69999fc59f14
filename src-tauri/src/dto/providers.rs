//! The types of the provider features that cross IPC: accounts, the import wizard, verify,
//! webhooks and drift, bulk provider actions, and Twilio's search, buy and release.
//!
//! A secret crosses IPC in one direction only, UI → backend, inside [`NewAccount`], as a
//! [`SecretInput`] that redacts itself in `Debug` (so `tracing` spans cannot print it) and
//! cannot be serialized back. No type here that the backend returns has a secret field.

use serde::{Deserialize, Deserializer, Serialize};
pub use switchboard_ops::providers::accounts::{
    AccountField, AccountProblem, AccountRemoval, AccountVerification, ProviderAccount,
    VerifyOutcome,
};
pub use switchboard_ops::providers::import::{
    ImportCandidate, ImportFailure, ImportPreview, ImportReport, ImportState, ListingProgress,
    SkippedEntry,
};
use switchboard_providers::account_auth::CredentialKind as CoreKind;
use switchboard_providers::twilio::AvailableNumber as CoreAvailable;
use switchboard_secrets::SecretString;
use ts_rs::TS;

use super::{Capabilities, Provider};

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

/// The kinds of credentials an account can be added with (as `switchboard-cli accounts add`
/// offers them): each provider's main kind, a Twilio API key, a SignalWire project, a
/// Bandwidth OAuth2 client or legacy API user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CredentialKind {
    /// The provider's single secret: Twilio auth token, Vonage API secret, Telnyx API key,
    /// Plivo auth token.
    Secret,
    /// A Twilio API key: its SID (`SK…`) beside its secret.
    TwilioApiKey,
    /// A SignalWire project (Twilio's API under the space's host): the space beside the API
    /// token; the account id is the project's.
    SignalWire,
    /// Bandwidth OAuth2: the client id beside the client secret.
    BandwidthOAuth2,
    /// A legacy Bandwidth API user: the user name beside its password.
    BandwidthBasic,
}

impl From<CredentialKind> for CoreKind {
    fn from(k: CredentialKind) -> Self {
        match k {
            CredentialKind::Secret => CoreKind::Secret,
            CredentialKind::TwilioApiKey => CoreKind::TwilioApiKey,
            CredentialKind::SignalWire => CoreKind::SignalWire,
            CredentialKind::BandwidthOAuth2 => CoreKind::BandwidthOAuth2,
            CredentialKind::BandwidthBasic => CoreKind::BandwidthBasic,
        }
    }
}

/// What the add-account form sends.
#[derive(Debug, Deserialize, TS)]
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
    #[ts(type = "string")]
    pub secret: SecretInput,
    /// A label for the account.
    pub label: Option<String>,
}

/// The add-account form as typed, without its secret: what [`crate::accounts::check_account`]
/// checks while the manager types.
#[derive(Debug, Clone, Deserialize, TS)]
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

pub use switchboard_ops::numbers_at_provider::{NumberOutcome, NumberResult, ProviderReport};
pub use switchboard_ops::webhooks::{
    ChannelDrift, DriftState, DriftView, PlannedWrite, WebhookChannel, WebhookPlanView,
};

/// The webhooks of one number after a confirmed change.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WebhookResult {
    /// The record, updated from what the provider confirmed.
    pub number: super::PhoneNumber,
    /// The voice URL the provider confirms.
    pub voice_url: Option<String>,
    /// The SMS URL the provider confirms.
    pub sms_url: Option<String>,
}

/// A Twilio number search.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AvailableSearch {
    /// ISO country, e.g. "US".
    pub country: String,
    /// Area code, e.g. "415".
    pub area_code: Option<String>,
    /// Digits the number contains.
    pub contains: Option<String>,
    /// Capabilities the number must all have.
    pub capabilities: Capabilities,
}

/// A number offered for purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AvailableNumber {
    /// E.164.
    pub phone_number: String,
    /// International display form.
    pub display: String,
    /// Locality.
    pub locality: Option<String>,
    /// Region or state.
    pub region: Option<String>,
    /// ISO country.
    pub country: Option<String>,
    /// Capabilities.
    pub capabilities: Capabilities,
}

impl From<CoreAvailable> for AvailableNumber {
    fn from(a: CoreAvailable) -> Self {
        let (facts, display) = a.phone_number.facts_and_display();
        AvailableNumber {
            phone_number: a.phone_number.to_string(),
            display,
            locality: a.locality,
            region: a.region,
            country: a.iso_country.or(facts.country),
            capabilities: a.capabilities,
        }
    }
}

impl From<&AvailableSearch> for switchboard_providers::twilio::AvailableSearch {
    fn from(s: &AvailableSearch) -> Self {
        fn text(v: &Option<String>) -> Option<String> {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        }
        switchboard_providers::twilio::AvailableSearch {
            country: s.country.clone(),
            number_type: None,
            area_code: text(&s.area_code),
            contains: text(&s.contains),
            capabilities: s.capabilities,
            limit: Some(20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_account_never_prints_its_secret() {
        let a: NewAccount = serde_json::from_str(
            r#"{"provider":"twilio","kind":"twilioApiKey","accountId":"AC1","identifier":"SK1","secret":"tok-123","label":null}"#,
        )
        .expect("parses");
        assert_eq!(a.secret.0.expose_secret(), "tok-123");
        assert_eq!(a.kind, CredentialKind::TwilioApiKey);
        assert_eq!(a.identifier.as_deref(), Some("SK1"));
        assert!(!format!("{a:?}").contains("tok-123"));
    }
}
