//! Which vault entry a secret lives in.
//!
//! Every entry is addressed by a *service* (the app identifier, so Switchboard's entries never
//! collide with another program's, and a debug build never reads or overwrites the secrets of
//! the installed release) and a *user* derived from a typed [`SecretKey`]. The mapping from key
//! to user is injective: two different valid keys never share an entry. Keys are checked before
//! any vault call; an empty or ill-formed identifier is [`VaultError::InvalidKey`].

use std::fmt::Write as _;

use crate::VaultError;

/// Service name of the entries written by a release build (the app's bundle identifier).
pub const RELEASE_SERVICE: &str = "dev.switchboard.desktop";

/// Service name of the entries written by a debug build (`debug_assertions` on).
pub const DEV_SERVICE: &str = "dev.switchboard.desktop.dev";

/// Service name of a release build's entries before the bundle identifier changed from
/// `dev.switchboard.app` (which the Tauri bundler warns about: `.app` is the macOS
/// application bundle extension). Its entries move to [`RELEASE_SERVICE`]
/// ([`crate::Vault::carry_over_from`]).
pub const FORMER_RELEASE_SERVICE: &str = "dev.switchboard.app";

/// Service name of a debug build's entries before the identifier changed.
pub const FORMER_DEV_SERVICE: &str = "dev.switchboard.app.dev";

/// Environment variable naming the service whose entries move into [`SERVICE_ENV`]'s, when
/// that is set (tests); without it, an overridden service takes nothing from anywhere.
pub const FORMER_SERVICE_ENV: &str = "SWITCHBOARD_VAULT_FORMER_SERVICE";

/// Environment variable that, when set and non-empty, replaces the service name (tests use it
/// to work in an isolated namespace).
pub const SERVICE_ENV: &str = "SWITCHBOARD_VAULT_SERVICE";

/// The service name this build uses when [`SERVICE_ENV`] is not set:
/// [`DEV_SERVICE`] with `debug_assertions`, [`RELEASE_SERVICE`] without.
pub const fn default_service() -> &'static str {
    if cfg!(debug_assertions) {
        DEV_SERVICE
    } else {
        RELEASE_SERVICE
    }
}

/// The former service name of this build's kind: [`FORMER_DEV_SERVICE`] with
/// `debug_assertions`, [`FORMER_RELEASE_SERVICE`] without.
pub const fn former_default_service() -> &'static str {
    if cfg!(debug_assertions) {
        FORMER_DEV_SERVICE
    } else {
        FORMER_RELEASE_SERVICE
    }
}

/// The service whose entries should move into the one in effect ([`service_from_env`]):
/// [`former_default_service`] normally; with [`SERVICE_ENV`] set, [`FORMER_SERVICE_ENV`]
/// when set, else none (a test's namespace never takes the installed app's secrets).
///
/// # Errors
/// [`VaultError::InvalidKey`] if a variable is set to something unusable.
pub fn former_service_from_env() -> Result<Option<String>, VaultError> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if !set(SERVICE_ENV) {
        return Ok(Some(former_default_service().to_owned()));
    }
    if !set(FORMER_SERVICE_ENV) {
        return Ok(None);
    }
    let value = std::env::var(FORMER_SERVICE_ENV)
        .map_err(|_| invalid(FORMER_SERVICE_ENV, "is not valid Unicode"))?;
    check_service(&value)?;
    Ok(Some(value))
}

/// The service name in effect: [`SERVICE_ENV`] if set and non-empty, else [`default_service`].
///
/// # Errors
/// [`VaultError::InvalidKey`] if the variable is set to something unusable (control
/// characters, surrounding whitespace, not Unicode).
pub fn service_from_env() -> Result<String, VaultError> {
    match std::env::var(SERVICE_ENV) {
        Ok(value) if value.is_empty() => Ok(default_service().to_owned()),
        Ok(value) => {
            check_service(&value)?;
            Ok(value)
        }
        Err(std::env::VarError::NotPresent) => Ok(default_service().to_owned()),
        Err(std::env::VarError::NotUnicode(_)) => Err(invalid(SERVICE_ENV, "is not valid Unicode")),
    }
}

/// Checks a service name given explicitly (see [`crate::Vault::native_with_service`]).
pub(crate) fn check_service(service: &str) -> Result<(), VaultError> {
    check_text("service", service)
}

