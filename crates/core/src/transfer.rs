//! Export and import of an organization's numbers as CSV or JSON.
//!
//! Export writes the design's columns by name. Import is all or nothing: every row is
//! validated first, every problem is reported with its line number, and only a file with no
//! problems is written, in one transaction.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};

use uuid::Uuid;

use crate::domain::{
    Agent, Credentials, E164, Metadata, NumberFacts, PhoneNumber, Provider, Status,
    clean_friendly_name,
};
use crate::error::{Error, Result, RowError};
use crate::store::Workspace;

/// The design's columns, in its order: the CSV header of an export.
pub const COLUMNS: [&str; 14] = [
    "id",
    "organization_id",
    "provider",
    "phone_number",
    "friendly_name",
    "credentials",
    "metadata",
    "agent_id",
    "webhook_configured",
    "webhook_url",
    "status",
    "created_at",
    "updated_at",
    "last_verified_at",
];

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, header row, JSON columns as JSON text.
    Csv,
    /// One JSON array of objects.
    Json,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(Error::invalid(
                "format",
                format!("{s:?} is not csv or json"),
            )),
        }
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn io_err(e: impl Into<std::io::Error>) -> Error {
    Error::Io {
        path: "output".into(),
        source: e.into(),
    }
}

/// Writes every number of an organization to `out`; returns how many.
pub fn export(
    ws: &Workspace,
    organization_id: Uuid,
    format: Format,
    out: impl Write,
) -> Result<u64> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(COLUMNS).map_err(io_err)?;
            let n = ws.for_each_number(organization_id, |n| {
                w.write_record([
                    n.id.to_string(),
                    n.organization_id.to_string(),
                    n.provider.to_string(),
                    n.phone_number.to_string(),
                    n.friendly_name.clone().unwrap_or_default(),
                    n.credentials.to_json(),
                    n.metadata
                        .as_ref()
                        .map(Metadata::to_json)
                        .unwrap_or_default(),
                    n.agent_id.map(|a| a.to_string()).unwrap_or_default(),
                    n.webhook_configured.to_string(),
                    n.webhook_url.clone().unwrap_or_default(),
                    n.status.to_string(),
                    rfc3339(n.created_at),
                    rfc3339(n.updated_at),
                    n.last_verified_at.map(rfc3339).unwrap_or_default(),
                ])
                .map_err(io_err)
            })?;
            w.flush().map_err(io_err)?;
            Ok(n)
        }
        Format::Json => {
            let mut out = std::io::BufWriter::new(out);
            out.write_all(b"[").map_err(io_err)?;
            let mut first = true;
            let n = ws.for_each_number(organization_id, |n| {
                if !first {
                    out.write_all(b",").map_err(io_err)?;
                }
                first = false;
                out.write_all(b"\n  ").map_err(io_err)?;
                serde_json::to_writer(&mut out, n).map_err(io_err)
            })?;
            out.write_all(if n == 0 { b"]\n" } else { b"\n]\n" })
                .map_err(io_err)?;
            out.flush().map_err(io_err)?;
            Ok(n)
        }
    }
}

/// The outcome of a successful import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows inserted.
    pub inserted: u64,
}

/// Options for reading an import file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Region for numbers written without a country code.
    pub default_region: Option<String>,
}

fn parse_time(s: &str) -> std::result::Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map(|t| {
            t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
                .unwrap_or(t)
        })
        .map_err(|_| format!("{s:?} is not an RFC 3339 timestamp"))
}

/// The organization an import goes into, as the store sees it before writing.
#[derive(Debug, Clone)]
pub struct ImportTarget {
    /// Where every row goes.
    pub organization_id: Uuid,
    /// The organization's numbers (E.164) already stored.
    pub existing: HashSet<String>,
    /// The organization's agents (an `agent_id` cell may hold an id or a name).
    pub agents: Vec<Agent>,
}

/// One valid row of an import file.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The file's line number (the header is line 1).
    pub line: u64,
    /// The number, with `organization_id` set to the target's.
    pub number: PhoneNumber,
    /// What libphonenumber says about it.
    pub facts: NumberFacts,
}

