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
use switchboard_providers::flows::BulkOptions;
use switchboard_providers::flows::{
    self, AccountGroups, Changes, Outcome, PlanWebhooks, SetWebhooks,
};
use switchboard_providers::model::{
    self as pm, Applied, DriftStatus, PlannedChange, ProgressFn, SharedPolicy, WebhookChange,
    WebhookPlan, WebhookState,
};
use switchboard_providers::{ProviderClient, ProviderError};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::numbers_at_provider::{
    Answer, Bulk, Failed, Line, NumberOutcome, Prepared, Ran, ReportLine, Wording, app_words, count,
};
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

/// The writes setting `change` on a number would make, asked of its account's provider: which
/// object holds each URL, how many numbers share it, from → to ([`set_webhooks`]'s plan; a
/// write to an object other numbers share, [`WebhookPlan::shared_change`], needs
/// [`SharedPolicy::AllowShared`]). A bad change ([`check_change`]) is refused before the
/// provider is asked. Changes nothing.
pub async fn plan_webhooks(
    client: &ProviderClient,
    n: &PhoneNumber,
    change: &WebhookChange,
) -> std::result::Result<WebhookPlan, Failed> {
    check_change(change)?;
    Ok(client
        .plan_webhooks(&account::number_ref(n), change)
        .await?)
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
    /// ([`SetWebhooks`]), recording what each provider confirmed (and whether a repair found
    /// the number already in sync, [`Applied::in_sync`]). Without
    /// [`SharedPolicy::AllowShared`], a number whose change would touch a shared object fails
    /// (`ProviderError::SharedObject`) and is left as it was.
    pub async fn set_webhooks(
        self,
        grouped: AccountGroups,
        action: SetWebhooks,
    ) -> Result<Ran<Applied, E>> {
        let changes = action.change.clone();
        let record = |n: &PhoneNumber, outcome: Outcome<Applied>| {
            let update = match &outcome {
                Outcome::Ok(applied) => {
                    let change = changes.of(n);
                    Some(flows::webhook_update(&applied.state, platform_url(&change)))
                }
                _ => None,
            };
            (outcome, update)
        };
        self.run(grouped, action, record).await
    }

    /// Asks each number's provider which writes [`Bulk::set_webhooks`] with `change` would make
    /// ([`PlanWebhooks`]: reads only; nothing is recorded).
    pub async fn plan_webhooks(
        self,
        grouped: AccountGroups,
        change: Changes,
    ) -> Result<Ran<WebhookPlan, E>> {
        let plan = PlanWebhooks { change };
        self.run(grouped, plan, |_, outcome| (outcome, None)).await
    }
}

/// What a bulk webhook plan does to one number its provider answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PlannedState {
    /// Its writes are made.
    Changes,
    /// A repair's number whose channels are already at their URLs on record: nothing is
    /// written.
    InSync,
    /// The shared policy refuses the change: the number is left as it is.
    Refused,
}

impl PlannedState {
    /// The state in words, as every shell shows it: "changes", "already in sync", "refused".
    pub fn words(self) -> &'static str {
        match self {
            PlannedState::Changes => "changes",
            PlannedState::InSync => "already in sync",
            PlannedState::Refused => "refused",
        }
    }
}

/// One number of a bulk webhook plan that its provider answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlannedNumber {
    /// The number's id.
    pub id: String,
    /// E.164.
    pub phone_number: String,
    /// What the change does to it.
    pub state: PlannedState,
    /// The writes, voice first (none when already in sync).
    pub writes: Vec<PlannedWrite>,
    /// Why the shared policy refuses the change (the number is then left as it is); null when
    /// it will be made.
    pub refused: Option<String>,
}

/// An object other than a number that a bulk change writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SharedObjectUse {
    /// The object, in words, e.g. "Twilio application AP…".
    pub object: String,
    /// Its name at the provider.
    pub object_name: Option<String>,
    /// The channels written on it.
    pub channels: Vec<WebhookChannel>,
    /// How many numbers at the provider use it (all of them are re-pointed); null when the
    /// provider cannot tell.
    pub shared_by: Option<u32>,
    /// How many numbers of the selection write it.
    pub selected: u32,
    /// Whether it is written: false when the shared policy refuses every selected number
    /// that writes it.
    pub changed: bool,
}

/// One account's part of a bulk webhook plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountWebhookPlan {
    /// The provider.
    pub provider: switchboard_core::domain::Provider,
    /// The account.
    pub account_id: String,
    /// Its numbers the provider answered for, in selection order.
    pub numbers: Vec<PlannedNumber>,
    /// The objects other than numbers that the change writes, by first use.
    pub objects: Vec<SharedObjectUse>,
    /// Numbers that will change.
    pub changed: u32,
    /// Numbers a repair finds already in sync (nothing written).
    pub in_sync: u32,
    /// Numbers the shared policy refuses.
    pub refused: u32,
}

