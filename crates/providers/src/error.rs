//! The one error type of the provider clients.
//!
//! A manager reading an error must learn three things: *which provider*, *which account or
//! number*, and *what the provider itself said* (its own error code and message). So every
//! variant carries the provider's name and a [`Subject`], and the provider's code and message
//! where the provider sent one. The variants separate the cases callers must treat
//! differently:
//!
//! - [`ProviderError::Auth`]: the credentials were refused. The caller sets the number's
//!   `status` to `error` with [`ProviderError::reason`].
//! - [`ProviderError::Network`]: the provider could not be reached or did not answer in time.
//!   This is *not* a credential failure; the status must not change.
//! - [`ProviderError::RateLimited`]: still throttled after the retries.
//! - [`ProviderError::NotFound`], [`ProviderError::Provider`], and the local refusals.
//!
//! No variant ever holds a secret: errors are built from status codes, provider error bodies
//! and identifiers only, and request URLs (which can carry Vonage's `api_secret`) are never
//! included.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Which provider API a client speaks to. Twilio and SignalWire share one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// Twilio's 2010-04-01 REST API.
    Twilio,
    /// SignalWire's Twilio-compatible ("LaML") 2010-04-01 API.
    SignalWire,
    /// Vonage (Nexmo) Numbers and Applications APIs.
    Vonage,
    /// Telnyx API v2.
    Telnyx,
    /// Bandwidth Dashboard (numbers) API, XML.
    Bandwidth,
    /// Plivo API v1.
    Plivo,
}

impl Api {
    /// The display name.
    pub fn name(self) -> &'static str {
        match self {
            Api::Twilio => "Twilio",
            Api::SignalWire => "SignalWire",
            Api::Vonage => "Vonage",
            Api::Telnyx => "Telnyx",
            Api::Bandwidth => "Bandwidth",
            Api::Plivo => "Plivo",
        }
    }

    /// The core provider whose numbers this API manages.
    pub fn provider(self) -> switchboard_core::domain::Provider {
        use switchboard_core::domain::Provider as P;
        match self {
            Api::Twilio | Api::SignalWire => P::Twilio,
            Api::Vonage => P::Vonage,
            Api::Telnyx => P::Telnyx,
            Api::Bandwidth => P::Bandwidth,
            Api::Plivo => P::Plivo,
        }
    }

    /// The suffix of the `SWITCHBOARD_<PROVIDER>_API_URL` environment variable.
    pub fn env_name(self) -> &'static str {
        match self {
            Api::Twilio => "TWILIO",
            Api::SignalWire => "SIGNALWIRE",
            Api::Vonage => "VONAGE",
            Api::Telnyx => "TELNYX",
            Api::Bandwidth => "BANDWIDTH",
            Api::Plivo => "PLIVO",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a failed call was about: an account, a number, or another provider object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An account (Twilio Account SID, Vonage API key, Bandwidth account id, …).
    Account(String),
    /// A phone number, E.164.
    Number(String),
    /// Another object, e.g. "application 1234" or "messaging profile 4001…".
    Object(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Account(a) => write!(f, "account {a}"),
            Subject::Number(n) => write!(f, "number {n}"),
            Subject::Object(o) => f.write_str(o),
        }
    }
}

/// The provider's own description of a failure, from its error body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProviderMessage {
    /// HTTP status.
    pub status: u16,
    /// The provider's error code (Twilio `20003`, Telnyx `10009`, Vonage `error-code`, …).
    pub code: Option<String>,
    /// The provider's message.
    pub message: String,
    /// A link to the provider's documentation of the error, when given (Twilio `more_info`).
    pub more_info: Option<String>,
}

impl fmt::Display for ProviderMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "HTTP {}, code {}: {}", self.status, code, self.message),
            None => write!(f, "HTTP {}: {}", self.status, self.message),
        }
    }
}

