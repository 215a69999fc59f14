//! How a provider account authenticates, as kept in one credential-vault entry per account,
//! and the client that follows from it.
//!
//! Each account (provider + account id) has one vault entry. Most providers need one secret
//! (a Twilio auth token, a Vonage API secret, a Telnyx API key, a Plivo auth token): the entry
//! is that secret as typed. Other kinds need a non-secret identifier beside the secret — a
//! Twilio API key SID, a SignalWire space, a Bandwidth OAuth2 client id or legacy API user —
//! and the entry is then a small JSON object, `{"kind": "twilio_api_key", "key_sid": "SK…",
//! "secret": "…"}`, so the account keeps working from any store (the team database has no
//! account list) and the identifier never travels without its secret.
//!
//! What is guaranteed: [`AccountAuth`]'s `Debug` shows identifiers, never a secret; it cannot be
//! serialized except into the vault form ([`AccountAuth::to_vault`], itself a
//! [`SecretString`]); an entry that names an unknown kind, or a kind of another provider, is an
//! error that says so rather than a client with the wrong credentials.

use serde_json::{Value, json};
use switchboard_core::domain::Provider;
use switchboard_secrets::SecretString;

use crate::bandwidth::{BandwidthAuth, BandwidthClient, BandwidthCredentials};
use crate::client::ProviderClient;
use crate::config;
use crate::error::{Api, ProviderError, Result};
use crate::http::HttpSettings;
use crate::plivo::{PlivoClient, PlivoCredentials};
use crate::telnyx::{TelnyxClient, TelnyxCredentials};
use crate::twilio::{TwilioAuth, TwilioClient, TwilioCredentials, TwilioEndpoint};
use crate::vonage::{VonageClient, VonageCredentials};

/// How one provider account authenticates.
#[derive(Debug, Clone)]
pub enum AccountAuth {
    /// The provider's single secret: Twilio auth token, Vonage API secret, Telnyx API key,
    /// Plivo auth token.
    Secret(SecretString),
    /// A Twilio API key (`SK…` SID and its secret) for the account.
    TwilioApiKey {
        /// The key's SID, `SK…`.
        key_sid: String,
        /// The key's secret.
        secret: SecretString,
    },
    /// A SignalWire project: the Twilio-compatible API under the space's host; the account id
    /// is the project id.
    SignalWire {
        /// The space name (`acme` of `acme.signalwire.com`).
        space: String,
        /// The project's API token.
        token: SecretString,
    },
    /// Bandwidth OAuth2 client credentials.
    BandwidthOAuth2 {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
    },
    /// A legacy Bandwidth API user with HTTP Basic.
    BandwidthBasic {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
}

/// The kinds of credentials an account can be added with, as the CLI's `accounts add` flags
/// and the app's add-account form name them. Each kind but [`CredentialKind::Secret`] keeps a
/// non-secret identifier beside the secret ([`CredentialKind::identifier_name`]). The app's
/// add-account form sends it in camelCase (`twilioApiKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CredentialKind {
    /// The provider's single secret: Twilio auth token, Vonage API secret, Telnyx API key,
    /// Plivo auth token (and, for Bandwidth, the first `CLIENT_ID:CLIENT_SECRET` form).
    Secret,
    /// A Twilio API key: its `SK…` SID beside its secret.
    TwilioApiKey,
    /// A SignalWire project through the Twilio API: the space beside the API token.
    SignalWire,
    /// Bandwidth OAuth2 client credentials: the client id beside the client secret.
    BandwidthOAuth2,
    /// A legacy Bandwidth API user: the user name beside its password.
    BandwidthBasic,
}

