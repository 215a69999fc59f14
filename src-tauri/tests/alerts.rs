//! The app's thin layer over `switchboard_ops::alerts`: `alarm_counts` gives each
//! organization's count of numbers under a readiness alarm, and `alerts::raise` hands the window
//! its event even where no notification service answers (as under `cargo test`, or Xvfb): the
//! failed OS notification is only logged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::mpsc;
use std::time::Duration;

use switchboard_app::alerts;
use switchboard_app::state::AppState;
use switchboard_core::domain::{Metadata, NewNumber, NumberUpdate};
use switchboard_core::readiness::{Finding, Kind, Use, judge};
use switchboard_core::store::NumberRef;
use switchboard_ops::alerts::{Alert, AlertKind, AlertNumber};
use tauri::{Listener, Manager};

#[test]
fn alarm_counts_count_each_organizations_numbers_moving_away() {
    tauri::async_runtime::block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (app, org) = support::mock_app_with_acme(dir.path()).await;
        let state = app.state::<AppState>();
        let other = (state
            .run(|ws| ws.add_organization("globex", "Globex"))
            .await)
            .unwrap()
            .id;
        let moving = judge(&[Finding::new(Kind::PortOut, "ported-out")], Use::default());
        for (i, alarmed) in [true, false, true].into_iter().enumerate() {
            let new = NewNumber {
                provider: "telnyx".into(),
                number: format!("+1415555010{i}"),
                ..NewNumber::default()
            };
            let patch = Metadata::readiness_patch(&moving);
            state
                .run(move |ws| {
                    let n = ws.add_number(org, new.validate()?)?;
                    if alarmed {
                        let change = NumberUpdate {
                            metadata_patch: Some(patch),
                            ..NumberUpdate::default()
                        };
                        ws.update_number(&NumberRef::Id(n.id), Some(org), &change)?;
                    }
                    Ok(())
                })
                .await
                .unwrap();
        }
        let mut counts = alerts::alarm_counts(app.state()).await.unwrap();
        counts.sort_by_key(|c| c.count);
        let counted: Vec<(String, u32)> = (counts.into_iter())
            .map(|c| (c.organization_id, c.count))
            .collect();
        assert_eq!(counted, [(other.to_string(), 0), (org.to_string(), 2)]);
    });
}

#[test]
fn an_alert_reaches_the_window_when_no_notification_service_answers() {
    let app = tauri::test::mock_builder()
        .plugin(tauri_plugin_notification::init())
        .build(tauri::test::mock_context(tauri::test::noop_assets()))
        .expect("the app builds");
    let (tx, rx) = mpsc::channel();
    app.listen(switchboard_app::events::ALERT, move |e| {
        tx.send(e.payload().to_owned()).unwrap();
    });
    let alert = Alert {
        kind: AlertKind::Alarm,
        organization_id: "org-1".into(),
        title: "1 number is moving away from Acme".into(),
        body: "1 number of Acme is being ported away, or was: +14155550100.".into(),
        numbers: vec![AlertNumber {
            id: "n1".into(),
            phone_number: "+14155550100".into(),
        }],
    };
    alerts::raise(app.handle(), &alert);
    let got: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(5)).unwrap()).unwrap();
    assert_eq!(got["kind"], "alarm");
    assert_eq!(got["title"], alert.title);
    assert_eq!(got["numbers"][0]["phoneNumber"], "+14155550100");
}
