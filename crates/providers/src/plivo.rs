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

use reqwest::Client;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::domain::{Capabilities, E164};
use switchboard_secrets::SecretString;
use tokio_util::sync::CancellationToken;

use crate::client::{check_shared, number_subject};
use crate::config;
use crate::error::{Api, ProviderError, ProviderMessage, Result, Subject};
use crate::http::{HttpSettings, Idempotency, Transport, generic_message, parse_json, truncate};
use crate::model::{
    AccountInfo, Channel, ListProgress, Listing, NumberRef, ObjectKind, ObjectRef, ProgressFn,
    ProviderNumber, SharedPolicy, Skipped, Webhook, WebhookChange, WebhookOwner, WebhookPlan,
    WebhookState, plan_on_owners,
};

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
    http: Transport,
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
        let subject = Subject::Account(self.creds.auth_id.clone());
        let mut listing = Listing::default();
        let mut budget = self.http.pages(MAX_PAGE_SIZE);
        let mut offset = 0usize;
        loop {
            if cancel.is_cancelled() {
                return Err(ProviderError::Cancelled {
                    api: Api::Plivo,
                    subject,
                });
            }
            budget.take(&subject)?;
            let query = [
                ("limit", MAX_PAGE_SIZE.to_string()),
                ("offset", offset.to_string()),
            ];
            let page: Page = self
                .call(
                    &subject,
                    reqwest::Method::GET,
                    &self.url("Number/"),
                    &query,
                    None,
                    Some(cancel),
                )
                .await?;
            listing.pages += 1;
            let got = page.objects.len();
            for n in &page.objects {
                match self.map(n) {
                    Ok(n) => listing.numbers.push(n),
                    Err(s) => listing.skipped.push(s),
                }
            }
            progress(ListProgress {
                pages: listing.pages,
                fetched: listing.numbers.len() + listing.skipped.len(),
                total: page.meta.total_count,
            });
            if got == 0 || page.meta.next.as_deref().is_none_or(str::is_empty) {
                return Ok(listing);
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
        let subject = Subject::Object(format!("application {app}"));
        let body: Value = self
            .call(
                &subject,
                reqwest::Method::GET,
                &self.url(&format!("Application/{app}/")),
                &[],
                None,
                None,
            )
            .await?;
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
        change: &WebhookChange,
    ) -> Result<WebhookPlan> {
        change.check(Api::Plivo)?;
        let state = self.webhooks(number).await?;
        Self::plan_from(&state, change)
    }

    /// Updates the application (`POST Application/{app_id}/`) and returns the state read back.
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        change: &WebhookChange,
        shared: SharedPolicy,
    ) -> Result<WebhookState> {
        change.check(Api::Plivo)?;
        let state = self.webhooks(number).await?;
        let plan = Self::plan_from(&state, change)?;
        check_shared(Api::Plivo, &plan, shared)?;
        let Some(step) = plan.changes.first() else {
            return Ok(state);
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
        let _: Value = self
            .call(
                &subject,
                reqwest::Method::POST,
                &url,
                &[],
                Some(&body),
                None,
            )
            .await?;
        self.webhooks(number).await
    }
}
