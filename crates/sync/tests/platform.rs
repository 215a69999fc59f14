//! Sync on the web platform's own database (issue #14): a manager granted as a platform user
//! copies exactly that user's organizations, follows what the web app writes, and replays
//! offline edits that the web app's users then see.

mod common;

use common::{Manager, World, file_bytes};
use switchboard_core::domain::{NewNumber, NumberUpdate};
use switchboard_core::store::NumberRef;
use switchboard_postgres::migrate::{Migrated, migrate_any};
use switchboard_postgres::platform::{self, PlatformGrant};
use switchboard_test_postgres::supabase::{Platform, web_request};
use uuid::Uuid;

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("uuid")
}

#[test]
fn a_platform_users_manager_syncs_their_organizations_and_replays_offline_edits() {
    let p = Platform::start().expect("the platform's database starts");
    let alice = p.add_user("alice@acme.example").unwrap();
    let carol = p.add_user("carol@acme.example").unwrap();
    let bob = p.add_user("bob@globex.example").unwrap();
    let acme = p.add_organization("acme", "Acme").unwrap();
    let initech = p.add_organization("initech", "Initech").unwrap();
    let globex = p.add_organization("globex", "Globex").unwrap();
    for (user, org) in [
        (&alice, &acme),
        (&alice, &initech),
        (&carol, &acme),
        (&bob, &globex),
    ] {
        p.add_member(user, org).unwrap();
    }
    // The web app's numbers and agents, one of them with a secret in its credentials.
    for (user, org, prefix) in [
        (&alice, &acme, "+1415200"),
        (&alice, &initech, "+1646555"),
        (&bob, &globex, "+4420718"),
    ] {
        p.web(
            user,
            &format!(
                "INSERT INTO agents (organization_id, name) VALUES ('{org}', 'Ava');
                 INSERT INTO phone_numbers (organization_id, provider, phone_number,
                                            friendly_name, credentials, metadata)
                 SELECT '{org}', 'twilio', '{prefix}' || lpad(g::text, 4, '0'), 'Line ' || g,
                        '{{\"accountSid\": \"AC0123456789abcdef0123456789abcdef\"}}',
                        '{{\"capabilities\": {{\"voice\": true}}}}'
                 FROM generate_series(1, 12) g"
            ),
            true,
        )
        .expect("the web app writes");
    }
    p.web(
        &carol,
        "UPDATE phone_numbers SET credentials = credentials || '{\"authToken\": \"web-secret-1\"}'
         WHERE phone_number = '+14152000012'",
        true,
    )
    .unwrap();

    let rt = switchboard_sync::runtime().expect("runtime");
    let admin = p.admin_url();
    let migrated = rt
        .block_on(migrate_any(&common::settings(&admin)))
        .expect("db migrate beside the platform");
    assert!(
        matches!(migrated, Migrated::BesidePlatform(_)),
        "{migrated:?}"
    );
    let mut managers = Vec::new();
    for (role, user, org) in [
        ("alice_m", &alice, "acme"),
        ("carol_m", &carol, "acme"),
        ("bob_m", &bob, "globex"),
    ] {
        let password = format!("{role}-pw");
        rt.block_on(platform::grant(
            &common::settings(&admin),
            &PlatformGrant {
                role: role.into(),
                organization: org.into(),
                user: user.clone(),
            },
            || Ok(password.clone()),
        ))
        .expect("grant");
        managers.push(Manager {
            role: role.into(),
            url: p.cluster.url_for(role, &password),
        });
    }
    let authenticator = p.authenticator_url().to_owned();
    let Platform { cluster, .. } = p;
    let w = World {
        cluster,
        rt,
        admin,
        bob: managers.pop().unwrap(),
        carol: managers.pop().unwrap(),
        alice: managers.pop().unwrap(),
        acme: id(&acme),
        initech: id(&initech),
        globex: id(&globex),
        dir: tempfile::tempdir().unwrap(),
    };
    let web = |user: &str, sql: &str| {
        web_request(&w.cluster, &authenticator, user, sql, true).expect("web request")
    };

    // The first sync copies acme and initech, alice's organizations on the platform.
    let mut cache = w.cache(&w.alice);
    w.sync(&w.alice, &mut cache);
    w.assert_mirrors_dropping_secrets(&cache, &[w.acme, w.initech]);
    assert!(
        !String::from_utf8_lossy(&file_bytes(&w.cache_path(&w.alice))).contains("web-secret-1"),
        "the web app's secret never reaches the cache"
    );

    // The web app edits, adds and deletes; the next sync follows.
    web(
        &carol,
        "UPDATE phone_numbers SET friendly_name = 'Renamed on the web'
         WHERE phone_number = '+14152000001';
         INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
         SELECT id, 'twilio', '+14152000099', '{}' FROM organizations WHERE slug = 'acme';
         DELETE FROM phone_numbers WHERE phone_number = '+14152000002'",
    );
    let report = w.sync(&w.alice, &mut cache);
    assert_eq!((report.changed, report.deleted), (2, 1), "{report:?}");
    w.assert_mirrors_dropping_secrets(&cache, &[w.acme, w.initech]);

    // Offline edits replay; the web app's users of acme see them, globex's do not.
    let added = cache
        .queue_add(
            w.acme,
            NewNumber {
                provider: "twilio".into(),
                number: "+14153000002".into(),
                friendly_name: Some("Added offline".into()),
                ..NewNumber::default()
            }
            .validate()
            .unwrap(),
        )
        .expect("queued add");
    cache
        .queue_update(
            &NumberRef::parse("+14152000003").unwrap(),
            Some(w.acme),
            &NumberUpdate {
                friendly_name: Some(Some("Updated offline".into())),
                ..NumberUpdate::default()
            },
        )
        .expect("queued update");
    cache
        .queue_remove(&NumberRef::parse("+14152000004").unwrap(), Some(w.acme))
        .expect("queued remove");
    let report = w.sync(&w.alice, &mut cache);
    assert_eq!((report.replayed, report.conflicts), (3, 0), "{report:?}");
    assert!(cache.outbox().unwrap().is_empty());
    w.assert_mirrors_dropping_secrets(&cache, &[w.acme, w.initech]);
    let names = |user: &str| {
        web(
            user,
            "SELECT coalesce(string_agg(phone_number || '=' || coalesce(friendly_name, ''), ','
                                        ORDER BY phone_number), '')
             FROM phone_numbers WHERE phone_number IN ('+14153000002', '+14152000003',
                                                      '+14152000004')",
        )
    };
    assert_eq!(
        names(&carol),
        "+14152000003=Updated offline,+14153000002=Added offline"
    );
    assert_eq!(names(&bob), "");
    assert_eq!(
        web(
            &carol,
            &format!(
                "SELECT count(*) FROM phone_numbers WHERE id = '{}'",
                added.id
            )
        ),
        "1"
    );

    // A row the web app wrote that the cache cannot hold (a provider Switchboard does not
    // know, a number that is not E.164) is skipped and reported, never a stop.
    web(
        &carol,
        "INSERT INTO phone_numbers (organization_id, provider, phone_number, credentials)
         SELECT id, 'sinch', '0800 FLOWERS', '{}' FROM organizations WHERE slug = 'acme'",
    );
    let report = w.sync(&w.alice, &mut cache);
    assert_eq!(report.skipped, 1, "{report:?}");
    let acme_total = cache
        .count_numbers(&switchboard_core::query::NumberFilter::org(w.acme))
        .unwrap();
    assert_eq!(
        acme_total.to_string(),
        web(
            &carol,
            "SELECT count(*) - 1 FROM phone_numbers WHERE organization_id IN (SELECT id FROM organizations WHERE slug = 'acme')"
        )
    );

    // Bob's manager copies globex only.
    let mut bobs = w.cache(&w.bob);
    w.sync(&w.bob, &mut bobs);
    w.assert_mirrors_dropping_secrets(&bobs, &[w.globex]);
}
