//! `numbers import --org S --account ID [--dry-run] [--yes] [--refresh]`: list every number a
//! provider account owns, compare with the organization's inventory, show the plan, and import
//! the new numbers (and, with `--refresh`, update the different ones). The writes follow
//! `switchboard_providers::import::run_import`, as in the desktop app: what can be recorded is,
//! each number left out is named with why (exit code 1), and running it again changes nothing
//! the second time: the numbers imported the first time are "already present".

use serde_json::json;
use switchboard_core::domain::Provider;
use switchboard_ops::providers::ImportInto;
use switchboard_providers::flows::{self, ImportDiff};
use switchboard_providers::import::{ImportPlan, ImportProgress, ImportReport, run_import};
use switchboard_providers::model::ListProgress;

use super::session;
use super::{Failure, Outcome, Progress, confirm};
use crate::commands::ImportFromProvider;
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
        session::check_added(store, &org, provider, account_id).await?;
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
        let plan = ImportPlan::all(account_id, &diff, args.refresh);
        let total = plan.len();
        let progress = Progress::new();
        let report = |p: ImportProgress| {
            progress.report(
                p.done,
                Some(p.total),
                &format!("importing: {} of {} number(s) written", p.done, p.total),
            );
        };
        let mut target = ImportInto {
            inventory: store.inventory(),
            organization_id: org.id,
        };
        let written = run_import(&mut target, plan, &report, cancel).await;
        progress.finish();
        print_written(g, &org.slug, account_id, provider, args.refresh, &written);
        if written.cancelled {
            return Err(Failure::Cancelled(format!(
                "cancelled: {} number(s) imported before Ctrl-C, the rest not imported (run it \
                 again to import them)",
                written.imported
            )));
        }
        if !written.failed.is_empty() {
            return Err(Failure::Partial(format!(
                "{} of {total} number(s) not imported (see above); the others were",
                written.failed.len()
            )));
        }
        Ok(())
    })
}

/// What the import wrote: the counts, then each number left out with why (on standard error).
fn print_written(
    g: &Global,
    org: &str,
    account_id: &str,
    provider: Provider,
    refresh: bool,
    written: &ImportReport,
) {
    if g.json {
        let failed: Vec<_> = written
            .failed
            .iter()
            .map(|f| {
                json!({
                    "phone_number": f.phone_number,
                    "code": f.error.code(),
                    "error": f.error.to_string(),
                })
            })
            .collect();
        output::json(&json!({
            "organization": org,
            "account_id": account_id,
            "imported": written.imported,
            "refreshed": written.refreshed,
            "already_present": written.already_present,
            "failed": failed,
            "cancelled": written.cancelled,
        }));
        return;
    }
    println!(
        "imported {} number(s) into {org} from {provider} account {account_id}{}",
        written.imported,
        if refresh {
            format!("; refreshed {}", written.refreshed)
        } else {
            String::new()
        }
    );
    if !written.already_present.is_empty() {
        println!(
            "{} number(s) already present (added since the listing), not added again",
            written.already_present.len()
        );
    }
    for f in &written.failed {
        eprintln!("not imported {}: {}", f.phone_number, f.error);
    }
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
