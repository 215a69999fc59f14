//! The phone-number domain: organizations, agents and phone numbers as the design's
//! `phone_numbers` table describes them, with every rule a value must satisfy before any
//! store sees it.

mod credentials;
mod facts;
mod metadata;
mod phone;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub use credentials::{Credentials, SECRET_KEYS, check_account_id_shape, identifier_keys};
pub use metadata::{Capabilities, Capability, Metadata, SMS_WEBHOOK_URL};
pub use phone::{E164, NumberFacts, NumberType, calling_code, parse_region, regions};

use crate::error::{Error, Result};

/// The design's `friendly_name VARCHAR(100)`.
pub const FRIENDLY_NAME_MAX_CHARS: usize = 100;

/// Declares an enum stored as a name, from one list of its variants and names: the enum, its
/// `ALL` (every variant, in order), `as_str`, `Display` and `FromStr` (case-insensitive, the
/// error naming `$field` and every name). A variant added to the list is in `ALL` and has a
/// name; nothing else lists them. The caller has `fmt`, `FromStr`, `Error` and `Result` in scope.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident ($field:literal) {
            $($(#[$variant_meta:meta])* $variant:ident = $name:literal,)+
        }
    ) => {
        $(#[$meta])*
        pub enum $ty {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $ty {
            /// Every value, in the order declared.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let wanted = s.trim().to_ascii_lowercase();
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| {
                        let names: Vec<_> = <$ty>::ALL.iter().map(|v| v.as_str()).collect();
                        Error::invalid($field, format!("{s:?} is not one of {}", names.join(", ")))
                    })
            }
        }
    };
}

pub(crate) use named_enum;

named_enum! {
    /// A telephony provider, stored as the design's lowercase string. Adding one:
    /// docs/ARCHITECTURE.md, "How to add a provider".
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[serde(rename_all = "lowercase")]
    pub enum Provider("provider") {
        /// Twilio (and SignalWire, which speaks the same API).
        Twilio = "twilio",
        /// Vonage (formerly Nexmo).
        Vonage = "vonage",
        /// Telnyx.
        Telnyx = "telnyx",
        /// Bandwidth.
        Bandwidth = "bandwidth",
        /// Plivo.
        Plivo = "plivo",
    }
}

named_enum! {
    /// The design's `status` column.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[serde(rename_all = "lowercase")]
    pub enum Status("status") {
        /// Usable.
        #[default]
        Active = "active",
        /// Temporarily disabled.
        Inactive = "inactive",
        /// Something is wrong with the number or its credentials.
        Error = "error",
    }
}

/// An organization (the design's `organizations`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Organization {
    /// Primary key.
    pub id: Uuid,
    /// URL-safe short name, unique, e.g. "acme".
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// An AI agent numbers can be assigned to (the design's `agents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Agent {
    /// Primary key.
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// Display name.
    pub name: String,
}

/// The design's `phone_numbers` columns, in its order: the fields of [`PhoneNumber`] (a test
/// compares them), the header of a CSV export, the length of every store's fixed-size row of
/// values (so a column added here is a compile error wherever a row is written), and the list
/// that tests compare with the SQLite and PostgreSQL schemas and the sync's decoder. Adding a
/// column: docs/ARCHITECTURE.md, "How to add a column".
pub const PHONE_NUMBER_COLUMNS: [&str; 14] = [
    "id",
    "organization_id",
    "provider",
    "phone_number",
    "friendly_name",
    "credentials",
    "metadata",
    "agent_id",
    "webhook_configured",
    "webhook_url",
    "status",
    "created_at",
    "updated_at",
    "last_verified_at",
];

/// A row of the design's `phone_numbers` table. Serializes with the design's column names
/// ([`PHONE_NUMBER_COLUMNS`], in that order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneNumber {
    /// Primary key.
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The provider the number lives at.
    pub provider: Provider,
    /// The number, E.164.
    pub phone_number: E164,
    /// Optional display name, at most 100 characters.
    pub friendly_name: Option<String>,
    /// Non-secret identifiers and vault references.
    pub credentials: Credentials,
    /// Provider-specific facts.
    pub metadata: Option<Metadata>,
    /// Assigned agent.
    pub agent_id: Option<Uuid>,
    /// Whether the provider's webhook points at the platform.
    pub webhook_configured: bool,
    /// The URL the provider calls.
    pub webhook_url: Option<String>,
    /// Lifecycle status.
    pub status: Status,
    /// When added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change to any field.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Last successful credential verification.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_verified_at: Option<OffsetDateTime>,
}

