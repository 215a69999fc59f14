//! Bandwidth's Dashboard (numbers) API: XML bodies, OAuth2 client credentials or legacy
//! Basic API users.
//!
//! What is guaranteed:
//! - OAuth2: a token from the client-credentials grant is cached until a minute before it
//!   expires and sent as `Bearer`; legacy Basic API users are still accepted.
//! - Listing follows the `next` link of `GET /accounts/{id}/inserviceNumbers` to the end, and
//!   only on the dashboard origin the listing started on (`http::same_origin_link`).
//!   Numbers are 10 national digits (US), mapped to E.164. The listing carries no capability
//!   flags, so capabilities stay unset until a number's details are read.
//! - Bandwidth has no per-number webhook: number → site (sub-account) → location (SIP peer)
//!   → application (Voice-V2 `CallInitiatedCallbackUrl`, Messaging-V2 `MsgCallbackUrl`).
//!   Reads resolve that chain; the application is shared by every number of every location
//!   linked to it and Switchboard does not count them, so changes need
//!   [`SharedPolicy::AllowShared`]. A listing gives each number its location's messaging
//!   application's `MsgCallbackUrl` as its SMS URL, from list endpoints (the applications,
//!   each messaging application's locations, each location's numbers), never per number.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde::Deserialize;
use switchboard_core::domain::{Capabilities, E164};
use switchboard_secrets::SecretString;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::client::{check_shared, number_subject};
use crate::config;
use crate::error::{Api, ProviderError, ProviderMessage, Result, Subject};
use crate::http::{
    HttpSettings, Idempotency, Transport, generic_message, same_origin_link, truncate,
};
use crate::model::{
    AccountInfo, Applied, Channel, ListProgress, Listing, NumberRef, ObjectKind, ObjectRef,
    ProgressFn, ProviderNumber, SharedPolicy, Skipped, Wanted, Webhook, WebhookChange,
    WebhookOwner, WebhookPlan, WebhookState, plan_on_owners, present,
};

mod readiness;
mod records;

pub use records::{CALLS_PAGE_SIZE, call_outcome};

/// Where a location's messages go: its Messaging-V2 application and that application's
/// callback URL (`None`: it has none).
#[derive(Debug, Clone)]
struct MessagingRoute {
    application: String,
    url: Option<String>,
}

/// Bandwidth's largest page of in-service numbers.
pub const MAX_PAGE_SIZE: u32 = 2500;
/// The platform origin: the OAuth2 token endpoint and the JSON `/api/v2` APIs (10DLC numbers,
/// toll-free verification).
const DEFAULT_PLATFORM_URL: &str = "https://api.bandwidth.com";

/// How to authenticate to Bandwidth.
#[derive(Debug, Clone)]
pub enum BandwidthAuth {
    /// OAuth2 client credentials (the supported way).
    OAuth2 {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: SecretString,
    },
    /// A legacy API user with HTTP Basic (being retired by Bandwidth).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
}

/// A Bandwidth account and its credentials.
#[derive(Debug, Clone)]
pub struct BandwidthCredentials {
    /// Account id.
    pub account_id: String,
    /// OAuth2 or Basic.
    pub auth: BandwidthAuth,
}

/// A client for one Bandwidth account.
#[derive(Debug, Clone)]
pub struct BandwidthClient {
    pub(crate) http: Transport,
    base: String,
    platform: String,
    /// The Insights origin (Call Search).
    insights: String,
    creds: BandwidthCredentials,
    token: Arc<Mutex<Option<(SecretString, Instant)>>>,
}

/// The text of the first `<tag>` element (unescaped), if any.
pub(crate) fn xml_first(body: &str, tag: &str) -> Option<String> {
    xml_all(body, tag).into_iter().next()
}

/// The texts of every `<tag>` element, in order. For Bandwidth's flat documents: elements
/// without attributes whose text holds no markup.
pub(crate) fn xml_all(body: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        let raw = &after[..end];
        let text = quick_xml::escape::unescape(raw)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| raw.to_owned());
        out.push(text.trim().to_owned());
        rest = &after[end + close.len()..];
    }
    out
}

