//! The subcommands: each parses its flags, calls one core operation and prints the result.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use switchboard_core::domain::{Metadata, NewNumber, NumberUpdate, Organization, Status};
use switchboard_core::store::{NumberRef, Workspace};
use switchboard_core::transfer::{self, Format, ImportOptions};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::Global;
use crate::number_filter::{AgentArg, ListArgs};
use crate::{accounts, output};

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
}

#[derive(Debug, Subcommand)]
pub enum Numbers {
    /// Add a number
    Add {
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
    },
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
    /// Change a number
    Update {
        /// Id or E.164 number
        number: String,
        /// Organization, when the number exists in several
        #[arg(long)]
        org: Option<String>,
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
    /// Write every number of an organization as CSV or JSON
    Export {
        /// Organization slug or id
        #[arg(long)]
        org: String,
        /// csv or json
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output
        #[arg(long, short)]
        output: Option<PathBuf>,
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
        from_provider: crate::providers::ImportFromProvider,
    },
}

#[derive(Debug, Subcommand)]
pub enum Dev {
    /// Fill an organization with deterministic demo data (creates it when missing)
    Seed {
        /// Organization slug
        #[arg(long)]
        org: String,
        /// How many numbers to add
        #[arg(long)]
        numbers: u64,
    },
}

pub fn orgs(g: &Global, cmd: Orgs) -> Result<()> {
    let mut ws = g.open()?;
    match cmd {
        Orgs::Add { slug, name } => {
            let org = ws.add_organization(&slug, &name)?;
            if g.json {
                output::json(&org);
            } else {
                println!("added organization {} ({})", org.slug, org.id);
            }
        }
        Orgs::List => {
            let orgs = ws.organizations()?;
            output::organizations(g.json, &orgs);
        }
    }
    Ok(())
}

pub fn agents(g: &Global, cmd: Agents) -> Result<()> {
    let mut ws = g.open()?;
    match cmd {
        Agents::Add { org, name } => {
            let org = ws.organization(&org)?;
            let agent = ws.add_agent(org.id, &name)?;
            if g.json {
                output::json(&agent);
            } else {
                println!(
                    "added agent {:?} to {} ({})",
                    agent.name, org.slug, agent.id
                );
            }
        }
        Agents::List { org } => {
            let org = ws.organization(&org)?;
            let agents = ws.agents(org.id)?;
            output::agents(g.json, &agents);
        }
    }
    Ok(())
}

/// Resolves `--agent`: "none" unassigns, otherwise an id or name in the organization.
/// The change `numbers update`'s flags ask for (the agent already resolved); refuses an
/// update that changes nothing. One translation for the local, team and offline paths.
pub(crate) fn update_change(
    friendly_name: Option<String>,
    status: Option<String>,
    agent_id: Option<Option<Uuid>>,
    metadata: Option<String>,
) -> Result<NumberUpdate> {
    let change = NumberUpdate {
        friendly_name: friendly_name.map(|n| Some(n).filter(|n| !n.trim().is_empty())),
        status: status.map(|s| s.parse::<Status>()).transpose()?,
        agent_id,
        metadata_patch: metadata
            .map(|m| Metadata::patch_from_json(&m))
            .transpose()?,
        ..Default::default()
    };
    if change.is_empty() {
        return Err(Error::InvalidInput {
            field: "update".into(),
            reason: "nothing to change: give --friendly-name, --status, --agent or --metadata"
                .into(),
        });
    }
    Ok(change)
}

pub(crate) fn agent_arg(ws: &Workspace, org: Uuid, value: &str) -> Result<Option<Uuid>> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Ok(Some(ws.agent(org, value)?.id))
}

fn org_arg(ws: &Workspace, org: Option<&str>) -> Result<Option<Organization>> {
    org.map(|o| ws.organization(o)).transpose()
}

fn show(g: &Global, ws: &Workspace, n: &switchboard_core::domain::PhoneNumber) -> Result<()> {
    if !g.json {
        let agent = match n.agent_id {
            Some(a) => Some(ws.agent(n.organization_id, &a.to_string())?.name),
            None => None,
        };
        output::number_detail(n, agent.as_deref());
    }
    let org = ws.organization(&n.organization_id.to_string())?;
    accounts::show_credentials(g, n, &org.slug, accounts::status_of(n));
    Ok(())
}

