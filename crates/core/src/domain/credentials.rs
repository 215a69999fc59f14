//! The `credentials` JSON column, which must never hold a secret.
//!
//! The design stores provider credentials as JSONB and warns they should be encrypted;
//! Switchboard goes further: secrets live only in the OS credential vault, and this column
//! keeps the non-secret account identifiers plus a *reference* to the vault entry, as in the
//! design's Vault example: `{"accountSid": "AC…", "authTokenRef": "…"}`.
//!
//! [`Credentials`] can only be built through validation that accepts a per-provider list of
//! identifier keys and `…Ref` keys, and refuses anything that carries a secret (auth tokens,
//! API secrets, passwords, private keys) with a message saying where the secret belongs.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::Provider;
use crate::error::{Error, Result};

/// Non-secret identifiers and vault references of a provider account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Credentials(Map<String, Value>);

/// Keys that hold secrets under any provider, folded: a key whose folded form (lowercase, `_`
/// and `-` removed) is, or ends with, one of these holds a secret unless it is one of the
/// provider's identifier keys or a `…Ref` key (see [`Credentials::is_secret_key`]). Migration
/// `20261207000500_phone_numbers_checks.sql` repeats this rule in SQL; a test compares them.
pub const SECRET_KEYS: [&str; 13] = [
    "apikey",
    "authtoken",
    "apisecret",
    "secret",
    "password",
    "passwd",
    "token",
    "accesstoken",
    "privatekey",
    "clientsecret",
    "apikeysecret",
    "signaturesecret",
    "bearer",
];

/// The identifier keys a provider's account has.
pub fn identifier_keys(provider: Provider) -> &'static [&'static str] {
    match provider {
        // API keys: SK… sid is an identifier; its secret is not.
        Provider::Twilio => &["accountSid", "apiKeySid"],
        // Vonage's api_key is the public half of the key/secret pair.
        Provider::Vonage => &["apiKey", "applicationId"],
        Provider::Telnyx => &["connectionId", "messagingProfileId", "accountId"],
        Provider::Bandwidth => &[
            "accountId",
            "clientId",
            "siteId",
            "locationId",
            "applicationId",
        ],
        Provider::Plivo => &["authId", "applicationId"],
    }
}

impl Credentials {
    /// No account attached (a number added by hand).
    pub fn none() -> Self {
        Credentials(Map::new())
    }

    /// The reference stored for an account's secret: `vault:<provider>:<account id>`.
    pub fn vault_ref(provider: Provider, account_id: &str) -> String {
        format!("vault:{}:{}", provider.as_str(), account_id)
    }

