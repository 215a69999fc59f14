//! Saved connection profiles: a name for a team database's `postgres://` URL, so a manager
//! types `--profile team` instead of the URL each time, or picks the team workspace in the
//! app. **One store for both shells**: the CLI's `profiles` commands and the app's profile
//! commands read and write this file through this module, so a profile saved in one is listed
//! by the other.
//!
//! # What is guaranteed
//!
//! - **No password in a profile.** [`Profile::new`] refuses a URL that carries a password (in
//!   its user part or as a `password=` parameter) and says where the password belongs: this
//!   device's credential vault, filed under the profile's role, host, port and database, which
//!   is where `--database-url` without a password finds it too. The profile file therefore
//!   holds nothing secret, and its `Debug` output can be logged.
//! - **A profile is a valid URL.** It is parsed as [`ConnectSettings`] would connect with it
//!   when added; names are short and plain (`[a-z0-9_-]`, starting with a letter or digit,
//!   at most 64 characters) so they are safe in shell commands and messages. The app's form
//!   (host, port, database, role, TLS mode, CA file: [`ProfileParts`]) is another view of
//!   the same URL ([`Profile::from_parts`], [`Profile::parts`]); the URL's other libpq
//!   parameters are kept when the form edits it.
//! - **The file is written atomically**: to a temporary file in the same directory, flushed to
//!   disk, then renamed over the old one; a crash leaves the old file or the new one, never a
//!   mix. A missing file is an empty list; a file that cannot be read as profiles is an error
//!   naming the file, never silently replaced.
//! - **Writers do not lose each other's profiles.** [`ProfileFile::update`] holds an
//!   exclusive lock on `<file>.lock` while it reads the file, changes it and writes it back,
//!   so a CLI and an app saving at the same moment both keep their profile.
//! - **Profiles kept elsewhere before come in once** ([`ProfileFile::merge`]): an identical
//!   profile is kept once; a different one under a taken name gets a visible suffix.
//!
//! The file lives at `SWITCHBOARD_PROFILES` when set (tests), else `profiles.json` in the OS
//! configuration directory (e.g. `~/.config/switchboard/profiles.json` on Linux), the same for
//! the CLI and the app, whatever the app's bundle identifier.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use switchboard_core::{Error, Result};

use crate::connect::{ROOT_CERT_PARAMS, SSL_MODE_PARAMS};
use crate::{ConnectSettings, TlsMode};

/// The environment variable that overrides where the profile file is.
pub const PROFILES_ENV: &str = "SWITCHBOARD_PROFILES";

/// The file format's version; a newer file is refused instead of being overwritten.
const VERSION: u32 = 1;

/// The longest profile name.
const MAX_NAME: usize = 64;

/// Whether a URL parameter is one the app's form shows ([`ProfileParts`]): a form's edit
/// replaces these and keeps the others.
fn is_form_param(key: &str) -> bool {
    SSL_MODE_PARAMS.contains(&key) || ROOT_CERT_PARAMS.contains(&key)
}

/// A saved name for a team database URL (without a password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The profile's name, e.g. `team`.
    pub name: String,
    /// `postgres://ROLE@HOST[:PORT]/DATABASE[?sslmode=…]`, never with a password.
    pub database_url: String,
}

/// A profile as the app's form shows it: the parts of its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileParts {
    /// Host name or IP address (an IPv6 address without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database name.
    pub database: String,
    /// Login role.
    pub role: String,
    /// Encryption (libpq's `sslmode`).
    pub tls_mode: TlsMode,
    /// The CA file (libpq's `sslrootcert`), when the server's certificate is signed by the
    /// organization's own CA.
    pub ca_file: Option<String>,
}

impl Profile {
    /// A checked profile: a plain name and a `postgres://` URL without a password (a CA file
    /// it names must be readable).
    pub fn new(name: &str, database_url: &str) -> Result<Self> {
        let profile = Self::checked(name, database_url)?;
        ConnectSettings::from_url(&profile.database_url)?;
        Ok(profile)
    }

