//! Phone numbers in E.164, parsed and validated by libphonenumber's metadata
//! (the `phonenumber` crate) — never by a hand-written pattern.
//!
//! A [`E164`] can only be made by [`E164::parse`], so holding one proves the number is valid
//! for its country. The facts derived from it (country, number type, area code) are
//! computed here once and stored beside the number for filtering and display.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber, country};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest input we try to parse; anything longer is refused outright.
const MAX_INPUT_CHARS: usize = 64;

/// A valid phone number in E.164 form (`+14155551234`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct E164(String);

/// What kind of line a number is, as libphonenumber classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NumberType {
    /// A landline.
    FixedLine,
    /// A mobile line.
    Mobile,
    /// Regions (such as the US) where the two cannot be told apart.
    FixedLineOrMobile,
    /// Free for the caller.
    TollFree,
    /// Premium rate.
    PremiumRate,
    /// Cost shared between caller and callee.
    SharedCost,
    /// Voice over IP.
    Voip,
    /// A personal number routed to another line.
    PersonalNumber,
    /// Universal access (company) number.
    Uan,
    /// Pager.
    Pager,
    /// Voicemail access.
    Voicemail,
    /// Anything else.
    Unknown,
}

impl NumberType {
    /// Every type, in display order.
    pub const ALL: [NumberType; 12] = [
        NumberType::FixedLine,
        NumberType::Mobile,
        NumberType::FixedLineOrMobile,
        NumberType::TollFree,
        NumberType::PremiumRate,
        NumberType::SharedCost,
        NumberType::Voip,
        NumberType::PersonalNumber,
        NumberType::Uan,
        NumberType::Pager,
        NumberType::Voicemail,
        NumberType::Unknown,
    ];

    /// The stored, lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            NumberType::FixedLine => "fixed_line",
            NumberType::Mobile => "mobile",
            NumberType::FixedLineOrMobile => "fixed_line_or_mobile",
            NumberType::TollFree => "toll_free",
            NumberType::PremiumRate => "premium_rate",
            NumberType::SharedCost => "shared_cost",
            NumberType::Voip => "voip",
            NumberType::PersonalNumber => "personal_number",
            NumberType::Uan => "uan",
            NumberType::Pager => "pager",
            NumberType::Voicemail => "voicemail",
            NumberType::Unknown => "unknown",
        }
    }

    pub(super) fn from_lib(kind: phonenumber::Type) -> Self {
        use phonenumber::Type as T;
        match kind {
            T::FixedLine => NumberType::FixedLine,
            T::Mobile => NumberType::Mobile,
            T::FixedLineOrMobile => NumberType::FixedLineOrMobile,
            T::TollFree => NumberType::TollFree,
            T::PremiumRate => NumberType::PremiumRate,
            T::SharedCost => NumberType::SharedCost,
            T::Voip => NumberType::Voip,
            T::PersonalNumber => NumberType::PersonalNumber,
            T::Uan => NumberType::Uan,
            T::Pager => NumberType::Pager,
            T::Voicemail => NumberType::Voicemail,
            _ => NumberType::Unknown,
        }
    }
}

impl fmt::Display for NumberType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NumberType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        NumberType::ALL
            .into_iter()
            .find(|t| t.as_str() == wanted)
            .ok_or_else(|| {
                Error::invalid(
                    "number type",
                    format!(
                        "{s:?} is not one of {}",
                        NumberType::ALL.map(NumberType::as_str).join(", ")
                    ),
                )
            })
    }
}

/// Facts derived from a valid number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFacts {
    /// ISO 3166 region, e.g. "US"; `None` for non-geographic numbers (+800, +882…).
    pub country: Option<String>,
    /// The country calling code, e.g. 1 or 44.
    pub calling_code: u16,
    /// Line type.
    pub number_type: NumberType,
    /// For the North American Numbering Plan, the three-digit area code.
    pub area_code: Option<String>,
}

/// The country calling code of an ISO region ("JP" → 81), if libphonenumber knows the region.
pub fn calling_code(region: &str) -> Option<u16> {
    let id = parse_region(region).ok()?;
    DATABASE.by_id(id.as_ref()).map(|m| m.country_code())
}

