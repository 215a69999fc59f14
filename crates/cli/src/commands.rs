//! The `orgs`, `agents` and `numbers` commands: each parses its flags, runs one action of
//! `switchboard-ops` on the inventory the global options name (the workspace file, or the
//! team database with `--database-url`/`--profile`), and prints the result.
//!
//! With a team database, what happens when the server cannot be reached is decided when the
//! inventory is opened (`switchboard_ops::open`): reads come from this device's cache of it
//! after one line on stderr, `offline: showing cached data from <time>`, and `numbers
//! add|update|remove` change the cache and queue the edit in its outbox for the next `sync`
//! (also when the server goes away during the command). Other writes need the server.
//! Connection warnings, and rows of the team database a read left out, go to stderr.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use switchboard_core::domain::NewNumber;
use switchboard_core::query::{MAX_PAGE, NumberQuery, Page};
use switchboard_core::transfer::{Format, ImportOptions};
use switchboard_core::{Error, Result};
use switchboard_ops::actions::{self, TypedChange};
use switchboard_ops::agents;
use switchboard_ops::usage;
use switchboard_ops::{Inventory, Written};

use crate::Global;
use crate::number_filter::{FilterArgs, ListArgs};
use crate::{accounts, db, output, update_where};

/// The flags of `numbers import` that import from a provider account instead of a CSV file.
#[derive(Debug, Clone, Args)]
pub struct ImportFromProvider {
    /// Import the numbers this provider account owns (instead of a CSV file); asks before
    /// importing unless --yes
    #[arg(long, value_name = "ACCOUNT_ID", conflicts_with = "file")]
    pub account: Option<String>,
    /// The account's provider, when the organization does not know the account yet
    #[arg(long, requires = "account")]
    pub provider: Option<String>,
    /// Show what would be imported (new / already present / different) and change nothing
    #[arg(long, requires = "account")]
    pub dry_run: bool,
    /// Import without asking
    #[arg(long, requires = "account")]
    pub yes: bool,
    /// Also bring numbers whose data differs in line with the provider (name, capabilities,
    /// locality, provider sid)
    #[arg(long, requires = "account")]
    pub refresh: bool,
}

/// The flags of `numbers add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Organization slug or id
    #[arg(long)]
    org: String,
    /// twilio, vonage, telnyx, bandwidth or plivo
    #[arg(long)]
    provider: String,
    /// The number: +14155551234, "+1 (415) 555-1234", or national with --region
    #[arg(long)]
    number: String,
    /// Region for a national number, e.g. US
    #[arg(long)]
    region: Option<String>,
    /// Display name (at most 100 characters)
    #[arg(long)]
    friendly_name: Option<String>,
    /// active, inactive or error
    #[arg(long)]
    status: Option<String>,
    /// Metadata JSON object, e.g. '{"capabilities":{"voice":true}}'
    #[arg(long)]
    metadata: Option<String>,
    /// Provider account the number belongs to (its secret stays in the OS vault)
    #[arg(long, value_name = "ACCOUNT_ID")]
    account: Option<String>,
    /// Assign to this agent (id or name)
    #[arg(long)]
    agent: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Orgs {
    /// Add an organization
    Add {
        /// Short unique name: lowercase letters, digits, hyphens
        #[arg(long)]
        slug: String,
        /// Display name
        #[arg(long)]
        name: String,
    },
    /// List organizations
    List,
}

