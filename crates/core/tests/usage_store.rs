//! Call and message records in the workspace file: kept once by their provider id, rollups equal
//! to the records after every write, totals to the nanounit per currency.

#[path = "support/day_calls.rs"]
mod day_calls;

use std::collections::BTreeMap;

use proptest::prelude::*;
use switchboard_core::domain::{E164, NewNumber, Provider};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::usage::{
    CallOutcome, CallRecord, DayCalls, DayRange, Direction, GroupBy, MessageRecord, Money, Price,
    ROLLUP_SHORT_CALL_SECS, RecordKind, UsageAccount, UsageCounts, UsageCursor, UsageRow,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use day_calls::count_final_call;

const T0: OffsetDateTime = datetime!(2026-12-01 08:00 UTC);
const NUMBERS: [&str; 3] = ["+14155550101", "+14155550102", "+14155550103"];

struct Fixture {
    ws: Workspace,
    org: Uuid,
    account: UsageAccount,
}

fn fixture() -> Fixture {
    fixture_in(Workspace::open_in_memory().expect("workspace"))
}

/// [`fixture`] in `ws`.
fn fixture_in(mut ws: Workspace) -> Fixture {
    let org = ws.add_organization("acme", "Acme").expect("org").id;
    let agent = ws.add_agent(org, "Ava").expect("agent").id;
    for (i, n) in NUMBERS.iter().enumerate() {
        let v = NewNumber {
            provider: if i == 2 { "telnyx" } else { "twilio" }.into(),
            number: (*n).into(),
            agent_id: (i == 0).then_some(agent),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        ws.add_number(org, v).expect("number");
    }
    let account = UsageAccount {
        organization_id: org,
        provider: Provider::Twilio,
        account_id: "AC0123456789abcdef0123456789abcdef".into(),
    };
    Fixture { ws, org, account }
}

/// [`fixture`] in a workspace file in `dir`, and the file's path.
fn fixture_on_file(dir: &tempfile::TempDir) -> (std::path::PathBuf, Fixture) {
    let path = dir.path().join("w.db");
    let ws = Workspace::open(&path).expect("open");
    (path, fixture_in(ws))
}

fn number(i: usize) -> E164 {
    E164::from_stored(NUMBERS[i % NUMBERS.len()].to_owned())
}

/// A price by code: pending, not billed, EUR, USD, or (4, a call's only) not reported.
fn price(code: u8, nanos: i64) -> Price {
    match code % 5 {
        0 => Price::Pending,
        1 => Price::NotBilled,
        2 => Price::Charged {
            money: Money {
                currency: "EUR".into(),
                nanos,
            },
        },
        3 => Price::Charged {
            money: Money {
                currency: "USD".into(),
                nanos,
            },
        },
        _ => Price::NotReported,
    }
}

fn call(
    id: usize,
    n: usize,
    hours: i64,
    outcome: CallOutcome,
    secs: u32,
    price: Price,
) -> CallRecord {
    CallRecord {
        provider_id: format!("CA{id:032x}"),
        number: number(n),
        direction: Direction::Outbound,
        counterpart: "+14155559999".into(),
        outcome,
        started_at: T0 + Duration::hours(hours),
        duration_secs: secs,
        billed_secs: secs.div_ceil(60) * 60,
        price,
    }
}

fn message(id: usize, n: usize, hours: i64, price: Price) -> MessageRecord {
    MessageRecord {
        provider_id: format!("SM{id:032x}"),
        number: number(n),
        direction: Direction::Inbound,
        counterpart: "+14155559998".into(),
        status: "received".into(),
        sent_at: T0 + Duration::hours(hours),
        segments: 2,
        price,
    }
}

/// Every outcome, for the generated calls to pick from.
const OUTCOMES: [CallOutcome; 6] = [
    CallOutcome::Answered,
    CallOutcome::Busy,
    CallOutcome::NoAnswer,
    CallOutcome::Failed,
    CallOutcome::Canceled,
    CallOutcome::Unfinished,
];

/// A generated call: number, hours after `T0`, outcome ([`OUTCOMES`]), seconds, price code
/// ([`price`]) and nanos.
type GeneratedCall = (usize, i64, u8, u32, u8, i64);

/// A generated message: number, hours after `T0`, price code ([`price`]) and nanos.
type GeneratedMessage = (usize, i64, u8, i64);

/// The `i`th generated call as a record.
fn generated_call(i: usize, &(n, h, o, s, p, nanos): &GeneratedCall) -> CallRecord {
    call(i, n, h, OUTCOMES[usize::from(o)], s, price(p, nanos))
}

/// The `i`th generated message as a record.
fn generated_message(i: usize, &(n, h, p, nanos): &GeneratedMessage) -> MessageRecord {
    message(i, n, h, price(p, nanos))
}

fn week() -> DayRange {
    DayRange::new(T0.date(), T0.date() + Duration::days(6)).expect("range")
}

fn totals(ws: &Workspace, org: Uuid, by: GroupBy) -> BTreeMap<String, UsageRow> {
    ws.usage_totals(org, week(), by)
        .expect("totals")
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect()
}

fn assert_rollups_equal_records(ws: &Workspace) {
    let problems = ws.integrity_check().expect("check");
    assert!(problems.is_empty(), "{problems:?}");
}

/// What the records say, summed in the test: per number, calls, pending, not reported and cost
/// per currency.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    calls: u64,
    messages: u64,
    pending: u64,
    not_reported: u64,
    billed_secs: u64,
    cost: BTreeMap<String, i64>,
}

fn expect_price(e: &mut Expected, p: &Price) {
    match p {
        Price::Pending => e.pending += 1,
        Price::Charged { money } => {
            *e.cost.entry(money.currency.clone()).or_default() += money.nanos
        }
        Price::NotReported => e.not_reported += 1,
        Price::NotBilled => {}
    }
}

fn found(row: &UsageRow) -> Expected {
    Expected {
        calls: row.counts.calls,
        messages: row.counts.messages,
        pending: row.counts.pending,
        not_reported: row.counts.not_reported,
        billed_secs: row.counts.billed_secs,
        cost: row.cost.iter().map(|m| (m.currency, m.nanos)).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the records, their pages and how often they are read again, the totals by
    /// number equal the records' sums to the nanounit per currency, and the rollups a recount.
    #[test]
    fn totals_equal_the_records_to_the_nanounit(
        calls in prop::collection::vec((0usize..4, 0i64..160, 0u8..6, 0u32..400, 0u8..5, 1i64..50_000_000), 0..60),
        messages in prop::collection::vec((0usize..4, 0i64..160, 0u8..4, 1i64..9_999_999), 0..30),
        page in 1usize..25,
        reread in prop::bool::ANY,
        large in 0u8..3,
    ) {
        let Fixture { mut ws, org, account } = fixture();
        // Number index 3 is not the organization's.
        let calls: Vec<CallRecord> = calls.iter().enumerate().map(|(i, g)| {
            let mut c = generated_call(i, g);
            if g.0 == 3 { c.number = E164::from_stored("+14155550199".into()); }
            c
        }).collect();
        let messages: Vec<MessageRecord> =
            messages.iter().enumerate().map(|(i, g)| generated_message(i, g)).collect();
        let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
        for c in calls.iter().filter(|c| c.number.as_str() != "+14155550199") {
            let e = expected.entry(c.number.as_str().to_owned()).or_default();
            e.calls += 1;
            e.billed_secs += u64::from(c.billed_secs);
            expect_price(e, &c.price);
        }
        for m in &messages {
            let e = expected.entry(m.number.as_str().to_owned()).or_default();
            e.messages += 1;
            expect_price(e, &m.price);
        }
        let rounds = if reread { 2 } else { 1 };
        let mut not_ours = 0;
        // `large` 1: every round in one large pull of each kind; 2: the last round only
        // (what the rounds before kept is found by it).
        let large_from = match large { 1 => 0, 2 => rounds - 1, _ => rounds };
        for round in 0..rounds {
            if round == large_from {
                ws.begin_large_pull(&account, RecordKind::Calls).expect("large");
            }
            for chunk in calls.chunks(page) {
                not_ours += ws.keep_calls(&account, chunk, T0).expect("kept").not_ours;
            }
        }
        ws.finish_large_pull().expect("finished");
        for round in 0..rounds {
            if round == large_from {
                ws.begin_large_pull(&account, RecordKind::Messages).expect("large");
            }
            for chunk in messages.chunks(page) {
                ws.keep_messages(&account, chunk, T0).expect("kept");
            }
        }
        ws.finish_large_pull().expect("finished");
        let strangers = calls.iter().filter(|c| c.number.as_str() == "+14155550199").count();
        prop_assert_eq!(not_ours as usize, strangers * rounds);
        let by_number: BTreeMap<String, Expected> =
            totals(&ws, org, GroupBy::Number).iter().map(|(k, r)| (k.clone(), found(r))).collect();
        prop_assert_eq!(&by_number, &expected);
        assert_rollups_equal_records(&ws);
        // Every grouping sums to the same grand total.
        let grand = |rows: BTreeMap<String, UsageRow>| {
            let mut sum = Expected::default();
            for r in rows.values() {
                let f = found(r);
                sum.calls += f.calls;
                sum.messages += f.messages;
                sum.pending += f.pending;
                sum.billed_secs += f.billed_secs;
                for (c, n) in f.cost { *sum.cost.entry(c).or_default() += n; }
            }
            sum
        };
        let all = grand(totals(&ws, org, GroupBy::Number));
        for by in [GroupBy::Agent, GroupBy::Provider, GroupBy::Day] {
            prop_assert_eq!(&grand(totals(&ws, org, by)), &all, "{}", by);
        }
    }
}

#[test]
fn keeping_a_page_again_changes_nothing() {
    let Fixture {
        mut ws,
        org,
        account,
    } = fixture();
    let page = vec![
        call(1, 0, 1, CallOutcome::Answered, 65, price(3, 14_000_000)),
        call(2, 1, 2, CallOutcome::Busy, 0, Price::NotBilled),
        call(3, 2, 30, CallOutcome::Answered, 5, Price::Pending),
    ];
    let first = ws.keep_calls(&account, &page, T0).expect("first");
    assert_eq!(
        (
            first.added,
            first.completed,
            first.unchanged,
            first.pending,
            first.not_ours
        ),
        (3, 0, 0, 1, 0)
    );
    let before = totals(&ws, org, GroupBy::Day);
    let again = ws.keep_calls(&account, &page, T0).expect("again");
    assert_eq!(
        (again.added, again.completed, again.unchanged, again.pending),
        (0, 0, 3, 1)
    );
    assert_eq!(totals(&ws, org, GroupBy::Day), before);
    let by_day: Vec<(String, u64, u64)> = before
        .values()
        .map(|r| (r.key.clone(), r.counts.calls, r.counts.short_answered))
        .collect();
    assert_eq!(
        by_day,
        [("2026-12-01".into(), 2, 0), ("2026-12-02".into(), 1, 1)]
    );
    assert_rollups_equal_records(&ws);
}

#[test]
fn a_pending_record_is_completed_by_a_later_pull() {
    let Fixture {
        mut ws,
        org,
        account,
    } = fixture();
    let pending = vec![
        call(1, 0, 1, CallOutcome::Answered, 120, Price::Pending),
        call(2, 0, 2, CallOutcome::Unfinished, 0, Price::Pending),
    ];
    ws.keep_calls(&account, &pending, T0).expect("pending");
    assert_eq!(
        ws.oldest_pending(&account, RecordKind::Calls)
            .expect("oldest"),
        Some(T0 + Duration::hours(1))
    );
    let row = &totals(&ws, org, GroupBy::Number)[NUMBERS[0]];
    assert_eq!((row.counts.pending, row.cost.is_empty()), (2, true));

    // The first is priced; the second has ended, answered, and is still pending.
    let later = vec![
        call(1, 0, 1, CallOutcome::Answered, 120, price(3, 28_000_000)),
        call(2, 0, 2, CallOutcome::Answered, 7, Price::Pending),
    ];
    let kept = ws
        .keep_calls(&account, &later, T0 + Duration::hours(3))
        .expect("later");
    assert_eq!(
        (kept.added, kept.completed, kept.unchanged, kept.pending),
        (0, 1, 1, 1)
    );
    let row = &totals(&ws, org, GroupBy::Number)[NUMBERS[0]];
    assert_eq!(row.counts.pending, 1);
    assert_eq!(row.counts.answered, 2);
    assert_eq!(row.counts.short_answered, 1);
    assert_eq!(row.cost.to_string(), "USD 0.028");
    assert_eq!(
        ws.oldest_pending(&account, RecordKind::Calls)
            .expect("oldest"),
        Some(T0 + Duration::hours(2))
    );
    assert_rollups_equal_records(&ws);
    // A record read again on another day (a queued call's start filled in later) moves.
    let moved = vec![call(2, 0, 50, CallOutcome::Answered, 7, price(2, 5))];
    ws.keep_calls(&account, &moved, T0).expect("moved");
    assert_rollups_equal_records(&ws);
    assert_eq!(
        ws.oldest_pending(&account, RecordKind::Calls)
            .expect("none"),
        None
    );
    let days: Vec<String> = totals(&ws, org, GroupBy::Day).into_keys().collect();
    assert_eq!(days, ["2026-12-01", "2026-12-03"]);
}

/// (kept.added, completed, unchanged, pending).
fn counted(k: &switchboard_core::usage::Kept) -> (u64, u64, u64, u64) {
    (k.added, k.completed, k.unchanged, k.pending)
}

/// Per number: calls, pending, cost.
fn per_number(ws: &Workspace, org: Uuid) -> Vec<(String, u64, u64, String)> {
    totals(ws, org, GroupBy::Number)
        .into_values()
        .map(|r| (r.key, r.counts.calls, r.counts.pending, r.cost.to_string()))
        .collect()
}

/// A large pull (the unique record key dropped until it ends) keeps a record read on two of
/// its pages once, the later page's values winning (a price given late completes the
/// pending one, a start filled in later moves the call's day), finds a record kept before
/// it, and leaves the key whole at its end.
#[test]
fn a_large_pull_keeps_a_record_read_twice_once_and_completes_its_price() {
    let Fixture {
        mut ws,
        org,
        account,
    } = fixture();
    let before = call(9, 1, 3, CallOutcome::Answered, 30, price(2, 7_000_000));
    ws.keep_calls(&account, std::slice::from_ref(&before), T0)
        .expect("before");
    ws.begin_large_pull(&account, RecordKind::Calls)
        .expect("large");
    let first = vec![
        call(1, 0, 1, CallOutcome::Answered, 120, Price::Pending),
        call(2, 1, 2, CallOutcome::Busy, 0, Price::NotBilled),
        call(3, 2, 30, CallOutcome::Answered, 5, price(3, 9_000_000)),
    ];
    let kept = ws.keep_calls(&account, &first, T0).expect("first");
    assert_eq!(counted(&kept), (3, 0, 0, 1));
    // The provider's paging shifted: 3 again as it was, 1 priced now, 9 (kept before the
    // pull) started a day later, and one new record.
    let second = vec![
        call(3, 2, 30, CallOutcome::Answered, 5, price(3, 9_000_000)),
        call(1, 0, 1, CallOutcome::Answered, 120, price(3, 28_000_000)),
        call(9, 1, 27, CallOutcome::Answered, 30, price(2, 7_000_000)),
        call(4, 0, 5, CallOutcome::NoAnswer, 0, Price::NotBilled),
    ];
    let kept = ws.keep_calls(&account, &second, T0).expect("second");
    assert_eq!(counted(&kept), (1, 1, 2, 0));
    ws.finish_large_pull().expect("finished");
    let expected = [
        (NUMBERS[0].to_owned(), 2, 0, "USD 0.028".to_owned()),
        (NUMBERS[1].to_owned(), 2, 0, "EUR 0.007".to_owned()),
        (NUMBERS[2].to_owned(), 1, 0, "USD 0.009".to_owned()),
    ];
    assert_eq!(per_number(&ws, org), expected);
    let days: Vec<(String, u64)> = totals(&ws, org, GroupBy::Day)
        .into_values()
        .map(|r| (r.key, r.counts.calls))
        .collect();
    assert_eq!(
        days,
        [("2026-12-01".into(), 3), ("2026-12-02".into(), 2)],
        "9 moved to the 2nd"
    );
    assert_rollups_equal_records(&ws);
    // The key is back: keeping the pages again (the usual way) adds nothing.
    let again = ws.keep_calls(&account, &second, T0).expect("again");
    assert_eq!(counted(&again), (0, 0, 4, 0));
    assert_eq!(per_number(&ws, org), expected);
}

/// A large pull cut off (its program stopped: the connection closed without finishing it)
/// keeps nothing of itself and leaves the unique key whole: the next open finds the store as
/// it was before the pull, and the next pull keeps every record once. While it is under way,
/// its connection writes nothing else.
#[test]
fn a_large_pull_cut_off_keeps_nothing_of_itself_and_leaves_the_key_whole() {
    let dir = tempfile::tempdir().expect("dir");
    let (
        path,
        Fixture {
            mut ws,
            org,
            account,
        },
    ) = fixture_on_file(&dir);
    let kept_before = vec![call(1, 0, 1, CallOutcome::Answered, 120, Price::Pending)];
    ws.keep_calls(&account, &kept_before, T0).expect("before");
    let as_before = per_number(&ws, org);
    let pages = [
        vec![
            call(1, 0, 1, CallOutcome::Answered, 120, price(3, 28_000_000)),
            call(2, 1, 2, CallOutcome::Busy, 0, Price::NotBilled),
        ],
        vec![
            call(2, 1, 2, CallOutcome::Busy, 0, Price::NotBilled),
            call(3, 2, 30, CallOutcome::Answered, 5, price(2, 9_000_000)),
        ],
    ];
    ws.begin_large_pull(&account, RecordKind::Calls)
        .expect("large");
    for page in &pages {
        ws.keep_calls(&account, page, T0).expect("kept");
    }
    let refused = ws.keep_messages(&account, &[message(1, 0, 1, Price::Pending)], T0);
    assert!(
        matches!(refused, Err(switchboard_core::Error::NotAllowed(_))),
        "{refused:?}"
    );
    let refused = ws.add_organization("other", "Other");
    assert!(
        matches!(refused, Err(switchboard_core::Error::NotAllowed(_))),
        "{refused:?}"
    );
    drop(ws);

    let mut ws = Workspace::open(&path).expect("reopen");
    assert_rollups_equal_records(&ws);
    assert_eq!(per_number(&ws, org), as_before);
    let again = ws.keep_calls(&account, &kept_before, T0).expect("again");
    assert_eq!(counted(&again), (0, 0, 1, 1), "the key is whole");
    ws.begin_large_pull(&account, RecordKind::Calls)
        .expect("large");
    for page in &pages {
        ws.keep_calls(&account, page, T0).expect("kept");
    }
    ws.finish_large_pull().expect("finished");
    drop(ws);
    let ws = Workspace::open(&path).expect("reopen");
    assert_rollups_equal_records(&ws);
    assert_eq!(
        per_number(&ws, org),
        [
            (NUMBERS[0].to_owned(), 1, 0, "USD 0.028".to_owned()),
            (NUMBERS[1].to_owned(), 1, 0, "none".to_owned()),
            (NUMBERS[2].to_owned(), 1, 0, "EUR 0.009".to_owned()),
        ]
    );
}

/// While a large pull is under way, another connection of the file reads it as it was before
/// the pull, and a write there waits for the pull: refused as busy past the busy timeout,
/// nothing of it kept. Once the pull is finished, the other connection sees all of it and
/// writes again, the record key whole.
#[test]
fn another_connection_reads_as_before_a_large_pull_and_its_writes_wait_for_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (
        path,
        Fixture {
            mut ws,
            org,
            account,
        },
    ) = fixture_on_file(&dir);
    ws.keep_calls(
        &account,
        &[call(1, 0, 1, CallOutcome::Answered, 120, Price::Pending)],
        T0,
    )
    .expect("before");
    let as_before = per_number(&ws, org);
    ws.begin_large_pull(&account, RecordKind::Calls)
        .expect("large");
    let page = [
        call(1, 0, 1, CallOutcome::Answered, 120, price(3, 28_000_000)),
        call(2, 1, 2, CallOutcome::Busy, 0, Price::NotBilled),
    ];
    ws.keep_calls(&account, &page, T0).expect("kept");

    let mut other = Workspace::open(&path).expect("other");
    assert_eq!(per_number(&other, org), as_before);
    let third = [call(3, 2, 3, CallOutcome::Answered, 5, price(2, 9_000_000))];
    let refused = other.keep_calls(&account, &third, T0);
    assert!(
        matches!(refused, Err(switchboard_core::Error::Busy { .. })),
        "{refused:?}"
    );
    assert_eq!(per_number(&other, org), as_before);

    ws.finish_large_pull().expect("finished");
    assert_eq!(
        counted(&other.keep_calls(&account, &third, T0).expect("kept")),
        (1, 0, 0, 0)
    );
    let again = other.keep_calls(&account, &page, T0).expect("again");
    assert_eq!(counted(&again), (0, 0, 2, 0), "the key is whole");
    assert_eq!(
        per_number(&other, org),
        [
            (NUMBERS[0].to_owned(), 1, 0, "USD 0.028".to_owned()),
            (NUMBERS[1].to_owned(), 1, 0, "none".to_owned()),
            (NUMBERS[2].to_owned(), 1, 0, "EUR 0.009".to_owned()),
        ]
    );
    assert_rollups_equal_records(&other);
}

/// A record read again on another of the organization's numbers (the provider corrected
/// it) moves to that number, its row with its rollups, whether kept page by page or in a
/// large pull.
#[test]
fn a_record_read_again_on_another_number_moves_there_with_its_rollups() {
    for large in [false, true] {
        let Fixture {
            mut ws,
            org,
            account,
        } = fixture();
        let first = call(1, 0, 2, CallOutcome::Answered, 30, price(3, 5_000_000));
        ws.keep_calls(&account, &[first], T0).expect("kept");
        if large {
            ws.begin_large_pull(&account, RecordKind::Calls)
                .expect("large");
        }
        let moved = call(1, 1, 2, CallOutcome::Answered, 30, price(3, 5_000_000));
        let kept = ws.keep_calls(&account, &[moved], T0).expect("kept");
        assert_eq!(counted(&kept), (0, 0, 1, 0), "large: {large}");
        ws.finish_large_pull().expect("finished");
        assert_rollups_equal_records(&ws);
        assert_eq!(
            per_number(&ws, org),
            [(NUMBERS[1].to_owned(), 1, 0, "USD 0.005".to_owned())],
            "large: {large}"
        );
    }
}

#[test]
fn groups_follow_the_numbers_agents_and_providers_and_keep_removed_history() {
    let Fixture {
        mut ws,
        org,
        account,
    } = fixture();
    let page: Vec<CallRecord> = (0..3)
        .map(|n| call(n, n, 1, CallOutcome::Answered, 60, price(3, 10_000_000)))
        .collect();
    ws.keep_calls(&account, &page, T0).expect("kept");
    let agents: Vec<(String, u64)> = totals(&ws, org, GroupBy::Agent)
        .values()
        .map(|r| (r.key.clone(), r.counts.calls))
        .collect();
    assert_eq!(agents, [(String::new(), 2), ("Ava".into(), 1)]);
    let providers: Vec<(String, u64)> = totals(&ws, org, GroupBy::Provider)
        .values()
        .map(|r| (r.key.clone(), r.counts.calls))
        .collect();
    assert_eq!(providers, [("telnyx".into(), 1), ("twilio".into(), 2)]);

    ws.remove_number(&NumberRef::Number(number(2)), Some(org))
        .expect("removed");
    let by_number = totals(&ws, org, GroupBy::Number);
    assert_eq!(by_number.len(), 3, "a removed number's history stays");
    assert_eq!(by_number[NUMBERS[2]].id, None);
    assert!(by_number[NUMBERS[0]].id.is_some());
    let providers: Vec<(String, u64)> = totals(&ws, org, GroupBy::Provider)
        .values()
        .map(|r| (r.key.clone(), r.counts.calls))
        .collect();
    assert_eq!(providers, [(String::new(), 1), ("twilio".into(), 2)]);
    // Its records are no longer the organization's.
    let kept = ws
        .keep_calls(
            &account,
            &[call(9, 2, 2, CallOutcome::Busy, 0, Price::NotBilled)],
            T0,
        )
        .expect("kept");
    assert_eq!((kept.added, kept.not_ours), (0, 1));
}

#[test]
fn cursors_are_kept_per_account_and_kind_and_an_unknown_organization_is_refused() {
    let Fixture {
        mut ws, account, ..
    } = fixture();
    assert_eq!(
        ws.usage_cursor(&account, RecordKind::Calls).expect("none"),
        None
    );
    let cursor = UsageCursor {
        since: T0,
        pulled_at: T0 + Duration::hours(1),
    };
    ws.set_usage_cursor(&account, RecordKind::Calls, cursor)
        .expect("set");
    assert_eq!(
        ws.usage_cursor(&account, RecordKind::Calls).expect("set"),
        Some(cursor)
    );
    assert_eq!(
        ws.usage_cursor(&account, RecordKind::Messages)
            .expect("apart"),
        None
    );
    let stranger = UsageAccount {
        organization_id: Uuid::new_v4(),
        ..account.clone()
    };
    let err = ws
        .keep_calls(
            &stranger,
            &[call(1, 0, 1, CallOutcome::Busy, 0, Price::NotBilled)],
            T0,
        )
        .expect_err("no such organization");
    assert!(err.to_string().contains("organization"), "{err}");
    let err = ws
        .set_usage_cursor(&stranger, RecordKind::Calls, cursor)
        .expect_err("no such organization");
    assert!(err.to_string().contains("not found"), "{err}");
}

/// A call whose provider reports no price (Bandwidth's Call Search) is kept as such: counted as
/// a call, never pending (the cursor does not wait for it) and never summed as a cost.
#[test]
fn a_call_without_a_reported_price_is_neither_pending_nor_costed() {
    let Fixture {
        mut ws,
        org,
        account,
    } = fixture();
    let calls = vec![
        call(1, 0, 1, CallOutcome::Answered, 95, Price::NotReported),
        call(2, 0, 2, CallOutcome::Busy, 0, Price::NotBilled),
        call(3, 0, 3, CallOutcome::Answered, 30, price(3, 7_000_000)),
    ];
    let kept = ws.keep_calls(&account, &calls, T0).expect("kept");
    assert_eq!((kept.added, kept.pending), (3, 0));
    assert_eq!(
        ws.oldest_pending(&account, RecordKind::Calls)
            .expect("oldest"),
        None
    );
    let row = &totals(&ws, org, GroupBy::Number)[NUMBERS[0]];
    assert_eq!((row.counts.calls, row.counts.answered), (3, 2));
    assert_eq!(row.counts.pending, 0);
    assert_eq!(row.counts.billed_secs, 120 + 60);
    assert_eq!(row.cost.to_string(), "USD 0.007");
    // Read again: unchanged.
    let again = ws.keep_calls(&account, &calls, T0).expect("again");
    assert_eq!((again.added, again.unchanged), (0, 3));
    assert_rollups_equal_records(&ws);
}

/// The start of a number's latest final call follows its records when one is read again
/// changed: a call that moves earlier in its day, or stops being final, leaves the day's
/// latest to the call before it (the rollups recount it from the calls).
#[test]
fn the_latest_call_follows_a_call_read_again_earlier_or_unfinished() {
    let Fixture {
        mut ws,
        org,
        account,
    } = fixture();
    let at = |hours: i64| Some(T0 + Duration::hours(hours));
    let latest = |ws: &Workspace| {
        let health = ws.daily_calls(org, week()).expect("health");
        let days = ws.number_days(org, &number(0), week()).expect("days");
        assert_eq!(health[0].last_call_at, days.last_call_at);
        health[0].last_call_at
    };
    let mut first = call(1, 0, 2, CallOutcome::Answered, 30, Price::NotBilled);
    let mut second = call(2, 0, 5, CallOutcome::Answered, 30, Price::NotBilled);
    let third = call(3, 0, 4, CallOutcome::Unfinished, 0, Price::Pending);
    ws.keep_calls(&account, &[first.clone(), second.clone(), third], T0)
        .expect("kept");
    assert_eq!(latest(&ws), at(5));
    second.started_at = T0 + Duration::hours(1);
    ws.keep_calls(&account, std::slice::from_ref(&second), T0)
        .expect("kept");
    assert_eq!(latest(&ws), at(2));
    assert_rollups_equal_records(&ws);
    first.outcome = CallOutcome::Unfinished;
    ws.keep_calls(&account, &[first], T0).expect("kept");
    assert_eq!(latest(&ws), at(1));
    assert_rollups_equal_records(&ws);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The report by number's one pass over the rollups gives what its two reads give apart:
    /// the totals by number over the range and every number's daily calls over the health
    /// window, whichever days each covers (a window longer than the range, or reaching before
    /// it, or apart from it), with several currencies, unfinished calls, calls whose cost is not
    /// reported and a removed number.
    #[test]
    fn one_pass_by_number_equals_the_totals_and_the_window_read_apart(
        calls in prop::collection::vec((0usize..3, 0i64..400, 0u8..6, 0u32..400, 0u8..5, 1i64..50_000_000), 0..80),
        messages in prop::collection::vec((0usize..3, 0i64..400, 0u8..4, 1i64..9_999_999), 0..20),
        range in (0i64..17, 0i64..17),
        window in (0i64..17, 0i64..17),
        remove in prop::bool::ANY,
    ) {
        let Fixture { mut ws, org, account } = fixture();
        let calls: Vec<CallRecord> =
            calls.iter().enumerate().map(|(i, g)| generated_call(i, g)).collect();
        let messages: Vec<MessageRecord> =
            messages.iter().enumerate().map(|(i, g)| generated_message(i, g)).collect();
        ws.keep_calls(&account, &calls, T0).expect("kept");
        ws.keep_messages(&account, &messages, T0).expect("kept");
        if remove {
            ws.remove_number(&NumberRef::Number(number(1)), Some(org)).expect("removed");
        }
        let days = |(a, b): (i64, i64)| {
            let day = |d: i64| T0.date() + Duration::days(d);
            DayRange::new(day(a.min(b)), day(a.max(b))).expect("range")
        };
        let (range, window) = (days(range), days(window));
        let (rows, numbers) = ws.usage_by_number_with_days(org, range, window).expect("one pass");
        prop_assert_eq!(rows, ws.usage_totals(org, range, GroupBy::Number).expect("totals"));
        prop_assert_eq!(numbers, ws.daily_calls(org, window).expect("window"));
    }
}

/// Whether `t` falls on a day of `range` (UTC).
fn within(range: DayRange, t: OffsetDateTime) -> bool {
    (range.from()..=range.to()).contains(&t.date())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The report by number, read from the rollups packed in 32-day blocks, equals the records
    /// summed here directly: for ranges and windows anywhere over three blocks (most of them
    /// not aligned with a block), after later pulls that price pending calls or move calls
    /// (to another day, block or outcome), with two currencies, pending, not-reported and
    /// unfinished calls, messages and a removed number; and the blocks stay equal to the daily
    /// rollups.
    #[test]
    fn the_blocks_report_what_the_records_sum_to(
        calls in prop::collection::vec((0usize..3, 0i64..24 * 90, 0u8..6, 0u32..400, 0u8..5, 1i64..50_000_000), 0..80),
        // Calls read again by a later pull: the index of the call, its price now (code, nanos)
        // and hours it moved by (a late price, or a call reported again at another time).
        later in prop::collection::vec((0usize..80, 0u8..5, 1i64..50_000_000, -24 * 40i64..24 * 40), 0..20),
        messages in prop::collection::vec((0usize..3, 0i64..24 * 90, 0u8..4, 1i64..9_999_999), 0..20),
        range in (-2i64..92, -2i64..92),
        window in (-2i64..92, 0i64..10),
        remove in prop::bool::ANY,
    ) {
        let Fixture { mut ws, org, account } = fixture();
        let mut calls: Vec<CallRecord> =
            calls.iter().enumerate().map(|(i, g)| generated_call(i, g)).collect();
        let messages: Vec<MessageRecord> =
            messages.iter().enumerate().map(|(i, g)| generated_message(i, g)).collect();
        ws.keep_calls(&account, &calls, T0).expect("kept");
        ws.keep_messages(&account, &messages, T0).expect("kept");
        // The later pulls: each call read again as it is now, in a page of its own.
        for &(i, code, nanos, moved) in &later {
            let Some(c) = calls.get_mut(i) else { continue };
            c.price = price(code, nanos);
            c.started_at += Duration::hours(moved);
            ws.keep_calls(&account, std::slice::from_ref(c), T0).expect("kept");
        }
        if remove {
            ws.remove_number(&NumberRef::Number(number(1)), Some(org)).expect("removed");
        }
        let date = |d: i64| T0.date() + Duration::days(d);
        let range = DayRange::new(date(range.0.min(range.1)), date(range.0.max(range.1)))
            .expect("range");
        let window = DayRange::new(date(window.0), date(window.0 + window.1)).expect("window");
        let (rows, numbers) = ws.usage_by_number_with_days(org, range, window).expect("read");

        // The records summed directly: per number, its counts and cost over the range.
        let mut expected: BTreeMap<String, (UsageCounts, BTreeMap<String, i64>)> =
            BTreeMap::new();
        let cost_of = |cost: &mut BTreeMap<String, i64>, p: &Price| {
            if let Price::Charged { money } = p {
                *cost.entry(money.currency.clone()).or_default() += money.nanos;
            }
        };
        for c in calls.iter().filter(|c| within(range, c.started_at)) {
            let (n, cost) = expected.entry(c.number.as_str().to_owned()).or_default();
            let answered = c.outcome == CallOutcome::Answered;
            n.calls += 1;
            n.final_calls += u64::from(c.outcome != CallOutcome::Unfinished);
            n.answered += u64::from(answered);
            n.short_answered += u64::from(answered && c.duration_secs < ROLLUP_SHORT_CALL_SECS);
            n.failed += u64::from(c.outcome == CallOutcome::Failed);
            n.billed_secs += u64::from(c.billed_secs);
            n.pending += u64::from(c.price == Price::Pending);
            n.not_reported += u64::from(c.price == Price::NotReported);
            cost_of(cost, &c.price);
        }
        for m in messages.iter().filter(|m| within(range, m.sent_at)) {
            let (n, cost) = expected.entry(m.number.as_str().to_owned()).or_default();
            n.messages += 1;
            n.segments += u64::from(m.segments);
            n.pending += u64::from(m.price == Price::Pending);
            cost_of(cost, &m.price);
        }
        let found: BTreeMap<String, (UsageCounts, BTreeMap<String, i64>)> = (rows.iter())
            .map(|r| {
                let cost = r.cost.iter().map(|m| (m.currency, m.nanos)).collect();
                (r.key.clone(), (r.counts, cost))
            })
            .collect();
        prop_assert_eq!(found, expected);
        prop_assert_eq!(rows.len(), rows.iter().map(|r| &r.key).collect::<std::collections::BTreeSet<_>>().len());

        // And every number's final calls per day over the window, with the latest's start.
        let mut days: BTreeMap<String, (BTreeMap<time::Date, DayCalls>, Option<OffsetDateTime>)> =
            BTreeMap::new();
        for c in calls.iter().filter(|c| {
            within(window, c.started_at) && c.outcome != CallOutcome::Unfinished
        }) {
            let (by_day, last) = days.entry(c.number.as_str().to_owned()).or_default();
            count_final_call(by_day, c.started_at, c.outcome, c.duration_secs);
            *last = (*last).max(Some(c.started_at));
        }
        let found: BTreeMap<String, (Vec<DayCalls>, Option<OffsetDateTime>)> = (numbers.iter())
            .map(|n| (n.phone_number.as_str().to_owned(), (n.days.clone(), n.last_call_at)))
            .collect();
        let days: BTreeMap<String, (Vec<DayCalls>, Option<OffsetDateTime>)> = (days.into_iter())
            .map(|(n, (d, last))| (n, (d.into_values().collect(), last)))
            .collect();
        prop_assert_eq!(found, days);
        // Ids as the numbers have them now (a removed number's is none).
        for r in &rows {
            prop_assert_eq!(r.id.is_some(), !(remove && r.key == NUMBERS[1]), "{}", r.key);
        }
        for n in &numbers {
            prop_assert_eq!(n.number_id.is_some(), !(remove && n.phone_number.as_str() == NUMBERS[1]));
        }
        assert_rollups_equal_records(&ws);
    }
}