/// Everything that can go wrong talking to a provider.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the credentials (HTTP 401/403 or its equivalent).
    #[error("{api} refused the credentials for {subject} ({detail})")]
    Auth {
        /// The provider.
        api: Api,
        /// The account or number.
        subject: Subject,
        /// What the provider said.
        detail: ProviderMessage,
    },
    /// The provider could not be reached or did not answer in time. Not a credential failure.
    #[error("{api} could not be reached for {subject}: {reason}")]
    Network {
        /// The provider.
        api: Api,
        /// The account or number.
        subject: Subject,
        /// Connect failure, timeout, reset — in words, without the URL.
        reason: String,
    },
    /// The provider is still throttling after the allowed retries.
    #[error("{api} rate-limited {subject}{} ({detail})", retry_hint(.retry_after))]
    RateLimited {
        /// The provider.
        api: Api,
        /// The account or number.
        subject: Subject,
        /// How long the provider asked us to wait, if it said.
        retry_after: Option<Duration>,
        /// What the provider said.
        detail: ProviderMessage,
    },
    /// The number, account or object does not exist at the provider (or is not this account's).
    #[error("{api}: {subject} not found ({detail})")]
    NotFound {
        /// The provider.
        api: Api,
        /// What was looked up.
        subject: Subject,
        /// What the provider said.
        detail: ProviderMessage,
    },
    /// Any other error the provider reported.
    #[error("{api} failed for {subject}: {detail}")]
    Provider {
        /// The provider.
        api: Api,
        /// The account or number.
        subject: Subject,
        /// What the provider said.
        detail: ProviderMessage,
    },
    /// The provider answered with something that is not what its API documents.
    #[error("{api} sent an unreadable response for {subject}: {reason}")]
    Malformed {
        /// The provider.
        api: Api,
        /// The account or number.
        subject: Subject,
        /// What was wrong with it.
        reason: String,
    },
    /// The provider sent a paging link to another origin (or one that is not a URL or an
    /// absolute path). It was not followed: credentials only ever go to the account's API
    /// origin.
    #[error(
        "{api} sent a paging link for {subject} to {host}, not to the account's API origin \
         {origin}; it was not followed"
    )]
    ForeignLink {
        /// The provider.
        api: Api,
        /// The account.
        subject: Subject,
        /// The link's host (and port), or what else the link was.
        host: String,
        /// The account's API origin.
        origin: String,
    },
    /// A pull of records from a provider that bills every record it returns (Vonage's Reports
    /// API) reached the records cap; what was read was handed over, nothing more was asked for.
    #[error(
        "{api} bills every call and message record its Reports API returns: the pull for \
         {subject} stopped after {records} records (the cap is {cap}) with more to come; pull \
         a shorter range, or raise the cap if the cost is wanted"
    )]
    RecordCap {
        /// The provider.
        api: Api,
        /// The account.
        subject: Subject,
        /// The records read.
        records: u64,
        /// The cap.
        cap: u64,
    },
    /// A listing needed more pages than the cap allows (see `HttpSettings::max_listed_numbers`).
    #[error(
        "{api} listing for {subject} stopped after {pages} pages of up to {page_size} numbers \
         (the most Switchboard reads in one listing); the account has more numbers than that, \
         or the provider's paging does not end"
    )]
    TooManyPages {
        /// The provider.
        api: Api,
        /// The account.
        subject: Subject,
        /// The pages read (the cap).
        pages: u32,
        /// Numbers asked for per page.
        page_size: u32,
    },
    /// A response body was larger than the cap (see `HttpSettings::max_body_bytes`); the rest
    /// was not read.
    #[error("{api} sent a response for {subject} larger than {limit} bytes; it was not read")]
    TooLarge {
        /// The provider.
        api: Api,
        /// The account or number.
        subject: Subject,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The operation was cancelled by the caller.
    #[error("{api}: cancelled while working on {subject}")]
    Cancelled {
        /// The provider.
        api: Api,
        /// What was being worked on.
        subject: Subject,
    },
    /// The provider does not offer this operation (e.g. buying numbers through Switchboard).
    #[error("{api} does not support {operation} in Switchboard")]
    Unsupported {
        /// The provider.
        api: Api,
        /// The operation, in words.
        operation: &'static str,
    },
    /// A change would re-point an object other numbers share, and the caller did not allow it.
    #[error(
        "{api}: changing {object} would re-point {shared_by} numbers, not only {number}; \
         allow shared changes to proceed"
    )]
    SharedObject {
        /// The provider.
        api: Api,
        /// The number asked for.
        number: String,
        /// The shared object, e.g. "application AP…".
        object: String,
        /// How many numbers use it.
        shared_by: u64,
    },
    /// The caller's input is unusable (bad URL, mismatched confirmation, …).
    #[error("{api}: invalid {field}: {reason}")]
    InvalidInput {
        /// The provider.
        api: Api,
        /// The input at fault.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

fn retry_hint(d: &Option<Duration>) -> String {
    d.map(|d| format!(" (retry after {} s)", d.as_secs_f64().ceil()))
        .unwrap_or_default()
}

/// Stable codes the CLI and the desktop app branch on (house style: never match messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProviderErrorCode {
    /// Credentials refused.
    ProviderAuth,
    /// Provider unreachable.
    Offline,
    /// Throttled.
    ProviderRateLimited,
    /// Not at the provider.
    NotFound,
    /// Provider-reported, unreadable, or outside what Switchboard accepts (a paging link to
    /// another origin, too many pages, a body too large).
    ProviderError,
    /// Cancelled by the caller.
    Cancelled,
    /// Refused locally (unsupported, shared object, bad input).
    NotAllowed,
}