/// Parses a region code such as "US" or "gb" into libphonenumber's id.
pub fn parse_region(region: &str) -> Result<country::Id> {
    let upper = region.trim().to_ascii_uppercase();
    country::Id::from_str(&upper).map_err(|_| {
        Error::invalid(
            "region",
            format!("{region:?} is not a two-letter ISO 3166 region code"),
        )
    })
}

/// Every region libphonenumber's metadata knows (two-letter ISO 3166 codes, sorted; the
/// non-geographic "001" left out): the countries a number can belong to, which the app's
/// country filter and add dialog offer.
pub fn regions() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = (DATABASE.iter())
        .map(|m| m.id())
        .filter(|id| id.len() == 2 && parse_region(id).is_ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl E164 {
    /// Parses what a person typed or pasted: "+14155551234", "+1 (415) 555-1234",
    /// "00 44 20 7946 0958", "tel:+1-415-555-1234", fullwidth "＋１ ４１５ ５５５ １２３４" (digits of
    /// any script), or a national number such as "(415) 555-1234" together with a default
    /// region. A number with an extension ("x12", ";ext=12") is refused with
    /// [`Error::NumberWithExtension`].
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<E164> {
        Self::parse_with_facts(input, default_region).map(|(n, _)| n)
    }

    /// Like [`E164::parse`], also returning the derived facts.
    pub fn parse_with_facts(
        input: &str,
        default_region: Option<&str>,
    ) -> Result<(E164, NumberFacts)> {
        let bad = |reason: &str| Error::InvalidNumber {
            input: input.to_owned(),
            reason: reason.into(),
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty"));
        }
        if trimmed.chars().count() > MAX_INPUT_CHARS {
            return Err(bad("it is longer than any phone number"));
        }
        if trimmed.chars().any(|c| c.is_control()) {
            return Err(bad("it contains control characters"));
        }
        let region = default_region.map(parse_region).transpose()?;
        let text = as_parsed(trimmed);
        let trimmed = text.trim();
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        if region.is_none() && !international {
            return Err(bad(
                "no country code: start with + or give a default region",
            ));
        }
        // "00" is the international prefix almost everywhere; without a region to say
        // otherwise, read it as "+".
        let mut normalized = match (region, trimmed.strip_prefix("00")) {
            (None, Some(rest)) => format!("+{rest}"),
            _ => trimmed.to_owned(),
        };
        // The crate reads text without a space as RFC 3966 first, where everything from the
        // `+` to the first separator is the country code: "+4420-7946-0958" would be refused
        // for its country code 4420. With a space it reads the text as libphonenumber does.
        if normalized.starts_with('+')
            && !normalized.contains(' ')
            && normalized.contains(['-', '.', '(', ')'])
        {
            normalized.push(' ');
        }
        // A number with its `+` carries its country code; the default region must not change
        // how it reads (the parser refuses some, e.g. "+2015550123" with region US).
        let parse_region = if trimmed.starts_with('+') {
            None
        } else {
            region
        };
        let parsed =
            phonenumber::parse(parse_region, &normalized).map_err(|e| bad(&parse_reason(&e)))?;
        let e164 = parsed.format().mode(Mode::E164).to_string();
        // libphonenumber accepts some over-long national numbers; E.164 allows 15 digits.
        let too_long = e164.len() > 16;
        if let Some(extension) = parsed.extension() {
            return Err(Error::NumberWithExtension {
                input: input.to_owned(),
                extension: extension.to_string(),
                number: (parsed.is_valid() && !too_long).then_some(e164),
            });
        }
        if !parsed.is_valid() {
            return Err(bad(&invalid_reason(&parsed)));
        }
        if too_long {
            return Err(bad("too long (E.164 allows at most 15 digits)"));
        }
        let facts = facts_of_parsed(&parsed, &e164[1..]);
        Ok((E164(e164), facts))
    }

    /// Wraps a value read back from a store that only ever holds validated numbers (its
    /// schema checks the shape; the team database's reader checks `+` and digits first).
    /// Skips libphonenumber, which would cost microseconds per row.
    pub fn from_stored(value: String) -> E164 {
        E164(value)
    }

    /// Reads a number another client may have written (the team database): text of E.164's
    /// shape (`+`, 2 to 15 digits, no leading 0) is taken as it is, without libphonenumber per
    /// row; anything else is parsed as a number with its country code, or refused.
    pub fn from_foreign(value: &str) -> Result<E164> {
        let digits = value.strip_prefix('+').unwrap_or("");
        let shaped = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if shaped {
            return Ok(E164(value.to_owned()));
        }
        E164::parse(value, None)
    }

    /// The example numbers libphonenumber's metadata gives for every region (fixed line,
    /// mobile, toll free, VoIP) that are valid numbers, in metadata order: numbers of every
    /// region, for tests and benchmarks.
    #[doc(hidden)]
    pub fn metadata_examples() -> Vec<E164> {
        let mut out = Vec::new();
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            for x in [d.fixed_line(), d.mobile(), d.toll_free(), d.voip()]
                .into_iter()
                .flatten()
            {
                if let Some(example) = x.example()
                    && let Ok(n) = E164::parse(&format!("+{}{example}", meta.country_code()), None)
                {
                    out.push(n);
                }
            }
        }
        out
    }

    /// The E.164 text, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`, as providers such as Vonage and Plivo write them.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The derived facts (country, type, area code). Read from metadata tables compiled once
    /// (see the `facts` module), with the same result as [`E164::facts_reference`]; inputs that
    /// fast path does not reproduce take the reference path.
    pub fn facts(&self) -> NumberFacts {
        super::facts::stored_facts(&self.0).unwrap_or_else(|| self.facts_reference())
    }

    /// The fast path alone: `None` where [`E164::facts`] hands the input to the reference
    /// (for tests that check the fast path really answered).
    #[doc(hidden)]
    pub fn facts_fast(&self) -> Option<NumberFacts> {
        super::facts::stored_facts(&self.0)
    }

    /// How many metadata patterns of each region of a calling code the fast path has
    /// compiled so far (for the test that a number compiles only what it needs).
    #[doc(hidden)]
    pub fn compiled_patterns(calling_code: u16) -> Option<Vec<(Option<String>, usize)>> {
        super::facts::compiled_patterns(calling_code)
    }

    /// The facts as the `phonenumber` crate's parser path derives them: the reference
    /// [`E164::facts`] must equal (kept for the equivalence tests and benchmarks).
    #[doc(hidden)]
    pub fn facts_reference(&self) -> NumberFacts {
        match phonenumber::parse(None, &self.0) {
            Ok(parsed) => facts_of_parsed(&parsed, self.digits()),
            Err(_) => facts_of_digits(self.digits()).unwrap_or(NumberFacts {
                country: None,
                calling_code: 0,
                number_type: NumberType::Unknown,
                area_code: None,
            }),
        }
    }

    /// The facts as the `phonenumber` crate's parser derives them. It looks national numbers
    /// that start with 0 (Italy) up without the zero and so finds no region for them, which is
    /// why [`E164::facts`] reads the metadata itself for those.
    pub fn parsed_facts(&self) -> Option<NumberFacts> {
        phonenumber::parse(None, &self.0).ok().map(|p| facts_of(&p))
    }

    /// The facts read from libphonenumber's metadata for the stored digits, as the reference
    /// implementation does (used for national numbers with a leading zero).
    #[doc(hidden)]
    pub fn metadata_facts(&self) -> Option<NumberFacts> {
        facts_of_digits(self.digits())
    }

    /// The facts and the international display form (listings show both): the facts from the
    /// compiled tables, the display form from the parser.
    pub fn facts_and_display(&self) -> (NumberFacts, String) {
        (self.facts(), self.international())
    }

    /// Loads what formatting and facts use on first use (libphonenumber's database, whose
    /// patterns compile then, and the compiled tables), so that a later listing does not wait
    /// for it. Idempotent and cheap once loaded.
    pub fn preload_metadata() {
        E164::from_stored("+14155550100".to_owned()).facts_and_display();
    }

    /// International display form, e.g. "+1 415-555-1234".
    pub fn international(&self) -> String {
        match phonenumber::parse(None, &self.0) {
            Ok(parsed) => parsed.format().mode(Mode::International).to_string(),
            Err(_) => self.0.clone(),
        }
    }
}

