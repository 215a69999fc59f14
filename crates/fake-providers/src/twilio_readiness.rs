//! What Twilio says about whether a number can carry its traffic, seeded with every state its
//! schemas list: the number's own emergency and address fields (on `IncomingPhoneNumbers`),
//! regulatory bundles (`numbers.twilio.com/v2/RegulatoryCompliance/Bundles`), messaging services
//! with their numbers and A2P 10DLC compliance (`messaging.twilio.com/v1/Services`,
//! `…/PhoneNumbers`, `…/Compliance/Usa2p`), toll-free verifications
//! (`messaging.twilio.com/v1/Tollfree/Verifications`) and port-in requests
//! (`numbers.twilio.com/v1/Porting/PortIn/PortInRequests` and `…/PortIn/{Sid}`).
//!
//! The product hosts are served on the fake's one origin under their own paths (`/v1/…`,
//! `/v2/…`), as the client addresses them when its base URL is not Twilio's own. Lists page as
//! the schemas say: `PageSize` (up to 1,000, default 50) with a `meta` block whose
//! `next_page_url` carries a `PageToken`; the port-in list pages with `Size` and `Token`, its
//! `meta` holding `next_token`.
//!
//! Number `i` of the account gets the case `i % 20` of [`case`]: the states are spread across
//! the inventory, and a test knows exactly which number has which. The account's US toll-free
//! numbers (`FakeConfig::twilio_toll_free_numbers`, after the local ones; [`toll_free_number`])
//! are in no messaging service: toll-free number `j` has the verification [`toll_free_case`]
//! gives (every status of the schema's `tollfree_verification_enum_status`, the rejected one
//! with its `rejection_reason` and `error_code`, or none at all), listed by
//! `messaging.twilio.com/v1/Tollfree/Verifications`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::common::{hex32, json, us_number};
use crate::{FakeRequest, creds};

const ISO_DATE: &str = "2026-11-20T09:30:00Z";

