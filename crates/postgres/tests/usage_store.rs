//! The team database keeps call and message records as the local store does
//! (`RemoteWorkspace::keep_calls` and the rest of ops' `UsageStore`), as a manager's login role:
//! pages upserted by provider id with what they did counted, numbers resolved in the
//! organization, cursors, the oldest pending record, and reports grouped from the rollups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, scalar};
use switchboard_core::domain::{E164, Provider};
use switchboard_core::usage::{
    CallOutcome, CallRecord, DayRange, Direction, GroupBy, Kept, MessageRecord, Money, Price,
    RecordKind, UsageAccount, UsageCursor,
};
use switchboard_core::{Error, ErrorCode};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

fn number(n: &str) -> E164 {
    E164::from_stored(n.to_owned())
}

/// Call `i` of `n` on `number`: outcomes cycle through answered (i % 4 == 0, lasting i % 20
/// seconds), busy, failed and no_answer; one a minute from 2026-12-01 23:00 UTC (so they span
/// two days); priced in USD (even i) or EUR (odd i, i % 3 == 0), pending otherwise.
fn call(i: u32, on: &str, price: Option<Price>) -> CallRecord {
    let outcome = match i % 4 {
        0 => CallOutcome::Answered,
        1 => CallOutcome::Busy,
        2 => CallOutcome::Failed,
        _ => CallOutcome::NoAnswer,
    };
    let duration = if outcome == CallOutcome::Answered {
        i % 20
    } else {
        0
    };
    let price = price.unwrap_or(if i.is_multiple_of(2) {
        Price::Charged {
            money: Money::parse(&format!("0.00{i:02}"), "USD").unwrap(),
        }
    } else if i.is_multiple_of(3) {
        Price::Charged {
            money: Money::parse("0.0131", "EUR").unwrap(),
        }
    } else {
        Price::Pending
    });
    CallRecord {
        provider_id: format!("CA{i:04}"),
        number: number(on),
        direction: Direction::Outbound,
        counterpart: format!("+1212555{i:04}"),
        outcome,
        started_at: datetime!(2026-12-01 23:00 UTC) + Duration::minutes(i64::from(i)),
        duration_secs: duration,
        billed_secs: duration.div_ceil(60) * 60,
        price,
    }
}

