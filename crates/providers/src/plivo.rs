//! Plivo API v1.
//!
//! What is guaranteed:
//! - HTTP Basic with the Auth ID and Auth Token; `GET /v1/Account/{auth_id}/` verifies them.
//! - Listing pages with `limit` ≤ 20 and `offset` until `meta.next` is empty. Numbers come
//!   without "+" and are mapped to E.164.
//! - Webhooks live on the number's Application (`answer_url` for voice, `message_url` for
//!   SMS). Plivo offers no way to count the numbers on an application without reading every
//!   number, so the owner's `shared_by` is unknown and a change is treated as shared: it needs
//!   [`SharedPolicy::AllowShared`].
//! - Plivo allows 300 requests per 5 s and then answers 429; those are retried with backoff.
//! - Call and message records come from the Call and Message lists (`GET …/Call/`,
//!   `GET …/Message/`): [`PlivoClient::calls_since`] and [`PlivoClient::messages_since`].
//! - Readiness ([`PlivoClient::readiness`]): the compliance each number carries in the numbers
//!   list (10DLC registration, toll-free verification, compliance application status).

mod readiness;

use reqwest::Client;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::domain::{Capabilities, E164};
use switchboard_core::usage::{CallOutcome, CallRecord, MessageRecord};
use switchboard_secrets::SecretString;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use tokio_util::sync::CancellationToken;

use crate::client::{check_shared, number_subject};
use crate::config;
use crate::error::{Api, ProviderError, ProviderMessage, Result, Subject};
use crate::http::{HttpSettings, Idempotency, Transport, generic_message, parse_json, truncate};
use crate::model::{
    AccountInfo, Applied, Channel, ListProgress, Listing, NumberRef, ObjectKind, ObjectRef,
    PageSink, ProgressFn, ProviderNumber, SharedPolicy, Skipped, Wanted, Webhook, WebhookChange,
    WebhookOwner, WebhookPlan, WebhookState, plan_on_owners,
};
use crate::records::{self, text};

/// Plivo's largest page.
pub const MAX_PAGE_SIZE: u32 = 20;

/// A Plivo account's Auth ID and Auth Token.
#[derive(Debug, Clone)]
pub struct PlivoCredentials {
    /// Auth ID (`MA…` or `SA…`).
    pub auth_id: String,
    /// Auth Token.
    pub auth_token: SecretString,
}

/// A client for one Plivo account.
#[derive(Debug, Clone)]
pub struct PlivoClient {
    pub(crate) http: Transport,
    base: String,
    creds: PlivoCredentials,
}

fn read_error(status: u16, body: &str) -> ProviderMessage {
    match serde_json::from_str::<Value>(body) {
        Ok(v) if v["error"].is_string() || v["error"].is_object() => ProviderMessage {
            status,
            code: None,
            message: truncate(
                &v["error"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v["error"].to_string()),
                300,
            ),
            more_info: v["api_id"].as_str().map(|id| format!("api_id {id}")),
        },
        _ => generic_message(status, body),
    }
}

#[derive(Deserialize)]
struct PlNumber {
    number: String,
    alias: Option<String>,
    application: Option<String>,
    region: Option<String>,
    city: Option<String>,
    number_type: Option<String>,
    #[serde(default)]
    voice_enabled: bool,
    #[serde(default)]
    sms_enabled: bool,
    #[serde(default)]
    mms_enabled: bool,
}

impl PlNumber {
    /// The application id from `/v1/Account/{id}/Application/{app_id}/`.
    fn app_id(&self) -> Option<String> {
        self.application
            .as_deref()
            .and_then(|a| a.trim_end_matches('/').rsplit('/').next())
            .filter(|a| !a.is_empty() && *a != "Application")
            .map(str::to_owned)
    }
}

#[derive(Deserialize)]
struct Meta {
    next: Option<String>,
    total_count: Option<usize>,
}

impl Meta {
    fn has_next(&self) -> bool {
        self.next.as_deref().is_some_and(|n| !n.is_empty())
    }
}

#[derive(Deserialize)]
struct Page {
    meta: Meta,
    objects: Vec<PlNumber>,
}

