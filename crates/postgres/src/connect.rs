//! Connecting to the team database: settings from a URL, TLS, the password, and the checks
//! that run before any data is touched.
//!
//! Guarantees:
//! - The password comes from the URL, `PGPASSWORD`, libpq's `~/.pgpass` (as every PostgreSQL
//!   client reads it), or [`ConnectSettings::with_password`] — the hook through which the OS
//!   vault (`switchboard-secrets`) will supply it. Switchboard's own settings never hold it.
//!   `Debug` output and errors name the server as `host:port/database` only.
//! - TLS: `sslmode` from the URL (or `PGSSLMODE`) is honoured — `require` encrypts,
//!   `verify-full` also checks the certificate and host name (rustls, with the Mozilla roots
//!   plus the CA file of `sslrootcert` / `PGSSLROOTCERT`). When neither says, a server that is
//!   not on this machine (not loopback, not a Unix socket) gets `verify-full`: `require`
//!   accepts any certificate, so whoever answers (spoofed DNS, a hostile Wi-Fi) would get the
//!   password. A weaker mode to such a server is an explicit choice, and
//!   [`ConnectSettings::tls_warning`] says so each time (the CLI prints it, the app shows it
//!   with the other [`RemoteWorkspace::warnings`]). A certificate that cannot be checked is an
//!   error naming the problem and what to do ([`crate::errors`]); a `sslrootcert` file that
//!   cannot be read is bad input, named before connecting.
//! - [`RemoteWorkspace::connect`] refuses a superuser, a `BYPASSRLS` role and the owner of
//!   `phone_numbers` (or a member of the owner's role), because row-level security does not
//!   apply to them or they can switch it off; then it checks the schema
//!   ([`crate::schema_check`]) without changing it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, PgPool, Row};
use switchboard_core::store::Skip;
use switchboard_core::{Error, Result};

use crate::errors::from_sqlx;
use crate::schema_check;

/// How long connecting, or waiting for a free pooled connection, may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The URL parameters (sqlx's spellings too) that name the TLS mode.
pub(crate) const SSL_MODE_PARAMS: [&str; 2] = ["sslmode", "ssl-mode"];

/// The URL parameters that name a CA file, which is read only when connecting (or adding a
/// profile).
pub(crate) const ROOT_CERT_PARAMS: [&str; 3] = ["sslrootcert", "ssl-root-cert", "ssl-ca"];

/// Where and how to connect. Built from a `postgres://` URL; `Debug` shows no password.
#[derive(Clone)]
pub struct ConnectSettings {
    options: PgConnectOptions,
    server: String,
    timeout: Duration,
    max_connections: u32,
    password_given: bool,
}