/// The site (sub-account) and location (SIP peer) of a number's details, when it has both.
fn location(details: &str) -> Option<(String, String)> {
    let site = xml_all(details, "Id").into_iter().next()?;
    Some((site, xml_first(details, "PeerId")?))
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn read_error(status: u16, body: &str) -> ProviderMessage {
    let code = xml_first(body, "ErrorCode").or_else(|| xml_first(body, "Code"));
    if let Some(description) = xml_first(body, "Description") {
        return ProviderMessage {
            status,
            code,
            message: truncate(&description, 300),
            more_info: None,
        };
    }
    let json = serde_json::from_str::<serde_json::Value>(body).ok();
    // The JSON `/api/v2` APIs: `{"errors": [{"type", "description"}]}`, or the toll-free
    // verification API's `{"type", "description", "errors": {…}}`.
    if let Some(v) = &json {
        let first = &v["errors"][0];
        let (kind, description) = match first["description"].as_str() {
            Some(d) => (first["type"].as_str(), Some(d)),
            None => (v["type"].as_str(), v["description"].as_str()),
        };
        if let Some(d) = description {
            return ProviderMessage {
                status,
                code: kind.map(str::to_owned),
                message: truncate(d, 300),
                more_info: None,
            };
        }
    }
    if let Some(v) = json
        && let Some(e) = v["error"].as_str()
    {
        {
            let message = match v["error_description"].as_str() {
                Some(d) => format!("{e}: {d}"),
                None => e.to_owned(),
            };
            return ProviderMessage {
                status,
                code: Some(e.to_owned()),
                message: truncate(&message, 300),
                more_info: None,
            };
        }
    }
    generic_message(status, body)
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Clone)]
struct Route {
    app: Option<String>,
}