#[tokio::test]
async fn pages_are_kept_counted_and_reported_from_the_rollups() {
    let w = World::new().await;
    let account = UsageAccount {
        organization_id: w.acme,
        provider: Provider::Twilio,
        account_id: "AC1".into(),
    };
    let pulled = OffsetDateTime::now_utc();
    // 90 calls on +14155550100 and 30 on +14155550101 (both acme's), 5 on globex's number
    // (not acme's: not kept), and call 7 twice.
    let mut page: Vec<CallRecord> = (0..90).map(|i| call(i, "+14155550100", None)).collect();
    page.extend((90..120).map(|i| call(i, "+14155550101", None)));
    page.extend((120..125).map(|i| call(i, "+442071830100", None)));
    page.push(call(7, "+14155550100", None));
    let pending = page[..120]
        .iter()
        .filter(|c| c.price == Price::Pending)
        .count() as u64;
    let kept = w.alice.keep_calls(&account, &page, pulled).await.unwrap();
    assert_eq!(
        kept,
        Kept {
            added: 120,
            completed: 0,
            unchanged: 1,
            pending: pending + 1,
            not_ours: 5,
        }
    );
    assert_eq!(
        scalar(&w.cluster, &w.admin, "SELECT count(*) FROM calls"),
        "120"
    );

    // Read again: the pending ones come back priced, but those with i % 7 == 5, still pending.
    let stays = |i: u32| i % 7 == 5;
    let priced = Price::Charged {
        money: Money::parse("0.0200", "USD").unwrap(),
    };
    let again: Vec<CallRecord> = (0..120)
        .map(|i| {
            let on = if i < 90 {
                "+14155550100"
            } else {
                "+14155550101"
            };
            let c = call(i, on, None);
            if c.price == Price::Pending && !stays(i) {
                call(i, on, Some(priced.clone()))
            } else {
                c
            }
        })
        .collect();
    let still = again.iter().filter(|c| c.price == Price::Pending).count() as u64;
    assert!(still > 0 && still < pending);
    let kept = w.alice.keep_calls(&account, &again, pulled).await.unwrap();
    assert_eq!(
        kept,
        Kept {
            added: 0,
            completed: pending - still,
            unchanged: 120 - (pending - still),
            pending: still,
            not_ours: 0,
        }
    );

    // Messages, one pending.
    let messages: Vec<MessageRecord> = (0..10)
        .map(|i| MessageRecord {
            provider_id: format!("SM{i}"),
            number: number("+14155550101"),
            direction: Direction::Outbound,
            counterpart: "+12125550100".into(),
            status: "delivered".into(),
            sent_at: datetime!(2026-12-02 08:00 UTC) + Duration::minutes(i),
            segments: 2,
            price: if i == 0 {
                Price::Pending
            } else {
                Price::Charged {
                    money: Money::parse("0.0079", "USD").unwrap(),
                }
            },
        })
        .collect();
    let kept = w
        .alice
        .keep_messages(&account, &messages, pulled)
        .await
        .unwrap();
    assert_eq!((kept.added, kept.pending), (10, 1));
    assert_eq!(
        w.alice
            .oldest_pending(&account, RecordKind::Messages)
            .await
            .unwrap(),
        Some(datetime!(2026-12-02 08:00 UTC))
    );
    assert_eq!(
        w.alice
            .oldest_pending(&account, RecordKind::Calls)
            .await
            .unwrap(),
        Some(datetime!(2026-12-01 23:05 UTC)),
        "call 5 is the oldest still pending"
    );

    // Totals per number: the records' sums, per currency, to the nanosecond of a cent.
    let range = DayRange::new(date!(2026 - 12 - 01), date!(2026 - 12 - 02)).unwrap();
    let by_number = w
        .alice
        .usage_totals(w.acme, range, GroupBy::Number)
        .await
        .unwrap();
    assert_eq!(
        by_number.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["+14155550100", "+14155550101"]
    );
    assert_eq!(by_number[0].id, Some(w.acme_number));
    let expected = |from: u32, to: u32| {
        let mut usd = 0;
        let mut eur = 0;
        let mut answered = 0;
        for i in from..to {
            let c = call(i, "+1", None);
            answered += u64::from(c.outcome == CallOutcome::Answered);
            match c.price {
                Price::Charged { money } if money.currency == "EUR" => eur += money.nanos,
                Price::Charged { money } => usd += money.nanos,
                _ if stays(i) => {}
                _ => usd += 20_000_000,
            }
        }
        (answered, usd, eur)
    };
    let (answered, usd, eur) = expected(0, 90);
    assert_eq!(by_number[0].counts.calls, 90);
    assert_eq!(by_number[0].counts.answered, answered);
    assert_eq!(by_number[0].cost.to_string(), {
        let mut t = switchboard_core::usage::Totals::default();
        t.add(&Money {
            currency: "USD".into(),
            nanos: usd,
        });
        t.add(&Money {
            currency: "EUR".into(),
            nanos: eur,
        });
        t.to_string()
    });
    assert_eq!(by_number[1].counts.messages, 10);
    assert_eq!(by_number[1].counts.segments, 20);
    assert_eq!(
        by_number[1].counts.pending,
        1 + (90..120)
            .filter(|i| stays(*i) && again[*i as usize].price == Price::Pending)
            .count() as u64,
        "a message and the calls still pending"
    );

    // By day: 60 calls on the 1st (23:00–23:59), 60 on the 2nd.
    let by_day = w
        .alice
        .usage_totals(w.acme, range, GroupBy::Day)
        .await
        .unwrap();
    let days: Vec<(String, u64)> = by_day
        .iter()
        .map(|r| (r.key.clone(), r.counts.calls))
        .collect();
    assert_eq!(
        days,
        [("2026-12-01".to_owned(), 60), ("2026-12-02".to_owned(), 60)]
    );
    // By provider and agent: every number is twilio's, none has an agent.
    let by_provider = w
        .alice
        .usage_totals(w.acme, range, GroupBy::Provider)
        .await
        .unwrap();
    assert_eq!(by_provider.len(), 1);
    assert_eq!(
        (by_provider[0].key.as_str(), by_provider[0].counts.calls),
        ("twilio", 120)
    );
    scalar(
        &w.cluster,
        &w.admin,
        &format!(
            "UPDATE phone_numbers SET agent_id = '{}' WHERE phone_number = '+14155550101'",
            w.acme_agent
        ),
    );
    let by_agent = w
        .alice
        .usage_totals(w.acme, range, GroupBy::Agent)
        .await
        .unwrap();
    let agents: Vec<(&str, Option<uuid::Uuid>, u64)> = by_agent
        .iter()
        .map(|r| (r.key.as_str(), r.id, r.counts.calls))
        .collect();
    assert_eq!(
        agents,
        [("", None, 90), ("Acme Agent", Some(w.acme_agent), 30)]
    );

    // Health's input: final calls per number and day, and the latest final call.
    let daily = w.alice.daily_calls(w.acme, range).await.unwrap();
    assert_eq!(daily.len(), 2);
    assert_eq!(
        daily[0].days.iter().map(|d| d.calls).sum::<u32>(),
        90,
        "every call here is final"
    );
    assert_eq!(
        daily[1].last_call_at,
        Some(datetime!(2026-12-01 23:00 UTC) + Duration::minutes(119))
    );

    // One number's days: its own rows only (the 30 calls of +14155550101 are from 00:30 to
    // 00:59 on the 2nd, its messages too), its id, its latest final call.
    let one = w
        .alice
        .number_days(w.acme, &number("+14155550101"), range)
        .await
        .unwrap();
    let days: Vec<(&str, u64, u64, Option<uuid::Uuid>)> = one
        .days
        .iter()
        .map(|r| (r.key.as_str(), r.counts.calls, r.counts.messages, r.id))
        .collect();
    assert_eq!(days, [("2026-12-02", 30, 10, None)]);
    let mut summed = switchboard_core::usage::UsageCounts::default();
    one.days.iter().for_each(|d| summed.add(&d.counts));
    assert_eq!(
        summed, by_number[1].counts,
        "the days sum to the number's row"
    );
    assert_eq!(one.number_id, by_number[1].id);
    assert_eq!(one.last_call_at, daily[1].last_call_at);
    let none = w
        .alice
        .number_days(w.acme, &number("+442071830100"), range)
        .await
        .unwrap();
    assert!(none.days.is_empty() && none.number_id.is_none() && none.last_call_at.is_none());

    // Cursors.
    assert_eq!(
        w.alice
            .usage_cursor(&account, RecordKind::Calls)
            .await
            .unwrap(),
        None
    );
    let cursor = UsageCursor {
        since: datetime!(2026-12-02 00:59 UTC),
        pulled_at: datetime!(2026-12-02 01:59 UTC),
    };
    w.alice
        .set_usage_cursor(&account, RecordKind::Calls, cursor)
        .await
        .unwrap();
    assert_eq!(
        w.alice
            .usage_cursor(&account, RecordKind::Calls)
            .await
            .unwrap(),
        Some(cursor)
    );

    // bob: acme is not found, whatever he asks; his own organization has nothing.
    for e in [
        w.bob.keep_calls(&account, &page, pulled).await.unwrap_err(),
        w.bob
            .set_usage_cursor(&account, RecordKind::Calls, cursor)
            .await
            .unwrap_err(),
        w.bob
            .usage_totals(w.acme, range, GroupBy::Number)
            .await
            .unwrap_err(),
        w.bob.daily_calls(w.acme, range).await.unwrap_err(),
        w.bob
            .number_days(w.acme, &number("+14155550101"), range)
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                Error::NotFound {
                    kind: "organization",
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(e.code(), ErrorCode::NotFound);
    }
    assert_eq!(
        w.bob
            .usage_cursor(&account, RecordKind::Calls)
            .await
            .unwrap(),
        None
    );
    assert!(
        w.bob
            .usage_totals(w.globex, range, GroupBy::Number)
            .await
            .unwrap()
            .is_empty()
    );
}
