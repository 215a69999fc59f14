//! The one error type of `switchboard-core`.
//!
//! Every failure a manager can meet has its own variant, and every variant maps to one
//! [`ErrorCode`]: the stable, typed code that crosses process boundaries (CLI exit codes,
//! IPC to the desktop UI) so callers branch on a code, never on message text. Messages name
//! the input that was wrong and why; they never contain secrets.

use serde::Serialize;

/// Stable codes the CLI and the desktop app branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ErrorCode {
    /// The input is not a valid phone number.
    InvalidNumber,
    /// Any other malformed or out-of-range input.
    InvalidInput,
    /// The record already exists (unique constraint).
    Duplicate,
    /// The record does not exist (or is not visible to this user).
    NotFound,
    /// The write is not allowed for this user or organization.
    NotAllowed,
    /// The workspace file is damaged, newer than this build, or the disk failed; or the team
    /// database answered with something Switchboard cannot use (its schema, an unexpected error).
    Storage,
    /// The team database cannot be reached now (refused, reset, closed, timed out): retrying
    /// later may succeed, and local work can continue meanwhile.
    Offline,
    /// The OS credential vault is missing, locked or refused the request (or holds an entry
    /// that cannot be used): what needs a secret cannot be done now; everything else can.
    VaultUnavailable,
    /// Another program holds the workspace file's write lock (the CLI importing or syncing
    /// into it, typically): reading works; a write, or a schema update, waits for it to finish.
    Busy,
}

/// Everything that can go wrong in core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A phone number failed to parse or validate.
    #[error("{input:?} is not a valid phone number ({reason})")]
    InvalidNumber {
        /// What the user typed.
        input: String,
        /// Why it was refused, in plain words.
        reason: String,
    },
    /// A phone number written with an extension (`x12`, `ext. 12`, `;ext=12`): a desk phone's,
    /// never a number a provider rents out.
    #[error(
        "{input:?} has an extension{}; a provider number cannot have one \u{2014} remove the \
         extension{}",
        in_parens(.extension),
        alone(.number)
    )]
    NumberWithExtension {
        /// What the user typed.
        input: String,
        /// The extension's digits, as typed.
        extension: String,
        /// The number without its extension, in E.164, when that is a valid number.
        number: Option<String>,
    },
    /// A field of some input is not acceptable.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field, flag or column at fault.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// A unique constraint would be violated.
    #[error("{what} already exists{}", in_org(.organization))]
    Duplicate {
        /// The thing that exists already, e.g. "+14155551234".
        what: String,
        /// The organization slug, when the thing is scoped to one.
        organization: Option<String>,
    },
    /// The thing asked for does not exist.
    #[error("{kind} {key:?} not found")]
    NotFound {
        /// "organization", "agent", "phone number".
        kind: &'static str,
        /// How it was asked for.
        key: String,
    },
    /// A rule of the workspace forbids the change.
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// Import rows failed validation; nothing was written.
    #[error("{} bad row(s); nothing was imported:\n{}", .0.len(), render_rows(.0))]
    BadRows(Vec<RowError>),
    /// The workspace file was written by a newer Switchboard.
    #[error(
        "workspace {path} has schema version {found}, newer than this build supports ({supported}); \
         update Switchboard to open it"
    )]
    NewerSchema {
        /// The file.
        path: String,
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Another connection kept the workspace's write lock for longer than a write waits.
    #[error(
        "workspace {path} is busy: {} is writing to it; try again when it finishes",
        .holder.as_deref().unwrap_or("another program (switchboard-cli importing or syncing, for instance)")
    )]
    Busy {
        /// The file.
        path: String,
        /// The program holding the lock, when the system says (`"switchboard-cli import
        /// (process 4242)"`).
        holder: Option<String>,
    },
    /// Another program keeps the workspace file open without letting others open it (on
    /// Windows, a program that opened it without sharing: a backup or sync tool, an editor).
    #[error(
        "workspace {path} is held open by another program that lets no one else open it \
         (Windows: a sharing violation); close it in that program, then try again"
    )]
    InUse {
        /// The file.
        path: String,
    },
    /// The workspace file is not a SQLite database, or SQLite found it damaged.
    #[error(
        "workspace {path} is damaged or is not a Switchboard workspace ({reason}); move it \
         aside to start an empty workspace in its place, or restore it from a backup"
    )]
    Damaged {
        /// The file.
        path: String,
        /// What SQLite said.
        reason: String,
    },
    /// SQLite failed.
    #[error("workspace storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The team database cannot be reached (connection refused, reset or closed, timeout).
    #[error("the team database {server} is offline: {reason}")]
    Offline {
        /// Where it was looked for: host, port and database, never credentials.
        server: String,
        /// What happened, e.g. "connection refused".
        reason: String,
    },
    /// The team database failed in a way that is neither the input nor the connection (an
    /// incompatible schema, an unexpected server error). The text never holds credentials.
    #[error("team database: {0}")]
    Remote(String),
    /// The OS credential vault failed. The message, built by `switchboard-secrets`, names the
    /// vault and what the user can do; it never holds a secret.
    #[error("{0}")]
    Vault(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}

