//! The CLI's side of the OS credential vault (`switchboard-secrets`): opening it, reading a
//! secret from the user, and turning vault errors into core's.
//!
//! Guarantees:
//! - A secret is read from standard input when it is not a terminal (scripts pipe it), or
//!   asked for on the terminal without echo. Never from an argument, an environment variable
//!   or a settings file, where `ps`, shell history or backups would keep it.
//! - It travels as a [`SecretString`] from the moment it is read, so `Debug`, `Display` and
//!   log fields print a redaction; it is handed only to the vault or a driver.
//! - A vault that is missing, locked or refuses is [`Error::Vault`] (exit code 1) with the
//!   vault's own message: which vault, what happened, what to do. Within about a second:
//!   every vault call has the vault's timeout.

use std::io::{BufRead, IsTerminal};
use std::sync::Once;
use std::time::Duration;

use switchboard_core::{Error, Result};
use switchboard_secrets::{SecretKey, SecretString, Vault, VaultError};

/// This device's vault under the service name in effect (`SWITCHBOARD_VAULT_SERVICE`, else the
/// build's default). The first call of a run also moves the entries an older Switchboard kept
/// under the former service name ([`carry_over_once`]).
pub fn open() -> Result<Vault> {
    let vault = switchboard_ops::vault::native()?;
    carry_over_once(&vault);
    Ok(vault)
}

/// How long moving the former service's entries may take.
const CARRY_OVER_TIMEOUT: Duration = Duration::from_secs(5);

/// Once per run, until it has completed once on this device: moves the entries saved under
/// the former service name into this vault's (`switchboard_ops::vault`). A failure is
/// logged, not fatal: the next run tries again.
fn carry_over_once(vault: &Vault) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| switchboard_ops::vault::carry_over_and_log(vault, CARRY_OVER_TIMEOUT));
}

/// A vault error as core's error. The vault's messages never hold a secret.
pub fn error(e: VaultError) -> Error {
    switchboard_providers::account::vault_error(e)
}

/// Whether this device's vault holds a secret for `key`.
pub fn holds(vault: &Vault, key: &SecretKey) -> Result<bool> {
    vault.contains_blocking(key).map_err(error)
}

/// Reads a secret: the first line of standard input when it is not a terminal, else a prompt
/// (`prompt`, on the terminal) that does not echo what is typed.
pub fn read_secret(prompt: &str) -> Result<SecretString> {
    let stdin = std::io::stdin();
    let secret = if stdin.is_terminal() {
        rpassword::prompt_password(format!("{prompt}: ")).map_err(|source| Error::Io {
            path: "terminal".into(),
            source,
        })?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|source| Error::Io {
                path: "standard input".into(),
                source,
            })?;
        let end = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(end);
        line
    };
    let secret = SecretString::new(secret);
    if secret.is_empty() {
        return Err(Error::InvalidInput {
            field: "secret".into(),
            reason: "none was given: pipe it on standard input (one line) or type it at the \
                     prompt; it is never taken from an argument"
                .into(),
        });
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_errors_map_to_codes_without_secrets() {
        let unavailable = error(VaultError::VaultUnavailable {
            vault: "Secret Service",
            reason: "cannot connect".into(),
            hint: "start it".into(),
        });
        assert_eq!(
            unavailable.code(),
            switchboard_core::ErrorCode::VaultUnavailable
        );
        assert!(!unavailable.is_bad_input());
        assert_eq!(
            unavailable.to_string(),
            "Secret Service is unavailable: cannot connect. start it"
        );
        let invalid = error(VaultError::InvalidKey {
            field: "account_id",
            problem: "must not be empty".into(),
        });
        assert_eq!(invalid.to_string(), "invalid account id: must not be empty");
        assert!(invalid.is_bad_input());
    }

    #[test]
    fn an_in_memory_vault_reports_what_it_holds() {
        let vault = Vault::in_memory();
        let key = SecretKey::provider_account("twilio", "AC0123");
        assert!(!holds(&vault, &key).expect("contains"));
        vault
            .save_blocking(&key, &SecretString::new("t".into()))
            .expect("save");
        assert!(holds(&vault, &key).expect("contains"));
    }
}
