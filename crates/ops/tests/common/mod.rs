//! What the tests against the providers' fakes share.

use switchboard_fake_providers::creds;
use switchboard_providers::ProviderClient;
use switchboard_providers::http::HttpSettings;
use switchboard_providers::twilio::{TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint};
use switchboard_secrets::SecretString;

/// A client of the fake Twilio at `base`, with the fake's account and token.
#[allow(dead_code)]
pub fn twilio(base: &str) -> ProviderClient {
    let auth = TwilioAuth::AuthToken(SecretString::new(creds::TWILIO_AUTH_TOKEN.to_owned()));
    let client = TwilioClient::new(
        TwilioCredentials {
            account_sid: creds::TWILIO_ACCOUNT_SID.into(),
            auth,
        },
        TwilioEndpoint::Twilio {
            base_url: Some(base.to_owned()),
        },
        &HttpSettings::default(),
    );
    ProviderClient::Twilio(client.expect("a Twilio client"))
}

/// A client of the fake Vonage at `base`, with the fake's key and secret.
#[allow(dead_code)]
pub fn vonage(base: &str) -> ProviderClient {
    use switchboard_providers::vonage::{VonageClient, VonageCredentials};
    let creds = VonageCredentials {
        api_key: creds::VONAGE_API_KEY.into(),
        api_secret: SecretString::new(creds::VONAGE_API_SECRET.to_owned()),
    };
    let client = VonageClient::new(creds, Some(base), &HttpSettings::default());
    ProviderClient::Vonage(client.expect("a Vonage client"))
}

/// A client of the fake Telnyx at `base`, with the fake's key, labelled `telnyx-main`.
#[allow(dead_code)]
pub fn telnyx(base: &str) -> ProviderClient {
    use switchboard_providers::telnyx::{TelnyxClient, TelnyxCredentials};
    let creds = TelnyxCredentials {
        account_id: "telnyx-main".into(),
        api_key: SecretString::new(creds::TELNYX_API_KEY.to_owned()),
    };
    let client = TelnyxClient::new(creds, Some(base), &HttpSettings::default());
    ProviderClient::Telnyx(client.expect("a Telnyx client"))
}

/// A client of the fake Plivo at `base`, with the fake's auth id and token.
#[allow(dead_code)]
pub fn plivo(base: &str) -> ProviderClient {
    use switchboard_providers::plivo::{PlivoClient, PlivoCredentials};
    let creds = PlivoCredentials {
        auth_id: creds::PLIVO_AUTH_ID.into(),
        auth_token: SecretString::new(creds::PLIVO_AUTH_TOKEN.to_owned()),
    };
    let client = PlivoClient::new(creds, Some(base), &HttpSettings::default());
    ProviderClient::Plivo(client.expect("a Plivo client"))
}

/// A client of the fake Bandwidth at `base`, with the fake's account and OAuth2 client.
#[allow(dead_code)]
pub fn bandwidth(base: &str) -> ProviderClient {
    use switchboard_providers::bandwidth::{BandwidthAuth, BandwidthClient, BandwidthCredentials};
    let creds = BandwidthCredentials {
        account_id: creds::BANDWIDTH_ACCOUNT_ID.into(),
        auth: BandwidthAuth::OAuth2 {
            client_id: creds::BANDWIDTH_CLIENT_ID.into(),
            client_secret: SecretString::new(creds::BANDWIDTH_CLIENT_SECRET.into()),
        },
    };
    let client = BandwidthClient::new(creds, Some(base), &HttpSettings::default());
    ProviderClient::Bandwidth(client.expect("a Bandwidth client"))
}

/// A local workspace (in the returned directory) with one organization, `acme`, holding
/// `client`'s account of `provider` and every number it lists.
#[allow(dead_code)]
pub async fn holding(
    client: &ProviderClient,
    provider: switchboard_core::domain::Provider,
) -> (
    tempfile::TempDir,
    std::sync::Arc<dyn switchboard_ops::Inventory>,
    uuid::Uuid,
) {
    let (dir, inv, org, _) = holding_first(client, provider, usize::MAX).await;
    (dir, inv, org)
}

/// [`holding`] with only the first `count` numbers `client` lists, returned as recorded.
#[allow(dead_code)]
pub async fn holding_first(
    client: &ProviderClient,
    provider: switchboard_core::domain::Provider,
    count: usize,
) -> (
    tempfile::TempDir,
    std::sync::Arc<dyn switchboard_ops::Inventory>,
    uuid::Uuid,
    Vec<switchboard_core::domain::PhoneNumber>,
) {
    use switchboard_ops::{Inventory, Target, open};
    let listing = client
        .list_numbers(&|_| {}, &tokio_util::sync::CancellationToken::new())
        .await
        .expect("the account's numbers");
    let dir = tempfile::tempdir().expect("a directory");
    let inv: std::sync::Arc<dyn Inventory> = open(Target::Local(dir.path().join("w.db")))
        .await
        .expect("a workspace");
    let org = (inv.add_organization("acme", "Acme").await).expect("an organization");
    let account = client.account_id().to_owned();
    let id = account.clone();
    (inv.file().expect("a local workspace"))
        .run(move |ws| ws.add_account(org.id, provider, &id, None))
        .await
        .expect("the account");
    let mut numbers = Vec::new();
    for n in listing.numbers.iter().take(count) {
        let valid = n
            .to_new_number(&account)
            .validate()
            .expect("a valid number");
        numbers.push(
            inv.add_number(org.id, valid)
                .await
                .expect("the number")
                .number,
        );
    }
    (dir, inv, org.id, numbers)
}
