//! What Telnyx says about whether a number can carry its traffic, seeded with every state the
//! issue lists: the number's own `status`, `emergency_enabled`, `emergency_status` and
//! `cnam_listing_enabled` (on `GET /v2/phone_numbers`), 10DLC campaign assignments (`GET /v2/10dlc/phone_number_campaigns`:
//! `page`, `recordsPerPage`, answering `records`, `page`, `totalRecords`) and the numbers of
//! porting orders (`GET /v2/porting_phone_numbers`: `page[number]`, `page[size]`, `data` and
//! `meta`).
//!
//! Number `i` of the account gets the case `i % 16` of [`case`].

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::FakeRequest;
use crate::common::{json, us_number};

const UPDATED: &str = "2026-11-28T14:05:00Z";

/// One seeded situation of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Active, emergency calling active, assigned to a campaign when on the messaging profile.
    Fine,
    /// This `status`.
    Status(&'static str),
    /// Emergency calling with this `emergency_status`.
    Emergency(&'static str),
    /// This 10DLC `assignmentStatus` (`None`: no assignment at all).
    Campaign(Option<&'static str>),
    /// Fine, but with no caller-name (CNAM) listing: `cnam_listing_enabled` is `false` (every
    /// other number has one).
    Unlisted,
}

/// The case of the account's number `i`.
pub fn case(i: usize) -> Case {
    match i % 16 {
        1 => Case::Status("requirement-info-pending"),
        2 => Case::Status("requirement-info-under-review"),
        3 => Case::Status("requirement-info-exception"),
        4 => Case::Status("port-pending"),
        5 => Case::Status("port-out-pending"),
        6 => Case::Status("ported-out"),
        7 => Case::Status("emergency-only"),
        8 => Case::Emergency("disabled"),
        9 => Case::Campaign(Some("PENDING_ASSIGNMENT")),
        10 => Case::Campaign(Some("FAILED_ASSIGNMENT")),
        11 => Case::Emergency("provisioning"),
        12 => Case::Unlisted,
        13 => Case::Campaign(None),
        _ => Case::Fine,
    }
}

/// The account's number `i` of the seed, in E.164.
pub fn seeded_number(i: usize) -> String {
    format!("+1{}", us_number(i, 300).0)
}

/// Whether the account's number `i` is on the messaging profile.
pub fn on_profile(i: usize) -> bool {
    i % 4 != 3
}

/// The numbers of porting orders that are not on the account: their statuses.
pub const PORTING_ELSEWHERE: [&str; 3] = ["submitted", "exception", "foc-date-confirmed"];

/// The readiness fields of `GET /v2/phone_numbers` for number `i`.
pub(crate) fn number_fields(i: usize) -> Value {
    let (status, emergency) = match case(i) {
        Case::Status(s) => (s, "active"),
        Case::Emergency(e) => ("active", e),
        _ => ("active", "active"),
    };
    json!({
        "status": status,
        "emergency_enabled": emergency == "active",
        "emergency_status": emergency,
        "cnam_listing_enabled": case(i) != Case::Unlisted,
        "updated_at": UPDATED,
    })
}

/// Answers a readiness list, or `None` when the path is not one.
pub(crate) fn handle(req: &FakeRequest, numbers: usize) -> Option<Response> {
    match req.segments().as_slice() {
        ["v2", "10dlc", "phone_number_campaigns"] => {
            let per: usize = req
                .q("recordsPerPage")
                .and_then(|v| v.parse().ok())
                .unwrap_or(20)
                .clamp(1, 500);
            let page: usize = req
                .q("page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1)
                .max(1);
            let records: Vec<Value> = (0..numbers)
                .filter(|i| on_profile(*i))
                .filter_map(|i| {
                    let status = match case(i) {
                        Case::Campaign(s) => s?,
                        _ => "ASSIGNED",
                    };
                    Some(json!({
                        "phoneNumber": seeded_number(i),
                        "brandId": "4b20017f-8da9-a992-a6c0-683072fb7729",
                        "tcrBrandId": "BBRAND1",
                        "campaignId": "4b300178-131c-d902-d54e-72d90ba1620j",
                        "tcrCampaignId": "CCAMP01",
                        "telnyxCampaignId": "4b300178-131c-d902-d54e-72d90ba1620j",
                        "assignmentStatus": status,
                        "failureReasons": if status == "FAILED_ASSIGNMENT" { Value::from("Number is not on a messaging profile with this campaign's brand") } else { Value::Null },
                        "createdAt": "2026-10-01T10:00:00Z",
                        "updatedAt": UPDATED,
                    }))
                })
                .collect();
            let total = records.len();
            let items: Vec<Value> = records
                .into_iter()
                .skip((page - 1) * per)
                .take(per)
                .collect();
            Some(json(
                StatusCode::OK,
                &json!({"records": items, "page": page, "totalRecords": total}),
            ))
        }
        ["v2", "porting_phone_numbers"] => {
            let size: usize = req
                .q("page[size]")
                .and_then(|v| v.parse().ok())
                .unwrap_or(20)
                .clamp(1, 250);
            let page: usize = req
                .q("page[number]")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1)
                .max(1);
            let mut all: Vec<(String, &str)> = (0..numbers)
                .filter(|i| case(*i) == Case::Status("port-pending"))
                .map(|i| (seeded_number(i), "in-process"))
                .collect();
            all.extend(
                PORTING_ELSEWHERE
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (format!("+1{}", us_number(k, 902).0), *s)),
            );
            let total = all.len();
            let items: Vec<Value> = all
                .into_iter()
                .skip((page - 1) * size)
                .take(size)
                .map(|(n, s)| {
                    json!({
                        "record_type": "porting_phone_number",
                        "phone_number": n,
                        "porting_order_id": "f1486bae-f067-460c-ad43-73a92848f902",
                        "porting_order_status": s,
                        "activation_status": if s == "in-process" { "Pending" } else { "New" },
                        "portability_status": "confirmed",
                        "phone_number_type": "local",
                        "requirements_status": if s == "exception" { "requirement-info-exception" } else { "approved" },
                        "support_key": "sr_a12345",
                    })
                })
                .collect();
            Some(crate::telnyx::page(items, total, page, size))
        }
        _ => None,
    }
}
