//! What every provider command runs in: an async runtime with Ctrl-C wired to a
//! [`CancellationToken`], the inventory (local workspace or team database), the accounts added
//! to each organization on this device (which alone a number may use: see
//! `switchboard_core::store::AddedAccounts`), and provider clients built with secrets from this
//! device's vault.

use std::path::PathBuf;
use std::time::Duration;

use switchboard_core::domain::{Agent, Organization, PhoneNumber, Provider, ValidNumber};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::store::{AccountNotAdded, AddedAccounts, NumberRef, Workspace};
use switchboard_core::{Error, Result};
use switchboard_postgres::RemoteWorkspace;
use switchboard_providers::http::HttpSettings;
use switchboard_providers::model::NumberRef as ProviderRef;
use switchboard_providers::{ProviderClient, account};
use switchboard_secrets::SecretString;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Failure, Outcome};
use crate::{Global, accounts, db, vault};

/// The inventory a provider command reads and writes.
#[derive(Debug)]
pub enum Store {
    /// The workspace file.
    Local(Workspace),
    /// The team database (`--database-url`), and this device's cache file of it, which lists
    /// the accounts added to its organizations on this device.
    Remote(RemoteWorkspace, PathBuf),
}

impl Store {
    /// An organization by slug or id.
    pub async fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        match self {
            Store::Local(ws) => ws.organization(slug_or_id),
            Store::Remote(ws, _) => ws.organization(slug_or_id).await,
        }
    }

    /// Every number of an organization, in E.164 order.
    pub async fn numbers(&self, organization_id: Uuid) -> Result<Vec<PhoneNumber>> {
        let mut all = Vec::new();
        let collect = |n: &PhoneNumber| {
            all.push(n.clone());
            Ok(())
        };
        match self {
            Store::Local(ws) => ws.for_each_number(organization_id, collect)?,
            Store::Remote(ws, _) => ws.for_each_number(organization_id, collect).await?,
        };
        Ok(all)
    }

    /// An agent of an organization by id or name.
    pub async fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent> {
        match self {
            Store::Local(ws) => ws.agent(organization_id, id_or_name),
            Store::Remote(ws, _) => ws.agent(organization_id, id_or_name).await,
        }
    }

    /// Every number `filter` selects, in E.164 order (read a page of 1000 at a time).
    pub async fn select(&self, filter: NumberFilter) -> Result<Vec<PhoneNumber>> {
        let mut query = NumberQuery::first(filter, "number".parse::<Sort>()?, 1000)?;
        let mut all = Vec::new();
        loop {
            let page = match self {
                Store::Local(ws) => ws.list_numbers(&query)?,
                Store::Remote(ws, _) => ws.list_numbers(&query).await?,
            };
            all.extend(page.items);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// One number by id or E.164, in `org` when given.
    pub async fn number(&self, r: &str, org: Option<&str>) -> Result<PhoneNumber> {
        let org = match org {
            Some(o) => Some(self.organization(o).await?.id),
            None => None,
        };
        let r = NumberRef::parse(r)?;
        match self {
            Store::Local(ws) => ws.number(&r, org),
            Store::Remote(ws, _) => ws.number(&r, org).await,
        }
    }

    /// Applies a change to a number.
    pub async fn update(
        &mut self,
        n: &PhoneNumber,
        change: &switchboard_core::domain::NumberUpdate,
    ) -> Result<PhoneNumber> {
        let r = NumberRef::Id(n.id);
        match self {
            Store::Local(ws) => ws.update_number(&r, Some(n.organization_id), change),
            Store::Remote(ws, _) => ws.update_number(&r, Some(n.organization_id), change).await,
        }
    }

    /// Adds numbers in one transaction, returning how many; `None` where the store has no
    /// such path (the team database: numbers go one by one).
    pub fn add_all(
        &mut self,
        organization_id: Uuid,
        numbers: Vec<ValidNumber>,
    ) -> Option<Result<usize>> {
        match self {
            Store::Local(ws) => Some(ws.add_numbers(organization_id, numbers).map(|a| a.len())),
            Store::Remote(..) => None,
        }
    }

    /// Adds a number.
    pub async fn add_one(
        &mut self,
        organization_id: Uuid,
        number: ValidNumber,
    ) -> Result<PhoneNumber> {
        match self {
            Store::Local(ws) => ws.add_number(organization_id, number),
            Store::Remote(ws, _) => ws.add_number(organization_id, number).await,
        }
    }

    /// Removes a number.
    pub async fn remove(&mut self, n: &PhoneNumber) -> Result<PhoneNumber> {
        let r = NumberRef::Id(n.id);
        match self {
            Store::Local(ws) => ws.remove_number(&r, Some(n.organization_id)),
            Store::Remote(ws, _) => ws.remove_number(&r, Some(n.organization_id)).await,
        }
    }

    /// The accounts added to each organization on this device: from the workspace, or for the
    /// team database from this device's cache of it (none before its first `sync` or
    /// `accounts add`).
    pub fn added_accounts(&self) -> Result<AddedAccounts> {
        match self {
            Store::Local(ws) => ws.added_accounts(),
            Store::Remote(_, cache) if cache.exists() => Workspace::open(cache)?.added_accounts(),
            Store::Remote(..) => Ok(AddedAccounts::default()),
        }
    }

    /// The providers under which an organization knows `account_id`: accounts added to it (in
    /// the workspace) and accounts its numbers reference.
    pub async fn account_providers(
        &self,
        organization_id: Uuid,
        account_id: &str,
    ) -> Result<Vec<Provider>> {
        let mut found: Vec<Provider> = match self {
            Store::Local(ws) => ws
                .accounts(organization_id)?
                .into_iter()
                .filter(|a| a.account_id == account_id)
                .map(|a| a.provider)
                .collect(),
            Store::Remote(..) => self
                .numbers(organization_id)
                .await?
                .iter()
                .filter(|n| n.credentials.account_id(n.provider) == Some(account_id))
                .map(|n| n.provider)
                .collect(),
        };
        found.sort_by_key(|p| p.as_str());
        found.dedup();
        Ok(found)
    }
}

/// Runs `f` with the inventory and a cancellation token that Ctrl-C cancels (a second Ctrl-C
/// exits at once with code 130).
pub fn run<T>(
    g: &Global,
    f: impl AsyncFnOnce(&mut Store, &CancellationToken) -> Outcome<T>,
) -> Outcome<T> {
    // Settings first: finding the database password may ask the vault, which blocks.
    let remote = match &g.database_url {
        Some(_) => {
            let settings = db::settings(g)?;
            let cache = switchboard_sync::cache_path(&settings)?;
            Some((settings, cache))
        }
        None => None,
    };
    let runtime = db::runtime()?;
    let result = runtime.block_on(async {
        let mut store = match remote {
            Some((settings, cache)) => {
                let ws = RemoteWorkspace::connect(&settings).await?;
                for warning in ws.warnings() {
                    eprintln!("warning: {warning}");
                }
                Store::Remote(ws, cache)
            }
            None => Store::Local(g.open()?),
        };
        let cancel = CancellationToken::new();
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\ncancelling: finishing the requests in flight (Ctrl-C again to quit now)"
                );
                on_signal.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        let result = f(&mut store, &cancel).await;
        if let Store::Remote(ws, _) = &store {
            ws.close().await;
        }
        result
    });
    // A prompt's reader may still be blocked on standard input: do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(50));
    result
}

