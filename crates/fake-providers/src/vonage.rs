//! Vonage: `GET /account/get-balance`, `GET /account/numbers` (size ≤ 100, 1-based index,
//! filters `pattern`, `application_id`), `POST /number/update`, and Applications v2
//! `GET|PUT /v2/applications/{id}` (the second application with the Messages capability), and
//! the Reports API's records (`GET /v2/reports/records`, [`crate::vonage_usage`]), and the
//! 10DLC API's lists ([`crate::vonage_readiness`]). Numbers API auth by `api_key`/`api_secret`
//! parameters, Applications, Reports and 10DLC by HTTP Basic.

use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::common::{basic_auth, get, json, lock};
use crate::vonage_readiness;
use crate::vonage_usage::Usage;
use crate::{FakeConfig, FakeRequest, creds};

struct Number {
    msisdn: String,
    country: &'static str,
    kind: &'static str,
    mo_http_url: String,
    app_id: Option<String>,
}

struct State {
    numbers: Vec<Number>,
    apps: Vec<Value>,
    /// The US numbers (the last ones of `numbers`), which the 10DLC lists link.
    us: usize,
}

pub(crate) struct VonageFake {
    state: Mutex<State>,
    usage: Usage,
}

/// The Messages `inbound_url` of the fake's second application.
pub const MESSAGES_INBOUND_URL: &str = "https://messages.example.com/webhooks/inbound";

/// Whether the `i`th number (of the GB numbers, or of the US ones) is linked to the
/// application with the Messages capability: its SMS URL is [`MESSAGES_INBOUND_URL`].
pub fn messages_application(i: usize) -> bool {
    app_of(i) == Some(1)
}

/// Application ids of the fake: numbers alternate between them; every fifth has none.
fn app_id(i: usize) -> String {
    format!("aaaaaaaa-bbbb-cccc-dddd-00000000000{i}")
}

/// The application (0 or 1) the `i`th number (of the GB numbers, or of the US ones) is
/// linked to: they alternate, and every fifth has none.
fn app_of(i: usize) -> Option<usize> {
    (i % 5 != 4).then_some(i % 2)
}

impl VonageFake {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let apps = (0..2)
            .map(|i| {
                let mut app = json!({
                    "id": app_id(i),
                    "name": format!("Voice app {i}"),
                    "capabilities": {"voice": {"webhooks": {
                        "answer_url": {"address": format!("https://voice{i}.example.com/answer"), "http_method": "GET"},
                        "event_url": {"address": format!("https://voice{i}.example.com/event"), "http_method": "POST"},
                    }}},
                    "keys": {"public_key": "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n"},
                    "_links": {"self": {"href": format!("/v2/applications/{}", app_id(i))}},
                });
                // The second application also has the Messages capability: the messages of
                // its numbers go to its `inbound_url`, not to their `moHttpUrl`.
                if i == 1 {
                    app["name"] = json!("Voice and messages app");
                    app["capabilities"]["messages"] = json!({"webhooks": {
                        "inbound_url": {"address": MESSAGES_INBOUND_URL, "http_method": "POST"},
                        "status_url": {"address": "https://messages.example.com/webhooks/status", "http_method": "POST"},
                    }});
                }
                app
            })
            .collect();
        let mut numbers: Vec<Number> = (0..config.vonage_numbers)
            .map(|i| Number {
                msisdn: format!("4474001{:05}", i % 100_000),
                country: "GB",
                kind: "mobile-lvn",
                mo_http_url: "https://sms.example.com/inbound".into(),
                app_id: app_of(i).map(app_id),
            })
            .collect();
        numbers.extend((0..config.vonage_us_numbers).map(|j| Number {
            msisdn: vonage_readiness::us_msisdn(j),
            country: "US",
            kind: "landline",
            mo_http_url: if vonage_readiness::sms_webhook(j) {
                "https://sms.example.com/inbound".into()
            } else {
                String::new()
            },
            app_id: app_of(j).map(app_id),
        }));
        let usage = Usage::new(
            numbers.iter().map(|n| format!("+{}", n.msisdn)).collect(),
            config.seed,
            &config.usage,
        );
        VonageFake {
            state: Mutex::new(State {
                numbers,
                apps,
                us: config.vonage_us_numbers,
            }),
            usage,
        }
    }
}

fn number_json(n: &Number) -> Value {
    let mut v = json!({
        "country": n.country,
        "msisdn": n.msisdn,
        "type": n.kind,
        "features": ["VOICE", "SMS"],
    });
    if !n.mo_http_url.is_empty() {
        v["moHttpUrl"] = json!(n.mo_http_url);
    }
    match &n.app_id {
        Some(app) => {
            v["app_id"] = json!(app);
            v["voiceCallbackType"] = json!("app");
            v["voiceCallbackValue"] = json!(app);
            v["messagesCallbackType"] = json!("app");
            v["messagesCallbackValue"] = json!(app);
        }
        None => {
            v["voiceCallbackType"] = json!("tel");
            v["voiceCallbackValue"] = json!("447700900001");
        }
    }
    v
}

fn numbers_error(status: StatusCode, code: &str, label: &str) -> Response {
    json(
        status,
        &json!({"error-code": code, "error-code-label": label}),
    )
}

/// A Vonage API error body (RFC 7807: `type`, `title`, `detail`, `instance`).
pub(crate) fn problem(status: StatusCode, kind: &str, title: &str, detail: &str) -> Response {
    json(
        status,
        &json!({
            "type": format!("https://developer.nexmo.com/api-errors#{kind}"),
            "title": title,
            "detail": detail,
            "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
        }),
    )
}

