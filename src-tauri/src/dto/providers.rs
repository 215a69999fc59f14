//! The types of the provider features that cross IPC: accounts, the import wizard, verify,
//! webhooks and drift, bulk provider actions, and Twilio's search, buy and release.
//!
//! A secret crosses IPC in one direction only, UI → backend, inside [`NewAccount`], as a
//! [`SecretInput`] that redacts itself in `Debug` (so `tracing` spans cannot print it) and
//! cannot be serialized back. No type here that the backend returns has a secret field.

use serde::{Deserialize, Deserializer, Serialize};
use switchboard_core::store::ProviderAccount as CoreAccount;
use switchboard_providers::account;
use switchboard_providers::account_auth::CredentialKind as CoreKind;
use switchboard_providers::flows::ImportDiff;
use switchboard_providers::model::{
    self as pm, DriftStatus, ListProgress, PlannedChange, ProviderNumber, Skipped, WebhookPlan,
};
use switchboard_providers::twilio::AvailableNumber as CoreAvailable;
use switchboard_secrets::SecretString;
use ts_rs::TS;

use super::{Capabilities, Provider};
use crate::error::AppError;

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

/// A field of the add-account form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AccountField {
    /// The account id.
    AccountId,
    /// The kind of credentials.
    Kind,
    /// The identifier beside the secret.
    Identifier,
    /// The label.
    Label,
}

/// What is wrong with one field of the add-account form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountProblem {
    /// The field.
    pub field: AccountField,
    /// Why, as core or the provider rules say it.
    pub message: String,
}

/// What removing an account did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountRemoval {
    /// The provider.
    pub provider: Provider,
    /// The account id.
    pub account_id: String,
    /// Whether this device's vault held its secret (deleted now).
    pub secret_removed: bool,
    /// Whether the organization listed it explicitly.
    pub was_added: bool,
    /// How many numbers (in every organization of the workspace) still reference it; they
    /// need its secret again to reach the provider.
    pub numbers_still_referencing: u32,
    /// The first of them (E.164).
    pub numbers: Vec<String>,
}

impl AccountRemoval {
    /// From the providers crate's removal.
    pub fn new(provider: Provider, account_id: String, r: &account::AccountRemoval) -> Self {
        AccountRemoval {
            provider,
            account_id,
            secret_removed: r.secret == switchboard_secrets::Removal::Removed,
            was_added: r.was_added,
            numbers_still_referencing: r.usage.total.min(u64::from(u32::MAX)) as u32,
            numbers: r
                .usage
                .numbers
                .iter()
                .map(|u| u.phone_number.to_string())
                .collect(),
        }
    }
}

/// A provider account of an organization. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAccount {
    /// The provider.
    pub provider: Provider,
    /// The account id.
    pub account_id: String,
    /// The label given when it was added.
    pub label: Option<String>,
    /// Added explicitly (else only referenced by numbers).
    pub added: bool,
    /// How many of the organization's numbers reference it.
    pub numbers: u32,
    /// Whether this device's vault holds its secret; null when the vault could not tell.
    pub secret_on_device: Option<bool>,
}

impl ProviderAccount {
    /// From core's account and what the vault said.
    pub fn new(a: CoreAccount, secret_on_device: Option<bool>) -> Self {
        ProviderAccount {
            provider: a.provider,
            account_id: a.account_id,
            label: a.label,
            added: a.added,
            numbers: a.numbers.min(u64::from(u32::MAX)) as u32,
            secret_on_device,
        }
    }
}

/// How a verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum VerifyOutcome {
    /// The credentials work.
    Verified,
    /// The provider refused the credentials (numbers set to status error).
    Refused,
    /// The provider could not be reached: nothing is known about the credentials and nothing
    /// was changed.
    Unreachable,
    /// Any other failure (rate limit, provider error); nothing was changed.
    Failed,
}

impl VerifyOutcome {
    /// The outcome of a provider call's result.
    pub fn of<T>(r: &switchboard_providers::Result<T>) -> Self {
        use switchboard_providers::ProviderErrorCode as C;
        match r {
            Ok(_) => VerifyOutcome::Verified,
            Err(e) if e.is_auth() => VerifyOutcome::Refused,
            Err(e) if e.code() == C::Offline => VerifyOutcome::Unreachable,
            Err(_) => VerifyOutcome::Failed,
        }
    }
}

/// The result of verifying an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountVerification {
    /// The provider.
    pub provider: Provider,
    /// The account id.
    pub account_id: String,
    /// How it ended.
    pub outcome: VerifyOutcome,
    /// A sentence for the manager: the account's name and status, or the provider's reason.
    pub message: String,
    /// The account's name at the provider, when verified.
    pub account_name: Option<String>,
    /// Numbers whose record changed (last verified, or status error).
    pub numbers_updated: u32,
    /// RFC 3339, when it was checked.
    pub checked_at: String,
}