    /// [`Profile::new`] without reading the CA file: a file that is read back (the CA may
    /// have moved since; connecting names that problem).
    fn checked(name: &str, database_url: &str) -> Result<Self> {
        let name = check_name(name)?;
        let database_url = database_url.trim();
        ConnectSettings::from_url(&without_root_cert(database_url))?;
        let parsed = url::Url::parse(database_url).map_err(|e| Error::InvalidInput {
            field: "database URL".into(),
            reason: e.to_string(),
        })?;
        let password_param = parsed
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("password"));
        if parsed.password().is_some() || password_param {
            return Err(Error::InvalidInput {
                field: "database URL".into(),
                reason: "it holds a password, and a profile never keeps one: give the URL \
                         without it and pipe the password to --password-stdin, which keeps \
                         it in this device's credential vault"
                    .into(),
            });
        }
        if parsed.username().is_empty() {
            return Err(Error::InvalidInput {
                field: "database URL".into(),
                reason: "it names no login role: postgres://ROLE@HOST/DATABASE".into(),
            });
        }
        Ok(Profile {
            name,
            database_url: database_url.to_owned(),
        })
    }

    /// A profile from the app's form. With `previous` (the profile being edited), the URL
    /// parameters the form does not show are kept.
    pub fn from_parts(
        name: &str,
        parts: &ProfileParts,
        previous: Option<&Profile>,
    ) -> Result<Self> {
        let mut url = ConnectSettings::url_from_parts(
            &parts.host,
            parts.port,
            &parts.database,
            &parts.role,
            parts.tls_mode,
        )?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(ca) = parts
                .ca_file
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                query.append_pair("sslrootcert", ca);
            }
            for (key, value) in previous.map(Profile::other_params).unwrap_or_default() {
                query.append_pair(&key, &value);
            }
        }
        Self::new(name, url.as_str())
    }

    /// The parts of the URL, as the app's form shows them. A CA file is not read.
    pub fn parts(&self) -> Result<ProfileParts> {
        let settings = ConnectSettings::from_url(&without_root_cert(&self.database_url))?;
        let host = settings.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let ca_file = url::Url::parse(&self.database_url)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| ROOT_CERT_PARAMS.contains(&k.as_ref()))
                    .map(|(_, v)| v.into_owned())
            })
            .filter(|v| !v.trim().is_empty());
        Ok(ProfileParts {
            host: host.to_owned(),
            port: settings.port(),
            database: settings.database().to_owned(),
            role: settings.role().to_owned(),
            tls_mode: settings.form_tls_mode(),
            ca_file,
        })
    }

    /// The URL's parameters the app's form does not show, in order.
    fn other_params(&self) -> Vec<(String, String)> {
        url::Url::parse(&self.database_url)
            .map(|u| {
                u.query_pairs()
                    .filter(|(k, _)| !is_form_param(k))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether both reach the same server, database and role the same way (the same URL,
    /// or the same parts and other parameters), whatever their names.
    fn same_connection(&self, other: &Profile) -> bool {
        if self.database_url == other.database_url {
            return true;
        }
        match (self.parts(), other.parts()) {
            (Ok(a), Ok(b)) => a == b && self.other_params() == other.other_params(),
            _ => false,
        }
    }

    /// The settings to connect with (the password comes later, from `PGPASSWORD` or the
    /// vault).
    pub fn settings(&self) -> Result<ConnectSettings> {
        ConnectSettings::from_url(&self.database_url)
    }
}

/// `url` without the parameters naming a CA file (for checks that must not read it).
fn without_root_cert(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url.trim()) else {
        return url.to_owned();
    };
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !ROOT_CERT_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.into()
}

/// Checks a profile name; returns it trimmed.
pub fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    let bad = |reason: &str| Error::InvalidInput {
        field: "profile name".into(),
        reason: format!("{name:?} {reason}"),
    };
    if name.is_empty() {
        return Err(bad("is empty"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(bad("is longer than 64 characters"));
    }
    if !name.chars().all(plain) || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(bad(
            "must be lowercase letters, digits, - and _, starting with a letter or digit",
        ));
    }
    Ok(name.to_owned())
}

fn plain(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
}

/// The plain name ([`check_name`]) closest to `raw`: lowercase, each run of other characters
/// one `-` (`"Team West"` → `team-west`), `profile` when nothing is left. For profiles saved
/// before names had to be plain.
pub fn plain_name(raw: &str) -> String {
    let mut name = String::new();
    for c in raw.trim().chars().flat_map(char::to_lowercase) {
        if plain(c) {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name
        .trim_start_matches(['-', '_'])
        .chars()
        .take(MAX_NAME)
        .collect();
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "profile".to_owned()
    } else {
        name.to_owned()
    }
}

/// What [`ProfileFile::merge`] did with a profile brought in from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Added under its name.
    Added(String),
    /// A profile of this name reaching the same connection was there already: kept once.
    Identical(String),
    /// Its name was taken by a different connection (or was not plain): added as `to`.
    Renamed {
        /// The name it had.
        from: String,
        /// The name it has now.
        to: String,
    },
}

impl Merged {
    /// The profile's name in the file now.
    pub fn name(&self) -> &str {
        match self {
            Merged::Added(name) | Merged::Identical(name) => name,
            Merged::Renamed { to, .. } => to,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    profiles: Vec<Profile>,
}

/// The profile file: read, changed in memory, written back with [`ProfileFile::save`]; or
/// changed under the file's lock with [`ProfileFile::update`], which every writer should use.
#[derive(Debug)]
pub struct ProfileFile {
    path: PathBuf,
    profiles: Vec<Profile>,
}

impl ProfileFile {
    /// Where the profile file is: `SWITCHBOARD_PROFILES`, else `profiles.json` in the OS
    /// configuration directory.
    pub fn default_path() -> Result<PathBuf> {
        if let Some(p) = std::env::var_os(PROFILES_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        directories::ProjectDirs::from("dev", "switchboard", "switchboard")
            .map(|d| d.config_dir().join("profiles.json"))
            .ok_or_else(|| Error::InvalidInput {
                field: "profiles".into(),
                reason: format!("no home directory; set {PROFILES_ENV}"),
            })
    }

    /// Reads the file at `path`; a missing file is an empty list.
    pub fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ProfileFile {
                    path,
                    profiles: Vec::new(),
                });
            }
            Err(e) => return Err(io(e)),
        };
        let bad = |reason: String| Error::InvalidInput {
            field: "profile file".into(),
            reason: format!("{}: {reason}", path.display()),
        };
        let disk: OnDisk = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if disk.version > VERSION {
            return Err(bad(format!(
                "written by a newer Switchboard (version {}; this one reads {VERSION})",
                disk.version
            )));
        }
        // Checked again: the file may have been edited by hand.
        for p in &disk.profiles {
            Profile::checked(&p.name, &p.database_url)
                .map_err(|e| bad(format!("profile {:?}: {e}", p.name)))?;
        }
        Ok(ProfileFile {
            path,
            profiles: disk.profiles,
        })
    }

    /// Reads the file at [`ProfileFile::default_path`].
    pub fn open() -> Result<Self> {
        Self::load(Self::default_path()?)
    }

    /// Changes the file at `path` under its lock: waits for the lock on `<file>.lock`, reads
    /// the file as it is now, applies `change`, writes the file (only when `change` succeeded
    /// and changed something) and releases the lock. So a change made meanwhile by another
    /// program (the CLI, the app) is never overwritten.
    pub fn update<T>(
        path: impl Into<PathBuf>,
        change: impl FnOnce(&mut ProfileFile) -> Result<T>,
    ) -> Result<T> {
        let path = path.into();
        let _lock = lock(&path)?;
        let mut file = Self::load(path)?;
        let before = file.profiles.clone();
        let result = change(&mut file)?;
        if file.profiles != before {
            file.save()?;
        }
        Ok(result)
    }

    /// [`ProfileFile::update`] on the file at [`ProfileFile::default_path`].
    pub fn update_default<T>(change: impl FnOnce(&mut ProfileFile) -> Result<T>) -> Result<T> {
        Self::update(Self::default_path()?, change)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, in the order they were added.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// A profile by name, if saved.
    pub fn find(&self, name: &str) -> Option<&Profile> {
        let name = name.trim();
        self.profiles.iter().find(|p| p.name == name)
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Result<&Profile> {
        self.find(name).ok_or_else(|| Error::InvalidInput {
            field: "profile".into(),
            reason: format!(
                "{:?} is not saved (saved profiles: {}; add one with \
                 `switchboard-cli profiles add NAME --database-url URL`)",
                name.trim(),
                self.names()
            ),
        })
    }

    fn names(&self) -> String {
        if self.profiles.is_empty() {
            return "none".into();
        }
        self.profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn duplicate(name: &str) -> Error {
        Error::Duplicate {
            what: format!("profile {name:?}"),
            organization: None,
        }
    }

    /// Adds a profile; a name already saved is a [`Error::Duplicate`].
    pub fn add(&mut self, profile: Profile) -> Result<()> {
        if self.find(&profile.name).is_some() {
            return Err(Self::duplicate(&profile.name));
        }
        self.profiles.push(profile);
        Ok(())
    }

    /// Replaces the profile called `original` by `profile` (in its place, so a rename keeps
    /// the order), or adds `profile` when `original` is `None`. A name another profile has is
    /// a [`Error::Duplicate`]; an `original` not saved is an error naming the saved ones.
    pub fn put(&mut self, original: Option<&str>, profile: Profile) -> Result<()> {
        let Some(original) = original else {
            return self.add(profile);
        };
        let original = self.get(original)?.name.clone();
        if profile.name != original && self.find(&profile.name).is_some() {
            return Err(Self::duplicate(&profile.name));
        }
        if let Some(slot) = self.profiles.iter_mut().find(|p| p.name == original) {
            *slot = profile;
        }
        Ok(())
    }

    /// Removes a profile by name and returns it.
    pub fn remove(&mut self, name: &str) -> Result<Profile> {
        let found = self.get(name)?.name.clone();
        let at = self
            .profiles
            .iter()
            .position(|p| p.name == found)
            .unwrap_or_default();
        Ok(self.profiles.remove(at))
    }

    /// Brings in a profile kept elsewhere before (another program's list): under its name
    /// when free; kept once when a profile of that name (or of the name it was given before)
    /// reaches the same connection; else under `NAME-SUFFIX` (then `NAME-SUFFIX-2`, …), so
    /// nothing already here changes name. Running it twice changes nothing.
    pub fn merge(&mut self, incoming: Profile, suffix: &str) -> Merged {
        let name = incoming.name.clone();
        let mut candidates = std::iter::once(name.clone()).chain((1..).map(|n| {
            let tail = if n == 1 {
                format!("-{suffix}")
            } else {
                format!("-{suffix}-{n}")
            };
            let base: String = name.chars().take(MAX_NAME - tail.len()).collect();
            format!("{}{tail}", base.trim_end_matches('-'))
        }));
        let (candidate, there) = loop {
            let candidate = candidates.next().unwrap_or_else(|| name.clone());
            match self.find(&candidate) {
                Some(there) if there.same_connection(&incoming) => break (candidate, true),
                Some(_) => continue,
                None => break (candidate, false),
            }
        };
        if !there {
            self.profiles.push(Profile {
                name: candidate.clone(),
                ..incoming
            });
        }
        match (candidate == name, there) {
            (true, true) => Merged::Identical(candidate),
            (true, false) => Merged::Added(candidate),
            (false, _) => Merged::Renamed {
                from: name,
                to: candidate,
            },
        }
    }

    /// Writes the file atomically (temporary file, flush, rename), creating its directory.
    /// Without the lock: prefer [`ProfileFile::update`].
    pub fn save(&self) -> Result<()> {
        let io = |path: &Path, source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let dir = directory_of(&self.path);
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let disk = OnDisk {
            version: VERSION,
            profiles: self.profiles.clone(),
        };
        let mut text = serde_json::to_string_pretty(&disk).map_err(|e| Error::InvalidInput {
            field: "profile file".into(),
            reason: e.to_string(),
        })?;
        text.push('\n');
        static SAVES: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{}.{}-{}.tmp",
            file_name(&self.path),
            std::process::id(),
            SAVES.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&self.path, e));
        }
        Ok(())
    }
}

fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "profiles.json".into())
}

