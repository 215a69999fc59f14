//! Connection profiles as a manager edits them (the app's form), over the one profile file
//! both shells read and write (`switchboard_postgres::profiles`), and testing a connection.
//! A profile never holds a password: it lives in this device's vault ([`crate::vault`]).

use std::path::Path;

use serde::{Deserialize, Serialize};
use switchboard_core::Result;
use switchboard_postgres::profiles::{Profile, ProfileFile, ProfileParts, plain_name};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use switchboard_providers::account::vault_error;
use switchboard_secrets::{Removal, SecretString, Vault};

use crate::providers::accounts::SecretStatus;
use crate::vault::password_key;

/// How the connection to a team database is encrypted (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain text.
    Disable,
    /// TLS when the server offers it.
    Prefer,
    /// TLS, certificate not checked: whoever answers gets the password. Warned about for a
    /// server that is not on this computer.
    Require,
    /// TLS, certificate and host name checked (the default).
    #[default]
    VerifyFull,
}

impl From<TlsMode> for switchboard_postgres::TlsMode {
    fn from(t: TlsMode) -> Self {
        match t {
            TlsMode::Disable => switchboard_postgres::TlsMode::Disable,
            TlsMode::Prefer => switchboard_postgres::TlsMode::Prefer,
            TlsMode::Require => switchboard_postgres::TlsMode::Require,
            TlsMode::VerifyFull => switchboard_postgres::TlsMode::VerifyFull,
        }
    }
}

impl From<switchboard_postgres::TlsMode> for TlsMode {
    fn from(t: switchboard_postgres::TlsMode) -> Self {
        match t {
            switchboard_postgres::TlsMode::Disable => TlsMode::Disable,
            switchboard_postgres::TlsMode::Prefer => TlsMode::Prefer,
            switchboard_postgres::TlsMode::Require => TlsMode::Require,
            switchboard_postgres::TlsMode::VerifyFull => TlsMode::VerifyFull,
        }
    }
}

/// How to reach a team database. The password is never here: it lives in the OS vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProfile {
    /// Name shown in the workspace picker.
    pub name: String,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database.
    pub database: String,
    /// PostgreSQL role.
    pub user: String,
    /// Encryption.
    pub tls_mode: TlsMode,
    /// The PEM file of the CA that signed the server's certificate, when that is not a public
    /// CA (libpq's `sslrootcert`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ca_file: Option<String>,
}

impl ConnectionProfile {
    /// Core's connection settings (without a password), checking every field.
    pub fn connect_settings(&self) -> Result<ConnectSettings> {
        let settings = ConnectSettings::from_parts(
            &self.host,
            self.port,
            &self.database,
            &self.user,
            self.tls_mode.into(),
        )?;
        Ok(match self.ca_file.as_deref() {
            Some(ca) if !ca.trim().is_empty() => settings.with_root_cert(ca)?,
            _ => settings,
        })
    }

    /// A profile of the one profile file as the form shows it.
    pub fn of(profile: &Profile) -> Result<Self> {
        let parts = profile.parts()?;
        Ok(ConnectionProfile {
            name: profile.name.clone(),
            host: parts.host,
            port: parts.port,
            database: parts.database,
            user: parts.role,
            tls_mode: parts.tls_mode.into(),
            ca_file: parts.ca_file,
        })
    }

    /// The form as a profile of the one profile file, named `name`; with `previous` (the
    /// profile edited), the URL parameters the form does not show are kept.
    pub fn to_profile(&self, name: &str, previous: Option<&Profile>) -> Result<Profile> {
        let parts = ProfileParts {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            role: self.user.clone(),
            tls_mode: self.tls_mode.into(),
            ca_file: self.ca_file.clone(),
        };
        Profile::from_parts(name, &parts, previous)
    }

    /// The form trimmed, its name plain and its connection checked: the profile to save (the
    /// URL parameters of `previous` the form does not show are kept) and the form as saved.
    pub fn checked(&self, previous: Option<&Profile>) -> Result<(Profile, ConnectionProfile)> {
        let clean = ConnectionProfile {
            name: self.name.trim().to_owned(),
            host: self.host.trim().to_owned(),
            database: self.database.trim().to_owned(),
            user: self.user.trim().to_owned(),
            ca_file: self
                .ca_file
                .as_deref()
                .map(str::trim)
                .filter(|ca| !ca.is_empty())
                .map(str::to_owned),
            ..self.clone()
        };
        clean.connect_settings()?;
        let saved = clean.to_profile(&clean.name, previous)?;
        Ok((saved, clean))
    }
}

/// What "Test connection" found: the server answered, the role is one row-level security
/// binds, and the schema is usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTest {
    /// `host:port/database`.
    pub server: String,
    /// The login role.
    pub role: String,
    /// What makes the database less safe or slower, without blocking (schema check).
    pub warnings: Vec<String>,
}

