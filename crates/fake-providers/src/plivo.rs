//! Plivo v1: `GET /v1/Account/{id}/`, `GET /v1/Account/{id}/Number/` (`limit` ≤ 20,
//! `offset`, `meta.next`), `GET /v1/Account/{id}/Number/{number}/`, and
//! `GET|POST /v1/Account/{id}/Application/{app_id}/` (the numbers carry their compliance:
//! [`crate::plivo_readiness`]), and the call and message records
//! (`GET /v1/Account/{id}/Call/` and `/Message/`, [`crate::plivo_usage`]). HTTP Basic. 300 requests per 5 s by
//! default (see `FakeConfig::plivo_rate_window`).

use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::common::{basic_auth, json, lock, us_number};
use crate::plivo_readiness;
use crate::plivo_usage::Usage;
use crate::{FakeConfig, FakeRequest, creds};

struct Number {
    number: String,
    app: Option<usize>,
    state: &'static str,
    city: &'static str,
    /// `Some(j)`: the account's toll-free number `j`; `None`: a local number.
    toll_free: Option<usize>,
    /// The number's place in the account's list.
    index: usize,
}

struct State {
    numbers: Vec<Number>,
    apps: Vec<Value>,
}

pub(crate) struct PlivoFake {
    state: Mutex<State>,
    usage: Usage,
}

fn app_id(i: usize) -> String {
    format!("2998631624430281{i}")
}

impl PlivoFake {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let apps = (0..2)
            .map(|i| {
                json!({
                    "answer_method": "POST",
                    "answer_url": format!("https://answer{i}.example.com/plivo"),
                    "app_id": app_id(i),
                    "app_name": format!("plivo-app-{i}"),
                    "default_app": false,
                    "enabled": true,
                    "fallback_answer_url": "",
                    "fallback_method": "POST",
                    "hangup_method": "POST",
                    "hangup_url": format!("https://answer{i}.example.com/hangup"),
                    "message_method": "POST",
                    "message_url": format!("https://sms{i}.example.com/plivo"),
                    "resource_uri": format!("/v1/Account/{}/Application/{}/", creds::PLIVO_AUTH_ID, app_id(i)),
                    "sip_uri": format!("sip:{}@app.plivo.com", app_id(i)),
                })
            })
            .collect();
        let mut numbers: Vec<Number> = (0..config.plivo_numbers)
            .map(|i| {
                let (n, state, city) = us_number(i, 400);
                Number {
                    number: format!("1{n}"),
                    app: plivo_readiness::on_application(i).then_some(i % 2),
                    state,
                    city,
                    toll_free: None,
                    index: i,
                }
            })
            .collect();
        numbers.extend((0..config.plivo_toll_free_numbers).map(|j| Number {
            number: plivo_readiness::toll_free_number(j),
            app: Some(j % 2),
            state: "UNITED STATES",
            city: "",
            toll_free: Some(j),
            index: config.plivo_numbers + j,
        }));
        let usage = Usage::new(
            numbers.iter().map(|n| format!("+{}", n.number)).collect(),
            config.seed,
            &config.usage,
        );
        PlivoFake {
            state: Mutex::new(State { numbers, apps }),
            usage,
        }
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &json!({"api_id": "c6c3b1f2-8f8e-11ee-a1a9-0242ac110002", "error": message}),
    )
}

fn number_json(n: &Number) -> Value {
    let mut v = json!({
        "added_on": "2023-06-01",
        "alias": null,
        "application": n.app.map(|a| format!("/v1/Account/{}/Application/{}/", creds::PLIVO_AUTH_ID, app_id(a))),
        "carrier": "Plivo",
        "city": n.city,
        "country": "United States",
        "monthly_rental_rate": "0.50000",
        "number": n.number,
        "number_type": if n.toll_free.is_some() { "tollfree" } else { "local" },
        "region": n.state,
        "resource_uri": format!("/v1/Account/{}/Number/{}/", creds::PLIVO_AUTH_ID, n.number),
        "sms_enabled": true,
        "sms_rate": "0.00000",
        "mms_enabled": false,
        "voice_enabled": true,
        "voice_rate": "0.00850",
    });
    let compliance = match n.toll_free {
        Some(j) => plivo_readiness::toll_free_fields(j),
        None => plivo_readiness::local_fields(n.index),
    };
    if let (Some(v), Value::Object(c)) = (v.as_object_mut(), compliance) {
        v.extend(c);
    }
    v
}

