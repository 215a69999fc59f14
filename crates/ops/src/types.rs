//! Results, progress and cancellation shared by the actions and both shells.

use serde::Serialize;
use switchboard_core::domain::{Capabilities, E164, Metadata, PhoneNumber, Provider, Status};
use switchboard_core::query::Page;

/// A number edit's outcome: the row as written, and whether it waits in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The number after the edit (before it, for a removal).
    pub number: PhoneNumber,
    /// True when the edit went into a team workspace's outbox, for the next sync.
    pub queued: bool,
}

/// A chunk of a selection and the one change to apply to it
/// ([`crate::Inventory::update_numbers`]).
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// The organization of the numbers.
    pub organization_id: uuid::Uuid,
    /// The numbers, by id.
    pub ids: &'a [uuid::Uuid],
    /// Their row keys in the workspace file, in the order of `ids`, when the selection has
    /// them ([`switchboard_core::store::Selection::keys`]).
    pub keys: Option<&'a [i64]>,
    /// The change.
    pub change: &'a switchboard_core::domain::NumberUpdate,
}

/// Called by [`crate::Inventory::update_numbers`] before each part of a chunk it changes in
/// parts (the team database: [`crate::SERVER_PART`] numbers a transaction, or one number a
/// network edit), with how many numbers of the chunk are done: the caller reports progress
/// and says whether to go on. `false` stops the chunk there: the numbers done stay done, the
/// rest are neither changed nor reported. A store that changes the chunk at once (a workspace
/// file) does not call it.
pub type Between<'a> = dyn FnMut(u64) -> bool + Send + 'a;

/// Progress of a long task, sent through a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Items done.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Items in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

/// One number a bulk edit could not change.
#[derive(Debug)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkFailure {
    /// The number's id as given.
    pub id: String,
    /// Why.
    #[cfg_attr(feature = "ts", ts(type = "AppError"))]
    pub error: switchboard_core::Error,
}

/// What a bulk edit did.
#[derive(Debug, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BulkReport {
    /// Numbers changed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    /// Numbers queued for the next sync (a team workspace offline); counted in `updated` too.
    #[serde(skip)]
    pub queued: u64,
    /// Numbers not changed, each with why.
    pub failed: Vec<BulkFailure>,
    /// True when the manager stopped it before the end.
    pub cancelled: bool,
}

/// One number a bulk edit could not change, as the app receives it: `error` is
/// `{ code, message }` (the app's `AppError` for a core error).
impl Serialize for BulkFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        #[derive(Serialize)]
        struct Failure<'a> {
            code: switchboard_core::ErrorCode,
            message: &'a str,
        }
        let message = self.error.to_string();
        let mut f = s.serialize_struct("BulkFailure", 2)?;
        f.serialize_field("id", &self.id)?;
        let error = Failure {
            code: self.error.code(),
            message: &message,
        };
        f.serialize_field("error", &error)?;
        f.end()
    }
}

/// A phone number as a manager sees it: the stored record plus the facts derived for display
/// (the app's table and detail; the CLI's listing).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "PhoneNumber"))]
#[serde(rename_all = "camelCase")]
pub struct NumberView {
    /// Id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// Provider.
    pub provider: Provider,
    /// E.164, e.g. "+14155551234".
    pub phone_number: String,
    /// International display form, e.g. "+1 415-555-1234".
    pub display: String,
    /// ISO region, e.g. "US"; null for non-geographic numbers.
    pub country: Option<String>,
    /// Line type, e.g. "mobile", "toll_free".
    pub number_type: String,
    /// Display name.
    pub friendly_name: Option<String>,
    /// Assigned agent.
    pub agent_id: Option<String>,
    /// Status.
    pub status: Status,
    /// Capabilities from metadata.
    pub capabilities: Capabilities,
    /// The provider account the number belongs to, if known.
    pub account_id: Option<String>,
    /// Whether the provider's webhook points at the platform.
    pub webhook_configured: bool,
    /// The URL the provider calls (the design's column).
    pub webhook_url: Option<String>,
    /// The voice webhook URL on record ([`PhoneNumber::recorded_webhooks`]).
    pub voice_webhook_url: Option<String>,
    /// The SMS webhook URL on record (metadata `smsWebhookUrl`, or the column of a number
    /// recorded before that fact existed with SMS and no voice); null when unknown.
    pub sms_webhook_url: Option<String>,
    /// Why the SMS webhook URL reads as unknown although one is stored: the stored value is
    /// not a valid URL (written by the web platform or a co-worker); null otherwise.
    pub sms_webhook_url_problem: Option<String>,
    /// The whole metadata object (unknown keys included).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown> | null"))]
    pub metadata: Option<serde_json::Value>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339; null when never verified.
    pub last_verified_at: Option<String>,
}