/// Connects with `settings`: the server, role and schema warnings, or the error as it is
/// (offline, bad password, a role row-level security does not bind, a schema Switchboard
/// cannot use).
pub async fn test_connection(settings: &ConnectSettings) -> Result<ConnectionTest> {
    let remote = RemoteWorkspace::connect(settings).await?;
    let result = ConnectionTest {
        server: remote.server().to_owned(),
        role: remote.role().to_owned(),
        warnings: remote.warnings().to_vec(),
    };
    remote.close().await;
    Ok(result)
}

/// Saves `profile` in the profile file at `path` in place of the profile called `original`
/// (`None`: added), under the file's lock, so what another program saved meanwhile stays.
/// With `password` (a vault and the password), the password is kept in that vault under the
/// profile's role, server and database first, so a vault that refuses leaves the file as it
/// was. Blocks while the vault answers.
pub fn save(
    path: &Path,
    original: Option<&str>,
    profile: &Profile,
    password: Option<&(Vault, SecretString)>,
) -> Result<()> {
    if let Some((vault, password)) = password {
        keep_password(vault, profile, password)?;
    }
    ProfileFile::update(path, |f| f.put(original, profile.clone()))
}

/// Keeps `password` in `vault` under `profile`'s role, server and database.
fn keep_password(vault: &Vault, profile: &Profile, password: &SecretString) -> Result<()> {
    let key = password_key(&profile.settings()?);
    vault.save_blocking(&key, password).map_err(vault_error)?;
    tracing::info!(
        profile = profile.name,
        "saved a database password in the vault"
    );
    Ok(())
}

/// Whether removing a profile also removes its password from this device's vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forget {
    /// The password stays.
    Never,
    /// The password goes.
    Always,
    /// The password goes unless another profile uses the same role, server and database.
    UnlessShared,
}

/// What removing a profile did; as JSON, `profiles remove` reports it (the profile's name,
/// whether its password was removed, or kept for other profiles).
#[derive(Debug, Serialize)]
pub struct Removed {
    /// The profile as it was saved.
    #[serde(rename = "removed", serialize_with = "name_of")]
    pub profile: Profile,
    /// Its connection settings.
    #[serde(skip)]
    pub settings: ConnectSettings,
    /// What the vault did with its password; `None` when it was not asked.
    #[serde(rename = "password_removed", serialize_with = "was_removed")]
    pub password: Option<Removal>,
    /// Another profile uses its password ([`Forget::UnlessShared`] kept it).
    #[serde(rename = "password_kept_for_other_profiles")]
    pub shared: bool,
}

fn name_of<S: serde::Serializer>(profile: &Profile, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&profile.name)
}

fn was_removed<S: serde::Serializer>(
    password: &Option<Removal>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_bool(*password == Some(Removal::Removed))
}

/// Removes the profile `name` from the profile file at `path`, and its password from the
/// vault `vault` opens as `forget` says. Under the file's lock: whether another profile
/// shares the password is judged on the profiles saved by now, and a vault that refuses
/// leaves the file as it was. Blocks while the vault answers.
pub fn remove(
    path: &Path,
    name: &str,
    forget: Forget,
    vault: impl FnOnce() -> Result<Vault>,
) -> Result<Removed> {
    ProfileFile::update(path, |f| {
        let profile = f.remove(name)?;
        let settings = profile.settings()?;
        let key = password_key(&settings);
        let shared = forget == Forget::UnlessShared
            && f.profiles()
                .iter()
                .any(|p| p.settings().is_ok_and(|s| password_key(&s) == key));
        let password = match forget {
            Forget::Never => None,
            _ if shared => None,
            _ => Some(vault()?.remove_blocking(&key).map_err(vault_error)?),
        };
        Ok(Removed {
            profile,
            settings,
            shared,
            password,
        })
    })
}

/// The profiles of the one profile file as the app's form shows them. A profile the form
/// cannot show is logged and left out; a file that cannot be read is logged and lists none
/// (saving a profile then names the problem).
pub fn forms() -> Vec<ConnectionProfile> {
    let file = match ProfileFile::open() {
        Ok(file) => file,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the profile file");
            return Vec::new();
        }
    };
    let shown = file.profiles().iter().filter_map(|p| {
        ConnectionProfile::of(p)
            .inspect_err(|e| tracing::warn!(profile = p.name, error = %e, "profile not shown"))
            .ok()
    });
    shown.collect()
}

/// What moving the forms another list kept (the app's settings, before the one profile
/// file) into the profile file did.
#[derive(Debug, Default)]
pub struct MovedForms {
    /// The forms moved, each with its name in the profile file now (another when its name
    /// was taken by a different connection, or not plain).
    pub moved: Vec<(ConnectionProfile, String)>,
    /// The forms that could not be moved (a CA file gone, say), with why: they stay where
    /// they were, to be tried again.
    pub staying: Vec<(ConnectionProfile, switchboard_core::Error)>,
}

