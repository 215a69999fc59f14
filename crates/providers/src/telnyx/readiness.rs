//! What Telnyx says about whether each number can carry its traffic, read from list endpoints
//! only (never one request per number):
//!
//! - `GET /v2/phone_numbers` (`page[number]`, `page[size]` up to 250): the number's `status`
//!   (`requirement-info-pending`, `port-pending`, `port-out-pending`, `ported-out`,
//!   `emergency-only`, …), `emergency_enabled` and `emergency_status`, whether a caller-name
//!   listing is on (`cnam_listing_enabled`, for US and Canadian numbers: CNAM is a North
//!   American directory), and whether it is on a messaging profile (it is used for SMS);
//! - `GET /v2/10dlc/phone_number_campaigns` (`page`, `recordsPerPage`; answers `records`,
//!   `page`, `totalRecords`): each US number's campaign `assignmentStatus` and
//!   `failureReasons`;
//! - `GET /v2/porting_phone_numbers` (`page[number]`, `page[size]`): each number of a porting
//!   order with its `porting_order_status` (draft … foc-date-confirmed … ported).
//!
//! A number whose status is `port-out-pending` or `ported-out` also gets a port-out finding:
//! the alarm.

use std::collections::HashMap;

use serde::Deserialize;
use switchboard_core::domain::{E164, NumberType};
use switchboard_core::readiness::{Finding, Kind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_util::sync::CancellationToken;

use super::{MAX_PAGE_SIZE, Meta, PAGED, TelnyxClient};
use crate::error::Result;
use crate::model::{Asked, Gathered, ListProgress, ProgressFn, ReadinessListing, present};

/// The largest page of 10DLC assignments asked for (the list's default is 20; its maximum is
/// not documented, so a modest page keeps within it).
const CAMPAIGN_PAGE: u32 = 100;

#[derive(Deserialize)]
struct RdNumber {
    phone_number: String,
    status: Option<String>,
    #[serde(default)]
    emergency_enabled: Option<bool>,
    emergency_status: Option<String>,
    #[serde(default)]
    cnam_listing_enabled: Option<bool>,
    messaging_profile_id: Option<String>,
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct NumberPage {
    data: Vec<RdNumber>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assignment {
    phone_number: String,
    assignment_status: Option<String>,
    failure_reasons: Option<String>,
    updated_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentPage {
    records: Vec<Assignment>,
    #[serde(default)]
    total_records: usize,
}

#[derive(Deserialize)]
struct Porting {
    phone_number: Option<String>,
    porting_order_status: Option<String>,
}

#[derive(Deserialize)]
struct PortingPage {
    data: Vec<Porting>,
    #[serde(default)]
    meta: Meta,
}

fn iso(t: Option<&str>) -> Option<OffsetDateTime> {
    t.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

impl TelnyxClient {
    /// Every readiness state Telnyx gives about the account's numbers (and numbers being ported
    /// in), as findings per number, from list endpoints only; see the module's doc.
    pub async fn readiness(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<ReadinessListing> {
        let mut gathered = Gathered::default();
        let mut asked = Asked::new(progress);

        let mut ten_dlc: Vec<E164> = Vec::new();
        let path = "/v2/phone_numbers";
        let size = MAX_PAGE_SIZE;
        self.each_page(path, &[], PAGED, size, cancel, |page: NumberPage, n| {
            asked.one();
            let more = page.meta.more(page.data.len(), n);
            for rd in page.data {
                let Ok(number) = E164::parse(&rd.phone_number, None) else {
                    continue;
                };
                let facts = number.facts();
                let since = iso(rd.updated_at.as_deref());
                let entry = gathered.entry(number);
                entry.used.sends_sms = present(rd.messaging_profile_id).is_some();
                if let Some(status) = present(rd.status) {
                    if matches!(status.as_str(), "port-out-pending" | "ported-out") {
                        entry
                            .findings
                            .push(Finding::new(Kind::PortOut, status.clone()).since(since));
                    }
                    entry
                        .findings
                        .push(Finding::new(Kind::NumberStatus, status).since(since));
                }
                if matches!(facts.country.as_deref(), Some("US" | "CA")) {
                    let emergency = present(rd.emergency_status)
                        .or_else(|| rd.emergency_enabled.map(|e| e.to_string()));
                    if let Some(e) = emergency {
                        entry.findings.push(Finding::new(Kind::Emergency, e));
                    }
                    if let Some(listed) = rd.cnam_listing_enabled {
                        entry
                            .findings
                            .push(Finding::new(Kind::Cnam, listed.to_string()));
                    }
                }
                let local_us = facts.country.as_deref() == Some("US")
                    && facts.number_type != NumberType::TollFree;
                if local_us && entry.used.sends_sms {
                    ten_dlc.push(entry.number.clone());
                }
            }
            more
        })
        .await?;

        if !ten_dlc.is_empty() {
            let mut assigned: HashMap<String, Finding> = HashMap::new();
            let path = "/v2/10dlc/phone_number_campaigns";
            let paging = ["page", "recordsPerPage"];
            self.each_page(
                path,
                &[],
                paging,
                CAMPAIGN_PAGE,
                cancel,
                |page: AssignmentPage, n| {
                    asked.one();
                    let got = page.records.len();
                    for a in page.records {
                        let f =
                            Finding::new(Kind::A2p10dlc, a.assignment_status.unwrap_or_default())
                                .since(iso(a.updated_at.as_deref()))
                                .reasons(present(a.failure_reasons).into_iter().collect());
                        assigned.insert(a.phone_number, f);
                    }
                    got > 0 && ((n * CAMPAIGN_PAGE) as usize) < page.total_records
                },
            )
            .await?;
            for number in ten_dlc {
                let entry = gathered.entry(number);
                let f = (assigned.remove(entry.number.as_str()))
                    .unwrap_or_else(|| Finding::new(Kind::A2p10dlc, ""));
                entry.findings.push(f);
            }
        }

        let path = "/v2/porting_phone_numbers";
        self.each_page(
            path,
            &[],
            PAGED,
            MAX_PAGE_SIZE,
            cancel,
            |page: PortingPage, n| {
                asked.one();
                let more = page.meta.more(page.data.len(), n);
                for p in page.data {
                    let Some(Ok(number)) = p.phone_number.as_deref().map(|n| E164::parse(n, None))
                    else {
                        continue;
                    };
                    let status = p.porting_order_status.unwrap_or_default();
                    gathered.add(number, Finding::new(Kind::PortIn, status));
                }
                more
            },
        )
        .await?;
        Ok(gathered.done(asked.count))
    }
}
