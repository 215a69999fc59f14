//! Twilio (and SignalWire through the Twilio client).

use std::time::{Duration, Instant};

use switchboard_core::domain::Capabilities;
use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, Faults, creds};
use switchboard_providers::flows::{self, BulkOptions};
use switchboard_providers::model::{
    Confirmed, DriftStatus, NumberRef, ObjectKind, ObjectRef, SharedPolicy, WebhookChange,
};
use switchboard_providers::twilio::{
    AvailableSearch, TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint,
};
use switchboard_providers::{Api, ProviderClient, ProviderError};
use tokio_util::sync::CancellationToken;

use super::*;

fn client_at(base: &str, auth: TwilioAuth) -> ProviderClient {
    client_with(base, auth, &fast())
}

pub(super) fn client_with(base: &str, auth: TwilioAuth, settings: &HttpSettings) -> ProviderClient {
    ProviderClient::Twilio(
        TwilioClient::new(
            TwilioCredentials {
                account_sid: creds::TWILIO_ACCOUNT_SID.into(),
                auth,
            },
            TwilioEndpoint::Twilio {
                base_url: Some(base.to_owned()),
            },
            settings,
        )
        .unwrap(),
    )
}

pub(super) fn token() -> TwilioAuth {
    TwilioAuth::AuthToken(secret(creds::TWILIO_AUTH_TOKEN))
}

pub(super) fn client(f: &FakeProviders) -> ProviderClient {
    client_at(&f.base_url(FakeKind::Twilio), token())
}

/// `GET` of a path (with its query) on the Twilio fake with the account's credentials, as JSON.
pub(super) async fn fake_get(f: &FakeProviders, path: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{}{path}", f.base_url(FakeKind::Twilio)))
        .basic_auth(creds::TWILIO_ACCOUNT_SID, Some(creds::TWILIO_AUTH_TOKEN))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn verify_with_auth_token_api_key_bad_token_and_no_network() {
    let f = fakes(FakeConfig::default()).await;
    let info = client(&f).verify().await.unwrap();
    assert_eq!(info.account_id, creds::TWILIO_ACCOUNT_SID);
    assert_eq!(info.status.as_deref(), Some("active"));
    assert_eq!(info.method, "GET /Accounts/{Sid}.json");

    let key = TwilioAuth::ApiKey {
        sid: creds::TWILIO_API_KEY_SID.into(),
        secret: secret(creds::TWILIO_API_KEY_SECRET),
    };
    let info = client_at(&f.base_url(FakeKind::Twilio), key)
        .verify()
        .await
        .unwrap();
    assert!(info.method.contains("IncomingPhoneNumbers.json?PageSize=1"));

    let bad = client_at(
        &f.base_url(FakeKind::Twilio),
        TwilioAuth::AuthToken(secret("wrong-token-value")),
    );
    let e = bad.verify().await.unwrap_err();
    assert_auth_error(&e, "wrong-token-value");
    assert_eq!(e.provider_code(), Some("20003"));
    assert!(e.to_string().contains(creds::TWILIO_ACCOUNT_SID), "{e}");
    assert!(!format!("{bad:?}").contains("wrong-token-value"));

    let e = client_at(&dead_url().await, token())
        .verify()
        .await
        .unwrap_err();
    assert_network_error(&e);
}

#[tokio::test]
async fn lists_every_page_with_progress_and_maps_metadata() {
    let f = fakes(FakeConfig {
        twilio_numbers: 2_345,
        ..FakeConfig::default()
    })
    .await;
    let (listing, progress) = list_all(&client(&f)).await;
    assert_eq!(listing.numbers.len(), 2_345);
    assert!(listing.skipped.is_empty());
    assert_eq!(listing.pages, 3);
    assert_eq!(
        progress.iter().map(|p| p.fetched).collect::<Vec<_>>(),
        vec![1000, 2000, 2345]
    );
    let distinct: std::collections::HashSet<_> = listing
        .numbers
        .iter()
        .map(|n| n.phone_number.clone())
        .collect();
    assert_eq!(distinct.len(), 2_345);
    let first = &listing.numbers[0];
    assert!(first.provider_sid.starts_with("PN"));
    let m = first.metadata();
    assert_eq!(m.provider_sid(), Some(first.provider_sid.as_str()));
    assert_eq!(m.area_code(), Some("415"));
    assert!(m.capabilities().voice);
    // Requests: three pages, the later ones by next_page_uri, and the one SMS application its
    // numbers share, once.
    let reqs = f.faults(FakeKind::Twilio).requests();
    let pages = (reqs.iter()).filter(|r| r.path.ends_with("/IncomingPhoneNumbers.json"));
    assert_eq!(pages.count(), 3);
    assert_eq!(reqs.len(), 3 + 1, "{reqs:?}");
}

#[tokio::test]
async fn listing_stops_when_cancelled() {
    let f = fakes(FakeConfig {
        twilio_numbers: 3_000,
        ..FakeConfig::default()
    })
    .await;
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let stop_after_first = move |_p: ListProgress| c2.cancel();
    let e = client(&f)
        .list_numbers(&stop_after_first, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Cancelled { .. }), "{e:?}");
    assert_eq!(f.faults(FakeKind::Twilio).request_count(), 1);
}

