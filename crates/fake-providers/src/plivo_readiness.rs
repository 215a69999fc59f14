//! What Plivo says about a number's compliance, on the number itself (the AccountPhoneNumber
//! object of `GET /v1/Account/{auth_id}/Number/`): `tendlc_registration_status` (`UNREGISTERED`,
//! `PROCESSING`, `COMPLETED`; null unless the number is an SMS-enabled US local number) with
//! `tendlc_campaign_id`, `toll_free_sms_verification` (`UNVERIFIED`, `PENDING_VERIFICATION`,
//! `VERIFIED`; null unless the number is an SMS-enabled US/Canadian toll-free number), and
//! `compliance_application_id` with `compliance_status` (the compliance application's status:
//! `Draft`, `Submitted`, `Accepted`, `Rejected`; null when none is linked).
//!
//! The account's campaigns come from `GET /v1/Account/{auth_id}/10dlc/Campaign/` (`limit` ≤ 20,
//! `offset`, `meta`, `campaigns`), one per `registration_status` (`ACTIVE`, `FAILED`,
//! `PROCESSING`, `EXPIRED`). Local number `i` gets the case `i % 9` of [`case`]; the account's toll-free numbers
//! (`FakeConfig::plivo_toll_free_numbers`, after the local ones) get
//! [`TOLL_FREE_VERIFICATION`]`[j % 3]`.

use serde_json::{Value, json};

/// The account's 10DLC campaigns (`GET /v1/Account/{auth_id}/10dlc/Campaign/`): id and
/// `registration_status`.
pub const CAMPAIGNS: [(&str, &str); 4] = [
    ("CMPAB12", "ACTIVE"),
    ("CMPPR78", "PROCESSING"),
    ("CMPFA56", "FAILED"),
    ("CMPEX34", "EXPIRED"),
];

/// One seeded situation of a local number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// `tendlc_registration_status`.
    pub tendlc: &'static str,
    /// `tendlc_campaign_id`: a [`CAMPAIGNS`] index (`None`: on no campaign).
    pub campaign: Option<usize>,
    /// `compliance_status` (`None`: no compliance application).
    pub compliance: Option<&'static str>,
}

/// The case of local number `i`.
pub fn case(i: usize) -> Case {
    let (tendlc, campaign, compliance) = match i % 9 {
        1 => ("PROCESSING", Some(0), None),
        2 => ("UNREGISTERED", None, None),
        3 => ("COMPLETED", Some(0), Some("Accepted")),
        4 => ("COMPLETED", Some(0), Some("Submitted")),
        5 => ("COMPLETED", Some(0), Some("Rejected")),
        6 => ("COMPLETED", Some(0), Some("Draft")),
        7 => ("COMPLETED", Some(2), None),
        8 => ("COMPLETED", Some(3), None),
        _ => ("COMPLETED", Some(0), None),
    };
    Case {
        tendlc,
        campaign,
        compliance,
    }
}

/// Campaign `k` of [`CAMPAIGNS`] as the campaigns list gives it.
pub(crate) fn campaign_json(k: usize) -> Value {
    let (id, status) = CAMPAIGNS[k];
    json!({
        "campaign_id": id,
        "registration_status": status,
        "reseller_id": "",
        "brand_id": "BANG5T1",
        "usecase": "ACCOUNT_NOTIFICATION",
        "sub_usecase": "",
        "campaign_alias": format!("notifications {k}"),
        "mno_metadata": {
            "AT&T": {"tpm": 4500},
            "T-Mobile": {"brand_tier": "LOW"},
            "Verizon Wireless": {},
        },
        "vertical": "TECHNOLOGY",
        "description": "Appointment and delivery notifications",
        "campaign_attributes": {"embedded_link": false, "embedded_phone": false, "age_gated": false},
        "created_at": "2026-09-01T10:00:00.000000Z",
    })
}

/// The toll-free numbers' verification statuses, by `j % 3`.
pub const TOLL_FREE_VERIFICATION: [&str; 3] = ["UNVERIFIED", "PENDING_VERIFICATION", "VERIFIED"];

/// The account's toll-free number `j`, as Plivo writes it (digits, no "+").
pub fn toll_free_number(j: usize) -> String {
    format!("1833555{:04}", j % 10_000)
}

/// Whether local number `i` is on an application (its SMS webhook is the application's
/// `message_url`), as the fake Plivo seeds it.
pub fn on_application(i: usize) -> bool {
    i % 6 != 5
}

/// The compliance fields of local number `i`.
pub(crate) fn local_fields(i: usize) -> Value {
    let c = case(i);
    json!({
        "tendlc_registration_status": c.tendlc,
        "tendlc_campaign_id": c.campaign.map(|k| CAMPAIGNS[k].0),
        "toll_free_sms_verification": null,
        "compliance_application_id": c.compliance.map(|_| format!("0ad3c4e5-{i:04}-4b1c-9d2e-7f8a9b0c1d2e")),
        "compliance_status": c.compliance,
    })
}

/// The compliance fields of toll-free number `j`.
pub(crate) fn toll_free_fields(j: usize) -> Value {
    json!({
        "tendlc_registration_status": null,
        "tendlc_campaign_id": null,
        "toll_free_sms_verification": TOLL_FREE_VERIFICATION[j % 3],
        "compliance_application_id": null,
        "compliance_status": null,
    })
}
