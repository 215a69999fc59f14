//! Saving, checking, reading and removing secrets in the OS credential vault.
//!
//! Vault calls block (D-Bus round trips, Keychain and Credential Manager system calls) and may
//! hang (a keyring waiting for the user to type a password, a D-Bus service that is being
//! activated). So every call runs off the caller's thread — on Tokio's blocking pool for the
//! async API, on a short-lived thread for the `*_blocking` API — and the caller waits at most
//! the vault timeout ([`DEFAULT_TIMEOUT`], 1 s) before getting
//! [`VaultError::VaultUnavailable`].
//!
//! The connection to the vault is opened on first use, on that worker thread, and kept; after a
//! call reports the vault unavailable it is dropped and the next call reconnects, so starting
//! or unlocking the keyring later is picked up without restarting the app.

use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use crate::error::ErrorContext;
use crate::{SecretKey, SecretString, VaultError, key, platform};

/// How long a vault call may take before it is reported as [`VaultError::VaultUnavailable`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// What [`Vault::remove`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// An entry existed and was deleted (with any duplicates of it).
    Removed,
    /// There was no entry; nothing changed.
    NotFound,
}

/// What [`Vault::carry_over_from`] found in the former service, by vault user (the entry's
/// name, never its secret).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarriedOver {
    /// Copied to this vault's service, read back equal, then deleted from the former one.
    pub moved: Vec<String>,
    /// Already held here with the same secret: the former copy was deleted.
    pub already_here: Vec<String>,
    /// Held here with a different secret (saved since): this one is used, and the former
    /// entry is left as it is, so that no secret is lost.
    pub kept: Vec<String>,
}

/// Handle on the credential vault, scoped to one service name (see [`crate::SecretKey`] for the
/// entries inside it).
///
/// Cheap to clone; clones share the connection. "No entry" is never an error: [`Vault::get`]
/// returns `Ok(None)`, [`Vault::contains`] `Ok(false)`, [`Vault::remove`]
/// `Ok(Removal::NotFound)`.
///
/// The async methods must be awaited inside a Tokio runtime with the time driver enabled (as in
/// Tauri); like any Tokio API they panic outside one. The `*_blocking` methods are for
/// synchronous programs such as the CLI and must not be called from async code.
///
/// A call that times out is abandoned, not cancelled: its worker may still finish later (a
/// timed-out save may still be stored), and a Tokio runtime waits for such a worker when it
/// shuts down unless shut down with a timeout.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
    timeout: Duration,
}

struct Inner {
    service: String,
    texts: Texts,
    backend: Backend,
}

/// The vault's name and what to tell the user about its failures.
#[derive(Clone, Copy)]
struct Texts {
    vault: &'static str,
    locked_hint: &'static str,
    failure_hint: &'static str,
    timeout_hint: &'static str,
}