/// Waits for the exclusive lock on `<file>.lock` beside the profile file (created if
/// missing, never removed: removing a lock file lets two writers hold "the" lock). The lock
/// goes with the returned file.
fn lock(path: &Path) -> Result<File> {
    let dir = directory_of(path);
    let lock_path = dir.join(format!("{}.lock", file_name(path)));
    let io = |source| Error::Io {
        path: lock_path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io)?;
    // `File::lock` is Rust 1.89: the workspace already needs 1.88 (let chains) and builds
    // with a newer toolchain; the declared rust-version is older than what it really needs.
    #[allow(clippy::incompatible_msrv)]
    file.lock().map_err(io)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_never_holds_a_password() {
        let ok = Profile::new("team", "postgres://alice@db.example:5432/switchboard")
            .expect("a plain URL");
        assert_eq!(ok.name, "team");
        for url in [
            "postgres://alice:s3cret@db.example/switchboard",
            "postgres://alice@db.example/switchboard?password=s3cret",
        ] {
            let err = Profile::new("team", url).expect_err("a password is refused");
            let text = err.to_string();
            assert!(err.is_bad_input(), "{text}");
            assert!(text.contains("--password-stdin"), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
        let err = Profile::new("team", "mysql://alice@db/x").expect_err("not postgres");
        assert!(err.to_string().contains("postgres://"), "{err}");
        let err = Profile::new("team", "postgres://db.example/x").expect_err("no role");
        assert!(err.to_string().contains("login role"), "{err}");
    }

    #[test]
    fn names_are_plain() {
        assert_eq!(check_name(" team-1 ").expect("plain"), "team-1");
        for bad in ["", "Team", "a b", "-x", "ä", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_file_round_trips_refuses_duplicates_and_names_unknown_profiles() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested/profiles.json");
        let mut file = ProfileFile::load(&path).expect("missing is empty");
        assert!(file.profiles().is_empty());
        file.add(Profile::new("team", "postgres://alice@db/sw").expect("valid"))
            .expect("added");
        let dup = file
            .add(Profile::new("team", "postgres://bob@db/sw").expect("valid"))
            .expect_err("duplicate");
        assert!(dup.to_string().contains("profile \"team\""), "{dup}");
        file.save().expect("saved");
        let again = ProfileFile::load(&path).expect("reads");
        assert_eq!(
            again.get("team").expect("found").database_url,
            "postgres://alice@db/sw"
        );
        let err = again.get("prod").expect_err("unknown");
        assert!(err.to_string().contains("saved profiles: team"), "{err}");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        let mut again = again;
        assert_eq!(again.remove("team").expect("removed").name, "team");
        assert!(again.remove("team").is_err());
    }

    #[test]
    fn a_damaged_or_newer_file_is_an_error_not_an_empty_list() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("profiles.json");
        std::fs::write(&path, "{not json").expect("write");
        assert!(ProfileFile::load(&path).is_err());
        std::fs::write(&path, r#"{"version": 9, "profiles": []}"#).expect("write");
        let err = ProfileFile::load(&path).expect_err("newer");
        assert!(err.to_string().contains("newer"), "{err}");
        std::fs::write(
            &path,
            r#"{"version": 1, "profiles": [{"name": "x", "database_url": "postgres://a:pw@h/d"}]}"#,
        )
        .expect("write");
        let err = ProfileFile::load(&path).expect_err("a password edited in");
        assert!(!err.to_string().contains("pw@"), "{err}");
    }

    fn parts(host: &str, role: &str) -> ProfileParts {
        ProfileParts {
            host: host.into(),
            port: 5433,
            database: "switchboard".into(),
            role: role.into(),
            tls_mode: TlsMode::Require,
            ca_file: None,
        }
    }

    #[test]
    fn the_apps_form_and_the_url_are_two_views_of_one_profile() {
        let p = Profile::from_parts("team", &parts("db.example.com", "alice"), None).expect("ok");
        assert_eq!(
            p.database_url,
            "postgres://alice@db.example.com:5433/switchboard?sslmode=require"
        );
        assert_eq!(p.parts().expect("parts"), parts("db.example.com", "alice"));
        let v6 = Profile::from_parts("v6", &parts("::1", "alice"), None).expect("ipv6");
        assert_eq!(v6.parts().expect("parts").host, "::1");
        // A URL saved by the CLI, with parameters the form does not show: the form reads
        // what it would connect with, and an edit keeps the rest.
        let cli = Profile::new(
            "cli",
            "postgres://bob@db.example.com/sw?application_name=ops&connect_timeout=3",
        )
        .expect("cli url");
        let seen = cli.parts().expect("parts");
        assert_eq!(seen.port, 5432);
        assert_eq!(
            seen.tls_mode,
            TlsMode::VerifyFull,
            "a remote server's default"
        );
        let edited = Profile::from_parts(
            "cli",
            &ProfileParts {
                database: "sw2".into(),
                ..seen
            },
            Some(&cli),
        )
        .expect("edited");
        assert!(
            edited
                .database_url
                .ends_with("/sw2?sslmode=verify-full&application_name=ops&connect_timeout=3"),
            "{}",
            edited.database_url
        );
        assert!(cli.same_connection(&cli.clone()));
        assert!(!cli.same_connection(&edited));
        // Bad parts are named; a CA file must be readable when saved, not when read back.
        let e = Profile::from_parts("x", &parts("db/x", "alice"), None).expect_err("host");
        assert!(e.to_string().contains("host"), "{e}");
        let missing = ProfileParts {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..parts("db.example.com", "alice")
        };
        let e = Profile::from_parts("x", &missing, None).expect_err("no CA file");
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
        let moved = Profile {
            name: "x".into(),
            database_url: "postgres://a@h/d?sslrootcert=%2Fnonexistent%2Fca.pem".into(),
        };
        assert_eq!(
            moved.parts().expect("read back").ca_file.as_deref(),
            Some("/nonexistent/ca.pem")
        );
    }

    #[test]
    fn concurrent_writers_keep_each_others_profiles() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("profiles.json");
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..12 {
                        let p = Profile::new(&format!("w{w}-{i}"), "postgres://a@db/sw")
                            .expect("valid");
                        ProfileFile::update(&path, |f| f.add(p)).expect("added");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        let file = ProfileFile::load(&path).expect("reads");
        assert_eq!(file.profiles().len(), 8 * 12, "{:?}", file.profiles());
        // A change that fails writes nothing.
        let before = std::fs::read(&path).expect("file");
        let e = ProfileFile::update(&path, |f| {
            f.remove("w0-0")?;
            f.add(Profile::new("w1-1", "postgres://a@db/sw")?)
        })
        .expect_err("duplicate");
        assert!(e.to_string().contains("\"w1-1\""), "{e}");
        assert_eq!(std::fs::read(&path).expect("file"), before);
    }

    #[test]
    fn put_renames_in_place_and_refuses_a_taken_name() {
        let mut file = ProfileFile {
            path: PathBuf::from("unused.json"),
            profiles: Vec::new(),
        };
        let url = "postgres://a@db/sw";
        for name in ["a", "b", "c"] {
            file.put(None, Profile::new(name, url).expect("valid"))
                .expect("added");
        }
        file.put(Some("b"), Profile::new("b2", url).expect("valid"))
            .expect("renamed");
        let names: Vec<&str> = file.profiles().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b2", "c"]);
        let e = file
            .put(Some("a"), Profile::new("c", url).expect("valid"))
            .expect_err("taken");
        assert!(e.to_string().contains("\"c\""), "{e}");
        let e = file
            .put(Some("zz"), Profile::new("zz", url).expect("valid"))
            .expect_err("unknown");
        assert!(e.to_string().contains("saved profiles: a, b2, c"), "{e}");
    }

    #[test]
    fn merging_keeps_identical_profiles_once_and_renames_a_different_one_visibly() {
        let mut file = ProfileFile {
            path: PathBuf::from("unused.json"),
            profiles: vec![Profile::new("team", "postgres://alice@db.example.com/sw").expect("v")],
        };
        // The same connection spelled by the app's form: kept once.
        let same = Profile::from_parts(
            "team",
            &ProfileParts {
                host: "db.example.com".into(),
                port: 5432,
                database: "sw".into(),
                role: "alice".into(),
                tls_mode: TlsMode::VerifyFull,
                ca_file: None,
            },
            None,
        )
        .expect("valid");
        assert_eq!(
            file.merge(same.clone(), "app"),
            Merged::Identical("team".into())
        );
        // Another server under the same name: added as team-app, the CLI's team unchanged.
        let other = Profile::new("team", "postgres://bob@other.example.com/sw").expect("v");
        let renamed = Merged::Renamed {
            from: "team".into(),
            to: "team-app".into(),
        };
        assert_eq!(file.merge(other.clone(), "app"), renamed);
        assert_eq!(file.merge(other.clone(), "app"), renamed, "idempotent");
        let third = Profile::new("team", "postgres://carol@third.example.com/sw").expect("v");
        assert_eq!(file.merge(third, "app").name(), "team-app-2");
        assert_eq!(file.profiles().len(), 3);
        assert_eq!(
            file.get("team").expect("kept").database_url,
            "postgres://alice@db.example.com/sw"
        );
        let long = Profile::new(&"x".repeat(64), "postgres://dan@x.example.com/sw").expect("v");
        file.profiles
            .push(Profile::new(&"x".repeat(64), "postgres://eve@y/sw").expect("v"));
        let merged = file.merge(long, "app");
        assert!(check_name(merged.name()).is_ok(), "{merged:?}");
    }

    #[test]
    fn plain_names_come_from_any_name() {
        assert_eq!(plain_name(" Team West "), "team-west");
        assert_eq!(plain_name("Prod (EU) / main"), "prod-eu-main");
        assert_eq!(plain_name("--x"), "x");
        assert_eq!(plain_name("ÄÖ"), "profile");
        assert_eq!(plain_name(&"Ab".repeat(40)).len(), 64);
        for raw in ["Team", "a b", "-x", "ä", "x-", "_y"] {
            assert!(check_name(&plain_name(raw)).is_ok(), "{raw:?}");
        }
    }
}
