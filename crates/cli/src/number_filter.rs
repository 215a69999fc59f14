//! The flags that select numbers (`--search`, `--provider`, `--status`, `--agent`,
//! `--capability`, `--country`, `--type`, `--readiness`, `--alarm`, `--needs-attention`) and the
//! paging flags of a listing, declared once and translated into core's [`NumberFilter`] and
//! [`NumberQuery`] in one place, for the local
//! workspace, the team database and the bulk provider commands alike: the flags become the
//! filter the app sends (`switchboard_ops::input::NumberFilter`), which ops translates.

use clap::Args;
use switchboard_core::Result;
use switchboard_core::domain::{NumberType, parse_region};
use switchboard_core::query::{Cursor, NumberFilter, NumberQuery, Sort};
use switchboard_ops::{Inventory, input};

/// Which numbers of an organization: every flag narrows the selection.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Substring of the digits or of the friendly name
    #[arg(long)]
    pub search: Option<String>,
    /// Provider
    #[arg(long)]
    pub provider: Option<String>,
    /// Status
    #[arg(long)]
    pub status: Option<String>,
    /// Agent id or name, or "none" for unassigned numbers
    #[arg(long)]
    pub agent: Option<String>,
    /// Required capability (repeatable): voice, sms, mms, fax
    #[arg(long)]
    pub capability: Vec<String>,
    /// ISO country, e.g. US
    #[arg(long)]
    pub country: Option<String>,
    /// Number type, e.g. mobile, toll_free
    #[arg(long = "type")]
    pub number_type: Option<String>,
    /// Readiness as last refreshed: ready, attention, blocked
    #[arg(long)]
    pub readiness: Option<String>,
    /// Only numbers under a readiness alarm (being ported away, or ported out)
    #[arg(long)]
    pub alarm: bool,
    /// Only numbers that need attention: status error, readiness blocked, or being ported
    /// away (the port-out alarm)
    #[arg(long)]
    pub needs_attention: bool,
}

impl FilterArgs {
    /// Whether no flag narrows the selection.
    pub fn is_empty(&self) -> bool {
        self.search.is_none()
            && self.provider.is_none()
            && self.status.is_none()
            && self.agent.is_none()
            && self.capability.is_empty()
            && self.country.is_none()
            && self.number_type.is_none()
            && self.readiness.is_none()
            && !self.alarm
            && !self.needs_attention
    }

    /// `--agent` as the filter reads it ("none": unassigned).
    pub fn agent_arg(&self) -> Option<input::AgentFilter> {
        self.agent.as_deref().map(input::AgentFilter::named)
    }

    /// The selection as the app would send it, over the organization `org` names (slug or
    /// id), `--agent` naming an agent by id or name; the flags' values checked.
    pub fn input(&self, org: &str) -> Result<input::NumberFilter> {
        Ok(input::NumberFilter {
            organization_id: org.to_owned(),
            search: self.search.clone(),
            provider: self.provider.as_deref().map(str::parse).transpose()?,
            status: self.status.as_deref().map(str::parse).transpose()?,
            agent: self.agent_arg(),
            capabilities: (self.capability.iter().map(|c| c.parse())).collect::<Result<_>>()?,
            country: match &self.country {
                Some(c) => Some(parse_region(c)?.as_ref().to_owned()),
                None => None,
            },
            readiness: (self.readiness.as_deref())
                .map(switchboard_ops::readiness::parse_state)
                .transpose()?,
            number_type: self.number_type()?,
            alarm: self.alarm.then_some(true),
            needs_attention: self.needs_attention,
        })
    }

    /// Core's filter over the organization `org` names, the names resolved by `inv`.
    pub async fn resolve(&self, inv: &dyn Inventory, org: &str) -> Result<NumberFilter> {
        self.input(org)?.resolve(inv).await
    }

    /// `--type`, checked.
    fn number_type(&self) -> Result<Option<NumberType>> {
        self.number_type.as_deref().map(str::parse).transpose()
    }
}

/// `numbers list`: an organization, the filters, and which page.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Organization slug or id
    #[arg(long)]
    pub org: String,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Page size (1-1000)
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// number, friendly_name, created, updated; prefix with - for descending
    #[arg(long, default_value = "number", allow_hyphen_values = true)]
    pub sort: String,
    /// Continue after this cursor (printed with the previous page)
    #[arg(long, conflicts_with = "health")]
    pub after: Option<String>,
    /// Only the numbers in this health state over the last 7 days of call records (see
    /// `usage report`): healthy, at_risk or insufficient_data; lists every match
    #[arg(long)]
    pub health: Option<String>,
}

impl ListArgs {
    /// The page query for `filter` (from [`FilterArgs::resolve`]).
    pub fn query(&self, filter: NumberFilter) -> Result<NumberQuery> {
        let mut query = NumberQuery::first(filter, self.sort.parse::<Sort>()?, self.limit)?;
        query.after = self.after.clone().map(Cursor);
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_ops::input::AgentFilter as AgentArg;

    #[test]
    fn flags_become_one_filter() {
        let org = uuid::Uuid::new_v4().to_string();
        let args = FilterArgs {
            search: Some("415".into()),
            provider: Some("twilio".into()),
            status: Some("active".into()),
            agent: Some("Ava".into()),
            capability: vec!["voice".into(), "sms".into()],
            country: Some("us".into()),
            number_type: Some("mobile".into()),
            readiness: None,
            alarm: true,
            needs_attention: false,
        };
        assert!(!args.is_empty());
        let f = args.input(&org).expect("valid");
        assert_eq!(f.organization_id, org);
        assert_eq!(f.provider.map(|p| p.to_string()).as_deref(), Some("twilio"));
        assert_eq!(f.agent, Some(AgentArg::Assigned("Ava".into())));
        assert_eq!(f.capabilities.len(), 2);
        assert_eq!(f.country.as_deref(), Some("US"));
        assert_eq!(f.number_type, Some(NumberType::Mobile));
        assert_eq!(f.alarm, Some(true));
        let alarm_only = FilterArgs {
            alarm: true,
            ..FilterArgs::default()
        };
        assert!(
            !alarm_only.is_empty(),
            "--alarm alone narrows the selection"
        );
        let none = FilterArgs {
            agent: Some(" None ".into()),
            ..FilterArgs::default()
        };
        assert_eq!(none.agent_arg(), Some(AgentArg::Unassigned));
        assert_eq!(
            none.input(&org).expect("valid").agent,
            Some(AgentArg::Unassigned)
        );
        assert!(FilterArgs::default().is_empty());
        let bad = FilterArgs {
            provider: Some("nokia".into()),
            ..FilterArgs::default()
        };
        assert!(bad.input(&org).expect_err("bad").is_bad_input());
    }
}
