//! Telnyx's detail records: `GET /v2/detail_records` (Detail Records API, `SearchDetailRecords`)
//! with `filter[record_type]` (required: `call-control`, `sip-trunking` and `messaging` are served;
//! any other type has no records here), `filter[created_at][gte]` / `[gt]` / `[lt]` / `[lte]`
//! (a date or an RFC 3339 time), `filter[direction]`, `sort=created_at` / `-created_at` (the
//! default), and `page[number]` (from 1) / `page[size]` (1 to 50, default 20; outside: 422), in
//! Telnyx's `{"data": [...], "meta": {total_pages, total_results, page_number, page_size}}`.
//!
//! The facts are [`crate::usage`]'s. A number on the Call Control or TeXML application has its
//! calls as `call-control` records; a number on the SIP connection as `sip-trunking` records (as
//! [`crate::telnyx`] assigns connections: every third number). The fields follow the documented
//! WebRTC and conference-participant detail records (`cli`, `cld`, `direction`, `started_at`,
//! `finished_at`, `call_sec`, `billed_sec`, `rate`, `rate_measured_in`, `cost`, `currency`) and
//! the message detail record of the typed SDKs (`uuid`, `parts`, `status`, `sent_at`, …); how a
//! call ended is Call Control's `hangup_cause` (`normal_clearing`, `user_busy`, `timeout`,
//! `call_rejected`, `originator_cancel`, …). Guesses, as the call records' schema is not
//! published: the call records' `record_type` values, and `created_at` being when the call
//! started (so that paging by `created_at` follows the timeline). Calls are billed per started
//! minute (`billed_sec` a multiple of 60) at `rate` per minute; unconnected calls cost `"0"`; a
//! record not rated yet has `cost: null`; failed and gateway-rejected messages have no cost.

use axum::response::Response;
use serde_json::{Value, json};

use crate::usage::{Delivery, Ending, Records, Subset, Timeline, decimal, instant, rfc3339, uuid};
use crate::{FakeRequest, UsageConfig};

/// Per minute, in billionths: outbound and inbound.
const RATE_OUT: i64 = 7_250_000;
const RATE_IN: i64 = 3_500_000;
/// Per message part.
const RATE_MESSAGE: i64 = 4_000_000;

/// The detail records of the Telnyx fake's numbers.
pub(crate) struct Usage {
    records: Records,
    currency: String,
    /// The numbers whose calls are `call-control` records; the others' are `sip-trunking`.
    call_control: Subset,
    sip: Subset,
    all: Subset,
}

fn hangup(c: &crate::usage::Call) -> (&'static str, &'static str, &'static str) {
    match c.ending {
        Ending::Answered => ("normal_clearing", "callee", "200"),
        Ending::Busy => ("user_busy", "callee", "486"),
        Ending::NoAnswer if c.hash >> 50 & 1 == 0 => ("timeout", "unknown", "408"),
        Ending::NoAnswer => ("no_answer", "callee", "480"),
        Ending::Failed if c.hash >> 51 & 1 == 0 => ("call_rejected", "callee", "603"),
        Ending::Failed => ("not_found", "unknown", "404"),
        Ending::Canceled => ("originator_cancel", "caller", "487"),
    }
}

fn message_status(d: Delivery) -> &'static str {
    match d {
        Delivery::Received => "received",
        Delivery::Delivered => "delivered",
        Delivery::Undelivered => "gw_reject",
        Delivery::Failed => "failed",
        Delivery::Sent => "dlr_unconfirmed",
    }
}

/// The request's filters and paging.
struct Query {
    from: Option<i64>,
    until: Option<i64>,
    inbound: Option<bool>,
    descending: bool,
    number: i64,
    size: i64,
}

