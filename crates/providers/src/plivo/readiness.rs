//! What Plivo says about each number's compliance, read from one list, never one request per
//! number: `GET /v1/Account/{auth_id}/Number/` (`limit` ≤ 20, `offset`, until `meta.next` is
//! empty) gives on every number (the AccountPhoneNumber object):
//!
//! - `tendlc_registration_status` (`UNREGISTERED`, `PROCESSING`, `COMPLETED`; null unless the
//!   number is an SMS-enabled US local number): an A2P 10DLC finding;
//! - `toll_free_sms_verification` (`UNVERIFIED`, `PENDING_VERIFICATION`, `VERIFIED`; null unless
//!   the number is an SMS-enabled US/Canadian toll-free number): a toll-free verification
//!   finding;
//! - `compliance_status` with `compliance_application_id` (read by Plivo's own SDK; the words
//!   are taken to be the compliance application's: `Draft`, `Submitted`, `Accepted`,
//!   `Rejected`): a regulatory finding.
//!
//! When numbers name their campaign (`tendlc_campaign_id`), the campaigns list follows:
//! `GET /v1/Account/{auth_id}/10dlc/Campaign/` (`limit` ≤ 20, `offset`, `meta.next`; each
//! campaign's `registration_status`: `ACTIVE`, `FAILED`, `PROCESSING`, `EXPIRED`). A number
//! whose link is `COMPLETED` on a campaign that is not active gets the campaign's word instead,
//! with the campaign named as the reason: a completed link to a failed or expired campaign
//! carries nothing.
//!
//! A number is used for SMS when it can receive SMS and is on an application (whose
//! `message_url` is its SMS webhook). The words are kept as Plivo gives them; a null field
//! gives no finding.

use std::collections::HashMap;

use serde::Deserialize;
use switchboard_core::domain::E164;
use switchboard_core::readiness::{Finding, Kind};
use tokio_util::sync::CancellationToken;

use super::{Meta, PlivoClient};
use crate::error::Result;
use crate::model::{Asked, Gathered, ListProgress, ProgressFn, ReadinessListing, present};

#[derive(Deserialize)]
struct RdNumber {
    number: String,
    application: Option<String>,
    #[serde(default)]
    sms_enabled: bool,
    tendlc_registration_status: Option<String>,
    tendlc_campaign_id: Option<String>,
    toll_free_sms_verification: Option<String>,
    compliance_application_id: Option<String>,
    compliance_status: Option<String>,
}

#[derive(Deserialize)]
struct RdPage {
    meta: Meta,
    objects: Vec<RdNumber>,
}

#[derive(Deserialize)]
struct Campaign {
    campaign_id: String,
    registration_status: Option<String>,
}

#[derive(Deserialize)]
struct CampaignPage {
    meta: Meta,
    #[serde(default)]
    campaigns: Vec<Campaign>,
}

impl PlivoClient {
    /// Every compliance state Plivo gives about the account's numbers, as findings per number,
    /// from its numbers list only; see the module's doc.
    pub async fn readiness(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<ReadinessListing> {
        let mut gathered = Gathered::default();
        let mut asked = Asked::new(progress);
        // The numbers whose link is complete, by campaign, with where their finding is.
        let mut completed: HashMap<String, Vec<(E164, usize)>> = HashMap::new();
        self.each_page(&self.url("Number/"), &[], cancel, |page: RdPage| {
            asked.one();
            let got = page.objects.len();
            for n in page.objects {
                let Ok(number) = E164::parse(&format!("+{}", n.number), None) else {
                    continue;
                };
                let entry = gathered.entry(number);
                entry.used.sends_sms = n.sms_enabled && present(n.application).is_some();
                if let Some(w) = present(n.tendlc_registration_status) {
                    if let Some(c) = present(n.tendlc_campaign_id)
                        .filter(|_| w.eq_ignore_ascii_case("COMPLETED"))
                    {
                        let at = (entry.number.clone(), entry.findings.len());
                        completed.entry(c).or_default().push(at);
                    }
                    entry.findings.push(Finding::new(Kind::A2p10dlc, w));
                }
                if let Some(w) = present(n.toll_free_sms_verification) {
                    entry
                        .findings
                        .push(Finding::new(Kind::TollFreeVerification, w));
                }
                if let Some(w) = present(n.compliance_status) {
                    let application = present(n.compliance_application_id)
                        .map(|id| format!("compliance application {id}"));
                    let f = Finding::new(Kind::RegulatoryBundle, w);
                    entry
                        .findings
                        .push(f.reasons(application.into_iter().collect()));
                }
            }
            (got, page.meta.has_next())
        })
        .await?;
        if !completed.is_empty() {
            let url = self.url("10dlc/Campaign/");
            self.each_page(&url, &[], cancel, |page: CampaignPage| {
                asked.one();
                for c in &page.campaigns {
                    let status = present(c.registration_status.clone());
                    let Some(s) = status.filter(|s| !s.eq_ignore_ascii_case("ACTIVE")) else {
                        continue;
                    };
                    let reason = format!("campaign {} is {s}", c.campaign_id);
                    for (number, at) in completed.remove(&c.campaign_id).unwrap_or_default() {
                        let f =
                            Finding::new(Kind::A2p10dlc, s.clone()).reasons(vec![reason.clone()]);
                        gathered.entry(number).findings[at] = f;
                    }
                }
                (page.campaigns.len(), page.meta.has_next())
            })
            .await?;
        }
        Ok(gathered.done(asked.count))
    }
}
