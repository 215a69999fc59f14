//! Deterministic, realistic demo data: numbers in several countries, at five providers, with
//! a spread of statuses, capabilities, agents and timestamps.
//!
//! The same organization slug and count always produce the same rows, so demos, benchmarks
//! and bug reports can be reproduced. Every generated number is validated by libphonenumber
//! like any other input.

use std::collections::HashSet;

use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::domain::{
    Agent, Capabilities, Credentials, E164, Metadata, NumberFacts, Organization, PhoneNumber,
    Provider, Status,
};
use crate::error::{Error, Result};
use crate::store::Workspace;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeds from text.
    pub fn from_seed(seed: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn uuid(&mut self) -> Uuid {
        let bytes = ((self.next_u64() as u128) << 64 | self.next_u64() as u128).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// A number plan: country, weight, region label, and (prefix, locality) choices followed by
/// `rest` random digits.
struct Plan {
    weight: u64,
    region: &'static str,
    prefixes: &'static [(&'static str, &'static str, &'static str)],
    rest: usize,
}

const PLANS: &[Plan] = &[
    Plan {
        weight: 52,
        region: "US/Canada",
        prefixes: &[
            ("+1415", "San Francisco", "CA"),
            ("+1212", "New York", "NY"),
            ("+1646", "New York", "NY"),
            ("+1312", "Chicago", "IL"),
            ("+1213", "Los Angeles", "CA"),
            ("+1617", "Boston", "MA"),
            ("+1206", "Seattle", "WA"),
            ("+1512", "Austin", "TX"),
            ("+1305", "Miami", "FL"),
            ("+1404", "Atlanta", "GA"),
            ("+1303", "Denver", "CO"),
            ("+1503", "Portland", "OR"),
        ],
        rest: 7,
    },
    Plan {
        weight: 6,
        region: "US/Canada",
        prefixes: &[
            ("+1800", "", ""),
            ("+1833", "", ""),
            ("+1888", "", ""),
            ("+1877", "", ""),
        ],
        rest: 7,
    },
    Plan {
        weight: 7,
        region: "US/Canada",
        prefixes: &[
            ("+1416", "Toronto", "ON"),
            ("+1604", "Vancouver", "BC"),
            ("+1514", "Montreal", "QC"),
        ],
        rest: 7,
    },
    Plan {
        weight: 10,
        region: "Europe",
        prefixes: &[
            ("+44207", "London", ""),
            ("+447400", "", ""),
            ("+44161", "Manchester", ""),
        ],
        rest: 7,
    },
    Plan {
        weight: 6,
        region: "Europe",
        prefixes: &[
            ("+4930", "Berlin", ""),
            ("+4989", "Munich", ""),
            ("+49151", "", ""),
        ],
        rest: 7,
    },
    Plan {
        weight: 5,
        region: "Europe",
        prefixes: &[("+3314", "Paris", ""), ("+3361", "", "")],
        rest: 7,
    },
    Plan {
        weight: 3,
        region: "Europe",
        prefixes: &[("+3120", "Amsterdam", "")],
        rest: 7,
    },
    Plan {
        weight: 5,
        region: "Asia Pacific",
        prefixes: &[
            ("+6129", "Sydney", "NSW"),
            ("+6139", "Melbourne", "VIC"),
            ("+61412", "", ""),
        ],
        rest: 7,
    },
    Plan {
        weight: 4,
        region: "Latin America",
        prefixes: &[("+55119", "São Paulo", "SP")],
        rest: 8,
    },
    Plan {
        weight: 2,
        region: "Asia Pacific",
        prefixes: &[("+813", "Tokyo", "")],
        rest: 8,
    },
];

const DEPARTMENTS: &[&str] = &[
    "Support",
    "Sales",
    "Billing",
    "Onboarding",
    "Reservations",
    "Front Desk",
    "After Hours",
    "Escalations",
    "Returns",
    "Scheduling",
    "Claims",
    "Dispatch",
];

