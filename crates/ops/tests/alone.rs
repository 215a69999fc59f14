//! A number named alone (`numbers verify ID`): what kept it from being sent, no client for its
//! account, or the provider's failure is the action's failure; any other end is reported.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchboard_core::domain::{NewNumber, PhoneNumber};
use switchboard_core::store::AccountNotAdded;
use switchboard_ops::numbers_at_provider::{Alone, Line, Ran, Sent};
use switchboard_ops::providers::client::ProviderFailure;
use switchboard_providers::ProviderError;
use switchboard_providers::error::{Api, Subject};
use uuid::Uuid;

fn number() -> PhoneNumber {
    let new = NewNumber {
        provider: "twilio".into(),
        number: "+14155550101".into(),
        ..NewNumber::default()
    };
    let valid = new.validate().unwrap();
    valid.into_record(Uuid::now_v7(), switchboard_core::store::now())
}

fn alone(sent: Sent<(), String>) -> Result<Ran<(), String>, Alone<String>> {
    let lines = vec![Line {
        number: number(),
        sent,
    }];
    let ran = Ran {
        lines,
        cancelled: false,
    };
    ran.alone()
}

#[test]
fn a_number_named_alone_fails_the_action_unless_it_was_answered_or_not_started() {
    let refused = alone(Sent::NoAccount).unwrap_err();
    assert!(
        matches!(&refused, Alone::Refused(ProviderFailure::NoAccount(n)) if n.to_string() == "+14155550101"),
        "{refused:?}"
    );
    let e = AccountNotAdded {
        provider: switchboard_core::domain::Provider::Twilio,
        account_id: "AC1".into(),
        organization_id: Uuid::now_v7(),
        organization: "acme".into(),
    };
    let refused = alone(Sent::NotAdded(e)).unwrap_err();
    assert!(
        matches!(&refused, Alone::Refused(ProviderFailure::NotAdded(e)) if e.account_id == "AC1"),
        "{refused:?}"
    );
    let no_client = alone(Sent::NoClient(Arc::new("no secret".into()))).unwrap_err();
    assert!(
        matches!(&no_client, Alone::NoClient(e) if e == "no secret"),
        "{no_client:?}"
    );
    let failed = ProviderError::Network {
        api: Api::Twilio,
        subject: Subject::Number("+14155550101".into()),
        reason: "timed out".into(),
    };
    let failed = alone(Sent::Failed(failed)).unwrap_err();
    assert!(matches!(failed, Alone::Failed(_)), "{failed:?}");

    for sent in [Sent::Done(()), Sent::NotStarted] {
        let ran = alone(sent).unwrap();
        assert_eq!(ran.lines.len(), 1, "reported, not failed");
    }
    // A reason shared with another line stays a line.
    let shared = Arc::new(String::from("no secret"));
    let mut ran: Ran<(), String> = Ran {
        lines: vec![Line {
            number: number(),
            sent: Sent::NoClient(shared.clone()),
        }],
        cancelled: false,
    };
    ran = ran.alone().unwrap();
    assert!(matches!(ran.lines[0].sent, Sent::NoClient(_)));
    drop(shared);
}