impl BandwidthClient {
    /// A client. `base_url` (or `SWITCHBOARD_BANDWIDTH_API_URL`) replaces the dashboard origin
    /// and, when given, serves the OAuth2 token endpoint too (`/api/v1/oauth2/token`).
    pub fn new(
        creds: BandwidthCredentials,
        base_url: Option<&str>,
        settings: &HttpSettings,
    ) -> Result<Self> {
        let overridden = base_url.is_some()
            || std::env::var(config::env_var(Api::Bandwidth))
                .ok()
                .is_some_and(|v| !v.trim().is_empty());
        let base = config::resolve_base_url(Api::Bandwidth, base_url)?;
        let (platform, insights) = if overridden {
            (base.clone(), base.clone())
        } else {
            (
                DEFAULT_PLATFORM_URL.to_owned(),
                records::DEFAULT_INSIGHTS_URL.to_owned(),
            )
        };
        if creds.account_id.is_empty()
            || !creds.account_id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(ProviderError::InvalidInput {
                api: Api::Bandwidth,
                field: "account id",
                reason: "must be letters and digits".into(),
            });
        }
        Ok(BandwidthClient {
            http: Transport::new(Api::Bandwidth, settings, read_error)?,
            base,
            platform,
            insights,
            creds,
            token: Arc::new(Mutex::new(None)),
        })
    }

    /// Always [`Api::Bandwidth`].
    pub fn api(&self) -> Api {
        Api::Bandwidth
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.creds.account_id
    }

    fn account(&self) -> Subject {
        Subject::Account(self.creds.account_id.clone())
    }

    /// The bearer token, fetched or reused (OAuth2 only).
    async fn bearer(&self) -> Result<Option<SecretString>> {
        let BandwidthAuth::OAuth2 {
            client_id,
            client_secret,
        } = &self.creds.auth
        else {
            return Ok(None);
        };
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(Some(token.clone()));
        }
        let subject = self.account();
        let reply = self
            .http
            .send(&subject, Idempotency::Idempotent, None, |c: &Client| {
                c.post(format!("{}/api/v1/oauth2/token", self.platform))
                    .basic_auth(client_id, Some(client_secret.expose_secret()))
                    .form(&[("grant_type", "client_credentials")])
            })
            .await?;
        let token: Token =
            serde_json::from_str(&reply.body).map_err(|e| ProviderError::Malformed {
                api: Api::Bandwidth,
                subject,
                reason: format!("token response: {e}"),
            })?;
        let life = Duration::from_secs(token.expires_in.unwrap_or(3600).saturating_sub(60));
        let secret = SecretString::new(token.access_token);
        *cached = Some((secret.clone(), Instant::now() + life));
        Ok(Some(secret))
    }

    async fn call(
        &self,
        subject: &Subject,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<String>,
        cancel: Option<&CancellationToken>,
    ) -> Result<String> {
        let bearer = self.bearer().await?;
        let reply = self
            .http
            .send(subject, Idempotency::Idempotent, cancel, |c: &Client| {
                let rb = c.request(method.clone(), url).query(query);
                let rb = match (&bearer, &self.creds.auth) {
                    (Some(token), _) => rb.bearer_auth(token.expose_secret()),
                    (None, BandwidthAuth::Basic { username, password }) => {
                        rb.basic_auth(username, Some(password.expose_secret()))
                    }
                    (None, BandwidthAuth::OAuth2 { .. }) => rb,
                };
                match &body {
                    Some(b) => rb
                        .header(reqwest::header::CONTENT_TYPE, "application/xml")
                        .body(b.clone()),
                    None => rb,
                }
            })
            .await?;
        Ok(reply.body)
    }

    fn account_url(&self, rest: &str) -> String {
        format!(
            "{}/api/accounts/{}{}",
            self.base, self.creds.account_id, rest
        )
    }

    /// Checks the credentials with `GET /accounts/{id}` (after the token, for OAuth2).
    pub async fn verify(&self) -> Result<AccountInfo> {
        let body = self
            .call(
                &self.account(),
                reqwest::Method::GET,
                &self.account_url(""),
                &[],
                None,
                None,
            )
            .await?;
        Ok(AccountInfo {
            api: Api::Bandwidth,
            account_id: xml_first(&body, "AccountId")
                .unwrap_or_else(|| self.creds.account_id.clone()),
            friendly_name: xml_first(&body, "CompanyName"),
            status: None,
            method: "GET /accounts/{accountId}",
        })
    }

    fn map(
        &self,
        tn: &str,
        state: Option<String>,
        city: Option<String>,
    ) -> Result<ProviderNumber, Skipped> {
        let phone_number = E164::parse(tn, Some("US")).map_err(|e| Skipped {
            raw: tn.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(ProviderNumber {
            api: Api::Bandwidth,
            phone_number,
            provider_sid: tn.to_owned(),
            friendly_name: None,
            capabilities: Capabilities::default(),
            iso_country: Some("US".into()),
            region: state,
            locality: city,
            number_type: None,
            voice_url: None,
            sms_url: None,
            voice_owner: None,
            sms_owner: None,
        })
    }

    /// Every in-service number, following the `next` link, each with its SMS URL: the
    /// callback URL (`MsgCallbackUrl`) of the Messaging-V2 application its location is linked
    /// to (`BandwidthClient::messaging_routes`: requests per application and location, never
    /// per number). A number on a location without one has no SMS URL (unknown).
    pub async fn list_numbers(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        let mut listing = self.in_service_numbers(progress, cancel).await?;
        let routes = self.messaging_routes(cancel, &mut || {}).await?;
        for n in &mut listing.numbers {
            if let Some(route) = routes.get(&n.phone_number) {
                n.sms_url = route.url.clone();
                n.sms_owner = Some(ObjectRef::new(
                    ObjectKind::BandwidthApplication,
                    &route.application,
                ));
            }
        }
        Ok(listing)
    }

    /// Every in-service number, following the `next` link (no SMS URLs).
    async fn in_service_numbers(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        let subject = self.account();
        let mut listing = Listing::default();
        let mut url = self.account_url("/inserviceNumbers");
        let mut query = vec![
            ("page", "1".to_owned()),
            ("size", MAX_PAGE_SIZE.to_string()),
        ];
        let mut budget = self.http.pages(MAX_PAGE_SIZE);
        loop {
            budget.next(&subject, cancel)?;
            let body = self
                .call(
                    &subject,
                    reqwest::Method::GET,
                    &url,
                    &query,
                    None,
                    Some(cancel),
                )
                .await?;
            if !body.contains("<TNs>") {
                return Err(ProviderError::Malformed {
                    api: Api::Bandwidth,
                    subject,
                    reason: "no <TNs> element".into(),
                });
            }
            listing.pages += 1;
            for tn in xml_all(&body, "TelephoneNumber") {
                match self.map(&tn, None, None) {
                    Ok(n) => listing.numbers.push(n),
                    Err(s) => listing.skipped.push(s),
                }
            }
            progress(ListProgress {
                pages: listing.pages,
                fetched: listing.numbers.len() + listing.skipped.len(),
                total: xml_first(&body, "TotalCount").and_then(|t| t.parse().ok()),
            });
            // <next>Link=&lt;https://…?page=…&amp;size=…&gt;;rel="next";</next>
            let next = xml_first(&body, "next").and_then(|l| {
                let start = l.find('<')? + 1;
                let end = l[start..].find('>')? + start;
                Some(l[start..end].to_owned())
            });
            match next {
                Some(n) => {
                    // An absolute link; followed only on the dashboard origin.
                    url = same_origin_link(Api::Bandwidth, &subject, &self.base, &n)?.into();
                    query.clear();
                }
                None => return Ok(listing),
            }
        }
    }

    async fn details(&self, number: &NumberRef) -> Result<String> {
        let tn = &number.phone_number.as_str()[2..];
        let url = format!("{}/api/tns/{}/tndetails", self.base, tn);
        self.call(
            &number_subject(number),
            reqwest::Method::GET,
            &url,
            &[],
            None,
            None,
        )
        .await
    }

    /// One number, with its state and city, from its details (`body`).
    fn number_of(&self, number: &NumberRef, body: &str) -> Result<ProviderNumber> {
        let tn = xml_first(body, "FullNumber")
            .unwrap_or_else(|| number.phone_number.as_str()[2..].to_owned());
        let mut n = self
            .map(&tn, xml_first(body, "State"), xml_first(body, "City"))
            .map_err(|s| ProviderError::Malformed {
                api: Api::Bandwidth,
                subject: number_subject(number),
                reason: s.reason,
            })?;
        n.capabilities = Capabilities {
            voice: true,
            sms: body.contains("<Messaging>")
                || xml_first(body, "SmsEnabled").as_deref() == Some("true"),
            mms: false,
            fax: false,
        };
        Ok(n)
    }

    /// One number, with its state and city, from its details alone (one request): no SMS URL
    /// ([`BandwidthClient::fetch_number`] reads it).
    pub(crate) async fn lookup_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let body = self.details(number).await?;
        self.number_of(number, &body)
    }

    /// One number, with its state and city, and its SMS URL as a listing gives it: the
    /// callback URL of the Messaging-V2 application its location (site and SIP peer, from the
    /// details) is linked to, read once; none when the location has none.
    pub async fn fetch_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        let body = self.details(number).await?;
        let mut n = self.number_of(number, &body)?;
        if let Some((site, peer)) = location(&body)
            && let Some((app, body)) = self.location_app(number, &site, &peer, false).await?
        {
            n.sms_url = present(xml_first(&body, "MsgCallbackUrl"));
            n.sms_owner = Some(ObjectRef::new(ObjectKind::BandwidthApplication, &app));
        }
        Ok(n)
    }

    /// The application a location routes `voice` (else messaging) to, with its body; `None`
    /// when the location has none.
    async fn location_app(
        &self,
        number: &NumberRef,
        site: &str,
        peer: &str,
        voice: bool,
    ) -> Result<Option<(String, String)>> {
        let Some(app) = self.route(number, site, peer, voice).await?.app else {
            return Ok(None);
        };
        let body = self.application(&app).await?;
        Ok(Some((app, body)))
    }

    /// The application location `site`/`peer` routes `voice` (else messaging) to, once a run
    /// (`shared` module: a run never writes a location).
    async fn route(
        &self,
        number: &NumberRef,
        site: &str,
        peer: &str,
        voice: bool,
    ) -> Result<Route> {
        let channel = if voice { "voice" } else { "messaging" };
        let object = format!("location {site}/{peer} {channel}");
        let read = || self.read_route(number, site, peer, voice);
        self.http.shared.read(&object, read).await
    }

    async fn read_route(
        &self,
        number: &NumberRef,
        site: &str,
        peer: &str,
        voice: bool,
    ) -> Result<Route> {
        let path = if voice {
            format!("/sites/{site}/sippeers/{peer}/products/origination/settings")
        } else {
            format!("/sites/{site}/sippeers/{peer}/products/messaging/applicationSettings")
        };
        let body = self
            .call(
                &number_subject(number),
                reqwest::Method::GET,
                &self.account_url(&path),
                &[],
                None,
                None,
            )
            .await;
        let body = match body {
            Ok(b) => b,
            Err(ProviderError::NotFound { .. }) => return Ok(Route { app: None }),
            Err(e) => return Err(e),
        };
        let tag = if voice {
            "HttpVoiceV2AppId"
        } else {
            "HttpMessagingV2AppId"
        };
        Ok(Route {
            app: xml_first(&body, tag).filter(|a| !a.is_empty()),
        })
    }

    /// Application `id`, once a run (`shared` module).
    async fn application(&self, id: &str) -> Result<String> {
        let object = format!("application {id}");
        (self.http.shared)
            .read(&object, || self.read_application(id))
            .await
    }

    /// Application `id`, read now (what a write starts from).
    async fn read_application(&self, id: &str) -> Result<String> {
        let subject = Subject::Object(format!("application {id}"));
        self.call(
            &subject,
            reqwest::Method::GET,
            &self.account_url(&format!("/applications/{id}")),
            &[],
            None,
            None,
        )
        .await
    }

    /// The number's webhooks, through site → location → application.
    pub async fn webhooks(&self, number: &NumberRef) -> Result<WebhookState> {
        let details = self.details(number).await?;
        let Some((site, peer)) = location(&details) else {
            return Ok(WebhookState {
                phone_number: number.phone_number.clone(),
                voice: None,
                sms: None,
            });
        };
        let mut hooks = [None, None];
        for (i, voice) in [true, false].into_iter().enumerate() {
            let Some((app, body)) = self.location_app(number, &site, &peer, voice).await? else {
                continue;
            };
            let (url, fallback) = if voice {
                (
                    xml_first(&body, "CallInitiatedCallbackUrl"),
                    xml_first(&body, "CallInitiatedFallbackUrl"),
                )
            } else {
                (xml_first(&body, "MsgCallbackUrl"), None)
            };
            hooks[i] = Some(Webhook {
                url: url.filter(|u| !u.is_empty()),
                fallback_url: fallback.filter(|u| !u.is_empty()),
                owner: WebhookOwner {
                    object: ObjectRef::new(ObjectKind::BandwidthApplication, &app),
                    name: xml_first(&body, "AppName"),
                    shared_by: None,
                },
            });
        }
        let [voice, sms] = hooks;
        Ok(WebhookState {
            phone_number: number.phone_number.clone(),
            voice,
            sms,
        })
    }

    fn plan_from(state: &WebhookState, change: &WebhookChange) -> Result<WebhookPlan> {
        if change.sms_fallback_url.is_some() {
            return Err(ProviderError::InvalidInput {
                api: Api::Bandwidth,
                field: "sms fallback url",
                reason: "Messaging-V2 applications have no fallback URL here".into(),
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
            |channel| ProviderError::InvalidInput {
                api: Api::Bandwidth,
                field: "webhook change",
                reason: format!(
                    "{}'s location has no {} application; assign one in Bandwidth first",
                    state.phone_number,
                    match channel {
                        Channel::Voice => "Voice-V2",
                        Channel::Sms => "Messaging-V2",
                    }
                ),
            },
        )
    }

    /// The writes a change makes (on the applications).
    pub async fn plan_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
    ) -> Result<WebhookPlan> {
        let wanted = wanted.into();
        wanted.given(Api::Bandwidth)?;
        let state = self.webhooks(number).await?;
        wanted.plan(&state, Api::Bandwidth, |change| {
            Self::plan_from(&state, change)
        })
    }

    /// Updates the applications (`PUT /accounts/{id}/applications/{appId}`) and returns the
    /// state read back.
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        shared: SharedPolicy,
    ) -> Result<Applied> {
        let wanted = wanted.into();
        wanted.given(Api::Bandwidth)?;
        let state = self.webhooks(number).await?;
        let Some(change) = wanted.on(&state, Api::Bandwidth)? else {
            return Ok(Applied::in_sync(state));
        };
        let change = &change;
        let plan = Self::plan_from(&state, change)?;
        check_shared(Api::Bandwidth, &plan, shared)?;
        for step in &plan.changes {
            let id = &step.object.id;
            let current = self.read_application(id).await?;
            let name = xml_first(&current, "AppName").unwrap_or_default();
            let body = match step.channel {
                Channel::Voice => {
                    let url = change
                        .voice_url
                        .clone()
                        .or(xml_first(&current, "CallInitiatedCallbackUrl"))
                        .unwrap_or_default();
                    let mut xml = format!(
                        "<Application><ServiceType>Voice-V2</ServiceType><AppName>{}</AppName>\
                         <CallInitiatedCallbackUrl>{}</CallInitiatedCallbackUrl>",
                        esc(&name),
                        esc(&url)
                    );
                    if let Some(f) = change
                        .voice_fallback_url
                        .clone()
                        .or(xml_first(&current, "CallInitiatedFallbackUrl"))
                    {
                        xml.push_str(&format!(
                            "<CallInitiatedFallbackUrl>{}</CallInitiatedFallbackUrl>",
                            esc(&f)
                        ));
                    }
                    if let Some(s) = xml_first(&current, "CallStatusCallbackUrl") {
                        xml.push_str(&format!(
                            "<CallStatusCallbackUrl>{}</CallStatusCallbackUrl>",
                            esc(&s)
                        ));
                    }
                    xml.push_str("</Application>");
                    xml
                }
                Channel::Sms => format!(
                    "<Application><ServiceType>Messaging-V2</ServiceType><AppName>{}</AppName>\
                     <MsgCallbackUrl>{}</MsgCallbackUrl></Application>",
                    esc(&name),
                    esc(&step.to)
                ),
            };
            let subject = Subject::Object(step.object.to_string());
            let url = self.account_url(&format!("/applications/{id}"));
            let written = self.call(&subject, reqwest::Method::PUT, &url, &[], Some(body), None);
            let object = format!("application {id}");
            self.http.shared.write(&object, written).await?;
        }
        self.webhooks(number).await.map(Applied::written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flat_xml() {
        let body = "<TNs><TotalCount>2</TotalCount><Links><next>Link=&lt;http://h/x?page=2&amp;size=1&gt;;rel=\"next\";</next></Links>\
                    <TelephoneNumbers><TelephoneNumber>9195551234</TelephoneNumber><TelephoneNumber>9195551235</TelephoneNumber></TelephoneNumbers></TNs>";
        assert_eq!(
            xml_all(body, "TelephoneNumber"),
            vec!["9195551234", "9195551235"]
        );
        assert_eq!(
            xml_first(body, "next").as_deref(),
            Some("Link=<http://h/x?page=2&size=1>;rel=\"next\";")
        );
        let m = read_error(
            404,
            "<X><ResponseStatus><ErrorCode>13564</ErrorCode><Description>Not found</Description></ResponseStatus></X>",
        );
        assert_eq!(
            (m.code.as_deref(), m.message.as_str()),
            (Some("13564"), "Not found")
        );
    }

    #[test]
    fn reads_the_platform_apis_json_errors() {
        let m = read_error(
            403,
            r#"{"errors":[{"type":"forbidden","description":"Account 9900001 is not enabled for the Registration Center"}]}"#,
        );
        assert_eq!(
            (m.code.as_deref(), m.message.as_str()),
            (
                Some("forbidden"),
                "Account 9900001 is not enabled for the Registration Center"
            )
        );
        let m = read_error(
            404,
            r#"{"type":"NOT_FOUND","description":"No verification request found","errors":{}}"#,
        );
        assert_eq!(
            (m.code.as_deref(), m.message.as_str()),
            (Some("NOT_FOUND"), "No verification request found")
        );
        let m = read_error(401, r#"{"error":"invalid_client"}"#);
        assert_eq!(m.code.as_deref(), Some("invalid_client"));
    }
}
