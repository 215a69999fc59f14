//! Provider accounts in the app: add (secret to the OS vault, every kind of credentials the
//! CLI's `accounts add` takes), check the add form as it is typed, list, verify, remove.
//!
//! The secret is filed exactly as `switchboard-cli accounts add` files it (under
//! `switchboard_providers::account::vault_key`, in `AccountAuth`'s shape), so the CLI and the
//! app share accounts. It arrives from the UI once, as a redacting
//! [`crate::dto::SecretInput`], goes to the vault, and is never returned, logged or stored
//! anywhere else: the commands' tracing spans skip it, and no response type has a field for it.

use switchboard_core::store::check_account_label;
use switchboard_ops::providers::accounts;
use switchboard_providers::ProviderError;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::dto::{
    AccountDraft, AccountProblem, AccountRemoval, AccountVerification, NewAccount, Provider,
    ProviderAccount, checked_account_id, parse_id,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use switchboard_ops::vault::native as vault;

/// The organization's accounts, and whether this device holds each one's secret. An
/// unavailable vault makes every answer "unknown" (null) after one timeout, not one per
/// account.
#[tauri::command]
#[tracing::instrument(skip(state), err)]
pub async fn list_accounts(
    state: State<'_, AppState>,
    organization_id: String,
) -> AppResult<Vec<ProviderAccount>> {
    let org = parse_id("organization", &organization_id)?;
    let vault = vault().map_err(|e| AppError::from(e).message);
    let inventory = state.inventory();
    let listed = accounts::list_accounts(&*inventory, org, vault.as_ref().map_err(Clone::clone));
    Ok(listed.await?.accounts)
}

/// Adds an account to the organization and files its secret in this device's vault
/// (replacing a secret filed before). The input is checked completely before the vault or the
/// workspace is touched; the secret is never returned.
#[tauri::command]
#[tracing::instrument(skip(state, account), fields(provider = ?account.provider, kind = ?account.kind, account_id = tracing::field::Empty), err)]
pub async fn add_account(
    state: State<'_, AppState>,
    organization_id: String,
    account: NewAccount,
) -> AppResult<ProviderAccount> {
    let org = parse_id("organization", &organization_id)?;
    let provider = account.provider;
    let kind = account.kind;
    let account_id = checked_account_id(provider, &account.account_id)?;
    let label = check_account_label(account.label.as_deref())?;
    if account.secret.0.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "invalid {}: it is empty; nothing was stored",
                kind.secret_name(provider).to_lowercase()
            ),
        ));
    }
    // The entry's shape is the CLI's (`AccountAuth`): the secret itself, or, for a kind with
    // an identifier beside the secret, both as one JSON entry.
    let identifier = account.identifier.as_deref();
    let auth = accounts::credentials(provider, kind, identifier, account.secret.0)?;
    let vault = vault()?;
    let inventory = state.inventory();
    let org = inventory.organization(&org.to_string()).await?;
    let account = (provider, account_id.as_str());
    let added = accounts::add_account(&*inventory, &vault, &org, account, auth, label).await?;
    Ok(added.account)
}

/// How many of the numbers still referencing a removed account are named.
const NAMED_NUMBERS: u32 = 10;

/// Checks the add-account form as typed (without its secret) by core's and the providers'
/// rules: the account id, the label, the kind of credentials for the provider and the
/// identifier beside the secret. A field left empty is not a problem yet (the form cannot be
/// sent without it). Changes nothing.
#[tauri::command]
#[tracing::instrument(skip(draft), fields(provider = ?draft.provider, kind = ?draft.kind), err)]
pub async fn check_account(draft: AccountDraft) -> AppResult<Vec<AccountProblem>> {
    let draft = accounts::Draft {
        provider: draft.provider,
        kind: draft.kind,
        account_id: &draft.account_id,
        identifier: draft.identifier.as_deref(),
        label: draft.label.as_deref(),
    };
    let reason = |e: &ProviderError| AppError::from_provider(e).message;
    Ok(accounts::check_draft(draft, reason))
}

