//! Twilio's 2010-04-01 API: accounts, incoming phone numbers (paged), applications,
//! available numbers, buy and release, and the account's call and message records
//! ([`crate::twilio_usage`]). Served under `/2010-04-01` and, for SignalWire, under
//! `/api/laml/2010-04-01`. Objects carry the OpenAPI schema's property names.

use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::common::{basic_auth, empty, encode, hex32, json, lock, us_number};
use crate::twilio_usage::Usage;
use crate::{FakeConfig, FakeRequest, creds};

const DATE: &str = "Thu, 30 Jul 2015 20:12:31 +0000";
const DEFAULT_VOICE: &str = "https://demo.twilio.com/welcome/voice/";
const DEFAULT_SMS: &str = "https://demo.twilio.com/welcome/sms/reply";

/// The `sms_url` of the fake's messaging application.
pub const SMS_APPLICATION_URL: &str = "https://bot.example.com/twilio/sms/inbound";

/// Whether seeded number `i` routes its SMS to the messaging application (its own `sms_url`
/// stays set, and Twilio ignores it): every tenth number from the fifth.
pub fn sms_application(i: usize) -> bool {
    i % 10 == 4
}

#[derive(Clone)]
struct Number {
    sid: String,
    phone_number: String,
    friendly_name: String,
    voice_url: String,
    voice_fallback_url: String,
    voice_application_sid: String,
    sms_url: String,
    sms_fallback_url: String,
    sms_application_sid: String,
    voice: bool,
    sms: bool,
    mms: bool,
    /// The number's index in the seed (its [`crate::twilio_readiness::case`]); `None` for a
    /// number bought later.
    seeded: Option<usize>,
    /// The number's index among the seeded toll-free numbers
    /// ([`crate::twilio_readiness::toll_free_case`]).
    toll_free: Option<usize>,
}

struct App {
    sid: String,
    friendly_name: String,
    voice_url: String,
    sms_url: String,
}

struct State {
    numbers: Vec<Number>,
    apps: Vec<App>,
    created: u64,
}

pub(crate) struct TwilioFake {
    seed: u64,
    state: Mutex<State>,
    usage: Usage,
}

fn friendly(national: &str) -> String {
    format!(
        "({}) {}-{}",
        &national[..3],
        &national[3..6],
        &national[6..]
    )
}

impl TwilioFake {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let seed = config.seed;
        let apps = vec![
            App {
                sid: format!("AP{}", hex32(seed, 1)),
                friendly_name: "Main IVR".into(),
                voice_url: "https://ivr.example.com/voice".into(),
                sms_url: "https://ivr.example.com/sms".into(),
            },
            // The messaging application of every tenth number from the fifth
            // ([`sms_application`]): its SMS goes to the application's `sms_url`.
            App {
                sid: format!("AP{}", hex32(seed, 2)),
                friendly_name: "SMS bot".into(),
                voice_url: String::new(),
                sms_url: SMS_APPLICATION_URL.into(),
            },
        ];
        let numbers = (0..config.twilio_numbers)
            .map(|i| {
                let (national, _, _) = us_number(i, 234);
                Number {
                    sid: format!("PN{}", hex32(seed, i as u64 + 100)),
                    phone_number: format!("+1{national}"),
                    friendly_name: friendly(&national),
                    voice_url: DEFAULT_VOICE.into(),
                    voice_fallback_url: String::new(),
                    voice_application_sid: if i % 10 == 9 {
                        apps[0].sid.clone()
                    } else {
                        String::new()
                    },
                    sms_url: DEFAULT_SMS.into(),
                    sms_fallback_url: String::new(),
                    sms_application_sid: if sms_application(i) {
                        apps[1].sid.clone()
                    } else {
                        String::new()
                    },
                    voice: true,
                    sms: i % 7 != 3,
                    mms: i % 3 == 0,
                    seeded: Some(i),
                    toll_free: None,
                }
            })
            .chain((0..config.twilio_toll_free_numbers).map(|j| {
                let phone_number = crate::twilio_readiness::toll_free_number(j);
                Number {
                    sid: crate::twilio_readiness::toll_free_sid(seed, j),
                    friendly_name: friendly(&phone_number[2..]),
                    phone_number,
                    voice_url: DEFAULT_VOICE.into(),
                    voice_fallback_url: String::new(),
                    voice_application_sid: String::new(),
                    sms_url: match crate::twilio_readiness::toll_free_routes_sms(j) {
                        true => DEFAULT_SMS.into(),
                        false => String::new(),
                    },
                    sms_fallback_url: String::new(),
                    sms_application_sid: String::new(),
                    voice: true,
                    sms: true,
                    mms: false,
                    seeded: None,
                    toll_free: Some(j),
                }
            }))
            .collect();
        TwilioFake {
            seed,
            usage: Usage::new(config.twilio_numbers, seed, &config.usage),
            state: Mutex::new(State {
                numbers,
                apps,
                created: 0,
            }),
        }
    }
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    json(
        status,
        &json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status.as_u16(),
        }),
    )
}