impl PhoneNumber {
    /// Derived facts (country, type, area code, display form).
    pub fn facts(&self) -> NumberFacts {
        self.phone_number.facts()
    }

    /// Capabilities from metadata.
    pub fn capabilities(&self) -> Capabilities {
        self.metadata
            .as_ref()
            .map(Metadata::capabilities)
            .unwrap_or_default()
    }

    /// The webhook URLs on record, per channel: `(voice, sms)`. The voice URL is `webhook_url`;
    /// the SMS URL is the metadata fact [`SMS_WEBHOOK_URL`]. A number recorded before that
    /// fact existed kept one URL: in `webhook_url`, which for a number with SMS and no voice
    /// was its SMS URL, and is read as such while the fact is absent. A channel with nothing on
    /// record is `None` (unknown, not a difference), and so is the SMS channel when the stored
    /// fact is not a valid URL ([`Metadata::sms_webhook_url_problem`]).
    pub fn recorded_webhooks(&self) -> (Option<&str>, Option<&str>) {
        let caps = self.capabilities();
        let column = self.webhook_url.as_deref();
        let fact = (self.metadata.as_ref()).map_or(Ok(None), Metadata::sms_webhook_fact);
        match fact {
            Err(_) => (column.filter(|_| caps.voice || !caps.sms), None),
            Ok(fact) if caps.sms && !caps.voice => (None, fact.or(column)),
            Ok(fact) => (column, fact),
        }
    }

    /// The columns this number leaves empty: NULL, `false`, or empty text or JSON. Tests that
    /// check a store keeps every column first check that their example has none
    /// ([`PhoneNumber::with_every_column`]).
    pub fn empty_columns(&self) -> Vec<&'static str> {
        let Ok(serde_json::Value::Object(row)) = serde_json::to_value(self) else {
            return PHONE_NUMBER_COLUMNS.to_vec();
        };
        PHONE_NUMBER_COLUMNS
            .into_iter()
            .filter(|column| match row.get(*column) {
                None | Some(serde_json::Value::Null | serde_json::Value::Bool(false)) => true,
                Some(serde_json::Value::String(s)) => s.is_empty(),
                Some(serde_json::Value::Object(o)) => o.is_empty(),
                Some(_) => false,
            })
            .collect()
    }

    /// A number of `organization_id` with a value in every column (none of them a default),
    /// assigned to `agent_id`: what the tests of every store write and read back, so a column
    /// that one store's SQL leaves out fails them. A column added to [`PhoneNumber`] must be
    /// given a value here ([`PhoneNumber::empty_columns`] is checked).
    pub fn with_every_column(organization_id: Uuid, agent_id: Uuid) -> PhoneNumber {
        let at = |seconds: i64, micros: i64| {
            OffsetDateTime::from_unix_timestamp(seconds)
                .map(|t| t + time::Duration::microseconds(micros))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        PhoneNumber {
            id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0e11),
            organization_id,
            provider: Provider::Twilio,
            phone_number: E164::from_stored("+14155550142".into()),
            friendly_name: Some("Every column".into()),
            credentials: Credentials::for_account(
                Provider::Twilio,
                "AC0123456789abcdef0123456789abcdef",
            )
            .unwrap_or_default(),
            metadata: Metadata::from_json(
                r#"{"capabilities": {"voice": true, "sms": true}, "region": "US"}"#,
            )
            .ok(),
            agent_id: Some(agent_id),
            webhook_configured: true,
            webhook_url: Some("https://hooks.example.com/voice?org=acme".into()),
            status: Status::Inactive,
            created_at: at(1_700_000_000, 123_456),
            updated_at: at(1_700_000_100, 654_321),
            last_verified_at: Some(at(1_700_000_050, 1)),
        }
    }
}

/// What a manager supplies to add a number; [`NewNumber::validate`] checks every field.
#[derive(Debug, Clone, Default)]
pub struct NewNumber {
    /// Provider name as typed.
    pub provider: String,
    /// The number as typed.
    pub number: String,
    /// Region for national numbers, e.g. "US".
    pub region: Option<String>,
    /// Optional display name.
    pub friendly_name: Option<String>,
    /// Status name; active when absent.
    pub status: Option<String>,
    /// Metadata JSON text.
    pub metadata: Option<String>,
    /// Account the number belongs to (credentials by reference).
    pub account_id: Option<String>,
    /// Assigned agent.
    pub agent_id: Option<Uuid>,
}