/// Which provider an account id belongs to in an organization: `explicit` if given, else
/// the organization's accounts and numbers, else a Twilio Account SID by its shape.
pub async fn account_provider(
    store: &Store,
    org: &Organization,
    account_id: &str,
    explicit: Option<&str>,
) -> Outcome<Provider> {
    if let Some(p) = explicit {
        return Ok(p.parse()?);
    }
    let known = store.account_providers(org.id, account_id).await?;
    match known.as_slice() {
        [one] => Ok(*one),
        [] if looks_like_twilio_sid(account_id) => Ok(Provider::Twilio),
        [] => Err(Error::NotFound {
            kind: "provider account",
            key: format!(
                "{account_id} in {} (add it with `switchboard-cli accounts add`, or give \
                 --provider)",
                org.slug
            ),
        }
        .into()),
        several => Err(Error::InvalidInput {
            field: "provider".into(),
            reason: format!(
                "account {account_id} exists under {} in {}; give --provider",
                several
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(" and "),
                org.slug
            ),
        }
        .into()),
    }
}

fn looks_like_twilio_sid(id: &str) -> bool {
    id.len() == 34 && id.starts_with("AC") && id[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// A client for an account, with its secret from this device's vault. `org` names the
/// organization in the "credentials not on this device" hint.
pub async fn client(provider: Provider, account_id: &str, org: &str) -> Outcome<ProviderClient> {
    let vault = vault::open()?;
    let secret = vault
        .get(&accounts::key(provider, account_id))
        .await
        .map_err(vault::error)?;
    let Some(secret) = secret else {
        return Err(Failure::NoSecret {
            provider,
            account_id: account_id.to_owned(),
            org: org.to_owned(),
        });
    };
    build(provider, account_id, secret)
}

/// The client of `provider` for an account and its vault entry (any kind of credentials
/// `accounts add` stores: see `switchboard_providers::account_auth`).
fn build(provider: Provider, account_id: &str, stored: SecretString) -> Outcome<ProviderClient> {
    Ok(account::connect(
        provider,
        account_id,
        &stored,
        &HttpSettings::default(),
    )?)
}

/// The provider account a number references, provided it was added to the number's own
/// organization (`added`); else a bad-input error saying it has none, or a refusal
/// ([`refused`]).
pub fn account_of(n: &PhoneNumber, added: &AddedAccounts) -> Outcome<(Provider, String)> {
    match added.account_of(n) {
        Ok(Some((provider, id))) => Ok((provider, id.to_owned())),
        Ok(None) => Err(Error::InvalidInput {
            field: "account".into(),
            reason: format!(
                "{} has no provider account, so its provider cannot be asked; add it with \
                 `numbers add … --account ID` or import it with `numbers import --account ID`",
                n.phone_number
            ),
        }
        .into()),
        Err(e) => Err(refused(&e)),
    }
}

/// Checks that an account was added to `org` before it is used for `org`'s numbers
/// (`accounts verify`, `numbers import`, `numbers buy --org`).
pub fn check_added(
    store: &Store,
    org: &Organization,
    provider: Provider,
    account_id: &str,
) -> Outcome {
    store
        .added_accounts()?
        .check(org.id, provider, account_id)
        .map_err(|e| refused(&e))
}

/// Why a number's account is not used, with how to add the account to the organization.
pub fn not_added(e: &AccountNotAdded) -> String {
    format!(
        "{e}; add it with: {}",
        accounts::add_command(&e.organization, e.provider, &e.account_id)
    )
}

/// A refusal as the command's failure: not allowed (exit code 2), nothing was sent.
pub fn refused(e: &AccountNotAdded) -> Failure {
    Failure::Core(Error::NotAllowed(not_added(e)))
}

/// How the provider knows a number: by its sid when the record has one.
pub fn provider_ref(n: &PhoneNumber) -> ProviderRef {
    account::number_ref(n)
}
