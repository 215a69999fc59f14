//! Bandwidth's call records: Insights' Call Search (`GET /api/v1/accounts/{id}/calls` on
//! `insights.bandwidth.com`, Bandwidth's OpenAPI "Call Search" 0.1.0). Documented there: the
//! range filters `startTime=gte:…`, `sort=field:asc|desc`, `offset` and `limit` (default 100),
//! at least one filter required, HTTP Basic, RFC 5988 `Link` paging and a body
//! `{links, data: {totalCount, calls}, errors}`; a call's `callId`, `startTime`, `endTime`,
//! `answerTime`, `duration` (milliseconds), `callingNumber`, `calledNumber`, `callDirection`
//! (`inbound`, `inbound-forwarded`, `outbound`, `outbound-forwarded`), `callResult`
//! (`complete`, `incomplete`) and `sipResponseCode`. No price and no billed time: see
//! [`BandwidthClient::calls_since`] and docs/PROVIDERS.md ("Bandwidth's records").

use serde::Deserialize;
use serde_json::Value;
use switchboard_core::usage::{CallOutcome, CallRecord, Direction, Price};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::BandwidthClient;
use crate::error::{Api, ProviderError, Result};
use crate::model::{PageSink, Skipped};
use crate::records::{self, text};

/// Call Search's page size: its documented default, the only size it documents (no maximum is
/// published).
pub const CALLS_PAGE_SIZE: u32 = 100;

/// The Insights origin (Call Search).
pub(super) const DEFAULT_INSIGHTS_URL: &str = "https://insights.bandwidth.com";

#[derive(Deserialize, Default)]
struct Data {
    #[serde(default, rename = "totalCount")]
    total_count: u64,
    #[serde(default)]
    calls: Vec<Value>,
}

#[derive(Deserialize)]
struct CallsPage {
    #[serde(default)]
    data: Data,
}

/// A call's outcome from Call Search's `callResult`, `sipResponseCode` and `answerTime`:
/// answered when it has an `answerTime` (or is `complete` with a 2xx code); else by the SIP
/// final response: 486 and 600 busy, 408 and 480 unanswered, 487 canceled, any other 3xx–6xx
/// failed; an `incomplete` call without a code failed; a call without an end unfinished.
pub fn call_outcome(
    call_result: Option<&str>,
    sip: Option<u16>,
    answered: bool,
    ended: bool,
) -> CallOutcome {
    let complete = call_result.is_some_and(|r| r.starts_with("complete"));
    if answered || (complete && sip.is_some_and(|c| (200..300).contains(&c))) {
        return CallOutcome::Answered;
    }
    match sip {
        Some(486 | 600) => CallOutcome::Busy,
        Some(408 | 480) => CallOutcome::NoAnswer,
        Some(487) => CallOutcome::Canceled,
        Some(300..=699) => CallOutcome::Failed,
        _ if !ended => CallOutcome::Unfinished,
        _ if call_result == Some("incomplete") => CallOutcome::Failed,
        _ => CallOutcome::Unfinished,
    }
}

/// A party as Call Search writes it (`"+18185559876"`, or a number `18185559876` as its schema
/// types it), with its `+`.
fn party(r: &Value, key: &str) -> Option<String> {
    match &r[key] {
        Value::String(s) if !s.is_empty() => Some(format!("+{}", s.trim_start_matches('+'))),
        Value::Number(n) => Some(format!("+{n}")),
        _ => None,
    }
}

/// One call of Call Search.
fn map_call(r: Value) -> Result<CallRecord, Skipped> {
    let id = text(&r, "callId").unwrap_or_default().to_owned();
    let inbound = text(&r, "callDirection").is_some_and(|d| d.starts_with("inbound"));
    let (called, calling) = (party(&r, "calledNumber"), party(&r, "callingNumber"));
    let (direction, number, counterpart) = if inbound {
        (Direction::Inbound, called, calling)
    } else {
        (Direction::Outbound, calling, called)
    };
    let sip = r["sipResponseCode"]
        .as_u64()
        .or_else(|| text(&r, "sipResponseCode").and_then(|c| c.parse().ok()))
        .and_then(|c| u16::try_from(c).ok());
    let outcome = call_outcome(
        text(&r, "callResult"),
        sip,
        text(&r, "answerTime").is_some(),
        text(&r, "endTime").is_some(),
    );
    let millis = r["duration"].as_u64().unwrap_or(0);
    let secs = if outcome == CallOutcome::Answered {
        u32::try_from(millis.div_ceil(1000)).unwrap_or(u32::MAX)
    } else {
        0
    };
    let price = match outcome {
        CallOutcome::Answered | CallOutcome::Unfinished => Price::NotReported,
        _ => Price::NotBilled,
    };
    Ok(CallRecord {
        number: records::ours(number.as_deref(), &id)?,
        direction,
        counterpart: counterpart.unwrap_or_default(),
        outcome,
        started_at: records::rfc3339(text(&r, "startTime"), &id)?,
        duration_secs: secs,
        billed_secs: secs,
        price,
        provider_id: id,
    })
}

