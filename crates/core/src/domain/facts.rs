//! The facts of a stored E.164 number (calling code, country, line type, area code), read from
//! libphonenumber's metadata through regexes compiled once per calling code.
//!
//! Why this exists: the `phonenumber` crate keeps every compiled pattern in one shared
//! 100-entry LRU keyed by the pattern's text, so each descriptor match takes a mutex and hashes
//! a long string, and with numbers of many countries the LRU churns, throwing compiled regexes
//! (and their lazy DFAs) away to rebuild them. Its parser also runs many regexes just to split
//! `+CC NSN`. A full sync derives the facts of every row, and that was the copy's bottleneck.
//!
//! What it guarantees: [`stored_facts`] returns exactly what the parser path
//! ([`E164::facts_reference`](super::E164::facts_reference)) returns, for every input. It
//! reproduces, for text that is `+` and 1–17 ASCII digits, each step of
//! `phonenumber::parse(None, …)` that can change the facts — the calling code split, the
//! region choice, the national-prefix stripping and its length check, the national number's
//! parse — and libphonenumber's type detection, with the same descriptor order. It answers
//! `None` (the caller then takes the parser path) for every other input and for the one step
//! it does not reproduce: a national prefix rewritten by a region's transform rule. The
//! equivalence is tested on every region's example numbers and their variations, the seed
//! generator's numbers and random digits after every calling code
//! (`tests/facts_equivalence.rs`).
//!
//! Each calling code's table is built on first use and then only read, and each of its
//! patterns is compiled the first time a number needs it: +1's 25 regions hold about 300
//! patterns, 14 MB once compiled, while a US number needs only the US region's. A pattern
//! that does not compile leaves the numbers that need it to the parser path. `regex::Regex` is
//! `Sync` and keeps its search caches in a per-thread pool, so matching takes no global lock
//! and hashes nothing.

use std::str::FromStr;
use std::sync::OnceLock;

use phonenumber::Type as T;
use phonenumber::country;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

use super::phone::{NumberFacts, NumberType};

/// Calling codes are at most three digits.
const CODES: usize = 1000;

/// The longest national number the parser accepts (`phonenumber`'s `MAX_LENGTH_FOR_NSN`).
const MAX_NATIONAL: usize = 17;

/// The most digits this path takes (E.164 allows 15); longer text goes to the parser path.
const MAX_DIGITS: usize = 17;

/// The shortest national number the parser accepts (`MIN_LENGTH_FOR_NSN`).
const MIN_NATIONAL: usize = 2;

/// Compiles a metadata pattern as the crate does (`ignore_whitespace`, its size limits), but
/// anchored: the crate's "leftmost match starts at 0" is "a match starts at 0", which an
/// anchored search answers without scanning the rest of the text. The newline ends any
/// `#` comment the verbose syntax would see in the pattern.
fn anchored(source: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("^(?:{source}\n)"))
        .ignore_whitespace(true)
        .size_limit(10 * (1 << 20))
        .dfa_size_limit(2 * (1 << 20))
        .build()
        .ok()
}

/// A metadata pattern, compiled ([`anchored`]) the first time it is matched.
struct Lazy {
    source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Lazy {
    fn new(source: &str) -> Lazy {
        Lazy {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        }
    }

    /// The compiled pattern; `None` when it does not compile (the number that needs it is
    /// then the parser path's to answer).
    fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| anchored(&self.source))
            .as_ref()
    }
}

/// The region as both paths name it: `country::Id` read from the metadata's id.
fn country_id(id: &str) -> Option<String> {
    country::Id::from_str(id)
        .ok()
        .map(|c| c.as_ref().to_owned())
}

/// Whether the parser, which looks a region up by its `country::Id`, finds this very id.
fn round_trips(id: &str) -> bool {
    country_id(id).as_deref() == Some(id)
}

/// A descriptor: its pattern and its possible lengths (`Descriptor::is_match`).
struct Pattern {
    national: Lazy,
    lengths: Vec<u16>,
}