enum Backend {
    /// The platform's vault, connected on first use.
    Native {
        connection: Mutex<Option<Arc<CredentialStore>>>,
    },
    /// A store handed in at construction (the in-memory mock).
    Given { store: Arc<CredentialStore> },
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("vault", &self.inner.texts.vault)
            .field("service", &self.inner.service)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Vault {
    /// The platform's vault (Secret Service, macOS Keychain or Windows Credential Manager)
    /// under the service name from [`crate::service_from_env`]. Does not touch the vault yet.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`] if `SWITCHBOARD_VAULT_SERVICE` holds an unusable value.
    pub fn native() -> Result<Self, VaultError> {
        Ok(Self::native_unchecked(key::service_from_env()?))
    }

    /// The platform's vault under an explicit service name. Does not touch the vault yet.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`] if `service` is empty or has control characters or
    /// surrounding whitespace.
    pub fn native_with_service(service: impl Into<String>) -> Result<Self, VaultError> {
        let service = service.into();
        key::check_service(&service)?;
        Ok(Self::native_unchecked(service))
    }

    fn native_unchecked(service: String) -> Self {
        Self::from_parts(
            service,
            Texts {
                vault: platform::VAULT,
                locked_hint: platform::LOCKED_HINT,
                failure_hint: platform::FAILURE_HINT,
                timeout_hint: platform::TIMEOUT_HINT,
            },
            Backend::Native {
                connection: Mutex::new(None),
            },
        )
    }

    /// A vault that keeps entries in this process's memory only, for tests of code that uses
    /// the vault. Each call returns an independent, empty vault; its name in errors is
    /// `"in-memory vault"`. Not for production: keyring-core's mock store behind it includes
    /// stored values in its own `Debug` output, which keyring-core logs at `debug` level.
    pub fn in_memory() -> Self {
        // keyring-core's mock store cannot fail to be created; the fallback keeps this
        // constructor infallible without an unwrap.
        let store: Arc<CredentialStore> = match keyring_core::mock::Store::new() {
            Ok(store) => store,
            Err(_) => Arc::new(keyring_core::mock::Store {
                id: "in-memory".to_owned(),
                inner: Mutex::new(std::cell::RefCell::new(Vec::new())),
            }),
        };
        Self::with_store(store, key::default_service())
    }

    pub(crate) fn with_store(store: Arc<CredentialStore>, service: &str) -> Self {
        Self::from_parts(
            service.to_owned(),
            Texts {
                vault: "in-memory vault",
                locked_hint: "Nothing to do: this vault exists for tests only",
                failure_hint: "Nothing to do: this vault exists for tests only",
                timeout_hint: "Nothing to do: this vault exists for tests only",
            },
            Backend::Given { store },
        )
    }

    fn from_parts(service: String, texts: Texts, backend: Backend) -> Self {
        Self {
            inner: Arc::new(Inner {
                service,
                texts,
                backend,
            }),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same vault with another timeout for each call (default [`DEFAULT_TIMEOUT`]), e.g. a
    /// longer one where the user may have to unlock the keyring in a dialog. Shares the
    /// connection with `self`.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// The service name every entry of this vault is stored under.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// `"Secret Service"`, `"macOS Keychain"`, `"Windows Credential Manager"` (or
    /// `"in-memory vault"`).
    pub fn vault_name(&self) -> &'static str {
        self.inner.texts.vault
    }

    /// Stores `secret` under `key`, replacing any previous value (and any duplicate entries).
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`], [`VaultError::EmptySecret`],
    /// [`VaultError::VaultUnavailable`].
    pub async fn save(&self, key: &SecretKey, secret: &SecretString) -> Result<(), VaultError> {
        let user = key.vault_user()?;
        check_secret(&user, secret)?;
        let secret = secret.clone();
        self.run(move |inner| inner.save(&user, &secret)).await
    }

    /// Whether this device's vault holds a secret for `key`. Does not read the secret.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`], [`VaultError::VaultUnavailable`].
    pub async fn contains(&self, key: &SecretKey) -> Result<bool, VaultError> {
        let user = key.vault_user()?;
        self.run(move |inner| inner.contains(&user)).await
    }

    /// Deletes the secret for `key`. Succeeds whether or not it existed; the [`Removal`] says
    /// which.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`], [`VaultError::VaultUnavailable`].
    pub async fn remove(&self, key: &SecretKey) -> Result<Removal, VaultError> {
        let user = key.vault_user()?;
        self.run(move |inner| inner.remove(&user)).await
    }

    /// Reads the secret for `key`; `Ok(None)` if there is none.
    ///
    /// For the backend only (to call a provider's API or open a database connection): the
    /// value must never be returned to the UI, put in an event, logged or written to a file.
    /// A UI asks [`Vault::contains`] instead.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`], [`VaultError::VaultUnavailable`],
    /// [`VaultError::UnusableEntry`] (stored value is not text, or several items match).
    pub async fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, VaultError> {
        let user = key.vault_user()?;
        self.run(move |inner| inner.get(&user)).await
    }

    /// Blocking form of [`Vault::save`], for synchronous programs.
    ///
    /// # Errors
    /// As [`Vault::save`].
    pub fn save_blocking(&self, key: &SecretKey, secret: &SecretString) -> Result<(), VaultError> {
        let user = key.vault_user()?;
        check_secret(&user, secret)?;
        let secret = secret.clone();
        self.run_blocking(move |inner| inner.save(&user, &secret))
    }

    /// Blocking form of [`Vault::contains`], for synchronous programs.
    ///
    /// # Errors
    /// As [`Vault::contains`].
    pub fn contains_blocking(&self, key: &SecretKey) -> Result<bool, VaultError> {
        let user = key.vault_user()?;
        self.run_blocking(move |inner| inner.contains(&user))
    }

    /// Blocking form of [`Vault::remove`], for synchronous programs.
    ///
    /// # Errors
    /// As [`Vault::remove`].
    pub fn remove_blocking(&self, key: &SecretKey) -> Result<Removal, VaultError> {
        let user = key.vault_user()?;
        self.run_blocking(move |inner| inner.remove(&user))
    }

    /// Blocking form of [`Vault::get`], for synchronous programs; the same rules apply to the
    /// value.
    ///
    /// # Errors
    /// As [`Vault::get`].
    pub fn get_blocking(&self, key: &SecretKey) -> Result<Option<SecretString>, VaultError> {
        let user = key.vault_user()?;
        self.run_blocking(move |inner| inner.get(&user))
    }

    /// Moves every entry of the service `former` (an older name of this vault's service)
    /// into this vault's service: each secret is copied, read back and compared, and only
    /// then deleted from `former`. An entry this service already holds with the same secret
    /// loses its former copy; one it holds with another secret keeps both (this one wins).
    /// So no secret is ever lost, and a second run changes nothing.
    ///
    /// The entries are found by searching the vault for `former` (Secret Service) and among
    /// `known` (for a vault that cannot search). A run stopped midway (an unavailable vault)
    /// is simply run again. Nothing happens when `former` is this vault's service. The whole
    /// run has the vault's timeout: it makes a few calls per entry, so give it a longer one
    /// ([`Vault::with_timeout`]) where waiting is acceptable.
    ///
    /// # Errors
    /// [`VaultError::InvalidKey`] for an unusable `former` or key,
    /// [`VaultError::VaultUnavailable`], [`VaultError::UnusableEntry`].
    pub async fn carry_over_from(
        &self,
        former: &str,
        known: &[SecretKey],
    ) -> Result<CarriedOver, VaultError> {
        let (former, known) = carry_over_args(former, known)?;
        self.run(move |inner| inner.carry_over(&former, known))
            .await
    }

    /// Blocking form of [`Vault::carry_over_from`], for synchronous programs.
    ///
    /// # Errors
    /// As [`Vault::carry_over_from`].
    pub fn carry_over_from_blocking(
        &self,
        former: &str,
        known: &[SecretKey],
    ) -> Result<CarriedOver, VaultError> {
        let (former, known) = carry_over_args(former, known)?;
        self.run_blocking(move |inner| inner.carry_over(&former, known))
    }

    /// Runs `op` on Tokio's blocking pool and waits at most the vault timeout for it.
    async fn run<T, F>(&self, op: F) -> Result<T, VaultError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, VaultError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let task = tokio::task::spawn_blocking(move || inner.settle(op(&inner)));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(_join_error)) => Err(self.inner.worker_lost()),
            Err(_elapsed) => Err(self.inner.timed_out(self.timeout)),
        }
    }

    /// Runs `op` on a new thread and waits at most the vault timeout for it.
    fn run_blocking<T, F>(&self, op: F) -> Result<T, VaultError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, VaultError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let (sender, receiver) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("switchboard-vault".to_owned())
            .spawn(move || {
                // The receiver is gone if the caller timed out; the result is then dropped.
                let _ = sender.send(inner.settle(op(&inner)));
            })
            .map_err(|err| {
                self.inner
                    .unavailable(format!("cannot start a thread for the vault call: {err}"))
            })?;
        match receiver.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(self.inner.timed_out(self.timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(self.inner.worker_lost()),
        }
    }
}