/// The identity of one stored secret.
///
/// The fields are plain identifiers (never secrets); they are validated when the key is used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretKey {
    /// The credential of one account at a telephony provider, e.g. a Twilio auth token.
    /// Stored under the user `"{provider}:{account_id}"`, e.g. `twilio:AC0123…`.
    ProviderAccount {
        /// Lowercase provider slug: `[a-z][a-z0-9_-]*`, e.g. `twilio`, `vonage`, `telnyx`,
        /// `bandwidth`, `plivo`.
        provider: String,
        /// The provider's account identifier (Twilio account SID, Vonage API key, …): no
        /// whitespace or control characters.
        account_id: String,
    },
    /// The password of a PostgreSQL role. Stored under the user
    /// `"postgres:{role}@{host}:{port}/{database}"`; an IPv6 host is bracketed
    /// (`postgres:app@[::1]:5432/switchboard`).
    DatabasePassword {
        /// Host name or IP address, without brackets; no whitespace, `@`, `/`, `[` or `]`.
        host: String,
        /// TCP port, not 0.
        port: u16,
        /// Database name; no control characters.
        database: String,
        /// Role (login) name; no `@` or control characters.
        role: String,
    },
}

impl SecretKey {
    /// Shorthand for [`SecretKey::ProviderAccount`].
    pub fn provider_account(provider: impl Into<String>, account_id: impl Into<String>) -> Self {
        Self::ProviderAccount {
            provider: provider.into(),
            account_id: account_id.into(),
        }
    }

    /// Shorthand for [`SecretKey::DatabasePassword`].
    pub fn database_password(
        host: impl Into<String>,
        port: u16,
        database: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        Self::DatabasePassword {
            host: host.into(),
            port,
            database: database.into(),
            role: role.into(),
        }
    }

    /// [`SecretKey::DatabasePassword`] for a host as connection URLs and libpq write it: an
    /// IPv6 address in brackets (`[::1]`) is filed without them, so the CLI's
    /// `--database-url` and the app's connection profiles share one entry per role and server.
    pub fn database_password_at(
        host: &str,
        port: u16,
        database: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        Self::database_password(host, port, database, role)
    }

    /// The vault *user* (Secret Service attribute `username`, Keychain account, the first part
    /// of the Windows target name) this key is stored under.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`] naming the first field that is empty or ill-formed.
    pub fn vault_user(&self) -> Result<String, VaultError> {
        match self {
            Self::ProviderAccount {
                provider,
                account_id,
            } => {
                check_provider(provider)?;
                check_text("account_id", account_id)?;
                if account_id.chars().any(char::is_whitespace) {
                    return Err(invalid("account_id", "must not contain whitespace"));
                }
                Ok(format!("{provider}:{account_id}"))
            }
            Self::DatabasePassword {
                host,
                port,
                database,
                role,
            } => {
                check_text("host", host)?;
                if let Some(bad) = host
                    .chars()
                    .find(|c| c.is_whitespace() || matches!(c, '@' | '/' | '[' | ']'))
                {
                    return Err(invalid("host", &format!("must not contain {bad:?}")));
                }
                if *port == 0 {
                    return Err(invalid("port", "must not be 0"));
                }
                check_text("database", database)?;
                check_text("role", role)?;
                if role.contains('@') {
                    return Err(invalid("role", "must not contain '@'"));
                }
                let mut user = format!("postgres:{role}@");
                if host.contains(':') {
                    let _ = write!(user, "[{host}]");
                } else {
                    user.push_str(host);
                }
                let _ = write!(user, ":{port}/{database}");
                Ok(user)
            }
        }
    }
}

fn check_provider(provider: &str) -> Result<(), VaultError> {
    let mut chars = provider.chars();
    match chars.next() {
        None => Err(invalid("provider", "must not be empty")),
        Some(first) if !first.is_ascii_lowercase() => Err(invalid(
            "provider",
            "must start with a lowercase ASCII letter",
        )),
        Some(_) => {
            if chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
                Ok(())
            } else {
                Err(invalid(
                    "provider",
                    "may contain only lowercase ASCII letters, digits, '-' and '_'",
                ))
            }
        }
    }
}

/// Rules shared by every text field: non-empty, no control characters, no surrounding
/// whitespace (almost always a copy-and-paste accident that would create a second entry).
fn check_text(field: &'static str, value: &str) -> Result<(), VaultError> {
    if value.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    if value.trim() != value {
        return Err(invalid(field, "must not start or end with whitespace"));
    }
    Ok(())
}

