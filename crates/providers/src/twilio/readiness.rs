//! What Twilio says about whether each number can carry its traffic, read from list endpoints
//! only: never one request per number.
//!
//! - `IncomingPhoneNumbers` (the number itself): `emergency_address_status` for a voice number
//!   in the US or Canada, `address_requirements` with no `address_sid`, `bundle_sid`;
//! - `numbers.twilio.com/v2/RegulatoryCompliance/Bundles`: each bundle's status (read only
//!   when a number names a bundle);
//! - `messaging.twilio.com/v1/Services`, then per service (not per number) its `PhoneNumbers`
//!   and its `Compliance/Usa2p` campaign: the A2P 10DLC state of each US local number that
//!   can send SMS (read only when there is one);
//! - `messaging.twilio.com/v1/Tollfree/Verifications`: the verification of each US or
//!   Canadian toll-free number that can send SMS (read only when there is one);
//! - `numbers.twilio.com/v1/Porting/PortIn/PortInRequests` of the last 90 days, then each
//!   request's numbers (`…/PortIn/{Sid}`, one request per port-in request).
//!
//! The product hosts are the account's API host with `api.` replaced by the product's name
//! (`api.twilio.com` → `messaging.twilio.com`, and likewise on a regional edge); a base URL
//! that is not Twilio's own (a local stand-in) serves them on its own origin.

use std::collections::HashMap;

