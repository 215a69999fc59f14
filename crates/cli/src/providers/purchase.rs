//! `available search`, `numbers buy` and `numbers release` (Twilio).
//!
//! A purchase costs money and a release loses the number: both need `--yes` or a "yes" typed
//! on a terminal, carry a `Confirmed` naming the number, and are sent exactly once. When the
//! network fails during one of them, whether it happened is unknown, and the message says how
//! to find out instead of trying again.

use serde_json::json;
use switchboard_core::domain::{Capabilities, Capability, E164};
use switchboard_ops::numbers_at_provider::{self as at_provider, Bought, Failed};
use switchboard_providers::ProviderErrorCode;
use switchboard_providers::model::{Confirmed, WebhookChange};
use switchboard_providers::twilio::AvailableSearch;

use super::session::{self, Store};
use super::{Failure, Outcome, confirm};
use crate::{Global, output};

/// `available search` flags.
#[derive(Debug)]
pub struct Search {
    pub account: String,
    pub country: String,
    pub area_code: Option<String>,
    pub contains: Option<String>,
    pub number_type: Option<String>,
    pub capability: Vec<String>,
    pub limit: Option<u32>,
    pub org: Option<String>,
    pub provider: Option<String>,
}

/// `numbers buy` flags.
#[derive(Debug)]
pub struct Buy {
    pub number: String,
    pub account: String,
    pub org: Option<String>,
    pub provider: Option<String>,
    pub voice_url: Option<String>,
    pub sms_url: Option<String>,
    pub yes: bool,
}

/// The account's provider and the organization slug for hints: from `--org` when given, else
/// `--provider`, else Twilio.
async fn provider_of(
    store: &Store,
    org: Option<&str>,
    account: &str,
    provider: Option<&str>,
) -> Outcome<(
    switchboard_core::domain::Provider,
    Option<switchboard_core::domain::Organization>,
)> {
    match org {
        Some(o) => {
            let org = store.organization(o).await?;
            let p = session::account_provider(store, &org, account, provider).await?;
            Ok((p, Some(org)))
        }
        None => Ok((
            provider
                .map(str::parse)
                .transpose()?
                .unwrap_or(switchboard_core::domain::Provider::Twilio),
            None,
        )),
    }
}

fn capabilities(names: &[String]) -> Outcome<Capabilities> {
    let mut caps = Capabilities::default();
    for name in names {
        match name.parse::<Capability>()? {
            Capability::Voice => caps.voice = true,
            Capability::Sms => caps.sms = true,
            Capability::Mms => caps.mms = true,
            Capability::Fax => caps.fax = true,
        }
    }
    Ok(caps)
}

fn caps_words(c: &Capabilities) -> String {
    [
        (c.voice, "voice"),
        (c.sms, "sms"),
        (c.mms, "mms"),
        (c.fax, "fax"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, w)| *w)
    .collect::<Vec<_>>()
    .join(",")
}

/// `available search --account ID --country US [--area-code 415] [--contains 555]`.
pub fn search(g: &Global, s: Search) -> Outcome {
    session::run(g, async |store, _cancel| {
        let (provider, org) =
            provider_of(store, s.org.as_deref(), &s.account, s.provider.as_deref()).await?;
        let slug = org.map(|o| o.slug).unwrap_or_else(|| "ORG".into());
        let client = session::client(provider, &s.account, &slug).await?;
        let found = client
            .twilio()?
            .search_available(&AvailableSearch {
                country: s.country.clone(),
                number_type: s.number_type.clone(),
                area_code: s.area_code.clone(),
                contains: s.contains.clone(),
                capabilities: capabilities(&s.capability)?,
                limit: s.limit,
            })
            .await?;
        if g.json {
            output::json(&json!({ "items": found }));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|a| {
                vec![
                    a.phone_number.to_string(),
                    a.locality.clone().unwrap_or_default(),
                    a.region.clone().unwrap_or_default(),
                    caps_words(&a.capabilities),
                ]
            })
            .collect();
        output::table(&["NUMBER", "LOCALITY", "REGION", "CAPABILITIES"], &rows);
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
    if let Failed::Provider(e) = &e
        && e.code() == ProviderErrorCode::Offline
    {
        eprintln!("note: it is unknown whether the {what} happened; check with: {check}");
    }
    e.into()
}

/// `numbers buy --account ID NUMBER [--org S] [--yes]`.
pub fn buy(g: &Global, b: Buy) -> Outcome {
    session::run(g, async |store, cancel| {
        let number = E164::parse(&b.number, None)?;
        let (provider, org) =
            provider_of(store, b.org.as_deref(), &b.account, b.provider.as_deref()).await?;
        if let Some(org) = &org {
            session::check_added(store, org, provider, &b.account).await?;
        }
        let slug = org
            .as_ref()
            .map(|o| o.slug.clone())
            .unwrap_or_else(|| "ORG".into());
        let client = session::client(provider, &b.account, &slug).await?;
        let twilio = client.twilio()?;
        let hooks = (b.voice_url.is_some() || b.sms_url.is_some()).then(|| WebhookChange {
            voice_url: b.voice_url.clone(),
            sms_url: b.sms_url.clone(),
            ..WebhookChange::default()
        });
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
            store.inventory(),
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
    session::run(g, async |store, cancel| {
        let (n, account_id, slug, client) = session::number_client(store, number, org).await?;
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
        let removed = at_provider::release(store.inventory(), twilio, &n, &confirmed)
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
