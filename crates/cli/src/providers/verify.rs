//! `accounts verify` and `numbers verify`: ask the provider, then record what it said.
//!
//! The rule, from `flows::verification_update`: success sets `last_verified_at` (and an
//! `error` status back to `active`); a refusal of the credentials sets `status = error` with
//! the provider's reason in metadata `lastVerifyError`; a network failure, a rate limit or any
//! other error changes nothing.

use serde_json::json;
use switchboard_core::domain::Provider;
use switchboard_ops::numbers_at_provider::{
    Alone, Bulk as Run, ReportLine, VerifyPlan, VerifyReport, account_organizations, verify_plan,
};
use switchboard_ops::providers::accounts::verify_account;
use switchboard_ops::providers::client as ops_client;
use switchboard_ops::providers::{added_accounts, organization_numbers};
use switchboard_providers::flows::{AccountGroups, BulkOptions, BulkProgress, DEFAULT_CONCURRENCY};

use super::session;
use super::{Failure, Outcome, Progress};
use crate::output::{self, Column};
use crate::{Global, vault};

/// `accounts verify` flags.
#[derive(Debug, clap::Args)]
pub struct AccountVerify {
    /// Organization slug or id
    #[arg(long)]
    org: String,
    /// The account id (Twilio Account SID, Vonage API key, Telnyx label, Bandwidth account
    /// id, Plivo auth id)
    account_id: String,
    /// The account's provider, when the organization does not know the account yet
    #[arg(long)]
    provider: Option<String>,
}

/// `numbers verify` flags.
#[derive(Debug, clap::Args)]
pub struct Verify {
    /// Ids or E.164 numbers
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    numbers: Vec<String>,
    /// Every number of --org that has a provider account
    #[arg(long, requires = "org")]
    all: bool,
    /// Organization slug or id
    #[arg(long)]
    org: Option<String>,
    /// Requests in flight at most, per account
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u16,
        value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Show the plan only: the accounts asked, how many numbers and requests each, the
    /// numbers not sent and why
    #[arg(long)]
    dry_run: bool,
}

/// `accounts verify --org S ACCOUNT_ID`.
pub fn account(g: &Global, a: AccountVerify) -> Outcome {
    let (account_id, provider) = (a.account_id.as_str(), a.provider.as_deref());
    session::run(g, async |inv, _cancel| {
        let org = inv.organization(&a.org).await?;
        let provider = ops_client::account_provider(inv, &org, account_id, provider);
        let account = (provider.await?, account_id);
        let vault = vault::open()?;
        let verified = verify_account(inv, &vault, org.id, account).await;
        let verified = verified.map_err(|f| Failure::of(f, &org.slug))?;
        let updated = verified.numbers_updated;
        match verified.result {
            Ok(info) => {
                if g.json {
                    output::json(&json!({
                        "organization": org.slug,
                        "account": info,
                        "numbers_marked_verified": updated,
                    }));
                } else {
                    println!(
                        "{} account {} verified ({}): {}{}",
                        info.api,
                        info.account_id,
                        info.method,
                        info.friendly_name.as_deref().unwrap_or("(no name)"),
                        info.status
                            .as_deref()
                            .map(|s| format!(", status {s}"))
                            .unwrap_or_default()
                    );
                    println!(
                        "last_verified_at set on {updated} number(s) of {}",
                        org.slug
                    );
                }
                Ok(())
            }
            Err(e) => {
                if e.is_auth() && updated > 0 {
                    eprintln!(
                        "status set to error on {updated} number(s) of {} that use this account",
                        org.slug
                    );
                }
                Err(e.into())
            }
        }
    })
}

