//! What Plivo says about a number's compliance, on the number itself (the AccountPhoneNumber
//! object of `GET /v1/Account/{auth_id}/Number/`): `tendlc_registration_status` (`UNREGISTERED`,
//! `PROCESSING`, `COMPLETED`; null unless the number is an SMS-enabled US local number) with
//! `tendlc_campaign_id`, `toll_free_sms_verification` (`UNVERIFIED`, `PENDING_VERIFICATION`,
//! `VERIFIED`; null unless the number is an SMS-enabled US/Canadian toll-free number), and
//! `compliance_application_id` with `compliance_status` (the compliance application's status:
//! `Draft`, `Submitted`, `Accepted`, `Rejected`; null when none is linked).
//!
//! Local number `i` gets the case `i % 7` of [`case`]; the account's toll-free numbers
//! (`FakeConfig::plivo_toll_free_numbers`, after the local ones) get
//! [`TOLL_FREE_VERIFICATION`]`[j % 3]`.

use serde_json::{Value, json};

/// The campaign the registered numbers are linked to.
pub const CAMPAIGN: &str = "CMPAB12";

/// One seeded situation of a local number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// `tendlc_registration_status`.
    pub tendlc: &'static str,
    /// `compliance_status` (`None`: no compliance application).
    pub compliance: Option<&'static str>,
}

/// The case of local number `i`.
pub fn case(i: usize) -> Case {
    let (tendlc, compliance) = match i % 7 {
        1 => ("PROCESSING", None),
        2 => ("UNREGISTERED", None),
        3 => ("COMPLETED", Some("Accepted")),
        4 => ("COMPLETED", Some("Submitted")),
        5 => ("COMPLETED", Some("Rejected")),
        6 => ("COMPLETED", Some("Draft")),
        _ => ("COMPLETED", None),
    };
    Case { tendlc, compliance }
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
        "tendlc_campaign_id": (c.tendlc != "UNREGISTERED").then_some(CAMPAIGN),
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
