//! `numbers import --org S --account ID [--dry-run] [--yes] [--refresh]`: list every number a
//! provider account owns, compare with the organization's inventory, show the plan, and import
//! the new numbers (and, with `--refresh`, update the different ones). Running it twice
//! changes nothing the second time: the numbers imported the first time are "already
//! present".

use serde_json::json;
use switchboard_core::domain::ValidNumber;
use switchboard_providers::flows::{self, ImportDiff};
use switchboard_providers::model::ListProgress;

use super::session::{self, Store};
use super::{Failure, ImportFromProvider, Outcome, Progress, confirm};
use crate::{Global, output};

/// How many numbers of each kind the text plan names.
const NAMED: usize = 20;

/// Runs the import.
pub fn import(g: &Global, org: &str, args: &ImportFromProvider) -> Outcome {
    let Some(account_id) = args.account.as_deref() else {
        return Err(switchboard_core::Error::InvalidInput {
            field: "import".into(),
            reason: "give a CSV file or --account ACCOUNT_ID".into(),
        }
        .into());
    };
    session::run(g, async |store, cancel| {
        let org = store.organization(org).await?;
        let provider =
            session::account_provider(store, &org, account_id, args.provider.as_deref()).await?;
        session::check_added(store, &org, provider, account_id)?;
        let client = session::client(provider, account_id, &org.slug).await?;
        let inventory = store.numbers(org.id).await?;
        let progress = Progress::new();
        let report = |p: ListProgress| {
            let total = p.total.map(|t| format!(" of {t}")).unwrap_or_default();
            progress.report(
                p.fetched,
                p.total,
                &format!(
                    "listing {provider} account {account_id}: {}{total} numbers, {} page(s)",
                    p.fetched, p.pages
                ),
            );
        };
        let listed = flows::import_preview(&client, &inventory, &report, cancel).await;
        progress.finish();
        let diff = listed.map_err(|e| match Failure::from(e) {
            Failure::Cancelled(_) => Failure::Cancelled("cancelled; nothing was imported".into()),
            other => other,
        })?;
        print_plan(g, &org.slug, account_id, &diff, args);
        let refreshing = if args.refresh {
            diff.different.len()
        } else {
            0
        };
        if args.dry_run {
            return Ok(());
        }
        if diff.new.is_empty() && refreshing == 0 {
            if !g.json {
                println!("nothing to import: the inventory already has this account's numbers");
            }
            return Ok(());
        }
        let question = if refreshing > 0 {
            format!(
                "Import {} new number(s) into {} and refresh {refreshing}?",
                diff.new.len(),
                org.slug
            )
        } else {
            format!("Import {} new number(s) into {}?", diff.new.len(), org.slug)
        };
        confirm(args.yes, &question, cancel).await?;
        let valid: Vec<ValidNumber> = diff
            .new
            .iter()
            .map(|n| n.to_new_number(account_id).validate())
            .collect::<switchboard_core::Result<_>>()?;
        let added = store.add(org.id, valid).await?;
        let refreshed = if args.refresh {
            refresh(store, &diff).await?
        } else {
            0
        };
        if g.json {
            output::json(&json!({
                "organization": org.slug,
                "account_id": account_id,
                "imported": added.len(),
                "refreshed": refreshed,
            }));
        } else {
            println!(
                "imported {} number(s) into {} from {provider} account {account_id}{}",
                added.len(),
                org.slug,
                if args.refresh {
                    format!("; refreshed {refreshed}")
                } else {
                    String::new()
                }
            );
        }
        Ok(())
    })
}

/// Brings the "different" numbers in line with the provider.
async fn refresh(store: &mut Store, diff: &ImportDiff) -> Outcome<usize> {
    let mut done = 0;
    for d in &diff.different {
        let change = flows::refresh_update(&d.number);
        let current = store
            .number(&d.existing_id.to_string(), None)
            .await
            .map_err(Failure::from)?;
        store.update(&current, &change).await?;
        done += 1;
    }
    Ok(done)
}

fn print_plan(
    g: &Global,
    org: &str,
    account_id: &str,
    diff: &ImportDiff,
    args: &ImportFromProvider,
) {
    if g.json {
        let different: Vec<_> = diff
            .different
            .iter()
            .map(|d| {
                json!({
                    "phone_number": d.number.phone_number,
                    "id": d.existing_id,
                    "fields": d.fields,
                })
            })
            .collect();
        let present: Vec<_> = diff
            .present
            .iter()
            .map(|(n, id)| json!({ "phone_number": n.phone_number, "id": id }))
            .collect();
        output::json(&json!({
            "organization": org,
            "account_id": account_id,
            "dry_run": args.dry_run,
            "new": diff.new.iter().map(|n| &n.phone_number).collect::<Vec<_>>(),
            "present": present,
            "different": different,
            "skipped": diff.skipped,
        }));
        return;
    }
    println!(
        "{} new, {} already present, {} different, {} skipped",
        diff.new.len(),
        diff.present.len(),
        diff.different.len(),
        diff.skipped.len()
    );
    let more = |total: usize| {
        if total > NAMED {
            println!("  … and {} more", total - NAMED);
        }
    };
    if !diff.new.is_empty() {
        println!("new:");
        for n in diff.new.iter().take(NAMED) {
            println!(
                "  {}  {}",
                n.phone_number,
                n.friendly_name.as_deref().unwrap_or("")
            );
        }
        more(diff.new.len());
    }
    if !diff.different.is_empty() {
        println!(
            "different{}:",
            if args.refresh {
                " (refreshed with --refresh)"
            } else {
                " (kept as they are; --refresh updates them)"
            }
        );
        for d in diff.different.iter().take(NAMED) {
            println!("  {}  {}", d.number.phone_number, d.fields.join(", "));
        }
        more(diff.different.len());
    }
    for s in diff.skipped.iter().take(NAMED) {
        println!("skipped {:?}: {}", s.raw, s.reason);
    }
    if args.dry_run {
        println!("dry run: nothing was changed");
    }
}