/// The text the `phonenumber` crate parses, from the forms people paste that libphonenumber
/// reads but the crate does not: digits of any script and fullwidth forms (`＋１ ４１５…`)
/// become ASCII, invisible formatting marks (the left-to-right embedding a contact card puts
/// around a number) go, and an RFC 3966 URI (`tel:+1-415-555-0100;ext=12`,
/// `tel:555-0100;phone-context=+1-415`) becomes the number it names: a global `phone-context`
/// written in front of a local number, `ext` as ` ext. 12` (the parser reads it as an
/// extension), other parameters (`isub`, …) dropped as libphonenumber drops them. ASCII text
/// with neither `tel:` nor `;` (a CSV import's plain E.164 cells) is returned as it is.
fn as_parsed(input: &str) -> Cow<'_, str> {
    let uri = |s: &str| s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:"));
    if input.is_ascii() && !uri(input) && !input.contains(';') {
        return Cow::Borrowed(input);
    }
    let ascii: String = input.chars().filter_map(ascii_form).collect();
    let ascii = ascii.trim();
    let body = if uri(ascii) { ascii[4..].trim() } else { ascii };
    let Some((number, parameters)) = body.split_once(';') else {
        return Cow::Owned(body.to_owned());
    };
    let mut context = "";
    let mut extension = None;
    for parameter in parameters.split(';') {
        // Not `name=value` parameters: the parser reads the text as it is.
        let Some((name, value)) = parameter.split_once('=') else {
            return Cow::Owned(body.to_owned());
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("ext") {
            extension = Some(value);
        } else if name.eq_ignore_ascii_case("phone-context")
            && value.starts_with('+')
            && !number.trim_start().starts_with('+')
        {
            context = value;
        }
    }
    let mut text = format!("{context}{number}");
    if let Some(extension) = extension {
        text.push_str(" ext. ");
        text.push_str(extension);
    }
    Cow::Owned(text)
}