fn carry_over_args(former: &str, known: &[SecretKey]) -> Result<(String, Vec<String>), VaultError> {
    key::check_service(former)?;
    let known = known
        .iter()
        .map(SecretKey::vault_user)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((former.to_owned(), known))
}

fn check_secret(user: &str, secret: &SecretString) -> Result<(), VaultError> {
    if secret.is_empty() {
        return Err(VaultError::EmptySecret {
            entry: user.to_owned(),
        });
    }
    Ok(())
}

/// The operations themselves; they block and run on a worker thread.
impl Inner {
    fn save(&self, user: &str, secret: &SecretString) -> Result<(), VaultError> {
        let entry = self.entry(user)?;
        match entry.set_password(secret.expose_secret()) {
            Ok(()) => Ok(()),
            Err(KeyringError::Ambiguous(duplicates)) => {
                // Another tool (or a crash between two writes) left several items for this
                // entry: replacing means keeping exactly one.
                self.delete_all(user, duplicates)?;
                entry
                    .set_password(secret.expose_secret())
                    .map_err(|err| self.context(user).translate(err))
            }
            Err(err) => Err(self.context(user).translate(err)),
        }
    }

    fn contains(&self, user: &str) -> Result<bool, VaultError> {
        match self.entry(user)?.get_credential() {
            Ok(_) | Err(KeyringError::Ambiguous(_)) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(err) => Err(self.context(user).translate(err)),
        }
    }

