//! Throwaway PostgreSQL clusters for tests.
//!
//! Switchboard's guarantees about the shared database (row-level security, the
//! same-organization rule for agents, the schema matching the web platform's) can only be
//! shown against a real PostgreSQL, connecting as the login roles managers use. This crate
//! gives each test a database of its own:
//!
//! - With `DATABASE_URL` set (a superuser URL), [`TestCluster::start`] creates a uniquely
//!   named database on that server and drops it, with the databases and roles the test
//!   named through [`TestCluster::create_database`] and [`TestCluster::role_name`], when
//!   the [`TestCluster`] is dropped. Roles are cluster-wide, hence the unique names.
//! - Otherwise it runs `initdb` into a temporary directory and starts a server on a free
//!   port of 127.0.0.1 (about half a second), stopped and deleted on drop. Binaries are
//!   taken from `PG_BIN`, else the highest `/usr/lib/postgresql/<version>/bin`, else
//!   `PATH`. TCP connections need a password (SCRAM), so a login role is tested exactly as
//!   a manager's client connects.
//!
//! SQL runs through the `psql` binary ([`TestCluster::psql`]): no driver to compile, and
//! tests read like the documentation's SQL. A test process that is killed (not one that
//! panics) leaves its server running; `pg_ctl stop` on the `switchboard-pg-*` directory
//! in the temporary directory stops it.

mod conn_url;
mod local;
pub mod supabase;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use conn_url::ConnUrl;
use local::LocalServer;

/// What went wrong while starting, using or stopping a test cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No directory with the PostgreSQL binaries was found.
    #[error(
        "no PostgreSQL binaries with {tool} found: set PG_BIN, install PostgreSQL \
         (/usr/lib/postgresql/<version>/bin) or put them on PATH"
    )]
    BinariesNotFound {
        /// The binary that was looked for.
        tool: String,
    },
    /// `DATABASE_URL` (or the URL given) is not a usable PostgreSQL URL.
    #[error("the database URL is invalid: {reason}")]
    InvalidUrl {
        /// What is wrong with it (the URL itself is not repeated: it holds a password).
        reason: String,
    },
    /// Running as root, but there is no `postgres` system user to run the server as.
    #[error("running as root needs a `postgres` system user to run PostgreSQL as")]
    NoServerUser,
    /// A name is longer than PostgreSQL's 63-byte identifiers.
    #[error("the name {name:?} is longer than 63 bytes")]
    NameTooLong {
        /// The name, with any prefix the harness added.
        name: String,
    },
    /// A file-system or socket operation failed.
    #[error("could not {action}: {source}")]
    Io {
        /// What the harness was doing.
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A program could not be run at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("{program} failed ({status}): {stderr}")]
    Command {
        /// The program.
        program: String,
        /// Its exit status.
        status: ExitStatus,
        /// Its standard error, trimmed.
        stderr: String,
    },
    /// The server did not start.
    #[error("the PostgreSQL server did not start: {reason}\n--- server log ---\n{log}")]
    Start {
        /// Why `pg_ctl start` failed.
        reason: String,
        /// The end of the server log.
        log: String,
    },
    /// `psql` reported an error (the server's message is in `stderr`).
    #[error("psql failed ({status}): {stderr}")]
    Psql {
        /// psql's exit status (3 for an SQL error under `ON_ERROR_STOP`).
        status: ExitStatus,
        /// psql's standard error, trimmed: `ERROR:  …` lines.
        stderr: String,
    },
    /// A migration file failed; nothing of it was applied (it ran in one transaction).
    #[error("migration {file} failed: {stderr}")]
    Migration {
        /// The migration's file name.
        file: String,
        /// psql's standard error, trimmed.
        stderr: String,
    },
}

/// Where the databases live.
#[derive(Debug)]
enum Server {
    /// Started by us; stopped and deleted when dropped.
    Local(LocalServer),
    /// `DATABASE_URL`'s server: we clean up the databases and roles we created.
    External {
        /// The URL we were given, used to create and drop databases.
        maintenance: ConnUrl,
    },
}

/// A PostgreSQL database of a test's own, on a cluster of its own or on `DATABASE_URL`'s
/// server. Dropping it removes everything it created.
pub struct TestCluster {
    server: Server,
    /// Superuser URL of the test's database.
    admin: ConnUrl,
    /// Prefix of the databases and roles created on an external server; empty otherwise.
    prefix: String,
    psql: PathBuf,
    /// Databases created with [`TestCluster::create_database`] on an external server.
    databases: Mutex<Vec<String>>,
}

impl fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCluster")
            .field("server", &self.server)
            .field("admin", &self.admin)
            .field("prefix", &self.prefix)
            .field("psql", &self.psql)
            .finish_non_exhaustive()
    }
}

