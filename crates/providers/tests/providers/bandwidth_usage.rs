//! Bandwidth's call and message records are not read yet: a pull says so instead of returning
//! nothing, so that no usage report takes an unread account for an idle one.

use switchboard_core::usage::{CallRecord, MessageRecord};
use switchboard_fake_providers::{FakeConfig, FakeKind};
use switchboard_providers::Api;
use switchboard_providers::model::Gather;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::*;

#[tokio::test]
async fn a_bandwidth_pull_says_it_is_not_supported() {
    let f = fakes(FakeConfig::default()).await;
    let c = super::others::bandwidth_with(
        &f.base_url(FakeKind::Bandwidth),
        super::others::oauth(switchboard_fake_providers::creds::BANDWIDTH_CLIENT_SECRET),
        &fast(),
    );
    let since = OffsetDateTime::now_utc() - time::Duration::days(1);
    let cancel = CancellationToken::new();
    let calls = Gather::<CallRecord>::default();
    let e = c
        .calls_since(since, &|p| calls.page(p), &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::Unsupported {
                api: Api::Bandwidth,
                ..
            }
        ),
        "{e:?}"
    );
    let messages = Gather::<MessageRecord>::default();
    let e = c
        .messages_since(since, &|p| messages.page(p), &cancel)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("call and message records"), "{e}");
    assert!(
        f.faults(FakeKind::Bandwidth).requests().is_empty(),
        "nothing asked"
    );
}