impl CredentialKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [CredentialKind; 5] = [
        CredentialKind::Secret,
        CredentialKind::TwilioApiKey,
        CredentialKind::SignalWire,
        CredentialKind::BandwidthOAuth2,
        CredentialKind::BandwidthBasic,
    ];

    /// The kinds an account of `provider` can be added with, the provider's main kind first.
    /// (Bandwidth's plain secret, `CLIENT_ID:CLIENT_SECRET`, is still read from the vault and
    /// accepted by the CLI, but a form asks for the client id apart: OAuth2.)
    pub fn for_provider(provider: Provider) -> &'static [CredentialKind] {
        match provider {
            Provider::Twilio => &[
                CredentialKind::Secret,
                CredentialKind::TwilioApiKey,
                CredentialKind::SignalWire,
            ],
            Provider::Bandwidth => &[
                CredentialKind::BandwidthOAuth2,
                CredentialKind::BandwidthBasic,
            ],
            Provider::Vonage | Provider::Telnyx | Provider::Plivo => &[CredentialKind::Secret],
        }
    }

    /// Whether accounts of `provider` can use this kind.
    pub fn fits(self, provider: Provider) -> bool {
        self == CredentialKind::Secret && provider == Provider::Bandwidth
            || Self::for_provider(provider).contains(&self)
    }

    /// What the identifier kept beside the secret is called; `None` for a plain secret.
    pub fn identifier_name(self) -> Option<&'static str> {
        match self {
            CredentialKind::Secret => None,
            CredentialKind::TwilioApiKey => Some("API key SID"),
            CredentialKind::SignalWire => Some("SignalWire space"),
            CredentialKind::BandwidthOAuth2 => Some("client id"),
            CredentialKind::BandwidthBasic => Some("user name"),
        }
    }

    /// What the secret of this kind is called for an account of `provider`.
    pub fn secret_name(self, provider: Provider) -> &'static str {
        match self {
            CredentialKind::Secret => match provider {
                Provider::Twilio | Provider::Plivo => "Auth token",
                Provider::Vonage => "API secret",
                Provider::Telnyx => "API key",
                Provider::Bandwidth => "CLIENT_ID:CLIENT_SECRET",
            },
            CredentialKind::TwilioApiKey => "API key secret",
            CredentialKind::SignalWire => "SignalWire API token",
            CredentialKind::BandwidthOAuth2 => "OAuth2 client secret",
            CredentialKind::BandwidthBasic => "API user password",
        }
    }

    /// A short name: "auth token", "Twilio API key", ….
    pub fn describe(self) -> &'static str {
        match self {
            CredentialKind::Secret => "secret",
            CredentialKind::TwilioApiKey => "Twilio API key",
            CredentialKind::SignalWire => "SignalWire",
            CredentialKind::BandwidthOAuth2 => "Bandwidth OAuth2",
            CredentialKind::BandwidthBasic => "Bandwidth API user",
        }
    }
}

fn invalid(api: Api, field: &'static str, reason: impl Into<String>) -> ProviderError {
    ProviderError::InvalidInput {
        api,
        field,
        reason: reason.into(),
    }
}

fn api_of(provider: Provider) -> Api {
    match provider {
        Provider::Twilio => Api::Twilio,
        Provider::Vonage => Api::Vonage,
        Provider::Telnyx => Api::Telnyx,
        Provider::Bandwidth => Api::Bandwidth,
        Provider::Plivo => Api::Plivo,
    }
}

/// An identifier kept beside a secret: non-empty, printable, no whitespace. Errors never
/// repeat the value: it may be the secret typed into the wrong field.
fn identifier(api: Api, field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            api,
            field,
            format!(
                "is not a valid {field} ({} characters; no spaces or control characters)",
                value.chars().count()
            ),
        ));
    }
    Ok(value.to_owned())
}

impl AccountAuth {
    /// The credentials of `kind`: `identifier` (required by every kind but
    /// [`CredentialKind::Secret`], which ignores it) beside `secret`. Not checked yet: see
    /// [`AccountAuth::check`].
    pub fn of_kind(
        provider: Provider,
        kind: CredentialKind,
        identifier: Option<&str>,
        secret: SecretString,
    ) -> Result<Self> {
        let id = || {
            let name = kind.identifier_name().unwrap_or("identifier");
            identifier
                .map(str::to_owned)
                .filter(|i| !i.trim().is_empty())
                .ok_or_else(|| {
                    invalid(
                        api_of(provider),
                        name,
                        format!(
                            "is required beside the {}",
                            kind.secret_name(provider).to_lowercase()
                        ),
                    )
                })
        };
        Ok(match kind {
            CredentialKind::Secret => AccountAuth::Secret(secret),
            CredentialKind::TwilioApiKey => AccountAuth::TwilioApiKey {
                key_sid: id()?,
                secret,
            },
            CredentialKind::SignalWire => AccountAuth::SignalWire {
                space: id()?,
                token: secret,
            },
            CredentialKind::BandwidthOAuth2 => AccountAuth::BandwidthOAuth2 {
                client_id: id()?,
                client_secret: secret,
            },
            CredentialKind::BandwidthBasic => AccountAuth::BandwidthBasic {
                username: id()?,
                password: secret,
            },
        })
    }

