//! `available search`, `numbers buy` and `numbers release` (Twilio).
//!
//! A purchase costs money and a release loses the number: both need `--yes` or a "yes" typed
//! on a terminal, carry a `Confirmed` naming the number, and are sent exactly once. When the
//! network fails during one of them, whether it happened is unknown, and the message says how
//! to find out instead of trying again.

use serde_json::json;
use switchboard_core::domain::{Capability, E164};
use switchboard_ops::numbers_at_provider::{self as at_provider, Bought, Failed};
use switchboard_ops::providers::client::{account_client, account_provider_in};
use switchboard_ops::purchase::required_capabilities;
use switchboard_providers::model::Confirmed;
use switchboard_providers::twilio::{AvailableNumber, AvailableSearch};

use super::session;
use super::webhooks::urls;
use super::{Failure, Outcome, confirm};
use crate::output::{self, Column};
use crate::{Global, vault};

/// `available search` flags.
#[derive(Debug, clap::Args)]
pub struct Search {
    /// The provider account to search with
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub account: String,
    /// ISO country, e.g. US
    #[arg(long)]
    pub country: String,
    /// Area code, e.g. 415
    #[arg(long)]
    pub area_code: Option<String>,
    /// Digits the number contains, e.g. 555
    #[arg(long)]
    pub contains: Option<String>,
    /// Local (default), TollFree or Mobile
    #[arg(long = "type")]
    pub number_type: Option<String>,
    /// Required capability (repeatable): voice, sms, mms, fax
    #[arg(long)]
    pub capability: Vec<String>,
    /// How many to show (at most 50)
    #[arg(long)]
    pub limit: Option<u32>,
    /// Organization whose account it is (to find the account's provider)
    #[arg(long)]
    pub org: Option<String>,
    /// The account's provider (default: the organization's account, else twilio)
    #[arg(long)]
    pub provider: Option<String>,
}

/// `numbers buy` flags.
#[derive(Debug, clap::Args)]
pub struct Buy {
    /// The number to buy, E.164 (see `available search`)
    pub number: String,
    /// The provider account that buys it
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub account: String,
    /// Add the bought number to this organization
    #[arg(long)]
    pub org: Option<String>,
    /// The account's provider (default: the organization's account, else twilio)
    #[arg(long)]
    pub provider: Option<String>,
    /// Point its voice webhook here when buying
    #[arg(long)]
    pub voice_url: Option<String>,
    /// Point its SMS webhook here when buying
    #[arg(long)]
    pub sms_url: Option<String>,
    /// Buy without asking
    #[arg(long)]
    pub yes: bool,
}

/// The columns of `available search`.
const AVAILABLE_COLUMNS: [Column<AvailableNumber>; 4] = [
    ("NUMBER", |a| a.phone_number.to_string()),
    ("LOCALITY", |a| a.locality.clone().unwrap_or_default()),
    ("REGION", |a| a.region.clone().unwrap_or_default()),
    ("CAPABILITIES", |a| {
        (Capability::ALL.into_iter())
            .filter(|c| a.capabilities.has(*c))
            .map(Capability::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }),
];

/// `available search --account ID --country US [--area-code 415] [--contains 555]`.
pub fn search(g: &Global, s: Search) -> Outcome {
    session::run(g, async |inv, _cancel| {
        let (org, explicit) = (s.org.as_deref(), s.provider.as_deref());
        let found = account_provider_in(inv, org, &s.account, explicit);
        let (provider, org) = found.await?;
        let slug = org.map(|o| o.slug).unwrap_or_else(|| "ORG".into());
        let client = session::client(provider, &s.account, &slug).await?;
        let found = client
            .twilio()?
            .search_available(&AvailableSearch {
                country: s.country.clone(),
                number_type: s.number_type.clone(),
                area_code: s.area_code.clone(),
                contains: s.contains.clone(),
                capabilities: required_capabilities(&s.capability)?,
                limit: s.limit,
            })
            .await?;
        if g.json {
            output::json(&json!({ "items": found }));
            return Ok(());
        }
        output::rows(&found, &AVAILABLE_COLUMNS);
        println!(
            "{} available; buy one with: switchboard-cli numbers buy --account {} NUMBER",
            found.len(),
            s.account
        );
        Ok(())
    })
}

/// A failure of a call sent once: a network failure leaves the outcome unknown.
fn once(e: Failed, what: &str, check: &str) -> Failure {
    if e.outcome_unknown() {
        eprintln!("note: it is unknown whether the {what} happened; check with: {check}");
    }
    Failure::of(e.into(), "ORG")
}

/// `numbers buy --account ID NUMBER [--org S] [--yes]`.
pub fn buy(g: &Global, b: Buy) -> Outcome {
    session::run(g, async |inv, cancel| {
        let number = E164::parse(&b.number, None)?;
        let (org, explicit) = (b.org.as_deref(), b.provider.as_deref());
        let found = account_provider_in(inv, org, &b.account, explicit);
        let (provider, org) = found.await?;
        let slug = org.as_ref().map_or("ORG", |o| o.slug.as_str());
        let account = (provider, b.account.as_str());
        let client = account_client(inv, vault::open, org.as_ref().map(|o| o.id), account).await;
        let client = client.map_err(|f| Failure::of(f, slug))?;
        let twilio = client.twilio()?;
        let hooks = Some(urls(&b.voice_url, &b.sms_url)).filter(|h| !h.is_empty());
        confirm(
            b.yes,
            &format!(
                "Buy {number} on {} account {}? This costs money.",
                client.api(),
                b.account
            ),
            cancel,
        )
        .await?;
        let Bought {
            bought,
            record: added,
        } = at_provider::buy(
            inv,
            twilio,
            &b.account,
            org.as_ref().map(|o| o.id),
            &number,
            &Confirmed::number(&number),
            hooks.as_ref(),
        )
        .await
        .map_err(|e| {
            let check = format!(
                "switchboard-cli numbers import --dry-run --org ORG --account {}",
                b.account
            );
            once(e, "purchase", &check)
        })?;
        if g.json {
            output::json(&json!({ "bought": bought, "record": added }));
        } else {
            println!(
                "bought {} ({}) on {} account {}",
                bought.phone_number,
                bought.provider_sid,
                client.api(),
                b.account
            );
            match (&added, &org) {
                (Some(r), Some(o)) => println!("added it to {} ({})", o.slug, r.id),
                _ => println!(
                    "add it to the inventory with: switchboard-cli numbers import --org ORG \
                     --account {}",
                    b.account
                ),
            }
        }
        Ok(())
    })
}

/// `numbers release ID [--org S] [--yes]`.
pub fn release(g: &Global, number: &str, org: Option<&str>, yes: bool) -> Outcome {
    session::run(g, async |inv, cancel| {
        let (n, account_id, slug, client) = session::number_client(inv, number, org).await?;
        let twilio = client.twilio()?;
        confirm(
            yes,
            &format!(
                "Release {} from {} account {account_id}? The account loses the number.",
                n.phone_number,
                client.api()
            ),
            cancel,
        )
        .await?;
        let confirmed = Confirmed::number(&n.phone_number);
        let removed = at_provider::release(inv, twilio, &n, &confirmed)
            .await
            .map_err(|e| {
                let check = format!(
                    "switchboard-cli numbers verify --org {slug} {}",
                    n.phone_number
                );
                once(e, "release", &check)
            })?;
        if g.json {
            output::json(&json!({ "released": removed }));
        } else {
            println!(
                "released {} from {} account {account_id} and removed it from {slug} ({})",
                removed.phone_number,
                client.api(),
                removed.id
            );
        }
        Ok(())
    })
}