fn not_found(path: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        20404,
        &format!("The requested resource {path} was not found"),
    )
}

fn number_json(seed: u64, prefix: &str, n: &Number) -> Value {
    let mut v = json!({
        "account_sid": creds::TWILIO_ACCOUNT_SID,
                "api_version": "2010-04-01",
        "beta": false,
        "capabilities": {"fax": false, "mms": n.mms, "sms": n.sms, "voice": n.voice},
        "date_created": DATE,
        "date_updated": DATE,
        "friendly_name": n.friendly_name,
        "identity_sid": null,
        "phone_number": n.phone_number,
        "origin": "twilio",
        "sid": n.sid,
        "sms_application_sid": n.sms_application_sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": n.sms_fallback_url,
        "sms_method": "POST",
        "sms_url": n.sms_url,
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": null,
        "uri": format!("{prefix}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{}.json",
            creds::TWILIO_ACCOUNT_SID, n.sid),
        "voice_receive_mode": "voice",
        "voice_application_sid": n.voice_application_sid,
        "voice_caller_id_lookup": false,
        "voice_fallback_method": "POST",
        "voice_fallback_url": n.voice_fallback_url,
        "voice_method": "POST",
        "voice_url": n.voice_url,
        "status": "in-use",
        "type": if n.toll_free.is_some() { "tollfree" } else { "local" },
    });
    if let (Value::Object(v), Value::Object(fields)) = (
        &mut v,
        crate::twilio_readiness::number_fields(seed, n.seeded),
    ) {
        v.extend(fields);
    }
    v
}

fn app_json(prefix: &str, a: &App) -> Value {
    json!({
        "account_sid": creds::TWILIO_ACCOUNT_SID,
        "api_version": "2010-04-01",
        "date_created": DATE,
        "date_updated": DATE,
        "friendly_name": a.friendly_name,
        "message_status_callback": null,
        "sid": a.sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_status_callback": null,
        "sms_url": a.sms_url,
        "status_callback": null,
        "status_callback_method": "POST",
        "uri": format!("{prefix}/2010-04-01/Accounts/{}/Applications/{}.json",
            creds::TWILIO_ACCOUNT_SID, a.sid),
        "voice_caller_id_lookup": false,
        "voice_fallback_method": "POST",
        "voice_fallback_url": "",
        "voice_method": "POST",
        "voice_url": a.voice_url,
        "public_application_connect_enabled": true,
    })
}

enum Who {
    AuthToken,
    ApiKey,
}

impl crate::Fake for TwilioFake {
    fn error(&self, status: StatusCode, retry_after: Option<u64>) -> Response {
        let mut r = match status {
            StatusCode::TOO_MANY_REQUESTS => error(status, 20429, "Too Many Requests"),
            _ => error(status, 20500, "Internal Server Error"),
        };
        if let Some(v) = retry_after.and_then(|s| s.to_string().parse().ok()) {
            r.headers_mut().insert("retry-after", v);
        }
        r
    }

