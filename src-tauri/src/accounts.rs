//! Provider accounts in the app: add (secret to the OS vault, every kind of credentials the
//! CLI's `accounts add` takes), check the add form as it is typed, list, verify, remove.
//!
//! The secret is filed exactly as `switchboard-cli accounts add` files it (under
//! `switchboard_providers::account::vault_key`, in `AccountAuth`'s shape), so the CLI and the
//! app share accounts. It arrives from the UI once, as a redacting
//! [`crate::dto::SecretInput`], goes to the vault, and is never returned, logged or stored
//! anywhere else: the commands' tracing spans skip it, and no response type has a field for it.

use switchboard_core::store::{check_account_id, check_account_label};
use switchboard_providers::account;
use switchboard_providers::account_auth::{AccountAuth, CredentialKind as CoreKind};
use switchboard_secrets::VaultError;
use tauri::{AppHandle, Runtime, State};
use time::OffsetDateTime;

use crate::dto::{
    AccountDraft, AccountField, AccountProblem, AccountRemoval, AccountVerification, NewAccount,
    Provider, ProviderAccount, VerifyOutcome, checked_account_id, parse_id, rfc3339,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::announce;
use crate::providers::connect;
use crate::state::AppState;
use crate::vault::vault;

fn vault_err(e: VaultError) -> AppError {
    account::vault_error(e).into()
}

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
    let accounts = state.run(move |ws| ws.accounts(org)).await?;
    let mut vault = vault().ok();
    let mut listed = Vec::with_capacity(accounts.len());
    for a in accounts {
        let held = match &vault {
            Some(v) => match v
                .contains(&account::vault_key(a.provider, &a.account_id))
                .await
            {
                Ok(held) => Some(held),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot ask the vault about an account");
                    if matches!(e, VaultError::VaultUnavailable { .. }) {
                        vault = None;
                    }
                    None
                }
            },
            None => None,
        };
        listed.push(ProviderAccount::new(a, held));
    }
    Ok(listed)
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
    let kind = CoreKind::from(account.kind);
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
    let auth = AccountAuth::of_kind(
        provider,
        kind,
        account.identifier.as_deref(),
        account.secret.0,
    )?
    .check(provider)?;
    let vault = vault()?;
    vault
        .save(&account::vault_key(provider, &account_id), &auth.to_vault())
        .await
        .map_err(vault_err)?;
    drop(auth);
    tracing::info!(vault = vault.vault_name(), "saved an account secret");
    let id = account_id.clone();
    let (added, _) = state
        .run(move |ws| ws.add_account(org, provider, &id, label.as_deref()))
        .await?;
    Ok(ProviderAccount::new(added, Some(true)))
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
    let provider = draft.provider;
    let kind = CoreKind::from(draft.kind);
    let mut problems = Vec::new();
    let mut problem = |field, message: String| problems.push(AccountProblem { field, message });
    if !draft.account_id.trim().is_empty()
        && let Err(e) = check_account_id(provider, &draft.account_id)
    {
        problem(AccountField::AccountId, e.to_string());
    }
    if let Err(e) = check_account_label(draft.label.as_deref()) {
        problem(AccountField::Label, e.to_string());
    }
    let identifier = draft.identifier.as_deref().filter(|i| !i.trim().is_empty());
    if (!kind.fits(provider) || identifier.is_some())
        && let Err(e) = AccountAuth::check_kind(provider, kind, identifier)
    {
        let field = if kind.fits(provider) {
            AccountField::Identifier
        } else {
            AccountField::Kind
        };
        problem(field, AppError::from_provider(&e).message);
    }
    Ok(problems)
}

/// Removes an account from this device, as `switchboard-cli accounts remove` does
/// (`switchboard_providers::account::remove`): its secret from the vault and its entry from
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
    let core_provider = provider;
    let account_id = checked_account_id(core_provider, &account_id)?;
    let vault = vault()?;
    let id = account_id.clone();
    let removed = state
        .run(move |ws| account::remove(&vault, ws, org, core_provider, &id, NAMED_NUMBERS))
        .await?;
    Ok(AccountRemoval::new(provider, account_id, &removed))
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
    let core_provider = provider;
    let account_id = checked_account_id(core_provider, &account_id)?;
    crate::providers::check_added(&state, org, core_provider, &account_id).await?;
    let client = connect(core_provider, &account_id).await?;
    let result = client.verify().await;
    let now = OffsetDateTime::now_utc();
    let outcome = VerifyOutcome::of(&result);
    let inventory = state.inventory();
    let count = switchboard_ops::providers::record_account_verification(
        &*inventory,
        org,
        core_provider,
        &account_id,
        &result,
        now,
    )
    .await? as u32;
    if count > 0 {
        announce(&app, &organization_id, Vec::new());
        crate::sync::after_edit(&app);
    }
    let (message, account_name) = match &result {
        Ok(info) => (
            format!(
                "{} account {} verified: {}{}",
                info.api,
                info.account_id,
                info.friendly_name.as_deref().unwrap_or("(no name)"),
                info.status
                    .as_deref()
                    .map(|s| format!(", status {s}"))
                    .unwrap_or_default()
            ),
            info.friendly_name.clone(),
        ),
        Err(e) => (AppError::from_provider(e).message, None),
    };
    Ok(AccountVerification {
        provider,
        account_id,
        outcome,
        message,
        account_name,
        numbers_updated: count,
        checked_at: rfc3339(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::CredentialKind;

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