impl fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectSettings")
            .field("server", &self.server)
            .field("role", &self.options.get_username())
            .field("ssl_mode", &self.options.get_ssl_mode())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ConnectSettings {
    /// Reads a `postgres://` or `postgresql://` URL (libpq's parameters: `sslmode`,
    /// `sslrootcert`, `options`, …). The URL is never repeated in errors: it may hold a
    /// password.
    pub fn from_url(url: &str) -> Result<Self> {
        let bad = |reason: String| Error::InvalidInput {
            field: "database URL".into(),
            reason,
        };
        let parsed = url::Url::parse(url.trim()).map_err(|e| bad(e.to_string()))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(bad(format!(
                "the scheme is {:?}; expected postgres:// or postgresql://",
                parsed.scheme()
            )));
        }
        let names_ssl_mode = parsed
            .query_pairs()
            .any(|(key, _)| SSL_MODE_PARAMS.contains(&key.as_ref()))
            || std::env::var_os("PGSSLMODE").is_some();
        let root_cert = parsed
            .query_pairs()
            .find(|(key, _)| ROOT_CERT_PARAMS.contains(&key.as_ref()))
            .map(|(_, value)| value.into_owned())
            .or_else(|| std::env::var("PGSSLROOTCERT").ok())
            .filter(|value| !value.trim().is_empty());
        if let Some(file) = &root_cert {
            check_root_cert(file)?;
        }
        let mut options =
            PgConnectOptions::from_str(url.trim()).map_err(|e| bad(without_url(&e, url)))?;
        // Switchboard's objects are in `public` on a database of its own and in `switchboard`
        // beside the web platform (see crate::platform): unqualified names find either.
        options = options
            .application_name("switchboard")
            .options([("search_path", "public,switchboard")]);
        if !names_ssl_mode && !is_local(&options) {
            options = options.ssl_mode(PgSslMode::VerifyFull);
        }
        let server = format!(
            "{}:{}/{}",
            options
                .get_socket()
                .map(|s| s.display().to_string())
                .unwrap_or_else(|| options.get_host().to_owned()),
            options.get_port(),
            options.get_database().unwrap_or(options.get_username()),
        );
        Ok(ConnectSettings {
            options,
            server,
            timeout: DEFAULT_CONNECT_TIMEOUT,
            max_connections: 4,
            password_given: parsed.password().is_some() || std::env::var_os("PGPASSWORD").is_some(),
        })
    }

    /// Also trusts the CA certificate(s) of `ca` (libpq's `sslrootcert`: a PEM file's path, or
    /// the PEM text itself), for a server whose certificate your organization's own CA
    /// signed. A file that cannot be read or holds no certificate is bad input, now.
    pub fn with_root_cert(mut self, ca: &str) -> Result<Self> {
        check_root_cert(ca)?;
        let ca = ca.trim();
        self.options = if ca.starts_with("-----BEGIN") {
            self.options.ssl_root_cert_from_pem(ca.as_bytes().to_vec())
        } else {
            self.options.ssl_root_cert(ca)
        };
        Ok(self)
    }

    /// The TLS mode connections use.
    pub fn tls_mode(&self) -> PgSslMode {
        self.options.get_ssl_mode()
    }

    /// libpq's name of [`ConnectSettings::tls_mode`]: `verify-full`, `require`, ….
    pub fn tls_mode_name(&self) -> &'static str {
        ssl_mode_name(self.tls_mode())
    }

    /// Whether the server is on this machine: a Unix socket, `localhost` or a loopback
    /// address (127.0.0.0/8, `::1`). Such a server keeps libpq's default TLS mode.
    fn is_local(&self) -> bool {
        is_local(&self.options)
    }

    /// A warning when the connection to a server that is not on this machine does not check
    /// the server's certificate and host name (any `sslmode` but `verify-full`): the
    /// password, and every number, would go to whoever answers in the server's place. Shown
    /// each time Switchboard connects; `None` for `verify-full` and for a local server.
    pub fn tls_warning(&self) -> Option<String> {
        let risk = match self.tls_mode() {
            PgSslMode::VerifyFull => return None,
            _ if self.is_local() => return None,
            PgSslMode::VerifyCa => "the certificate is checked but not its host name",
            PgSslMode::Require => "the connection is encrypted but the certificate is not checked",
            PgSslMode::Disable | PgSslMode::Allow | PgSslMode::Prefer => {
                "the connection may not be encrypted at all"
            }
        };
        Some(format!(
            "TLS mode {} to {}: {risk}, so whoever answers in the server's place (spoofed DNS, \
             a hostile network) gets the password and the data. Use sslmode=verify-full (with \
             sslrootcert=/path/to/ca.pem if the server's certificate is signed by your own CA)",
            self.tls_mode_name(),
            self.server
        ))
    }

    /// Uses `password` for the login, whatever the URL or `PGPASSWORD` say. This is where the
    /// password kept in the OS vault comes in (`switchboard-secrets`:
    /// `settings.with_password(secret.expose_secret())`); it goes to the driver only.
    pub fn with_password(mut self, password: &str) -> Self {
        self.options = self.options.password(password);
        self.password_given = true;
        self
    }

    /// Whether the URL, `PGPASSWORD` or [`ConnectSettings::with_password`] gave a password
    /// (libpq's password file does not count): when not, the caller may look in the vault.
    pub fn has_password(&self) -> bool {
        self.password_given
    }

    /// The server's host name or address; `localhost` for a Unix socket, as libpq's password
    /// file names it. With [`ConnectSettings::port`], [`ConnectSettings::database`] and
    /// [`ConnectSettings::role`], what a stored password is filed under.
    pub fn host(&self) -> &str {
        if self.options.get_socket().is_some() || self.options.get_host().starts_with('/') {
            "localhost"
        } else {
            self.options.get_host()
        }
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.options.get_port()
    }

    /// The database name (the role's name when the URL names none, as libpq does).
    pub fn database(&self) -> &str {
        self.options
            .get_database()
            .unwrap_or(self.options.get_username())
    }

    /// How long connecting or waiting for a pooled connection may take before the database
    /// counts as offline (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most connections the pool opens (default 4).
    pub fn with_max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// `host:port/database`: how messages name the server.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The login role.
    pub fn role(&self) -> &str {
        self.options.get_username()
    }

    /// One connection, without any check: for administrators' tools (`db migrate`,
    /// `db grant`, bulk loads).
    pub async fn connect_one(&self) -> Result<PgConnection> {
        match tokio::time::timeout(self.timeout, self.options.connect()).await {
            Ok(connected) => connected.map_err(|e| from_sqlx(&self.server, e)),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// A pool, without any check: for administrators' tools such as
    /// [`crate::bulk::copy_numbers`]. Connects once to fail early.
    pub async fn admin_pool(&self) -> Result<PgPool> {
        let pool = self.pool();
        drop(
            pool.acquire()
                .await
                .map_err(|e| from_sqlx(&self.server, e))?,
        );
        Ok(pool)
    }

    fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.timeout)
            .connect_lazy_with(self.options.clone())
    }

    fn timed_out(&self) -> Error {
        Error::Offline {
            server: self.server.clone(),
            reason: format!("no answer within {} s", self.timeout.as_secs_f32()),
        }
    }
}

