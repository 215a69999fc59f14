//! The types of the provider features that cross IPC: accounts, the import wizard, verify,
//! webhooks and drift, bulk provider actions, and Twilio's search, buy and release.
//!
//! A secret crosses IPC in one direction only, UI → backend, inside [`NewAccount`], as a
//! [`SecretInput`] that redacts itself in `Debug` (so `tracing` spans cannot print it) and
//! cannot be serialized back. No type here that the backend returns has a secret field.

pub use switchboard_ops::account_form::{AccountDraft, CredentialKind, NewAccount, SecretInput};
pub use switchboard_ops::numbers_at_provider::{
    AccountAsk, NumberOutcome, NumberResult, ProviderReport, VerifyPlan,
};
pub use switchboard_ops::providers::accounts::{
    AccountField, AccountProblem, AccountRemoval, AccountVerification, ProviderAccount,
    VerifyOutcome,
};
pub use switchboard_ops::providers::import::{
    ImportCandidate, ImportFailure, ImportPreview, ImportReport, ImportState, ListingProgress,
    SkippedEntry, SmsDriftEntry,
};
pub use switchboard_ops::purchase::{AvailableNumber, AvailableSearch};
pub use switchboard_ops::webhooks::{
    AccountWebhookPlan, BulkWebhookPlan, ChannelDrift, DriftRow, DriftState, DriftSummary,
    DriftView, PlannedNumber, PlannedState, PlannedWrite, SharedObjectUse, WebhookChannel,
    WebhookPlanView, WebhookResult,
};

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
