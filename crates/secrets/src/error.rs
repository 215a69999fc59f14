//! What can go wrong with a vault call.
//!
//! Errors are built here from keyring-core's errors by hand, field by field, rather than by
//! wrapping them: some keyring-core errors carry the raw bytes of a stored secret
//! (`BadEncoding`, `BadDataFormat`), so wrapping one would put a secret into our `Debug` output.
//! No [`VaultError`] ever holds a secret, in its message or in its `Debug` form.

use keyring_core::Error as KeyringError;

/// A failed vault operation. "No such entry" is not an error: see [`crate::Vault`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The credential vault could not be reached or refused the request: no D-Bus session,
    /// no Secret Service provider, a locked collection or keychain, access denied, or no
    /// answer within the vault timeout.
    #[error("{vault} is unavailable: {reason}. {hint}")]
    VaultUnavailable {
        /// `"Secret Service"`, `"macOS Keychain"` or `"Windows Credential Manager"`.
        vault: &'static str,
        /// What happened, as precisely as the vault said it.
        reason: String,
        /// What the user can do about it.
        hint: String,
    },
    /// An identifier in a [`crate::SecretKey`] (or the service name) is empty or ill-formed.
    #[error("invalid vault key: {field} {problem}")]
    InvalidKey {
        /// The offending field, e.g. `account_id`.
        field: &'static str,
        /// Why it was refused.
        problem: String,
    },
    /// [`crate::Vault::save`] was given an empty secret.
    #[error("refusing to store an empty secret for {entry}")]
    EmptySecret {
        /// The vault user of the entry.
        entry: String,
    },
    /// The entry exists but cannot be used: its content is not text, or several vault items
    /// match it (created by another tool).
    #[error("the {vault} entry {entry} cannot be used: {reason}")]
    UnusableEntry {
        /// As in [`VaultError::VaultUnavailable`].
        vault: &'static str,
        /// The vault user of the entry.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// What a keyring-core error is translated against.
pub(crate) struct ErrorContext<'a> {
    pub vault: &'static str,
    pub entry: &'a str,
    pub locked_hint: &'static str,
    pub failure_hint: &'static str,
}

impl ErrorContext<'_> {
    /// Translates a keyring-core error, never copying the secret bytes some variants hold.
    pub(crate) fn translate(&self, err: KeyringError) -> VaultError {
        match err {
            KeyringError::NoStorageAccess(platform) => VaultError::VaultUnavailable {
                vault: self.vault,
                reason: format!("access was refused or the vault is locked ({platform})"),
                hint: self.locked_hint.to_owned(),
            },
            KeyringError::PlatformFailure(platform) => self.unavailable(platform.to_string()),
            KeyringError::BadStoreFormat(reason) => {
                self.unavailable(format!("the vault's data is malformed ({reason})"))
            }
            KeyringError::BadEncoding(_) => {
                self.unusable("the stored secret is not valid text".to_owned())
            }
            KeyringError::BadDataFormat(_, _) => {
                self.unusable("the stored secret is not in the expected format".to_owned())
            }
            KeyringError::Ambiguous(items) => self.unusable(format!(
                "{} vault items match it; delete the duplicates and save it again",
                items.len()
            )),
            KeyringError::NoEntry => self.unusable("it does not exist".to_owned()),
            KeyringError::TooLong(attribute, limit) => VaultError::InvalidKey {
                field: "entry",
                problem: format!("{attribute} exceeds the vault's limit of {limit} characters"),
            },
            KeyringError::Invalid(attribute, problem) => VaultError::InvalidKey {
                field: "entry",
                problem: format!("{attribute} is refused by the vault: {problem}"),
            },
            // NoDefaultStore, NotSupportedByStore and variants added after keyring-core 1.1:
            // their messages hold no secret data.
            other => self.unavailable(other.to_string()),
        }
    }

    pub(crate) fn unavailable(&self, reason: String) -> VaultError {
        VaultError::VaultUnavailable {
            vault: self.vault,
            reason,
            hint: self.failure_hint.to_owned(),
        }
    }

    fn unusable(&self, reason: String) -> VaultError {
        VaultError::UnusableEntry {
            vault: self.vault,
            entry: self.entry.to_owned(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: ErrorContext<'static> = ErrorContext {
        vault: "Secret Service",
        entry: "twilio:AC1",
        locked_hint: "unlock it",
        failure_hint: "start it",
    };

    #[test]
    fn errors_holding_secret_bytes_do_not_leak_them() {
        let secret = b"super-secret-token\xff".to_vec();
        let errors = [
            KeyringError::BadEncoding(secret.clone()),
            KeyringError::BadDataFormat(secret.clone(), "bad padding".into()),
        ];
        for err in errors {
            let translated = CONTEXT.translate(err);
            let printed = format!("{translated} {translated:?}");
            assert!(!printed.contains("super-secret"), "{printed}");
            assert!(
                matches!(translated, VaultError::UnusableEntry { .. }),
                "{printed}"
            );
        }
    }

    #[test]
    fn locked_and_failed_vaults_are_unavailable_with_hints() {
        let locked = CONTEXT.translate(KeyringError::NoStorageAccess("collection locked".into()));
        assert!(matches!(
            &locked,
            VaultError::VaultUnavailable { vault: "Secret Service", hint, reason }
                if hint == "unlock it" && reason.contains("collection locked")
        ));
        let failed = CONTEXT.translate(KeyringError::PlatformFailure("no bus".into()));
        assert_eq!(
            failed.to_string(),
            "Secret Service is unavailable: no bus. start it"
        );
    }

    #[test]
    fn store_refusals_are_invalid_keys() {
        let too_long = CONTEXT.translate(KeyringError::TooLong("user".into(), 255));
        assert!(matches!(
            too_long,
            VaultError::InvalidKey { field: "entry", .. }
        ));
    }
}
