//! Vonage (Nexmo): the Numbers API on the `rest` host and Applications v2 on the `api` host.
//!
//! What is guaranteed:
//! - The Numbers API authenticates with `api_key` and `api_secret` query parameters, as it
//!   documents; the secret never appears in an error (errors never carry URLs). Applications
//!   v2 uses HTTP Basic with the same pair.
//! - Listing pages with `size` ≤ 100 and 1-based `index` until `count` numbers are read.
//!   Numbers are `msisdn` digits without "+"; they are mapped to E.164.
//! - SMS webhooks are per number (`moHttpUrl`, owner = the number), except for a number whose
//!   messages are linked to an Application with the Messages capability
//!   (`messagesCallbackType` `app`): its SMS URL is that application's Messages `inbound_url`
//!   (owner = the application; a listing reads each application once). Voice goes through
//!   the number's linked Application (`app_id`): its `answer_url` is the voice URL. Changing
//!   an application's URL re-points every number linked to it — counted with
//!   `GET /account/numbers?application_id=…` and refused unless allowed.
//! - Call and message records come from the Reports API's synchronous records
//!   (`GET /v2/reports/records`): [`VonageClient::calls_since`], [`VonageClient::messages_since`].
//!   Vonage bills every record it returns and has no free count, so a pull reads at most a cap
//!   of records ([`DEFAULT_RECORDS_CAP`], [`VonageClient::with_records_cap`]) and then stops
//!   with [`ProviderError::RecordCap`], which says so.
//! - Readiness ([`VonageClient::readiness`]): the A2P 10DLC campaign links of the account's US
//!   local numbers, from the 10DLC API's lists (brands, their campaigns, the numbers linked to
//!   each), never one request per number.

mod readiness;

pub use readiness::TEN_DLC_PAGE_SIZE;

use reqwest::Client;
use serde::Deserialize;
use serde_json::Value;
use switchboard_core::domain::{Capabilities, E164};
use switchboard_core::usage::{CallOutcome, CallRecord, MessageRecord, Price};
use switchboard_secrets::SecretString;
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use crate::client::{check_shared, number_subject};
use crate::config;
use crate::error::{Api, ProviderError, ProviderMessage, Result, Subject};
use crate::http::{
    HttpSettings, Idempotency, Transport, generic_message, parse_json, same_origin_link, truncate,
};
use crate::model::{
    AccountInfo, Applied, Channel, ListProgress, Listing, NumberRef, ObjectKind, ObjectRef,
    PageSink, PlannedChange, ProgressFn, ProviderNumber, SharedPolicy, Skipped, Wanted, Webhook,
    WebhookChange, WebhookOwner, WebhookPlan, WebhookState,
};
use crate::records::{self, text};

/// Vonage's largest page.
pub const MAX_PAGE_SIZE: u32 = 100;
const DEFAULT_API_URL: &str = "https://api.nexmo.com";

/// A Vonage account's API key and secret.
#[derive(Debug, Clone)]
pub struct VonageCredentials {
    /// API key (public half).
    pub api_key: String,
    /// API secret.
    pub api_secret: SecretString,
}

/// A client for one Vonage account.
#[derive(Debug, Clone)]
pub struct VonageClient {
    pub(crate) http: Transport,
    rest: String,
    api: String,
    creds: VonageCredentials,
    records_cap: u64,
}

fn read_error(status: u16, body: &str) -> ProviderMessage {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return generic_message(status, body);
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(label) = s("error-code-label") {
        return ProviderMessage {
            status,
            code: s("error-code"),
            message: truncate(&label, 300),
            more_info: None,
        };
    }
    if let Some(title) = s("title") {
        let message = match s("detail") {
            Some(d) => format!("{title}: {d}"),
            None => title,
        };
        return ProviderMessage {
            status,
            code: s("type").map(|t| t.rsplit('#').next().unwrap_or(&t).to_owned()),
            message: truncate(&message, 300),
            more_info: s("type"),
        };
    }
    generic_message(status, body)
}

