//! Provider accounts on this device, once for every shell and store: add (the secret into the
//! vault, the account into the organization's list), list (with whether this device holds each
//! secret), remove, verify with the provider, and check an account as typed.
//!
//! An account's secret lives only in this device's vault, under
//! [`account::vault_key`], in [`AccountAuth`]'s shape; the list of the accounts added to each
//! organization lives in the inventory's workspace file ([`Inventory::account_list`]: the local
//! workspace, or this device's cache of a team database). Numbers are counted, and named,
//! through the [`Inventory`], so every store counts them the same way.

use std::collections::BTreeMap;

use serde::Serialize;
use switchboard_core::domain::{Organization, PhoneNumber, Provider};
use switchboard_core::store::{
    AccountUser, ProviderAccount as ListedAccount, check_account_id, check_account_label,
};
use switchboard_core::{Error, ErrorCode, Result};
use switchboard_providers::account::{
    SecretAfterRemoval, forget_if_unused, vault_error, vault_key,
};
use switchboard_providers::account_auth::{AccountAuth, CredentialKind};
use switchboard_providers::model::AccountInfo;
use switchboard_providers::{ProviderError, ProviderErrorCode};
use switchboard_secrets::{Removal, SecretKey, SecretString, Vault};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::client::{ProviderFailure, account_client};
use super::record_account_verification;
use crate::{Inventory, LocalInventory};

/// A provider account of an organization. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProviderAccount {
    /// The provider.
    #[cfg_attr(feature = "ts", ts(type = "Provider"))]
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

/// An organization's accounts, and why the vault could not tell which secrets it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountList {
    /// The accounts, by provider and account id.
    pub accounts: Vec<ProviderAccount>,
    /// The vault's failure, when it stopped answering (the later accounts say null).
    pub vault_failure: Option<String>,
}

/// What adding an account did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountAdded {
    /// The account as listed now.
    pub account: ProviderAccount,
    /// Whether the vault held credentials for it before (replaced now).
    pub replaced: bool,
    /// The kind of credentials, when not the provider's single secret ("API key SK…").
    pub credentials: Option<String>,
    /// The vault's name ("Secret Service", …).
    pub vault: String,
    /// The vault's service the entry is filed under.
    pub vault_service: String,
    /// The vault's user the entry is filed under.
    pub vault_user: String,
}

/// What removing an account did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountRemoval {
    /// The provider.
    #[cfg_attr(feature = "ts", ts(type = "Provider"))]
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
    /// The first of them with their organizations.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub users: Vec<AccountUser>,
}

fn count(n: u64) -> u32 {
    n.min(u64::from(u32::MAX)) as u32
}

impl ProviderAccount {
    fn new(a: ListedAccount, secret_on_device: Option<bool>) -> Self {
        ProviderAccount {
            provider: a.provider,
            account_id: a.account_id,
            label: a.label,
            added: a.added,
            numbers: count(a.numbers),
            secret_on_device,
        }
    }
}

/// The credentials of `kind` for `provider` (the secret, and the identifier beside it when
/// the kind has one), checked by the provider's rules.
#[allow(clippy::result_large_err)] // The providers' own error, as `AccountAuth::of_kind` returns it.
pub fn credentials(
    provider: Provider,
    kind: CredentialKind,
    identifier: Option<&str>,
    secret: SecretString,
) -> std::result::Result<AccountAuth, ProviderError> {
    AccountAuth::of_kind(provider, kind, identifier, secret)?.check(provider)
}

/// Whether this device holds an account's secret, as far as the vault can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretStatus {
    /// The vault holds it.
    Held,
    /// The vault answered: it does not.
    Missing,
    /// The vault could not be asked; the message says why.
    Unknown(String),
}

impl SecretStatus {
    /// Asks the vault `vault` opens. Blocks while the vault answers.
    pub fn of(vault: impl FnOnce() -> Result<Vault>, provider: Provider, account_id: &str) -> Self {
        let status = Self::of_key(vault, &vault_key(provider, account_id));
        if let SecretStatus::Unknown(message) = &status {
            tracing::warn!(error = %message, "cannot ask the vault about an account");
        }
        status
    }