#[tokio::test]
async fn webhooks_read_resolve_applications_and_set_detaches() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let (listing, _) = list_all(&c).await;
    // Every tenth number of the fake uses application AP… for voice.
    let on_app = listing.numbers[9].to_ref();
    let state = c.webhooks(&on_app).await.unwrap();
    let voice = state.voice.as_ref().unwrap();
    assert_eq!(voice.owner.object.kind, ObjectKind::TwilioApplication);
    assert_eq!(voice.url.as_deref(), Some("https://ivr.example.com/voice"));
    assert_eq!(
        state.sms.as_ref().unwrap().owner.object.kind,
        ObjectKind::Number
    );

    let change = WebhookChange::both("https://platform.example.com/hooks/twilio");
    let plan = c.plan_webhooks(&on_app, &change).await.unwrap();
    assert_eq!(plan.changes.len(), 2);
    assert_eq!(plan.changes[0].object.kind, ObjectKind::Number);
    assert_eq!(
        plan.changes[0].detaches.as_ref().map(|o| o.kind),
        Some(ObjectKind::TwilioApplication)
    );
    assert!(plan.shared_change().is_none());

    // Drift before: the record says the platform, the provider says the IVR.
    let d = c
        .drift(
            &on_app,
            Some("https://platform.example.com/hooks/twilio"),
            None,
        )
        .await
        .unwrap();
    assert!(matches!(d.voice, DriftStatus::Drifted { .. }));

    let confirmed = c
        .set_webhooks(&on_app, &change, SharedPolicy::OnlyThisNumber)
        .await
        .unwrap();
    assert_eq!(
        confirmed.voice_url(),
        Some("https://platform.example.com/hooks/twilio")
    );
    assert_eq!(
        confirmed.voice.as_ref().unwrap().owner.object.kind,
        ObjectKind::Number
    );
    let update = flows::webhook_update(&confirmed, "https://platform.example.com/hooks/twilio");
    assert_eq!(
        update.webhook,
        Some((
            true,
            Some("https://platform.example.com/hooks/twilio".into())
        ))
    );

    // Looked up by number alone (no sid): same state, and no drift now.
    let by_number = NumberRef::new(on_app.phone_number.clone());
    let d = c
        .drift(
            &by_number,
            Some("https://platform.example.com/hooks/twilio/"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(d.voice, DriftStatus::InSync);

    // Another number of the application is untouched.
    let other = c.webhooks(&listing.numbers[19].to_ref()).await.unwrap();
    assert_eq!(other.voice_url(), Some("https://ivr.example.com/voice"));

    let bad = WebhookChange::both("ftp://nope");
    assert!(matches!(
        c.set_webhooks(&on_app, &bad, SharedPolicy::AllowShared)
            .await,
        Err(ProviderError::InvalidInput { .. })
    ));
    let missing = NumberRef::new(e164("+14155550123"));
    assert!(matches!(
        c.webhooks(&missing).await,
        Err(ProviderError::NotFound { .. })
    ));
}

/// A record whose provider sid names another number of the account (written by a co-worker
/// or the web platform): nothing is read or written through it, and the other number keeps
/// its webhooks. The read before a write is what checks it.
#[tokio::test]
async fn a_sid_that_names_another_number_is_refused_before_any_write() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let (listing, _) = list_all(&c).await;
    let (mine, theirs) = (listing.numbers[0].to_ref(), listing.numbers[1].to_ref());
    let crossed = NumberRef {
        phone_number: mine.phone_number.clone(),
        provider_sid: theirs.provider_sid.clone(),
    };
    let before = c.webhooks(&theirs).await.unwrap();
    let change = WebhookChange::both("https://platform.example.com/hooks/crossed");
    let e = c
        .set_webhooks(&crossed, &change, SharedPolicy::OnlyThisNumber)
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e}");
    assert!(e.to_string().contains("names another number"), "{e}");
    assert!(c.webhooks(&crossed).await.is_err());
    assert_eq!(
        c.webhooks(&theirs).await.unwrap().voice_url(),
        before.voice_url()
    );
}