impl TestCluster {
    /// A fresh database on `DATABASE_URL`'s server when that variable is set and not empty,
    /// otherwise on a new local cluster ([`TestCluster::start_local`]).
    pub fn start() -> Result<Self, Error> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Self::start_on(&url),
            _ => Self::start_local(),
        }
    }

    /// A new cluster in a temporary directory, whatever `DATABASE_URL` says. Its admin URL
    /// is the superuser `postgres` on database `postgres`.
    pub fn start_local() -> Result<Self, Error> {
        let bin_dir = find_bin_dir("pg_ctl")?;
        let server = LocalServer::start(&bin_dir)?;
        Ok(Self {
            admin: server.url(),
            server: Server::Local(server),
            prefix: String::new(),
            psql: bin_dir.join("psql"),
            databases: Mutex::new(Vec::new()),
        })
    }

    /// A fresh, uniquely named database on the server of `admin_url`, which must be allowed
    /// to create databases and roles (a superuser, to test row-level security).
    pub fn start_on(admin_url: &str) -> Result<Self, Error> {
        let maintenance = ConnUrl::parse(admin_url).map_err(|reason| Error::InvalidUrl {
            reason: reason.to_owned(),
        })?;
        let psql = find_bin_dir("psql")?.join("psql");
        let prefix = unique_name();
        let maintenance_url = maintenance.to_url();
        let cluster = Self {
            admin: maintenance.with_database(&prefix),
            server: Server::External { maintenance },
            prefix,
            psql,
            databases: Mutex::new(Vec::new()),
        };
        // Should this fail, dropping `cluster` cleans up whatever was created.
        let create = format!("CREATE DATABASE {}", quote_ident(&cluster.prefix));
        cluster.psql(&maintenance_url, &create)?;
        Ok(cluster)
    }

    /// The superuser's URL of the test's database, on 127.0.0.1 for a local cluster.
    pub fn admin_url(&self) -> String {
        self.admin.to_url()
    }

    /// The URL of the test's database as `role` with `password` (percent-encoded).
    pub fn url_for(&self, role: &str, password: &str) -> String {
        self.admin.with_credentials(role, Some(password)).to_url()
    }

    /// `url` (of any database) with `role` and `password` as its credentials.
    pub fn url_as(&self, url: &str, role: &str, password: &str) -> Result<String, Error> {
        let url = ConnUrl::parse(url).map_err(|reason| Error::InvalidUrl {
            reason: reason.to_owned(),
        })?;
        Ok(url.with_credentials(role, Some(password)).to_url())
    }

    /// The directory of a local cluster (data directory, log, socket); `None` on an
    /// external server.
    pub fn data_dir(&self) -> Option<&Path> {
        match &self.server {
            Server::Local(server) => Some(server.dir()),
            Server::External { .. } => None,
        }
    }

    /// A role name unique to this cluster: `base` on a local cluster, `base` behind this
    /// test's prefix on an external one, where roles with the prefix are dropped with the
    /// cluster. Use it for every role a test creates.
    pub fn role_name(&self, base: &str) -> String {
        if self.prefix.is_empty() {
            base.to_owned()
        } else {
            format!("{}_{base}", self.prefix)
        }
    }

    /// Creates another database (named `name`, behind this test's prefix on an external
    /// server) and returns its superuser URL.
    pub fn create_database(&self, name: &str) -> Result<String, Error> {
        let name = self.role_name(name);
        if name.len() > 63 {
            return Err(Error::NameTooLong { name });
        }
        self.psql(
            &self.admin_url(),
            &format!("CREATE DATABASE {}", quote_ident(&name)),
        )?;
        if !self.prefix.is_empty() {
            self.databases
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(name.clone());
        }
        Ok(self.admin.with_database(&name).to_url())
    }

    /// Runs `sql` (any number of statements) with `psql -v ON_ERROR_STOP=1 -X -q -At`
    /// connected to `url`, and returns what it printed, without the final newline: one
    /// line per row, columns separated by `|`. Stops at the first error, which is returned
    /// as [`Error::Psql`] with the server's message. Notices are not shown.
    pub fn psql(&self, url: &str, sql: &str) -> Result<String, Error> {
        self.run_psql(url, sql, &["-q"])
    }

    /// Like [`TestCluster::psql`], but also prints each statement's command tag
    /// (`UPDATE 0`, `DELETE 1`, `SET`, …) on a line of its own.
    pub fn psql_tagged(&self, url: &str, sql: &str) -> Result<String, Error> {
        self.run_psql(url, sql, &[])
    }

    /// Applies every `*.sql` file in `dir`, in order of the version before the first `_`
    /// (sqlx's order), each in a single transaction as sqlx runs it, connected to `url`.
    /// Returns the file names applied. Does not record them anywhere (no
    /// `_sqlx_migrations`).
    pub fn apply_migrations(&self, url: &str, dir: &Path) -> Result<Vec<String>, Error> {
        let io_error = |source| Error::Io {
            action: format!("read the migrations in {}", dir.display()),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_error)? {
            let path = entry.map_err(io_error)?.path();
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            if name.ends_with(".sql") {
                let version = name
                    .split('_')
                    .next()
                    .and_then(|version| version.parse::<i64>().ok())
                    .unwrap_or(i64::MAX);
                files.push((version, name.to_owned(), path.clone()));
            }
        }
        files.sort();
        let mut applied = Vec::with_capacity(files.len());
        for (_, name, path) in files {
            let sql = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                action: format!("read {}", path.display()),
                source,
            })?;
            match self.run_psql(url, &sql, &["-q", "--single-transaction"]) {
                Ok(_) => applied.push(name),
                Err(Error::Psql { stderr, .. }) => {
                    return Err(Error::Migration { file: name, stderr });
                }
                Err(other) => return Err(other),
            }
        }
        Ok(applied)
    }

    fn run_psql(&self, url: &str, sql: &str, extra_args: &[&str]) -> Result<String, Error> {
        let mut command = Command::new(&self.psql);
        command
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(extra_args)
            .args(["-f", "-", "-d", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        clean_pg_env(&mut command);
        command
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .env("PGCONNECT_TIMEOUT", "10");
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            program: self.psql.display().to_string(),
            source,
        })?;
        // Written from another thread so a large script cannot deadlock against output.
        let writer = child.stdin.take().map(|mut stdin| {
            let sql = sql.to_owned();
            std::thread::spawn(move || {
                // psql may exit (on an error) before reading everything: ignore EPIPE.
                let _ = stdin.write_all(sql.as_bytes());
            })
        });
        let output = child.wait_with_output().map_err(|source| Error::Spawn {
            program: self.psql.display().to_string(),
            source,
        })?;
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        if output.status.success() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            Ok(stdout.strip_suffix('\n').unwrap_or(&stdout).to_owned())
        } else {
            Err(Error::Psql {
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let Server::External { maintenance } = &self.server else {
            return; // LocalServer stops and deletes itself.
        };
        let url = maintenance.to_url();
        let mut databases = std::mem::take(
            self.databases
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        databases.push(self.prefix.clone());
        for database in databases {
            let drop = format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&database)
            );
            if let Err(error) = self.psql(&url, &drop) {
                eprintln!("switchboard-test-postgres: could not drop {database}: {error}");
            }
        }
        // The prefix is [a-z0-9_] (unique_name), safe inside a literal.
        let drop_roles = format!(
            "DO $$ DECLARE r name; BEGIN \
               FOR r IN SELECT rolname FROM pg_catalog.pg_roles \
                        WHERE left(rolname, {len}) = '{prefix}_' LOOP \
                 EXECUTE format('DROP ROLE %I', r); \
               END LOOP; \
             END $$",
            len = self.prefix.len() + 1,
            prefix = self.prefix,
        );
        if let Err(error) = self.psql(&url, &drop_roles) {
            eprintln!("switchboard-test-postgres: could not drop the test's roles: {error}");
        }
    }
}