const AGENT_NAMES: &[&str] = &[
    "Ava — Support",
    "Max — Sales",
    "Iris — Billing",
    "Leo — Scheduling",
    "Nova — After Hours",
    "Kai — Claims",
    "Mia — Reservations",
    "Otto — Dispatch",
];

/// What [`seed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// The organization seeded.
    pub organization: Organization,
    /// Agents created.
    pub agents_created: usize,
    /// Numbers inserted.
    pub numbers_inserted: u64,
}

/// Generates `count` numbers (deterministic per slug and count) without touching a store.
pub fn generate(
    org: &Organization,
    agents: &[Agent],
    count: u64,
    mut taken: HashSet<String>,
) -> Result<Vec<(PhoneNumber, NumberFacts)>> {
    let mut rng = Rng::from_seed(&format!("{}:{count}", org.slug));
    let total_weight: u64 = PLANS.iter().map(|p| p.weight).sum();
    let accounts: Vec<(Provider, String)> = Provider::ALL
        .iter()
        .flat_map(|p| (0..3).map(move |i| (*p, i)))
        .map(|(p, i)| {
            let mut r = Rng::from_seed(&format!("{}:{}:{i}", org.slug, p.as_str()));
            let id = match p {
                Provider::Twilio => format!("AC{:016x}{:016x}", r.next_u64(), r.next_u64()),
                Provider::Vonage => format!("{:08x}", r.next_u64() as u32),
                Provider::Plivo => format!("MA{:018}", r.next_u64() % 1_000_000_000_000_000_000),
                _ => format!("{:x}", r.next_u64()),
            };
            (p, id)
        })
        .collect();
    let epoch = OffsetDateTime::from_unix_timestamp(1_700_000_000)
        .map_err(|e| Error::invalid("seed", e.to_string()))?;
    let mut out = Vec::with_capacity(count as usize);
    let mut attempts = 0u64;
    while (out.len() as u64) < count {
        attempts += 1;
        if attempts > count * 20 + 1000 {
            return Err(Error::invalid(
                "numbers",
                format!("cannot generate {count} distinct numbers"),
            ));
        }
        let mut w = rng.below(total_weight);
        let plan = PLANS.iter().find(|p| {
            let hit = w < p.weight;
            w = w.saturating_sub(p.weight);
            hit
        });
        let Some(plan) = plan else { continue };
        let (prefix, locality, state) = *rng.pick(plan.prefixes);
        let candidate = format!("{prefix}{}", rng.digits(plan.rest));
        if taken.contains(&candidate) {
            continue;
        }
        let Ok((number, facts)) = E164::parse_with_facts(&candidate, None) else {
            continue;
        };
        taken.insert(candidate);
        let provider = *rng.pick(&[
            Provider::Twilio,
            Provider::Twilio,
            Provider::Twilio,
            Provider::Vonage,
            Provider::Telnyx,
            Provider::Telnyx,
            Provider::Bandwidth,
            Provider::Plivo,
        ]);
        let (_, account) = accounts
            .iter()
            .filter(|(p, _)| *p == provider)
            .nth(rng.below(3) as usize)
            .cloned()
            .unwrap_or((provider, String::new()));
        let north_america = facts.calling_code == 1;
        let caps = Capabilities {
            voice: rng.chance(97),
            sms: rng.chance(
                if facts.number_type == crate::domain::NumberType::TollFree {
                    50
                } else {
                    85
                },
            ),
            mms: north_america && rng.chance(45),
            fax: rng.chance(4),
        };
        let mut meta = Metadata::from_value(json!({ "region": plan.region }))?;
        meta.set_capabilities(caps);
        meta.set_area_code(facts.area_code.as_deref());
        if !state.is_empty() {
            meta.set_state(Some(state));
        }
        if !locality.is_empty() {
            meta.set_locality(Some(locality));
        }
        let id = rng.uuid();
        meta.set_provider_sid(Some(&format!("PN{}", id.simple())));
        let created = epoch + Duration::seconds(rng.below(730 * 86_400) as i64);
        let updated = created + Duration::seconds(rng.below(90 * 86_400) as i64);
        let webhook = rng.chance(75);
        let status = match rng.below(100) {
            0..=84 => Status::Active,
            85..=94 => Status::Inactive,
            _ => Status::Error,
        };
        let friendly_name = rng.chance(92).then(|| {
            let place = if locality.is_empty() {
                plan.region
            } else {
                locality
            };
            format!("{place} {} {}", rng.pick(DEPARTMENTS), 1 + rng.below(40))
        });
        let agent_id = (!agents.is_empty() && rng.chance(60)).then(|| rng.pick(agents).id);
        out.push((
            PhoneNumber {
                id,
                organization_id: org.id,
                provider,
                phone_number: number,
                friendly_name,
                credentials: Credentials::for_account(provider, &account)?,
                metadata: Some(meta),
                agent_id,
                webhook_configured: webhook,
                webhook_url: webhook.then(|| {
                    format!(
                        "https://voice.example.com/hooks/{}/{}",
                        provider.as_str(),
                        org.slug
                    )
                }),
                status,
                created_at: created,
                updated_at: updated,
                last_verified_at: (status != Status::Error && rng.chance(70))
                    .then(|| updated + Duration::hours(rng.below(72) as i64)),
            },
            facts,
        ));
    }
    Ok(out)
}