/// Removes an account from this device, as `switchboard-cli accounts remove` does
/// (`switchboard_ops::providers::accounts::remove_account`): its secret from the vault and its entry from
/// the organization's list. Numbers that reference it keep the reference and are counted (the
/// first ten named) in the answer. Nothing to remove is `NotFound`.
#[tauri::command]
#[tracing::instrument(skip(state, account_id), fields(account_id = tracing::field::Empty), err)]
pub async fn remove_account(
    state: State<'_, AppState>,
    organization_id: String,
    provider: Provider,
    account_id: String,
) -> AppResult<AccountRemoval> {
    let org = parse_id("organization", &organization_id)?;
    let account_id = checked_account_id(provider, &account_id)?;
    let vault = vault()?;
    let account = (provider, account_id.as_str());
    let inventory = state.inventory();
    let removed = accounts::remove_account(&*inventory, &vault, org, account, NAMED_NUMBERS);
    Ok(removed.await?)
}

/// Checks an account's credentials with its provider and records the result on the
/// organization's numbers of that account: success sets `last_verified_at`, a refusal sets
/// `status = error` with the provider's reason, a network failure (or any other failure)
/// changes nothing and says so.
#[tauri::command]
#[tracing::instrument(skip(state, app, account_id), fields(account_id = tracing::field::Empty), err)]
pub async fn verify_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
    provider: Provider,
    account_id: String,
) -> AppResult<AccountVerification> {
    let org = parse_id("organization", &organization_id)?;
    let account_id = checked_account_id(provider, &account_id)?;
    let vault = vault()?;
    let account = (provider, account_id.as_str());
    let inventory = state.inventory();
    let verified = accounts::verify_account(&*inventory, &vault, org, account)
        .await
        .map_err(crate::providers::failure)?;
    if verified.numbers_updated > 0 {
        crate::sync::edited(&app, &organization_id, Vec::new());
    }
    let reason = |e: &ProviderError| AppError::from_provider(e).message;
    Ok(AccountVerification::new(account, &verified, reason))
}

/// Asks the account's provider whether each number can carry its traffic and records each
/// number's readiness in its metadata (only the numbers whose readiness changed); the report
/// lists the numbers moving away first (the alarm), and new alarms are told at once (an OS
/// notification and the window's toast, [`crate::alerts`]).
#[tauri::command]
#[tracing::instrument(skip(app, account_id), fields(account_id = tracing::field::Empty), err)]
pub async fn refresh_readiness<R: Runtime>(
    app: AppHandle<R>,
    organization_id: String,
    provider: Provider,
    account_id: String,
) -> AppResult<switchboard_ops::readiness::Refreshed> {
    let org = parse_id("organization", &organization_id)?;
    let account_id = checked_account_id(provider, &account_id)?;
    let account = (provider, account_id.as_str());
    let refreshed = refresh_and_tell(&app, org, account).await;
    refreshed.map_err(crate::providers::failure)
}

/// Refreshes an account's readiness in an organization ([`refresh_readiness`], and the
/// background checks of [`crate::reverify`]): the window hears of the numbers changed, and the
/// manager of the new alarms.
pub(crate) async fn refresh_and_tell<R: Runtime>(
    app: &AppHandle<R>,
    org: uuid::Uuid,
    account: (Provider, &str),
) -> Result<
    switchboard_ops::readiness::Refreshed,
    switchboard_ops::providers::client::ProviderFailure,
