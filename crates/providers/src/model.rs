//! The provider-neutral vocabulary: numbers as a provider reports them, where their webhooks
//! live, changes to them, drift, progress and confirmations.
//!
//! Why: each provider stores a number's webhook URLs somewhere else — on the number (Twilio),
//! on a linked application (Vonage voice, Plivo, Bandwidth), on a connection or messaging
//! profile (Telnyx). [`WebhookState`] therefore always says *which object* holds each URL and
//! how many numbers share it, so that a manager sees, before a change, that re-pointing a
//! shared application re-points every number on it.

use serde::Serialize;
use switchboard_core::domain::{Capabilities, E164, Metadata, NewNumber};

use crate::error::Api;

/// A number as the provider reports it, mapped into core types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderNumber {
    /// The provider API it came from.
    pub api: Api,
    /// The number, validated.
    pub phone_number: E164,
    /// The provider's own id of the number (Twilio `PN…`, Telnyx id, or the digits where the
    /// provider has no other id).
    pub provider_sid: String,
    /// The provider's display name of the number, if any.
    pub friendly_name: Option<String>,
    /// What the number can do, as the provider says.
    pub capabilities: Capabilities,
    /// ISO country, e.g. "US".
    pub iso_country: Option<String>,
    /// Region or state, e.g. "CA", when the provider says.
    pub region: Option<String>,
    /// Locality (city, rate center), when the provider says.
    pub locality: Option<String>,
    /// The provider's number type, e.g. "local", "mobile-lvn", "toll-free".
    pub number_type: Option<String>,
    /// The voice URL stored on the number itself, when the provider stores one there.
    pub voice_url: Option<String>,
    /// The URL the provider delivers the number's messages to, when the listing tells it: the
    /// one stored on the number itself (Twilio without an SMS application, Vonage's
    /// `moHttpUrl`), or its SMS owner's as the listing read it (Telnyx: the messaging
    /// profile's `webhook_url`). Recorded as the metadata fact `smsWebhookUrl`.
    pub sms_url: Option<String>,
    /// The object that holds the voice webhook, when it is not the number.
    pub voice_owner: Option<ObjectRef>,
    /// The object that holds the SMS webhook, when it is not the number.
    pub sms_owner: Option<ObjectRef>,
}

impl ProviderNumber {
    /// The `metadata` to store: capabilities, region, locality, area code, provider sid, and
    /// the SMS webhook URL when the listing told it (one that fails core's URL rule is left
    /// unknown rather than refusing the number).
    pub fn metadata(&self) -> Metadata {
        let mut m = Metadata::new();
        m.set_capabilities(self.capabilities);
        let facts = self.phone_number.facts();
        let region = self.iso_country.clone().or(facts.country);
        m.set_region(region.as_deref());
        m.set_state(self.region.as_deref());
        m.set_locality(self.locality.as_deref());
        m.set_area_code(facts.area_code.as_deref());
        m.set_provider_sid(Some(&self.provider_sid));
        if let Some(url) = &self.sms_url {
            // A URL core refuses is left unknown: the number is still imported.
            let _refused = m.set_sms_webhook_url(Some(url));
        }
        m
    }

    /// The core input that imports this number for `account_id` (credentials by reference).
    pub fn to_new_number(&self, account_id: &str) -> NewNumber {
        NewNumber {
            provider: self.api.provider().as_str().to_owned(),
            number: self.phone_number.as_str().to_owned(),
            region: None,
            friendly_name: self.friendly_name.clone(),
            status: None,
            metadata: Some(self.metadata().to_json()),
            account_id: Some(account_id.to_owned()),
            agent_id: None,
        }
    }

    /// A reference to this number for webhook calls.
    pub fn to_ref(&self) -> NumberRef {
        NumberRef {
            phone_number: self.phone_number.clone(),
            provider_sid: Some(self.provider_sid.clone()),
        }
    }
}

