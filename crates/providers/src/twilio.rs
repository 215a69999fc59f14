//! Twilio's 2010-04-01 REST API, and SignalWire's compatible copy of it.
//!
//! What is guaranteed:
//! - Authentication is HTTP Basic with the Account SID and auth token, or with an API key SID
//!   and secret. API keys are refused by `GET /Accounts/{Sid}.json`, so [`TwilioClient::verify`]
//!   checks them with `GET IncomingPhoneNumbers.json?PageSize=1` instead.
//! - [`TwilioClient::list_numbers`] follows `next_page_uri` to the end (page size up to 1000),
//!   reporting progress after each page and stopping at cancellation. `next_page_uri` is
//!   resolved against the API origin and followed only there (`http::same_origin_link`).
//! - Webhooks are per number (`VoiceUrl`, `SmsUrl` and their fallbacks). A number that uses an
//!   Application (`voice_application_sid`) takes its voice URL from the application: reading
//!   reports the application as the owner; setting a URL *detaches* that number from the
//!   application (`VoiceApplicationSid=""`) and gives it its own URL, so no other number
//!   changes. The plan says so. A number without an application gets no `…ApplicationSid`
//!   at all (Twilio's schema admits only an `AP…` SID there).
//! - Buying and releasing need a [`Confirmed`] for the same number and are never retried.
//! - SignalWire: the same client with the space's origin and the `/api/laml` prefix; its
//!   `next_page_uri` already carries the prefix.

mod readiness;

use reqwest::Client;
use serde::Deserialize;
use switchboard_core::domain::{Capabilities, E164};
use switchboard_core::usage::{CallOutcome, CallRecord, Direction, MessageRecord, Money, Price};
use switchboard_secrets::SecretString;
use time::format_description::well_known::Rfc2822;
use time::{Date, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use crate::config;
use crate::error::{Api, ProviderError, ProviderMessage, Result, Subject};
use crate::http::{
    HttpSettings, Idempotency, Transport, generic_message, parse_json, same_origin_link, truncate,
};
use crate::model::{
    AccountInfo, Applied, Channel, Confirmed, ListProgress, Listing, NumberRef, ObjectKind,
    ObjectRef, PageSink, PlannedChange, ProgressFn, ProviderNumber, SharedPolicy, Skipped, Wanted,
    Webhook, WebhookChange, WebhookOwner, WebhookPlan, WebhookState,
};

/// The largest page Twilio serves.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How a Twilio request authenticates.
#[derive(Debug, Clone)]
pub enum TwilioAuth {
    /// The account's auth token (user = Account SID).
    AuthToken(SecretString),
    /// An API key (user = key SID `SK…`).
    ApiKey {
        /// The key SID.
        sid: String,
        /// The key secret.
        secret: SecretString,
    },
}

/// A Twilio (or SignalWire) account and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct TwilioCredentials {
    /// Account SID `AC…` (SignalWire: the project id).
    pub account_sid: String,
    /// Auth token or API key.
    pub auth: TwilioAuth,
}

/// Where the API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwilioEndpoint {
    /// Twilio, at the default origin or the one in settings (e.g. a regional edge from
    /// [`config::twilio_edge_url`]). `SWITCHBOARD_TWILIO_API_URL` overrides it.
    Twilio {
        /// Origin from settings, if any.
        base_url: Option<String>,
    },
    /// SignalWire, at a space origin from [`config::signalwire_space_url`].
    /// `SWITCHBOARD_SIGNALWIRE_API_URL` overrides it.
    SignalWire {
        /// The space's origin.
        space_url: String,
    },
}

/// A client for one Twilio or SignalWire account.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    pub(crate) http: Transport,
    origin: String,
    prefix: &'static str,
    creds: TwilioCredentials,
}

/// A number search. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AvailableSearch {
    /// ISO country, e.g. "US".
    pub country: String,
    /// Number type: "Local" (default), "TollFree", "Mobile".
    pub number_type: Option<String>,
    /// Area code, e.g. "415".
    pub area_code: Option<String>,
    /// Digits or pattern the number contains (Twilio `Contains`, e.g. "555" or "510555****").
    pub contains: Option<String>,
    /// Required capabilities (`true` filters; `false` does not).
    pub capabilities: Capabilities,
    /// How many to return (default 20, at most 1000... Twilio caps searches at 50).
    pub limit: Option<u32>,
}

/// A number offered for purchase.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AvailableNumber {
    /// The number.
    pub phone_number: E164,
    /// Display form.
    pub friendly_name: Option<String>,
    /// Locality, e.g. "San Francisco".
    pub locality: Option<String>,
    /// Region, e.g. "CA".
    pub region: Option<String>,
    /// ISO country.
    pub iso_country: Option<String>,
    /// Capabilities.
    pub capabilities: Capabilities,
}

