//! Export and import of an organization's numbers as CSV or JSON.
//!
//! Export writes the design's columns by name. Import is all or nothing: every row is
//! validated first, every problem is reported with its line number, and only a file with no
//! problems is written, in one transaction.
//!
//! A CSV file is made to be opened in a spreadsheet, and a spreadsheet runs a cell that starts
//! with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(…)`, `=WEBSERVICE(…)` can send data
//! away). Export therefore neutralizes such text cells ([`escape_cell`]) and import reverses it
//! exactly ([`unescape_cell`]), so export → import stays lossless. Import also reads the phone
//! numbers a spreadsheet saved without their `+` ([`read_phone_number`]), and refuses a file
//! over [`MAX_IMPORT_BYTES`] or [`MAX_IMPORT_ROWS`] as soon as it gets there, before it is read
//! whole.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::rc::Rc;

use uuid::Uuid;

use crate::domain::{
    Agent, Credentials, E164, Metadata, NumberFacts, PHONE_NUMBER_COLUMNS, PhoneNumber, Provider,
    Status, check_webhook_url, clean_friendly_name, parse_region,
};
use crate::error::{Error, Result, RowError};
use crate::store::Workspace;

/// The design's columns, in its order: the CSV header of an export
/// ([`PHONE_NUMBER_COLUMNS`]).
pub const COLUMNS: [&str; PHONE_NUMBER_COLUMNS.len()] = PHONE_NUMBER_COLUMNS;

/// Export formats (`"csv"`, `"json"` over IPC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
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

/// The characters that make a spreadsheet read a cell as a formula when it starts with one
/// (OWASP's list for CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What [`escape_cell`] puts in front of a cell.
const ESCAPE: char = '\'';

/// A text cell as a CSV export writes it. A cell that starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return, or with `'` itself, gets one `'` in front: `=HYPERLINK("…")` is written
/// `'=HYPERLINK("…")`, and `'quoted` is written `''quoted`. Spreadsheets show such a cell as
/// text instead of running it. Every other cell is written as it is. [`unescape_cell`] reverses
/// it exactly. (The `phone_number` column is not escaped: it is always `+` and digits, which a
/// spreadsheet reads as a number, never as something to run.)
pub fn escape_cell(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if c == ESCAPE || FORMULA_STARTS.contains(&c) => {
            Cow::Owned(format!("{ESCAPE}{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A text cell as a CSV import reads it: one leading `'` is removed when the character after
/// it is one [`escape_cell`] escapes (`=`, `+`, `-`, `@`, tab, carriage return or `'`); any
/// other cell is read as it is, so a hand-made file's `'quoted'` keeps its quote.
pub fn unescape_cell(cell: &str) -> &str {
    match cell.strip_prefix(ESCAPE) {
        Some(rest)
            if rest
                .chars()
                .next()
                .is_some_and(|c| c == ESCAPE || FORMULA_STARTS.contains(&c)) =>
        {
            rest
        }
        _ => cell,
    }
}

/// Writes numbers one at a time in an export format: the local store's export and the team
/// database's (in the CLI) both use it, so both escape the same cells.
pub struct Exporter<W: Write> {
    sink: Sink<W>,
    written: u64,
}

enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(std::io::BufWriter<W>),
}

impl<W: Write> std::fmt::Debug for Exporter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let format = match self.sink {
            Sink::Csv(_) => Format::Csv,
            Sink::Json(_) => Format::Json,
        };
        f.debug_struct("Exporter")
            .field("format", &format)
            .field("written", &self.written)
            .finish()
    }
}

impl<W: Write> Exporter<W> {
    /// Starts an export: writes the CSV header, or the JSON array's opening bracket.
    pub fn new(format: Format, out: W) -> Result<Self> {
        let sink = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(COLUMNS).map_err(io_err)?;
                Sink::Csv(Box::new(w))
            }
            Format::Json => {
                let mut out = std::io::BufWriter::new(out);
                out.write_all(b"[").map_err(io_err)?;
                Sink::Json(out)
            }
        };
        Ok(Exporter { sink, written: 0 })
    }

    /// Writes one number.
    pub fn write(&mut self, n: &PhoneNumber) -> Result<()> {
        match &mut self.sink {
            Sink::Csv(w) => {
                let record = csv_record(n);
                let cells: Vec<Cow<'_, str>> = COLUMNS
                    .iter()
                    .zip(&record)
                    .map(|(column, cell)| {
                        if *column == "phone_number" {
                            Cow::Borrowed(cell.as_str())
                        } else {
                            escape_cell(cell)
                        }
                    })
                    .collect();
                w.write_record(cells.iter().map(|c| c.as_bytes()))
                    .map_err(io_err)?;
            }
            Sink::Json(out) => {
                if self.written > 0 {
                    out.write_all(b",").map_err(io_err)?;
                }
                out.write_all(b"\n  ").map_err(io_err)?;
                serde_json::to_writer(&mut *out, n).map_err(io_err)?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Ends the export and flushes it; returns how many numbers were written.
    pub fn finish(self) -> Result<u64> {
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(io_err)?,
            Sink::Json(mut out) => {
                out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })
                    .map_err(io_err)?;
                out.flush().map_err(io_err)?;
            }
        }
        Ok(self.written)
    }
}

