//! `switchboard-cli accounts …`, and what the `numbers` commands say about account secrets.
//!
//! A provider account (provider + account id) owns one secret — a Twilio auth token, a Vonage
//! API secret, a Telnyx API key, Bandwidth or Plivo credentials — and many numbers share it by
//! reference (`numbers add … --account ID`). The secret lives only in this device's credential
//! vault, filed under `SecretKey::provider_account(provider, account id)`; the workspace and the
//! team database keep the account id and a `vault:` reference, never the secret. So:
//! - `accounts add` reads the secret (standard input, or a prompt without echo) and saves or
//!   replaces it in the vault, with the identifier its kind needs beside it (`--api-key-sid`,
//!   `--signalwire-space`, `--client-id`, `--username`: see
//!   `switchboard_providers::account_auth`), and lists the account under the organization: in
//!   the local workspace, or for a team database in this device's cache of it (the team
//!   database itself has no account list). Only an account listed so is used for the
//!   organization's numbers (`switchboard_core::store::AddedAccounts`): a number that names
//!   another organization's account is skipped;
//! - `accounts list` shows the accounts an organization's numbers reference plus those added,
//!   and whether *this device* holds each secret — never the secret;
//! - `accounts remove` deletes the secret from this device and names the numbers that still
//!   reference the account.
//!
//! Commands that need no secret keep working when the vault is unavailable: listing says
//! "unknown" and prints the vault's error as a warning. Commands that must write or delete a
//! secret fail with the vault's error (exit code 1).

use clap::Subcommand;
use serde_json::json;
use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_core::store::{check_account_id, check_account_label};
use switchboard_core::{Error, Result};
use switchboard_ops::Inventory;
use switchboard_ops::providers::accounts::{
    self, AccountAdded, AccountList, AccountRemoval, ProviderAccount, RemovedNumberAccount,
    SecretStatus,
};
use switchboard_providers::account::{self as provider_account, SecretAfterRemoval};
use switchboard_providers::account_auth::{AccountAuth, CredentialKind};
use switchboard_secrets::{Removal, SecretString, Vault};

use crate::{Global, output, vault};

/// How many of the numbers still using an account are named in messages.
const NAMED_NUMBERS: u32 = 10;

#[derive(Debug, Subcommand)]
pub enum Accounts {
    /// Add a provider account and save its secret in this device's credential vault. The
    /// secret is read from standard input (one line) or asked for without echo; never from an
    /// argument. Run it again to replace the secret.
    Add {
        #[command(flatten)]
        account: AccountArgs,
        #[command(flatten)]
        kind: KindArgs,
        /// A label for the account (at most 100 characters)
        #[arg(long)]
        label: Option<String>,
    },
    /// List an organization's accounts and whether this device holds their secrets
    List {
        /// Organization slug or id
        #[arg(long)]
        org: String,
    },
    /// Remove an account's secret from this device (and the account from the organization's
    /// list); numbers that reference it keep the reference
    Remove {
        #[command(flatten)]
        account: AccountArgs,
    },
}

/// Which account: organization, provider and account id.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountArgs {
    /// Organization slug or id
    #[arg(long)]
    org: String,
    /// twilio, vonage, telnyx, bandwidth or plivo
    #[arg(long)]
    provider: String,
    /// Twilio Account SID (AC + 32 hex digits)
    #[arg(long, value_name = "SID", conflicts_with = "account_id")]
    account_sid: Option<String>,
    /// The provider's account identifier (Vonage API key, Telnyx connection id, Bandwidth
    /// account id, Plivo auth id)
    #[arg(long, value_name = "ID", required_unless_present = "account_sid")]
    account_id: Option<String>,
}

/// Which kind of credentials `accounts add` stores; none of these flags: the provider's one
/// secret (Twilio auth token, Vonage API secret, Telnyx API key, Plivo auth token, or
/// Bandwidth `CLIENT_ID:CLIENT_SECRET`).
#[derive(Debug, Clone, Default, clap::Args)]
#[group(multiple = false)]
pub struct KindArgs {
    /// Twilio: use this API key (SK…) instead of the auth token; the secret read is the key's
    /// secret
    #[arg(long, value_name = "SK_SID")]
    api_key_sid: Option<String>,
    /// SignalWire (through the Twilio API): the space name, `acme` of acme.signalwire.com;
    /// give --provider twilio --account-id PROJECT_ID; the secret read is the API token
    #[arg(long, value_name = "SPACE")]
    signalwire_space: Option<String>,
    /// Bandwidth OAuth2: the client id; the secret read is the client secret
    #[arg(long)]
    client_id: Option<String>,
    /// Bandwidth legacy API user (HTTP Basic, being retired); the secret read is its password
    #[arg(long)]
    username: Option<String>,
}