impl Pattern {
    fn new(d: &Descriptor) -> Pattern {
        Pattern {
            national: Lazy::new(d.national_number().as_str()),
            lengths: d.possible_length().to_vec(),
        }
    }

    /// Whether the value matches; `None` when the pattern does not compile. A value of a
    /// length the descriptor does not allow never compiles the pattern.
    fn is_match(&self, value: &str) -> Option<bool> {
        if !(self.lengths.is_empty() || self.lengths.contains(&(value.len() as u16))) {
            return Some(false);
        }
        Some(self.national.get()?.is_match(value))
    }
}

/// One region's metadata, compiled.
struct Region {
    /// The region as `country::Id` spells it; `None` for non-geographic entities ("001").
    country: Option<String>,
    general: Pattern,
    /// Premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail: the order
    /// in which libphonenumber tries them.
    special: Vec<(Pattern, T)>,
    fixed_line: Option<Pattern>,
    mobile: Option<Pattern>,
    /// The fixed-line and mobile patterns are the same text (the US): both are one type.
    fixed_is_mobile: bool,
    leading_digits: Option<Lazy>,
    national_prefix: Option<String>,
    prefix_for_parsing: Option<Lazy>,
    has_transform_rule: bool,
    /// The general descriptor's possible and local-only lengths (`validator::length`).
    possible_lengths: Vec<u16>,
    local_lengths: Vec<u16>,
}

impl Region {
    fn new(meta: &Metadata) -> Region {
        let d = meta.descriptors();
        let ordered = [
            (d.premium_rate(), T::PremiumRate),
            (d.toll_free(), T::TollFree),
            (d.shared_cost(), T::SharedCost),
            (d.voip(), T::Voip),
            (d.personal_number(), T::PersonalNumber),
            (d.pager(), T::Pager),
            (d.uan(), T::Uan),
            (d.voicemail(), T::Voicemail),
        ];
        let special = (ordered.into_iter())
            .filter_map(|(x, kind)| Some((Pattern::new(x?), kind)))
            .collect();
        Region {
            country: country_id(meta.id()),
            general: Pattern::new(d.general()),
            special,
            fixed_line: d.fixed_line().map(Pattern::new),
            mobile: d.mobile().map(Pattern::new),
            fixed_is_mobile: d.fixed_line().map(|x| x.national_number().as_str())
                == d.mobile().map(|x| x.national_number().as_str()),
            leading_digits: meta.leading_digits().map(|p| Lazy::new(p.as_str())),
            national_prefix: meta.national_prefix().map(str::to_owned),
            prefix_for_parsing: (meta.national_prefix_for_parsing()).map(|p| Lazy::new(p.as_str())),
            has_transform_rule: meta.national_prefix_transform_rule().is_some(),
            possible_lengths: d.general().possible_length().to_vec(),
            local_lengths: d.general().possible_local_length().to_vec(),
        }
    }

    /// libphonenumber's `number_type`: the general pattern, then the special types in order,
    /// then fixed line and mobile. `None` when a pattern it needs does not compile.
    fn number_type(&self, value: &str) -> Option<T> {
        if !self.general.is_match(value)? {
            return Some(T::Unknown);
        }
        for (p, kind) in &self.special {
            if p.is_match(value)? {
                return Some(*kind);
            }
        }
        let matches = |p: &Option<Pattern>| match p {
            Some(p) => p.is_match(value),
            None => Some(false),
        };
        if matches(&self.fixed_line)? {
            return Some(if self.fixed_is_mobile || matches(&self.mobile)? {
                T::FixedLineOrMobile
            } else {
                T::FixedLine
            });
        }
        Some(if matches(&self.mobile)? {
            T::Mobile
        } else {
            T::Unknown
        })
    }

    /// `validator::length(meta, number, Type::Unknown) == TooShort`.
    fn too_short(&self, len: usize) -> bool {
        let len = len as u16;
        match self.possible_lengths.first() {
            None => false,
            Some(&minimum) => !self.local_lengths.contains(&len) && len < minimum,
        }
    }

