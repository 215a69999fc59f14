//! Bandwidth Dashboard API (XML) and its OAuth2 token endpoint:
//! `POST /api/v1/oauth2/token`, `GET /api/accounts/{id}`,
//! `GET /api/accounts/{id}/inserviceNumbers` (`page` is a TN marker, `size`, a `next` link),
//! `GET /api/tns/{tn}/tndetails`, a location's origination and messaging settings, and
//! `GET|PUT /api/accounts/{id}/applications/{appId}`, the application list
//! (`GET /api/accounts/{id}/applications`), an application's locations
//! (`…/applications/{appId}/associatedsippeers`) and a location's numbers
//! (`…/sites/{siteId}/sippeers/{peerId}/tns`). Bearer (OAuth2) or legacy Basic.
//! Numbers alternate between two locations of one site; both use one Voice-V2 application;
//! only the first has a Messaging-V2 application. The readiness lists (10DLC numbers, toll-free
//! verification) are [`crate::bandwidth_readiness`]'s, on the same origin; so is number `i`
//! ([`crate::bandwidth_readiness::tn`]: toll-free for its toll-free cases). Insights' Call Search
//! (the numbers' call records) is [`crate::bandwidth_usage`]'s, on the same origin too.

use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::bandwidth_readiness::on_messaging_location;
use crate::common::{basic_auth, bearer, get, json, lock, respond, us_number, xml_escape};
use crate::{FakeConfig, FakeRequest, creds};

const TOKEN: &str = "fake-bandwidth-access-token";
const SITE: &str = "24016";
const PEERS: [&str; 2] = ["541310", "541311"];
const VOICE_APP: &str = "d775585a-ed5b-4a49-8b96-f68c0a993ebe";
const MSG_APP: &str = "6c0c3b4b-0f3b-4b8e-9f3e-3c1d6c7f0a01";

struct App {
    id: &'static str,
    service: &'static str,
    name: String,
    callback: String,
}

struct State {
    tns: Vec<String>,
    apps: Vec<App>,
}

pub(crate) struct BandwidthFake {
    state: Mutex<State>,
    usage: crate::bandwidth_usage::Usage,
}

impl BandwidthFake {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let usage = crate::bandwidth_usage::Usage::new(
            (0..config.bandwidth_numbers)
                .map(crate::bandwidth_readiness::seeded_number)
                .collect(),
            config.seed,
            &config.usage,
        );
        BandwidthFake {
            usage,
            state: Mutex::new(State {
                tns: (0..config.bandwidth_numbers)
                    .map(crate::bandwidth_readiness::tn)
                    .collect(),
                apps: vec![
                    App {
                        id: VOICE_APP,
                        service: "Voice-V2",
                        name: "voice-routing".into(),
                        callback: "https://voice.example.com/bandwidth".into(),
                    },
                    App {
                        id: MSG_APP,
                        service: "Messaging-V2",
                        name: "sms-routing".into(),
                        callback: "https://sms.example.com/bandwidth".into(),
                    },
                ],
            }),
        }
    }
}

fn xml(status: StatusCode, body: String) -> Response {
    respond(
        status,
        "application/xml",
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>{body}"),
    )
}

fn error(status: StatusCode, code: u32, description: &str) -> Response {
    xml(
        status,
        format!(
            "<ErrorResponse><ResponseStatus><ErrorCode>{code}</ErrorCode>\
             <Description>{description}</Description></ResponseStatus></ErrorResponse>"
        ),
    )
}