    /// Whether the vault `vault` opens holds the secret filed under `key`. Blocks while the
    /// vault answers.
    pub fn of_key(vault: impl FnOnce() -> Result<Vault>, key: &SecretKey) -> Self {
        match vault().and_then(|v| v.contains_blocking(key).map_err(vault_error)) {
            Ok(true) => SecretStatus::Held,
            Ok(false) => SecretStatus::Missing,
            Err(e) => SecretStatus::Unknown(e.to_string()),
        }
    }

    /// Whether the secret of `n`'s account is on this device (`None`: `n` has no account),
    /// asking the vault `vault` opens on the blocking pool.
    pub async fn of_number(
        vault: fn() -> Result<Vault>,
        n: &switchboard_core::domain::PhoneNumber,
    ) -> Option<Self> {
        let provider = n.provider;
        let account_id = n.credentials.account_id(provider)?.to_owned();
        let asked = tokio::task::spawn_blocking(move || Self::of(vault, provider, &account_id));
        let stopped = |e| SecretStatus::Unknown(format!("the vault check stopped: {e}"));
        Some(asked.await.unwrap_or_else(stopped))
    }

    /// Held (true), missing (false), or unknown (`None`).
    pub fn held(&self) -> Option<bool> {
        match self {
            SecretStatus::Held => Some(true),
            SecretStatus::Missing => Some(false),
            SecretStatus::Unknown(_) => None,
        }
    }
}

/// The list of the accounts added on this device that holds `organization`, with the
/// organization in it (a team database's cache that does not know it yet gets it now, as the
/// next sync would put it).
async fn list_of(inv: &dyn Inventory, organization: &Organization) -> Result<LocalInventory> {
    let file = inv.account_list()?;
    let org = organization.clone();
    file.run(move |ws| {
        if ws.organization(&org.id.to_string()).is_err() {
            let mut replica = ws.replica()?;
            replica.put_organization(&org)?;
            replica.commit()?;
        }
        Ok(())
    })
    .await?;
    Ok(file)
}

/// Saves an account's checked credentials in `vault` (replacing what it held for the
/// account), then lists the account under the organization, which lets the organization's
/// numbers use it. The secret is never returned.
pub async fn add_account(
    inv: &dyn Inventory,
    vault: &Vault,
    organization: &Organization,
    (provider, account_id): (Provider, &str),
    auth: AccountAuth,
    label: Option<String>,
) -> Result<AccountAdded> {
    let file = list_of(inv, organization).await?;
    let key = vault_key(provider, account_id);
    let replaced = vault.contains(&key).await.map_err(vault_error)?;
    vault
        .save(&key, &auth.to_vault())
        .await
        .map_err(vault_error)?;
    let credentials = (!matches!(auth, AccountAuth::Secret(_))).then(|| auth.describe());
    drop(auth);
    tracing::info!(%provider, account_id, replaced, vault = vault.vault_name(), "saved account credentials");
    let (org, id) = (organization.id, account_id.to_owned());
    let (listed, _) = file
        .run(move |ws| ws.add_account(org, provider, &id, label.as_deref()))
        .await?;
    Ok(AccountAdded {
        account: ProviderAccount::new(listed, Some(true)),
        replaced,
        credentials,
        vault: vault.vault_name().to_owned(),
        vault_service: vault.service().to_owned(),
        vault_user: key.vault_user().unwrap_or_default(),
    })
}

