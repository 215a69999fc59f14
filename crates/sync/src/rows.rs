//! Rows of the team database as text fields, from `COPY … TO STDOUT` or from a query, decoded
//! into core's values.
//!
//! Both paths select the same expression list, [`ROW_SQL`], every column cast to text and
//! timestamps as integer microseconds since the epoch (the cache's own unit, so nothing is
//! lost or rounded). One decoder ([`decode`]) therefore serves the bulk copy, the incremental
//! reads and the replies to replayed edits.

use switchboard_core::domain::{Agent, PHONE_NUMBER_COLUMNS, PhoneNumber};
use switchboard_core::store::{Skip, StoredJson, StoredNumber};
use switchboard_core::{Error, Result};
use time::OffsetDateTime;
use uuid::Uuid;

/// The columns of a number on alias `p` ([`PHONE_NUMBER_COLUMNS`], in order: a test compares
/// them) and its agent's name on alias `a` (`LEFT JOIN agents a ON a.id = p.agent_id`), in
/// [`decode`] order.
pub(crate) const ROW_SQL: &str = "p.id::text, p.organization_id::text, p.provider::text, \
    p.phone_number::text, p.friendly_name::text, p.credentials::text, p.metadata::text, \
    p.agent_id::text, coalesce(p.webhook_configured, false)::text, p.webhook_url, \
    p.status::text, (extract(epoch FROM p.created_at) * 1000000)::int8::text, \
    (extract(epoch FROM p.updated_at) * 1000000)::int8::text, \
    (extract(epoch FROM p.last_verified_at) * 1000000)::int8::text, a.name::text";

/// How many fields [`ROW_SQL`] has: the number's columns, then its agent's name.
pub(crate) const ROW_FIELDS: usize = PHONE_NUMBER_COLUMNS.len() + 1;

fn bad(what: String) -> Error {
    Error::Remote(format!("unexpected row from the team database: {what}"))
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| bad(format!("{s:?}: {e}")))
}

fn micros(s: &str) -> Result<OffsetDateTime> {
    let v: i64 = s.parse().map_err(|e| bad(format!("{s:?}: {e}")))?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
        .map_err(|e| bad(format!("{s:?}: {e}")))
}

/// A row as [`decode`] read it.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "Row is the common case: boxing it would allocate once more per row of a copy"
)]
pub(crate) enum Decoded {
    /// A number with its agent (when it has one), and, when a secret was dropped from its
    /// credentials, the record saying so (`kept`).
    Row(PhoneNumber, Option<Agent>, Option<Skip>),
    /// A row the cache cannot hold, and why.
    Skipped(Skip),
}

/// A number from [`ROW_SQL`]'s fields. A row whose values core does not accept (provider,
/// status, number, credentials or metadata) is [`Decoded::Skipped`] with the reason; one whose
/// credentials carry a secret keeps its other keys and is reported. Only what cannot come from
/// the schema (missing fields, a NULL in a `NOT NULL` column, an id that is no UUID) fails.
pub(crate) fn decode(f: &[Option<String>]) -> Result<Decoded> {
    if f.len() < ROW_FIELDS {
        return Err(bad(format!("{} fields, expected {ROW_FIELDS}", f.len())));
    }
    let req = |i: usize| {
        f[i].as_deref()
            .ok_or_else(|| bad(format!("field {i} is NULL")))
    };
    let id = uuid(req(0)?)?;
    let organization_id = uuid(req(1)?)?;
    let stored = StoredNumber {
        id,
        organization_id,
        phone_number: req(3)?,
        provider: req(2)?,
        credentials: req(5)?,
        metadata: f[6].as_deref().map(StoredJson::Text),
        status: req(10)?,
    };
    let checked = match stored.check() {
        Ok(checked) => checked,
        Err(skip) => return Ok(Decoded::Skipped(skip)),
    };
    let n = PhoneNumber {
        id,
        organization_id,
        provider: checked.provider,
        phone_number: checked.phone_number,
        friendly_name: f[4].clone(),
        credentials: checked.credentials,
        metadata: checked.metadata,
        agent_id: f[7].as_deref().map(uuid).transpose()?,
        webhook_configured: matches!(f[8].as_deref(), Some("t" | "true")),
        webhook_url: f[9].clone(),
        status: checked.status,
        created_at: micros(req(11)?)?,
        updated_at: micros(req(12)?)?,
        last_verified_at: f[13].as_deref().map(micros).transpose()?,
    };
    let agent = match (n.agent_id, &f[ROW_FIELDS - 1]) {
        (Some(agent), Some(name)) => Some(Agent {
            id: agent,
            organization_id: n.organization_id,
            name: name.clone(),
        }),
        _ => None,
    };
    Ok(Decoded::Row(n, agent, checked.dropped))
}

/// Splits `COPY … TO STDOUT (FORMAT text)` output into rows of fields, across chunk
/// boundaries.
#[derive(Debug, Default)]
pub(crate) struct CopyText {
    carry: Vec<u8>,
}

