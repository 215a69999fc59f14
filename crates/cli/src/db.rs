//! `switchboard-cli db …`: an administrator's actions on the team database, and the
//! `--database-url` value every team-database command shares.
//!
//! `db migrate` applies `migrations/` (the only way the schema changes); `db grant` gives a
//! manager's login role access to an organization, reading a new role's password from standard
//! input so it never appears in arguments, shell history or `ps`; `db revoke` takes one
//! organization away, or (without `--org`) every organization and the login.
//!
//! Each of these commands prints [`ConnectSettings::tls_warning`] on standard error before it
//! connects, as the manager's commands do with the workspace's warnings.
//!
//! The password of a `--database-url` that has none comes from `PGPASSWORD` when set, else
//! from this device's credential vault (`db password set` stores it there, filed under the
//! role, host, port and database), else from libpq's password file. Never from a settings
//! file.

use std::io::BufRead;

use clap::Subcommand;
use switchboard_core::{Error, Result};
use switchboard_ops::admin::{self, Revoked};
use switchboard_ops::{Inventory, Reads, Target};
use switchboard_postgres::ConnectSettings;
use switchboard_postgres::grant::{Grant, Revoke};
use switchboard_secrets::SecretString;

use crate::{Global, output, vault};

#[derive(Debug, Subcommand)]
pub enum Db {
    /// Apply the PostgreSQL migrations (as an administrator: --database-url ADMIN_URL); on the
    /// web platform's (Supabase) database, install Switchboard beside the platform instead
    Migrate {
        /// On the web platform's database: remove what `db migrate` installed beside it, and
        /// the login roles `db grant` created there
        #[arg(long)]
        revert_platform: bool,
    },
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
        /// On the web platform's database: the platform user (auth.users id or e-mail) the
        /// role works as; the platform's memberships then decide what it sees
        #[arg(long, value_name = "ID|EMAIL")]
        platform_user: Option<String>,
    },
    /// Take access away from a manager's login role: without --org, every organization and
    /// the login (its open sessions are ended); with --org, that organization only
    Revoke {
        /// The manager's PostgreSQL login role
        #[arg(long)]
        role: String,
        /// Only this organization (slug); the role keeps its login and other organizations
        #[arg(long)]
        org: Option<String>,
    },
    /// Count, per organization, the numbers whose credentials hold a secret (names of keys
    /// only, never values), as an administrator
    Audit,
    /// Delete change-log entries older than --keep-days (as an administrator); caches that had
    /// not read them yet copy everything again on their next sync
    PruneChanges {
        /// Keep the entries of the last N days
        #[arg(long, value_name = "N")]
        keep_days: u32,
    },
    /// The password of --database-url's role, kept in this device's credential vault
    #[command(subcommand)]
    Password(Password),
}

