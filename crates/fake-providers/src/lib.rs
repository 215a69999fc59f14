//! Local fakes of the telephony providers' HTTP APIs, for tests, benchmarks and demos.
//!
//! Why: the provider clients must be tested end to end — authentication, paging to the last
//! page, webhook indirection, the providers' own error bodies, rate limits and retries —
//! without a network or real accounts. Each fake serves the documented endpoints Switchboard
//! uses, on its own `127.0.0.1` port, with generated, deterministic data.
//!
//! What is guaranteed:
//! - Paths, query parameters, auth schemes, page envelopes and error bodies follow each
//!   provider's published API reference (Twilio: the 2010-04-01 OpenAPI description; Vonage:
//!   `numbers.yml` and Applications v2; Telnyx v2; Bandwidth Dashboard XML and its JSON 10DLC
//!   and toll-free verification APIs; Plivo v1). Twilio objects carry every property of
//!   `api.v2010.account.incoming_phone_number`.
//! - Faults ([`Faults`]: latency, 429 with `Retry-After`, 500, malformed bodies, a request
//!   rate window) can be set from Rust ([`FakeProviders::faults`]) or over HTTP on every fake:
//!   `GET|PUT /__fake/faults` (JSON [`Faults`]), `GET|DELETE /__fake/requests` (the log: each
//!   request's method, path, query and form, without credentials). [`Faults::next_link`]
//!   makes Twilio and Bandwidth send a paging link of the test's choosing.
//! - Credentials are the constants in [`creds`] unless configured otherwise.

mod bandwidth;
pub mod bandwidth_readiness;
mod bandwidth_usage;
mod common;
mod plivo;
pub mod plivo_readiness;
mod plivo_usage;
mod telnyx;
pub mod telnyx_readiness;
mod telnyx_usage;
mod twilio;
pub use twilio::{
    SMS_APPLICATION_URL as TWILIO_SMS_APPLICATION_URL, sms_application as twilio_sms_application,
};
pub mod twilio_readiness;
mod twilio_usage;
mod usage;
mod vonage;
pub use vonage::{
    MESSAGES_INBOUND_URL as VONAGE_MESSAGES_INBOUND_URL,
    messages_application as vonage_messages_application,
};
pub mod vonage_readiness;
mod vonage_usage;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use common::{FaultState, Faults, RateWindow, RequestRecord};

/// The credentials the fakes accept by default. Not secrets: they exist only here.
pub mod creds {
    /// Twilio Account SID.
    pub const TWILIO_ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
    /// Twilio auth token.
    pub const TWILIO_AUTH_TOKEN: &str = "fake-twilio-auth-token";
    /// Twilio API key SID.
    pub const TWILIO_API_KEY_SID: &str = "SK00000000000000000000000000000001";
    /// Twilio API key secret.
    pub const TWILIO_API_KEY_SECRET: &str = "fake-twilio-api-key-secret";
    /// Vonage API key.
    pub const VONAGE_API_KEY: &str = "fake0001";
    /// Vonage API secret.
    pub const VONAGE_API_SECRET: &str = "fake-vonage-secret";
    /// Telnyx API key.
    pub const TELNYX_API_KEY: &str = "KEYfake-telnyx-0001";
    /// Bandwidth account id.
    pub const BANDWIDTH_ACCOUNT_ID: &str = "9900001";
    /// Bandwidth OAuth2 client id.
    pub const BANDWIDTH_CLIENT_ID: &str = "fake-bandwidth-client";
    /// Bandwidth OAuth2 client secret.
    pub const BANDWIDTH_CLIENT_SECRET: &str = "fake-bandwidth-client-secret";
    /// Bandwidth legacy API user.
    pub const BANDWIDTH_USERNAME: &str = "fake-bandwidth-user";
    /// Bandwidth legacy API password.
    pub const BANDWIDTH_PASSWORD: &str = "fake-bandwidth-password";
    /// Plivo auth id.
    pub const PLIVO_AUTH_ID: &str = "MAFAKE00000000000001";
    /// Plivo auth token.
    pub const PLIVO_AUTH_TOKEN: &str = "fake-plivo-auth-token";
}

