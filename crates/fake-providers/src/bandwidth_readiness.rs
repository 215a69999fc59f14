//! What Bandwidth says about whether a number can carry its traffic, seeded with every state of
//! the two lists the readiness read uses (both on the platform origin, `api.bandwidth.com`, JSON):
//!
//! - `GET /api/v2/accounts/{accountId}/tendlc/phoneNumbers` (`limit` up to 250, `offset`):
//!   `{"data": [...], "page": {"totalElements": N}}`, each record with `phoneNumber`, `status`
//!   (`PROCESSING`, `SUCCESS`, `FAILURE`), `nnid`, `createdDate`, `modifiedDate`, and, once the
//!   number is on a campaign, `brandId`, `campaignId`, `customerProfileId`. As Bandwidth's CLI
//!   documents (measured on a real account), `status[eq]`, `status[contains]` and
//!   `campaignId[eq]` are accepted and silently ignored — every record comes back — while
//!   `campaignId[contains]` filters.
//! - `GET /api/v2/accounts/{accountId}/phoneNumbers/{phoneNumber}/tollFreeVerification` (the
//!   number in E.164, path-encoded): the Toll-Free Verification API's `TfvStatus` (`status`
//!   `VERIFIED`, `UNVERIFIED` or `PENDING`, `declineReasonDescription`, `denialStatusCode`,
//!   `additionalDenialReasons`, `resubmitAllowed`, `blocked`, `blockedReason`, times), 404 with a
//!   `TfvError` when no verification was ever requested. There is no list of verifications.
//!
//! Number `i` of the account gets the case `i % 20` of [`case`]; toll-free cases get a toll-free
//! number ([`tn`]).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::FakeRequest;
use crate::common::{json, us_number};

const CREATED: &str = "2026-10-01T10:00:00.000Z";
const MODIFIED: &str = "2026-11-28T14:05:00.000Z";

/// The largest `limit` of the 10DLC numbers list.
pub const TEN_DLC_MAX_LIMIT: usize = 250;