impl Usage {
    pub(crate) fn new(numbers: Vec<String>, seed: u64, config: &UsageConfig) -> Usage {
        let n = numbers.len();
        // As crate::telnyx: connection [Call Control, TeXML, SIP][i % 3].
        Usage {
            call_control: Subset::new(n, |k| k % 3 != 2),
            sip: Subset::new(n, |k| k % 3 == 2),
            all: Subset::new(n, |_| true),
            records: Records::new(numbers, seed, config),
            currency: config.currency_of(crate::FakeKind::Telnyx).to_owned(),
        }
    }

    fn call_json(&self, line: &Timeline, i: i64, record_type: &str, clock: i64) -> Value {
        let c = self.records.call(line, i);
        let (to, from) = self.records.parties(i, c.number, c.inbound);
        let (cause, source, sip) = hangup(&c);
        let answered = c.ending == Ending::Answered;
        let billed = c.minutes() * 60;
        let rate = if c.inbound { RATE_IN } else { RATE_OUT };
        let cost = if !answered {
            Some("0".to_owned())
        } else {
            self.records
                .rated(c.end(), clock)
                .then(|| decimal(rate * c.minutes(), 5))
        };
        let seed = self.records.seed;
        json!({
            "record_type": format!("{}_detail_record", record_type.replace('-', "_")),
            "id": uuid(seed ^ 0x7C, i),
            "call_leg_id": uuid(seed ^ 0x7D, i),
            "call_session_id": uuid(seed ^ 0x7E, i),
            "connection_id": (1_293_384_261_075_731_499u64 + c.number as u64 % 3).to_string(),
            "cli": from,
            "cld": to,
            "direction": if c.inbound { "inbound" } else { "outbound" },
            "created_at": rfc3339(c.start),
            "started_at": rfc3339(c.start),
            "answered_at": answered.then(|| rfc3339(c.start + c.ring)),
            "finished_at": rfc3339(c.end()),
            "call_sec": c.duration,
            "billed_sec": billed,
            "hangup_cause": cause,
            "hangup_source": source,
            "sip_hangup_cause": sip,
            "is_telnyx_billable": answered,
            "rate": decimal(rate, 5),
            "rate_measured_in": "minute",
            "cost": cost,
            "currency": self.currency,
            "tags": "",
            "billing_group_id": null,
            "user_id": "3ca7bd3d-7d82-4e07-9df4-009123068320",
        })
    }

    fn message_json(&self, line: &Timeline, i: i64, clock: i64) -> Value {
        let m = self.records.message(line, i);
        let (to, from) = self.records.parties(i, m.number, m.inbound);
        let status = message_status(m.delivery);
        let completed = m.sent + 5;
        let billed = !matches!(m.delivery, Delivery::Failed | Delivery::Undelivered);
        let cost = (billed && self.records.rated(completed, clock))
            .then(|| decimal(RATE_MESSAGE * m.segments, 4));
        json!({
            "record_type": "message_detail_record",
            "uuid": uuid(self.records.seed ^ 0x3D, i),
            "user_id": "3ca7bd3d-7d82-4e07-9df4-009123068320",
            "created_at": rfc3339(m.sent),
            "sent_at": rfc3339(m.sent),
            "completed_at": rfc3339(completed),
            "updated_at": rfc3339(completed),
            "carrier": if m.inbound { "Telnyx" } else { "T-Mobile USA" },
            "carrier_fee": "0.003",
            "cli": from,
            "cld": to,
            "country_code": "US",
            "source_country_code": "US",
            "direction": if m.inbound { "inbound" } else { "outbound" },
            "message_type": "SMS",
            "on_net": false,
            "fteu": false,
            "parts": m.segments,
            "profile_id": "40017a6e-0a4b-4b55-bc0b-0e5f2b0e5e01",
            "profile_name": "default-sms",
            "status": status,
            "errors": if billed { json!([]) } else { json!(["40008"]) },
            "delivery_status": "success: webhook succeeded",
            "tags": "",
            "rate": decimal(RATE_MESSAGE, 4),
            "cost": cost,
            "currency": self.currency,
        })
    }

