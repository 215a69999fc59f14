//! The reports ops makes of a bulk provider action, for the CLI to print: each number's line
//! (re-pointed, not confirmed, shared object, skipped, drifted per channel…) and the counts,
//! and which numbers a drift check sends at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, PhoneNumber, Provider};
use switchboard_core::store::{AccountNotAdded, AddedAccounts};
use switchboard_ops::numbers_at_provider::{Line, Ran, Sent, VerifyReport, Wording};
use switchboard_ops::providers::client::{ProviderFailure, account_of};
use switchboard_ops::webhooks::{DriftReport, DriftSelection, Repoint};
use switchboard_providers::ProviderError;
use switchboard_providers::error::{Api, ProviderMessage, Subject};
use switchboard_providers::model::{Applied, Drift, DriftStatus, FoundNumber, WebhookState};
use uuid::Uuid;

const AC1: &str = "AC11111111111111111111111111111111";
const AC2: &str = "AC22222222222222222222222222222222";

/// Words that name what they word, so a line's detail shows where it came from.
struct Words;

impl Wording<String> for Words {
    fn provider_error(&self, e: &ProviderError) -> String {
        format!("provider: {:?}", e.code())
    }
    fn not_added(&self, e: &AccountNotAdded) -> String {
        format!("not added: {}", e.account_id)
    }
    fn no_client(&self, e: &String) -> String {
        format!("no client: {e}")
    }
}

fn number(e164: &str, account: Option<&str>, url: Option<&str>) -> PhoneNumber {
    let new = NewNumber {
        provider: "twilio".into(),
        number: e164.into(),
        account_id: account.map(str::to_owned),
        ..NewNumber::default()
    };
    let mut n = new
        .validate()
        .unwrap()
        .into_record(Uuid::now_v7(), switchboard_core::store::now());
    n.webhook_url = url.map(str::to_owned);
    n.webhook_configured = url.is_some();
    n
}

fn network() -> ProviderError {
    ProviderError::Network {
        api: Api::Twilio,
        subject: Subject::Number("+14155550101".into()),
        reason: "timed out".into(),
    }
}

fn auth() -> ProviderError {
    ProviderError::Auth {
        api: Api::Twilio,
        subject: Subject::Account("AC1".into()),
        detail: ProviderMessage {
            status: 401,
            code: None,
            message: "no".into(),
            more_info: None,
        },
    }
}

fn not_added(n: &PhoneNumber) -> AccountNotAdded {
    AccountNotAdded {
        provider: Provider::Twilio,
        account_id: AC2.into(),
        organization_id: n.organization_id,
        organization: "acme".into(),
    }
}

fn line<T>(number: PhoneNumber, sent: Sent<T, String>) -> Line<T, String> {
    Line { number, sent }
}

fn results<'a>(lines: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    lines.map(|(r, d)| (r.to_owned(), d.to_owned())).collect()
}

#[test]
fn a_repoint_words_each_line_and_counts_what_was_not_repointed() {
    let confirmed = number("+14155550101", Some(AC1), Some("https://a.example/v"));
    let unconfirmed = number("+14155550102", Some(AC1), None);
    let shared = number("+14155550103", Some(AC1), None);
    let alone = number("+14155550104", None, None);
    let refused = number("+14155550105", Some(AC2), None);
    let in_sync = number("+14155550106", Some(AC1), Some("https://a.example/v"));
    let state = |n: &PhoneNumber| WebhookState {
        phone_number: n.phone_number.clone(),
        voice: None,
        sms: None,
    };
    let written = |n: &PhoneNumber| Applied::written(state(n));
    let shared_error = ProviderError::SharedObject {
        api: Api::Twilio,
        number: "+14155550103".into(),
        object: "application AP1".into(),
        shared_by: 3,
    };
    let ran = Ran {
        lines: vec![
            line(alone.clone(), Sent::NoAccount),
            line(refused.clone(), Sent::NotAdded(not_added(&refused))),
            line(confirmed.clone(), Sent::Done(written(&confirmed))),
            line(unconfirmed.clone(), Sent::Done(written(&unconfirmed))),
            // A repair that found it in sync wrote nothing: not counted as re-pointed.
            line(
                in_sync.clone(),
                Sent::Done(Applied::in_sync(state(&in_sync))),
            ),
            line(shared, Sent::Failed(shared_error)),
            line(alone.clone(), Sent::Failed(network())),
            line(alone.clone(), Sent::NotStarted),
            line(alone, Sent::NoClient(Arc::new("no secret".into()))),
        ],
        cancelled: true,
    };
    let report = Repoint::new(ran, &Words);
    let got = results((report.lines.iter()).map(|l| (l.line.result, l.line.detail.as_str())));
    let want = [
        ("skipped", "no provider account"),
        ("skipped", "not added: AC22222222222222222222222222222222"),
        ("re-pointed", ""),
        ("not confirmed", ""),
        ("already in sync", ""),
        ("shared object", "provider: NotAllowed"),
        ("failed", "provider: Offline"),
        ("not started", "cancelled"),
        ("not changed", "no client: no secret"),
    ];
    assert_eq!(got, results(want.into_iter()));
    let counts = (
        report.repointed,
        report.in_sync,
        report.failed,
        report.skipped,
    );
    assert_eq!(counts, (1, 1, 5, 2));
    assert!(report.cancelled);
}

