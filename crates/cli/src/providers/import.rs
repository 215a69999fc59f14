//! `numbers import --org S --account ID [--dry-run] [--yes] [--refresh]`: list every number a
//! provider account owns, compare with the organization's inventory, show the plan, and import
//! the new numbers (and, with `--refresh`, update the different ones). The listing and the
//! writes are `switchboard_ops::providers::import`'s, as in the desktop app: what can be
//! recorded is, each number left out is named with why (exit code 1), and running it again
//! changes nothing the second time: the numbers imported the first time are "already present".

use serde_json::json;
use switchboard_core::domain::Provider;
use switchboard_ops::Progress as Written;
use switchboard_ops::providers::client::account_provider;
use switchboard_ops::providers::import::{self, ImportReport, ListingProgress};
use switchboard_providers::flows::ImportDiff;
use switchboard_providers::import::ImportPlan;

use super::{Failure, Outcome, Progress, confirm, session};
use crate::commands::ImportFromProvider;
use crate::{Global, output, vault};

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
    session::run(g, async |inv, cancel| {
        let org = inv.organization(org).await?;
        let explicit = args.provider.as_deref();
        let provider = account_provider(inv, &org, account_id, explicit).await?;
        let vault = vault::open()?;
        let progress = Progress::new();
        let report = |p: ListingProgress| {
            let (fetched, pages) = (p.fetched, p.pages);
            let total = p.total.map(|t| format!(" of {t}")).unwrap_or_default();
            let text = format!(
                "listing {provider} account {account_id}: {fetched}{total} numbers, {pages} page(s)"
            );
            progress.report(fetched as usize, p.total.map(|t| t as usize), &text);
        };
        let account = (provider, account_id);
        let listed = import::preview(inv, &vault, org.id, account, &report, cancel);
        let listed = listed.await;
        progress.finish();
        let diff = listed.map_err(|f| Failure::of(f, &org.slug))?.diff;
        print_plan(g, &org.slug, account_id, &diff, args);
        let refreshing = if args.refresh {
            diff.different.len()
        } else {
            0
        };
        if args.dry_run {
            return Ok(());
        }
        let recording = diff.unrecorded_sms.len();
        if diff.new.is_empty() && refreshing == 0 && recording == 0 {
            if !g.json {
                println!("nothing to import: the inventory already has this account's numbers");
            }
            return Ok(());
        }
        let new = diff.new.len();
        let slug = &org.slug;
        let mut question = match refreshing {
            0 => format!("Import {new} new number(s) into {slug}"),
            n => format!("Import {new} new number(s) into {slug} and refresh {n}"),
        };
        if recording > 0 {
            question.push_str(&format!(
                ", recording the SMS webhook URL of {recording} number(s) that have none on record"
            ));
        }
        question.push('?');
        confirm(args.yes, &question, cancel).await?;
        let plan = ImportPlan::all(account_id, &diff, args.refresh);
        let total = plan.len();
        let progress = Progress::new();
        let report = |p: Written| {
            let text = format!("importing: {} of {} number(s) written", p.done, p.total);
            progress.report(p.done as usize, Some(p.total as usize), &text);
        };
        let written = import::import(inv, org.id, plan, &report, cancel).await;
        progress.finish();
        print_written(g, &org.slug, account_id, provider, args.refresh, &written);
        if written.cancelled {
            return Err(Failure::Cancelled(format!(
                "cancelled: {} number(s) imported before Ctrl-C, the rest not imported (run it \
                 again to import them)",
                written.imported
            )));
        }
        let failed = written.failed.iter().filter(|f| !f.already_present).count();
        if failed > 0 {
            return Err(Failure::Partial(format!(
                "{failed} of {total} number(s) not imported (see above); the others were"
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
    let (present, failed): (Vec<_>, Vec<_>) =
        written.failed.iter().partition(|f| f.already_present);
    if g.json {
        let failed: Vec<_> = (failed.iter())
            .map(|f| {
                json!({
                    "phone_number": f.phone_number,
                    "code": f.error.code,
                    "error": f.error.message,
                })
            })
            .collect();
        output::json(&json!({
            "organization": org,
            "account_id": account_id,
            "imported": written.imported,
            "refreshed": written.refreshed,
            "sms_recorded": written.sms_recorded,
            "sms_drift": written.sms_drift,
            "already_present": present.iter().map(|f| &f.phone_number).collect::<Vec<_>>(),
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
    if written.sms_recorded > 0 {
        println!(
            "recorded the SMS webhook URL of {} number(s) that had none on record",
            written.sms_recorded
        );
    }
    let drift = (written.sms_drift.iter()).map(|d| {
        let provider = d.provider_url.as_deref().unwrap_or("none");
        (
            &d.phone_number,
            format!(
                "recorded since the listing {}, provider {provider}",
                d.on_record
            ),
        )
    });
    print_named(
        "SMS webhook drift (recorded since the listing: left as recorded, not overwritten)",
        drift,
    );
    if !present.is_empty() {
        println!(
            "{} number(s) already present (added since the listing), not added again",
            present.len()
        );
    }
    for f in failed {
        eprintln!("not imported {}: {}", f.phone_number, f.error.message);
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
            "sms_unrecorded": diff.unrecorded_sms,
            "sms_drift": diff.sms_drift,
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
    let new =
        (diff.new.iter()).map(|n| (&n.phone_number, n.friendly_name.clone().unwrap_or_default()));
    print_named("new", new);
    let different = (diff.different.iter()).map(|d| (&d.number.phone_number, d.fields.join(", ")));
    let different_title = if args.refresh {
        "different (refreshed with --refresh)"
    } else {
        "different (kept as they are; --refresh updates them)"
    };
    print_named(different_title, different);
    if !diff.unrecorded_sms.is_empty() {
        let n = diff.unrecorded_sms.len();
        let verb = if args.dry_run { "would be" } else { "is" };
        println!("{n} number(s) with no SMS webhook URL on record: the provider's {verb} recorded");
    }
    let drift = (diff.sms_drift.iter()).map(|d| {
        let provider = d.provider_url.as_deref().unwrap_or("none");
        (
            &d.phone_number,
            format!("on record {}, provider {provider}", d.on_record),
        )
    });
    print_named(
        "SMS webhook drift (left as recorded; `numbers drift` and the webhook commands repair it)",
        drift,
    );
    for s in diff.skipped.iter().take(NAMED) {
        println!("skipped {:?}: {}", s.raw, s.reason);
    }
    if args.dry_run {
        println!("dry run: nothing was changed");
    }
}

/// `title` and the first [`NAMED`] numbers, each with a note, then how many more (nothing when
/// there are none).
fn print_named<N: std::fmt::Display>(
    title: &str,
    numbers: impl ExactSizeIterator<Item = (N, String)>,
) {
    let total = numbers.len();
    if total == 0 {
        return;
    }
    println!("{title}:");
    for (number, note) in numbers.take(NAMED) {
        println!("  {number}  {note}");
    }
    if total > NAMED {
        println!("  … and {} more", total - NAMED);
    }
}