/// The element that holds an application's callback URL.
fn callback_field(service: &str) -> &'static str {
    if service == "Voice-V2" {
        "CallInitiatedCallbackUrl"
    } else {
        "MsgCallbackUrl"
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tag(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(
        body[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

impl crate::Fake for BandwidthFake {
    fn error(&self, status: StatusCode, retry_after: Option<u64>) -> Response {
        let mut r = if status == StatusCode::TOO_MANY_REQUESTS {
            error(status, 429, "Too many requests")
        } else {
            error(status, 500, "Internal server error")
        };
        if let Some(s) = retry_after.and_then(|s| s.to_string().parse().ok()) {
            r.headers_mut().insert("retry-after", s);
        }
        r
    }

    fn malformed(&self) -> Response {
        xml(StatusCode::OK, "<TNs><TotalCount>3</Total".into())
    }

    fn handle(&self, req: &FakeRequest, base: &str) -> Response {
        if req.path == "/api/v1/oauth2/token" {
            return match basic_auth(&req.headers) {
                Some((u, p))
                    if u == creds::BANDWIDTH_CLIENT_ID && p == creds::BANDWIDTH_CLIENT_SECRET =>
                {
                    if get(&req.form(), "grant_type") != Some("client_credentials") {
                        return json(
                            StatusCode::BAD_REQUEST,
                            &serde_json::json!({"error": "unsupported_grant_type"}),
                        );
                    }
                    json(
                        StatusCode::OK,
                        &serde_json::json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}),
                    )
                }
                _ => json(
                    StatusCode::UNAUTHORIZED,
                    &serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
                ),
            };
        }
        let authed = bearer(&req.headers).as_deref() == Some(TOKEN)
            || matches!(basic_auth(&req.headers),
                Some((u, p)) if u == creds::BANDWIDTH_USERNAME && p == creds::BANDWIDTH_PASSWORD);
        let seg = req.segments();
        let account = creds::BANDWIDTH_ACCOUNT_ID;
        if let (&Method::GET, ["api", "v1", "accounts", a, "calls"]) = (&req.method, seg.as_slice())
        {
            use crate::bandwidth_usage::error as insights_error;
            return if !authed {
                insights_error(StatusCode::UNAUTHORIZED, "Unauthorized Account")
            } else if *a != account {
                insights_error(StatusCode::FORBIDDEN, "Unknown Account")
            } else {
                self.usage
                    .calls(req, base)
                    .unwrap_or_else(|e| insights_error(StatusCode::BAD_REQUEST, &e))
            };
        }
        if !authed {
            return error(
                StatusCode::UNAUTHORIZED,
                401,
                "Unauthorized: the credentials are not valid",
            );
        }
        let mut st = lock(&self.state);
        if req.method == Method::GET
            && let Some(r) = crate::bandwidth_readiness::handle(req, account, st.tns.len())
        {
            return r;
        }
        match (&req.method, seg.as_slice()) {
            (&Method::GET, ["api", "accounts", a]) if *a == account => xml(
                StatusCode::OK,
                format!(
                    "<AccountResponse><Account><AccountId>{account}</AccountId>\
                     <GlobalAccountNumber>BWTEST</GlobalAccountNumber><CompanyName>Switchboard Test</CompanyName>\
                     <AccountType>Business</AccountType><CustomerSegment>Wholesale</CustomerSegment></Account></AccountResponse>"
                ),
            ),
            (&Method::GET, ["api", "accounts", a, "inserviceNumbers"]) if *a == account => {
                let size: usize = req.q("size").and_then(|v| v.parse().ok()).unwrap_or(500);
                if !(1..=2500).contains(&size) {
                    return error(
                        StatusCode::BAD_REQUEST,
                        12345,
                        "size must be between 1 and 2500",
                    );
                }
                let start = match req.q("page") {
                    None | Some("1") => 0,
                    Some(tn) => match st.tns.iter().position(|t| t == tn) {
                        Some(p) => p,
                        None => {
                            return error(StatusCode::BAD_REQUEST, 12346, "invalid page marker");
                        }
                    },
                };
                let page: Vec<&String> = st.tns.iter().skip(start).take(size).collect();
                let url = format!("{base}/api/accounts/{account}/inserviceNumbers");
                let mut links = format!(
                    "<first>Link=&lt;{url}?page=1&amp;size={size}&gt;;rel=\"first\";</first>"
                );
                if let Some(next) = st.tns.get(start + size) {
                    let link = match &req.next_link {
                        Some(link) => xml_escape(link),
                        None => format!("{url}?page={next}&amp;size={size}"),
                    };
                    links.push_str(&format!("<next>Link=&lt;{link}&gt;;rel=\"next\";</next>"));
                }
                let tns: String = page
                    .iter()
                    .map(|t| format!("<TelephoneNumber>{t}</TelephoneNumber>"))
                    .collect();
                xml(
                    StatusCode::OK,
                    format!(
                        "<TNs><TotalCount>{}</TotalCount><Links>{links}</Links>\
                         <TelephoneNumbers><Count>{}</Count>{tns}</TelephoneNumbers></TNs>",
                        st.tns.len(),
                        page.len()
                    ),
                )
            }
            (&Method::GET, ["api", "tns", tn, "tndetails"]) => {
                let Some(i) = st.tns.iter().position(|t| t == tn) else {
                    return error(
                        StatusCode::NOT_FOUND,
                        13564,
                        &format!("Telephone number {tn} not found"),
                    );
                };
                let (_, state, city) = us_number(i, 500);
                xml(
                    StatusCode::OK,
                    format!(
                        "<TelephoneNumberResponse><TelephoneNumberDetails><City>{}</City><Lata>426</Lata>\
                         <State>{state}</State><FullNumber>{tn}</FullNumber><Tier>0</Tier><VendorId>49</VendorId>\
                         <VendorName>Bandwidth CLEC</VendorName><RateCenter>{}</RateCenter><Status>Inservice</Status>\
                         <AccountId>{account}</AccountId><Site><Id>{SITE}</Id><Name>Main site</Name></Site>\
                         <SipPeer><PeerId>{}</PeerId><PeerName>Location {}</PeerName><IsDefaultPeer>false</IsDefaultPeer></SipPeer>\
                         <ServiceTypes><ServiceType>Voice</ServiceType>{}</ServiceTypes>\
                         </TelephoneNumberDetails></TelephoneNumberResponse>",
                        city.to_uppercase(),
                        city.to_uppercase(),
                        PEERS[usize::from(!on_messaging_location(i))],
                        usize::from(!on_messaging_location(i)),
                        if on_messaging_location(i) {
                            "<Messaging>true</Messaging>"
                        } else {
                            ""
                        }
                    ),
                )
            }
            (
                &Method::GET,
                [
                    "api",
                    "accounts",
                    a,
                    "sites",
                    s,
                    "sippeers",
                    p,
                    "products",
                    "origination",
                    "settings",
                ],
            ) if *a == account && *s == SITE && PEERS.contains(p) => xml(
                StatusCode::OK,
                format!(
                    "<SipPeerOriginationSettingsResponse><SipPeerOriginationSettings><VoiceProtocol>HTTP</VoiceProtocol>\
                         <HttpSettings><HttpVoiceV2AppId>{VOICE_APP}</HttpVoiceV2AppId></HttpSettings>\
                         </SipPeerOriginationSettings></SipPeerOriginationSettingsResponse>"
                ),
            ),
            (
                &Method::GET,
                [
                    "api",
                    "accounts",
                    a,
                    "sites",
                    s,
                    "sippeers",
                    p,
                    "products",
                    "messaging",
                    "applicationSettings",
                ],
            ) if *a == account && *s == SITE && *p == PEERS[0] => xml(
                StatusCode::OK,
                format!(
                    "<ApplicationsSettingsResponse><ApplicationsSettings>\
                         <HttpMessagingV2AppId>{MSG_APP}</HttpMessagingV2AppId>\
                         </ApplicationsSettings></ApplicationsSettingsResponse>"
                ),
            ),
            (&Method::GET, ["api", "accounts", a, "applications"]) if *a == account => {
                let apps: String = st
                    .apps
                    .iter()
                    .map(|app| {
                        let field = callback_field(app.service);
                        format!(
                            "<Application><ApplicationId>{}</ApplicationId><ServiceType>{}</ServiceType>\
                             <AppName>{}</AppName><{field}>{}</{field}></Application>",
                            app.id,
                            app.service,
                            esc(&app.name),
                            esc(&app.callback)
                        )
                    })
                    .collect();
                xml(
                    StatusCode::OK,
                    format!(
                        "<ApplicationProvisioningResponse><ApplicationList>{apps}</ApplicationList>\
                         </ApplicationProvisioningResponse>"
                    ),
                )
            }
            (
                &Method::GET,
                [
                    "api",
                    "accounts",
                    a,
                    "applications",
                    id,
                    "associatedsippeers",
                ],
            ) if *a == account => {
                // The voice application is on both locations, the messaging one on the first.
                let peers: &[&str] = match *id {
                    VOICE_APP => &PEERS,
                    MSG_APP => &PEERS[..1],
                    _ => {
                        return error(
                            StatusCode::NOT_FOUND,
                            13629,
                            &format!("Application with id '{id}' not found"),
                        );
                    }
                };
                let peers: String = peers
                    .iter()
                    .map(|p| {
                        format!(
                            "<AssociatedSipPeer><SiteId>{SITE}</SiteId><SiteName>Main site</SiteName>\
                             <PeerId>{p}</PeerId><PeerName>Location {p}</PeerName></AssociatedSipPeer>"
                        )
                    })
                    .collect();
                xml(
                    StatusCode::OK,
                    format!(
                        "<AssociatedSipPeersResponse><AssociatedSipPeers>{peers}</AssociatedSipPeers>\
                         </AssociatedSipPeersResponse>"
                    ),
                )
            }
            (&Method::GET, ["api", "accounts", a, "sites", s, "sippeers", p, "tns"])
                if *a == account && *s == SITE && PEERS.contains(p) =>
            {
                let messaging = *p == PEERS[0];
                let tns: String = (st.tns.iter().enumerate())
                    .filter(|(i, _)| on_messaging_location(*i) == messaging)
                    .map(|(_, t)| {
                        format!("<SipPeerTelephoneNumber><FullNumber>{t}</FullNumber></SipPeerTelephoneNumber>")
                    })
                    .collect();
                xml(
                    StatusCode::OK,
                    format!(
                        "<SipPeerTelephoneNumbersResponse><SipPeerTelephoneNumbers>{tns}\
                         </SipPeerTelephoneNumbers></SipPeerTelephoneNumbersResponse>"
                    ),
                )
            }
            (m, ["api", "accounts", a, "applications", id]) if *a == account => {
                let Some(app) = st.apps.iter_mut().find(|x| x.id == *id) else {
                    return error(
                        StatusCode::NOT_FOUND,
                        15501,
                        &format!("Application {id} not found"),
                    );
                };
                if *m == Method::PUT {
                    let body = String::from_utf8_lossy(&req.body).into_owned();
                    let field = callback_field(app.service);
                    match (tag(&body, "ServiceType"), tag(&body, field)) {
                        (Some(s), Some(url)) if s == app.service => {
                            app.callback = url;
                            if let Some(n) = tag(&body, "AppName") {
                                app.name = n;
                            }
                        }
                        _ => {
                            return error(
                                StatusCode::BAD_REQUEST,
                                15502,
                                "ServiceType and callback URL are required",
                            );
                        }
                    }
                } else if *m != Method::GET {
                    return error(StatusCode::METHOD_NOT_ALLOWED, 405, "Method not allowed");
                }
                let field = callback_field(app.service);
                xml(
                    StatusCode::OK,
                    format!(
                        "<ApplicationProvisioningResponse><Application><ApplicationId>{}</ApplicationId>\
                         <ServiceType>{}</ServiceType><AppName>{}</AppName><{field}>{}</{field}>\
                         </Application></ApplicationProvisioningResponse>",
                        app.id,
                        app.service,
                        esc(&app.name),
                        esc(&app.callback)
                    ),
                )
            }
            _ => error(StatusCode::NOT_FOUND, 404, "Resource not found"),
        }
    }
}
