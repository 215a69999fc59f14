//! Telephony provider clients and the flows over them.
//!
//! Why a crate of its own: the provider clients bring reqwest, rustls and the providers'
//! wire formats; keeping them out of `switchboard-core` keeps core small and UI-agnostic, and
//! lets the CLI and the desktop app share one tested implementation.
//!
//! - [`ProviderClient`]: one client per account, over Twilio (and SignalWire), Vonage,
//!   Telnyx, Bandwidth and Plivo, with one contract: verify, list every number, read, plan
//!   and set webhooks through each provider's indirection, detect drift.
//! - [`twilio::TwilioClient`] also searches, buys and releases numbers, each purchase or
//!   release needing a [`model::Confirmed`] and never retried.
//! - [`flows`]: import preview (new / present / different), bulk verify, bulk webhook
//!   re-pointing and drift, with bounded concurrency, progress and cancellation.
//! - [`import`]: writing an import into an organization, the same on every store: what can
//!   be recorded is, each number left out is reported with why, and a second run adds nothing
//!   twice.
//! - [`http`]: timeouts, retries with backoff and jitter on 429/5xx/network errors for
//!   idempotent calls only, `Retry-After` honoured.
//! - [`account`]: where an account's vault entry is, its client from that entry, and how a
//!   record is named to its provider (shared by the CLI and the desktop app).
//! - [`console`]: the providers' web consoles: a number's console page, and the only
//!   addresses the app opens.
//! - [`config`]: base URLs, regional edges, and `SWITCHBOARD_<PROVIDER>_API_URL`.
//! - [`account_auth`]: every kind of credentials an account can have (auth token, Twilio API
//!   key, SignalWire, Bandwidth OAuth2 or Basic), as kept in its one vault entry, and the
//!   client built from it.
//!
//! Secrets arrive as [`switchboard_secrets::SecretString`] and are exposed only to build the
//! `Authorization` header (or, for Vonage's Numbers API, its documented query parameters);
//! they never reach an error, a log line or a `Debug` output.

// Errors carry the provider's code, message and documentation link so that a manager can act on
// them; they are built only on the failure path of a network call, where their size is noise.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod account_auth;
pub mod bandwidth;
pub mod client;
pub mod config;
pub mod console;
pub mod error;
pub mod flows;
pub mod http;
pub mod import;
pub mod model;
pub mod plivo;
mod records;
mod shared;
pub mod telnyx;
pub mod twilio;
pub mod vonage;

pub use client::ProviderClient;
pub use error::{Api, ProviderError, ProviderErrorCode, Result, Subject};
