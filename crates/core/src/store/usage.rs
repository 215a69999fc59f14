//! Call and message records in the workspace file, with their daily rollups and pull cursors
//! (the tables of `migrations/20261207001000_usage.sql`; the rollups keyed by the
//! organization's integer key and with each day's latest final call since
//! `20261207001200_usage_rollup_keys.sql`).
//!
//! Why rollups kept by deltas: a report over a million records must not read them. Every write
//! of records reads what it replaces (the old row, in the same transaction), so the change each
//! record makes to its day's counts and cost is known exactly; the changes of a page are summed
//! in memory and applied to `usage_daily` / `usage_daily_cost` once per (number, day[,
//! currency]) before the transaction commits. A pending record that comes back priced thus
//! moves from `pending` to its currency's cost, and a record read twice counts once. A day's
//! latest final call (`last_call_at`, what health shows as the time of the last record) only
//! grows by deltas; when a page takes a final call away from a day and adds none as late, that
//! day's calls are read again for it.
//!
//! Large pulls ([`Workspace::begin_large_pull`]): the unique record key is a named index
//! (`20261208000100_usage_record_key_index.sql`) that the rest of a large pull drops and builds
//! once at its end, all in one transaction; the pages are kept by the same `keep_rows`, which
//! then finds the records read again in memory instead of by the key.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::numbers::{org_key, org_range, row_key};
use super::usage_blocks::{self, Block, Days, block_of};
use super::{Workspace, from_micros, micros, parse_uuid};
use crate::domain::E164;
use crate::error::{Error, Result};
use crate::usage::{
    CallOutcome, CallRecord, DayCalls, DayRange, Direction, GroupBy, Kept, MessageRecord,
    NumberDayRows, NumberDays, Price, ROLLUP_SHORT_CALL_SECS, RecordKind, Totals, UsageAccount,
    UsageCounts, UsageCursor, UsageRow,
};

/// The Unix day number of 1970-01-01 in the Julian day count.
const UNIX_JULIAN_DAY: i32 = 2_440_588;
pub(super) const DAY_MICROS: i64 = 86_400_000_000;

/// The counts of `usage_daily` the reads sum, in [`counts_of`]'s order.
pub(super) const DAILY_FIGURES: &str =
    "calls, final_calls, answered, short_answered, failed, billed_secs,
   messages, segments, pending, not_reported";

/// How many counts [`DAILY_FIGURES`] names.
pub(super) const FIGURES: usize = 10;

/// The counts of summed [`DAILY_FIGURES`] (a sum below zero, which the CHECKs forbid, as zero).
fn counts_of(f: &[i64; FIGURES]) -> UsageCounts {
    let get = |i: usize| f[i].max(0) as u64;
    UsageCounts {
        calls: get(0),
        final_calls: get(1),
        answered: get(2),
        short_answered: get(3),
        failed: get(4),
        billed_secs: get(5),
        messages: get(6),
        segments: get(7),
        pending: get(8),
        not_reported: get(9),
    }
}

/// Adds the [`DAILY_FIGURES`] of a row, from its column `first` on, to `sums`.
fn add_figures(
    sums: &mut [i64; FIGURES],
    row: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<()> {
    for (i, sum) in sums.iter_mut().enumerate() {
        let v = row.get_ref(first + i)?.as_i64()?;
        *sum = sum
            .checked_add(v)
            .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(first + i, v))?;
    }
    Ok(())
}

/// The stored day (UTC days since 1970-01-01) of a date.
fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day() - UNIX_JULIAN_DAY)
}

/// The date of a stored day.
fn day_date(day: i64) -> rusqlite::Result<Date> {
    i32::try_from(day)
        .ok()
        .and_then(|d| Date::from_julian_day(d + UNIX_JULIAN_DAY).ok())
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Integer,
                format!("day {day} is out of range").into(),
            )
        })
}

/// The calls of a stored day from its rollup's final_calls, answered, short_answered and
/// failed (a count out of range is an error naming `column`).
fn day_calls(day: i64, counts: [i64; 4], column: usize) -> rusqlite::Result<DayCalls> {
    let calls = |i: usize| {
        u32::try_from(counts[i])
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(column, counts[i]))
    };
    Ok(DayCalls {
        day: day_date(day)?,
        calls: calls(0)?,
        answered: calls(1)?,
        short_answered: calls(2)?,
        failed: calls(3)?,
    })
}

fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

fn outcome_str(o: CallOutcome) -> &'static str {
    match o {
        CallOutcome::Answered => "answered",
        CallOutcome::Busy => "busy",
        CallOutcome::NoAnswer => "no_answer",
        CallOutcome::Failed => "failed",
        CallOutcome::Canceled => "canceled",
        CallOutcome::Unfinished => "unfinished",
    }
}

/// A price as its three columns: state, nanos, currency.
fn price_columns(p: &Price) -> (&'static str, Option<i64>, Option<&str>) {
    match p {
        Price::Charged { money } => ("charged", Some(money.nanos), Some(money.currency.as_str())),
        Price::Pending => ("pending", None, None),
        Price::NotBilled => ("not_billed", None, None),
        Price::NotReported => ("not_reported", None, None),
    }
}

/// What one record adds to its number's day in the rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Share {
    day: i64,
    calls: i64,
    final_calls: i64,
    answered: i64,
    short_answered: i64,
    failed: i64,
    billed_secs: i64,
    messages: i64,
    segments: i64,
    pending: i64,
    /// A call whose provider reports no cost (never a message).
    not_reported: i64,
    cost: Option<(String, i64)>,
    /// The start of the call when it is final (not unfinished): what the day's
    /// `last_call_at` is the latest of.
    final_at: Option<i64>,
}

impl Share {
    fn call(
        started_at: i64,
        outcome: &str,
        duration: i64,
        billed: i64,
        price: (&str, Option<i64>, Option<&str>),
    ) -> Share {
        let answered = outcome == "answered";
        Share {
            day: started_at.div_euclid(DAY_MICROS),
            calls: 1,
            final_calls: i64::from(outcome != "unfinished"),
            answered: i64::from(answered),
            short_answered: i64::from(answered && duration < i64::from(ROLLUP_SHORT_CALL_SECS)),
            failed: i64::from(outcome == "failed"),
            billed_secs: billed,
            pending: i64::from(price.0 == "pending"),
            not_reported: i64::from(price.0 == "not_reported"),
            cost: Self::cost(price),
            final_at: (outcome != "unfinished").then_some(started_at),
            ..Share::default()
        }
    }

    fn message(sent_at: i64, segments: i64, price: (&str, Option<i64>, Option<&str>)) -> Share {
        Share {
            day: sent_at.div_euclid(DAY_MICROS),
            messages: 1,
            segments,
            pending: i64::from(price.0 == "pending"),
            cost: Self::cost(price),
            ..Share::default()
        }
    }

    fn cost((_, nanos, currency): (&str, Option<i64>, Option<&str>)) -> Option<(String, i64)> {
        Some((currency?.to_owned(), nanos?))
    }
}

/// The change of one (number, day) of the rollups: the ten counts, the latest start of a
/// final call added and of one taken away.
#[derive(Default)]
struct DayDelta {
    figures: [i64; FIGURES],
    added_last: Option<i64>,
    removed_last: Option<i64>,
}

impl DayDelta {
    /// Whether the day's latest final call must be read again from the calls: one taken away
    /// may have been the latest, and no call added is as late.
    fn recount_last(&self) -> bool {
        self.removed_last > self.added_last
    }
}