/// One page of a list of `total` items (`limit` 1–20, default 20; `offset`), item `i` being
/// `item(i)`, under `key`, with its `meta` (`limit`, `next`, `offset`, `previous`,
/// `total_count`).
fn list_page(
    req: &FakeRequest,
    list: &str,
    key: &str,
    total: usize,
    item: impl Fn(usize) -> Value,
) -> Response {
    let limit: usize = req.q("limit").and_then(|v| v.parse().ok()).unwrap_or(20);
    if !(1..=20).contains(&limit) {
        return error(StatusCode::BAD_REQUEST, "limit should be between 1 and 20");
    }
    let offset: usize = req.q("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let items: Vec<Value> = (offset..total.min(offset + limit)).map(item).collect();
    json(
        StatusCode::OK,
        &json!({
            "api_id": "3b4a5c3e-8f8e-11ee-a1a9-0242ac110002",
            "meta": list_meta(list, limit, offset, total),
            key: items,
        }),
    )
}

/// The `meta` of a page of `limit` items from `offset` of the `total` in `list`: `next` and
/// `previous` are links (`null` at either end).
pub(crate) fn list_meta(list: &str, limit: usize, offset: usize, total: usize) -> Value {
    let path = format!("/v1/Account/{}/{list}/", creds::PLIVO_AUTH_ID);
    let link = |offset: usize| format!("{path}?limit={limit}&offset={offset}");
    json!({
        "limit": limit,
        "next": (offset + limit < total).then(|| link(offset + limit)),
        "offset": offset,
        "previous": (offset > 0).then(|| link(offset.saturating_sub(limit))),
        "total_count": total,
    })
}

impl crate::Fake for PlivoFake {
    fn error(&self, status: StatusCode, retry_after: Option<u64>) -> Response {
        let mut r = if status == StatusCode::TOO_MANY_REQUESTS {
            error(status, "too many requests")
        } else {
            error(status, "internal server error")
        };
        if let Some(s) = retry_after.and_then(|s| s.to_string().parse().ok()) {
            r.headers_mut().insert("retry-after", s);
        }
        r
    }

    fn handle(&self, req: &FakeRequest, _base: &str) -> Response {
        match basic_auth(&req.headers) {
            Some((u, p)) if u == creds::PLIVO_AUTH_ID && p == creds::PLIVO_AUTH_TOKEN => {}
            _ => {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "Authentication credentials invalid",
                );
            }
        }
        let seg = req.segments();
        if seg.len() < 3 || seg[0] != "v1" || seg[1] != "Account" || seg[2] != creds::PLIVO_AUTH_ID
        {
            return error(StatusCode::NOT_FOUND, "not found");
        }
        if req.method == Method::GET && matches!(seg[3..], ["Call"] | ["Message"]) {
            return self
                .usage
                .list(req, seg[3] == "Call")
                .unwrap_or_else(|e| error(StatusCode::BAD_REQUEST, &e));
        }
        let mut st = lock(&self.state);
        match (&req.method, &seg[3..]) {
            (&Method::GET, []) => json(
                StatusCode::OK,
                &json!({"account_type": "standard", "auth_id": creds::PLIVO_AUTH_ID,
                        "name": "Switchboard test", "cash_credits": "25.00000", "city": "",
                        "resource_uri": format!("/v1/Account/{}/", creds::PLIVO_AUTH_ID)}),
            ),
            (&Method::GET, ["Number"]) => {
                let numbers = &st.numbers;
                list_page(req, "Number", "objects", numbers.len(), |i| {
                    number_json(&numbers[i])
                })
            }
            (&Method::GET, ["10dlc", "Campaign"]) => {
                let total = plivo_readiness::CAMPAIGNS.len();
                list_page(req, "10dlc/Campaign", "campaigns", total, |k| {
                    plivo_readiness::campaign_json(k)
                })
            }
            (&Method::GET, ["Number", number]) => {
                match st.numbers.iter().find(|n| n.number == *number) {
                    Some(n) => {
                        let mut v = number_json(n);
                        v["api_id"] = json!("5d4e3c2b-8f8e-11ee-a1a9-0242ac110002");
                        json(StatusCode::OK, &v)
                    }
                    None => error(StatusCode::NOT_FOUND, "not found"),
                }
            }
            (m, ["Application", id]) => {
                let Some(app) = st.apps.iter_mut().find(|a| a["app_id"] == *id) else {
                    return error(StatusCode::NOT_FOUND, "not found");
                };
                match *m {
                    Method::GET => json(StatusCode::OK, app),
                    Method::POST => {
                        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                        for k in [
                            "answer_url",
                            "message_url",
                            "fallback_answer_url",
                            "hangup_url",
                        ] {
                            if let Some(v) = body.get(k) {
                                app[k] = v.clone();
                            }
                        }
                        json(
                            StatusCode::ACCEPTED,
                            &json!({"message": "changed", "api_id": "7e6f5a4b-8f8e-11ee-a1a9-0242ac110002"}),
                        )
                    }
                    _ => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
                }
            }
            _ => error(StatusCode::NOT_FOUND, "not found"),
        }
    }
}
