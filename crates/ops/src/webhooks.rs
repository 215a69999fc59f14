//! A number's webhooks at its provider, once for every shell: the plan of a change (which
//! object holds each URL, how many numbers share it), setting them for one number or a
//! selection, and drift (the URL at the provider against the one on record; for a selection,
//! [`Bulk::check_drift`]).
//!
//! The record (`webhook_configured`, `webhook_url`) follows only what the provider confirmed
//! after the write ([`flows::webhook_update`]).

use serde::Serialize;
use switchboard_core::Result;
use switchboard_core::domain::{PhoneNumber, check_webhook_url};
use switchboard_core::store::NumberRef;
use switchboard_providers::account;
use switchboard_providers::flows::{self, AccountGroups, Outcome, SetWebhooks};
use switchboard_providers::model::{
    self as pm, DriftStatus, PlannedChange, SharedPolicy, WebhookChange, WebhookPlan, WebhookState,
};
use switchboard_providers::{ProviderClient, ProviderError};
use time::OffsetDateTime;

use crate::numbers_at_provider::{Answer, Bulk, Failed, Line, Ran, ReportLine, Wording, count};
use crate::{Inventory, NumberView};

/// A change of the voice and SMS URLs, from a form: blank URLs are left out.
pub fn webhook_change(voice_url: Option<String>, sms_url: Option<String>) -> WebhookChange {
    let url = |u: Option<String>| u.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    WebhookChange {
        voice_url: url(voice_url),
        sms_url: url(sms_url),
        ..WebhookChange::default()
    }
}

/// Refuses an empty change, or a URL that fails core's rule (`check_webhook_url`: http(s), at
/// most 2,048 characters; the error does not repeat the URL), before any provider is asked.
pub fn check_change(change: &WebhookChange) -> Result<()> {
    if change.is_empty() {
        return Err(switchboard_core::Error::InvalidInput {
            field: "webhook URL".into(),
            reason: "give a voice or SMS URL".into(),
        });
    }
    for (field, url) in [
        ("voice URL", &change.voice_url),
        ("SMS URL", &change.sms_url),
    ] {
        if let Some(u) = url {
            check_webhook_url(field, u)?;
        }
    }
    Ok(())
}

/// Whether an object other numbers share may change.
pub fn policy(allow_shared: bool) -> SharedPolicy {
    if allow_shared {
        SharedPolicy::AllowShared
    } else {
        SharedPolicy::OnlyThisNumber
    }
}

/// The URL a change points the platform at: the voice URL, else the SMS URL.
fn platform_url(change: &WebhookChange) -> &str {
    (change.voice_url.as_deref())
        .or(change.sms_url.as_deref())
        .unwrap_or_default()
}

/// Sets a number's webhooks with its account's client and records what the provider
/// confirmed; returns the confirmed state and the record as written.
pub async fn set_webhooks(
    inventory: &dyn Inventory,
    client: &ProviderClient,
    n: &PhoneNumber,
    change: &WebhookChange,
    policy: SharedPolicy,
) -> std::result::Result<(WebhookState, PhoneNumber), Failed> {
    let confirmed = (client.set_webhooks(&account::number_ref(n), change, policy)).await?;
    let update = flows::webhook_update(&confirmed, platform_url(change));
    let r = NumberRef::Id(n.id);
    let written = inventory
        .update_number(&r, Some(n.organization_id), &update)
        .await?;
    Ok((confirmed, written.number))
}

impl<C, Fut, E> Bulk<'_, C>
where
    C: FnMut(switchboard_core::domain::Provider, String) -> Fut,
    Fut: Future<Output = std::result::Result<ProviderClient, E>>,
{
    /// Re-points the webhooks of a selection to the same URL(s), account by account
    /// ([`SetWebhooks`]), recording what each provider confirmed. Without
    /// [`SharedPolicy::AllowShared`], a number whose change would touch a shared object fails
    /// (`ProviderError::SharedObject`) and is left as it was.
    pub async fn set_webhooks(
        self,
        grouped: AccountGroups,
        action: SetWebhooks,
    ) -> Result<Ran<WebhookState, E>> {
        let url = platform_url(&action.change).to_owned();
        let record = |_: &PhoneNumber, outcome: Outcome<WebhookState>| {
            let update = match &outcome {
                Outcome::Ok(state) => Some(flows::webhook_update(state, &url)),
                _ => None,
            };
            (outcome, update)
        };
        self.run(grouped, action, record).await
    }
}