    /// The national number as `phonenumber::parse` leaves it for this region
    /// (`helper::national_number`, the second national-prefix strip, the length check), or
    /// `None` when a transform rule would rewrite it (not reproduced here).
    fn parsed_national<'a>(&self, national: &'a str) -> Option<&'a str> {
        let strip = |v: &'a str| match &self.national_prefix {
            Some(p) if v.starts_with(p.as_str()) => &v[p.len()..],
            _ => v,
        };
        let mut potential = national;
        match &self.prefix_for_parsing {
            None => potential = strip(potential),
            Some(re) => {
                if let Some(c) = re.get()?.captures(potential) {
                    let last_matched = c.get(c.len() - 1).is_some();
                    if self.has_transform_rule && last_matched {
                        return None;
                    }
                    // The crate's "leave it if the stripped number would stop being viable"
                    // compares the number with itself here (the match starts at 0), so the
                    // prefix is always stripped.
                    let end = c.get(0).map_or(0, |m| m.end());
                    potential = &potential[end..];
                }
            }
        }
        potential = strip(potential);
        Some(if self.too_short(potential.len()) {
            national
        } else {
            potential
        })
    }
}

/// The regions of one calling code, compiled, in the database's order (main country first).
struct Code {
    code: u16,
    regions: Vec<Region>,
}

/// A region chosen for a national number, with its type when choosing it computed that.
type Choice<'a> = (&'a Region, Option<T>);

impl Code {
    /// `DATABASE.region(code)` → its regions (their patterns compile on first use). `None`
    /// when the database has a shape the two paths would read differently (then the parser
    /// path, which is the reference, answers for this code).
    fn new(code: u16) -> Option<Code> {
        let ids = DATABASE.region(&code)?;
        let regions = if ids.len() == 1 {
            let meta = if ids[0] == "001" {
                DATABASE.by_code(&code).and_then(|m| m.into_iter().next())
            } else {
                // The parser finds no region for an id `country::Id` does not read back as
                // itself; the metadata path does. Leave such a code to the parser path.
                round_trips(ids[0]).then_some(())?;
                DATABASE.by_id(ids[0])
            };
            vec![Region::new(meta?)]
        } else {
            let mut regions = Vec::with_capacity(ids.len());
            for id in ids {
                // The parser looks every region up as a `country::Id` (and would panic on
                // one it cannot read).
                round_trips(id).then_some(())?;
                regions.push(Region::new(DATABASE.by_id(id)?));
            }
            regions
        };
        Some(Code { code, regions })
    }

    /// `validator::source_for`: the only region, or the first whose leading digits match at
    /// the start, or (without leading digits) whose patterns know the number (`Some(None)`:
    /// none does). `None` when a pattern it needs does not compile.
    fn choose(&self, national: &str) -> Option<Option<Choice<'_>>> {
        if let [only] = self.regions.as_slice() {
            return Some(Some((only, None)));
        }
        for r in &self.regions {
            match &r.leading_digits {
                Some(p) => {
                    if p.get()?.is_match(national) {
                        return Some(Some((r, None)));
                    }
                }
                None => {
                    let kind = r.number_type(national)?;
                    if kind != T::Unknown {
                        return Some(Some((r, Some(kind))));
                    }
                }
            }
        }
        Some(None)
    }

    /// The facts read from the metadata for the national number after the calling code
    /// (`None` when a pattern it needs does not compile).
    fn facts(&self, national: &str, choice: Option<Choice<'_>>) -> Option<NumberFacts> {
        let kind = match choice {
            None => T::Unknown,
            Some((_, Some(kind))) => kind,
            Some((r, None)) => r.number_type(national)?,
        };
        Some(NumberFacts {
            country: choice.and_then(|(r, _)| r.country.clone()),
            calling_code: self.code,
            number_type: NumberType::from_lib(kind),
            area_code: (self.code == 1 && national.len() == 10).then(|| national[..3].to_owned()),
        })
    }
}

