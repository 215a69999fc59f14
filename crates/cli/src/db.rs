//! `switchboard-cli db …`: an administrator's actions on the team database, and the
//! `--database-url` value every team-database command shares.
//!
//! `db migrate` applies `migrations/` (the only way the schema changes); `db grant` gives a
//! manager's login role access to an organization, reading a new role's password from standard
//! input so it never appears in arguments, shell history or `ps`.

use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use clap::Subcommand;
use serde_json::json;
use switchboard_core::{Error, Result};
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, grant};

use crate::{Global, output};

/// A `postgres://` URL. `Debug` hides the password it may hold.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(DatabaseUrl(s.to_owned()))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseUrl(<redacted>)")
    }
}

impl DatabaseUrl {
    /// Connection settings for this URL.
    pub fn settings(&self) -> Result<ConnectSettings> {
        ConnectSettings::from_url(&self.0)
    }
}

#[derive(Debug, Subcommand)]
pub enum Db {
    /// Apply the PostgreSQL migrations (as an administrator: --database-url ADMIN_URL)
    Migrate,
    /// Give a manager's login role access to an organization, creating the role if missing
    /// (its password is read from standard input)
    Grant {
        /// The manager's PostgreSQL login role (lowercase letters, digits, _)
        #[arg(long)]
        role: String,
        /// Organization slug
        #[arg(long)]
        org: String,
        /// Display name of a new user [default: the role]
        #[arg(long)]
        display_name: Option<String>,
    },
}

/// A current-thread runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            path: "async runtime".into(),
            source,
        })
}

/// The URL the team-database commands need.
pub fn url(g: &Global) -> Result<&DatabaseUrl> {
    g.database_url.as_ref().ok_or_else(|| Error::InvalidInput {
        field: "database URL".into(),
        reason: "give --database-url URL (or set SWITCHBOARD_DATABASE_URL)".into(),
    })
}

pub fn run(g: &Global, cmd: Db) -> Result<()> {
    let settings = url(g)?.settings()?;
    let rt = runtime()?;
    match cmd {
        Db::Migrate => {
            let applied = rt.block_on(switchboard_postgres::migrate::migrate(&settings))?;
            if g.json {
                let versions: Vec<_> = applied
                    .iter()
                    .map(|m| json!({ "version": m.version, "description": m.description }))
                    .collect();
                output::json(&json!({ "applied": versions }));
            } else if applied.is_empty() {
                println!("{} is up to date", settings.server());
            } else {
                for m in &applied {
                    println!("applied {} {}", m.version, m.description);
                }
            }
        }
        Db::Grant {
            role,
            org,
            display_name,
        } => {
            let request = Grant {
                role,
                organization: org,
                display_name,
            };
            let report = rt.block_on(grant(&settings, &request, read_password))?;
            if g.json {
                output::json(&json!({
                    "role": request.role,
                    "organization": request.organization,
                    "role_created": report.role_created,
                    "membership_added": report.membership_added,
                }));
            } else {
                if report.role_created {
                    println!("created login role {}", request.role);
                }
                if report.membership_added {
                    println!(
                        "{} is now a manager in {}",
                        request.role, request.organization
                    );
                } else {
                    println!(
                        "{} was already a manager in {}",
                        request.role, request.organization
                    );
                }
            }
        }
    }
    Ok(())
}

/// The first line of standard input (without its line ending).
fn read_password() -> Result<String> {
    eprintln!("reading the new role's password from standard input");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| Error::Io {
            path: "standard input".into(),
            source,
        })?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(password.to_owned())
}
