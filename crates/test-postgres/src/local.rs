//! A PostgreSQL server of our own: `initdb` into a temporary directory, `pg_ctl start`.
//!
//! Guarantees: the server listens on 127.0.0.1 only, on a port that was free when it
//! started; local (Unix socket) connections are trusted and TCP connections need a
//! SCRAM password, so login roles can be tested as real clients would connect; durability
//! is off (`fsync`, `synchronous_commit`, `full_page_writes`) because nothing outlives the
//! test. Dropping the server stops it (`pg_ctl stop -m immediate`) and deletes the
//! directory. PostgreSQL refuses to run as root, so as root every server command runs as
//! the `postgres` system user via `runuser`, which owns the directory.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::conn_url::ConnUrl;
use crate::{Error, clean_pg_env, random_hex};

/// The system user that runs the server when the harness runs as root.
const SERVER_USER: &str = "postgres";
/// The cluster's superuser.
const SUPERUSER: &str = "postgres";
/// How many ports to try when another process takes the free one before the server does.
const PORT_ATTEMPTS: usize = 5;

/// Added to the generated `postgresql.conf`; the port is given on the command line.
const SETTINGS: &str = "
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 32MB
";

/// The uid and gid that server commands run as, when the harness runs as root.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(unix), allow(dead_code))]
struct ServerUser {
    uid: u32,
    gid: u32,
}

/// A running server in a temporary directory; stopped and deleted on drop.
pub(crate) struct LocalServer {
    bin_dir: PathBuf,
    dir: TempDir,
    port: u16,
    password: String,
    run_as: Option<ServerUser>,
}

impl std::fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServer")
            .field("bin_dir", &self.bin_dir)
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .field("password", &"<redacted>")
            .field("run_as", &self.run_as)
            .finish()
    }
}

impl LocalServer {
    /// Creates a cluster with the binaries in `bin_dir` and starts it.
    pub(crate) fn start(bin_dir: &Path) -> Result<Self, Error> {
        let run_as = if running_as_root() {
            Some(server_user()?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("switchboard-pg-")
            .tempdir()
            .map_err(|source| Error::Io {
                action: "create the cluster directory".to_owned(),
                source,
            })?;
        if let Some(user) = run_as {
            give(dir.path(), &user).map_err(|source| Error::Io {
                action: format!("give {} the cluster directory", SERVER_USER),
                source,
            })?;
        }
        let mut server = Self {
            bin_dir: bin_dir.to_owned(),
            dir,
            port: 0,
            password: format!("{}{}", random_hex(), random_hex()),
            run_as,
        };
        server.initdb()?;
        server.start_on_a_free_port()?;
        Ok(server)
    }

    /// The superuser's URL for database `postgres`.
    pub(crate) fn url(&self) -> ConnUrl {
        ConnUrl {
            user: Some(SUPERUSER.to_owned()),
            password: Some(self.password.clone()),
            host_port: format!("127.0.0.1:{}", self.port),
            database: Some("postgres".to_owned()),
            query: String::new(),
        }
    }

    /// The directory holding the data directory, the log and the socket.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn initdb(&self) -> Result<(), Error> {
        let pwfile = self.dir.path().join("pwfile");
        fs::write(&pwfile, &self.password).map_err(|source| Error::Io {
            action: "write the superuser password file".to_owned(),
            source,
        })?;
        let mut initdb = self.command("initdb");
        initdb
            .arg("--pgdata")
            .arg(self.data_dir())
            .args(["--username", SUPERUSER])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .args([
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ]);
        let result = run(&mut initdb, "initdb");
        // The password is in the harness's memory; the file has served its purpose.
        let _ = fs::remove_file(&pwfile);
        result?;

        let conf = self.data_dir().join("postgresql.conf");
        let socket_dir = self.dir.path().display().to_string().replace('\'', "''");
        let settings = format!("{SETTINGS}unix_socket_directories = '{socket_dir}'\n");
        fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut file| file.write_all(settings.as_bytes()))
            .map_err(|source| Error::Io {
                action: format!("configure {}", conf.display()),
                source,
            })
    }

    fn start_on_a_free_port(&mut self) -> Result<(), Error> {
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            self.port = free_port()?;
            let mut pg_ctl = self.command("pg_ctl");
            pg_ctl
                .arg("--pgdata")
                .arg(self.data_dir())
                .arg("--log")
                .arg(self.log_file())
                .args(["--wait", "--timeout=60", "--silent"])
                .arg(format!("--options=-p {}", self.port))
                .arg("start");
            match run(&mut pg_ctl, "pg_ctl start") {
                Ok(_) => return Ok(()),
                Err(error) => {
                    let log = fs::read_to_string(self.log_file()).unwrap_or_default();
                    let port_taken = log.contains("could not bind")
                        || log.contains("Address already in use")
                        || log.contains("could not create any TCP/IP sockets");
                    let failure = Error::Start {
                        reason: error.to_string(),
                        log: tail(&log, 4000),
                    };
                    if !port_taken {
                        return Err(failure);
                    }
                    last_error = Some(failure);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Start {
            reason: "no port attempt was made".to_owned(),
            log: String::new(),
        }))
    }

    /// `program` from the binary directory, as the server user when running as root,
    /// in the cluster directory (the server user may not enter the caller's).
    fn command(&self, program: &str) -> Command {
        let program = self.bin_dir.join(program);
        let mut command = if self.run_as.is_some() {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", SERVER_USER, "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        command.current_dir(self.dir.path());
        clean_pg_env(&mut command);
        command
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl.arg("--pgdata").arg(self.data_dir()).args([
            "--mode=immediate",
            "--wait",
            "--silent",
            "stop",
        ]);
        if let Err(error) = run(&mut pg_ctl, "pg_ctl stop") {
            eprintln!("switchboard-test-postgres: could not stop the cluster: {error}");
        }
        // `dir` is deleted when the fields drop, after this.
    }
}

/// Runs `command`; a non-zero exit becomes [`Error::Command`] with its stderr.
pub(crate) fn run(command: &mut Command, program: &str) -> Result<Output, Error> {
    let output = command.output().map_err(|source| Error::Spawn {
        program: program.to_owned(),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(Error::Command {
            program: program.to_owned(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Whether this process runs as root (`id -u` prints 0).
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| output.status.success() && output.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

/// Makes the server's user the owner of `dir`.
#[cfg(unix)]
fn give(dir: &Path, user: &ServerUser) -> std::io::Result<()> {
    std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid))
}

/// Test clusters run on Unix only (they are started from the machine's PostgreSQL binaries
/// as its `postgres` user); this crate compiles elsewhere so that the workspace's tests do.
#[cfg(not(unix))]
fn give(_dir: &Path, _user: &ServerUser) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "throwaway PostgreSQL clusters run on Unix only",
    ))
}

fn server_user() -> Result<ServerUser, Error> {
    let id = |flag: &str| -> Result<u32, Error> {
        let output = run(Command::new("id").args([flag, SERVER_USER]), "id")
            .map_err(|_| Error::NoServerUser)?;
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .map_err(|_| Error::NoServerUser)
    };
    Ok(ServerUser {
        uid: id("-u")?,
        gid: id("-g")?,
    })
}

fn free_port() -> Result<u16, Error> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|source| Error::Io {
            action: "find a free TCP port".to_owned(),
            source,
        })
}

fn tail(text: &str, max_bytes: usize) -> String {
    let mut start = text.len().saturating_sub(max_bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].trim().to_owned()
}