fn in_parens(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({text})")
    }
}

fn alone(number: &Option<String>) -> String {
    number
        .as_ref()
        .map(|n| format!(" (the number alone is {n})"))
        .unwrap_or_default()
}

fn in_org(org: &Option<String>) -> String {
    org.as_ref().map(|o| format!(" in {o}")).unwrap_or_default()
}

fn render_rows(rows: &[RowError]) -> String {
    rows.iter()
        .map(|r| format!("  line {}: {}", r.line, r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One rejected row of an import, by its line number in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line number in the source file (the header is line 1).
    pub line: u64,
    /// What is wrong with the row.
    pub message: String,
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidNumber { .. } | Error::NumberWithExtension { .. } => {
                ErrorCode::InvalidNumber
            }
            Error::InvalidInput { .. } | Error::BadRows(_) => ErrorCode::InvalidInput,
            Error::Duplicate { .. } => ErrorCode::Duplicate,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::NotAllowed(_) => ErrorCode::NotAllowed,
            Error::NewerSchema { .. }
            | Error::Damaged { .. }
            | Error::Sqlite(_)
            | Error::Io { .. }
            | Error::Remote(_) => ErrorCode::Storage,
            Error::Busy { .. } | Error::InUse { .. } => ErrorCode::Busy,
            Error::Offline { .. } => ErrorCode::Offline,
            Error::Vault(_) => ErrorCode::VaultUnavailable,
        }
    }

    /// True when the error is the caller's input, not the machine's fault.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self.code(),
            ErrorCode::InvalidNumber
                | ErrorCode::InvalidInput
                | ErrorCode::Duplicate
                | ErrorCode::NotFound
                | ErrorCode::NotAllowed
        )
    }

    /// The error as a log file may keep it: its message, except that an import's bad rows are
    /// named by their lines only. Their messages quote the file's cells, and a file can hold
    /// anything in any column (a token pasted where a number belongs); the manager sees them
    /// on screen, the log does not keep them.
    pub fn log_message(&self) -> String {
        match self {
            Error::BadRows(rows) => {
                const NAMED: usize = 20;
                let lines: Vec<String> = rows
                    .iter()
                    .take(NAMED)
                    .map(|r| r.line.to_string())
                    .collect();
                let more = if rows.len() > NAMED { ", …" } else { "" };
                format!(
                    "{} bad row(s); nothing was imported (lines {}{more})",
                    rows.len(),
                    lines.join(", ")
                )
            }
            other => other.to_string(),
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result with core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_names_bad_rows_by_line_without_their_cells() {
        let rows: Vec<RowError> = (2..30)
            .map(|line| RowError {
                line,
                message: format!("\"tok{line}secret\" is not a valid phone number"),
            })
            .collect();
        let e = Error::BadRows(rows);
        assert!(
            e.to_string().contains("tok2secret"),
            "the screen shows the cells"
        );
        let logged = e.log_message();
        assert!(!logged.contains("secret"), "{logged}");
        assert!(
            logged.starts_with("28 bad row(s); nothing was imported (lines 2, 3, 4,"),
            "{logged}"
        );
        assert!(logged.ends_with("21, …)"), "{logged}");
        let other = Error::invalid("status", "\"on\" is not one of active, inactive, error");
        assert_eq!(other.log_message(), other.to_string());
    }
}