#[derive(Deserialize)]
struct TwError {
    code: Option<serde_json::Value>,
    message: Option<String>,
    more_info: Option<String>,
}

/// Reads Twilio's error body `{code, message, more_info, status}`.
fn read_error(status: u16, body: &str) -> ProviderMessage {
    match serde_json::from_str::<TwError>(body) {
        Ok(e) if e.message.is_some() || e.code.is_some() => ProviderMessage {
            status,
            code: e.code.map(|c| match c {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
            message: truncate(e.message.as_deref().unwrap_or(""), 300),
            more_info: e.more_info,
        },
        _ => generic_message(status, body),
    }
}

#[derive(Deserialize)]
struct TwAccount {
    sid: String,
    friendly_name: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct TwCaps {
    #[serde(default)]
    voice: Option<bool>,
    #[serde(default, alias = "SMS")]
    sms: Option<bool>,
    #[serde(default, alias = "MMS")]
    mms: Option<bool>,
    #[serde(default)]
    fax: Option<bool>,
}

impl From<TwCaps> for Capabilities {
    fn from(c: TwCaps) -> Self {
        Capabilities {
            voice: c.voice.unwrap_or(false),
            sms: c.sms.unwrap_or(false),
            mms: c.mms.unwrap_or(false),
            fax: c.fax.unwrap_or(false),
        }
    }
}

#[derive(Deserialize, Clone)]
struct TwNumber {
    sid: String,
    phone_number: String,
    friendly_name: Option<String>,
    capabilities: Option<TwCaps>,
    voice_url: Option<String>,
    voice_fallback_url: Option<String>,
    voice_application_sid: Option<String>,
    sms_url: Option<String>,
    sms_fallback_url: Option<String>,
    sms_application_sid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct TwNumberPage {
    incoming_phone_numbers: Vec<TwNumber>,
    next_page_uri: Option<String>,
}

#[derive(Clone, Deserialize)]
struct TwApplication {
    sid: String,
    friendly_name: Option<String>,
    voice_url: Option<String>,
    voice_fallback_url: Option<String>,
    sms_url: Option<String>,
    sms_fallback_url: Option<String>,
}

#[derive(Deserialize)]
struct TwAvailable {
    phone_number: String,
    friendly_name: Option<String>,
    locality: Option<String>,
    region: Option<String>,
    iso_country: Option<String>,
    capabilities: Option<TwCaps>,
}

#[derive(Deserialize)]
struct TwAvailablePage {
    available_phone_numbers: Vec<TwAvailable>,
}

/// The form of `POST IncomingPhoneNumbers/{Sid}.json` that applies `change` to `n`. A
/// channel's `…ApplicationSid` is sent (empty, which detaches the application) only when the
/// number has an application on that channel and one of the channel's URLs changes: Twilio's
/// schema admits only an `AP…` SID there, and an empty value is the one way to remove one
/// (the number resource itself reports "no application" as `""`).
fn update_form<'a>(n: &TwNumber, change: &'a WebhookChange) -> Vec<(&'static str, &'a str)> {
    let mut form = Vec::new();
    for (url_key, url, fallback_key, fallback, app_key, app) in [
        (
            "VoiceUrl",
            &change.voice_url,
            "VoiceFallbackUrl",
            &change.voice_fallback_url,
            "VoiceApplicationSid",
            &n.voice_application_sid,
        ),
        (
            "SmsUrl",
            &change.sms_url,
            "SmsFallbackUrl",
            &change.sms_fallback_url,
            "SmsApplicationSid",
            &n.sms_application_sid,
        ),
    ] {
        if let Some(u) = url {
            form.push((url_key, u.as_str()));
        }
        if let Some(u) = fallback {
            form.push((fallback_key, u.as_str()));
        }
        if (url.is_some() || fallback.is_some()) && non_empty(app).is_some() {
            form.push((app_key, ""));
        }
    }
    form
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl TwilioClient {
    /// A client for `creds` at `endpoint`.
    pub fn new(
        creds: TwilioCredentials,
        endpoint: TwilioEndpoint,
        settings: &HttpSettings,
    ) -> Result<Self> {
        let (api, origin, prefix) = match &endpoint {
            TwilioEndpoint::Twilio { base_url } => (
                Api::Twilio,
                config::resolve_base_url(Api::Twilio, base_url.as_deref())?,
                "",
            ),
            TwilioEndpoint::SignalWire { space_url } => (
                Api::SignalWire,
                config::resolve_base_url(Api::SignalWire, Some(space_url))?,
                "/api/laml",
            ),
        };
        if creds.account_sid.trim().is_empty() || creds.account_sid.contains('/') {
            return Err(ProviderError::InvalidInput {
                api,
                field: "account sid",
                reason: "must be a non-empty id without '/'".into(),
            });
        }
        Ok(TwilioClient {
            http: Transport::new(api, settings, read_error)?,
            origin,
            prefix,
            creds,
        })
    }

    /// Twilio or SignalWire.
    pub fn api(&self) -> Api {
        self.http.api
    }

    /// The account SID.
    pub fn account_id(&self) -> &str {
        &self.creds.account_sid
    }

    /// The origin requests go to.
    pub fn base_url(&self) -> &str {
        &self.origin
    }

    fn account_path(&self) -> String {
        format!(
            "{}{}/2010-04-01/Accounts/{}",
            self.origin, self.prefix, self.creds.account_sid
        )
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.creds.auth {
            TwilioAuth::AuthToken(token) => {
                rb.basic_auth(&self.creds.account_sid, Some(token.expose_secret()))
            }
            TwilioAuth::ApiKey { sid, secret } => rb.basic_auth(sid, Some(secret.expose_secret())),
        }
    }

    fn account(&self) -> Subject {
        Subject::Account(self.creds.account_sid.clone())
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        subject: &Subject,
        url: &str,
        query: &[(&str, String)],
        cancel: Option<&CancellationToken>,
    ) -> Result<T> {
        let reply = self
            .http
            .send(subject, Idempotency::Idempotent, cancel, |c: &Client| {
                self.authed(c.get(url).query(query))
            })
            .await?;
        parse_json(self.api(), subject, &reply.body)
    }

    /// Checks the credentials. Auth tokens: `GET /Accounts/{Sid}.json`. API keys:
    /// `GET IncomingPhoneNumbers.json?PageSize=1` (API keys may not read the account).
    pub async fn verify(&self) -> Result<AccountInfo> {
        let subject = self.account();
        match &self.creds.auth {
            TwilioAuth::AuthToken(_) => {
                let url = format!("{}.json", self.account_path());
                let account: TwAccount = self.get(&subject, &url, &[], None).await?;
                Ok(AccountInfo {
                    api: self.api(),
                    account_id: account.sid,
                    friendly_name: account.friendly_name,
                    status: account.status,
                    method: "GET /Accounts/{Sid}.json",
                })
            }
            TwilioAuth::ApiKey { .. } => {
                let url = format!("{}/IncomingPhoneNumbers.json", self.account_path());
                let _: TwNumberPage = self
                    .get(&subject, &url, &[("PageSize", "1".into())], None)
                    .await?;
                Ok(AccountInfo {
                    api: self.api(),
                    account_id: self.creds.account_sid.clone(),
                    friendly_name: None,
                    status: None,
                    method: "GET /Accounts/{Sid}/IncomingPhoneNumbers.json?PageSize=1",
                })
            }
        }
    }

    /// Every number of the account, following `next_page_uri` to the end. `page_size` is
    /// clamped to 1..=1000.
    pub async fn list_numbers(
        &self,
        page_size: u32,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        let (mut numbers, mut skipped, mut pages) = (Vec::new(), Vec::new(), 0);
        let url = format!("{}/IncomingPhoneNumbers.json", self.account_path());
        self.each_page(&url, vec![], page_size, cancel, |page: TwNumberPage| {
            pages += 1;
            for n in page.incoming_phone_numbers {
                match self.map_number(n) {
                    Ok(n) => numbers.push(n),
                    Err(s) => skipped.push(s),
                }
            }
            progress(ListProgress {
                pages,
                fetched: numbers.len() + skipped.len(),
                total: None,
            });
            page.next_page_uri
        })
        .await?;
        self.read_sms_applications(&mut numbers, cancel).await?;
        Ok(Listing {
            numbers,
            skipped,
            pages,
        })
    }

    /// Gives each number whose SMS goes to an Application (`sms_application_sid`) that
    /// application's `sms_url` (Twilio ignores the number's own then), reading each application
    /// once however many numbers share it. An application the account no longer has leaves its
    /// numbers' SMS URL unknown.
    async fn read_sms_applications(
        &self,
        numbers: &mut [ProviderNumber],
        cancel: &CancellationToken,
    ) -> Result<()> {
        let read = |sid: String| async move {
            match self.application(&sid).await {
                Ok(app) => Ok(non_empty(&app.sms_url)),
                Err(ProviderError::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let whose = (self.api(), self.account());
        crate::model::read_owner_sms_urls(numbers, cancel, whose, read).await?;
        Ok(())
    }

    /// Reads the list at `url` with `query` page by page (`page_size` clamped to 1..=1000),
    /// handing each page to `page`, which returns the page's `next_page_uri`; stops at the last
    /// page, at cancellation, or when the paging budget runs out. Returns the pages read.
    async fn each_page<P: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        mut query: Vec<(&str, String)>,
        page_size: u32,
        cancel: &CancellationToken,
        mut page: impl FnMut(P) -> Option<String>,
    ) -> Result<u32> {
        let subject = self.account();
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let mut budget = self.http.pages(page_size);
        query.push(("PageSize", page_size.to_string()));
        // Links are followed on the origin of the list's own URL (the API host, or a product
        // host such as messaging.twilio.com), never anywhere else.
        let origin = reqwest::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| self.origin.clone());
        let (mut url, mut pages) = (url.to_owned(), 0);
        loop {
            budget.next(&subject, cancel)?;
            let body: P = self.get(&subject, &url, &query, Some(cancel)).await?;
            pages += 1;
            match page(body).filter(|u| !u.is_empty()) {
                Some(next) => {
                    // A path on the API origin ("/2010-04-01/…", SignalWire's with its prefix).
                    url = same_origin_link(self.api(), &subject, &origin, &next)?.into();
                    query.clear();
                }
                None => return Ok(pages),
            }
        }
    }

    fn map_number(&self, n: TwNumber) -> Result<ProviderNumber, Skipped> {
        let phone_number = E164::parse(&n.phone_number, None).map_err(|e| Skipped {
            raw: n.phone_number.clone(),
            reason: e.to_string(),
        })?;
        let iso_country = phone_number.facts().country;
        Ok(ProviderNumber {
            api: self.api(),
            phone_number,
            provider_sid: n.sid.clone(),
            friendly_name: non_empty(&n.friendly_name),
            capabilities: n.capabilities.unwrap_or_default().into(),
            iso_country,
            region: None,
            locality: None,
            number_type: non_empty(&n.kind),
            voice_url: non_empty(&n.voice_url),
            // With an SMS application, Twilio ignores the number's own `sms_url`: the
            // application's is read after the listing (`read_sms_applications`).
            sms_url: match non_empty(&n.sms_application_sid) {
                Some(_) => None,
                None => non_empty(&n.sms_url),
            },
            voice_owner: non_empty(&n.voice_application_sid)
                .map(|s| ObjectRef::new(ObjectKind::TwilioApplication, s)),
            sms_owner: non_empty(&n.sms_application_sid)
                .map(|s| ObjectRef::new(ObjectKind::TwilioApplication, s)),
        })
    }

    async fn raw_number(&self, number: &NumberRef) -> Result<TwNumber> {
        let subject = Subject::Number(number.phone_number.to_string());
        if let Some(sid) = &number.provider_sid {
            let url = format!("{}/IncomingPhoneNumbers/{}.json", self.account_path(), sid);
            let found: TwNumber = self.get(&subject, &url, &[], None).await?;
            // A record's sid is written by whoever wrote the row (a co-worker, the web
            // platform): it must name this number, or nothing is read or written through it.
            if found.phone_number != number.phone_number.as_str() {
                return Err(ProviderError::NotFound {
                    api: self.api(),
                    subject,
                    detail: ProviderMessage {
                        status: 200,
                        code: None,
                        message: format!(
                            "the record's provider sid {sid} names another number of the \
                             account; correct or clear the record's providerSid"
                        ),
                        more_info: None,
                    },
                });
            }
            return Ok(found);
        }
        let url = format!("{}/IncomingPhoneNumbers.json", self.account_path());
        let query = [
            ("PhoneNumber", number.phone_number.to_string()),
            ("PageSize", "20".to_owned()),
        ];
        let page: TwNumberPage = self.get(&subject, &url, &query, None).await?;
        page.incoming_phone_numbers
            .into_iter()
            .find(|n| n.phone_number == number.phone_number.as_str())
            .ok_or_else(|| ProviderError::NotFound {
                api: self.api(),
                subject,
                detail: ProviderMessage {
                    status: 200,
                    code: None,
                    message: "the account has no such incoming phone number".into(),
                    more_info: None,
                },
            })
    }

    /// One number of the account, by sid or by number, in one request: its SMS URL is unknown
    /// when an SMS application holds it (not read here; [`TwilioClient::fetch_number`] reads
    /// it).
    pub(crate) async fn lookup_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let raw = self.raw_number(number).await?;
        self.map_number(raw).map_err(|s| ProviderError::Malformed {
            api: self.api(),
            subject: Subject::Number(number.phone_number.to_string()),
            reason: format!("{:?}: {}", s.raw, s.reason),
        })
    }

    /// One number of the account, by sid or by number, with its SMS URL (its SMS
    /// application's, read, when it has one).
    pub async fn fetch_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let mut n = self.lookup_number(number).await?;
        let never = CancellationToken::new();
        self.read_sms_applications(std::slice::from_mut(&mut n), &never)
            .await?;
        Ok(n)
    }

    /// Application `sid`, once a run (`shared` module; a run writes only numbers, never an
    /// application).
    async fn application(&self, sid: &str) -> Result<TwApplication> {
        let object = format!("application {sid}");
        let read = || async {
            let subject = Subject::Object(object.clone());
            let url = format!("{}/Applications/{}.json", self.account_path(), sid);
            self.get(&subject, &url, &[], None).await
        };
        self.http.shared.read(&object, read).await
    }

    async fn state_of(&self, n: &TwNumber, phone_number: &E164) -> Result<WebhookState> {
        let own = |url: &Option<String>, fallback: &Option<String>| Webhook {
            url: non_empty(url),
            fallback_url: non_empty(fallback),
            owner: WebhookOwner {
                object: ObjectRef::new(ObjectKind::Number, &n.sid),
                name: non_empty(&n.friendly_name),
                shared_by: Some(1),
            },
        };
        let via_app = |app: &TwApplication, voice: bool| Webhook {
            url: non_empty(if voice { &app.voice_url } else { &app.sms_url }),
            fallback_url: non_empty(if voice {
                &app.voice_fallback_url
            } else {
                &app.sms_fallback_url
            }),
            owner: WebhookOwner {
                object: ObjectRef::new(ObjectKind::TwilioApplication, &app.sid),
                name: non_empty(&app.friendly_name),
                // Twilio cannot list numbers by application without reading them all.
                shared_by: None,
            },
        };
        let voice = match non_empty(&n.voice_application_sid) {
            Some(app) => via_app(&self.application(&app).await?, true),
            None => own(&n.voice_url, &n.voice_fallback_url),
        };
        let sms = match non_empty(&n.sms_application_sid) {
            Some(app) => via_app(&self.application(&app).await?, false),
            None => own(&n.sms_url, &n.sms_fallback_url),
        };
        Ok(WebhookState {
            phone_number: phone_number.clone(),
            voice: Some(voice),
            sms: Some(sms),
        })
    }

    /// The number's voice and SMS webhooks, resolved through its applications.
    pub async fn webhooks(&self, number: &NumberRef) -> Result<WebhookState> {
        let raw = self.raw_number(number).await?;
        self.state_of(&raw, &number.phone_number).await
    }

    fn plan_from(&self, n: &TwNumber, state: &WebhookState, change: &WebhookChange) -> WebhookPlan {
        let mut changes = Vec::new();
        for (channel, to, hook, app) in [
            (
                Channel::Voice,
                &change.voice_url,
                &state.voice,
                &n.voice_application_sid,
            ),
            (
                Channel::Sms,
                &change.sms_url,
                &state.sms,
                &n.sms_application_sid,
            ),
        ] {
            let fallback = match channel {
                Channel::Voice => &change.voice_fallback_url,
                Channel::Sms => &change.sms_fallback_url,
            };
            let Some(to) = to.as_ref().or(fallback.as_ref()) else {
                continue;
            };
            changes.push(PlannedChange {
                channel,
                object: ObjectRef::new(ObjectKind::Number, &n.sid),
                object_name: non_empty(&n.friendly_name),
                shared_by: Some(1),
                from: hook.as_ref().and_then(|h| h.url.clone()),
                to: to.clone(),
                detaches: non_empty(app).map(|a| ObjectRef::new(ObjectKind::TwilioApplication, a)),
            });
        }
        WebhookPlan {
            phone_number: state.phone_number.clone(),
            changes,
        }
    }

    /// What [`TwilioClient::set_webhooks`] would write. Twilio changes only ever touch the
    /// number itself.
    pub async fn plan_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
    ) -> Result<WebhookPlan> {
        let wanted = wanted.into();
        wanted.given(self.api())?;
        let raw = self.raw_number(number).await?;
        let state = self.state_of(&raw, &number.phone_number).await?;
        wanted.plan(&state, self.api(), |change| {
            Ok(self.plan_from(&raw, &state, change))
        })
    }

    /// Sets the number's URLs (`POST IncomingPhoneNumbers/{Sid}.json`, after reading the
    /// number) and returns the state Twilio confirms. A channel on an application is detached
    /// from it when its URLs change, so `shared` never matters for Twilio; it is accepted for
    /// the common contract.
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        _shared: SharedPolicy,
    ) -> Result<Applied> {
        let wanted = wanted.into();
        let given = wanted.given(self.api())?;
        // The number as it is now: whether a channel is on an application decides the form.
        let raw = self.raw_number(number).await?;
        let change = match given {
            Some(change) => change.clone(),
            // A repair: what drifted, from the state of that number.
            None => {
                let state = self.state_of(&raw, &number.phone_number).await?;
                match wanted.on(&state, self.api())? {
                    Some(change) => change,
                    None => return Ok(Applied::in_sync(state)),
                }
            }
        };
        let form = update_form(&raw, &change);
        let subject = Subject::Number(number.phone_number.to_string());
        let url = format!(
            "{}/IncomingPhoneNumbers/{}.json",
            self.account_path(),
            raw.sid
        );
        // Setting a URL to a value is idempotent, so it is retried like a read.
        let reply = self
            .http
            .send(&subject, Idempotency::Idempotent, None, |c: &Client| {
                self.authed(c.post(&url).form(&form))
            })
            .await?;
        let updated: TwNumber = parse_json(self.api(), &subject, &reply.body)?;
        (self.state_of(&updated, &number.phone_number).await).map(Applied::written)
    }

    /// Numbers available to buy (`AvailablePhoneNumbers/{Country}/{Type}.json`).
    pub async fn search_available(&self, search: &AvailableSearch) -> Result<Vec<AvailableNumber>> {
        let country = search.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(ProviderError::InvalidInput {
                api: self.api(),
                field: "country",
                reason: format!("{:?} is not a two-letter ISO country", search.country),
            });
        }
        let kind = search.number_type.as_deref().unwrap_or("Local");
        if !["Local", "TollFree", "Mobile", "National", "Voip"].contains(&kind) {
            return Err(ProviderError::InvalidInput {
                api: self.api(),
                field: "number type",
                reason: format!("{kind:?} is not Local, TollFree, Mobile, National or Voip"),
            });
        }
        let mut query = vec![(
            "PageSize",
            search.limit.unwrap_or(20).clamp(1, 50).to_string(),
        )];
        if let Some(a) = &search.area_code {
            // Twilio's schema declares AreaCode an integer.
            let a = a.trim();
            if a.is_empty() || a.len() > 6 || !a.chars().all(|c| c.is_ascii_digit()) {
                return Err(ProviderError::InvalidInput {
                    api: self.api(),
                    field: "area code",
                    reason: format!("{a:?} is not an area code (digits only)"),
                });
            }
            query.push(("AreaCode", a.to_owned()));
        }
        if let Some(c) = &search.contains {
            query.push(("Contains", c.clone()));
        }
        for (flag, on) in [
            ("VoiceEnabled", search.capabilities.voice),
            ("SmsEnabled", search.capabilities.sms),
            ("MmsEnabled", search.capabilities.mms),
            ("FaxEnabled", search.capabilities.fax),
        ] {
            if on {
                query.push((flag, "true".into()));
            }
        }
        let url = format!(
            "{}/AvailablePhoneNumbers/{}/{}.json",
            self.account_path(),
            country,
            kind
        );
        let page: TwAvailablePage = self.get(&self.account(), &url, &query, None).await?;
        Ok(page
            .available_phone_numbers
            .into_iter()
            .filter_map(|a| {
                Some(AvailableNumber {
                    phone_number: E164::parse(&a.phone_number, None).ok()?,
                    friendly_name: a.friendly_name,
                    locality: a.locality,
                    region: a.region,
                    iso_country: a.iso_country,
                    capabilities: a.capabilities.unwrap_or_default().into(),
                })
            })
            .collect())
    }

    fn check_confirmed(&self, number: &E164, confirmed: &Confirmed) -> Result<()> {
        if confirmed.confirms() != number {
            return Err(ProviderError::InvalidInput {
                api: self.api(),
                field: "confirmation",
                reason: format!(
                    "the confirmation is for {}, not {number}",
                    confirmed.confirms()
                ),
            });
        }
        Ok(())
    }

    /// Buys `number` (`POST IncomingPhoneNumbers.json`), optionally pointing its webhooks.
    /// Costs money: needs a confirmation for this number, and is sent exactly once — a
    /// network failure leaves it unknown whether the number was bought; list numbers to see.
    pub async fn buy(
        &self,
        number: &E164,
        confirmed: &Confirmed,
        webhooks: Option<&WebhookChange>,
    ) -> Result<ProviderNumber> {
        self.check_confirmed(number, confirmed)?;
        let mut form: Vec<(&str, String)> = vec![("PhoneNumber", number.to_string())];
        if let Some(w) = webhooks {
            w.check(self.api())?;
            for (k, v) in [
                ("VoiceUrl", &w.voice_url),
                ("VoiceFallbackUrl", &w.voice_fallback_url),
                ("SmsUrl", &w.sms_url),
                ("SmsFallbackUrl", &w.sms_fallback_url),
            ] {
                if let Some(v) = v {
                    form.push((k, v.clone()));
                }
            }
        }
        let subject = Subject::Number(number.to_string());
        let url = format!("{}/IncomingPhoneNumbers.json", self.account_path());
        let reply = self
            .http
            .send(&subject, Idempotency::Never, None, |c: &Client| {
                self.authed(c.post(&url).form(&form))
            })
            .await?;
        let bought: TwNumber = parse_json(self.api(), &subject, &reply.body)?;
        self.map_number(bought)
            .map_err(|s| ProviderError::Malformed {
                api: self.api(),
                subject,
                reason: s.reason,
            })
    }

    /// Releases a number (`DELETE IncomingPhoneNumbers/{Sid}.json`): the account loses it.
    /// Needs a confirmation for this number; sent exactly once.
    pub async fn release(&self, number: &NumberRef, confirmed: &Confirmed) -> Result<()> {
        self.check_confirmed(&number.phone_number, confirmed)?;
        let sid = match &number.provider_sid {
            Some(sid) => sid.clone(),
            None => self.raw_number(number).await?.sid,
        };
        let subject = Subject::Number(number.phone_number.to_string());
        let url = format!("{}/IncomingPhoneNumbers/{}.json", self.account_path(), sid);
        self.http
            .send(&subject, Idempotency::Never, None, |c: &Client| {
                self.authed(c.delete(&url))
            })
            .await?;
        Ok(())
    }
}

