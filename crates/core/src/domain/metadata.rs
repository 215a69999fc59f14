//! The `metadata` JSON column: provider-specific facts about a number.
//!
//! It is an open JSON object: keys Switchboard does not know are kept byte-for-byte
//! across every read and write, so data the web platform stores there is never lost.
//! The keys it does know (`region`, `capabilities`, `areaCode`, `state`, `locality`,
//! `providerSid`, [`SMS_WEBHOOK_URL`]) get typed accessors and are type-checked on the way in.
//!
//! `smsWebhookUrl` is the URL the provider delivers the number's incoming messages to, as last
//! read from the provider or confirmed by it. The design keeps one `webhook_url` column, the
//! voice URL; the SMS URL is kept here so that the web platform's table needs no new column.
//! A number without the key has no SMS URL on record (unknown, never a difference).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// What a number can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Capabilities {
    /// Voice calls.
    pub voice: bool,
    /// SMS.
    pub sms: bool,
    /// MMS.
    pub mms: bool,
    /// Fax.
    pub fax: bool,
}

/// One capability, for filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// Voice calls.
    Voice,
    /// SMS.
    Sms,
    /// MMS.
    Mms,
    /// Fax.
    Fax,
}

impl Capability {
    /// All capabilities, in display order.
    pub const ALL: [Capability; 4] = [
        Capability::Voice,
        Capability::Sms,
        Capability::Mms,
        Capability::Fax,
    ];

    /// The JSON key and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Voice => "voice",
            Capability::Sms => "sms",
            Capability::Mms => "mms",
            Capability::Fax => "fax",
        }
    }

    /// This capability's bit in [`Capabilities::bits`].
    pub fn bit(self) -> i64 {
        match self {
            Capability::Voice => 1,
            Capability::Sms => 2,
            Capability::Mms => 4,
            Capability::Fax => 8,
        }
    }
}

impl std::str::FromStr for Capability {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_lowercase();
        Capability::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "capability",
                    format!("{s:?} is not one of voice, sms, mms, fax"),
                )
            })
    }
}

impl Capabilities {
    /// A compact bit set (voice=1, sms=2, mms=4, fax=8) stored for filtering.
    pub fn bits(self) -> i64 {
        Capability::ALL
            .into_iter()
            .filter(|c| self.has(*c))
            .map(Capability::bit)
            .sum()
    }

    /// Whether the capability is present.
    pub fn has(self, c: Capability) -> bool {
        match c {
            Capability::Voice => self.voice,
            Capability::Sms => self.sms,
            Capability::Mms => self.mms,
            Capability::Fax => self.fax,
        }
    }
}

/// The `metadata` object. Unknown keys are preserved in their original order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(Map<String, Value>);

/// The metadata key of the SMS webhook URL on record (see the module's documentation).
pub const SMS_WEBHOOK_URL: &str = "smsWebhookUrl";

/// Core's webhook URL rule ([`super::check_webhook_url`]) on the SMS URL, named as its key.
fn check_sms_webhook_url(url: &str) -> Result<String> {
    super::check_webhook_url(&format!("metadata.{SMS_WEBHOOK_URL}"), url)
}

/// [`check_sms_webhook_url`] on the key's JSON value (`null` is no URL).
fn check_sms_webhook_value(value: &Value) -> Result<()> {
    match value {
        Value::Null => Ok(()),
        Value::String(url) => check_sms_webhook_url(url).map(drop),
        _ => Err(Error::invalid(
            "metadata",
            format!("{SMS_WEBHOOK_URL:?} must be a string"),
        )),
    }
}

fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::invalid("metadata", format!("not valid JSON: {e}")))
}

const STRING_KEYS: [&str; 6] = [
    "region",
    "areaCode",
    "state",
    "locality",
    "providerSid",
    "numberType",
];

impl Metadata {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates a JSON value as metadata: an object whose known keys have the right types,
    /// and [`SMS_WEBHOOK_URL`] a valid URL. The rule for what a manager gives (an edit, a CSV
    /// file, a new number); a row another client stored is read by [`Metadata::from_stored_value`].
    pub fn from_value(value: Value) -> Result<Self> {
        let m = Self::from_stored_value(value)?;
        if let Some(url) = m.0.get(SMS_WEBHOOK_URL) {
            check_sms_webhook_value(url)?;
        }
        Ok(m)
    }