/// What a bulk webhook change will do, shown before doing it: per account, which numbers
/// change, which objects other numbers share are written (and how many numbers share each),
/// and what the shared policy refuses; the numbers not planned (no account, not added, no
/// client, the provider failed, cancelled) with why. [`Bulk::set_webhooks`] with the same
/// change and policy makes exactly the changes marked, unless the provider changes meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BulkWebhookPlan {
    /// The accounts, sorted.
    pub accounts: Vec<AccountWebhookPlan>,
    /// Numbers that will change.
    pub changed: u32,
    /// Numbers a repair finds already in sync (nothing written).
    pub in_sync: u32,
    /// Numbers the shared policy refuses.
    pub refused: u32,
    /// Numbers not planned, in selection order.
    pub not_planned: Vec<NumberOutcome>,
    /// Whether objects other numbers share may change.
    pub allow_shared: bool,
    /// True when cancellation left numbers not planned.
    pub cancelled: bool,
}

impl BulkWebhookPlan {
    /// The plan from what the providers answered ([`Bulk::plan_webhooks`]) for the selection
    /// `order` (its ids, in order), under `policy` ([`WebhookPlan::refused_change`], the rule
    /// the clients apply when they write); lines not answered are worded by `words`.
    pub fn new<E>(
        ran: Ran<WebhookPlan, E>,
        order: &[Uuid],
        policy: SharedPolicy,
        words: &impl Wording<E>,
    ) -> Self {
        let mut accounts: Vec<AccountWebhookPlan> = Vec::new();
        let mut not_planned = Vec::new();
        for Line { number, sent } in ran.lines {
            let line = |result, message| NumberOutcome {
                id: number.id.to_string(),
                phone_number: number.phone_number.to_string(),
                result,
                message,
            };
            let plan = match sent.app_result(&number, words, "") {
                Ok(plan) => plan,
                Err((result, message)) => {
                    not_planned.push(line(result, message));
                    continue;
                }
            };
            let account_id = (number.credentials.account_id(number.provider))
                .unwrap_or_default()
                .to_owned();
            let at = match (accounts.iter())
                .position(|a| a.provider == number.provider && a.account_id == account_id)
            {
                Some(at) => at,
                None => {
                    accounts.push(AccountWebhookPlan {
                        provider: number.provider,
                        account_id,
                        numbers: Vec::new(),
                        objects: Vec::new(),
                        changed: 0,
                        in_sync: 0,
                        refused: 0,
                    });
                    accounts.len() - 1
                }
            };
            accounts[at].add(number.id.to_string(), &plan, policy);
        }
        // The run's lines come account by account: back to the selection's order.
        let at: std::collections::HashMap<String, usize> = (order.iter().enumerate())
            .map(|(i, id)| (id.to_string(), i))
            .collect();
        not_planned.sort_by_key(|n: &NumberOutcome| at.get(&n.id).copied());
        BulkWebhookPlan {
            changed: accounts.iter().map(|a| a.changed).sum(),
            in_sync: accounts.iter().map(|a| a.in_sync).sum(),
            refused: accounts.iter().map(|a| a.refused).sum(),
            accounts,
            not_planned,
            allow_shared: policy == SharedPolicy::AllowShared,
            cancelled: ran.cancelled,
        }
    }
}

impl AccountWebhookPlan {
    /// Adds a number's plan.
    fn add(&mut self, id: String, plan: &WebhookPlan, policy: SharedPolicy) {
        let refused = plan.refused_change(policy).map(|c| {
            format!(
                "{}; left as it is (allow shared objects to change it)",
                shared_warning(plan, c)
            )
        });
        let writes: Vec<PlannedWrite> = plan.changes.iter().map(Into::into).collect();
        let mut seen: Vec<&str> = Vec::new();
        for w in writes.iter().filter(|w| !w.is_number) {
            let use_ = match self.objects.iter_mut().position(|o| o.object == w.object) {
                Some(at) => &mut self.objects[at],
                None => {
                    self.objects.push(SharedObjectUse {
                        object: w.object.clone(),
                        object_name: w.object_name.clone(),
                        channels: Vec::new(),
                        shared_by: w.shared_by,
                        selected: 0,
                        changed: false,
                    });
                    self.objects.last_mut().expect("just pushed")
                }
            };
            if !use_.channels.contains(&w.channel) {
                use_.channels.push(w.channel);
            }
            if !seen.contains(&w.object.as_str()) {
                seen.push(&w.object);
                use_.selected += 1;
            }
            use_.changed |= refused.is_none();
        }
        // A repair's number already in sync writes nothing: it does not change.
        let state = match (&refused, writes.is_empty()) {
            (Some(_), _) => PlannedState::Refused,
            (None, true) => PlannedState::InSync,
            (None, false) => PlannedState::Changes,
        };
        match state {
            PlannedState::Refused => self.refused += 1,
            PlannedState::InSync => self.in_sync += 1,
            PlannedState::Changes => self.changed += 1,
        }
        self.numbers.push(PlannedNumber {
            id,
            phone_number: plan.phone_number.to_string(),
            state,
            writes,
            refused,
        });
    }
}