/// Fills each listed number's SMS URL from the object that holds its SMS webhook
/// (`sms_owner`: a Telnyx messaging profile, a Plivo or Twilio application, a Vonage Messages
/// application, a Bandwidth location's messaging application), reading each object once
/// with `read` (an account has a few, shared by many numbers); `cancel` stops it between
/// reads (the error names the provider and account of `whose`). Returns how many objects it
/// read.
pub(crate) async fn read_owner_sms_urls<Fut>(
    numbers: &mut [ProviderNumber],
    cancel: &tokio_util::sync::CancellationToken,
    whose: (Api, crate::Subject),
    mut read: impl FnMut(String) -> Fut,
) -> crate::Result<usize>
where
    Fut: std::future::Future<Output = crate::Result<Option<String>>>,
{
    let mut urls: std::collections::HashMap<String, Option<String>> = Default::default();
    for n in numbers.iter_mut() {
        let Some(owner) = n.sms_owner.as_ref().map(|o| o.id.clone()) else {
            continue;
        };
        if !urls.contains_key(&owner) {
            if cancel.is_cancelled() {
                let (api, subject) = whose;
                return Err(crate::ProviderError::Cancelled { api, subject });
            }
            let url = read(owner.clone()).await?;
            urls.insert(owner.clone(), url);
        }
        n.sms_url = urls[&owner].clone();
    }
    Ok(urls.len())
}

/// A number the account owns, as one lookup finds it: what a verification checks (that the
/// number is still the account's), without reading the objects its webhooks live on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundNumber {
    /// The provider API that answered.
    pub api: Api,
    /// The number.
    pub phone_number: E164,
    /// The provider's own id of it.
    pub provider_sid: String,
}

impl From<ProviderNumber> for FoundNumber {
    fn from(n: ProviderNumber) -> Self {
        FoundNumber {
            api: n.api,
            phone_number: n.phone_number,
            provider_sid: n.provider_sid,
        }
    }
}

/// Which number an operation is about. The provider sid saves a lookup when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NumberRef {
    /// The number.
    pub phone_number: E164,
    /// The provider's id of it (metadata `providerSid`), if known.
    pub provider_sid: Option<String>,
}

impl NumberRef {
    /// A reference by number only.
    pub fn new(phone_number: E164) -> Self {
        NumberRef {
            phone_number,
            provider_sid: None,
        }
    }

    /// A reference with the provider's id.
    pub fn with_sid(phone_number: E164, sid: impl Into<String>) -> Self {
        NumberRef {
            phone_number,
            provider_sid: Some(sid.into()),
        }
    }
}

/// Kinds of provider objects that can hold a webhook URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// The number itself (Twilio, Vonage SMS).
    Number,
    /// A Twilio (or SignalWire) Application `AP…`.
    TwilioApplication,
    /// A Vonage Application (voice `answer_url`).
    VonageApplication,
    /// A Telnyx Call Control application (`webhook_event_url`).
    TelnyxCallControlApplication,
    /// A Telnyx TeXML application (`voice_url`).
    TelnyxTexmlApplication,
    /// A Telnyx SIP connection (credential, IP or FQDN): no webhook.
    TelnyxSipConnection,
    /// A Telnyx messaging profile (`webhook_url`).
    TelnyxMessagingProfile,
    /// A Bandwidth application (Voice-V2 or Messaging-V2), reached number → site → location.
    BandwidthApplication,
    /// A Plivo Application (`answer_url`, `message_url`).
    PlivoApplication,
}

impl ObjectKind {
    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ObjectKind::Number => "number",
            ObjectKind::TwilioApplication => "application",
            ObjectKind::VonageApplication => "application",
            ObjectKind::TelnyxCallControlApplication => "Call Control application",
            ObjectKind::TelnyxTexmlApplication => "TeXML application",
            ObjectKind::TelnyxSipConnection => "SIP connection",
            ObjectKind::TelnyxMessagingProfile => "messaging profile",
            ObjectKind::BandwidthApplication => "application",
            ObjectKind::PlivoApplication => "application",
        }
    }
}

/// A provider object by kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ObjectRef {
    /// What it is.
    pub kind: ObjectKind,
    /// The provider's id.
    pub id: String,
}

impl ObjectRef {
    /// A reference.
    pub fn new(kind: ObjectKind, id: impl Into<String>) -> Self {
        ObjectRef {
            kind,
            id: id.into(),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.describe(), self.id)
    }
}

