//! Readiness, refreshed with an account: what its provider says about each number
//! ([`ProviderClient::readiness`], list endpoints only), judged by core's rules
//! ([`switchboard_core::readiness`]) and kept with the number, in its `metadata` under
//! `readiness` — the design's table needs no new column, and the judgement syncs with the number
//! on every store.
//!
//! A refresh writes only the numbers whose readiness changed (a number checked again with the
//! same result keeps its record, and the sync stays quiet); each item keeps the time it was
//! first seen in its state. A number moving away (`port-out-pending`, `ported-out`) is an
//! alarm: the report lists it first, and says which alarms are new (`crate::alerts` words
//! what the manager is told).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use switchboard_core::Result;
use switchboard_core::domain::{E164, Metadata, NumberUpdate, PhoneNumber, Provider};
use switchboard_core::readiness::{Readiness, State, Use, judge};
use switchboard_providers::ProviderClient;
use switchboard_providers::model::{ListProgress, ProgressFn, ReadinessListing};
use switchboard_secrets::Vault;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::Inventory;
use crate::providers::client::{ProviderFailure, account_client};
use crate::providers::{account_numbers, record_updates};

/// What a refresh found and wrote (the CLI prints it, the app shows it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Refreshed {
    /// The organization's numbers of the account that were judged.
    pub checked: u32,
    /// Those whose readiness changed and was written.
    pub changed: u32,
    /// Numbers per state (`ready`, `attention`, `blocked`).
    pub states: BTreeMap<String, u32>,
    /// Numbers moving away: the alarm.
    pub alarms: Vec<Alarm>,
    /// Numbers the provider named that the organization does not have (being ported in),
    /// with their judgement.
    pub elsewhere: Vec<Elsewhere>,
    /// Requests made to the provider.
    pub requests: u32,
}

/// A number of the organization that is moving away.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    /// The number's id.
    pub id: String,
    /// E.164.
    pub phone_number: String,
    /// What the provider says, judged.
    pub readiness: Readiness,
    /// The number was not under the alarm before this refresh (never judged, or judged not
    /// moving away): the manager has not been told yet.
    pub new: bool,
}

/// A number the provider named that the organization does not have.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Elsewhere {
    /// E.164.
    pub phone_number: String,
    /// What the provider says, judged.
    pub readiness: Readiness,
}

/// Asks the account's provider (once it is known the account was added to the organization,
/// with its secret from `vault`) and records each number's readiness.
pub async fn refresh_account(
    inv: &dyn Inventory,
    vault: impl FnOnce() -> Result<Vault>,
    organization_id: Uuid,
    (provider, account_id): (Provider, &str),
    progress: ProgressFn<'_, ListProgress>,
    cancel: &CancellationToken,
) -> std::result::Result<Refreshed, ProviderFailure> {
    let account = (provider, account_id);
    let client = account_client(inv, vault, Some(organization_id), account).await?;
    refresh_with(inv, &client, organization_id, progress, cancel).await
}

/// [`refresh_account`] with a client already made.
pub async fn refresh_with(
    inv: &dyn Inventory,
    client: &ProviderClient,
    organization_id: Uuid,
    progress: ProgressFn<'_, ListProgress>,
    cancel: &CancellationToken,
) -> std::result::Result<Refreshed, ProviderFailure> {
    let listing = client.readiness(progress, cancel).await?;
    let provider = client.api().provider();
    let now = OffsetDateTime::now_utc();
    let account = client.account_id();
    Ok(record(inv, organization_id, (provider, account), listing, now).await?)
}

/// Judges `listing` and records each judgement on the organization's numbers of the account
/// that changed; a number of the account the provider named nothing about is judged on no
/// findings (`ready`).
pub async fn record(
    inv: &dyn Inventory,
    organization_id: Uuid,
    (provider, account_id): (Provider, &str),
    listing: ReadinessListing,
    now: OffsetDateTime,
) -> Result<Refreshed> {
    let numbers = account_numbers(inv, organization_id, provider, account_id).await?;
    let mut named: HashMap<E164, (Vec<_>, Use)> = listing
        .numbers
        .into_iter()
        .map(|n| (n.number, (n.findings, n.used)))
        .collect();
    let mut refreshed = Refreshed {
        checked: numbers.len() as u32,
        changed: 0,
        states: BTreeMap::new(),
        alarms: Vec::new(),
        elsewhere: Vec::new(),
        requests: listing.requests,
    };
    let mut updates = Vec::new();
    for n in numbers {
        let (findings, used) = named.remove(&n.phone_number).unwrap_or_default();
        let before = of(&n);
        let judged = judge(&findings, used).dated(before.as_ref(), now);
        *refreshed
            .states
            .entry(judged.state.as_str().to_owned())
            .or_default() += 1;
        if judged.alarm {
            refreshed.alarms.push(Alarm {
                id: n.id.to_string(),
                phone_number: n.phone_number.to_string(),
                readiness: judged.clone(),
                new: !before.as_ref().is_some_and(|b| b.alarm),
            });
        }
        if before.is_none_or(|b| !b.same_as(&judged)) {
            let change = NumberUpdate {
                metadata_patch: Some(Metadata::readiness_patch(&judged)),
                ..NumberUpdate::default()
            };
            updates.push((n.id, change));
        }
    }
    refreshed.changed = updates.len() as u32;
    record_updates(inv, organization_id, &updates).await?;
    let mut elsewhere: Vec<_> = named.into_iter().collect();
    elsewhere.sort_by(|a, b| a.0.cmp(&b.0));
    refreshed.elsewhere = (elsewhere.into_iter())
        .map(|(number, (findings, used))| Elsewhere {
            phone_number: number.to_string(),
            readiness: judge(&findings, used).dated(None, now),
        })
        .collect();
    Ok(refreshed)
}

/// A number's readiness as last recorded, if it was ever judged.
pub fn of(n: &PhoneNumber) -> Option<Readiness> {
    n.metadata.as_ref().and_then(Metadata::readiness)
}

/// Reads a readiness state as the CLI and the app name it (`ready`, `attention`, `blocked`, any
/// case).
pub fn parse_state(word: &str) -> Result<State> {
    word.parse()
}