#[derive(Debug, Subcommand)]
pub enum Agents {
    /// Add an agent to an organization
    Add {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// Display name (unique within the organization)
        #[arg(long)]
        name: String,
    },
    /// List an organization's agents
    List {
        /// Organization slug or id
        #[arg(long)]
        org: String,
    },
    /// Rename an agent (names are unique within the organization)
    Rename {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// The agent's id or name
        agent: String,
        /// The new name
        #[arg(long = "to")]
        name: String,
    },
    /// Remove an agent; its numbers stay, unassigned (the answer says how many)
    Remove {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// The agent's id or name
        agent: String,
    },
    /// Numbers with no agent and agents with no number
    Orphans {
        /// Organization slug or id
        #[arg(long)]
        org: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Numbers {
    /// Add a number
    Add(AddArgs),
    /// List numbers of an organization
    List(ListArgs),
    /// Show one number in full
    Show {
        /// Id or E.164 number
        number: String,
        /// Organization, when the number exists in several
        #[arg(long)]
        org: Option<String>,
    },
    /// Change a number, or with --where every number of an organization the filter flags
    /// after --where select (the flags of `numbers list`)
    Update {
        /// Id or E.164 number (none with --where)
        #[arg(required_unless_present = "where_")]
        number: Option<String>,
        /// Organization, when the number exists in several (required with --where)
        #[arg(long, required_if_eq("where_", "true"))]
        org: Option<String>,
        /// Change every number of --org the flags after it select, e.g. `--where --status active
        /// --search desk` (no flag: every number); the change runs in chunks, with progress on
        /// stderr, and Ctrl-C stops it between chunks
        #[arg(
            long = "where",
            id = "where_",
            num_args = 0..,
            allow_hyphen_values = true,
            value_name = "FILTER FLAGS",
            conflicts_with = "number"
        )]
        where_: Option<Vec<String>>,
        /// With --where: say how many numbers would change, and change nothing
        #[arg(long, requires = "where_")]
        dry_run: bool,
        /// New display name ("" clears it)
        #[arg(long)]
        friendly_name: Option<String>,
        /// active, inactive or error
        #[arg(long)]
        status: Option<String>,
        /// Agent id or name, or "none" to unassign
        #[arg(long)]
        agent: Option<String>,
        /// JSON merge patch for metadata (null removes a key)
        #[arg(long)]
        metadata: Option<String>,
    },
    /// Remove a number
    Remove {
        /// Id or E.164 number
        number: String,
        /// Organization, when the number exists in several
        #[arg(long)]
        org: Option<String>,
        /// When no other number uses the number's provider account, also remove the account's
        /// secret from this device's credential vault
        #[arg(long)]
        forget_secret: bool,
    },
    /// Write the numbers of an organization as CSV or JSON: every one, or those the filter
    /// flags of `numbers list` select, in the order --sort gives
    Export {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// csv or json
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output (written beside it and put in its
        /// place when whole)
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        filter: FilterArgs,
        /// number, friendly_name, created, updated; prefix with - for descending
        #[arg(long, default_value = "number", allow_hyphen_values = true)]
        sort: String,
        /// Only the numbers in this health state over the last 7 days of call records:
        /// healthy, at_risk or insufficient_data
        #[arg(long)]
        health: Option<String>,
    },
    /// Import numbers from CSV (all or nothing), or from a provider account with --account
    Import {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// CSV file with a header row (phone_number and provider required)
        #[arg(required_unless_present = "account")]
        file: Option<PathBuf>,
        /// Region for numbers written without a country code
        #[arg(long, conflicts_with = "account")]
        region: Option<String>,
        #[command(flatten)]
        from_provider: ImportFromProvider,
    },
}

/// Prints an edited number: as JSON, or `{what} NUMBER{place} (ID)`, or when it was queued
/// `{what} NUMBER (ID) offline; queued for the next sync`.
fn edited(g: &Global, what: &str, w: &Written, place: &str) {
    output::json_or(g.json, &w.number, |n| {
        if w.queued {
            format!(
                "{what} {} ({}) offline; queued for the next sync",
                n.phone_number, n.id
            )
        } else {
            format!("{what} {}{place} ({})", n.phone_number, n.id)
        }
    });
}

pub fn orgs(g: &Global, cmd: Orgs) -> Result<()> {
    db::with_inventory(g, async |inv| {
        match cmd {
            Orgs::Add { slug, name } => {
                let org = inv.add_organization(&slug, &name).await?;
                output::json_or(g.json, &org, |o| {
                    format!("added organization {} ({})", o.slug, o.id)
                });
            }
            Orgs::List => {
                let orgs = inv.organizations().await?;
                output::listing(g.json, &orgs, &output::ORGANIZATION_COLUMNS);
            }
        }
        Ok(())
    })
}

pub fn agents(g: &Global, cmd: Agents) -> Result<()> {
    db::with_inventory(g, async |inv| {
        match cmd {
            Agents::Add { org, name } => {
                let org = inv.organization(&org).await?;
                let agent = inv.add_agent(org.id, &name).await?;
                output::json_or(g.json, &agent, |a| {
                    format!("added agent {:?} to {} ({})", a.name, org.slug, a.id)
                });
            }
            Agents::List { org } => {
                let org = inv.organization(&org).await?;
                output::listing(g.json, &inv.agents(org.id).await?, &output::AGENT_COLUMNS);
            }
            Agents::Rename { org, agent, name } => {
                let org = inv.organization(&org).await?;
                let renamed = agents::rename(inv, org.id, &agent, &name).await?;
                output::json_or(g.json, &renamed, |a| {
                    format!(
                        "renamed agent {agent:?} to {:?} in {} ({})",
                        a.name, org.slug, a.id
                    )
                });
            }
            Agents::Remove { org, agent } => {
                let org = inv.organization(&org).await?;
                let removal = agents::remove(inv, org.id, &agent).await?;
                output::json_or(g.json, &removal, |r| {
                    format!(
                        "removed agent {:?} from {}; {} left unassigned",
                        r.agent.name,
                        org.slug,
                        output::count_of(r.unassigned, "number")
                    )
                });
            }
            Agents::Orphans { org } => {
                let org = inv.organization(&org).await?;
                let report = agents::orphans(inv, org.id).await?;
                output::json_or_print(g.json, &report, output::orphans);
            }
        }
        Ok(())
    })
}

pub fn numbers(g: &Global, cmd: Numbers) -> Result<()> {
    db::with_inventory(g, async |inv| numbers_on(g, inv, cmd).await)
}

async fn numbers_on(g: &Global, inv: &dyn Inventory, cmd: Numbers) -> Result<()> {
    match cmd {
        Numbers::Add(add) => {
            let new = NewNumber {
                provider: add.provider,
                number: add.number,
                region: add.region,
                friendly_name: add.friendly_name,
                status: add.status,
                metadata: add.metadata,
                account_id: add.account,
                agent_id: None,
            };
            let (org, w) = actions::add_to(inv, &add.org, new, add.agent.as_deref()).await?;
            edited(g, "added", &w, &format!(" to {}", org.slug));
            if !w.queued {
                accounts::hint_after_add(&w.number, &org.slug).await;
            }
        }
        Numbers::List(list) => {
            let health = list
                .health
                .as_deref()
                .map(usage::parse_health)
                .transpose()?;
            let query = list.query(list.filter.resolve(inv, &list.org).await?)?;
            let Some(state) = health else {
                let page = inv.list_numbers(&query).await?;
                let total = inv.count_numbers(&query.filter).await?;
                output::number_page(g.json, &page, total);
                return Ok(());
            };
            let by = usage::ByHealth::today(state);
            let found = usage::numbers_by_health(inv, &query, by).await?;
            let items: Vec<_> = found.into_iter().map(|(n, _)| n).collect();
            let total = items.len() as u64;
            output::number_page(g.json, &Page { items, next: None }, total);
        }
        Numbers::Show { number, org } => {
            let (n, org) = actions::show(inv, &number, org.as_deref()).await?;
            if !g.json {
                output::number_detail(&n, actions::agent_name(inv, &n).await?.as_deref());
            }
            accounts::show_credentials(g, &n, &org.slug).await;
        }
        Numbers::Update {
            number,
            org,
            where_,
            dry_run,
            friendly_name,
            status,
            agent,
            metadata,
        } => {
            let typed = TypedChange {
                friendly_name,
                status,
                agent,
                metadata,
            };
            match (number, where_, org) {
                (_, Some(filter), Some(org)) => {
                    update_where::run(g, inv, &org, &filter, typed, dry_run).await?;
                }
                (Some(number), _, org) => {
                    let w = actions::update_typed(inv, &number, org.as_deref(), typed).await?;
                    edited(g, "updated", &w, "");
                }
                (None, _, None) => {
                    return Err(Error::InvalidInput {
                        field: "org".into(),
                        reason: "--where changes the numbers of one organization: give --org"
                            .into(),
                    });
                }
                (None, None, Some(_)) => unreachable!("clap requires a number or --where"),
            }
        }
        Numbers::Remove {
            number,
            org,
            forget_secret,
        } => {
            let w = actions::remove_typed(inv, &number, org.as_deref()).await?;
            edited(g, "removed", &w, "");
            if !w.queued {
                accounts::after_number_removed(inv, &w.number, forget_secret).await?;
            }
        }
        Numbers::Export {
            org,
            format,
            output: path,
            filter,
            sort,
            health,
        } => {
            let format: Format = format.parse()?;
            let health = health.as_deref().map(usage::parse_health).transpose()?;
            let filter = filter.resolve(inv, &org).await?;
            let query = NumberQuery::first(filter, sort.parse()?, MAX_PAGE)?;
            let by = health.map(usage::ByHealth::today);
            let count =
                actions::export_matching_out(inv, &query, by, format, path.as_deref()).await?;
            if let Some(p) = path {
                eprintln!("exported {count} numbers to {}", p.display());
            }
            std::io::stdout().flush().ok();
        }
        Numbers::Import {
            org, file, region, ..
        } => {
            let file = file.ok_or_else(|| Error::InvalidInput {
                field: "import".into(),
                reason: "give a CSV file, or --account ACCOUNT_ID to import from a provider".into(),
            })?;
            let org = inv.organization(&org).await?;
            let opts = ImportOptions {
                default_region: region,
                ..ImportOptions::default()
            };
            let report = actions::import_file(inv, org.id, &file, &opts).await?;
            output::json_or(g.json, &json!({ "inserted": report.inserted }), |_| {
                format!("imported {} numbers into {}", report.inserted, org.slug)
            });
        }
    }
    Ok(())
}
