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

/// Identifiers are short, printable, and for Twilio follow its documented SID shapes.
/// A long random-looking value under an identifier key is refused: it is probably a token
/// pasted into the wrong field.
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
    let sid = |prefix: &str| {
        value.len() == 34
            && value.starts_with(prefix)
            && value[2..].chars().all(|c| c.is_ascii_hexdigit())
    };
    match (provider, key) {
        // The value is not repeated: what fails here is often a token pasted into the wrong
        // field, and messages end up in logs and on screens.
        (Provider::Twilio, "accountSid") if !sid("AC") => Err(format!(
            "accountSid ({} characters) is not a Twilio Account SID (AC + 32 hex digits); an \
             auth token belongs in the OS credential vault (`accounts add`), not here",
            value.chars().count()
        )),
        (Provider::Twilio, "apiKeySid") if !sid("SK") => Err(format!(
            "apiKeySid ({} characters) is not a Twilio API key SID (SK + 32 hex digits)",
            value.chars().count()
        )),
        _ => Ok(()),
    }
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
            (Provider::Plivo, json!({"authId": "MA123", "password": "x"})),
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