use serde::Deserialize;
use switchboard_core::domain::{E164, NumberType};
use switchboard_core::readiness::{Finding, Kind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_util::sync::CancellationToken;

use super::{TwCaps, TwilioClient, non_empty};
use crate::error::{Api, ProviderError, Result};
use crate::model::{Asked, Gathered, ListProgress, ProgressFn, ReadinessListing};

#[derive(Deserialize)]
struct Meta {
    next_page_url: Option<String>,
}

#[derive(Deserialize)]
struct RdNumber {
    phone_number: String,
    capabilities: Option<TwCaps>,
    emergency_address_status: Option<String>,
    address_requirements: Option<String>,
    address_sid: Option<String>,
    bundle_sid: Option<String>,
    sms_url: Option<String>,
    sms_application_sid: Option<String>,
}

#[derive(Deserialize)]
struct RdNumberPage {
    incoming_phone_numbers: Vec<RdNumber>,
    next_page_uri: Option<String>,
}

#[derive(Deserialize)]
struct Bundle {
    sid: String,
    status: Option<String>,
    date_updated: Option<String>,
}

#[derive(Deserialize)]
struct BundlePage {
    results: Vec<Bundle>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Service {
    sid: String,
}

#[derive(Deserialize)]
struct ServicePage {
    services: Vec<Service>,
    meta: Meta,
}

#[derive(Deserialize)]
struct ServiceNumber {
    phone_number: String,
}

#[derive(Deserialize)]
struct ServiceNumberPage {
    phone_numbers: Vec<ServiceNumber>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Campaign {
    campaign_status: Option<String>,
    date_updated: Option<String>,
    #[serde(default)]
    errors: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct CampaignPage {
    compliance: Vec<Campaign>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Verification {
    tollfree_phone_number: Option<String>,
    status: Option<String>,
    rejection_reason: Option<String>,
    date_updated: Option<String>,
}

#[derive(Deserialize)]
struct VerificationPage {
    verifications: Vec<Verification>,
    meta: Meta,
}

#[derive(Deserialize)]
struct PortInSummary {
    port_in_request_sid: String,
}

#[derive(Deserialize)]
struct PortInMeta {
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct PortInPage {
    port_in_requests: Vec<PortInSummary>,
    meta: PortInMeta,
}

#[derive(Deserialize)]
struct PortInNumber {
    phone_number: Option<String>,
    port_in_phone_number_status: Option<String>,
    rejection_reason: Option<String>,
    status_last_time_updated_timestamp: Option<String>,
}

#[derive(Deserialize)]
struct PortIn {
    #[serde(default)]
    phone_numbers: Option<Vec<PortInNumber>>,
}

fn iso(t: Option<&str>) -> Option<OffsetDateTime> {
    t.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

/// The campaign errors as words: each error's `description` (with its code), or the JSON.
fn error_words(errors: Option<Vec<serde_json::Value>>) -> Vec<String> {
    errors
        .unwrap_or_default()
        .into_iter()
        .map(|e| match (e.get("error_code"), e.get("description")) {
            (Some(code), Some(serde_json::Value::String(d))) => format!("{code}: {d}"),
            (_, Some(serde_json::Value::String(d))) => d.clone(),
            _ => e.to_string(),
        })
        .collect()
}

/// A number of the account whose messaging registration is to be looked up.
struct Sender {
    number: E164,
    toll_free: bool,
}

impl TwilioClient {
    /// The origin of a Twilio product API (`messaging`, `numbers`); see the module's doc.
    fn product_origin(&self, product: &str) -> String {
        if let Ok(mut url) = reqwest::Url::parse(&self.origin)
            && let Some(rest) = url
                .host_str()
                .and_then(|h| h.strip_prefix("api."))
                .filter(|h| *h == "twilio.com" || h.ends_with(".twilio.com"))
                .map(str::to_owned)
            && url.set_host(Some(&format!("{product}.{rest}"))).is_ok()
        {
            return url.origin().ascii_serialization();
        }
        self.origin.clone()
    }

    /// Every page of the list at `url` (a `meta`-paged list, or `IncomingPhoneNumbers`) to
    /// `page`, which returns the next page's link; returns the pages read.
    async fn list<P: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        cancel: &CancellationToken,
        page: impl FnMut(P) -> Option<String>,
    ) -> Result<u32> {
        self.each_page(url, vec![], super::MAX_PAGE_SIZE, cancel, page)
            .await
    }

    /// Every readiness state Twilio gives about the account's numbers (and the numbers being
    /// ported in), as findings per number, from list endpoints only; see the module's doc.
    /// Progress counts the requests made.
    pub async fn readiness(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<ReadinessListing> {
        if self.api() != Api::Twilio {
            return Err(ProviderError::Unsupported {
                api: self.api(),
                operation: "reading compliance and porting states",
            });
        }
        let mut asked = Asked::new(progress);
        let mut gathered = Gathered::default();
        let mut bundles: Vec<(E164, String)> = Vec::new();
        let mut senders: Vec<Sender> = Vec::new();
        let url = format!("{}/IncomingPhoneNumbers.json", self.account_path());
        let pages = self
            .list(&url, cancel, |p: RdNumberPage| {
                for n in p.incoming_phone_numbers {
                    let Ok(number) = E164::parse(&n.phone_number, None) else {
                        continue;
                    };
                    let facts = number.facts();
                    let north_america = matches!(facts.country.as_deref(), Some("US" | "CA"));
                    let caps = n.capabilities.unwrap_or_default();
                    // Used for SMS: it can, and Twilio delivers its SMS somewhere (a URL or an
                    // application on the number; a messaging service, found below).
                    let routed = non_empty(&n.sms_url).is_some()
                        || non_empty(&n.sms_application_sid).is_some();
                    gathered.entry(number.clone()).used.sends_sms =
                        caps.sms.unwrap_or(false) && routed;
                    if north_america
                        && caps.voice.unwrap_or(false)
                        && let Some(s) = non_empty(&n.emergency_address_status)
                    {
                        gathered.add(number.clone(), Finding::new(Kind::EmergencyAddress, s));
                    }
                    if let Some(req) = non_empty(&n.address_requirements)
                        && req != "none"
                        && non_empty(&n.address_sid).is_none()
                    {
                        gathered.add(number.clone(), Finding::new(Kind::Address, req));
                    }
                    if let Some(b) = non_empty(&n.bundle_sid) {
                        bundles.push((number.clone(), b));
                    }
                    let toll_free = facts.number_type == NumberType::TollFree;
                    let us_local = facts.country.as_deref() == Some("US") && !toll_free;
                    if caps.sms.unwrap_or(false) && (us_local || (toll_free && north_america)) {
                        senders.push(Sender { number, toll_free });
                    }
                }
                p.next_page_uri
            })
            .await?;
        asked.add(pages);

        if !bundles.is_empty() {
            let mut status: HashMap<String, (String, Option<OffsetDateTime>)> = HashMap::new();
            let url = format!(
                "{}/v2/RegulatoryCompliance/Bundles",
                self.product_origin("numbers")
            );
            let pages = self
                .list(&url, cancel, |p: BundlePage| {
                    for b in p.results {
                        let since = iso(b.date_updated.as_deref());
                        status.insert(b.sid, (b.status.unwrap_or_default(), since));
                    }
                    p.meta.next_page_url
                })
                .await?;
            asked.add(pages);
            for (number, sid) in bundles {
                // A bundle the list does not hold is named as missing, never taken as fine.
                let (state, since) = status
                    .get(&sid)
                    .cloned()
                    .unwrap_or_else(|| (format!("not found: {sid}"), None));
                gathered.add(
                    number,
                    Finding::new(Kind::RegulatoryBundle, state).since(since),
                );
            }
        }

        if senders.iter().any(|s| !s.toll_free) {
            let campaigns = self.campaigns(cancel, &mut asked).await?;
            for s in senders.iter().filter(|s| !s.toll_free) {
                let finding = match campaigns.get(&s.number) {
                    Some(f) => {
                        gathered.entry(s.number.clone()).used.sends_sms = true;
                        f.clone()
                    }
                    None => Finding::new(Kind::A2p10dlc, ""),
                };
                gathered.add(s.number.clone(), finding);
            }
        }

        if senders.iter().any(|s| s.toll_free) {
            let mut verified: HashMap<String, Finding> = HashMap::new();
            let url = format!(
                "{}/v1/Tollfree/Verifications",
                self.product_origin("messaging")
            );
            let pages = self
                .list(&url, cancel, |p: VerificationPage| {
                    for v in p.verifications {
                        let Some(number) = v.tollfree_phone_number else {
                            continue;
                        };
                        let f =
                            Finding::new(Kind::TollFreeVerification, v.status.unwrap_or_default())
                                .since(iso(v.date_updated.as_deref()))
                                .reasons(v.rejection_reason.into_iter().collect());
                        verified.insert(number, f);
                    }
                    p.meta.next_page_url
                })
                .await?;
            asked.add(pages);
            for s in senders.iter().filter(|s| s.toll_free) {
                let finding = verified
                    .get(s.number.as_str())
                    .cloned()
                    .unwrap_or_else(|| Finding::new(Kind::TollFreeVerification, ""));
                gathered.add(s.number.clone(), finding);
            }
        }

        for (number, finding) in self.port_ins(cancel, &mut asked).await? {
            gathered.add(number, finding);
        }

        Ok(gathered.done(asked.count))
    }

    /// The A2P 10DLC finding of every number in a messaging service: one listing of the
    /// services, then per service its numbers and its campaign.
    async fn campaigns(
        &self,
        cancel: &CancellationToken,
        asked: &mut Asked<'_>,
    ) -> Result<HashMap<E164, Finding>> {
        let origin = self.product_origin("messaging");
        let mut services = Vec::new();
        let url = format!("{origin}/v1/Services");
        let pages = self
            .list(&url, cancel, |p: ServicePage| {
                services.extend(p.services.into_iter().map(|s| s.sid));
                p.meta.next_page_url
            })
            .await?;
        asked.add(pages);
        let mut found = HashMap::new();
        for sid in services {
            let mut campaign = Finding::new(Kind::A2p10dlc, "");
            let url = format!("{origin}/v1/Services/{sid}/Compliance/Usa2p");
            let pages = self
                .list(&url, cancel, |p: CampaignPage| {
                    if let Some(c) = p.compliance.into_iter().next() {
                        campaign =
                            Finding::new(Kind::A2p10dlc, c.campaign_status.unwrap_or_default())
                                .since(iso(c.date_updated.as_deref()))
                                .reasons(error_words(c.errors));
                    }
                    p.meta.next_page_url
                })
                .await?;
            let url = format!("{origin}/v1/Services/{sid}/PhoneNumbers");
            let more = self
                .list(&url, cancel, |p: ServiceNumberPage| {
                    for n in p.phone_numbers {
                        if let Ok(number) = E164::parse(&n.phone_number, None) {
                            found.insert(number, campaign.clone());
                        }
                    }
                    p.meta.next_page_url
                })
                .await?;
            asked.add(pages + more);
        }
        Ok(found)
    }

    /// The numbers of the port-in requests created in the last 90 days, each with its status:
    /// one listing (`Size`/`Token` paging), then one request per port-in request.
    async fn port_ins(
        &self,
        cancel: &CancellationToken,
        asked: &mut Asked<'_>,
    ) -> Result<Vec<(E164, Finding)>> {
        let origin = self.product_origin("numbers");
        let subject = self.account();
        let after = OffsetDateTime::now_utc() - time::Duration::days(90);
        let after = after.date().to_string();
        let mut sids = Vec::new();
        let mut token: Option<String> = None;
        let mut budget = self.http.pages(1000);
        loop {
            budget.next(&subject, cancel)?;
            let mut query = vec![("Size", "1000".to_owned()), ("CreatedAfter", after.clone())];
            if let Some(t) = token.take() {
                query.push(("Token", t));
            }
            let url = format!("{origin}/v1/Porting/PortIn/PortInRequests");
            let page: PortInPage = self.get(&subject, &url, &query, Some(cancel)).await?;
            asked.one();
            sids.extend(
                page.port_in_requests
                    .into_iter()
                    .map(|r| r.port_in_request_sid),
            );
            match page.meta.next_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let mut found = Vec::new();
        for sid in sids {
            let url = format!("{origin}/v1/Porting/PortIn/{sid}");
            let request: PortIn = self.get(&subject, &url, &[], Some(cancel)).await?;
            asked.one();
            for n in request.phone_numbers.unwrap_or_default() {
                let Some(Ok(number)) = n.phone_number.as_deref().map(|p| E164::parse(p, None))
                else {
                    continue;
                };
                let f = Finding::new(
                    Kind::PortIn,
                    n.port_in_phone_number_status.unwrap_or_default(),
                )
                .since(iso(n.status_last_time_updated_timestamp.as_deref()))
                .reasons(n.rejection_reason.into_iter().collect());
                found.push((number, f));
            }
        }
        Ok(found)
    }
}
