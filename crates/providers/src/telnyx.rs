//! Telnyx API v2.
//!
//! What is guaranteed:
//! - Bearer API key; listing with `page[number]`/`page[size]` (≤ 250) until
//!   `meta.total_pages`; 429s (with `x-ratelimit-*` headers) are retried after the reset.
//! - A number's voice webhook lives on its *connection*: a Call Control application
//!   (`webhook_event_url`) or a TeXML application (`voice_url`); a SIP connection has no
//!   URL. Its SMS webhook lives on its *messaging profile* (`webhook_url`). Both are shared
//!   objects: reads say how many numbers use them (`filter[connection_id]`, the profile's
//!   `phone_numbers`), and writes to them are refused unless shared changes are allowed.
//! - Call and message records come from the Detail Records API (`GET /v2/detail_records`,
//!   50 per page at most): [`TelnyxClient::calls_since`] and [`TelnyxClient::messages_since`].

mod readiness;

use reqwest::Client;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::domain::{Capabilities, E164};
use switchboard_core::usage::{CallOutcome, CallRecord, MessageRecord};
use switchboard_secrets::SecretString;
use time::OffsetDateTime;
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

/// Telnyx's largest page.
pub const MAX_PAGE_SIZE: u32 = 250;

/// A Telnyx API key.
#[derive(Debug, Clone)]
pub struct TelnyxCredentials {
    /// An account label for messages and the vault key (Telnyx keys carry no account id).
    pub account_id: String,
    /// The API key (`KEY…`).
    pub api_key: SecretString,
}

/// A client for one Telnyx account.
#[derive(Debug, Clone)]
pub struct TelnyxClient {
    pub(crate) http: Transport,
    base: String,
    creds: TelnyxCredentials,
}

fn read_error(status: u16, body: &str) -> ProviderMessage {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return generic_message(status, body);
    };
    let first = &v["errors"][0];
    let Some(title) = first["title"].as_str() else {
        return generic_message(status, body);
    };
    let message = match first["detail"].as_str() {
        Some(d) => format!("{title}: {d}"),
        None => title.to_owned(),
    };
    ProviderMessage {
        status,
        code: first["code"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| first["code"].as_i64().map(|c| c.to_string())),
        message: truncate(&message, 300),
        more_info: first["meta"]["url"].as_str().map(str::to_owned),
    }
}

#[derive(Deserialize)]
struct TxNumber {
    id: String,
    phone_number: String,
    connection_id: Option<String>,
    messaging_profile_id: Option<String>,
    phone_number_type: Option<String>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    total_pages: u32,
    #[serde(default)]
    total_results: usize,
}

impl Meta {
    /// Whether a page after page `number`, which held `got` items, is to be read.
    fn more(&self, got: usize, number: u32) -> bool {
        got > 0 && number < self.total_pages
    }
}

/// The page number's and page size's parameters of most Telnyx lists.
const PAGED: [&str; 2] = ["page[number]", "page[size]"];

#[derive(Deserialize)]
struct Page {
    data: Vec<TxNumber>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize)]
struct One {
    data: Value,
}

fn nonempty(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn some_id(s: &Option<String>) -> Option<String> {
    s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned)
}

impl TelnyxClient {
    /// A client; `base_url` or `SWITCHBOARD_TELNYX_API_URL` replaces `https://api.telnyx.com`.
    pub fn new(
        creds: TelnyxCredentials,
        base_url: Option<&str>,
        settings: &HttpSettings,
    ) -> Result<Self> {
        Ok(TelnyxClient {
            http: Transport::new(Api::Telnyx, settings, read_error)?,
            base: config::resolve_base_url(Api::Telnyx, base_url)?,
            creds,
        })
    }

    /// Always [`Api::Telnyx`].
    pub fn api(&self) -> Api {
        Api::Telnyx
    }