/// The rollup changes of a page, summed per (number, day) and (number, day, currency).
#[derive(Default)]
struct Deltas {
    daily: HashMap<(String, i64), DayDelta>,
    cost: HashMap<(String, i64, String), (i64, bool)>,
}

impl Deltas {
    /// Adds (`sign` 1) or takes away (`sign` -1) a record's share of its number's day.
    fn apply(&mut self, number: &str, share: &Share, sign: i64) {
        let entry = self
            .daily
            .entry((number.to_owned(), share.day))
            .or_default();
        let figures = [
            share.calls,
            share.final_calls,
            share.answered,
            share.short_answered,
            share.failed,
            share.billed_secs,
            share.messages,
            share.segments,
            share.pending,
            share.not_reported,
        ];
        for (sum, v) in entry.figures.iter_mut().zip(figures) {
            *sum += sign * v;
        }
        let last = if sign > 0 {
            &mut entry.added_last
        } else {
            &mut entry.removed_last
        };
        *last = (*last).max(share.final_at);
        if let Some((currency, nanos)) = &share.cost {
            let cost = self
                .cost
                .entry((number.to_owned(), share.day, currency.clone()))
                .or_insert((0, false));
            cost.0 += sign * nanos;
            cost.1 |= sign < 0;
        }
    }

    /// Writes the summed changes into the rollups; removes the days left without records, and
    /// the costs a record was taken from that no charged record of that currency holds now.
    /// Each row written is returned by its statement and copied into its number's block of
    /// `usage_blocks` (see `usage_blocks.rs`).
    fn write(self, tx: &Connection, org: &str, org_key: i64) -> Result<()> {
        // The days written, as they now are, for the blocks.
        let mut written: BTreeMap<(&str, i64), DayWritten> = BTreeMap::new();
        // Update first, insert when missing: an insert's CHECKs see the change itself, which
        // is negative when a record leaves its day or stops being pending.
        let mut update = tx.prepare_cached(&format!(
            "UPDATE usage_daily SET
               calls = calls + ?4, final_calls = final_calls + ?5, answered = answered + ?6,
               short_answered = short_answered + ?7, failed = failed + ?8,
               billed_secs = billed_secs + ?9, messages = messages + ?10,
               segments = segments + ?11, pending = pending + ?12,
               not_reported = not_reported + ?13,
               last_call_at = CASE WHEN ?14 IS NULL OR last_call_at >= ?14 THEN last_call_at
                                   ELSE ?14 END
             WHERE org_key = ?1 AND phone_number = ?2 AND day = ?3
             RETURNING {DAILY_FIGURES}, last_call_at"
        ))?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO usage_daily (org_key, phone_number, day, calls, final_calls, answered,
               short_answered, failed, billed_secs, messages, segments, pending, not_reported,
               last_call_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        let mut emptied = Vec::new();
        let mut recount = Vec::new();
        for ((number, day), d) in &self.daily {
            let f = &d.figures;
            if f.iter().all(|v| *v == 0) && d.added_last.is_none() {
                continue;
            }
            let values = params![
                org_key,
                number,
                day,
                f[0],
                f[1],
                f[2],
                f[3],
                f[4],
                f[5],
                f[6],
                f[7],
                f[8],
                f[9],
                d.added_last
            ];
            let now = update
                .query_row(values, |r| {
                    let mut figures = [0i64; FIGURES];
                    for (i, v) in figures.iter_mut().enumerate() {
                        *v = r.get(i)?;
                    }
                    Ok((figures, r.get::<_, Option<i64>>(FIGURES)?))
                })
                .optional()?;
            let now = match now {
                Some(now) => now,
                None => {
                    insert.execute(values)?;
                    (*f, d.added_last)
                }
            };
            written.entry((number, *day)).or_default().row = DailyRow::Now(now.0, now.1);
            if f[0] < 0 || f[6] < 0 {
                emptied.push((number, day));
            }
            if d.recount_last() {
                recount.push((number, day));
            }
        }
        // A final call taken away that may have been the day's latest: read the day's calls
        // of the number again (rare: a call that moves to another day or number, or stops
        // being final).
        let mut last_again = tx.prepare_cached(
            "UPDATE usage_daily SET last_call_at = (
               SELECT max(started_at) FROM calls INDEXED BY idx_calls_org_started
               WHERE organization_id = ?4 AND started_at >= ?5 AND started_at < ?6
                 AND phone_number = ?2 AND outcome <> 'unfinished')
             WHERE org_key = ?1 AND phone_number = ?2 AND day = ?3
             RETURNING last_call_at",
        )?;
        for (number, day) in recount {
            let from = day * DAY_MICROS;
            let last: Option<Option<i64>> = last_again
                .query_row(
                    params![org_key, number, day, org, from, from + DAY_MICROS],
                    |r| r.get(0),
                )
                .optional()?;
            if let (Some(last), Some(DailyRow::Now(_, kept))) = (
                last,
                written
                    .get_mut(&(number.as_str(), *day))
                    .map(|w| &mut w.row),
            ) {
                *kept = last;
            }
        }
        let mut drop_empty = tx.prepare_cached(
            "DELETE FROM usage_daily WHERE org_key = ?1 AND phone_number = ?2 AND day = ?3
               AND calls = 0 AND messages = 0
             RETURNING day",
        )?;
        for (number, day) in emptied {
            let gone = (drop_empty.query_row(params![org_key, number, day], |_| Ok(())))
                .optional()?
                .is_some();
            if gone {
                written.entry((number, *day)).or_default().row = DailyRow::Removed;
            }
        }
        let mut update_cost = tx.prepare_cached(
            "UPDATE usage_daily_cost SET nanos = nanos + ?5
             WHERE org_key = ?1 AND phone_number = ?2 AND day = ?3 AND currency = ?4
             RETURNING nanos",
        )?;
        let mut insert_cost = tx.prepare_cached(
            "INSERT INTO usage_daily_cost (org_key, phone_number, day, currency, nanos)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut drop_cost = tx.prepare_cached(
            "DELETE FROM usage_daily_cost
             WHERE org_key = ?1 AND phone_number = ?2 AND day = ?3 AND currency = ?4
               AND NOT EXISTS (SELECT 1 FROM calls INDEXED BY idx_calls_org_started
                   WHERE organization_id = ?7 AND started_at >= ?5 AND started_at < ?6
                     AND phone_number = ?2 AND currency = ?4)
               AND NOT EXISTS (SELECT 1 FROM messages INDEXED BY idx_messages_org_sent
                   WHERE organization_id = ?7 AND sent_at >= ?5 AND sent_at < ?6
                     AND phone_number = ?2 AND currency = ?4)
             RETURNING nanos",
        )?;
        for ((number, day, currency), (nanos, took)) in &self.cost {
            let values = params![org_key, number, day, currency, nanos];
            let mut now = update_cost.query_row(values, |r| r.get(0)).optional()?;
            if now.is_none() {
                insert_cost.execute(values)?;
                now = Some(*nanos);
            }
            if *took {
                let from = day * DAY_MICROS;
                let gone = drop_cost
                    .query_row(
                        params![org_key, number, day, currency, from, from + DAY_MICROS, org],
                        |_| Ok(()),
                    )
                    .optional()?;
                if gone.is_some() {
                    now = None;
                }
            }
            (written.entry((number, *day)).or_default().cost).push((currency, now));
        }
        // The blocks: each read once, its days written changed, written back.
        let mut days = written.into_iter().peekable();
        while let Some(((number, day), first)) = days.next() {
            let block = block_of(day);
            let mut kept = usage_blocks::read(tx, org_key, number, block)?;
            first.apply(&mut kept, day);
            while let Some(((_, day), w)) =
                days.next_if(|((n, d), _)| *n == number && block_of(*d) == block)
            {
                w.apply(&mut kept, day);
            }
            usage_blocks::write(tx, org_key, number, block, &kept)?;
        }
        Ok(())
    }
}