/// The zero of every script's decimal digits (Unicode category Nd; each script's ten digits
/// are consecutive), ASCII's excepted.
const DIGIT_ZEROS: [u32; 65] = [
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// One character of pasted text as the parser reads it (see [`as_parsed`]); `None` drops it.
fn ascii_form(c: char) -> Option<char> {
    let code = c as u32;
    if c.is_ascii() {
        return Some(c);
    }
    let zero = DIGIT_ZEROS.partition_point(|&z| z <= code).checked_sub(1);
    if let Some(digit) = zero.map(|i| code - DIGIT_ZEROS[i]).filter(|d| *d < 10) {
        return char::from_digit(digit, 10);
    }
    match code {
        // Fullwidth forms of ASCII (`＋`, `（`, `－`, `ｘ`).
        0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0),
        // No-break and ideographic spaces.
        0x00A0 | 0x3000 => Some(' '),
        // Zero-width spaces and joiners, direction marks and embeddings, word joiner, BOM.
        0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF => None,
        _ => Some(c),
    }
}

fn facts_of(parsed: &PhoneNumber) -> NumberFacts {
    let calling_code = parsed.code().value();
    let country = parsed.country().id().map(|id| id.as_ref().to_owned());
    let national = parsed.national().to_string();
    let area_code = (calling_code == 1 && national.len() == 10).then(|| national[..3].to_owned());
    NumberFacts {
        country,
        calling_code,
        number_type: NumberType::from_lib(parsed.number_type(&DATABASE)),
        area_code,
    }
}

/// The parser's facts, except for national numbers with a leading zero (see `parsed_facts`).
fn facts_of_parsed(parsed: &PhoneNumber, digits: &str) -> NumberFacts {
    let zero_led = parsed.national().zeros() > 0;
    zero_led
        .then(|| facts_of_digits(digits))
        .flatten()
        .unwrap_or_else(|| facts_of(parsed))
}