/// The object that holds one channel's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookOwner {
    /// The object.
    pub object: ObjectRef,
    /// Its display name, if it has one.
    pub name: Option<String>,
    /// How many numbers use this object (1 for the number itself); `None` if the provider
    /// offers no way to count them cheaply.
    pub shared_by: Option<u64>,
}

/// One channel's webhook as the provider has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// The URL the provider calls; `None` when empty or when the channel is not routed to a
    /// URL (e.g. SIP).
    pub url: Option<String>,
    /// The fallback URL, where the provider has one.
    pub fallback_url: Option<String>,
    /// Where the URL lives.
    pub owner: WebhookOwner,
}

/// A number's voice and SMS webhooks. `None` for a channel means no object routes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookState {
    /// The number.
    pub phone_number: E164,
    /// Voice.
    pub voice: Option<Webhook>,
    /// SMS.
    pub sms: Option<Webhook>,
}

impl WebhookState {
    /// The voice URL, if any.
    pub fn voice_url(&self) -> Option<&str> {
        self.voice.as_ref().and_then(|w| w.url.as_deref())
    }

    /// The SMS URL, if any.
    pub fn sms_url(&self) -> Option<&str> {
        self.sms.as_ref().and_then(|w| w.url.as_deref())
    }
}

/// What setting a number's webhooks did: the state the provider confirms, and whether a
/// repair ([`Wanted::Recorded`]) found the number already in sync, so that nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The state the provider confirms (read back after the writes, or the state read when
    /// nothing was written).
    pub state: WebhookState,
    /// True when a repair found every channel already at its URL on record: nothing was sent
    /// but the reads.
    pub in_sync: bool,
}

impl Applied {
    /// The state confirmed after the change was made.
    pub fn written(state: WebhookState) -> Self {
        Applied {
            state,
            in_sync: false,
        }
    }

    /// The state of a number a repair found already in sync: nothing was written.
    pub fn in_sync(state: WebhookState) -> Self {
        Applied {
            state,
            in_sync: true,
        }
    }
}

/// A channel of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Incoming calls.
    Voice,
    /// Incoming messages.
    Sms,
}

/// URLs to set. `None` leaves a URL as it is; `Some("")` is refused (use the provider's UI to
/// detach a number).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebhookChange {
    /// New voice URL.
    pub voice_url: Option<String>,
    /// New voice fallback URL (providers that have one).
    pub voice_fallback_url: Option<String>,
    /// New SMS URL.
    pub sms_url: Option<String>,
    /// New SMS fallback URL (providers that have one).
    pub sms_fallback_url: Option<String>,
}

impl WebhookChange {
    /// Voice and SMS to the same URL.
    pub fn both(url: impl Into<String>) -> Self {
        let url = url.into();
        WebhookChange {
            voice_url: Some(url.clone()),
            sms_url: Some(url),
            ..WebhookChange::default()
        }
    }

    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == WebhookChange::default()
    }

    pub(crate) fn check(&self, api: Api) -> crate::Result<()> {
        for (field, url) in [
            ("voice url", &self.voice_url),
            ("voice fallback url", &self.voice_fallback_url),
            ("sms url", &self.sms_url),
            ("sms fallback url", &self.sms_fallback_url),
        ] {
            if let Some(url) = url {
                // Core's rule, as for a `webhook_url` imported from a file.
                switchboard_core::domain::check_webhook_url(field, url).map_err(|e| {
                    crate::ProviderError::InvalidInput {
                        api,
                        field,
                        reason: match e {
                            switchboard_core::Error::InvalidInput { reason, .. } => reason,
                            other => other.to_string(),
                        },
                    }
                })?;
            }
        }
        if self.is_empty() {
            return Err(crate::ProviderError::InvalidInput {
                api,
                field: "webhook change",
                reason: "nothing to change".into(),
            });
        }
        Ok(())
    }
}

/// What to do when a change would touch an object shared with other numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum SharedPolicy {
    /// Refuse with [`crate::ProviderError::SharedObject`] (the default).
    #[default]
    OnlyThisNumber,
    /// Change the shared object, re-pointing every number on it.
    AllowShared,
}

