//! Paging links stay on the account's API origin; listings and response bodies are capped.

use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, Faults, creds};
use switchboard_providers::bandwidth::BandwidthAuth;
use switchboard_providers::twilio::{MAX_PAGE_SIZE, TwilioAuth};

use super::others::{bandwidth_with, oauth, plivo_with, telnyx_with, vonage_with};
use super::twilio::{client, client_with, token};
use super::*;

/// Lists and returns the error; the listing must fail.
async fn list_err(client: &ProviderClient) -> ProviderError {
    match client
        .list_numbers(&|_| {}, &CancellationToken::new())
        .await
    {
        Ok(listing) => panic!(
            "the listing must fail; it read {} numbers in {} pages",
            listing.numbers.len(),
            listing.pages
        ),
        Err(e) => e,
    }
}

fn with_next_link(f: &FakeProviders, kind: FakeKind, link: String) {
    f.faults(kind).set(Faults {
        next_link: Some(link),
        ..Faults::default()
    });
}

/// `http://127.0.0.1:PORT` → `127.0.0.1:PORT`.
fn host_port(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// Fakes with `config`, and a second set on other ports — another origin, whose `kind` fake
/// would answer — with that origin.
async fn with_another_origin(
    config: FakeConfig,
    kind: FakeKind,
) -> (FakeProviders, FakeProviders, String) {
    let f = fakes(config).await;
    let other = fakes(FakeConfig::default()).await;
    let other_base = other.base_url(kind);
    (f, other, other_base)
}

#[tokio::test]
async fn twilio_next_page_uri_off_the_origin_gets_an_error_and_the_other_host_nothing() {
    let config = FakeConfig {
        twilio_numbers: 1_500,
        ..FakeConfig::default()
    };
    let (f, other, other_base) = with_another_origin(config, FakeKind::Twilio).await;
    let path = format!(
        "/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json?PageSize=1000&Page=1",
        creds::TWILIO_ACCOUNT_SID
    );
    let c = client(&f);
    for link in [
        // Pasted onto "http://127.0.0.1:A" as text, this is user info, then host 127.0.0.1:B.
        format!("@{}{path}", host_port(&other_base)),
        format!("//{}{path}", host_port(&other_base)),
        format!("{other_base}{path}"),
    ] {
        with_next_link(&f, FakeKind::Twilio, link.clone());
        f.faults(FakeKind::Twilio).clear_requests();
        let e = list_err(&c).await;
        assert!(
            matches!(e, ProviderError::ForeignLink { .. }),
            "{link}: {e:?}"
        );
        let text = e.to_string();
        assert!(
            text.contains("Twilio") && text.contains(&f.base_url(FakeKind::Twilio)),
            "{text}"
        );
        assert_eq!(f.faults(FakeKind::Twilio).request_count(), 1, "{link}");
        assert_eq!(
            other.faults(FakeKind::Twilio).request_count(),
            0,
            "{link}: the other host must receive nothing"
        );
    }
    // The host is named (not for the relative "@…" form, which has none).
    let e = list_err(&c).await;
    assert!(e.to_string().contains(host_port(&other_base)), "{e}");

    // The fake's own links (paths on the origin) are followed to the end.
    f.faults(FakeKind::Twilio).set(Faults::default());
    let (listing, _) = list_all(&c).await;
    assert_eq!(listing.numbers.len(), 1_500);
}

#[tokio::test]
async fn bandwidth_next_link_off_the_origin_gets_an_error_and_the_other_host_nothing() {
    let config = FakeConfig {
        bandwidth_numbers: 3_000,
        ..FakeConfig::default()
    };
    let (f, other, other_base) = with_another_origin(config, FakeKind::Bandwidth).await;
    let c = bandwidth_with(
        &f.base_url(FakeKind::Bandwidth),
        oauth(creds::BANDWIDTH_CLIENT_SECRET),
        &fast(),
    );
    let legacy = bandwidth_with(
        &f.base_url(FakeKind::Bandwidth),
        BandwidthAuth::Basic {
            username: creds::BANDWIDTH_USERNAME.into(),
            password: secret(creds::BANDWIDTH_PASSWORD),
        },
        &fast(),
    );
    let path = format!(
        "/api/accounts/{}/inserviceNumbers?page=2&size=2500",
        creds::BANDWIDTH_ACCOUNT_ID
    );
    with_next_link(&f, FakeKind::Bandwidth, format!("{other_base}{path}"));
    for client in [&c, &legacy] {
        let e = list_err(client).await;
        assert!(
            matches!(&e, ProviderError::ForeignLink { host, .. } if host.contains(host_port(&other_base))),
            "{e:?}"
        );
    }
    assert_eq!(other.faults(FakeKind::Bandwidth).request_count(), 0);

    f.faults(FakeKind::Bandwidth).set(Faults::default());
    let (listing, _) = list_all(&c).await;
    assert_eq!(listing.numbers.len(), 3_000);
}

#[tokio::test]
async fn every_listing_stops_at_the_page_cap_with_a_clear_error() {
    // Two pages' worth of numbers allowed; each fake has one number more than that.
    let f = fakes(FakeConfig {
        twilio_numbers: 2 * 1000 + 1,
        vonage_numbers: 2 * 100 + 1,
        telnyx_numbers: 2 * 250 + 1,
        bandwidth_numbers: 2 * 2500 + 1,
        plivo_numbers: 2 * 20 + 1,
        plivo_rate_window: None,
        ..FakeConfig::default()
    })
    .await;
    let capped = |page_size: u32| HttpSettings {
        max_listed_numbers: 2 * page_size as usize,
        ..fast()
    };
    let basic = BandwidthAuth::Basic {
        username: creds::BANDWIDTH_USERNAME.into(),
        password: secret(creds::BANDWIDTH_PASSWORD),
    };
    let clients = [
        (
            FakeKind::Twilio,
            MAX_PAGE_SIZE,
            client_with(&f.base_url(FakeKind::Twilio), token(), &capped(1000)),
        ),
        (
            FakeKind::Vonage,
            100,
            vonage_with(
                &f.base_url(FakeKind::Vonage),
                creds::VONAGE_API_SECRET,
                &capped(100),
            ),
        ),
        (
            FakeKind::Telnyx,
            250,
            telnyx_with(
                &f.base_url(FakeKind::Telnyx),
                creds::TELNYX_API_KEY,
                &capped(250),
            ),
        ),
        (
            FakeKind::Bandwidth,
            2500,
            bandwidth_with(&f.base_url(FakeKind::Bandwidth), basic, &capped(2500)),
        ),
        (
            FakeKind::Plivo,
            20,
            plivo_with(
                &f.base_url(FakeKind::Plivo),
                creds::PLIVO_AUTH_TOKEN,
                &capped(20),
            ),
        ),
    ];
    for (kind, page_size, client) in clients {
        let e = list_err(&client).await;
        assert!(
            matches!(e, ProviderError::TooManyPages { pages: 2, page_size: p, .. } if p == page_size),
            "{kind:?}: {e:?}"
        );
        assert!(e.to_string().contains("stopped after 2 pages"), "{e}");
        assert_eq!(
            f.faults(kind).request_count(),
            2,
            "{kind:?}: the page past the cap is not requested"
        );
    }
    // With room for every number, the same listing completes.
    let roomy = client_with(&f.base_url(FakeKind::Twilio), token(), &fast());
    let (listing, _) = list_all(&roomy).await;
    assert_eq!(listing.numbers.len(), 2_001);
}

#[tokio::test]
async fn a_body_over_the_cap_is_not_read_and_not_retried() {
    let f = fakes(FakeConfig {
        twilio_numbers: 200,
        ..FakeConfig::default()
    })
    .await;
    let settings = HttpSettings {
        max_body_bytes: 64 * 1024,
        ..fast()
    };
    let c = client_with(&f.base_url(FakeKind::Twilio), token(), &settings);
    // 200 numbers in one page is about 300 KB.
    let e = list_err(&c).await;
    assert!(
        matches!(e, ProviderError::TooLarge { limit: 65_536, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("larger than 65536 bytes"), "{e}");
    assert_eq!(f.faults(FakeKind::Twilio).request_count(), 1);
    // Small bodies under the same cap are read as usual.
    let info = c.verify().await.unwrap();
    assert_eq!(info.account_id, creds::TWILIO_ACCOUNT_SID);
    // An error body over the cap is cut, and still read as the provider's error.
    let bad = client_with(
        &f.base_url(FakeKind::Twilio),
        TwilioAuth::AuthToken(secret("wrong")),
        &HttpSettings {
            max_body_bytes: 40,
            ..fast()
        },
    );
    let e = bad.verify().await.unwrap_err();
    assert!(e.is_auth(), "{e:?}");
}
