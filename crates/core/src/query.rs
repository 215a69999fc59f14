//! What a listing asks for: filters, free-text search, sort and keyset pagination.
//!
//! The same [`NumberQuery`] drives the local workspace, the offline cache and (later) the
//! team database, so the CLI and the app build one value and every store answers it alike.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Capability, NumberType, PhoneNumber, Provider, Status};
use crate::error::{Error, Result};

/// The largest page a store returns.
pub const MAX_PAGE: u32 = 1000;

/// Columns a listing can be ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    /// E.164 order.
    #[default]
    Number,
    /// Friendly name, case-insensitive; numbers without one first.
    FriendlyName,
    /// `created_at`.
    Created,
    /// `updated_at`.
    Updated,
}

impl FromStr for SortField {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "number" | "phone_number" => Ok(SortField::Number),
            "friendly_name" | "name" => Ok(SortField::FriendlyName),
            "created" | "created_at" => Ok(SortField::Created),
            "updated" | "updated_at" => Ok(SortField::Updated),
            _ => Err(Error::invalid(
                "sort",
                format!("{s:?} is not one of number, friendly_name, created, updated"),
            )),
        }
    }
}

/// Sort order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// Column.
    pub field: SortField,
    /// Descending when true.
    pub descending: bool,
}

impl FromStr for Sort {
    type Err = Error;
    /// `number`, `-updated` (descending), `friendly_name:desc`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix('-') {
            return Ok(Sort {
                field: rest.parse()?,
                descending: true,
            });
        }
        if let Some((field, dir)) = s.split_once(':') {
            let descending = match dir.to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => {
                    return Err(Error::invalid(
                        "sort",
                        format!("{dir:?} is not asc or desc"),
                    ));
                }
            };
            return Ok(Sort {
                field: field.parse()?,
                descending,
            });
        }
        Ok(Sort {
            field: s.parse()?,
            descending: false,
        })
    }
}

/// Agent filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentFilter {
    /// Assigned to this agent.
    Assigned(Uuid),
    /// Not assigned to any agent.
    Unassigned,
}

/// Free text normalized for substring search.
///
/// Input made only of digits and phone punctuation ("415", "+1 (415) 55") searches the digits
/// of numbers, ignoring punctuation; anything with other characters searches friendly names.
/// Matching is case-insensitive substring matching on [`search_key`]-normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchText {
    /// Digits to find in the number.
    Digits(String),
    /// Normalized text to find in the friendly name.
    Name(String),
}

impl SearchText {
    /// Normalizes raw input; `None` when it is blank.
    pub fn new(raw: &str) -> Option<SearchText> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return None;
        }
        let number_like = trimmed.chars().any(|c| c.is_ascii_digit())
            && trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || "+-(). ".contains(c));
        Some(if number_like {
            SearchText::Digits(trimmed.chars().filter(char::is_ascii_digit).collect())
        } else {
            SearchText::Name(search_key(trimmed))
        })
    }

    /// The normalized needle.
    pub fn needle(&self) -> &str {
        match self {
            SearchText::Digits(s) | SearchText::Name(s) => s,
        }
    }
}

/// The normalized form friendly names are searched in: Unicode lowercase.
pub fn search_key(text: &str) -> String {
    text.to_lowercase()
}

/// Which numbers to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFilter {
    /// The organization (required: listings never mix organizations).
    pub organization_id: Uuid,
    /// Search-as-you-type text.
    pub search: Option<SearchText>,
    /// Provider.
    pub provider: Option<Provider>,
    /// Status.
    pub status: Option<Status>,
    /// Agent.
    pub agent: Option<AgentFilter>,
    /// Capabilities the number must all have.
    pub capabilities: Vec<Capability>,
    /// ISO region, e.g. "US".
    pub country: Option<String>,
    /// Line type.
    pub number_type: Option<NumberType>,
    /// Readiness state, as last judged (numbers never judged match none).
    pub readiness: Option<crate::readiness::State>,
    /// Only numbers under a readiness alarm (moving away: `metadata.readiness.alarm`).
    pub alarm: bool,
    /// Only the numbers that need the manager's attention ([`needs_attention`]).
    pub needs_attention: bool,
}