/// An organization's accounts: those added to it on this device and those its numbers
/// reference, by provider and account id, with how many of its numbers use each.
pub(crate) async fn accounts_of(
    inv: &dyn Inventory,
    organization_id: Uuid,
) -> Result<Vec<ListedAccount>> {
    let mut found: BTreeMap<(&'static str, String), ListedAccount> = BTreeMap::new();
    fn entry<'m>(
        found: &'m mut BTreeMap<(&'static str, String), ListedAccount>,
        organization_id: Uuid,
        provider: Provider,
        account_id: &str,
    ) -> &'m mut ListedAccount {
        found
            .entry((provider.as_str(), account_id.to_owned()))
            .or_insert_with(|| ListedAccount {
                organization_id,
                provider,
                account_id: account_id.to_owned(),
                label: None,
                added: false,
                numbers: 0,
                created_at: None,
            })
    }
    if let Some(file) = inv.file() {
        for a in file.run(move |ws| ws.accounts(organization_id)).await? {
            if a.added {
                let listed = entry(&mut found, organization_id, a.provider, &a.account_id);
                listed.added = true;
                listed.label = a.label;
                listed.created_at = a.created_at;
            }
        }
    }
    inv.for_each_number(organization_id, &mut |n| {
        if let Some(id) = n.credentials.account_id(n.provider) {
            entry(&mut found, organization_id, n.provider, id).numbers += 1;
        }
        Ok(())
    })
    .await?;
    Ok(found.into_values().collect())
}

/// The providers under which an organization knows `account_id` (added to it, or referenced by
/// its numbers), by name.
pub async fn account_providers(
    inv: &dyn Inventory,
    organization_id: Uuid,
    account_id: &str,
) -> Result<Vec<Provider>> {
    let accounts = accounts_of(inv, organization_id).await?;
    let found = accounts.into_iter().filter(|a| a.account_id == account_id);
    Ok(found.map(|a| a.provider).collect())
}

/// An organization's accounts ([`accounts_of`]) and whether `vault` holds each secret. A vault
/// that cannot be opened (`Err`, why) or stops answering makes the answers "unknown" after one
/// failure, not one per account.
pub async fn list_accounts(
    inv: &dyn Inventory,
    organization_id: Uuid,
    vault: std::result::Result<&Vault, String>,
) -> Result<AccountList> {
    let found = accounts_of(inv, organization_id).await?;
    let mut vault = vault;
    let mut accounts = Vec::with_capacity(found.len());
    for a in found {
        let held = match vault {
            Ok(v) => match v.contains(&vault_key(a.provider, &a.account_id)).await {
                Ok(held) => Some(held),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot ask the vault about an account");
                    let e = vault_error(e);
                    if e.code() == ErrorCode::VaultUnavailable {
                        vault = Err(e.to_string());
                    }
                    None
                }
            },
            Err(_) => None,
        };
        accounts.push(ProviderAccount::new(a, held));
    }
    Ok(AccountList {
        accounts,
        vault_failure: vault.err(),
    })
}

/// The numbers that reference an account, in every organization the inventory shows (by
/// organization slug, then number): how many, and the first `named`.
async fn account_users(
    inv: &dyn Inventory,
    provider: Provider,
    account_id: &str,
    named: u32,
) -> Result<(u64, Vec<AccountUser>)> {
    let mut orgs = inv.organizations().await?;
    orgs.sort_by(|a, b| a.slug.cmp(&b.slug));
    let (mut total, mut users) = (0, Vec::new());
    for org in orgs {
        inv.for_each_number(org.id, &mut |n| {
            if n.provider == provider && n.credentials.account_id(provider) == Some(account_id) {
                total += 1;
                if users.len() < named as usize {
                    users.push(AccountUser {
                        organization: org.slug.clone(),
                        id: n.id,
                        phone_number: n.phone_number.clone(),
                    });
                }
            }
            Ok(())
        })
        .await?;
    }
    Ok((total, users))
}

