//! Importing a provider account's numbers into an organization, once for every shell and
//! store: list what the account owns and compare it with the organization ([`preview`]), then
//! write the chosen numbers ([`import`]). What can be recorded is; each number left out is
//! reported with why; running it again changes nothing the second time (the numbers imported
//! the first time are "present"). The writes follow the open inventory's edit policy
//! ([`super::ImportInto`]).

use std::collections::HashSet;

use serde::Serialize;
use switchboard_core::domain::{Capabilities, Provider};
use switchboard_core::{Error, ErrorCode};
use switchboard_providers::ProviderErrorCode;
use switchboard_providers::flows::{self, ImportDiff};
use switchboard_providers::import::{ImportPlan, ImportProgress, run_import};
use switchboard_providers::model::{ListProgress, ProviderNumber, Skipped};
use switchboard_secrets::Vault;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::client::{ProviderFailure, account_client};
use super::{ImportInto, organization_numbers};
use crate::{Inventory, Progress};

/// Progress of listing an account's numbers, after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    #[cfg_attr(feature = "ts", ts(type = "Capabilities"))]
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
        existing: Option<Uuid>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// A number whose recorded SMS webhook URL is not the provider's: drift the preview reports and
/// an import leaves alone (the webhook actions repair it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SmsDriftEntry {
    /// E.164.
    pub phone_number: String,
    /// The inventory record.
    pub existing_id: String,
    /// The SMS webhook URL on record.
    pub on_record: String,
    /// The provider's; null when it has none.
    pub provider_url: Option<String>,
}

impl From<&flows::SmsDrift> for SmsDriftEntry {
    fn from(d: &flows::SmsDrift) -> Self {
        SmsDriftEntry {
            phone_number: d.phone_number.to_string(),
            existing_id: d.existing_id.to_string(),
            on_record: d.on_record.clone(),
            provider_url: d.provider_url.clone(),
        }
    }
}

/// What an account owns compared with the organization: the wizard's second step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// Names this preview for `import_numbers` (the backend keeps the listing).
    pub preview_id: String,
    /// The provider.
    #[cfg_attr(feature = "ts", ts(type = "Provider"))]
    pub provider: Provider,
    /// The account.
    pub account_id: String,
    /// Every listed number: new first, then different, then present.
    pub candidates: Vec<ImportCandidate>,
    /// Listed entries that are not valid numbers.
    pub skipped: Vec<SkippedEntry>,
    /// How many numbers of the organization recorded under this account have no SMS webhook URL
    /// on record and the provider has one: an import records them (whichever numbers are
    /// chosen) unless one is recorded meanwhile.
    pub sms_unrecorded: u32,
    /// Numbers whose recorded SMS webhook URL differs from the provider's: reported, not
    /// overwritten.
    pub sms_drift: Vec<SmsDriftEntry>,
    /// The comparison itself (what an import writes from).
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub diff: ImportDiff,
}

impl ImportPreview {
    /// From the flow's diff.
    fn new(provider: Provider, account_id: &str, d: ImportDiff) -> Self {
        let mut candidates: Vec<ImportCandidate> = (d.new.iter())
            .map(|n| ImportCandidate::new(n, ImportState::New, None, &[]))
            .collect();
        candidates.extend(d.different.iter().map(|x| {
            let id = Some(x.existing_id);
            ImportCandidate::new(&x.number, ImportState::Different, id, &x.fields)
        }));
        candidates.extend(
            (d.present.iter())
                .map(|(n, id)| ImportCandidate::new(n, ImportState::Present, Some(*id), &[])),
        );
        ImportPreview {
            preview_id: Uuid::new_v4().to_string(),
            provider,
            account_id: account_id.to_owned(),
            candidates,
            skipped: d.skipped.iter().map(Into::into).collect(),
            sms_unrecorded: d.unrecorded_sms.len() as u32,
            sms_drift: d.sms_drift.iter().map(Into::into).collect(),
            diff: d,
        }
    }
}

/// An error as it crosses to a shell: its stable code and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// The stable code.
    pub code: ErrorCode,
    /// The message (core's; never a secret).
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// One number an import could not bring in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportFailure {
    /// E.164.
    pub phone_number: String,
    /// Why.
    #[cfg_attr(feature = "ts", ts(type = "AppError"))]
    pub error: ErrorInfo,
    /// True for a new number that was in the organization by the time it was written (added
    /// since the listing): not added again.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub already_present: bool,
}