#[derive(Deserialize)]
struct OwnedNumber {
    country: Option<String>,
    msisdn: String,
    #[serde(rename = "moHttpUrl")]
    mo_http_url: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(rename = "voiceCallbackType")]
    voice_callback_type: Option<String>,
    #[serde(rename = "voiceCallbackValue")]
    voice_callback_value: Option<String>,
    app_id: Option<String>,
    #[serde(rename = "messagesCallbackType")]
    messages_callback_type: Option<String>,
    #[serde(rename = "messagesCallbackValue")]
    messages_callback_value: Option<String>,
}

impl OwnedNumber {
    /// The Application the number's inbound messages are linked to (`messagesCallbackType`
    /// `app`, `messagesCallbackValue` its id). Messages reach that application's Messages
    /// `inbound_url` when it has the Messages capability ([`messages_inbound_url`]); otherwise
    /// the number's own `moHttpUrl` applies.
    fn messages_application(&self) -> Option<String> {
        (self.messages_callback_type.as_deref() == Some("app"))
            .then(|| self.messages_callback_value.clone())
            .flatten()
            .filter(|a| !a.is_empty())
    }

    fn application(&self) -> Option<String> {
        let app = self.app_id.clone().filter(|a| !a.is_empty());
        app.or_else(|| {
            (self.voice_callback_type.as_deref() == Some("app"))
                .then(|| self.voice_callback_value.clone())
                .flatten()
        })
    }
}

#[derive(Deserialize)]
struct NumbersPage {
    #[serde(default)]
    count: usize,
    #[serde(default)]
    numbers: Vec<OwnedNumber>,
}

#[derive(Deserialize)]
struct Balance {
    value: f64,
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl VonageClient {
    /// A client. `base_url` (or `SWITCHBOARD_VONAGE_API_URL`) replaces both the `rest` and the
    /// `api` origins; without either, the public hosts are used.
    pub fn new(
        creds: VonageCredentials,
        base_url: Option<&str>,
        settings: &HttpSettings,
    ) -> Result<Self> {
        let overridden = std::env::var(config::env_var(Api::Vonage))
            .ok()
            .filter(|v| !v.trim().is_empty())
            .is_some()
            || base_url.is_some();
        let rest = config::resolve_base_url(Api::Vonage, base_url)?;
        let api = if overridden {
            rest.clone()
        } else {
            DEFAULT_API_URL.to_owned()
        };
        Ok(VonageClient {
            http: Transport::new(Api::Vonage, settings, read_error)?,
            rest,
            api,
            creds,
            records_cap: DEFAULT_RECORDS_CAP,
        })
    }

    /// Always [`Api::Vonage`].
    pub fn api(&self) -> Api {
        Api::Vonage
    }

    /// The API key.
    pub fn account_id(&self) -> &str {
        &self.creds.api_key
    }

    fn keys(&self) -> [(&'static str, &str); 2] {
        [
            ("api_key", self.creds.api_key.as_str()),
            ("api_secret", self.creds.api_secret.expose_secret()),
        ]
    }

    async fn rest_get<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        path: &str,
        query: &[(&str, String)],
        cancel: Option<&CancellationToken>,
    ) -> Result<T> {
        let url = format!("{}{}", self.rest, path);
        let reply = self
            .http
            .send(subject, Idempotency::Idempotent, cancel, |c: &Client| {
                c.get(&url).query(&self.keys()).query(query)
            })
            .await?;
        parse_json(Api::Vonage, subject, &reply.body)
    }

    /// A GET on the Applications and Reports APIs (`url` on the API host), by HTTP Basic with
    /// the key and secret.
    async fn api_get<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        url: &str,
        query: &[(&str, String)],
        cancel: Option<&CancellationToken>,
    ) -> Result<T> {
        let reply = self
            .http
            .send(subject, Idempotency::Idempotent, cancel, |c: &Client| {
                c.get(url).query(query).basic_auth(
                    &self.creds.api_key,
                    Some(self.creds.api_secret.expose_secret()),
                )
            })
            .await?;
        parse_json(Api::Vonage, subject, &reply.body)
    }