#[derive(Debug, Subcommand)]
pub enum Password {
    /// Save (or replace) the password of --database-url's role for its server and database;
    /// read from standard input (one line) or asked for without echo
    Set,
    /// Remove that password from this device's credential vault
    Remove,
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

/// The URL the team-database commands need (it may hold a password: never print it).
pub fn url(g: &Global) -> Result<&str> {
    let url = g.database_url.as_ref().map(SecretString::expose_secret);
    url.ok_or_else(|| Error::InvalidInput {
        field: "database URL".into(),
        reason: "give --database-url URL or --profile NAME (or set SWITCHBOARD_DATABASE_URL)"
            .into(),
    })
}

/// Connection settings for `--database-url`, with the password from this device's vault when
/// neither the URL nor `PGPASSWORD` gives one. A vault that cannot be asked is a warning, not
/// an error: the server may not need a password, or libpq's password file may have it.
pub fn settings(g: &Global) -> Result<ConnectSettings> {
    let (settings, problem) = switchboard_ops::vault::with_vault_password(
        ConnectSettings::from_url(url(g)?)?,
        vault::open,
    );
    if let Some(e) = problem.filter(|e| !e.is_bad_input()) {
        eprintln!(
            "warning: cannot look up the password of {} for {} in the credential vault: {e}",
            settings.role(),
            settings.server()
        );
    }
    Ok(settings)
}

/// `db password set` and `db password remove`.
fn password(g: &Global, cmd: Password) -> Result<()> {
    let settings = ConnectSettings::from_url(url(g)?)?;
    let (server, role) = (settings.server(), settings.role());
    match cmd {
        Password::Set => {
            let prompt = format!("Password of {role} for {server}");
            let saved = switchboard_ops::vault::save_password(&settings, vault::open, || {
                vault::read_secret(&prompt)
            })?;
            output::json_or(g.json, &saved, |saved| {
                format!(
                    "{} the password of {role} for {server} in this device's {} (user {}); \
                     --database-url without a password uses it unless PGPASSWORD is set",
                    if saved.replaced { "replaced" } else { "saved" },
                    saved.vault,
                    saved.vault_user
                )
            });
        }
        Password::Remove => {
            let removed = switchboard_ops::vault::remove_password(&settings, vault::open)?;
            output::json_or(g.json, &removed, |removed| match removed.removed {
                true => format!(
                    "removed the password of {role} for {server} from this device's {}",
                    removed.vault
                ),
                false => format!(
                    "this device's {} held no password of {role} for {server}",
                    removed.vault
                ),
            });
        }
    }
    Ok(())
}

pub fn run(g: &Global, cmd: Db) -> Result<()> {
    if let Db::Password(cmd) = cmd {
        return password(g, cmd);
    }
    let settings = settings(g)?;
    if let Some(warning) = settings.tls_warning() {
        eprintln!("warning: {warning}");
    }
    let rt = runtime()?;
    match cmd {
        Db::Migrate {
            revert_platform: true,
        } => {
            let reverted = rt.block_on(admin::revert_platform(&settings))?;
            output::json_or_print(g.json, &reverted, |reverted| {
                if !reverted.was_installed {
                    return println!(
                        "Switchboard was not installed beside the platform on {}",
                        settings.server()
                    );
                }
                println!(
                    "removed Switchboard from beside the platform on {}",
                    settings.server()
                );
                for role in &reverted.dropped_roles {
                    println!("dropped login role {role}");
                }
                for role in &reverted.kept_roles {
                    println!("kept login role {role} (it existed before db grant), without access");
                }
                if !reverted.group_dropped {
                    println!(
                        "kept role switchboard_manager: another database of the cluster uses it"
                    );
                }
            });
        }
        Db::Audit => {
            let lines = rt.block_on(admin::audit(&settings))?;
            let report = serde_json::json!({
                "organizations": lines,
                "advice": admin::AUDIT_ADVICE,
            });
            output::json_or_print(g.json, &report, |_| {
                for l in &lines {
                    let keys: Vec<String> =
                        l.keys.iter().map(|(k, n)| format!("{k} ({n})")).collect();
                    println!(
                        "{}: {} of {} number(s) hold a secret in credentials{}",
                        l.organization,
                        l.with_secret,
                        l.numbers,
                        if keys.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", keys.join(", "))
                        }
                    );
                }
                if lines.iter().any(|l| l.with_secret > 0) {
                    println!("instead, {}", admin::AUDIT_ADVICE);
                }
            });
        }
        Db::Migrate { .. } => {
            let migrated = rt.block_on(admin::migrate(&settings))?;
            output::json_or_print(g.json, &migrated, |migrated| {
                let Some(already) = migrated.beside_platform_already else {
                    return print_migrated(&settings, migrated);
                };
                println!(
                    "{} is the web platform's database: Switchboard {} beside it (schema \
                     switchboard); grant managers with --platform-user",
                    settings.server(),
                    if already {
                        "was already installed"
                    } else {
                        "is now installed"
                    }
                );
            });
        }
        Db::PruneChanges { keep_days } => {
            let pruned = rt.block_on(admin::prune_changes(&settings, keep_days))?;
            output::json_or(g.json, &pruned, |pruned| {
                format!(
                    "pruned {} change-log entries older than {keep_days} day(s) on {}",
                    pruned.pruned,
                    settings.server()
                )
            });
        }
        Db::Grant {
            role,
            org,
            display_name,
            platform_user,
        } => {
            let request = Grant {
                role,
                organization: org,
                display_name,
            };
            let granted = rt.block_on(admin::grant_role(
                &settings,
                request,
                platform_user.clone(),
                read_password,
            ))?;
            output::json_or_print(g.json, &granted, |granted| {
                let (role, org) = (&granted.role, &granted.organization);
                if granted.role_created {
                    println!("created login role {role}");
                }
                if granted.login_restored {
                    println!("{role} may log in again");
                }
                if let Some(user) = platform_user {
                    println!(
                        "{role} works as platform user {user}: the platform's memberships \
                         decide what it sees{}",
                        if granted.membership_added {
                            ""
                        } else {
                            " (unchanged)"
                        }
                    );
                } else if granted.membership_added {
                    println!("{role} is now a manager in {org}");
                } else {
                    println!("{role} was already a manager in {org}");
                }
            });
        }
        Db::Revoke { role, org } => {
            let request = Revoke {
                role,
                organization: org,
            };
            let revoked = rt.block_on(admin::revoke_role(&settings, request))?;
            output::json_or_print(g.json, &revoked, print_revoke);
        }
        Db::Password(cmd) => password(g, cmd)?,
    }
    Ok(())
}

