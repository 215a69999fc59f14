//! The daily rollups packed per number and block of 32 days (`usage_blocks`, migration
//! `20261208000200_usage_blocks.sql`): what a report by number reads, so that a month's report
//! steps through about two rows per number instead of a row per number and day in
//! `usage_daily` and another per currency in `usage_daily_cost` (docs/BENCHMARKS.md, "Report by
//! number from 32-day blocks").
//!
//! A block's `days` blob is an exact copy of its number's `usage_daily` rows in the block's
//! days, each with its `usage_daily_cost` rows: the store writes it in the same transaction as
//! those rows, from the values the writes return (never recomputed), and
//! [`super::Workspace::usage_rollup_drift`] checks it against them. Per day, oldest first:
//! - one byte: the day's offset in the block (bits 0–4), bit 5 set when it has a latest call;
//! - the ten counts of `DAILY_FIGURES`, each as an unsigned LEB128 varint of its two's
//!   complement (exact for any `i64`; one or two bytes for a day's counts);
//! - with bit 5, `last_call_at` less the day's first microsecond, as the same varint;
//! - the number of currencies, then per currency in ascending order its code's length and
//!   bytes and its nanos (zigzag varint).

use std::collections::BTreeMap;

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, params};

use super::usage::{DAY_MICROS, FIGURES};
use crate::error::Result;

/// Days per block: `block = day.div_euclid(BLOCK_DAYS)`; a 31-day range spans two.
pub(super) const BLOCK_DAYS: i64 = 32;

/// The block of a stored day.
pub(super) fn block_of(day: i64) -> i64 {
    day.div_euclid(BLOCK_DAYS)
}

/// One day of a number, as `usage_daily` and `usage_daily_cost` keep it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Day {
    pub figures: [i64; FIGURES],
    pub last: Option<i64>,
    /// Nanos per currency, in ascending order of the currency.
    pub cost: Vec<(String, i64)>,
}

impl Day {
    /// Sets the nanos of `currency` (`None`: the currency's row is gone).
    pub fn set_cost(&mut self, currency: &str, nanos: Option<i64>) {
        match (
            self.cost
                .binary_search_by(|(c, _)| c.as_str().cmp(currency)),
            nanos,
        ) {
            (Ok(i), Some(n)) => self.cost[i].1 = n,
            (Ok(i), None) => {
                self.cost.remove(i);
            }
            (Err(i), Some(n)) => self.cost.insert(i, (currency.to_owned(), n)),
            (Err(_), None) => {}
        }
    }
}

/// A block's days, by stored day.
pub(super) type Block = BTreeMap<i64, Day>;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// The blob of a block's days.
pub(super) fn encode(block: i64, days: &Block) -> Vec<u8> {
    let mut out = Vec::with_capacity(days.len() * 28);
    for (day, d) in days {
        let offset = (day - block * BLOCK_DAYS) as u8;
        out.push(offset | if d.last.is_some() { 0x20 } else { 0 });
        for v in d.figures {
            put_varint(&mut out, v as u64);
        }
        if let Some(last) = d.last {
            put_varint(&mut out, last.wrapping_sub(day * DAY_MICROS) as u64);
        }
        put_varint(&mut out, d.cost.len() as u64);
        for (currency, nanos) in &d.cost {
            put_varint(&mut out, currency.len() as u64);
            out.extend_from_slice(currency.as_bytes());
            put_varint(&mut out, zigzag(*nanos));
        }
    }
    out
}

/// A blob that is not a block's days (a damaged file).
#[cold]
#[inline(never)]
fn damaged(column: usize) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        Type::Blob,
        "usage_blocks.days is not a block of days".into(),
    )
}

/// One day read from a blob (its costs: [`Days::costs`]).
#[derive(Clone, Copy)]
pub(super) struct DayRef {
    pub day: i64,
    pub figures: [i64; FIGURES],
    pub last: Option<i64>,
}

/// The days of a blob, oldest first (`column` names it in errors). A report decodes every
/// day of a month of numbers, so the reading is kept to plain byte steps: `None` from the
/// steps is a damaged blob.
pub(super) struct Days<'a> {
    data: &'a [u8],
    pos: usize,
    first_day: i64,
    column: usize,
    /// The costs of the day last read.
    costs: Vec<(&'a str, i64)>,
}

impl<'a> Days<'a> {
    pub fn new(block: i64, data: &'a [u8], column: usize) -> Self {
        Days {
            data,
            pos: 0,
            first_day: block * BLOCK_DAYS,
            column,
            costs: Vec::new(),
        }
    }

