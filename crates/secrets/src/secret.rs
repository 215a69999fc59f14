//! The one type a secret value travels in.
//!
//! [`SecretString`] exists so that a provider token or a database password cannot leak by
//! accident: it prints as `[redacted]` through both `Debug` and `Display`, it does not implement
//! `serde::Serialize` (so it cannot be put into a Tauri command's response, an event payload, a
//! log line serialized as JSON or a settings file), and its heap buffer is zeroed when it is
//! dropped. The only way to the characters is [`SecretString::expose_secret`], which is easy to
//! find in review.

use std::fmt;

use secrecy::{ExposeSecret, SecretBox};
use zeroize::Zeroize;

/// A secret text (API token, API secret, password) that redacts itself and cannot be serialized.
///
/// ```
/// use switchboard_secrets::SecretString;
///
/// let token = SecretString::new("s3cr3t-token".to_owned());
/// assert_eq!(format!("{token}"), "[redacted]");
/// assert_eq!(format!("{token:?}"), "[redacted]");
/// assert_eq!(token.expose_secret(), "s3cr3t-token");
/// ```
///
/// It deliberately does not implement `serde::Serialize`; this does not compile:
///
/// ```compile_fail
/// fn requires_serialize<T: serde::Serialize>() {}
/// requires_serialize::<switchboard_secrets::SecretString>();
/// ```
///
/// while the same check on an ordinary type does, which shows the test above fails for the
/// right reason:
///
/// ```
/// fn requires_serialize<T: serde::Serialize>() {}
/// requires_serialize::<String>();
/// ```
pub struct SecretString(SecretBox<str>);

/// What `Debug` and `Display` print instead of a secret.
pub const REDACTED: &str = "[redacted]";

impl SecretString {
    /// Takes ownership of `secret`.
    ///
    /// The characters are copied once into an exactly sized buffer and the given `String` is
    /// zeroed, so no spare capacity holding the secret is left behind unzeroed.
    pub fn new(mut secret: String) -> Self {
        let exact: Box<str> = Box::from(secret.as_str());
        secret.zeroize();
        Self(SecretBox::new(exact))
    }

    /// The secret's characters. Call only where the value is handed to a vault or a provider,
    /// never to build something that a UI, a log or a file receives.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string (the vault refuses to store those).
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl Clone for SecretString {
    /// Copies into a new buffer, which is zeroed on drop like the original.
    fn clone(&self) -> Self {
        Self(SecretBox::new(Box::from(self.expose_secret())))
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static_assertions::assert_not_impl_any!(SecretString: serde::Serialize);
    static_assertions::assert_impl_all!(SecretString: Send, Sync, Clone);

    #[test]
    fn debug_and_display_redact_even_inside_other_types() {
        let secret = SecretString::new("hunter2".to_owned());
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Settings {
            password: SecretString,
        }
        let settings = Settings {
            password: secret.clone(),
        };
        let printed = format!("{secret} {secret:?} {settings:?} {settings:#?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(format!("{settings:?}"), "Settings { password: [redacted] }");
    }

    #[test]
    fn expose_returns_the_exact_text() {
        let secret = SecretString::from("pässwörd 🔑".to_owned());
        assert_eq!(secret.expose_secret(), "pässwörd 🔑");
        assert_eq!(secret.clone().expose_secret(), "pässwörd 🔑");
        assert!(!secret.is_empty());
        assert!(SecretString::new(String::new()).is_empty());
    }
}
