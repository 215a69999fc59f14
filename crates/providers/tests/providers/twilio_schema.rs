//! Every request the Twilio client makes, checked against Twilio's published OpenAPI
//! description of the 2010-04-01 API (read from `<clone>/../shared/providers/twilio/`, never
//! copied into the repository): each path and method exists, and each path, query and form
//! parameter is declared there and has a value its schema admits (pattern, length, enum,
//! type, format).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;
use switchboard_core::domain::Capabilities;
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, RequestRecord, creds};
use switchboard_providers::model::{Confirmed, NumberRef, SharedPolicy, WebhookChange};
use switchboard_providers::twilio::{AvailableSearch, TwilioAuth};

use super::twilio::{client, client_with};
use super::*;

/// Requests outside the schema that the client sends on purpose: (form parameter, value, why).
/// Each is allowed only where its reason holds (see [`allowed_exception`]), and each must be
/// seen at least once, so that the list cannot go stale.
const EXCEPTIONS: [(&str, &str, &str); 2] = [
    (
        "VoiceApplicationSid",
        "",
        "detaches the number's voice application when its voice URLs change: the schema admits \
         only an AP… SID and offers no other way to remove one, and the number resource itself \
         reports \"no application\" as \"\"; sent only for a number that has a voice application",
    ),
    (
        "SmsApplicationSid",
        "",
        "the same for the number's SMS application; sent only for a number that has one",
    ),
];

const SCHEMA_FILE: &str = "shared/providers/twilio/twilio_api_v2010.json";

/// `<clone>/../shared/…` (CI puts `shared/` beside the clone); a worktree nested deeper finds
/// it in a further parent.
fn schema_path() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    repo.ancestors()
        .skip(1)
        .map(|dir| dir.join(SCHEMA_FILE))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "Twilio's OpenAPI description is missing: expected {SCHEMA_FILE} beside the \
                 repository ({}/../{SCHEMA_FILE}) or in a parent directory",
                repo.display()
            )
        })
}

struct Schema {
    doc: Value,
    /// Each path template as a regex, with its template and count of literal characters.
    paths: Vec<(Regex, String, usize)>,
}