impl KindArgs {
    /// The kind of credentials these flags name, and its identifier.
    fn kind(&self) -> (CredentialKind, Option<&str>) {
        if let Some(key_sid) = &self.api_key_sid {
            (CredentialKind::TwilioApiKey, Some(key_sid))
        } else if let Some(space) = &self.signalwire_space {
            (CredentialKind::SignalWire, Some(space))
        } else if let Some(client_id) = &self.client_id {
            (CredentialKind::BandwidthOAuth2, Some(client_id))
        } else if let Some(username) = &self.username {
            (CredentialKind::BandwidthBasic, Some(username))
        } else {
            (CredentialKind::Secret, None)
        }
    }

    /// The checked credentials these flags describe, with `secret`.
    fn auth(&self, provider: Provider, secret: SecretString) -> Result<AccountAuth> {
        let (kind, identifier) = self.kind();
        accounts::credentials(provider, kind, identifier, secret).map_err(credentials_error)
    }

    /// Checks the flags against the provider before any secret is read.
    fn check(&self, provider: Provider) -> Result<()> {
        let (kind, identifier) = self.kind();
        AccountAuth::check_kind(provider, kind, identifier).map_err(credentials_error)
    }

    /// What the secret read is called.
    fn secret_name(&self, provider: Provider) -> &'static str {
        self.kind().0.secret_name(provider)
    }
}

fn credentials_error(e: switchboard_providers::ProviderError) -> Error {
    Error::InvalidInput {
        field: "credentials".into(),
        reason: crate::output::provider_message(&e),
    }
}

impl AccountArgs {
    /// The provider and the checked account id.
    fn resolve(&self) -> Result<(Provider, String)> {
        let provider: Provider = self.provider.parse()?;
        let id = match (&self.account_sid, &self.account_id) {
            (Some(_), _) if provider != Provider::Twilio => {
                return Err(Error::InvalidInput {
                    field: "account sid".into(),
                    reason: format!(
                        "--account-sid is for Twilio; give --account-id for {provider}"
                    ),
                });
            }
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => {
                return Err(Error::InvalidInput {
                    field: "account id".into(),
                    reason: "give --account-id (or --account-sid for Twilio)".into(),
                });
            }
        };
        Ok((provider, check_account_id(provider, id)?))
    }
}

/// The command that enters an account's secret on this device.
pub fn add_command(org: &str, provider: Provider, account_id: &str) -> String {
    let flag = if provider == Provider::Twilio {
        "--account-sid"
    } else {
        "--account-id"
    };
    format!(
        "switchboard-cli accounts add --org {org} --provider {provider} {flag} {account_id} \
         (it reads the secret from standard input or asks for it)"
    )
}

/// Prints `n` as JSON (with `secret_on_this_device` when it has an account), or, in text
/// mode, the line about its account's secret that follows the number's details. The vault is
/// asked on the blocking pool.
pub async fn show_credentials(g: &Global, n: &PhoneNumber, org_slug: &str) {
    let status = SecretStatus::of_number(vault::open, n).await;
    if g.json {
        let mut value = serde_json::to_value(n).unwrap_or_default();
        if let (Some(object), Some(status)) = (value.as_object_mut(), &status) {
            object.insert("secret_on_this_device".into(), json!(status.held()));
        }
        output::json(&value);
        return;
    }
    let (Some(status), Some(account_id)) = (status, n.credentials.account_id(n.provider)) else {
        return;
    };
    let line = match &status {
        SecretStatus::Held => format!("on this device ({} account {account_id})", n.provider),
        SecretStatus::Missing => format!(
            "credentials not on this device; enter them with: {}",
            add_command(org_slug, n.provider, account_id)
        ),
        SecretStatus::Unknown(why) => format!("cannot tell whether this device holds them: {why}"),
    };
    println!("{:>14}: {line}", "secret");
}

