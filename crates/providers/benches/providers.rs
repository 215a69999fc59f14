//! Benchmarks against the local fakes, printed as figures (no harness):
//!
//! 1. Import 10,000 Twilio numbers (10 pages of 1000) end to end: list, map into core types,
//!    diff against an empty inventory. Target ≤ 1 s.
//! 2. Re-point 1,000 webhooks with 50 ms injected latency per request at the default
//!    concurrency. Target within 1.2× of requests × 50 ms / concurrency (two requests per
//!    number: the number is read, then written).
//!
//! Run: `cargo bench -p switchboard-providers --bench providers`.

use std::time::{Duration, Instant};

use switchboard_fake_providers::{FakeConfig, FakeKind, FakeProviders, Faults, creds};
use switchboard_providers::ProviderClient;
use switchboard_providers::flows::{self, BulkOptions, DEFAULT_CONCURRENCY};
use switchboard_providers::http::HttpSettings;
use switchboard_providers::model::{ListProgress, NumberRef, SharedPolicy, WebhookChange};
use switchboard_providers::twilio::{TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint};
use switchboard_secrets::SecretString;
use tokio_util::sync::CancellationToken;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(bench())
}

async fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let fakes = FakeProviders::start(FakeConfig {
        twilio_numbers: 10_000,
        ..FakeConfig::default()
    })
    .await?;
    let client = ProviderClient::Twilio(TwilioClient::new(
        TwilioCredentials {
            account_sid: creds::TWILIO_ACCOUNT_SID.into(),
            auth: TwilioAuth::AuthToken(SecretString::new(creds::TWILIO_AUTH_TOKEN.into())),
        },
        TwilioEndpoint::Twilio {
            base_url: Some(fakes.base_url(FakeKind::Twilio)),
        },
        &HttpSettings::default(),
    )?);

    let none = |_p: ListProgress| {};
    let mut best = Duration::MAX;
    let mut refs: Vec<NumberRef> = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let diff = flows::import_preview(&client, &[], &none, &CancellationToken::new()).await?;
        let took = started.elapsed();
        best = best.min(took);
        assert_eq!(diff.new.len(), 10_000);
        refs = diff.new.iter().map(|n| n.to_ref()).collect();
        println!(
            "import 10,000 Twilio numbers (10 pages): {:.3} s",
            took.as_secs_f64()
        );
    }
    println!(
        "import best of 3: {:.3} s (target <= 1.000 s): {}",
        best.as_secs_f64(),
        if best <= Duration::from_secs(1) {
            "ok"
        } else {
            "MISSED"
        }
    );

    fakes.faults(FakeKind::Twilio).set(Faults {
        latency_ms: 50,
        ..Faults::default()
    });
    let targets = &refs[..1000];
    let change = WebhookChange::both("https://platform.example.com/hooks/twilio");
    fakes.faults(FakeKind::Twilio).clear_requests();
    let started = Instant::now();
    let report = flows::bulk_set_webhooks(
        &client,
        targets,
        &change,
        SharedPolicy::OnlyThisNumber,
        &BulkOptions::default(),
        &|_| {},
    )
    .await;
    let took = started.elapsed().as_secs_f64();
    // Each change reads the number (is a channel on an application?), then writes it.
    let requests = fakes.faults(FakeKind::Twilio).request_count();
    let ideal = requests as f64 * 0.050 / DEFAULT_CONCURRENCY as f64;
    println!(
        "re-point 1,000 webhooks, 50 ms latency, concurrency {DEFAULT_CONCURRENCY}: {took:.3} s \
         ({requests} requests, ideal {ideal:.3} s, ratio {:.3}, target <= 1.2): {} ({} ok, {} failed)",
        took / ideal,
        if took / ideal <= 1.2 { "ok" } else { "MISSED" },
        report.succeeded(),
        report.failed(),
    );
    fakes.shutdown();
    Ok(())
}
