//! Readiness: can a number legally and reliably carry its traffic?
//!
//! A number that looks fine in every dashboard can still fail its callers: carriers drop its
//! SMS because it has no A2P 10DLC campaign, its toll-free verification is pending, a 911 call
//! from it reaches no registered address, its regulatory bundle was rejected, or it is being
//! ported away. The providers expose these states scattered across several APIs; this module
//! reads each state *as the provider gives it* into one [`Item`] (what it means, what to do,
//! since when) and the items of a number into one [`Readiness`]: `ready`, `attention` or
//! `blocked`.
//!
//! Nothing here talks to a provider: a client gathers the states into [`Finding`]s, and the same
//! rules judge them wherever they were read.
//!
//! # Rules
//! - Each finding maps to a [`Level`]: `ok`, `attention` (works, but something is pending or
//!   missing that will bite: a registration under review, an emergency address not registered),
//!   or `blocked` (some of the number's traffic is refused or dropped now: a rejected
//!   registration, no 10DLC campaign on a US local number that sends SMS, a number ported away).
//! - A number's state is its worst item; a number with no items is `ready`.
//! - Messaging registrations (A2P 10DLC, toll-free verification) block only a number that is
//!   used for SMS (it has an SMS webhook on record); on a voice-only number their absence is
//!   `attention`, since the number would fail the day it is used for SMS.
//! - A number moving away (`port-out-pending`, `ported-out`) raises an [`Readiness::alarm`].
//! - A provider word this module does not know is `attention`, never `ok`: the item shows the
//!   word as given, so a manager can look it up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::named_enum;
use crate::{Error, Result};

named_enum! {
    /// How far an item (or a number) is from carrying its traffic, named as the CLI and the
    /// app write it: `ok`, `attention`, `blocked`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReadinessLevel"))]
    #[serde(rename_all = "snake_case")]
    pub enum Level("level") {
        /// Nothing to do.
        Ok = "ok",
        /// Works today; something is pending or missing.
        Attention = "attention",
        /// Some of the number's traffic is refused or dropped now.
        Blocked = "blocked",
    }
}

named_enum! {
    /// A number's readiness state, its worst item, named as the CLI and the app write it:
    /// `ready`, `attention`, `blocked`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReadinessState"))]
    #[serde(rename_all = "snake_case")]
    pub enum State("readiness") {
        /// No item needs anything.
        Ready = "ready",
        /// At least one item needs attention, none is blocked.
        Attention = "attention",
        /// At least one item is blocked.
        Blocked = "blocked",
    }
}

impl State {
    fn of(level: Level) -> State {
        match level {
            Level::Ok => State::Ready,
            Level::Attention => State::Attention,
            Level::Blocked => State::Blocked,
        }
    }
}

named_enum! {
    /// What an item is about, named as the CLI and the app write it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReadinessKind"))]
    #[serde(rename_all = "snake_case")]
    pub enum Kind("kind") {
        /// The number's own status at the provider (Telnyx's `status`).
        NumberStatus = "number_status",
        /// Emergency calling enabled on the number (Twilio's `emergency_status`, Telnyx's
        /// `emergency_enabled`/`emergency_status`).
        Emergency = "emergency",
        /// The emergency (911) address registration (Twilio's `emergency_address_status`).
        EmergencyAddress = "emergency_address",
        /// An address the number's country requires (Twilio's `address_requirements` with no
        /// `address_sid`).
        Address = "address",
        /// The regulatory bundle the number's country requires (Twilio's bundle status, Plivo's
        /// compliance application).
        RegulatoryBundle = "regulatory_bundle",
        /// The A2P 10DLC campaign a US local number needs to send SMS.
        #[serde(rename = "a2p_10dlc")]
        A2p10dlc = "a2p_10dlc",
        /// The verification a US/Canadian toll-free number needs to send SMS.
        TollFreeVerification = "toll_free_verification",
        /// The number is being ported in (not working here yet).
        PortIn = "port_in",
        /// The number is being ported away, or was.
        PortOut = "port_out",
        /// Caller-name (CNAM) listing.
        Cnam = "cnam",
    }
}

/// One state a provider gave about a number, before judging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is about.
    pub kind: Kind,
    /// The provider's word, exactly as given (`pending-registration`, `TWILIO_REJECTED`); an
    /// empty word means the provider has no such record for the number (no campaign, no
    /// verification).
    pub state: String,
    /// Reasons the provider gave with it (a rejection reason, campaign errors), as given.
    pub reasons: Vec<String>,
    /// When the provider says the state began or was last updated, if it says.
    pub since: Option<OffsetDateTime>,
}

