//! What the tests against the providers' fakes share.

use switchboard_fake_providers::creds;
use switchboard_providers::ProviderClient;
use switchboard_providers::http::HttpSettings;
use switchboard_providers::twilio::{TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint};
use switchboard_secrets::SecretString;

/// A client of the fake Twilio at `base`, with the fake's account and token.
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