/// One write a webhook change will make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedChange {
    /// The channel.
    pub channel: Channel,
    /// The object written.
    pub object: ObjectRef,
    /// Its name, if any.
    pub object_name: Option<String>,
    /// How many numbers the write re-points (see [`WebhookOwner::shared_by`]).
    pub shared_by: Option<u64>,
    /// The URL now.
    pub from: Option<String>,
    /// The URL after.
    pub to: String,
    /// An object the number is detached from by this write (Twilio: a number that used an
    /// application gets its own URL instead, leaving the application and its other numbers).
    pub detaches: Option<ObjectRef>,
}

impl PlannedChange {
    /// A write of `to` on the object that holds `hook` (the number keeps using that object).
    pub(crate) fn on_owner(channel: Channel, hook: &Webhook, to: &str) -> Self {
        PlannedChange {
            channel,
            object: hook.owner.object.clone(),
            object_name: hook.owner.name.clone(),
            shared_by: hook.owner.shared_by,
            from: hook.url.clone(),
            to: to.to_owned(),
            detaches: None,
        }
    }
}

/// Plans a change that is written on the objects holding a number's hooks (an application, a
/// connection, a messaging profile): for each channel given a new URL in `targets`, a write on
/// the object that holds that channel's hook; a channel with no such object is refused with
/// `missing(channel)`, and nothing is planned.
pub(crate) fn plan_on_owners(
    phone_number: &E164,
    targets: [(Channel, Option<&String>, Option<&Webhook>); 2],
    missing: impl Fn(Channel) -> crate::error::ProviderError,
) -> crate::Result<WebhookPlan> {
    let mut changes = Vec::new();
    for (channel, to, hook) in targets {
        let Some(to) = to else { continue };
        let Some(hook) = hook else {
            return Err(missing(channel));
        };
        changes.push(PlannedChange::on_owner(channel, hook, to));
    }
    Ok(WebhookPlan {
        phone_number: phone_number.clone(),
        changes,
    })
}

/// Every write a webhook change makes, to show before making it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookPlan {
    /// The number.
    pub phone_number: E164,
    /// The writes, voice first.
    pub changes: Vec<PlannedChange>,
}

impl WebhookPlan {
    /// The first write that re-points more than this number, if any. An unknown count is
    /// treated as shared.
    pub fn shared_change(&self) -> Option<&PlannedChange> {
        self.changes
            .iter()
            .find(|c| c.object.kind != ObjectKind::Number && c.shared_by != Some(1))
    }

    /// The write `policy` refuses, which leaves the whole change unmade: the shared one
    /// ([`WebhookPlan::shared_change`]) unless the policy allows shared objects.
    pub fn refused_change(&self, policy: SharedPolicy) -> Option<&PlannedChange> {
        match policy {
            SharedPolicy::AllowShared => None,
            SharedPolicy::OnlyThisNumber => self.shared_change(),
        }
    }
}

/// The result of comparing one channel's URL at the provider with the one on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DriftStatus {
    /// The provider has the URL on record.
    InSync,
    /// No URL on record: nothing to compare.
    NotRecorded,
    /// The provider has another URL (or none).
    Drifted {
        /// What the provider has.
        provider_url: Option<String>,
        /// What Switchboard has on record.
        on_record: String,
        /// The object holding the provider's URL.
        owner: Option<ObjectRef>,
    },
}

/// Drift of a number's webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The number.
    pub phone_number: E164,
    /// Voice.
    pub voice: DriftStatus,
    /// SMS.
    pub sms: DriftStatus,
}

impl Drift {
    /// True when any channel drifted.
    pub fn drifted(&self) -> bool {
        matches!(self.voice, DriftStatus::Drifted { .. })
            || matches!(self.sms, DriftStatus::Drifted { .. })
    }

    /// The change that repairs the drift: each drifted channel back to its URL on record, and
    /// nothing for a channel in sync or with nothing on record (empty when nothing drifted).
    pub fn repair(&self) -> WebhookChange {
        let back = |status: &DriftStatus| match status {
            DriftStatus::Drifted { on_record, .. } => Some(on_record.clone()),
            DriftStatus::InSync | DriftStatus::NotRecorded => None,
        };
        WebhookChange {
            voice_url: back(&self.voice),
            sms_url: back(&self.sms),
            ..WebhookChange::default()
        }
    }
}

