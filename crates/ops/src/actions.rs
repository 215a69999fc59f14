//! The manager's actions on organizations, agents and numbers, once for every shell and store.
//!
//! Each takes the open [`Inventory`] and already-parsed input; the shells translate their
//! arguments into these calls and the results into output.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use switchboard_core::domain::{
    E164, Metadata, NewNumber, NumberUpdate, Organization, PhoneNumber, Status,
};
use switchboard_core::query::{MAX_PAGE, NumberFilter, NumberQuery, Sort};
use switchboard_core::store::NumberRef;
use switchboard_core::transfer::{self, Exporter, Format, ImportOptions, ImportReport};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::input::AgentFilter;
use crate::usage::{ByHealth, Judged};
use crate::{
    Between, BulkFailure, BulkReport, Cancel, Chunk, Inventory, NumberCheck, Progress, Written,
    for_each_page,
};

/// Reads an id typed or sent by a shell.
pub fn parse_id(field: &str, id: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| Error::InvalidInput {
        field: field.to_owned(),
        reason: format!("{id:?} is not an id"),
    })
}

/// The organization a command names (slug or id), if it names one.
pub async fn organization_arg(
    inv: &dyn Inventory,
    org: Option<&str>,
) -> Result<Option<Organization>> {
    match org {
        Some(o) => Ok(Some(inv.organization(o).await?)),
        None => Ok(None),
    }
}

/// An agent as a command names it: "none" unassigns, otherwise an id or name in the
/// organization.
pub async fn agent_arg(
    inv: &dyn Inventory,
    organization_id: Uuid,
    value: &str,
) -> Result<Option<Uuid>> {
    match AgentFilter::named(value) {
        AgentFilter::Unassigned => Ok(None),
        AgentFilter::Assigned(agent) => Ok(Some(inv.agent(organization_id, &agent).await?.id)),
    }
}

/// The name of a number's agent, if it has one.
pub async fn agent_name(inv: &dyn Inventory, n: &PhoneNumber) -> Result<Option<String>> {
    match n.agent_id {
        Some(a) => Ok(Some(
            inv.agent(n.organization_id, &a.to_string()).await?.name,
        )),
        None => Ok(None),
    }
}

/// Checks a new number completely, then adds it.
pub async fn add_number(
    inv: &dyn Inventory,
    organization_id: Uuid,
    number: NewNumber,
) -> Result<Written> {
    let valid = number.validate()?;
    inv.add_number(organization_id, valid).await
}

/// Adds a number to the organization a manager names (slug or id), assigned to the agent
/// `agent` names (id or name; "none" leaves it unassigned); returns the organization too.
pub async fn add_to(
    inv: &dyn Inventory,
    org: &str,
    number: NewNumber,
    agent: Option<&str>,
) -> Result<(Organization, Written)> {
    let org = inv.organization(org).await?;
    let agent_id = match agent {
        Some(a) => agent_arg(inv, org.id, a).await?,
        None => None,
    };
    let written = add_number(inv, org.id, NewNumber { agent_id, ..number }).await?;
    Ok((org, written))
}

/// A number as typed, checked (a blank region is no region).
pub fn check_number(number: &str, region: Option<&str>) -> Result<NumberCheck> {
    let region = region.filter(|r| !r.trim().is_empty());
    Ok(E164::parse(number, region)?.into())
}

/// A number a manager names (id or E.164; in the organization `org` names, when given), with
/// its organization.
pub async fn show(
    inv: &dyn Inventory,
    number: &str,
    org: Option<&str>,
) -> Result<(PhoneNumber, Organization)> {
    let org = organization_arg(inv, org).await?;
    let n = inv
        .number(&NumberRef::parse(number)?, org.map(|o| o.id))
        .await?;
    let org = inv.organization(&n.organization_id.to_string()).await?;
    Ok((n, org))
}

