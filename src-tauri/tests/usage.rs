//! The usage view's report command on the mock runtime: `usage_report` over a local workspace
//! whose call records were kept through ops' `UsageStore` answers ops' report (each currency
//! apart, pending records counted as pending, the days it covers), and refuses bad days;
//! `usage_report_csv` writes the rows it is given, in their order, as ops' CSV; `number_health`
//! judges a page of the table's numbers as the report judges them, and the Health filter's
//! `list_numbers_by_health`/`count_numbers_by_health` page and count the numbers in a state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use switchboard_app::dto::{GroupBy, NumberQuery, SortField};
use switchboard_app::error::ErrorCode;
use switchboard_app::state::AppState;
use switchboard_app::{commands, usage};
use switchboard_core::domain::Provider;

use switchboard_core::usage::{
    CallOutcome, CallRecord, Direction, HealthState, Money, Price, UsageAccount,
};
use tauri::Manager;
use time::macros::datetime;

const NUMBERS: [&str; 2] = ["+14155550100", "+14155550101"];

fn call(id: u32, number: usize, day: u8, price: Price) -> CallRecord {
    CallRecord {
        provider_id: format!("CA{id:032x}"),
        number: NUMBERS[number].parse().unwrap(),
        direction: Direction::Outbound,
        counterpart: "+14155559999".into(),
        outcome: CallOutcome::Answered,
        started_at: datetime!(2026-12-01 10:00 UTC) + time::Duration::days(i64::from(day)),
        duration_secs: 61,
        billed_secs: 120,
        price,
    }
}

fn charged(currency: &str, nanos: i64) -> Price {
    Price::Charged {
        money: Money {
            currency: currency.into(),
            nanos,
        },
    }
}

#[test]
fn usage_report_answers_ops_report_per_currency_and_refuses_bad_days() {
    tauri::async_runtime::block_on(report());
}

/// A mock app whose acme has `NUMBERS` and these call records, kept through ops' `UsageStore`.
async fn app_with_calls(
    dir: &std::path::Path,
    records: Vec<CallRecord>,
) -> (tauri::AppHandle<tauri::test::MockRuntime>, uuid::Uuid) {
    let (app, org) = support::mock_app_with_acme(dir).await;
    for number in NUMBERS {
        let new = support::twilio_number(number);
        commands::add_number(app.clone(), app.state(), org.to_string(), new)
            .await
            .expect("number added");
    }
    let account = UsageAccount {
        organization_id: org,
        provider: Provider::Twilio,
        account_id: format!("AC{}", "1".repeat(32)),
    };
    let count = records.len() as u64;
    let state = app.state::<AppState>();
    let inventory = state.inventory();
    let kept = inventory.usage().expect("a usage store").keep_calls(
        &account,
        records,
        datetime!(2026-12-05 00:00 UTC),
    );
    assert_eq!(kept.await.expect("kept").added, count);
    (app, org)
}