/// After `numbers add … --account ID`: a note on standard error when this device lacks the
/// account's secret (the vault is asked on the blocking pool).
pub async fn hint_after_add(n: &PhoneNumber, org_slug: &str) {
    let Some(account_id) = n.credentials.account_id(n.provider) else {
        return;
    };
    if SecretStatus::of_number(vault::open, n).await == Some(SecretStatus::Missing) {
        eprintln!(
            "note: credentials not on this device for {} account {account_id}; enter them with: {}",
            n.provider,
            add_command(org_slug, n.provider, account_id)
        );
    }
}

/// After a number was removed: when no number uses its account any more, remove the account's
/// secret and the account added on this device (`forget`), or say how to.
pub async fn after_number_removed(
    inv: &dyn Inventory,
    n: &PhoneNumber,
    forget: bool,
) -> Result<()> {
    let after = accounts::after_number_removed(inv, n, forget, vault::open).await?;
    let provider = n.provider;
    let account_id = n.credentials.account_id(provider).unwrap_or_default();
    match after {
        RemovedNumberAccount::NoAccount if forget => eprintln!(
            "note: {} has no provider account; no secret to forget",
            n.phone_number
        ),
        RemovedNumberAccount::Forgot(SecretAfterRemoval::StillUsed(count), _) => eprintln!(
            "note: kept the secret of {provider} account {account_id}: {count} other number(s) \
             still use it"
        ),
        RemovedNumberAccount::Forgot(SecretAfterRemoval::Forgotten(removal), vault) => {
            let removed = removal == Removal::Removed;
            eprintln!("{}", secret_removal(removed, provider, account_id, vault));
        }
        RemovedNumberAccount::Unused => {
            let org_slug = inv.organization(&n.organization_id.to_string()).await?.slug;
            eprintln!(
                "note: no number uses {provider} account {account_id} any more, but its secret \
                 may still be on this device; remove it with: switchboard-cli accounts remove \
                 --org {org_slug} --provider {provider} --account-id {account_id} (or remove \
                 numbers with --forget-secret)"
            );
        }
        RemovedNumberAccount::NoAccount
        | RemovedNumberAccount::Forgot(SecretAfterRemoval::NoAccount, _)
        | RemovedNumberAccount::Unchanged => {}
    }
    Ok(())
}

fn print_list(g: &Global, org: &str, list: &AccountList) {
    if let Some(failure) = &list.vault_failure {
        eprintln!("warning: cannot tell which secrets this device holds: {failure}");
    }
    let items: Vec<_> = (list.accounts.iter())
        .map(|a| {
            json!({
                "provider": a.provider,
                "account_id": a.account_id,
                "label": a.label,
                "added": a.added,
                "numbers": a.numbers,
                "secret_on_this_device": a.secret_on_device,
            })
        })
        .collect();
    let report = json!({ "organization": org, "items": items });
    output::json_or_print(g.json, &report, |_| {
        output::rows(&list.accounts, &ACCOUNT_COLUMNS);
        let missing: Vec<_> = (list.accounts.iter())
            .filter(|a| a.secret_on_device == Some(false))
            .collect();
        if let Some(first) = missing.first() {
            println!(
                "{} account(s) have credentials not on this device; enter one with: {}",
                missing.len(),
                add_command(org, first.provider, &first.account_id)
            );
        }
    });
}

/// The columns of `accounts list`.
const ACCOUNT_COLUMNS: [output::Column<ProviderAccount>; 6] = [
    ("PROVIDER", |a| a.provider.to_string()),
    ("ACCOUNT", |a| a.account_id.clone()),
    ("LABEL", |a| a.label.clone().unwrap_or_default()),
    ("NUMBERS", |a| a.numbers.to_string()),
    ("ADDED", |a| yes_no(Some(a.added)).into()),
    ("SECRET ON THIS DEVICE", |a| {
        yes_no(a.secret_on_device).into()
    }),
];