/// Which fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FakeKind {
    /// Twilio 2010-04-01 (also usable as SignalWire with the `/api/laml` prefix).
    Twilio,
    /// Vonage numbers (rest host) and applications (api host), on one origin.
    Vonage,
    /// Telnyx v2.
    Telnyx,
    /// Bandwidth Dashboard API, OAuth2 token endpoint and the JSON 10DLC and toll-free
    /// verification APIs, on one origin.
    Bandwidth,
    /// Plivo v1.
    Plivo,
}

impl FakeKind {
    /// Every fake, in port order for [`run`].
    pub const ALL: [FakeKind; 5] = [
        FakeKind::Twilio,
        FakeKind::Vonage,
        FakeKind::Telnyx,
        FakeKind::Bandwidth,
        FakeKind::Plivo,
    ];

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            FakeKind::Twilio => "twilio",
            FakeKind::Vonage => "vonage",
            FakeKind::Telnyx => "telnyx",
            FakeKind::Bandwidth => "bandwidth",
            FakeKind::Plivo => "plivo",
        }
    }

    /// The environment variable that points Switchboard at this fake.
    pub fn env_var(self) -> &'static str {
        match self {
            FakeKind::Twilio => "SWITCHBOARD_TWILIO_API_URL",
            FakeKind::Vonage => "SWITCHBOARD_VONAGE_API_URL",
            FakeKind::Telnyx => "SWITCHBOARD_TELNYX_API_URL",
            FakeKind::Bandwidth => "SWITCHBOARD_BANDWIDTH_API_URL",
            FakeKind::Plivo => "SWITCHBOARD_PLIVO_API_URL",
        }
    }
}

/// What the fakes serve.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeConfig {
    /// Twilio numbers to generate (e.g. 10,000 for the import benchmark).
    pub twilio_numbers: usize,
    /// Twilio US toll-free numbers, after the local ones, each with its toll-free
    /// verification state ([`twilio_readiness::toll_free_case`]).
    pub twilio_toll_free_numbers: usize,
    /// Vonage numbers (in GB).
    pub vonage_numbers: usize,
    /// Vonage US local numbers, after the GB ones: the ones its 10DLC lists link
    /// ([`vonage_readiness`]).
    pub vonage_us_numbers: usize,
    /// Telnyx numbers.
    pub telnyx_numbers: usize,
    /// Bandwidth numbers.
    pub bandwidth_numbers: usize,
    /// Plivo numbers (US local).
    pub plivo_numbers: usize,
    /// Plivo US toll-free numbers, after the local ones ([`plivo_readiness`]).
    pub plivo_toll_free_numbers: usize,
    /// Seed of the generated ids.
    pub seed: u64,
    /// Faults every fake starts with.
    pub faults: Faults,
    /// Plivo's request limit (default 300 per 5 s, as documented); `None` disables it.
    pub plivo_rate_window: Option<RateWindow>,
    /// The call and message records the fakes generate.
    pub usage: UsageConfig,
}

/// The call and message records each fake generates for its numbers (Twilio's `Calls.json` and
/// `Messages.json`, Telnyx's detail records, …): generated on request, never stored, so a million cost nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageConfig {
    /// Calls per generated number over [`UsageConfig::days`].
    pub calls_per_number: usize,
    /// Messages per generated number over [`UsageConfig::days`].
    pub messages_per_number: usize,
    /// How many days of records there are before [`UsageConfig::now`].
    pub days: u32,
    /// The fakes' clock, Unix seconds (default: when the fakes started, to the minute); the
    /// records run up to it, at the same pace afterwards as [`Faults::clock_secs`] moves it.
    pub now: i64,
    /// A record that ended less than this many seconds before the clock has no price yet.
    pub pending_secs: i64,
    /// The accounts' currency (each provider prices every record in its account's currency).
    pub currency: String,
    /// Accounts in another currency than [`UsageConfig::currency`], per fake (default: the
    /// Vonage account is billed in EUR).
    pub currencies: Vec<(FakeKind, String)>,
}

