//! HTTP done once for every provider: TLS, timeouts, retries, error classification.
//!
//! Why one module: each provider client only says *what* to request and how to read the
//! provider's error body; *how* a request is sent — rustls, connect and request timeouts,
//! retries with exponential backoff and jitter, `Retry-After`, cancellation — is the same
//! everywhere and must be right everywhere.
//!
//! Guarantees:
//! - Only calls marked [`Idempotency::Idempotent`] are retried, on HTTP 429, HTTP 5xx and
//!   connection/timeout errors. [`Idempotency::Never`] calls (buying or releasing a number)
//!   are sent exactly once, whatever happens.
//! - A `Retry-After` (or Telnyx's `x-ratelimit-reset`) is honoured: the retry waits at least
//!   that long. A wait longer than [`RetryPolicy::max_retry_after`] is not slept through; the
//!   caller gets [`ProviderError::RateLimited`] with the provider's figure.
//! - Errors never contain a request URL (Vonage puts its secret in the query string) nor a
//!   credential.

use std::sync::Once;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, StatusCode};
use tokio_util::sync::CancellationToken;

use crate::error::{Api, ProviderError, ProviderMessage, Result, Subject};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, including the first (default 4).
    pub max_attempts: u32,
    /// First backoff step (default 250 ms); doubles per attempt, with jitter.
    pub base_delay: Duration,
    /// Largest backoff step (default 8 s).
    pub max_delay: Duration,
    /// The longest `Retry-After` we wait for (default 60 s); beyond it we give up at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1-based): exponential with "equal jitter"
    /// (half fixed, half random) so that many clients throttled together spread out.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Timeouts and retries of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// TCP + TLS connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout, headers and body (default 30 s).
    pub request_timeout: Duration,
    /// Retry policy for idempotent calls.
    pub retry: RetryPolicy,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// Whether a call may be repeated without changing the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, and writes that set a value (a webhook URL): retried.
    Idempotent,
    /// Buying or releasing a number: sent exactly once.
    Never,
}

/// Installs ring as the process's rustls crypto provider (reqwest is built without one so
/// that aws-lc's C build stays out). Idempotent; a provider installed earlier is kept.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider is installed already, which is all we need.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A successful response, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    /// HTTP status (2xx).
    #[allow(dead_code)]
    pub status: StatusCode,
    /// Body text.
    pub body: String,
}

/// Reads a provider's error body into its code and message.
pub(crate) type ErrorReader = fn(status: u16, body: &str) -> ProviderMessage;