/// A change of a number as a manager types it; each field given changes.
#[derive(Debug, Clone, Default)]
pub struct TypedChange {
    /// New display name; blank clears it.
    pub friendly_name: Option<String>,
    /// active, inactive or error.
    pub status: Option<String>,
    /// Agent id or name, or "none" to unassign.
    pub agent: Option<String>,
    /// JSON merge patch for metadata (null removes a key).
    pub metadata: Option<String>,
}

/// Changes the number a manager names (id or E.164; in the organization `org` names, when
/// given) as typed; refuses a change that changes nothing.
pub async fn update_typed(
    inv: &dyn Inventory,
    number: &str,
    org: Option<&str>,
    typed: TypedChange,
) -> Result<Written> {
    let org = organization_arg(inv, org).await?;
    let current = inv
        .number(&NumberRef::parse(number)?, org.map(|o| o.id))
        .await?;
    let change = typed_change(inv, current.organization_id, typed).await?;
    let r = NumberRef::Id(current.id);
    update_number(inv, &r, Some(current.organization_id), &change).await
}

/// A change as typed, checked for numbers of an organization (the agent named in it); refuses
/// a change that changes nothing.
pub async fn typed_change(
    inv: &dyn Inventory,
    organization_id: Uuid,
    typed: TypedChange,
) -> Result<NumberUpdate> {
    let agent_id = match typed.agent {
        Some(a) => Some(agent_arg(inv, organization_id, &a).await?),
        None => None,
    };
    let change = NumberUpdate {
        friendly_name: typed
            .friendly_name
            .map(|n| Some(n).filter(|n| !n.trim().is_empty())),
        status: typed.status.map(|s| s.parse::<Status>()).transpose()?,
        agent_id,
        metadata_patch: typed
            .metadata
            .map(|m| Metadata::patch_from_json(&m))
            .transpose()?,
        ..Default::default()
    };
    if change.is_empty() {
        return Err(Error::InvalidInput {
            field: "update".into(),
            reason: "nothing to change: give --friendly-name, --status, --agent or --metadata"
                .into(),
        });
    }
    Ok(change)
}

/// Changes the number `r` names (in `organization_id`, when given).
pub async fn update_number(
    inv: &dyn Inventory,
    r: &NumberRef,
    organization_id: Option<Uuid>,
    change: &NumberUpdate,
) -> Result<Written> {
    inv.update_number(r, organization_id, change).await
}

/// Removes the number `r` names.
pub async fn remove_number(
    inv: &dyn Inventory,
    r: &NumberRef,
    organization_id: Option<Uuid>,
) -> Result<Written> {
    inv.remove_number(r, organization_id).await
}

/// Removes the number a manager names (id or E.164; in the organization `org` names, when
/// given).
pub async fn remove_typed(inv: &dyn Inventory, number: &str, org: Option<&str>) -> Result<Written> {
    let org = organization_arg(inv, org).await?;
    remove_number(inv, &NumberRef::parse(number)?, org.map(|o| o.id)).await
}