fn invalid(field: &'static str, problem: &str) -> VaultError {
    VaultError::InvalidKey {
        field,
        problem: problem.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(key: &SecretKey) -> String {
        key.vault_user().expect("valid key")
    }

    fn invalid_field(key: &SecretKey) -> &'static str {
        match key.vault_user() {
            Err(VaultError::InvalidKey { field, .. }) => field,
            other => panic!("expected InvalidKey, got {other:?}"),
        }
    }

    #[test]
    fn provider_account_user() {
        let key = SecretKey::provider_account("twilio", "AC0123456789abcdef");
        assert_eq!(user(&key), "twilio:AC0123456789abcdef");
        assert_eq!(
            user(&SecretKey::provider_account("bandwidth-v2", "u:5")),
            "bandwidth-v2:u:5"
        );
    }

    #[test]
    fn database_password_user() {
        let key = SecretKey::database_password("db.example.com", 5432, "switchboard", "app");
        assert_eq!(user(&key), "postgres:app@db.example.com:5432/switchboard");
        let v6 = SecretKey::database_password("::1", 6543, "my db", "ops:admin");
        assert_eq!(user(&v6), "postgres:ops:admin@[::1]:6543/my db");
    }

    #[test]
    fn ill_formed_keys_name_the_field() {
        let cases = [
            (SecretKey::provider_account("", "AC1"), "provider"),
            (SecretKey::provider_account("Twilio", "AC1"), "provider"),
            (SecretKey::provider_account("twi lio", "AC1"), "provider"),
            (SecretKey::provider_account("twi:lio", "AC1"), "provider"),
            (SecretKey::provider_account("1twilio", "AC1"), "provider"),
            (SecretKey::provider_account("twilio", ""), "account_id"),
            (SecretKey::provider_account("twilio", "AC 1"), "account_id"),
            (SecretKey::provider_account("twilio", " AC1"), "account_id"),
            (SecretKey::provider_account("twilio", "AC1\n"), "account_id"),
            (SecretKey::database_password("", 5432, "d", "r"), "host"),
            (SecretKey::database_password("a@b", 5432, "d", "r"), "host"),
            (SecretKey::database_password("a/b", 5432, "d", "r"), "host"),
            (
                SecretKey::database_password("[::1]", 5432, "d", "r"),
                "host",
            ),
            (SecretKey::database_password("h", 0, "d", "r"), "port"),
            (SecretKey::database_password("h", 5432, "", "r"), "database"),
            (
                SecretKey::database_password("h", 5432, "d\0", "r"),
                "database",
            ),
            (SecretKey::database_password("h", 5432, "d", ""), "role"),
            (SecretKey::database_password("h", 5432, "d", "a@b"), "role"),
        ];
        for (key, field) in cases {
            assert_eq!(invalid_field(&key), field, "{key:?}");
        }
    }

    #[test]
    fn a_bracketed_url_host_shares_the_bare_hosts_entry() {
        assert_eq!(
            SecretKey::database_password_at("[::1]", 5432, "d", "r"),
            SecretKey::database_password("::1", 5432, "d", "r")
        );
        assert_eq!(
            SecretKey::database_password_at("db.local", 5432, "d", "r"),
            SecretKey::database_password("db.local", 5432, "d", "r")
        );
    }

    #[test]
    fn distinct_keys_get_distinct_users() {
        let keys = [
            SecretKey::provider_account("twilio", "AC1"),
            SecretKey::provider_account("twilio", "AC2"),
            SecretKey::provider_account("telnyx", "AC1"),
            SecretKey::database_password("h", 5432, "d", "r"),
            SecretKey::database_password("h", 5433, "d", "r"),
            SecretKey::database_password("h:5432", 1, "d", "r"),
            SecretKey::database_password("h", 5432, "d/x", "r"),
            SecretKey::database_password("x", 5432, "d", "r:h"),
        ];
        let users: std::collections::HashSet<String> = keys.iter().map(user).collect();
        assert_eq!(users.len(), keys.len(), "{users:?}");
    }

    #[test]
    fn default_service_depends_on_build_profile() {
        let (expected, former) = if cfg!(debug_assertions) {
            ("dev.switchboard.desktop.dev", "dev.switchboard.app.dev")
        } else {
            ("dev.switchboard.desktop", "dev.switchboard.app")
        };
        assert_eq!(default_service(), expected);
        assert_eq!(former_default_service(), former);
        // The bundler's warning is about an identifier ending in `.app`.
        assert!(!RELEASE_SERVICE.ends_with(".app") && !DEV_SERVICE.ends_with(".app"));
    }

    #[test]
    fn explicit_service_names_are_checked() {
        assert!(check_service("dev.switchboard.app.test-1").is_ok());
        assert!(check_service("").is_err());
        assert!(check_service(" x").is_err());
        assert!(check_service("a\nb").is_err());
    }
}
