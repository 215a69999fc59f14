//! The native credential store of each platform, and what to tell the user when it fails.
//!
//! Only the Linux store can be built and tested in this repository's CI; the macOS and Windows
//! stores follow their crates' documentation.

use std::sync::Arc;

use keyring_core::CredentialStore;

#[cfg(target_os = "linux")]
mod native {
    use super::*;

    pub(crate) const VAULT: &str = "Secret Service";

    pub(crate) const LOCKED_HINT: &str = "Unlock your login keyring (GNOME Keyring or KWallet, \
        for example in the Passwords and Keys app) and try again";

    pub(crate) const FAILURE_HINT: &str = "Switchboard keeps secrets in the Secret Service of \
        your desktop session: check that GNOME Keyring or KWallet is running and unlocked";

    pub(crate) const TIMEOUT_HINT: &str = "The Secret Service may be waiting for you to unlock \
        the keyring in a dialog: unlock it and try again";

    /// Connects to the session bus and opens a Secret Service session. Blocks; fails fast when
    /// the bus socket does not exist.
    pub(crate) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }

    pub(crate) fn connect_hint() -> String {
        match std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            None => "No D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set. Run Switchboard \
                inside a desktop session, or on a headless machine start one with \
                dbus-run-session and an unlocked gnome-keyring-daemon"
                .to_owned(),
            Some(_) => FAILURE_HINT.to_owned(),
        }
    }
}

#[cfg(target_os = "macos")]
mod native {
    use super::*;

    pub(crate) const VAULT: &str = "macOS Keychain";

    pub(crate) const LOCKED_HINT: &str = "Unlock the login keychain (Keychain Access) and allow \
        Switchboard to use it, then try again";

    pub(crate) const FAILURE_HINT: &str = "Check the login keychain in Keychain Access \
        (Keychain First Aid can repair it)";

    pub(crate) const TIMEOUT_HINT: &str = "macOS may be asking whether Switchboard may use the \
        keychain: answer the dialog and try again";

    pub(crate) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }

    pub(crate) fn connect_hint() -> String {
        FAILURE_HINT.to_owned()
    }
}

#[cfg(target_os = "windows")]
mod native {
    use super::*;

    pub(crate) const VAULT: &str = "Windows Credential Manager";

    pub(crate) const LOCKED_HINT: &str = "Windows refused access to the Credential Manager: \
        sign in with your own account (not a service account) and try again";

    pub(crate) const FAILURE_HINT: &str = "Check that the Credential Manager service (VaultSvc) \
        is running";

    pub(crate) const TIMEOUT_HINT: &str = FAILURE_HINT;

    pub(crate) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }

    pub(crate) fn connect_hint() -> String {
        FAILURE_HINT.to_owned()
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod native {
    use super::*;

    pub(crate) const VAULT: &str = "credential vault";

    pub(crate) const LOCKED_HINT: &str = FAILURE_HINT;

    pub(crate) const FAILURE_HINT: &str =
        "Switchboard supports the vaults of Linux, macOS and Windows only";

    pub(crate) const TIMEOUT_HINT: &str = FAILURE_HINT;

    pub(crate) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        Err(keyring_core::Error::NotSupportedByStore(
            "no credential vault is supported on this platform".to_owned(),
        ))
    }

    pub(crate) fn connect_hint() -> String {
        FAILURE_HINT.to_owned()
    }
}

pub(crate) use native::*;
