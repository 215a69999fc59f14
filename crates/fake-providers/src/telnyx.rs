//! Telnyx v2: `GET /v2/balance`, `GET /v2/phone_numbers` (`page[number]`, `page[size]` ≤ 250,
//! `filter[phone_number]`, `filter[connection_id]`), Call Control and TeXML applications and
//! messaging profiles (`GET`, `PATCH`), a profile's `phone_numbers`, and the detail records
//! of calls and messages (`GET /v2/detail_records`, [`crate::telnyx_usage`]). Bearer auth. Every
//! third number is on a Call Control application, a TeXML application, or a SIP connection;
//! three in four are on the messaging profile.

use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::common::{bearer, json, lock, us_number};
use crate::telnyx_usage::Usage;
use crate::{FakeConfig, FakeRequest, creds};

const CALL_CONTROL: &str = "1293384261075731499";
const TEXML: &str = "1293384261075731500";
const SIP: &str = "1293384261075731501";
const PROFILE: &str = "40017a6e-0a4b-4b55-bc0b-0e5f2b0e5e01";

struct Number {
    id: String,
    phone_number: String,
    connection_id: Option<&'static str>,
    messaging_profile_id: Option<&'static str>,
    /// The number's index in the seed (its [`crate::telnyx_readiness::case`]).
    seeded: usize,
}

struct State {
    numbers: Vec<Number>,
    call_control: Value,
    texml: Value,
    profile: Value,
}

pub(crate) struct TelnyxFake {
    state: Mutex<State>,
    usage: Usage,
}

impl TelnyxFake {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let numbers: Vec<Number> = (0..config.telnyx_numbers)
            .map(|i| Number {
                id: format!("{}", 1_293_384_261_075_731_000u64 + 10_000 + i as u64),
                phone_number: format!("+1{}", us_number(i, 300).0),
                connection_id: Some([CALL_CONTROL, TEXML, SIP][i % 3]),
                messaging_profile_id: crate::telnyx_readiness::on_profile(i).then_some(PROFILE),
                seeded: i,
            })
            .collect();
        let usage = Usage::new(
            numbers.iter().map(|n| n.phone_number.clone()).collect(),
            config.seed,
            &config.usage,
        );
        TelnyxFake {
            usage,
            state: Mutex::new(State {
                numbers,
                call_control: json!({
                    "record_type": "call_control_application", "id": CALL_CONTROL,
                    "application_name": "call-router", "active": true,
                    "webhook_event_url": "https://cc.example.com/telnyx", "webhook_event_failover_url": "",
                    "webhook_api_version": "2", "webhook_timeout_secs": 25,
                }),
                texml: json!({
                    "record_type": "texml_application", "id": TEXML,
                    "friendly_name": "texml-ivr", "active": true,
                    "voice_url": "https://texml.example.com/voice", "voice_fallback_url": "", "voice_method": "post",
                }),
                profile: json!({
                    "record_type": "messaging_profile", "id": PROFILE, "name": "default-sms",
                    "enabled": true, "webhook_url": "https://sms.example.com/telnyx",
                    "webhook_failover_url": "", "webhook_api_version": "2",
                }),
            }),
        }
    }
}

fn error(status: StatusCode, code: &str, title: &str, detail: &str) -> Response {
    json(
        status,
        &json!({"errors": [{
            "code": code, "title": title, "detail": detail,
            "meta": {"url": format!("https://developers.telnyx.com/docs/overview/errors/{code}")},
        }]}),
    )
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "10005",
        "Resource not found",
        "The requested resource or URL could not be found.",
    )
}

fn number_json(n: &Number) -> Value {
    let mut v = json!({
        "record_type": "phone_number",
        "id": n.id,
        "phone_number": n.phone_number,
        "tags": [],
        "connection_id": n.connection_id,
        "connection_name": n.connection_id.map(|c| format!("connection {c}")),
        "messaging_profile_id": n.messaging_profile_id,
        "messaging_profile_name": n.messaging_profile_id.map(|_| "default-sms"),
        "billing_group_id": null,
        "call_forwarding_enabled": true,
        "caller_id_name_enabled": false,
        "call_recording_enabled": false,
        "t38_fax_gateway_enabled": false,
        "phone_number_type": "local",
        "purchased_at": "2019-10-23T18:10:00.000Z",
        "created_at": "2019-10-23T18:10:00.000Z",
        "updated_at": "2019-10-24T18:10:00.000Z",
    });
    if let (Value::Object(v), Value::Object(fields)) =
        (&mut v, crate::telnyx_readiness::number_fields(n.seeded))
    {
        v.extend(fields);
    }
    v
}

/// A page of a `page[number]`-paged list: `items`, page `number` of `total` at `size` a page.
pub(crate) fn page(items: Vec<Value>, total: usize, number: usize, size: usize) -> Response {
    json(
        StatusCode::OK,
        &json!({
            "data": items,
            "meta": {
                "total_pages": total.div_ceil(size.max(1)),
                "total_results": total,
                "page_number": number,
                "page_size": size,
            }
        }),
    )
}