impl BandwidthClient {
    fn insights_url(&self) -> String {
        format!(
            "{}/api/v1/accounts/{}/calls",
            self.insights, self.creds.account_id
        )
    }

    /// The account's calls that started on or after `since` (to the second), from Call Search:
    /// `startTime=gte:…` and `sort=startTime:asc` (oldest first, so that calls made during the
    /// pull land after the pages already read), paged with `offset` and `limit` ([`CALLS_PAGE_SIZE`])
    /// until the body's `totalCount` (or a short page), each page handed to `sink`. The outcome
    /// is [`call_outcome`]; `duration` is in milliseconds, rounded up to the second; Call Search
    /// gives no billed time, so the connected seconds stand for it; and it gives no price at
    /// all, so an answered (or unfinished) call's price is [`Price::NotReported`] — never zero,
    /// never pending — and a call that never connected is [`Price::NotBilled`], as the other
    /// providers' unpriced unconnected calls. Returns the pages read.
    pub async fn calls_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, CallRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        let subject = self.account();
        let url = self.insights_url();
        let mut budget = self.http.pages(CALLS_PAGE_SIZE);
        let from = format!("gte:{}", records::since_rfc3339(since));
        let mut offset = 0u64;
        let mut pages = 0u32;
        loop {
            budget.next(&subject, cancel)?;
            let query = [
                ("startTime", from.clone()),
                ("sort", "startTime:asc".to_owned()),
                ("offset", offset.to_string()),
                ("limit", CALLS_PAGE_SIZE.to_string()),
            ];
            let page: CallsPage = self.json(&subject, &url, &query, cancel).await?;
            pages += 1;
            let got = page.data.calls.len() as u64;
            sink(records::page(page.data.calls.into_iter().map(map_call)));
            offset += got;
            if got < u64::from(CALLS_PAGE_SIZE) || offset >= page.data.total_count {
                return Ok(pages);
            }
        }
    }

    /// Call Search has no messages, and no other documented Bandwidth API lists an account's
    /// messages with their prices.
    pub fn messages_unsupported(&self) -> ProviderError {
        ProviderError::Unsupported {
            api: Api::Bandwidth,
            operation: "reading message records (Bandwidth's Call Search has calls only)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_codes_name_the_outcome() {
        let o = |r, sip, answered, ended| call_outcome(r, sip, answered, ended);
        assert_eq!(
            o(Some("complete"), Some(200), true, true),
            CallOutcome::Answered
        );
        assert_eq!(
            o(Some("completed"), Some(200), false, true),
            CallOutcome::Answered
        );
        assert_eq!(
            o(Some("incomplete"), Some(486), false, true),
            CallOutcome::Busy
        );
        assert_eq!(
            o(Some("incomplete"), Some(600), false, true),
            CallOutcome::Busy
        );
        assert_eq!(
            o(Some("incomplete"), Some(480), false, true),
            CallOutcome::NoAnswer
        );
        assert_eq!(
            o(Some("incomplete"), Some(408), false, true),
            CallOutcome::NoAnswer
        );
        assert_eq!(
            o(Some("incomplete"), Some(487), false, true),
            CallOutcome::Canceled
        );
        assert_eq!(
            o(Some("incomplete"), Some(503), false, true),
            CallOutcome::Failed
        );
        assert_eq!(
            o(Some("incomplete"), Some(603), false, true),
            CallOutcome::Failed
        );
        assert_eq!(
            o(Some("incomplete"), None, false, true),
            CallOutcome::Failed
        );
        assert_eq!(o(None, None, false, false), CallOutcome::Unfinished);
    }
}
