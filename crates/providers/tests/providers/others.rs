//! Vonage, Telnyx, Bandwidth and Plivo against their fakes, to the same contract as Twilio.

use std::time::{Duration, Instant};

use switchboard_fake_providers::{FakeConfig, FakeKind, Faults, RateWindow, creds};
use switchboard_providers::bandwidth::{BandwidthAuth, BandwidthClient, BandwidthCredentials};
use switchboard_providers::flows::{self, BulkOptions};
use switchboard_providers::model::{DriftStatus, ObjectKind, SharedPolicy, WebhookChange};
use switchboard_providers::plivo::{PlivoClient, PlivoCredentials};
use switchboard_providers::telnyx::{TelnyxClient, TelnyxCredentials};
use switchboard_providers::vonage::{VonageClient, VonageCredentials};
use switchboard_providers::{Api, ProviderClient, ProviderError};

use super::*;

fn vonage(base: &str, secret_text: &str) -> ProviderClient {
    vonage_with(base, secret_text, &fast())
}

pub(super) fn vonage_with(
    base: &str,
    secret_text: &str,
    settings: &HttpSettings,
) -> ProviderClient {
    ProviderClient::Vonage(
        VonageClient::new(
            VonageCredentials {
                api_key: creds::VONAGE_API_KEY.into(),
                api_secret: secret(secret_text),
            },
            Some(base),
            settings,
        )
        .unwrap(),
    )
}

/// A fake Telnyx account of `numbers` numbers, and its client.
async fn telnyx_fake(
    numbers: usize,
) -> (switchboard_fake_providers::FakeProviders, ProviderClient) {
    let f = fakes(FakeConfig {
        telnyx_numbers: numbers,
        ..FakeConfig::default()
    })
    .await;
    let c = telnyx(&f.base_url(FakeKind::Telnyx), creds::TELNYX_API_KEY);
    (f, c)
}

fn telnyx(base: &str, key: &str) -> ProviderClient {
    telnyx_with(base, key, &fast())
}

pub(super) fn telnyx_with(base: &str, key: &str, settings: &HttpSettings) -> ProviderClient {
    ProviderClient::Telnyx(
        TelnyxClient::new(
            TelnyxCredentials {
                account_id: "main".into(),
                api_key: secret(key),
            },
            Some(base),
            settings,
        )
        .unwrap(),
    )
}

fn bandwidth(base: &str, auth: BandwidthAuth) -> ProviderClient {
    bandwidth_with(base, auth, &fast())
}

pub(super) fn bandwidth_with(
    base: &str,
    auth: BandwidthAuth,
    settings: &HttpSettings,
) -> ProviderClient {
    ProviderClient::Bandwidth(
        BandwidthClient::new(
            BandwidthCredentials {
                account_id: creds::BANDWIDTH_ACCOUNT_ID.into(),
                auth,
            },
            Some(base),
            settings,
        )
        .unwrap(),
    )
}

pub(super) fn oauth(secret_text: &str) -> BandwidthAuth {
    BandwidthAuth::OAuth2 {
        client_id: creds::BANDWIDTH_CLIENT_ID.into(),
        client_secret: secret(secret_text),
    }
}

fn plivo(base: &str, token: &str) -> ProviderClient {
    plivo_with(base, token, &fast())
}

pub(super) fn plivo_with(base: &str, token: &str, settings: &HttpSettings) -> ProviderClient {
    ProviderClient::Plivo(
        PlivoClient::new(
            PlivoCredentials {
                auth_id: creds::PLIVO_AUTH_ID.into(),
                auth_token: secret(token),
            },
            Some(base),
            settings,
        )
        .unwrap(),
    )
}