/// "shared by 12 numbers", in words.
pub fn shared_words(shared_by: Option<u64>) -> String {
    match shared_by {
        Some(1) => "this number only".into(),
        Some(n) => format!("shared by {n} numbers"),
        None => "shared by an unknown number of numbers".into(),
    }
}

/// A channel of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum WebhookChannel {
    /// Incoming calls.
    Voice,
    /// Incoming messages.
    Sms,
}

impl From<pm::Channel> for WebhookChannel {
    fn from(c: pm::Channel) -> Self {
        match c {
            pm::Channel::Voice => WebhookChannel::Voice,
            pm::Channel::Sms => WebhookChannel::Sms,
        }
    }
}

/// One write a webhook change will make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlannedWrite {
    /// The channel.
    pub channel: WebhookChannel,
    /// The object written, in words, e.g. "number PN…" or "Call Control application 123".
    pub object: String,
    /// Whether the object is the number itself.
    pub is_number: bool,
    /// Its name at the provider.
    pub object_name: Option<String>,
    /// How many numbers the write re-points; null when the provider cannot tell.
    pub shared_by: Option<u32>,
    /// The URL now.
    pub from: Option<String>,
    /// The URL after.
    pub to: String,
    /// An object the number leaves by this write (its other numbers keep it).
    pub detaches: Option<String>,
}

impl From<&PlannedChange> for PlannedWrite {
    fn from(c: &PlannedChange) -> Self {
        PlannedWrite {
            channel: c.channel.into(),
            object: c.object.to_string(),
            is_number: c.object.kind == pm::ObjectKind::Number,
            object_name: c.object_name.clone(),
            shared_by: c.shared_by.map(|n| n.min(u64::from(u32::MAX)) as u32),
            from: c.from.clone(),
            to: c.to.clone(),
            detaches: c.detaches.as_ref().map(ToString::to_string),
        }
    }
}

/// The writes a webhook change makes, shown before making them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WebhookPlanView {
    /// E.164.
    pub phone_number: String,
    /// The writes, voice first.
    pub writes: Vec<PlannedWrite>,
    /// When a write re-points an object other numbers share: which one, in a sentence. The
    /// change then needs the manager's explicit consent (`allowShared`).
    pub shared_warning: Option<String>,
}

impl From<&WebhookPlan> for WebhookPlanView {
    fn from(p: &WebhookPlan) -> Self {
        WebhookPlanView {
            phone_number: p.phone_number.to_string(),
            writes: p.changes.iter().map(Into::into).collect(),
            shared_warning: p.shared_change().map(|c| {
                format!(
                    "{} is {}: changing it re-points all of them, not only {}",
                    c.object,
                    shared_words(c.shared_by),
                    p.phone_number
                )
            }),
        }
    }
}

/// How one channel's URL at the provider compares with the one on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum DriftState {
    /// The provider has the URL on record.
    InSync,
    /// No URL on record for this channel.
    NotRecorded,
    /// The provider has another URL (or none).
    Drifted,
}

/// One channel of a drift check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChannelDrift {
    /// The comparison.
    pub state: DriftState,
    /// The URL the provider calls now.
    pub provider_url: Option<String>,
    /// The object at the provider that holds it, in words.
    pub owner: Option<String>,
    /// The URL on record for this channel.
    pub on_record: Option<String>,
}

/// A number's webhooks at the provider compared with the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftView {
    /// E.164.
    pub phone_number: String,
    /// Voice.
    pub voice: ChannelDrift,
    /// SMS.
    pub sms: ChannelDrift,
    /// RFC 3339, when the provider was asked.
    pub checked_at: String,
}

impl ChannelDrift {
    /// From the provider's webhook of a channel and the drift status.
    pub fn new(hook: Option<&pm::Webhook>, status: &DriftStatus, on_record: Option<&str>) -> Self {
        ChannelDrift {
            state: match status {
                DriftStatus::InSync => DriftState::InSync,
                DriftStatus::NotRecorded => DriftState::NotRecorded,
                DriftStatus::Drifted { .. } => DriftState::Drifted,
            },
            provider_url: hook.and_then(|h| h.url.clone()),
            owner: hook.map(|h| h.owner.object.to_string()),
            on_record: on_record.map(str::to_owned),
        }
    }
}