    /// Checks a kind and its identifier for `provider` before any secret is asked for: the
    /// kind must fit the provider and the identifier be well formed (an `SK…` SID, a valid
    /// SignalWire space, …).
    pub fn check_kind(
        provider: Provider,
        kind: CredentialKind,
        identifier: Option<&str>,
    ) -> Result<()> {
        if !kind.fits(provider) {
            return Err(invalid(
                api_of(provider),
                "credential kind",
                format!("{} credentials are not for {provider}", kind.describe()),
            ));
        }
        if kind == CredentialKind::Secret {
            return Ok(());
        }
        let probe = SecretString::new("-".into());
        Self::of_kind(provider, kind, identifier, probe)?
            .check(provider)
            .map(|_| ())
    }

    /// The kind of these credentials.
    pub fn kind(&self) -> CredentialKind {
        match self {
            AccountAuth::Secret(_) => CredentialKind::Secret,
            AccountAuth::TwilioApiKey { .. } => CredentialKind::TwilioApiKey,
            AccountAuth::SignalWire { .. } => CredentialKind::SignalWire,
            AccountAuth::BandwidthOAuth2 { .. } => CredentialKind::BandwidthOAuth2,
            AccountAuth::BandwidthBasic { .. } => CredentialKind::BandwidthBasic,
        }
    }

    /// Checks that this kind belongs to `provider` and its identifiers are well formed.
    pub fn check(self, provider: Provider) -> Result<Self> {
        let api = api_of(provider);
        let wrong = |kind: &str| {
            invalid(
                api,
                "credential kind",
                format!("{kind} credentials are not for {provider}"),
            )
        };
        Ok(match self {
            AccountAuth::Secret(s) if provider == Provider::Bandwidth => {
                // The form this CLI used first: CLIENT_ID:CLIENT_SECRET.
                Self::bandwidth_pair(s)?
            }
            AccountAuth::Secret(s) => AccountAuth::Secret(s),
            AccountAuth::TwilioApiKey { key_sid, secret } => {
                if provider != Provider::Twilio {
                    return Err(wrong("Twilio API key"));
                }
                let key_sid = identifier(api, "API key SID", &key_sid)?;
                if !key_sid.starts_with("SK") {
                    return Err(invalid(
                        api,
                        "API key SID",
                        format!(
                            "is not an API key SID (SK…; {} characters given); the key's secret \
                             is read as the secret",
                            key_sid.chars().count()
                        ),
                    ));
                }
                AccountAuth::TwilioApiKey { key_sid, secret }
            }
            AccountAuth::SignalWire { space, token } => {
                if provider != Provider::Twilio {
                    return Err(wrong("SignalWire"));
                }
                config::signalwire_space_url(&space)?;
                AccountAuth::SignalWire {
                    space: space.trim().to_owned(),
                    token,
                }
            }
            AccountAuth::BandwidthOAuth2 {
                client_id,
                client_secret,
            } => {
                if provider != Provider::Bandwidth {
                    return Err(wrong("Bandwidth OAuth2"));
                }
                AccountAuth::BandwidthOAuth2 {
                    client_id: identifier(api, "client id", &client_id)?,
                    client_secret,
                }
            }
            AccountAuth::BandwidthBasic { username, password } => {
                if provider != Provider::Bandwidth {
                    return Err(wrong("Bandwidth API user"));
                }
                AccountAuth::BandwidthBasic {
                    username: identifier(api, "user name", &username)?,
                    password,
                }
            }
        })
    }