fn nonempty(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl PlivoClient {
    /// A client; `base_url` or `SWITCHBOARD_PLIVO_API_URL` replaces `https://api.plivo.com`.
    pub fn new(
        creds: PlivoCredentials,
        base_url: Option<&str>,
        settings: &HttpSettings,
    ) -> Result<Self> {
        if creds.auth_id.is_empty() || !creds.auth_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ProviderError::InvalidInput {
                api: Api::Plivo,
                field: "auth id",
                reason: "must be letters and digits".into(),
            });
        }
        Ok(PlivoClient {
            http: Transport::new(Api::Plivo, settings, read_error)?,
            base: config::resolve_base_url(Api::Plivo, base_url)?,
            creds,
        })
    }

    /// Always [`Api::Plivo`].
    pub fn api(&self) -> Api {
        Api::Plivo
    }

    /// The Auth ID.
    pub fn account_id(&self) -> &str {
        &self.creds.auth_id
    }

    fn url(&self, rest: &str) -> String {
        format!("{}/v1/Account/{}/{}", self.base, self.creds.auth_id, rest)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        cancel: Option<&CancellationToken>,
    ) -> Result<T> {
        let reply = self
            .http
            .send(subject, Idempotency::Idempotent, cancel, |c: &Client| {
                let rb = c
                    .request(method.clone(), url)
                    .basic_auth(
                        &self.creds.auth_id,
                        Some(self.creds.auth_token.expose_secret()),
                    )
                    .query(query);
                match body {
                    Some(b) => rb.json(b),
                    None => rb,
                }
            })
            .await?;
        parse_json(Api::Plivo, subject, &reply.body)
    }

    /// Checks the credentials with `GET /v1/Account/{auth_id}/`.
    pub async fn verify(&self) -> Result<AccountInfo> {
        let subject = Subject::Account(self.creds.auth_id.clone());
        let account: Value = self
            .call(
                &subject,
                reqwest::Method::GET,
                &self.url(""),
                &[],
                None,
                None,
            )
            .await?;
        Ok(AccountInfo {
            api: Api::Plivo,
            account_id: self.creds.auth_id.clone(),
            friendly_name: nonempty(&account["name"]),
            status: None,
            method: "GET /v1/Account/{auth_id}/",
        })
    }

    fn map(&self, n: &PlNumber) -> Result<ProviderNumber, Skipped> {
        let phone_number = E164::parse(&format!("+{}", n.number), None).map_err(|e| Skipped {
            raw: n.number.clone(),
            reason: e.to_string(),
        })?;
        let iso_country = phone_number.facts().country;
        let app = n.app_id();
        Ok(ProviderNumber {
            api: Api::Plivo,
            phone_number,
            provider_sid: n.number.clone(),
            friendly_name: n.alias.clone().filter(|a| !a.is_empty()),
            capabilities: Capabilities {
                voice: n.voice_enabled,
                sms: n.sms_enabled,
                mms: n.mms_enabled,
                fax: false,
            },
            iso_country,
            region: n.region.clone(),
            locality: n.city.clone(),
            number_type: n.number_type.clone(),
            voice_url: None,
            sms_url: None,
            voice_owner: app
                .clone()
                .map(|a| ObjectRef::new(ObjectKind::PlivoApplication, a)),
            sms_owner: app.map(|a| ObjectRef::new(ObjectKind::PlivoApplication, a)),
        })
    }

    /// Every number, 20 per page, following `meta.next`.
    pub async fn list_numbers(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        let mut listing = Listing::default();
        let mut read = 0;
        listing.pages = self
            .each_page(&self.url("Number/"), &[], cancel, |page: Page| {
                read += 1;
                for n in &page.objects {
                    match self.map(n) {
                        Ok(n) => listing.numbers.push(n),
                        Err(s) => listing.skipped.push(s),
                    }
                }
                progress(ListProgress {
                    pages: read,
                    fetched: listing.numbers.len() + listing.skipped.len(),
                    total: page.meta.total_count,
                });
                (page.objects.len(), page.meta.has_next())
            })
            .await?;
        // Each number's SMS URL is its application's `message_url`.
        let whose = (Api::Plivo, Subject::Account(self.creds.auth_id.clone()));
        let read = |app| self.application_sms_url(app);
        crate::model::read_owner_sms_urls(&mut listing.numbers, cancel, whose, read).await?;
        Ok(listing)
    }

    /// An application's SMS URL (`message_url`).
    async fn application_sms_url(&self, app: String) -> Result<Option<String>> {
        Ok(nonempty(&self.application(&app).await?["message_url"]))
    }

    /// An application's object (`GET Application/{app_id}/`), once a run (`shared` module).
    async fn application(&self, app: &str) -> Result<Value> {
        let object = format!("application {app}");
        let read = || async {
            let subject = Subject::Object(object.clone());
            let url = self.url(&format!("Application/{app}/"));
            (self.call(&subject, reqwest::Method::GET, &url, &[], None, None)).await
        };
        self.http.shared.read(&object, read).await
    }

    /// Reads the list at `url` with `query` page by page (`limit` = [`MAX_PAGE_SIZE`],
    /// `offset` moved by what each page held), handing each page to `page`, which returns how
    /// many objects it held and whether `meta.next` names another; stops after the last page
    /// or an empty one, at cancellation, or when the paging budget runs out. Returns the pages
    /// read.
    async fn each_page<P: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
        cancel: &CancellationToken,
        mut page: impl FnMut(P) -> (usize, bool),
    ) -> Result<u32> {
        let subject = Subject::Account(self.creds.auth_id.clone());
        let mut budget = self.http.pages(MAX_PAGE_SIZE);
        let (mut offset, mut pages) = (0usize, 0u32);
        loop {
            budget.next(&subject, cancel)?;
            let mut q = query.to_vec();
            q.push(("limit", MAX_PAGE_SIZE.to_string()));
            q.push(("offset", offset.to_string()));
            let body: P = self
                .call(&subject, reqwest::Method::GET, url, &q, None, Some(cancel))
                .await?;
            pages += 1;
            let (got, next) = page(body);
            if got == 0 || !next {
                return Ok(pages);
            }
            offset += got;
        }
    }

    async fn raw(&self, number: &NumberRef) -> Result<PlNumber> {
        let subject = number_subject(number);
        let url = self.url(&format!("Number/{}/", number.phone_number.digits()));
        self.call(&subject, reqwest::Method::GET, &url, &[], None, None)
            .await
    }

    /// One number of the account.
    pub async fn fetch_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let raw = self.raw(number).await?;
        self.map(&raw).map_err(|s| ProviderError::Malformed {
            api: Api::Plivo,
            subject: number_subject(number),
            reason: s.reason,
        })
    }

    async fn state(&self, raw: &PlNumber, phone_number: &E164) -> Result<WebhookState> {
        let Some(app) = raw.app_id() else {
            return Ok(WebhookState {
                phone_number: phone_number.clone(),
                voice: None,
                sms: None,
            });
        };
        let body = self.application(&app).await?;
        let owner = WebhookOwner {
            object: ObjectRef::new(ObjectKind::PlivoApplication, &app),
            name: nonempty(&body["app_name"]),
            shared_by: None,
        };
        Ok(WebhookState {
            phone_number: phone_number.clone(),
            voice: Some(Webhook {
                url: nonempty(&body["answer_url"]),
                fallback_url: nonempty(&body["fallback_answer_url"]),
                owner: owner.clone(),
            }),
            sms: Some(Webhook {
                url: nonempty(&body["message_url"]),
                fallback_url: None,
                owner,
            }),
        })
    }

    /// The number's webhooks, on its application.
    pub async fn webhooks(&self, number: &NumberRef) -> Result<WebhookState> {
        let raw = self.raw(number).await?;
        self.state(&raw, &number.phone_number).await
    }

    fn plan_from(state: &WebhookState, change: &WebhookChange) -> Result<WebhookPlan> {
        if change.sms_fallback_url.is_some() {
            return Err(ProviderError::InvalidInput {
                api: Api::Plivo,
                field: "sms fallback url",
                reason: "Plivo applications have no SMS fallback URL".into(),
            });
        }
        let voice = change
            .voice_url
            .as_ref()
            .or(change.voice_fallback_url.as_ref());
        plan_on_owners(
            &state.phone_number,
            [
                (Channel::Voice, voice, state.voice.as_ref()),
                (Channel::Sms, change.sms_url.as_ref(), state.sms.as_ref()),
            ],
            |_| ProviderError::InvalidInput {
                api: Api::Plivo,
                field: "webhook change",
                reason: format!(
                    "{} has no Application; link one in Plivo first",
                    state.phone_number
                ),
            },
        )
    }

    /// The writes a change makes (on the application).
    pub async fn plan_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
    ) -> Result<WebhookPlan> {
        let wanted = wanted.into();
        wanted.given(Api::Plivo)?;
        let state = self.webhooks(number).await?;
        wanted.plan(&state, Api::Plivo, |change| Self::plan_from(&state, change))
    }

    /// Updates the application (`POST Application/{app_id}/`) and returns the state read back.
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        shared: SharedPolicy,
    ) -> Result<Applied> {
        let wanted = wanted.into();
        wanted.given(Api::Plivo)?;
        let state = self.webhooks(number).await?;
        let Some(change) = wanted.on(&state, Api::Plivo)? else {
            return Ok(Applied::in_sync(state));
        };
        let change = &change;
        let plan = Self::plan_from(&state, change)?;
        check_shared(Api::Plivo, &plan, shared)?;
        let Some(step) = plan.changes.first() else {
            return Ok(Applied::written(state));
        };
        let mut body = json!({});
        if let Some(u) = &change.voice_url {
            body["answer_url"] = json!(u);
        }
        if let Some(u) = &change.voice_fallback_url {
            body["fallback_answer_url"] = json!(u);
        }
        if let Some(u) = &change.sms_url {
            body["message_url"] = json!(u);
        }
        let subject = Subject::Object(step.object.to_string());
        let url = self.url(&format!("Application/{}/", step.object.id));
        let written = self.call::<Value>(
            &subject,
            reqwest::Method::POST,
            &url,
            &[],
            Some(&body),
            None,
        );
        let object = format!("application {}", step.object.id);
        self.http.shared.write(&object, written).await?;
        self.webhooks(number).await.map(Applied::written)
    }
}