/// Why `c`, a write of `plan` to an object other numbers share, needs consent, in a sentence.
fn shared_warning(plan: &WebhookPlan, c: &PlannedChange) -> String {
    format!(
        "{} is {}: changing it re-points all of them, not only {}",
        c.object,
        shared_words(c.shared_by),
        plan.phone_number
    )
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
            shared_warning: p.shared_change().map(|c| shared_warning(p, c)),
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
    /// "already in sync" (a repair found nothing drifted: nothing written), "shared object",
    /// "failed", "not started", "skipped" or "not changed" (no client for its account), and
    /// why.
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
    /// Numbers a repair found already in sync (nothing written).
    pub in_sync: usize,
    /// Numbers not re-pointed (neither re-pointed, in sync nor skipped).
    pub failed: usize,
    /// Numbers skipped: no provider account, or one not added to their organization.
    pub skipped: usize,
    /// True when cancellation left numbers not started.
    pub cancelled: bool,
}

impl Repoint {
    /// The report of a re-point ([`Bulk::set_webhooks`]), worded by `words`.
    pub fn new<E>(ran: Ran<Applied, E>, words: &impl Wording<E>) -> Self {
        let lines: Vec<RepointLine> = (ran.lines.into_iter())
            .map(|Line { number, sent }| {
                let (mut voice_url, mut sms_url) = (None, None);
                let (result, detail) = match sent.answer(&number, words, "not changed") {
                    Answer::Done(applied) => {
                        voice_url = applied.state.voice_url().map(str::to_owned);
                        sms_url = applied.state.sms_url().map(str::to_owned);
                        let confirmed = number.webhook_configured;
                        let result = match (applied.in_sync, confirmed) {
                            (true, _) => PlannedState::InSync.words(),
                            (false, true) => "re-pointed",
                            (false, false) => "not confirmed",
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
        let in_sync = count(PlannedState::InSync.words());
        Repoint {
            failed: lines.len() - repointed - in_sync - skipped,
            repointed,
            in_sync,
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

/// The numbers of a drift report that are not in sync, one line per drifted channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftRow {
    /// The number's id.
    pub id: String,
    /// E.164.
    pub phone_number: String,
    /// "drifted", "failed", "not checked", "not started" or "skipped".
    pub result: String,
    /// The drifted channel; null for a line about the number.
    pub channel: Option<WebhookChannel>,
    /// The URL on record (a drifted channel).
    pub on_record: Option<String>,
    /// The URL at the provider (a drifted channel; null when the provider has none).
    pub at_provider: Option<String>,
    /// The object holding the provider's URL, or why the number was not checked.
    pub detail: String,
}

/// A drift check of an organization or a selection, as the desktop app shows it: numbers in
/// sync, differing per channel, unknown (nothing on record, no provider account), errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftSummary {
    /// Numbers checked and in sync.
    pub in_sync: u32,
    /// Numbers with a channel that differs.
    pub drifted: u32,
    /// Numbers whose voice URL differs.
    pub voice_drifted: u32,
    /// Numbers whose SMS URL differs.
    pub sms_drifted: u32,
    /// Numbers with nothing to compare: no URL on record, or no provider account.
    pub unknown: u32,
    /// Numbers the provider failed on, or whose account had no client.
    pub errors: u32,
    /// Numbers skipped: their account was not added to their organization.
    pub skipped: u32,
    /// Numbers not checked because the check was cancelled.
    pub not_started: u32,
    /// The ids of the numbers that differ, for a repair, in report order.
    pub drifted_ids: Vec<String>,
    /// The lines of the numbers not in sync.
    pub rows: Vec<DriftRow>,
    /// True when cancellation left numbers not checked.
    pub cancelled: bool,
}

impl From<&DriftReport> for DriftSummary {
    fn from(r: &DriftReport) -> Self {
        let numbers = |channel: &str| {
            (r.lines.iter())
                .filter(|l| l.line.result == "drifted" && l.channel == channel)
                .count() as u32
        };
        let mut drifted_ids: Vec<String> = Vec::new();
        let mut not_started = std::collections::HashSet::new();
        let rows = (r.lines.iter())
            .filter(|l| l.line.result != "in sync")
            .map(|l| {
                let id = l.line.number.id.to_string();
                match l.line.result {
                    "drifted" if !drifted_ids.contains(&id) => drifted_ids.push(id.clone()),
                    "not started" => {
                        not_started.insert(id.clone());
                    }
                    _ => {}
                }
                DriftRow {
                    id,
                    phone_number: l.line.number.phone_number.to_string(),
                    result: l.line.result.to_owned(),
                    channel: match l.channel {
                        "voice" => Some(WebhookChannel::Voice),
                        "sms" => Some(WebhookChannel::Sms),
                        _ => None,
                    },
                    on_record: l.on_record.clone(),
                    at_provider: l.at_provider.clone(),
                    detail: l.line.detail.clone(),
                }
            })
            .collect();
        DriftSummary {
            in_sync: r.in_sync as u32,
            drifted: r.drifted as u32,
            voice_drifted: numbers("voice"),
            sms_drifted: numbers("sms"),
            unknown: (r.not_recorded + r.no_account) as u32,
            errors: r.failed as u32,
            skipped: r.skipped as u32,
            not_started: not_started.len() as u32,
            drifted_ids,
            rows,
            cancelled: r.cancelled,
        }
    }
}

/// Checks the drift of `numbers` account by account (those with a URL on record,
/// [`DriftSelection`]; the others are counted as unknown) with the accounts added on this
/// device, and reports it as the desktop app shows it (`no_client` words why an account had
/// no client). Progress is of the numbers checked; changes nothing.
pub async fn drift_summary<C, Fut, E>(
    inventory: &dyn Inventory,
    numbers: Vec<PhoneNumber>,
    (connect, options): (C, &BulkOptions),
    progress: ProgressFn<'_, crate::Progress>,
    no_client: impl Fn(&E) -> String,
) -> Result<DriftSummary>
where
    C: FnMut(switchboard_core::domain::Provider, String) -> Fut,
    Fut: Future<Output = std::result::Result<ProviderClient, E>>,
{
    let mut selection = DriftSelection::new(numbers);
    let recorded = std::mem::take(&mut selection.recorded);
    let prepared = Prepared::new(inventory, recorded, progress).await?;
    let report = prepared.progress(progress);
    let bulk = Bulk::new(inventory, connect, options, &report);
    let ran = bulk.check_drift(prepared.grouped).await?;
    let words = app_words(no_client);
    Ok((&DriftReport::new(&selection, ran, &words)).into())
}

/// Plans setting `change` on `numbers` account by account with the accounts added on this
/// device ([`Bulk::plan_webhooks`], [`BulkWebhookPlan`]; `words` word the numbers not planned,
/// as the shell words them: the app's and the CLI's bulk plans). A repair
/// ([`Changes::Recorded`]) plans only the numbers with a URL on record. Progress after each
/// number; changes nothing.
pub async fn webhook_plan<C, Fut, E>(
    inventory: &dyn Inventory,
    numbers: Vec<PhoneNumber>,
    (change, policy): (Changes, SharedPolicy),
    (connect, options): (C, &BulkOptions),
    progress: ProgressFn<'_, crate::Progress>,
    words: &impl Wording<E>,
) -> Result<BulkWebhookPlan>
where
    C: FnMut(switchboard_core::domain::Provider, String) -> Fut,
    Fut: Future<Output = std::result::Result<ProviderClient, E>>,
{
    let numbers = changed_numbers(&change, numbers);
    let prepared = Prepared::new(inventory, numbers, progress).await?;
    let report = prepared.progress(progress);
    let bulk = Bulk::new(inventory, connect, options, &report);
    let Prepared { order, grouped, .. } = prepared;
    let ran = bulk.plan_webhooks(grouped, change).await?;
    Ok(BulkWebhookPlan::new(ran, &order, policy, words))
}

/// The numbers `change` writes: all of them, or for a repair ([`Changes::Recorded`]) those
/// with a URL on record (the plan's and the run's rule: [`webhook_plan`] and
/// `numbers_at_provider::provider_report`).
pub(crate) fn changed_numbers(change: &Changes, numbers: Vec<PhoneNumber>) -> Vec<PhoneNumber> {
    match change {
        Changes::Same(_) => numbers,
        Changes::Recorded => (numbers.into_iter())
            .filter(|n| n.recorded_webhooks() != (None, None))
            .collect(),
    }
}
