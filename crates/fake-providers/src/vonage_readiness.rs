//! What Vonage says about whether a number can carry its traffic: the 10DLC API's lists
//! (HTTP Basic; HAL pages by `page` and `page_size`, answering `page`, `page_size`,
//! `total_pages`, `total_items`, `_embedded` and `_links`), seeded with every state the
//! reference lists: `GET /v1/10dlc/brands`, `GET /v1/10dlc/brands/{brand_id}/campaigns` (a
//! campaign's `status`: `ACTIVE`, `EXPIRED`) and
//! `GET /v1/10dlc/brands/{brand_id}/campaigns/{campaign_id}/numbers` (a linked number's
//! `status`: `UNKNOWN`, `APPROVED`, `REJECTED`, `PENDING`).
//!
//! The account's US local numbers (`FakeConfig::vonage_us_numbers`, after its GB numbers) are
//! the ones linked: US number `j` gets the case `j % 8` of [`case`].

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::FakeRequest;
use crate::common::{json, us_number};

/// The page size when none is asked (the reference's examples show 10).
const DEFAULT_PAGE_SIZE: usize = 10;
/// The largest page served: the reference documents none, so this is the fake's guess.
pub const MAX_PAGE_SIZE: usize = 100;

/// The account's brands.
pub const BRANDS: [&str; 2] = ["B1A2C3D", "B4E5F60"];

/// The account's campaigns: brand, campaign id, status.
pub const CAMPAIGNS: [(&str, &str, &str); 3] = [
    ("B1A2C3D", "CA11A0E", "ACTIVE"),
    ("B1A2C3D", "CB22B0F", "EXPIRED"),
    ("B4E5F60", "CC33C01", "ACTIVE"),
];

/// One seeded situation of a US number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Linked to the campaign ([`CAMPAIGNS`] index) with this link `status`.
    Linked(usize, &'static str),
    /// On no campaign.
    Unlinked,
}

/// The case of the account's US number `j`.
pub fn case(j: usize) -> Case {
    match j % 8 {
        0 => Case::Linked(0, "APPROVED"),
        1 => Case::Linked(0, "PENDING"),
        2 => Case::Linked(0, "REJECTED"),
        3 => Case::Linked(0, "UNKNOWN"),
        4 => Case::Linked(1, "APPROVED"),
        6 => Case::Linked(2, "APPROVED"),
        _ => Case::Unlinked,
    }
}

/// Whether the account's US number `j` has an SMS webhook (`moHttpUrl`).
pub fn sms_webhook(j: usize) -> bool {
    j % 8 != 7
}

/// Whether the account's US number `j` is used for SMS: linked to the application with the
/// Messages capability ([`crate::vonage_messages_application`]), its messages reach that
/// application's `inbound_url`; otherwise they reach its own `moHttpUrl`, if it has one
/// ([`sms_webhook`]).
pub fn sends_sms(j: usize) -> bool {
    crate::vonage::messages_application(j) || sms_webhook(j)
}

/// The account's US number `j`, as Vonage writes it (`msisdn`: digits, no "+").
pub fn us_msisdn(j: usize) -> String {
    format!("1{}", us_number(j, 500).0)
}

/// The account's US number `j`, in E.164.
pub fn seeded_us_number(j: usize) -> String {
    format!("+{}", us_msisdn(j))
}