/// A calling code's table: unknown code, left to the parser path, or compiled.
enum Entry {
    Unknown,
    Reference,
    Compiled(Code),
}

fn entry(code: usize) -> &'static Entry {
    static TABLE: [OnceLock<Entry>; CODES] = [const { OnceLock::new() }; CODES];
    TABLE[code].get_or_init(|| {
        let code = code as u16;
        if DATABASE.region(&code).is_none() {
            return Entry::Unknown;
        }
        Code::new(code).map_or(Entry::Reference, Entry::Compiled)
    })
}

/// How many patterns of each region of `calling_code` are compiled now, by region, in the
/// database's order (`None` when the code has no compiled table): for the test that a number
/// compiles only what it needs.
pub(crate) fn compiled_patterns(calling_code: u16) -> Option<Vec<(Option<String>, usize)>> {
    let Entry::Compiled(code) = entry(usize::from(calling_code).min(CODES - 1)) else {
        return None;
    };
    let done = |l: &Lazy| usize::from(l.compiled.get().is_some());
    let pattern = |p: &Option<Pattern>| p.as_ref().map_or(0, |p| done(&p.national));
    Some(
        (code.regions.iter())
            .map(|r| {
                let n = done(&r.general.national)
                    + r.special
                        .iter()
                        .map(|(p, _)| done(&p.national))
                        .sum::<usize>()
                    + pattern(&r.fixed_line)
                    + pattern(&r.mobile)
                    + r.leading_digits.as_ref().map_or(0, done)
                    + r.prefix_for_parsing.as_ref().map_or(0, done);
                (r.country.clone(), n)
            })
            .collect(),
    )
}

/// The facts of `e164` exactly as [`E164::facts_reference`](super::E164::facts_reference)
/// derives them, or `None` when this fast path does not reproduce that input's class (any
/// text other than `+` and 1–17 ASCII digits, or a national prefix rewritten by a transform
/// rule); see the module documentation.
pub(crate) fn stored_facts(e164: &str) -> Option<NumberFacts> {
    let digits = e164.strip_prefix('+')?;
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // Calling codes are prefix-free: the first known one of 1–3 digits is the code (as the
    // reference reads it, leading zeros included).
    let mut found = None;
    for len in 1..=digits.len().min(3) {
        let code = digits[..len].parse::<usize>().ok()?;
        match entry(code) {
            Entry::Unknown => continue,
            Entry::Reference => return None,
            Entry::Compiled(table) => {
                found = Some((table, len));
                break;
            }
        }
    }
    let Some((table, len)) = found else {
        return Some(NumberFacts {
            country: None,
            calling_code: 0,
            number_type: NumberType::Unknown,
            area_code: None,
        });
    };
    let national = &digits[len..];
    let from_metadata = || table.facts(national, table.choose(national)?);
    // The parser refuses these (too short; no calling code starts with 0), and the reference
    // then reads the metadata.
    if digits.len() < 3 || digits.starts_with('0') {
        return from_metadata();
    }
    // The parser picks the region for the national number without its leading zeros, strips
    // a national prefix for it, then parses the rest as a number.
    let trimmed = national.trim_start_matches('0');
    let parsed = match table.choose(trimmed)? {
        Some((region, _)) => region.parsed_national(national)?,
        None => national,
    };
    let zeros = parsed.bytes().take_while(|&b| b == b'0').count();
    let parses = (MIN_NATIONAL..=MAX_NATIONAL).contains(&parsed.len())
        && parsed[zeros..]
            .parse::<u64>()
            .is_ok_and(|value| value < 1 << 56);
    // A parse error, or a national number with leading zeros (Italy), reads the metadata for
    // the stored digits; otherwise the facts are those of the parsed national number.
    if !parses || zeros > 0 {
        return from_metadata();
    }
    table.facts(parsed, table.choose(parsed)?)
}
