//! The commands' path without the webview: DTOs in, one core call on the blocking pool through
//! `AppState`, DTOs and typed errors out — against a real workspace file.

use switchboard_app::dto::{self, NewNumber, NumberChange, NumberFilter, NumberQuery, SortField};
use switchboard_app::error::{AppError, ErrorCode};
use switchboard_app::state::AppState;
use switchboard_core::store::NumberRef;

fn filter(org: &str, search: Option<&str>) -> NumberFilter {
    NumberFilter {
        organization_id: org.into(),
        search: search.map(str::to_owned),
        provider: None,
        status: None,
        agent: None,
        capabilities: Vec::new(),
        country: None,
        readiness: None,
        needs_attention: false,
        number_type: None,
        alarm: None,
    }
}

#[test]
fn a_managers_first_minutes() {
    tauri::async_runtime::block_on(first_minutes());
}

async fn first_minutes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::open(&dir.path().join("nested/workspace.db")).expect("opens");
    let report = state
        .run(|ws| switchboard_core::seed::seed(ws, "demo", 500, |_, _| {}))
        .await
        .expect("seeds");
    let org = report.organization.id.to_string();

    // The first page and the count, through the DTOs the UI sends.
    let q = NumberQuery {
        filter: filter(&org, None),
        sort: SortField::Number,
        descending: false,
        limit: 100,
        after: None,
    }
    .into_core()
    .expect("valid query");
    let page: dto::NumberPage = state
        .run(move |ws| ws.list_numbers(&q))
        .await
        .expect("lists")
        .into();
    assert_eq!(page.items.len(), 100);
    assert!(page.next.is_some());
    assert!(
        page.items
            .windows(2)
            .all(|w| w[0].phone_number < w[1].phone_number)
    );
    let f = filter(&org, None).into_core().expect("valid filter");
    let total = state.inventory().count_numbers(&f).await.expect("counts");
    assert_eq!(total, 500);

    // Add: a bad number is InvalidNumber with the reason; a good one shows formatted.
    let bad = NewNumber {
        provider: dto::Provider::Twilio,
        number: "+1 555".into(),
        region: None,
        friendly_name: None,
        status: None,
        capabilities: None,
        agent_id: None,
    };
    let input = bad.clone().into_core().expect("shape ok");
    let o = report.organization.id;
    let e = state
        .run(move |ws| ws.add_number(o, input.validate()?))
        .await
        .expect_err("refused");
    assert_eq!(e.code, ErrorCode::InvalidNumber);
    assert!(e.message.contains("too short"), "{}", e.message);

    let good = NewNumber {
        number: "020 7946 0018".into(),
        region: Some("GB".into()),
        friendly_name: Some("London desk".into()),
        capabilities: Some(dto::Capabilities {
            voice: true,
            sms: false,
            mms: false,
            fax: true,
        }),
        ..bad
    };
    let input = good.clone().into_core().expect("shape ok");
    let added: dto::PhoneNumber = state
        .run(move |ws| ws.add_number(o, input.validate()?))
        .await
        .expect("adds")
        .into();
    assert_eq!(added.phone_number, "+442079460018");
    assert_eq!(added.display, "+44 20 7946 0018");
    assert_eq!(added.country.as_deref(), Some("GB"));
    assert!(added.capabilities.fax && !added.capabilities.sms);

    // Twice is Duplicate.
    let input = good.into_core().expect("shape ok");
    let e = state
        .run(move |ws| ws.add_number(o, input.validate()?))
        .await
        .expect_err("duplicate");
    assert_eq!(e.code, ErrorCode::Duplicate);

    // Search finds it by digits and by name.
    for text in ["79460018", "london"] {
        let q = NumberQuery {
            filter: filter(&org, Some(text)),
            sort: SortField::Number,
            descending: false,
            limit: 10,
            after: None,
        }
        .into_core()
        .expect("valid");
        let page = state
            .run(move |ws| ws.list_numbers(&q))
            .await
            .expect("searches");
        assert!(
            page.items
                .iter()
                .any(|n| n.phone_number.as_str() == "+442079460018"),
            "{text}"
        );
    }

    // Edit and assign in one update; an unknown agent is NotFound and changes nothing.
    let agents = state.run(move |ws| ws.agents(o)).await.expect("agents");
    let id = uuid::Uuid::parse_str(&added.id).expect("uuid");
    let update = dto::into_update(&[
        NumberChange::FriendlyName(Some("Reception".into())),
        NumberChange::Status(dto::Status::Inactive),
        NumberChange::Agent(Some(agents[0].id.to_string())),
    ])
    .expect("valid");
    let n: dto::PhoneNumber = state
        .run(move |ws| ws.update_number(&NumberRef::Id(id), None, &update))
        .await
        .expect("updates")
        .into();
    assert_eq!(n.friendly_name.as_deref(), Some("Reception"));
    assert_eq!(n.status, dto::Status::Inactive);
    assert_eq!(n.agent_id, Some(agents[0].id.to_string()));
    let update = dto::into_update(&[NumberChange::Agent(Some(uuid::Uuid::new_v4().to_string()))])
        .expect("valid");
    let e = state
        .run(move |ws| ws.update_number(&NumberRef::Id(id), None, &update))
        .await
        .expect_err("unknown agent");
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[test]
fn malformed_ids_are_invalid_input() {
    let e = AppError::from(filter("not-an-id", None).into_core().expect_err("refused"));
    assert_eq!(e.code, ErrorCode::InvalidInput);
}