/// How the connection to the server is encrypted: libpq's `sslmode` values that Switchboard
/// offers in a saved connection profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text.
    Disable,
    /// TLS when the server offers it, else plain text.
    Prefer,
    /// TLS, without checking the certificate.
    Require,
    /// TLS, with the certificate and host name checked.
    VerifyFull,
}

impl TlsMode {
    /// libpq's name: `disable`, `prefer`, `require`, `verify-full`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

impl ConnectSettings {
    /// Settings from the parts of a saved connection profile (host, port, database, login
    /// role, TLS mode), as the same URL would give them, so a profile and
    /// `--database-url postgres://role@host:port/database?sslmode=…` name the same server,
    /// role, cache file and vault entry. An IPv6 address may be given with or without
    /// brackets. Each part is checked and the first bad one named.
    pub fn from_parts(
        host: &str,
        port: u16,
        database: &str,
        role: &str,
        tls: TlsMode,
    ) -> Result<Self> {
        Self::from_url(Self::url_from_parts(host, port, database, role, tls)?.as_str())
    }

    /// The `postgres://` URL [`ConnectSettings::from_parts`] connects with (no password):
    /// what a saved profile keeps. Each part is checked and the first bad one named.
    pub fn url_from_parts(
        host: &str,
        port: u16,
        database: &str,
        role: &str,
        tls: TlsMode,
    ) -> Result<url::Url> {
        let bad = |field: &str, reason: &str| Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        };
        let host = host.trim();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if bare.is_empty() {
            return Err(bad("host", "is empty"));
        }
        if bare
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '@' | '?' | '#'))
        {
            return Err(bad(
                "host",
                "must be a host name or IP address (no spaces, '/', '@', '?' or '#')",
            ));
        }
        if port == 0 {
            return Err(bad("port", "must be between 1 and 65535"));
        }
        if database.trim().is_empty() {
            return Err(bad("database", "is empty"));
        }
        if database.chars().any(char::is_control) {
            return Err(bad("database", "must not contain control characters"));
        }
        if role.trim().is_empty() {
            return Err(bad("user", "is empty"));
        }
        if role.chars().any(|c| c.is_control() || c == '@') {
            return Err(bad("user", "must not contain '@' or control characters"));
        }
        let host = if bare.contains(':') {
            format!("[{bare}]")
        } else {
            bare.to_owned()
        };
        let mut url = url::Url::parse(&format!("postgres://{host}"))
            .map_err(|e| bad("host", &format!("is not a valid host name ({e})")))?;
        url.set_port(Some(port))
            .and_then(|()| url.set_username(role))
            .map_err(|()| bad("host", "cannot be used in a connection URL"))?;
        url.path_segments_mut()
            .map_err(|()| bad("host", "cannot be used in a connection URL"))?
            .push(database);
        url.query_pairs_mut().append_pair("sslmode", tls.as_str());
        Ok(url)
    }

    /// [`ConnectSettings::tls_mode`] as one of the modes a profile's form offers, never a
    /// weaker one: libpq's `allow` reads as `prefer`, `verify-ca` as `verify-full`.
    pub fn form_tls_mode(&self) -> TlsMode {
        match self.tls_mode() {
            PgSslMode::Disable => TlsMode::Disable,
            PgSslMode::Allow | PgSslMode::Prefer => TlsMode::Prefer,
            PgSslMode::Require => TlsMode::Require,
            PgSslMode::VerifyCa | PgSslMode::VerifyFull => TlsMode::VerifyFull,
        }
    }
}

