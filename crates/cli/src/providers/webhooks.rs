//! `numbers webhook` and `numbers drift`.
//!
//! Each provider keeps a number's webhook URLs somewhere else (on the number, its
//! application, its connection or messaging profile); the plan says which object a change
//! writes and how many numbers share it, and a shared object is changed only with
//! `--allow-shared`. The record (`webhook_configured`, `webhook_url`) follows only what the
//! provider confirmed after the write.

use serde_json::json;
use switchboard_core::Error;
use switchboard_core::domain::Provider;
use switchboard_ops::numbers_at_provider::{Bulk as Run, select};
use switchboard_ops::providers::{added_accounts, organization_numbers};
use switchboard_ops::webhooks::{
    BulkWebhookPlan, DriftLine, DriftReport, DriftSelection, PlannedState, Repoint, plan_webhooks,
    policy, set_webhooks, shared_words, webhook_plan,
};
use switchboard_providers::flows::{
    AccountGroups, BulkOptions, BulkProgress, Changes, DEFAULT_CONCURRENCY, SetWebhooks,
};
use switchboard_providers::model::{Channel, WebhookChange, WebhookPlan};

use super::session;
use super::verify::{Extra, print_rows};
use super::{Failure, Outcome, Progress};
use crate::Global;
use crate::number_filter::FilterArgs;
use crate::output::{self, Column};

/// `numbers webhook` flags: one number, or a selection.
#[derive(Debug, clap::Args)]
pub struct Webhook {
    /// Id or E.164 number
    #[arg(required_unless_present_any = [
        "all", "search", "provider", "status", "agent", "capability", "country",
        "number_type",
    ])]
    pub number: Option<String>,
    /// Organization: of the selection, or of the number when it exists in several
    #[arg(long)]
    pub org: Option<String>,
    /// Every number of --org that has a provider account (narrowed by the filters)
    #[arg(long, conflicts_with = "number")]
    pub all: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// URL for incoming calls
    #[arg(long, required_unless_present = "sms_url")]
    pub voice_url: Option<String>,
    /// URL for incoming messages
    #[arg(long)]
    pub sms_url: Option<String>,
    /// Change an object other numbers share too (an application, a connection, a
    /// messaging profile), re-pointing all of them
    #[arg(long)]
    pub allow_shared: bool,
    /// Show the plan only
    #[arg(long)]
    pub dry_run: bool,
    /// Re-point a selection without asking
    #[arg(long)]
    pub yes: bool,
    /// Requests in flight at most, per account (a selection)
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u16,
        value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// The URLs to set, as given (`numbers webhook`, `numbers buy`).
pub(super) fn urls(voice_url: &Option<String>, sms_url: &Option<String>) -> WebhookChange {
    WebhookChange {
        voice_url: voice_url.clone(),
        sms_url: sms_url.clone(),
        ..WebhookChange::default()
    }
}

fn print_plan(plan: &WebhookPlan) {
    println!("plan for {}:", plan.phone_number);
    for c in &plan.changes {
        let name = c
            .object_name
            .as_deref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default();
        let channel = match c.channel {
            Channel::Voice => "voice",
            Channel::Sms => "sms",
        };
        println!(
            "  {channel}: {}{name}, {}: {} -> {}",
            c.object,
            shared_words(c.shared_by),
            c.from.as_deref().unwrap_or("(none)"),
            c.to
        );
        if let Some(d) = &c.detaches {
            println!("    the number leaves {d} (its other numbers keep it)");
        }
    }
}

/// `numbers webhook`: one number ([`set`]), or a selection of an organization ([`set_many`]).
pub fn webhook(g: &Global, w: Webhook) -> Outcome {
    match &w.number {
        Some(_) if !w.filter.is_empty() => Err(Error::InvalidInput {
            field: "selection".into(),
            reason: "give one number, or a selection (--all or the list filters with --org), \
                     not both"
                .into(),
        }
        .into()),
        Some(number) => set(g, number, w.org.as_deref(), &w),
        None => {
            let org = w.org.as_deref().ok_or_else(|| Error::InvalidInput {
                field: "selection".into(),
                reason: format!(
                    "{} selects numbers of one organization: give --org",
                    if w.all { "--all" } else { "a filter" }
                ),
            })?;
            set_many(g, org, &w)
        }
    }
}