    /// The reference key for a provider's secret, as in the design (`authTokenRef`).
    pub fn ref_key(provider: Provider) -> &'static str {
        match provider {
            Provider::Twilio | Provider::Plivo => "authTokenRef",
            Provider::Vonage => "apiSecretRef",
            Provider::Telnyx => "apiKeyRef",
            Provider::Bandwidth => "clientSecretRef",
        }
    }

    /// The account-id key of a provider (`accountSid`, `apiKey`, …).
    pub fn account_key(provider: Provider) -> &'static str {
        identifier_keys(provider)[0]
    }

    /// Credentials referencing `account_id` of `provider`, whose secret is in the vault.
    pub fn for_account(provider: Provider, account_id: &str) -> Result<Self> {
        let mut map = Map::new();
        map.insert(
            Self::account_key(provider).into(),
            Value::String(account_id.into()),
        );
        map.insert(
            Self::ref_key(provider).into(),
            Value::String(Self::vault_ref(provider, account_id)),
        );
        Self::from_value(provider, Value::Object(map))
    }

    /// Validates JSON for `provider`. Refuses secrets, unknown keys and non-string values.
    pub fn from_value(provider: Provider, value: Value) -> Result<Self> {
        let bad = |reason: String| Error::invalid("credentials", reason);
        let Value::Object(map) = value else {
            return Err(bad("must be a JSON object".into()));
        };
        let allowed = identifier_keys(provider);
        for (key, v) in &map {
            let is_ref = is_ref_key(key);
            if !is_ref && !allowed.contains(&key.as_str()) {
                if Self::is_secret_key(provider, key) {
                    return Err(bad(format!(
                        "{key:?} holds a secret; secrets live only in the OS credential vault \
                         (keep a reference such as {:?} instead)",
                        Self::ref_key(provider)
                    )));
                }
                return Err(bad(format!(
                    "unknown key {key:?} for {provider}; allowed: {}, or a …Ref key",
                    allowed.join(", ")
                )));
            }
            let Some(s) = v.as_str() else {
                return Err(bad(format!("{key:?} must be a string")));
            };
            check_identifier(provider, key, s, is_ref).map_err(bad)?;
        }
        Ok(Credentials(map))
    }

    /// Parses and validates JSON text.
    pub fn from_json(provider: Provider, text: &str) -> Result<Self> {
        let value = serde_json::from_str(text)
            .map_err(|e| Error::invalid("credentials", format!("not valid JSON: {e}")))?;
        Self::from_value(provider, value)
    }

    /// Whether `key` names a secret under `provider`: not one of its identifier keys, not a
    /// `…Ref` key, and, folded (lowercase, without `_` and `-`), one of [`SECRET_KEYS`] or
    /// ending with one (`auth_token`, `twilioAuthToken`).
    pub fn is_secret_key(provider: Provider, key: &str) -> bool {
        !is_ref_key(key)
            && !identifier_keys(provider).contains(&key)
            && SECRET_KEYS.iter().any(|s| folded_ends_with(key, s))
    }

    /// Reads a value someone else may have written (the team database): a JSON object is
    /// taken as it is, except that every key holding a secret under `provider` (see
    /// [`Credentials::is_secret_key`]) is dropped; the dropped keys are returned (never their
    /// values). Anything but an object is an error.
    pub fn from_stored_without_secrets(
        provider: Provider,
        text: &str,
    ) -> Result<(Self, Vec<String>)> {
        let mut c = Self::from_stored(text)?;
        let dropped: Vec<String> =
            c.0.keys()
                .filter(|k| Self::is_secret_key(provider, k))
                .cloned()
                .collect();
        for key in &dropped {
            c.0.remove(key);
        }
        Ok((c, dropped))
    }

    /// Reads a stored value without re-validating (it was validated when written).
    pub fn from_stored(text: &str) -> Result<Self> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(Credentials(map)),
            _ => Err(Error::invalid(
                "credentials",
                "stored value is not a JSON object",
            )),
        }
    }

    /// The account this number belongs to, if any.
    pub fn account_id(&self, provider: Provider) -> Option<&str> {
        self.0
            .get(Self::account_key(provider))
            .and_then(Value::as_str)
    }

    /// True when no account is attached.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The object as JSON text.
    pub fn to_json(&self) -> String {
        // A map of JSON values always serializes.
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

/// A reference key: `…Ref` with something before it.
fn is_ref_key(key: &str) -> bool {
    key.ends_with("Ref") && key.len() > 3
}

/// Whether `key`, lowercased and without `_` and `-`, ends with `folded` (lowercase ASCII).
/// Allocates nothing: it runs for every key of every row a sync reads.
fn folded_ends_with(key: &str, folded: &str) -> bool {
    let mut key = key
        .bytes()
        .rev()
        .filter(|b| *b != b'_' && *b != b'-')
        .map(|b| b.to_ascii_lowercase());
    folded.bytes().rev().all(|f| key.next() == Some(f))
}

/// Identifiers are short, printable, and each provider's account id has its documented shape
/// ([`check_account_id_shape`]). A value that looks like a secret pasted into the wrong field
/// is refused without being repeated: messages end up in logs and on screens.
fn check_identifier(
    provider: Provider,
    key: &str,
    value: &str,
    is_ref: bool,
) -> Result<(), String> {
    if value.is_empty() || value.len() > 128 {
        return Err(format!("{key:?} must be 1 to 128 characters"));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:@/".contains(c))
    {
        return Err(format!(
            "{key:?} contains characters an identifier cannot have"
        ));
    }
    if is_ref {
        return if value.starts_with("vault:") {
            Ok(())
        } else {
            Err(format!(
                "{key:?} must be a vault reference (vault:<provider>:<account>)"
            ))
        };
    }
    if provider == Provider::Telnyx && looks_like_telnyx_api_key(value) {
        return Err(telnyx_key_refusal(key, value.chars().count()));
    }
    if key == Credentials::account_key(provider) {
        return check_account_id_shape(provider, value);
    }
    match (provider, key) {
        (Provider::Twilio, "apiKeySid") if !twilio_sid("SK", value) => Err(format!(
            "apiKeySid ({} characters) is not a Twilio API key SID (SK + 32 hex digits)",
            value.chars().count()
        )),
        _ => Ok(()),
    }
}

/// A Twilio SID: a two-letter prefix and 32 hex digits.
fn twilio_sid(prefix: &str, value: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Telnyx API v2 keys start with `KEY` followed by letters and digits.
fn looks_like_telnyx_api_key(value: &str) -> bool {
    value
        .strip_prefix("KEY")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// The documented shape of each provider's account id, the one rule every path uses (numbers'
/// credentials, `accounts add`, the app's add-account form, CSV import):
/// - Twilio: the Account SID, `AC` + 32 hex digits; or a SignalWire project id (a UUID), which
///   the Twilio-compatible API takes in its place;
/// - Vonage: the API key, 8 letters or digits;
/// - Telnyx: the API authenticates with the key alone, so the account id is the manager's label
///   (or a connection id): any identifier, except one that looks like an API key (`KEY…`);
/// - Bandwidth: the account id, a number (7 digits in the Bandwidth App);
/// - Plivo: the Auth ID, `MA` (account) or `SA` (subaccount) + 18 capital letters or digits.
///
/// The error gives the value's length, never the value: what fails here is often a secret
/// pasted into the wrong field.
pub fn check_account_id_shape(provider: Provider, value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    let ok = match provider {
        Provider::Twilio => twilio_sid("AC", value) || is_uuid(value),
        Provider::Vonage => chars == 8 && value.chars().all(|c| c.is_ascii_alphanumeric()),
        Provider::Telnyx => !looks_like_telnyx_api_key(value),
        Provider::Bandwidth => {
            (1..=10).contains(&chars) && value.chars().all(|c| c.is_ascii_digit())
        }
        Provider::Plivo => {
            chars == 20
                && (value.starts_with("MA") || value.starts_with("SA"))
                && value[2..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        }
    };
    if ok {
        return Ok(());
    }
    let key = Credentials::account_key(provider);
    Err(match provider {
        Provider::Twilio => format!(
            "{key} ({chars} characters) is not a Twilio Account SID (AC + 32 hex digits) or a \
             SignalWire project id (a UUID); an auth token belongs in the OS credential vault \
             (`accounts add`), not here"
        ),
        Provider::Vonage => format!(
            "{key} ({chars} characters) is not a Vonage API key (8 letters or digits); the API \
             secret belongs in the OS credential vault (`accounts add`), not here"
        ),
        Provider::Telnyx => telnyx_key_refusal(key, chars),
        Provider::Bandwidth => format!(
            "{key} ({chars} characters) is not a Bandwidth account id (a number, 7 digits in the \
             Bandwidth App)"
        ),
        Provider::Plivo => format!(
            "{key} ({chars} characters) is not a Plivo Auth ID (MA or SA + 18 capital letters or \
             digits); the auth token belongs in the OS credential vault (`accounts add`), not \
             here"
        ),
    })
}

fn telnyx_key_refusal(key: &str, chars: usize) -> String {
    format!(
        "{key} ({chars} characters) looks like a Telnyx API key (KEY…), which is a secret: it \
         belongs in the OS credential vault (`accounts add` reads it from standard input), not \
         here"
    )
}

fn is_uuid(value: &str) -> bool {
    value.len() == 36 && uuid::Uuid::parse_str(value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    #[test]
    fn account_reference_round_trips() {
        let c = Credentials::for_account(Provider::Twilio, SID).unwrap();
        assert_eq!(
            c.to_json(),
            format!(r#"{{"accountSid":"{SID}","authTokenRef":"vault:twilio:{SID}"}}"#)
        );
        assert_eq!(c.account_id(Provider::Twilio), Some(SID));
    }

    #[test]
    fn secrets_are_refused_with_directions() {
        for (provider, value) in [
            (
                Provider::Twilio,
                json!({"accountSid": SID, "authToken": "abc"}),
            ),
            (Provider::Twilio, json!({"auth_token": "abc"})),
            (
                Provider::Vonage,
                json!({"apiKey": "abcd1234", "apiSecret": "s"}),
            ),
            (Provider::Telnyx, json!({"apiKey": "KEY0123"})),
            (
                Provider::Plivo,
                json!({"authId": "MA0123456789ABCDEFGH", "password": "x"}),
            ),
            (
                Provider::Bandwidth,
                json!({"clientId": "c", "clientSecret": "x"}),
            ),
            (Provider::Twilio, json!({"privateKey": "x"})),
        ] {
            let e = Credentials::from_value(provider, value.clone())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("secret") || e.contains("unknown key"),
                "{provider} {value}: {e}"
            );
        }
        let e = Credentials::from_value(Provider::Twilio, json!({"authToken": "x"})).unwrap_err();
        assert!(e.to_string().contains("OS credential vault"), "{e}");
        assert!(
            !e.to_string().contains("\"x\""),
            "the secret value must not be echoed: {e}"
        );
    }

    #[test]
    fn a_token_pasted_as_an_identifier_is_not_repeated() {
        let token = "0123456789abcdef0123456789abcdef";
        let e = Credentials::for_account(Provider::Twilio, token).unwrap_err();
        assert!(e.to_string().contains("not a Twilio Account SID"), "{e}");
        assert!(!format!("{e} {e:?}").contains(token), "{e}");
    }

    #[test]
    fn stored_secrets_are_dropped_and_named_never_their_values() {
        let text = format!(
            r#"{{"accountSid":"{SID}","authToken":"hunter2","auth_token":"x","region":"us1"}}"#
        );
        let (c, dropped) =
            Credentials::from_stored_without_secrets(Provider::Twilio, &text).unwrap();
        assert_eq!(dropped, ["authToken", "auth_token"]);
        assert_eq!(
            c.to_json(),
            format!(r#"{{"accountSid":"{SID}","region":"us1"}}"#)
        );
        assert!(!c.to_json().contains("hunter2"));
        // Vonage's apiKey is an identifier; Telnyx's is its secret.
        let text = r#"{"apiKey":"abcd1234","apiSecretRef":"vault:vonage:abcd1234"}"#;
        let (_, dropped) =
            Credentials::from_stored_without_secrets(Provider::Vonage, text).unwrap();
        assert!(dropped.is_empty());
        let (c, dropped) =
            Credentials::from_stored_without_secrets(Provider::Telnyx, text).unwrap();
        assert_eq!(dropped, ["apiKey"]);
        assert_eq!(c.to_json(), r#"{"apiSecretRef":"vault:vonage:abcd1234"}"#);
        assert!(Credentials::from_stored_without_secrets(Provider::Twilio, "[1]").is_err());
    }

    #[test]
    fn secret_keys_fold_case_underscores_and_dashes() {
        for key in [
            "authToken",
            "AUTH_TOKEN",
            "auth-token",
            "twilioAuthToken",
            "Password",
        ] {
            assert!(Credentials::is_secret_key(Provider::Twilio, key), "{key}");
        }
        for key in ["accountSid", "authTokenRef", "region", "tokenish", "Ref"] {
            assert!(!Credentials::is_secret_key(Provider::Twilio, key), "{key}");
        }
        assert!(Credentials::is_secret_key(Provider::Twilio, "Ref_token"));
    }

    #[test]
    fn each_provider_account_id_has_its_documented_shape() {
        let good = [
            (Provider::Twilio, SID),
            (Provider::Twilio, "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"),
            (Provider::Vonage, "abcd1234"),
            (Provider::Vonage, "A1B2C3D4"),
            (Provider::Telnyx, "telnyx-main"),
            (Provider::Telnyx, "1494404757140276705"),
            (Provider::Bandwidth, "9900001"),
            (Provider::Plivo, "MA0123456789ABCDEFGH"),
            (Provider::Plivo, "SAZYXWVUTSRQPONMLKJI"),
        ];
        for (provider, id) in good {
            assert!(
                Credentials::for_account(provider, id).is_ok(),
                "{provider} {id}"
            );
        }
        let bad = [
            (
                Provider::Twilio,
                "SK0123456789abcdef0123456789abcdef",
                "Account SID",
            ),
            (
                Provider::Twilio,
                "6f1c2a4e8d3b4c5a9e7f0a1b2c3d4e5f",
                "Account SID",
            ),
            (Provider::Vonage, "abcd123", "Vonage API key"),
            (Provider::Vonage, "abcd-123", "Vonage API key"),
            (
                Provider::Telnyx,
                "KEY0188E6B1A2B3C4D5E6F7A8B9C0_Zx9YqWvUtSrQpOnMlKjIhG",
                "Telnyx API key",
            ),
            (Provider::Telnyx, "KEYfake-telnyx-0001", "Telnyx API key"),
            (
                Provider::Bandwidth,
                "u-be8dvafwrs63rwpm7pfil4b",
                "Bandwidth account id",
            ),
            (Provider::Bandwidth, "12345678901", "Bandwidth account id"),
            (Provider::Plivo, "MAFAKE0000000000001", "Plivo Auth ID"),
            (Provider::Plivo, "ma0123456789abcdefgh", "Plivo Auth ID"),
            (Provider::Plivo, "XA0123456789ABCDEFGH", "Plivo Auth ID"),
        ];
        for (provider, id, says) in bad {
            let e = Credentials::for_account(provider, id).unwrap_err();
            let text = format!("{e} {e:?}");
            assert!(text.contains(says), "{provider} {id}: {e}");
            assert!(!text.contains(id), "the value must not be repeated: {e}");
        }
        // A Telnyx key is refused under any Telnyx identifier, not only the account's.
        let e = Credentials::from_value(
            Provider::Telnyx,
            json!({"messagingProfileId": "KEY0188E6B1A2B3C4D5E6F7A8B9C0"}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("Telnyx API key"), "{e}");
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(Credentials::from_value(Provider::Twilio, json!({"accountSid": "AC123"})).is_err());
        assert!(Credentials::from_value(Provider::Twilio, json!({"accountSid": 5})).is_err());
        assert!(
            Credentials::from_value(Provider::Twilio, json!({"authTokenRef": "plaintext"}))
                .is_err()
        );
        assert!(Credentials::from_value(Provider::Vonage, json!({"apiKey": "abcd1234"})).is_ok());
        assert!(Credentials::from_value(Provider::Twilio, json!([])).is_err());
        assert!(Credentials::from_value(Provider::Twilio, json!({})).is_ok());
    }
}