/// One HAL page of `items` under `_embedded.{key}`.
fn hal(req: &FakeRequest, base: &str, key: &str, items: Vec<Value>) -> Response {
    let size: usize = req
        .q("page_size")
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let page: usize = req
        .q("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let total = items.len();
    let pages = total.div_ceil(size).max(1);
    let on_page: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    let link = |p: usize| json!({"href": format!("{base}{}?page={p}&page_size={size}", req.path)});
    let mut links = json!({"self": link(page), "first": link(1), "last": link(pages)});
    if page < pages {
        links["next"] = link(page + 1);
    }
    if page > 1 {
        links["previous"] = link(page - 1);
    }
    json(
        StatusCode::OK,
        &json!({
            "page_size": size,
            "page": page,
            "total_pages": pages,
            "total_items": total,
            "_embedded": {key: on_page},
            "_links": links,
        }),
    )
}

fn brand_json(base: &str, i: usize, id: &str) -> Value {
    let names = ["Acme Dental", "Northwind Clinics"];
    json!({
        "brand_id": id,
        "entity_type": "PRIVATE_PROFIT",
        "display_name": names[i % 2],
        "company_name": format!("{} LLC", names[i % 2]),
        "ein": "20-1111111",
        "phone": "+15556660001",
        "street": "23 Main Street",
        "city": "Holmdel",
        "state": "NJ",
        "postal_code": "07733",
        "country": "US",
        "email": "sms@example.com",
        "website": "https://example.com",
        "vertical": "HEALTHCARE",
        "campaign_count": CAMPAIGNS.iter().filter(|c| c.0 == id).count(),
        "brand_relationship": "BASIC_ACCOUNT",
        "created_date": "2026-09-01 10:00:00",
        "last_updated": "2026-09-02 08:30:00",
        "_links": {
            "self": {"href": format!("{base}/v1/10dlc/brands/{id}")},
            "campaigns": {"href": format!("{base}/v1/10dlc/brands/{id}/campaigns")},
        },
    })
}

fn campaign_json(base: &str, (brand, id, status): (&str, &str, &str)) -> Value {
    json!({
        "campaign_id": id,
        "brand_id": brand,
        "vertical": "HEALTHCARE",
        "usecase": "ACCOUNT_NOTIFICATION",
        "sub_usecases": [],
        "description": "Appointment reminders",
        "embedded_link": false,
        "embedded_phone": false,
        "number_pool": false,
        "age_gated": false,
        "direct_lending": false,
        "subscriber_opt_in": true,
        "subscriber_opt_out": true,
        "subscriber_help": true,
        "sample_one": "Your appointment is tomorrow at 10am. Reply STOP to opt out.",
        "auto_renewal": status == "ACTIVE",
        "status": status,
        "created_date": "2026-09-03 09:00:00",
        "last_updated": "2026-11-20 16:45:00",
        "_links": {
            "self": {"href": format!("{base}/v1/10dlc/brands/{brand}/campaigns/{id}")},
            "brand": {"href": format!("{base}/v1/10dlc/brands/{brand}")},
            "numbers": {"href": format!("{base}/v1/10dlc/brands/{brand}/campaigns/{id}/numbers")},
        },
    })
}

/// Answers a 10DLC list of an account with `us` US numbers, or `None` when the path is not one.
pub(crate) fn handle(req: &FakeRequest, base: &str, us: usize) -> Option<Response> {
    let not_found = |what: &str| {
        crate::vonage::problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not Found",
            &format!("The requested {what} was not found."),
        )
    };
    match req.segments().as_slice() {
        ["v1", "10dlc", "brands"] => {
            let items = (BRANDS.iter().enumerate())
                .map(|(i, b)| brand_json(base, i, b))
                .collect();
            Some(hal(req, base, "brands", items))
        }
        ["v1", "10dlc", "brands", brand, "campaigns"] => {
            if !BRANDS.contains(brand) {
                return Some(not_found("brand"));
            }
            let items = (CAMPAIGNS.iter())
                .filter(|c| c.0 == *brand)
                .map(|c| campaign_json(base, *c))
                .collect();
            Some(hal(req, base, "campaigns", items))
        }
        [
            "v1",
            "10dlc",
            "brands",
            brand,
            "campaigns",
            campaign,
            "numbers",
        ] => {
            let Some(k) = (CAMPAIGNS.iter()).position(|c| c.0 == *brand && c.1 == *campaign) else {
                return Some(not_found("campaign"));
            };
            let items = (0..us)
                .filter_map(|j| match case(j) {
                    Case::Linked(c, status) if c == k => Some((j, status)),
                    _ => None,
                })
                .map(|(j, status)| {
                    let n = us_msisdn(j);
                    json!({
                        "number": n,
                        "country": "US",
                        "status": status,
                        "compliance": [],
                        "_links": {
                            "self": {"href": format!("{base}/v1/10dlc/brands/{brand}/campaigns/{campaign}/numbers/{n}")},
                            "campaign": {"href": format!("{base}/v1/10dlc/brands/{brand}/campaigns/{campaign}")},
                            "brand": {"href": format!("{base}/v1/10dlc/brands/{brand}")},
                        },
                    })
                })
                .collect();
            Some(hal(req, base, "numbers", items))
        }
        _ => None,
    }
}