/// How a write left one (number, day) of the daily rollups.
#[derive(Default)]
struct DayWritten<'a> {
    /// Its `usage_daily` row.
    row: DailyRow,
    /// Its `usage_daily_cost` rows written: the nanos now, `None` when removed.
    cost: Vec<(&'a str, Option<i64>)>,
}

/// A `usage_daily` row after a write.
#[derive(Default)]
enum DailyRow {
    /// Not written (only its costs were).
    #[default]
    Unchanged,
    Removed,
    /// Its counts and latest final call now.
    Now([i64; FIGURES], Option<i64>),
}

impl DayWritten<'_> {
    /// Makes `day` of a block as the rollups now have it.
    fn apply(self, block: &mut Block, day: i64) {
        if let DailyRow::Removed = self.row {
            block.remove(&day);
            return;
        }
        let kept = block.entry(day).or_default();
        if let DailyRow::Now(figures, last) = self.row {
            kept.figures = figures;
            kept.last = last;
        }
        for (currency, nanos) in self.cost {
            kept.set_cost(currency, nanos);
        }
    }
}

/// The ids of an organization's numbers by E.164, looked up as a page needs them.
struct Numbers<'a> {
    tx: &'a Connection,
    org_key: i64,
    known: HashMap<String, Option<String>>,
}

impl<'a> Numbers<'a> {
    fn new(tx: &'a Connection, org_key: i64) -> Self {
        Numbers {
            tx,
            org_key,
            known: HashMap::new(),
        }
    }

    /// The id of the organization's number `n`, `None` when it has no such number.
    fn id(&mut self, n: &E164) -> Result<Option<String>> {
        if let Some(id) = self.known.get(n.as_str()) {
            return Ok(id.clone());
        }
        let id = number_id(self.tx, self.org_key, n.as_str())?;
        self.known.insert(n.as_str().to_owned(), id.clone());
        Ok(id)
    }
}