/// What a webhook change asks of one number: given URLs, or a drift's repair, whose change
/// ([`Drift::repair`]) follows from the state the client reads to plan or make it, so that
/// state is read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted<'a> {
    /// These URLs.
    Urls(&'a WebhookChange),
    /// Each channel whose URL at the provider is not the one on record set back to it; a
    /// channel in sync, or with nothing on record, is not written.
    Recorded {
        /// The voice URL on record.
        voice: Option<&'a str>,
        /// The SMS URL on record.
        sms: Option<&'a str>,
    },
}

impl<'a> From<&'a WebhookChange> for Wanted<'a> {
    fn from(change: &'a WebhookChange) -> Self {
        Wanted::Urls(change)
    }
}

impl<'a> Wanted<'a> {
    /// The given URLs, checked before anything is read; `None` for a repair (its change is
    /// known from the state).
    pub(crate) fn given(&self, api: Api) -> crate::Result<Option<&'a WebhookChange>> {
        match self {
            Wanted::Urls(change) => change.check(api).map(|()| Some(*change)),
            Wanted::Recorded { .. } => Ok(None),
        }
    }

    /// The change to make on `state`: the given URLs, or the repair of its drift (checked);
    /// `None` when a repair finds nothing drifted, so nothing is written.
    pub(crate) fn on(
        &self,
        state: &WebhookState,
        api: Api,
    ) -> crate::Result<Option<WebhookChange>> {
        match self {
            Wanted::Urls(change) => Ok(Some((*change).clone())),
            Wanted::Recorded { voice, sms } => {
                let change = drift(state, *voice, *sms).repair();
                if change.is_empty() {
                    return Ok(None);
                }
                change.check(api)?;
                Ok(Some(change))
            }
        }
    }

    /// The plan on `state`: `plan` of the change ([`Wanted::on`]), or no write.
    pub(crate) fn plan(
        &self,
        state: &WebhookState,
        api: Api,
        plan: impl FnOnce(&WebhookChange) -> crate::Result<WebhookPlan>,
    ) -> crate::Result<WebhookPlan> {
        match self.on(state, api)? {
            Some(change) => plan(&change),
            None => Ok(WebhookPlan {
                phone_number: state.phone_number.clone(),
                changes: Vec::new(),
            }),
        }
    }
}

/// Whether the provider's URL `actual` (`None`: it has none) is `url`, a trailing `/` aside:
/// how drift, an import and a confirmed change compare URLs.
pub(crate) fn same_url(actual: Option<&str>, url: &str) -> bool {
    actual.map(|u| u.trim_end_matches('/')) == Some(url.trim_end_matches('/'))
}

/// Compares the provider's URLs with the ones on record (`None`: nothing on record for that
/// channel). URLs are compared exactly, except that a trailing `/` is ignored.
pub fn drift(
    state: &WebhookState,
    voice_on_record: Option<&str>,
    sms_on_record: Option<&str>,
) -> Drift {
    let one = |hook: &Option<Webhook>, record: Option<&str>| {
        let Some(record) = record else {
            return DriftStatus::NotRecorded;
        };
        let actual = hook.as_ref().and_then(|h| h.url.as_deref());
        if same_url(actual, record) {
            DriftStatus::InSync
        } else {
            DriftStatus::Drifted {
                provider_url: actual.map(str::to_owned),
                on_record: record.to_owned(),
                owner: hook.as_ref().map(|h| h.owner.object.clone()),
            }
        }
    };
    Drift {
        phone_number: state.phone_number.clone(),
        voice: one(&state.voice, voice_on_record),
        sms: one(&state.sms, sms_on_record),
    }
}

/// The account a verification reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountInfo {
    /// The provider.
    pub api: Api,
    /// The account id verified.
    pub account_id: String,
    /// The account's display name, when the provider tells.
    pub friendly_name: Option<String>,
    /// The account's status at the provider (e.g. Twilio "active"), when it tells.
    pub status: Option<String>,
    /// Which call verified it (e.g. "GET /Accounts/{Sid}.json").
    pub method: &'static str,
}

/// Progress of a listing, reported after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ListProgress {
    /// Pages read so far.
    pub pages: u32,
    /// Numbers read so far.
    pub fetched: usize,
    /// The total, when the provider tells it.
    pub total: Option<usize>,
}

