//! What Bandwidth says about whether each number can carry its SMS: A2P 10DLC registration of
//! its local numbers and toll-free verification of its toll-free numbers.
//!
//! - The in-service numbers (the Dashboard listing, `GET /accounts/{id}/inserviceNumbers`).
//! - `GET /api/v2/accounts/{id}/tendlc/phoneNumbers` on the platform origin (`limit` up to 250,
//!   `offset`; answers `data` and `page.totalElements`): each registered number's `status`
//!   (`PROCESSING`, `SUCCESS`, `FAILURE`) and, once on a campaign, its `campaignId`. The list's
//!   `status[eq]`/`status[contains]` filters are documented as accepted and ignored (every
//!   number comes back), so none is sent: every record is read and matched to its number here.
//!   A US local number missing from the list was never registered for messaging.
//! - `GET /api/v2/accounts/{id}/phoneNumbers/{E.164}/tollFreeVerification` for each toll-free
//!   number: Bandwidth documents no list of verifications, only this read (and webhooks), so
//!   toll-free numbers cost one request each; local numbers never do. `status` (`VERIFIED`,
//!   `PENDING`, `UNVERIFIED`) with `declineReasonDescription` and `additionalDenialReasons` as
//!   reasons; a verification marked `blocked` is the finding `blocked`, with its
//!   `blockedReason`; 404 is no verification at all.
//!
//! Used for SMS: the number is on a location (SIP peer) linked to a Messaging-V2 application
//! with a callback URL — Bandwidth routes SMS per location. Read from list endpoints too:
//! `GET /accounts/{id}/applications`, each messaging application's
//! `…/applications/{appId}/associatedsippeers`, and each of those locations' numbers
//! (`…/sites/{siteId}/sippeers/{peerId}/tns`): requests per application and location, never
//! per number.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use switchboard_core::domain::{E164, NumberType};
use switchboard_core::readiness::{Finding, Kind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_util::sync::CancellationToken;

use super::{BandwidthClient, MessagingRoute, xml_all, xml_first};
use crate::error::{Api, ProviderError, Result, Subject};
use crate::model::{Asked, Gathered, ListProgress, ProgressFn, ReadinessListing, present};

/// The largest page of the 10DLC numbers list (the documented maximum).
pub const TEN_DLC_PAGE: u32 = 250;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registered {
    phone_number: String,
    status: Option<String>,
    modified_date: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    total_elements: Option<usize>,
}

#[derive(Deserialize)]
struct RegisteredPage {
    #[serde(default)]
    data: Vec<Registered>,
    #[serde(default)]
    page: PageInfo,
}

#[derive(Deserialize)]
struct Denial {
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Verification {
    status: Option<String>,
    decline_reason_description: Option<String>,
    #[serde(default)]
    additional_denial_reasons: Vec<Denial>,
    #[serde(default)]
    blocked: bool,
    blocked_reason: Option<String>,
    modified_date_time: Option<String>,
}

fn iso(t: Option<&str>) -> Option<OffsetDateTime> {
    t.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

impl Verification {
    fn finding(self) -> Finding {
        let mut reasons: Vec<String> = present(self.decline_reason_description)
            .into_iter()
            .chain(
                self.additional_denial_reasons
                    .into_iter()
                    .filter_map(|d| present(d.reason)),
            )
            .collect();
        let status = self.status.unwrap_or_default();
        let state = if self.blocked {
            reasons.extend(present(self.blocked_reason));
            reasons.push(format!("status {status}"));
            "blocked".to_owned()
        } else {
            status
        };
        Finding::new(Kind::TollFreeVerification, state)
            .reasons(reasons)
            .since(iso(self.modified_date_time.as_deref()))
    }
}

impl BandwidthClient {
    fn platform_url(&self, rest: &str) -> String {
        format!(
            "{}/api/v2/accounts/{}{}",
            self.platform, self.creds.account_id, rest
        )
    }

    pub(super) async fn json<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        url: &str,
        query: &[(&str, String)],
        cancel: &CancellationToken,
    ) -> Result<T> {
        let body = self
            .call(
                subject,
                reqwest::Method::GET,
                url,
                query,
                None,
                Some(cancel),
            )
            .await?;
        serde_json::from_str(&body).map_err(|e| ProviderError::Malformed {
            api: Api::Bandwidth,
            subject: subject.clone(),
            reason: format!("{url}: {e}"),
        })
    }

    /// Every 10DLC registration of the account, by number, following `offset` to the end.
    async fn registrations(
        &self,
        asked: &mut Asked<'_>,
        cancel: &CancellationToken,
    ) -> Result<HashMap<E164, Finding>> {
        let subject = self.account();
        let url = self.platform_url("/tendlc/phoneNumbers");
        let mut budget = self.http.pages(TEN_DLC_PAGE);
        let mut registered = HashMap::new();
        let mut offset = 0usize;
        loop {
            budget.next(&subject, cancel)?;
            let query = [
                ("limit", TEN_DLC_PAGE.to_string()),
                ("offset", offset.to_string()),
            ];
            let page: RegisteredPage = self.json(&subject, &url, &query, cancel).await?;
            asked.one();
            let got = page.data.len();
            for r in page.data {
                let Ok(number) = E164::parse(&r.phone_number, Some("US")) else {
                    continue;
                };
                let f = Finding::new(Kind::A2p10dlc, r.status.unwrap_or_default())
                    .since(iso(r.modified_date.as_deref()));
                registered.insert(number, f);
            }
            offset += got;
            let total = page.page.total_elements.unwrap_or(offset);
            if got == 0 || offset >= total {
                return Ok(registered);
            }
        }
    }

    /// Each number on a location (SIP peer) linked to a Messaging-V2 application: that
    /// application's id and callback URL (`MsgCallbackUrl`, `None` when it has none). Read from
    /// list endpoints: `GET /accounts/{id}/applications` (each application with its callback),
    /// each messaging application's `…/applications/{appId}/associatedsippeers`, and each of
    /// those locations' numbers (`…/sites/{siteId}/sippeers/{peerId}/tns`): one request per
    /// application and location, never per number. `asked` after each request.
    pub(super) async fn messaging_routes(
        &self,
        cancel: &CancellationToken,
        asked: &mut (dyn FnMut() + Send),
    ) -> Result<HashMap<E164, MessagingRoute>> {
        let subject = &self.account();
        let get = |url: String| async move {
            self.call(subject, reqwest::Method::GET, &url, &[], None, Some(cancel))
                .await
        };
        let apps = get(self.account_url("/applications")).await?;
        asked();
        let mut locations = BTreeMap::new();
        for app in xml_all(&apps, "Application") {
            let messaging = xml_first(&app, "ServiceType").as_deref() == Some("Messaging-V2");
            let Some(id) = xml_first(&app, "ApplicationId").filter(|_| messaging) else {
                continue;
            };
            let route = MessagingRoute {
                url: present(xml_first(&app, "MsgCallbackUrl")),
                application: id,
            };
            let peers = get(self.account_url(&format!(
                "/applications/{}/associatedsippeers",
                route.application
            )))
            .await?;
            asked();
            for peer in xml_all(&peers, "AssociatedSipPeer") {
                if let (Some(site), Some(peer)) =
                    (xml_first(&peer, "SiteId"), xml_first(&peer, "PeerId"))
                {
                    locations.insert((site, peer), route.clone());
                }
            }
        }
        let mut numbers = HashMap::new();
        for ((site, peer), route) in locations {
            let tns = get(self.account_url(&format!("/sites/{site}/sippeers/{peer}/tns"))).await?;
            asked();
            for tn in xml_all(&tns, "FullNumber") {
                if let Ok(n) = E164::parse(&tn, Some("US")) {
                    numbers.insert(n, route.clone());
                }
            }
        }
        Ok(numbers)
    }

    /// The toll-free verification of `number`; `None` when none was ever requested (404).
    async fn verification(
        &self,
        number: &E164,
        cancel: &CancellationToken,
    ) -> Result<Option<Finding>> {
        let subject = Subject::Number(number.to_string());
        let encoded = number.as_str().replace('+', "%2B");
        let url = self.platform_url(&format!("/phoneNumbers/{encoded}/tollFreeVerification"));
        match self.json::<Verification>(&subject, &url, &[], cancel).await {
            Ok(v) => Ok(Some(v.finding())),
            Err(ProviderError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every readiness state Bandwidth gives about the account's numbers, as findings per
    /// number; see the module's doc.
    pub async fn readiness(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<ReadinessListing> {
        let mut asked = Asked::new(progress);
        let listing = self.in_service_numbers(&|_| {}, cancel).await?;
        asked.add(listing.pages);
        let mut registered = self.registrations(&mut asked, cancel).await?;
        let routes = self.messaging_routes(cancel, &mut || asked.one()).await?;
        let sms: HashSet<&E164> = (routes.iter())
            .filter(|(_, r)| r.url.is_some())
            .map(|(n, _)| n)
            .collect();

        let mut gathered = Gathered::default();
        for n in listing.numbers {
            let number = n.phone_number;
            let facts = number.facts();
            gathered.entry(number.clone()).used.sends_sms = sms.contains(&number);
            if facts.number_type == NumberType::TollFree {
                let found = self.verification(&number, cancel).await?;
                asked.one();
                let entry = gathered.entry(number);
                let f = found.unwrap_or_else(|| Finding::new(Kind::TollFreeVerification, ""));
                entry.findings.push(f);
            } else if facts.country.as_deref() == Some("US") {
                let found = registered.remove(&number);
                let entry = gathered.entry(number);
                let f = found.unwrap_or_else(|| Finding::new(Kind::A2p10dlc, ""));
                entry.findings.push(f);
            }
        }
        Ok(gathered.done(asked.count))
    }
}