/// One seeded situation of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Registered emergency address, on the verified campaign.
    Fine,
    /// `emergency_address_status` as given.
    Emergency(&'static str),
    /// `address_requirements: local` with no `address_sid`.
    AddressMissing,
    /// A `bundle_sid` whose bundle has this status.
    Bundle(&'static str),
    /// In no messaging service: no A2P 10DLC campaign.
    NoCampaign,
    /// In the messaging service whose campaign has this status.
    Campaign(&'static str),
    /// In a completed port-in request.
    PortedIn,
}

/// The case of the account's number `i` (see the module's doc).
pub fn case(i: usize) -> Case {
    match i % 20 {
        1 => Case::Emergency("unregistered"),
        2 => Case::Emergency("pending-registration"),
        3 => Case::Emergency("registration-failure"),
        4 => Case::Emergency("pending-unregistration"),
        5 => Case::Emergency("unregistration-failure"),
        6 => Case::AddressMissing,
        7 => Case::Bundle("draft"),
        8 => Case::Bundle("pending-review"),
        9 => Case::Bundle("in-review"),
        10 => Case::Bundle("twilio-rejected"),
        11 => Case::Bundle("provisionally-approved"),
        12 => Case::NoCampaign,
        13 => Case::Campaign("IN_PROGRESS"),
        14 => Case::Campaign("FAILED"),
        15 => Case::PortedIn,
        16 => Case::Bundle("twilio-approved"),
        _ => Case::Fine,
    }
}

/// The account's number `i` of the seed, in E.164.
pub fn seeded_number(i: usize) -> String {
    format!("+1{}", us_number(i, 234).0)
}

/// The statuses of the toll-free verifications, by `j % 5` of the toll-free number; the fifth
/// toll-free number has no verification.
pub const TOLL_FREE_VERIFICATION: [&str; 4] = [
    "PENDING_REVIEW",
    "IN_REVIEW",
    "TWILIO_APPROVED",
    "TWILIO_REJECTED",
];

/// The rejection reason of a `TWILIO_REJECTED` verification, and its error code.
pub const TOLL_FREE_REJECTION: (&str, u32) = (
    "Opt-in consent is not collected for the use case described.",
    30513,
);

/// The verification status of the account's toll-free number `j`; `None`: never submitted.
pub fn toll_free_case(j: usize) -> Option<&'static str> {
    TOLL_FREE_VERIFICATION.get(j % 5).copied()
}

/// Whether toll-free number `j` has an SMS URL (so is used for SMS): the first five in each
/// ten do, the next five (voice only in use, though SMS-capable) do not; each five hold every
/// verification case.
pub fn toll_free_routes_sms(j: usize) -> bool {
    (j / 5).is_multiple_of(2)
}

/// The account's toll-free number `j`, in E.164 (+1 833, then 844, 855, 866, 877, 888 for
/// each further 10,000).
pub fn toll_free_number(j: usize) -> String {
    const PREFIXES: [u32; 6] = [833, 844, 855, 866, 877, 888];
    format!("+1{}555{:04}", PREFIXES[(j / 10_000) % 6], j % 10_000)
}

/// The `sid` of the account's toll-free number `j`.
pub(crate) fn toll_free_sid(seed: u64, j: usize) -> String {
    format!("PN{}", hex32(seed, 200_000 + j as u64))
}

fn verification_sid(seed: u64, j: usize) -> String {
    format!("HH{}", hex32(seed, 300_000 + j as u64))
}

/// A number the account holds, as the readiness lists see it.
pub(crate) struct Held {
    /// Its index among the seeded local numbers ([`case`]).
    pub seeded: Option<usize>,
    /// Its index among the seeded toll-free numbers ([`toll_free_case`]).
    pub toll_free: Option<usize>,
    pub sid: String,
    pub phone_number: String,
}

/// The `Tollfree/Verifications` resource of toll-free number `j` (if it has one), with every
/// property of the schema's `messaging.v1.tollfree_verification` (twilio_messaging_v1 of
/// twilio/twilio-oai).
fn verification(base: &str, seed: u64, n: &Held, j: usize) -> Option<Value> {
    let status = toll_free_case(j)?;
    let sid = verification_sid(seed, j);
    let rejected = status == "TWILIO_REJECTED";
    let (reason, code) = TOLL_FREE_REJECTION;
    let mut v = json!({
        "sid": sid,
        "account_sid": creds::TWILIO_ACCOUNT_SID,
        "customer_profile_sid": format!("BU{}", hex32(seed, 10)),
        "trust_product_sid": format!("BU{}", hex32(seed, 11)),
        "date_created": ISO_DATE,
        "date_updated": ISO_DATE,
        "regulated_item_sid": format!("RA{}", hex32(seed, 310_000 + j as u64)),
        "tollfree_phone_number_sid": n.sid,
        "tollfree_phone_number": n.phone_number,
        "status": status,
        "url": format!("{base}/v1/Tollfree/Verifications/{sid}"),
        "rejection_reason": if rejected { Value::from(reason) } else { Value::Null },
        "error_code": if rejected { Value::from(code) } else { Value::Null },
        "edit_expiration": if rejected { Value::from("2026-12-20T09:30:00Z") } else { Value::Null },
        "edit_allowed": rejected,
        "rejection_reasons": if rejected { json!([{"reason": reason, "error_code": code}]) } else { Value::Null },
        "resource_links": {},
        "external_reference_id": null,
        "vetting_id": null,
        "vetting_provider": null,
        "vetting_id_expiration": null,
    });
    if let (Value::Object(v), Value::Object(business)) = (&mut v, verification_business()) {
        v.extend(business);
    }
    Some(v)
}

/// What a verification says of the business and its use case (the same for every number).
fn verification_business() -> Value {
    json!({
        "business_name": "Example Co",
        "business_street_address": "1 Main Street",
        "business_street_address2": null,
        "business_city": "Springfield",
        "business_state_province_region": "IL",
        "business_postal_code": "62701",
        "business_country": "US",
        "business_website": "https://example.com",
        "business_contact_first_name": "Alex",
        "business_contact_last_name": "Doe",
        "business_contact_email": "compliance@example.com",
        "business_contact_phone": "+13125550100",
        "notification_email": "compliance@example.com",
        "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
        "use_case_summary": "Appointment reminders from our voice agents",
        "production_message_sample": "Your appointment is tomorrow at 10:00. Reply STOP to opt out.",
        "opt_in_image_urls": ["https://example.com/opt-in.png"],
        "opt_in_type": "WEB_FORM",
        "message_volume": "1,000",
        "additional_information": null,
        "business_registration_number": "12-3456789",
        "business_registration_authority": "EIN",
        "business_registration_country": "US",
        "business_type": "PRIVATE_PROFIT",
        "business_registration_phone_number": "+13125550100",
        "doing_business_as": null,
        "opt_in_confirmation_message": "You are subscribed to appointment reminders. Reply STOP to opt out.",
        "help_message_sample": "Reply STOP to opt out; call +13125550100 for help.",
        "privacy_policy_url": "https://example.com/privacy",
        "terms_and_conditions_url": "https://example.com/terms",
        "age_gated_content": false,
        "opt_in_keywords": ["START"],
    })
}

/// The campaigns of the seeded messaging services, in service order.
const CAMPAIGNS: [&str; 3] = ["VERIFIED", "IN_PROGRESS", "FAILED"];

/// The messaging service (index into [`CAMPAIGNS`]) that holds number `i`, if any.
fn service_of(i: usize) -> Option<usize> {
    match case(i) {
        Case::NoCampaign => None,
        Case::Campaign(s) => CAMPAIGNS.iter().position(|c| *c == s),
        _ => Some(0),
    }
}

/// The readiness fields of `IncomingPhoneNumbers` for number `i` of the seed.
pub(crate) fn number_fields(seed: u64, i: Option<usize>) -> Value {
    let case = i.map_or(Case::Fine, case);
    let emergency = match case {
        Case::Emergency(s) => s,
        _ => "registered",
    };
    json!({
        "emergency_status": if emergency == "registered" { "Active" } else { "Inactive" },
        "emergency_address_sid": if emergency == "unregistered" { Value::Null } else { Value::from(format!("AD{}", hex32(seed, 7))) },
        "emergency_address_status": emergency,
        "address_requirements": if case == Case::AddressMissing { "local" } else { "none" },
        "address_sid": Value::Null,
        "bundle_sid": match (case, i) {
            (Case::Bundle(_), Some(i)) => Value::from(bundle_sid(seed, i)),
            _ => Value::Null,
        },
    })
}

fn bundle_sid(seed: u64, i: usize) -> String {
    format!("BU{}", hex32(seed, 50_000 + i as u64))
}

fn service_sid(seed: u64, s: usize) -> String {
    format!("MG{}", hex32(seed, 60_000 + s as u64))
}

fn port_in_sid(seed: u64, r: usize) -> String {
    format!("KW{}", hex32(seed, 70_000 + r as u64))
}

/// The seeded port-in requests: status, and the numbers with their statuses. Numbers not on
/// the account are being ported in; the completed one brought in the account's case-15 number.
fn port_ins(numbers: usize) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    let outside = |k: usize| format!("+1{}", us_number(k, 901).0);
    let mut requests = vec![
        (
            "In progress",
            vec![(outside(0), "Submitted"), (outside(1), "Pending")],
        ),
        ("Action Required", vec![(outside(2), "Action Required")]),
    ];
    if numbers > 15 {
        requests.push(("Completed", vec![(seeded_number(15), "Completed")]));
    }
    requests
}