fn yes_no(held: Option<bool>) -> &'static str {
    match held {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn print_saved(g: &Global, org: &str, saved: &AccountAdded) {
    let a = &saved.account;
    let (provider, account_id) = (a.provider, &a.account_id);
    let report = json!({
        "organization": org,
        "provider": provider,
        "account_id": account_id,
        "label": a.label,
        "secret_replaced": saved.replaced,
        "credentials": saved.credentials.as_deref().unwrap_or("secret"),
        "vault": saved.vault,
        "vault_service": saved.vault_service,
        "vault_user": saved.vault_user,
    });
    output::json_or(g.json, &report, |_| {
        format!(
            "{} the secret of {provider} account {account_id}{} in this device's {} (service {}, \
             user {}); numbers of {org} use it with --account {account_id}",
            if saved.replaced { "replaced" } else { "saved" },
            (saved.credentials.as_deref())
                .map(|k| format!(" ({k})"))
                .unwrap_or_default(),
            saved.vault,
            saved.vault_service,
            saved.vault_user,
        )
    });
}

/// Whether `vault` held the secret of an account that was removed from it.
fn secret_removal(removed: bool, provider: Provider, account_id: &str, vault: &str) -> String {
    if removed {
        format!("removed the secret of {provider} account {account_id} from this device's {vault}")
    } else {
        format!("this device's {vault} held no secret for {provider} account {account_id}")
    }
}

fn print_removed(g: &Global, vault: &Vault, removed: &AccountRemoval) {
    let (provider, account_id) = (removed.provider, &removed.account_id);
    let total = removed.numbers_still_referencing;
    let numbers: Vec<_> = (removed.users.iter())
        .map(|u| json!({ "organization": u.organization, "phone_number": u.phone_number }))
        .collect();
    let report = json!({
        "provider": provider,
        "account_id": account_id,
        "secret_removed": removed.secret_removed,
        "numbers_still_referencing": total,
        "numbers": numbers,
    });
    if g.json {
        return output::json(&report);
    }
    let (secret_removed, vault) = (removed.secret_removed, vault.vault_name());
    println!(
        "{}",
        secret_removal(secret_removed, provider, account_id, vault)
    );
    if total > 0 {
        let named: Vec<String> = (removed.users.iter())
            .map(|u| format!("{} ({})", u.phone_number, u.organization))
            .collect();
        let more = u64::from(total).saturating_sub(named.len() as u64);
        println!(
            "{total} number(s) still reference it and need its secret on this device to reach \
             {provider}: {}{}",
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
}

/// `accounts …`, on the inventory `switchboard_ops::open` returns (the workspace file, or the
/// team database with this device's cache of it, which lists the accounts added on this
/// device). Vault calls and the secret's prompt run before or between the inventory's calls.
pub fn run(g: &Global, cmd: Accounts) -> Result<()> {
    crate::db::with_inventory(g, async |inv| match cmd {
        Accounts::Add {
            account,
            kind,
            label,
        } => {
            let org = inv.organization(&account.org).await?;
            let (provider, account_id) = account.resolve()?;
            let label = check_account_label(label.as_deref())?;
            // The flags and the vault are checked before the user types anything.
            kind.check(provider)?;
            let vault = vault::open()?;
            vault::holds(&vault, &provider_account::vault_key(provider, &account_id))?;
            let secret = vault::read_secret(&format!(
                "{} for {provider} account {account_id}",
                kind.secret_name(provider)
            ))?;
            let auth = kind.auth(provider, secret)?;
            let saved =
                accounts::add_account(inv, &vault, &org, (provider, &account_id), auth, label)
                    .await?;
            print_saved(g, &org.slug, &saved);
            Ok(())
        }
        Accounts::List { org } => {
            let org = inv.organization(&org).await?;
            let vault = vault::open().map_err(|e| e.to_string());
            let list =
                accounts::list_accounts(inv, org.id, vault.as_ref().map_err(Clone::clone)).await?;
            print_list(g, &org.slug, &list);
            Ok(())
        }
        Accounts::Remove { account } => {
            let org = inv.organization(&account.org).await?;
            let (provider, account_id) = account.resolve()?;
            let vault = vault::open()?;
            let removed = accounts::remove_account(
                inv,
                &vault,
                org.id,
                (provider, &account_id),
                NAMED_NUMBERS,
            )
            .await?;
            print_removed(g, &vault, &removed);
            Ok(())
        }
    })
}
