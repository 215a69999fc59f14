//! What the manager is told without asking, decided once: which numbers a background check
//! turned to `error` ([`newly_in_error`]), which numbers a readiness refresh found newly moving
//! away ([`new_alarms`]), and in what words ([`Alert`]). The desktop app only sends what these
//! return (an OS notification and an event its window shows); the decisions are plain
//! functions, tested without a window.
//!
//! Also here: how many numbers of each organization are under a readiness alarm
//! ([`alarm_counts`], the organization's badge, on every store through
//! [`Inventory::count_numbers`]), and which accounts a background readiness refresh is due for
//! ([`readiness_due`]).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use switchboard_core::Result;
use switchboard_core::domain::{Organization, PhoneNumber, Provider, Status};
use switchboard_core::query::NumberFilter;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Inventory;
use crate::readiness::Refreshed;

/// How many numbers an alert names; the rest are counted ("and 4 more").
pub const NAMED: usize = 5;

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum AlertKind {
    /// Numbers turned to `error` (their provider refused the credentials on re-verification).
    NeedsAttention,
    /// Numbers moving away (`port-out-pending`, `ported-out`): the readiness alarm.
    Alarm,
}

/// A number an alert is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertNumber {
    /// The number's id.
    pub id: String,
    /// E.164.
    pub phone_number: String,
}

/// What to tell the manager, once per check and organization: the OS notification's title and
/// body, and the numbers (the window's toast opens them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// What it is about.
    pub kind: AlertKind,
    /// The organization.
    pub organization_id: String,
    /// One line: how many numbers, what happened, where.
    pub title: String,
    /// The sentence: the first [`NAMED`] numbers and what to do.
    pub body: String,
    /// Every number concerned.
    pub numbers: Vec<AlertNumber>,
}

/// `n` numbers, in words ("1 number", "3 numbers").
fn numbers(n: usize) -> String {
    format!("{n} number{}", if n == 1 { "" } else { "s" })
}

/// The first [`NAMED`] numbers joined, then how many more.
fn listed(found: &[AlertNumber]) -> String {
    let named: Vec<&str> = (found.iter().take(NAMED))
        .map(|n| n.phone_number.as_str())
        .collect();
    let more = found.len().saturating_sub(NAMED);
    let mut text = named.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// The alert after a background re-verification of `before` (the numbers as they were) left
/// them as `after`: the numbers that were not in `error` and now are, named in `before`'s
/// order; `None` when there are none (a number already in `error`, or back to `active`, is
/// not news).
pub fn newly_in_error(
    org: &Organization,
    before: &[PhoneNumber],
    after: &[PhoneNumber],
) -> Option<Alert> {
    let now_error: HashMap<Uuid, &PhoneNumber> = (after.iter())
        .filter(|n| n.status == Status::Error)
        .map(|n| (n.id, n))
        .collect();
    let found: Vec<AlertNumber> = (before.iter())
        .filter(|b| b.status != Status::Error)
        .filter_map(|b| now_error.get(&b.id))
        .map(|n| AlertNumber {
            id: n.id.to_string(),
            phone_number: n.phone_number.to_string(),
        })
        .collect();
    about(AlertKind::NeedsAttention, org, found)
}

/// The alert after a readiness refresh of `org`: the numbers it found moving away that were
/// not under the alarm before (`Alarm::new`); `None` when there are none (an alarm already
/// told is not told again).
pub fn new_alarms(org: &Organization, refreshed: &Refreshed) -> Option<Alert> {
    let found: Vec<AlertNumber> = (refreshed.alarms.iter())
        .filter(|a| a.new)
        .map(|a| AlertNumber {
            id: a.id.clone(),
            phone_number: a.phone_number.clone(),
        })
        .collect();
    about(AlertKind::Alarm, org, found)
}

/// The alert of `kind` about `found` in `org`, worded; `None` when `found` is empty.
fn about(kind: AlertKind, org: &Organization, found: Vec<AlertNumber>) -> Option<Alert> {
    if found.is_empty() {
        return None;
    }
    let one = found.len() == 1;
    let (count, name, list) = (numbers(found.len()), &org.name, listed(&found));
    let (title, body) = match kind {
        AlertKind::NeedsAttention => {
            let need = if one { "needs" } else { "need" };
            let title = format!("{count} {need} attention in {name}");
            let body = format!(
                "{title}: {list}. Their provider refused the credentials when they were verified \
                 again; check the account."
            );
            (title, body)
        }
        AlertKind::Alarm => {
            let (are, were) = if one { ("is", "was") } else { ("are", "were") };
            let title = format!("{count} {are} moving away from {name}");
            let body = format!(
                "{count} of {name} {are} being ported away, or {were}: {list}. If nobody asked \
                 for it, contact the provider at once."
            );
            (title, body)
        }
    };
    Some(Alert {
        kind,
        organization_id: org.id.to_string(),
        title,
        body,
        numbers: found,
    })
}

/// How many numbers of an organization are under a readiness alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OrgAlarms {
    /// The organization.
    pub organization_id: String,
    /// Its numbers under the alarm.
    pub count: u32,
}

/// The numbers of an organization under a readiness alarm (`metadata.readiness.alarm`), as a
/// filter: the organization's badge counts it, the window lists it.
pub fn alarm_filter(organization_id: Uuid) -> NumberFilter {
    NumberFilter {
        alarm: true,
        ..NumberFilter::org(organization_id)
    }
}

/// How many numbers of each organization the store shows are under a readiness alarm (every
/// organization, zeros included).
pub async fn alarm_counts(inv: &dyn Inventory) -> Result<Vec<OrgAlarms>> {
    let mut out = Vec::new();
    for org in inv.organizations().await? {
        let count = inv.count_numbers(&alarm_filter(org.id)).await?;
        out.push(OrgAlarms {
            organization_id: org.id.to_string(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

/// A provider account added to an organization on this device.
pub type AddedAccount = (Uuid, Provider, String);

/// The accounts added to each organization on this device (in the inventory's workspace file;
/// none without one), whose readiness a background refresh may ask for.
pub async fn added_accounts(inv: &dyn Inventory) -> Result<Vec<AddedAccount>> {
    let Some(file) = inv.file() else {
        return Ok(Vec::new());
    };
    file.run(|ws| {
        let added = ws.added_accounts()?;
        let mut out = Vec::new();
        for org in ws.organizations()? {
            let accounts = added.of(org.id).into_iter();
            out.extend(accounts.map(|(provider, id)| (org.id, provider, id.to_owned())));
        }
        Ok(out)
    })
    .await
}

/// Which of `accounts` a background readiness refresh is due for: those not refreshed since
/// `before` (`last` holds when each was last refreshed, or found unable to be), in the order
/// given, each once.
pub fn readiness_due(
    accounts: Vec<AddedAccount>,
    last: &HashMap<AddedAccount, OffsetDateTime>,
    before: OffsetDateTime,
) -> Vec<AddedAccount> {
    let mut seen = HashSet::new();
    accounts
        .into_iter()
        .filter(|a| last.get(a).is_none_or(|t| *t < before))
        .filter(|a| seen.insert(a.clone()))
        .collect()
}