/// `numbers verify ID…|--all --org S [--dry-run]`.
pub fn numbers(g: &Global, v: Verify) -> Outcome {
    let org = v.org.as_deref();
    session::run(g, async |inv, cancel| {
        let numbers = if v.all {
            let org = inv.organization(org.unwrap_or_default()).await?;
            organization_numbers(inv, org.id).await?
        } else {
            let mut found = Vec::new();
            for t in &v.numbers {
                found.push(session::number(inv, t, org).await?);
            }
            found
        };
        if v.dry_run {
            let plan = verify_plan(inv, numbers, &session::WORDS).await?;
            print_plan(g, &plan);
            return Ok(());
        }
        let single = numbers.len() == 1 && !v.all;
        let grouped = AccountGroups::new(numbers, &added_accounts(inv).await?);
        // The organization each account's numbers belong to, for the "credentials not on
        // this device" hint.
        let slugs = account_organizations(inv, &grouped).await;
        let progress = Progress::new();
        let report = |p: BulkProgress| {
            let text = format!("verified {}/{} ({} failed)", p.done, p.total, p.failed);
            progress.report(p.done, Some(p.total), &text);
        };
        let slugs = &slugs;
        let connect = |provider: Provider, account_id: String| async move {
            let slug = slugs
                .get(&(provider, account_id.clone()))
                .map_or("ORG", String::as_str);
            session::client(provider, &account_id, slug).await
        };
        let options = BulkOptions {
            concurrency: v.concurrency.into(),
            cancel: cancel.clone(),
        };
        let bulk = Run::new(inv, connect, &options, &report);
        let mut ran = bulk.verify(grouped).await?;
        if single {
            ran = match ran.alone() {
                Ok(ran) => ran,
                Err(Alone::Refused(f)) => return Err(Failure::of(f, "ORG")),
                Err(Alone::NoClient(e)) => return Err(e),
                Err(Alone::Failed(e)) => {
                    progress.finish();
                    if e.is_auth() {
                        eprintln!("status set to error on the number");
                    }
                    return Err((*e).into());
                }
            };
        }
        progress.finish();
        let report = VerifyReport::new(ran, &session::WORDS);
        print_report(g, &report);
        let (ok, failed) = (report.verified, report.failed);
        super::ended("verified", report.cancelled, ok, failed, report.lines.len())
    })
}

/// A verification's plan ([`verify_plan`]): the accounts asked, the numbers not sent.
fn print_plan(g: &Global, plan: &VerifyPlan) {
    if g.json {
        output::json(&json!({ "dry_run": true, "plan": plan }));
        return;
    }
    println!(
        "verify {} number(s) in {} request(s), {} not sent",
        plan.numbers,
        plan.requests,
        plan.skipped.len()
    );
    for a in &plan.accounts {
        println!(
            "{} {}: {} number(s), {} request(s)",
            a.provider, a.account_id, a.numbers, a.requests
        );
    }
    for n in &plan.skipped {
        println!("  {}: not sent: {}", n.phone_number, n.message);
    }
    println!("dry run: nothing was sent");
}

fn print_report(g: &Global, report: &VerifyReport) {
    let (ok, failed) = (report.verified, report.failed);
    print_rows(
        g,
        report.lines.iter().map(|l| (l, Vec::new())),
        |items| json!({ "items": items, "verified": ok, "failed": failed }),
        &format!("{ok} verified, {failed} not verified"),
    );
}

/// The columns of a bulk command's per-number report.
const REPORT_COLUMNS: [Column<ReportLine>; 4] = [
    ("NUMBER", |l| l.number.phone_number.to_string()),
    ("PROVIDER", |l| l.number.provider.to_string()),
    ("RESULT", |l| l.result.into()),
    ("DETAIL", |l| l.detail.clone()),
];

/// A JSON item's keys after the common ones.
pub(super) type Extra = Vec<(&'static str, serde_json::Value)>;

/// Prints a bulk command's per-number report: with `--json`, `json` of the items (id, phone
/// number, provider, result, detail, then each row's `Extra`); else the table NUMBER,
/// PROVIDER, RESULT, DETAIL and `summary`.
pub(super) fn print_rows<'a>(
    g: &Global,
    rows: impl Iterator<Item = (&'a ReportLine, Extra)>,
    json: impl FnOnce(Vec<serde_json::Value>) -> serde_json::Value,
    summary: &str,
) {
    let rows: Vec<_> = rows.collect();
    if g.json {
        let items = (rows.into_iter())
            .map(|(l, extra)| {
                let n = &l.number;
                let mut item = json!({
                    "id": n.id,
                    "phone_number": n.phone_number,
                    "provider": n.provider,
                    "result": l.result,
                    "detail": l.detail,
                });
                for (k, v) in extra {
                    item[k] = v;
                }
                item
            })
            .collect();
        output::json(&json(items));
        return;
    }
    let lines: Vec<ReportLine> = rows.into_iter().map(|(l, _)| l.clone()).collect();
    output::rows(&lines, &REPORT_COLUMNS);
    println!("{summary}");
}