impl Schema {
    fn load() -> Schema {
        let path = schema_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        let braces = Regex::new(r"\{([A-Za-z0-9_]+)\}").unwrap();
        let paths = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(|template| {
                let mut pattern = String::from("^");
                let mut literal = 0;
                let mut last = 0;
                for c in braces.captures_iter(template) {
                    let whole = c.get(0).unwrap();
                    let text = &template[last..whole.start()];
                    literal += text.len();
                    pattern.push_str(&regex::escape(text));
                    pattern.push_str(&format!("(?P<{}>[^/]+)", &c[1]));
                    last = whole.end();
                }
                literal += template[last..].len();
                pattern.push_str(&regex::escape(&template[last..]));
                pattern.push('$');
                (Regex::new(&pattern).unwrap(), template.clone(), literal)
            })
            .collect();
        Schema { doc, paths }
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(r) => {
                let pointer = r.trim_start_matches('#');
                self.doc.pointer(pointer).unwrap_or(&Value::Null)
            }
            None => schema,
        }
    }

    /// Why `value` does not fit `schema`, if it does not.
    fn check_value(&self, schema: &Value, value: &str) -> Option<String> {
        let schema = self.resolve(schema);
        if let Some(options) = schema["enum"].as_array()
            && !options.iter().any(|o| o.as_str() == Some(value))
        {
            return Some(format!("not one of {options:?}"));
        }
        match schema["type"].as_str() {
            Some("string") => {
                let chars = value.chars().count() as u64;
                if let Some(min) = schema["minLength"].as_u64()
                    && chars < min
                {
                    return Some(format!("shorter than {min}"));
                }
                if let Some(max) = schema["maxLength"].as_u64()
                    && chars > max
                {
                    return Some(format!("longer than {max}"));
                }
                if let Some(p) = schema["pattern"].as_str()
                    && !Regex::new(p).unwrap().is_match(value)
                {
                    return Some(format!("does not match {p}"));
                }
                match schema["format"].as_str() {
                    None | Some("http-method") => None,
                    Some("uri") => match reqwest::Url::parse(value) {
                        Ok(u) if matches!(u.scheme(), "http" | "https") => None,
                        _ => Some("not an absolute http(s) URI".into()),
                    },
                    Some("phone-number") => {
                        (!Regex::new(r"^\+[1-9][0-9]{1,14}$").unwrap().is_match(value))
                            .then(|| "not an E.164 phone number".into())
                    }
                    Some("iso-country-code") => {
                        (!Regex::new("^[A-Z]{2}$").unwrap().is_match(value))
                            .then(|| "not an ISO country code".into())
                    }
                    // The list filters' descriptions ask for a date "as YYYY-MM-DD in UTC";
                    // a full timestamp is what the format names.
                    Some("date-time") => {
                        let format = time::macros::format_description!("[year]-[month]-[day]");
                        let rfc3339 = time::format_description::well_known::Rfc3339;
                        (time::Date::parse(value, &format).is_err()
                            && time::OffsetDateTime::parse(value, &rfc3339).is_err())
                        .then(|| "neither a date YYYY-MM-DD nor an RFC 3339 time".into())
                    }
                    Some(other) => Some(format!("the test has no check for format {other}")),
                }
            }
            Some("integer") => match value.parse::<i64>() {
                Err(_) => Some("not an integer".into()),
                Ok(n) => {
                    if schema["minimum"].as_i64().is_some_and(|m| n < m) {
                        Some(format!("below {}", schema["minimum"]))
                    } else if schema["maximum"].as_i64().is_some_and(|m| n > m) {
                        Some(format!("above {}", schema["maximum"]))
                    } else {
                        None
                    }
                }
            },
            Some("boolean") => {
                (!matches!(value, "true" | "false")).then(|| "not true or false".into())
            }
            other => Some(format!("the test has no check for type {other:?}")),
        }
    }

    /// Every way `rec` departs from the schema, as (parameter, value, problem).
    fn violations(&self, rec: &RequestRecord) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let Some((re, template, _)) = self
            .paths
            .iter()
            .filter(|(re, _, _)| re.is_match(&rec.path))
            .max_by_key(|(_, _, literal)| *literal)
        else {
            out.push((String::new(), String::new(), "no such path".into()));
            return out;
        };
        let op = &self.doc["paths"][template][rec.method.to_ascii_lowercase()];
        if op.is_null() {
            out.push((String::new(), String::new(), format!("no {}", rec.method)));
            return out;
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let param = |name: &str, place: &str| {
            params
                .iter()
                .find(|p| p["name"] == name && p["in"] == place)
                .map(|p| &p["schema"])
                .cloned()
        };
        let caps = re.captures(&rec.path).unwrap();
        for name in re.capture_names().flatten() {
            let value = &caps[name];
            match param(name, "path") {
                Some(s) => {
                    if let Some(why) = self.check_value(&s, value) {
                        out.push((name.into(), value.into(), why));
                    }
                }
                None => out.push((name.into(), value.into(), "undeclared path part".into())),
            }
        }
        for (k, v) in &rec.query {
            match param(k, "query") {
                Some(s) => {
                    if let Some(why) = self.check_value(&s, v) {
                        out.push((k.clone(), v.clone(), why));
                    }
                }
                None => out.push((k.clone(), v.clone(), "undeclared query parameter".into())),
            }
        }
        let body = &op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
        let body = self.resolve(body);
        for (k, v) in &rec.form {
            match body["properties"].get(k) {
                Some(s) => {
                    if let Some(why) = self.check_value(s, v) {
                        out.push((k.clone(), v.clone(), why));
                    }
                }
                None => out.push((k.clone(), v.clone(), "undeclared form parameter".into())),
            }
        }
        for required in body["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !rec.form.iter().any(|(k, _)| k == name) {
                out.push((name.into(), String::new(), "required, not sent".into()));
            }
        }
        out
    }
}

/// The POSTs to a number's own resource: (sid, form).
fn number_posts(requests: &[RequestRecord]) -> Vec<(String, Vec<(String, String)>)> {
    requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains("/IncomingPhoneNumbers/"))
        .map(|r| {
            let sid = r.path.rsplit('/').next().unwrap().trim_end_matches(".json");
            (sid.to_owned(), r.form.clone())
        })
        .collect()
}

/// Whether a departure is one of [`EXCEPTIONS`] where its reason holds: a detach in a POST to
/// a number that had an application on that channel.
fn allowed_exception(
    rec: &RequestRecord,
    (param, value, _): &(String, String, String),
    voice_apps: &HashSet<String>,
    sms_apps: &HashSet<String>,
) -> bool {
    let sid = rec
        .path
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".json");
    let on_app = match param.as_str() {
        "VoiceApplicationSid" => voice_apps.contains(sid),
        "SmsApplicationSid" => sms_apps.contains(sid),
        _ => false,
    };
    rec.method == "POST" && on_app && EXCEPTIONS.iter().any(|(p, v, _)| p == param && v == value)
}