impl ProviderError {
    /// The stable code of this error.
    pub fn code(&self) -> ProviderErrorCode {
        match self {
            ProviderError::Auth { .. } => ProviderErrorCode::ProviderAuth,
            ProviderError::Network { .. } => ProviderErrorCode::Offline,
            ProviderError::RateLimited { .. } => ProviderErrorCode::ProviderRateLimited,
            ProviderError::NotFound { .. } => ProviderErrorCode::NotFound,
            ProviderError::Provider { .. }
            | ProviderError::Malformed { .. }
            | ProviderError::ForeignLink { .. }
            | ProviderError::TooManyPages { .. }
            | ProviderError::TooLarge { .. } => ProviderErrorCode::ProviderError,
            ProviderError::Cancelled { .. } => ProviderErrorCode::Cancelled,
            ProviderError::Unsupported { .. }
            | ProviderError::SharedObject { .. }
            | ProviderError::RecordCap { .. }
            | ProviderError::InvalidInput { .. } => ProviderErrorCode::NotAllowed,
        }
    }

    /// True when the credentials were refused: the caller marks the number `status=error`.
    pub fn is_auth(&self) -> bool {
        matches!(self, ProviderError::Auth { .. })
    }

    /// The provider's reason in one line, for the `status=error` explanation.
    pub fn reason(&self) -> String {
        match self {
            ProviderError::Auth { detail, .. }
            | ProviderError::NotFound { detail, .. }
            | ProviderError::Provider { detail, .. }
            | ProviderError::RateLimited { detail, .. } => detail.to_string(),
            other => other.to_string(),
        }
    }

    /// The provider's own error code, if it sent one.
    pub fn provider_code(&self) -> Option<&str> {
        match self {
            ProviderError::Auth { detail, .. }
            | ProviderError::NotFound { detail, .. }
            | ProviderError::Provider { detail, .. }
            | ProviderError::RateLimited { detail, .. } => detail.code.as_deref(),
            _ => None,
        }
    }
}

/// Result with [`ProviderError`].
pub type Result<T, E = ProviderError> = std::result::Result<T, E>;
