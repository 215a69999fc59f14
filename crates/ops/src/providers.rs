//! What the provider actions record, once for every shell and store: an import's writes, a
//! verification's and a confirmed webhook change's record updates, a bought number's record.
//!
//! Every write goes through the open [`Inventory`], so it follows the team edit policy decided
//! when the workspace was opened (the server while it answers, the cache's outbox when it does
//! not) without knowing the kind of store. The provider calls themselves are
//! `switchboard_providers`' (clients, flows, [`switchboard_providers::import::run_import`]).

use switchboard_core::domain::{NumberUpdate, PhoneNumber, Provider, ValidNumber};
use switchboard_core::store::{AddedAccounts, NumberRef};
use switchboard_core::transfer::ImportRow;
use switchboard_core::{Error, ErrorCode, Result};
use switchboard_providers::flows;
use switchboard_providers::import::ImportTarget;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Inventory;

pub mod accounts;
pub mod client;
pub mod import;

/// An organization of the open inventory as an import's target: each chunk in one transaction
/// through [`Inventory::import_rows`] (where the store takes one: a workspace file, the team
/// database online), else number by number through [`Inventory::add_number`] (a team
/// workspace offline: into the outbox); updates through [`Inventory::update_number`].
#[derive(Debug)]
pub struct ImportInto<'a> {
    /// The open inventory.
    pub inventory: &'a dyn Inventory,
    /// The organization imported into.
    pub organization_id: Uuid,
}

impl ImportTarget for ImportInto<'_> {
    type Error = Error;

    fn already_present(e: &Error) -> bool {
        e.code() == ErrorCode::Duplicate
    }

    async fn add_all(&mut self, numbers: Vec<ValidNumber>) -> Option<Result<usize>> {
        let org = self.organization_id;
        let t = switchboard_core::store::now();
        let rows: Vec<ImportRow> = (numbers.into_iter().enumerate())
            .map(|(i, v)| ImportRow {
                line: i as u64 + 2,
                facts: v.phone_number.facts(),
                number: v.into_record(org, t),
            })
            .collect();
        let written = self.inventory.import_rows(org, rows).await;
        Some(written.map(|r| r.inserted as usize))
    }

    async fn add_one(&mut self, number: ValidNumber) -> Result<()> {
        self.inventory
            .add_number(self.organization_id, number)
            .await
            .map(|_| ())
    }

    async fn update(&mut self, id: Uuid, change: NumberUpdate) -> Result<PhoneNumber> {
        self.inventory
            .update_number(&NumberRef::Id(id), Some(self.organization_id), &change)
            .await
            .map(|w| w.number)
    }
}

/// Applies record updates to numbers of an organization, in order; returns the numbers as
/// written. Stops at the first refusal (the earlier ones stay written).
pub async fn record_updates(
    inventory: &dyn Inventory,
    organization_id: Uuid,
    updates: &[(Uuid, NumberUpdate)],
) -> Result<Vec<PhoneNumber>> {
    let mut written = Vec::with_capacity(updates.len());
    for (id, change) in updates {
        let w = inventory
            .update_number(&NumberRef::Id(*id), Some(organization_id), change)
            .await?;
        written.push(w.number);
    }
    Ok(written)
}

/// Every number of an organization, in E.164 order (an import preview compares the listing
/// with them).
pub async fn organization_numbers(
    inventory: &dyn Inventory,
    organization_id: Uuid,
) -> Result<Vec<PhoneNumber>> {
    numbers_where(inventory, organization_id, |_| true).await
}

/// The numbers of an organization that use a provider account.
pub async fn account_numbers(
    inventory: &dyn Inventory,
    organization_id: Uuid,
    provider: Provider,
    account_id: &str,
) -> Result<Vec<PhoneNumber>> {
    numbers_where(inventory, organization_id, |n| {
        n.provider == provider && n.credentials.account_id(provider) == Some(account_id)
    })
    .await
}

async fn numbers_where(
    inventory: &dyn Inventory,
    organization_id: Uuid,
    keep: impl Fn(&PhoneNumber) -> bool + Send + Sync,
) -> Result<Vec<PhoneNumber>> {
    let mut found = Vec::new();
    inventory
        .for_each_number(organization_id, &mut |n| {
            if keep(n) {
                found.push(n.clone());
            }
            Ok(())
        })
        .await?;
    Ok(found)
}

/// Records an account's verification on the organization's numbers that use it
/// ([`flows::verification_update`]: success sets `last_verified_at`, a refusal sets `status =
/// error` with the provider's reason, any other failure changes nothing). Returns how many
/// numbers changed.
pub async fn record_account_verification<T>(
    inventory: &dyn Inventory,
    organization_id: Uuid,
    provider: Provider,
    account_id: &str,
    result: &switchboard_providers::Result<T>,
    now: OffsetDateTime,
) -> Result<usize> {
    let numbers = account_numbers(inventory, organization_id, provider, account_id).await?;
    let updates: Vec<(Uuid, NumberUpdate)> = numbers
        .iter()
        .filter_map(|n| flows::verification_update(result, n.status, now).map(|u| (n.id, u)))
        .collect();
    record_updates(inventory, organization_id, &updates).await?;
    Ok(updates.len())
}

/// The accounts added to each organization on this device, which alone its numbers may use: as
/// listed in the inventory's workspace file (the local workspace, a team workspace's cache);
/// none when there is no such file yet (a team database never synced on this device).
pub async fn added_accounts(inventory: &dyn Inventory) -> Result<AddedAccounts> {
    match inventory.file() {
        Some(file) => file.run(|ws| ws.added_accounts()).await,
        None => Ok(AddedAccounts::default()),
    }
}
