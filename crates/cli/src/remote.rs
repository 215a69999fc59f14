//! The `orgs`, `agents` and `numbers` commands against the team database (`--database-url`).
//!
//! Each command is the local command's translation with [`RemoteWorkspace`] in place of the
//! local workspace: the same flags, output and exit codes (2 for bad input, including refusals
//! and "not found"; 1 for an offline or failing server). Schema warnings from connecting are
//! printed on standard error. `numbers import FILE` reads the file as the local import does
//! and writes all of it in one transaction, or nothing (`RemoteWorkspace::import_csv`).

use std::fs::File;
use std::io::Write;

use switchboard_core::domain::{NewNumber, Organization, PhoneNumber};
use switchboard_core::store::NumberRef;
use switchboard_core::transfer::{self, Exporter, Format, ImportOptions};
use switchboard_core::{Error, Result};
use switchboard_postgres::RemoteWorkspace;
use uuid::Uuid;

use crate::commands::{Agents, Numbers, Orgs};
use crate::number_filter::AgentArg;
use crate::{Global, accounts, commands, db, output};

/// Runs `f` on a connected workspace.
pub fn with_workspace<T>(
    g: &Global,
    f: impl AsyncFnOnce(&RemoteWorkspace) -> Result<T>,
) -> Result<T> {
    let settings = db::settings(g)?;
    db::runtime()?.block_on(async {
        let ws = RemoteWorkspace::connect(&settings).await?;
        for warning in ws.warnings() {
            eprintln!("warning: {warning}");
        }
        let result = f(&ws).await;
        // Rows a listing or an export left out, or showed without a secret: on stderr, so
        // what a command prints (a listing, an export file) stays as it is.
        for s in ws.take_skipped() {
            let what = if s.kept {
                "shown without it"
            } else {
                "left out"
            };
            eprintln!(
                "warning: row {} ({}) {what}: {}",
                s.number_id,
                s.phone_number.as_deref().unwrap_or("-"),
                s.reason
            );
        }
        ws.close().await;
        result
    })
}

pub fn orgs(g: &Global, cmd: Orgs) -> Result<()> {
    with_workspace(g, async |ws| {
        match cmd {
            Orgs::Add { slug, name } => {
                let org = ws.add_organization(&slug, &name).await?;
                if g.json {
                    output::json(&org);
                } else {
                    println!("added organization {} ({})", org.slug, org.id);
                }
            }
            Orgs::List => {
                let orgs = ws.organizations().await?;
                output::organizations(g.json, &orgs);
            }
        }
        Ok(())
    })
}

pub fn agents(g: &Global, cmd: Agents) -> Result<()> {
    with_workspace(g, async |ws| {
        match cmd {
            Agents::Add { org, name } => {
                let org = ws.organization(&org).await?;
                let agent = ws.add_agent(org.id, &name).await?;
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
                let org = ws.organization(&org).await?;
                let agents = ws.agents(org.id).await?;
                output::agents(g.json, &agents);
            }
        }
        Ok(())
    })
}

/// Resolves `--agent`: "none" unassigns, otherwise an id or name in the organization.
async fn agent_arg(ws: &RemoteWorkspace, org: Uuid, value: &str) -> Result<Option<Uuid>> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Ok(Some(ws.agent(org, value).await?.id))
}

async fn org_arg(ws: &RemoteWorkspace, org: Option<&str>) -> Result<Option<Organization>> {
    match org {
        Some(o) => Ok(Some(ws.organization(o).await?)),
        None => Ok(None),
    }
}

async fn show(g: &Global, ws: &RemoteWorkspace, n: &PhoneNumber) -> Result<()> {
    if !g.json {
        let agent = match n.agent_id {
            Some(a) => Some(ws.agent(n.organization_id, &a.to_string()).await?.name),
            None => None,
        };
        output::number_detail(n, agent.as_deref());
    }
    let org = ws.organization(&n.organization_id.to_string()).await?;
    accounts::show_credentials(g, n, &org.slug, accounts::status_of_async(n).await);
    Ok(())
}

pub fn numbers(g: &Global, cmd: Numbers) -> Result<()> {
    with_workspace(g, async |ws| numbers_on(g, ws, cmd).await)
}