/// libphonenumber's region and type detection (its `source_for` and `number_type`), applied to
/// the digits of an E.164 number. Calling codes are prefix-free, so the first known one wins.
fn facts_of_digits(digits: &str) -> Option<NumberFacts> {
    use phonenumber::Type as T;
    let matches =
        |d: Option<&phonenumber::metadata::Descriptor>, v: &str| d.is_some_and(|d| d.is_match(v));
    let number_type = |meta: &phonenumber::Metadata, v: &str| -> T {
        let d = meta.descriptors();
        if !d.general().is_match(v) {
            return T::Unknown;
        }
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
        if let Some((_, t)) = ordered.into_iter().find(|(desc, _)| matches(*desc, v)) {
            return t;
        }
        if matches(d.fixed_line(), v) {
            let same = d.fixed_line().map(|x| x.national_number().as_str())
                == d.mobile().map(|x| x.national_number().as_str());
            return if same || matches(d.mobile(), v) {
                T::FixedLineOrMobile
            } else {
                T::FixedLine
            };
        }
        if matches(d.mobile(), v) {
            T::Mobile
        } else {
            T::Unknown
        }
    };
    for len in 1..=digits.len().min(3) {
        let Ok(code) = digits[..len].parse::<u16>() else {
            continue;
        };
        let Some(regions) = DATABASE.region(&code) else {
            continue;
        };
        let national = &digits[len..];
        let meta = if regions.len() == 1 {
            if regions[0] == "001" {
                DATABASE.by_code(&code).and_then(|m| m.into_iter().next())
            } else {
                DATABASE.by_id(regions[0])
            }
        } else {
            regions
                .iter()
                .filter_map(|r| DATABASE.by_id(*r))
                .find(|m| match m.leading_digits() {
                    Some(p) => p.find(national).is_some_and(|i| i.start() == 0),
                    None => number_type(m, national) != T::Unknown,
                })
        };
        let country = meta
            .and_then(|m| country::Id::from_str(m.id()).ok())
            .map(|id| id.as_ref().to_owned());
        let kind = meta.map_or(T::Unknown, |m| number_type(m, national));
        return Some(NumberFacts {
            country,
            calling_code: code,
            number_type: NumberType::from_lib(kind),
            area_code: (code == 1 && national.len() == 10).then(|| national[..3].to_owned()),
        });
    }
    None
}

fn parse_reason(e: &phonenumber::ParseError) -> String {
    use phonenumber::ParseError as P;
    match e {
        P::NoNumber => "not a phone number".into(),
        P::InvalidCountryCode => "unknown country calling code".into(),
        P::TooShortAfterIdd | P::TooShortNsn => "too short".into(),
        P::TooLong => "too long".into(),
        other => other.to_string(),
    }
}

/// Explains why a parsed number is not valid: wrong length, or no such number range.
fn invalid_reason(parsed: &PhoneNumber) -> String {
    let national_len = parsed.national().to_string().len() as u16;
    let Some(meta) = parsed.metadata(&DATABASE).or_else(|| {
        DATABASE
            .by_code(&parsed.code().value())
            .and_then(|m| m.into_iter().next())
    }) else {
        return "unknown country calling code".into();
    };
    let d = meta.descriptors();
    let lengths: Vec<u16> = [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.voip(),
    ]
    .into_iter()
    .flatten()
    .flat_map(|x| x.possible_length().iter().copied())
    .collect();
    match (lengths.iter().min(), lengths.iter().max()) {
        (Some(&min), _) if national_len < min => "too short".into(),
        (_, Some(&max)) if national_len > max => "too long".into(),
        _ => format!("not a number in use in {}", meta.id()),
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

impl From<E164> for String {
    fn from(n: E164) -> String {
        n.0
    }
}

impl<'de> Deserialize<'de> for E164 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        E164::parse(&s, None).map_err(serde::de::Error::custom)
    }
}