#[derive(Deserialize)]
struct TwCall {
    sid: String,
    to: Option<String>,
    from: Option<String>,
    status: Option<String>,
    start_time: Option<String>,
    date_created: Option<String>,
    duration: Option<String>,
    price: Option<String>,
    price_unit: Option<String>,
    direction: Option<String>,
}

#[derive(Deserialize)]
struct TwCallPage {
    calls: Vec<TwCall>,
    next_page_uri: Option<String>,
}

#[derive(Deserialize)]
struct TwMessage {
    sid: String,
    to: Option<String>,
    from: Option<String>,
    status: Option<String>,
    date_sent: Option<String>,
    date_created: Option<String>,
    num_segments: Option<String>,
    price: Option<String>,
    price_unit: Option<String>,
    direction: Option<String>,
}

#[derive(Deserialize)]
struct TwMessagePage {
    messages: Vec<TwMessage>,
    next_page_uri: Option<String>,
}

/// A Twilio call's status as an outcome.
pub fn call_outcome(status: &str) -> CallOutcome {
    match status {
        "completed" => CallOutcome::Answered,
        "busy" => CallOutcome::Busy,
        "no-answer" => CallOutcome::NoAnswer,
        "failed" => CallOutcome::Failed,
        "canceled" => CallOutcome::Canceled,
        _ => CallOutcome::Unfinished,
    }
}