    #[inline]
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    #[inline]
    fn varint(&mut self) -> Option<u64> {
        let b = self.byte()?;
        if b < 0x80 {
            return Some(u64::from(b));
        }
        let mut v = u64::from(b & 0x7f);
        let mut shift = 7;
        loop {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    fn day(&mut self) -> Option<DayRef> {
        let head = self.byte()?;
        if head & !0x3f != 0 {
            return None;
        }
        let day = self.first_day + i64::from(head & 0x1f);
        let mut figures = [0i64; FIGURES];
        for f in &mut figures {
            *f = self.varint()? as i64;
        }
        let last = if head & 0x20 != 0 {
            Some((self.varint()? as i64).wrapping_add(day * DAY_MICROS))
        } else {
            None
        };
        self.costs.clear();
        for _ in 0..self.varint()? {
            let len = usize::try_from(self.varint()?).ok()?;
            let end = self.pos.checked_add(len)?;
            let code = std::str::from_utf8(self.data.get(self.pos..end)?).ok()?;
            self.pos = end;
            let nanos = unzigzag(self.varint()?);
            self.costs.push((code, nanos));
        }
        Some(DayRef { day, figures, last })
    }

    /// The next day, `None` after the last.
    #[inline]
    pub fn next_day(&mut self) -> rusqlite::Result<Option<DayRef>> {
        if self.pos == self.data.len() {
            return Ok(None);
        }
        self.day().map(Some).ok_or_else(|| damaged(self.column))
    }

    /// The nanos per currency of the day last read, in ascending order of the currency.
    pub fn costs(&self) -> &[(&'a str, i64)] {
        &self.costs
    }
}

/// Every day of a blob.
pub(super) fn decode(block: i64, data: &[u8]) -> rusqlite::Result<Block> {
    let mut days = Days::new(block, data, 0);
    let mut out = Block::new();
    while let Some(d) = days.next_day()? {
        let cost = (days.costs().iter())
            .map(|(c, n)| ((*c).to_owned(), *n))
            .collect();
        out.insert(
            d.day,
            Day {
                figures: d.figures,
                last: d.last,
                cost,
            },
        );
    }
    Ok(out)
}

/// Reads a number's block, for a change.
pub(super) fn read(conn: &Connection, org_key: i64, number: &str, block: i64) -> Result<Block> {
    let data: Option<Vec<u8>> = conn
        .prepare_cached(
            "SELECT days FROM usage_blocks WHERE org_key = ?1 AND phone_number = ?2 AND block = ?3",
        )?
        .query_row(params![org_key, number, block], |r| r.get(0))
        .optional()?;
    Ok(data
        .map(|d| decode(block, &d))
        .transpose()?
        .unwrap_or_default())
}

/// Writes a number's block (removed when it has no days left).
pub(super) fn write(
    conn: &Connection,
    org_key: i64,
    number: &str,
    block: i64,
    days: &Block,
) -> Result<()> {
    if days.is_empty() {
        conn.prepare_cached(
            "DELETE FROM usage_blocks WHERE org_key = ?1 AND phone_number = ?2 AND block = ?3",
        )?
        .execute(params![org_key, number, block])?;
    } else {
        conn.prepare_cached(
            "INSERT INTO usage_blocks (org_key, phone_number, block, days) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (org_key, phone_number, block) DO UPDATE SET days = excluded.days",
        )?
        .execute(params![org_key, number, block, encode(block, days)])?;
    }
    Ok(())
}

/// Every block as the daily rollups say it should be: (organization key, number, block).
pub(super) fn from_daily(conn: &Connection) -> Result<BTreeMap<(i64, String, i64), Block>> {
    let mut blocks: BTreeMap<(i64, String, i64), Block> = BTreeMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT org_key, phone_number, day, {}, last_call_at FROM usage_daily",
        super::usage::DAILY_FIGURES
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let day: i64 = r.get(2)?;
        let mut figures = [0i64; FIGURES];
        for (i, f) in figures.iter_mut().enumerate() {
            *f = r.get(3 + i)?;
        }
        let last = r.get(3 + FIGURES)?;
        blocks
            .entry((r.get(0)?, r.get(1)?, block_of(day)))
            .or_default()
            .insert(
                day,
                Day {
                    figures,
                    last,
                    cost: Vec::new(),
                },
            );
    }
    let mut stmt = conn.prepare(
        "SELECT org_key, phone_number, day, currency, nanos FROM usage_daily_cost
         ORDER BY org_key, phone_number, day, currency",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let day: i64 = r.get(2)?;
        let currency: String = r.get(3)?;
        // A cost without its day's counts cannot be (its records are counted); kept as a day
        // of no counts, which the drift check then reports.
        blocks
            .entry((r.get(0)?, r.get(1)?, block_of(day)))
            .or_default()
            .entry(day)
            .or_default()
            .set_cost(&currency, Some(r.get(4)?));
    }
    Ok(blocks)
}

/// Fills `usage_blocks` from the daily rollups (the migration that adds it).
pub(super) fn fill(conn: &Connection) -> Result<()> {
    for ((org_key, number, block), days) in from_daily(conn)? {
        write(conn, org_key, &number, block, &days)?;
    }
    Ok(())
}

/// How many blocks differ from the daily rollups (missing, extra or other days).
pub(super) fn drift(conn: &Connection) -> Result<usize> {
    let mut expected = from_daily(conn)?;
    let mut stmt = conn.prepare("SELECT org_key, phone_number, block, days FROM usage_blocks")?;
    let mut rows = stmt.query([])?;
    let mut differ = 0;
    while let Some(r) = rows.next()? {
        let key: (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let kept = decode(
            key.2,
            r.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?,
        )?;
        if expected.remove(&key).as_ref() != Some(&kept) {
            differ += 1;
        }
    }
    Ok(differ + expected.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_reads_back_as_written_whatever_its_values() {
        let mut block = Block::new();
        block.insert(
            64,
            Day {
                figures: [1, 2, 3, 4, 5, i64::MAX, 0, -1, i64::MIN, 9],
                last: Some(64 * DAY_MICROS + 3),
                cost: vec![("EUR".into(), -5), ("USD".into(), i64::MAX)],
            },
        );
        block.insert(
            95,
            Day {
                figures: [0; FIGURES],
                last: Some(i64::MIN),
                cost: Vec::new(),
            },
        );
        block.insert(
            70,
            Day {
                figures: [7; FIGURES],
                last: None,
                cost: vec![("".into(), 0)],
            },
        );
        let data = encode(2, &block);
        assert_eq!(decode(2, &data).unwrap(), block);
        assert!(decode(2, &data[..data.len() - 1]).is_err());
        assert!(decode(2, &[0x40]).is_err());
    }
}