    fn remove(&self, user: &str) -> Result<Removal, VaultError> {
        match self.entry(user)?.delete_credential() {
            Ok(()) => Ok(Removal::Removed),
            Err(KeyringError::NoEntry) => Ok(Removal::NotFound),
            Err(KeyringError::Ambiguous(duplicates)) => {
                self.delete_all(user, duplicates)?;
                Ok(Removal::Removed)
            }
            Err(err) => Err(self.context(user).translate(err)),
        }
    }

    fn get(&self, user: &str) -> Result<Option<SecretString>, VaultError> {
        match self.entry(user)?.get_password() {
            Ok(password) => Ok(Some(SecretString::new(password))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(err) => Err(self.context(user).translate(err)),
        }
    }

    fn carry_over(&self, former: &str, mut users: Vec<String>) -> Result<CarriedOver, VaultError> {
        let mut found = CarriedOver::default();
        if former == self.service {
            return Ok(found);
        }
        let store = self.store()?;
        match store.search(&HashMap::from([("service", former)])) {
            Ok(entries) => users.extend(
                entries
                    .iter()
                    .filter_map(Entry::get_specifiers)
                    .filter(|(service, _)| service == former)
                    .map(|(_, user)| user),
            ),
            Err(KeyringError::NotSupportedByStore(_)) => {}
            Err(err) => return Err(self.context(former).translate(err)),
        }
        users.sort();
        users.dedup();
        for user in users {
            let old = Entry::new_in_store(&store, former, &user)
                .map_err(|err| self.context(&user).translate(err))?;
            let secret = match old.get_password() {
                Ok(secret) => SecretString::new(secret),
                Err(KeyringError::NoEntry) => continue,
                Err(err) => return Err(self.context(&user).translate(err)),
            };
            match self.get(&user)? {
                Some(here) if here.expose_secret() == secret.expose_secret() => {
                    self.delete_former(&old, &user)?;
                    found.already_here.push(user);
                }
                Some(_) => found.kept.push(user),
                None => {
                    self.save(&user, &secret)?;
                    let back = self.get(&user)?;
                    if back.as_ref().map(SecretString::expose_secret)
                        != Some(secret.expose_secret())
                    {
                        return Err(self.context(&user).unavailable(format!(
                            "its copy under {} did not read back as written; the entry under \
                             {former} is kept",
                            self.service
                        )));
                    }
                    self.delete_former(&old, &user)?;
                    found.moved.push(user);
                }
            }
        }
        Ok(found)
    }

    fn delete_former(&self, old: &Entry, user: &str) -> Result<(), VaultError> {
        match old.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(KeyringError::Ambiguous(duplicates)) => self.delete_all(user, duplicates),
            Err(err) => Err(self.context(user).translate(err)),
        }
    }

    fn delete_all(&self, user: &str, entries: Vec<Entry>) -> Result<(), VaultError> {
        for entry in entries {
            match entry.delete_credential() {
                Ok(()) | Err(KeyringError::NoEntry) => {}
                Err(err) => return Err(self.context(user).translate(err)),
            }
        }
        Ok(())
    }

    fn entry(&self, user: &str) -> Result<Entry, VaultError> {
        let store = self.store()?;
        Entry::new_in_store(&store, &self.service, user)
            .map_err(|err| self.context(user).translate(err))
    }