/// `numbers webhook ID --voice-url URL [--sms-url URL] [--allow-shared] [--dry-run]`.
fn set(g: &Global, number: &str, org: Option<&str>, change: &Webhook) -> Outcome {
    session::run(g, async |inv, _cancel| {
        let (n, _, slug, client) = session::number_client(inv, number, org).await?;
        let wanted = urls(&change.voice_url, &change.sms_url);
        let plan = (plan_webhooks(&client, &n, &wanted).await)
            .map_err(|e| Failure::of(e.into(), &slug))?;
        let shared = plan.shared_change().cloned();
        if g.json && change.dry_run {
            output::json(&json!({
                "plan": plan,
                "dry_run": true,
                "needs_allow_shared": shared.is_some(),
            }));
        } else if !g.json {
            print_plan(&plan);
        }
        if change.dry_run {
            if !g.json {
                if shared.is_some() && !change.allow_shared {
                    println!("the change touches a shared object: it needs --allow-shared");
                }
                println!("dry run: nothing was changed");
            }
            return Ok(());
        }
        if let Some(c) = &shared
            && !change.allow_shared
        {
            return Err(Failure::NotConfirmed(format!(
                "not changed: {} is {}, so changing it re-points all of them, not only {}; run \
                 again with --allow-shared to do that",
                c.object,
                shared_words(c.shared_by),
                n.phone_number
            )));
        }
        let (state, record) = set_webhooks(inv, &client, &n, &wanted, policy(change.allow_shared))
            .await
            .map_err(|e| Failure::of(e.into(), &slug))?;
        if g.json {
            output::json(&json!({
                "plan": plan,
                "confirmed": state,
                "webhook_configured": record.webhook_configured,
                "webhook_url": record.webhook_url,
            }));
        } else {
            println!(
                "{} confirms voice {} and sms {}; recorded webhook_configured={} webhook_url={}",
                client.api(),
                state.voice_url().unwrap_or("(none)"),
                state.sms_url().unwrap_or("(none)"),
                record.webhook_configured,
                record.webhook_url.as_deref().unwrap_or("(none)")
            );
        }
        Ok(())
    })
}

