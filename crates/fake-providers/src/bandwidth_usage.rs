//! Bandwidth's call records: Insights' Call Search, `GET /api/v1/accounts/{accountId}/calls`
//! (Bandwidth's OpenAPI "Call Search" 0.1.0, served on the fake's one origin). As documented:
//! at least one filter is required (none: 400); `startTime`, `endTime` and `answerTime` are
//! ranges written `gte:<RFC 3339>` or `lte:<RFC 3339>` (each may be given twice, once per
//! bound); `callId`, `callDirection`, `callType`, `callResult`, `sipResponseCode`,
//! `callingNumber` and `calledNumber` match exactly (the numbers also as a comma-separated
//! multimatch or a `prefix*`); `sort=<field>:asc|desc`; `offset` and `limit` (default 100).
//! The answer is `{links: [{rel, href}], data: {totalCount, calls}, errors: []}` with the same
//! `next` link in an RFC 5988 `Link` header. Unknown credentials: 401 ("Unauthorized
//! Account"); another account's id: 403 ("Unknown Account").
//!
//! The facts are [`crate::usage`]'s, over the Bandwidth fake's numbers. A call's fields are the
//! spec's: `callId`, `startTime`, `endTime`, `answerTime` (answered calls only), `duration` in
//! milliseconds (the connected time of an answered call, the ringing of the others),
//! `callingNumber` / `calledNumber` (`+1…`), their types, `callDirection`, `postDialDelay`,
//! `callType`, `callResult` (`complete` when answered, else `incomplete`) and
//! `sipResponseCode` (200; 486 or 600 busy; 480 or 408 unanswered; 503, 404 or 603 failed;
//! 487 canceled). No price: Call Search has none. Guesses: a call is listed once it has ended
//! (by the fake's clock); sorting is served by `startTime` only (the spec's example sorts by
//! `endTime`, whose order differs only by the calls' lengths); without `sort` the newest
//! first; `limit` at most 1000 (no maximum is published); some inbound calls are
//! `inbound-forwarded`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::common::{hex32, json};
use crate::usage::{Ending, Records, Timeline, instant, mix, rfc3339};
use crate::{FakeRequest, UsageConfig};

/// Longer than any call lasts, ringing included.
const LONGEST_CALL: i64 = 450;
/// The largest `limit` served (a guess: none is documented).
const MAX_LIMIT: i64 = 1000;
/// The exact-match filters, by the call's field of the same name.
const EXACT: [&str; 7] = [
    "callId",
    "callDirection",
    "callType",
    "callResult",
    "sipResponseCode",
    "callingNumber",
    "calledNumber",
];
/// Every documented filter (one is required).
const FILTERS: [&str; 12] = [
    "callId",
    "startTime",
    "endTime",
    "answerTime",
    "callingNumber",
    "callingNumberType",
    "calledNumber",
    "calledNumberType",
    "callDirection",
    "callType",
    "callResult",
    "sipResponseCode",
];

pub(crate) struct Usage {
    records: Records,
}

/// The SIP final response of a call that ended so.
fn sip(c: &crate::usage::Call) -> u16 {
    let bit = |k: u32| c.hash >> k & 1 == 0;
    match c.ending {
        Ending::Answered => 200,
        Ending::Busy if bit(50) => 486,
        Ending::Busy => 600,
        Ending::NoAnswer if bit(51) => 480,
        Ending::NoAnswer => 408,
        Ending::Failed if bit(52) => 503,
        Ending::Failed if bit(53) => 404,
        Ending::Failed => 603,
        Ending::Canceled => 487,
    }
}

/// A range filter's bounds (`gte:…`, `lte:…`), as Unix seconds `[from, until)`.
fn range(req: &FakeRequest, key: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let (mut from, mut until) = (None, None);
    for (k, v) in &req.query {
        if k != key {
            continue;
        }
        let bad = || format!("{key} must be gte:<time> or lte:<time>, not {v:?}");
        let (op, t) = v.split_once(':').ok_or_else(bad)?;
        let t = instant(t).ok_or_else(bad)?;
        match op {
            "gte" => from = Some(t),
            "lte" => until = Some(t + 1),
            _ => return Err(bad()),
        }
    }
    Ok((from, until))
}

/// Whether a call's field matches an exact, multimatch or prefix filter.
fn matches(field: &Value, filter: &str) -> bool {
    let have = match field {
        Value::String(s) => s.clone(),
        Value::Null => return false,
        other => other.to_string(),
    };
    let bare = have.trim_start_matches('+');
    filter.split(',').any(|f| {
        let f = f.trim().trim_start_matches('+');
        match f.strip_suffix('*') {
            Some(prefix) => bare.starts_with(prefix),
            None => bare == f,
        }
    })
}

impl Usage {
    pub(crate) fn new(numbers: Vec<String>, seed: u64, config: &UsageConfig) -> Usage {
        Usage {
            records: Records::new(numbers, seed, config),
        }
    }