    /// The account label.
    pub fn account_id(&self) -> &str {
        &self.creds.account_id
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        cancel: Option<&CancellationToken>,
    ) -> Result<T> {
        let url = format!("{}{}", self.base, path);
        let reply = self
            .http
            .send(subject, Idempotency::Idempotent, cancel, |c: &Client| {
                let rb = c
                    .request(method.clone(), &url)
                    .bearer_auth(self.creds.api_key.expose_secret())
                    .query(query);
                match body {
                    Some(b) => rb.json(b),
                    None => rb,
                }
            })
            .await?;
        parse_json(Api::Telnyx, subject, &reply.body)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        self.call(subject, reqwest::Method::GET, path, query, None, None)
            .await
    }

    /// Checks the key with `GET /v2/balance`.
    pub async fn verify(&self) -> Result<AccountInfo> {
        let subject = Subject::Account(self.creds.account_id.clone());
        let _: One = self.get(&subject, "/v2/balance", &[]).await?;
        Ok(AccountInfo {
            api: Api::Telnyx,
            account_id: self.creds.account_id.clone(),
            friendly_name: None,
            status: None,
            method: "GET /v2/balance",
        })
    }

    fn map(&self, n: &TxNumber) -> Result<ProviderNumber, Skipped> {
        let phone_number = E164::parse(&n.phone_number, None).map_err(|e| Skipped {
            raw: n.phone_number.clone(),
            reason: e.to_string(),
        })?;
        let iso_country = phone_number.facts().country;
        Ok(ProviderNumber {
            api: Api::Telnyx,
            phone_number,
            provider_sid: n.id.clone(),
            friendly_name: None,
            // The numbers list carries no capability flags; a connection routes voice and a
            // messaging profile routes SMS.
            capabilities: Capabilities {
                voice: some_id(&n.connection_id).is_some(),
                sms: some_id(&n.messaging_profile_id).is_some(),
                mms: false,
                fax: false,
            },
            iso_country,
            region: None,
            locality: None,
            number_type: n.phone_number_type.clone(),
            voice_url: None,
            sms_url: None,
            voice_owner: some_id(&n.connection_id)
                .map(|c| ObjectRef::new(ObjectKind::TelnyxCallControlApplication, c)),
            sms_owner: some_id(&n.messaging_profile_id)
                .map(|m| ObjectRef::new(ObjectKind::TelnyxMessagingProfile, m)),
        })
    }

    /// Every number, 250 per page.
    pub async fn list_numbers(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        let mut listing = Listing::default();
        listing.pages = self
            .each_page(
                "/v2/phone_numbers",
                &[],
                PAGED,
                MAX_PAGE_SIZE,
                cancel,
                |page: Page, read| {
                    for n in &page.data {
                        match self.map(n) {
                            Ok(n) => listing.numbers.push(n),
                            Err(s) => listing.skipped.push(s),
                        }
                    }
                    progress(ListProgress {
                        pages: read,
                        fetched: listing.numbers.len() + listing.skipped.len(),
                        total: Some(page.meta.total_results),
                    });
                    page.meta.more(page.data.len(), read)
                },
            )
            .await?;
        // Each number's SMS URL is its messaging profile's `webhook_url`.
        let whose = (Api::Telnyx, Subject::Account(self.creds.account_id.clone()));
        let read = |id| self.profile_sms_url(id);
        crate::model::read_owner_sms_urls(&mut listing.numbers, cancel, whose, read).await?;
        Ok(listing)
    }

    /// A messaging profile's SMS URL (`webhook_url`).
    async fn profile_sms_url(&self, id: String) -> Result<Option<String>> {
        Ok(nonempty(&self.messaging_profile(&id).await?["webhook_url"]))
    }

    /// A messaging profile's object (`GET /v2/messaging_profiles/{id}`), once a run (`shared`
    /// module).
    async fn messaging_profile(&self, id: &str) -> Result<Value> {
        let object = format!("messaging profile {id}");
        let read = || async {
            let subject = Subject::Object(object.clone());
            let profile: One =
                (self.get(&subject, &format!("/v2/messaging_profiles/{id}"), &[])).await?;
            Ok(profile.data)
        };
        self.http.shared.read(&object, read).await
    }