pub fn numbers(g: &Global, cmd: Numbers) -> Result<()> {
    let mut ws = g.open()?;
    match cmd {
        Numbers::Add {
            org,
            provider,
            number,
            region,
            friendly_name,
            status,
            metadata,
            account,
            agent,
        } => {
            let org = ws.organization(&org)?;
            let agent_id = match agent {
                Some(a) => agent_arg(&ws, org.id, &a)?,
                None => None,
            };
            let valid = NewNumber {
                provider,
                number,
                region,
                friendly_name,
                status,
                metadata,
                account_id: account,
                agent_id,
            }
            .validate()?;
            let n = ws.add_number(org.id, valid)?;
            if g.json {
                output::json(&n);
            } else {
                println!("added {} to {} ({})", n.phone_number, org.slug, n.id);
            }
            accounts::hint_after_add(&n, &org.slug, accounts::status_of(&n));
        }
        Numbers::List(list) => {
            let org = ws.organization(&list.org)?;
            let agent = match list.filter.agent_arg() {
                Some(AgentArg::Named(a)) => Some(ws.agent(org.id, a)?.id),
                _ => None,
            };
            let query = list.query(list.filter.to_filter(org.id, agent)?)?;
            let page = ws.list_numbers(&query)?;
            let total = ws.count_numbers(&query.filter)?;
            output::number_page(g.json, &page, total);
        }
        Numbers::Show { number, org } => {
            let org = org_arg(&ws, org.as_deref())?;
            let n = ws.number(&NumberRef::parse(&number)?, org.map(|o| o.id))?;
            show(g, &ws, &n)?;
        }
        Numbers::Update {
            number,
            org,
            friendly_name,
            status,
            agent,
            metadata,
        } => {
            let org = org_arg(&ws, org.as_deref())?;
            let r = NumberRef::parse(&number)?;
            let current = ws.number(&r, org.as_ref().map(|o| o.id))?;
            let agent_id = agent
                .map(|a| agent_arg(&ws, current.organization_id, &a))
                .transpose()?;
            let change = update_change(friendly_name, status, agent_id, metadata)?;
            let n = ws.update_number(
                &NumberRef::Id(current.id),
                Some(current.organization_id),
                &change,
            )?;
            if g.json {
                output::json(&n);
            } else {
                println!("updated {} ({})", n.phone_number, n.id);
            }
        }
        Numbers::Remove {
            number,
            org,
            forget_secret,
        } => {
            let org = org_arg(&ws, org.as_deref())?;
            let n = ws.remove_number(&NumberRef::parse(&number)?, org.map(|o| o.id))?;
            if g.json {
                output::json(&n);
            } else {
                println!("removed {} ({})", n.phone_number, n.id);
            }
            let slug = ws.organization(&n.organization_id.to_string())?.slug;
            let still_used = accounts::local_users(&ws, &n)?;
            accounts::after_number_removed(&n, &slug, still_used, forget_secret)?;
            if forget_secret
                && still_used == 0
                && let Some(id) = n.credentials.account_id(n.provider)
            {
                ws.remove_account(n.organization_id, n.provider, id)?;
            }
        }
        Numbers::Export {
            org,
            format,
            output: path,
        } => {
            let org = ws.organization(&org)?;
            let format: Format = format.parse()?;
            let count = match &path {
                Some(p) => {
                    let file = File::create(p).map_err(|source| Error::Io {
                        path: p.display().to_string(),
                        source,
                    })?;
                    transfer::export(&ws, org.id, format, std::io::BufWriter::new(file))?
                }
                None => {
                    let stdout = std::io::stdout().lock();
                    transfer::export(&ws, org.id, format, stdout)?
                }
            };
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
            let org = ws.organization(&org)?;
            let opts = ImportOptions {
                default_region: region,
                ..ImportOptions::default()
            };
            let input = transfer::open_import_file(&file, &opts.limits)?;
            let report = transfer::import_csv(&mut ws, org.id, input, &opts)?;
            if g.json {
                output::json(&json!({ "inserted": report.inserted }));
            } else {
                println!("imported {} numbers into {}", report.inserted, org.slug);
            }
        }
    }
    Ok(())
}

pub fn dev(g: &Global, cmd: Dev) -> Result<()> {
    let mut ws = g.open()?;
    match cmd {
        Dev::Seed { org, numbers } => {
            let started = std::time::Instant::now();
            let report = switchboard_core::seed::seed(&mut ws, &org, numbers, |done, total| {
                if !g.json && total >= 100_000 {
                    eprint!("\rseeding {done}/{total}");
                }
            })?;
            if !g.json && numbers >= 100_000 {
                eprintln!();
            }
            let secs = started.elapsed().as_secs_f64();
            if g.json {
                output::json(&json!({
                    "organization": report.organization,
                    "agents_created": report.agents_created,
                    "numbers_inserted": report.numbers_inserted,
                    "seconds": secs,
                }));
            } else {
                println!(
                    "seeded {} with {} numbers and {} new agents in {secs:.1} s",
                    report.organization.slug, report.numbers_inserted, report.agents_created
                );
            }
        }
    }
    Ok(())
}
