//! What the providers' call and message record readers share: reading the account's own number,
//! a time, a count and a price out of a record, and a page of mapped records for the sink.

use serde_json::Value;
use switchboard_core::domain::E164;
use switchboard_core::usage::{Direction, Money, Price};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::model::{Skipped, UsagePage};

/// The organization's number, read from a record's party `raw`.
pub(crate) fn ours(raw: Option<&str>, record: &str) -> Result<E164, Skipped> {
    let raw = raw.unwrap_or_default();
    E164::parse(raw, None).map_err(|e| Skipped {
        reason: format!("record {record}: {e}"),
        raw: raw.to_owned(),
    })
}

/// Which of `(to, from)` is the account's number, by the record's direction word: `inbound`
/// (any case) means the number was called; anything else that it called.
pub(crate) fn sides<'a>(
    direction: Option<&str>,
    to: Option<&'a str>,
    from: Option<&'a str>,
) -> (Direction, Option<&'a str>, String) {
    if direction.is_some_and(|d| d.eq_ignore_ascii_case("inbound")) {
        (Direction::Inbound, to, from.unwrap_or_default().to_owned())
    } else {
        (Direction::Outbound, from, to.unwrap_or_default().to_owned())
    }
}

/// A record's non-empty text field.
pub(crate) fn text<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    r[key].as_str().filter(|s| !s.is_empty())
}

/// [`sides`] of a record whose parties (`to`, `from` fields) are numbers written with or
/// without `+` (Plivo's and Vonage's `14155550100`).
pub(crate) fn sides_of(
    r: &Value,
    direction: &str,
    to: &str,
    from: &str,
) -> (Direction, Option<String>, String) {
    let plus = |key: &str| text(r, key).map(|n| format!("+{}", n.trim_start_matches('+')));
    let (to, from) = (plus(to), plus(from));
    let (direction, number, counterpart) =
        sides(text(r, direction), to.as_deref(), from.as_deref());
    (direction, number.map(str::to_owned), counterpart)
}

/// An RFC 3339 time (`2026-12-01T10:00:00Z`).
pub(crate) fn rfc3339(text: Option<&str>, record: &str) -> Result<OffsetDateTime, Skipped> {
    let text = text.unwrap_or_default();
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| Skipped {
        raw: text.to_owned(),
        reason: format!("record {record}: not an RFC 3339 time ({e})"),
    })
}

/// `since` in UTC to the second, as RFC 3339: the filters' form.
pub(crate) fn since_rfc3339(since: OffsetDateTime) -> String {
    let t = since
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(since);
    t.format(&Rfc3339).unwrap_or_default()
}

/// A count a provider writes as a JSON number or a string (`60`, `"60"`); 0 when absent.
pub(crate) fn count(v: Option<&Value>) -> u32 {
    match v {
        Some(Value::Number(n)) => n.as_u64().map_or(0, |n| n.min(u64::from(u32::MAX)) as u32),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// A record's price: the amount the provider gave (`amount` in `currency`, kept positive), or,
/// when it gave none, pending unless the record is `unbilled`. A zero amount on an unbilled
/// record is not billed either.
pub(crate) fn price(
    amount: Option<&str>,
    currency: Option<&str>,
    unbilled: bool,
    record: &str,
) -> Result<Price, Skipped> {
    match amount.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => {
            let money = Money::parse(a, currency.unwrap_or_default()).map_err(|e| Skipped {
                raw: a.to_owned(),
                reason: format!("record {record}: {e}"),
            })?;
            if money.nanos == 0 && unbilled {
                Ok(Price::NotBilled)
            } else {
                Ok(Price::Charged {
                    money: money.charged(),
                })
            }
        }
        None if unbilled => Ok(Price::NotBilled),
        None => Ok(Price::Pending),
    }
}

/// A page of mapped records: the ones read and the ones skipped with their reasons.
pub(crate) fn page<T>(read: impl IntoIterator<Item = Result<T, Skipped>>) -> UsagePage<T> {
    let mut page = UsagePage {
        records: Vec::new(),
        skipped: Vec::new(),
    };
    for r in read {
        match r {
            Ok(r) => page.records.push(r),
            Err(s) => page.skipped.push(s),
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_kept_exactly_and_pending_is_never_zero() {
        let p = price(Some("0.02175"), Some("usd"), false, "r").unwrap();
        assert_eq!(
            p,
            Price::Charged {
                money: Money {
                    currency: "USD".into(),
                    nanos: 21_750_000
                }
            }
        );
        assert_eq!(
            price(None, Some("USD"), false, "r").unwrap(),
            Price::Pending
        );
        assert_eq!(price(Some(""), None, false, "r").unwrap(), Price::Pending);
        assert_eq!(
            price(Some("0"), Some("USD"), true, "r").unwrap(),
            Price::NotBilled
        );
        assert!(price(Some("0.1"), None, false, "r").is_err());
        assert_eq!(count(Some(&serde_json::json!("60"))), 60);
        assert_eq!(count(Some(&serde_json::json!(61))), 61);
        assert_eq!(
            since_rfc3339(time::macros::datetime!(2026-12-01 10:00:00.5 +01:00)),
            "2026-12-01T09:00:00Z"
        );
    }
}