/// Parses and checks an import file without writing anything; every store's import uses it.
/// Required columns: `phone_number` and `provider`; the other design columns are optional
/// (`organization_id` is ignored: rows go to the target organization). `agent_id` may hold an
/// agent's id or name. Every problem is reported with its line in one [`Error::BadRows`].
pub fn read_csv(
    target: &ImportTarget,
    input: impl Read,
    opts: &ImportOptions,
) -> Result<Vec<ImportRow>> {
    let organization_id = target.organization_id;
    let existing = &target.existing;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| {
            Error::BadRows(vec![RowError {
                line: 1,
                message: format!("unreadable header: {e}"),
            }])
        })?
        .clone();
    let col: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim(), i))
        .collect();
    let mut errors = Vec::new();
    for h in headers.iter() {
        if !COLUMNS.contains(&h.trim()) && h.trim() != "region" {
            errors.push(RowError {
                line: 1,
                message: format!("unknown column {h:?}"),
            });
        }
    }
    for required in ["phone_number", "provider"] {
        if !col.contains_key(required) {
            errors.push(RowError {
                line: 1,
                message: format!("missing column {required:?}"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Error::BadRows(errors));
    }
    let agents: HashMap<String, Uuid> = target
        .agents
        .iter()
        .flat_map(|a| [(a.id.to_string(), a.id), (a.name.clone(), a.id)])
        .collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut rows: Vec<ImportRow> = Vec::new();
    let now = crate::store::now();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError {
                    line,
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |name: &str| {
            col.get(name)
                .and_then(|i| record.get(*i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let row = (|| -> std::result::Result<(PhoneNumber, NumberFacts), String> {
            let provider: Provider = get("provider")
                .unwrap_or("")
                .parse()
                .map_err(|e: Error| e.to_string())?;
            let region = get("region").or(opts.default_region.as_deref());
            let (number, facts) = E164::parse_with_facts(get("phone_number").unwrap_or(""), region)
                .map_err(|e| e.to_string())?;
            if existing.contains(number.as_str()) {
                return Err(format!("{number} already exists in this organization"));
            }
            if let Some(first) = seen.get(number.as_str()) {
                return Err(format!("{number} appears twice (first on line {first})"));
            }
            let status: Status = get("status")
                .map(str::parse)
                .transpose()
                .map_err(|e: Error| e.to_string())?
                .unwrap_or_default();
            let metadata = get("metadata")
                .map(Metadata::from_json)
                .transpose()
                .map_err(|e| e.to_string())?;
            let credentials = match get("credentials") {
                Some(c) => Credentials::from_json(provider, c).map_err(|e| e.to_string())?,
                None => Credentials::none(),
            };
            let agent_id = match get("agent_id") {
                Some(a) => Some(
                    *agents
                        .get(a)
                        .ok_or_else(|| format!("agent {a:?} is not in this organization"))?,
                ),
                None => None,
            };
            let id = match get("id") {
                Some(s) => Uuid::parse_str(s).map_err(|_| format!("id {s:?} is not a UUID"))?,
                None => Uuid::now_v7(),
            };
            let webhook_configured = match get("webhook_configured") {
                None => false,
                Some(v) => match v.to_ascii_lowercase().as_str() {
                    "true" | "t" | "1" | "yes" => true,
                    "false" | "f" | "0" | "no" => false,
                    _ => return Err(format!("webhook_configured {v:?} is not true or false")),
                },
            };
            let created_at = get("created_at")
                .map(parse_time)
                .transpose()?
                .unwrap_or(now);
            let updated_at = get("updated_at")
                .map(parse_time)
                .transpose()?
                .unwrap_or(created_at);
            Ok((
                PhoneNumber {
                    id,
                    organization_id,
                    provider,
                    phone_number: number,
                    friendly_name: clean_friendly_name(get("friendly_name"))
                        .map_err(|e| e.to_string())?,
                    credentials,
                    metadata,
                    agent_id,
                    webhook_configured,
                    webhook_url: get("webhook_url").map(str::to_owned),
                    status,
                    created_at,
                    updated_at,
                    last_verified_at: get("last_verified_at").map(parse_time).transpose()?,
                },
                facts,
            ))
        })();
        match row {
            Ok((number, facts)) => {
                seen.insert(number.phone_number.to_string(), line);
                rows.push(ImportRow {
                    line,
                    number,
                    facts,
                });
            }
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    if !errors.is_empty() {
        return Err(Error::BadRows(errors));
    }
    Ok(rows)
}

/// Reads CSV with a header row into an organization. Required columns: `phone_number` and
/// `provider`; the other design columns are optional (`organization_id` is ignored: rows go to
/// the organization named). `agent_id` may hold an agent's id or name.
pub fn import_csv(
    ws: &mut Workspace,
    organization_id: Uuid,
    input: impl Read,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    let target = ImportTarget {
        organization_id,
        existing: ws.numbers_in(organization_id)?,
        agents: ws.agents(organization_id)?,
    };
    let mut rows: Vec<(PhoneNumber, NumberFacts)> = read_csv(&target, input, opts)?
        .into_iter()
        .map(|r| (r.number, r.facts))
        .collect();
    rows.sort_unstable_by(|a, b| a.0.phone_number.cmp(&b.0.phone_number));
    let mut bulk = ws.bulk_insert(organization_id, rows.len() as u64)?;
    for (n, facts) in &rows {
        bulk.insert_with_facts(n, facts).map_err(|e| match e {
            Error::Duplicate { .. } => Error::BadRows(vec![RowError {
                line: 0,
                message: format!("id {} is already used by another number", n.id),
            }]),
            e => e,
        })?;
    }
    Ok(ImportReport {
        inserted: bulk.finish()?,
    })
}
