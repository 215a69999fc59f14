//! What every fake shares: requests as plain data, faults, basic auth, query parsing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};

/// Faults to inject into a fake's responses. Counters (`*_next`) are consumed one per request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Delay before every answer, in milliseconds.
    pub latency_ms: u64,
    /// Answer the next N requests with 429 and `Retry-After`.
    pub rate_limit_next: u32,
    /// The `Retry-After` seconds sent with injected 429s (default 1 when 0).
    pub retry_after_secs: u64,
    /// Answer the next N requests with 500 and the provider's error body.
    pub server_error_next: u32,
    /// Answer the next N requests with 200 and a truncated JSON (or XML) body.
    pub malformed_next: u32,
    /// A request-rate limit: at most `limit` requests per `window_ms`, then 429 (Plivo's real
    /// limit is 300 per 5 s; the Plivo fake enables it by default).
    pub rate_window: Option<RateWindow>,
    /// The paging link to send instead of the fake's own wherever it would send one (Twilio's
    /// `next_page_uri` verbatim; the URL inside Bandwidth's `<next>` link): to test that
    /// clients refuse links off their API origin.
    pub next_link: Option<String>,
    /// Moves the fakes' clock this many seconds past [`crate::UsageConfig::now`]: the call and
    /// message records that start meanwhile appear, and prices that were pending are given.
    pub clock_secs: i64,
}

/// A fixed-window request limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateWindow {
    /// Requests allowed per window.
    pub limit: u32,
    /// Window length in milliseconds.
    pub window_ms: u64,
}

/// One request a fake received (without its credentials: `Authorization` is not kept and an
/// `api_secret` value reads `<redacted>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// The query's pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The pairs of an `application/x-www-form-urlencoded` body, decoded, in order (empty for
    /// other bodies).
    pub form: Vec<(String, String)>,
}

impl RequestRecord {
    pub(crate) fn new(
        method: &str,
        path: &str,
        query: &[(String, String)],
        form: &[(String, String)],
    ) -> Self {
        let redact = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .map(|(k, v)| match k.as_str() {
                    "api_secret" => (k.clone(), "<redacted>".to_owned()),
                    _ => (k.clone(), v.clone()),
                })
                .collect()
        };
        RequestRecord {
            method: method.to_owned(),
            path: path.to_owned(),
            query: redact(query),
            form: redact(form),
        }
    }
}

/// The mutable fault and request-log state of one fake.
#[derive(Debug, Default)]
pub struct FaultState {
    faults: Mutex<Faults>,
    window: Mutex<Option<(Instant, u32)>>,
    log: Mutex<Vec<RequestRecord>>,
    count: AtomicU64,
}

/// What the fault layer decided for one request.
pub(crate) enum Injected {
    /// Serve normally.
    None,
    /// Answer with this status (429 or 500) and this Retry-After.
    Status(StatusCode, Option<u64>),
    /// Serve normally, then truncate the body.
    Malformed,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        FaultState {
            faults: Mutex::new(faults),
            ..FaultState::default()
        }
    }

    /// Replaces the faults.
    pub fn set(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    /// The current faults.
    pub fn get(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// Changes the faults in place.
    pub fn update(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut lock(&self.faults));
    }

    /// The requests received so far (control-endpoint calls excluded).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.log).clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.log).clear();
        self.count.store(0, Ordering::Relaxed);
    }

    pub(crate) fn record(&self, request: RequestRecord) -> (Duration, Injected) {
        self.count.fetch_add(1, Ordering::Relaxed);
        lock(&self.log).push(request);
        let mut f = lock(&self.faults);
        let latency = Duration::from_millis(f.latency_ms);
        let retry_after = if f.retry_after_secs == 0 {
            1
        } else {
            f.retry_after_secs
        };
        if f.rate_limit_next > 0 {
            f.rate_limit_next -= 1;
            return (
                latency,
                Injected::Status(StatusCode::TOO_MANY_REQUESTS, Some(retry_after)),
            );
        }
        if f.server_error_next > 0 {
            f.server_error_next -= 1;
            return (
                latency,
                Injected::Status(StatusCode::INTERNAL_SERVER_ERROR, None),
            );
        }
        if let Some(w) = f.rate_window {
            let mut window = lock(&self.window);
            let now = Instant::now();
            let per = Duration::from_millis(w.window_ms.max(1));
            let (start, used) = match *window {
                Some((start, used)) if now.duration_since(start) < per => (start, used),
                _ => (now, 0),
            };
            if used >= w.limit {
                let left = per
                    .saturating_sub(now.duration_since(start))
                    .as_secs_f64()
                    .ceil();
                return (
                    latency,
                    Injected::Status(StatusCode::TOO_MANY_REQUESTS, Some(left.max(1.0) as u64)),
                );
            }
            *window = Some((start, used + 1));
        }
        if f.malformed_next > 0 {
            f.malformed_next -= 1;
            return (latency, Injected::Malformed);
        }
        (latency, Injected::None)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    respond(status, "application/json", value.to_string())
}

/// A response with a body and content type.
pub(crate) fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// An empty response.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// Decodes `application/x-www-form-urlencoded` (queries and form bodies).
pub(crate) fn parse_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The first value of `key`.
pub(crate) fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text for an XML element's content.
pub(crate) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The user and password of an HTTP Basic `Authorization` header.
pub(crate) fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// The token of an HTTP `Authorization: Bearer` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// Deterministic hex: the same `seed` and `i` give the same 32 hex digits.
pub(crate) fn hex32(seed: u64, i: u64) -> String {
    let first = mix64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    format!("{first:016x}{:016x}", mix64(first))
}

/// A 64-bit mix (MurmurHash3's finalizer): well spread bits from any input.
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// North American area codes (with their state and a city) the fakes draw numbers from.
pub(crate) const AREAS: [(&str, &str, &str); 10] = [
    ("415", "CA", "San Francisco"),
    ("212", "NY", "New York"),
    ("312", "IL", "Chicago"),
    ("617", "MA", "Boston"),
    ("206", "WA", "Seattle"),
    ("303", "CO", "Denver"),
    ("512", "TX", "Austin"),
    ("404", "GA", "Atlanta"),
    ("305", "FL", "Miami"),
    ("919", "NC", "Raleigh"),
];

/// The `i`th generated US number, as 10 national digits, with its state and city. Distinct
/// for distinct `i` (up to 10 × 700 × 10,000) and offset by `exchange_base` so that
/// different fakes and the "available" pool do not collide.
pub(crate) fn us_number(i: usize, exchange_base: usize) -> (String, &'static str, &'static str) {
    let (area, state, city) = AREAS[i % AREAS.len()];
    let rest = i / AREAS.len();
    let line = rest % 10_000;
    let exchange = exchange_base + rest / 10_000;
    (format!("{area}{exchange:03}{line:04}"), state, city)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_forms() {
        assert_eq!(base64_decode("dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(
            parse_pairs("a=1&b=x+y%2Fz&page%5Bsize%5D=3"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y/z".into()),
                ("page[size]".into(), "3".into())
            ]
        );
        assert_eq!(encode("+1 a/b"), "%2B1%20a%2Fb");
    }

    #[test]
    fn generated_numbers_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..30_000 {
            assert!(seen.insert(us_number(i, 234).0));
        }
    }
}
