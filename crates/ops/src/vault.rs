//! This device's vault as both shells use it: where a team database's password is kept, and
//! the one-time move of the entries an older Switchboard kept under its former service name.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use switchboard_core::{Error, Result};
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::profiles::ProfileFile;
use switchboard_providers::account::vault_error;
use switchboard_secrets::{CarriedOver, Removal, SecretKey, SecretString, Vault};

/// Where a team database's password is kept in the vault: per host, port, database and role
/// (the entry `switchboard-cli db password set` and the app's profile form write).
pub fn password_key(settings: &ConnectSettings) -> SecretKey {
    SecretKey::database_password_at(
        settings.host(),
        settings.port(),
        settings.database(),
        settings.role(),
    )
}

/// `settings` with the password this device's vault keeps for them ([`password_key`]) when
/// they hold none (neither the URL nor `PGPASSWORD` gave one), from the vault `vault` opens.
/// A vault that cannot be asked is not fatal (the server may need no password, or libpq's
/// password file may have it): it is logged, and the settings come back as they were, with
/// the error for the shell to report. Blocks while the vault answers.
pub fn with_vault_password(
    settings: ConnectSettings,
    vault: impl FnOnce() -> Result<Vault>,
) -> (ConnectSettings, Option<Error>) {
    if settings.has_password() {
        return (settings, None);
    }
    let key = password_key(&settings);
    match vault().and_then(|v| v.get_blocking(&key).map_err(vault_error)) {
        Ok(Some(password)) => {
            tracing::info!(
                server = settings.server(),
                role = settings.role(),
                "database password from the vault"
            );
            (settings.with_password(password.expose_secret()), None)
        }
        Ok(None) => (settings, None),
        Err(e) => {
            tracing::warn!(error = %e, server = settings.server(), "cannot read the database password from the vault");
            (settings, Some(e))
        }
    }
}

/// Moves the entries of the former service name (`dev.switchboard.app`, or `….dev` for a
/// debug build) into `vault`'s service, once per device: copied, read back, then deleted
/// (`Vault::carry_over_from`, which never loses a secret). Found by searching the vault, and
/// among the saved profiles' passwords for a vault that cannot search. Once a run has
/// completed, a mark beside the profile file (`vault-carried-over-<former service>`) makes
/// later calls return `Ok(None)` without asking the vault; a failed run leaves no mark, so
/// the next call tries again. `Ok(None)` too when there is no former service (a test's
/// `SWITCHBOARD_VAULT_SERVICE` without `SWITCHBOARD_VAULT_FORMER_SERVICE`).
///
/// Blocks for at most `timeout` (a few vault calls per entry): call it from a blocking
/// thread.
pub fn carry_over_former_entries(vault: &Vault, timeout: Duration) -> Result<Option<CarriedOver>> {
    let Some(former) = switchboard_secrets::former_service_from_env().map_err(vault_error)? else {
        return Ok(None);
    };
    let mark = done_mark(&former)?;
    if mark.exists() {
        return Ok(None);
    }
    let known: Vec<SecretKey> = ProfileFile::open()
        .map(|file| {
            file.profiles()
                .iter()
                .filter_map(|p| p.settings().ok())
                .map(|s| password_key(&s))
                .collect()
        })
        .unwrap_or_default();
    let found = vault
        .clone()
        .with_timeout(timeout)
        .carry_over_from_blocking(&former, &known)
        .map_err(vault_error)?;
    let note = format!(
        "entries of the vault service {former} carried over: {} moved, {} already here, {} \
         kept there (a different secret is saved here)\n",
        found.moved.len(),
        found.already_here.len(),
        found.kept.len()
    );
    let written = mark
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&mark, note));
    if let Err(source) = written {
        // Only the next run's search is repeated.
        tracing::warn!(path = %mark.display(), error = %source, "cannot mark the vault carry-over as done");
    }
    Ok(Some(found))
}

/// [`carry_over_former_entries`], logging what it moved, or why it could not yet (not fatal:
/// the next start tries again).
pub fn carry_over_and_log(vault: &Vault, timeout: Duration) {
    match carry_over_former_entries(vault, timeout) {
        Ok(Some(found)) => tracing::info!(
            moved = found.moved.len(),
            already_here = found.already_here.len(),
            kept = found.kept.len(),
            "carried the former vault service's entries over"
        ),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "cannot carry the former vault service's entries over yet")
        }
    }
}

/// The mark of a completed carry-over from `former`, beside the profile file.
fn done_mark(former: &str) -> Result<PathBuf> {
    let profiles = ProfileFile::default_path()?;
    let name = format!("vault-carried-over-{former}");
    if name.contains(['/', '\\']) {
        return Err(Error::InvalidInput {
            field: "former vault service".into(),
            reason: format!("{former:?} cannot be part of a file name"),
        });
    }
    Ok(profiles.with_file_name(name))
}

/// What saving a team database's password did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordSaved {
    /// `host:port/database`.
    pub server: String,
    /// The role.
    pub role: String,
    /// Whether the vault held a password for them before (replaced now).
    pub replaced: bool,
    /// The vault's name ("Secret Service", …).
    pub vault: String,
    /// The vault's service the entry is filed under.
    pub vault_service: String,
    /// The vault's user the entry is filed under.
    pub vault_user: String,
}

/// Saves (or replaces) the password of `settings`' role for its server and database
/// ([`password_key`]) in the vault `vault` opens; `read` is asked for it once the vault
/// answered, so a vault that refuses fails before anyone types. Blocks while the vault
/// answers.
pub fn save_password(
    settings: &ConnectSettings,
    vault: impl FnOnce() -> Result<Vault>,
    read: impl FnOnce() -> Result<SecretString>,
) -> Result<PasswordSaved> {
    let key = password_key(settings);
    let vault_user = key.vault_user().map_err(vault_error)?;
    let vault = vault()?;
    let replaced = vault.contains_blocking(&key).map_err(vault_error)?;
    let secret = read()?;
    vault.save_blocking(&key, &secret).map_err(vault_error)?;
    let (server, role) = (settings.server(), settings.role());
    tracing::info!(server, role, replaced, "saved a database password");
    Ok(PasswordSaved {
        server: server.to_owned(),
        role: role.to_owned(),
        replaced,
        vault: vault.vault_name().to_owned(),
        vault_service: vault.service().to_owned(),
        vault_user,
    })
}

/// What removing a team database's password did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordRemoved {
    /// Whether the vault held it.
    pub removed: bool,
    /// The vault's name ("Secret Service", …).
    #[serde(skip)]
    pub vault: String,
}

/// Removes the password of `settings`' role for its server and database from the vault
/// `vault` opens. Blocks while the vault answers.
pub fn remove_password(
    settings: &ConnectSettings,
    vault: impl FnOnce() -> Result<Vault>,
) -> Result<PasswordRemoved> {
    let key = password_key(settings);
    key.vault_user().map_err(vault_error)?;
    let vault = vault()?;
    let removal = vault.remove_blocking(&key).map_err(vault_error)?;
    let (server, role) = (settings.server(), settings.role());
    tracing::info!(server, role, ?removal, "removed a database password");
    Ok(PasswordRemoved {
        removed: removal == Removal::Removed,
        vault: vault.vault_name().to_owned(),
    })
}

/// This device's vault (service from `SWITCHBOARD_VAULT_SERVICE`, else the build's default),
/// its failure as core's error.
pub fn native() -> Result<Vault> {
    Vault::native().map_err(vault_error)
}
