//! Twilio's call and message records: `GET …/Calls.json` and `GET …/Messages.json`, with the
//! documented filters (`To`, `From`, `Status`, `StartTime`/`StartTime<`/`StartTime>` for calls,
//! `DateSent`/`DateSent<`/`DateSent>` for messages; a date `YYYY-MM-DD` in UTC or a full
//! timestamp), paging (`PageSize` up to 1,000, default 50; `next_page_uri` carries a
//! `PageToken`), most recent first, and every property of the OpenAPI schemas
//! `api.v2010.account.call` and `api.v2010.account.message`.
//!
//! The records and their facts are [`crate::usage`]'s. A call or message not rated yet has
//! `price: null`, as Twilio's do until they are rated; unconnected calls (busy, no-answer,
//! failed, canceled) are not billed and keep `price: null`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::common::{encode, hex32, json};
use crate::usage::{DAY, Delivery, Ending, Records, Timeline, decimal, instant};
use crate::{FakeRequest, UsageConfig, creds};

/// Records of Twilio's usage for the fake's generated numbers.
pub(crate) struct Usage {
    records: Records,
    currency: String,
}

fn rfc2822(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&Rfc2822).ok())
        .unwrap_or_default()
}

fn charge(nanos: i64) -> String {
    format!("-{}", decimal(nanos, 5))
}

fn status(ending: Ending) -> &'static str {
    match ending {
        Ending::Answered => "completed",
        Ending::NoAnswer => "no-answer",
        Ending::Busy => "busy",
        Ending::Failed => "failed",
        Ending::Canceled => "canceled",
    }
}

fn message_status(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Received => "received",
        Delivery::Delivered => "delivered",
        Delivery::Undelivered => "undelivered",
        Delivery::Failed => "failed",
        Delivery::Sent => "sent",
    }
}

struct Call {
    sid: String,
    number: usize,
    inbound: bool,
    status: &'static str,
    start: i64,
    duration: i64,
    ring: i64,
}

struct Message {
    sid: String,
    number: usize,
    inbound: bool,
    status: &'static str,
    sent: i64,
    segments: i64,
}

impl Usage {
    pub(crate) fn new(numbers: usize, seed: u64, config: &UsageConfig) -> Usage {
        let numbers: Vec<String> = (0..numbers)
            .map(|i| format!("+1{}", crate::common::us_number(i, 234).0))
            .collect();
        Usage {
            records: Records::new(numbers, seed, config),
            currency: config.currency.clone(),
        }
    }

    fn call(&self, line: &Timeline, i: i64) -> Call {
        let c = self.records.call(line, i);
        Call {
            sid: format!("CA{}", hex32(self.records.seed ^ 0xCA, i as u64)),
            number: c.number,
            inbound: c.inbound,
            status: status(c.ending),
            start: c.start,
            duration: c.duration,
            ring: c.ring,
        }
    }

    fn message(&self, line: &Timeline, i: i64) -> Message {
        let m = self.records.message(line, i);
        Message {
            sid: format!("SM{}", hex32(self.records.seed ^ 0x5E, i as u64)),
            number: m.number,
            inbound: m.inbound,
            status: message_status(m.delivery),
            sent: m.sent,
            segments: m.segments,
        }
    }

    fn parties(&self, i: i64, number: usize, inbound: bool) -> (String, String) {
        self.records.parties(i, number, inbound)
    }