    fn bandwidth_pair(s: SecretString) -> Result<Self> {
        match s.expose_secret().split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(AccountAuth::BandwidthOAuth2 {
                    client_id: identifier(Api::Bandwidth, "client id", id)?,
                    client_secret: SecretString::new(secret.to_owned()),
                })
            }
            _ => Err(invalid(
                Api::Bandwidth,
                "credentials",
                "Bandwidth needs an OAuth2 client id (--client-id) or a legacy API user \
                 (--username) beside the secret",
            )),
        }
    }

    /// What kind of credentials these are, for messages: "auth token", "API key SK…", ….
    pub fn describe(&self) -> String {
        match self {
            AccountAuth::Secret(_) => "secret".into(),
            AccountAuth::TwilioApiKey { key_sid, .. } => format!("API key {key_sid}"),
            AccountAuth::SignalWire { space, .. } => format!("SignalWire space {space}"),
            AccountAuth::BandwidthOAuth2 { client_id, .. } => {
                format!("OAuth2 client {client_id}")
            }
            AccountAuth::BandwidthBasic { username, .. } => format!("API user {username}"),
        }
    }

    /// The vault entry: the secret itself, or the JSON object of a kind with an identifier.
    pub fn to_vault(&self) -> SecretString {
        let object = match self {
            AccountAuth::Secret(s) => return s.clone(),
            AccountAuth::TwilioApiKey { key_sid, secret } => json!({
                "kind": "twilio_api_key", "key_sid": key_sid, "secret": secret.expose_secret(),
            }),
            AccountAuth::SignalWire { space, token } => json!({
                "kind": "signalwire", "space": space, "token": token.expose_secret(),
            }),
            AccountAuth::BandwidthOAuth2 {
                client_id,
                client_secret,
            } => json!({
                "kind": "bandwidth_oauth2", "client_id": client_id,
                "client_secret": client_secret.expose_secret(),
            }),
            AccountAuth::BandwidthBasic { username, password } => json!({
                "kind": "bandwidth_basic", "username": username,
                "password": password.expose_secret(),
            }),
        };
        SecretString::new(object.to_string())
    }

    /// Reads a vault entry of a `provider` account (see [`AccountAuth::to_vault`]).
    pub fn from_vault(provider: Provider, stored: &SecretString) -> Result<Self> {
        let api = api_of(provider);
        let text = stored.expose_secret();
        let object = text
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<Value>(text).ok())
            .flatten()
            .filter(|v| v.get("kind").is_some_and(Value::is_string));
        let Some(v) = object else {
            return AccountAuth::Secret(stored.clone()).check(provider);
        };
        let field = |name: &'static str| -> Result<String> {
            v.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    invalid(
                        api,
                        "stored credentials",
                        format!("the vault entry lacks {name}; enter the credentials again"),
                    )
                })
        };
        let secret = |name: &'static str| field(name).map(SecretString::new);
        let auth = match v.get("kind").and_then(Value::as_str).unwrap_or_default() {
            "twilio_api_key" => AccountAuth::TwilioApiKey {
                key_sid: field("key_sid")?,
                secret: secret("secret")?,
            },
            "signalwire" => AccountAuth::SignalWire {
                space: field("space")?,
                token: secret("token")?,
            },
            "bandwidth_oauth2" => AccountAuth::BandwidthOAuth2 {
                client_id: field("client_id")?,
                client_secret: secret("client_secret")?,
            },
            "bandwidth_basic" => AccountAuth::BandwidthBasic {
                username: field("username")?,
                password: secret("password")?,
            },
            other => {
                return Err(invalid(
                    api,
                    "stored credentials",
                    format!(
                        "the vault entry is of kind {other:?}, which this version does not \
                         know; enter the credentials again"
                    ),
                ));
            }
        };
        auth.check(provider)
    }

    /// The secret of a provider that takes nothing else (Vonage, Telnyx, Plivo); another kind
    /// of credentials is refused.
    fn only_secret(self, provider: Provider) -> Result<SecretString> {
        match self {
            AccountAuth::Secret(secret) => Ok(secret),
            other => Err(invalid(
                api_of(provider),
                "credential kind",
                format!("{} is not for {provider}", other.describe()),
            )),
        }
    }

    /// The client of a `provider` account with these credentials.
    pub fn client(
        self,
        provider: Provider,
        account_id: &str,
        settings: &HttpSettings,
    ) -> Result<ProviderClient> {
        let id = account_id.to_owned();
        Ok(match (provider, self.check(provider)?) {
            (Provider::Twilio, auth) => {
                let (auth, endpoint) = match auth {
                    AccountAuth::TwilioApiKey { key_sid, secret } => (
                        TwilioAuth::ApiKey {
                            sid: key_sid,
                            secret,
                        },
                        TwilioEndpoint::Twilio { base_url: None },
                    ),
                    AccountAuth::SignalWire { space, token } => (
                        TwilioAuth::AuthToken(token),
                        TwilioEndpoint::SignalWire {
                            space_url: config::signalwire_space_url(&space)?,
                        },
                    ),
                    AccountAuth::Secret(token) => (
                        TwilioAuth::AuthToken(token),
                        TwilioEndpoint::Twilio { base_url: None },
                    ),
                    other => {
                        return Err(invalid(
                            Api::Twilio,
                            "credential kind",
                            format!("{} is not for twilio", other.describe()),
                        ));
                    }
                };
                ProviderClient::Twilio(TwilioClient::new(
                    TwilioCredentials {
                        account_sid: id,
                        auth,
                    },
                    endpoint,
                    settings,
                )?)
            }
            (Provider::Bandwidth, auth) => {
                let auth = match auth {
                    AccountAuth::BandwidthOAuth2 {
                        client_id,
                        client_secret,
                    } => BandwidthAuth::OAuth2 {
                        client_id,
                        client_secret,
                    },
                    AccountAuth::BandwidthBasic { username, password } => {
                        BandwidthAuth::Basic { username, password }
                    }
                    other => {
                        return Err(invalid(
                            Api::Bandwidth,
                            "credential kind",
                            format!("{} is not for bandwidth", other.describe()),
                        ));
                    }
                };
                ProviderClient::Bandwidth(BandwidthClient::new(
                    BandwidthCredentials {
                        account_id: id,
                        auth,
                    },
                    None,
                    settings,
                )?)
            }
            (Provider::Vonage, auth) => ProviderClient::Vonage(VonageClient::new(
                VonageCredentials {
                    api_key: id,
                    api_secret: auth.only_secret(Provider::Vonage)?,
                },
                None,
                settings,
            )?),
            (Provider::Telnyx, auth) => ProviderClient::Telnyx(TelnyxClient::new(
                TelnyxCredentials {
                    account_id: id,
                    api_key: auth.only_secret(Provider::Telnyx)?,
                },
                None,
                settings,
            )?),
            (Provider::Plivo, auth) => ProviderClient::Plivo(PlivoClient::new(
                PlivoCredentials {
                    auth_id: id,
                    auth_token: auth.only_secret(Provider::Plivo)?,
                },
                None,
                settings,
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::new(s.to_owned())
    }

    #[test]
    fn every_kind_round_trips_through_the_vault_form() {
        let kinds = [
            (Provider::Twilio, AccountAuth::Secret(secret("tok"))),
            (
                Provider::Twilio,
                AccountAuth::TwilioApiKey {
                    key_sid: "SK01".into(),
                    secret: secret("ks"),
                },
            ),
            (
                Provider::Twilio,
                AccountAuth::SignalWire {
                    space: "acme".into(),
                    token: secret("pt"),
                },
            ),
            (
                Provider::Bandwidth,
                AccountAuth::BandwidthOAuth2 {
                    client_id: "cid".into(),
                    client_secret: secret("cs"),
                },
            ),
            (
                Provider::Bandwidth,
                AccountAuth::BandwidthBasic {
                    username: "user".into(),
                    password: secret("pw"),
                },
            ),
            (Provider::Plivo, AccountAuth::Secret(secret("pl"))),
        ];
        for (provider, auth) in kinds {
            let stored = auth.to_vault();
            let back = AccountAuth::from_vault(provider, &stored).expect("reads back");
            assert_eq!(back.describe(), auth.describe());
            assert_eq!(
                back.to_vault().expose_secret(),
                stored.expose_secret(),
                "{provider}"
            );
            let debug = format!("{back:?}");
            for s in ["tok", "ks", "pt", "cs", "pw", "pl"] {
                assert!(!debug.contains(&format!("\"{s}\"")), "{debug}");
            }
        }
    }

    #[test]
    fn each_provider_offers_its_kinds_and_each_kind_builds_its_credentials() {
        assert_eq!(
            CredentialKind::for_provider(Provider::Twilio),
            [
                CredentialKind::Secret,
                CredentialKind::TwilioApiKey,
                CredentialKind::SignalWire
            ]
        );
        for provider in Provider::ALL {
            for kind in CredentialKind::for_provider(provider) {
                assert!(kind.fits(provider), "{provider} {kind:?}");
                let identifier = match kind {
                    CredentialKind::Secret => None,
                    CredentialKind::TwilioApiKey => Some("SK01"),
                    CredentialKind::SignalWire => Some("acme"),
                    _ => Some("someone"),
                };
                AccountAuth::check_kind(provider, *kind, identifier).expect("valid");
                let auth = AccountAuth::of_kind(provider, *kind, identifier, secret("s3"))
                    .and_then(|a| a.check(provider))
                    .expect("builds");
                assert_eq!(auth.kind(), *kind);
                // Read back from the vault form as the same kind.
                let back = AccountAuth::from_vault(provider, &auth.to_vault()).expect("reads");
                assert_eq!(back.kind(), *kind, "{provider}");
            }
        }
        let e =
            AccountAuth::check_kind(Provider::Vonage, CredentialKind::TwilioApiKey, Some("SK1"))
                .expect_err("not for vonage");
        assert!(e.to_string().contains("not for vonage"), "{e}");
        let e = AccountAuth::check_kind(Provider::Twilio, CredentialKind::TwilioApiKey, Some(" "))
            .expect_err("no sid");
        assert!(e.to_string().contains("API key SID"), "{e}");
        let e =
            AccountAuth::check_kind(Provider::Twilio, CredentialKind::TwilioApiKey, Some("AC1"))
                .expect_err("not SK");
        assert!(e.to_string().contains("SK…"), "{e}");
        let e = AccountAuth::check_kind(Provider::Twilio, CredentialKind::SignalWire, Some("a b"))
            .expect_err("bad space");
        assert!(e.to_string().contains("SignalWire space"), "{e}");
        assert_eq!(
            CredentialKind::BandwidthBasic.secret_name(Provider::Bandwidth),
            "API user password"
        );
    }

    #[test]
    fn a_secret_typed_as_the_identifier_is_refused_without_repeating_it() {
        let pasted = "0123456789abcdef0123456789abcdef";
        for (provider, kind, identifier) in [
            (
                Provider::Twilio,
                CredentialKind::TwilioApiKey,
                pasted.to_owned(),
            ),
            (
                Provider::Bandwidth,
                CredentialKind::BandwidthOAuth2,
                format!("{pasted} x"),
            ),
            (
                Provider::Bandwidth,
                CredentialKind::BandwidthBasic,
                format!("user {pasted}"),
            ),
            (
                Provider::Twilio,
                CredentialKind::SignalWire,
                format!("PT{pasted}{pasted}"),
            ),
        ] {
            let e =
                AccountAuth::check_kind(provider, kind, Some(&identifier)).expect_err("refused");
            let text = format!("{e} {e:?}");
            assert!(!text.contains(pasted), "{provider} {kind:?}: {text}");
        }
    }

    #[test]
    fn a_kind_of_another_provider_or_a_bad_entry_is_refused() {
        let key = AccountAuth::TwilioApiKey {
            key_sid: "SK01".into(),
            secret: secret("ks"),
        };
        let err = AccountAuth::from_vault(Provider::Bandwidth, &key.to_vault()).expect_err("no");
        assert!(err.to_string().contains("not for bandwidth"), "{err}");
        let err = AccountAuth::TwilioApiKey {
            key_sid: "AC01".into(),
            secret: secret("ks"),
        }
        .check(Provider::Twilio)
        .expect_err("not SK");
        assert!(err.to_string().contains("SK…"), "{err}");
        let unknown = secret(r#"{"kind": "carrier_pigeon", "secret": "x"}"#);
        let err = AccountAuth::from_vault(Provider::Twilio, &unknown).expect_err("unknown");
        assert!(err.to_string().contains("carrier_pigeon"), "{err}");
        assert!(AccountAuth::from_vault(Provider::Bandwidth, &secret("no-colon")).is_err());
        // The first Bandwidth form, CLIENT_ID:CLIENT_SECRET, still reads as OAuth2.
        let pair = AccountAuth::from_vault(Provider::Bandwidth, &secret("cid:cs")).expect("pair");
        assert_eq!(pair.describe(), "OAuth2 client cid");
        // A plain secret that happens to be JSON without a kind stays a plain secret.
        let odd = secret(r#"{"token": 1}"#);
        assert_eq!(
            AccountAuth::from_vault(Provider::Telnyx, &odd)
                .expect("plain")
                .to_vault()
                .expose_secret(),
            odd.expose_secret()
        );
    }
}