/// Progress of listing an account's numbers, after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListingProgress {
    /// Pages read.
    pub pages: u32,
    /// Numbers read.
    pub fetched: u32,
    /// The total, when the provider tells it.
    pub total: Option<u32>,
}

impl From<ListProgress> for ListingProgress {
    fn from(p: ListProgress) -> Self {
        ListingProgress {
            pages: p.pages,
            fetched: p.fetched as u32,
            total: p.total.map(|t| t as u32),
        }
    }
}

/// How a listed number compares with the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportState {
    /// Not in the organization: can be imported.
    New,
    /// In the organization with the same data.
    Present,
    /// In the organization with other data (see `fields`); can be refreshed.
    Different,
}

/// One number the account owns, as the import wizard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportCandidate {
    /// E.164.
    pub phone_number: String,
    /// International display form.
    pub display: String,
    /// New, present or different.
    pub state: ImportState,
    /// The provider's name of the number.
    pub friendly_name: Option<String>,
    /// What it can do.
    pub capabilities: Capabilities,
    /// ISO country.
    pub country: Option<String>,
    /// Locality, when the provider says.
    pub locality: Option<String>,
    /// The inventory record, for present and different.
    pub existing_id: Option<String>,
    /// The fields that differ, for different.
    pub fields: Vec<String>,
}

impl ImportCandidate {
    fn new(
        n: &ProviderNumber,
        state: ImportState,
        existing: Option<uuid::Uuid>,
        fields: &[&str],
    ) -> Self {
        let (facts, display) = n.phone_number.facts_and_display();
        ImportCandidate {
            phone_number: n.phone_number.to_string(),
            display,
            state,
            friendly_name: n.friendly_name.clone(),
            capabilities: n.capabilities,
            country: n.iso_country.clone().or(facts.country),
            locality: n.locality.clone(),
            existing_id: existing.map(|id| id.to_string()),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }
}

/// A listed entry that is not a valid number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SkippedEntry {
    /// What the provider sent.
    pub raw: String,
    /// Why it was skipped.
    pub reason: String,
}

impl From<&Skipped> for SkippedEntry {
    fn from(s: &Skipped) -> Self {
        SkippedEntry {
            raw: s.raw.clone(),
            reason: s.reason.clone(),
        }
    }
}

/// What an account owns compared with the organization: the wizard's second step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// Names this preview for `import_numbers` (the backend keeps the listing).
    pub preview_id: String,
    /// The provider.
    pub provider: Provider,
    /// The account.
    pub account_id: String,
    /// Every listed number: new first, then different, then present.
    pub candidates: Vec<ImportCandidate>,
    /// Listed entries that are not valid numbers.
    pub skipped: Vec<SkippedEntry>,
}

impl ImportPreview {
    /// From the flow's diff.
    pub fn new(preview_id: String, provider: Provider, account_id: String, d: &ImportDiff) -> Self {
        let mut candidates: Vec<ImportCandidate> = d
            .new
            .iter()
            .map(|n| ImportCandidate::new(n, ImportState::New, None, &[]))
            .collect();
        candidates.extend(d.different.iter().map(|x| {
            ImportCandidate::new(
                &x.number,
                ImportState::Different,
                Some(x.existing_id),
                &x.fields,
            )
        }));
        candidates.extend(
            d.present
                .iter()
                .map(|(n, id)| ImportCandidate::new(n, ImportState::Present, Some(*id), &[])),
        );
        ImportPreview {
            preview_id,
            provider,
            account_id,
            candidates,
            skipped: d.skipped.iter().map(Into::into).collect(),
        }
    }
}

/// One number an import could not bring in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportFailure {
    /// E.164.
    pub phone_number: String,
    /// Why.
    pub error: AppError,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Numbers added to the organization.
    pub imported: u32,
    /// Existing records brought in line with the provider.
    pub refreshed: u32,
    /// Numbers not imported or refreshed, with the reason.
    pub failed: Vec<ImportFailure>,
    /// True when the manager cancelled before the end (the rest were not imported).
    pub cancelled: bool,
}

/// How one number of a provider action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NumberResult {
    /// Done.
    Ok,
    /// The provider refused the credentials.
    Refused,
    /// Failed (the message says why); nothing changed for this number.
    Failed,
    /// Not attempted: the action was cancelled first.
    NotStarted,
    /// Not attempted: the number has no provider account, its account was not added to its
    /// organization, or its account's secret is not on this device.
    Skipped,
}

/// One number's line in a bulk provider report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NumberOutcome {
    /// The number's id.
    pub id: String,
    /// E.164.
    pub phone_number: String,
    /// How it ended.
    pub result: NumberResult,
    /// What happened, in a sentence (the confirmed URL, or the reason).
    pub message: String,
}

