//! Loading many numbers fast, for benchmarks and administrators' imports: `COPY … FROM STDIN`.
//!
//! PostgreSQL refuses `COPY FROM` into a table whose row-level security applies to the
//! copying role, and `phone_numbers` FORCEs it even for its owner: load through an
//! administrator's pool of a **superuser or `BYPASSRLS` role**
//! ([`ConnectSettings::admin_pool`](crate::ConnectSettings::admin_pool)), never a manager's
//! workspace. Rows go in as given (ids, timestamps and all); constraints and triggers still
//! check them, and the whole call is one `COPY`, so a refused row loads nothing.

use std::fmt::Write as _;

use sqlx::PgPool;
use switchboard_core::domain::{Metadata, PHONE_NUMBER_COLUMNS, PhoneNumber};
use switchboard_core::{Error, Result};
use time::format_description::well_known::Rfc3339;

use crate::errors::from_sqlx;

/// Bytes sent to the server per `COPY` data message.
const CHUNK: usize = 1 << 20;

/// Copies `numbers` into `phone_numbers` in one `COPY`; returns how many rows were loaded.
pub async fn copy_numbers(admin_pool: &PgPool, numbers: &[PhoneNumber]) -> Result<u64> {
    let map = |e| from_sqlx("the administrator's connection", e);
    let mut conn = admin_pool.acquire().await.map_err(map)?;
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY phone_numbers ({}) FROM STDIN (FORMAT text)",
            PHONE_NUMBER_COLUMNS.join(", ")
        ))
        .await
        .map_err(map)?;
    let mut buffer = String::with_capacity(CHUNK + 4096);
    for number in numbers {
        write_row(&mut buffer, number)?;
        if buffer.len() >= CHUNK {
            copy.send(buffer.as_bytes()).await.map_err(map)?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await.map_err(map)?;
    }
    copy.finish().await.map_err(map)
}

/// One row in COPY's text format, in [`PHONE_NUMBER_COLUMNS`] order: tab-separated, `\N` for
/// NULL.
fn write_row(out: &mut String, n: &PhoneNumber) -> Result<()> {
    let time = |t: time::OffsetDateTime| {
        t.format(&Rfc3339)
            .map_err(|e| Error::Remote(format!("cannot format a timestamp: {e}")))
    };
    let fields: [Option<String>; PHONE_NUMBER_COLUMNS.len()] = [
        Some(n.id.to_string()),
        Some(n.organization_id.to_string()),
        Some(n.provider.as_str().to_owned()),
        Some(n.phone_number.to_string()),
        n.friendly_name.clone(),
        Some(n.credentials.to_json()),
        n.metadata.as_ref().map(Metadata::to_json),
        n.agent_id.map(|a| a.to_string()),
        Some(if n.webhook_configured { "t" } else { "f" }.to_owned()),
        n.webhook_url.clone(),
        Some(n.status.as_str().to_owned()),
        Some(time(n.created_at)?),
        Some(time(n.updated_at)?),
        n.last_verified_at.map(time).transpose()?,
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match field {
            None => out.push_str("\\N"),
            Some(value) => escape(out, value),
        }
    }
    out.push('\n');
    Ok(())
}

/// COPY text escaping: backslash, tab, newline and carriage return.
fn escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32 & 0xff);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_separators() {
        let mut out = String::new();
        escape(&mut out, "a\tb\\c\nd");
        assert_eq!(out, "a\\tb\\\\c\\nd");
    }
}