    /// Checks the key and secret with `GET /account/get-balance`.
    pub async fn verify(&self) -> Result<AccountInfo> {
        let subject = Subject::Account(self.creds.api_key.clone());
        let balance: Balance = self
            .rest_get(&subject, "/account/get-balance", &[], None)
            .await?;
        tracing::debug!(balance = balance.value, "vonage account verified");
        Ok(AccountInfo {
            api: Api::Vonage,
            account_id: self.creds.api_key.clone(),
            friendly_name: None,
            status: None,
            method: "GET /account/get-balance",
        })
    }

    fn map(&self, n: &OwnedNumber) -> Result<ProviderNumber, Skipped> {
        let phone_number = E164::parse(&format!("+{}", n.msisdn), None).map_err(|e| Skipped {
            raw: n.msisdn.clone(),
            reason: e.to_string(),
        })?;
        let has = |f: &str| n.features.iter().any(|x| x.eq_ignore_ascii_case(f));
        Ok(ProviderNumber {
            api: Api::Vonage,
            phone_number,
            provider_sid: n.msisdn.clone(),
            friendly_name: None,
            capabilities: Capabilities {
                voice: has("VOICE"),
                sms: has("SMS"),
                mms: has("MMS"),
                fax: false,
            },
            iso_country: n.country.clone(),
            region: None,
            locality: None,
            number_type: n.kind.clone(),
            voice_url: None,
            // Replaced by the Messages application's `inbound_url` when it has one
            // (`read_messages_applications`).
            sms_url: nonempty(n.mo_http_url.as_deref()),
            voice_owner: n
                .application()
                .map(|a| ObjectRef::new(ObjectKind::VonageApplication, a)),
            sms_owner: n
                .messages_application()
                .map(|a| ObjectRef::new(ObjectKind::VonageApplication, a)),
        })
    }