    fn call_json(&self, line: &Timeline, i: i64) -> Value {
        let c = self.records.call(line, i);
        let (to, from) = self.records.parties(i, c.number, c.inbound);
        let answered = c.ending == Ending::Answered;
        let h = mix(self.records.seed, i, 0xB3D);
        // Connected milliseconds that round up to the fake's seconds.
        let duration = if answered {
            c.duration * 1000 - (h % 1000) as i64
        } else {
            c.ring * 1000 + (h % 1000) as i64
        };
        let toll_free = |n: &str| n.starts_with("+1833");
        let kind = |n: &str| {
            if toll_free(n) {
                "tollfree-oos"
            } else {
                "nanpa-us"
            }
        };
        let direction = match (c.inbound, h >> 20 & 7 == 0) {
            (true, true) => "inbound-forwarded",
            (true, false) => "inbound",
            (false, _) => "outbound",
        };
        let call_type = if c.inbound && toll_free(&to) {
            "tollfree-in"
        } else if h >> 24 & 1 == 0 {
            "local"
        } else {
            "interstate"
        };
        json!({
            "callId": format!("c-{}", hex32(self.records.seed ^ 0xB1, i as u64)),
            "startTime": rfc3339(c.start),
            "endTime": rfc3339(c.end()),
            "answerTime": answered.then(|| rfc3339(c.start + c.ring)),
            "duration": duration,
            "callingNumber": from,
            "callingNumberType": kind(&from),
            "calledNumber": to,
            "calledNumberType": kind(&to),
            "callDirection": direction,
            "postDialDelay": 800 + (h >> 32) % 2500,
            "callType": call_type,
            "callResult": if answered { "complete" } else { "incomplete" },
            "sipResponseCode": sip(&c),
        })
    }

    /// `GET /api/v1/accounts/{id}/calls` (`base`: the fake's origin); `Err` is a 400's text.
    pub(crate) fn calls(&self, req: &FakeRequest, base: &str) -> Result<Response, String> {
        if !FILTERS.iter().any(|f| req.q(f).is_some()) {
            return Err("at least one query parameter needs to be specified".into());
        }
        let number = |key: &str, default: i64| -> Result<i64, String> {
            match req.q(key) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| format!("{key} must be a whole number, not {v:?}")),
            }
        };
        let offset = number("offset", 0)?;
        let limit = number("limit", 100)?;
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(format!("limit must be between 1 and {MAX_LIMIT}"));
        }
        let descending = match req.q("sort") {
            None | Some("startTime:desc") => true,
            Some("startTime:asc") => false,
            Some(s) => return Err(format!("sort {s:?} is not served (startTime:asc|desc)")),
        };
        let (from, until) = range(req, "startTime")?;
        let ended = range(req, "endTime")?;
        let answered = range(req, "answerTime")?;
        let clock = self.records.now + req.clock_secs;
        // Every call that started in the range and ended by the clock, oldest first: those
        // that started before the longest call are all over.
        let mut positions: Vec<i64> = Vec::new();
        let (middle, tail) = match self.records.calls.as_ref() {
            None => (0..0, Vec::new()),
            Some(line) => {
                let middle = line.range(from, until, clock - LONGEST_CALL);
                let rest = line.range(from, until, clock);
                let tail = (middle.end.max(rest.start)..rest.end)
                    .filter(|&i| self.records.call(line, i).end() <= clock)
                    .collect();
                (middle, tail)
            }
        };
        let at = |p: i64| -> i64 {
            let n = middle.end - middle.start;
            if p < n {
                middle.start + p
            } else {
                tail[(p - n) as usize]
            }
        };
        let all = middle.end - middle.start + tail.len() as i64;
        let filtered = EXACT.iter().any(|f| req.q(f).is_some())
            || [ended, answered] != [(None, None), (None, None)];
        let line = self.records.calls.as_ref();
        let item = |i: i64| line.map_or(Value::Null, |line| self.call_json(line, i));
        let (calls, total): (Vec<Value>, i64) = if filtered {
            // Walked (the client never asks for these).
            let inside = |v: &Value, key: &str, (lo, hi): (Option<i64>, Option<i64>)| {
                let t = v[key].as_str().and_then(instant);
                (lo.is_none() && hi.is_none())
                    || t.is_some_and(|t| lo.is_none_or(|lo| t >= lo) && hi.is_none_or(|hi| t < hi))
            };
            let mut found: Vec<Value> = (0..all)
                .map(|p| item(at(p)))
                .filter(|v| {
                    EXACT
                        .iter()
                        .all(|f| req.q(f).is_none_or(|want| matches(&v[*f], want)))
                        && inside(v, "endTime", ended)
                        && inside(v, "answerTime", answered)
                })
                .collect();
            if descending {
                found.reverse();
            }
            let total = found.len() as i64;
            let page = found
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect();
            (page, total)
        } else {
            positions.extend(
                (offset..(offset + limit).min(all)).map(
                    |k| {
                        if descending { all - 1 - k } else { k }
                    },
                ),
            );
            (positions.iter().map(|&p| item(at(p))).collect(), all)
        };
        let mut links = Vec::new();
        let mut header = None;
        if offset + limit < total {
            let mut query: Vec<(String, String)> = req
                .query
                .iter()
                .filter(|(k, _)| k != "offset" && k != "limit")
                .cloned()
                .collect();
            query.push(("offset".into(), (offset + limit).to_string()));
            query.push(("limit".into(), limit.to_string()));
            let query: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{k}={}", crate::common::encode(v)))
                .collect();
            let href = format!("{base}{}?{}", req.path, query.join("&"));
            header = Some(format!("<{href}>; rel=\"next\""));
            links.push(json!({"rel": "next", "href": href}));
        }
        let mut r = json(
            StatusCode::OK,
            &json!({
                "links": links,
                "data": {"totalCount": total, "calls": calls},
                "errors": [],
            }),
        );
        if let Some(link) = header.and_then(|h| h.parse().ok()) {
            r.headers_mut().insert("link", link);
        }
        Ok(r)
    }
}

/// Call Search's error body: `status` with `description`.
pub(crate) fn error(status: StatusCode, description: &str) -> Response {
    json(
        status,
        &json!({"links": [], "data": null, "errors": [{"description": description}]}),
    )
}
