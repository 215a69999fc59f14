//! Saved connection profiles: a name for a team database's `postgres://` URL, so a manager
//! types `--profile team` instead of the URL each time.
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
//!   at most 64 characters) so they are safe in shell commands and messages.
//! - **The file is written atomically**: to a temporary file in the same directory, flushed to
//!   disk, then renamed over the old one; a crash leaves the old file or the new one, never a
//!   mix. A missing file is an empty list; a file that cannot be read as profiles is an error
//!   naming the file, never silently replaced.
//!
//! The file lives at `SWITCHBOARD_PROFILES` when set (tests), else `profiles.json` in the OS
//! configuration directory (e.g. `~/.config/switchboard/profiles.json` on Linux).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use switchboard_core::{Error, Result};

use crate::ConnectSettings;

/// The environment variable that overrides where the profile file is.
pub const PROFILES_ENV: &str = "SWITCHBOARD_PROFILES";

/// The file format's version; a newer file is refused instead of being overwritten.
const VERSION: u32 = 1;

/// A saved name for a team database URL (without a password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The profile's name, e.g. `team`.
    pub name: String,
    /// `postgres://ROLE@HOST[:PORT]/DATABASE[?sslmode=…]`, never with a password.
    pub database_url: String,
}

impl Profile {
    /// A checked profile: a plain name and a `postgres://` URL without a password.
    pub fn new(name: &str, database_url: &str) -> Result<Self> {
        let name = check_name(name)?;
        let database_url = database_url.trim();
        ConnectSettings::from_url(database_url)?;
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

    /// The settings to connect with (the password comes later, from `PGPASSWORD` or the
    /// vault).
    pub fn settings(&self) -> Result<ConnectSettings> {
        ConnectSettings::from_url(&self.database_url)
    }
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
    if name.chars().count() > 64 {
        return Err(bad("is longer than 64 characters"));
    }
    let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if !name.chars().all(plain) || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(bad(
            "must be lowercase letters, digits, - and _, starting with a letter or digit",
        ));
    }
    Ok(name.to_owned())
}

#[derive(Debug, Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    profiles: Vec<Profile>,
}

/// The profile file: read, changed in memory, written back with [`ProfileFile::save`].
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
            Profile::new(&p.name, &p.database_url)
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

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, in the order they were added.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Result<&Profile> {
        let name = name.trim();
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Error::InvalidInput {
                field: "profile".into(),
                reason: format!(
                    "{name:?} is not saved (saved profiles: {}; add one with \
                     `switchboard-cli profiles add NAME --database-url URL`)",
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

    /// Adds a profile; a name already saved is a [`Error::Duplicate`].
    pub fn add(&mut self, profile: Profile) -> Result<()> {
        if self.profiles.iter().any(|p| p.name == profile.name) {
            return Err(Error::Duplicate {
                what: format!("profile {:?}", profile.name),
                organization: None,
            });
        }
        self.profiles.push(profile);
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

    /// Writes the file atomically (temporary file, flush, rename), creating its directory.
    pub fn save(&self) -> Result<()> {
        let io = |path: &Path, source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
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
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "profiles.json".into());
        let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
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
}
