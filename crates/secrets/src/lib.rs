//! Provider secrets and database passwords in the OS credential vault.
//!
//! # Why this crate exists
//!
//! Switchboard talks to telephony providers (Twilio auth tokens, Vonage API secrets, Telnyx API
//! keys, Bandwidth and Plivo credentials) and to PostgreSQL. Those credentials must live only in
//! the operating system's credential vault — Secret Service (GNOME Keyring, KWallet) on Linux,
//! the login Keychain on macOS, Credential Manager on Windows — never in Switchboard's database,
//! settings files, logs or webview. This crate is the one place that touches the vault, and it
//! keeps the heavy, platform-specific keyring dependencies out of `switchboard-core`.
//!
//! # What it guarantees
//!
//! - A secret travels only as a [`SecretString`]: `Debug` and `Display` print `[redacted]`, it
//!   does not implement `serde::Serialize`, and its memory is zeroed on drop. No [`VaultError`]
//!   contains a secret, in its message or its `Debug` output.
//! - Entries are namespaced by the app identifier: service `dev.switchboard.desktop` for
//!   release builds, `dev.switchboard.desktop.dev` for debug builds, so development never
//!   touches the installed app's secrets; `SWITCHBOARD_VAULT_SERVICE` overrides it (tests use
//!   it). The *user* of each entry comes from a typed [`SecretKey`]. Entries an older
//!   Switchboard kept under the former identifier's service (`dev.switchboard.app`, `….dev`)
//!   move with [`Vault::carry_over_from`] (copied, read back, then deleted; never lost).
//! - "No entry" is never an error: [`Vault::get`] gives `Ok(None)`, [`Vault::contains`]
//!   `Ok(false)`, [`Vault::remove`] `Ok(Removal::NotFound)`.
//! - An unreachable, locked or refusing vault is [`VaultError::VaultUnavailable`] (with a hint
//!   for the user), within [`DEFAULT_TIMEOUT`] (1 s) of the call, because every vault call runs
//!   on a worker thread under a timeout (see [`Vault`]).
//! - [`Vault::get`] is for the backend only. A UI learns whether a secret is stored through
//!   [`Vault::contains`], and never receives the value.
//!
//! # Async and blocking use
//!
//! The Tauri app uses the async methods ([`Vault::save`], [`Vault::contains`],
//! [`Vault::remove`], [`Vault::get`]), which run the blocking vault call on Tokio's blocking
//! pool. The CLI uses the `*_blocking` twins, which need no runtime and apply the same timeout.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_secrets::VaultError> {
//! use switchboard_secrets::{SecretKey, SecretString, Vault};
//!
//! let vault = Vault::native()?;
//! let key = SecretKey::provider_account("twilio", "AC0123456789abcdef0123456789abcdef");
//! vault.save(&key, &SecretString::new("auth-token".to_owned())).await?;
//! assert!(vault.contains(&key).await?);
//! # Ok(()) }
//! ```
//!
//! # Where the entries are, per vault
//!
//! With `SERVICE` the service name and `USER` from [`SecretKey::vault_user`] (for example
//! `twilio:AC0123…` or `postgres:app@db.example.com:5432/switchboard`):
//!
//! - **Secret Service (Linux)**: one item in the default collection (normally the `login`
//!   keyring). This crate, through `zbus-secret-service-keyring-store` 1.0, writes exactly two
//!   attributes, `service` = `SERVICE` and `username` = `USER` (the store adds `target` only
//!   for a target modifier, which this crate never uses), the label `keyring:USER@SERVICE`, and
//!   the secret as UTF-8 bytes. GNOME Keyring itself adds
//!   `xdg:schema` = `org.freedesktop.Secret.Generic`, which `secret-tool` shows as `schema`.
//!   Items are looked up by `service` and `username` only, so an item created by another tool
//!   with those two attributes is found too. The integration tests check all of this with
//!   `secret-tool`. From a shell:
//!
//!   ```text
//!   secret-tool lookup service dev.switchboard.desktop username twilio:AC0123…
//!   secret-tool search --all service dev.switchboard.desktop
//!   secret-tool clear service dev.switchboard.desktop username twilio:AC0123…
//!   ```
//!
//! - **macOS Keychain**: a generic password in the login keychain with service `SERVICE` and
//!   account `USER`: `security find-generic-password -s SERVICE -a USER -w`.
//! - **Windows Credential Manager**: a generic credential whose target name is `USER.SERVICE`
//!   (for example `twilio:AC0123….dev.switchboard.desktop`) and whose user name is `USER`; the
//!   password is stored as UTF-16, as Windows' own tools expect.
//!
//! # Testing code that uses the vault
//!
//! [`Vault::in_memory`] gives a vault that keeps entries in memory, for unit tests elsewhere in
//! the workspace. This crate's own integration tests (`tests/`) run against a real Secret
//! Service: `scripts/with-secret-service.sh cargo test -p switchboard-secrets`.

mod error;
mod key;
mod platform;
mod secret;
mod vault;

pub use error::VaultError;
pub use key::{
    DEV_SERVICE, FORMER_DEV_SERVICE, FORMER_RELEASE_SERVICE, FORMER_SERVICE_ENV, RELEASE_SERVICE,
    SERVICE_ENV, SecretKey, default_service, former_default_service, former_service_from_env,
    service_from_env,
};
pub use secret::{REDACTED, SecretString};
pub use vault::{CarriedOver, DEFAULT_TIMEOUT, Removal, Vault};