impl UsageConfig {
    /// The currency the `kind` fake's account is billed in.
    pub fn currency_of(&self, kind: FakeKind) -> &str {
        self.currencies
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(self.currency.as_str(), |(_, c)| c.as_str())
    }
}

impl Default for UsageConfig {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        UsageConfig {
            calls_per_number: 200,
            messages_per_number: 100,
            days: 30,
            now: now - now % 60,
            pending_secs: 3_600,
            currency: "USD".into(),
            currencies: vec![(FakeKind::Vonage, "EUR".into())],
        }
    }
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            twilio_numbers: 50,
            twilio_toll_free_numbers: 0,
            vonage_numbers: 50,
            vonage_us_numbers: 0,
            telnyx_numbers: 50,
            bandwidth_numbers: 50,
            plivo_numbers: 50,
            plivo_toll_free_numbers: 0,
            seed: 1,
            faults: Faults::default(),
            plivo_rate_window: Some(RateWindow {
                limit: 300,
                window_ms: 5_000,
            }),
            usage: UsageConfig::default(),
        }
    }
}

/// A request as the fakes see it.
#[derive(Debug)]
pub(crate) struct FakeRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// [`Faults::next_link`] when the request arrived.
    pub next_link: Option<String>,
    /// [`Faults::clock_secs`] when the request arrived.
    pub clock_secs: i64,
}

impl FakeRequest {
    /// The body as form pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        common::parse_pairs(&String::from_utf8_lossy(&self.body))
    }

    /// A query value.
    pub fn q(&self, key: &str) -> Option<&str> {
        common::get(&self.query, key)
    }

    /// The path split into segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// One provider's behaviour.
pub(crate) trait Fake: Send + Sync + 'static {
    /// Serves a request.
    fn handle(&self, req: &FakeRequest, base: &str) -> Response;
    /// The provider's error response for an injected 429/500.
    fn error(&self, status: StatusCode, retry_after: Option<u64>) -> Response;
    /// A body that is not what the API documents.
    fn malformed(&self) -> Response {
        common::respond(
            StatusCode::OK,
            "application/json",
            r#"{"data": [{"id": "trunc"#.to_owned(),
        )
    }
}

struct Served {
    fake: Box<dyn Fake>,
    faults: Arc<FaultState>,
    base: String,
}

/// Running fakes. Dropping it (or [`FakeProviders::shutdown`]) stops them.
#[derive(Debug)]
pub struct FakeProviders {
    servers: Vec<(FakeKind, SocketAddr, Arc<FaultState>)>,
    stop: watch::Sender<bool>,
}