async fn report() {
    let dir = tempfile::tempdir().unwrap();
    let records = vec![
        call(1, 0, 0, charged("USD", 7_500_000)),
        call(2, 0, 1, charged("USD", 12_500_000)),
        call(3, 0, 1, charged("EUR", 1_000_000_000)),
        call(4, 1, 2, Price::Pending),
    ];
    let (app, org) = app_with_calls(dir.path(), records).await;

    let by = |by| {
        usage::usage_report(
            app.state(),
            org.to_string(),
            Some("2026-12-01".into()),
            Some("2026-12-03".into()),
            by,
        )
    };
    let numbers = by(GroupBy::Number).await.expect("report by number");
    assert_eq!(
        (numbers.from.as_str(), numbers.to.as_str()),
        ("2026-12-01", "2026-12-03")
    );
    assert_eq!(numbers.by, GroupBy::Number);
    let first = &numbers.rows[0];
    assert_eq!(first.usage.key, NUMBERS[0]);
    assert_eq!(first.usage.counts.calls, 3);
    let cost: Vec<String> = first.usage.cost.iter().map(|m| m.to_string()).collect();
    assert_eq!(cost, ["EUR 1.00", "USD 0.02"]);
    assert!(
        first.health.is_some(),
        "grouped by number, a row has its health"
    );
    let second = &numbers.rows[1];
    assert_eq!(second.usage.key, NUMBERS[1]);
    assert_eq!(second.usage.counts.pending, 1);
    assert!(
        second.usage.cost.is_empty(),
        "a pending price is never zero"
    );

    // The view's download: the rows in the order it shows them, in ops' CSV columns.
    let shown: Vec<_> = numbers.rows.iter().rev().cloned().collect();
    let csv = usage::usage_report_csv(GroupBy::Number, shown).expect("the CSV");
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "number,calls,final_calls,answered,failed,billed_minutes,messages,segments,pending,\
         cost_not_reported,cost_EUR,cost_USD,health,answer_rate,window_calls,short_share,window_answered,\
         failed_share,calls_per_day,last_call_at,reasons"
    );
    assert!(lines[1].starts_with(&format!("{},1,", NUMBERS[1])), "{csv}");
    assert!(lines[2].starts_with(&format!("{},3,", NUMBERS[0])), "{csv}");

    let days = by(GroupBy::Day).await.expect("report by day");
    let keys: Vec<&str> = days.rows.iter().map(|r| r.usage.key.as_str()).collect();
    assert_eq!(keys, ["2026-12-01", "2026-12-02", "2026-12-03"]);
    assert!(days.rows.iter().all(|r| r.health.is_none()));

    for (from, to, field) in [
        ("2026-12-04", "2026-12-03", "from"),
        ("2026-13-01", "2026-12-03", "from"),
        ("2026-12-01", "tomorrow", "to"),
    ] {
        let e = usage::usage_report(
            app.state(),
            org.to_string(),
            Some(from.into()),
            Some(to.into()),
            GroupBy::Number,
        )
        .await
        .expect_err("a bad day is refused");
        assert_eq!(
            e.code,
            ErrorCode::InvalidInput,
            "{from}..{to}: {}",
            e.message
        );
        assert!(
            e.message.starts_with(&format!("invalid {field}: ")),
            "{from}..{to}: {}",
            e.message
        );
    }
    let e = usage::usage_report(app.state(), "nope".into(), None, None, GroupBy::Day)
        .await
        .expect_err("a bad organization id is refused");
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn usage_report_says_why_each_number_at_risk_is_in_cores_words() {
    tauri::async_runtime::block_on(at_risk());
}

async fn at_risk() {
    let dir = tempfile::tempdir().unwrap();
    let failed = (0..20).map(|id| CallRecord {
        outcome: CallOutcome::Failed,
        ..call(id, 0, 0, charged("USD", 1_000_000))
    });
    let (app, org) = app_with_calls(dir.path(), failed.collect()).await;
    let numbers = usage::usage_report(
        app.state(),
        org.to_string(),
        Some("2026-12-01".into()),
        Some("2026-12-03".into()),
        GroupBy::Number,
    )
    .await
    .expect("report by number");
    let health = numbers.rows[0].health.as_ref().expect("its health");
    assert_eq!(health.state, HealthState::AtRisk);
    let words: Vec<String> = health.reasons.iter().map(ToString::to_string).collect();
    assert!(!words.is_empty());
    assert_eq!(
        numbers.reasons,
        BTreeMap::from([(NUMBERS[0].to_owned(), words.join("; "))])
    );
}

#[test]
fn number_health_judges_a_page_of_numbers_as_the_report_does() {
    tauri::async_runtime::block_on(page_health());
}

/// A mock app whose acme's first number failed 20 calls yesterday (UTC: inside the 7 days
/// ending today, whatever today is), so it is at risk; the second has no calls.
async fn app_with_an_at_risk_number(
    dir: &std::path::Path,
) -> (tauri::AppHandle<tauri::test::MockRuntime>, uuid::Uuid) {
    let yesterday = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let failed = (0..20).map(|id| CallRecord {
        outcome: CallOutcome::Failed,
        started_at: yesterday,
        ..call(id, 0, 0, charged("USD", 1_000_000))
    });
    app_with_calls(dir, failed.collect()).await
}

async fn page_health() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org) = app_with_an_at_risk_number(dir.path()).await;
    let page = vec![NUMBERS[1].to_owned(), NUMBERS[0].to_owned()];
    let judged = commands::number_health(app.state(), org.to_string(), page)
        .await
        .expect("health of the page");
    let states: Vec<(&str, HealthState)> = (judged.iter())
        .map(|h| (h.phone_number.as_str(), h.health.state))
        .collect();
    assert_eq!(
        states,
        [
            (NUMBERS[1], HealthState::InsufficientData),
            (NUMBERS[0], HealthState::AtRisk)
        ]
    );
    let report = usage::usage_report(app.state(), org.to_string(), None, None, GroupBy::Number)
        .await
        .expect("report by number");
    assert_eq!(report.rows[0].usage.key, NUMBERS[0]);
    assert_eq!(report.rows[0].health.as_ref(), Some(&judged[1].health));
    let e = commands::number_health(app.state(), org.to_string(), vec!["12".into()])
        .await
        .expect_err("not a number");
    assert_eq!(e.code, ErrorCode::InvalidNumber);
}

#[test]
fn the_health_filter_pages_and_counts_the_numbers_in_that_state() {
    tauri::async_runtime::block_on(health_filter());
}

