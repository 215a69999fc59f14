//! `accounts refresh-readiness` and `numbers readiness`: what the provider says about whether
//! each number can carry its traffic (ops::readiness), in words or JSON.

use serde_json::json;
use switchboard_core::readiness::Readiness;
use switchboard_ops::providers::client as ops_client;
use switchboard_ops::readiness::{self, refresh_account};

use super::session;
use super::{Failure, Outcome, Progress};
use crate::output;
use crate::{Global, vault};

/// `accounts refresh-readiness` flags.
#[derive(Debug, clap::Args)]
pub struct Refresh {
    /// Organization slug or id
    #[arg(long)]
    org: String,
    /// The account id (Twilio Account SID)
    account_id: String,
    /// The account's provider, when the organization does not know the account yet
    #[arg(long)]
    provider: Option<String>,
}

/// `accounts refresh-readiness --org S ACCOUNT_ID`.
pub fn refresh(g: &Global, a: Refresh) -> Outcome {
    let (account_id, provider) = (a.account_id.as_str(), a.provider.as_deref());
    session::run(g, async |inv, cancel| {
        let org = inv.organization(&a.org).await?;
        let provider = ops_client::account_provider(inv, &org, account_id, provider);
        let account = (provider.await?, account_id);
        let progress = Progress::new();
        let report = |p: switchboard_providers::model::ListProgress| {
            progress.report(p.pages as usize, None, &format!("{} requests", p.pages))
        };
        let refreshed = refresh_account(inv, vault::open, org.id, account, &report, cancel).await;
        progress.finish();
        let r = refreshed.map_err(|f| Failure::of(f, &org.slug))?;
        if g.json {
            output::json(&json!({ "organization": org.slug, "refreshed": r }));
            return Ok(());
        }
        for n in &r.alarms {
            eprintln!("ALARM: {} is being ported away or was", n.phone_number);
        }
        let states: Vec<String> = r.states.iter().map(|(s, c)| format!("{c} {s}")).collect();
        println!(
            "{} number(s) of {} checked in {} request(s): {}; {} changed",
            r.checked,
            org.slug,
            r.requests,
            if states.is_empty() {
                "none".into()
            } else {
                states.join(", ")
            },
            r.changed
        );
        for e in &r.elsewhere {
            let meaning = e.readiness.items.first().map_or("", |i| i.meaning.as_str());
            println!("{} is not in {} yet: {meaning}", e.phone_number, org.slug);
        }
        Ok(())
    })
}

/// `numbers readiness NUM`: every item of a number's readiness as last refreshed.
pub fn show(g: &Global, number: &str, org: Option<&str>) -> Outcome {
    session::run(g, async |inv, _cancel| {
        let n = session::number(inv, number, org).await?;
        let judged = readiness::of(&n);
        if g.json {
            output::json(&json!({
                "phone_number": n.phone_number,
                "readiness": judged,
            }));
            return Ok(());
        }
        let Some(r) = judged else {
            println!(
                "{}: readiness never checked; run `accounts refresh-readiness` for its account",
                n.phone_number
            );
            return Ok(());
        };
        print(&n.phone_number.to_string(), &r);
        Ok(())
    })
}

fn print(number: &str, r: &Readiness) {
    let checked = r.checked_at.map(|t| t.to_string()).unwrap_or_default();
    println!("{number}: {} (checked {checked})", r.state.as_str());
    if r.alarm {
        println!("ALARM: the number is being ported away or was");
    }
    for i in &r.items {
        let since = i.since.map(|t| t.date().to_string()).unwrap_or_default();
        let state = if i.provider_state.is_empty() {
            "(none)"
        } else {
            i.provider_state.as_str()
        };
        let (level, kind) = (i.level.as_str(), i.kind.as_str());
        println!("  {level} {kind}: {state}, since {since}");
        println!("    {}", i.meaning);
        for reason in &i.reasons {
            println!("    reason: {reason}");
        }
        if !i.action.is_empty() {
            println!("    to do: {}", i.action);
        }
    }
}