/// A [`NewNumber`] whose fields passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidNumber {
    /// Provider.
    pub provider: Provider,
    /// The number.
    pub phone_number: E164,
    /// Display name.
    pub friendly_name: Option<String>,
    /// Status.
    pub status: Status,
    /// Metadata, with derived area code filled in when the number has one and none was given.
    pub metadata: Option<Metadata>,
    /// Credentials reference.
    pub credentials: Credentials,
    /// Assigned agent.
    pub agent_id: Option<Uuid>,
}

impl ValidNumber {
    /// The new record of this number in an organization, created (and updated) `at`, with a
    /// new id; no webhook, never verified.
    pub fn into_record(self, organization_id: Uuid, at: OffsetDateTime) -> PhoneNumber {
        PhoneNumber {
            id: Uuid::now_v7(),
            organization_id,
            provider: self.provider,
            phone_number: self.phone_number,
            friendly_name: self.friendly_name,
            credentials: self.credentials,
            metadata: self.metadata,
            agent_id: self.agent_id,
            webhook_configured: false,
            webhook_url: None,
            status: self.status,
            created_at: at,
            updated_at: at,
            last_verified_at: None,
        }
    }
}

impl NewNumber {
    /// Checks every field; the first problem is returned with the field it concerns.
    pub fn validate(&self) -> Result<ValidNumber> {
        let provider: Provider = self.provider.parse()?;
        let phone_number = E164::parse(&self.number, self.region.as_deref())?;
        let friendly_name = clean_friendly_name(self.friendly_name.as_deref())?;
        let status = self
            .status
            .as_deref()
            .map(str::parse)
            .transpose()?
            .unwrap_or_default();
        let metadata = self
            .metadata
            .as_deref()
            .map(Metadata::from_json)
            .transpose()?;
        let credentials = match &self.account_id {
            Some(account) => Credentials::for_account(provider, account.trim())?,
            None => Credentials::none(),
        };
        Ok(ValidNumber {
            provider,
            phone_number,
            friendly_name,
            status,
            metadata,
            credentials,
            agent_id: self.agent_id,
        })
    }
}

/// Trims a friendly name, maps blank to none, and enforces the column's limits.
pub fn clean_friendly_name(name: Option<&str>) -> Result<Option<String>> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let chars = name.chars().count();
    if chars > FRIENDLY_NAME_MAX_CHARS {
        return Err(Error::invalid(
            "friendly name",
            format!("{chars} characters; at most {FRIENDLY_NAME_MAX_CHARS} are allowed"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "friendly name",
            "contains control characters",
        ));
    }
    Ok(Some(name.to_owned()))
}

/// The longest webhook URL accepted, as the providers' URL fields allow.
pub const WEBHOOK_URL_MAX_CHARS: usize = 2048;

/// Checks a webhook URL (`webhook_url`, and the voice and SMS URLs set at a provider): an
/// absolute `http` or `https` URL with a host, at most [`WEBHOOK_URL_MAX_CHARS`] characters,
/// with no spaces or control characters. Returns it as given (not normalized: what is stored
/// is what the manager or the provider wrote). `field` names the column or flag in the error,
/// which never repeats the URL (its query string may hold a token).
pub fn check_webhook_url(field: &str, url: &str) -> Result<String> {
    let bad = |reason: String| Error::invalid(field, reason);
    let chars = url.chars().count();
    if chars > WEBHOOK_URL_MAX_CHARS {
        return Err(bad(format!(
            "{chars} characters; at most {WEBHOOK_URL_MAX_CHARS} are allowed"
        )));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains spaces or control characters".into()));
    }
    let parsed = url::Url::parse(url).map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(format!(
            "must be an http or https URL, not {}:",
            parsed.scheme()
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host".into()));
    }
    Ok(url.to_owned())
}

/// Validates an organization slug: 1–63 of a-z, 0-9 and inner hyphens.
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "slug",
            format!("{slug:?} must be 1-63 lowercase letters, digits or inner hyphens"),
        ))
    }
}

/// Validates a display name of an organization or agent.
pub fn check_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be 1-200 printable characters"));
    }
    Ok(name.to_owned())
}