/// Applies the same change to many numbers of an organization (the rows a manager checked),
/// in chunks of [`CHUNK`] numbers through [`Inventory::update_numbers`], as
/// [`update_matching`] changes a selection: a number that fails (an id that is not one, a
/// number not in the organization) is reported with why, in the order given, and the others
/// go on. A chunk the store refuses whole (an agent not of the organization, a store
/// failure) goes number by number instead, each refused as a single edit refuses it, as does
/// an id given again. Reports progress after each chunk, and within a chunk the store changes
/// in parts (the team database: every [`crate::SERVER_PART`] numbers, or every
/// [`PROGRESS_EVERY`] of a part it goes through number by number); stops when `cancel` is
/// raised, between chunks, or between those parts or numbers (those done stay done; the ids
/// not reached are neither changed nor reported).
pub async fn bulk_update(
    inv: &dyn Inventory,
    organization_id: Uuid,
    ids: Vec<String>,
    change: &NumberUpdate,
    cancel: &Cancel,
    mut progress: impl FnMut(Progress) + Send,
) -> BulkReport {
    let total = ids.len() as u64;
    let mut report = BulkReport::default();
    let mut done = 0;
    for texts in ids.chunks(CHUNK) {
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        // Failures by position in the chunk, so the report keeps the order given.
        let mut failed: Vec<(usize, BulkFailure)> = Vec::new();
        let mut keys = Vec::with_capacity(texts.len());
        let mut at: HashMap<Uuid, usize> = HashMap::with_capacity(texts.len());
        let mut again = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            match parse_id("number", text) {
                Ok(key) if at.contains_key(&key) => again.push((i, key)),
                Ok(key) => {
                    at.insert(key, i);
                    keys.push((i, key));
                }
                Err(error) => failed.push((
                    i,
                    BulkFailure {
                        id: text.clone(),
                        error,
                    },
                )),
            }
        }
        let chunk = Chunk {
            organization_id,
            ids: &keys.iter().map(|(_, key)| *key).collect::<Vec<_>>(),
            keys: None,
            change,
        };
        let (changed, mut stopped) =
            update_chunk(inv, chunk, cancel, &mut progress, (done, total)).await;
        match changed {
            Ok(changed) => {
                report.updated += changed.updated;
                report.queued += changed.queued;
                for (key, error) in changed.failed {
                    let i = at.get(&key).copied().unwrap_or(texts.len());
                    let id = texts.get(i).cloned().unwrap_or_else(|| key.to_string());
                    failed.push((i, BulkFailure { id, error }));
                }
            }
            Err(_) => again.extend(keys.iter().copied()),
        }
        // Stopped within the chunk: only what comes before the first id not reached.
        let reached = stopped.map_or(texts.len(), |n| {
            keys.get(n as usize).map_or(texts.len(), |(i, _)| *i)
        });
        again.retain(|(i, _)| *i < reached);
        failed.retain(|(i, _)| *i < reached);
        again.sort_by_key(|(i, _)| *i);
        for (i, key) in again {
            if cancel.is_cancelled() {
                stopped = Some(0);
                failed.retain(|(f, _)| *f < i);
                break;
            }
            let edited = inv
                .update_number(&NumberRef::Id(key), Some(organization_id), change)
                .await;
            match edited {
                Ok(w) => {
                    report.updated += 1;
                    report.queued += u64::from(w.queued);
                }
                Err(error) => failed.push((
                    i,
                    BulkFailure {
                        id: texts[i].clone(),
                        error,
                    },
                )),
            }
        }
        failed.sort_by_key(|(i, _)| *i);
        report.failed.extend(failed.into_iter().map(|(_, f)| f));
        if stopped.is_some() {
            report.cancelled = true;
            break;
        }
        done += texts.len() as u64;
        progress(Progress { done, total });
    }
    report
}

/// How many numbers one transaction of a bulk change holds: large, because each commit
/// writes the pages the chunk touched again (the `updated_at` and status indexes' pages are
/// shared by every chunk), small enough that progress and cancel come a few times a second.
pub const CHUNK: usize = 25_000;

/// How often a bulk change reports progress within a chunk the store changes in parts (the
/// team database, [`crate::SERVER_PART`] numbers a transaction, or one network edit each for
/// a part the server refused whole): at most every this many numbers.
pub const PROGRESS_EVERY: u64 = 25;