/// Finds a directory holding `tool`: `PG_BIN`, else the highest
/// `/usr/lib/postgresql/<version>/bin`, else the first on `PATH`.
fn find_bin_dir(tool: &str) -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("PG_BIN").filter(|dir| !dir.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.join(tool).is_file() {
            Ok(dir)
        } else {
            Err(Error::BinariesNotFound {
                tool: format!("{tool} in PG_BIN={}", dir.display()),
            })
        };
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join(tool).is_file().then_some((version, bin))
        })
        .collect();
    versioned.sort();
    if let Some((_, bin)) = versioned.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join(tool).is_file())
        .ok_or_else(|| Error::BinariesNotFound {
            tool: tool.to_owned(),
        })
}

/// Removes the libpq and server variables that would silently change where a command
/// connects or which cluster it acts on.
pub(crate) fn clean_pg_env(command: &mut Command) {
    for variable in [
        "PGDATA",
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGOPTIONS",
        "PGSSLMODE",
        "PGTARGETSESSIONATTRS",
    ] {
        command.env_remove(variable);
    }
}

/// 16 hex digits that differ between calls and processes (not for cryptography).
pub(crate) fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher, RandomState};
    let mut hasher = RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// `swb_test_<pid>_<counter>_<random>`: a database and role prefix no other test uses.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = random_hex();
    format!("swb_test_{}_{counter}_{}", std::process::id(), &random[..8])
}

/// `name` as a double-quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("plain"), "\"plain\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn unique_names_are_lowercase_identifiers_that_differ() {
        let first = unique_name();
        let second = unique_name();
        assert_ne!(first, second);
        for name in [first, second] {
            assert!(name.len() < 40, "{name} leaves room for a suffix");
            assert!(
                name.bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_'),
                "{name}"
            );
        }
    }
}