/// Verify ok, refused credentials (Auth, no secret in the text), unreachable (Network).
async fn verify_contract(
    good: ProviderClient,
    bad: ProviderClient,
    bad_secret: &str,
    offline: ProviderClient,
) {
    let info = good.verify().await.unwrap();
    assert_eq!(info.api, good.api());
    let e = bad.verify().await.unwrap_err();
    assert_auth_error(&e, bad_secret);
    assert!(!e.reason().is_empty());
    assert_network_error(&offline.verify().await.unwrap_err());
    assert!(!format!("{bad:?}").contains(bad_secret));
}

#[tokio::test]
async fn every_provider_verifies_refuses_and_reports_network_failures() {
    let f = fakes(FakeConfig::default()).await;
    let dead = dead_url().await;
    let v = f.base_url(FakeKind::Vonage);
    verify_contract(
        vonage(&v, creds::VONAGE_API_SECRET),
        vonage(&v, "vonage-wrong-secret"),
        "vonage-wrong-secret",
        vonage(&dead, creds::VONAGE_API_SECRET),
    )
    .await;
    let t = f.base_url(FakeKind::Telnyx);
    verify_contract(
        telnyx(&t, creds::TELNYX_API_KEY),
        telnyx(&t, "KEYwrong"),
        "KEYwrong",
        telnyx(&dead, creds::TELNYX_API_KEY),
    )
    .await;
    let e = telnyx(&t, "KEYwrong").verify().await.unwrap_err();
    assert_eq!(e.provider_code(), Some("10009"));
    let b = f.base_url(FakeKind::Bandwidth);
    verify_contract(
        bandwidth(&b, oauth(creds::BANDWIDTH_CLIENT_SECRET)),
        bandwidth(&b, oauth("bw-wrong-secret")),
        "bw-wrong-secret",
        bandwidth(&dead, oauth(creds::BANDWIDTH_CLIENT_SECRET)),
    )
    .await;
    let legacy = BandwidthAuth::Basic {
        username: creds::BANDWIDTH_USERNAME.into(),
        password: secret(creds::BANDWIDTH_PASSWORD),
    };
    bandwidth(&b, legacy).verify().await.unwrap();
    let p = f.base_url(FakeKind::Plivo);
    verify_contract(
        plivo(&p, creds::PLIVO_AUTH_TOKEN),
        plivo(&p, "plivo-wrong-token"),
        "plivo-wrong-token",
        plivo(&dead, creds::PLIVO_AUTH_TOKEN),
    )
    .await;
    // Only Twilio buys numbers.
    assert!(matches!(
        plivo(&p, creds::PLIVO_AUTH_TOKEN).twilio(),
        Err(ProviderError::Unsupported {
            api: Api::Plivo,
            ..
        })
    ));
}

#[tokio::test]
async fn every_provider_lists_all_pages() {
    let f = fakes(FakeConfig {
        vonage_numbers: 345,
        telnyx_numbers: 601,
        bandwidth_numbers: 5_100,
        plivo_numbers: 95,
        ..FakeConfig::default()
    })
    .await;
    for (client, expected, pages) in [
        (
            vonage(&f.base_url(FakeKind::Vonage), creds::VONAGE_API_SECRET),
            345,
            4,
        ),
        (
            telnyx(&f.base_url(FakeKind::Telnyx), creds::TELNYX_API_KEY),
            601,
            3,
        ),
        (
            bandwidth(
                &f.base_url(FakeKind::Bandwidth),
                oauth(creds::BANDWIDTH_CLIENT_SECRET),
            ),
            5_100,
            3,
        ),
        (
            plivo(&f.base_url(FakeKind::Plivo), creds::PLIVO_AUTH_TOKEN),
            95,
            5,
        ),
    ] {
        let (listing, progress) = list_all(&client).await;
        assert_eq!(listing.numbers.len(), expected, "{:?}", client.api());
        assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
        assert_eq!(listing.pages, pages, "{:?}", client.api());
        assert_eq!(progress.last().unwrap().fetched, expected);
        let distinct: std::collections::HashSet<_> = listing
            .numbers
            .iter()
            .map(|n| n.phone_number.clone())
            .collect();
        assert_eq!(distinct.len(), expected);
        let m = listing.numbers[0].metadata();
        assert!(m.provider_sid().is_some());
    }
}