/// How far one request's time window reaches: Plivo searches at most 30 days from a lower
/// bound given alone.
const WINDOW: Duration = Duration::days(30);

#[derive(Deserialize)]
struct RecordPage {
    meta: Meta,
    objects: Vec<Value>,
}

/// A Plivo call's hangup cause as an outcome. A call with an `answer_time` (or connected
/// seconds) was answered, whatever ended it; otherwise by `hangup_cause_code`: 1000–1099
/// (canceled) canceled, 2000–2999 (destination issues) and 3010 (rejected) failed, 3000 (busy
/// line) busy, the other 3000s and 4000s (ended unconnected) unanswered; anything else, 0
/// (unknown) included, unfinished.
pub fn call_outcome(answered: bool, hangup_cause_code: Option<i64>) -> CallOutcome {
    if answered {
        return CallOutcome::Answered;
    }
    match hangup_cause_code.unwrap_or(0) {
        1000..=1099 => CallOutcome::Canceled,
        2000..=2999 | 3010 => CallOutcome::Failed,
        3000 => CallOutcome::Busy,
        3001..=4099 => CallOutcome::NoAnswer,
        _ => CallOutcome::Unfinished,
    }
}

/// `2026-11-30 10:00:05+00:00` (or without the offset: UTC).
fn plivo_time(text: Option<&str>, record: &str) -> Result<OffsetDateTime, Skipped> {
    let raw = text.unwrap_or_default();
    let with_offset = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory]:[offset_minute]"
    );
    let plain = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    OffsetDateTime::parse(raw, with_offset)
        .or_else(|_| PrimitiveDateTime::parse(raw, plain).map(PrimitiveDateTime::assume_utc))
        .map_err(|e| Skipped {
            raw: raw.to_owned(),
            reason: format!("record {record}: not a Plivo time ({e})"),
        })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC: the time filters' form.