/// Moves `forms` into the profile file at `path`, under its lock ([`ProfileFile::merge`]: an identical
/// profile once, another under a taken name as `NAME-SUFFIX`, a name that is not plain made
/// plain).
pub fn move_forms(path: &Path, forms: Vec<ConnectionProfile>, suffix: &str) -> Result<MovedForms> {
    let mut moving = Vec::new();
    let mut staying = Vec::new();
    for form in forms {
        match form.to_profile(&plain_name(&form.name), None) {
            Ok(profile) => moving.push((form, profile)),
            Err(e) => staying.push((form, e)),
        }
    }
    let names = ProfileFile::update(path, |file| {
        let merged = moving.iter().map(|(_, p)| file.merge(p.clone(), suffix));
        Ok(merged.map(|m| m.name().to_owned()).collect::<Vec<_>>())
    })?;
    let moved = moving.into_iter().map(|(form, _)| form).zip(names);
    Ok(MovedForms {
        moved: moved.collect(),
        staying,
    })
}

/// The form saved in place of a profile ([`save_form`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedForm {
    /// The profile's name now.
    pub name: String,
    /// The name of the profile it replaced; `None`: added.
    pub original: Option<String>,
}

/// Saves the app's form in the profile file at `path` in place of the profile called
/// `original_name` (`None`, or a name not saved: added), keeping the URL parameters the form
/// does not show. One read, check and write under the file's lock: a name another profile has
/// (also one another program saved a moment ago) is refused before anything is saved; with a
/// `password` (not empty), it goes first into the vault `vault` opens, so a vault that refuses
/// leaves the file as it was. Blocks while the vault answers.
pub fn save_form(
    path: &Path,
    original_name: Option<&str>,
    form: &ConnectionProfile,
    password: Option<SecretString>,
    vault: impl FnOnce() -> Result<Vault>,
) -> Result<SavedForm> {
    ProfileFile::update(path, |file| {
        let previous = original_name.and_then(|o| file.find(o)).cloned();
        let (saved, _) = form.checked(previous.as_ref())?;
        let original = previous.map(|p| p.name);
        if file.find(&saved.name).is_some() && original.as_deref() != Some(saved.name.as_str()) {
            return Err(switchboard_core::Error::Duplicate {
                what: format!("a profile called {:?}", saved.name),
                organization: None,
            });
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            keep_password(&vault()?, &saved, &password)?;
        }
        file.put(original.as_deref(), saved.clone())?;
        Ok(SavedForm {
            name: saved.name,
            original,
        })
    })
}

/// What `profiles add` did.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    /// The profile's name.
    pub name: String,
    /// Its URL (never with a password).
    pub database_url: String,
    /// Its TLS mode, as libpq names it.
    pub tls_mode: &'static str,
    /// Whether its password went into this device's vault.
    pub password_stored: bool,
    /// The profile file.
    pub file: String,
    /// Its connection settings.
    #[serde(skip)]
    pub settings: ConnectSettings,
}

/// Adds the profile `name` for `url` to the profile file at `path`. A taken name is refused
/// before `password` is asked (given the profile's settings: the vault and the password to
/// keep in it, or none); the file is changed under its lock, keeping what another program
/// saved meanwhile. Blocks while the vault answers.
pub fn add(
    path: &Path,
    name: &str,
    url: &str,
    password: impl FnOnce(&ConnectSettings) -> Result<Option<(Vault, SecretString)>>,
) -> Result<Added> {
    let profile = Profile::new(name, url)?;
    ProfileFile::load(path)?.add(profile.clone())?;
    let settings = profile.settings()?;
    let password = password(&settings)?;
    save(path, None, &profile, password.as_ref())?;
    let password_stored = password.is_some();
    tracing::info!(profile = %profile.name, password_stored, "added a profile");
    Ok(Added {
        tls_mode: settings.tls_mode_name(),
        name: profile.name,
        database_url: profile.database_url,
        password_stored,
        file: path.display().to_string(),
        settings,
    })
}

/// A saved profile as `profiles show` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    /// The profile's name.
    pub name: String,
    /// Its URL (never with a password).
    pub database_url: String,
    /// `host:port/database`.
    pub server: String,
    /// The role.
    pub role: String,
    /// Whether this device's vault holds its password; as JSON `password_in_vault`: true,
    /// false, or null when the vault could not tell.
    #[serde(rename = "password_in_vault", serialize_with = "held")]
    pub password: SecretStatus,
    /// The profile file.
    pub file: String,
}

fn held<S: serde::Serializer>(status: &SecretStatus, s: S) -> std::result::Result<S::Ok, S::Error> {
    status.held().serialize(s)
}

/// The profile `name` of `file`, and whether the vault `vault` opens holds its password.
/// Blocks while the vault answers.
pub fn show(
    file: &ProfileFile,
    name: &str,
    vault: impl FnOnce() -> Result<Vault>,
) -> Result<Shown> {
    let profile = file.get(name)?;
    let settings = profile.settings()?;
    let password = SecretStatus::of_key(vault, &password_key(&settings));
    Ok(Shown {
        name: profile.name.clone(),
        database_url: profile.database_url.clone(),
        server: settings.server().to_owned(),
        role: settings.role().to_owned(),
        password,
        file: file.path().display().to_string(),
    })
}