impl FromStr for E164 {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        E164::parse(s, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str, region: Option<&str>) -> String {
        match E164::parse(input, region) {
            Ok(n) => n.to_string(),
            Err(e) => panic!("{input:?} should parse: {e}"),
        }
    }

    #[test]
    fn regions_are_every_country_the_metadata_knows() {
        let all = regions();
        assert!(all.len() > 200, "{}", all.len());
        for id in ["US", "GB", "JP", "BR", "NG", "NZ", "VA", "SH"] {
            assert!(all.contains(&id), "{id}");
        }
        assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert!(all.iter().all(|id| id.len() == 2), "no 001");
        // Every region's own numbers parse to that region.
        let gb = E164::parse("+44 20 7946 0958", None).expect("valid");
        assert!(all.contains(&gb.facts().country.as_deref().expect("geographic")));
    }

    fn err(input: &str, region: Option<&str>) -> String {
        match E164::parse(input, region) {
            Ok(n) => panic!("{input:?} should fail, got {n}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepts_the_forms_people_type() {
        assert_eq!(ok("+14155551234", None), "+14155551234");
        assert_eq!(ok("+1 (415) 555-1234", None), "+14155551234");
        assert_eq!(ok("(415) 555-1234", Some("US")), "+14155551234");
        assert_eq!(ok("415.555.1234", Some("us")), "+14155551234");
        assert_eq!(ok("020 7946 0958", Some("GB")), "+442079460958");
        assert_eq!(ok("+44 20 7946 0958", Some("US")), "+442079460958");
        assert_eq!(ok("0044 20 7946 0958", None), "+442079460958");
        assert_eq!(ok("  +49 30 123456  ", None), "+4930123456");
    }

    #[test]
    fn rejects_with_the_input_and_the_reason() {
        assert_eq!(
            err("+1234", None),
            r#""+1234" is not a valid phone number (too short)"#
        );
        assert!(err("", None).contains("empty"));
        assert!(
            err("hello", Some("US")).contains("not a phone number"),
            "{}",
            err("hello", Some("US"))
        );
        assert!(err("4155551234", None).contains("no country code"));
        assert!(err("+1415555123456789", None).contains("too long"));
        assert!(err("+999 1234 5678", None).contains("country calling code"));
        assert!(err("+1 415 555 1234 ext. 12", None).contains("extension"));
        // 555-01xx style numbers are not in any real range.
        assert!(err("+1 123 456 7890", None).contains("not a number in use"));
    }

    /// `text` in fullwidth forms (`＋１ ４１５…`), as some Asian keyboards and documents write.
    fn fullwidth(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                ' ' => '\u{3000}',
                '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                other => other,
            })
            .collect()
    }