    /// Gives each number linked to a Messages application that application's Messages
    /// `inbound_url`, reading each application once however many numbers share it. A number
    /// whose application has no Messages capability (or that the account no longer has)
    /// keeps its own `moHttpUrl`, and the number as its SMS owner. Returns how many
    /// applications it read.
    async fn read_messages_applications(
        &self,
        numbers: &mut [ProviderNumber],
        cancel: &CancellationToken,
    ) -> Result<usize> {
        let own: Vec<Option<String>> = numbers.iter().map(|n| n.sms_url.clone()).collect();
        let read = |id: String| async move {
            match self.application(&id).await {
                Ok(app) => Ok(messages_inbound_url(&app)),
                Err(ProviderError::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let whose = (Api::Vonage, Subject::Account(self.creds.api_key.clone()));
        let read = crate::model::read_owner_sms_urls(numbers, cancel, whose, read).await?;
        for (n, own) in numbers.iter_mut().zip(own) {
            if n.sms_owner.is_some() && n.sms_url.is_none() {
                n.sms_url = own;
                n.sms_owner = None;
            }
        }
        Ok(read)
    }

    /// Every number, `size=100` pages by `index`.
    pub async fn list_numbers(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        let mut listing = Listing::default();
        self.each_numbers_page(cancel, &mut |numbers, count| {
            listing.pages += 1;
            for n in &numbers {
                match self.map(n) {
                    Ok(n) => listing.numbers.push(n),
                    Err(s) => listing.skipped.push(s),
                }
            }
            progress(ListProgress {
                pages: listing.pages,
                fetched: listing.numbers.len() + listing.skipped.len(),
                total: Some(count),
            });
        })
        .await?;
        self.read_messages_applications(&mut listing.numbers, cancel)
            .await?;
        Ok(listing)
    }

    /// Reads the account's numbers page by page (`size=100` by 1-based `index`) until `count`
    /// are read, handing each page with `count` to `page`; stops at cancellation or when the
    /// paging budget runs out.
    async fn each_numbers_page(
        &self,
        cancel: &CancellationToken,
        page: &mut (dyn FnMut(Vec<OwnedNumber>, usize) + Send),
    ) -> Result<()> {
        let subject = Subject::Account(self.creds.api_key.clone());
        let mut budget = self.http.pages(MAX_PAGE_SIZE);
        let (mut index, mut read) = (1u32, 0usize);
        loop {
            budget.next(&subject, cancel)?;
            let query = [
                ("size", MAX_PAGE_SIZE.to_string()),
                ("index", index.to_string()),
            ];
            let body: NumbersPage = self
                .rest_get(&subject, "/account/numbers", &query, Some(cancel))
                .await?;
            let got = body.numbers.len();
            read += got;
            page(body.numbers, body.count);
            if got == 0 || read >= body.count {
                return Ok(());
            }
            index += 1;
        }
    }

    async fn raw(&self, number: &NumberRef) -> Result<OwnedNumber> {
        let subject = number_subject(number);
        let digits = number.phone_number.digits().to_owned();
        let query = [
            ("pattern", digits.clone()),
            ("search_pattern", "0".to_owned()),
            ("size", "10".to_owned()),
        ];
        let page: NumbersPage = self
            .rest_get(&subject, "/account/numbers", &query, None)
            .await?;
        page.numbers
            .into_iter()
            .find(|n| n.msisdn == digits)
            .ok_or_else(|| ProviderError::NotFound {
                api: Api::Vonage,
                subject,
                detail: ProviderMessage {
                    status: 200,
                    code: None,
                    message: "the account does not own this number".into(),
                    more_info: None,
                },
            })
    }

    /// One number of the account, in one request: its SMS URL is its own `moHttpUrl` even
    /// when a Messages application holds it (not read here; [`VonageClient::fetch_number`]
    /// reads it).
    pub(crate) async fn lookup_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let raw = self.raw(number).await?;
        self.map(&raw).map_err(|s| ProviderError::Malformed {
            api: Api::Vonage,
            subject: number_subject(number),
            reason: s.reason,
        })
    }

    /// One number of the account, with its SMS URL (its Messages application's `inbound_url`,
    /// read, when it has one).
    pub async fn fetch_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let mut n = self.lookup_number(number).await?;
        let never = CancellationToken::new();
        self.read_messages_applications(std::slice::from_mut(&mut n), &never)
            .await?;
        Ok(n)
    }

    /// Application `id`, once a run (`shared` module).
    async fn application(&self, id: &str) -> Result<Value> {
        let object = format!("application {id}");
        (self.http.shared)
            .read(&object, || self.read_application(id))
            .await
    }

    /// Application `id`, read now (what a write starts from).
    async fn read_application(&self, id: &str) -> Result<Value> {
        let subject = Subject::Object(format!("application {id}"));
        let url = format!("{}/v2/applications/{}", self.api, id);
        self.api_get(&subject, &url, &[], None).await
    }

    /// How many numbers application `app` has, once a run (a webhook write never moves a
    /// number to another application).
    async fn numbers_on(&self, app: &str) -> Result<u64> {
        let subject = Subject::Object(format!("application {app}"));
        let query = [("application_id", app.to_owned()), ("size", "1".to_owned())];
        let count = || async {
            let page: NumbersPage = self
                .rest_get(&subject, "/account/numbers", &query, None)
                .await?;
            Ok(page.count as u64)
        };
        (self.http.shared)
            .read(&format!("numbers of application {app}"), count)
            .await
    }

    async fn state(&self, raw: &OwnedNumber, phone_number: &E164) -> Result<WebhookState> {
        let voice_app = match raw.application() {
            Some(id) => {
                let body = self.application(&id).await?;
                let shared_by = self.numbers_on(&id).await?;
                Some(ReadApp {
                    id,
                    body,
                    shared_by,
                })
            }
            None => None,
        };
        // A URL on the number itself (none for voice: forwarded to SIP or a phone number).
        let on_number = |url| Webhook {
            url,
            fallback_url: None,
            owner: WebhookOwner {
                object: ObjectRef::new(ObjectKind::Number, &raw.msisdn),
                name: None,
                shared_by: Some(1),
            },
        };
        let voice = Some(match &voice_app {
            Some(app) => {
                let hooks = &app.body["capabilities"]["voice"]["webhooks"];
                Webhook {
                    url: nonempty(hooks["answer_url"]["address"].as_str()),
                    fallback_url: nonempty(hooks["fallback_answer_url"]["address"].as_str()),
                    owner: app.owner(),
                }
            }
            None => on_number(None),
        });
        let sms = Some(match self.messages_app(raw, voice_app).await? {
            Some((app, url)) => Webhook {
                url: Some(url),
                fallback_url: None,
                owner: app.owner(),
            },
            None => on_number(nonempty(raw.mo_http_url.as_deref())),
        });
        Ok(WebhookState {
            phone_number: phone_number.clone(),
            voice,
            sms,
        })
    }

    /// The number's Messages application with its `inbound_url`, when it has one with an
    /// `inbound_url` that the account still has; `voice`, its voice application already read,
    /// is not read again when it is the same.
    async fn messages_app(
        &self,
        raw: &OwnedNumber,
        voice: Option<ReadApp>,
    ) -> Result<Option<(ReadApp, String)>> {
        let Some(id) = raw.messages_application() else {
            return Ok(None);
        };
        if let Some(app) = voice.filter(|app| app.id == id) {
            return Ok(messages_inbound_url(&app.body).map(|url| (app, url)));
        }
        let body = match self.application(&id).await {
            Ok(body) => body,
            Err(ProviderError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(url) = messages_inbound_url(&body) else {
            return Ok(None);
        };
        let shared_by = self.numbers_on(&id).await?;
        Ok(Some((
            ReadApp {
                id,
                body,
                shared_by,
            },
            url,
        )))
    }

    /// The number's webhooks: SMS on the number, voice on its application.
    pub async fn webhooks(&self, number: &NumberRef) -> Result<WebhookState> {
        let raw = self.raw(number).await?;
        self.state(&raw, &number.phone_number).await
    }

    fn plan_from(
        &self,
        raw: &OwnedNumber,
        state: &WebhookState,
        change: &WebhookChange,
    ) -> Result<WebhookPlan> {
        let mut changes = Vec::new();
        if let Some(to) = change
            .voice_url
            .as_ref()
            .or(change.voice_fallback_url.as_ref())
        {
            let Some(voice) = state
                .voice
                .as_ref()
                .filter(|v| v.owner.object.kind == ObjectKind::VonageApplication)
            else {
                return Err(ProviderError::InvalidInput {
                    api: Api::Vonage,
                    field: "voice url",
                    reason: format!(
                        "{} has no linked Application; Vonage routes voice webhooks only \
                         through one (link the number to an application first)",
                        state.phone_number
                    ),
                });
            };
            changes.push(PlannedChange::on_owner(Channel::Voice, voice, to));
        }
        if let Some((to, sms)) = change.sms_url.as_ref().zip(
            (state.sms.as_ref()).filter(|s| s.owner.object.kind == ObjectKind::VonageApplication),
        ) {
            // Linked to a Messages application: its `inbound_url` is the SMS URL.
            changes.push(PlannedChange::on_owner(Channel::Sms, sms, to));
        } else if let Some(to) = &change.sms_url {
            changes.push(PlannedChange {
                channel: Channel::Sms,
                object: ObjectRef::new(ObjectKind::Number, &raw.msisdn),
                object_name: None,
                shared_by: Some(1),
                from: state.sms_url().map(str::to_owned),
                to: to.clone(),
                detaches: None,
            });
        }
        Ok(WebhookPlan {
            phone_number: state.phone_number.clone(),
            changes,
        })
    }

    /// The writes a change makes: `moHttpUrl` on the number, `answer_url` on the application.
    pub async fn plan_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
    ) -> Result<WebhookPlan> {
        let wanted = wanted.into();
        wanted.given(Api::Vonage)?;
        let raw = self.raw(number).await?;
        let state = self.state(&raw, &number.phone_number).await?;
        wanted.plan(&state, Api::Vonage, |change| {
            self.plan_from(&raw, &state, change)
        })
    }

    /// Makes the change (`POST /number/update`, `PUT /v2/applications/{id}`) and returns the
    /// state read back.
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        shared: SharedPolicy,
    ) -> Result<Applied> {
        let wanted = wanted.into();
        wanted.given(Api::Vonage)?;
        let raw = self.raw(number).await?;
        let state = self.state(&raw, &number.phone_number).await?;
        let Some(change) = wanted.on(&state, Api::Vonage)? else {
            return Ok(Applied::in_sync(state));
        };
        let change = &change;
        let plan = self.plan_from(&raw, &state, change)?;
        check_shared(Api::Vonage, &plan, shared)?;
        let subject = number_subject(number);
        // The writes on applications, by application: one read and one write each, however
        // many channels of the number it carries (voice and messages on one application).
        let mut apps: Vec<(&str, Vec<&PlannedChange>)> = Vec::new();
        for step in &plan.changes {
            if step.object.kind == ObjectKind::VonageApplication {
                match apps.iter_mut().find(|(id, _)| *id == step.object.id) {
                    Some((_, steps)) => steps.push(step),
                    None => apps.push((&step.object.id, vec![step])),
                }
                continue;
            }
            // The SMS URL on the number itself.
            let mut form = vec![
                ("country", raw.country.clone().unwrap_or_default()),
                ("msisdn", raw.msisdn.clone()),
                ("moHttpUrl", step.to.clone()),
            ];
            if let Some(app) = raw.application() {
                form.push(("app_id", app));
            }
            let url = format!("{}/number/update", self.rest);
            let reply = self
                .http
                .send(&subject, Idempotency::Idempotent, None, |c: &Client| {
                    c.post(&url).query(&self.keys()).form(&form)
                })
                .await?;
            let ack: Value = parse_json(Api::Vonage, &subject, &reply.body)?;
            if ack["error-code"].as_str().is_some_and(|c| c != "200") {
                return Err(ProviderError::Provider {
                    api: Api::Vonage,
                    subject,
                    detail: read_error(200, &reply.body),
                });
            }
        }
        for (id, steps) in apps {
            self.update_application(id, |caps| {
                for step in steps {
                    edit_application(caps, step, change);
                }
            })
            .await?;
        }
        self.webhooks(number).await.map(Applied::written)
    }

    /// Reads application `id`, changes its `capabilities` with `edit`, and writes it back
    /// (`PUT /v2/applications/{id}` with its name and capabilities).
    async fn update_application(&self, id: &str, edit: impl FnOnce(&mut Value)) -> Result<()> {
        let mut app = self.read_application(id).await?;
        edit(&mut app["capabilities"]);
        let body = serde_json::json!({
            "name": app["name"],
            "capabilities": app["capabilities"],
        });
        let url = format!("{}/v2/applications/{}", self.api, id);
        let app_subject = Subject::Object(format!("application {id}"));
        let written =
            (self.http).send(&app_subject, Idempotency::Idempotent, None, |c: &Client| {
                c.put(&url)
                    .basic_auth(
                        &self.creds.api_key,
                        Some(self.creds.api_secret.expose_secret()),
                    )
                    .json(&body)
            });
        let object = format!("application {id}");
        self.http.shared.write(&object, written).await.map(drop)
    }
}

/// An application a number's state reads: its body and how many numbers it has.
struct ReadApp {
    id: String,
    body: Value,
    shared_by: u64,
}

impl ReadApp {
    /// The application as the owner of a number's URL.
    fn owner(&self) -> WebhookOwner {
        WebhookOwner {
            object: ObjectRef::new(ObjectKind::VonageApplication, &self.id),
            name: nonempty(self.body["name"].as_str()),
            shared_by: Some(self.shared_by),
        }
    }
}

/// Makes `step` (voice: `change`'s voice URLs; SMS: the Messages `inbound_url`) on an
/// application's `capabilities`.
fn edit_application(caps: &mut Value, step: &PlannedChange, change: &WebhookChange) {
    match step.channel {
        Channel::Sms => {
            let inbound = &mut caps["messages"]["webhooks"]["inbound_url"];
            inbound["address"] = Value::from(step.to.clone());
            if inbound["http_method"].is_null() {
                inbound["http_method"] = Value::from("POST");
            }
        }
        Channel::Voice => {
            let hooks = &mut caps["voice"]["webhooks"];
            for (key, url) in [
                ("answer_url", &change.voice_url),
                ("fallback_answer_url", &change.voice_fallback_url),
            ] {
                if let Some(u) = url {
                    hooks[key]["address"] = Value::from(u.clone());
                    if hooks[key]["http_method"].is_null() {
                        hooks[key]["http_method"] = Value::from("GET");
                    }
                }
            }
        }
    }
}

/// An application's Messages `inbound_url` (`capabilities.messages.webhooks.inbound_url
/// .address`), when it has the Messages capability.
fn messages_inbound_url(app: &Value) -> Option<String> {
    nonempty(app["capabilities"]["messages"]["webhooks"]["inbound_url"]["address"].as_str())
}

/// What one pull reads at most from the Reports API unless the caller allows more
/// ([`VonageClient::with_records_cap`]): Vonage bills every record it returns.
pub const DEFAULT_RECORDS_CAP: u64 = 100_000;

/// The synchronous Reports API's widest window (`date_end` at most 24 hours after
/// `date_start`).
const REPORT_WINDOW: Duration = Duration::hours(24);

#[derive(Deserialize)]
struct ReportLink {
    href: String,
}

#[derive(Deserialize, Default)]
struct ReportLinks {
    next: Option<ReportLink>,
}

#[derive(Deserialize)]
struct ReportPage {
    #[serde(default)]
    _links: ReportLinks,
    #[serde(default)]
    request_status: String,
    #[serde(default)]
    records: Vec<Value>,
}

/// A Vonage voice record's `status` as an outcome: `completed`, `answered` and `machine`
/// answered; `busy` busy; `timeout` and `unanswered` unanswered; `failed` and `rejected`
/// failed; `cancelled` canceled; `started`, `ringing` and anything else unfinished.
pub fn call_outcome(status: &str) -> CallOutcome {
    match status {
        "completed" | "answered" | "machine" => CallOutcome::Answered,
        "busy" => CallOutcome::Busy,
        "timeout" | "unanswered" => CallOutcome::NoAnswer,
        "failed" | "rejected" => CallOutcome::Failed,
        "cancelled" => CallOutcome::Canceled,
        _ => CallOutcome::Unfinished,
    }
}

/// An amount the schema types as a JSON number (or a string), as decimal text.
fn amount(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A record's `total_price` in its `currency`.
fn total_price(r: &Value, unbilled: bool, id: &str) -> Result<Price, Skipped> {
    records::price(
        amount(&r["total_price"]).as_deref(),
        text(r, "currency"),
        unbilled,
        id,
    )
}

/// `2026-11-30T10:00:00+0000` (or RFC 3339).
fn report_time(text: Option<&str>, record: &str) -> Result<OffsetDateTime, Skipped> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
    );
    match text.and_then(|t| OffsetDateTime::parse(t, format).ok()) {
        Some(t) => Ok(t),
        None => records::rfc3339(text, record),
    }
}