#[tokio::test]
async fn retries_honour_retry_after_and_5xx() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let faults = f.faults(FakeKind::Twilio);
    faults.set(Faults {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let started = Instant::now();
    c.verify().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(faults.request_count(), 2);

    faults.clear_requests();
    faults.set(Faults {
        server_error_next: 2,
        ..Faults::default()
    });
    c.verify().await.unwrap();
    assert_eq!(faults.request_count(), 3);

    // Still throttled after every attempt: RateLimited with Twilio's 20429 and the wait.
    faults.clear_requests();
    faults.set(Faults {
        rate_limit_next: 100,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let quick = client_at(&f.base_url(FakeKind::Twilio), token());
    let started = Instant::now();
    let e = match &quick {
        ProviderClient::Twilio(t) => {
            let mut settings = fast();
            settings.retry.max_attempts = 2;
            TwilioClient::new(
                TwilioCredentials {
                    account_sid: t.account_id().into(),
                    auth: token(),
                },
                TwilioEndpoint::Twilio {
                    base_url: Some(f.base_url(FakeKind::Twilio)),
                },
                &settings,
            )
            .unwrap()
            .verify()
            .await
            .unwrap_err()
        }
        _ => unreachable!(),
    };
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(faults.request_count(), 2);
    match &e {
        ProviderError::RateLimited {
            retry_after,
            detail,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            assert_eq!(detail.code.as_deref(), Some("20429"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }

    // A Retry-After beyond the policy's patience is not slept through.
    faults.clear_requests();
    faults.set(Faults {
        rate_limit_next: 1,
        retry_after_secs: 3600,
        ..Faults::default()
    });
    let e = c.verify().await.unwrap_err();
    assert!(matches!(e, ProviderError::RateLimited { .. }));
    assert_eq!(faults.request_count(), 1);
}

#[tokio::test]
async fn malformed_json_is_reported_as_such() {
    let f = fakes(FakeConfig::default()).await;
    f.faults(FakeKind::Twilio).set(Faults {
        malformed_next: 1,
        ..Faults::default()
    });
    let e = client(&f).verify().await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::Malformed {
                api: Api::Twilio,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn search_buy_and_release_need_confirmation_and_are_never_retried() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let t = c.twilio().unwrap();
    let found = t
        .search_available(&AvailableSearch {
            country: "US".into(),
            area_code: Some("415".into()),
            contains: Some("700".into()),
            capabilities: Capabilities {
                voice: true,
                sms: true,
                ..Capabilities::default()
            },
            limit: Some(5),
            ..AvailableSearch::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 5);
    assert!(
        found
            .iter()
            .all(|a| a.phone_number.as_str().starts_with("+1415"))
    );
    let pick = found[0].phone_number.clone();

    // A confirmation for another number is refused before any request.
    let faults = f.faults(FakeKind::Twilio);
    faults.clear_requests();
    let wrong = Confirmed::number(&found[1].phone_number);
    assert!(matches!(
        t.buy(&pick, &wrong, None).await,
        Err(ProviderError::InvalidInput { .. })
    ));
    assert_eq!(faults.request_count(), 0);

    // A 500 or a 429 on a purchase is reported, never retried.
    for fault in [
        Faults {
            server_error_next: 1,
            ..Faults::default()
        },
        Faults {
            rate_limit_next: 1,
            ..Faults::default()
        },
    ] {
        faults.clear_requests();
        faults.set(fault);
        let e = t
            .buy(&pick, &Confirmed::number(&pick), None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                ProviderError::Provider { .. } | ProviderError::RateLimited { .. }
            ),
            "{e:?}"
        );
        let posts = faults
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1, "a purchase must be sent exactly once");
    }

    let hooks = WebhookChange::both("https://platform.example.com/hooks/twilio");
    let bought = t
        .buy(&pick, &Confirmed::number(&pick), Some(&hooks))
        .await
        .unwrap();
    assert_eq!(bought.phone_number, pick);
    assert_eq!(
        bought.voice_url.as_deref(),
        Some("https://platform.example.com/hooks/twilio")
    );
    // Buying it again is the provider's refusal, with its code.
    let e = t
        .buy(&pick, &Confirmed::number(&pick), None)
        .await
        .unwrap_err();
    assert_eq!(e.provider_code(), Some("21422"));

    faults.clear_requests();
    faults.set(Faults {
        server_error_next: 1,
        ..Faults::default()
    });
    let r = bought.to_ref();
    assert!(t.release(&r, &Confirmed::number(&pick)).await.is_err());
    assert_eq!(
        faults.request_count(),
        1,
        "a release must be sent exactly once"
    );
    t.release(&r, &Confirmed::number(&pick)).await.unwrap();
    assert!(matches!(
        c.fetch_number(&r).await,
        Err(ProviderError::NotFound { .. })
    ));
    // Other providers say they do not buy numbers.
}

#[tokio::test]
async fn signalwire_speaks_the_same_api_under_its_prefix() {
    let f = fakes(FakeConfig {
        twilio_numbers: 1_200,
        ..FakeConfig::default()
    })
    .await;
    let sw = ProviderClient::Twilio(
        TwilioClient::new(
            TwilioCredentials {
                account_sid: creds::TWILIO_ACCOUNT_SID.into(),
                auth: token(),
            },
            TwilioEndpoint::SignalWire {
                space_url: f.base_url(FakeKind::Twilio),
            },
            &fast(),
        )
        .unwrap(),
    );
    assert_eq!(sw.api(), Api::SignalWire);
    sw.verify().await.unwrap();
    let (listing, _) = list_all(&sw).await;
    assert_eq!(listing.numbers.len(), 1_200);
    assert!(
        f.faults(FakeKind::Twilio)
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/api/laml/2010-04-01/"))
    );
}

#[tokio::test]
async fn import_twice_changes_nothing_and_bulk_flows_report_per_number() {
    use switchboard_core::domain::{PhoneNumber, Status};
    let f = fakes(FakeConfig {
        twilio_numbers: 120,
        ..FakeConfig::default()
    })
    .await;
    let c = client(&f);
    let none = |_p: ListProgress| {};
    let diff = flows::import_preview(&c, &[], &none, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(diff.new.len(), 120);
    // "Import" them the way a store would, then preview again.
    let inventory: Vec<PhoneNumber> = diff
        .new
        .iter()
        .map(|n| record_in(uuid::Uuid::nil(), n, Some(creds::TWILIO_ACCOUNT_SID)))
        .collect();
    let again = flows::import_preview(&c, &inventory, &none, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        (again.new.len(), again.present.len(), again.different.len()),
        (0, 120, 0)
    );
    let mut changed = inventory.clone();
    changed[0].friendly_name = Some("Renamed".into());
    let diff = flows::import_diff(
        &c.list_numbers(&none, &CancellationToken::new())
            .await
            .unwrap()
            .numbers,
        &changed,
        c.account_id(),
    );
    assert_eq!(diff.different.len(), 1);
    assert_eq!(diff.different[0].fields, vec!["friendly_name"]);

    // Bulk re-point with progress; then drift is clean for all.
    let refs: Vec<NumberRef> = again.present.iter().map(|(n, _)| n.to_ref()).collect();
    let progress = std::sync::atomic::AtomicUsize::new(0);
    let on_progress = |_p: flows::BulkProgress| {
        progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let change = WebhookChange::both("https://platform.example.com/t");
    let report = flows::bulk_set_webhooks(
        &c,
        &refs,
        &change,
        SharedPolicy::OnlyThisNumber,
        &BulkOptions::default(),
        &on_progress,
    )
    .await;
    assert_eq!(report.succeeded(), 120);
    assert_eq!(progress.load(std::sync::atomic::Ordering::Relaxed), 120);
    let records: Vec<_> = refs
        .iter()
        .map(|r| {
            (
                r.clone(),
                Some("https://platform.example.com/t".to_owned()),
                None,
            )
        })
        .collect();
    let drift = flows::bulk_drift(&c, &records, &BulkOptions::default(), &|_| {}).await;
    assert_eq!(drift.succeeded(), 120);
    assert!(drift.outcomes.iter().all(|o| matches!(
        &o.outcome,
        flows::Outcome::Ok(d) if !d.drifted()
    )));

    // Cancellation: nothing new starts; every number is reported.
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let stop = move |p: flows::BulkProgress| {
        if p.done >= 10 {
            c2.cancel();
        }
    };
    let options = BulkOptions {
        concurrency: 4,
        cancel,
    };
    let report = flows::bulk_verify(&c, &refs, &options, &stop).await;
    assert!(report.cancelled);
    assert_eq!(report.outcomes.len(), 120);
    assert!(report.succeeded() >= 10 && report.succeeded() < 120);
    assert_eq!(report.succeeded() + report.not_started(), 120);

    // Verification result → record update.
    let now = time::OffsetDateTime::now_utc();
    let ok = c.verify().await;
    let u = flows::verification_update(&ok, Status::Error, now).unwrap();
    assert_eq!(
        (u.status, u.last_verified_at),
        (Some(Status::Active), Some(now))
    );
    let bad = client_at(
        &f.base_url(FakeKind::Twilio),
        TwilioAuth::AuthToken(secret("nope")),
    )
    .verify()
    .await;
    let u = flows::verification_update(&bad, Status::Active, now).unwrap();
    assert_eq!(u.status, Some(Status::Error));
    assert!(u.metadata_patch.unwrap().to_json().contains("20003"));
    let offline = client_at(&dead_url().await, token()).verify().await;
    assert!(flows::verification_update(&offline, Status::Active, now).is_none());
}

/// An inventory record of organization `org` for a number the fake owns, referencing
/// `account` (none: no account).
fn record_in(
    org: uuid::Uuid,
    n: &switchboard_providers::model::ProviderNumber,
    account: Option<&str>,
) -> switchboard_core::domain::PhoneNumber {
    use switchboard_core::domain::{Credentials, PhoneNumber, Provider, Status};
    let now = time::OffsetDateTime::now_utc();
    let v = n
        .to_new_number(account.unwrap_or(creds::TWILIO_ACCOUNT_SID))
        .validate()
        .unwrap();
    PhoneNumber {
        id: uuid::Uuid::new_v4(),
        organization_id: org,
        provider: v.provider,
        phone_number: v.phone_number,
        friendly_name: v.friendly_name,
        credentials: match account {
            Some(a) => Credentials::for_account(Provider::Twilio, a).unwrap(),
            None => Credentials::default(),
        },
        metadata: v.metadata,
        agent_id: None,
        webhook_configured: false,
        webhook_url: None,
        status: Status::Active,
        created_at: now,
        updated_at: now,
        last_verified_at: None,
    }
}

#[tokio::test]
async fn a_selection_runs_account_by_account_with_one_progress() {
    use switchboard_core::domain::{PhoneNumber, Provider};
    use switchboard_core::store::AddedAccounts;
    use switchboard_providers::flows::{AccountBatch, AccountGroups, AccountRuns, Outcome};
    const OTHER: &str = "AC0000000000000000000000000000ffff";
    let f = fakes(FakeConfig {
        twilio_numbers: 12,
        ..FakeConfig::default()
    })
    .await;
    let c = client(&f);
    let owned = c
        .list_numbers(&|_| {}, &CancellationToken::new())
        .await
        .unwrap()
        .numbers;
    let org = uuid::Uuid::nil();
    let record = |n, account| record_in(org, n, account);
    let mut added = AddedAccounts::default();
    for account in [creds::TWILIO_ACCOUNT_SID, OTHER] {
        added.insert(org, "acme", Provider::Twilio, account);
    }
    // 8 numbers of the fake's account, 3 of an account with no secret here, 1 with none.
    let mut selection: Vec<PhoneNumber> = Vec::new();
    for (i, n) in owned.iter().enumerate() {
        selection.push(match i {
            0..8 => record(n, Some(creds::TWILIO_ACCOUNT_SID)),
            8..11 => record(n, Some(OTHER)),
            _ => record(n, None),
        });
    }
    let grouped = AccountGroups::new(selection.clone(), &added);
    assert_eq!(grouped.total(), 11);
    assert_eq!(grouped.groups.len(), 2);
    assert_eq!(grouped.without_account.len(), 1);

    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |p: flows::BulkProgress| seen.lock().unwrap().push(p);
    let base = f.base_url(FakeKind::Twilio);
    let connect = |provider: Provider, account: String| {
        let base = base.clone();
        async move {
            assert_eq!(provider, Provider::Twilio);
            if account == creds::TWILIO_ACCOUNT_SID {
                Ok(client_at(&base, token()))
            } else {
                Err(format!("credentials not on this device for {account}"))
            }
        }
    };
    let options = BulkOptions::default();
    let mut runs = AccountRuns::new(grouped.groups, flows::Verify, connect, &options, &progress);
    let mut verified = Vec::new();
    let mut no_client = Vec::new();
    while let Some((_, account, batch)) = runs.next().await {
        match batch {
            AccountBatch::Ran(ran) => {
                assert_eq!(account, creds::TWILIO_ACCOUNT_SID);
                for (n, o) in ran {
                    assert!(matches!(o, Outcome::Ok(_)), "{o:?}");
                    verified.push(n.phone_number);
                }
            }
            AccountBatch::NoClient(numbers, e) => {
                assert!(e.contains(OTHER), "{e}");
                no_client.extend(numbers.into_iter().map(|n| n.phone_number));
            }
        }
    }
    assert_eq!(verified.len(), 8);
    assert_eq!(
        verified,
        selection[..8]
            .iter()
            .map(|n| n.phone_number.clone())
            .collect::<Vec<_>>(),
        "selection order within the account"
    );
    assert_eq!(no_client.len(), 3);
    assert!(!runs.cancelled());
    let seen = seen.into_inner().unwrap();
    assert!(seen.iter().all(|p| p.total == 11), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done), "{seen:?}");
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.failed), (11, 3), "{seen:?}");

    // Cancelled before the start: no account is connected, every number is NotStarted.
    let options = BulkOptions::default();
    options.cancel.cancel();
    let refuse = |_: Provider, _: String| async { Err::<ProviderClient, String>("asked".into()) };
    let mut runs = AccountRuns::new(
        AccountGroups::new(selection, &added).groups,
        flows::Verify,
        refuse,
        &options,
        &|_| {},
    );
    while let Some((_, _, batch)) = runs.next().await {
        let AccountBatch::Ran(ran) = batch else {
            panic!("connected after cancel");
        };
        assert!(ran.iter().all(|(_, o)| matches!(o, Outcome::NotStarted)));
    }
    assert!(runs.cancelled());
}

/// Issue #12, item 4: numbers of globex that reference an account added only to acme are set
/// aside with the reason by the grouping that every bulk action (verify, re-verification,
/// webhooks, drift) runs through, and the fake Twilio receives no request; once the account is
/// added to globex too, the same selection is sent.
#[tokio::test]
async fn another_organizations_account_is_skipped_before_any_request() {
    use switchboard_core::domain::Provider;
    use switchboard_core::store::{AccountNotAdded, AddedAccounts};
    use switchboard_providers::flows::{
        AccountAction, AccountBatch, AccountGroups, AccountRuns, CheckDrift, SetWebhooks,
    };
    use switchboard_providers::model::{SharedPolicy, WebhookChange};
    let f = fakes(FakeConfig {
        twilio_numbers: 6,
        ..FakeConfig::default()
    })
    .await;
    let owned = client(&f)
        .list_numbers(&|_| {}, &CancellationToken::new())
        .await
        .unwrap()
        .numbers;
    let (acme, globex) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let sid = creds::TWILIO_ACCOUNT_SID;
    let mut selection: Vec<_> = owned
        .iter()
        .map(|n| {
            let mut r = record_in(globex, n, Some(sid));
            r.webhook_url = Some("https://platform.example/voice".into());
            r
        })
        .collect();
    selection.push(record_in(globex, &owned[0], None));
    let mut added = AddedAccounts::default();
    added.insert(acme, "acme", Provider::Twilio, sid);
    added.insert(
        globex,
        "globex",
        Provider::Twilio,
        "AC0000000000000000000000000000ffff",
    );

    let log = f.faults(FakeKind::Twilio);
    log.clear_requests();
    let base = f.base_url(FakeKind::Twilio);
    async fn run_all<A: AccountAction>(groups: &AccountGroups, action: A, base: &str) -> usize {
        let connect = |_: Provider, _: String| async { Ok::<_, String>(client_at(base, token())) };
        let options = BulkOptions::default();
        let mut runs = AccountRuns::new(groups.groups.clone(), action, connect, &options, &|_| {});
        let mut ran = 0;
        while let Some((_, _, batch)) = runs.next().await {
            let AccountBatch::Ran(numbers) = batch else {
                panic!("no client")
            };
            ran += numbers.len();
        }
        ran
    }
    let webhooks = SetWebhooks {
        change: WebhookChange {
            voice_url: Some("https://platform.example/borrowed".into()),
            ..WebhookChange::default()
        }
        .into(),
        policy: SharedPolicy::AllowShared,
    };
    let grouped = AccountGroups::new(selection.clone(), &added);
    assert!(grouped.groups.is_empty(), "{:?}", grouped.groups.keys());
    assert_eq!(grouped.total(), 0);
    assert_eq!(grouped.without_account.len(), 1);
    assert_eq!(grouped.not_added.len(), owned.len());
    let expected = AccountNotAdded {
        provider: Provider::Twilio,
        account_id: sid.into(),
        organization_id: globex,
        organization: "globex".into(),
    };
    for (n, reason) in &grouped.not_added {
        assert_eq!(n.organization_id, globex);
        assert_eq!(reason, &expected);
    }
    assert!(
        expected.to_string().contains("not added to globex"),
        "{expected}"
    );
    assert_eq!(run_all(&grouped, flows::Verify, &base).await, 0);
    assert_eq!(run_all(&grouped, webhooks.clone(), &base).await, 0);
    assert_eq!(run_all(&grouped, CheckDrift, &base).await, 0);
    assert_eq!(log.requests().len(), 0, "{:?}", log.requests());

    // Control: added to globex as well, the same selection reaches the provider.
    added.insert(globex, "globex", Provider::Twilio, sid);
    let grouped = AccountGroups::new(selection, &added);
    assert!(grouped.not_added.is_empty());
    assert_eq!(grouped.total(), owned.len());
    assert_eq!(run_all(&grouped, flows::Verify, &base).await, owned.len());
    assert_eq!(run_all(&grouped, webhooks, &base).await, owned.len());
    assert_eq!(run_all(&grouped, CheckDrift, &base).await, owned.len());
    assert!(
        log.requests().len() >= 3 * owned.len(),
        "{:?}",
        log.requests()
    );
}

/// Property names copied by hand from Twilio's OpenAPI description (2010-04-01):
/// `api.v2010.account.incoming_phone_number` and the list envelope.
const NUMBER_KEYS: [&str; 36] = [
    "account_sid",
    "address_sid",
    "address_requirements",
    "api_version",
    "beta",
    "capabilities",
    "date_created",
    "date_updated",
    "friendly_name",
    "identity_sid",
    "phone_number",
    "origin",
    "sid",
    "sms_application_sid",
    "sms_fallback_method",
    "sms_fallback_url",
    "sms_method",
    "sms_url",
    "status_callback",
    "status_callback_method",
    "trunk_sid",
    "uri",
    "voice_receive_mode",
    "voice_application_sid",
    "voice_caller_id_lookup",
    "voice_fallback_method",
    "voice_fallback_url",
    "voice_method",
    "voice_url",
    "emergency_status",
    "emergency_address_sid",
    "emergency_address_status",
    "bundle_sid",
    "status",
    "type",
    "capabilities",
];

const PAGE_KEYS: [&str; 9] = [
    "end",
    "first_page_uri",
    "next_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "start",
    "uri",
    "incoming_phone_numbers",
];

#[tokio::test]
async fn fake_twilio_json_matches_the_schema_keys() {
    let f = fakes(FakeConfig::default()).await;
    switchboard_providers::http::install_crypto_provider();
    let page = fake_get(
        &f,
        &format!(
            "/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json?PageSize=2",
            creds::TWILIO_ACCOUNT_SID
        ),
    )
    .await;
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |list: &[&str]| {
        let mut k: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        k.sort();
        k.dedup();
        k
    };
    assert_eq!(keys(&page), sorted(&PAGE_KEYS));
    let number = &page["incoming_phone_numbers"][0];
    assert_eq!(keys(number), sorted(&NUMBER_KEYS));
    assert_eq!(
        keys(&number["capabilities"]),
        sorted(&["fax", "mms", "sms", "voice"])
    );
    assert!(page["next_page_uri"].as_str().unwrap().contains("Page=1"));
    assert_eq!(page["previous_page_uri"], serde_json::Value::Null);
}

/// The SMS URL is its own fact: a listing records Twilio's `sms_url` in metadata
/// (`smsWebhookUrl`), a confirmed change records the SMS URL the provider confirms, and drift
/// compares it on its own channel (a changed SMS URL on a voice number is seen; no fact on
/// record is unknown, not a difference).
#[tokio::test]
async fn the_sms_url_is_recorded_and_drifts_on_its_own() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let (listing, _) = list_all(&c).await;
    let n = &listing.numbers[0];
    assert!(n.capabilities.voice && n.capabilities.sms);
    assert_eq!(
        n.metadata().sms_webhook_url(),
        Some("https://demo.twilio.com/welcome/sms/reply")
    );
    let on_record = n.metadata().sms_webhook_url().map(str::to_owned);
    let r = n.to_ref();
    let voice = "https://platform.example.com/hooks/voice";
    let d = c.drift(
        &r,
        Some("https://demo.twilio.com/welcome/voice/"),
        on_record.as_deref(),
    );
    let d = d.await.unwrap();
    assert_eq!((d.voice, d.sms), (DriftStatus::InSync, DriftStatus::InSync));

    // Someone changes only the SMS URL at Twilio: drift sees SMS, and voice stays in sync.
    let sms_only = WebhookChange {
        sms_url: Some("https://elsewhere.example.net/sms".into()),
        ..WebhookChange::default()
    };
    c.set_webhooks(&r, &sms_only, SharedPolicy::OnlyThisNumber)
        .await
        .unwrap();
    let d = c.drift(
        &r,
        Some("https://demo.twilio.com/welcome/voice/"),
        on_record.as_deref(),
    );
    let d = d.await.unwrap();
    assert_eq!(d.voice, DriftStatus::InSync);
    assert_eq!(
        d.sms,
        DriftStatus::Drifted {
            provider_url: Some("https://elsewhere.example.net/sms".into()),
            on_record: "https://demo.twilio.com/welcome/sms/reply".into(),
            owner: Some(ObjectRef::new(ObjectKind::Number, &n.provider_sid)),
        }
    );
    // Nothing on record for SMS (a number recorded before the fact existed): not a difference.
    let d = c.drift(&r, Some("https://demo.twilio.com/welcome/voice/"), None);
    assert!(!d.await.unwrap().drifted());

    // A confirmed change records the SMS URL Twilio confirms as the fact.
    let both = WebhookChange {
        voice_url: Some(voice.into()),
        sms_url: Some("https://platform.example.com/hooks/sms".into()),
        ..WebhookChange::default()
    };
    let confirmed = c.set_webhooks(&r, &both, SharedPolicy::OnlyThisNumber);
    let update = flows::webhook_update(&confirmed.await.unwrap(), voice);
    assert_eq!(update.webhook, Some((true, Some(voice.into()))));
    let mut m = n.metadata();
    m.merge(update.metadata_patch.as_ref().unwrap()).unwrap();
    assert_eq!(
        m.sms_webhook_url(),
        Some("https://platform.example.com/hooks/sms")
    );
    // An import never lists the SMS URL as a difference: a record whose SMS URL differs from
    // the provider's is present, with the SMS drift reported (and a refresh leaves it as
    // recorded)...
    let mut record = record_in(uuid::Uuid::new_v4(), n, Some(creds::TWILIO_ACCOUNT_SID));
    let (again, _) = list_all(&c).await;
    let diff = flows::import_diff(
        &again.numbers[..1],
        std::slice::from_ref(&record),
        creds::TWILIO_ACCOUNT_SID,
    );
    assert_eq!(diff.present.len(), 1, "{diff:?}");
    assert!(diff.unrecorded_sms.is_empty(), "{diff:?}");
    assert_eq!(
        diff.sms_drift,
        vec![flows::SmsDrift {
            existing_id: record.id,
            phone_number: n.phone_number.clone(),
            on_record: "https://demo.twilio.com/welcome/sms/reply".into(),
            provider_url: Some("https://platform.example.com/hooks/sms".into()),
        }]
    );
    let patch = flows::refresh_patch(&again.numbers[0]);
    let mut refreshed = record.metadata.clone().unwrap();
    refreshed.merge(&patch).unwrap();
    assert_eq!(
        refreshed.sms_webhook_url(),
        Some("https://demo.twilio.com/welcome/sms/reply"),
        "a refresh does not overwrite a differing SMS URL"
    );
    // ...and a record without the fact (imported before it existed) is present too, its SMS
    // URL recorded by the import.
    let mut old = record.metadata.clone().unwrap();
    old.set_sms_webhook_url(None).unwrap();
    record.metadata = Some(old);
    let diff = flows::import_diff(
        &again.numbers[..1],
        std::slice::from_ref(&record),
        creds::TWILIO_ACCOUNT_SID,
    );
    assert_eq!(diff.present.len(), 1, "{diff:?}");
    assert!(
        diff.different.is_empty() && diff.sms_drift.is_empty(),
        "{diff:?}"
    );
    let unrecorded = &diff.unrecorded_sms;
    assert_eq!(unrecorded.len(), 1, "{diff:?}");
    assert_eq!(unrecorded[0].existing_id, record.id);
    let update = flows::sms_webhook_record(&unrecorded[0]);
    let recorded = update.apply_to(&record).unwrap().metadata.unwrap();
    assert_eq!(recorded.sms_webhook_url(), m.sms_webhook_url());
}

/// A number whose SMS goes to an Application (`sms_application_sid`) has that application's
/// `sms_url` as its SMS URL (Twilio ignores the number's own), read once per application
/// however many numbers share it, by the listing and by a number's fetch.
#[tokio::test]
async fn the_sms_url_of_a_number_on_an_sms_application_is_the_applications() {
    let f = fakes(FakeConfig::default()).await;
    let c = client(&f);
    let faults = f.faults(FakeKind::Twilio);
    faults.clear_requests();
    let (listing, _) = list_all(&c).await;
    let seeded = FakeConfig::default().twilio_numbers;
    let on_app: Vec<_> = (listing.numbers.iter().enumerate())
        .filter(|(i, _)| *i < seeded && switchboard_fake_providers::twilio_sms_application(*i))
        .map(|(_, n)| n)
        .collect();
    assert!(on_app.len() >= 2, "the fake shares the application");
    for n in &on_app {
        assert_eq!(
            n.metadata().sms_webhook_url(),
            Some(switchboard_fake_providers::TWILIO_SMS_APPLICATION_URL),
            "{n:?}"
        );
        assert_eq!(
            n.sms_owner.as_ref().map(|o| o.kind),
            Some(ObjectKind::TwilioApplication)
        );
    }
    let own = &listing.numbers[0];
    assert_eq!(
        own.metadata().sms_webhook_url(),
        Some("https://demo.twilio.com/welcome/sms/reply")
    );
    let reads = |path_part: &str| {
        (faults.requests().into_iter())
            .filter(|r| r.path.contains(path_part))
            .count()
    };
    assert_eq!(
        reads("/Applications/"),
        1,
        "one read for the shared application"
    );
    let pages = reads("/IncomingPhoneNumbers.json");
    assert_eq!(faults.request_count() as usize, pages + 1);

    // One number's fetch reads its application too, and agrees with the listing and with the
    // webhook state.
    let fetched = c.fetch_number(&on_app[0].to_ref()).await.unwrap();
    assert_eq!(fetched.sms_url, on_app[0].sms_url);
    let state = c.webhooks(&on_app[0].to_ref()).await.unwrap();
    assert_eq!(state.sms_url(), on_app[0].sms_url.as_deref());
}