/// One seeded situation of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// A local number on a campaign, registered (`SUCCESS`).
    Fine,
    /// A local number in the 10DLC list with this `status`, on a campaign or not.
    TenDlc(&'static str, bool),
    /// A local number that is not in the 10DLC list (never registered for messaging).
    NoTenDlc,
    /// A toll-free number with this verification `status` (`None`: never requested, 404).
    TollFree(Option<&'static str>),
    /// A toll-free number whose verification is `blocked`.
    TollFreeBlocked,
}

/// The case of the account's number `i`.
pub fn case(i: usize) -> Case {
    match i % 20 {
        1 => Case::TenDlc("PROCESSING", true),
        2 => Case::TenDlc("FAILURE", true),
        3 => Case::NoTenDlc,
        4 => Case::TenDlc("PROCESSING", false),
        5 => Case::TollFree(Some("VERIFIED")),
        6 => Case::TollFree(Some("PENDING")),
        7 => Case::TollFree(Some("UNVERIFIED")),
        8 => Case::TollFree(None),
        9 => Case::TollFreeBlocked,
        _ => Case::Fine,
    }
}

/// Whether the account's number `i` is toll-free.
pub fn toll_free(i: usize) -> bool {
    matches!(case(i), Case::TollFree(_) | Case::TollFreeBlocked)
}

/// Whether the account's number `i` is on the location linked to the Messaging-V2 application
/// (numbers alternate between the fake's two locations; only the first delivers SMS).
pub fn on_messaging_location(i: usize) -> bool {
    i.is_multiple_of(2)
}

/// The account's number `i`, 10 national digits as the Dashboard API lists it.
pub fn tn(i: usize) -> String {
    if toll_free(i) {
        format!("833{:07}", 5_000_000 + i)
    } else {
        us_number(i, 500).0
    }
}

/// The account's number `i` in E.164.
pub fn seeded_number(i: usize) -> String {
    format!("+1{}", tn(i))
}

/// The decline reason of the seeded `UNVERIFIED` verification.
pub const DECLINE_REASON: &str = "Opt-in workflow does not show how consent is collected";
/// The block reason of the seeded blocked verification.
pub const BLOCKED_REASON: &str = "Business is on the carriers' prohibited content list";

fn errors(status: StatusCode, kind: &str, description: &str) -> Response {
    json(
        status,
        &json!({"errors": [{"type": kind, "description": description}]}),
    )
}

fn ten_dlc_record(i: usize) -> Option<Value> {
    let (status, on_campaign) = match case(i) {
        Case::Fine => ("SUCCESS", true),
        Case::TenDlc(s, c) => (s, c),
        _ => return None,
    };
    let mut r = json!({
        "phoneNumber": seeded_number(i),
        "status": status,
        "nnid": 100_000 + i,
        "createdDate": CREATED,
        "modifiedDate": MODIFIED,
    });
    if on_campaign {
        r["brandId"] = json!("BZXCV12");
        r["campaignId"] = json!(if i % 40 < 20 { "CA3XKE1" } else { "CB7QRT4" });
        r["customerProfileId"] = json!("d2c1a7e0-5f0b-4d8e-9a51-0c1f6b0b2a11");
    }
    Some(r)
}

/// The seeded toll-free number's index, from its E.164.
fn toll_free_index(number: &str) -> Option<usize> {
    let n: usize = number.strip_prefix("+1833")?.parse().ok()?;
    n.checked_sub(5_000_000).filter(|i| toll_free(*i))
}

fn verification(i: Option<usize>, number: &str) -> Response {
    let (status, blocked) = match i.map(case) {
        Some(Case::TollFree(Some(s))) => (s, false),
        Some(Case::TollFreeBlocked) => ("UNVERIFIED", true),
        _ => {
            return json(
                StatusCode::NOT_FOUND,
                &json!({
                    "type": "NOT_FOUND",
                    "description": format!("No verification request found for {number}"),
                    "errors": {},
                }),
            );
        }
    };
    let i = i.unwrap_or_default();
    let mut v = json!({
        "phoneNumber": number,
        "status": status,
        "internalTicketNumber": format!("acde070d-8c4c-4f0d-9d8a-{:012}", i),
        "resubmitAllowed": status == "UNVERIFIED" && !blocked,
        "createdDateTime": CREATED,
        "modifiedDateTime": MODIFIED,
        "submission": {"useCase": "2FA", "messageVolume": 10000},
    });
    if status == "UNVERIFIED" && !blocked {
        v["declineReasonDescription"] = json!(DECLINE_REASON);
        v["denialStatusCode"] = json!(511);
        v["additionalDenialReasons"] = json!([
            {"statusCode": 512, "reason": "Sample message does not name the business", "resubmitAllowed": true}
        ]);
    }
    if blocked {
        v["blocked"] = json!(true);
        v["blockedReason"] = json!(BLOCKED_REASON);
    }
    json(StatusCode::OK, &v)
}

/// Answers a readiness request for `account` with `numbers` numbers, or `None` when the path
/// is not one.
pub(crate) fn handle(req: &FakeRequest, account: &str, numbers: usize) -> Option<Response> {
    match req.segments().as_slice() {
        ["api", "v2", "accounts", a, "tendlc", "phoneNumbers"] if *a == account => {
            let limit: usize = match req.q("limit").map(str::parse) {
                None => 50,
                Some(Ok(l)) if (1..=TEN_DLC_MAX_LIMIT).contains(&l) => l,
                Some(_) => {
                    return Some(errors(
                        StatusCode::BAD_REQUEST,
                        "validation",
                        "limit must be between 1 and 250",
                    ));
                }
            };
            let Ok(offset) = req.q("offset").unwrap_or("0").parse::<usize>() else {
                return Some(errors(
                    StatusCode::BAD_REQUEST,
                    "validation",
                    "offset must be a number",
                ));
            };
            // status[eq], status[contains] and campaignId[eq] are ignored, as documented.
            let contains = req.q("campaignId[contains]");
            let records: Vec<Value> = (0..numbers)
                .filter_map(ten_dlc_record)
                .filter(|r| {
                    contains
                        .is_none_or(|c| r["campaignId"].as_str().is_some_and(|id| id.contains(c)))
                })
                .collect();
            let total = records.len();
            let data: Vec<Value> = records.into_iter().skip(offset).take(limit).collect();
            Some(json(
                StatusCode::OK,
                &json!({"data": data, "page": {"totalElements": total}}),
            ))
        }
        [
            "api",
            "v2",
            "accounts",
            a,
            "phoneNumbers",
            number,
            "tollFreeVerification",
        ] if *a == account => {
            let number = number.replace("%2B", "+").replace("%2b", "+");
            let at = toll_free_index(&number).filter(|i| *i < numbers);
            Some(verification(at, &number))
        }
        _ => None,
    }
}