/// A progress callback. Called from the task doing the work; keep it quick.
pub type ProgressFn<'a, P> = &'a (dyn Fn(P) + Send + Sync);

/// An explicit confirmation for an operation that costs money or loses a number. It names the
/// number it confirms, and the operation refuses a confirmation for another number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    number: E164,
}

impl Confirmed {
    /// The user confirmed this number (they typed `--yes` or answered the prompt for it).
    pub fn number(number: &E164) -> Self {
        Confirmed {
            number: number.clone(),
        }
    }

    /// The number confirmed.
    pub fn confirms(&self) -> &E164 {
        &self.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(voice: Option<&str>) -> WebhookState {
        WebhookState {
            phone_number: E164::parse("+14155551234", None).unwrap(),
            voice: Some(Webhook {
                url: voice.map(str::to_owned),
                fallback_url: None,
                owner: WebhookOwner {
                    object: ObjectRef::new(ObjectKind::Number, "PN1"),
                    name: None,
                    shared_by: Some(1),
                },
            }),
            sms: None,
        }
    }

    #[test]
    fn drift_compares_each_channel() {
        let s = state(Some("https://a.example/voice/"));
        let d = drift(&s, Some("https://a.example/voice"), None);
        assert_eq!(d.voice, DriftStatus::InSync);
        assert_eq!(d.sms, DriftStatus::NotRecorded);
        assert!(!d.drifted());
        let d = drift(
            &s,
            Some("https://b.example/voice"),
            Some("https://b.example/sms"),
        );
        assert!(d.drifted());
        assert!(matches!(
            d.sms,
            DriftStatus::Drifted {
                provider_url: None,
                ..
            }
        ));
    }

    #[test]
    fn metadata_maps_provider_facts() {
        let n = ProviderNumber {
            api: Api::Twilio,
            phone_number: E164::parse("+14155551234", None).unwrap(),
            provider_sid: "PN1".into(),
            friendly_name: Some("Support".into()),
            capabilities: Capabilities {
                voice: true,
                sms: true,
                mms: false,
                fax: false,
            },
            iso_country: Some("US".into()),
            region: Some("CA".into()),
            locality: Some("San Francisco".into()),
            number_type: Some("local".into()),
            voice_url: None,
            sms_url: Some("https://sms.example.com/in".into()),
            voice_owner: None,
            sms_owner: None,
        };
        let m = n.metadata();
        assert_eq!(m.provider_sid(), Some("PN1"));
        assert_eq!(m.sms_webhook_url(), Some("https://sms.example.com/in"));
        let odd = ProviderNumber {
            sms_url: Some("sip:sms@example.com".into()),
            ..n.clone()
        };
        assert_eq!(odd.metadata().sms_webhook_url(), None, "refused: unknown");
        assert_eq!(m.area_code(), Some("415"));
        assert_eq!(m.state(), Some("CA"));
        assert_eq!(m.locality(), Some("San Francisco"));
        assert!(m.capabilities().voice && !m.capabilities().mms);
        let new = n.to_new_number("AC0123456789abcdef0123456789abcdef");
        assert!(new.validate().is_ok());
    }
}

/// Every number an account owns, as far as the listing could map them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Listing {
    /// The numbers, in the provider's order.
    pub numbers: Vec<ProviderNumber>,
    /// Entries the provider listed that are not valid phone numbers (kept out of `numbers`
    /// instead of failing the whole listing).
    pub skipped: Vec<Skipped>,
    /// Pages read.
    pub pages: u32,
}

/// One page of call or message records, as a pull hands it over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsagePage<T> {
    /// The records read, in the provider's order.
    pub records: Vec<T>,
    /// Records that could not be read, each with its reason.
    pub skipped: Vec<Skipped>,
}

/// Where a usage pull hands each page as soon as it is read, so that a million records never
/// sit in memory at once and storing overlaps downloading. Called from the pulling task; keep
/// it quick (send the page on to the writer).
pub type PageSink<'a, T> = &'a (dyn Fn(UsagePage<T>) + Send + Sync);