/// Which of a record's two parties is the account's number: the called one for `inbound` (and
/// `trunking-terminating`), the caller for every outbound direction.
fn sides(
    direction: Option<&str>,
    to: Option<String>,
    from: Option<String>,
) -> (Direction, Option<String>, String) {
    match direction {
        Some("inbound" | "trunking-terminating") => {
            (Direction::Inbound, to, from.unwrap_or_default())
        }
        _ => (Direction::Outbound, from, to.unwrap_or_default()),
    }
}

fn ours(raw: Option<String>, record: &str) -> Result<E164, Skipped> {
    let raw = raw.unwrap_or_default();
    E164::parse(&raw, None).map_err(|e| Skipped {
        reason: format!("record {record}: {e}"),
        raw,
    })
}

fn rfc2822(text: Option<&str>, record: &str) -> Result<OffsetDateTime, Skipped> {
    let text = text.unwrap_or_default();
    OffsetDateTime::parse(text, &Rfc2822).map_err(|e| Skipped {
        raw: text.to_owned(),
        reason: format!("record {record}: not an RFC 2822 time ({e})"),
    })
}

/// A price Twilio gave (negative: a charge), or, when it gave none, pending unless `unbilled`.
fn price(
    price: Option<&str>,
    unit: Option<&str>,
    unbilled: bool,
    record: &str,
) -> Result<Price, Skipped> {
    match price.filter(|p| !p.is_empty()) {
        Some(p) => Money::parse(p, unit.unwrap_or_default())
            .map(|money| Price::Charged {
                money: money.charged(),
            })
            .map_err(|e| Skipped {
                raw: p.to_owned(),
                reason: format!("record {record}: {e}"),
            }),
        None if unbilled => Ok(Price::NotBilled),
        None => Ok(Price::Pending),
    }
}

