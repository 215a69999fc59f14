//! Plivo's call and message records: `GET /v1/Account/{auth_id}/Call/` ("Retrieve details of
//! all calls": completed calls only) and `GET /v1/Account/{auth_id}/Message/`, with `limit`
//! (1 to 20, default 20) and `offset` paging, `meta.next`/`meta.previous` links and
//! `meta.total_count`, most recent first. Time filters, in UTC as
//! `YYYY-MM-DD HH:MM[:ss[.uuuuuu]]`: `end_time` / `end_time__gt|gte|lt|lte` for calls and
//! `message_time` / `message_time__gt|gte|lt|lte` for messages. As Plivo documents for calls:
//! without a time filter the search window is the last 7 days; with only a lower (or upper)
//! bound it is the 30 days from (or to) it. Also `call_direction` / `message_direction`.
//!
//! The facts are [`crate::usage`]'s; a call is listed once it has ended (by the fake's clock).
//! Fields follow Plivo's call object (`call_uuid`, `from_number`, `to_number` without `+`,
//! `call_direction`, `initiation_time`, `answer_time`, `end_time`, `call_duration`,
//! `bill_duration`, `billed_duration`, `total_rate`, `total_amount`, `hangup_cause_code`,
//! `hangup_cause_name`, `hangup_source`) and message object (`message_uuid`,
//! `message_direction`, `message_state`, `message_time`, `units`, `total_rate`,
//! `total_amount`). Calls are billed per started minute. Guesses: the 3000-range hangup codes
//! (3000 "Busy Line", 3010 "Rejected", 3020 "No Answer"), a `total_amount` of `null` while a
//! record is not rated yet, and the messages list's windows being those of the calls list.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::common::json;
use crate::plivo::list_meta;
use crate::usage::{DAY, Delivery, Ending, Records, Timeline, decimal, uuid};
use crate::{FakeRequest, UsageConfig, creds};

/// Per minute, in billionths: outbound and inbound.
const RATE_OUT: i64 = 8_500_000;
const RATE_IN: i64 = 5_500_000;
/// Per message unit.
const RATE_MESSAGE: i64 = 5_000_000;
/// Longer than any call lasts, ringing included.
const LONGEST_CALL: i64 = 450;

pub(crate) struct Usage {
    records: Records,
}