/// Seeds an organization (created when missing) with agents and `count` numbers, calling
/// `progress(done, total)` as it goes. One transaction: all or nothing.
pub fn seed(
    ws: &mut Workspace,
    slug: &str,
    count: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<SeedReport> {
    let org = match ws.organization(slug) {
        Ok(org) => org,
        Err(Error::NotFound { .. }) => {
            let mut name = slug.replace('-', " ");
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            ws.add_organization(slug, &name)?
        }
        Err(e) => return Err(e),
    };
    let mut agents = ws.agents(org.id)?;
    let mut agents_created = 0;
    if agents.is_empty() {
        for name in AGENT_NAMES {
            agents.push(ws.add_agent(org.id, name)?);
            agents_created += 1;
        }
    }
    let taken = ws.numbers_in(org.id)?;
    let rows = generate(&org, &agents, count, taken)?;
    let mut bulk = ws.bulk_insert(org.id)?;
    for (i, (n, facts)) in rows.iter().enumerate() {
        bulk.insert_with_facts(n, facts)?;
        if i % 10_000 == 0 {
            progress(i as u64, count);
        }
    }
    let numbers_inserted = bulk.finish()?;
    progress(numbers_inserted, count);
    ws.optimize()?;
    Ok(SeedReport {
        organization: org,
        agents_created,
        numbers_inserted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_same_rows_and_all_valid() {
        let org = Organization {
            id: Uuid::nil(),
            slug: "acme".into(),
            name: "Acme".into(),
        };
        let a = generate(&org, &[], 500, HashSet::new()).unwrap();
        let b = generate(&org, &[], 500, HashSet::new()).unwrap();
        assert_eq!(a.len(), 500);
        assert_eq!(
            a.iter().map(|r| &r.0).collect::<Vec<_>>(),
            b.iter().map(|r| &r.0).collect::<Vec<_>>()
        );
        let distinct: HashSet<_> = a.iter().map(|(n, _)| n.phone_number.clone()).collect();
        assert_eq!(distinct.len(), 500);
        let countries: HashSet<_> = a.iter().filter_map(|(_, f)| f.country.clone()).collect();
        assert!(countries.len() >= 6, "{countries:?}");
        for (n, _) in &a {
            assert!(E164::parse(n.phone_number.as_str(), None).is_ok());
        }
        let statuses: HashSet<_> = a.iter().map(|(n, _)| n.status).collect();
        assert_eq!(statuses.len(), 3);
    }
}