impl TwilioClient {
    /// The account's calls that started on or after the UTC day of `since` (Twilio's
    /// `StartTime>` filter takes a date, so a pull re-reads the rest of that day: storing is
    /// idempotent by SID), most recent first, following every page and handing each to `sink`.
    /// A record that cannot be read (a SIP or client party instead of a number, a broken time
    /// or price) is skipped with its reason, never a stop. Unconnected calls Twilio left
    /// unpriced are not billed; answered ones without a price are pending. Twilio bills a call
    /// per started minute. Returns the pages read.
    pub async fn calls_since(
        &self,
        since: OffsetDateTime,
        page_size: u32,
        sink: PageSink<'_, CallRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        self.usage(
            "Calls",
            "StartTime>",
            since,
            page_size,
            sink,
            cancel,
            |p: TwCallPage| (p.calls.into_iter().map(map_call).collect(), p.next_page_uri),
        )
        .await
    }

    /// The account's messages sent on or after the UTC day of `since` (Twilio's `DateSent>`),
    /// as [`TwilioClient::calls_since`] reads calls. A failed message (never sent) is not
    /// billed.
    pub async fn messages_since(
        &self,
        since: OffsetDateTime,
        page_size: u32,
        sink: PageSink<'_, MessageRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        self.usage(
            "Messages",
            "DateSent>",
            since,
            page_size,
            sink,
            cancel,
            |p: TwMessagePage| {
                (
                    p.messages.into_iter().map(map_message).collect(),
                    p.next_page_uri,
                )
            },
        )
        .await
    }

    /// The records of `resource` since the day of `since` (by the list's `filter`), following
    /// every page; `records` reads a page into its mapped records and its `next_page_uri`.
    #[allow(clippy::too_many_arguments)]
    async fn usage<P: serde::de::DeserializeOwned, T>(
        &self,
        resource: &str,
        filter: &'static str,
        since: OffsetDateTime,
        page_size: u32,
        sink: PageSink<'_, T>,
        cancel: &CancellationToken,
        records: impl Fn(P) -> (Vec<Result<T, Skipped>>, Option<String>),
    ) -> Result<u32> {
        let url = format!("{}/{resource}.json", self.account_path());
        let since = since.to_offset(time::UtcOffset::UTC).date();
        self.each_page(
            &url,
            vec![(filter, day(since))],
            page_size,
            cancel,
            |page: P| {
                let (read, next) = records(page);
                sink(crate::records::page(read));
                next
            },
        )
        .await
    }
}

