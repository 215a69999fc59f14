//! What Vonage says about whether each number can carry its traffic: the A2P 10DLC campaign
//! links of its US local numbers, read from list endpoints only (never one request per number):
//!
//! - `GET /account/numbers` (`size` ≤ 100, 1-based `index`, until `count`): the account's
//!   numbers, whether each can send SMS (`features`) and has an SMS webhook: its own
//!   `moHttpUrl`, or, linked to an application with the Messages capability, that
//!   application's `inbound_url` (`GET /v2/applications/{id}`, each application once);
//! - the 10DLC API (HTTP Basic, HAL pages: `page`, `page_size`; answers `page`, `page_size`,
//!   `total_pages`, `total_items`, `_embedded`): `GET /v1/10dlc/brands`, then each brand's
//!   `GET /v1/10dlc/brands/{brand_id}/campaigns` (a campaign's `status`: `ACTIVE`, `EXPIRED`),
//!   then each campaign's `GET /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}/numbers`
//!   (each linked number's `status`: `UNKNOWN`, `APPROVED`, `REJECTED`, `PENDING`).
//!
//! Each SMS-capable US local number gets one A2P 10DLC finding: its link's `status`, or the
//! campaign's `status` when the campaign is not `ACTIVE` (an expired campaign carries nothing,
//! whatever the link says), or an empty word when no campaign links it. The 10DLC lists are
//! read only when the account has such numbers.

use std::collections::HashMap;

use serde::Deserialize;
use switchboard_core::domain::{E164, NumberType};
use switchboard_core::readiness::{Finding, Kind};
use tokio_util::sync::CancellationToken;

use super::{VonageClient, nonempty};
use crate::error::{Result, Subject};
use crate::model::{Asked, Gathered, ListProgress, ProgressFn, ReadinessListing};

/// The page size asked of the 10DLC lists: their largest is not documented (the reference's
/// examples show 10), so this is a guess that stays modest.
pub const TEN_DLC_PAGE_SIZE: u32 = 100;

#[derive(Deserialize)]
struct Brand {
    brand_id: String,
}

#[derive(Deserialize)]
struct Campaign {
    campaign_id: String,
    status: Option<String>,
}

#[derive(Deserialize)]
struct Linked {
    number: String,
    status: Option<String>,
}

#[derive(Deserialize, Default)]
struct Embedded {
    #[serde(default)]
    brands: Vec<Brand>,
    #[serde(default)]
    campaigns: Vec<Campaign>,
    #[serde(default)]
    numbers: Vec<Linked>,
}

/// One HAL page of a 10DLC list.
#[derive(Deserialize)]
struct HalPage {
    #[serde(default)]
    total_pages: u32,
    #[serde(rename = "_embedded", default)]
    embedded: Embedded,
}

impl VonageClient {
    /// Reads every page of a 10DLC list at `path`, handing each page's `_embedded` to `page`
    /// (and counting the request with `asked`); stops after `total_pages`, at cancellation, or
    /// when the paging budget runs out.
    async fn each_hal(
        &self,
        path: &str,
        cancel: &CancellationToken,
        asked: &mut Asked<'_>,
        page: &mut (dyn FnMut(Embedded) + Send),
    ) -> Result<()> {
        let subject = Subject::Account(self.creds.api_key.clone());
        let url = format!("{}{}", self.api, path);
        let mut budget = self.http.pages(TEN_DLC_PAGE_SIZE);
        let mut number = 1u32;
        loop {
            budget.next(&subject, cancel)?;
            let query = [
                ("page", number.to_string()),
                ("page_size", TEN_DLC_PAGE_SIZE.to_string()),
            ];
            let body: HalPage = self.api_get(&subject, &url, &query, Some(cancel)).await?;
            asked.one();
            let empty = body.embedded.brands.is_empty()
                && body.embedded.campaigns.is_empty()
                && body.embedded.numbers.is_empty();
            page(body.embedded);
            if empty || number >= body.total_pages {
                return Ok(());
            }
            number += 1;
        }
    }

    /// Every readiness state Vonage gives about the account's numbers, as findings per number,
    /// from list endpoints only; see the module's doc.
    pub async fn readiness(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<ReadinessListing> {
        let mut gathered = Gathered::default();
        let mut asked = Asked::new(progress);
        let mut numbers = Vec::new();
        self.each_numbers_page(cancel, &mut |page, _| {
            asked.one();
            numbers.extend(page.iter().filter_map(|n| self.map(n).ok()));
        })
        .await?;
        // A number linked to a Messages application is used for SMS when the application has
        // an `inbound_url`: each such application is read once (as a listing reads it).
        let applications = self
            .read_messages_applications(&mut numbers, cancel)
            .await?;
        asked.add(applications as u32);
        let mut ten_dlc: Vec<E164> = Vec::new();
        for n in numbers {
            let facts = n.phone_number.facts();
            let sms = n.capabilities.sms;
            let entry = gathered.entry(n.phone_number);
            entry.used.sends_sms = sms && n.sms_url.is_some();
            let local_us =
                facts.country.as_deref() == Some("US") && facts.number_type != NumberType::TollFree;
            if local_us && sms {
                ten_dlc.push(entry.number.clone());
            }
        }

        if !ten_dlc.is_empty() {
            let mut brands = Vec::new();
            self.each_hal("/v1/10dlc/brands", cancel, &mut asked, &mut |e| {
                brands.extend(e.brands.into_iter().map(|b| b.brand_id));
            })
            .await?;
            let mut linked: HashMap<String, Finding> = HashMap::new();
            for brand in brands {
                let mut campaigns = Vec::new();
                let path = format!("/v1/10dlc/brands/{brand}/campaigns");
                self.each_hal(&path, cancel, &mut asked, &mut |e| {
                    campaigns.extend(e.campaigns);
                })
                .await?;
                for campaign in campaigns {
                    let id = campaign.campaign_id;
                    let status = nonempty(campaign.status.as_deref());
                    let expired = status
                        .as_deref()
                        .filter(|s| !s.eq_ignore_ascii_case("ACTIVE"));
                    let path = format!("/v1/10dlc/brands/{brand}/campaigns/{id}/numbers");
                    self.each_hal(&path, cancel, &mut asked, &mut |e| {
                        for n in e.numbers {
                            let finding = match expired {
                                Some(s) => Finding::new(Kind::A2p10dlc, s).reasons(vec![format!(
                                    "campaign {id} of brand {brand} is {s}"
                                )]),
                                None => Finding::new(Kind::A2p10dlc, n.status.unwrap_or_default()),
                            };
                            linked.insert(format!("+{}", n.number), finding);
                        }
                    })
                    .await?;
                }
            }
            for number in ten_dlc {
                let f = (linked.remove(number.as_str()))
                    .unwrap_or_else(|| Finding::new(Kind::A2p10dlc, ""));
                gathered.add(number, f);
            }
        }
        Ok(gathered.done(asked.count))
    }
}
