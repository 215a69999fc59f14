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
//! - A response body is read in chunks up to [`HttpSettings::max_body_bytes`]; a larger 2xx
//!   body is [`ProviderError::TooLarge`] (a larger error body is cut, then read as usual).
//! - Paging links a provider sends are followed only on the account's API origin
//!   ([`same_origin_link`]); a listing reads at most [`HttpSettings::max_listed_numbers`] numbers'
//!   worth of pages ([`PageBudget`]).

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
    /// The largest response body read, in bytes (default 16 MiB: a page of 1,000 Twilio
    /// numbers is about 1.5 MB).
    pub max_body_bytes: usize,
    /// The most numbers one listing reads (default 1,000,000): a listing reads at most
    /// `max_listed_numbers / page size` pages (rounded up), then fails with
    /// [`ProviderError::TooManyPages`].
    pub max_listed_numbers: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_body_bytes: 16 * 1024 * 1024,
            max_listed_numbers: 1_000_000,
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
    max_body_bytes: usize,
    max_listed_numbers: usize,
    read_error: ErrorReader,
    /// What a run read of the objects its numbers share (none outside a run).
    pub shared: crate::shared::SharedReads,
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
            max_body_bytes: settings.max_body_bytes,
            max_listed_numbers: settings.max_listed_numbers,
            read_error,
            shared: crate::shared::SharedReads::default(),
        })
    }

    /// The page counter of one listing at `page_size` numbers per page.
    pub fn pages(&self, page_size: u32) -> PageBudget {
        let page_size = page_size.max(1);
        let limit = self.max_listed_numbers.div_ceil(page_size as usize).max(1);
        PageBudget {
            api: self.api,
            page_size,
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            read: 0,
        }
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
            let (body, cut) = read_capped(response, self.max_body_bytes).await?;
            Ok::<_, reqwest::Error>((status, headers, body, cut))
        };
        let result = match cancel {
            Some(token) => tokio::select! {
                _ = token.cancelled() => return Err(Failure::Final(self.cancelled(subject))),
                r = exchange => r,
            },
            None => exchange.await,
        };
        let (status, headers, body, cut) = match result {
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
            if cut {
                return Err(Failure::Final(ProviderError::TooLarge {
                    api: self.api,
                    subject: subject.clone(),
                    limit: self.max_body_bytes,
                }));
            }
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

/// Reads at most `max` bytes of the body, chunk by chunk; true when there was more (the rest
/// is not read). A declared `Content-Length` over `max` is not read at all.
async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<(String, bool), reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Ok((String::new(), true));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = max - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((String::from_utf8_lossy(&body).into_owned(), true));
        }
        body.extend_from_slice(&chunk);
    }
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((text, false))
}

/// Counts the pages of one listing against the cap (from [`Transport::pages`]).
#[derive(Debug)]
pub(crate) struct PageBudget {
    api: Api,
    page_size: u32,
    limit: u32,
    read: u32,
}

impl PageBudget {
    /// Takes one page from the budget before it is requested; the page after the last
    /// allowed one is [`ProviderError::TooManyPages`] and is not requested.
    pub fn take(&mut self, subject: &Subject) -> Result<()> {
        if self.read >= self.limit {
            return Err(ProviderError::TooManyPages {
                api: self.api,
                subject: subject.clone(),
                pages: self.read,
                page_size: self.page_size,
            });
        }
        self.read += 1;
        Ok(())
    }

    /// Before the next page of a listing: [`ProviderError::Cancelled`] once `cancel` is,
    /// then [`PageBudget::take`].
    pub fn next(&mut self, subject: &Subject, cancel: &CancellationToken) -> Result<()> {
        if cancel.is_cancelled() {
            return Err(ProviderError::Cancelled {
                api: self.api,
                subject: subject.clone(),
            });
        }
        self.take(subject)
    }
}