/// A number's webhooks as its provider has them now, compared with the URLs on record.
pub async fn number_drift(
    client: &ProviderClient,
    n: &PhoneNumber,
) -> switchboard_providers::Result<DriftView> {
    let hooks = client.webhooks(&account::number_ref(n)).await?;
    let (voice, sms) = n.recorded_webhooks();
    let drift = pm::drift(&hooks, voice, sms);
    let checked_at = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Ok(DriftView {
        phone_number: n.phone_number.to_string(),
        voice: ChannelDrift::new(hooks.voice.as_ref(), &drift.voice, voice),
        sms: ChannelDrift::new(hooks.sms.as_ref(), &drift.sms, sms),
        checked_at,
    })
}

/// The webhooks of one number after a confirmed change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WebhookResult {
    /// The record, updated from what the provider confirmed.
    pub number: NumberView,
    /// The voice URL the provider confirms.
    pub voice_url: Option<String>,
    /// The SMS URL the provider confirms.
    pub sms_url: Option<String>,
}

impl WebhookResult {
    /// What the provider confirmed, and the record as written ([`set_webhooks`]).
    pub fn new(confirmed: &WebhookState, record: PhoneNumber) -> Self {
        WebhookResult {
            number: record.into(),
            voice_url: confirmed.voice_url().map(str::to_owned),
            sms_url: confirmed.sms_url().map(str::to_owned),
        }
    }
}

/// One number's line in a re-point's report, with the URLs its provider confirms.
#[derive(Debug, Clone)]
pub struct RepointLine {
    /// The number, "re-pointed" (or "not confirmed": the provider answered with other URLs),
    /// "shared object", "failed", "not started", "skipped" or "not changed" (no client for its
    /// account), and why.
    pub line: ReportLine,
    /// The voice URL the provider confirms.
    pub voice_url: Option<String>,
    /// The SMS URL the provider confirms.
    pub sms_url: Option<String>,
}

/// What re-pointing a selection's webhooks did, number by number.
#[derive(Debug, Clone)]
pub struct Repoint {
    /// One line per number.
    pub lines: Vec<RepointLine>,
    /// Numbers re-pointed.
    pub repointed: usize,
    /// Numbers not re-pointed (neither re-pointed nor skipped).
    pub failed: usize,
    /// Numbers skipped: no provider account, or one not added to their organization.
    pub skipped: usize,
    /// True when cancellation left numbers not started.
    pub cancelled: bool,
}

impl Repoint {
    /// The report of a re-point ([`Bulk::set_webhooks`]), worded by `words`.
    pub fn new<E>(ran: Ran<WebhookState, E>, words: &impl Wording<E>) -> Self {
        let lines: Vec<RepointLine> = (ran.lines.into_iter())
            .map(|Line { number, sent }| {
                let (mut voice_url, mut sms_url) = (None, None);
                let (result, detail) = match sent.answer(&number, words, "not changed") {
                    Answer::Done(state) => {
                        voice_url = state.voice_url().map(str::to_owned);
                        sms_url = state.sms_url().map(str::to_owned);
                        let confirmed = number.webhook_configured;
                        let result = if confirmed {
                            "re-pointed"
                        } else {
                            "not confirmed"
                        };
                        (result, String::new())
                    }
                    Answer::Failed(e) => {
                        let shared = matches!(e, ProviderError::SharedObject { .. });
                        let result = if shared { "shared object" } else { "failed" };
                        (result, words.provider_error(&e))
                    }
                    Answer::Line(result, detail) => (result, detail),
                };
                RepointLine {
                    line: ReportLine {
                        number,
                        result,
                        detail,
                    },
                    voice_url,
                    sms_url,
                }
            })
            .collect();
        let count = |what: &str| count(lines.iter().map(|l| &l.line), what);
        let (repointed, skipped) = (count("re-pointed"), count("skipped"));
        Repoint {
            failed: lines.len() - repointed - skipped,
            repointed,
            skipped,
            lines,
            cancelled: ran.cancelled,
        }
    }
}

/// The numbers of a drift check: those with an account and a URL on record (voice or SMS,
/// [`PhoneNumber::recorded_webhooks`]) are checked; the others are only counted.
#[derive(Debug, Clone, Default)]
pub struct DriftSelection {
    /// The numbers to check (an account, a voice or SMS URL on record), in order.
    pub recorded: Vec<PhoneNumber>,
    /// Numbers with an account but no URL on record.
    pub not_recorded: usize,
    /// Numbers without a provider account.
    pub no_account: usize,
}

