//! The team workspace answers like the local one: the same operations, results and errors,
//! as a manager under row-level security.

mod common;

use std::collections::HashSet;

use common::{World, valid};
use switchboard_core::domain::{Capability, Metadata, NumberType, NumberUpdate, Status};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort, SortField};
use switchboard_core::readiness::{Finding, Kind, State, Use, judge};
use switchboard_core::store::NumberRef;
use switchboard_core::{Error, ErrorCode};

#[tokio::test]
async fn numbers_are_added_read_updated_and_removed() {
    let w = World::new().await;
    let added = w
        .alice
        .add_number(w.acme, valid("+1 (415) 555-1234"))
        .await
        .unwrap();
    assert_eq!(added.phone_number.as_str(), "+14155551234");
    assert_eq!(added.organization_id, w.acme);
    assert_eq!(added.status, Status::Active);

    let e = w
        .alice
        .add_number(w.acme, valid("+14155551234"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Duplicate);
    assert_eq!(e.to_string(), "+14155551234 already exists in acme");

    let by_number = w
        .alice
        .number(&NumberRef::parse("+14155551234").unwrap(), Some(w.acme))
        .await
        .unwrap();
    assert_eq!(by_number, added);

    let change = NumberUpdate {
        friendly_name: Some(Some("  Front desk ".into())),
        status: Some(Status::Inactive),
        metadata_patch: Some(
            Metadata::patch_from_json(r#"{"capabilities":{"sms":true},"region":"US"}"#).unwrap(),
        ),
        ..Default::default()
    };
    let updated = w
        .alice
        .update_number(&NumberRef::Id(added.id), None, &change)
        .await
        .unwrap();
    assert_eq!(updated.friendly_name.as_deref(), Some("Front desk"));
    assert_eq!(updated.status, Status::Inactive);
    let caps = updated.capabilities();
    assert!(
        caps.voice && caps.sms,
        "the patch merged into the metadata: {caps:?}"
    );
    assert_eq!(updated.metadata.as_ref().unwrap().region(), Some("US"));
    assert!(updated.updated_at > added.updated_at);

    let bad = NumberUpdate {
        metadata_patch: Some(Metadata::patch_from_json(r#"{"region":{"x":1}}"#).unwrap()),
        ..Default::default()
    };
    let e = w
        .alice
        .update_number(&NumberRef::Id(added.id), None, &bad)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");

    let removed = w
        .alice
        .remove_number(&NumberRef::Id(added.id), None)
        .await
        .unwrap();
    assert_eq!(removed.id, added.id);
    let e = w
        .alice
        .remove_number(&NumberRef::Id(added.id), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    let e = w
        .alice
        .update_number(&NumberRef::Id(added.id), None, &change)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn organizations_and_agents() {
    let w = World::new().await;
    let e = w
        .alice
        .add_organization("initech", "Initech")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::NotAllowed,
        "a manager may not add organizations: {e}"
    );
    assert_eq!(w.alice.organization("acme").await.unwrap().id, w.acme);
    assert_eq!(
        w.alice
            .organization(&w.acme.to_string())
            .await
            .unwrap()
            .slug,
        "acme"
    );

    let ava = w.alice.add_agent(w.acme, " Ava ").await.unwrap();
    assert_eq!(ava.name, "Ava");
    let e = w.alice.add_agent(w.acme, "Ava").await.unwrap_err();
    assert_eq!(e.to_string(), "agent \"Ava\" already exists in acme");
    assert_eq!(w.alice.agent(w.acme, "Ava").await.unwrap(), ava);
    assert_eq!(
        w.alice.agent(w.acme, &ava.id.to_string()).await.unwrap(),
        ava
    );
    let names: Vec<String> = w
        .alice
        .agents(w.acme)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Acme Agent", "Ava"]);
    assert_eq!(
        w.alice
            .agent(w.acme, "Globex Agent")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn search_filters_and_pages() {
    let w = World::new().await;
    for i in 0..25 {
        let mut v = valid(&format!("+1415555{:04}", 2000 + i));
        v.friendly_name = Some(format!("Line {i:02}"));
        if i % 2 == 0 {
            v.metadata = None;
        }
        w.alice.add_number(w.acme, v).await.unwrap();
    }
    let count = |f: NumberFilter| {
        let alice = &w.alice;
        async move { alice.count_numbers(&f).await }
    };
    let org = || NumberFilter::org(w.acme);
    assert_eq!(count(org()).await.unwrap(), 28);
    assert_eq!(count(org().search("(415) 555-201")).await.unwrap(), 10);
    assert_eq!(count(org().search("LINE 1")).await.unwrap(), 10);
    assert_eq!(
        count(org().search("50%_")).await.unwrap(),
        1,
        "wildcards are literal"
    );
    assert_eq!(count(org().search("5%")).await.unwrap(), 0);
    let mut voice_sms = org();
    voice_sms.capabilities = vec![Capability::Voice, Capability::Sms];
    assert_eq!(count(voice_sms).await.unwrap(), 1);
    let mut voice = org();
    voice.capabilities = vec![Capability::Voice];
    assert_eq!(count(voice).await.unwrap(), 2 + 12);
    let mut germany = org();
    germany.country = Some("DE".into());
    assert_eq!(count(germany).await.unwrap(), 1);
    let mut us = org();
    us.country = Some("US".into());
    let e = count(us).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "country"),
        "{e}"
    );
    let mut mobile = org();
    mobile.number_type = Some(NumberType::Mobile);
    assert_eq!(
        count(mobile).await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let mut inactive = org();
    inactive.status = Some(Status::Inactive);
    assert_eq!(count(inactive).await.unwrap(), 0);

    // Readiness as ops keeps it in metadata: the filter finds exactly the judged numbers, on
    // list and count, alone and with another filter.
    let judged = |findings: &[Finding]| judge(findings, Use::default());
    let blocked = judged(&[Finding::new(Kind::PortOut, "port-out-pending")]);
    let attention = judged(&[Finding::new(Kind::RegulatoryBundle, "in-review")]);
    for (i, r) in [(2001, &blocked), (2002, &blocked), (2003, &attention)] {
        let change = NumberUpdate {
            metadata_patch: Some(Metadata::readiness_patch(r)),
            ..Default::default()
        };
        let n = NumberRef::parse(&format!("+1415555{i}")).unwrap();
        w.alice
            .update_number(&n, Some(w.acme), &change)
            .await
            .unwrap();
    }
    let with = |state| {
        let mut f = org();
        f.readiness = Some(state);
        f
    };
    assert_eq!(count(with(State::Blocked)).await.unwrap(), 2);
    assert_eq!(count(with(State::Attention)).await.unwrap(), 1);
    assert_eq!(
        count(with(State::Ready)).await.unwrap(),
        0,
        "never judged is not ready"
    );
    let mut blocked_named = with(State::Blocked).search("Line 01");
    blocked_named.status = Some(Status::Active);
    assert_eq!(count(blocked_named).await.unwrap(), 1);
    let q = NumberQuery::first(with(State::Blocked), Sort::default(), 10).unwrap();
    let listed: Vec<String> = (w.alice.list_numbers(&q).await.unwrap().items.iter())
        .map(|n| n.phone_number.to_string())
        .collect();
    assert_eq!(listed, ["+14155552001", "+14155552002"]);

    // Every sort, both directions: pages of 4 cover every row once, in order.
    for field in [
        SortField::Number,
        SortField::FriendlyName,
        SortField::Created,
        SortField::Updated,
    ] {
        for descending in [false, true] {
            let mut q = NumberQuery::first(org(), Sort { field, descending }, 4).unwrap();
            let mut seen = Vec::new();
            loop {
                let page = w.alice.list_numbers(&q).await.unwrap();
                assert!(page.items.len() <= 4);
                seen.extend(page.items);
                match page.next {
                    Some(next) => q.after = Some(next),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 28, "{field:?} {descending}");
            let ids: HashSet<_> = seen.iter().map(|n| n.id).collect();
            assert_eq!(ids.len(), 28, "no row twice: {field:?} {descending}");
            if field == SortField::Number {
                let numbers: Vec<_> = seen.iter().map(|n| n.phone_number.to_string()).collect();
                let mut sorted = numbers.clone();
                sorted.sort();
                if descending {
                    sorted.reverse();
                }
                // The database's collation may order '+' and digits like this or not; the
                // pages must at least agree with one full listing.
                let all = w
                    .alice
                    .list_numbers(
                        &NumberQuery::first(org(), Sort { field, descending }, 100).unwrap(),
                    )
                    .await
                    .unwrap();
                let full: Vec<_> = all
                    .items
                    .iter()
                    .map(|n| n.phone_number.to_string())
                    .collect();
                assert_eq!(numbers, full);
            }
        }
    }

    let bad = NumberQuery {
        after: Some(switchboard_core::query::Cursor("[1,2]".into())),
        ..NumberQuery::first(org(), Sort::default(), 4).unwrap()
    };
    assert_eq!(
        w.alice.list_numbers(&bad).await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );

    let mut exported = Vec::new();
    let n = w
        .alice
        .for_each_number(w.acme, |number| {
            exported.push(number.phone_number.to_string());
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(n, 28);
    assert_eq!(exported.len(), 28);
}

#[tokio::test]
async fn the_bulk_loader_copies_rows_an_administrator_gives() {
    let w = World::new().await;
    let admin = common::settings(&w.admin).admin_pool().await.unwrap();
    let now = switchboard_core::store::now();
    let rows: Vec<_> = (0..2500)
        .map(|i| {
            let v = valid(&format!("+1212555{:04}", i));
            switchboard_core::domain::PhoneNumber {
                id: uuid::Uuid::now_v7(),
                organization_id: w.acme,
                provider: v.provider,
                phone_number: v.phone_number,
                friendly_name: Some(format!("Tab\there {i}")),
                credentials: v.credentials,
                metadata: v.metadata,
                agent_id: (i % 3 == 0).then_some(w.acme_agent),
                webhook_configured: false,
                webhook_url: None,
                status: Status::Active,
                created_at: now,
                updated_at: now,
                last_verified_at: None,
            }
        })
        .collect();
    let copied = switchboard_postgres::bulk::copy_numbers(&admin, &rows)
        .await
        .unwrap();
    assert_eq!(copied, 2500);
    assert_eq!(
        w.alice
            .count_numbers(&NumberFilter::org(w.acme))
            .await
            .unwrap(),
        2503
    );
    let one = w
        .alice
        .number(&NumberRef::Id(rows[3].id), None)
        .await
        .unwrap();
    assert_eq!(one, rows[3], "every field round-trips through COPY");

    // A duplicate anywhere loads nothing.
    let again = switchboard_postgres::bulk::copy_numbers(&admin, &rows[..1])
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::Duplicate, "{again}");
    assert_eq!(
        w.alice
            .count_numbers(&NumberFilter::org(w.acme))
            .await
            .unwrap(),
        2503
    );
}