fn patch(target: &mut Value, body: &Value, keys: &[&str]) {
    for k in keys {
        if let Some(v) = body.get(*k) {
            target[*k] = v.clone();
        }
    }
}

impl crate::Fake for TelnyxFake {
    fn error(&self, status: StatusCode, retry_after: Option<u64>) -> Response {
        let mut r = if status == StatusCode::TOO_MANY_REQUESTS {
            error(status, "10011", "Too many requests", "Rate limit exceeded.")
        } else {
            error(
                status,
                "10007",
                "Unexpected error",
                "An unexpected error occured.",
            )
        };
        if let Some(s) = retry_after {
            let h = r.headers_mut();
            h.insert(
                "x-ratelimit-limit",
                axum::http::HeaderValue::from_static("100"),
            );
            h.insert(
                "x-ratelimit-remaining",
                axum::http::HeaderValue::from_static("0"),
            );
            if let Ok(v) = s.to_string().parse() {
                h.insert("x-ratelimit-reset", v);
            }
        }
        r
    }

    fn handle(&self, req: &FakeRequest, _base: &str) -> Response {
        if bearer(&req.headers).as_deref() != Some(creds::TELNYX_API_KEY) {
            return error(
                StatusCode::UNAUTHORIZED,
                "10009",
                "Authentication failed",
                "Could not understand the provided credentials.",
            );
        }
        let seg = req.segments();
        if req.method == Method::GET && seg == ["v2", "detail_records"] {
            return self
                .usage
                .detail_records(req)
                .unwrap_or_else(|(status, detail)| {
                    let (status, code, title) = match status {
                        422 => (
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "10015",
                            "Invalid parameter",
                        ),
                        _ => (StatusCode::BAD_REQUEST, "10015", "Bad Request"),
                    };
                    error(status, code, title, &detail)
                });
        }
        let mut st = lock(&self.state);
        if let Some(r) = crate::telnyx_readiness::handle(req, st.numbers.len()) {
            return r;
        }
        match (&req.method, seg.as_slice()) {
            (&Method::GET, ["v2", "balance"]) => json(
                StatusCode::OK,
                &json!({"data": {"record_type": "balance", "balance": "300.00", "credit_limit": "100.00",
                        "available_credit": "400.00", "currency": "USD"}}),
            ),
            (&Method::GET, ["v2", "phone_numbers"]) => {
                let size: usize = req
                    .q("page[size]")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(20);
                if !(1..=250).contains(&size) {
                    return error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "10015",
                        "Invalid page size",
                        "page[size] must be between 1 and 250",
                    );
                }
                let number: usize = req
                    .q("page[number]")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1)
                    .max(1);
                let pn = req.q("filter[phone_number]");
                let conn = req.q("filter[connection_id]");
                let matching: Vec<&Number> = st
                    .numbers
                    .iter()
                    .filter(|n| pn.is_none_or(|p| n.phone_number == p))
                    .filter(|n| conn.is_none_or(|c| n.connection_id == Some(c)))
                    .collect();
                let items = matching
                    .iter()
                    .skip((number - 1) * size)
                    .take(size)
                    .map(|n| number_json(n))
                    .collect();
                page(items, matching.len(), number, size)
            }
            (_, ["v2", "call_control_applications", id]) if *id == CALL_CONTROL => {
                if req.method == Method::PATCH {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                    patch(
                        &mut st.call_control,
                        &body,
                        &[
                            "webhook_event_url",
                            "webhook_event_failover_url",
                            "application_name",
                        ],
                    );
                }
                json(StatusCode::OK, &json!({"data": st.call_control}))
            }
            (_, ["v2", "texml_applications", id]) if *id == TEXML => {
                if req.method == Method::PATCH {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                    if body["friendly_name"].is_null() {
                        return error(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "10002",
                            "Invalid parameter",
                            "friendly_name is required",
                        );
                    }
                    patch(
                        &mut st.texml,
                        &body,
                        &["voice_url", "voice_fallback_url", "friendly_name"],
                    );
                }
                json(StatusCode::OK, &json!({"data": st.texml}))
            }
            (&Method::GET, ["v2", "messaging_profiles", id, "phone_numbers"]) if *id == PROFILE => {
                let size: usize = req
                    .q("page[size]")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(20)
                    .clamp(1, 250);
                let on: Vec<Value> = st
                    .numbers
                    .iter()
                    .filter(|n| n.messaging_profile_id == Some(PROFILE))
                    .map(|n| json!({"record_type": "messaging_phone_number", "id": n.id, "phone_number": n.phone_number}))
                    .collect();
                let total = on.len();
                page(on.into_iter().take(size).collect(), total, 1, size)
            }
            (_, ["v2", "messaging_profiles", id]) if *id == PROFILE => {
                if req.method == Method::PATCH {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                    patch(
                        &mut st.profile,
                        &body,
                        &["webhook_url", "webhook_failover_url", "name"],
                    );
                }
                json(StatusCode::OK, &json!({"data": st.profile}))
            }
            _ => not_found(),
        }
    }
}
