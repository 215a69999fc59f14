//! Just enough of `postgresql://` URLs to swap the user, password or database.
//!
//! The harness derives every URL it hands out (admin, per role, per database) from one
//! base; this module parses and rebuilds them without a URL crate. Everything after the
//! authority that is not the database (`?sslmode=…`) is kept verbatim.

use std::fmt;

/// A parsed `postgres://` or `postgresql://` URL. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ConnUrl {
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    /// `host`, `host:port`, `[::1]:5432` or a comma-separated list, verbatim.
    pub(crate) host_port: String,
    pub(crate) database: Option<String>,
    /// The query string without its `?`, verbatim; empty when there is none.
    pub(crate) query: String,
}

impl ConnUrl {
    /// Parses `url`, or says what is wrong with it (never echoing it: it holds a password).
    pub(crate) fn parse(url: &str) -> Result<Self, &'static str> {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or("it does not start with postgres:// or postgresql://")?;
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, query.to_owned()),
            None => (rest, String::new()),
        };
        let (authority, database) = match rest.split_once('/') {
            Some((authority, database)) if !database.is_empty() => {
                (authority, Some(percent_decode(database)?))
            }
            Some((authority, _)) => (authority, None),
            None => (rest, None),
        };
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(userinfo) => match userinfo.split_once(':') {
                Some((user, password)) => {
                    (Some(percent_decode(user)?), Some(percent_decode(password)?))
                }
                None => (Some(percent_decode(userinfo)?), None),
            },
            None => (None, None),
        };
        Ok(Self {
            user: user.filter(|user| !user.is_empty()),
            password,
            host_port: host_port.to_owned(),
            database,
            query,
        })
    }

    /// The same server, as `user` with `password`.
    pub(crate) fn with_credentials(&self, user: &str, password: Option<&str>) -> Self {
        Self {
            user: Some(user.to_owned()),
            password: password.map(str::to_owned),
            ..self.clone()
        }
    }

    /// The same server and credentials, database `database`.
    pub(crate) fn with_database(&self, database: &str) -> Self {
        Self {
            database: Some(database.to_owned()),
            ..self.clone()
        }
    }

    /// The URL as text, user, password and database percent-encoded.
    pub(crate) fn to_url(&self) -> String {
        let mut url = String::from("postgresql://");
        if let Some(user) = &self.user {
            url.push_str(&percent_encode(user));
            if let Some(password) = &self.password {
                url.push(':');
                url.push_str(&percent_encode(password));
            }
            url.push('@');
        }
        url.push_str(&self.host_port);
        url.push('/');
        if let Some(database) = &self.database {
            url.push_str(&percent_encode(database));
        }
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        url
    }
}

impl fmt::Debug for ConnUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnUrl")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("host_port", &self.host_port)
            .field("database", &self.database)
            .field("query", &self.query)
            .finish()
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn percent_decode(text: &str) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or("it has a malformed percent-escape")?;
            decoded.push(hex);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| "a percent-escape decodes to invalid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rebuilds_a_full_url() {
        let url = ConnUrl::parse("postgres://admin:s%40cret@db.example:5433/app?sslmode=require")
            .expect("valid URL");
        assert_eq!(url.user.as_deref(), Some("admin"));
        assert_eq!(url.password.as_deref(), Some("s@cret"));
        assert_eq!(url.host_port, "db.example:5433");
        assert_eq!(url.database.as_deref(), Some("app"));
        assert_eq!(url.query, "sslmode=require");
        assert_eq!(
            url.to_url(),
            "postgresql://admin:s%40cret@db.example:5433/app?sslmode=require"
        );
    }

    #[test]
    fn swaps_credentials_and_database() {
        let url = ConnUrl::parse("postgresql://postgres@127.0.0.1:5432").expect("valid URL");
        assert_eq!(url.database, None);
        let derived = url
            .with_credentials("o'brien", Some("p:w/@?"))
            .with_database("test db");
        assert_eq!(
            derived.to_url(),
            "postgresql://o%27brien:p%3Aw%2F%40%3F@127.0.0.1:5432/test%20db"
        );
        assert_eq!(ConnUrl::parse(&derived.to_url()), Ok(derived));
    }

    #[test]
    fn rejects_other_schemes_and_bad_escapes() {
        assert!(ConnUrl::parse("mysql://root@localhost/db").is_err());
        assert!(ConnUrl::parse("postgres://u:%zz@localhost/db").is_err());
    }

    #[test]
    fn debug_redacts_the_password() {
        let url = ConnUrl::parse("postgres://u:hunter2@localhost/db").expect("valid URL");
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
