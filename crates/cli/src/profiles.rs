//! `switchboard-cli profiles …` and the global `--profile NAME`: saved names for team
//! database URLs ([`switchboard_postgres::profiles`] owns the type, its checks and the file,
//! which the desktop app reads and writes too: a profile saved here is listed there).
//!
//! A profile never holds a password. `profiles add NAME --database-url URL --password-stdin`
//! stores the password in this device's credential vault under the same key as `db password
//! set` (the role, host, port and database), so the profile and the bare URL find it alike;
//! `profiles remove` deletes that vault entry too, unless another profile still uses it.

use clap::Subcommand;
use switchboard_core::{Error, Result};
use switchboard_ops::profiles::{self, Forget, Removed};
use switchboard_ops::providers::accounts::SecretStatus;
use switchboard_postgres::profiles::{Profile, ProfileFile};
use switchboard_secrets::{Removal, SecretString};

use crate::{Global, db, output, vault};

#[derive(Debug, Subcommand)]
pub enum Profiles {
    /// Save --database-url under a name (the URL must not hold a password; pipe it to
    /// --password-stdin to keep it in this device's credential vault)
    Add {
        /// The profile's name: lowercase letters, digits, - and _
        name: String,
        /// Read the role's password from standard input (one line) and keep it in this
        /// device's credential vault
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the saved profiles
    List,
    /// Show a profile and whether this device's vault holds its password
    Show {
        /// The profile's name
        name: String,
    },
    /// Remove a profile and its password from this device's vault (kept while another
    /// profile uses the same role, server and database)
    Remove {
        /// The profile's name
        name: String,
    },
}

impl Global {
    /// Puts the URL of `--profile NAME` in place of `--database-url`. Both at once is bad input.
    pub fn resolve_profile(&mut self) -> Result<()> {
        let Some(name) = &self.profile else {
            return Ok(());
        };
        if self.database_url.is_some() {
            return Err(Error::InvalidInput {
                field: "connection".into(),
                reason: "give --profile or --database-url (or SWITCHBOARD_DATABASE_URL), not both"
                    .into(),
            });
        }
        let file = ProfileFile::open()?;
        let profile = file.get(name)?;
        tracing::info!(profile = %profile.name, "using a saved profile");
        self.database_url = Some(SecretString::new(profile.database_url.clone()));
        Ok(())
    }
}

pub fn run(g: &Global, cmd: Profiles) -> Result<()> {
    let file = ProfileFile::open()?;
    match cmd {
        Profiles::Add {
            name,
            password_stdin,
        } => {
            let url = db::url(g).map_err(|_| Error::InvalidInput {
                field: "database URL".into(),
                reason: "give --database-url postgres://ROLE@HOST/DATABASE to save under the \
                         profile"
                    .into(),
            })?;
            let added = profiles::add(file.path(), &name, url, |settings| {
                if !password_stdin {
                    return Ok(None);
                }
                let vault = vault::open()?;
                let (role, server) = (settings.role(), settings.server());
                let secret = vault::read_secret(&format!("Password of {role} for {server}"))?;
                Ok(Some((vault, secret)))
            })?;
            let settings = &added.settings;
            if let Some(warning) = settings.tls_warning() {
                eprintln!("warning: {warning}");
            }
            output::json_or_print(g.json, &added, |added| {
                println!(
                    "saved profile {} ({} as {}, TLS {}) in {}",
                    added.name,
                    settings.server(),
                    settings.role(),
                    added.tls_mode,
                    added.file
                );
                if added.password_stored {
                    println!(
                        "kept the password of {} for {} in this device's credential vault",
                        settings.role(),
                        settings.server()
                    );
                } else {
                    println!(
                        "no password stored: it comes from PGPASSWORD, this device's vault \
                         (`switchboard-cli db password set --profile {}`) or libpq's password \
                         file",
                        added.name
                    );
                }
            });
        }
        Profiles::List => {
            let profiles = file.profiles();
            output::listing(g.json, profiles, &PROFILE_COLUMNS);
            if !g.json && profiles.is_empty() {
                println!(
                    "no profiles in {}; add one with `switchboard-cli profiles add NAME \
                     --database-url URL`",
                    file.path().display()
                );
            }
        }
        Profiles::Show { name } => {
            let shown = profiles::show(&file, &name, vault::open)?;
            output::json_or_print(g.json, &shown, |shown| {
                let password = match &shown.password {
                    SecretStatus::Held => "in this device's vault".into(),
                    SecretStatus::Missing => "not in this device's vault".into(),
                    SecretStatus::Unknown(problem) => format!("unknown: {problem}"),
                };
                println!("{:>9}: {}", "name", shown.name);
                println!("{:>9}: {}", "url", shown.database_url);
                println!("{:>9}: {}", "server", shown.server);
                println!("{:>9}: {}", "role", shown.role);
                println!("{:>9}: {password}", "password");
                println!("{:>9}: {}", "file", shown.file);
            });
        }
        Profiles::Remove { name } => {
            let removed = profiles::remove(file.path(), &name, Forget::UnlessShared, vault::open)?;
            let Removed {
                profile,
                settings,
                password: removal,
                ..
            } = &removed;
            tracing::info!(profile = %profile.name, ?removal, "removed a profile");
            output::json_or_print(g.json, &removed, |_| {
                println!("removed profile {}", profile.name);
                match removal {
                    Some(Removal::Removed) => println!(
                        "removed the password of {} for {} from this device's vault",
                        settings.role(),
                        settings.server()
                    ),
                    Some(Removal::NotFound) => {}
                    None => println!(
                        "kept the password of {} for {} in this device's vault: another \
                         profile uses it",
                        settings.role(),
                        settings.server()
                    ),
                }
            });
        }
    }
    Ok(())
}

/// The columns of a profile listing (a URL whose settings cannot be read: no role, no server).
const PROFILE_COLUMNS: [output::Column<Profile>; 4] = [
    ("NAME", |p| p.name.clone()),
    ("ROLE", |p| {
        (p.settings()).map_or(String::new(), |s| s.role().to_owned())
    }),
    ("SERVER", |p| {
        (p.settings()).map_or(String::new(), |s| s.server().to_owned())
    }),
    ("URL", |p| p.database_url.clone()),
];
