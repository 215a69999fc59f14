//! `accounts verify` and `numbers verify`: ask the provider, then record what it said.
//!
//! The rule, from `flows::verification_update`: success sets `last_verified_at` (and an
//! `error` status back to `active`); a refusal of the credentials sets `status = error` with
//! the provider's reason in metadata `lastVerifyError`; a network failure, a rate limit or any
//! other error changes nothing.

use std::sync::Arc;

use serde_json::json;
use switchboard_core::domain::Provider;
use switchboard_ops::numbers_at_provider::{
    Bulk as Run, Line, ReportLine, Sent, VerifyReport, account_organizations,
};
use switchboard_ops::providers::accounts::verify_account;
use switchboard_ops::providers::client as ops_client;
use switchboard_providers::flows::{AccountGroups, BulkOptions, BulkProgress};

use super::session;
use super::{Failure, Outcome, Progress};
use crate::{Global, output, vault};

/// `accounts verify --org S ACCOUNT_ID`.
pub fn account(g: &Global, org: &str, account_id: &str, provider: Option<&str>) -> Outcome {
    session::run(g, async |store, _cancel| {
        let org = store.organization(org).await?;
        let provider = ops_client::account_provider(store.inventory(), &org, account_id, provider);
        let account = (provider.await?, account_id);
        let vault = vault::open()?;
        let verified = verify_account(store.inventory(), &vault, org.id, account).await;
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

/// `numbers verify ID…|--all --org S`.
pub fn numbers(
    g: &Global,
    targets: &[String],
    all: bool,
    org: Option<&str>,
    concurrency: usize,
) -> Outcome {
    session::run(g, async |store, cancel| {
        let numbers = if all {
            let org = store.organization(org.unwrap_or_default()).await?;
            store.numbers(org.id).await?
        } else {
            let mut found = Vec::new();
            for t in targets {
                found.push(store.number(t, org).await?);
            }
            found
        };
        let single = numbers.len() == 1 && !all;
        let added = store.added_accounts().await?;
        let grouped = AccountGroups::new(numbers, &added);
        // The organization each account's numbers belong to, for the "credentials not on
        // this device" hint.
        let slugs = account_organizations(store.inventory(), &grouped).await;
        let progress = Progress::new();
        let report = |p: BulkProgress| {
            progress.report(
                p.done,
                Some(p.total),
                &format!("verified {}/{} ({} failed)", p.done, p.total, p.failed),
            );
        };
        let slugs = &slugs;
        let connect = |provider: Provider, account_id: String| async move {
            let slug = slugs
                .get(&(provider, account_id.clone()))
                .map_or("ORG", String::as_str);
            session::client(provider, &account_id, slug).await
        };
        let options = BulkOptions {
            concurrency,
            cancel: cancel.clone(),
        };
        let inventory = store.inventory();
        let bulk = Run::new(inventory, connect, &options, &report);
        let mut ran = bulk.verify(grouped).await?;
        if single && let Some(Line { number, sent }) = ran.lines.pop() {
            match sent {
                Sent::NoAccount | Sent::NotAdded(_) => {
                    let refused = ops_client::account_of(&number, &added).err();
                    return refused.map_or(Ok(()), |f| Err(Failure::of(f, "ORG")));
                }
                Sent::NoClient(e) => match Arc::try_unwrap(e) {
                    Ok(e) => return Err(e),
                    Err(e) => ran.lines.push(Line {
                        number,
                        sent: Sent::NoClient(e),
                    }),
                },
                Sent::Failed(e) => {
                    progress.finish();
                    if e.is_auth() {
                        eprintln!("status set to error on the number");
                    }
                    return Err(e.into());
                }
                sent => ran.lines.push(Line { number, sent }),
            }
        }
        progress.finish();
        let report = VerifyReport::new(ran, &session::Words);
        print_report(g, &report);
        if report.cancelled {
            return Err(Failure::Cancelled(format!(
                "cancelled: {} number(s) verified before Ctrl-C, the rest not started",
                report.verified
            )));
        }
        if report.failed > 0 {
            return Err(Failure::Partial(format!(
                "{} of {} number(s) not verified (see the report)",
                report.failed,
                report.lines.len()
            )));
        }
        Ok(())
    })
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
    let table: Vec<Vec<String>> = (rows.iter())
        .map(|(l, _)| {
            let (number, provider) = (l.number.phone_number.to_string(), l.number.provider);
            vec![
                number,
                provider.to_string(),
                l.result.into(),
                l.detail.clone(),
            ]
        })
        .collect();
    output::table(&["NUMBER", "PROVIDER", "RESULT", "DETAIL"], &table);
    println!("{summary}");
}