    /// Reads `path` with `query` page by page from page 1, `size` items a page (`paging` names
    /// the page number's and the page size's parameters: [`PAGED`] for most lists), handing
    /// each page with its number to `page`, which says whether another follows; stops there,
    /// at cancellation, or when the paging budget runs out. Returns the pages read.
    async fn each_page<P: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        paging: [&str; 2],
        size: u32,
        cancel: &CancellationToken,
        mut page: impl FnMut(P, u32) -> bool,
    ) -> Result<u32> {
        let subject = Subject::Account(self.creds.account_id.clone());
        let mut budget = self.http.pages(size);
        let mut page_number = 1u32;
        loop {
            budget.next(&subject, cancel)?;
            let mut q = query.to_vec();
            q.push((paging[0], page_number.to_string()));
            q.push((paging[1], size.to_string()));
            let body: P = self
                .call(&subject, reqwest::Method::GET, path, &q, None, Some(cancel))
                .await?;
            if !page(body, page_number) {
                return Ok(page_number);
            }
            page_number += 1;
        }
    }

    async fn raw(&self, number: &NumberRef) -> Result<TxNumber> {
        let subject = number_subject(number);
        let query = [("filter[phone_number]", number.phone_number.to_string())];
        let page: Page = self.get(&subject, "/v2/phone_numbers", &query).await?;
        page.data
            .into_iter()
            .find(|n| n.phone_number == number.phone_number.as_str())
            .ok_or_else(|| ProviderError::NotFound {
                api: Api::Telnyx,
                subject,
                detail: ProviderMessage {
                    status: 200,
                    code: None,
                    message: "the account does not own this number".into(),
                    more_info: None,
                },
            })
    }

    /// One number of the account.
    pub async fn fetch_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let raw = self.raw(number).await?;
        self.map(&raw).map_err(|s| ProviderError::Malformed {
            api: Api::Telnyx,
            subject: number_subject(number),
            reason: s.reason,
        })
    }

    /// The connection's kind and object: Call Control, TeXML, or a SIP connection; once a
    /// run (`shared` module).
    async fn connection(&self, id: &str) -> Result<(ObjectKind, Value)> {
        let object = format!("connection {id}");
        (self.http.shared)
            .read(&object, || self.read_connection(id))
            .await
    }

    async fn read_connection(&self, id: &str) -> Result<(ObjectKind, Value)> {
        for (kind, path) in [
            (
                ObjectKind::TelnyxCallControlApplication,
                "call_control_applications",
            ),
            (ObjectKind::TelnyxTexmlApplication, "texml_applications"),
        ] {
            let subject = Subject::Object(format!("{} {id}", kind.describe()));
            match self
                .get::<One>(&subject, &format!("/v2/{path}/{id}"), &[])
                .await
            {
                Ok(one) => return Ok((kind, one.data)),
                Err(ProviderError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok((ObjectKind::TelnyxSipConnection, Value::Null))
    }

    /// How many numbers the list at `path` with `query` holds, once a run (a webhook write
    /// never moves a number to another connection or profile).
    async fn count(&self, subject: &Subject, path: &str, query: &[(&str, String)]) -> Result<u64> {
        let count = || async {
            let page: Page = self.get(subject, path, query).await?;
            Ok(page.meta.total_results as u64)
        };
        let list = format!("numbers of {path} {query:?}");
        self.http.shared.read(&list, count).await
    }

    async fn state(&self, raw: &TxNumber, phone_number: &E164) -> Result<WebhookState> {
        let voice = match some_id(&raw.connection_id) {
            None => None,
            Some(id) => {
                let (kind, data) = self.connection(&id).await?;
                let subject = Subject::Object(format!("{} {id}", kind.describe()));
                let shared_by = self
                    .count(
                        &subject,
                        "/v2/phone_numbers",
                        &[
                            ("filter[connection_id]", id.clone()),
                            ("page[size]", "1".into()),
                        ],
                    )
                    .await?;
                let (url, fallback, name) = match kind {
                    ObjectKind::TelnyxCallControlApplication => (
                        nonempty(&data["webhook_event_url"]),
                        nonempty(&data["webhook_event_failover_url"]),
                        nonempty(&data["application_name"]),
                    ),
                    ObjectKind::TelnyxTexmlApplication => (
                        nonempty(&data["voice_url"]),
                        nonempty(&data["voice_fallback_url"]),
                        nonempty(&data["friendly_name"]),
                    ),
                    _ => (None, None, None),
                };
                Some(Webhook {
                    url,
                    fallback_url: fallback,
                    owner: WebhookOwner {
                        object: ObjectRef::new(kind, &id),
                        name,
                        shared_by: Some(shared_by),
                    },
                })
            }
        };
        let sms = match some_id(&raw.messaging_profile_id) {
            None => None,
            Some(id) => {
                let subject = Subject::Object(format!("messaging profile {id}"));
                let profile = self.messaging_profile(&id).await?;
                let shared_by = self
                    .count(
                        &subject,
                        &format!("/v2/messaging_profiles/{id}/phone_numbers"),
                        &[("page[size]", "1".into())],
                    )
                    .await?;
                Some(Webhook {
                    url: nonempty(&profile["webhook_url"]),
                    fallback_url: nonempty(&profile["webhook_failover_url"]),
                    owner: WebhookOwner {
                        object: ObjectRef::new(ObjectKind::TelnyxMessagingProfile, &id),
                        name: nonempty(&profile["name"]),
                        shared_by: Some(shared_by),
                    },
                })
            }
        };
        Ok(WebhookState {
            phone_number: phone_number.clone(),
            voice,
            sms,
        })
    }

    /// The number's webhooks, through its connection and messaging profile.
    pub async fn webhooks(&self, number: &NumberRef) -> Result<WebhookState> {
        let raw = self.raw(number).await?;
        self.state(&raw, &number.phone_number).await
    }

    fn plan_from(state: &WebhookState, change: &WebhookChange) -> Result<WebhookPlan> {
        // A SIP connection routes calls to a SIP endpoint, not to a URL.
        fn usable(hook: &Option<Webhook>) -> Option<&Webhook> {
            hook.as_ref()
                .filter(|h| h.owner.object.kind != ObjectKind::TelnyxSipConnection)
        }
        let voice = change
            .voice_url
            .as_ref()
            .or(change.voice_fallback_url.as_ref());
        let sms = change.sms_url.as_ref().or(change.sms_fallback_url.as_ref());
        plan_on_owners(
            &state.phone_number,
            [
                (Channel::Voice, voice, usable(&state.voice)),
                (Channel::Sms, sms, usable(&state.sms)),
            ],
            |channel| ProviderError::InvalidInput {
                api: Api::Telnyx,
                field: match channel {
                    Channel::Voice => "voice url",
                    Channel::Sms => "sms url",
                },
                reason: format!(
                    "{} has no {} to hold a webhook; assign one in Telnyx first",
                    state.phone_number,
                    match channel {
                        Channel::Voice => "Call Control or TeXML application",
                        Channel::Sms => "messaging profile",
                    }
                ),
            },
        )
    }

    /// The writes a change makes, on the connection and the messaging profile.
    pub async fn plan_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
    ) -> Result<WebhookPlan> {
        let wanted = wanted.into();
        wanted.given(Api::Telnyx)?;
        let state = self.webhooks(number).await?;
        wanted.plan(&state, Api::Telnyx, |change| {
            Self::plan_from(&state, change)
        })
    }

    /// Makes the change with `PATCH` on each object and returns the state read back.
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        shared: SharedPolicy,
    ) -> Result<Applied> {
        let wanted = wanted.into();
        wanted.given(Api::Telnyx)?;
        let state = self.webhooks(number).await?;
        let Some(change) = wanted.on(&state, Api::Telnyx)? else {
            return Ok(Applied::in_sync(state));
        };
        let change = &change;
        let plan = Self::plan_from(&state, change)?;
        check_shared(Api::Telnyx, &plan, shared)?;
        for step in &plan.changes {
            let id = &step.object.id;
            let (object, path, body) = match step.object.kind {
                ObjectKind::TelnyxCallControlApplication => {
                    let mut b = json!({"application_name": step.object_name});
                    if let Some(u) = &change.voice_url {
                        b["webhook_event_url"] = json!(u);
                    }
                    if let Some(u) = &change.voice_fallback_url {
                        b["webhook_event_failover_url"] = json!(u);
                    }
                    let path = format!("/v2/call_control_applications/{id}");
                    (format!("connection {id}"), path, b)
                }
                ObjectKind::TelnyxTexmlApplication => {
                    let mut b = json!({"friendly_name": step.object_name});
                    if let Some(u) = &change.voice_url {
                        b["voice_url"] = json!(u);
                    }
                    if let Some(u) = &change.voice_fallback_url {
                        b["voice_fallback_url"] = json!(u);
                    }
                    let path = format!("/v2/texml_applications/{id}");
                    (format!("connection {id}"), path, b)
                }
                _ => {
                    let mut b = json!({});
                    if let Some(u) = &change.sms_url {
                        b["webhook_url"] = json!(u);
                    }
                    if let Some(u) = &change.sms_fallback_url {
                        b["webhook_failover_url"] = json!(u);
                    }
                    let path = format!("/v2/messaging_profiles/{id}");
                    (format!("messaging profile {id}"), path, b)
                }
            };
            let subject = Subject::Object(step.object.to_string());
            let written = self.call::<One>(
                &subject,
                reqwest::Method::PATCH,
                &path,
                &[],
                Some(&body),
                None,
            );
            self.http.shared.write(&object, written).await?;
        }
        self.webhooks(number).await.map(Applied::written)
    }
}

