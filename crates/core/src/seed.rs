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
    Agent, Capabilities, Credentials, E164, Metadata, NumberFacts, NumberType, Organization,
    PhoneNumber, Provider, Status,
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

/// A number range: E.164 prefix, random digits after it (the first is 2-9), and the facts
/// libphonenumber derives for every number in it (checked by a test), so generating a million
/// numbers does not cost a million parses.
struct Range {
    prefix: &'static str,
    rest: usize,
    country: &'static str,
    number_type: NumberType,
    locality: &'static str,
    state: &'static str,
}

const fn range(
    prefix: &'static str,
    rest: usize,
    country: &'static str,
    number_type: NumberType,
    locality: &'static str,
    state: &'static str,
) -> Range {
    Range {
        prefix,
        rest,
        country,
        number_type,
        locality,
        state,
    }
}

/// A region of the world, its share of the numbers, and its ranges.
struct Plan {
    weight: u64,
    region: &'static str,
    ranges: &'static [Range],
}

use NumberType::{FixedLine, FixedLineOrMobile, Mobile, TollFree};

const PLANS: &[Plan] = &[
    Plan {
        weight: 52,
        region: "US/Canada",
        ranges: &[
            range("+1415", 7, "US", FixedLineOrMobile, "San Francisco", "CA"),
            range("+1212", 7, "US", FixedLineOrMobile, "New York", "NY"),
            range("+1646", 7, "US", FixedLineOrMobile, "New York", "NY"),
            range("+1312", 7, "US", FixedLineOrMobile, "Chicago", "IL"),
            range("+1213", 7, "US", FixedLineOrMobile, "Los Angeles", "CA"),
            range("+1617", 7, "US", FixedLineOrMobile, "Boston", "MA"),
            range("+1206", 7, "US", FixedLineOrMobile, "Seattle", "WA"),
            range("+1512", 7, "US", FixedLineOrMobile, "Austin", "TX"),
            range("+1305", 7, "US", FixedLineOrMobile, "Miami", "FL"),
            range("+1404", 7, "US", FixedLineOrMobile, "Atlanta", "GA"),
            range("+1303", 7, "US", FixedLineOrMobile, "Denver", "CO"),
            range("+1503", 7, "US", FixedLineOrMobile, "Portland", "OR"),
        ],
    },
    Plan {
        weight: 6,
        region: "US/Canada",
        ranges: &[
            range("+1800", 7, "US", TollFree, "", ""),
            range("+1833", 7, "US", TollFree, "", ""),
            range("+1888", 7, "US", TollFree, "", ""),
            range("+1877", 7, "US", TollFree, "", ""),
        ],
    },
    Plan {
        weight: 7,
        region: "US/Canada",
        ranges: &[
            range("+1416", 7, "CA", FixedLineOrMobile, "Toronto", "ON"),
            range("+1604", 7, "CA", FixedLineOrMobile, "Vancouver", "BC"),
            range("+1514", 7, "CA", FixedLineOrMobile, "Montreal", "QC"),
        ],
    },
    Plan {
        weight: 10,
        region: "Europe",
        ranges: &[
            range("+44207", 7, "GB", FixedLine, "London", ""),
            range("+44161", 7, "GB", FixedLine, "Manchester", ""),
            range("+447400", 6, "GB", Mobile, "", ""),
        ],
    },
    Plan {
        weight: 6,
        region: "Europe",
        ranges: &[
            range("+4930", 8, "DE", FixedLine, "Berlin", ""),
            range("+4989", 8, "DE", FixedLine, "Munich", ""),
            range("+49151", 8, "DE", Mobile, "", ""),
        ],
    },
    Plan {
        weight: 5,
        region: "Europe",
        ranges: &[
            range("+3314", 7, "FR", FixedLine, "Paris", ""),
            range("+3361", 7, "FR", Mobile, "", ""),
        ],
    },
    Plan {
        weight: 3,
        region: "Europe",
        ranges: &[range("+3120", 7, "NL", FixedLine, "Amsterdam", "")],
    },
    Plan {
        weight: 5,
        region: "Asia Pacific",
        ranges: &[
            range("+6129", 7, "AU", FixedLine, "Sydney", "NSW"),
            range("+6139", 7, "AU", FixedLine, "Melbourne", "VIC"),
            range("+61412", 6, "AU", Mobile, "", ""),
        ],
    },
    Plan {
        weight: 4,
        region: "Latin America",
        ranges: &[range("+55119", 8, "BR", Mobile, "São Paulo", "SP")],
    },
    Plan {
        weight: 2,
        region: "Asia Pacific",
        ranges: &[range("+813", 8, "JP", FixedLine, "Tokyo", "")],
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

/// The country calling code an E.164 prefix starts with (of the codes used here).
fn calling_code(prefix: &str) -> u16 {
    [1, 31, 33, 44, 49, 55, 61, 81]
        .into_iter()
        .find(|cc| prefix[1..].starts_with(&cc.to_string()))
        .unwrap_or(0)
}

/// An account id of `provider`'s documented shape (what `Credentials::for_account` accepts),
/// drawn from `r`. Every provider has one (the match is exhaustive): demo data and the tests
/// that store every provider use it.
pub fn account_id(provider: Provider, r: &mut Rng) -> String {
    match provider {
        Provider::Twilio => format!("AC{:016x}{:016x}", r.next_u64(), r.next_u64()),
        Provider::Vonage => format!("{:08x}", r.next_u64() as u32),
        Provider::Telnyx => format!("{:x}", r.next_u64()),
        Provider::Bandwidth => format!("{:07}", r.next_u64() % 10_000_000),
        Provider::Plivo => format!("MA{:018}", r.next_u64() % 1_000_000_000_000_000_000),
    }
}

/// How often each provider's numbers appear in demo data, relative to the others.
const fn provider_share(provider: Provider) -> usize {
    match provider {
        Provider::Twilio => 3,
        Provider::Telnyx => 2,
        Provider::Vonage | Provider::Bandwidth | Provider::Plivo => 1,
    }
}

/// The sum of every provider's [`provider_share`].
const MIX_LEN: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < Provider::ALL.len() {
        n += provider_share(Provider::ALL[i]);
        i += 1;
    }
    n
};

/// [`Provider::ALL`], each repeated its [`provider_share`].
const PROVIDER_MIX: [Provider; MIX_LEN] = {
    let mut mix = [Provider::Twilio; MIX_LEN];
    let mut at = 0;
    let mut i = 0;
    while i < Provider::ALL.len() {
        let mut n = 0;
        while n < provider_share(Provider::ALL[i]) {
            mix[at] = Provider::ALL[i];
            at += 1;
            n += 1;
        }
        i += 1;
    }
    mix
};

/// What [`seed`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SeedReport {
    /// The organization seeded.
    pub organization: Organization,
    /// Agents created.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub agents_created: usize,
    /// Numbers inserted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
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
            (p, account_id(p, &mut r))
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
        let r = rng.pick(plan.ranges);
        let (locality, state) = (r.locality, r.state);
        let first = char::from(b'2' + rng.below(8) as u8);
        let candidate = format!("{}{first}{}", r.prefix, rng.digits(r.rest - 1));
        // North American exchanges cannot be N11.
        let nanp = r.prefix.starts_with("+1");
        if (nanp && &candidate[6..8] == "11") || !taken.insert(candidate.clone()) {
            continue;
        }
        let facts = NumberFacts {
            country: Some(r.country.to_owned()),
            calling_code: calling_code(r.prefix),
            number_type: r.number_type,
            area_code: nanp.then(|| candidate[2..5].to_owned()),
        };
        let number = E164::from_stored(candidate);
        let provider = *rng.pick(&PROVIDER_MIX);
        let (_, account) = accounts
            .iter()
            .filter(|(p, _)| *p == provider)
            .nth(rng.below(3) as usize)
            .cloned()
            .unwrap_or((provider, String::new()));
        let north_america = nanp;
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
    // Inserting in number order appends to the (organization, number) index instead of
    // splitting pages all over it.
    out.sort_unstable_by(|a, b| a.0.phone_number.cmp(&b.0.phone_number));
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
    let mut ids = Rng::from_seed(&format!("ids:{slug}"));
    let org = match ws.organization(slug) {
        Ok(org) => org,
        Err(Error::NotFound { .. }) => {
            let mut name = slug.replace('-', " ");
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let org = Organization {
                id: ids.uuid(),
                slug: slug.to_owned(),
                name,
            };
            ws.insert_organization(&org)?;
            org
        }
        Err(e) => return Err(e),
    };
    let mut agents = ws.agents(org.id)?;
    let mut agents_created = 0;
    if agents.is_empty() {
        for name in AGENT_NAMES {
            let agent = Agent {
                id: ids.uuid(),
                organization_id: org.id,
                name: (*name).to_owned(),
            };
            ws.insert_agent(&agent)?;
            agents.push(agent);
            agents_created += 1;
        }
        agents.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let taken = ws.numbers_in(org.id)?;
    let rows = generate(&org, &agents, count, taken)?;
    let mut bulk = ws.bulk_insert(org.id, rows.len() as u64)?;
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
        let statuses: HashSet<_> = a.iter().map(|(n, _)| n.status).collect();
        assert_eq!(statuses.len(), 3);
    }

    /// The facts the generator assigns must be exactly what libphonenumber derives.
    #[test]
    fn generated_numbers_are_valid_and_their_facts_match_libphonenumber() {
        let org = Organization {
            id: Uuid::nil(),
            slug: "check".into(),
            name: "Check".into(),
        };
        let rows = generate(&org, &[], 3000, HashSet::new()).unwrap();
        let mut wrong = std::collections::BTreeSet::new();
        for (n, facts) in &rows {
            let number = n.phone_number.as_str();
            match E164::parse_with_facts(number, None) {
                Err(e) => {
                    wrong.insert(format!("{}: {e}", &number[..6]));
                }
                Ok((parsed, real)) => {
                    if parsed != n.phone_number || *facts != real {
                        wrong.insert(format!("{number}: generated {facts:?}, real {real:?}"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        let ranges: usize = PLANS.iter().map(|p| p.ranges.len()).sum();
        let seen: HashSet<&str> = rows
            .iter()
            .filter_map(|(n, _)| {
                PLANS
                    .iter()
                    .flat_map(|p| p.ranges)
                    .find(|r| n.phone_number.as_str().starts_with(r.prefix))
                    .map(|r| r.prefix)
            })
            .collect();
        assert_eq!(seen.len(), ranges, "every range is exercised");
    }
}
