//! Vonage's Reports API, synchronous: `GET /v2/reports/records` (operation `get-records` of
//! `definitions/reports.yml`), HTTP Basic with the API key and secret. `account_id` (the API
//! key; another is 403) and `product` (`VOICE-CALL`, `SMS`; other products have no records here)
//! are required; `direction` is required for `SMS` and optional for `VOICE-CALL`; `date_start`
//! (inclusive) and `date_end` (exclusive) go together and are at most 24 hours apart (422
//! otherwise, with `invalid_parameters`). At most 1,000 records a response: a larger result is
//! `"request_status": "TRUNCATED"` with `cursor`, `iv` and `_links.next.href` (the same query
//! with both) until the last page, `SUCCESS`. Every response carries the request's own `price`
//! and `currency`: the Reports API bills each record it returns (here 0.0004 a record).
//!
//! The facts are [`crate::usage`]'s. Voice records: `call_id`, `direction`, `from`, `to`
//! (without `+`), `date_start`, `date_end` (`2026-11-30T10:00:00+0000`), `duration`, `status`
//! (`completed`, `busy`, `timeout`, `failed`, `rejected`, `cancelled`), `status_description`,
//! `price` (the rate per minute) and `total_price` (JSON numbers, as the schema types them) in
//! `currency` (the account's: EUR by default). SMS records (`message_id`, `date_received`,
//! `date_finalized`, `status`, `total_price`): one a message. Guesses: `total_price: null`
//! while a record is not rated yet, the voice status words the fake uses for each ending, and
//! the price of the Reports API itself.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::common::{encode, json};
use crate::usage::{Delivery, Ending, Records, Timeline, decimal, instant, uuid};
use crate::{FakeRequest, UsageConfig, creds};

/// Records a response holds at most.
const PAGE: i64 = 1_000;
/// What the Reports API charges per record returned, in billionths.
const PER_RECORD: i64 = 400_000;
/// Per minute, in billionths: outbound and inbound.
const RATE_OUT: i64 = 12_700_000;
const RATE_IN: i64 = 3_900_000;
/// Per SMS sent.
const RATE_SMS: i64 = 7_600_000;

pub(crate) struct Usage {
    records: Records,
    currency: String,
}

/// `2026-11-30T10:00:00+0000`, as the Reports API writes times.
fn vonage_time(t: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&format).ok())
        .unwrap_or_default()
}

/// A time filter: RFC 3339, or with the offset written `+0000`.
fn filter_time(text: &str) -> Option<i64> {
    instant(text).or_else(|| {
        let (head, offset) = text.split_at(text.len().checked_sub(5)?);
        let (sign, digits) = offset.split_at(1);
        if !matches!(sign, "+" | "-") || digits.len() != 4 {
            return None;
        }
        instant(&format!("{head}{sign}{}:{}", &digits[..2], &digits[2..]))
    })
}

fn amount(nanos: i64) -> Value {
    decimal(nanos, 6)
        .parse::<f64>()
        .map_or(Value::Null, Value::from)
}

fn problem(status: StatusCode, title: &str, invalid: Option<(&str, &str)>) -> Response {
    let mut body = json!({"title": title, "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"});
    if let Some((name, reason)) = invalid {
        body["invalid_parameters"] = json!([{"name": name, "reason": reason}]);
    }
    json(status, &body)
}

impl Usage {
    pub(crate) fn new(numbers: Vec<String>, seed: u64, config: &UsageConfig) -> Usage {
        Usage {
            records: Records::new(numbers, seed, config),
            currency: config.currency_of(crate::FakeKind::Vonage).to_owned(),
        }
    }

    fn call_json(&self, line: &Timeline, i: i64, clock: i64) -> Value {
        let c = self.records.call(line, i);
        let (to, from) = self.records.parties(i, c.number, c.inbound);
        let (status, description) = match c.ending {
            Ending::Answered => ("completed", "The call was successful."),
            Ending::Busy => ("busy", "The callee was busy."),
            Ending::NoAnswer => ("timeout", "The call was not answered in time."),
            Ending::Failed if c.hash >> 50 & 1 == 0 => ("rejected", "The call was rejected."),
            Ending::Failed => ("failed", "The call failed to connect."),
            Ending::Canceled => ("cancelled", "The call was cancelled by the caller."),
        };
        let rate = if c.inbound { RATE_IN } else { RATE_OUT };
        let total = match c.ending {
            Ending::Answered if self.records.rated(c.end(), clock) => amount(rate * c.minutes()),
            Ending::Answered => Value::Null,
            _ => amount(0),
        };
        let mut v = self.common(
            "call_id",
            uuid(self.records.seed ^ 0x5A, i),
            c.inbound,
            &to,
            &from,
            total,
        );
        for (key, value) in [
            ("date_start", json!(vonage_time(c.start))),
            ("date_end", json!(vonage_time(c.end()))),
            ("duration", json!(c.duration)),
            ("status", json!(status)),
            ("status_description", json!(description)),
            ("price", amount(rate)),
        ] {
            v[key] = value;
        }
        v
    }