    /// Validates a JSON value as metadata that a store holds (the team database, written by the
    /// web platform or a co-worker, or the cache that copied it): as [`Metadata::from_value`],
    /// except that an [`SMS_WEBHOOK_URL`] that is not a valid URL is kept as it is (it is the
    /// server's data) and read as unknown ([`Metadata::sms_webhook_url`] is `None`,
    /// [`Metadata::sms_webhook_url_problem`] says why). An optional fact gone bad must not hide
    /// the number.
    pub fn from_stored_value(value: Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(Error::invalid("metadata", "must be a JSON object"));
        };
        for key in STRING_KEYS {
            if map
                .get(key)
                .is_some_and(|v| !(v.is_string() || v.is_null()))
            {
                return Err(Error::invalid(
                    "metadata",
                    format!("{key:?} must be a string"),
                ));
            }
        }
        if let Some(caps) = map.get("capabilities") {
            let Value::Object(caps) = caps else {
                return Err(Error::invalid(
                    "metadata",
                    "\"capabilities\" must be an object",
                ));
            };
            for (k, v) in caps {
                if !v.is_boolean() {
                    return Err(Error::invalid(
                        "metadata",
                        format!("capabilities.{k} must be true or false"),
                    ));
                }
            }
        }
        Ok(Metadata(map))
    }

    /// [`Metadata::from_stored_value`] of JSON text.
    pub fn from_stored_json(text: &str) -> Result<Self> {
        Self::from_stored_value(parse_json(text)?)
    }

    /// Parses a merge patch (RFC 7386): any JSON object; `null` values remove keys. The merged
    /// result is validated by [`Metadata::merge`].
    pub fn patch_from_json(text: &str) -> Result<Self> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(Metadata(map)),
            Ok(_) => Err(Error::invalid("metadata", "must be a JSON object")),
            Err(e) => Err(Error::invalid("metadata", format!("not valid JSON: {e}"))),
        }
    }

    /// Parses metadata from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_value(parse_json(text)?)
    }

    /// The JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The object as JSON text.
    pub fn to_json(&self) -> String {
        // A map of JSON values always serializes.
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    fn str_key(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    fn set_str(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.0.insert(key.to_owned(), Value::String(v.to_owned())),
            None => self.0.shift_remove(key),
        };
    }

    /// e.g. "US/Canada".
    pub fn region(&self) -> Option<&str> {
        self.str_key("region")
    }
    /// e.g. "415".
    pub fn area_code(&self) -> Option<&str> {
        self.str_key("areaCode")
    }
    /// e.g. "CA".
    pub fn state(&self) -> Option<&str> {
        self.str_key("state")
    }
    /// e.g. "San Francisco".
    pub fn locality(&self) -> Option<&str> {
        self.str_key("locality")
    }
    /// The provider's own id of the number (Twilio `PN…`).
    pub fn provider_sid(&self) -> Option<&str> {
        self.str_key("providerSid")
    }

    /// Sets or clears `region`.
    pub fn set_region(&mut self, v: Option<&str>) {
        self.set_str("region", v)
    }
    /// Sets or clears `areaCode`.
    pub fn set_area_code(&mut self, v: Option<&str>) {
        self.set_str("areaCode", v)
    }
    /// Sets or clears `state`.
    pub fn set_state(&mut self, v: Option<&str>) {
        self.set_str("state", v)
    }
    /// Sets or clears `locality`.
    pub fn set_locality(&mut self, v: Option<&str>) {
        self.set_str("locality", v)
    }
    /// Sets or clears `providerSid`.
    pub fn set_provider_sid(&mut self, v: Option<&str>) {
        self.set_str("providerSid", v)
    }

    /// The SMS webhook URL on record ([`SMS_WEBHOOK_URL`]); `None` when unknown: no URL, or a
    /// stored value that is not a valid URL ([`Metadata::sms_webhook_url_problem`]).
    pub fn sms_webhook_url(&self) -> Option<&str> {
        self.sms_webhook_fact().ok().flatten()
    }

    /// Why the stored [`SMS_WEBHOOK_URL`] is read as unknown, when it is there and is not a
    /// valid URL (a row the web platform or a co-worker wrote): for the sync's report and the
    /// number's detail. `None` when the key is absent or valid.
    pub fn sms_webhook_url_problem(&self) -> Option<String> {
        self.sms_webhook_fact().err().map(|e| {
            format!("the stored SMS webhook URL is not a valid URL, read as not recorded ({e})")
        })
    }

    /// The stored [`SMS_WEBHOOK_URL`] checked once: the URL, `None` when absent (or null), or
    /// why it is not a valid URL.
    pub(crate) fn sms_webhook_fact(&self) -> Result<Option<&str>> {
        let Some(value) = self.0.get(SMS_WEBHOOK_URL) else {
            return Ok(None);
        };
        check_sms_webhook_value(value)?;
        Ok(value.as_str())
    }

    /// Sets or clears the SMS webhook URL on record, checked as `webhook_url` is
    /// ([`super::check_webhook_url`]); a refused URL changes nothing.
    pub fn set_sms_webhook_url(&mut self, url: Option<&str>) -> Result<()> {
        if let Some(url) = url {
            check_sms_webhook_url(url)?;
        }
        self.set_str(SMS_WEBHOOK_URL, url);
        Ok(())
    }

    /// A merge patch that records `url` as the SMS webhook URL, or removes the key (`None`:
    /// the provider has none).
    pub fn sms_webhook_url_patch(url: Option<&str>) -> Metadata {
        let mut m = Metadata::new();
        let value = url.map_or(Value::Null, |u| Value::String(u.to_owned()));
        m.0.insert(SMS_WEBHOOK_URL.into(), value);
        m
    }

    /// The number's readiness as last judged (`readiness`), if it was and it reads.
    pub fn readiness(&self) -> Option<crate::readiness::Readiness> {
        serde_json::from_value(self.0.get("readiness")?.clone()).ok()
    }

    /// A merge patch that sets `readiness`.
    pub fn readiness_patch(r: &crate::readiness::Readiness) -> Metadata {
        let mut m = Metadata::new();
        if let Ok(v) = serde_json::to_value(r) {
            m.0.insert("readiness".into(), v);
        }
        m
    }

    /// Capabilities; absent flags read as false.
    pub fn capabilities(&self) -> Capabilities {
        let caps = self.0.get("capabilities").and_then(Value::as_object);
        let flag = |k: &str| {
            caps.and_then(|c| c.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Capabilities {
            voice: flag("voice"),
            sms: flag("sms"),
            mms: flag("mms"),
            fax: flag("fax"),
        }
    }

    /// Sets the four capability flags, keeping any other keys of the capabilities object.
    pub fn set_capabilities(&mut self, caps: Capabilities) {
        let entry = self
            .0
            .entry("capabilities")
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Value::Object(obj) = entry {
            for c in Capability::ALL {
                obj.insert(c.as_str().to_owned(), Value::Bool(caps.has(c)));
            }
        }
    }

    /// Merges `patch` into this object (RFC 7386 JSON merge patch: null removes a key). What
    /// the patch sets is checked as a manager's input ([`Metadata::from_value`]); a stored
    /// [`SMS_WEBHOOK_URL`] the patch leaves alone is kept as it is, valid or not.
    pub fn merge(&mut self, patch: &Metadata) -> Result<()> {
        if let Some(url) = patch.0.get(SMS_WEBHOOK_URL) {
            check_sms_webhook_value(url)?;
        }
        let mut value = Value::Object(self.0.clone());
        merge_patch(&mut value, &Value::Object(patch.0.clone()));
        *self = Metadata::from_stored_value(value)?;
        Ok(())
    }
}

fn merge_patch(target: &mut Value, patch: &Value) {
    if let Value::Object(patch) = patch {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        if let Value::Object(t) = target {
            for (k, v) in patch {
                if v.is_null() {
                    t.shift_remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_survive_a_round_trip_in_order() {
        let text = r#"{"zeta":1,"region":"US/Canada","capabilities":{"voice":true,"sms":true,"mms":false,"rcs":true},"nested":{"a":[1,2]},"areaCode":"415","state":"CA"}"#;
        let m = Metadata::from_json(text).unwrap();
        assert_eq!(m.to_json(), text);
        assert_eq!(m.region(), Some("US/Canada"));
        assert_eq!(m.area_code(), Some("415"));
        assert_eq!(m.state(), Some("CA"));
        let caps = m.capabilities();
        assert!(caps.voice && caps.sms && !caps.mms && !caps.fax);
        assert_eq!(caps.bits(), 3);
    }

    #[test]
    fn setting_capabilities_keeps_other_flags() {
        let mut m = Metadata::from_json(r#"{"capabilities":{"rcs":true}}"#).unwrap();
        m.set_capabilities(Capabilities {
            voice: true,
            fax: true,
            ..Default::default()
        });
        assert_eq!(
            m.to_json(),
            r#"{"capabilities":{"rcs":true,"voice":true,"sms":false,"mms":false,"fax":true}}"#
        );
    }

    #[test]
    fn wrong_types_are_refused() {
        for bad in [
            "[]",
            "42",
            r#"{"capabilities":"yes"}"#,
            r#"{"capabilities":{"voice":"yes"}}"#,
            r#"{"region":5}"#,
            "{not json",
        ] {
            let e = Metadata::from_json(bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid metadata"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_sms_webhook_url_is_a_checked_fact() {
        let mut m = Metadata::from_json(r#"{"region":"US"}"#).unwrap();
        assert_eq!(m.sms_webhook_url(), None, "no fact: unknown");
        m.set_sms_webhook_url(Some("https://hooks.example.com/sms?t=1"))
            .unwrap();
        assert_eq!(
            m.sms_webhook_url(),
            Some("https://hooks.example.com/sms?t=1")
        );
        assert_eq!(
            m.to_json(),
            r#"{"region":"US","smsWebhookUrl":"https://hooks.example.com/sms?t=1"}"#
        );
        let before = m.clone();
        for bad in ["ftp://hooks.example.com/sms", "https://", "not a url"] {
            let e = m.set_sms_webhook_url(Some(bad)).unwrap_err();
            assert!(
                e.to_string().contains("metadata.smsWebhookUrl"),
                "{bad}: {e}"
            );
            assert_eq!(m, before, "a refused URL changes nothing");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(2048));
        assert!(m.set_sms_webhook_url(Some(&long)).is_err());
        for bad in [
            r#"{"region":"US","smsWebhookUrl":5}"#,
            r#"{"region":"US","smsWebhookUrl":"mailto:ops@example.com"}"#,
        ] {
            // A manager's own input (a CSV file, a new number) is refused...
            let e = Metadata::from_json(bad).unwrap_err();
            assert!(e.to_string().contains("smsWebhookUrl"), "{bad}: {e}");
            // ...but a row a store holds (the web platform or a co-worker wrote it) is read:
            // the bad URL as unknown and said so, the rest intact, the value kept as it is.
            let stored = Metadata::from_stored_json(bad).unwrap();
            assert_eq!(stored.sms_webhook_url(), None, "{bad}: unknown");
            assert_eq!(stored.region(), Some("US"));
            assert_eq!(stored.to_json(), bad, "the server's value is kept");
            let problem = stored.sms_webhook_url_problem().expect("said");
            assert!(
                problem.contains("not a valid URL") && problem.contains("smsWebhookUrl"),
                "{problem}"
            );
            // An edit that leaves it alone goes through and keeps it; one that sets a bad
            // URL is refused; one that sets a good URL repairs it.
            let mut edited = stored.clone();
            edited
                .merge(&Metadata::patch_from_json(r#"{"state":"CA"}"#).unwrap())
                .unwrap();
            assert_eq!(edited.sms_webhook_url_problem(), Some(problem));
            assert!(
                edited
                    .merge(&Metadata::sms_webhook_url_patch(Some("ftp://x.example")))
                    .is_err()
            );
            edited
                .merge(&Metadata::sms_webhook_url_patch(Some(
                    "https://x.example/sms",
                )))
                .unwrap();
            assert_eq!(edited.sms_webhook_url(), Some("https://x.example/sms"));
            assert_eq!(edited.sms_webhook_url_problem(), None);
        }
        assert_eq!(m.sms_webhook_url_problem(), None, "a valid URL");
        assert_eq!(Metadata::new().sms_webhook_url_problem(), None, "no URL");
        let e = (m.clone())
            .merge(&Metadata::sms_webhook_url_patch(Some("http://")))
            .unwrap_err();
        assert!(e.to_string().contains("smsWebhookUrl"), "{e}");
        m.merge(&Metadata::sms_webhook_url_patch(None)).unwrap();
        assert_eq!(m.to_json(), r#"{"region":"US"}"#);
        m.set_sms_webhook_url(Some("https://a.example/sms"))
            .unwrap();
        m.set_sms_webhook_url(None).unwrap();
        assert_eq!(m.sms_webhook_url(), None);
    }

    #[test]
    fn merge_patch_adds_replaces_and_removes() {
        let mut m = Metadata::from_json(r#"{"a":1,"b":{"c":2,"d":3},"region":"US"}"#).unwrap();
        m.merge(&Metadata::patch_from_json(r#"{"a":null,"b":{"c":9},"e":true}"#).unwrap())
            .unwrap();
        assert_eq!(m.to_json(), r#"{"b":{"c":9,"d":3},"region":"US","e":true}"#);
        let before = m.clone();
        let err = m
            .merge(&Metadata::patch_from_json(r#"{"region":{"x":1}}"#).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("region"));
        assert_eq!(m, before, "a refused patch changes nothing");
        assert!(Metadata::patch_from_json("[]").is_err());
    }
}