impl ImportFailure {
    fn new(phone_number: String, error: &Error) -> Self {
        ImportFailure {
            phone_number,
            error: error.into(),
            already_present: false,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Numbers added to the organization.
    pub imported: u32,
    /// Existing records brought in line with the provider.
    pub refreshed: u32,
    /// Existing records whose SMS webhook URL was recorded (they had none on record).
    pub sms_recorded: u32,
    /// Existing records that had no SMS webhook URL at the preview and have one that differs
    /// from the provider's by the import (recorded since): drift, not recorded over.
    pub sms_drift: Vec<SmsDriftEntry>,
    /// Numbers not imported or refreshed, with the reason.
    pub failed: Vec<ImportFailure>,
    /// True when the manager cancelled before the end (the rest were not imported).
    pub cancelled: bool,
}

/// Lists every number an account owns and compares the listing with the organization, after
/// checking that the account was added to it; `progress` after each page. Cancelled, nothing
/// is imported.
pub async fn preview(
    inv: &dyn Inventory,
    vault: &Vault,
    organization_id: Uuid,
    (provider, account_id): (Provider, &str),
    progress: &(dyn Fn(ListingProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<ImportPreview, ProviderFailure> {
    let account = (provider, account_id);
    let org = Some(organization_id);
    let client = account_client(inv, || Ok(vault.clone()), org, account).await?;
    let inventory = organization_numbers(inv, organization_id).await?;
    let report = |p: ListProgress| progress(p.into());
    match flows::import_preview(&client, &inventory, &report, cancel).await {
        Ok(diff) => Ok(ImportPreview::new(provider, account_id, diff)),
        Err(e) if e.code() == ProviderErrorCode::Cancelled => Err(ProviderFailure::Cancelled(
            "cancelled; nothing was imported".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The plan that writes the chosen numbers of a preview: `add` among its new numbers,
/// `refresh` among its different ones, and every SMS webhook URL the organization had none on
/// record of (of numbers recorded under the account: `flows::import_diff`), each recorded only
/// if the record still has none when written (one recorded since is reported as drift). A
/// number that is neither new nor different is reported, not written.
pub fn choose(
    preview: &ImportPreview,
    add: &[String],
    refresh: &[String],
) -> (ImportPlan, Vec<ImportFailure>) {
    let wanted: HashSet<&str> = add.iter().map(String::as_str).collect();
    let fresh: HashSet<&str> = refresh.iter().map(String::as_str).collect();
    let diff = &preview.diff;
    let unknown = (wanted.iter().chain(fresh.iter())).filter(|n| {
        !diff.new.iter().any(|p| p.phone_number.as_str() == **n)
            && !(diff.different.iter()).any(|d| d.number.phone_number.as_str() == **n)
    });
    let failed = unknown
        .map(|n| {
            let reason = format!("{n} is not a new or different number of this preview");
            let error = Error::InvalidInput {
                field: "number".into(),
                reason,
            };
            ImportFailure::new((*n).to_owned(), &error)
        })
        .collect();
    let plan = ImportPlan {
        account_id: preview.account_id.clone(),
        add: (diff.new.iter())
            .filter(|n| wanted.contains(n.phone_number.as_str()))
            .cloned()
            .collect(),
        refresh: (diff.different.iter())
            .filter(|d| fresh.contains(d.number.phone_number.as_str()))
            .cloned()
            .collect(),
        record_sms: diff.unrecorded_sms.clone(),
    };
    (plan, failed)
}

/// Writes a plan into an organization (`switchboard_providers::import::run_import`: chunks of
/// new numbers, then each refresh, then each SMS URL to record, only where the record still
/// has none as it is written: one recorded since the preview is reported in `sms_drift`, not
/// overwritten; progress after each; `cancel` stops between them). A number that cannot be
/// written is reported with why and the others still are; one added since the listing is
/// reported as already present (`Duplicate`).
pub async fn import(
    inv: &dyn Inventory,
    organization_id: Uuid,
    plan: ImportPlan,
    progress: &(dyn Fn(Progress) + Send + Sync),
    cancel: &CancellationToken,
) -> ImportReport {
    let mut target = ImportInto {
        inventory: inv,
        organization_id,
    };
    let report = |p: ImportProgress| {
        progress(Progress {
            done: p.done as u64,
            total: p.total as u64,
        });
    };
    let written = run_import(&mut target, plan, &report, cancel).await;
    let present = written.already_present.into_iter().map(|n| {
        let duplicate = Error::Duplicate {
            what: n.clone(),
            organization: None,
        };
        ImportFailure {
            already_present: true,
            ..ImportFailure::new(n, &duplicate)
        }
    });
    let failed = (written.failed.into_iter()).map(|f| ImportFailure::new(f.phone_number, &f.error));
    ImportReport {
        imported: written.imported as u32,
        refreshed: written.refreshed as u32,
        sms_recorded: written.sms_recorded as u32,
        sms_drift: written.sms_drift.iter().map(Into::into).collect(),
        failed: present.chain(failed).collect(),
        cancelled: written.cancelled,
    }
}

/// The listings kept between the import wizard's preview and its import, by `preview_id`: the
/// newest [`KeptPreviews::KEPT`], each with its organization. An import takes its preview, so
/// a second import must list again.
#[derive(Debug, Default)]
pub struct KeptPreviews {
    previews: std::sync::Mutex<std::collections::HashMap<String, Kept>>,
}

/// A kept listing: its organization, the preview (with the comparison it shows) and when it
/// was made.
type Kept = (Uuid, ImportPreview, std::time::Instant);

impl KeptPreviews {
    /// How many previews are kept (the newest).
    pub const KEPT: usize = 4;

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Kept>> {
        crate::lock(&self.previews)
    }

    /// Keeps a preview of an organization, forgetting the oldest beyond [`KeptPreviews::KEPT`].
    pub fn keep(&self, organization_id: Uuid, preview: ImportPreview) {
        let mut previews = self.lock();
        let id = preview.preview_id.clone();
        previews.insert(id, (organization_id, preview, std::time::Instant::now()));
        while previews.len() > Self::KEPT {
            let Some(oldest) = (previews.iter().min_by_key(|(_, p)| p.2)).map(|(k, _)| k.clone())
            else {
                break;
            };
            previews.remove(&oldest);
        }
    }

    /// Takes a kept preview and its organization; none when it is no longer kept.
    pub fn take(&self, preview_id: &str) -> Option<(Uuid, ImportPreview)> {
        (self.lock().remove(preview_id)).map(|(org, preview, _)| (org, preview))
    }
}