fn filter_time(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.to_offset(UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}

/// A call record. Plivo bills in US dollars; `total_amount` is the price.
fn map_call(r: Value) -> Result<CallRecord, Skipped> {
    let id = text(&r, "call_uuid").unwrap_or_default().to_owned();
    let duration_secs = records::count(r.get("call_duration"));
    let answered = text(&r, "answer_time").is_some() || duration_secs > 0;
    let outcome = call_outcome(answered, r["hangup_cause_code"].as_i64());
    let (direction, number, counterpart) =
        records::sides_of(&r, "call_direction", "to_number", "from_number");
    let unbilled = !matches!(outcome, CallOutcome::Answered | CallOutcome::Unfinished);
    Ok(CallRecord {
        number: records::ours(number.as_deref(), &id)?,
        direction,
        counterpart,
        outcome,
        started_at: plivo_time(text(&r, "initiation_time"), &id)?,
        duration_secs,
        billed_secs: records::count(r.get("bill_duration")),
        price: records::price(text(&r, "total_amount"), Some("USD"), unbilled, &id)?,
        provider_id: id,
    })
}

/// A message record; a failed message is not billed.
fn map_message(r: Value) -> Result<MessageRecord, Skipped> {
    let id = text(&r, "message_uuid").unwrap_or_default().to_owned();
    let status = text(&r, "message_state").unwrap_or_default().to_owned();
    let (direction, number, counterpart) =
        records::sides_of(&r, "message_direction", "to_number", "from_number");
    Ok(MessageRecord {
        number: records::ours(number.as_deref(), &id)?,
        direction,
        counterpart,
        sent_at: plivo_time(text(&r, "message_time"), &id)?,
        segments: records::count(r.get("units")).max(1),
        price: records::price(
            text(&r, "total_amount"),
            Some("USD"),
            status == "failed",
            &id,
        )?,
        status,
        provider_id: id,
    })
}

impl PlivoClient {
    /// The account's calls that ended on or after `since` (to the second; the Call list holds
    /// completed calls only, filtered by `end_time`), handing each page to `sink`: 30-day
    /// windows (`end_time__gte` and `end_time__lt`) from `since`, the last one with only
    /// `end_time__gte` (Plivo then searches the 30 days from it), each read with `limit=20`
    /// (Plivo's maximum) and `offset` until `meta.next` is empty. The list is most recent
    /// first, so calls that end during a pull push the later pages down: a record may be read
    /// twice (keep them by `provider_id`), never missed. Outcome: [`call_outcome`]; seconds
    /// `call_duration` and `bill_duration`; price `total_amount` in USD (missing: pending for
    /// an answered call, not billed for an unconnected one, as is a zero amount there).
    /// Returns the pages read.
    pub async fn calls_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, CallRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        self.records("Call/", "end_time", since, sink, cancel, map_call)
            .await
    }

    /// The account's messages sent on or after `since` (`message_time`), as
    /// [`PlivoClient::calls_since`] reads calls; `units` are the segments.
    pub async fn messages_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, MessageRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        self.records("Message/", "message_time", since, sink, cancel, map_message)
            .await
    }

    async fn records<T>(
        &self,
        resource: &str,
        time: &str,
        since: OffsetDateTime,
        sink: PageSink<'_, T>,
        cancel: &CancellationToken,
        map: fn(Value) -> Result<T, Skipped>,
    ) -> Result<u32> {
        let url = self.url(resource);
        let (gte, lt) = (format!("{time}__gte"), format!("{time}__lt"));
        let now = OffsetDateTime::now_utc();
        let mut from = since.replace_nanosecond(0).unwrap_or(since);
        let mut pages = 0;
        loop {
            let mut query = vec![(gte.as_str(), filter_time(from))];
            let last = from + WINDOW > now;
            if !last {
                query.push((lt.as_str(), filter_time(from + WINDOW)));
            }
            pages += self
                .each_page(&url, &query, cancel, |page: RecordPage| {
                    let (got, next) = (page.objects.len(), page.meta.has_next());
                    sink(records::page(page.objects.into_iter().map(map)));
                    (got, next)
                })
                .await?;
            if last {
                return Ok(pages);
            }
            from += WINDOW;
        }
    }
}