/// Gives the fake's number `sid` the application `app` for SMS, as the Twilio console would.
async fn attach_sms_application(f: &FakeProviders, sid: &str, app: &str) {
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{sid}.json",
            f.base_url(FakeKind::Twilio),
            creds::TWILIO_ACCOUNT_SID
        ))
        .basic_auth(creds::TWILIO_ACCOUNT_SID, Some(creds::TWILIO_AUTH_TOKEN))
        .form(&[("SmsApplicationSid", app)])
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
}

#[tokio::test]
async fn set_webhooks_detaches_only_a_channel_on_an_application() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let (listing, _) = list_all(&c).await;
    let plain = listing.numbers[0].to_ref();
    let on_app = listing.numbers[9].to_ref();
    assert!(listing.numbers[9].voice_owner.is_some());
    let faults = f.faults(FakeKind::Twilio);
    faults.clear_requests();
    let change = WebhookChange::both("https://platform.example.com/hooks/twilio");
    for r in [&plain, &on_app] {
        c.set_webhooks(r, &change, SharedPolicy::OnlyThisNumber)
            .await
            .unwrap();
    }
    let posts = number_posts(&faults.requests());
    let url = "https://platform.example.com/hooks/twilio".to_owned();
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        posts,
        vec![
            (
                plain.provider_sid.clone().unwrap(),
                vec![pair("VoiceUrl", &url), pair("SmsUrl", &url)]
            ),
            (
                on_app.provider_sid.clone().unwrap(),
                vec![
                    pair("VoiceUrl", &url),
                    pair("VoiceApplicationSid", ""),
                    pair("SmsUrl", &url)
                ]
            ),
        ]
    );
    // Detached: the number answers with its own URL now, and the next change sends no detach.
    let state = c.webhooks(&on_app).await.unwrap();
    assert_eq!(state.voice_url(), Some(url.as_str()));
    faults.clear_requests();
    c.set_webhooks(&on_app, &change, SharedPolicy::OnlyThisNumber)
        .await
        .unwrap();
    let posts = number_posts(&faults.requests());
    assert!(
        posts[0]
            .1
            .iter()
            .all(|(k, _)| !k.ends_with("ApplicationSid")),
        "{posts:?}"
    );
}

