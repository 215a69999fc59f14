//! Provider accounts in the app: add (secret to the OS vault), list, verify.
//!
//! The secret is filed exactly as `switchboard-cli accounts add` files it (under
//! `switchboard_providers::account::vault_key`, in `AccountAuth`'s shape), so the CLI and the
//! app share accounts. It arrives from the UI once, as a redacting
//! [`crate::dto::SecretInput`], goes to the vault, and is never returned, logged or stored
//! anywhere else: the commands' tracing spans skip it, and no response type has a field for it.

use switchboard_core::domain::Provider as CoreProvider;
use switchboard_core::store::{check_account_id, check_account_label};
use switchboard_providers::account_auth::AccountAuth;
use switchboard_providers::{account, flows};
use switchboard_secrets::{Vault, VaultError};
use tauri::{AppHandle, Runtime, State};
use time::OffsetDateTime;

use crate::commands::announce;
use crate::dto::{
    AccountVerification, NewAccount, Provider, ProviderAccount, VerifyOutcome, parse_id, rfc3339,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::providers::connect;
use crate::state::AppState;

/// This device's vault (service from `SWITCHBOARD_VAULT_SERVICE`, else the build's default:
/// the same as the CLI's).
pub fn vault() -> AppResult<Vault> {
    Vault::native().map_err(|e| account::vault_error(e).into())
}

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
#[tracing::instrument(skip(state, account), fields(provider = ?account.provider, account_id = %account.account_id), err)]
pub async fn add_account(
    state: State<'_, AppState>,
    organization_id: String,
    account: NewAccount,
) -> AppResult<ProviderAccount> {
    let org = parse_id("organization", &organization_id)?;
    let provider = CoreProvider::from(account.provider);
    let account_id = check_account_id(provider, &account.account_id)?;
    let label = check_account_label(account.label.as_deref())?;
    if account.secret.0.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "invalid {}: it is empty; nothing was stored",
                account::secret_name(provider).to_lowercase()
            ),
        ));
    }
    // The entry's shape is the CLI's (`AccountAuth`): the secret itself, or, for Bandwidth, the
    // OAuth2 client id and secret as one JSON entry.
    let auth = match (provider, account.client_id) {
        (CoreProvider::Bandwidth, Some(client_id)) => AccountAuth::BandwidthOAuth2 {
            client_id,
            client_secret: account.secret.0,
        },
        (CoreProvider::Bandwidth, None) => {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "invalid client id: Bandwidth needs the OAuth2 client id and client secret",
            ));
        }
        _ => AccountAuth::Secret(account.secret.0),
    }
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

/// Checks an account's credentials with its provider and records the result on the
/// organization's numbers of that account: success sets `last_verified_at`, a refusal sets
/// `status = error` with the provider's reason, a network failure (or any other failure)
/// changes nothing and says so.
#[tauri::command]
#[tracing::instrument(skip(state, app), err)]
pub async fn verify_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization_id: String,
    provider: Provider,
    account_id: String,
) -> AppResult<AccountVerification> {
    let org = parse_id("organization", &organization_id)?;
    let core_provider = CoreProvider::from(provider);
    let account_id = check_account_id(core_provider, &account_id)?;
    let client = connect(core_provider, &account_id).await?;
    let result = client.verify().await;
    let now = OffsetDateTime::now_utc();
    let outcome = VerifyOutcome::of(&result);
    let updates: Vec<_> = {
        let id = account_id.clone();
        let numbers = state
            .run(move |ws| {
                let mut found = Vec::new();
                ws.for_each_number(org, |n| {
                    if n.provider == core_provider
                        && n.credentials.account_id(core_provider) == Some(id.as_str())
                    {
                        found.push((n.id, n.status));
                    }
                    Ok(())
                })?;
                Ok(found)
            })
            .await?;
        numbers
            .into_iter()
            .filter_map(|(id, status)| {
                flows::verification_update(&result, status, now).map(|u| (id, u))
            })
            .collect()
    };
    let count = updates.len() as u32;
    if !updates.is_empty() {
        state
            .run(move |ws| {
                for (id, update) in &updates {
                    ws.update_number(
                        &switchboard_core::store::NumberRef::Id(*id),
                        Some(org),
                        update,
                    )?;
                }
                Ok(())
            })
            .await?;
        announce(&app, &organization_id, Vec::new());
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