#[test]
fn a_verification_marks_a_refusal_and_counts_the_rest_as_not_verified() {
    let n = number("+14155550101", Some(AC1), None);
    let found = FoundNumber {
        api: Api::Twilio,
        phone_number: n.phone_number.clone(),
        provider_sid: "PN1".into(),
    };
    let ran = Ran {
        lines: vec![
            line(n.clone(), Sent::Done(found)),
            line(n.clone(), Sent::Failed(auth())),
            line(n.clone(), Sent::Failed(network())),
            line(n, Sent::NoClient(Arc::new("no secret".into()))),
        ],
        cancelled: false,
    };
    let report = VerifyReport::new(ran, &Words);
    let got = results((report.lines.iter()).map(|l| (l.result, l.detail.as_str())));
    let want = [
        ("ok", ""),
        (
            "auth refused",
            "provider: ProviderAuth; status set to error",
        ),
        ("failed", "provider: Offline"),
        ("not checked", "no client: no secret"),
    ];
    assert_eq!(got, results(want.into_iter()));
    assert_eq!((report.verified, report.failed), (1, 3));
}

#[test]
fn a_drift_check_sends_only_recorded_urls_and_counts_numbers_not_channels() {
    let both = number("+14155550101", Some(AC1), Some("https://a.example/v"));
    let fine = number("+14155550102", Some(AC1), Some("https://a.example/v"));
    let selection = DriftSelection::new(vec![
        both.clone(),
        number("+14155550103", Some(AC1), None),
        number("+14155550104", None, Some("https://a.example/v")),
        fine.clone(),
    ]);
    let sent: Vec<_> = selection.recorded.iter().map(|n| n.id).collect();
    assert_eq!(sent, [both.id, fine.id]);
    assert_eq!((selection.not_recorded, selection.no_account), (1, 1));

    let drifted = |url: &str| DriftStatus::Drifted {
        provider_url: Some(url.into()),
        on_record: "https://a.example/v".into(),
        owner: None,
    };
    let drift = |n: &PhoneNumber, voice, sms| Drift {
        phone_number: n.phone_number.clone(),
        voice,
        sms,
    };
    let ran = Ran {
        lines: vec![
            line(
                both.clone(),
                Sent::Done(drift(&both, drifted("https://b/v"), drifted("https://b/s"))),
            ),
            line(
                fine.clone(),
                Sent::Done(drift(&fine, DriftStatus::InSync, DriftStatus::NotRecorded)),
            ),
            line(fine.clone(), Sent::Failed(network())),
            line(fine.clone(), Sent::NoClient(Arc::new("no secret".into()))),
            line(fine, Sent::NotStarted),
        ],
        cancelled: false,
    };
    let report = DriftReport::new(&selection, ran, &Words);
    let channels: Vec<_> = (report.lines.iter())
        .map(|l| (l.line.result, l.channel, l.at_provider.as_deref()))
        .collect();
    assert_eq!(
        channels,
        [
            ("drifted", "voice", Some("https://b/v")),
            ("drifted", "sms", Some("https://b/s")),
            ("in sync", "", None),
            ("failed", "", None),
            ("not checked", "", None),
            ("not started", "", None),
        ]
    );
    assert_eq!(
        (report.drifted, report.in_sync),
        (1, 1),
        "numbers, not channels"
    );
    assert_eq!((report.failed, report.not_checked), (2, 3));
    assert_eq!((report.not_recorded, report.no_account), (1, 1));
}

#[test]
fn a_number_uses_only_an_account_added_to_its_organization() {
    let with = number("+14155550101", Some(AC1), None);
    let without = number("+14155550102", None, None);
    let mut added = AddedAccounts::default();
    added.insert(with.organization_id, "acme", Provider::Twilio, AC1);
    let (provider, account) = account_of(&with, &added).unwrap();
    assert_eq!((provider, account.as_str()), (Provider::Twilio, AC1));
    assert!(matches!(
        account_of(&without, &added),
        Err(ProviderFailure::NoAccount(n)) if n == without.phone_number
    ));
    let elsewhere = AddedAccounts::default();
    assert!(matches!(
        account_of(&with, &elsewhere),
        Err(ProviderFailure::NotAdded(e)) if e.account_id == AC1
    ));
}