impl DriftSelection {
    /// Sorts `numbers` into those to check and those only counted.
    pub fn new(numbers: Vec<PhoneNumber>) -> Self {
        let mut selection = DriftSelection::default();
        for n in numbers {
            let recorded = n.recorded_webhooks() != (None, None);
            match (n.credentials.account_id(n.provider), recorded) {
                (None, _) => selection.no_account += 1,
                (Some(_), false) => selection.not_recorded += 1,
                (Some(_), true) => selection.recorded.push(n),
            }
        }
        selection
    }
}

/// One line of a drift report: a channel that drifted, or a number ("in sync", "failed", "not
/// started", "skipped", "not checked"; no channel).
#[derive(Debug, Clone)]
pub struct DriftLine {
    /// The number, how it ended and why (a drifted channel: the object holding the URL).
    pub line: ReportLine,
    /// "voice" or "sms" for a drifted channel, else empty.
    pub channel: &'static str,
    /// The URL on record (a drifted channel).
    pub on_record: Option<String>,
    /// The URL at the provider (a drifted channel; none when the provider has none).
    pub at_provider: Option<String>,
}

/// A drift check's report; the counts are of numbers (a number drifted on both channels counts
/// once).
#[derive(Debug, Clone)]
pub struct DriftReport {
    /// The lines, in sync ones included.
    pub lines: Vec<DriftLine>,
    /// Numbers with a channel drifted.
    pub drifted: usize,
    /// Numbers in sync.
    pub in_sync: usize,
    /// Numbers the provider failed on, or whose account had no client.
    pub failed: usize,
    /// Numbers not checked: failed, no client, or not started.
    pub not_checked: usize,
    /// Numbers skipped (their account was not added to the organization).
    pub skipped: usize,
    /// Numbers with an account but no URL on record (not checked).
    pub not_recorded: usize,
    /// Numbers without a provider account (not checked).
    pub no_account: usize,
    /// True when cancellation left numbers not started.
    pub cancelled: bool,
}

impl DriftReport {
    /// The report of a drift check ([`Bulk::check_drift`] of `selection.recorded`), worded by
    /// `words`.
    pub fn new<E>(
        selection: &DriftSelection,
        ran: Ran<pm::Drift, E>,
        words: &impl Wording<E>,
    ) -> Self {
        let mut lines: Vec<DriftLine> = Vec::new();
        let of = DriftLine::of;
        for Line { number, sent } in ran.lines {
            match sent.answer(&number, words, "not checked") {
                Answer::Done(d) => drift_lines(number, &d, &mut lines),
                Answer::Failed(e) => lines.push(of(number, "failed", words.provider_error(&e))),
                Answer::Line(result, detail) => lines.push(of(number, result, detail)),
            }
        }
        let count = |what: &str| {
            (lines.iter())
                .filter(|l| l.line.result == what)
                .map(|l| l.line.number.id)
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        let failed = count("failed") + count("not checked");
        DriftReport {
            drifted: count("drifted"),
            in_sync: count("in sync"),
            failed,
            not_checked: failed + count("not started"),
            skipped: count("skipped"),
            not_recorded: selection.not_recorded,
            no_account: selection.no_account,
            cancelled: ran.cancelled,
            lines,
        }
    }
}

/// A checked number's lines: one per drifted channel, else one "in sync".
fn drift_lines(number: PhoneNumber, drift: &pm::Drift, lines: &mut Vec<DriftLine>) {
    let mut drifted = false;
    for (channel, status) in [("voice", &drift.voice), ("sms", &drift.sms)] {
        if let DriftStatus::Drifted {
            provider_url,
            on_record,
            owner,
        } = status
        {
            drifted = true;
            lines.push(DriftLine {
                line: ReportLine {
                    number: number.clone(),
                    result: "drifted",
                    detail: owner.as_ref().map(|o| o.to_string()).unwrap_or_default(),
                },
                channel,
                on_record: Some(on_record.clone()),
                at_provider: provider_url.clone(),
            });
        }
    }
    if !drifted {
        lines.push(DriftLine::of(number, "in sync", String::new()));
    }
}

impl DriftLine {
    /// A line about the number, not one of its channels.
    fn of(number: PhoneNumber, result: &'static str, detail: String) -> Self {
        DriftLine {
            line: ReportLine {
                number,
                result,
                detail,
            },
            channel: "",
            on_record: None,
            at_provider: None,
        }
    }
}