    fn handle(&self, req: &FakeRequest, base: &str) -> Response {
        if req.path.starts_with("/v1/") || req.path.starts_with("/v2/") {
            if basic_auth(&req.headers).is_none_or(|(u, p)| {
                !(u == creds::TWILIO_ACCOUNT_SID && p == creds::TWILIO_AUTH_TOKEN
                    || u == creds::TWILIO_API_KEY_SID && p == creds::TWILIO_API_KEY_SECRET)
            }) {
                return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
            }
            let numbers: Vec<crate::twilio_readiness::Held> = lock(&self.state)
                .numbers
                .iter()
                .map(|n| crate::twilio_readiness::Held {
                    seeded: n.seeded,
                    toll_free: n.toll_free,
                    sid: n.sid.clone(),
                    phone_number: n.phone_number.clone(),
                })
                .collect();
            return crate::twilio_readiness::handle(req, base, self.seed, &numbers)
                .unwrap_or_else(|| not_found(&req.path));
        }
        let (prefix, path) = match req.path.strip_prefix("/api/laml") {
            Some(rest) => ("/api/laml", rest),
            None => ("", req.path.as_str()),
        };
        let who = match basic_auth(&req.headers) {
            Some((u, p)) if u == creds::TWILIO_ACCOUNT_SID && p == creds::TWILIO_AUTH_TOKEN => {
                Who::AuthToken
            }
            Some((u, p)) if u == creds::TWILIO_API_KEY_SID && p == creds::TWILIO_API_KEY_SECRET => {
                Who::ApiKey
            }
            _ => return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate"),
        };
        let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if seg.len() < 3 || seg[0] != "2010-04-01" || seg[1] != "Accounts" {
            return not_found(&req.path);
        }
        let account = seg[2].trim_end_matches(".json");
        if account != creds::TWILIO_ACCOUNT_SID {
            return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
        }
        let m = &req.method;
        match (m, &seg[3..]) {
            (&Method::GET, []) => {
                if matches!(who, Who::ApiKey) {
                    // API keys may not read the account resource.
                    return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
                }
                json(
                    StatusCode::OK,
                    &json!({
                        "auth_token": creds::TWILIO_AUTH_TOKEN,
                        "date_created": DATE,
                        "date_updated": DATE,
                        "friendly_name": "Switchboard test account",
                        "owner_account_sid": creds::TWILIO_ACCOUNT_SID,
                        "sid": creds::TWILIO_ACCOUNT_SID,
                        "status": "active",
                        "subresource_uris": {},
                        "type": "Full",
                        "uri": format!("{prefix}/2010-04-01/Accounts/{}.json", creds::TWILIO_ACCOUNT_SID),
                    }),
                )
            }
            (&Method::GET, ["IncomingPhoneNumbers.json"]) => self.list(req, prefix, None),
            // The documented lists by type: toll-free numbers, and the others (local).
            (&Method::GET, ["IncomingPhoneNumbers", "TollFree.json"]) => {
                self.list(req, prefix, Some(true))
            }
            (&Method::GET, ["IncomingPhoneNumbers", "Local.json"]) => {
                self.list(req, prefix, Some(false))
            }
            (&Method::GET, ["Calls.json"]) => self.usage.calls(req, prefix),
            (&Method::GET, ["Messages.json"]) => self.usage.messages(req, prefix),
            (&Method::POST, ["IncomingPhoneNumbers.json"]) => self.buy(req, prefix),
            (_, ["IncomingPhoneNumbers", file]) => {
                let sid = file.trim_end_matches(".json");
                let mut st = lock(&self.state);
                let Some(pos) = st.numbers.iter().position(|n| n.sid == sid) else {
                    return not_found(&req.path);
                };
                match *m {
                    Method::GET => json(
                        StatusCode::OK,
                        &number_json(self.seed, prefix, &st.numbers[pos]),
                    ),
                    Method::POST => {
                        let n = &mut st.numbers[pos];
                        for (k, v) in req.form() {
                            match k.as_str() {
                                "VoiceUrl" => n.voice_url = v,
                                "VoiceFallbackUrl" => n.voice_fallback_url = v,
                                "VoiceApplicationSid" => n.voice_application_sid = v,
                                "SmsUrl" => n.sms_url = v,
                                "SmsFallbackUrl" => n.sms_fallback_url = v,
                                "SmsApplicationSid" => n.sms_application_sid = v,
                                "FriendlyName" => n.friendly_name = v,
                                _ => {}
                            }
                        }
                        json(StatusCode::OK, &number_json(self.seed, prefix, n))
                    }
                    Method::DELETE => {
                        st.numbers.remove(pos);
                        empty(StatusCode::NO_CONTENT)
                    }
                    _ => error(StatusCode::METHOD_NOT_ALLOWED, 20004, "Method not allowed"),
                }
            }
            (&Method::GET, ["Applications", file]) => {
                let sid = file.trim_end_matches(".json");
                let st = lock(&self.state);
                match st.apps.iter().find(|a| a.sid == sid) {
                    Some(a) => json(StatusCode::OK, &app_json(prefix, a)),
                    None => not_found(&req.path),
                }
            }
            (&Method::GET, ["AvailablePhoneNumbers", _country, _kind]) => {
                self.available(req, prefix)
            }
            _ => not_found(&req.path),
        }
    }
}