    /// The fields every record has: its id (`key`), the parties and the price.
    fn common(
        &self,
        key: &str,
        id: String,
        inbound: bool,
        to: &str,
        from: &str,
        total: Value,
    ) -> Value {
        json!({
            "account_id": creds::VONAGE_API_KEY,
            key: id,
            "direction": if inbound { "inbound" } else { "outbound" },
            "from": from.trim_start_matches('+'),
            "to": to.trim_start_matches('+'),
            "network": "310260",
            "network_name": "T-Mobile USA",
            "country": "US",
            "country_name": "United States of America",
            "currency": self.currency,
            "total_price": total,
        })
    }

    fn sms_json(&self, line: &Timeline, i: i64, clock: i64) -> Value {
        let m = self.records.message(line, i);
        let (to, from) = self.records.parties(i, m.number, m.inbound);
        let status = match m.delivery {
            Delivery::Received | Delivery::Delivered => "delivered",
            Delivery::Undelivered => "expired",
            Delivery::Failed => "rejected",
            Delivery::Sent => "accepted",
        };
        let total = match m.delivery {
            Delivery::Failed => amount(0),
            _ if self.records.rated(m.sent + 5, clock) => amount(RATE_SMS),
            _ => Value::Null,
        };
        let mut v = self.common(
            "message_id",
            uuid(self.records.seed ^ 0x5B, i),
            m.inbound,
            &to,
            &from,
            total,
        );
        v["date_received"] = json!(vonage_time(m.sent));
        if !m.inbound {
            v["client_ref"] = json!("");
            v["concatenated"] = json!(false);
            v["date_finalized"] = json!(vonage_time(m.sent + 5));
            v["latency"] = json!(5000);
            v["status"] = json!(status);
            v["error_code"] = json!(if status == "rejected" { "6" } else { "0" });
            v["error_code_description"] = json!(if status == "rejected" {
                "Anti-Spam Rejection"
            } else {
                "Delivered"
            });
        }
        v
    }

    /// `GET /v2/reports/records`.
    pub(crate) fn records(&self, req: &FakeRequest, base: &str) -> Response {
        let unprocessable = |name: &str, reason: &str| {
            problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unprocessable entity",
                Some((name, reason)),
            )
        };
        let Some(account) = req.q("account_id") else {
            return unprocessable("account_id", "Missing required parameter");
        };
        if account != creds::VONAGE_API_KEY {
            return problem(
                StatusCode::FORBIDDEN,
                "User not authorized to query the requested data",
                None,
            );
        }
        let product = req.q("product").unwrap_or_default();
        let direction = req.q("direction");
        let line = match product {
            "VOICE-CALL" => self.records.calls.as_ref(),
            "SMS" if direction.is_none() => {
                return unprocessable("direction", "Missing required parameter");
            }
            "SMS" => self.records.messages.as_ref(),
            "" => return unprocessable("product", "Missing required parameter"),
            _ => None,
        };
        let (start, end) = match (req.q("date_start"), req.q("date_end")) {
            (Some(s), Some(e)) => match (filter_time(s), filter_time(e)) {
                (Some(s), Some(e)) if e > s && e - s <= 86_400 => (s, e),
                (Some(_), Some(_)) => {
                    return unprocessable(
                        "date_end",
                        "date_end must be later than date_start and no more than 24 hours after it",
                    );
                }
                _ => return unprocessable("date_start", "Invalid date format"),
            },
            (Some(_), None) => return unprocessable("date_end", "Missing required parameter"),
            (None, _) => return unprocessable("date_start", "Missing required parameter"),
        };
        let clock = self.records.now + req.clock_secs;
        let inbound = direction.map(|d| d == "inbound");
        let from: i64 = req
            .q("cursor")
            .and_then(|c| c.strip_prefix("CUR"))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut records = Vec::new();
        let mut next = None;
        if let Some(line) = line {
            let range = line.range(Some(start), Some(end), clock);
            let mut i = range.start.max(from);
            while i < range.end {
                let matches = match product {
                    "VOICE-CALL" => inbound.is_none_or(|d| self.records.call(line, i).inbound == d),
                    _ => inbound.is_none_or(|d| self.records.message(line, i).inbound == d),
                };
                if matches {
                    if records.len() as i64 == PAGE {
                        next = Some(i);
                        break;
                    }
                    records.push(match product {
                        "VOICE-CALL" => self.call_json(line, i, clock),
                        _ => self.sms_json(line, i, clock),
                    });
                }
                i += 1;
            }
        }
        let query: String = req
            .query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "iv"))
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let href = format!("{base}/v2/reports/records?{query}");
        let count = records.len() as i64;
        let mut body = json!({
            "_links": {"self": {"href": href}},
            "request_id": uuid(self.records.seed ^ 0x5C, from),
            "request_status": if next.is_some() { "TRUNCATED" } else { "SUCCESS" },
            "received_at": vonage_time(clock),
            "price": amount(PER_RECORD * count),
            "currency": self.currency,
            "account_id": creds::VONAGE_API_KEY,
            "product": product,
            "items_count": count,
            "records": records,
        });
        if let Some(direction) = direction {
            body["direction"] = json!(direction);
        }
        if let Some(n) = next {
            let (cursor, iv) = (format!("CUR{n}"), format!("IV{:x}", n * 7919));
            body["_links"]["next"] = json!({"href": format!("{href}&cursor={cursor}&iv={iv}")});
            body["cursor"] = json!(cursor);
            body["iv"] = json!(iv);
        }
        json(StatusCode::OK, &body)
    }
}