/// Removes an account from this device: its secret from the vault (first: a vault that fails
/// changes nothing), then its entry from the organization's list. Numbers that reference it
/// keep the reference; they are counted and the first `named` returned. Nothing to remove (no
/// secret, not listed, no number references it) is `NotFound`.
pub async fn remove_account(
    inv: &dyn Inventory,
    vault: &Vault,
    organization_id: Uuid,
    (provider, account_id): (Provider, &str),
    named: u32,
) -> Result<AccountRemoval> {
    let account_id = account_id.trim().to_owned();
    let secret = vault
        .remove(&vault_key(provider, &account_id))
        .await
        .map_err(vault_error)?;
    let was_added = match inv.file() {
        Some(file) => {
            let id = account_id.clone();
            file.run(move |ws| ws.remove_account(organization_id, provider, &id))
                .await?
        }
        None => false,
    };
    let (total, users) = account_users(inv, provider, &account_id, named).await?;
    tracing::info!(%provider, account_id, ?secret, was_added, still_used = total, "removed an account");
    if secret == Removal::NotFound && !was_added && total == 0 {
        return Err(Error::NotFound {
            kind: "provider account",
            key: format!("{provider}:{account_id}"),
        });
    }
    Ok(AccountRemoval {
        provider,
        account_id,
        secret_removed: secret == Removal::Removed,
        was_added,
        numbers_still_referencing: count(total),
        numbers: users.iter().map(|u| u.phone_number.to_string()).collect(),
        users,
    })
}

/// What became of the account of a number just removed ([`after_number_removed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovedNumberAccount {
    /// The number referenced no account.
    NoAccount,
    /// Asked to forget the secret: what the vault did with it (kept for the numbers still
    /// using the account, removed, or held none), and the vault's name.
    Forgot(SecretAfterRemoval, &'static str),
    /// Not asked to forget: no number uses the account any more, and this device may still
    /// hold its secret (the vault holds it, or cannot tell).
    Unused,
    /// Not asked to forget, and nothing to say: other numbers use the account, or this device
    /// does not hold its secret.
    Unchanged,
}

/// After `n` was removed from `inv`: whether numbers still use its account, and with `forget`
/// when none does, its secret removed from the vault `vault` opens and the account from this
/// device's list of added accounts. The vault calls run on the blocking pool.
pub async fn after_number_removed(
    inv: &dyn Inventory,
    n: &PhoneNumber,
    forget: bool,
    vault: fn() -> Result<Vault>,
) -> Result<RemovedNumberAccount> {
    let provider = n.provider;
    let Some(account_id) = n.credentials.account_id(provider).map(str::to_owned) else {
        return Ok(RemovedNumberAccount::NoAccount);
    };
    let still_used = inv.account_users(provider, &account_id).await?;
    let (number, id) = (n.clone(), account_id.clone());
    let asked = tokio::task::spawn_blocking(move || -> Result<RemovedNumberAccount> {
        if !forget {
            let unused =
                still_used == 0 && SecretStatus::of(vault, provider, &id) != SecretStatus::Missing;
            return Ok(if unused {
                RemovedNumberAccount::Unused
            } else {
                RemovedNumberAccount::Unchanged
            });
        }
        let vault = vault()?;
        let after = forget_if_unused(&vault, &number, still_used).map_err(|e| {
            Error::Vault(format!(
                "{} was removed, but the secret of {provider} account {id} was not: {}",
                number.phone_number,
                vault_error(e)
            ))
        })?;
        Ok(RemovedNumberAccount::Forgot(after, vault.vault_name()))
    });
    let stopped = |e| Error::Vault(format!("the vault call stopped: {e}"));
    let asked = asked.await.map_err(stopped)??;
    let organization_id = n.organization_id;
    if let (RemovedNumberAccount::Forgot(SecretAfterRemoval::Forgotten(_), _), Some(file)) =
        (&asked, inv.file())
    {
        file.run(move |ws| {
            ws.remove_account(organization_id, provider, &account_id)
                .map(drop)
        })
        .await?;
    }
    Ok(asked)
}

/// How a verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
        match r {
            Ok(_) => VerifyOutcome::Verified,
            Err(e) if e.is_auth() => VerifyOutcome::Refused,
            Err(e) if e.code() == ProviderErrorCode::Offline => VerifyOutcome::Unreachable,
            Err(_) => VerifyOutcome::Failed,
        }
    }
}

/// The result of verifying an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountVerification {
    /// The provider.
    #[cfg_attr(feature = "ts", ts(type = "Provider"))]
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