/// The largest page of `GET /v2/detail_records`.
pub const MAX_RECORDS_PAGE_SIZE: u32 = 50;

/// The detail record types that hold an account's calls: Call Control (and TeXML)
/// applications' calls, and SIP connections' calls.
pub const CALL_RECORD_TYPES: [&str; 2] = ["call-control", "sip-trunking"];

#[derive(Deserialize)]
struct RecordPage {
    data: Vec<Value>,
    #[serde(default)]
    meta: Meta,
}

/// A Telnyx call's `hangup_cause` (Call Control's words) as an outcome: `normal_clearing`
/// answered; `user_busy` busy; `timeout` and `no_answer` unanswered; `originator_cancel`
/// canceled; `call_rejected`, `not_found` and `unspecified` failed; anything else unfinished.
pub fn call_outcome(hangup_cause: &str) -> CallOutcome {
    match hangup_cause {
        "normal_clearing" => CallOutcome::Answered,
        "user_busy" => CallOutcome::Busy,
        "timeout" | "no_answer" => CallOutcome::NoAnswer,
        "originator_cancel" => CallOutcome::Canceled,
        "call_rejected" | "not_found" | "unspecified" => CallOutcome::Failed,
        _ => CallOutcome::Unfinished,
    }
}

/// A call detail record (`call-control`, `sip-trunking`).
fn map_call(r: Value) -> Result<CallRecord, Skipped> {
    let id = text(&r, "id").unwrap_or_default().to_owned();
    let outcome = call_outcome(text(&r, "hangup_cause").unwrap_or_default());
    let (direction, number, counterpart) =
        records::sides(text(&r, "direction"), text(&r, "cld"), text(&r, "cli"));
    let unbilled = !matches!(outcome, CallOutcome::Answered | CallOutcome::Unfinished);
    Ok(CallRecord {
        number: records::ours(number, &id)?,
        direction,
        counterpart,
        outcome,
        started_at: records::rfc3339(text(&r, "started_at").or(text(&r, "created_at")), &id)?,
        duration_secs: records::count(r.get("call_sec")),
        billed_secs: records::count(r.get("billed_sec")),
        price: records::price(text(&r, "cost"), text(&r, "currency"), unbilled, &id)?,
        provider_id: id,
    })
}

