//! What the shells send, translated into core's types once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_core::ErrorCode;
use switchboard_core::domain::{NumberType, Status};
use switchboard_core::query;
use switchboard_ops::input::{AgentFilter, NumberChange, NumberFilter, into_update};
use switchboard_ops::{Target, open};
use uuid::Uuid;

fn filter(org: &str, agent: Option<AgentFilter>) -> NumberFilter {
    NumberFilter {
        organization_id: org.into(),
        search: Some("415".into()),
        provider: None,
        status: None,
        agent,
        capabilities: Vec::new(),
        country: Some(" us ".into()),
        readiness: None,
        needs_attention: false,
        number_type: Some(NumberType::TollFree),
        alarm: None,
    }
}

#[test]
fn changes_fold_into_one_update() {
    let agent = Uuid::new_v4().to_string();
    let u = into_update(&[
        NumberChange::FriendlyName(None),
        NumberChange::Status(Status::Inactive),
        NumberChange::Agent(Some(agent.clone())),
    ])
    .expect("valid");
    assert_eq!(u.friendly_name, Some(None));
    assert_eq!(u.status, Some(Status::Inactive));
    assert_eq!(u.agent_id.flatten().map(|a| a.to_string()), Some(agent));
    let e = into_update(&[NumberChange::Agent(Some("bob".into()))]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

#[test]
fn changes_deserialize_from_the_ui_shape() {
    let c: Vec<NumberChange> = serde_json::from_str(
        r#"[{"field":"friendlyName","value":"Support"},{"field":"agent","value":null},
            {"field":"capabilities","value":{"voice":true,"sms":false,"mms":false,"fax":false}}]"#,
    )
    .expect("parses");
    assert_eq!(c[0], NumberChange::FriendlyName(Some("Support".into())));
    assert_eq!(c[1], NumberChange::Agent(None));
}

#[test]
fn a_filter_by_ids_checks_them() {
    let org = Uuid::new_v4();
    let agent = Uuid::new_v4();
    let f = filter(
        &org.to_string(),
        Some(AgentFilter::Assigned(agent.to_string())),
    )
    .into_core()
    .expect("valid");
    assert_eq!(f.organization_id, org);
    assert_eq!(f.agent, Some(query::AgentFilter::Assigned(agent)));
    assert_eq!(f.country.as_deref(), Some("US"));
    assert_eq!(f.number_type, Some(NumberType::TollFree));
    let e = filter("not-an-id", None).into_core().unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let e = filter(&org.to_string(), Some(AgentFilter::Assigned("Ava".into())))
        .into_core()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_filter_by_names_resolves_them_in_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let inv = open(Target::Local(dir.path().join("workspace.db")))
        .await
        .unwrap();
    let org = inv.add_organization("acme", "Acme").await.unwrap();
    let ava = inv.add_agent(org.id, "Ava").await.unwrap();
    let f = filter("acme", Some(AgentFilter::Assigned("Ava".into())))
        .resolve(&*inv)
        .await
        .expect("resolves");
    assert_eq!(f.organization_id, org.id);
    assert_eq!(f.agent, Some(query::AgentFilter::Assigned(ava.id)));
    assert_eq!(f.country.as_deref(), Some("US"));
    assert_eq!(f.number_type, Some(NumberType::TollFree));
    let f = filter(&org.id.to_string(), Some(AgentFilter::Unassigned))
        .resolve(&*inv)
        .await
        .expect("an id resolves too");
    assert_eq!(f.agent, Some(query::AgentFilter::Unassigned));
    let e = filter("acme", Some(AgentFilter::Assigned("Bob".into())))
        .resolve(&*inv)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

#[test]
fn an_agent_named_none_in_any_case_means_unassigned() {
    assert_eq!(AgentFilter::named(" None "), AgentFilter::Unassigned);
    assert_eq!(AgentFilter::named("none"), AgentFilter::Unassigned);
    assert_eq!(
        AgentFilter::named("Nonesuch"),
        AgentFilter::Assigned("Nonesuch".into())
    );
}
