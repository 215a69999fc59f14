//! The one error shape that crosses IPC: `{ code, message }`.
//!
//! `code` is a typed enum exported to TypeScript, so the UI branches on it and never on the
//! message text. It extends core's [`switchboard_core::ErrorCode`] with the few failures that
//! only the app can meet (its own state, its settings file, a cancelled task). The message is
//! core's, which names the input and why, and never holds a secret.

use serde::Serialize;
use switchboard_core::ErrorCode as CoreCode;
use ts_rs::TS;

/// Stable codes the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum ErrorCode {
    /// The input is not a valid phone number.
    InvalidNumber,
    /// Any other malformed or out-of-range input.
    InvalidInput,
    /// The record already exists.
    Duplicate,
    /// The record does not exist (or is not visible to this user).
    NotFound,
    /// A rule of the workspace forbids the change.
    NotAllowed,
    /// The workspace file or database failed.
    Storage,
    /// The team database cannot be reached now.
    Offline,
    /// The OS credential vault is missing, locked or refused.
    VaultUnavailable,
    /// The app's settings file could not be read or written.
    Settings,
    /// The user cancelled a long task before it finished.
    Cancelled,
    /// A background task of the app failed (a bug, not the input).
    Internal,
    /// The provider refused the account's credentials.
    ProviderAuth,
    /// The provider is still throttling after the allowed retries.
    ProviderRateLimited,
    /// The provider reported an error, or answered with something unreadable.
    ProviderError,
    /// This device's vault holds no secret for the account: add the account again.
    CredentialsNotOnDevice,
    /// A change needs the manager's explicit consent first (a shared provider object, a
    /// purchase or release confirmed for another number).
    NotConfirmed,
    /// Another program holds the workspace file's write lock (the CLI importing or syncing):
    /// try again when it finishes. The message names the program when the system says.
    Busy,
}

impl From<CoreCode> for ErrorCode {
    fn from(code: CoreCode) -> Self {
        match code {
            CoreCode::InvalidNumber => ErrorCode::InvalidNumber,
            CoreCode::InvalidInput => ErrorCode::InvalidInput,
            CoreCode::Duplicate => ErrorCode::Duplicate,
            CoreCode::NotFound => ErrorCode::NotFound,
            CoreCode::NotAllowed => ErrorCode::NotAllowed,
            CoreCode::Storage => ErrorCode::Storage,
            CoreCode::Offline => ErrorCode::Offline,
            CoreCode::VaultUnavailable => ErrorCode::VaultUnavailable,
            CoreCode::Busy => ErrorCode::Busy,
        }
    }
}

/// What a command returns when it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure; the UI branches on this.
    pub code: ErrorCode,
    /// A sentence for the user.
    pub message: String,
    /// The input at fault, when the failure names one (an `InvalidInput`'s field, as core names
    /// it: `slug`, `organization name`, …), so a form shows the message beside that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl AppError {
    /// An error with an app-level code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A provider's error, with the code the UI branches on. A network failure says that it
    /// is not a credential failure and that nothing was changed.
    pub fn from_provider(e: &switchboard_providers::ProviderError) -> Self {
        use switchboard_providers::{ProviderError as E, ProviderErrorCode as C};
        let code = match (e, e.code()) {
            (E::SharedObject { .. }, _) => ErrorCode::NotConfirmed,
            (E::InvalidInput { .. }, _) => ErrorCode::InvalidInput,
            (_, C::ProviderAuth) => ErrorCode::ProviderAuth,
            (_, C::Offline) => ErrorCode::Offline,
            (_, C::ProviderRateLimited) => ErrorCode::ProviderRateLimited,
            (_, C::NotFound) => ErrorCode::NotFound,
            (_, C::ProviderError) => ErrorCode::ProviderError,
            (_, C::Cancelled) => ErrorCode::Cancelled,
            (_, C::NotAllowed) => ErrorCode::NotAllowed,
        };
        let message = switchboard_ops::numbers_at_provider::provider_error_message(e);
        AppError {
            code,
            message,
            field: None,
        }
    }
}

impl From<switchboard_core::Error> for AppError {
    fn from(e: switchboard_core::Error) -> Self {
        let field = match &e {
            switchboard_core::Error::InvalidInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        AppError {
            code: e.code().into(),
            message: e.to_string(),
            field,
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::new(ErrorCode::Internal, format!("background task failed: {e}"))
    }
}

impl From<switchboard_providers::ProviderError> for AppError {
    fn from(e: switchboard_providers::ProviderError) -> Self {
        AppError::from_provider(&e)
    }
}

impl From<switchboard_secrets::VaultError> for AppError {
    fn from(e: switchboard_secrets::VaultError) -> Self {
        match e {
            switchboard_secrets::VaultError::EmptySecret { .. } => AppError::new(
                ErrorCode::InvalidInput,
                "the password is empty; nothing was stored",
            ),
            // As the CLI has it (an invalid key is invalid input, any other failure the
            // vault's, whose messages name the vault and what to do, never a secret).
            other => switchboard_providers::account::vault_error(other).into(),
        }
    }
}

/// Result of every command.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_code_and_message() {
        let e: AppError = switchboard_core::Error::InvalidNumber {
            input: "+1234".into(),
            reason: "too short".into(),
        }
        .into();
        assert_eq!(e.code, ErrorCode::InvalidNumber);
        let json = serde_json::to_value(&e).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "InvalidNumber",
                "message": "\"+1234\" is not a valid phone number (too short)"
            })
        );
    }

    #[test]
    fn vault_errors_keep_their_code_and_message() {
        use switchboard_secrets::VaultError;
        let cases = [
            (
                VaultError::InvalidKey {
                    field: "account_id",
                    problem: "is empty".into(),
                },
                ErrorCode::InvalidInput,
                "invalid account id: is empty",
                Some("account id"),
            ),
            (
                VaultError::EmptySecret { entry: "x".into() },
                ErrorCode::InvalidInput,
                "the password is empty; nothing was stored",
                None,
            ),
            (
                VaultError::VaultUnavailable {
                    vault: "Secret Service",
                    reason: "locked".into(),
                    hint: "Unlock it.".into(),
                },
                ErrorCode::VaultUnavailable,
                "Secret Service is unavailable: locked. Unlock it.",
                None,
            ),
        ];
        // An invalid key names its field, as every `InvalidInput` from core does.
        for (e, code, message, field) in cases {
            let got = AppError::from(e);
            assert_eq!(
                (got.code, got.message.as_str(), got.field.as_deref()),
                (code, message, field)
            );
        }
    }

    #[test]
    fn provider_errors_keep_their_meaning() {
        use switchboard_providers::{Api, ProviderError, Subject};
        let offline: AppError = ProviderError::Network {
            api: Api::Twilio,
            subject: Subject::Account("AC1".into()),
            reason: "connection refused".into(),
        }
        .into();
        assert_eq!(offline.code, ErrorCode::Offline);
        assert!(offline.message.contains("not a credential failure"));
        let shared: AppError = ProviderError::SharedObject {
            api: Api::Telnyx,
            number: "+14155550100".into(),
            object: "Call Control application 1".into(),
            shared_by: 12,
        }
        .into();
        assert_eq!(shared.code, ErrorCode::NotConfirmed);
    }
}