async fn health_filter() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org) = app_with_an_at_risk_number(dir.path()).await;
    let query = |limit| NumberQuery {
        filter: support::every_number_of(org.to_string()),
        sort: SortField::Number,
        descending: false,
        limit,
        after: None,
    };
    for (state, want) in [
        (HealthState::AtRisk, NUMBERS[0]),
        (HealthState::InsufficientData, NUMBERS[1]),
    ] {
        let page = commands::list_numbers_by_health(app.state(), query(1), state)
            .await
            .expect("a page");
        let numbers: Vec<&str> = page.items.iter().map(|n| n.phone_number.as_str()).collect();
        assert_eq!(numbers, [want], "{state:?}");
        let filter = support::every_number_of(org.to_string());
        let count = commands::count_numbers_by_health(app.state(), filter, state)
            .await
            .expect("a count");
        assert_eq!(count, 1.0, "{state:?}");
    }
    let none = commands::list_numbers_by_health(app.state(), query(10), HealthState::Healthy)
        .await
        .expect("a page");
    assert!(none.items.is_empty() && none.next.is_none());
    let e = commands::list_numbers_by_health(app.state(), query(0), HealthState::Healthy)
        .await
        .expect_err("a page of none");
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn number_usage_is_the_numbers_report_row_per_day_with_its_health_and_reasons() {
    tauri::async_runtime::block_on(number());
}

async fn number() {
    let dir = tempfile::tempdir().unwrap();
    let mut records: Vec<CallRecord> = (0..20)
        .map(|id| CallRecord {
            outcome: CallOutcome::Failed,
            ..call(id, 0, 2, charged("USD", 1_000_000))
        })
        .collect();
    records.push(call(20, 0, 0, charged("EUR", 1_000_000_000)));
    records.push(call(21, 0, 1, Price::Pending));
    records.push(call(22, 1, 1, charged("USD", 7_500_000)));
    let (app, org) = app_with_calls(dir.path(), records).await;
    let (from, to) = (Some("2026-12-01".to_owned()), Some("2026-12-03".to_owned()));
    let report = usage::usage_report(
        app.state(),
        org.to_string(),
        from.clone(),
        to.clone(),
        GroupBy::Number,
    )
    .await
    .expect("report by number");
    let one = |number: &str| {
        usage::number_usage(
            app.state(),
            org.to_string(),
            number.into(),
            from.clone(),
            to.clone(),
        )
    };
    let first = one(NUMBERS[0]).await.expect("the number's usage");
    assert_eq!(first.usage.totals, report.rows[0].usage);
    assert_eq!(Some(&first.usage.health), report.rows[0].health.as_ref());
    assert_eq!(first.usage.health.state, HealthState::AtRisk);
    assert_eq!(first.reasons, report.reasons[NUMBERS[0]]);
    let days: Vec<(&str, u64, u64, String)> = (first.usage.days.iter())
        .map(|d| {
            let c = &d.counts;
            (d.key.as_str(), c.calls, c.pending, d.cost.to_string())
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-12-01", 1, 0, "EUR 1.00".into()),
            ("2026-12-02", 1, 1, "none".into()),
            ("2026-12-03", 20, 0, "USD 0.02".into()),
        ],
        "each day's cost per currency, the pending call as pending (no cost, not zero)"
    );
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(
        (&json["from"], &json["to"], &json["phoneNumber"]),
        (
            &"2026-12-01".into(),
            &"2026-12-03".into(),
            &NUMBERS[0].into()
        )
    );
    let second = one(NUMBERS[1]).await.expect("the other number's usage");
    assert_eq!(second.usage.totals.counts.calls, 1);
    assert_eq!(second.usage.health.state, HealthState::InsufficientData);
    assert_eq!(second.reasons, "");

    // Bad input is refused by name: the number, the days, the organization.
    for (number, from, org, code, field) in [
        (
            "555-CALL",
            "2026-12-01",
            org.to_string(),
            ErrorCode::InvalidNumber,
            "\"555-CALL\"",
        ),
        (
            NUMBERS[0],
            "2026-12-09",
            org.to_string(),
            ErrorCode::InvalidInput,
            "invalid from: ",
        ),
        (
            NUMBERS[0],
            "2026-12-01",
            "nope".into(),
            ErrorCode::InvalidInput,
            "invalid organization",
        ),
    ] {
        let e = usage::number_usage(
            app.state(),
            org,
            number.into(),
            Some(from.into()),
            to.clone(),
        )
        .await
        .expect_err("refused");
        assert_eq!(e.code, code, "{}", e.message);
        assert!(e.message.starts_with(field), "{}", e.message);
    }
}
