//! Searching the numbers a Twilio account can buy, as the desktop app's purchase form asks and
//! shows them (buying and releasing are [`crate::numbers_at_provider::buy`] and
//! [`crate::numbers_at_provider::release`]).

use serde::{Deserialize, Serialize};
use switchboard_core::Result;
use switchboard_core::domain::{Capabilities, Capability};
use switchboard_providers::twilio::{self, AvailableNumber as CoreAvailable};

/// A Twilio number search.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AvailableSearch {
    /// ISO country, e.g. "US".
    pub country: String,
    /// Area code, e.g. "415".
    pub area_code: Option<String>,
    /// Digits the number contains.
    pub contains: Option<String>,
    /// Capabilities the number must all have.
    pub capabilities: Capabilities,
}

/// A number offered for purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AvailableNumber {
    /// E.164.
    pub phone_number: String,
    /// International display form.
    pub display: String,
    /// Locality.
    pub locality: Option<String>,
    /// Region or state.
    pub region: Option<String>,
    /// ISO country.
    pub country: Option<String>,
    /// Capabilities.
    pub capabilities: Capabilities,
}

impl From<CoreAvailable> for AvailableNumber {
    fn from(a: CoreAvailable) -> Self {
        let (facts, display) = a.phone_number.facts_and_display();
        AvailableNumber {
            phone_number: a.phone_number.to_string(),
            display,
            locality: a.locality,
            region: a.region,
            country: a.iso_country.or(facts.country),
            capabilities: a.capabilities,
        }
    }
}

impl From<&AvailableSearch> for twilio::AvailableSearch {
    fn from(s: &AvailableSearch) -> Self {
        fn text(v: &Option<String>) -> Option<String> {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        }
        twilio::AvailableSearch {
            country: s.country.clone(),
            number_type: None,
            area_code: text(&s.area_code),
            contains: text(&s.contains),
            capabilities: s.capabilities,
            limit: Some(20),
        }
    }
}

/// The capabilities a search requires, by name (voice, sms, mms, fax; repeated names count once).
pub fn required_capabilities(names: &[String]) -> Result<Capabilities> {
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