/// A message detail record (`messaging`). Failed and gateway-rejected messages are not billed.
fn map_message(r: Value) -> Result<MessageRecord, Skipped> {
    let id = text(&r, "uuid")
        .or(text(&r, "id"))
        .unwrap_or_default()
        .to_owned();
    let status = text(&r, "status").unwrap_or_default().to_owned();
    let (direction, number, counterpart) =
        records::sides(text(&r, "direction"), text(&r, "cld"), text(&r, "cli"));
    let unbilled = matches!(status.as_str(), "failed" | "gw_reject" | "gw_timeout");
    Ok(MessageRecord {
        number: records::ours(number, &id)?,
        direction,
        counterpart,
        sent_at: records::rfc3339(text(&r, "sent_at").or(text(&r, "created_at")), &id)?,
        segments: records::count(r.get("parts")).max(1),
        price: records::price(text(&r, "cost"), text(&r, "currency"), unbilled, &id)?,
        status,
        provider_id: id,
    })
}

impl TelnyxClient {
    /// The account's calls created on or after `since` (to the second): the detail records of
    /// every type in [`CALL_RECORD_TYPES`], each by `filter[record_type]`,
    /// `filter[created_at][gte]` and `sort=created_at` (oldest first, so that records created
    /// during the pull are appended after the pages already read, never shifting them), paged
    /// with `page[number]` and `page[size]` (at most [`MAX_RECORDS_PAGE_SIZE`]) until
    /// `meta.total_pages`, each page handed to `sink`. The outcome is [`call_outcome`] of
    /// `hangup_cause`; `call_sec` and `billed_sec` as given; `cost` in `currency` is the price,
    /// a missing `cost` pending for an answered call and not billed for an unconnected one (as
    /// is a zero `cost` on an unconnected call). Returns the pages read.
    pub async fn calls_since(
        &self,
        since: OffsetDateTime,
        page_size: u32,
        sink: PageSink<'_, CallRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        let mut pages = 0;
        for record_type in CALL_RECORD_TYPES {
            pages += self
                .detail_records(record_type, since, page_size, sink, cancel, map_call)
                .await?;
        }
        Ok(pages)
    }

    /// The account's messages created on or after `since`: the `messaging` detail records, as
    /// [`TelnyxClient::calls_since`] reads calls; `parts` are the segments.
    pub async fn messages_since(
        &self,
        since: OffsetDateTime,
        page_size: u32,
        sink: PageSink<'_, MessageRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        self.detail_records("messaging", since, page_size, sink, cancel, map_message)
            .await
    }

    async fn detail_records<T>(
        &self,
        record_type: &str,
        since: OffsetDateTime,
        page_size: u32,
        sink: PageSink<'_, T>,
        cancel: &CancellationToken,
        map: fn(Value) -> Result<T, Skipped>,
    ) -> Result<u32> {
        let query = [
            ("filter[record_type]", record_type.to_owned()),
            ("filter[created_at][gte]", records::since_rfc3339(since)),
            ("sort", "created_at".to_owned()),
        ];
        let size = page_size.clamp(1, MAX_RECORDS_PAGE_SIZE);
        self.each_page(
            "/v2/detail_records",
            &query,
            PAGED,
            size,
            cancel,
            |page: RecordPage, n| {
                let more = page.meta.more(page.data.len(), n);
                sink(records::page(page.data.into_iter().map(map)));
                more
            },
        )
        .await
    }
}