/// The 401 of the APIs that take the key and secret by HTTP Basic (Applications, Reports,
/// 10DLC), unless the request carries them.
fn basic_refused(req: &FakeRequest) -> Option<Response> {
    match basic_auth(&req.headers) {
        Some((u, p)) if u == creds::VONAGE_API_KEY && p == creds::VONAGE_API_SECRET => None,
        _ => Some(problem(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Invalid credentials supplied",
            "You did not provide correct credentials.",
        )),
    }
}

impl crate::Fake for VonageFake {
    fn error(&self, status: StatusCode, retry_after: Option<u64>) -> Response {
        let mut r = if status == StatusCode::TOO_MANY_REQUESTS {
            problem(
                status,
                "throttled",
                "Throttled",
                "Rate limit hit. Please wait and try again.",
            )
        } else {
            problem(
                status,
                "internal-error",
                "Internal Error",
                "Something went wrong.",
            )
        };
        if let Some(s) = retry_after.and_then(|s| s.to_string().parse().ok()) {
            r.headers_mut().insert("retry-after", s);
        }
        r
    }

    fn handle(&self, req: &FakeRequest, base: &str) -> Response {
        if req.path.starts_with("/v2/applications/") {
            return self.applications(req);
        }
        if req.method == Method::GET && req.path.starts_with("/v1/10dlc/") {
            return basic_refused(req).unwrap_or_else(|| {
                let us = lock(&self.state).us;
                vonage_readiness::handle(req, base, us)
                    .unwrap_or_else(|| problem(StatusCode::NOT_FOUND, "not-found", "Not found", ""))
            });
        }
        if req.method == Method::GET && req.path == "/v2/reports/records" {
            return basic_refused(req).unwrap_or_else(|| self.usage.records(req, base));
        }
        let form = req.form();
        let param = |k: &str| req.q(k).or_else(|| get(&form, k));
        if param("api_key") != Some(creds::VONAGE_API_KEY)
            || param("api_secret") != Some(creds::VONAGE_API_SECRET)
        {
            return numbers_error(StatusCode::UNAUTHORIZED, "401", "authentication failed");
        }
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/account/get-balance") => json(
                StatusCode::OK,
                &json!({"value": 10.28, "autoReload": false}),
            ),
            (&Method::GET, "/account/numbers") => {
                let size: usize = req.q("size").and_then(|v| v.parse().ok()).unwrap_or(10);
                if size > 100 {
                    return numbers_error(
                        StatusCode::BAD_REQUEST,
                        "420",
                        "size must be at most 100",
                    );
                }
                let index: usize = req
                    .q("index")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1)
                    .max(1);
                let st = lock(&self.state);
                let app = req.q("application_id");
                let pattern = req.q("pattern");
                let matching: Vec<&Number> = st
                    .numbers
                    .iter()
                    .filter(|n| app.is_none_or(|a| n.app_id.as_deref() == Some(a)))
                    .filter(|n| pattern.is_none_or(|p| n.msisdn.starts_with(p)))
                    .collect();
                let page: Vec<Value> = matching
                    .iter()
                    .skip((index - 1) * size)
                    .take(size)
                    .map(|n| number_json(n))
                    .collect();
                let mut body = json!({"count": matching.len()});
                if !page.is_empty() {
                    body["numbers"] = Value::from(page);
                }
                json(StatusCode::OK, &body)
            }
            (&Method::POST, "/number/update") => {
                let mut st = lock(&self.state);
                let msisdn = get(&form, "msisdn").unwrap_or_default();
                let Some(n) = st.numbers.iter_mut().find(|n| n.msisdn == msisdn) else {
                    return numbers_error(StatusCode::OK, "420", "Invalid Parameters");
                };
                if let Some(u) = get(&form, "moHttpUrl") {
                    n.mo_http_url = u.to_owned();
                }
                if let Some(a) = get(&form, "app_id") {
                    n.app_id = (!a.is_empty()).then(|| a.to_owned());
                }
                json(
                    StatusCode::OK,
                    &json!({"error-code": "200", "error-code-label": "success"}),
                )
            }
            _ => numbers_error(StatusCode::NOT_FOUND, "404", "not found"),
        }
    }
}

impl VonageFake {
    fn applications(&self, req: &FakeRequest) -> Response {
        if let Some(refused) = basic_refused(req) {
            return refused;
        }
        let id = req.path.trim_start_matches("/v2/applications/");
        let mut st = lock(&self.state);
        let Some(app) = st.apps.iter_mut().find(|a| a["id"] == id) else {
            return problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                &format!("The application {id} was not found"),
            );
        };
        match req.method {
            Method::GET => json(StatusCode::OK, app),
            Method::PUT => {
                let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                    return problem(
                        StatusCode::BAD_REQUEST,
                        "validation",
                        "Bad Request",
                        "invalid JSON",
                    );
                };
                if body["name"].is_null() {
                    return problem(
                        StatusCode::BAD_REQUEST,
                        "validation",
                        "Bad Request",
                        "name is required",
                    );
                }
                app["name"] = body["name"].clone();
                if !body["capabilities"].is_null() {
                    app["capabilities"] = body["capabilities"].clone();
                }
                json(StatusCode::OK, app)
            }
            _ => problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "Method not allowed",
                "",
            ),
        }
    }
}
