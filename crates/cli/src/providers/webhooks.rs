//! `numbers webhook` and `numbers drift`.
//!
//! Each provider keeps a number's webhook URLs somewhere else (on the number, its
//! application, its connection or messaging profile); the plan says which object a change
//! writes and how many numbers share it, and a shared object is changed only with
//! `--allow-shared`. The record (`webhook_configured`, `webhook_url`) follows only what the
//! provider confirmed after the write.

use std::collections::BTreeMap;

use serde_json::json;
use switchboard_core::domain::{PhoneNumber, Provider};
use switchboard_providers::flows::{self, BulkOptions, BulkProgress, Outcome as Done};
use switchboard_providers::model::{
    Channel, Drift, DriftStatus, NumberRef as ProviderRef, SharedPolicy, WebhookChange, WebhookPlan,
};

use super::session::{self};
use super::{Failure, Outcome, Progress, provider_message};
use crate::{Global, output};

/// What `numbers webhook` changes.
#[derive(Debug)]
pub struct Change {
    /// New voice URL.
    pub voice_url: Option<String>,
    /// New SMS URL.
    pub sms_url: Option<String>,
    /// Change a shared object.
    pub allow_shared: bool,
    /// Plan only.
    pub dry_run: bool,
}

fn shared_words(shared_by: Option<u64>) -> String {
    match shared_by {
        Some(1) => "this number only".into(),
        Some(n) => format!("shared by {n} numbers"),
        None => "shared by an unknown number of numbers".into(),
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

/// `numbers webhook ID --voice-url URL [--sms-url URL] [--allow-shared] [--dry-run]`.
pub fn set(g: &Global, number: &str, org: Option<&str>, change: Change) -> Outcome {
    session::run(g, async |store, _cancel| {
        let n = store.number(number, org).await?;
        let (provider, account_id) = session::account_of(&n)?;
        let slug = store
            .organization(&n.organization_id.to_string())
            .await?
            .slug;
        let client = session::client(provider, &account_id, &slug).await?;
        let r = session::provider_ref(&n);
        let wanted = WebhookChange {
            voice_url: change.voice_url.clone(),
            sms_url: change.sms_url.clone(),
            ..WebhookChange::default()
        };
        let plan = client.plan_webhooks(&r, &wanted).await?;
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
        let policy = if change.allow_shared {
            SharedPolicy::AllowShared
        } else {
            SharedPolicy::OnlyThisNumber
        };
        let state = client.set_webhooks(&r, &wanted, policy).await?;
        let platform_url = change
            .voice_url
            .as_deref()
            .or(change.sms_url.as_deref())
            .unwrap_or_default();
        let update = flows::webhook_update(&state, platform_url);
        let record = store.update(&n, &update).await?;
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

/// One number's drift line.
struct Row {
    number: PhoneNumber,
    result: &'static str,
    channel: &'static str,
    on_record: Option<String>,
    at_provider: Option<String>,
    detail: String,
}

/// The URL on record, as the channel `webhook_update` recorded it from: voice, or SMS for a
/// number that has SMS but no voice.
fn on_record(n: &PhoneNumber) -> Option<(Option<String>, Option<String>)> {
    let url = n.webhook_url.clone()?;
    let caps = n.capabilities();
    Some(if caps.sms && !caps.voice {
        (None, Some(url))
    } else {
        (Some(url), None)
    })
}

fn drift_rows(number: PhoneNumber, drift: &Drift, rows: &mut Vec<Row>) {
    let mut drifted = false;
    for (channel, status) in [("voice", &drift.voice), ("sms", &drift.sms)] {
        if let DriftStatus::Drifted {
            provider_url,
            on_record,
            owner,
        } = status
        {
            drifted = true;
            rows.push(Row {
                number: number.clone(),
                result: "drifted",
                channel,
                on_record: Some(on_record.clone()),
                at_provider: provider_url.clone(),
                detail: owner.as_ref().map(|o| o.to_string()).unwrap_or_default(),
            });
        }
    }
    if !drifted {
        rows.push(Row {
            number,
            result: "in sync",
            channel: "",
            on_record: None,
            at_provider: None,
            detail: String::new(),
        });
    }
}

/// `numbers drift --org S`.
pub fn drift(g: &Global, org: &str, concurrency: usize) -> Outcome {
    session::run(g, async |store, cancel| {
        let org = store.organization(org).await?;
        let mut groups: BTreeMap<(Provider, String), Vec<PhoneNumber>> = BTreeMap::new();
        let mut not_recorded = 0usize;
        let mut no_account = 0usize;
        for n in store.numbers(org.id).await? {
            match (
                n.credentials.account_id(n.provider),
                n.webhook_url.is_some(),
            ) {
                (None, _) => no_account += 1,
                (Some(_), false) => not_recorded += 1,
                (Some(id), true) => groups
                    .entry((n.provider, id.to_owned()))
                    .or_default()
                    .push(n),
            }
        }
        let total: usize = groups.values().map(Vec::len).sum();
        let progress = Progress::new();
        let mut rows = Vec::new();
        let mut offset = 0;
        let mut cancelled = false;
        for ((provider, account_id), group) in groups {
            let client = match session::client(provider, &account_id, &org.slug).await {
                Ok(c) => c,
                Err(e) => {
                    let detail = e.message();
                    rows.extend(group.into_iter().map(|number| Row {
                        number,
                        result: "not checked",
                        channel: "",
                        on_record: None,
                        at_provider: None,
                        detail: detail.clone(),
                    }));
                    continue;
                }
            };
            let input: Vec<(ProviderRef, Option<String>, Option<String>)> = group
                .iter()
                .filter_map(|n| {
                    let (voice, sms) = on_record(n)?;
                    Some((session::provider_ref(n), voice, sms))
                })
                .collect();
            let options = BulkOptions {
                concurrency,
                cancel: cancel.clone(),
            };
            let base = offset;
            let report = |p: BulkProgress| {
                progress.report(
                    base + p.done,
                    Some(total),
                    &format!("checked {}/{total} ({} failed)", base + p.done, p.failed),
                );
            };
            let bulk = flows::bulk_drift(&client, &input, &options, &report).await;
            offset += group.len();
            cancelled |= bulk.cancelled;
            for (number, outcome) in group.into_iter().zip(bulk.outcomes) {
                match outcome.outcome {
                    Done::Ok(d) => drift_rows(number, &d, &mut rows),
                    Done::Failed(e) => rows.push(Row {
                        number,
                        result: "failed",
                        channel: "",
                        on_record: None,
                        at_provider: None,
                        detail: provider_message(&e),
                    }),
                    Done::NotStarted => rows.push(Row {
                        number,
                        result: "not started",
                        channel: "",
                        on_record: None,
                        at_provider: None,
                        detail: "cancelled".into(),
                    }),
                }
            }
        }
        progress.finish();
        let count = |what: &str| {
            rows.iter()
                .filter(|r| r.result == what)
                .map(|r| r.number.id)
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        if g.json {
            let items: Vec<_> = rows
                .iter()
                .filter(|r| r.result != "in sync")
                .map(|r| {
                    json!({
                        "id": r.number.id,
                        "phone_number": r.number.phone_number,
                        "result": r.result,
                        "channel": r.channel,
                        "on_record": r.on_record,
                        "at_provider": r.at_provider,
                        "detail": r.detail,
                    })
                })
                .collect();
            output::json(&json!({
                "organization": org.slug,
                "items": items,
                "drifted": count("drifted"),
                "in_sync": count("in sync"),
                "failed": count("failed") + count("not checked"),
                "not_recorded": not_recorded,
                "no_account": no_account,
            }));
        } else {
            let table: Vec<Vec<String>> = rows
                .iter()
                .filter(|r| r.result != "in sync")
                .map(|r| {
                    vec![
                        r.number.phone_number.to_string(),
                        r.result.to_owned(),
                        r.channel.to_owned(),
                        r.on_record.clone().unwrap_or_default(),
                        r.at_provider.clone().unwrap_or_else(|| {
                            if r.result == "drifted" {
                                "(none)".into()
                            } else {
                                String::new()
                            }
                        }),
                        r.detail.clone(),
                    ]
                })
                .collect();
            if !table.is_empty() {
                output::table(
                    &[
                        "NUMBER",
                        "RESULT",
                        "CHANNEL",
                        "ON RECORD",
                        "AT PROVIDER",
                        "DETAIL",
                    ],
                    &table,
                );
            }
            println!(
                "{}: {} drifted, {} in sync, {} not checked; {not_recorded} without a URL on \
                 record, {no_account} without a provider account",
                org.slug,
                count("drifted"),
                count("in sync"),
                count("failed") + count("not checked") + count("not started"),
            );
        }
        if cancelled {
            return Err(Failure::Cancelled(
                "cancelled: the report covers the numbers checked before Ctrl-C".into(),
            ));
        }
        Ok(())
    })
}