/// A change to a number. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NumberUpdate {
    /// New display name; `Some(None)` clears it.
    pub friendly_name: Option<Option<String>>,
    /// New status.
    pub status: Option<Status>,
    /// New agent; `Some(None)` unassigns.
    pub agent_id: Option<Option<Uuid>>,
    /// Metadata merge patch (RFC 7386).
    pub metadata_patch: Option<Metadata>,
    /// Metadata replaced whole (`Some(None)` clears it), before `metadata_patch` applies: what
    /// an undo uses to put metadata back exactly (a merge patch cannot remove a nested key
    /// and re-add it in its old place).
    pub metadata: Option<Option<Metadata>>,
    /// Webhook state confirmed by the provider.
    pub webhook: Option<(bool, Option<String>)>,
    /// Set when credentials were verified.
    pub last_verified_at: Option<OffsetDateTime>,
    /// An SMS webhook URL to record only if the number has none on record as the change
    /// applies ([`PhoneNumber::recorded_webhooks`]: a stored value that is not a valid URL is
    /// none), after the other fields: what an import records from a listing that may be old.
    /// Every store applies it to the record it writes, in the same transaction, so a URL
    /// recorded since the listing is kept, never overwritten.
    pub sms_webhook_url_if_none: Option<String>,
}

impl NumberUpdate {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == NumberUpdate::default()
    }

    /// A change of every field (none left as it is), to values that differ from
    /// [`PhoneNumber::with_every_column`]'s, assigning `agent_id`: what the tests of every
    /// store's update apply, so an update statement that leaves a field out fails them. The
    /// literal names every field: a field added to `NumberUpdate` must be given a value here.
    pub fn of_every_field(agent_id: Uuid) -> NumberUpdate {
        NumberUpdate {
            friendly_name: Some(Some("Every field changed".into())),
            status: Some(Status::Error),
            agent_id: Some(Some(agent_id)),
            metadata_patch: Metadata::from_json(r#"{"capabilities": {"fax": true}}"#).ok(),
            metadata: Some(Metadata::from_json(r#"{"zeta": {"kept": [1, 2]}}"#).ok()),
            webhook: Some((false, Some("https://hooks.example.com/changed".into()))),
            last_verified_at: OffsetDateTime::from_unix_timestamp(1_700_000_200).ok(),
            sms_webhook_url_if_none: Some("https://hooks.example.com/sms-if-none".into()),
        }
    }

    /// `current` with this change applied: the rules every update follows, in the local store,
    /// the offline outbox and the team database. `updated_at` is left to the caller (the
    /// server sets its own).
    pub fn apply_to(&self, current: &PhoneNumber) -> Result<PhoneNumber> {
        let mut next = current.clone();
        if let Some(name) = &self.friendly_name {
            next.friendly_name = clean_friendly_name(name.as_deref())?;
        }
        if let Some(status) = self.status {
            next.status = status;
        }
        if let Some(agent) = self.agent_id {
            next.agent_id = agent;
        }
        if let Some(whole) = &self.metadata {
            next.metadata = whole.clone();
        }
        if let Some(patch) = &self.metadata_patch {
            let mut m = next.metadata.clone().unwrap_or_default();
            m.merge(patch)?;
            next.metadata = Some(m);
        }
        if let Some((configured, url)) = &self.webhook {
            next.webhook_configured = *configured;
            next.webhook_url = url.clone();
        }
        if let Some(t) = self.last_verified_at {
            next.last_verified_at = Some(t);
        }
        if let Some(url) = &self.sms_webhook_url_if_none
            && next.recorded_webhooks().1.is_none()
        {
            let mut m = next.metadata.clone().unwrap_or_default();
            m.set_sms_webhook_url(Some(url))?;
            next.metadata = Some(m);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sms_url_if_none_is_recorded_only_where_none_is_on_record() {
        let id = Uuid::nil();
        let n = PhoneNumber::with_every_column(id, id);
        let change = NumberUpdate {
            sms_webhook_url_if_none: Some("https://sms.example.com/in".into()),
            ..NumberUpdate::default()
        };
        let sms = |n: &PhoneNumber| n.recorded_webhooks().1.map(str::to_owned);
        // None on record: recorded.
        let recorded = change.apply_to(&n).unwrap();
        assert_eq!(
            sms(&recorded).as_deref(),
            Some("https://sms.example.com/in")
        );
        // One on record (recorded since the listing): kept.
        let mut theirs = n.clone();
        let mut m = theirs.metadata.clone().unwrap();
        m.set_sms_webhook_url(Some("https://a.example.com/sms"))
            .unwrap();
        theirs.metadata = Some(m);
        assert_eq!(change.apply_to(&theirs).unwrap(), theirs);
        // A stored value that is not a valid URL is none: recorded over.
        let mut bad: serde_json::Value =
            serde_json::from_str(&n.metadata.clone().unwrap().to_json()).unwrap();
        bad["smsWebhookUrl"] = serde_json::Value::from("not a url");
        let bad = PhoneNumber {
            metadata: Some(Metadata::from_stored_value(bad).unwrap()),
            ..n
        };
        assert_eq!(sms(&bad), None);
        let over = change.apply_to(&bad).unwrap();
        assert_eq!(sms(&over).as_deref(), Some("https://sms.example.com/in"));
    }

    #[test]
    fn enums_parse_their_stored_names_only() {
        assert_eq!("Twilio".parse::<Provider>().unwrap(), Provider::Twilio);
        assert_eq!(" inactive ".parse::<Status>().unwrap(), Status::Inactive);
        let e = "twillio".parse::<Provider>().unwrap_err().to_string();
        assert_eq!(
            e,
            r#"invalid provider: "twillio" is not one of twilio, vonage, telnyx, bandwidth, plivo"#
        );
        assert!("paused".parse::<Status>().is_err());
        // The stored names are serde's names too (the team database and files use both).
        for p in Provider::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for s in Status::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn the_column_list_is_the_fields_of_a_phone_number() {
        let n = PhoneNumber::with_every_column(Uuid::nil(), Uuid::nil());
        let serde_json::Value::Object(row) = serde_json::to_value(&n).unwrap() else {
            panic!("a number serializes to an object");
        };
        let fields: Vec<&str> = row.keys().map(String::as_str).collect();
        assert_eq!(
            fields, PHONE_NUMBER_COLUMNS,
            "PhoneNumber's fields and PHONE_NUMBER_COLUMNS differ: a column is missing from \
             one of them (docs/ARCHITECTURE.md, \"How to add a column\")"
        );
        assert_eq!(
            n.empty_columns(),
            Vec::<&str>::new(),
            "PhoneNumber::with_every_column must give every column a value"
        );
        let mut empty = n.clone();
        empty.friendly_name = None;
        empty.webhook_configured = false;
        assert_eq!(
            empty.empty_columns(),
            ["friendly_name", "webhook_configured"]
        );
    }

    #[test]
    fn friendly_name_limits() {
        assert_eq!(
            clean_friendly_name(Some("  Support ")).unwrap().as_deref(),
            Some("Support")
        );
        assert_eq!(clean_friendly_name(Some("   ")).unwrap(), None);
        let hundred: String = "é".repeat(100);
        assert!(clean_friendly_name(Some(&hundred)).is_ok());
        let e = clean_friendly_name(Some(&"x".repeat(101)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("101 characters"), "{e}");
        assert!(clean_friendly_name(Some("a\u{7}b")).is_err());
    }

    #[test]
    fn webhook_urls_are_http_urls_of_sane_length() {
        for ok in [
            "https://hooks.example.com/voice",
            "http://10.0.0.5:8080/sms?org=acme",
        ] {
            assert_eq!(check_webhook_url("webhook_url", ok).unwrap(), ok);
        }
        let long = format!("https://example.com/{}", "a".repeat(2030));
        for (bad, says) in [
            ("ftp://example.com/hook", "http or https"),
            ("javascript:alert(1)", "http or https"),
            ("file:///etc/passwd", "http or https"),
            ("example.com/hook", "not a URL"),
            ("=HYPERLINK(\"http://evil\")", "not a URL"),
            ("https://exa mple.com", "spaces"),
            (" https://example.com", "spaces"),
            ("https://example.com/\nx", "control"),
            (long.as_str(), "at most 2048"),
        ] {
            let e = check_webhook_url("webhook_url", bad)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("invalid webhook_url: "), "{bad}: {e}");
            assert!(e.contains(says), "{bad}: {e}");
        }
        let e = check_webhook_url("webhook_url", "ftp://u:tok3n@example.com/")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("tok3n"), "the URL is not repeated: {e}");
    }

    #[test]
    fn slugs() {
        assert!(check_slug("acme-2").is_ok());
        for bad in ["", "Acme", "-acme", "acme-", "ac me", "ac_me"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_number_validation_names_the_field() {
        let base = NewNumber {
            provider: "twilio".into(),
            number: "+14155551234".into(),
            ..Default::default()
        };
        let v = base.validate().unwrap();
        assert_eq!(v.status, Status::Active);
        assert!(v.credentials.is_empty());
        let e = NewNumber {
            provider: "acme".into(),
            ..base.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().starts_with("invalid provider"));
        let e = NewNumber {
            metadata: Some("[1]".into()),
            ..base.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().starts_with("invalid metadata"));
        let e = NewNumber {
            status: Some("on".into()),
            ..base.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().starts_with("invalid status"));
        let e = NewNumber {
            number: "+1 555".into(),
            ..base
        }
        .validate()
        .unwrap_err();
        assert!(matches!(e, Error::InvalidNumber { .. }));
    }
}