    fn call_json(&self, prefix: &str, i: i64, c: &Call, clock: i64) -> Value {
        let (to, from) = self.parties(i, c.number, c.inbound);
        let end = c.start + c.ring + c.duration;
        let rate = if c.inbound { 8_500_000 } else { 14_000_000 };
        let minutes = (c.duration + 59) / 60;
        let price = (c.status == "completed" && self.records.rated(end, clock))
            .then(|| charge(minutes * rate));
        let uri = format!(
            "{prefix}/2010-04-01/Accounts/{}/Calls/{}",
            creds::TWILIO_ACCOUNT_SID,
            c.sid
        );
        json!({
            "sid": c.sid,
            "date_created": rfc2822(c.start),
            "date_updated": rfc2822(end),
            "parent_call_sid": null,
            "account_sid": creds::TWILIO_ACCOUNT_SID,
            "to": to,
            "to_formatted": formatted(&to),
            "from": from,
            "from_formatted": formatted(&from),
            "phone_number_sid": if c.inbound { Value::from(format!("PN{}", hex32(self.records.seed, c.number as u64 + 100))) } else { Value::Null },
            "status": c.status,
            "start_time": rfc2822(c.start),
            "end_time": rfc2822(end),
            "duration": c.duration.to_string(),
            "price": price,
            "price_unit": self.currency,
            "direction": if c.inbound { "inbound" } else { "outbound-api" },
            "answered_by": null,
            "api_version": "2010-04-01",
            "forwarded_from": null,
            "group_sid": null,
            "caller_name": null,
            "queue_time": "0",
            "trunk_sid": null,
            "uri": format!("{uri}.json"),
            "subresource_uris": {
                "notifications": format!("{uri}/Notifications.json"),
                "recordings": format!("{uri}/Recordings.json"),
                "payments": format!("{uri}/Payments.json"),
                "events": format!("{uri}/Events.json"),
                "siprec": format!("{uri}/Siprec.json"),
                "streams": format!("{uri}/Streams.json"),
                "user_defined_message_subscriptions": format!("{uri}/UserDefinedMessageSubscriptions.json"),
                "user_defined_messages": format!("{uri}/UserDefinedMessages.json"),
            },
        })
    }

    fn message_json(&self, prefix: &str, i: i64, m: &Message, clock: i64) -> Value {
        let (to, from) = self.parties(i, m.number, m.inbound);
        let rated = self.records.rated(m.sent + 30, clock);
        let price = rated.then(|| charge(m.segments * 7_900_000));
        let failed = matches!(m.status, "failed" | "undelivered");
        let uri = format!(
            "{prefix}/2010-04-01/Accounts/{}/Messages/{}",
            creds::TWILIO_ACCOUNT_SID,
            m.sid
        );
        json!({
            "body": if m.inbound { "Yes, please call me back" } else { "Your appointment is confirmed for tomorrow at 10:00." },
            "num_segments": m.segments.to_string(),
            "direction": if m.inbound { "inbound" } else { "outbound-api" },
            "from": from,
            "to": to,
            "date_updated": rfc2822(m.sent + 30),
            "price": price,
            "error_message": if failed { Value::from("Unknown destination handset") } else { Value::Null },
            "uri": format!("{uri}.json"),
            "account_sid": creds::TWILIO_ACCOUNT_SID,
            "num_media": "0",
            "status": m.status,
            "messaging_service_sid": null,
            "sid": m.sid,
            "date_sent": rfc2822(m.sent),
            "date_created": rfc2822(m.sent),
            "error_code": if failed { Value::from(30005) } else { Value::Null },
            "price_unit": self.currency,
            "api_version": "2010-04-01",
            "subresource_uris": {
                "media": format!("{uri}/Media.json"),
                "feedback": format!("{uri}/Feedback.json"),
            },
        })
    }

    /// `GET …/Calls.json`.
    pub(crate) fn calls(&self, req: &FakeRequest, prefix: &str) -> Response {
        let clock = self.records.now + req.clock_secs;
        let list = List::read(req, "StartTime", &self.records.numbers);
        let status = req.q("Status");
        let items = self.records.calls.as_ref().map(|line| {
            list.page(line, clock, self.records.numbers.len(), |i| {
                let c = self.call(line, i);
                let matches = list.number.is_none_or(|(_, to)| to == c.inbound)
                    && status.is_none_or(|s| s == c.status);
                matches.then(|| self.call_json(prefix, i, &c, clock))
            })
        });
        list.respond(req, prefix, "Calls", "calls", items.unwrap_or_default())
    }

    /// `GET …/Messages.json`.
    pub(crate) fn messages(&self, req: &FakeRequest, prefix: &str) -> Response {
        let clock = self.records.now + req.clock_secs;
        let list = List::read(req, "DateSent", &self.records.numbers);
        let items = self.records.messages.as_ref().map(|line| {
            list.page(line, clock, self.records.numbers.len(), |i| {
                let m = self.message(line, i);
                let matches = list.number.is_none_or(|(_, to)| to == m.inbound);
                matches.then(|| self.message_json(prefix, i, &m, clock))
            })
        });
        list.respond(
            req,
            prefix,
            "Messages",
            "messages",
            items.unwrap_or_default(),
        )
    }
}