/// A `meta`-paged list of `items` under `key` at `path` (`PageSize`, `Page`, `PageToken`).
fn meta_page(req: &FakeRequest, base: &str, path: &str, key: &str, items: Vec<Value>) -> Response {
    let size: usize = req
        .q("PageSize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
        .clamp(1, 1000);
    let page: usize = req.q("Page").and_then(|v| v.parse().ok()).unwrap_or(0);
    let start = req
        .q("PageToken")
        .and_then(|t| t.strip_prefix("PT"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(page * size);
    let url = |p: usize, token: Option<usize>| {
        let token = token
            .map(|t| format!("&PageToken=PT{t}"))
            .unwrap_or_default();
        format!("{}{path}?PageSize={size}&Page={p}{token}", base)
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| url(page + 1, Some(end)));
    json(
        StatusCode::OK,
        &json!({
            key: items.get(start..end).unwrap_or_default(),
            "meta": {
                "first_page_url": url(0, None),
                "key": key,
                "next_page_url": next,
                "page": page,
                "page_size": size,
                "previous_page_url": if page > 0 { Value::from(url(page - 1, None)) } else { Value::Null },
                "url": url(page, None),
            },
        }),
    )
}

/// Answers a request to a product host's path (`/v1/…`, `/v2/…`), or `None` when the path is
/// not one of them. `numbers` is the account's numbers, in seed order, `i` the index.
pub(crate) fn handle(
    req: &FakeRequest,
    base: &str,
    seed: u64,
    numbers: &[Held],
) -> Option<Response> {
    // The toll-free numbers are not counted: the completed port-in request follows the local
    // numbers of the seed.
    let local = numbers.iter().filter(|n| n.toll_free.is_none()).count();
    let seg: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let account = creds::TWILIO_ACCOUNT_SID;
    let response = match seg.as_slice() {
        ["v2", "RegulatoryCompliance", "Bundles"] => {
            let items = numbers
                .iter()
                .filter_map(|n| match (n.seeded, n.seeded.map(case)) {
                    (Some(i), Some(Case::Bundle(status))) => Some(json!({
                        "sid": bundle_sid(seed, i),
                        "account_sid": account,
                        "regulation_sid": format!("RN{}", hex32(seed, 8)),
                        "friendly_name": format!("Bundle {i}"),
                        "status": status,
                        "valid_until": null,
                        "email": "compliance@example.com",
                        "status_callback": null,
                        "date_created": ISO_DATE,
                        "date_updated": ISO_DATE,
                        "url": format!("{}/v2/RegulatoryCompliance/Bundles/{}", base, bundle_sid(seed, i)),
                        "links": {},
                    })),
                    _ => None,
                })
                .collect();
            meta_page(
                req,
                base,
                "/v2/RegulatoryCompliance/Bundles",
                "results",
                items,
            )
        }
        ["v1", "Services"] => {
            let items = (0..CAMPAIGNS.len())
                .map(|s| {
                    json!({
                        "sid": service_sid(seed, s),
                        "account_sid": account,
                        "friendly_name": format!("Agents {}", s + 1),
                        "date_created": ISO_DATE,
                        "date_updated": ISO_DATE,
                        "us_app_to_person_registered": CAMPAIGNS[s] == "VERIFIED",
                        "usecase": "customer_care",
                        "url": format!("{}/v1/Services/{}", base, service_sid(seed, s)),
                    })
                })
                .collect();
            meta_page(req, base, "/v1/Services", "services", items)
        }
        ["v1", "Services", sid, rest @ ..] => {
            let s = (0..CAMPAIGNS.len()).find(|s| service_sid(seed, *s) == *sid)?;
            let path = format!("/v1/Services/{sid}/{}", rest.join("/"));
            match rest {
                ["PhoneNumbers"] => {
                    let items = numbers
                        .iter()
                        .filter(|n| n.seeded.and_then(service_of) == Some(s))
                        .map(|n| {
                            let (i, e164) = (n.seeded, &n.phone_number);
                            let pn = format!("PN{}", hex32(seed, i.unwrap_or(0) as u64 + 100));
                            json!({
                                "sid": pn,
                                "account_sid": account,
                                "service_sid": sid,
                                "date_created": ISO_DATE,
                                "date_updated": ISO_DATE,
                                "phone_number": e164,
                                "country_code": "US",
                                "capabilities": ["SMS", "Voice"],
                                "url": format!("{}{path}/{pn}", base),
                            })
                        })
                        .collect();
                    meta_page(req, base, &path, "phone_numbers", items)
                }
                ["Compliance", "Usa2p"] => {
                    let failed = CAMPAIGNS[s] == "FAILED";
                    let items = vec![json!({
                        "sid": format!("QE{}", hex32(seed, 80_000 + s as u64)),
                        "account_sid": account,
                        "brand_registration_sid": format!("BN{}", hex32(seed, 9)),
                        "messaging_service_sid": sid,
                        "description": "Appointment reminders from our voice agents",
                        "us_app_to_person_usecase": "CUSTOMER_CARE",
                        "campaign_status": CAMPAIGNS[s],
                        "campaign_id": format!("CFOOBA{s}"),
                        "is_externally_registered": false,
                        "date_created": ISO_DATE,
                        "date_updated": ISO_DATE,
                        "url": format!("{}{path}/QE{}", base, hex32(seed, 80_000 + s as u64)),
                        "mock": false,
                        "errors": if failed { json!([{"error_code": 30896, "description": "Opt-in information is missing or invalid."}]) } else { json!([]) },
                    })];
                    meta_page(req, base, &path, "compliance", items)
                }
                _ => return None,
            }
        }
        ["v1", "Tollfree", "Verifications"] => {
            // Filtered as documented: `TollfreePhoneNumberSid`, `Status`.
            let number_sid = req.q("TollfreePhoneNumberSid");
            let status = req.q("Status");
            let items = numbers
                .iter()
                .filter(|n| number_sid.is_none_or(|s| s == n.sid))
                .filter_map(|n| verification(base, seed, n, n.toll_free?))
                .filter(|v| status.is_none_or(|s| v["status"] == s))
                .collect();
            meta_page(
                req,
                base,
                "/v1/Tollfree/Verifications",
                "verifications",
                items,
            )
        }
        ["v1", "Porting", "PortIn", "PortInRequests"] => {
            let requests = port_ins(local);
            let size: usize = req
                .q("Size")
                .and_then(|v| v.parse().ok())
                .unwrap_or(20)
                .clamp(1, 1000);
            let start: usize = req.q("Token").and_then(|t| t.parse().ok()).unwrap_or(0);
            let end = (start + size).min(requests.len());
            let items: Vec<Value> = (start..end)
                .map(|r| {
                    let (status, nums) = &requests[r];
                    json!({
                        "port_in_request_sid": port_in_sid(seed, r),
                        "port_in_request_status": status,
                        "status_last_updated_timestamp": ISO_DATE,
                        "phone_numbers_requested": nums.len(),
                        "phone_numbers_ported": nums.iter().filter(|(_, s)| *s == "Completed").count(),
                        "suggested_action": if *status == "Action Required" { Value::from("Sign the letter of authorization") } else { Value::Null },
                    })
                })
                .collect();
            json(
                StatusCode::OK,
                &json!({
                    "port_in_requests": items,
                    "meta": {
                        "previous_token": if start > 0 { Value::from(start.saturating_sub(size).to_string()) } else { Value::Null },
                        "next_token": (end < requests.len()).then(|| end.to_string()),
                    },
                }),
            )
        }
        ["v1", "Porting", "PortIn", sid] => {
            let requests = port_ins(local);
            let r = (0..requests.len()).find(|r| port_in_sid(seed, *r) == *sid)?;
            let (status, nums) = &requests[r];
            json(
                StatusCode::OK,
                &json!({
                    "port_in_request_sid": sid,
                    "url": format!("{}/v1/Porting/PortIn/{sid}", base),
                    "account_sid": account,
                    "notification_emails": ["porting@example.com"],
                    "target_port_in_date": "2026-12-15",
                    "target_port_in_time_range_start": null,
                    "target_port_in_time_range_end": null,
                    "port_in_request_status": status,
                    "order_cancellation_reason": null,
                    "losing_carrier_information": {"customer_name": "Example Co"},
                    "phone_numbers": nums.iter().map(|(e164, s)| json!({
                        "phone_number": e164,
                        "port_in_phone_number_sid": format!("PU{}", hex32(seed, 90_000 + r as u64)),
                        "port_in_phone_number_status": s,
                        "portable": true,
                        "not_portability_reason": null,
                        "not_portability_reason_code": null,
                        "number_type": "LOCAL",
                        "port_date": if *s == "Completed" { Value::from("2026-11-18") } else { Value::Null },
                        "rejection_reason": null,
                        "rejection_reason_code": null,
                        "status_last_time_updated_timestamp": ISO_DATE,
                        "external_porting_vendor_phone_number_id": null,
                    })).collect::<Vec<_>>(),
                    "bundle_sid": null,
                    "portability_advance_carrier": null,
                    "auto_cancel_approval_numbers": null,
                    "documents": [],
                    "date_created": ISO_DATE,
                    "support_ticket_id": null,
                    "signature_request_url": null,
                }),
            )
        }
        _ => return None,
    };
    Some(response)
}