async fn numbers_on(g: &Global, ws: &RemoteWorkspace, cmd: Numbers) -> Result<()> {
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
            let org = ws.organization(&org).await?;
            let agent_id = match agent {
                Some(a) => agent_arg(ws, org.id, &a).await?,
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
            let n = ws.add_number(org.id, valid).await?;
            if g.json {
                output::json(&n);
            } else {
                println!("added {} to {} ({})", n.phone_number, org.slug, n.id);
            }
            accounts::hint_after_add(&n, &org.slug, accounts::status_of_async(&n).await);
        }
        Numbers::List(list) => {
            let org = ws.organization(&list.org).await?;
            let agent = match list.filter.agent_arg() {
                Some(AgentArg::Named(a)) => Some(ws.agent(org.id, a).await?.id),
                _ => None,
            };
            let query = list.query(list.filter.to_filter(org.id, agent)?)?;
            let page = ws.list_numbers(&query).await?;
            let total = ws.count_numbers(&query.filter).await?;
            output::number_page(g.json, &page, total);
        }
        Numbers::Show { number, org } => {
            let org = org_arg(ws, org.as_deref()).await?;
            let n = ws
                .number(&NumberRef::parse(&number)?, org.map(|o| o.id))
                .await?;
            show(g, ws, &n).await?;
        }
        Numbers::Update {
            number,
            org,
            friendly_name,
            status,
            agent,
            metadata,
        } => {
            let org = org_arg(ws, org.as_deref()).await?;
            let r = NumberRef::parse(&number)?;
            let current = ws.number(&r, org.as_ref().map(|o| o.id)).await?;
            let agent_id = match agent {
                Some(a) => Some(agent_arg(ws, current.organization_id, &a).await?),
                None => None,
            };
            let change = commands::update_change(friendly_name, status, agent_id, metadata)?;
            let n = ws
                .update_number(
                    &NumberRef::Id(current.id),
                    Some(current.organization_id),
                    &change,
                )
                .await?;
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
            let org = org_arg(ws, org.as_deref()).await?;
            let n = ws
                .remove_number(&NumberRef::parse(&number)?, org.map(|o| o.id))
                .await?;
            if g.json {
                output::json(&n);
            } else {
                println!("removed {} ({})", n.phone_number, n.id);
            }
            let slug = ws.organization(&n.organization_id.to_string()).await?.slug;
            let still_used = accounts::remote_user_count(ws, &n).await?;
            tokio::task::spawn_blocking(move || {
                accounts::after_number_removed(&n, &slug, still_used, forget_secret)
            })
            .await
            .map_err(|e| Error::Vault(format!("the vault call stopped: {e}")))??;
        }
        Numbers::Export {
            org,
            format,
            output: path,
        } => {
            let org = ws.organization(&org).await?;
            let format: Format = format.parse()?;
            let count = match &path {
                Some(p) => {
                    let file = File::create(p).map_err(|source| Error::Io {
                        path: p.display().to_string(),
                        source,
                    })?;
                    export(ws, org.id, format, std::io::BufWriter::new(file)).await?
                }
                None => export(ws, org.id, format, std::io::stdout().lock()).await?,
            };
            if let Some(p) = path {
                eprintln!("exported {count} numbers to {}", p.display());
            }
        }
        Numbers::Import {
            org, file, region, ..
        } => {
            let file = file.ok_or_else(|| Error::InvalidInput {
                field: "import".into(),
                reason: "give a CSV file, or --account ACCOUNT_ID to import from a provider".into(),
            })?;
            let org = ws.organization(&org).await?;
            let opts = ImportOptions {
                default_region: region,
                ..ImportOptions::default()
            };
            let input = transfer::open_import_file(&file, &opts.limits)?;
            let report = ws.import_csv(org.id, input, &opts).await?;
            if g.json {
                output::json(&serde_json::json!({ "inserted": report.inserted }));
            } else {
                println!("imported {} numbers into {}", report.inserted, org.slug);
            }
        }
    }
    Ok(())
}

/// Writes every number of an organization as the local export does (core's exporter, which
/// escapes the same cells); returns how many.
async fn export(ws: &RemoteWorkspace, org: Uuid, format: Format, out: impl Write) -> Result<u64> {
    let mut exporter = Exporter::new(format, out)?;
    ws.for_each_number(org, |n| exporter.write(n)).await?;
    exporter.finish()
}