/// What asking the provider about an account found, and how many numbers' records changed.
#[derive(Debug)]
pub struct Verified {
    /// The provider's answer.
    pub result: switchboard_providers::Result<AccountInfo>,
    /// Numbers whose record changed (last verified, or status error).
    pub numbers_updated: usize,
    /// When it was checked.
    pub checked_at: OffsetDateTime,
}

impl AccountVerification {
    /// The verification as the app shows it; `reason` words a provider's failure.
    pub fn new(
        (provider, account_id): (Provider, &str),
        v: &Verified,
        reason: impl FnOnce(&ProviderError) -> String,
    ) -> Self {
        let (message, account_name) = match &v.result {
            Ok(info) => (
                format!(
                    "{} account {} verified: {}{}",
                    info.api,
                    info.account_id,
                    info.friendly_name.as_deref().unwrap_or("(no name)"),
                    (info.status.as_deref())
                        .map(|s| format!(", status {s}"))
                        .unwrap_or_default()
                ),
                info.friendly_name.clone(),
            ),
            Err(e) => (reason(e), None),
        };
        AccountVerification {
            provider,
            account_id: account_id.to_owned(),
            outcome: VerifyOutcome::of(&v.result),
            message,
            account_name,
            numbers_updated: count(v.numbers_updated as u64),
            checked_at: v.checked_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// Checks an account's credentials with its provider (once it is known the account was added
/// to the organization, with its secret from `vault`) and records the answer on the
/// organization's numbers of that account ([`super::record_account_verification`]: success
/// sets `last_verified_at`, a refusal sets `status = error` with the provider's reason, any
/// other failure changes nothing).
pub async fn verify_account(
    inv: &dyn Inventory,
    vault: &Vault,
    organization_id: Uuid,
    (provider, account_id): (Provider, &str),
) -> std::result::Result<Verified, ProviderFailure> {
    let account = (provider, account_id);
    let org = Some(organization_id);
    let client = account_client(inv, || Ok(vault.clone()), org, account).await?;
    let result = client.verify().await;
    let now = OffsetDateTime::now_utc();
    let updated =
        record_account_verification(inv, organization_id, provider, account_id, &result, now);
    Ok(Verified {
        numbers_updated: updated.await?,
        result,
        checked_at: now,
    })
}

/// A field of the add-account form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountProblem {
    /// The field.
    pub field: AccountField,
    /// Why, as core or the provider rules say it.
    pub message: String,
}

/// An account as typed, without its secret.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    /// The provider.
    pub provider: Provider,
    /// The kind of credentials.
    pub kind: CredentialKind,
    /// The account id as typed.
    pub account_id: &'a str,
    /// The identifier beside the secret, as typed.
    pub identifier: Option<&'a str>,
    /// The label as typed.
    pub label: Option<&'a str>,
}

/// Checks an account as typed (without its secret) by core's and the providers' rules: the
/// account id, the label, the kind of credentials for the provider and the identifier beside
/// the secret; `reason` words a provider rule's refusal. A field left empty is not a problem
/// yet (the account cannot be added without it). Changes nothing.
pub fn check_draft(d: Draft<'_>, reason: impl Fn(&ProviderError) -> String) -> Vec<AccountProblem> {
    let mut problems = Vec::new();
    let mut problem = |field, message: String| problems.push(AccountProblem { field, message });
    if !d.account_id.trim().is_empty()
        && let Err(e) = check_account_id(d.provider, d.account_id)
    {
        problem(AccountField::AccountId, e.to_string());
    }
    if let Err(e) = check_account_label(d.label) {
        problem(AccountField::Label, e.to_string());
    }
    let fits = d.kind.fits(d.provider);
    let identifier = d.identifier.filter(|i| !i.trim().is_empty());
    if (!fits || identifier.is_some())
        && let Err(e) = AccountAuth::check_kind(d.provider, d.kind, identifier)
    {
        let field = if fits {
            AccountField::Identifier
        } else {
            AccountField::Kind
        };
        problem(field, reason(&e));
    }
    problems
}