/// One chunk through [`Inventory::update_numbers`], reporting progress when the store asks
/// between parts of the chunk, every [`PROGRESS_EVERY`] numbers at most (`done` of `total`
/// before it), and stopping it there when `cancel` is raised; with what it did, how many
/// numbers of the chunk were reached when it was stopped (`None`: not stopped).
async fn update_chunk(
    inv: &dyn Inventory,
    chunk: Chunk<'_>,
    cancel: &Cancel,
    progress: &mut (impl FnMut(Progress) + Send),
    (done, total): (u64, u64),
) -> (Result<switchboard_core::store::ManyUpdated>, Option<u64>) {
    let mut stopped = None;
    let between: &mut Between<'_> = &mut |n| {
        if n > 0 && n % PROGRESS_EVERY == 0 {
            progress(Progress {
                done: done + n,
                total,
            });
        }
        if cancel.is_cancelled() {
            stopped = Some(n);
            return false;
        }
        true
    };
    let changed = inv.update_numbers(chunk, between).await;
    (changed, stopped)
}

/// Applies one change to every number a filter matches (its search included: the whole
/// selection, not a loaded page), in chunks of [`CHUNK`] numbers, each chunk one transaction
/// of the store ([`Inventory::update_numbers`]). The selection is read first, so a number
/// the change makes stop matching is still changed once, and one that starts matching is
/// not. Each number is checked as a single edit checks it: one that fails is reported with
/// why, the others go on. Reports progress after each chunk, and between the parts of a
/// chunk the team database changes ([`crate::SERVER_PART`] numbers each); stops when
/// `cancel` is raised, between chunks, or between those parts (those done stay done).
/// An agent not of the organization refuses the change before anything is changed; a store
/// failure stops it (the chunks done stay done) with that error.
pub async fn update_matching(
    inv: &dyn Inventory,
    filter: &NumberFilter,
    change: &NumberUpdate,
    cancel: &Cancel,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<BulkReport> {
    if change.is_empty() {
        return Err(switchboard_core::store::nothing_to_change());
    }
    let organization_id = filter.organization_id;
    if let Some(Some(agent)) = change.agent_id {
        inv.agent(organization_id, &agent.to_string()).await?;
    }
    let selection = inv.select_numbers(filter).await?;
    let total = selection.ids.len() as u64;
    let mut report = BulkReport::default();
    let mut done = 0;
    progress(Progress { done, total });
    for (i, chunk) in selection.ids.chunks(CHUNK).enumerate() {
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let start = i * CHUNK;
        let ids = Chunk {
            organization_id,
            ids: chunk,
            keys: (selection.keys.as_deref()).and_then(|k| k.get(start..start + chunk.len())),
            change,
        };
        let (changed, stopped) = update_chunk(inv, ids, cancel, &mut progress, (done, total)).await;
        let changed = changed?;
        report.updated += changed.updated;
        report.queued += changed.queued;
        report
            .failed
            .extend(changed.failed.into_iter().map(|(id, error)| BulkFailure {
                id: id.to_string(),
                error,
            }));
        if stopped.is_some() {
            report.cancelled = true;
            break;
        }
        done += chunk.len() as u64;
        progress(Progress { done, total });
    }
    Ok(report)
}

/// A change as typed ([`typed_change`]) applied to every number a filter matches
/// ([`update_matching`]).
pub async fn update_where(
    inv: &dyn Inventory,
    filter: &NumberFilter,
    typed: TypedChange,
    cancel: &Cancel,
    progress: impl FnMut(Progress) + Send,
) -> Result<BulkReport> {
    let change = typed_change(inv, filter.organization_id, typed).await?;
    update_matching(inv, filter, &change, cancel, progress).await
}

/// What [`update_where`] would do, without doing it: the change is checked as typed, and the
/// numbers that match now are counted.
pub async fn update_where_dry_run(
    inv: &dyn Inventory,
    filter: &NumberFilter,
    typed: TypedChange,
) -> Result<u64> {
    typed_change(inv, filter.organization_id, typed).await?;
    inv.count_numbers(filter).await
}

/// Writes every number of an organization as CSV or JSON (core's exporter: every column, the
/// same escaping on every store); returns how many.
pub async fn export(
    inv: &dyn Inventory,
    organization_id: Uuid,
    format: Format,
    out: impl Write + Send,
) -> Result<u64> {
    let mut exporter = Exporter::new(format, out)?;
    inv.for_each_number(organization_id, &mut |n| exporter.write(n))
        .await?;
    exporter.finish()
}

/// Writes the numbers `query` matches — what the numbers table shows: its search, filters
/// and order, every page of it, not only the rows loaded — as CSV or JSON (the columns and
/// escaping of [`export`]) to the file `path`; returns how many. The query's page size and
/// cursor are ignored: the export reads from the first row to the last, a page at a time.
/// Under the table's Health filter (`health`), only the numbers in that state, judged as the
/// table judges them ([`crate::usage::numbers_page_by_health`]; the health read once). The
/// file is written beside `path` under another name and takes its place only when whole: a
/// failed export leaves a file already at `path` as it was.
pub async fn export_matching_to(
    inv: &dyn Inventory,
    query: &NumberQuery,
    health: Option<ByHealth<'_>>,
    format: Format,
    path: &Path,
) -> Result<u64> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let written =
        async { export_matching(inv, query, health, format, create(&partial)?).await }.await;
    let done = written.and_then(|count| {
        std::fs::rename(&partial, path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(count)
    });
    if done.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    done
}

/// Writes the numbers `query` matches, as [`export_matching_to`] chooses them, to `out`;
/// returns how many. The whole organization in E.164 order (no filter, the default order, no
/// Health filter) is streamed as [`export`] streams it; any other query is read page by page.
pub async fn export_matching(
    inv: &dyn Inventory,
    query: &NumberQuery,
    health: Option<ByHealth<'_>>,
    format: Format,
    out: impl Write + Send,
) -> Result<u64> {
    let organization_id = query.filter.organization_id;
    let whole = query.filter == NumberFilter::org(organization_id) && query.sort == Sort::default();
    if whole && health.is_none() {
        return export(inv, organization_id, format, out).await;
    }
    let judged = match health {
        Some(by) => Some(Judged::read(inv, organization_id, by).await?),
        None => None,
    };
    let mut exporter = Exporter::new(format, out)?;
    let page = NumberQuery {
        limit: MAX_PAGE,
        after: None,
        ..query.clone()
    };
    for_each_page(inv, &page, |items| {
        match &judged {
            None => items.iter().try_for_each(|n| exporter.write(n))?,
            Some(judged) => judged
                .keep(items)
                .try_for_each(|(n, _)| exporter.write(&n))?,
        }
        Ok(true)
    })
    .await?;
    exporter.finish()
}

/// [`export_matching_to`] the file `path`, or [`export_matching`] to standard output.
pub async fn export_matching_out(
    inv: &dyn Inventory,
    query: &NumberQuery,
    health: Option<ByHealth<'_>>,
    format: Format,
    path: Option<&Path>,
) -> Result<u64> {
    match path {
        Some(p) => export_matching_to(inv, query, health, format, p).await,
        None => export_matching(inv, query, health, format, std::io::stdout()).await,
    }
}

/// The file `path`, created (or emptied) for writing, buffered.
fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>> {
    let file = std::fs::File::create(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(std::io::BufWriter::new(file))
}

/// Imports a CSV file (checked for size first) into an organization: every row is checked
/// against the organization as the store sees it, and the file goes in whole, or, when any
/// row is bad, nothing does and every bad row is reported with its line and why.
pub async fn import_file(
    inv: &dyn Inventory,
    organization_id: Uuid,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    let input = transfer::open_import_file(path, &opts.limits)?;
    import_csv(inv, organization_id, input, opts).await
}

/// Imports CSV from `input` into an organization (see [`import_file`]).
pub async fn import_csv(
    inv: &dyn Inventory,
    organization_id: Uuid,
    input: impl Read,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    let target = inv.import_target(organization_id).await?;
    let rows = transfer::read_csv(&target, input, opts)?;
    inv.import_rows(organization_id, rows).await
}
