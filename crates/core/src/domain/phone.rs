//! Phone numbers in E.164, parsed and validated by libphonenumber's metadata
//! (the `phonenumber` crate) — never by a hand-written pattern.
//!
//! A [`E164`] can only be made by [`E164::parse`], so holding one proves the number is valid
//! for its country. The facts derived from it (country, number type, area code) are
//! computed here once and stored beside the number for filtering and display.

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

impl E164 {
    /// Parses what a person typed: "+14155551234", "+1 (415) 555-1234", "00 44 20 7946 0958",
    /// or a national number such as "(415) 555-1234" together with a default region.
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
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        if region.is_none() && !international {
            return Err(bad(
                "no country code: start with + or give a default region",
            ));
        }
        // "00" is the international prefix almost everywhere; without a region to say
        // otherwise, read it as "+".
        let normalized = match (region, trimmed.strip_prefix("00")) {
            (None, Some(rest)) => format!("+{rest}"),
            _ => trimmed.to_owned(),
        };
        // A number with its `+` carries its country code; the default region must not change
        // how it reads (the parser refuses some, e.g. "+2015550123" with region US).
        let parse_region = if trimmed.starts_with('+') {
            None
        } else {
            region
        };
        let parsed =
            phonenumber::parse(parse_region, &normalized).map_err(|e| bad(&parse_reason(&e)))?;
        if parsed.extension().is_some() {
            return Err(bad("extensions cannot be stored as a number"));
        }
        if !parsed.is_valid() {
            return Err(bad(&invalid_reason(&parsed)));
        }
        let e164 = parsed.format().mode(Mode::E164).to_string();
        // libphonenumber accepts some over-long national numbers; E.164 allows 15 digits.
        if e164.len() > 16 {
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
