//! The provider clients against the local fakes: every provider's verify, paging, webhooks,
//! drift, retries and rate limits, the flows, paging links and caps, and Twilio's request
//! schema. One test binary (one link) for all.

// Test helpers outside #[test] functions unwrap too; a panic is the test failing.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::time::Duration;

use switchboard_core::domain::E164;
use switchboard_fake_providers::{FakeConfig, FakeProviders};
use switchboard_providers::http::{HttpSettings, RetryPolicy};
use switchboard_providers::model::ListProgress;
use switchboard_providers::{ProviderClient, ProviderError};
use switchboard_secrets::SecretString;
use tokio_util::sync::CancellationToken;

#[path = "providers/bandwidth_readiness.rs"]
mod bandwidth_readiness;
#[path = "providers/bandwidth_usage.rs"]
mod bandwidth_usage;
#[path = "providers/limits.rs"]
mod limits;
#[path = "providers/others.rs"]
mod others;
#[path = "providers/plivo_readiness.rs"]
mod plivo_readiness;
#[path = "providers/plivo_usage.rs"]
mod plivo_usage;
#[path = "providers/telnyx_readiness.rs"]
mod telnyx_readiness;
#[path = "providers/telnyx_usage.rs"]
mod telnyx_usage;
#[path = "providers/twilio.rs"]
mod twilio;
#[path = "providers/twilio_readiness.rs"]
mod twilio_readiness;
#[path = "providers/twilio_schema.rs"]
mod twilio_schema;
#[path = "providers/twilio_usage.rs"]
mod twilio_usage;
#[path = "providers/vonage_readiness.rs"]
mod vonage_readiness;
#[path = "providers/vonage_usage.rs"]
mod vonage_usage;

/// A readiness refresh of 10,000 numbers (or more): every request counted, and no request
/// that `names_a_number` (a per-number request).
fn no_request_names_a_number(
    listing: &switchboard_providers::model::ReadinessListing,
    paths: &[String],
    names_a_number: impl Fn(&str) -> bool,
) {
    assert!(listing.numbers.len() >= 10_000);
    assert_eq!(listing.requests as usize, paths.len());
    let named: Vec<&String> = paths.iter().filter(|p| names_a_number(p)).collect();
    assert!(named.is_empty(), "requests that name a number: {named:?}");
}

/// A readiness read by `c` cancelled as soon as `n` requests are reported: it must fail as
/// cancelled; returns the request counts reported.
async fn readiness_cancelled_after(c: &ProviderClient, n: u32) -> Vec<u32> {
    let cancel = CancellationToken::new();
    let seen = Mutex::new(Vec::new());
    let progress = |p: ListProgress| {
        seen.lock().unwrap().push(p.pages);
        if p.pages == n {
            cancel.cancel();
        }
    };
    let err = c.readiness(&progress, &cancel).await.unwrap_err();
    assert!(matches!(err, ProviderError::Cancelled { .. }), "{err:?}");
    seen.into_inner().unwrap()
}

/// Quick retries so that tests do not wait on backoff (Retry-After is still honoured).
fn fast() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        ..HttpSettings::default()
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

/// A base URL nothing listens on.
async fn dead_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

async fn fakes(config: FakeConfig) -> FakeProviders {
    FakeProviders::start(config).await.expect("fakes start")
}

fn e164(s: &str) -> E164 {
    E164::parse(s, None).unwrap()
}

/// Lists with a progress recorder; returns the listing and the progress reports.
async fn list_all(
    client: &ProviderClient,
) -> (switchboard_providers::model::Listing, Vec<ListProgress>) {
    let seen = Mutex::new(Vec::new());
    let record = |p: ListProgress| seen.lock().unwrap().push(p);
    let listing = client
        .list_numbers(&record, &CancellationToken::new())
        .await
        .expect("listing");
    (listing, seen.into_inner().unwrap())
}

/// Shared checks every provider must pass: a failed credential is Auth and the reason
/// does not leak the secret; an unreachable provider is Network.
fn assert_auth_error(e: &ProviderError, secret_text: &str) {
    assert!(e.is_auth(), "expected Auth, got {e:?}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains(secret_text), "secret leaked: {text}");
}

fn assert_network_error(e: &ProviderError) {
    assert!(
        matches!(e, ProviderError::Network { .. }),
        "expected Network, got {e:?}"
    );
    assert!(!e.is_auth());
}