/// The URL a provider's paging link (`link`) points to, if it is on `origin` — the account's
/// API origin, which the request that returned the link went to. The link may be an absolute
/// URL or an absolute path (Twilio's `next_page_uri`); it is resolved with the `url` crate,
/// never pasted onto the origin as text (`@evil.example/x` would then name another host).
/// Anything else — another scheme, host or port, user info, a relative path — is
/// [`ProviderError::ForeignLink`], naming the link's host, and nothing is sent to it.
pub(crate) fn same_origin_link(
    api: Api,
    subject: &Subject,
    origin: &str,
    link: &str,
) -> Result<reqwest::Url> {
    let refuse = |host: String| ProviderError::ForeignLink {
        api,
        subject: subject.clone(),
        host,
        origin: origin.to_owned(),
    };
    let base = reqwest::Url::parse(origin).map_err(|_| refuse("an unreadable origin".into()))?;
    let link = link.trim();
    let lower = link.to_ascii_lowercase();
    if !(link.starts_with('/') || lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(refuse(
            "a link that is neither a URL nor an absolute path".into(),
        ));
    }
    let url = base
        .join(link)
        .map_err(|_| refuse("an unreadable link".into()))?;
    let host_of = |u: &reqwest::Url| match (u.host_str(), u.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{}://{h}:{p}", u.scheme()),
        (Some(h), None) => format!("{}://{h}", u.scheme()),
        (None, _) => "a link without a host".to_owned(),
    };
    if url.origin() != base.origin() {
        return Err(refuse(host_of(&url)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(format!("{} with user info", host_of(&url))));
    }
    Ok(url)
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
    fn paging_links_stay_on_the_api_origin() {
        let subject = Subject::Account("AC1".into());
        let origin = "http://127.0.0.1:4010";
        let link = |l: &str| same_origin_link(Api::Twilio, &subject, origin, l);
        assert_eq!(
            link("/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:4010/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1"
        );
        assert_eq!(
            link("http://127.0.0.1:4010/api/x?page=2").unwrap().as_str(),
            "http://127.0.0.1:4010/api/x?page=2"
        );
        for (foreign, host) in [
            // Pasted onto the origin as text, this names the host evil.example.
            ("@evil.example/x", "neither a URL nor an absolute path"),
            ("evil.example/x", "neither a URL nor an absolute path"),
            ("//evil.example/x", "http://evil.example:80"),
            ("/\\evil.example/x", "http://evil.example:80"),
            ("http://127.0.0.1:4011/x", "http://127.0.0.1:4011"),
            ("https://127.0.0.1:4010/x", "https://127.0.0.1:4010"),
            ("http://localhost:4010/x", "http://localhost:4010"),
            ("http://user:pw@127.0.0.1:4010/x", "with user info"),
            ("javascript:alert(1)", "neither a URL nor an absolute path"),
        ] {
            let e = link(foreign).unwrap_err();
            assert!(
                matches!(&e, ProviderError::ForeignLink { host: h, .. } if h.contains(host)),
                "{foreign}: {e:?}"
            );
            let text = e.to_string();
            assert!(text.contains("Twilio") && text.contains(origin), "{text}");
        }
    }

    #[test]
    fn page_budget_allows_the_cap_then_refuses() {
        let settings = HttpSettings {
            max_listed_numbers: 2_345,
            ..HttpSettings::default()
        };
        let t = Transport::new(Api::Telnyx, &settings, generic_message).unwrap();
        let subject = Subject::Account("a".into());
        let mut budget = t.pages(1000);
        for _ in 0..3 {
            budget.take(&subject).unwrap();
        }
        let e = budget.take(&subject).unwrap_err();
        assert!(
            matches!(
                e,
                ProviderError::TooManyPages {
                    pages: 3,
                    page_size: 1000,
                    ..
                }
            ),
            "{e:?}"
        );
        // The defaults read 1,000,000 numbers at any provider's page size.
        let t = Transport::new(Api::Plivo, &HttpSettings::default(), generic_message).unwrap();
        assert_eq!(t.pages(20).limit, 50_000);
        assert_eq!(t.pages(1000).limit, 1_000);
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