fn map_call(r: Value) -> Result<CallRecord, Skipped> {
    let id = text(&r, "call_id").unwrap_or_default().to_owned();
    let outcome = call_outcome(text(&r, "status").unwrap_or_default());
    let (direction, number, counterpart) = records::sides_of(&r, "direction", "to", "from");
    let duration_secs = records::count(r.get("duration"));
    let unbilled = !matches!(outcome, CallOutcome::Answered | CallOutcome::Unfinished);
    Ok(CallRecord {
        number: records::ours(number.as_deref(), &id)?,
        direction,
        counterpart,
        outcome,
        started_at: report_time(text(&r, "date_start"), &id)?,
        duration_secs,
        // Vonage bills voice per second after the first minute on most routes; the record
        // gives no billed duration, so it is the connected one.
        billed_secs: if outcome == CallOutcome::Answered {
            duration_secs
        } else {
            0
        },
        price: total_price(&r, unbilled, &id)?,
        provider_id: id,
    })
}

/// An SMS record (one per message part); inbound records carry no status: `received`.
fn map_message(r: Value) -> Result<MessageRecord, Skipped> {
    let id = text(&r, "message_id").unwrap_or_default().to_owned();
    let status = text(&r, "status").unwrap_or("received").to_owned();
    let (direction, number, counterpart) = records::sides_of(&r, "direction", "to", "from");
    let unbilled = matches!(status.as_str(), "rejected" | "failed");
    Ok(MessageRecord {
        number: records::ours(number.as_deref(), &id)?,
        direction,
        counterpart,
        sent_at: report_time(text(&r, "date_received"), &id)?,
        segments: 1,
        price: total_price(&r, unbilled, &id)?,
        status,
        provider_id: id,
    })
}