impl Finding {
    /// A finding with no reasons and no time.
    pub fn new(kind: Kind, state: impl Into<String>) -> Finding {
        Finding {
            kind,
            state: state.into(),
            reasons: Vec::new(),
            since: None,
        }
    }

    /// The same, with the provider's time.
    pub fn since(mut self, since: Option<OffsetDateTime>) -> Finding {
        self.since = since;
        self
    }

    /// The same, with the provider's reasons.
    pub fn reasons(mut self, reasons: Vec<String>) -> Finding {
        self.reasons = reasons;
        self
    }
}

/// One judged item of a number's readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReadinessItem"))]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// What it is about.
    pub kind: Kind,
    /// How far it is from fine.
    pub level: Level,
    /// The provider's word, exactly as given (empty: no such record at the provider).
    pub provider_state: String,
    /// What it means, in a sentence.
    pub meaning: String,
    /// What to do; empty when nothing is to be done.
    pub action: String,
    /// The provider's reasons, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Since when: the provider's time, else when Switchboard first saw the state.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub since: Option<OffsetDateTime>,
}

/// A number's readiness: its state, every item, and whether it is moving away. Kept in the
/// number's `metadata` under `readiness` (the design's table needs no new column, and it
/// syncs with the number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// The worst item's level (`ready` with no items).
    pub state: State,
    /// Every item, worst first, then by kind.
    pub items: Vec<Item>,
    /// The number is being ported away or was: shown at once, as an alarm.
    pub alarm: bool,
    /// When the provider was last asked.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub checked_at: Option<OffsetDateTime>,
}

impl Readiness {
    /// This judgement as checked at `now`, after `before` (the one on record, if any): an item
    /// whose provider gave no time keeps the time it was first seen in the same state, or
    /// `now` when it is new, so every item says since when.
    pub fn dated(mut self, before: Option<&Readiness>, now: OffsetDateTime) -> Readiness {
        for item in &mut self.items {
            if item.since.is_none() {
                let seen = before.and_then(|b| {
                    b.items
                        .iter()
                        .find(|i| i.kind == item.kind && i.provider_state == item.provider_state)
                        .and_then(|i| i.since)
                });
                item.since = Some(seen.unwrap_or(now));
            }
        }
        self.checked_at = Some(now);
        self
    }

    /// Whether `other` says the same, whenever it was checked.
    pub fn same_as(&self, other: &Readiness) -> bool {
        (&self.state, &self.items, self.alarm) == (&other.state, &other.items, other.alarm)
    }
}

/// What the rules need to know about the number besides the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Use {
    /// The number has an SMS webhook on record: it is used for SMS, so a missing or failed
    /// messaging registration blocks it.
    pub sends_sms: bool,
}

/// Judges a number's findings.
pub fn judge(findings: &[Finding], used: Use) -> Readiness {
    let mut items: Vec<Item> = findings.iter().map(|f| item(f, used)).collect();
    items.sort_by(|a, b| b.level.cmp(&a.level).then(a.kind.cmp(&b.kind)));
    let worst = items.iter().map(|i| i.level).max().unwrap_or(Level::Ok);
    let alarm = items
        .iter()
        .any(|i| i.kind == Kind::PortOut && i.level != Level::Ok);
    Readiness {
        state: State::of(worst),
        items,
        alarm,
        checked_at: None,
    }
}