/// The id of the organization's number `number` (E.164) now, read by its row key; `None` when
/// it has no such number.
fn number_id(conn: &Connection, org_key: i64, number: &str) -> Result<Option<String>> {
    let key = row_key(org_key, number.trim_start_matches('+'))?;
    Ok(conn
        .prepare_cached("SELECT id FROM phone_numbers WHERE rowid = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// One kind of record, as the store writes it: its table, its own columns and its share of
/// the rollups.
trait Record {
    /// The kind of record.
    const KIND: RecordKind;
    /// The table.
    const TABLE: &'static str;
    /// The columns of this kind between the common ones (id, organization, number id, number,
    /// provider, account, record id) and the price's three and `pulled_at`.
    const OWN: &'static [&'static str];
    /// What [`Record::stored_share`] reads, from the third column of a row on.
    const SHARE_COLUMNS: &'static str;

    /// The record's provider id, number and price.
    fn common(&self) -> (&str, &E164, &Price);
    /// Its share of its number's day.
    fn share(&self) -> Share;
    /// The values of [`Record::OWN`].
    fn own_values(&self) -> Vec<Value>;
    /// The share of a kept row (its columns from the third on are [`Record::SHARE_COLUMNS`]).
    fn stored_share(row: &rusqlite::Row<'_>) -> rusqlite::Result<Share>;
}

/// A kind's statements, by what they do.
struct Statements {
    /// Insert unless kept (`?1`… every column).
    insert: String,
    /// The same insert without the unique key's check (a large pull: the key's index is
    /// dropped, the pull finds records read again itself).
    insert_new: String,
    /// The rowid of the kept row by its unique key (`?1`…`?4`), read from the key's index.
    select: String,
    /// The kept row by rowid (`?1`): rowid, number, then the share's columns.
    select_row: String,
    /// The provider id of a row (`?1` rowid).
    record_id: String,
    /// Overwrites a row: `?1` rowid, then the own columns, the price's, `pulled_at`, the
    /// number id and the number.
    update: String,
}

fn statements<R: Record>() -> Statements {
    let table = R::TABLE;
    let written: Vec<&str> = R::OWN
        .iter()
        .copied()
        .chain(["price_state", "price_nanos", "currency", "pulled_at"])
        .collect();
    let places = |from: usize, n: usize| -> Vec<String> {
        (from..from + n).map(|i| format!("?{i}")).collect()
    };
    let insert_new = format!(
        "INSERT INTO {table} (id, organization_id, phone_number_id, phone_number, provider,
           account_id, provider_record_id, {})
         VALUES ({})",
        written.join(", "),
        places(1, 7 + written.len()).join(", ")
    );
    let insert = format!(
        "{insert_new}
         ON CONFLICT (organization_id, provider, account_id, provider_record_id) DO NOTHING"
    );
    let select_row = format!(
        "SELECT rowid, phone_number, {} FROM {table} WHERE rowid = ?1",
        R::SHARE_COLUMNS
    );
    let select = format!(
        "SELECT rowid FROM {table}
         WHERE organization_id = ?1 AND provider = ?2 AND account_id = ?3
           AND provider_record_id = ?4"
    );
    let sets: Vec<String> = written
        .iter()
        .chain(&["phone_number_id", "phone_number"])
        .zip(places(2, written.len() + 2))
        .map(|(c, p)| format!("{c} = {p}"))
        .collect();
    let update = format!("UPDATE {table} SET {} WHERE rowid = ?1", sets.join(", "));
    Statements {
        insert,
        insert_new,
        select,
        select_row,
        record_id: format!("SELECT provider_record_id FROM {table} WHERE rowid = ?1"),
        update,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn int(v: i64) -> Value {
    Value::Integer(v)
}

fn price_values(p: &Price) -> [Value; 3] {
    let (state, nanos, currency) = price_columns(p);
    [
        text(state),
        nanos.map_or(Value::Null, int),
        currency.map_or(Value::Null, text),
    ]
}

fn stored_price(
    row: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<(String, Option<i64>, Option<String>)> {
    Ok((row.get(first)?, row.get(first + 1)?, row.get(first + 2)?))
}

impl Record for CallRecord {
    const KIND: RecordKind = RecordKind::Calls;
    const TABLE: &'static str = "calls";
    const OWN: &'static [&'static str] = &[
        "direction",
        "counterpart",
        "outcome",
        "started_at",
        "duration_secs",
        "billed_secs",
    ];
    const SHARE_COLUMNS: &'static str =
        "outcome, started_at, duration_secs, billed_secs, price_state, price_nanos, currency";

    fn common(&self) -> (&str, &E164, &Price) {
        (&self.provider_id, &self.number, &self.price)
    }
    fn share(&self) -> Share {
        Share::call(
            micros(self.started_at),
            outcome_str(self.outcome),
            i64::from(self.duration_secs),
            i64::from(self.billed_secs),
            price_columns(&self.price),
        )
    }
    fn own_values(&self) -> Vec<Value> {
        vec![
            text(direction_str(self.direction)),
            text(&self.counterpart),
            text(outcome_str(self.outcome)),
            int(micros(self.started_at)),
            int(i64::from(self.duration_secs)),
            int(i64::from(self.billed_secs)),
        ]
    }
    fn stored_share(row: &rusqlite::Row<'_>) -> rusqlite::Result<Share> {
        let outcome: String = row.get(2)?;
        let (state, nanos, currency) = stored_price(row, 6)?;
        Ok(Share::call(
            row.get(3)?,
            &outcome,
            row.get(4)?,
            row.get(5)?,
            (&state, nanos, currency.as_deref()),
        ))
    }
}

impl Record for MessageRecord {
    const KIND: RecordKind = RecordKind::Messages;
    const TABLE: &'static str = "messages";
    const OWN: &'static [&'static str] =
        &["direction", "counterpart", "status", "sent_at", "segments"];
    const SHARE_COLUMNS: &'static str = "sent_at, segments, price_state, price_nanos, currency";

    fn common(&self) -> (&str, &E164, &Price) {
        (&self.provider_id, &self.number, &self.price)
    }
    fn share(&self) -> Share {
        Share::message(
            micros(self.sent_at),
            i64::from(self.segments),
            price_columns(&self.price),
        )
    }
    fn own_values(&self) -> Vec<Value> {
        vec![
            text(direction_str(self.direction)),
            text(&self.counterpart),
            text(&self.status),
            int(micros(self.sent_at)),
            int(i64::from(self.segments)),
        ]
    }
    fn stored_share(row: &rusqlite::Row<'_>) -> rusqlite::Result<Share> {
        let (state, nanos, currency) = stored_price(row, 4)?;
        Ok(Share::message(
            row.get(2)?,
            row.get(3)?,
            (&state, nanos, currency.as_deref()),
        ))
    }
}

/// The large part of a pull under way on a connection (see [`Workspace::begin_large_pull`]):
/// its account and kind, and the row of every record of theirs kept, found by its provider id.
#[derive(Debug)]
pub(super) struct LargePull {
    account: UsageAccount,
    kind: RecordKind,
    /// The definition of the unique record key dropped, as `sqlite_schema` kept it (the
    /// migration `20261208000100_usage_record_key_index.sql`'s): what the end builds again.
    key_index: String,
    /// The rowid of each kept record by a hash of its provider id instead of the id itself: a
    /// million records take about 36 MB (the map's 16 bytes an entry, its spare capacity and
    /// control bytes), about 53 MB at its peak while it grows; the ids would take about 100 MB
    /// more. A hit is checked against the row's id.
    rows: HashMap<u64, i64>,
    /// The rowids of the kept records whose hash an earlier record's id has.
    clashes: HashMap<String, i64>,
    hasher: RandomState,
}

impl LargePull {
    fn new(account: UsageAccount, kind: RecordKind, key_index: String) -> Self {
        LargePull {
            account,
            kind,
            key_index,
            rows: HashMap::new(),
            clashes: HashMap::new(),
            hasher: RandomState::new(),
        }
    }

    /// The rowid of the kept record `id`; `id_of` reads the provider id of a row.
    fn find(
        &self,
        id: &str,
        id_of: impl FnOnce(i64) -> Result<Option<String>>,
    ) -> Result<Option<i64>> {
        if let Some(rowid) = self.clashes.get(id) {
            return Ok(Some(*rowid));
        }
        let Some(&rowid) = self.rows.get(&self.hasher.hash_one(id)) else {
            return Ok(None);
        };
        Ok((id_of(rowid)?.as_deref() == Some(id)).then_some(rowid))
    }

    /// Remembers the row of the record `id`, which no kept record has; `id_of` reads the
    /// provider id of the row that has the same hash, if any.
    fn remember(
        &mut self,
        id: &str,
        rowid: i64,
        id_of: impl FnOnce(i64) -> Result<Option<String>>,
    ) -> Result<()> {
        use std::collections::hash_map::Entry;
        match self.rows.entry(self.hasher.hash_one(id)) {
            Entry::Vacant(v) => {
                v.insert(rowid);
            }
            Entry::Occupied(o) => {
                if id_of(*o.get())?.as_deref() != Some(id) {
                    self.clashes.insert(id.to_owned(), rowid);
                }
            }
        }
        Ok(())
    }
}

/// Keeps a page of `account`'s records with the rollups they change, on `tx` (a transaction
/// of its own, or a large pull's, whose record ids `large` finds).
fn keep_rows<R: Record>(
    tx: &Connection,
    account: &UsageAccount,
    records: &[R],
    pulled_at: OffsetDateTime,
    mut large: Option<&mut LargePull>,
) -> Result<Kept> {
    let org = account.organization_id.to_string();
    let provider = account.provider.as_str();
    let pulled_at = micros(pulled_at);
    let sql = statements::<R>();
    let key = org_key(tx, &account.organization_id)?.0;
    let mut numbers = Numbers::new(tx, key);
    let mut insert = tx.prepare_cached(if large.is_some() {
        &sql.insert_new
    } else {
        &sql.insert
    })?;
    let mut select = tx.prepare_cached(&sql.select)?;
    let mut select_row = tx.prepare_cached(&sql.select_row)?;
    let mut update = tx.prepare_cached(&sql.update)?;
    let id_of = |rowid: i64| -> Result<Option<String>> {
        Ok(tx
            .prepare_cached(&sql.record_id)?
            .query_row([rowid], |r| r.get(0))
            .optional()?)
    };
    let mut kept = Kept::default();
    let mut deltas = Deltas::default();
    for record in records {
        let (provider_id, number, price) = record.common();
        let Some(number_id) = numbers.id(number)? else {
            kept.not_ours += 1;
            continue;
        };
        let number = number.as_str();
        let pending = matches!(price, Price::Pending);
        let mut own = record.own_values();
        own.extend(price_values(price));
        own.push(int(pulled_at));
        let share = record.share();
        kept.pending += u64::from(pending);
        // The row this record was kept in before, if any: found in memory by a large pull,
        // else by the unique key when the insert is refused.
        let before = match large.as_deref() {
            Some(large) => large.find(provider_id, id_of)?,
            None => None,
        };
        let rowid = match before {
            Some(rowid) => Some(rowid),
            None => {
                let mut values = vec![
                    text(&Uuid::now_v7().to_string()),
                    text(&org),
                    text(&number_id),
                    text(number),
                    text(provider),
                    text(&account.account_id),
                    text(provider_id),
                ];
                values.extend(own.iter().cloned());
                if insert.execute(rusqlite::params_from_iter(&values))? == 1 {
                    if let Some(large) = large.as_deref_mut() {
                        large.remember(provider_id, tx.last_insert_rowid(), id_of)?;
                    }
                    None
                } else {
                    let key = params![org, provider, account.account_id, provider_id];
                    Some(select.query_row(key, |r| r.get::<_, i64>(0))?)
                }
            }
        };
        match rowid {
            None => kept.added += 1,
            Some(rowid) => {
                let (old_number, old) = select_row.query_row([rowid], |r| {
                    Ok((r.get::<_, String>(1)?, R::stored_share(r)?))
                })?;
                let mut values = vec![int(rowid)];
                values.extend(own);
                values.push(text(&number_id));
                values.push(text(number));
                update.execute(rusqlite::params_from_iter(&values))?;
                if old.pending == 1 && !pending {
                    kept.completed += 1;
                } else {
                    kept.unchanged += 1;
                }
                if old == share && old_number == number {
                    continue;
                }
                deltas.apply(&old_number, &old, -1);
            }
        }
        deltas.apply(number, &share, 1);
    }
    drop((insert, select, select_row, update));
    deltas.write(tx, &org, key)?;
    Ok(kept)
}

/// The time column of a kind's table.
fn time_column(kind: RecordKind) -> (&'static str, &'static str) {
    match kind {
        RecordKind::Calls => ("calls", "started_at"),
        RecordKind::Messages => ("messages", "sent_at"),
    }
}

impl Workspace {
    /// Where the next pull of `account`'s records of `kind` starts; `None` before its first.
    pub fn usage_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<UsageCursor>> {
        let row: Option<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT since, pulled_at FROM usage_cursors
                 WHERE organization_id = ?1 AND provider = ?2 AND account_id = ?3 AND kind = ?4",
            )?
            .query_row(
                params![
                    account.organization_id.to_string(),
                    account.provider.as_str(),
                    account.account_id,
                    kind.as_str()
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(since, pulled_at)| {
            Ok(UsageCursor {
                since: from_micros(since)?,
                pulled_at: from_micros(pulled_at)?,
            })
        })
        .transpose()
    }

    /// Sets the cursor of `account`'s records of `kind`.
    pub fn set_usage_cursor(
        &mut self,
        account: &UsageAccount,
        kind: RecordKind,
        cursor: UsageCursor,
    ) -> Result<()> {
        self.write(|tx| {
            org_key(tx, &account.organization_id)?;
            tx.execute(
                "INSERT INTO usage_cursors (organization_id, provider, account_id, kind, since,
                   pulled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (organization_id, provider, account_id, kind) DO UPDATE SET
                   since = excluded.since, pulled_at = excluded.pulled_at",
                params![
                    account.organization_id.to_string(),
                    account.provider.as_str(),
                    account.account_id,
                    kind.as_str(),
                    micros(cursor.since),
                    micros(cursor.pulled_at)
                ],
            )?;
            Ok(())
        })
    }

    /// Keeps a page of `account`'s call records with the rollups they change, in one
    /// transaction (see `ops::usage::UsageStore::keep_calls`).
    pub fn keep_calls(
        &mut self,
        account: &UsageAccount,
        records: &[CallRecord],
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        self.keep(account, records, pulled_at)
    }

    /// Keeps a page of `account`'s message records, as [`Workspace::keep_calls`] keeps calls.
    pub fn keep_messages(
        &mut self,
        account: &UsageAccount,
        records: &[MessageRecord],
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        self.keep(account, records, pulled_at)
    }

    fn keep<R: Record>(
        &mut self,
        account: &UsageAccount,
        records: &[R],
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let Some(mut large) = self.large.take() else {
            return self.write(|tx| keep_rows(tx, account, records, pulled_at, None));
        };
        if large.account != *account || large.kind != R::KIND {
            let refused = Error::NotAllowed(format!(
                "a large pull of {} {}'s {} is under way on this connection; {} of {} {} \
                 are kept after it ends",
                large.account.provider,
                large.account.account_id,
                large.kind.as_str(),
                R::KIND.as_str(),
                account.provider,
                account.account_id
            ));
            self.large = Some(large);
            return Err(refused);
        }
        match keep_rows(&self.conn, account, records, pulled_at, Some(&mut large)) {
            Ok(kept) => {
                self.large = Some(large);
                Ok(kept)
            }
            Err(e) => {
                // The whole large part of the pull is undone: the cursor has not moved, the
                // next pull reads it again.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Starts the large part of a pull of `account`'s records of `kind` on this connection:
    /// one IMMEDIATE transaction, held until [`Workspace::finish_large_pull`], in which the
    /// kind's unique record key (`idx_calls_record` / `idx_messages_record`) is dropped and
    /// [`Workspace::keep_calls`] / [`Workspace::keep_messages`] of that account and kind
    /// insert without it, finding the records read again (on two pages when the provider's
    /// paging shifts, or kept before) in memory: the account's kept record ids are read first.
    /// Every other rule of a keep is the same (a record read again overwrites the kept one
    /// and moves the rollups). The index is built once, sorted, at the end. Nothing of the
    /// large part is visible to other connections before it is committed, and all of it is
    /// undone if the program stops or the pull fails, or is cancelled or dropped (its
    /// connection closed: SQLite rolls the transaction back): the index is never found missing.
    /// Other writes of the file wait (as for an import) meanwhile; on this connection they are
    /// refused. An organization that does not exist is `Error::NotFound`.
    pub fn begin_large_pull(&mut self, account: &UsageAccount, kind: RecordKind) -> Result<()> {
        if self.large.is_some() {
            return Err(Error::NotAllowed(
                "a large pull is already under way on this connection".into(),
            ));
        }
        let table = time_column(kind).0;
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| super::storage_error(e, &self.path))?;
        let begun = (|| -> Result<LargePull> {
            org_key(&self.conn, &account.organization_id)?;
            let key_index = self.conn.query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [format!("idx_{table}_record")],
                |r| r.get(0),
            )?;
            let mut large = LargePull::new(account.clone(), kind, key_index);
            let mut stmt = self.conn.prepare(&format!(
                "SELECT provider_record_id, rowid FROM {table} INDEXED BY idx_{table}_record
                 WHERE organization_id = ?1 AND provider = ?2 AND account_id = ?3"
            ))?;
            let mut rows = stmt.query(params![
                account.organization_id.to_string(),
                account.provider.as_str(),
                account.account_id
            ])?;
            while let Some(r) = rows.next()? {
                let id = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
                // Ids are unique here: a clash of hashes is between two ids.
                large.remember(id, r.get(1)?, |_| Ok(None))?;
            }
            drop(rows);
            drop(stmt);
            self.conn
                .execute_batch(&format!("DROP INDEX idx_{table}_record"))?;
            Ok(large)
        })();
        match begun {
            Ok(large) => {
                self.large = Some(large);
                Ok(())
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Ends the large pull begun by [`Workspace::begin_large_pull`]: builds the unique record
    /// key again (sorted, with a helper thread) and commits. Nothing to do when none is under
    /// way. On an error all of the large part is undone.
    pub fn finish_large_pull(&mut self) -> Result<()> {
        let Some(mut large) = self.large.take() else {
            return Ok(());
        };
        // The records' map is let go before the key is built.
        let key_index = std::mem::take(&mut large.key_index);
        drop(large);
        let done = self
            .conn
            .execute_batch(&format!(
                "PRAGMA threads = 1;
                 {key_index};
                 PRAGMA threads = 0;
                 COMMIT;"
            ))
            .map_err(|e| super::storage_error(e, &self.path));
        if done.is_err() {
            let _ = self.conn.execute_batch("PRAGMA threads = 0; ROLLBACK");
        }
        done
    }

    /// About how many rows the table of `kind` holds, every organization's: what the end of a
    /// large pull builds the unique record key over. Read as the largest rowid (one step down
    /// the table's B-tree, not a count): rows removed since are still counted, and none is
    /// ever counted short.
    pub fn usage_rows(&self, kind: RecordKind) -> Result<u64> {
        let table = time_column(kind).0;
        let rows: i64 = self
            .conn
            .prepare_cached(&format!("SELECT coalesce(max(rowid), 0) FROM {table}"))?
            .query_row([], |r| r.get(0))?;
        Ok(rows.max(0).unsigned_abs())
    }

    /// When the oldest of `account`'s records of `kind` still priced pending started or was
    /// sent; `None` when none is.
    pub fn oldest_pending(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<OffsetDateTime>> {
        let (table, at) = time_column(kind);
        let t: Option<i64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT min({at}) FROM {table} INDEXED BY idx_{table}_pending
                 WHERE organization_id = ?1 AND provider = ?2 AND account_id = ?3
                   AND price_state = 'pending'"
            ))?
            .query_row(
                params![
                    account.organization_id.to_string(),
                    account.provider.as_str(),
                    account.account_id
                ],
                |r| r.get(0),
            )?;
        Ok(t.map(from_micros).transpose()?)
    }

    /// The organization's usage over `range`, grouped `by` (see
    /// `ops::usage::UsageStore::usage_totals`). The rollups are grouped by number or by day in
    /// SQL; agents and providers are then the numbers' groups summed by the number's current
    /// agent or provider.
    pub fn usage_totals(
        &self,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
    ) -> Result<Vec<UsageRow>> {
        let (org_key, _) = org_key(&self.conn, &organization_id)?;
        let rows = self.grouped(org_key, range, by, None)?;
        if by == GroupBy::Day {
            return Ok(rows.into_values().collect());
        }
        if by == GroupBy::Number {
            let ids = self.number_ids(org_key)?;
            return Ok(rows
                .into_values()
                .map(|mut row| {
                    row.id = ids.get(&row.key).copied();
                    row
                })
                .collect());
        }
        let numbers = self.numbers_of(org_key)?;
        let mut groups: BTreeMap<String, UsageRow> = BTreeMap::new();
        for row in rows.into_values() {
            let number = numbers.get(&row.key);
            let (key, id) = match (by, number) {
                (GroupBy::Agent, Some(n)) => (n.agent.clone().unwrap_or_default(), n.agent_id),
                (GroupBy::Provider, Some(n)) => (n.provider.clone(), None),
                _ => (String::new(), None),
            };
            let group = groups.entry(key.clone()).or_insert_with(|| UsageRow {
                key,
                id,
                counts: UsageCounts::default(),
                cost: Totals::default(),
            });
            group.counts.add(&row.counts);
            for money in row.cost.iter() {
                group.cost.add(&money);
            }
        }
        Ok(groups.into_values().collect())
    }

    /// The organization's rollups over `range` (only `number`'s, when given), grouped `by`
    /// number or day (agents and providers: by number), keyed by the group's key; ids not set.
    /// The rows are read in the rollups' key order and summed here: SQL's `sum()` costs more
    /// than the reading, and grouping the costs by number and currency would sort them.
    fn grouped(
        &self,
        org_key: i64,
        range: DayRange,
        by: GroupBy,
        number: Option<&E164>,
    ) -> Result<BTreeMap<String, UsageRow>> {
        let (from, to) = (day_number(range.from()), day_number(range.to()));
        let mut args = vec![int(org_key), int(from), int(to)];
        let only = match number {
            Some(n) => {
                args.push(text(n.as_str()));
                "AND phone_number = ?4"
            }
            None => "",
        };
        let group = match by {
            GroupBy::Day => "day",
            _ => "phone_number",
        };
        let mut counts = Runs::<[i64; FIGURES]>::new(by);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {group}, {DAILY_FIGURES} FROM usage_daily
             WHERE org_key = ?1 AND day BETWEEN ?2 AND ?3 {only}"
        ))?;
        let mut found = stmt.query(rusqlite::params_from_iter(&args))?;
        while let Some(r) = found.next()? {
            add_figures(counts.of(r.get_ref(0)?)?, r, 1)?;
        }
        let mut rows: BTreeMap<String, UsageRow> = BTreeMap::new();
        for (key, f) in counts.finish()? {
            let key = key.into_string()?;
            rows.insert(
                key.clone(),
                UsageRow {
                    key,
                    id: None,
                    counts: counts_of(&f),
                    cost: Totals::default(),
                },
            );
        }
        let mut costs = Runs::<Vec<(String, i64)>>::new(by);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {group}, currency, nanos FROM usage_daily_cost
             WHERE org_key = ?1 AND day BETWEEN ?2 AND ?3 {only}"
        ))?;
        let mut found = stmt.query(rusqlite::params_from_iter(&args))?;
        while let Some(r) = found.next()? {
            let sums = costs.of(r.get_ref(0)?)?;
            let currency = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            sums.add(currency, r.get(2)?)?;
        }
        for (key, sums) in costs.finish()? {
            close_cost(rows.get_mut(&key.into_string()?).map(|row| (row, sums)));
        }
        Ok(rows)
    }

    /// [`Workspace::usage_totals`] by number over `range` and [`Workspace::daily_calls`] over
    /// `window`, read in one pass over the rollups packed in 32-day blocks (`usage_blocks`;
    /// see `ops::usage::UsageStore::usage_by_number_with_days`): a report by number with each
    /// number's health. The blocks come in key order (number, then block, each block's days
    /// oldest first), so each number is summed as its blocks go by: about two rows per number
    /// for a month, instead of a row per number and day and another per currency.
    pub fn usage_by_number_with_days(
        &self,
        organization_id: Uuid,
        range: DayRange,
        window: DayRange,
    ) -> Result<(Vec<UsageRow>, Vec<NumberDays>)> {
        let (org_key, _) = org_key(&self.conn, &organization_id)?;
        let (from, to) = (day_number(range.from()), day_number(range.to()));
        let (window_from, window_to) = (day_number(window.from()), day_number(window.to()));
        let mut stmt = self.conn.prepare_cached(
            "SELECT phone_number, block, days FROM usage_blocks
             WHERE org_key = ?1 AND block BETWEEN ?2 AND ?3
             ORDER BY phone_number, block",
        )?;
        let first = block_of(from.min(window_from));
        let last = block_of(to.max(window_to));
        let mut found = stmt.query(params![org_key, first, last])?;
        let mut rows: Vec<UsageRow> = Vec::new();
        let mut numbers: Vec<NumberDays> = Vec::new();
        // The number whose blocks are being read: its sums in the range, whether it has a day
        // there, its days with final calls in the window and their latest call.
        let mut number = OneNumber::default();
        while let Some(r) = found.next()? {
            let key = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            if number.key != key {
                number.close(&mut rows, &mut numbers)?;
                number.key = key.to_owned();
            }
            let mut days = Days::new(
                r.get(1)?,
                r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?,
                2,
            );
            while let Some(d) = days.next_day()? {
                if (from..=to).contains(&d.day) {
                    number.sums.merge(d.figures)?;
                    number.in_range = true;
                    for &(currency, nanos) in days.costs() {
                        number.cost.add(currency, nanos)?;
                    }
                }
                // final_calls is the second figure, then answered, short_answered, failed.
                if (window_from..=window_to).contains(&d.day) && d.figures[1] > 0 {
                    let [_, calls, answered, short, failed, ..] = d.figures;
                    number
                        .days
                        .push(day_calls(d.day, [calls, answered, short, failed], 2)?);
                    number.last = number.last.max(d.last);
                }
            }
        }
        number.close(&mut rows, &mut numbers)?;

        let ids = self.number_ids(org_key)?;
        for row in &mut rows {
            row.id = ids.get(&row.key).copied();
        }
        for n in &mut numbers {
            n.number_id = ids.get(n.phone_number.as_str()).copied();
        }
        Ok((rows, numbers))
    }

    /// One number's usage over `range`, per day (see `ops::usage::UsageStore::number_days`).
    /// An organization that does not exist is `Error::NotFound`.
    pub fn number_days(
        &self,
        organization_id: Uuid,
        number: &E164,
        range: DayRange,
    ) -> Result<NumberDayRows> {
        let (org_key, _) = org_key(&self.conn, &organization_id)?;
        let days = self.grouped(org_key, range, GroupBy::Day, Some(number))?;
        let (from, to) = (day_number(range.from()), day_number(range.to()));
        let last: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT max(last_call_at) FROM usage_daily
                 WHERE org_key = ?1 AND phone_number = ?2 AND day BETWEEN ?3 AND ?4",
            )?
            .query_row(params![org_key, number.as_str(), from, to], |r| r.get(0))?;
        let number_id = number_id(&self.conn, org_key, number.as_str())?;
        Ok(NumberDayRows {
            number_id: number_id.as_deref().map(parse_uuid).transpose()?,
            days: days.into_values().collect(),
            last_call_at: last.map(from_micros).transpose()?,
        })
    }

    /// The ids of the organization's numbers now, by E.164.
    fn number_ids(&self, org_key: i64) -> Result<HashMap<String, Uuid>> {
        let (lo, hi) = org_range(org_key);
        let mut stmt = self.conn.prepare_cached(
            "SELECT phone_number, id FROM phone_numbers WHERE rowid BETWEEN ?1 AND ?2",
        )?;
        let ids = stmt.query_map([lo, hi], |r| {
            Ok((r.get::<_, String>(0)?, parse_uuid(r.get_ref(1)?.as_str()?)?))
        })?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// The organization's numbers now, by E.164: provider and agent.
    fn numbers_of(&self, org_key: i64) -> Result<HashMap<String, NumberOf>> {
        let (lo, hi) = org_range(org_key);
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.phone_number, p.provider, p.agent_id, a.name FROM phone_numbers p
             LEFT JOIN agents a ON a.id = p.agent_id
             WHERE p.rowid BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt.query_map([lo, hi], |r| {
            let agent_id: Option<String> = r.get(2)?;
            Ok((
                r.get::<_, String>(0)?,
                NumberOf {
                    provider: r.get(1)?,
                    agent_id: agent_id.as_deref().map(parse_uuid).transpose()?,
                    agent: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every number's daily call rollups in `range` with final calls, in E.164 order, each with
    /// the start of its latest final call in the range (see
    /// `ops::usage::UsageStore::daily_calls`).
    pub fn daily_calls(&self, organization_id: Uuid, range: DayRange) -> Result<Vec<NumberDays>> {
        self.daily_calls_of(organization_id, range, None)
    }

    /// [`Workspace::daily_calls`], of only the numbers `only` names when it is given (read by
    /// the rollups' primary key, number by number: a page of the table costs its rows).
    pub fn daily_calls_of(
        &self,
        organization_id: Uuid,
        range: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>> {
        let (org_key, _) = org_key(&self.conn, &organization_id)?;
        let (from, to) = (day_number(range.from()), day_number(range.to()));
        let numbers = match only {
            Some(only) => {
                let list: Vec<&str> = only.iter().map(E164::as_str).collect();
                Value::Text(serde_json::to_string(&list).unwrap_or_default())
            }
            None => Value::Null,
        };
        let mut stmt = self.conn.prepare_cached(if only.is_some() {
            "SELECT phone_number, day, final_calls, answered, short_answered, failed,
               last_call_at
             FROM usage_daily
             WHERE org_key = ?1 AND phone_number IN (SELECT value FROM json_each(?4))
               AND day BETWEEN ?2 AND ?3 AND final_calls > 0
             ORDER BY phone_number, day"
        } else {
            "SELECT phone_number, day, final_calls, answered, short_answered, failed,
               last_call_at
             FROM usage_daily
             WHERE org_key = ?1 AND day BETWEEN ?2 AND ?3 AND final_calls > 0
               AND ?4 IS NULL
             ORDER BY phone_number, day"
        })?;
        let mut found = stmt.query(params![org_key, from, to, numbers])?;
        let mut out: Vec<(NumberDays, Option<i64>)> = Vec::new();
        while let Some(r) = found.next()? {
            let number: String = r.get(0)?;
            let day = day_calls(r.get(1)?, [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?], 2)?;
            let last: Option<i64> = r.get(6)?;
            if out
                .last()
                .is_none_or(|(n, _)| n.phone_number.as_str() != number)
            {
                out.push((
                    NumberDays {
                        phone_number: E164::from_stored(number),
                        number_id: None,
                        days: Vec::new(),
                        last_call_at: None,
                    },
                    None,
                ));
            }
            if let Some((n, latest)) = out.last_mut() {
                n.days.push(day);
                *latest = (*latest).max(last);
            }
        }
        let now: HashMap<String, Uuid> = match only {
            // A few numbers: each by its row key.
            Some(_) => {
                let mut ids = HashMap::new();
                for (n, _) in &out {
                    let number = n.phone_number.as_str();
                    if let Some(id) = number_id(&self.conn, org_key, number)? {
                        ids.insert(number.to_owned(), parse_uuid(&id)?);
                    }
                }
                ids
            }
            None => self.number_ids(org_key)?,
        };
        let mut numbers = Vec::with_capacity(out.len());
        for (mut n, last) in out {
            n.number_id = now.get(n.phone_number.as_str()).copied();
            n.last_call_at = last.map(from_micros).transpose()?;
            numbers.push(n);
        }
        Ok(numbers)
    }
}

/// The key of a group of rollup rows: a stored day, or a number.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum GroupKey {
    Day(i64),
    Number(String),
}

impl GroupKey {
    /// The key of a row whose group column is `v`.
    fn of(by: GroupBy, v: ValueRef<'_>) -> rusqlite::Result<GroupKey> {
        Ok(match by {
            GroupBy::Day => GroupKey::Day(v.as_i64()?),
            _ => GroupKey::Number(v.as_str()?.to_owned()),
        })
    }

    /// Whether a row whose group column is `v` is of this group.
    fn is(&self, v: ValueRef<'_>) -> bool {
        match (self, v) {
            (GroupKey::Day(d), ValueRef::Integer(i)) => *d == i,
            (GroupKey::Number(n), ValueRef::Text(t)) => n.as_bytes() == t,
            _ => false,
        }
    }

    /// The group's key in a report: the number, or the day's date.
    fn into_string(self) -> rusqlite::Result<String> {
        Ok(match self {
            GroupKey::Day(d) => day_date(d)?.to_string(),
            GroupKey::Number(n) => n,
        })
    }
}

/// What a group of rollup rows sums: the ten counts, or the cost per currency.
trait Sums: Default {
    /// Adds `other`'s sums to these.
    fn merge(&mut self, other: Self) -> rusqlite::Result<()>;
}

impl Sums for [i64; FIGURES] {
    fn merge(&mut self, other: Self) -> rusqlite::Result<()> {
        for (i, (sum, v)) in self.iter_mut().zip(other).enumerate() {
            *sum = sum
                .checked_add(v)
                .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(i, v))?;
        }
        Ok(())
    }
}

impl Sums for Vec<(String, i64)> {
    fn merge(&mut self, other: Self) -> rusqlite::Result<()> {
        for (currency, nanos) in other {
            self.add(&currency, nanos)?;
        }
        Ok(())
    }
}

/// Adding to the sums of each currency.
trait CurrencySums {
    fn add(&mut self, currency: &str, nanos: i64) -> rusqlite::Result<()>;
}

impl CurrencySums for Vec<(String, i64)> {
    fn add(&mut self, currency: &str, nanos: i64) -> rusqlite::Result<()> {
        match self.iter_mut().find(|(c, _)| c == currency) {
            Some((_, sum)) => {
                *sum = sum
                    .checked_add(nanos)
                    .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(2, nanos))?;
            }
            None => self.push((currency.to_owned(), nanos)),
        }
        Ok(())
    }
}

/// Rollup rows summed per group as they are read: a run of rows of one group (a number's days,
/// in key order) is summed in place, then merged into its group's sums.
struct Runs<S> {
    by: GroupBy,
    groups: BTreeMap<GroupKey, S>,
    run: Option<(GroupKey, S)>,
}

impl<S: Sums> Runs<S> {
    fn new(by: GroupBy) -> Self {
        Runs {
            by,
            groups: BTreeMap::new(),
            run: None,
        }
    }

    /// The sums of the group of a row whose group column is `key`.
    fn of(&mut self, key: ValueRef<'_>) -> rusqlite::Result<&mut S> {
        let run = match self.run.take() {
            Some((k, sums)) if k.is(key) => (k, sums),
            ended => {
                self.close(ended)?;
                (GroupKey::of(self.by, key)?, S::default())
            }
        };
        Ok(&mut self.run.insert(run).1)
    }

    fn close(&mut self, run: Option<(GroupKey, S)>) -> rusqlite::Result<()> {
        if let Some((key, sums)) = run {
            self.groups.entry(key).or_default().merge(sums)?;
        }
        Ok(())
    }

    /// Every group's sums, by key.
    fn finish(mut self) -> rusqlite::Result<BTreeMap<GroupKey, S>> {
        let run = self.run.take();
        self.close(run)?;
        Ok(self.groups)
    }
}

/// One number's rollup rows as [`Workspace::usage_by_number_with_days`] reads them.
#[derive(Default)]
struct OneNumber {
    key: String,
    sums: [i64; FIGURES],
    /// Its cost in the range, per currency.
    cost: Vec<(String, i64)>,
    in_range: bool,
    days: Vec<DayCalls>,
    last: Option<i64>,
}

impl OneNumber {
    /// Ends the number's rows: its usage row when it has rows in the range, its days when it
    /// has final calls in the window; ready for the next number.
    fn close(&mut self, rows: &mut Vec<UsageRow>, numbers: &mut Vec<NumberDays>) -> Result<()> {
        let OneNumber {
            key,
            sums,
            cost,
            in_range,
            days,
            last,
        } = std::mem::take(self);
        if !days.is_empty() {
            numbers.push(NumberDays {
                phone_number: E164::from_stored(key.clone()),
                number_id: None,
                days,
                last_call_at: last.map(from_micros).transpose()?,
            });
        }
        if in_range {
            let mut row = UsageRow {
                key,
                id: None,
                counts: counts_of(&sums),
                cost: Totals::default(),
            };
            close_cost(Some((&mut row, cost)));
            rows.push(row);
        }
        Ok(())
    }
}

/// Adds a group's costs (a number's, or a day's), summed per currency, to its row.
fn close_cost(run: Option<(&mut UsageRow, Vec<(String, i64)>)>) {
    if let Some((row, sums)) = run {
        for (currency, nanos) in sums {
            row.cost.add(&crate::usage::Money { currency, nanos });
        }
    }
}

/// A number of the organization, as reports group it.
struct NumberOf {
    provider: String,
    agent_id: Option<Uuid>,
    agent: Option<String>,
}

/// The daily rollups recounted from the records: (organization, number, day), the ten
/// counts and the latest final call, then (organization, number, day, currency, nanos).
pub(super) const RECOUNT_DAILY: &str = "
    SELECT organization_id, phone_number, day, sum(calls), sum(final_calls), sum(answered),
      sum(short_answered), sum(failed), sum(billed_secs), sum(messages), sum(segments),
      sum(pending), sum(not_reported), max(last_call_at)
    FROM (
      SELECT organization_id, phone_number, started_at / 86400000000 AS day, 1 AS calls,
        outcome <> 'unfinished' AS final_calls, outcome = 'answered' AS answered,
        outcome = 'answered' AND duration_secs < 10 AS short_answered,
        outcome = 'failed' AS failed, billed_secs, 0 AS messages, 0 AS segments,
        price_state = 'pending' AS pending, price_state = 'not_reported' AS not_reported,
        CASE WHEN outcome <> 'unfinished' THEN started_at END AS last_call_at
      FROM calls
      UNION ALL
      SELECT organization_id, phone_number, sent_at / 86400000000, 0, 0, 0, 0, 0, 0, 1,
        segments, price_state = 'pending', 0, NULL
      FROM messages)
    GROUP BY organization_id, phone_number, day";
pub(super) const RECOUNT_COST: &str = "
    SELECT organization_id, phone_number, day, currency, sum(price_nanos) FROM (
      SELECT organization_id, phone_number, started_at / 86400000000 AS day, currency,
        price_nanos FROM calls WHERE price_state = 'charged'
      UNION ALL
      SELECT organization_id, phone_number, sent_at / 86400000000, currency, price_nanos
      FROM messages WHERE price_state = 'charged')
    GROUP BY organization_id, phone_number, day, currency";

impl Workspace {
    /// Where the daily rollups disagree with a recount of the records (part of
    /// [`Workspace::integrity_check`]): empty when they are equal.
    pub(super) fn usage_rollup_drift(&self) -> Result<Vec<String>> {
        let differ = |kept: &str, recount: &str| -> Result<i64> {
            Ok(self.conn.query_row(
                &format!(
                    "SELECT (SELECT count(*) FROM ({kept} EXCEPT {recount}))
                          + (SELECT count(*) FROM ({recount} EXCEPT {kept}))"
                ),
                [],
                |r| r.get(0),
            )?)
        };
        let daily = differ(
            "SELECT o.id, d.phone_number, d.day, d.calls, d.final_calls, d.answered,
               d.short_answered, d.failed, d.billed_secs, d.messages, d.segments, d.pending,
               d.not_reported, d.last_call_at
             FROM usage_daily d JOIN organizations o ON o.key = d.org_key",
            RECOUNT_DAILY,
        )?;
        let cost = differ(
            "SELECT o.id, c.phone_number, c.day, c.currency, c.nanos
             FROM usage_daily_cost c JOIN organizations o ON o.key = c.org_key",
            RECOUNT_COST,
        )?;
        let mut problems = Vec::new();
        if daily > 0 {
            problems.push(format!(
                "usage_daily disagrees with the call and message records in {daily} row(s)"
            ));
        }
        if cost > 0 {
            problems.push(format!(
                "usage_daily_cost disagrees with the charged records in {cost} row(s)"
            ));
        }
        let blocks = usage_blocks::drift(&self.conn)?;
        if blocks > 0 {
            problems.push(format!(
                "usage_blocks disagrees with the daily rollups in {blocks} block(s)"
            ));
        }
        Ok(problems)
    }
}