/// A time as RFC 3339.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<PhoneNumber> for NumberView {
    fn from(n: PhoneNumber) -> Self {
        let (facts, display) = n.phone_number.facts_and_display();
        let (voice, sms) = n.recorded_webhooks();
        let (voice_webhook_url, sms_webhook_url) = (voice.map(Into::into), sms.map(Into::into));
        NumberView {
            id: n.id.to_string(),
            organization_id: n.organization_id.to_string(),
            provider: n.provider,
            display,
            phone_number: n.phone_number.to_string(),
            country: facts.country,
            number_type: facts.number_type.as_str().to_owned(),
            capabilities: n.capabilities(),
            account_id: n.credentials.account_id(n.provider).map(str::to_owned),
            friendly_name: n.friendly_name,
            agent_id: n.agent_id.map(|a| a.to_string()),
            status: n.status,
            webhook_configured: n.webhook_configured,
            webhook_url: n.webhook_url,
            voice_webhook_url,
            sms_webhook_url,
            sms_webhook_url_problem: n
                .metadata
                .as_ref()
                .and_then(Metadata::sms_webhook_url_problem),
            metadata: n
                .metadata
                .map(|m| serde_json::Value::Object(m.as_map().clone())),
            created_at: rfc3339(n.created_at),
            updated_at: rfc3339(n.updated_at),
            last_verified_at: n.last_verified_at.map(rfc3339),
        }
    }
}

/// One page of numbers, as the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NumberPage"))]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    /// Rows, in order.
    pub items: Vec<NumberView>,
    /// Cursor of the next page; null on the last page.
    pub next: Option<String>,
}

impl From<Page> for PageView {
    fn from(p: Page) -> Self {
        PageView {
            items: p.items.into_iter().map(NumberView::from).collect(),
            next: p.next.map(|c| c.0),
        }
    }
}

/// A number as typed, checked: its E.164 form and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NumberCheck {
    /// E.164.
    pub e164: String,
    /// International display form.
    pub display: String,
    /// ISO region, when geographic.
    pub country: Option<String>,
    /// Line type.
    pub number_type: String,
}

impl From<E164> for NumberCheck {
    fn from(n: E164) -> Self {
        let (facts, display) = n.facts_and_display();
        NumberCheck {
            display,
            e164: n.to_string(),
            country: facts.country,
            number_type: facts.number_type.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_report_serializes_as_the_app_receives_it() {
        let report = BulkReport {
            updated: 2,
            queued: 1,
            failed: vec![BulkFailure {
                id: "bob".into(),
                error: switchboard_core::Error::InvalidInput {
                    field: "number".into(),
                    reason: "\"bob\" is not an id".into(),
                },
            }],
            cancelled: false,
        };
        let json = serde_json::to_value(&report).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "updated": 2,
                "failed": [{ "id": "bob", "error": {
                    "code": "InvalidInput",
                    "message": report.failed[0].error.to_string(),
                } }],
                "cancelled": false,
            })
        );
    }
}