/// A number's cells in [`COLUMNS`] order, before escaping.
fn csv_record(n: &PhoneNumber) -> [String; COLUMNS.len()] {
    [
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
    ]
}

/// Writes every number of an organization to `out`; returns how many.
pub fn export(
    ws: &Workspace,
    organization_id: Uuid,
    format: Format,
    out: impl Write,
) -> Result<u64> {
    let mut exporter = Exporter::new(format, out)?;
    ws.for_each_number(organization_id, |n| exporter.write(n))?;
    exporter.finish()
}

/// The outcome of a successful import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows inserted.
    pub inserted: u64,
}

/// The largest import file, in bytes (500 MB: about a million exported numbers).
pub const MAX_IMPORT_BYTES: u64 = 500_000_000;

/// The most rows one import takes (the largest organization the app is built for).
pub const MAX_IMPORT_ROWS: u64 = 1_000_000;

/// How much one import may read; [`ImportLimits::default`] is [`MAX_IMPORT_BYTES`] and
/// [`MAX_IMPORT_ROWS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Bytes of the file.
    pub max_bytes: u64,
    /// Rows after the header.
    pub max_rows: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_bytes: MAX_IMPORT_BYTES,
            max_rows: MAX_IMPORT_ROWS,
        }
    }
}

/// Options for reading an import file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Region for numbers written without a country code.
    pub default_region: Option<String>,
    /// The file's size and row limits.
    pub limits: ImportLimits,
}

fn megabytes(bytes: u64) -> String {
    format!("{} MB", bytes.div_ceil(1_000_000))
}

fn import_file_error(reason: String) -> Error {
    Error::invalid("import file", reason)
}

/// Opens an import file, refusing one larger than `limits` allow before reading any of it
/// ("import.csv is 612 MB; the limit is 500 MB — split the file").
pub fn open_import_file(path: &Path, limits: &ImportLimits) -> Result<BufReader<File>> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len > limits.max_bytes {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        return Err(import_file_error(format!(
            "{name} is {}; the limit is {} — split the file",
            megabytes(len),
            megabytes(limits.max_bytes)
        )));
    }
    Ok(BufReader::new(file))
}

