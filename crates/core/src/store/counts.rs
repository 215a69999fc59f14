//! Exact per-organization counts that answer the most common counts without a scan.
//!
//! A trigram index cannot answer searches shorter than three characters, and counting the
//! matches of "5" by scanning a million rows takes far longer than a keystroke. So each
//! organization keeps, in `number_counts`, how many of its numbers' digits contain each 1- or
//! 2-digit string, how many numbers it has in all (facet `""`), and how many have each
//! provider, status, country, line type and capability. The store adjusts these counts in the
//! same transaction as every insert, update and delete, and `integrity_check` verifies them.

use std::collections::HashMap;

use rusqlite::{Transaction, params};

use crate::domain::{Capability, PhoneNumber, Provider, Status};
use crate::error::Result;

/// Facet `""` plus the 10 one-digit and 100 two-digit strings.
const GRAMS: usize = 111;

fn gram_index(g: &[u8]) -> usize {
    match g {
        [] => 0,
        [a] => 1 + (a - b'0') as usize,
        [a, b] => 11 + 10 * (a - b'0') as usize + (b - b'0') as usize,
        _ => 0,
    }
}

fn gram_name(i: usize) -> String {
    match i {
        0 => String::new(),
        1..=10 => (i - 1).to_string(),
        _ => format!("{:02}", i - 11),
    }
}

/// Marks every 1- and 2-digit string contained in `digits` (once each), plus `""`.
fn grams(digits: &str, seen: &mut [bool; GRAMS]) {
    *seen = [false; GRAMS];
    seen[0] = true;
    let b = digits.as_bytes();
    for i in 0..b.len() {
        if b[i].is_ascii_digit() {
            seen[gram_index(&b[i..i + 1])] = true;
            if i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                seen[gram_index(&b[i..i + 2])] = true;
            }
        }
    }
}

/// The facet name counting numbers that contain `digits`, when it has 1 or 2 digits.
pub(crate) fn digit_facet(digits: &str) -> Option<&str> {
    ((1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The facets a stored number counts towards besides its digit strings and country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facets {
    fixed: Vec<&'static str>,
    country: Option<String>,
}

/// Facet names are static strings so counting a million rows allocates nothing per row.
fn provider_facet(p: Provider) -> &'static str {
    match p {
        Provider::Twilio => "provider=twilio",
        Provider::Vonage => "provider=vonage",
        Provider::Telnyx => "provider=telnyx",
        Provider::Bandwidth => "provider=bandwidth",
        Provider::Plivo => "provider=plivo",
    }
}

fn status_facet(s: Status) -> &'static str {
    match s {
        Status::Active => "status=active",
        Status::Inactive => "status=inactive",
        Status::Error => "status=error",
    }
}

fn capability_facet(c: Capability) -> &'static str {
    match c {
        Capability::Voice => "cap=voice",
        Capability::Sms => "cap=sms",
        Capability::Mms => "cap=mms",
        Capability::Fax => "cap=fax",
    }
}

const TYPE_FACETS: [(&str, &str); 12] = [
    ("fixed_line", "type=fixed_line"),
    ("mobile", "type=mobile"),
    ("fixed_line_or_mobile", "type=fixed_line_or_mobile"),
    ("toll_free", "type=toll_free"),
    ("premium_rate", "type=premium_rate"),
    ("shared_cost", "type=shared_cost"),
    ("voip", "type=voip"),
    ("personal_number", "type=personal_number"),
    ("uan", "type=uan"),
    ("pager", "type=pager"),
    ("voicemail", "type=voicemail"),
    ("unknown", "type=unknown"),
];

/// The facets of a number whose stored country and line type are given.
pub(crate) fn facets(n: &PhoneNumber, country: Option<&str>, number_type: &str) -> Facets {
    let caps = n.capabilities();
    let mut fixed = vec![provider_facet(n.provider), status_facet(n.status)];
    if let Some((_, f)) = TYPE_FACETS.iter().find(|(t, _)| *t == number_type) {
        fixed.push(f);
    }
    fixed.extend(
        Capability::ALL
            .into_iter()
            .filter(|c| caps.has(*c))
            .map(capability_facet),
    );
    Facets {
        fixed,
        country: country.map(|c| format!("country={c}")),
    }
}