    /// `text` with its ASCII digits written in the script whose zero is `zero`.
    fn digits_from(zero: char, text: &str) -> String {
        text.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(zero as u32 + d).unwrap(),
                None => c,
            })
            .collect()
    }

    /// What a web page, a contact card or an Asian keyboard hands over (issue #17).
    #[test]
    fn accepts_numbers_as_people_paste_them() {
        for pasted in [
            "tel:+14155550100",
            "TEL:+1-415-555-0100",
            "tel:+1.415.555.0100;isub=1234",
            "tel:+1-415-555-0100;foo=bar",
            "tel:415-555-0100;phone-context=+1",
            "tel:555-0100;phone-context=+1-415",
            &fullwidth("+14155550100"),
            &fullwidth("+1 (415) 555-0100"),
            // Arabic-Indic, Persian, Devanagari digits.
            &digits_from('\u{660}', "+14155550100"),
            &digits_from('\u{6F0}', "+1 415 555 0100"),
            &digits_from('\u{966}', "+14155550100"),
            // Copied from a contact card: left-to-right embedding marks around the number.
            "\u{202A}+1 415 555 0100\u{202C}",
        ] {
            assert_eq!(ok(pasted, None), "+14155550100", "{pasted:?}");
            assert_eq!(ok(pasted, Some("GB")), "+14155550100", "{pasted:?} with GB");
        }
        // A local tel: URI (its context a domain) is a national number: it needs the region.
        let local = "tel:415-555-0100;phone-context=example.com";
        assert_eq!(ok(local, Some("US")), "+14155550100");
        assert!(
            err(local, None).contains("no country code"),
            "{}",
            err(local, None)
        );
        // A global context with the national number's trunk prefix.
        assert_eq!(ok("tel:03-331-6005;phone-context=+64", None), "+6433316005");
        assert_eq!(ok("tel:+64-3-331-6005;isub=12345", None), "+6433316005");
        // Fullwidth national digits with a region.
        assert_eq!(ok(&fullwidth("020 7946 0958"), Some("GB")), "+442079460958");
    }

    #[test]
    fn an_extension_is_refused_saying_what_to_do() {
        for (pasted, ext) in [
            ("+1 415 555 0100 ext. 12", "12"),
            ("+1 415 555 0100 x12", "12"),
            ("+1 415 555 0100 x 12", "12"),
            ("+1-415-555-0100 #12", "12"),
            ("+14155550100;ext=12", "12"),
            ("tel:+14155550100;ext=12", "12"),
            ("tel:+1-415-555-0100;ext=12;phone-context=+1", "12"),
            ("tel:415-555-0100;phone-context=+1;ext=345", "345"),
            (&fullwidth("+14155550100 x12"), "12"),
        ] {
            let e = E164::parse(pasted, None).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidNumber, "{pasted:?}");
            assert_eq!(
                e.to_string(),
                format!(
                    "{pasted:?} has an extension ({ext}); a provider number cannot have one \
                     \u{2014} remove the extension (the number alone is +14155550100)"
                ),
            );
        }
        // An extension on a number that is not valid either: no number to suggest.
        let e = err("+1 123 456 7890 x12", None);
        assert!(
            e.ends_with("cannot have one \u{2014} remove the extension"),
            "{e}"
        );
    }

    /// Found by the fuzzer: letters read as keypad digits made a 16-digit "German" number.
    #[test]
    fn never_longer_than_e164_allows() {
        let e = err("0049 09HRmt4vBRR5R55t", None);
        assert!(e.contains("too long"), "{e}");
    }

    #[test]
    fn bad_region_is_an_input_error() {
        let e = E164::parse("(415) 555-1234", Some("USA")).unwrap_err();
        assert!(
            matches!(e, Error::InvalidInput { ref field, .. } if field == "region"),
            "{e}"
        );
    }

    #[test]
    fn a_default_region_does_not_change_a_number_with_its_plus() {
        // The parser refused this Egyptian number when given region US ("too short").
        for region in [None, Some("US"), Some("GB")] {
            assert_eq!(
                E164::parse("+2015550123", region).unwrap().as_str(),
                "+2015550123",
                "{region:?}"
            );
        }
    }

    #[test]
    fn derives_country_type_and_area_code() {
        let (_, f) = E164::parse_with_facts("+14155551234", None).unwrap();
        assert_eq!(f.country.as_deref(), Some("US"));
        assert_eq!(f.area_code.as_deref(), Some("415"));
        assert_eq!(f.number_type, NumberType::FixedLineOrMobile);
        let n = E164::parse("+14155551234", None).unwrap();
        assert_eq!(n.facts_and_display(), (n.facts(), n.international()));
        assert_eq!(
            E164::parse("+14155551234", None).unwrap().international(),
            "+1 415-555-1234"
        );
        let (_, f) = E164::parse_with_facts("+18005550199", None).unwrap();
        assert_eq!(f.number_type, NumberType::TollFree);
        let (_, f) = E164::parse_with_facts("+447400123456", None).unwrap();
        assert_eq!(
            (f.country.as_deref(), f.number_type),
            (Some("GB"), NumberType::Mobile)
        );
        let (_, f) = E164::parse_with_facts("+16135550123", None).unwrap();
        assert_eq!(f.country.as_deref(), Some("CA"));
    }

    #[test]
    fn number_type_names_round_trip() {
        for t in NumberType::ALL {
            assert_eq!(t.as_str().parse::<NumberType>().unwrap(), t);
        }
        assert!("landline".parse::<NumberType>().is_err());
    }
}