/// Every record of a pull, gathered (for tests and small pulls).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageListing<T> {
    /// The records, in the provider's order.
    pub records: Vec<T>,
    /// Records that could not be read, each with its reason.
    pub skipped: Vec<Skipped>,
    /// Pages read.
    pub pages: u32,
}

impl<T> Default for UsageListing<T> {
    fn default() -> Self {
        UsageListing {
            records: Vec::new(),
            skipped: Vec::new(),
            pages: 0,
        }
    }
}

/// Gathers every page of a pull into a [`UsageListing`] (for tests and small pulls):
/// `let g = Gather::default(); let pages = pull(&|p| g.page(p)).await; g.done(pages)`.
#[derive(Debug)]
pub struct Gather<T>(std::sync::Mutex<UsageListing<T>>);

impl<T> Default for Gather<T> {
    fn default() -> Self {
        Gather(std::sync::Mutex::new(UsageListing::default()))
    }
}

impl<T> Gather<T> {
    /// Keeps a page.
    pub fn page(&self, page: UsagePage<T>) {
        let mut l = self.0.lock().unwrap_or_else(|e| e.into_inner());
        l.records.extend(page.records);
        l.skipped.extend(page.skipped);
    }

    /// What the pull gathered, with its page count, or its error.
    pub fn done(self, pages: crate::Result<u32>) -> crate::Result<UsageListing<T>> {
        let mut listing = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        listing.pages = pages?;
        Ok(listing)
    }
}

/// What a provider says about whether its numbers can carry their traffic (judged by
/// [`switchboard_core::readiness::judge`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessListing {
    /// Each number the provider named (the account's, and numbers being ported in), in the
    /// order it first named them.
    pub numbers: Vec<NumberFindings>,
    /// Requests made: list pages, and one per port-in request or messaging service.
    pub requests: u32,
}

/// One number's findings.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberFindings {
    /// The number.
    pub number: E164,
    /// What the provider says about it.
    pub findings: Vec<switchboard_core::readiness::Finding>,
    /// How it is used, as the provider routes it (SMS capable, with somewhere to deliver SMS).
    pub used: switchboard_core::readiness::Use,
}

/// A readiness read's findings gathered per number, in the order numbers were first named.
#[derive(Default)]
pub(crate) struct Gathered {
    numbers: Vec<NumberFindings>,
    at: std::collections::HashMap<E164, usize>,
}

impl Gathered {
    /// The number's findings, new and empty when it was not named before.
    pub(crate) fn entry(&mut self, number: E164) -> &mut NumberFindings {
        let at = *self.at.entry(number.clone()).or_insert_with(|| {
            self.numbers.push(NumberFindings {
                number,
                findings: Vec::new(),
                used: switchboard_core::readiness::Use::default(),
            });
            self.numbers.len() - 1
        });
        &mut self.numbers[at]
    }

    /// Adds a finding about the number.
    pub(crate) fn add(&mut self, number: E164, finding: switchboard_core::readiness::Finding) {
        self.entry(number).findings.push(finding);
    }

    /// The listing, with the requests it took.
    pub(crate) fn done(self, requests: u32) -> ReadinessListing {
        ReadinessListing {
            numbers: self.numbers,
            requests,
        }
    }
}

/// A provider's word, if it gave one (not null, not blank).
pub(crate) fn present(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// A readiness read's requests, counted, each reported as progress (the total is not known
/// before the lists are read).
pub(crate) struct Asked<'a> {
    /// Requests made so far.
    pub(crate) count: u32,
    progress: ProgressFn<'a, ListProgress>,
}

impl<'a> Asked<'a> {
    /// None yet.
    pub(crate) fn new(progress: ProgressFn<'a, ListProgress>) -> Self {
        Asked { count: 0, progress }
    }

    /// One more request.
    pub(crate) fn one(&mut self) {
        self.add(1);
    }

    /// `requests` more requests (a list's pages, read before they are counted).
    pub(crate) fn add(&mut self, requests: u32) {
        self.count += requests;
        (self.progress)(ListProgress {
            pages: self.count,
            fetched: self.count as usize,
            total: None,
        });
    }
}

/// A listed entry that could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// What the provider sent as the number.
    pub raw: String,
    /// Why it was skipped.
    pub reason: String,
}