/// The HTTP side of one provider client.
#[derive(Clone)]
pub(crate) struct Transport {
    pub api: Api,
    client: Client,
    retry: RetryPolicy,
    read_error: ErrorReader,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("api", &self.api)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(api: Api, settings: &HttpSettings, read_error: ErrorReader) -> Result<Self> {
        install_crypto_provider();
        let client = Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::InvalidInput {
                api,
                field: "http client",
                reason: e.without_url().to_string(),
            })?;
        Ok(Transport {
            api,
            client,
            retry: settings.retry,
            read_error,
        })
    }

    /// Sends the request `build` makes (again on each retry) and returns the 2xx reply.
    pub async fn send(
        &self,
        subject: &Subject,
        idempotency: Idempotency,
        cancel: Option<&CancellationToken>,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Reply> {
        let attempts = match idempotency {
            Idempotency::Idempotent => self.retry.max_attempts.max(1),
            Idempotency::Never => 1,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.once(subject, cancel, build(&self.client)).await;
            let (err, wait) = match outcome {
                Ok(reply) => return Ok(reply),
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Retryable(e, wait)) => (e, wait),
            };
            if attempt >= attempts {
                return Err(err);
            }
            let wait = match wait {
                Some(asked) if asked > self.retry.max_retry_after => return Err(err),
                // Honour the provider's figure, plus up to 10% so clients do not return in step.
                Some(asked) => asked + asked.mul_f64(fastrand::f64() * 0.1),
                None => self.retry.backoff(attempt),
            };
            tracing::debug!(api = %self.api, %subject, attempt, ?wait, error = %err, "retrying");
            self.sleep(subject, cancel, wait).await?;
        }
    }

    async fn sleep(
        &self,
        subject: &Subject,
        cancel: Option<&CancellationToken>,
        wait: Duration,
    ) -> Result<()> {
        match cancel {
            Some(token) => tokio::select! {
                _ = token.cancelled() => Err(self.cancelled(subject)),
                _ = tokio::time::sleep(wait) => Ok(()),
            },
            None => {
                tokio::time::sleep(wait).await;
                Ok(())
            }
        }
    }

    fn cancelled(&self, subject: &Subject) -> ProviderError {
        ProviderError::Cancelled {
            api: self.api,
            subject: subject.clone(),
        }
    }

    async fn once(
        &self,
        subject: &Subject,
        cancel: Option<&CancellationToken>,
        request: RequestBuilder,
    ) -> Result<Reply, Failure> {
        let exchange = async {
            let response = request.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.text().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let result = match cancel {
            Some(token) => tokio::select! {
                _ = token.cancelled() => return Err(Failure::Final(self.cancelled(subject))),
                r = exchange => r,
            },
            None => exchange.await,
        };
        let (status, headers, body) = match result {
            Ok(parts) => parts,
            Err(e) => {
                let err = ProviderError::Network {
                    api: self.api,
                    subject: subject.clone(),
                    reason: describe(&e),
                };
                return Err(Failure::Retryable(err, None));
            }
        };
        if status.is_success() {
            return Ok(Reply { status, body });
        }
        Err(self.classify(subject, status, &headers, &body))
    }

    fn classify(
        &self,
        subject: &Subject,
        status: StatusCode,
        headers: &HeaderMap,
        body: &str,
    ) -> Failure {
        let detail = (self.read_error)(status.as_u16(), body);
        let api = self.api;
        let subject = subject.clone();
        match status.as_u16() {
            401 | 403 => Failure::Final(ProviderError::Auth {
                api,
                subject,
                detail,
            }),
            404 => Failure::Final(ProviderError::NotFound {
                api,
                subject,
                detail,
            }),
            429 => {
                let retry_after = retry_after(headers);
                Failure::Retryable(
                    ProviderError::RateLimited {
                        api,
                        subject,
                        retry_after,
                        detail,
                    },
                    retry_after,
                )
            }
            500..=599 => Failure::Retryable(
                ProviderError::Provider {
                    api,
                    subject,
                    detail,
                },
                None,
            ),
            _ => Failure::Final(ProviderError::Provider {
                api,
                subject,
                detail,
            }),
        }
    }
}

enum Failure {
    Final(ProviderError),
    Retryable(ProviderError, Option<Duration>),
}

/// `Retry-After` in seconds, else Telnyx's `x-ratelimit-reset` (seconds until the window
/// resets, or a Unix time when it is larger than a day).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    if let Some(secs) = number("retry-after") {
        return Some(Duration::from_secs_f64(secs));
    }
    let reset = number("x-ratelimit-reset")?;
    if reset > 86_400.0 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        return Some(Duration::from_secs_f64((reset - now).max(0.0)));
    }
    Some(Duration::from_secs_f64(reset))
}

/// A network failure in words, without the URL (which may carry a secret).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "response interrupted"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}

/// Parses a JSON body, naming the provider and subject when it is not what was expected.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    api: Api,
    subject: &Subject,
    body: &str,
) -> Result<T> {
    serde_json::from_str(body).map_err(|e| ProviderError::Malformed {
        api,
        subject: subject.clone(),
        reason: e.to_string(),
    })
}

/// Reads a generic JSON error body: `message`/`error`/`detail` and `code` keys, whichever the
/// provider uses, falling back to the HTTP reason phrase.
pub(crate) fn generic_message(status: u16, body: &str) -> ProviderMessage {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_owned();
    ProviderMessage {
        status,
        code: None,
        message: if body.trim().is_empty() {
            reason
        } else {
            truncate(body.trim(), 300)
        },
        more_info: None,
    }
}

/// At most `max` characters of `s`, on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 1..10 {
            let d = p.backoff(retry);
            let step = (p.base_delay * (1 << (retry - 1))).min(p.max_delay);
            assert!(d >= step / 2 && d <= step, "{retry}: {d:?}");
        }
    }

    #[test]
    fn retry_after_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("x-ratelimit-reset", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after", HeaderValue::from_static("1"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(1)));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    }
}
