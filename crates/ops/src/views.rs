//! Views of the numbers table: which numbers (search and filters), which columns, in which
//! order. The app keeps the manager's saved views and the view shown last in its settings
//! ([`crate::app_settings::Settings`]); the checks a view must pass before it is saved are
//! here, once.

use serde::{Deserialize, Serialize};
use switchboard_core::Result;
use switchboard_core::domain::{Capability, NumberType, Provider, Status, parse_region};
use switchboard_core::query::SortField;
use switchboard_core::readiness::State;
use switchboard_core::usage::HealthState;

use crate::input::AgentFilter;

/// The most views a manager can save.
pub const MAX_VIEWS: usize = 50;

/// The longest name of a view, in characters.
pub const MAX_VIEW_NAME: usize = 60;

/// The longest search text a view keeps, in characters.
pub const MAX_VIEW_SEARCH: usize = 200;

/// A column the numbers table can show beside the number (always shown first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Column {
    /// Friendly name.
    Name,
    /// Provider.
    Provider,
    /// Status.
    Status,
    /// Readiness as last refreshed (a badge: ready, attention, blocked, or the port-out alarm).
    Readiness,
    /// Health over the last 7 UTC days of calls (`switchboard_ops::usage::health_of`, one call
    /// per loaded page): healthy, at risk, insufficient data.
    Health,
    /// Assigned agent.
    Agent,
    /// Capabilities.
    Capabilities,
    /// Line type.
    Type,
    /// Country (ISO region).
    Country,
    /// State or province, from the number's metadata.
    Region,
    /// City, from the number's metadata.
    Locality,
    /// The voice webhook URL on record.
    Webhook,
    /// The provider account.
    Account,
    /// When the number was last verified at its provider.
    LastVerified,
    /// When it was added.
    Created,
    /// When it last changed.
    Updated,
}

impl Column {
    /// Every column, in the order the chooser lists them.
    pub const ALL: [Column; 16] = [
        Column::Name,
        Column::Provider,
        Column::Status,
        Column::Readiness,
        Column::Health,
        Column::Agent,
        Column::Capabilities,
        Column::Type,
        Column::Country,
        Column::Region,
        Column::Locality,
        Column::Webhook,
        Column::Account,
        Column::LastVerified,
        Column::Created,
        Column::Updated,
    ];

    /// The columns shown before the manager chooses.
    pub const DEFAULT: [Column; 6] = [
        Column::Name,
        Column::Provider,
        Column::Status,
        Column::Agent,
        Column::Capabilities,
        Column::Updated,
    ];
}

/// Which numbers a view shows: the search and filters of the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ViewFilters {
    /// Search-as-you-type text.
    pub search: String,
    /// Provider.
    pub provider: Option<Provider>,
    /// Status.
    pub status: Option<Status>,
    /// Agent (by id), or unassigned.
    pub agent: Option<AgentFilter>,
    /// Capabilities a number must all have.
    pub capabilities: Vec<Capability>,
    /// ISO region, e.g. "US".
    pub country: Option<String>,
    /// Line type.
    pub number_type: Option<NumberType>,
    /// Readiness as last refreshed.
    pub readiness: Option<State>,
    /// Only the numbers that need attention ([`switchboard_core::query::needs_attention`]).
    pub needs_attention: bool,
    /// Health over the 7 UTC days ending today (`crate::usage::numbers_page_by_health`).
    pub health: Option<HealthState>,
}

/// A view of the numbers table: a name (blank for the view shown but not saved), its
/// filters, its columns and its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct View {
    /// The name it was saved under; blank when it was not.
    pub name: String,
    /// Which numbers.
    pub filters: ViewFilters,
    /// The columns shown after the number, in order.
    pub columns: Vec<Column>,
    /// Sort column.
    pub sort: SortField,
    /// Descending order.
    pub descending: bool,
}

impl Default for View {
    fn default() -> Self {
        View {
            name: String::new(),
            filters: ViewFilters::default(),
            columns: Column::DEFAULT.to_vec(),
            sort: SortField::Number,
            descending: false,
        }
    }
}

fn invalid(field: &str, reason: String) -> switchboard_core::Error {
    switchboard_core::Error::InvalidInput {
        field: field.into(),
        reason,
    }
}

/// Checks one view: its name (when `named`: not blank, at most [`MAX_VIEW_NAME`] characters,
/// no control characters), no column twice, a known country, an agent given by id, a search
/// of at most [`MAX_VIEW_SEARCH`] characters.
pub fn check_view(view: &View, named: bool) -> Result<()> {
    let name = view.name.trim();
    let called = if name.is_empty() {
        "the view shown".to_owned()
    } else {
        format!("the view {name:?}")
    };
    if named && name.is_empty() {
        return Err(invalid("view name", "a saved view needs a name".into()));
    }
    if name.chars().count() > MAX_VIEW_NAME {
        return Err(invalid(
            "view name",
            format!("{name:?} is longer than {MAX_VIEW_NAME} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(
            "view name",
            format!("{name:?} holds a control character"),
        ));
    }
    for (i, c) in view.columns.iter().enumerate() {
        if view.columns[..i].contains(c) {
            return Err(invalid(
                "columns",
                format!("{called} shows the column {c:?} twice"),
            ));
        }
    }
    let f = &view.filters;
    if f.search.chars().count() > MAX_VIEW_SEARCH {
        return Err(invalid(
            "search",
            format!("{called} searches for more than {MAX_VIEW_SEARCH} characters"),
        ));
    }
    if let Some(country) = &f.country {
        parse_region(country)?;
    }
    if let Some(AgentFilter::Assigned(id)) = &f.agent {
        crate::actions::parse_id("agent", id)?;
    }
    Ok(())
}

/// Checks the saved views (each named, names unique whatever their case, at most
/// [`MAX_VIEWS`]) and the view shown last.
pub fn check_views(saved: &[View], last: &View) -> Result<()> {
    if saved.len() > MAX_VIEWS {
        return Err(invalid(
            "views",
            format!(
                "{} views is more than {MAX_VIEWS}: delete one first",
                saved.len()
            ),
        ));
    }
    for (i, view) in saved.iter().enumerate() {
        check_view(view, true)?;
        let name = view.name.trim().to_lowercase();
        if saved[..i]
            .iter()
            .any(|v| v.name.trim().to_lowercase() == name)
        {
            return Err(invalid(
                "view name",
                format!("a view called {:?} is saved already", view.name.trim()),
            ));
        }
    }
    check_view(last, false)
}