/// What `db migrate` did, in words, on a database that is not the web platform's.
fn print_migrated(settings: &ConnectSettings, migrated: &admin::Migrated) {
    if migrated.applied.is_empty() {
        println!("{} is up to date", settings.server());
    }
    for m in &migrated.applied {
        println!("applied {} {}", m.version, m.description);
    }
    let broken = &migrated.broken_rows;
    if !broken.is_empty() {
        println!(
            "{} row(s) break checks that stay NOT VALID until they are fixed (new writes are \
             checked; run db migrate again after fixing them):",
            broken.len()
        );
    }
    for row in broken {
        println!("  {}", row.line());
    }
}

/// What `db revoke` did, in words.
fn print_revoke(report: &Revoked) {
    let role = &report.role;
    match (&report.organization, report.removed_from.is_empty()) {
        (Some(org), true) => println!("{role} was not a manager in {org}"),
        (Some(org), false) => println!("{role} is no longer a manager in {org}"),
        (None, true) => println!("{role} was a manager in no organization"),
        (None, false) => println!(
            "{role} is no longer a manager in {}",
            report.removed_from.join(", ")
        ),
    }
    if report.login_disabled {
        println!(
            "{role} may no longer log in; {} open session(s) ended",
            report.sessions_ended
        );
        println!(
            "its devices keep what they had synced until they are wiped: the cache file with \
             those numbers, and edits not yet sent"
        );
    } else if !report.removed_from.is_empty() {
        println!("its next sync removes that organization's numbers from its devices' caches");
    }
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

/// Runs `f` on the inventory the global options name, printing the store's notices (on
/// stderr, so what a command prints stays as it is) before and after.
pub(crate) fn with_inventory<T>(
    g: &Global,
    f: impl AsyncFnOnce(&dyn Inventory) -> Result<T>,
) -> Result<T> {
    let target = match &g.database_url {
        Some(_) => Target::team(settings(g)?, Reads::Server)?,
        None => Target::Local(g.workspace_path()?),
    };
    runtime()?.block_on(async {
        let inv = switchboard_ops::open(target).await?;
        let notices = || {
            for line in inv.take_notices() {
                eprintln!("{line}");
            }
        };
        notices();
        let result = f(&*inv).await;
        notices();
        inv.close().await;
        result
    })
}
