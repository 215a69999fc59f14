//! Exact match counts for 1- and 2-digit searches.
//!
//! A trigram index cannot answer searches shorter than three characters, and counting the
//! matches of "5" by scanning a million rows takes far longer than a keystroke. Instead, each
//! organization keeps, per 1- or 2-digit string, how many of its numbers' digits contain it,
//! and gram `""` counts all its numbers. The store adjusts
//! these counts in the same transaction as every insert, update and delete.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Transaction, params};

use crate::error::Result;

/// The 1- and 2-digit strings a row can be found by, plus `""` for "any row".
pub(crate) fn grams(digits: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    out.insert("");
    for i in 0..digits.len() {
        out.insert(&digits[i..i + 1]);
        if i + 2 <= digits.len() {
            out.insert(&digits[i..i + 2]);
        }
    }
    out
}

/// True when `search` can be answered from the counts (1 or 2 digits).
pub(crate) fn covers(digits: &str) -> bool {
    (1..=2).contains(&digits.len())
}

/// Pending count changes, applied in one go.
#[derive(Debug, Default)]
pub(crate) struct CountDelta(HashMap<(String, String), i64>);

impl CountDelta {
    pub(crate) fn add(&mut self, org: &str, digits: &str, sign: i64) {
        for g in grams(digits) {
            *self.0.entry((org.to_owned(), g.to_owned())).or_default() += sign;
        }
    }

    pub(crate) fn apply(self, tx: &Transaction<'_>) -> Result<()> {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO short_search_counts (organization_id, gram, n) VALUES (?1, ?2, ?3)
             ON CONFLICT (organization_id, gram) DO UPDATE SET n = n + excluded.n",
        )?;
        for ((org, gram), n) in self.0 {
            if n != 0 {
                stmt.execute(params![org, gram, n])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_cover_every_short_digit_substring_once() {
        let g = grams("14155");
        let want: BTreeSet<&str> = ["", "1", "4", "5", "14", "41", "15", "55"].into();
        assert_eq!(g, want);
    }
}