fn day(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn map_call(c: TwCall) -> Result<CallRecord, Skipped> {
    let outcome = call_outcome(c.status.as_deref().unwrap_or_default());
    let (direction, number, counterpart) = sides(c.direction.as_deref(), c.to, c.from);
    let duration_secs: u32 = c
        .duration
        .as_deref()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let unbilled = !matches!(outcome, CallOutcome::Answered | CallOutcome::Unfinished);
    Ok(CallRecord {
        number: ours(number, &c.sid)?,
        direction,
        counterpart,
        outcome,
        started_at: rfc2822(
            c.start_time.as_deref().or(c.date_created.as_deref()),
            &c.sid,
        )?,
        duration_secs,
        billed_secs: if outcome == CallOutcome::Answered {
            duration_secs.div_ceil(60) * 60
        } else {
            0
        },
        price: price(
            c.price.as_deref(),
            c.price_unit.as_deref(),
            unbilled,
            &c.sid,
        )?,
        provider_id: c.sid,
    })
}

fn map_message(m: TwMessage) -> Result<MessageRecord, Skipped> {
    let status = m.status.unwrap_or_default();
    let (direction, number, counterpart) = sides(m.direction.as_deref(), m.to, m.from);
    Ok(MessageRecord {
        number: ours(number, &m.sid)?,
        direction,
        counterpart,
        sent_at: rfc2822(m.date_sent.as_deref().or(m.date_created.as_deref()), &m.sid)?,
        segments: m
            .num_segments
            .as_deref()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1),
        price: price(
            m.price.as_deref(),
            m.price_unit.as_deref(),
            status == "failed",
            &m.sid,
        )?,
        status,
        provider_id: m.sid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_twilio_error_bodies() {
        let m = read_error(
            401,
            r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#,
        );
        assert_eq!(m.code.as_deref(), Some("20003"));
        assert_eq!(m.message, "Authenticate");
        assert!(m.more_info.is_some());
        let m = read_error(502, "<html>bad gateway</html>");
        assert_eq!(m.code, None);
        assert!(m.message.contains("bad gateway"));
    }
}