/// A provider word, compared without case and with `_`, ` ` and `-` alike.
fn word(state: &str) -> String {
    state.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

fn item(f: &Finding, used: Use) -> Item {
    let (level, meaning, action) = rule(f.kind, &word(&f.state), used);
    Item {
        kind: f.kind,
        level,
        provider_state: f.state.clone(),
        meaning: meaning.to_owned(),
        action: action.to_owned(),
        reasons: f.reasons.clone(),
        since: f.since,
    }
}

const UNKNOWN: (Level, &str, &str) = (
    Level::Attention,
    "The provider reports a state Switchboard does not know.",
    "Look the state up in the provider's console.",
);

/// Messaging registrations block a number used for SMS, and need attention on another.
fn messaging(used: Use) -> Level {
    if used.sends_sms {
        Level::Blocked
    } else {
        Level::Attention
    }
}

fn rule(kind: Kind, w: &str, used: Use) -> (Level, &'static str, &'static str) {
    use Level::{Attention, Blocked, Ok};
    match kind {
        Kind::NumberStatus => match w {
            "active" | "in-use" | "purchased" => (Ok, "The number is active.", ""),
            "requirement-info-pending" => (
                Attention,
                "The provider is waiting for regulatory information about the number.",
                "Submit the requirement information the provider asks for.",
            ),
            "requirement-info-under-review" => (
                Attention,
                "The number's regulatory information is under review.",
                "Wait for the review; nothing to do unless the provider asks.",
            ),
            "requirement-info-exception" => (
                Blocked,
                "The provider refused the number's regulatory information.",
                "Correct and resubmit the requirement information.",
            ),
            "purchase-pending" | "provision-pending" => (
                Attention,
                "The number is still being set up at the provider.",
                "Wait for the provider to finish.",
            ),
            "purchase-failed" | "port-failed" => (
                Blocked,
                "The provider could not complete the number's purchase or port.",
                "Open the order at the provider and retry or cancel it.",
            ),
            "port-pending" => (
                Attention,
                "The number is being ported in and does not carry traffic here yet.",
                "Follow the porting order to its completion date.",
            ),
            "emergency-only" => (
                Blocked,
                "The number can only place emergency calls.",
                "Ask the provider why the number was limited to emergency calls.",
            ),
            "port-out-pending" | "ported-out" => (
                Blocked,
                "The number is moving to another carrier.",
                "See the port-out item.",
            ),
            "deleted" | "released" => (
                Blocked,
                "The provider no longer has the number on the account.",
                "Remove it here or buy it back.",
            ),
            _ => UNKNOWN,
        },
        Kind::Emergency => match w {
            "active" | "enabled" | "true" => (Ok, "Emergency calling is enabled.", ""),
            "inactive" | "disabled" | "false" => (
                Attention,
                "Emergency calling is not enabled: a 911 call from this number reaches no registered address.",
                "Enable emergency calling with a registered address.",
            ),
            "provisioning" | "deprovisioning" | "pending" => (
                Attention,
                "Emergency calling is being enabled or disabled.",
                "Wait for the provider to finish.",
            ),
            "provisioning-failed" => (
                Blocked,
                "Enabling emergency calling failed: 911 calls reach no registered address.",
                "Check the emergency address and enable emergency calling again.",
            ),
            _ => UNKNOWN,
        },
        Kind::EmergencyAddress => match w {
            "registered" => (Ok, "The emergency address is registered.", ""),
            "unregistered" => (
                Attention,
                "No emergency address is registered: a 911 call costs a fee and reaches no address.",
                "Register an emergency address for the number.",
            ),
            "pending-registration" | "pending-unregistration" => (
                Attention,
                "The emergency address is being registered or removed.",
                "Wait for the registration to finish.",
            ),
            "registration-failure" | "unregistration-failure" => (
                Blocked,
                "The emergency address registration failed: 911 calls reach no address.",
                "Correct the address and register it again.",
            ),
            _ => UNKNOWN,
        },
        Kind::Address => match w {
            "satisfied" | "none" => (Ok, "No address is missing.", ""),
            _ => (
                Blocked,
                "The number's country requires an address and none is on the number.",
                "Attach a valid address to the number.",
            ),
        },
        Kind::RegulatoryBundle => match w {
            "twilio-approved" | "approved" | "accepted" => {
                (Ok, "The regulatory bundle is approved.", "")
            }
            "draft" => (
                Attention,
                "The regulatory bundle is a draft and was never submitted.",
                "Complete and submit the bundle.",
            ),
            "pending-review" | "in-review" | "provisionally-approved" | "submitted" => (
                Attention,
                "The regulatory bundle is under review.",
                "Wait for the review; nothing to do unless the provider asks.",
            ),
            "twilio-rejected" | "rejected" => (
                Blocked,
                "The regulatory bundle was rejected: the number's country does not allow it to be used.",
                "Correct the bundle and submit it again.",
            ),
            _ => UNKNOWN,
        },
        Kind::A2p10dlc => match w {
            // Bandwidth's 10DLC numbers list says SUCCESS, PROCESSING or FAILURE; Plivo's
            // registration says COMPLETED.
            "verified" | "assigned" | "approved" | "active" | "success" | "completed" => {
                (Ok, "The number is on a registered A2P 10DLC campaign.", "")
            }
            "" | "unregistered" => (
                messaging(used),
                "The number is on no A2P 10DLC campaign: US carriers drop its SMS.",
                "Add the number to a messaging service with a registered campaign.",
            ),
            "in-progress" | "pending" | "pending-assignment" | "pending-review" | "processing" => (
                messaging(used),
                "The number's A2P 10DLC campaign is being reviewed: carriers drop its SMS until then.",
                "Wait for the campaign review.",
            ),
            "unknown" => (
                messaging(used),
                "The provider does not know yet whether carriers accepted the number on its A2P 10DLC campaign: its SMS may be dropped.",
                "Check the number's campaign link at the provider; ask the provider if it stays unknown.",
            ),
            "pending-unassignment" | "failed-unassignment" => (
                Attention,
                "The number is being taken off its A2P 10DLC campaign, or could not be.",
                "Check the number's campaign assignment at the provider.",
            ),
            "failed" | "suspended" | "expired" | "failed-assignment" | "rejected" | "failure" => (
                messaging(used),
                "The number's A2P 10DLC campaign failed or was suspended: carriers drop its SMS.",
                "Fix the campaign's errors and resubmit it.",
            ),
            _ => UNKNOWN,
        },
        Kind::TollFreeVerification => match w {
            "twilio-approved" | "verified" | "approved" => {
                (Ok, "The toll-free number is verified for SMS.", "")
            }
            "" => (
                messaging(used),
                "The toll-free number is not verified: carriers block its SMS.",
                "Submit a toll-free verification.",
            ),
            // Plivo's UNVERIFIED (never verified) and Bandwidth's (declined, with its reasons).
            "unverified" => (
                messaging(used),
                "The toll-free number is not verified (never submitted, or its verification was declined): carriers block its SMS.",
                "Submit a toll-free verification, or correct what the decline reasons name and resubmit it.",
            ),
            "pending-review" | "in-review" | "pending" | "pending-verification" => (
                messaging(used),
                "The toll-free verification is pending: carriers block its SMS until it is approved.",
                "Wait for the review.",
            ),
            "twilio-rejected" | "rejected" => (
                messaging(used),
                "The toll-free verification was rejected: carriers block its SMS.",
                "Correct what the rejection reason names and submit again.",
            ),
            // Bandwidth: a verification it marks `blocked`.
            "blocked" => (
                messaging(used),
                "The toll-free verification is blocked: carriers block its SMS and it cannot simply be resubmitted.",
                "Contact the provider about the reason the verification is blocked.",
            ),
            _ => UNKNOWN,
        },
        Kind::PortIn => match w {
            "completed" | "ported" => (Ok, "The number was ported in.", ""),
            "canceled" | "cancelled" | "expired" => (
                Attention,
                "A port-in request for this number ended without porting it.",
                "Start a new port-in request if the number should move here.",
            ),
            "action-required" | "waiting-for-signature" | "exception" => (
                Attention,
                "The port-in request needs something from you.",
                "Open the port-in request and do what it asks.",
            ),
            _ => (
                Attention,
                "The number is being ported in.",
                "Follow the porting order to its completion date.",
            ),
        },
        Kind::PortOut => match w {
            "port-out-pending" | "pending" => (
                Blocked,
                "The number is being ported away to another carrier.",
                "If nobody asked for it, contact the provider at once to dispute the port.",
            ),
            "ported-out" | "completed" => (
                Blocked,
                "The number was ported away: it no longer carries your traffic.",
                "Move its agent to another number; contact the provider if the port was not asked for.",
            ),
            _ => UNKNOWN,
        },
        Kind::Cnam => match w {
            "true" | "enabled" => (Ok, "Caller name is listed.", ""),
            _ => (
                Attention,
                "No caller name is listed: callees see only the number, which lowers answer rates.",
                "Enable a CNAM listing for the number.",
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(kind: Kind, state: &str) -> Finding {
        Finding::new(kind, state)
    }

    #[test]
    fn no_items_is_ready_and_the_worst_item_decides() {
        assert_eq!(judge(&[], Use::default()).state, State::Ready);
        let r = judge(
            &[
                f(Kind::EmergencyAddress, "registered"),
                f(Kind::RegulatoryBundle, "in-review"),
            ],
            Use::default(),
        );
        assert_eq!(r.state, State::Attention);
        assert_eq!(r.items[0].kind, Kind::RegulatoryBundle, "worst first");
        let r = judge(
            &[
                f(Kind::RegulatoryBundle, "in-review"),
                f(Kind::RegulatoryBundle, "twilio-rejected"),
            ],
            Use::default(),
        );
        assert_eq!(r.state, State::Blocked);
        assert!(!r.alarm);
    }

    #[test]
    fn messaging_registrations_block_only_numbers_used_for_sms() {
        let missing = [f(Kind::A2p10dlc, "")];
        assert_eq!(judge(&missing, Use::default()).state, State::Attention);
        assert_eq!(
            judge(&missing, Use { sends_sms: true }).state,
            State::Blocked
        );
        let verified = [f(Kind::A2p10dlc, "VERIFIED")];
        assert_eq!(
            judge(&verified, Use { sends_sms: true }).state,
            State::Ready
        );
        let tf =
            [f(Kind::TollFreeVerification, "TWILIO_REJECTED").reasons(vec!["bad opt-in".into()])];
        let r = judge(&tf, Use { sends_sms: true });
        assert_eq!(r.state, State::Blocked);
        assert_eq!(r.items[0].provider_state, "TWILIO_REJECTED", "as given");
        assert_eq!(r.items[0].reasons, ["bad opt-in"]);
    }

    #[test]
    fn items_say_since_when_and_keep_it_while_the_state_holds() {
        let t0 = time::macros::datetime!(2026-12-01 10:00 UTC);
        let t1 = time::macros::datetime!(2026-12-02 10:00 UTC);
        let given = time::macros::datetime!(2026-11-20 09:30 UTC);
        let findings = [
            f(Kind::PortOut, "port-out-pending"),
            f(Kind::RegulatoryBundle, "in-review").since(Some(given)),
        ];
        let first = judge(&findings, Use::default()).dated(None, t0);
        assert_eq!(first.checked_at, Some(t0));
        assert_eq!(first.items[0].since, Some(t0), "first seen now");
        assert_eq!(first.items[1].since, Some(given), "the provider's time");
        let again = judge(&findings, Use::default()).dated(Some(&first), t1);
        assert_eq!(again.items[0].since, Some(t0), "kept while the state holds");
        assert!(again.same_as(&first));
        let moved = [f(Kind::PortOut, "ported-out")];
        let later = judge(&moved, Use::default()).dated(Some(&again), t1);
        assert_eq!(later.items[0].since, Some(t1), "a new state starts now");
        assert!(!later.same_as(&again));
        // Kept in metadata as camelCase JSON, read back the same.
        let json = serde_json::to_value(&later).unwrap();
        assert_eq!(json["items"][0]["providerState"], "ported-out");
        for kind in [Kind::A2p10dlc, Kind::TollFreeVerification, Kind::PortOut] {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                kind.as_str(),
                "one word"
            );
        }
        assert_eq!(json["checkedAt"], "2026-12-02T10:00:00Z");
        assert_eq!(serde_json::from_value::<Readiness>(json).unwrap(), later);
    }

    #[test]
    fn a_number_moving_away_raises_the_alarm() {
        for w in ["port-out-pending", "ported-out"] {
            let r = judge(&[f(Kind::PortOut, w)], Use::default());
            assert!(r.alarm, "{w}");
            assert_eq!(r.state, State::Blocked);
        }
        assert!(!judge(&[f(Kind::PortIn, "In progress")], Use::default()).alarm);
    }

    #[test]
    fn every_listed_provider_word_is_known_and_unknown_words_need_attention() {
        let known = [
            (Kind::EmergencyAddress, "registered", Level::Ok),
            (Kind::EmergencyAddress, "unregistered", Level::Attention),
            (
                Kind::EmergencyAddress,
                "pending-registration",
                Level::Attention,
            ),
            (
                Kind::EmergencyAddress,
                "registration-failure",
                Level::Blocked,
            ),
            (
                Kind::EmergencyAddress,
                "pending-unregistration",
                Level::Attention,
            ),
            (
                Kind::EmergencyAddress,
                "unregistration-failure",
                Level::Blocked,
            ),
            (Kind::Emergency, "Active", Level::Ok),
            (Kind::Emergency, "Inactive", Level::Attention),
            (
                Kind::NumberStatus,
                "requirement-info-pending",
                Level::Attention,
            ),
            (
                Kind::NumberStatus,
                "requirement-info-under-review",
                Level::Attention,
            ),
            (
                Kind::NumberStatus,
                "requirement-info-exception",
                Level::Blocked,
            ),
            (Kind::NumberStatus, "port-pending", Level::Attention),
            (Kind::NumberStatus, "emergency-only", Level::Blocked),
            (Kind::NumberStatus, "active", Level::Ok),
            (Kind::RegulatoryBundle, "draft", Level::Attention),
            (Kind::RegulatoryBundle, "pending-review", Level::Attention),
            (Kind::RegulatoryBundle, "in-review", Level::Attention),
            (Kind::RegulatoryBundle, "twilio-rejected", Level::Blocked),
            (Kind::RegulatoryBundle, "twilio-approved", Level::Ok),
            (
                Kind::RegulatoryBundle,
                "provisionally-approved",
                Level::Attention,
            ),
            (
                Kind::TollFreeVerification,
                "PENDING_REVIEW",
                Level::Attention,
            ),
            (Kind::TollFreeVerification, "IN_REVIEW", Level::Attention),
            (Kind::TollFreeVerification, "TWILIO_APPROVED", Level::Ok),
            (Kind::A2p10dlc, "IN_PROGRESS", Level::Attention),
            (Kind::A2p10dlc, "FAILED", Level::Attention),
            (Kind::PortIn, "Completed", Level::Ok),
            (Kind::PortIn, "ported", Level::Ok),
            (Kind::PortIn, "exception", Level::Attention),
            (Kind::NumberStatus, "purchase-failed", Level::Blocked),
            (Kind::NumberStatus, "port-out-pending", Level::Blocked),
            (Kind::NumberStatus, "ported-out", Level::Blocked),
            (Kind::Emergency, "provisioning-failed", Level::Blocked),
            (Kind::Emergency, "disabled", Level::Attention),
            (Kind::A2p10dlc, "ASSIGNED", Level::Ok),
            (Kind::A2p10dlc, "PENDING_ASSIGNMENT", Level::Attention),
            (Kind::A2p10dlc, "FAILED_ASSIGNMENT", Level::Attention),
            (Kind::A2p10dlc, "PENDING_UNASSIGNMENT", Level::Attention),
            (Kind::PortIn, "Action Required", Level::Attention),
            (Kind::A2p10dlc, "SUCCESS", Level::Ok),
            (Kind::A2p10dlc, "PROCESSING", Level::Attention),
            (Kind::A2p10dlc, "FAILURE", Level::Attention),
            (Kind::TollFreeVerification, "VERIFIED", Level::Ok),
            (Kind::TollFreeVerification, "PENDING", Level::Attention),
            (Kind::TollFreeVerification, "UNVERIFIED", Level::Attention),
            (Kind::TollFreeVerification, "blocked", Level::Attention),
            // Vonage: a number's link to a campaign, and the campaign's status.
            (Kind::A2p10dlc, "APPROVED", Level::Ok),
            (Kind::A2p10dlc, "PENDING", Level::Attention),
            (Kind::A2p10dlc, "REJECTED", Level::Attention),
            (Kind::A2p10dlc, "UNKNOWN", Level::Attention),
            (Kind::A2p10dlc, "ACTIVE", Level::Ok),
            (Kind::A2p10dlc, "EXPIRED", Level::Attention),
            // Plivo: the number's own registration words.
            (Kind::A2p10dlc, "UNREGISTERED", Level::Attention),
            (Kind::A2p10dlc, "COMPLETED", Level::Ok),
            (
                Kind::TollFreeVerification,
                "PENDING_VERIFICATION",
                Level::Attention,
            ),
            (Kind::RegulatoryBundle, "Draft", Level::Attention),
            (Kind::RegulatoryBundle, "Submitted", Level::Attention),
            (Kind::RegulatoryBundle, "Accepted", Level::Ok),
            (Kind::RegulatoryBundle, "Rejected", Level::Blocked),
        ];
        for (kind, w, level) in known {
            let i = item(&f(kind, w), Use::default());
            assert_eq!(i.level, level, "{kind:?} {w}");
            assert_ne!(i.meaning, UNKNOWN.1, "{kind:?} {w} is known");
            assert_eq!(i.action.is_empty(), level == Level::Ok, "{kind:?} {w}");
        }
        let i = item(&f(Kind::RegulatoryBundle, "frozen"), Use::default());
        assert_eq!((i.level, i.meaning.as_str()), (Level::Attention, UNKNOWN.1));
        assert_eq!(i.provider_state, "frozen");
    }
}