/// `2026-11-30 10:00:05+00:00`, as Plivo writes times.
fn plivo_time(t: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]+00:00");
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&format).ok())
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM[:ss[.uuuuuu]]` in UTC, as Unix seconds.
fn filter_time(text: &str) -> Option<i64> {
    let formats = [
        time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]"
        ),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ];
    formats.iter().find_map(|f| {
        PrimitiveDateTime::parse(text, f)
            .ok()
            .map(|t| t.assume_utc().unix_timestamp())
    })
}

fn hangup(c: &crate::usage::Call) -> (u32, &'static str, &'static str) {
    match c.ending {
        Ending::Answered if c.hash >> 50 & 1 == 0 => (4000, "Normal Hangup", "Caller"),
        Ending::Answered => (4010, "End Of XML Instructions", "Answer XML"),
        Ending::Busy => (3000, "Busy Line", "Call recipient"),
        Ending::NoAnswer => (3020, "No Answer", "Carrier"),
        Ending::Failed if c.hash >> 51 & 1 == 0 => (3010, "Rejected", "Call recipient"),
        Ending::Failed => (2010, "Destination Out Of Service", "Carrier"),
        Ending::Canceled => (1000, "Canceled", "API Request"),
    }
}

fn without_plus(n: String) -> String {
    n.trim_start_matches('+').to_owned()
}

/// A list request's time window `[from, until)`, page and direction.
struct Query {
    from: i64,
    until: i64,
    inbound: Option<bool>,
    limit: i64,
    offset: i64,
}

impl Query {
    fn read(req: &FakeRequest, time: &str, direction: &str, clock: i64) -> Result<Query, String> {
        let bound = |suffix: &str, shift: i64| -> Result<Option<i64>, String> {
            let key = format!("{time}{suffix}");
            match req.q(&key) {
                None => Ok(None),
                Some(v) => filter_time(v).map(|t| Some(t + shift)).ok_or_else(|| {
                    format!("{key} should be in the format YYYY-MM-DD HH:MM[:ss[.uuuuuu]]")
                }),
            }
        };
        let exact = bound("", 0)?;
        let from = bound("__gte", 0)?.or(bound("__gt", 1)?).or(exact);
        let until = bound("__lt", 0)?
            .or(bound("__lte", 1)?)
            .or(exact.map(|t| t + 1));
        let (from, until) = match (from, until) {
            (Some(f), Some(u)) => (f, u),
            (Some(f), None) => (f, f + 30 * DAY),
            (None, Some(u)) => (u - 30 * DAY, u),
            (None, None) => (clock - 7 * DAY, clock + 1),
        };
        let limit: i64 = match req.q("limit") {
            None => 20,
            Some(v) => v.parse().unwrap_or(0),
        };
        if !(1..=20).contains(&limit) {
            return Err("limit should be between 1 and 20".into());
        }
        let offset: i64 = match req.q("offset") {
            None => 0,
            Some(v) => v
                .parse()
                .map_err(|_| "offset should be a number".to_owned())?,
        };
        Ok(Query {
            from,
            until,
            inbound: req.q(direction).map(|d| d == "inbound"),
            limit,
            offset: offset.max(0),
        })
    }
}

/// The records a list request matches, most recent first: some walked one by one (`head`,
/// `tail`, each a few minutes of records at a window's edge), the rest a range of indices.
struct Matches {
    head: Vec<i64>,
    middle: std::ops::Range<i64>,
    tail: Vec<i64>,
}

impl Matches {
    fn len(&self) -> i64 {
        self.head.len() as i64 + (self.middle.end - self.middle.start) + self.tail.len() as i64
    }

    fn at(&self, p: i64) -> i64 {
        let (h, m) = (self.head.len() as i64, self.middle.end - self.middle.start);
        if p < h {
            self.head[p as usize]
        } else if p < h + m {
            self.middle.end - 1 - (p - h)
        } else {
            self.tail[(p - h - m) as usize]
        }
    }
}

impl Usage {
    pub(crate) fn new(numbers: Vec<String>, seed: u64, config: &UsageConfig) -> Usage {
        Usage {
            records: Records::new(numbers, seed, config),
        }
    }

    /// The calls that ended in `[from, until)` and by `clock`: those that started in the
    /// window less the longest call are all in; the ones at either edge are checked.
    fn calls_in(&self, line: &Timeline, from: i64, until: i64, clock: i64) -> Matches {
        let until = until.min(clock + 1);
        let ends_in = |i: &i64| {
            let end = self.records.call(line, *i).end();
            (from..until).contains(&end)
        };
        let idx = |t: i64| line.first_from(t);
        let inner_hi = idx((until - LONGEST_CALL).max(from));
        let middle = idx(from)..inner_hi.max(idx(from));
        let head = (middle.end..idx(until).max(middle.end))
            .rev()
            .filter(ends_in)
            .collect();
        let tail = (idx(from - LONGEST_CALL)..middle.start)
            .rev()
            .filter(ends_in)
            .collect();
        Matches { head, middle, tail }
    }

    fn call_json(&self, line: &Timeline, i: i64, clock: i64) -> Value {
        let c = self.records.call(line, i);
        let (to, from) = self.records.parties(i, c.number, c.inbound);
        let (code, cause, source) = hangup(&c);
        let answered = c.ending == Ending::Answered;
        let rate = if c.inbound { RATE_IN } else { RATE_OUT };
        let amount = if !answered {
            Some(decimal(0, 5))
        } else {
            self.records
                .rated(c.end(), clock)
                .then(|| decimal(rate * c.minutes(), 5))
        };
        let id = uuid(self.records.seed ^ 0x91, i);
        json!({
            "answer_time": answered.then(|| plivo_time(c.start + c.ring)),
            "bill_duration": if answered { c.minutes() * 60 } else { 0 },
            "billed_duration": if answered { c.minutes() * 60 } else { 0 },
            "call_direction": if c.inbound { "inbound" } else { "outbound" },
            "call_duration": c.duration,
            "call_uuid": id,
            "end_time": plivo_time(c.end()),
            "from_number": without_plus(from),
            "hangup_cause_code": code,
            "hangup_cause_name": cause,
            "hangup_source": source,
            "initiation_time": plivo_time(c.start),
            "parent_call_uuid": null,
            "resource_uri": format!("/v1/Account/{}/Call/{id}/", creds::PLIVO_AUTH_ID),
            "to_number": without_plus(to),
            "total_amount": amount,
            "total_rate": decimal(rate, 5),
            "stir_verification": "Not Applicable",
            "voice_network_group": "USA & Canada",
        })
    }

    fn message_json(&self, line: &Timeline, i: i64, clock: i64) -> Value {
        let m = self.records.message(line, i);
        let (to, from) = self.records.parties(i, m.number, m.inbound);
        let state = match m.delivery {
            Delivery::Received => "received",
            Delivery::Delivered => "delivered",
            Delivery::Undelivered => "undelivered",
            Delivery::Failed => "failed",
            Delivery::Sent => "sent",
        };
        let amount = if m.delivery == Delivery::Failed {
            Some(decimal(0, 5))
        } else {
            self.records
                .rated(m.sent + 10, clock)
                .then(|| decimal(RATE_MESSAGE * m.segments, 5))
        };
        let id = uuid(self.records.seed ^ 0x92, i);
        json!({
            "error_code": if m.delivery == Delivery::Failed { Value::from("900") } else { Value::Null },
            "from_number": without_plus(from),
            "message_direction": if m.inbound { "inbound" } else { "outbound" },
            "message_state": state,
            "message_time": plivo_time(m.sent),
            "message_type": "sms",
            "message_uuid": id,
            "resource_uri": format!("/v1/Account/{}/Message/{id}/", creds::PLIVO_AUTH_ID),
            "to_number": without_plus(to),
            "total_amount": amount,
            "total_rate": decimal(RATE_MESSAGE, 5),
            "units": m.segments,
        })
    }

    /// `GET …/Call/` (`calls`) or `GET …/Message/`; `Err` is a 400's message.
    pub(crate) fn list(&self, req: &FakeRequest, calls: bool) -> Result<Response, String> {
        let clock = self.records.now + req.clock_secs;
        let (time, direction, resource) = if calls {
            ("end_time", "call_direction", "Call")
        } else {
            ("message_time", "message_direction", "Message")
        };
        let q = Query::read(req, time, direction, clock)?;
        let line = if calls {
            self.records.calls.as_ref()
        } else {
            self.records.messages.as_ref()
        };
        let matches = match line {
            None => Matches {
                head: Vec::new(),
                middle: 0..0,
                tail: Vec::new(),
            },
            Some(line) if calls => self.calls_in(line, q.from, q.until, clock),
            Some(line) => Matches {
                head: Vec::new(),
                middle: line.range(Some(q.from), Some(q.until), clock),
                tail: Vec::new(),
            },
        };
        let inbound = |i: i64| match line {
            Some(line) if calls => self.records.call(line, i).inbound,
            Some(line) => self.records.message(line, i).inbound,
            None => false,
        };
        let item = |i: i64| match line {
            Some(line) if calls => self.call_json(line, i, clock),
            Some(line) => self.message_json(line, i, clock),
            None => Value::Null,
        };
        let (objects, total): (Vec<Value>, i64) = match q.inbound {
            // By direction: walked (the client never asks for it).
            Some(want) => {
                let all: Vec<i64> = (0..matches.len())
                    .map(|p| matches.at(p))
                    .filter(|&i| inbound(i) == want)
                    .collect();
                let page = all
                    .iter()
                    .skip(q.offset as usize)
                    .take(q.limit as usize)
                    .map(|&i| item(i))
                    .collect();
                (page, all.len() as i64)
            }
            None => {
                let total = matches.len();
                let page = (q.offset..(q.offset + q.limit).min(total))
                    .map(|p| item(matches.at(p)))
                    .collect();
                (page, total)
            }
        };
        let (limit, offset) = (q.limit as usize, q.offset as usize);
        Ok(json(
            StatusCode::OK,
            &json!({
                "api_id": uuid(self.records.seed ^ 0x93, q.offset),
                "meta": list_meta(resource, limit, offset, total as usize),
                "objects": objects,
            }),
        ))
    }
}