/// Whether a number needs the manager's attention, the one rule every store's
/// [`NumberFilter::needs_attention`] answers: its status is `error` (a verification failed),
/// or its readiness as last judged (metadata `readiness`) is `blocked`, or raises the port-out
/// alarm (`readiness.alarm` is `true`). A number whose readiness was never judged needs
/// attention only for its status. Readiness `attention` alone does not count: it works today.
pub fn needs_attention(n: &PhoneNumber) -> bool {
    let readiness = n
        .metadata
        .as_ref()
        .and_then(|m| m.as_map().get("readiness"));
    n.status == Status::Error
        || readiness.is_some_and(|r| {
            r.get("state").and_then(serde_json::Value::as_str)
                == Some(crate::readiness::State::Blocked.as_str())
                || r.get("alarm") == Some(&serde_json::Value::Bool(true))
        })
}

impl NumberFilter {
    /// Everything in an organization.
    pub fn org(organization_id: Uuid) -> Self {
        NumberFilter {
            organization_id,
            search: None,
            provider: None,
            status: None,
            agent: None,
            capabilities: Vec::new(),
            country: None,
            number_type: None,
            readiness: None,
            alarm: false,
            needs_attention: false,
        }
    }

    /// Sets the search text (blank clears it).
    pub fn search(mut self, text: &str) -> Self {
        self.search = SearchText::new(text);
        self
    }

    /// True when only the organization (and maybe search) constrain the rows.
    pub fn has_column_filters(&self) -> bool {
        self.provider.is_some()
            || self.status.is_some()
            || self.agent.is_some()
            || !self.capabilities.is_empty()
            || self.country.is_some()
            || self.number_type.is_some()
            || self.readiness.is_some()
            || self.alarm
            || self.needs_attention
    }
}

/// A page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberQuery {
    /// Which rows.
    pub filter: NumberFilter,
    /// Order.
    pub sort: Sort,
    /// Page size, 1..=[`MAX_PAGE`].
    pub limit: u32,
    /// Continue after this cursor (from [`Page::next`]).
    pub after: Option<Cursor>,
}

impl NumberQuery {
    /// First page of `limit` rows.
    pub fn first(filter: NumberFilter, sort: Sort, limit: u32) -> Result<Self> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::invalid(
                "limit",
                format!("{limit} is not between 1 and {MAX_PAGE}"),
            ));
        }
        Ok(NumberQuery {
            filter,
            sort,
            limit,
            after: None,
        })
    }
}

/// Where a page ended: the sort value and row key of its last row. Opaque to callers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub String);

/// One page of numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// The rows, in order.
    pub items: Vec<PhoneNumber>,
    /// Cursor for the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_classifies_input() {
        assert_eq!(
            SearchText::new(" +1 (415) 55 "),
            Some(SearchText::Digits("141555".into()))
        );
        assert_eq!(
            SearchText::new("Support Ä"),
            Some(SearchText::Name("support ä".into()))
        );
        assert_eq!(
            SearchText::new("line 2"),
            Some(SearchText::Name("line 2".into()))
        );
        assert_eq!(SearchText::new("   "), None);
        assert_eq!(SearchText::new("--"), Some(SearchText::Name("--".into())));
    }

    #[test]
    fn sort_parses_directions() {
        assert_eq!(
            "-updated".parse::<Sort>().unwrap(),
            Sort {
                field: SortField::Updated,
                descending: true
            }
        );
        assert_eq!(
            "name:asc".parse::<Sort>().unwrap().field,
            SortField::FriendlyName
        );
        assert!("size".parse::<Sort>().is_err());
        assert!("number:up".parse::<Sort>().is_err());
    }

    #[test]
    fn page_limits() {
        let f = NumberFilter::org(Uuid::nil());
        assert!(NumberQuery::first(f.clone(), Sort::default(), 0).is_err());
        assert!(NumberQuery::first(f.clone(), Sort::default(), MAX_PAGE + 1).is_err());
        assert!(NumberQuery::first(f, Sort::default(), MAX_PAGE).is_ok());
    }
}