/// `+14155550100` as Twilio formats it: `(415) 555-0100`.
fn formatted(e164: &str) -> String {
    let n = e164.trim_start_matches("+1");
    if n.len() == 10 {
        format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..])
    } else {
        e164.to_owned()
    }
}

/// The paging and filters of one list request.
struct List {
    size: usize,
    page: usize,
    /// Start below this record index (from `PageToken`).
    below: Option<i64>,
    from: Option<i64>,
    until: Option<i64>,
    /// The generated number asked for, and whether as `To` (true) or `From`.
    number: Option<(usize, bool)>,
    /// A `To`/`From` that is none of the generated numbers: nothing matches.
    unknown: bool,
}

/// One page: its records and the token of the next page, if any.
#[derive(Default)]
struct Page {
    items: Vec<Value>,
    next: Option<i64>,
}

impl List {
    fn read(req: &FakeRequest, time: &str, numbers: &[String]) -> List {
        let day = |key: &str| req.q(key).and_then(instant);
        let on = day(time);
        let from = day(&format!("{time}>")).or(on);
        let until = day(&format!("{time}<")).or(on.map(|t| t + DAY));
        let (mut number, mut unknown) = (None, false);
        for (key, to) in [("To", true), ("From", false)] {
            if let Some(value) = req.q(key) {
                match numbers.iter().position(|n| n == value) {
                    Some(k) => number = Some((k, to)),
                    None => unknown = true,
                }
            }
        }
        List {
            size: req
                .q("PageSize")
                .and_then(|v| v.parse().ok())
                .unwrap_or(50)
                .clamp(1, 1000),
            page: req.q("Page").and_then(|v| v.parse().ok()).unwrap_or(0),
            below: req
                .q("PageToken")
                .and_then(|t| t.strip_prefix("PA"))
                .and_then(|t| t.parse().ok()),
            from,
            until,
            number,
            unknown,
        }
    }

    /// The page's records, most recent first: `item` gives a record's JSON when it matches.
    fn page(
        &self,
        line: &Timeline,
        clock: i64,
        numbers: usize,
        item: impl Fn(i64) -> Option<Value>,
    ) -> Page {
        if self.unknown {
            return Page::default();
        }
        let range = line.range(self.from, self.until, clock);
        let (lo, mut hi) = (range.start, range.end);
        if let Some(below) = self.below {
            hi = hi.min(below);
        }
        // Walk down from `hi`, on the number's own records only when one is asked for.
        let (mut i, step) = match self.number {
            Some((k, _)) => {
                let k = k as i64;
                let top = hi - 1;
                (top - (top - k).rem_euclid(numbers as i64), numbers as i64)
            }
            None => (hi - 1, 1),
        };
        let skip = if self.below.is_some() {
            0
        } else {
            self.page * self.size
        };
        let mut page = Page::default();
        let mut seen = 0;
        while i >= lo {
            if let Some(value) = item(i) {
                if seen >= skip {
                    if page.items.len() == self.size {
                        page.next = Some(i + 1);
                        break;
                    }
                    page.items.push(value);
                }
                seen += 1;
            }
            i -= step;
        }
        page
    }

    fn respond(
        &self,
        req: &FakeRequest,
        prefix: &str,
        resource: &str,
        key: &str,
        page: Page,
    ) -> Response {
        let base = format!(
            "{prefix}/2010-04-01/Accounts/{}/{resource}.json",
            creds::TWILIO_ACCOUNT_SID
        );
        let filters: String = req
            .query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "PageSize" | "Page" | "PageToken"))
            .map(|(k, v)| format!("&{}={}", encode(k), encode(v)))
            .collect();
        let uri = |p: usize, token: Option<i64>| {
            let token = token
                .map(|t| format!("&PageToken=PA{t}"))
                .unwrap_or_default();
            format!("{base}?PageSize={}{filters}&Page={p}{token}", self.size)
        };
        let start = self.page * self.size;
        let mut body = json!({
                "end": (start + page.items.len()).saturating_sub(1),
                "first_page_uri": uri(0, None),
                "next_page_uri": page.next.map(|t| uri(self.page + 1, Some(t))),
                "page": self.page,
                "page_size": self.size,
                "previous_page_uri": (self.page > 0).then(|| uri(self.page - 1, None)),
                "start": start,
                "uri": uri(self.page, None),
        });
        body[key] = Value::Array(page.items);
        json(StatusCode::OK, &body)
    }
}