    /// The open connection, opening it if there is none.
    fn store(&self) -> Result<Arc<CredentialStore>, VaultError> {
        match &self.backend {
            Backend::Given { store } => Ok(Arc::clone(store)),
            Backend::Native { connection } => {
                let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(store) = connection.as_ref() {
                    return Ok(Arc::clone(store));
                }
                let store = platform::connect().map_err(|err| VaultError::VaultUnavailable {
                    vault: self.texts.vault,
                    reason: format!("cannot connect: {err}"),
                    hint: platform::connect_hint(),
                })?;
                *connection = Some(Arc::clone(&store));
                Ok(store)
            }
        }
    }

    /// Drops the connection after the vault was reported unavailable, so the next call starts
    /// afresh. Never waits: a connection attempt that is still hanging keeps the lock.
    fn settle<T>(&self, result: Result<T, VaultError>) -> Result<T, VaultError> {
        if let Err(VaultError::VaultUnavailable { .. }) = &result {
            self.forget_connection();
        }
        result
    }

    fn forget_connection(&self) {
        if let Backend::Native { connection } = &self.backend
            && let Ok(mut connection) = connection.try_lock()
        {
            *connection = None;
        }
    }

    fn context<'a>(&self, user: &'a str) -> ErrorContext<'a> {
        ErrorContext {
            vault: self.texts.vault,
            entry: user,
            locked_hint: self.texts.locked_hint,
            failure_hint: self.texts.failure_hint,
        }
    }

    fn unavailable(&self, reason: String) -> VaultError {
        VaultError::VaultUnavailable {
            vault: self.texts.vault,
            reason,
            hint: self.texts.failure_hint.to_owned(),
        }
    }

    fn timed_out(&self, timeout: Duration) -> VaultError {
        self.forget_connection();
        VaultError::VaultUnavailable {
            vault: self.texts.vault,
            reason: format!("no answer within {} ms", timeout.as_millis()),
            hint: self.texts.timeout_hint.to_owned(),
        }
    }

    fn worker_lost(&self) -> VaultError {
        self.forget_connection();
        self.unavailable("the vault call stopped unexpectedly".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use keyring_core::mock;

    use super::*;

    static_assertions::assert_impl_all!(Vault: Send, Sync, Clone, std::fmt::Debug);
    static_assertions::assert_impl_all!(VaultError: Send, Sync, std::error::Error);

    /// A vault over a mock store that the test can also reach, to inject errors.
    fn mock_vault() -> (Vault, Arc<CredentialStore>) {
        let store: Arc<CredentialStore> = mock::Store::new().expect("mock store");
        (Vault::with_store(Arc::clone(&store), "test.service"), store)
    }

    /// Makes the next operation on `key`'s mock entry fail with `err`.
    fn fail_next(store: &Arc<CredentialStore>, key: &SecretKey, err: KeyringError) {
        let user = key.vault_user().expect("valid key");
        let entry = Entry::new_in_store(store, "test.service", &user).expect("mock entry");
        let cred: &mock::Cred = entry.as_any().downcast_ref().expect("a mock credential");
        cred.set_error(err);
    }

    fn twilio() -> SecretKey {
        SecretKey::provider_account("twilio", "AC0123")
    }

    fn secret(text: &str) -> SecretString {
        SecretString::new(text.to_owned())
    }

    #[tokio::test]
    async fn carrying_over_moves_each_secret_once_and_never_loses_one() {
        let store: Arc<CredentialStore> = mock::Store::new().expect("mock store");
        // The former name is a prefix of the new one, as `dev.switchboard.app` is of
        // `dev.switchboard.app.dev`: only the former service's own entries move.
        let former = Vault::with_store(Arc::clone(&store), "x.app");
        let vault = Vault::with_store(Arc::clone(&store), "x.app.dev");
        let db = SecretKey::database_password("db", 5432, "sw", "alice");
        let same = SecretKey::provider_account("telnyx", "acct");
        let newer = SecretKey::provider_account("plivo", "MA1");
        former.save(&twilio(), &secret("tok")).await.expect("save");
        former.save(&db, &secret("pw")).await.expect("save");
        former.save(&same, &secret("k")).await.expect("save");
        vault.save(&same, &secret("k")).await.expect("save");
        former.save(&newer, &secret("old")).await.expect("save");
        vault.save(&newer, &secret("new")).await.expect("save");
        let user = |k: &SecretKey| k.vault_user().expect("valid");

        let found = vault.carry_over_from("x.app", &[]).await.expect("carried");
        assert_eq!(found.moved, [user(&db), user(&twilio())]);
        assert_eq!(found.already_here, [user(&same)]);
        assert_eq!(found.kept, [user(&newer)]);
        for (key, value) in [
            (&twilio(), "tok"),
            (&db, "pw"),
            (&same, "k"),
            (&newer, "new"),
        ] {
            let got = vault.get(key).await.expect("get").expect("present");
            assert_eq!(got.expose_secret(), value);
        }
        assert!(!former.contains(&twilio()).await.expect("contains"));
        assert!(!former.contains(&same).await.expect("contains"));
        let old = former.get(&newer).await.expect("get").expect("kept");
        assert_eq!(
            old.expose_secret(),
            "old",
            "a differing former secret is kept"
        );

        let again = vault.carry_over_from("x.app", &[]).await.expect("again");
        assert_eq!(again.moved.len() + again.already_here.len(), 0, "{again:?}");
        assert_eq!(again.kept, [user(&newer)]);
        let none = vault
            .carry_over_from("x.app.dev", &[])
            .await
            .expect("itself");
        assert_eq!(none, CarriedOver::default());
        assert!(vault.carry_over_from(" bad", &[]).await.is_err());
    }

    #[tokio::test]
    async fn save_get_contains_remove_round_trip() {
        let (vault, _) = mock_vault();
        let key = twilio();
        assert!(!vault.contains(&key).await.expect("contains"));
        assert!(vault.get(&key).await.expect("get").is_none());

        vault.save(&key, &secret("tok-1")).await.expect("save");
        assert!(vault.contains(&key).await.expect("contains"));
        let got = vault.get(&key).await.expect("get").expect("present");
        assert_eq!(got.expose_secret(), "tok-1");

        vault.save(&key, &secret("tok-2")).await.expect("replace");
        let got = vault.get(&key).await.expect("get").expect("present");
        assert_eq!(got.expose_secret(), "tok-2");

        assert_eq!(vault.remove(&key).await.expect("remove"), Removal::Removed);
        assert_eq!(vault.remove(&key).await.expect("remove"), Removal::NotFound);
        assert!(!vault.contains(&key).await.expect("contains"));
    }

    #[tokio::test]
    async fn keys_do_not_share_entries() {
        let (vault, _) = mock_vault();
        let db = SecretKey::database_password("db.local", 5432, "switchboard", "app");
        vault.save(&twilio(), &secret("tok")).await.expect("save");
        vault.save(&db, &secret("pw")).await.expect("save");
        let telnyx = SecretKey::provider_account("telnyx", "AC0123");
        assert!(!vault.contains(&telnyx).await.expect("contains"));
        let got = vault.get(&db).await.expect("get").expect("present");
        assert_eq!(got.expose_secret(), "pw");
    }

    #[tokio::test]
    async fn invalid_keys_and_empty_secrets_are_refused_before_the_vault() {
        let (vault, store) = mock_vault();
        let bad = SecretKey::provider_account("twilio", "");
        assert!(matches!(
            vault.save(&bad, &secret("x")).await,
            Err(VaultError::InvalidKey {
                field: "account_id",
                ..
            })
        ));
        assert!(matches!(
            vault.contains(&bad).await,
            Err(VaultError::InvalidKey { .. })
        ));
        assert!(matches!(
            vault.remove(&bad).await,
            Err(VaultError::InvalidKey { .. })
        ));
        assert!(matches!(
            vault.get(&bad).await,
            Err(VaultError::InvalidKey { .. })
        ));
        assert!(matches!(
            vault.save(&twilio(), &secret("")).await,
            Err(VaultError::EmptySecret { entry }) if entry == "twilio:AC0123"
        ));
        let nothing_stored = Entry::new_in_store(&store, "test.service", "twilio:AC0123")
            .expect("entry")
            .get_password();
        assert!(matches!(nothing_stored, Err(KeyringError::NoEntry)));
    }

    #[tokio::test]
    async fn locked_vault_is_unavailable_and_does_not_leak_the_secret() {
        let (vault, store) = mock_vault();
        let key = twilio();
        fail_next(
            &store,
            &key,
            KeyringError::NoStorageAccess("collection is locked".into()),
        );
        let err = vault
            .save(&key, &secret("super-secret-token"))
            .await
            .expect_err("locked");
        let printed = format!("{err} {err:?}");
        assert!(!printed.contains("super-secret-token"), "{printed}");
        assert!(
            matches!(&err, VaultError::VaultUnavailable { reason, .. }
                if reason.contains("collection is locked")),
            "{printed}"
        );
        // The error was one-off: the vault works again.
        vault
            .save(&key, &secret("t"))
            .await
            .expect("save after unlock");
    }

    #[tokio::test]
    async fn platform_failures_surface_from_every_operation() {
        let (vault, store) = mock_vault();
        let key = twilio();
        vault.save(&key, &secret("t")).await.expect("save");
        let failure = || KeyringError::PlatformFailure("bus went away".into());

        fail_next(&store, &key, failure());
        assert!(matches!(
            vault.contains(&key).await,
            Err(VaultError::VaultUnavailable { .. })
        ));
        fail_next(&store, &key, failure());
        assert!(matches!(
            vault.get(&key).await,
            Err(VaultError::VaultUnavailable { .. })
        ));
        fail_next(&store, &key, failure());
        assert!(matches!(
            vault.remove(&key).await,
            Err(VaultError::VaultUnavailable { .. })
        ));
        assert!(vault.contains(&key).await.expect("contains"), "still there");
    }

    #[tokio::test]
    async fn undecodable_secret_is_an_unusable_entry_without_its_bytes() {
        let (vault, store) = mock_vault();
        let key = twilio();
        fail_next(
            &store,
            &key,
            KeyringError::BadEncoding(b"leaked-bytes\xff".to_vec()),
        );
        let err = vault.get(&key).await.expect_err("bad encoding");
        let printed = format!("{err} {err:?}");
        assert!(!printed.contains("leaked"), "{printed}");
        assert!(matches!(err, VaultError::UnusableEntry { .. }), "{printed}");
    }

    #[test]
    fn blocking_api_round_trip() {
        let (vault, _) = mock_vault();
        let key = SecretKey::database_password("::1", 5432, "sb", "app");
        assert!(!vault.contains_blocking(&key).expect("contains"));
        vault.save_blocking(&key, &secret("pw")).expect("save");
        assert!(vault.contains_blocking(&key).expect("contains"));
        let got = vault.get_blocking(&key).expect("get").expect("present");
        assert_eq!(got.expose_secret(), "pw");
        assert_eq!(
            vault.remove_blocking(&key).expect("remove"),
            Removal::Removed
        );
        assert_eq!(
            vault.remove_blocking(&key).expect("remove"),
            Removal::NotFound
        );
    }

    #[tokio::test]
    async fn a_hanging_vault_call_times_out() {
        let (vault, _) = mock_vault();
        let vault = vault.with_timeout(Duration::from_millis(50));
        let started = std::time::Instant::now();
        let err = vault
            .run(|_| {
                std::thread::sleep(Duration::from_millis(400));
                Ok(())
            })
            .await
            .expect_err("timeout");
        assert!(started.elapsed() < Duration::from_millis(300));
        assert!(
            matches!(&err, VaultError::VaultUnavailable { reason, .. } if reason.contains("50 ms")),
            "{err}"
        );
        let err = vault
            .run_blocking(|_| {
                std::thread::sleep(Duration::from_millis(400));
                Ok(())
            })
            .expect_err("timeout");
        assert!(matches!(err, VaultError::VaultUnavailable { .. }));
    }

    #[test]
    fn in_memory_vaults_are_independent() {
        let first = Vault::in_memory();
        let second = Vault::in_memory();
        first.save_blocking(&twilio(), &secret("t")).expect("save");
        assert!(!second.contains_blocking(&twilio()).expect("contains"));
        assert_eq!(first.vault_name(), "in-memory vault");
        assert!(format!("{first:?}").contains("in-memory vault"));
    }
}