> {
    let inventory = app.state::<AppState>().inventory();
    let cancel = tokio_util::sync::CancellationToken::new();
    let refreshed = switchboard_ops::readiness::refresh_account(
        &*inventory,
        vault,
        org,
        account,
        &|_| {},
        &cancel,
    )
    .await?;
    if refreshed.changed > 0 {
        crate::sync::edited(app, &org.to_string(), Vec::new());
    }
    let organization = inventory.organization(&org.to_string()).await?;
    if let Some(alert) = switchboard_ops::alerts::new_alarms(&organization, &refreshed) {
        crate::alerts::raise(app, &alert);
    }
    Ok(refreshed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{AccountField, CredentialKind};

    fn draft(
        provider: Provider,
        kind: CredentialKind,
        account_id: &str,
        identifier: Option<&str>,
    ) -> AccountDraft {
        AccountDraft {
            provider,
            kind,
            account_id: account_id.into(),
            identifier: identifier.map(str::to_owned),
            label: None,
        }
    }

    /// Held by every test that runs `check_account`: the logging test's subscriber is the
    /// thread's own, and tracing caches each call site's interest globally, so a check run on
    /// another thread at the same moment can leave the span unrecorded.
    static CHECKS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn fields(d: AccountDraft) -> Vec<(AccountField, String)> {
        let _one_at_a_time = CHECKS.lock().unwrap_or_else(|e| e.into_inner());
        fields_unlocked(d)
    }

    fn fields_unlocked(d: AccountDraft) -> Vec<(AccountField, String)> {
        tauri::async_runtime::block_on(check_account(d))
            .expect("checks")
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect()
    }

    #[test]
    fn the_form_is_checked_field_by_field_by_the_rules_of_core_and_providers() {
        const SID: &str = "AC00000000000000000000000000000001";
        // Nothing typed yet is not a problem; a whole, valid API key form has none.
        assert!(
            fields(draft(
                Provider::Twilio,
                CredentialKind::TwilioApiKey,
                "",
                None
            ))
            .is_empty()
        );
        let key = "SK00000000000000000000000000000001";
        assert!(
            fields(draft(
                Provider::Twilio,
                CredentialKind::TwilioApiKey,
                SID,
                Some(key)
            ))
            .is_empty()
        );
        // A bad account id and an Account SID where the API key SID belongs.
        let found = fields(draft(
            Provider::Twilio,
            CredentialKind::TwilioApiKey,
            "AC12",
            Some(SID),
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, AccountField::AccountId);
        assert!(found[0].1.contains("Account SID"), "{found:?}");
        assert_eq!(found[1].0, AccountField::Identifier);
        assert!(found[1].1.contains("SK…"), "{found:?}");
        // A kind of another provider, and a label too long.
        let mut d = draft(
            Provider::Vonage,
            CredentialKind::BandwidthBasic,
            "abcd1234",
            None,
        );
        d.label = Some("x".repeat(101));
        let found = fields(d);
        assert_eq!(
            found.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            [AccountField::Label, AccountField::Kind],
            "{found:?}"
        );
        assert!(found[1].1.contains("not for vonage"), "{found:?}");
    }

    /// A writer into a shared buffer, for a test's log.
    #[derive(Clone, Default)]
    struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Log {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn what_was_typed_into_the_form_is_not_logged() {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::NEW)
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        let pasted = "KEY0188E6B1A2B3C4D5E6F7A8B9C0_pasted";
        let key_secret = "pasted0123456789abcdef";
        let _one_at_a_time = CHECKS.lock().unwrap_or_else(|e| e.into_inner());
        tracing::subscriber::with_default(subscriber, || {
            tracing::callsite::rebuild_interest_cache();
            fields_unlocked(draft(
                Provider::Telnyx,
                CredentialKind::Secret,
                pasted,
                None,
            ));
            fields_unlocked(draft(
                Provider::Twilio,
                CredentialKind::TwilioApiKey,
                "AC00000000000000000000000000000001",
                Some(key_secret),
            ));
        });
        let logged = String::from_utf8(log.0.lock().expect("log").clone()).expect("UTF-8");
        assert!(
            logged.contains("check_account"),
            "the span is logged: {logged}"
        );
        for typed in [pasted, key_secret] {
            assert!(!logged.contains(typed), "{typed} was logged: {logged}");
        }
    }
}