/// `numbers webhook --org S (--all | filters) --voice-url URL [--sms-url URL] [--yes]
/// [--allow-shared] [--dry-run]`: the selection's numbers, grouped by provider account, each
/// group through ops' `Bulk::set_webhooks` (the dry run: ops' `webhook_plan`). Without `--allow-shared`, a number whose change
/// would touch a shared object is refused by the provider client and left unchanged.
fn set_many(g: &Global, org: &str, change: &Webhook) -> Outcome {
    session::run(g, async |inv, cancel| {
        let org = inv.organization(org).await?;
        let filter = change.filter.resolve(inv, &org.id.to_string()).await?;
        let selected = select(inv, filter).await?;
        // The dry run's plan is ops' (as the app's): it takes the selection itself.
        let planned = change.dry_run.then(|| selected.clone());
        let grouped = AccountGroups::new(selected, &added_accounts(inv).await?);
        let total = grouped.total();
        let without_account = grouped.without_account.len();
        let not_added = grouped.not_added.len();
        let accounts: Vec<String> = (grouped.groups.iter())
            .map(|((p, id), ns)| format!("{p} {id}: {}", ns.len()))
            .collect();
        let target = [
            change.voice_url.as_deref().map(|u| format!("voice {u}")),
            change.sms_url.as_deref().map(|u| format!("sms {u}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let summary = format!(
            "{total} number(s) of {} selected ({}){}; {}",
            org.slug,
            if accounts.is_empty() {
                "none with a provider account".to_owned()
            } else {
                accounts.join(", ")
            },
            set_aside(without_account, not_added, &org.slug),
            if change.allow_shared {
                "shared objects (applications, connections, profiles) are changed too"
            } else {
                "numbers on a shared object are left unchanged (--allow-shared changes it)"
            }
        );
        let slug = org.slug.as_str();
        let connect = |provider: Provider, account_id: String| async move {
            session::client(provider, &account_id, slug).await
        };
        let options = BulkOptions {
            concurrency: change.concurrency.into(),
            cancel: cancel.clone(),
        };
        if let Some(numbers) = planned {
            // The plan asks each provider which objects the change writes (ops, as the app).
            let how = (
                Changes::Same(urls(&change.voice_url, &change.sms_url)),
                policy(change.allow_shared),
            );
            let run = (connect, &options);
            let plan = webhook_plan(inv, numbers, how, run, &|_| {}, &session::WORDS).await?;
            if g.json {
                output::json(&json!({
                    "organization": org.slug,
                    "dry_run": true,
                    "selected": total,
                    "without_account": without_account,
                    "not_added": not_added,
                    "accounts": accounts,
                    "plan": plan,
                }));
            } else {
                println!("re-point to {target}: {summary}");
                print_bulk_plan(&plan);
                println!("dry run: nothing was changed");
            }
            return Ok(());
        }
        if !g.json {
            println!("re-point to {target}: {summary}");
        }
        if total == 0 && not_added == 0 {
            return Err(Error::InvalidInput {
                field: "selection".into(),
                reason: format!("no number of {} with a provider account matches", org.slug),
            }
            .into());
        }
        if total > 0 {
            let question = format!(
                "Re-point the webhooks of {total} number(s) of {} to {target}?",
                org.slug
            );
            super::confirm(change.yes, &question, cancel).await?;
        }
        let action = SetWebhooks {
            change: urls(&change.voice_url, &change.sms_url).into(),
            policy: policy(change.allow_shared),
        };
        let progress = Progress::new();
        let report = |p: BulkProgress| {
            let text = format!(
                "webhooks: {}/{} done ({} failed)",
                p.done, p.total, p.failed
            );
            progress.report(p.done, Some(p.total), &text);
        };
        let bulk = Run::new(inv, connect, &options, &report);
        let ran = bulk.set_webhooks(grouped, action).await?;
        let report = Repoint::new(ran, &session::WORDS);
        if total > 0 {
            progress.finish();
        }
        print_repointed(g, &org.slug, &report);
        if total == 0 {
            return Err(Failure::Partial(format!(
                "none of the {} selected number(s) was re-pointed: {not_added} reference an \
                 account not added to {} (see the report); nothing was sent",
                report.lines.len(),
                org.slug
            )));
        }
        let (repointed, failed) = (report.repointed, report.failed + not_added);
        super::ended(
            "re-pointed",
            report.cancelled,
            repointed,
            failed,
            total + not_added,
        )
    })
}

/// A bulk plan, account by account: the numbers changed, already in sync or refused, the
/// objects written.
fn print_bulk_plan(plan: &BulkWebhookPlan) {
    for a in &plan.accounts {
        println!(
            "{} {}: {} to change, {} {}, {} refused (shared object)",
            a.provider,
            a.account_id,
            a.changed,
            a.in_sync,
            PlannedState::InSync.words(),
            a.refused
        );
        for o in &a.objects {
            let name = (o.object_name.as_deref())
                .map(|n| format!(" {n:?}"))
                .unwrap_or_default();
            println!(
                "  {}{name}: {}, {} of the selection{}",
                o.object,
                shared_words(o.shared_by.map(u64::from)),
                o.selected,
                if o.changed { "" } else { ", not changed" }
            );
        }
        for why in a.numbers.iter().filter_map(|n| n.refused.as_ref()) {
            println!("  refused: {why}");
        }
    }
    for n in &plan.not_planned {
        println!("  {}: not planned: {}", n.phone_number, n.message);
    }
}

fn print_repointed(g: &Global, org: &str, report: &Repoint) {
    // Only a repair finds numbers in sync, and the CLI gives its URLs: they are always written.
    let (repointed, failed, skipped) = (report.repointed, report.failed, report.skipped);
    let items = report.lines.iter().map(|r| {
        let extra: Extra = vec![
            ("voice_url", json!(r.voice_url)),
            ("sms_url", json!(r.sms_url)),
            (
                "webhook_configured",
                json!(r.line.number.webhook_configured),
            ),
        ];
        (&r.line, extra)
    });
    print_rows(
        g,
        items,
        |items| {
            json!({
                "organization": org,
                "items": items,
                "repointed": repointed,
                "failed": failed,
                "skipped": skipped,
            })
        },
        &format!(
            "{org}: {repointed} re-pointed, {failed} not re-pointed, {skipped} skipped (no \
             provider account, or one not added to {org})"
        ),
    );
}

/// The summary's note on the selected numbers that are not sent: without an account, or with
/// one not added to the organization.
fn set_aside(without_account: usize, not_added: usize, org: &str) -> String {
    let mut notes = Vec::new();
    if without_account > 0 {
        notes.push(format!("{without_account} without a provider account"));
    }
    if not_added > 0 {
        notes.push(format!(
            "{not_added} skipped: their account was not added to {org}"
        ));
    }
    notes.iter().map(|n| format!(", {n}")).collect()
}

/// The columns of a drift report: the URL at the provider of a drifted channel reads "(none)"
/// when the provider has none.
const DRIFT_COLUMNS: [Column<DriftLine>; 6] = [
    ("NUMBER", |l| l.line.number.phone_number.to_string()),
    ("RESULT", |l| l.line.result.to_owned()),
    ("CHANNEL", |l| l.channel.to_owned()),
    ("ON RECORD", |l| l.on_record.clone().unwrap_or_default()),
    ("AT PROVIDER", |l| match (&l.at_provider, l.line.result) {
        (Some(url), _) => url.clone(),
        (None, "drifted") => "(none)".into(),
        (None, _) => String::new(),
    }),
    ("DETAIL", |l| l.line.detail.clone()),
];

/// `numbers drift --org S`.
pub fn drift(g: &Global, org: &str, concurrency: usize) -> Outcome {
    session::run(g, async |inv, cancel| {
        let org = inv.organization(org).await?;
        let mut selection = DriftSelection::new(organization_numbers(inv, org.id).await?);
        let progress = Progress::new();
        let report = |p: BulkProgress| {
            let text = format!("checked {}/{} ({} failed)", p.done, p.total, p.failed);
            progress.report(p.done, Some(p.total), &text);
        };
        let slug = org.slug.as_str();
        let connect = |provider: Provider, account_id: String| async move {
            session::client(provider, &account_id, slug).await
        };
        let options = BulkOptions {
            concurrency,
            cancel: cancel.clone(),
        };
        let added = added_accounts(inv).await?;
        let grouped = AccountGroups::new(std::mem::take(&mut selection.recorded), &added);
        let bulk = Run::new(inv, connect, &options, &report);
        let ran = bulk.check_drift(grouped).await?;
        let report = DriftReport::new(&selection, ran, &session::WORDS);
        progress.finish();
        let shown: Vec<DriftLine> = (report.lines.iter())
            .filter(|l| l.line.result != "in sync")
            .cloned()
            .collect();
        if g.json {
            let items: Vec<_> = (shown.iter())
                .map(|l| {
                    json!({
                        "id": l.line.number.id,
                        "phone_number": l.line.number.phone_number,
                        "result": l.line.result,
                        "channel": l.channel,
                        "on_record": l.on_record,
                        "at_provider": l.at_provider,
                        "detail": l.line.detail,
                    })
                })
                .collect();
            output::json(&json!({
                "organization": org.slug,
                "items": items,
                "drifted": report.drifted,
                "in_sync": report.in_sync,
                "failed": report.failed,
                "skipped": report.skipped,
                "not_recorded": report.not_recorded,
                "no_account": report.no_account,
            }));
        } else {
            if !shown.is_empty() {
                output::rows(&shown, &DRIFT_COLUMNS);
            }
            println!(
                "{}: {} drifted, {} in sync, {} not checked, {} skipped (account not added to \
                 {}); {} without a URL on record, {} without a provider account",
                org.slug,
                report.drifted,
                report.in_sync,
                report.not_checked,
                report.skipped,
                org.slug,
                report.not_recorded,
                report.no_account,
            );
        }
        if report.cancelled {
            return Err(Failure::Cancelled(
                "cancelled: the report covers the numbers checked before Ctrl-C".into(),
            ));
        }
        Ok(())
    })
}