/// sqlx's message for a URL it could not read, with the URL removed should it appear.
fn without_url(error: &sqlx::Error, url: &str) -> String {
    error.to_string().replace(url.trim(), "<url>")
}

fn is_local(options: &PgConnectOptions) -> bool {
    let host = options.get_host();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    options.get_socket().is_some()
        || host.starts_with('/')
        || bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// libpq's name of a TLS mode.
fn ssl_mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

/// Checks that `sslrootcert` names a readable file holding a PEM certificate (or is one,
/// inline), so a typo is named now rather than as a failed connection.
fn check_root_cert(value: &str) -> Result<()> {
    let trimmed = value.trim();
    if trimmed.starts_with("-----BEGIN") {
        return Ok(());
    }
    let bad = |reason: String| Error::InvalidInput {
        field: "sslrootcert".into(),
        reason,
    };
    let text = std::fs::read(trimmed)
        .map_err(|e| bad(format!("cannot read the CA file {trimmed}: {e}")))?;
    if !text
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(bad(format!(
            "{trimmed} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(())
}

/// The team workspace, connected as one manager's login role.
#[derive(Clone)]
pub struct RemoteWorkspace {
    pub(crate) pool: PgPool,
    pub(crate) server: String,
    role: String,
    warnings: Vec<String>,
    /// Search through the indexed search function (see [`crate::search`]).
    pub(crate) indexed_search: bool,
    /// The usage tables are there ([`crate::schema_check::SchemaReport::usage`]).
    pub(crate) usage: bool,
    /// Rows listings and exports left out (or showed without a secret) since the last
    /// [`RemoteWorkspace::take_skipped`] (shared by clones).
    skipped: std::sync::Arc<std::sync::Mutex<Vec<Skip>>>,
}

impl fmt::Debug for RemoteWorkspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWorkspace")
            .field("server", &self.server)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl RemoteWorkspace {
    /// Connects, refuses roles that row-level security does not bind, and checks the schema
    /// (see the module documentation). Nothing in the database is changed.
    pub async fn connect(settings: &ConnectSettings) -> Result<Self> {
        let mut conn = settings.connect_one().await?;
        let checked = async {
            check_identity(&mut conn, &settings.server).await?;
            let report = schema_check::check(&mut conn, &settings.server).await?;
            let (indexed_search, usage) = (report.indexed_search, report.usage);
            Ok::<_, Error>((report.into_result()?, indexed_search, usage))
        }
        .await;
        // Closing politely is best effort: the checks' result is what matters.
        let _ = conn.close().await;
        let (schema_warnings, indexed_search, usage) = checked?;
        let warnings = settings
            .tls_warning()
            .into_iter()
            .chain(schema_warnings)
            .collect();
        Ok(RemoteWorkspace {
            pool: settings.pool(),
            server: settings.server.clone(),
            role: settings.role().to_owned(),
            warnings,
            indexed_search,
            usage,
            skipped: std::sync::Arc::default(),
        })
    }

    /// Ok when the database has the usage tables (migration `20261207001000`); otherwise an
    /// error saying an administrator has to migrate.
    pub fn require_usage(&self) -> Result<()> {
        if self.usage {
            return Ok(());
        }
        Err(Error::Remote(format!(
            "{} has no usage tables (calls, messages, usage_daily): an administrator runs \
             `switchboard-cli db migrate` (migration 20261207001000)",
            self.server
        )))
    }

    /// `host:port/database`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The login role this workspace works as.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The rows listings and exports left out since the last call, because core cannot read
    /// them (a provider or status it does not know, a number that is not E.164, credentials
    /// that are not an object), or showed without the secret their credentials held (`kept`):
    /// each once, with its id and the reason, never a secret's value.
    pub fn take_skipped(&self) -> Vec<Skip> {
        std::mem::take(&mut *self.skipped.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn report_skipped(&self, skip: Skip) {
        let mut skipped = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
        if !skipped.iter().any(|s| s.number_id == skip.number_id) {
            skipped.push(skip);
        }
    }

    /// What is worth telling but not blocking: a TLS mode that does not check a remote
    /// server's certificate ([`ConnectSettings::tls_warning`]), then what the schema check
    /// found (see [`crate::schema_check::SchemaReport::warnings`]).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The connection pool (for tests and tools that need SQL of their own; every statement
    /// on it runs as this manager's role, under row-level security).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// `error` as core's error, mapped as every operation here maps it.
    pub fn map_error(&self, error: sqlx::Error) -> Error {
        from_sqlx(&self.server, error)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Refuses a login role that row-level security does not bind.
async fn check_identity(conn: &mut PgConnection, server: &str) -> Result<()> {
    let row = sqlx::query(
        "SELECT r.rolname::text AS role,
                r.rolsuper AS superuser,
                r.rolbypassrls AS bypassrls,
                c.relowner IS NOT NULL AND pg_has_role(r.oid, c.relowner, 'MEMBER') AS owns,
                pg_get_userbyid(c.relowner)::text AS owner
         FROM pg_catalog.pg_roles AS r
         LEFT JOIN pg_catalog.pg_class AS c ON c.oid = to_regclass('public.phone_numbers')
         WHERE r.rolname = session_user",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| from_sqlx(server, e))?;
    let get = |e: sqlx::Error| from_sqlx(server, e);
    let role: String = row.try_get("role").map_err(get)?;
    let superuser: bool = row.try_get("superuser").map_err(get)?;
    let bypassrls: bool = row.try_get("bypassrls").map_err(get)?;
    let owns: bool = row.try_get("owns").map_err(get)?;
    let owner: Option<String> = row.try_get("owner").map_err(get)?;
    let refuse = |why: String| {
        Err(Error::NotAllowed(format!(
            "Switchboard refuses to work as {role:?} on {server}: {why}. Connect with a \
             manager's own role (an administrator creates one with `switchboard-cli db grant`)"
        )))
    };
    if superuser {
        return refuse(
            "it is a superuser, and row-level security does not apply to \
                       superusers, so every organization's numbers would be open to it"
                .into(),
        );
    }
    if bypassrls {
        return refuse("it has BYPASSRLS, so row-level security does not apply to it".into());
    }
    if owns {
        let owner = owner.unwrap_or_default();
        let how = if owner == role {
            "it owns phone_numbers".to_owned()
        } else {
            format!("it is a member of {owner:?}, which owns phone_numbers")
        };
        return refuse(format!(
            "{how}, and a table's owner can turn its row-level security off"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_parts_name_the_same_server_as_the_url() {
        let parts = ConnectSettings::from_parts(
            "db.example.com",
            5433,
            "switchboard",
            "alice",
            TlsMode::VerifyFull,
        )
        .expect("valid parts");
        let url = ConnectSettings::from_url(
            "postgres://alice@db.example.com:5433/switchboard?sslmode=verify-full",
        )
        .expect("valid url");
        assert_eq!(parts.server(), url.server());
        assert_eq!(parts.role(), "alice");
        assert_eq!(parts.host(), url.host());
        assert_eq!(parts.database(), "switchboard");
        assert!(format!("{parts:?}").contains("VerifyFull"));
        let spaced = ConnectSettings::from_parts("::1", 5432, "my db", "a b", TlsMode::Disable)
            .expect("valid parts");
        assert_eq!(spaced.database(), "my db");
        assert_eq!(spaced.role(), "a b");
        let bracketed =
            ConnectSettings::from_parts("[::1]", 5432, "my db", "a b", TlsMode::Disable)
                .expect("valid parts");
        assert_eq!(spaced.server(), bracketed.server());
        assert!(format!("{spaced:?}").contains("Disable"));
    }

    #[test]
    fn a_remote_host_defaults_to_verify_full_and_a_weaker_mode_is_warned_about() {
        let url = |u: &str| ConnectSettings::from_url(u).expect("valid url");
        for remote in [
            "postgres://alice@db.example.com/switchboard",
            "postgres://alice@10.0.0.5:5433/switchboard",
            "postgres://alice@[2001:db8::1]/switchboard",
        ] {
            let settings = url(remote);
            assert!(!settings.is_local(), "{remote}");
            assert!(
                matches!(settings.tls_mode(), PgSslMode::VerifyFull),
                "{remote}: {settings:?}"
            );
            assert_eq!(settings.tls_warning(), None, "{remote}");
        }
        for local in [
            "postgres://alice@localhost/switchboard",
            "postgres://alice@127.0.0.1/switchboard",
            "postgres://alice@127.8.9.10/switchboard",
            "postgres://alice@[::1]/switchboard",
            "postgres://alice@%2Fvar%2Frun%2Fpostgresql/switchboard",
        ] {
            let settings = url(local);
            assert!(settings.is_local(), "{local}");
            assert!(
                !matches!(settings.tls_mode(), PgSslMode::VerifyFull),
                "a local server keeps libpq's default: {local}"
            );
            assert_eq!(settings.tls_warning(), None, "{local}");
            let explicit = url(&format!("{local}?sslmode=require"));
            assert_eq!(explicit.tls_warning(), None, "{local}");
        }
        for (mode, says) in [
            ("require", "certificate is not checked"),
            ("prefer", "not be encrypted"),
            ("disable", "not be encrypted"),
            ("verify-ca", "not its host name"),
        ] {
            let settings = url(&format!(
                "postgres://alice@db.example.com/switchboard?sslmode={mode}"
            ));
            let warning = settings
                .tls_warning()
                .expect("a weaker mode is warned about");
            assert!(warning.contains(says), "{warning}");
            assert!(warning.contains(&format!("TLS mode {mode}")), "{warning}");
            assert!(
                warning.contains("db.example.com:5432/switchboard"),
                "{warning}"
            );
            assert!(warning.contains("sslmode=verify-full"), "{warning}");
        }
        let parts = ConnectSettings::from_parts(
            "db.example.com",
            5432,
            "switchboard",
            "alice",
            TlsMode::Require,
        )
        .expect("valid parts");
        assert!(parts.tls_warning().is_some());
    }

    #[test]
    fn an_unreadable_ca_file_is_named_before_connecting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.pem");
        let err = ConnectSettings::from_url(&format!(
            "postgres://alice@db.example.com/sw?sslrootcert={}",
            missing.display()
        ))
        .expect_err("a missing CA file");
        match &err {
            Error::InvalidInput { field, reason } => {
                assert_eq!(field, "sslrootcert");
                assert!(reason.contains("missing.pem"), "{reason}");
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "not a certificate").expect("write");
        let err = ConnectSettings::from_url(&format!(
            "postgres://alice@db.example.com/sw?sslrootcert={}",
            not_pem.display()
        ))
        .expect_err("no certificate in the file");
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn bad_profile_parts_are_named() {
        let field = |r: Result<ConnectSettings>| match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        };
        let t = TlsMode::Prefer;
        assert_eq!(
            field(ConnectSettings::from_parts(" ", 5432, "d", "r", t)),
            "host"
        );
        assert_eq!(
            field(ConnectSettings::from_parts("a/b", 5432, "d", "r", t)),
            "host"
        );
        assert_eq!(
            field(ConnectSettings::from_parts("h", 0, "d", "r", t)),
            "port"
        );
        assert_eq!(
            field(ConnectSettings::from_parts("h", 5432, "", "r", t)),
            "database"
        );
        assert_eq!(
            field(ConnectSettings::from_parts("h", 5432, "d", "", t)),
            "user"
        );
        assert_eq!(
            field(ConnectSettings::from_parts("h", 5432, "d", "a@b", t)),
            "user"
        );
    }
}