impl TwilioFake {
    /// A page of `IncomingPhoneNumbers`: all of them, or (`toll_free`) the `TollFree` or
    /// `Local` list.
    fn list(&self, req: &FakeRequest, prefix: &str, toll_free: Option<bool>) -> Response {
        let page_size: usize = req
            .q("PageSize")
            .and_then(|v| v.parse().ok())
            .unwrap_or(50)
            .clamp(1, 1000);
        let page: usize = req.q("Page").and_then(|v| v.parse().ok()).unwrap_or(0);
        let st = lock(&self.state);
        let filter = req.q("PhoneNumber");
        let matching: Vec<&Number> = st
            .numbers
            .iter()
            .filter(|n| filter.is_none_or(|f| n.phone_number.contains(f)))
            .filter(|n| toll_free.is_none_or(|t| n.toll_free.is_some() == t))
            .collect();
        let start = page * page_size;
        let items: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(page_size)
            .map(|n| number_json(self.seed, prefix, n))
            .collect();
        let list = match toll_free {
            None => "IncomingPhoneNumbers.json",
            Some(true) => "IncomingPhoneNumbers/TollFree.json",
            Some(false) => "IncomingPhoneNumbers/Local.json",
        };
        let base = format!(
            "{prefix}/2010-04-01/Accounts/{}/{list}",
            creds::TWILIO_ACCOUNT_SID
        );
        let filter_q = filter
            .map(|f| format!("&PhoneNumber={}", encode(f)))
            .unwrap_or_default();
        let page_uri = |p: usize, token: Option<&str>| {
            let token = token
                .map(|t| format!("&PageToken=PA{t}"))
                .unwrap_or_default();
            format!("{base}?PageSize={page_size}{filter_q}&Page={p}{token}")
        };
        let has_next = start + items.len() < matching.len();
        let last_sid = matching
            .get((start + items.len()).saturating_sub(1))
            .map(|n| n.sid.clone());
        let end = if items.is_empty() {
            start
        } else {
            start + items.len() - 1
        };
        json(
            StatusCode::OK,
            &json!({
                "end": end,
                "first_page_uri": page_uri(0, None),
                "next_page_uri": match (has_next, &req.next_link) {
                    (false, _) => Value::Null,
                    (true, Some(link)) => Value::from(link.clone()),
                    (true, None) => Value::from(page_uri(page + 1, last_sid.as_deref())),
                },
                "page": page,
                "page_size": page_size,
                "previous_page_uri": if page > 0 { Value::from(page_uri(page - 1, None)) } else { Value::Null },
                "start": start,
                "uri": page_uri(page, None),
                "incoming_phone_numbers": items,
            }),
        )
    }