impl FakeProviders {
    /// Starts every fake on its own ephemeral `127.0.0.1` port.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeProviders> {
        let mut ports = Vec::new();
        for _ in FakeKind::ALL {
            ports.push(TcpListener::bind("127.0.0.1:0").await?);
        }
        Self::serve(config, ports).await
    }

    /// Starts every fake on consecutive ports from `first_port` (Twilio, Vonage, Telnyx,
    /// Bandwidth, Plivo).
    pub async fn start_on(config: FakeConfig, first_port: u16) -> std::io::Result<FakeProviders> {
        let mut ports = Vec::new();
        for i in 0..FakeKind::ALL.len() as u16 {
            ports.push(TcpListener::bind(("127.0.0.1", first_port + i)).await?);
        }
        Self::serve(config, ports).await
    }

    async fn serve(config: FakeConfig, listeners: Vec<TcpListener>) -> std::io::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let mut servers = Vec::new();
        for (kind, listener) in FakeKind::ALL.into_iter().zip(listeners) {
            let addr = listener.local_addr()?;
            let base = format!("http://{addr}");
            let mut faults = config.faults.clone();
            if kind == FakeKind::Plivo && faults.rate_window.is_none() {
                faults.rate_window = config.plivo_rate_window;
            }
            let fault_state = Arc::new(FaultState::new(faults));
            let fake: Box<dyn Fake> = match kind {
                FakeKind::Twilio => Box::new(twilio::TwilioFake::new(&config)),
                FakeKind::Vonage => Box::new(vonage::VonageFake::new(&config)),
                FakeKind::Telnyx => Box::new(telnyx::TelnyxFake::new(&config)),
                FakeKind::Bandwidth => Box::new(bandwidth::BandwidthFake::new(&config)),
                FakeKind::Plivo => Box::new(plivo::PlivoFake::new(&config)),
            };
            let served = Arc::new(Served {
                fake,
                faults: fault_state.clone(),
                base,
            });
            let app = Router::new()
                .route("/__fake/faults", get(get_faults).put(put_faults))
                .route("/__fake/requests", get(get_requests).delete(clear_requests))
                .fallback(dispatch)
                .with_state(served);
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let shutdown = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    tracing::error!(fake = kind.name(), error = %e, "fake provider stopped");
                }
            });
            servers.push((kind, addr, fault_state));
        }
        Ok(FakeProviders { servers, stop })
    }

    fn server(&self, kind: FakeKind) -> &(FakeKind, SocketAddr, Arc<FaultState>) {
        // Every kind is started by `serve`, in `FakeKind::ALL` order. A kind left out of
        // `ALL` has no fake: fail the test that asks for it rather than answer with another
        // provider's fake.
        match FakeKind::ALL.iter().position(|k| *k == kind) {
            Some(at) => &self.servers[at],
            None => panic!("FakeKind::{kind:?} is not in FakeKind::ALL: no fake serves it"),
        }
    }

    /// The origin of a fake, e.g. `http://127.0.0.1:41234`: the value for its
    /// `SWITCHBOARD_<PROVIDER>_API_URL` or a client's base URL.
    pub fn base_url(&self, kind: FakeKind) -> String {
        format!("http://{}", self.server(kind).1)
    }

    /// The fault and request-log state of a fake.
    pub fn faults(&self, kind: FakeKind) -> &FaultState {
        &self.server(kind).2
    }

    /// Stops all fakes.
    pub fn shutdown(self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for FakeProviders {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Runs every fake on consecutive ports from `port` until Ctrl-C, printing where each is and
/// the environment variables that point Switchboard at them. For
/// `switchboard-cli dev fake-providers --port N`.
pub async fn run(port: u16, config: FakeConfig) -> std::io::Result<()> {
    let fakes = FakeProviders::start_on(config, port).await?;
    for kind in FakeKind::ALL {
        println!("export {}={}", kind.env_var(), fakes.base_url(kind));
    }
    println!("# credentials: see switchboard_fake_providers::creds; Ctrl-C stops");
    tokio::signal::ctrl_c().await?;
    fakes.shutdown();
    Ok(())
}

async fn dispatch(
    State(served): State<Arc<Served>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let faults = served.faults.get();
    let req = FakeRequest {
        method,
        path: uri.path().to_owned(),
        query: common::parse_pairs(uri.query().unwrap_or("")),
        headers,
        body,
        next_link: faults.next_link,
        clock_secs: faults.clock_secs,
    };
    let is_form = req
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form = if is_form { req.form() } else { Vec::new() };
    let record = RequestRecord::new(req.method.as_str(), &req.path, &req.query, &form);
    let (latency, injected) = served.faults.record(record);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match injected {
        common::Injected::Status(status, retry_after) => served.fake.error(status, retry_after),
        common::Injected::Malformed => served.fake.malformed(),
        common::Injected::None => served.fake.handle(&req, &served.base),
    }
}

async fn get_faults(State(served): State<Arc<Served>>) -> Response {
    common::json(
        StatusCode::OK,
        &serde_json::to_value(served.faults.get()).unwrap_or_default(),
    )
}

async fn put_faults(State(served): State<Arc<Served>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            served.faults.set(f);
            common::empty(StatusCode::NO_CONTENT)
        }
        Err(e) => common::json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": e.to_string()}),
        ),
    }
}

async fn get_requests(State(served): State<Arc<Served>>) -> Response {
    common::json(
        StatusCode::OK,
        &serde_json::to_value(served.faults.requests()).unwrap_or_default(),
    )
}

async fn clear_requests(State(served): State<Arc<Served>>) -> Response {
    served.faults.clear_requests();
    common::empty(StatusCode::NO_CONTENT)
}