#[derive(Debug)]
struct OrgDelta {
    grams: [i64; GRAMS],
    fixed: HashMap<&'static str, i64>,
    countries: HashMap<String, i64>,
}

/// Pending count changes, applied in one go at the end of a transaction.
#[derive(Debug, Default)]
pub(crate) struct CountDelta {
    orgs: HashMap<String, OrgDelta>,
    seen: Option<Box<[bool; GRAMS]>>,
}

impl CountDelta {
    fn org(&mut self, org: &str) -> &mut OrgDelta {
        if !self.orgs.contains_key(org) {
            let delta = OrgDelta {
                grams: [0; GRAMS],
                fixed: HashMap::new(),
                countries: HashMap::new(),
            };
            self.orgs.insert(org.to_owned(), delta);
        }
        self.orgs.get_mut(org).expect("inserted above")
    }

    /// Counts (`sign` = 1) or uncounts (-1) a number with these digits and facets.
    pub(crate) fn add(&mut self, org: &str, digits: &str, facets: &Facets, sign: i64) {
        let mut seen = self.seen.take().unwrap_or_else(|| Box::new([false; GRAMS]));
        grams(digits, &mut seen);
        let delta = self.org(org);
        for (i, hit) in seen.iter().enumerate() {
            if *hit {
                delta.grams[i] += sign;
            }
        }
        for f in &facets.fixed {
            *delta.fixed.entry(f).or_default() += sign;
        }
        if let Some(c) = &facets.country {
            match delta.countries.get_mut(c.as_str()) {
                Some(n) => *n += sign,
                None => {
                    delta.countries.insert(c.clone(), sign);
                }
            }
        }
        self.seen = Some(seen);
    }

    /// Moves `n` numbers of an organization from status `from` to `to`, their other facets
    /// unchanged: what [`CountDelta::add`] of each number's facets before (-1) and after (+1)
    /// comes to when only the status differs.
    pub(crate) fn move_status(&mut self, org: &str, from: Status, to: Status, n: i64) {
        if from == to || n == 0 {
            return;
        }
        let delta = self.org(org);
        *delta.fixed.entry(status_facet(from)).or_default() -= n;
        *delta.fixed.entry(status_facet(to)).or_default() += n;
    }

    pub(crate) fn apply(self, tx: &Transaction<'_>) -> Result<()> {
        self.apply_to(tx, "number_counts")
    }

    /// Adds the deltas to `table` (`number_counts`, or the sync stage's counts).
    pub(crate) fn apply_to(self, tx: &Transaction<'_>, table: &str) -> Result<()> {
        // Not an upsert: SQLite checks `n >= 0` on the proposed row (which may carry a
        // negative delta) before resolving the conflict.
        let mut update = tx.prepare_cached(&format!(
            "UPDATE {table} SET n = n + ?3 WHERE organization_id = ?1 AND facet = ?2"
        ))?;
        let mut insert = tx.prepare_cached(&format!(
            "INSERT INTO {table} (organization_id, facet, n) VALUES (?1, ?2, ?3)"
        ))?;
        let mut put = |org: &str, facet: &str, n: i64| -> Result<()> {
            if n != 0 && update.execute(params![org, facet, n])? == 0 {
                insert.execute(params![org, facet, n])?;
            }
            Ok(())
        };
        for (org, delta) in self.orgs {
            for (i, n) in delta.grams.iter().enumerate() {
                put(&org, &gram_name(i), *n)?;
            }
            for (facet, n) in delta.fixed {
                put(&org, facet, n)?;
            }
            for (facet, n) in delta.countries {
                put(&org, &facet, n)?;
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
        let mut seen = [false; GRAMS];
        grams("14155", &mut seen);
        let names: Vec<String> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| gram_name(i))
            .collect();
        assert_eq!(names, ["", "1", "4", "5", "14", "15", "41", "55"]);
        for i in 0..GRAMS {
            assert_eq!(gram_index(gram_name(i).as_bytes()), i);
        }
    }
}