#[tokio::test]
async fn every_twilio_request_fits_the_published_schema() {
    let schema = Schema::load();
    let f = fakes(FakeConfig {
        twilio_numbers: 1_200,
        ..FakeConfig::default()
    })
    .await;
    let base = f.base_url(FakeKind::Twilio);
    let c = client(&f);
    let t = c.twilio().unwrap();

    // Setup outside the log: a number with an SMS application.
    let (listing, _) = list_all(&c).await;
    let app = t.webhooks(&listing.numbers[9].to_ref()).await.unwrap();
    let app_sid = app.voice.unwrap().owner.object.id;
    let sms_app_number = listing.numbers[3].to_ref();
    attach_sms_application(
        &f,
        sms_app_number.provider_sid.as_deref().unwrap(),
        &app_sid,
    )
    .await;
    let voice_apps: HashSet<String> = listing
        .numbers
        .iter()
        .filter(|n| n.voice_owner.is_some())
        .map(|n| n.provider_sid.clone())
        .collect();
    let sms_apps: HashSet<String> = [sms_app_number.provider_sid.clone().unwrap()].into();
    f.faults(FakeKind::Twilio).clear_requests();

    // Every operation of the client.
    c.verify().await.unwrap();
    let key = TwilioAuth::ApiKey {
        sid: creds::TWILIO_API_KEY_SID.into(),
        secret: secret(creds::TWILIO_API_KEY_SECRET),
    };
    client_with(&base, key, &fast()).verify().await.unwrap();
    let (all, _) = list_all(&c).await;
    assert_eq!(all.numbers.len(), 1_200);
    let plain = listing.numbers[0].to_ref();
    let on_voice_app = listing.numbers[9].to_ref();
    let other_voice_app = listing.numbers[19].to_ref();
    c.fetch_number(&plain).await.unwrap();
    c.fetch_number(&NumberRef::new(plain.phone_number.clone()))
        .await
        .unwrap();
    c.webhooks(&on_voice_app).await.unwrap();
    let hook = "https://platform.example.com/hooks/twilio".to_owned();
    let both = WebhookChange::both(&hook);
    c.plan_webhooks(&on_voice_app, &both).await.unwrap();
    let voice_only = WebhookChange {
        voice_url: Some(hook.clone()),
        ..WebhookChange::default()
    };
    let sms_only = WebhookChange {
        sms_url: Some(hook.clone()),
        ..WebhookChange::default()
    };
    let with_fallbacks = WebhookChange {
        voice_fallback_url: Some(format!("{hook}/fallback")),
        sms_fallback_url: Some(format!("{hook}/fallback")),
        ..both.clone()
    };
    let fallback_only = WebhookChange {
        voice_fallback_url: Some(format!("{hook}/fallback")),
        ..WebhookChange::default()
    };
    for (number, change) in [
        (&plain, &voice_only),
        (&plain, &sms_only),
        (&plain, &with_fallbacks),
        (&on_voice_app, &both),
        (&other_voice_app, &fallback_only),
        (&sms_app_number, &sms_only),
    ] {
        c.set_webhooks(number, change, SharedPolicy::OnlyThisNumber)
            .await
            .unwrap();
    }
    let found = t
        .search_available(&AvailableSearch {
            country: "US".into(),
            number_type: Some("Local".into()),
            area_code: Some("415".into()),
            contains: Some("700".into()),
            capabilities: Capabilities {
                voice: true,
                sms: true,
                mms: true,
                fax: true,
            },
            limit: Some(5),
        })
        .await
        .unwrap();
    t.search_available(&AvailableSearch {
        country: "us".into(),
        number_type: Some("TollFree".into()),
        ..AvailableSearch::default()
    })
    .await
    .unwrap();
    let (first, second) = (&found[0].phone_number, &found[1].phone_number);
    let bought = t
        .buy(first, &Confirmed::number(first), Some(&with_fallbacks))
        .await
        .unwrap();
    t.buy(second, &Confirmed::number(second), None)
        .await
        .unwrap();
    t.release(&bought.to_ref(), &Confirmed::number(first))
        .await
        .unwrap();
    t.release(&NumberRef::new(second.clone()), &Confirmed::number(second))
        .await
        .unwrap();

    // The usage records since yesterday.
    let today = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let cancel = tokio_util::sync::CancellationToken::new();
    assert!(t.calls_since(today, 1000, &|_| {}, &cancel).await.unwrap() > 1);
    t.messages_since(today, 1000, &|_| {}, &cancel)
        .await
        .unwrap();

    // An area code the schema's integer would not admit is refused before any request.
    let before = f.faults(FakeKind::Twilio).request_count();
    let e = t
        .search_available(&AvailableSearch {
            country: "US".into(),
            area_code: Some("41a".into()),
            ..AvailableSearch::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::InvalidInput {
                field: "area code",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(f.faults(FakeKind::Twilio).request_count(), before);

    let requests = f.faults(FakeKind::Twilio).requests();
    let methods: HashSet<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["GET", "POST", "DELETE"].into());
    assert!(
        requests
            .iter()
            .any(|r| r.query.iter().any(|(k, _)| k == "PageToken")),
        "the listing's second page (by next_page_uri) must be among the requests"
    );
    let mut problems = Vec::new();
    let mut used = HashSet::new();
    for rec in &requests {
        for v in schema.violations(rec) {
            if allowed_exception(rec, &v, &voice_apps, &sms_apps) {
                used.insert(v.0.clone());
            } else {
                problems.push(format!(
                    "{} {} {}={:?}: {}",
                    rec.method, rec.path, v.0, v.1, v.2
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "requests outside Twilio's schema:\n{}",
        problems.join("\n")
    );
    for (param, _, why) in EXCEPTIONS {
        assert!(
            used.contains(param),
            "exception {param} ({why}) was never needed"
        );
    }
}

/// The fake's call and message records carry exactly the properties of Twilio's schemas.
#[tokio::test]
async fn the_fakes_usage_records_have_the_schemas_properties() {
    let schema = Schema::load();
    let f = fakes(FakeConfig::default()).await;
    for (resource, key, name) in [
        ("Calls", "calls", "api.v2010.account.call"),
        ("Messages", "messages", "api.v2010.account.message"),
    ] {
        let path = format!(
            "/2010-04-01/Accounts/{}/{resource}.json",
            creds::TWILIO_ACCOUNT_SID
        );
        let page = super::twilio::fake_get(&f, &path).await;
        let wanted: HashSet<&String> = schema.doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let records = page[key].as_array().unwrap();
        assert_eq!(records.len(), 50, "{resource}: a default page");
        for record in records {
            let has: HashSet<&String> = record.as_object().unwrap().keys().collect();
            assert_eq!(has, wanted, "{resource}");
        }
    }
}