    /// `GET /v2/detail_records`; `Err` is Telnyx's error for a bad query.
    pub(crate) fn detail_records(&self, req: &FakeRequest) -> Result<Response, (u16, String)> {
        let Some(record_type) = req.q("filter[record_type]") else {
            return Err((400, "filter[record_type] must be specified".into()));
        };
        let q = Query::read(req)?;
        let clock = self.records.now + req.clock_secs;
        let (line, subset) = match record_type {
            "call-control" => (self.records.calls.as_ref(), &self.call_control),
            "sip-trunking" => (self.records.calls.as_ref(), &self.sip),
            "messaging" => (self.records.messages.as_ref(), &self.all),
            _ => (None, &self.all),
        };
        let Some(line) = line else {
            return Ok(q.page(Vec::new(), 0));
        };
        let range = line.range(q.from, q.until, clock);
        let item = |i: i64| match record_type {
            "messaging" => self.message_json(line, i, clock),
            _ => self.call_json(line, i, record_type, clock),
        };
        let direction = |i: i64| match record_type {
            "messaging" => self.records.message(line, i).inbound,
            _ => self.records.call(line, i).inbound,
        };
        let skip = (q.number - 1) * q.size;
        let (items, total) = match q.inbound {
            // Direction is not a number's: walk (the client never asks for it).
            Some(inbound) => {
                let mut matching: Vec<i64> = subset
                    .page(&range, 0, range.end - range.start)
                    .into_iter()
                    .filter(|&i| direction(i) == inbound)
                    .collect();
                if q.descending {
                    matching.reverse();
                }
                let total = matching.len() as i64;
                let items = matching
                    .into_iter()
                    .skip(skip as usize)
                    .take(q.size as usize)
                    .map(item)
                    .collect();
                (items, total)
            }
            None => {
                let total = subset.count(&range);
                let indices = if q.descending {
                    let end = (total - skip).max(0);
                    let start = (end - q.size).max(0);
                    let mut v = subset.page(&range, start, end - start);
                    v.reverse();
                    v
                } else {
                    subset.page(&range, skip, q.size)
                };
                (indices.into_iter().map(item).collect(), total)
            }
        };
        Ok(q.page(items, total))
    }
}

impl Query {
    /// The page asked for: `items` of `total`.
    fn page(&self, items: Vec<Value>, total: i64) -> Response {
        crate::telnyx::page(
            items,
            total as usize,
            self.number as usize,
            self.size as usize,
        )
    }

    fn read(req: &FakeRequest) -> Result<Query, (u16, String)> {
        let time = |key: &str| -> Result<Option<i64>, (u16, String)> {
            match req.q(key) {
                None => Ok(None),
                Some(v) => instant(v)
                    .map(Some)
                    .ok_or_else(|| (400, format!("{key} must be a date or an ISO 8601 time"))),
            }
        };
        let from = match (
            time("filter[created_at][gte]")?,
            time("filter[created_at][gt]")?,
        ) {
            (Some(t), _) => Some(t),
            (None, t) => t.map(|t| t + 1),
        };
        let until = match (
            time("filter[created_at][lt]")?,
            time("filter[created_at][lte]")?,
        ) {
            (Some(t), _) => Some(t),
            (None, t) => t.map(|t| t + 1),
        };
        let size: i64 = match req.q("page[size]") {
            None => 20,
            Some(v) => v.parse().unwrap_or(0),
        };
        if !(1..=50).contains(&size) {
            return Err((422, "page[size] must be between 1 and 50".into()));
        }
        let number: i64 = match req.q("page[number]") {
            None => 1,
            Some(v) => v.parse().unwrap_or(0),
        };
        if number < 1 {
            return Err((422, "page[number] must be 1 or more".into()));
        }
        Ok(Query {
            from,
            until,
            inbound: req.q("filter[direction]").map(|d| d == "inbound"),
            descending: req.q("sort") != Some("created_at"),
            number,
            size,
        })
    }
}
