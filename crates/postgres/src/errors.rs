//! Server and driver errors as core's [`Error`], so the CLI and the app branch on one set of
//! codes whichever store answered.
//!
//! Each operation first offers the database error to its own mapping (which knows what was
//! being written: the number, the organization's slug, the agent), then falls back to
//! [`from_sqlx`], which maps by SQLSTATE:
//!
//! | server or driver says | becomes |
//! |---|---|
//! | 42501 "new row violates row-level security policy" | `NotAllowed("not allowed in this organization")` |
//! | 42501 "permission denied for …" | `NotAllowed` naming what the role may not do |
//! | 23505 unique violation | `Duplicate` |
//! | 23503 foreign key, 23502/23514/22xxx bad value | `NotFound` / `InvalidInput` |
//! | 28xxx login refused | `NotAllowed` (wrong role or password; the password is never shown) |
//! | the server's certificate cannot be checked (unknown CA, wrong host name, expired, …) | `Remote` naming the problem and what to do: give the CA with `sslrootcert`, or choose a weaker `sslmode` explicitly |
//! | I/O errors, 08xxx, 57P0x, 53300, pool timeouts | `Offline` |
//! | anything else | `Remote` with the server's message and SQLSTATE |
//!
//! Messages quote the server's text, which names tables, constraints and roles but never a
//! password.

use std::io::ErrorKind;

use sqlx::error::DatabaseError;
use switchboard_core::Error;

/// The message of every row-level security refusal.
pub const NOT_ALLOWED_IN_ORGANIZATION: &str = "not allowed in this organization";

/// `error` as core's error, with `server` (host:port/database) naming where it happened.
pub fn from_sqlx(server: &str, error: sqlx::Error) -> Error {
    match error {
        sqlx::Error::Database(db) => from_database(server, db.as_ref()),
        sqlx::Error::Io(io) => match certificate_problem(&io) {
            Some(problem) => Error::Remote(format!(
                "the TLS certificate of {server} could not be verified: {problem}. Nothing was \
                 sent to it. If the server's certificate is signed by your organization's own \
                 CA, give that CA: sslrootcert=/path/to/ca.pem in the database URL (in the \
                 app: the profile's CA certificate file); if it is not your server, check the \
                 host name. To connect without checking the certificate, choose \
                 sslmode=require explicitly (the password then goes to whoever answers)"
            )),
            None => Error::Offline {
                server: server.to_owned(),
                reason: io_reason(&io),
            },
        },
        sqlx::Error::PoolTimedOut => Error::Offline {
            server: server.to_owned(),
            reason: "no connection could be made in time".into(),
        },
        sqlx::Error::PoolClosed => Error::Offline {
            server: server.to_owned(),
            reason: "the connection pool is closed".into(),
        },
        sqlx::Error::WorkerCrashed => Error::Offline {
            server: server.to_owned(),
            reason: "the connection's worker stopped".into(),
        },
        sqlx::Error::Tls(tls) => Error::Remote(format!("TLS with {server} failed: {tls}")),
        sqlx::Error::Configuration(config) => Error::InvalidInput {
            field: "database URL".into(),
            reason: config.to_string(),
        },
        sqlx::Error::Protocol(message) if looks_disconnected(&message) => Error::Offline {
            server: server.to_owned(),
            reason: message,
        },
        other => Error::Remote(format!("{server}: {other}")),
    }
}

/// The SQLSTATE of a database error, "" for other errors.
pub fn sqlstate(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// The violated constraint of a database error.
pub fn constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}

/// True for the server's row-level security refusal.
pub fn is_rls_refusal(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("42501") && db.message().contains("row-level security"))
}

fn from_database(server: &str, db: &dyn DatabaseError) -> Error {
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let message = db.message().to_owned();
    let offline = |reason: String| Error::Offline {
        server: server.to_owned(),
        reason,
    };
    match code.as_str() {
        "42501" if message.contains("row-level security") => {
            Error::NotAllowed(NOT_ALLOWED_IN_ORGANIZATION.into())
        }
        "42501" => Error::NotAllowed(format!("your database role may not do this ({message})")),
        "23505" => Error::Duplicate {
            what: match db.constraint() {
                Some(constraint) => format!("a row with the same key ({constraint})"),
                None => "a row with the same key".into(),
            },
            organization: None,
        },
        "23503" => Error::InvalidInput {
            field: db.constraint().unwrap_or("reference").to_owned(),
            reason: message,
        },
        "23502" | "23514" => Error::InvalidInput {
            field: db.constraint().unwrap_or("value").to_owned(),
            reason: message,
        },
        c if c.starts_with("22") => Error::InvalidInput {
            field: "value".into(),
            reason: message,
        },
        c if c.starts_with("28") => {
            Error::NotAllowed(format!("{server} refused the login: {message}"))
        }
        "3D000" => Error::InvalidInput {
            field: "database URL".into(),
            reason: message,
        },
        c if c.starts_with("08") || c.starts_with("57P") || c == "53300" => offline(message),
        _ => Error::Remote(format!("{message} (SQLSTATE {code})")),
    }
}

/// What is wrong with the server's certificate, when `io` is rustls refusing it.
fn certificate_problem(io: &std::io::Error) -> Option<String> {
    let Some(rustls::Error::InvalidCertificate(problem)) =
        io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>())
    else {
        return None;
    };
    Some(match problem {
        rustls::CertificateError::UnknownIssuer => "it is signed by an unknown certificate \
                                                    authority (self-signed, or a private CA \
                                                    this device does not trust)"
            .into(),
        other => other.to_string(),
    })
}

fn io_reason(io: &std::io::Error) -> String {
    match io.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::ConnectionReset => "connection reset".into(),
        ErrorKind::ConnectionAborted => "connection aborted".into(),
        ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof => {
            "the server closed the connection".into()
        }
        ErrorKind::TimedOut => "timed out".into(),
        _ => io.to_string(),
    }
}

fn looks_disconnected(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("connection") && (message.contains("closed") || message.contains("reset"))
}