impl VonageClient {
    /// The same client with another records cap for [`VonageClient::calls_since`] and
    /// [`VonageClient::messages_since`] (default [`DEFAULT_RECORDS_CAP`]): Vonage bills every
    /// record the Reports API returns, and offers no free count of a range, so a caller that
    /// wants more must say so (after telling the user the cost).
    pub fn with_records_cap(mut self, cap: u64) -> Self {
        self.records_cap = cap;
        self
    }

    /// The account's calls that started on or after `since` (to the second), from the Reports
    /// API's synchronous `GET /v2/reports/records` (`product=VOICE-CALL`, both directions), in
    /// windows of 24 hours (`date_start` inclusive, `date_end` exclusive: the most it allows)
    /// from `since` on until now, each followed through `_links.next.href` (`cursor`, `iv`;
    /// 1,000 records a page) while `request_status` is `TRUNCATED`; each page handed to `sink`.
    /// Vonage bills every record returned: after [`VonageClient::with_records_cap`] records
    /// the pull stops with [`ProviderError::RecordCap`] instead of asking for more. Outcome:
    /// [`call_outcome`]; `duration` connected (and billed) seconds; `total_price` in
    /// `currency` (missing: pending for an answered call; not billed for an unconnected one,
    /// nor is a zero there). Returns the pages read.
    pub async fn calls_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, CallRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        self.report("VOICE-CALL", &[None], since, sink, cancel, map_call)
            .await
    }

    /// The account's SMS received on or after `since`, as [`VonageClient::calls_since`]
    /// reads calls: `product=SMS` with `direction=inbound`, then `outbound` (the direction is
    /// required for SMS), in the same windows and under the same cap. One record per message
    /// part; `rejected` and `failed` messages are not billed.
    pub async fn messages_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, MessageRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        let directions = [Some("inbound"), Some("outbound")];
        self.report("SMS", &directions, since, sink, cancel, map_message)
            .await
    }

    async fn report<T>(
        &self,
        product: &str,
        directions: &[Option<&str>],
        since: OffsetDateTime,
        sink: PageSink<'_, T>,
        cancel: &CancellationToken,
        map: fn(Value) -> Result<T, Skipped>,
    ) -> Result<u32> {
        let subject = Subject::Account(self.creds.api_key.clone());
        let records_url = format!("{}/v2/reports/records", self.api);
        let mut budget = self.http.pages(1_000);
        let now = OffsetDateTime::now_utc();
        let (mut pages, mut read) = (0u32, 0u64);
        let mut from = since.replace_nanosecond(0).unwrap_or(since);
        while from <= now {
            for direction in directions {
                let mut query = vec![
                    ("account_id", self.creds.api_key.clone()),
                    ("product", product.to_owned()),
                    ("date_start", records::since_rfc3339(from)),
                    ("date_end", records::since_rfc3339(from + REPORT_WINDOW)),
                ];
                if let Some(d) = direction {
                    query.push(("direction", (*d).to_owned()));
                }
                let mut url = records_url.clone();
                loop {
                    if read >= self.records_cap {
                        return Err(ProviderError::RecordCap {
                            api: Api::Vonage,
                            subject,
                            records: read,
                            cap: self.records_cap,
                        });
                    }
                    budget.next(&subject, cancel)?;
                    let page: ReportPage =
                        self.api_get(&subject, &url, &query, Some(cancel)).await?;
                    pages += 1;
                    read += page.records.len() as u64;
                    sink(records::page(page.records.into_iter().map(map)));
                    match page._links.next {
                        Some(next) if page.request_status == "TRUNCATED" => {
                            url = same_origin_link(Api::Vonage, &subject, &self.api, &next.href)?
                                .into();
                            query.clear();
                        }
                        _ => break,
                    }
                }
            }
            from += REPORT_WINDOW;
        }
        Ok(pages)
    }
}