#[tokio::test]
async fn vonage_sms_on_number_voice_on_shared_application() {
    let f = fakes(FakeConfig {
        vonage_numbers: 20,
        ..FakeConfig::default()
    })
    .await;
    let c = vonage(&f.base_url(FakeKind::Vonage), creds::VONAGE_API_SECRET);
    let (listing, _) = list_all(&c).await;
    let n = listing.numbers[0].to_ref();
    assert_eq!(listing.numbers[0].phone_number.as_str(), "+447400100000");
    let state = c.webhooks(&n).await.unwrap();
    let voice = state.voice.as_ref().unwrap();
    assert_eq!(voice.owner.object.kind, ObjectKind::VonageApplication);
    // 20 numbers: every fifth has no app; the rest alternate between two apps.
    assert_eq!(voice.owner.shared_by, Some(8));
    assert_eq!(
        state.sms.as_ref().unwrap().owner.object.kind,
        ObjectKind::Number
    );

    // SMS alone touches only the number.
    let sms_only = WebhookChange {
        sms_url: Some("https://platform.example.com/vonage/sms".into()),
        ..WebhookChange::default()
    };
    let s = c
        .set_webhooks(&n, &sms_only, SharedPolicy::OnlyThisNumber)
        .await
        .unwrap();
    assert_eq!(s.sms_url(), Some("https://platform.example.com/vonage/sms"));

    // Voice re-points the shared application: refused, then allowed.
    let both = WebhookChange::both("https://platform.example.com/vonage");
    let plan = c.plan_webhooks(&n, &both).await.unwrap();
    assert_eq!(plan.shared_change().unwrap().shared_by, Some(8));
    let e = c
        .set_webhooks(&n, &both, SharedPolicy::OnlyThisNumber)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ProviderError::SharedObject { shared_by: 8, .. }),
        "{e:?}"
    );
    let s = c
        .set_webhooks(&n, &both, SharedPolicy::AllowShared)
        .await
        .unwrap();
    assert_eq!(s.voice_url(), Some("https://platform.example.com/vonage"));
    let d = c
        .drift(
            &listing.numbers[2].to_ref(),
            Some("https://platform.example.com/vonage"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(d.voice, DriftStatus::InSync, "same application, same URL");
    // A number without an application cannot get a voice URL.
    let no_app = listing.numbers[4].to_ref();
    assert!(matches!(
        c.plan_webhooks(&no_app, &both).await,
        Err(ProviderError::InvalidInput { .. })
    ));
}

/// A Vonage number whose messages are linked to an Application with the Messages capability
/// (`messagesCallbackType` `app`) has that application's Messages `inbound_url` as its SMS URL
/// (not its `moHttpUrl`); a listing reads each application once. The webhook state and drift
/// agree, and changing that SMS URL re-points the shared application.
#[tokio::test]
async fn vonage_messages_application_inbound_url_is_the_sms_url() {
    let f = fakes(FakeConfig {
        vonage_numbers: 20,
        ..FakeConfig::default()
    })
    .await;
    let c = vonage(&f.base_url(FakeKind::Vonage), creds::VONAGE_API_SECRET);
    let faults = f.faults(FakeKind::Vonage);
    faults.clear_requests();
    let (listing, _) = list_all(&c).await;
    let app_reads = (faults.requests().iter())
        .filter(|r| r.path.starts_with("/v2/applications/"))
        .count();
    assert_eq!(
        app_reads, 2,
        "two applications, each read once for 16 numbers"
    );
    let messages = switchboard_fake_providers::VONAGE_MESSAGES_INBOUND_URL;
    for (i, n) in listing.numbers.iter().enumerate() {
        if switchboard_fake_providers::vonage_messages_application(i) {
            assert_eq!(n.metadata().sms_webhook_url(), Some(messages), "{i}");
            assert_eq!(
                n.sms_owner.as_ref().map(|o| o.kind),
                Some(ObjectKind::VonageApplication)
            );
        } else {
            let own = "https://sms.example.com/inbound";
            assert_eq!(n.metadata().sms_webhook_url(), Some(own), "{i}");
            assert_eq!(n.sms_owner, None, "{i}");
        }
    }
    let on_app = &listing.numbers[1];
    let fetched = c.fetch_number(&on_app.to_ref()).await.unwrap();
    assert_eq!(fetched.sms_url.as_deref(), Some(messages));
    faults.clear_requests();
    let state = c.webhooks(&on_app.to_ref()).await.unwrap();
    let requests = faults.requests();
    let app_reads = (requests.iter())
        .filter(|r| r.path.starts_with("/v2/applications/"))
        .count();
    let counts = (requests.iter())
        .filter(|r| r.query.iter().any(|(k, _)| k == "application_id"))
        .count();
    assert_eq!(
        (app_reads, counts),
        (1, 1),
        "the voice and messages application is one: read and counted once"
    );
    let sms = state.sms.as_ref().unwrap();
    assert_eq!(sms.url.as_deref(), Some(messages));
    assert_eq!(state.voice.as_ref().unwrap().owner.shared_by, Some(8));
    assert_eq!(sms.owner.object.kind, ObjectKind::VonageApplication);
    assert_eq!(sms.owner.shared_by, Some(8));
    let d = c
        .drift(&on_app.to_ref(), None, Some(messages))
        .await
        .unwrap();
    assert_eq!(d.sms, DriftStatus::InSync);

    let sms_only = WebhookChange {
        sms_url: Some("https://platform.example.com/vonage/messages".into()),
        ..WebhookChange::default()
    };
    let e = (c.set_webhooks(&on_app.to_ref(), &sms_only, SharedPolicy::OnlyThisNumber)).await;
    assert!(
        matches!(e, Err(ProviderError::SharedObject { shared_by: 8, .. })),
        "{e:?}"
    );
    let s = (c.set_webhooks(&on_app.to_ref(), &sms_only, SharedPolicy::AllowShared))
        .await
        .unwrap();
    assert_eq!(
        s.sms_url(),
        Some("https://platform.example.com/vonage/messages")
    );
    let other = c.webhooks(&listing.numbers[3].to_ref()).await.unwrap();
    assert_eq!(
        other.sms_url(),
        Some("https://platform.example.com/vonage/messages"),
        "the application's other numbers follow"
    );

    // Voice and messages on the one application: it is read and written once for both.
    let both = WebhookChange::both("https://platform.example.com/vonage/both");
    faults.clear_requests();
    let s = (c.set_webhooks(&on_app.to_ref(), &both, SharedPolicy::AllowShared))
        .await
        .unwrap();
    assert_eq!(
        (s.voice_url(), s.sms_url()),
        (both.voice_url.as_deref(), both.sms_url.as_deref())
    );
    let on_app_requests = |method: &str| {
        (faults.requests().iter())
            .filter(|r| r.method == method && r.path.starts_with("/v2/applications/"))
            .count()
    };
    assert_eq!(on_app_requests("PUT"), 1, "one write");
    // Read for the state, once before the write, and for the state read back.
    assert_eq!(on_app_requests("GET"), 3, "one read before the write");
}

#[tokio::test]
async fn telnyx_connections_profiles_and_rate_limit_headers() {
    let (f, c) = telnyx_fake(12).await;
    let (listing, _) = list_all(&c).await;
    let kinds: Vec<_> = futures_kinds(&c, &listing.numbers[..3]).await;
    assert_eq!(
        kinds,
        vec![
            Some(ObjectKind::TelnyxCallControlApplication),
            Some(ObjectKind::TelnyxTexmlApplication),
            Some(ObjectKind::TelnyxSipConnection),
        ]
    );
    let n = listing.numbers[0].to_ref();
    let state = c.webhooks(&n).await.unwrap();
    assert_eq!(state.voice.as_ref().unwrap().owner.shared_by, Some(4));
    assert_eq!(state.sms.as_ref().unwrap().owner.shared_by, Some(9));
    let change = WebhookChange::both("https://platform.example.com/telnyx");
    assert!(matches!(
        c.set_webhooks(&n, &change, SharedPolicy::OnlyThisNumber)
            .await,
        Err(ProviderError::SharedObject { .. })
    ));
    let s = c
        .set_webhooks(&n, &change, SharedPolicy::AllowShared)
        .await
        .unwrap();
    assert_eq!(s.voice_url(), Some("https://platform.example.com/telnyx"));
    assert_eq!(s.sms_url(), Some("https://platform.example.com/telnyx"));
    // TeXML voice too.
    let texml = listing.numbers[1].to_ref();
    let s = c
        .set_webhooks(&texml, &change, SharedPolicy::AllowShared)
        .await
        .unwrap();
    assert_eq!(s.voice_url(), Some("https://platform.example.com/telnyx"));
    // A SIP connection holds no URL.
    assert!(matches!(
        c.plan_webhooks(&listing.numbers[2].to_ref(), &change).await,
        Err(ProviderError::InvalidInput { .. })
    ));

    // 429 with x-ratelimit-reset (no Retry-After): waited for, then retried.
    let faults = f.faults(FakeKind::Telnyx);
    faults.clear_requests();
    faults.set(Faults {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let started = Instant::now();
    c.verify().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(faults.request_count(), 2);
}

async fn futures_kinds(
    c: &ProviderClient,
    numbers: &[switchboard_providers::model::ProviderNumber],
) -> Vec<Option<ObjectKind>> {
    let mut out = Vec::new();
    for n in numbers {
        let s = c.webhooks(&n.to_ref()).await.unwrap();
        out.push(s.voice.map(|v| v.owner.object.kind));
    }
    out
}

/// Bandwidth routes a number's SMS through its location's Messaging-V2 application: a listing
/// gives each number that application's callback URL (`MsgCallbackUrl`) as its SMS URL, read
/// from list endpoints (the applications, the messaging application's locations, each
/// location's numbers), never per number; a number on a location without one has none.
#[tokio::test]
async fn bandwidth_listing_reads_the_locations_messaging_callback() {
    let (f, c) = super::bandwidth_readiness::fake(60).await;
    let faults = f.faults(FakeKind::Bandwidth);
    faults.clear_requests();
    let (listing, _) = list_all(&c).await;
    assert_eq!(listing.numbers.len(), 60);
    let asked: Vec<String> = (faults.requests().into_iter())
        .filter(|r| !r.path.contains("oauth2"))
        .map(|r| r.path)
        .collect();
    assert_eq!(
        asked.len(),
        4,
        "listing, applications, locations, numbers: {asked:#?}"
    );
    assert_eq!(
        asked.iter().filter(|p| p.contains("/tndetails")).count(),
        0,
        "never per number"
    );
    for n in &listing.numbers {
        let i = (0..60)
            .position(|i| n.provider_sid == switchboard_fake_providers::bandwidth_readiness::tn(i))
            .expect("a seeded number");
        if switchboard_fake_providers::bandwidth_readiness::on_messaging_location(i) {
            assert_eq!(
                n.metadata().sms_webhook_url(),
                Some("https://sms.example.com/bandwidth"),
                "{i}"
            );
            assert_eq!(
                n.sms_owner.as_ref().map(|o| o.kind),
                Some(ObjectKind::BandwidthApplication)
            );
        } else {
            assert_eq!(n.metadata().sms_webhook_url(), None, "{i}: unknown");
            assert_eq!(n.sms_owner, None);
        }
    }
    // The webhook state of a number agrees with its listing.
    let state = c.webhooks(&listing.numbers[0].to_ref()).await.unwrap();
    assert_eq!(state.sms_url(), listing.numbers[0].sms_url.as_deref());
    // So does one number read alone: its location's messaging application, read once.
    assert!(listing.numbers[..4].iter().any(|n| n.sms_url.is_some()));
    for listed in &listing.numbers[..4] {
        faults.clear_requests();
        let fetched = c.fetch_number(&listed.to_ref()).await.unwrap();
        assert_eq!(
            (&fetched.sms_url, &fetched.sms_owner),
            (&listed.sms_url, &listed.sms_owner),
            "{}",
            listed.phone_number
        );
        let reads = (faults.requests().iter())
            .filter(|r| r.path.contains("/applications/"))
            .count();
        assert_eq!(reads, usize::from(listed.sms_owner.is_some()));
    }
}

#[tokio::test]
async fn bandwidth_resolves_site_location_application() {
    let (f, c) = super::bandwidth_readiness::fake(6).await;
    let (listing, _) = list_all(&c).await;
    let first = c.fetch_number(&listing.numbers[0].to_ref()).await.unwrap();
    assert_eq!(first.region.as_deref(), Some("CA"));
    let n = listing.numbers[0].to_ref();
    let state = c.webhooks(&n).await.unwrap();
    assert_eq!(
        state.voice.as_ref().unwrap().owner.object.kind,
        ObjectKind::BandwidthApplication
    );
    assert_eq!(
        state.voice_url(),
        Some("https://voice.example.com/bandwidth")
    );
    assert_eq!(state.sms_url(), Some("https://sms.example.com/bandwidth"));
    // The second location has no messaging application.
    let second = c.webhooks(&listing.numbers[1].to_ref()).await.unwrap();
    assert!(second.sms.is_none());
    // So a change of its SMS URL is refused before anything is written, naming what is missing.
    let refused = c
        .plan_webhooks(
            &listing.numbers[1].to_ref(),
            &WebhookChange::both("https://platform.example.com/bw"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ProviderError::InvalidInput { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("Messaging-V2"), "{refused}");

    let change = WebhookChange::both("https://platform.example.com/bw?a=1&b=2");
    assert!(matches!(
        c.set_webhooks(&n, &change, SharedPolicy::OnlyThisNumber)
            .await,
        Err(ProviderError::SharedObject { .. })
    ));
    let s = c
        .set_webhooks(&n, &change, SharedPolicy::AllowShared)
        .await
        .unwrap();
    assert_eq!(
        s.voice_url(),
        Some("https://platform.example.com/bw?a=1&b=2")
    );
    assert_eq!(s.sms_url(), Some("https://platform.example.com/bw?a=1&b=2"));
    let d = c
        .drift(
            &listing.numbers[1].to_ref(),
            Some("https://platform.example.com/bw?a=1&b=2"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(d.voice, DriftStatus::InSync);
    // One OAuth token served every call.
    let tokens = f
        .faults(FakeKind::Bandwidth)
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/token"))
        .count();
    assert_eq!(tokens, 1);
    let e = c
        .fetch_number(&switchboard_providers::model::NumberRef::new(e164(
            "+14155550123",
        )))
        .await;
    assert!(matches!(e, Err(ProviderError::NotFound { .. })), "{e:?}");
}

#[tokio::test]
async fn plivo_application_webhooks_and_its_rate_limit() {
    let f = fakes(FakeConfig {
        plivo_numbers: 30,
        plivo_rate_window: Some(RateWindow {
            limit: 10,
            window_ms: 1_000,
        }),
        ..FakeConfig::default()
    })
    .await;
    let c = plivo(&f.base_url(FakeKind::Plivo), creds::PLIVO_AUTH_TOKEN);
    let (listing, _) = list_all(&c).await;
    assert_eq!(listing.numbers.len(), 30);
    assert_eq!(listing.numbers[0].region.as_deref(), Some("CA"));
    // Each number's SMS URL is read from its application's `message_url` at the listing.
    for n in &listing.numbers {
        let want = n.sms_owner.as_ref().map(|app| {
            let i = if app.id.ends_with('0') { 0 } else { 1 };
            format!("https://sms{i}.example.com/plivo")
        });
        assert_eq!(n.metadata().sms_webhook_url(), want.as_deref(), "{n:?}");
    }
    assert!(listing.numbers.iter().any(|n| n.sms_owner.is_some()));
    let n = listing.numbers[0].to_ref();
    let state = c.webhooks(&n).await.unwrap();
    assert_eq!(
        state.voice.as_ref().unwrap().owner.object.kind,
        ObjectKind::PlivoApplication
    );
    assert_eq!(state.voice_url(), Some("https://answer0.example.com/plivo"));
    let change = WebhookChange::both("https://platform.example.com/plivo");
    assert!(matches!(
        c.set_webhooks(&n, &change, SharedPolicy::OnlyThisNumber)
            .await,
        Err(ProviderError::SharedObject { .. })
    ));
    let s = c
        .set_webhooks(&n, &change, SharedPolicy::AllowShared)
        .await
        .unwrap();
    assert_eq!(s.sms_url(), Some("https://platform.example.com/plivo"));

    // 10 requests per second at the fake: a bulk verify of 30 numbers meets 429s with
    // Retry-After and still completes every number.
    let refs: Vec<_> = listing.numbers.iter().map(|n| n.to_ref()).collect();
    let faults = f.faults(FakeKind::Plivo);
    faults.clear_requests();
    let report = flows::bulk_verify(&c, &refs, &BulkOptions::default(), &|_| {}).await;
    assert_eq!(
        report.succeeded(),
        30,
        "{:?}",
        report
            .outcomes
            .iter()
            .find(|o| matches!(o.outcome, flows::Outcome::Failed(_)))
    );
    assert!(
        faults.request_count() > 30,
        "some requests were throttled and retried"
    );
}

/// Telnyx keeps a number's SMS URL on its messaging profile (`webhook_url`): a listing reads
/// each profile once and records its URL as each of its numbers' `smsWebhookUrl`; a number on
/// no profile has none (unknown). Drift compares the profile's URL on its own channel.
#[tokio::test]
async fn telnyx_listing_records_the_messaging_profile_webhook() {
    let (f, c) = telnyx_fake(12).await;
    let faults = f.faults(FakeKind::Telnyx);
    faults.clear_requests();
    let (listing, _) = list_all(&c).await;
    let profile_reads = (faults.requests().iter())
        .filter(|r| r.path.starts_with("/v2/messaging_profiles/"))
        .count();
    assert_eq!(profile_reads, 1, "one profile, read once");
    let on_profile: Vec<_> = (listing.numbers.iter())
        .filter(|n| n.sms_owner.is_some())
        .collect();
    assert_eq!(on_profile.len(), 9);
    for n in &on_profile {
        assert_eq!(
            n.metadata().sms_webhook_url(),
            Some("https://sms.example.com/telnyx")
        );
    }
    let off = listing.numbers.iter().find(|n| n.sms_owner.is_none());
    assert_eq!(off.unwrap().metadata().sms_webhook_url(), None);

    let r = on_profile[0].to_ref();
    let d = c
        .drift(&r, None, Some("https://sms.example.com/telnyx"))
        .await;
    let d = d.unwrap();
    assert_eq!(
        (d.voice, d.sms),
        (DriftStatus::NotRecorded, DriftStatus::InSync)
    );
    let d = c
        .drift(&r, None, Some("https://platform.example.com/sms"))
        .await;
    assert!(matches!(
        d.unwrap().sms,
        DriftStatus::Drifted { provider_url: Some(u), .. } if u == "https://sms.example.com/telnyx"
    ));
}