    fn buy(&self, req: &FakeRequest, prefix: &str) -> Response {
        let form = req.form();
        let get = |k: &str| crate::common::get(&form, k).map(str::to_owned);
        let Some(number) = get("PhoneNumber") else {
            return error(
                StatusCode::BAD_REQUEST,
                21452,
                "A 'PhoneNumber' or 'AreaCode' is required",
            );
        };
        let mut st = lock(&self.state);
        if st.numbers.iter().any(|n| n.phone_number == number) || !number.starts_with("+1") {
            return error(
                StatusCode::BAD_REQUEST,
                21422,
                &format!("Phone number {number} is not available"),
            );
        }
        st.created += 1;
        let n = Number {
            sid: format!("PN{}", hex32(self.seed, 1_000_000 + st.created)),
            friendly_name: friendly(&number[2..]),
            phone_number: number,
            voice_url: get("VoiceUrl").unwrap_or_default(),
            voice_fallback_url: get("VoiceFallbackUrl").unwrap_or_default(),
            voice_application_sid: String::new(),
            sms_url: get("SmsUrl").unwrap_or_default(),
            sms_fallback_url: get("SmsFallbackUrl").unwrap_or_default(),
            sms_application_sid: String::new(),
            voice: true,
            sms: true,
            mms: true,
            seeded: None,
            toll_free: None,
        };
        let body = number_json(self.seed, prefix, &n);
        st.numbers.push(n);
        json(StatusCode::CREATED, &body)
    }

    fn available(&self, req: &FakeRequest, prefix: &str) -> Response {
        let seg = req.segments();
        let country = seg[seg.len() - 2];
        let kind = seg[seg.len() - 1].trim_end_matches(".json");
        if country != "US" {
            return json(
                StatusCode::OK,
                &json!({"available_phone_numbers": [], "end": 0, "first_page_uri": "", "next_page_uri": null,
                        "page": 0, "page_size": 0, "previous_page_uri": null, "start": 0, "uri": ""}),
            );
        }
        let size: usize = req
            .q("PageSize")
            .and_then(|v| v.parse().ok())
            .unwrap_or(20)
            .min(50);
        let area = req.q("AreaCode");
        let contains = req
            .q("Contains")
            .map(|c| c.trim_start_matches('+').to_owned());
        let st = lock(&self.state);
        let items: Vec<Value> = (0..20_000)
            .map(|i| us_number(i, 700))
            .filter(|(n, _, _)| area.is_none_or(|a| n.starts_with(a)))
            .filter(|(n, _, _)| {
                contains
                    .as_deref()
                    .is_none_or(|c| format!("1{n}").contains(c))
            })
            .filter(|(n, _, _)| !st.numbers.iter().any(|o| o.phone_number[2..] == **n))
            .take(size)
            .map(|(n, state, city)| {
                json!({
                    "friendly_name": friendly(&n),
                    "phone_number": format!("+1{n}"),
                    "lata": "722",
                    "locality": city,
                    "rate_center": city.to_uppercase(),
                    "latitude": "37.780000",
                    "longitude": "-122.420000",
                    "region": state,
                    "postal_code": "94103",
                    "iso_country": "US",
                    "address_requirements": "none",
                    "beta": false,
                    "capabilities": {"voice": true, "sms": true, "mms": true, "fax": false},
                })
            })
            .collect();
        let uri = format!(
            "{prefix}/2010-04-01/Accounts/{}/AvailablePhoneNumbers/US/{kind}.json",
            creds::TWILIO_ACCOUNT_SID
        );
        json(
            StatusCode::OK,
            &json!({
                "end": items.len().saturating_sub(1),
                "first_page_uri": uri,
                "next_page_uri": null,
                "page": 0,
                "page_size": size,
                "previous_page_uri": null,
                "start": 0,
                "uri": uri,
                "available_phone_numbers": items,
            }),
        )
    }
}