/// A reader that fails once more than `left` bytes were read, so that an import given a
/// stream (or a file that grew) stops at the limit instead of reading it all into memory.
struct Capped<R> {
    inner: R,
    left: u64,
    hit: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            self.hit.set(true);
            return Err(std::io::Error::other(
                "the import file is over the size limit",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads an import file's `phone_number` cell: what [`E164::parse`] reads, and what a
/// spreadsheet makes of an exported `+14155550100` when its column was not formatted as text.
/// - Digits alone (`14155550100`: the `+` dropped) are the international number
///   `+14155550100` when that is a valid number. With a region (the row's `region` cell or the
///   default region) the digits may also be a national number of that region: when both
///   readings are valid numbers and differ, the row is refused, naming both, rather than
///   guessing; when only one is valid, it is taken. Digits starting with `0` are read as
///   before (a trunk prefix, or `00` for `+`).
/// - Scientific notation (`1.41555501E+10`) is refused: the spreadsheet may have dropped
///   digits, so the number cannot be trusted.
pub fn read_phone_number(
    cell: &str,
    region: Option<&str>,
) -> std::result::Result<(E164, NumberFacts), String> {
    let cell = cell.trim();
    if is_scientific(cell) {
        return Err(format!(
            "{cell:?} is a number in scientific notation: a spreadsheet converted the phone \
             number and may have dropped digits; format the phone_number column as text, type \
             the numbers again with their + and country code, and save the file again"
        ));
    }
    let digits_only = !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || cell.starts_with('0') {
        return E164::parse_with_facts(cell, region).map_err(|e| e.to_string());
    }
    if let Some(r) = region {
        parse_region(r).map_err(|e| e.to_string())?;
    }
    let international = E164::parse_with_facts(&format!("+{cell}"), None).ok();
    let national = region.map(|r| E164::parse_with_facts(cell, Some(r)));
    match (international, national) {
        (Some(i), Some(Ok(n))) if i.0 != n.0 => Err(format!(
            "{cell:?} has no + and reads two ways: {} with its country code, or {} as a \
             national number of {}; write the one you mean with its + (a spreadsheet drops the \
             + unless the column is formatted as text)",
            i.0,
            n.0,
            region.unwrap_or_default().trim().to_ascii_uppercase()
        )),
        (Some(i), _) => Ok(i),
        (None, Some(national)) => national.map_err(|e| e.to_string()),
        (None, None) => Err(format!(
            "{cell:?} has no + and is not a valid number with its country code either; write \
             it with + and its country code (a spreadsheet drops the + unless the column is \
             formatted as text), or give a region for national numbers"
        )),
    }
}

/// `1.4155550123E+10`, `1,4155550123e10`: a number a spreadsheet wrote in scientific notation.
fn is_scientific(cell: &str) -> bool {
    let Some((mantissa, exponent)) = cell.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    mantissa.starts_with(|c: char| c.is_ascii_digit())
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
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
/// agent's id or name. Cells are read through [`unescape_cell`], phone numbers through
/// [`read_phone_number`], and `webhook_url` must pass [`check_webhook_url`]. Every problem is
/// reported with its line in one [`Error::BadRows`]; a file over `opts.limits` is refused as
/// soon as the limit is passed.
pub fn read_csv(
    target: &ImportTarget,
    input: impl Read,
    opts: &ImportOptions,
) -> Result<Vec<ImportRow>> {
    let organization_id = target.organization_id;
    let existing = &target.existing;
    let limits = opts.limits;
    let too_big = Rc::new(Cell::new(false));
    let input = Capped {
        inner: input,
        left: limits.max_bytes,
        hit: Rc::clone(&too_big),
    };
    let over_size = || {
        import_file_error(format!(
            "the file is larger than the limit of {} — split the file",
            megabytes(limits.max_bytes)
        ))
    };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) if too_big.get() => return Err(over_size()),
        Err(e) => {
            return Err(Error::BadRows(vec![RowError {
                line: 1,
                message: format!("unreadable header: {e}"),
            }]));
        }
    };
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
    for (index, record) in reader.records().enumerate() {
        if index as u64 >= limits.max_rows {
            return Err(import_file_error(format!(
                "it has more than {} rows; the limit is {} rows per import — split the file",
                limits.max_rows, limits.max_rows
            )));
        }
        let record = match record {
            Ok(r) => r,
            Err(_) if too_big.get() => return Err(over_size()),
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
                .map(|cell| unescape_cell(cell.trim()))
                .filter(|s| !s.is_empty())
        };
        let row = (|| -> std::result::Result<(PhoneNumber, NumberFacts), String> {
            let provider: Provider = get("provider")
                .unwrap_or("")
                .parse()
                .map_err(|e: Error| e.to_string())?;
            let region = get("region").or(opts.default_region.as_deref());
            let (number, facts) = read_phone_number(get("phone_number").unwrap_or(""), region)?;
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
                    webhook_url: get("webhook_url")
                        .map(|u| check_webhook_url("webhook_url", u))
                        .transpose()
                        .map_err(|e| e.to_string())?,
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
    let rows = read_csv(&import_target(ws, organization_id)?, input, opts)?;
    import_rows(ws, organization_id, rows)
}

/// What an import into `organization_id` of the local store is checked against.
pub fn import_target(ws: &Workspace, organization_id: Uuid) -> Result<ImportTarget> {
    Ok(ImportTarget {
        organization_id,
        existing: ws.numbers_in(organization_id)?,
        agents: ws.agents(organization_id)?,
    })
}

/// Inserts rows [`read_csv`] checked into an organization, in one transaction (all or
/// nothing).
pub fn import_rows(
    ws: &mut Workspace,
    organization_id: Uuid,
    rows: Vec<ImportRow>,
) -> Result<ImportReport> {
    let mut rows: Vec<(PhoneNumber, NumberFacts)> =
        rows.into_iter().map(|r| (r.number, r.facts)).collect();
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