/// The per-number report of a bulk provider action, in the order of the ids given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderReport {
    /// One line per number.
    pub outcomes: Vec<NumberOutcome>,
    /// Numbers done.
    pub succeeded: u32,
    /// Numbers not done (failed, refused, skipped, not started).
    pub failed: u32,
    /// True when the manager cancelled before the end.
    pub cancelled: bool,
}

impl ProviderReport {
    /// Totals over the outcomes.
    pub fn new(outcomes: Vec<NumberOutcome>, cancelled: bool) -> Self {
        let succeeded = outcomes
            .iter()
            .filter(|o| o.result == NumberResult::Ok)
            .count() as u32;
        ProviderReport {
            failed: outcomes.len() as u32 - succeeded,
            succeeded,
            outcomes,
            cancelled,
        }
    }
}

/// A channel of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum WebhookChannel {
    /// Incoming calls.
    Voice,
    /// Incoming messages.
    Sms,
}

impl From<pm::Channel> for WebhookChannel {
    fn from(c: pm::Channel) -> Self {
        match c {
            pm::Channel::Voice => WebhookChannel::Voice,
            pm::Channel::Sms => WebhookChannel::Sms,
        }
    }
}

/// One write a webhook change will make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedWrite {
    /// The channel.
    pub channel: WebhookChannel,
    /// The object written, in words, e.g. "number PN…" or "Call Control application 123".
    pub object: String,
    /// Whether the object is the number itself.
    pub is_number: bool,
    /// Its name at the provider.
    pub object_name: Option<String>,
    /// How many numbers the write re-points; null when the provider cannot tell.
    pub shared_by: Option<u32>,
    /// The URL now.
    pub from: Option<String>,
    /// The URL after.
    pub to: String,
    /// An object the number leaves by this write (its other numbers keep it).
    pub detaches: Option<String>,
}

impl From<&PlannedChange> for PlannedWrite {
    fn from(c: &PlannedChange) -> Self {
        PlannedWrite {
            channel: c.channel.into(),
            object: c.object.to_string(),
            is_number: c.object.kind == pm::ObjectKind::Number,
            object_name: c.object_name.clone(),
            shared_by: c.shared_by.map(|n| n.min(u64::from(u32::MAX)) as u32),
            from: c.from.clone(),
            to: c.to.clone(),
            detaches: c.detaches.as_ref().map(ToString::to_string),
        }
    }
}

/// The writes a webhook change makes, shown before making them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WebhookPlanView {
    /// E.164.
    pub phone_number: String,
    /// The writes, voice first.
    pub writes: Vec<PlannedWrite>,
    /// When a write re-points an object other numbers share: which one, in a sentence. The
    /// change then needs the manager's explicit consent (`allowShared`).
    pub shared_warning: Option<String>,
}

/// "shared by 12 numbers", in words.
pub fn shared_words(shared_by: Option<u64>) -> String {
    match shared_by {
        Some(1) => "this number only".into(),
        Some(n) => format!("shared by {n} numbers"),
        None => "shared by an unknown number of numbers".into(),
    }
}

impl From<&WebhookPlan> for WebhookPlanView {
    fn from(p: &WebhookPlan) -> Self {
        WebhookPlanView {
            phone_number: p.phone_number.to_string(),
            writes: p.changes.iter().map(Into::into).collect(),
            shared_warning: p.shared_change().map(|c| {
                format!(
                    "{} is {}: changing it re-points all of them, not only {}",
                    c.object,
                    shared_words(c.shared_by),
                    p.phone_number
                )
            }),
        }
    }
}

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

/// How one channel's URL at the provider compares with the one on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DriftState {
    /// The provider has the URL on record.
    InSync,
    /// No URL on record for this channel.
    NotRecorded,
    /// The provider has another URL (or none).
    Drifted,
}

/// One channel of a drift check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDrift {
    /// The comparison.
    pub state: DriftState,
    /// The URL the provider calls now.
    pub provider_url: Option<String>,
    /// The object at the provider that holds it, in words.
    pub owner: Option<String>,
    /// The URL on record for this channel.
    pub on_record: Option<String>,
}

/// A number's webhooks at the provider compared with the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftView {
    /// E.164.
    pub phone_number: String,
    /// Voice.
    pub voice: ChannelDrift,
    /// SMS.
    pub sms: ChannelDrift,
    /// RFC 3339, when the provider was asked.
    pub checked_at: String,
}

impl ChannelDrift {
    /// From the provider's webhook of a channel and the drift status.
    pub fn new(hook: Option<&pm::Webhook>, status: &DriftStatus, on_record: Option<&str>) -> Self {
        ChannelDrift {
            state: match status {
                DriftStatus::InSync => DriftState::InSync,
                DriftStatus::NotRecorded => DriftState::NotRecorded,
                DriftStatus::Drifted { .. } => DriftState::Drifted,
            },
            provider_url: hook.and_then(|h| h.url.clone()),
            owner: hook.map(|h| h.owner.object.to_string()),
            on_record: on_record.map(str::to_owned),
        }
    }
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