impl CopyText {
    /// Calls `row` with the fields of every complete line in `chunk` (and the carry-over).
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        mut row: impl FnMut(Vec<Option<String>>) -> Result<()>,
    ) -> Result<()> {
        let mut start = 0;
        for (i, b) in chunk.iter().enumerate() {
            if *b == b'\n' {
                if self.carry.is_empty() {
                    row(fields(&chunk[start..i])?)?;
                } else {
                    self.carry.extend_from_slice(&chunk[start..i]);
                    let line = std::mem::take(&mut self.carry);
                    row(fields(&line)?)?;
                }
                start = i + 1;
            }
        }
        self.carry.extend_from_slice(&chunk[start..]);
        Ok(())
    }

    /// Fails when the data ended inside a line.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(bad("the copy ended inside a row".into()))
        }
    }
}

/// The fields of one line: tab-separated, `\N` for NULL, backslash escapes decoded.
fn fields(line: &[u8]) -> Result<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(ROW_FIELDS);
    for raw in line.split(|b| *b == b'\t') {
        if raw == b"\\N" {
            out.push(None);
            continue;
        }
        let text = if raw.contains(&b'\\') {
            unescape(raw)
        } else {
            raw.to_vec()
        };
        out.push(Some(
            String::from_utf8(text).map_err(|e| bad(format!("not UTF-8: {e}")))?,
        ));
    }
    Ok(out)
}

fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 == raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let c = raw[i + 1];
        i += 2;
        match c {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let mut v = 0u8;
                let mut n = 0;
                while n < 2 && i < raw.len() && raw[i].is_ascii_hexdigit() {
                    v = v * 16 + (raw[i] as char).to_digit(16).unwrap_or(0) as u8;
                    i += 1;
                    n += 1;
                }
                out.push(v);
            }
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < raw.len() && (b'0'..=b'7').contains(&raw[i]) {
                    v = v * 8 + u32::from(raw[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_selects_every_column_in_order_then_the_agents_name() {
        let mut from = 0;
        for column in PHONE_NUMBER_COLUMNS {
            let reference = format!("p.{column}");
            let at = ROW_SQL[from..]
                .match_indices(&reference)
                .map(|(i, _)| from + i)
                .find(|&i| {
                    let end = i + reference.len();
                    !ROW_SQL[end..].starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
                })
                .unwrap_or_else(|| {
                    panic!("ROW_SQL does not select {reference} after the columns before it")
                });
            from = at + reference.len();
        }
        assert_eq!(ROW_SQL.matches("p.").count(), PHONE_NUMBER_COLUMNS.len());
        assert!(ROW_SQL.ends_with("a.name::text"));
    }

    #[test]
    fn copy_text_rows_split_across_chunks_with_escapes_and_nulls() {
        let mut copy = CopyText::default();
        let mut rows = Vec::new();
        let data = b"a\\tb\t\\N\tx\\\\y\\nz\n12\t\\101\t\n";
        for chunk in data.chunks(3) {
            copy.feed(chunk, |r| {
                rows.push(r);
                Ok(())
            })
            .unwrap();
        }
        copy.finish().unwrap();
        assert_eq!(
            rows,
            vec![
                vec![Some("a\tb".into()), None, Some("x\\y\nz".into())],
                vec![Some("12".into()), Some("A".into()), Some(String::new())],
            ]
        );
    }

    #[test]
    fn decodes_a_row_with_its_agent() {
        let id = Uuid::new_v4().to_string();
        let org = Uuid::new_v4().to_string();
        let agent = Uuid::new_v4().to_string();
        let f: Vec<Option<String>> = vec![
            Some(id.clone()),
            Some(org),
            Some("twilio".into()),
            Some("+14155550100".into()),
            Some("Support".into()),
            Some("{}".into()),
            Some(r#"{"capabilities": {"voice": true}}"#.into()),
            Some(agent),
            Some("true".into()),
            None,
            Some("active".into()),
            Some("1700000000123456".into()),
            Some("1700000000123457".into()),
            None,
            Some("Ava".into()),
        ];
        let Decoded::Row(n, a, None) = decode(&f).unwrap() else {
            panic!("a clean row");
        };
        assert_eq!(n.id.to_string(), id);
        assert!(n.webhook_configured);
        assert_eq!(
            n.updated_at.unix_timestamp_nanos(),
            1_700_000_000_123_457_000
        );
        assert_eq!(a.unwrap().name, "Ava");

        // A status core does not know: skipped, with the id and the reason.
        let mut suspended = f.clone();
        suspended[10] = Some("suspended".into());
        let Decoded::Skipped(skip) = decode(&suspended).unwrap() else {
            panic!("skipped");
        };
        assert_eq!(skip.number_id.to_string(), id);
        assert!(!skip.kept);
        assert!(skip.reason.contains("\"suspended\""), "{}", skip.reason);

        // A secret in the credentials: kept without it, and reported by key.
        let mut secret = f.clone();
        secret[5] = Some(
            r#"{"accountSid": "AC0123456789abcdef0123456789abcdef", "authToken": "hunter2"}"#
                .into(),
        );
        let Decoded::Row(n, _, Some(skip)) = decode(&secret).unwrap() else {
            panic!("kept and reported");
        };
        assert!(skip.kept);
        assert!(
            skip.reason.contains("key authToken dropped"),
            "{}",
            skip.reason
        );
        assert!(!format!("{n:?} {skip:?}").contains("hunter2"));
    }
}
