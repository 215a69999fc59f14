//! Every manager action, defined once for the CLI and the desktop app, over one interface to
//! the inventory.
//!
//! # Shape
//!
//! - [`Inventory`] is the one interface to a store of organizations, agents and numbers: an
//!   async trait (object-safe, `Send + Sync`) with the reads (`organizations`, `organization`,
//!   `agents`, `agent`, `list_numbers`, `count_numbers`, `select_numbers`, `number`,
//!   `for_each_number`, `import_target`) and the writes (`add_organization`, `add_agent`,
//!   `rename_agent`, `remove_agent`, `add_number`, `update_number`, `update_numbers`,
//!   `remove_number`, `restore_number`, `import_rows`). A number edit returns a [`Written`]:
//!   the row, and whether it was queued for the next sync instead of written to its store.
//! - Three implementations: [`LocalInventory`] (a workspace file: the local workspace, or a
//!   team workspace's cache, on Tokio's blocking pool, with a second connection for counts),
//!   `RemoteWorkspace` (the team database, direct), and [`TeamInventory`] (the cached team
//!   workspace: the server when reachable, the cache and its outbox when not).
//! - [`open`] decides, once, where reads and edits go ([`Target`]): a shell never branches on
//!   the kind of store.
//! - [`actions`] holds the manager actions over `&dyn Inventory` (add, update, bulk update,
//!   remove, export, import a file), with the shared result, progress and cancellation types
//!   ([`BulkReport`], [`Progress`], [`Cancel`]).
//! - [`usage`] holds the store of call and message records ([`usage::UsageStore`], reached
//!   through [`Inventory::usage`]) and the usage actions (sync, report, health);
//!   [`usage_csv`] writes a report as CSV for both shells.
//! - [`providers`] holds what the provider actions record (an import's writes, verification
//!   and webhook updates), over the same `&dyn Inventory`.
//!
//! # Team edit policy
//!
//! When a team workspace is opened and the server answers, edits go to the server directly;
//! with a cache open, the row the server returns is written into the cache at once (so views
//! reading the cache update without waiting for a sync). When the server cannot be reached,
//! number edits go into the cache and its outbox, sent by the next sync. A direct edit that
//! finds the server gone switches the workspace to offline and queues that same edit, so no
//! edit is lost. Adding an organization, an agent, or importing a file needs the server.

pub mod input;
mod local;
mod open;
mod team;
mod types;

pub mod account_form;
pub mod actions;
pub mod admin;
pub mod agents;
pub mod alerts;
pub mod app_settings;
pub mod numbers_at_provider;
pub mod profiles;
pub mod providers;
pub mod purchase;
pub mod readiness;
pub mod startup;
pub mod sync;
pub mod tasks;
pub mod undo;
pub mod usage;
pub mod usage_csv;
pub mod vault;
pub mod views;
pub mod webhooks;
pub mod workspace;

use std::fmt::Debug;

use async_trait::async_trait;
use switchboard_core::Result;
use switchboard_core::domain::{
    Agent, NumberUpdate, Organization, PhoneNumber, Provider, ValidNumber,
};
use switchboard_core::query::{Cursor, MAX_PAGE, NumberFilter, NumberQuery, Page, Sort};
use switchboard_core::store::{ManyUpdated, NumberRef, Selection, nothing_to_change};
use switchboard_core::transfer::{ImportReport, ImportRow, ImportTarget};
use uuid::Uuid;

/// Locks `m`, carrying on past a poisoned lock: that only means another call panicked
/// mid-way, and what these mutexes guard (SQLite connections, whose transactions keep the
/// data consistent; registries of tokens, previews and listeners) stays usable.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub use local::LocalInventory;
pub use open::{Reads, Target, open, open_cached};
pub use switchboard_sync::CancelToken as Cancel;
pub use team::{SERVER_PART, TeamInventory};
pub use types::{
    Between, BulkFailure, BulkReport, Chunk, NumberCheck, NumberView, PageView, Progress, Written,
    rfc3339,
};

/// A number edit, to apply to a store or to queue.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    Add(Uuid, ValidNumber),
    Update(NumberRef, Option<Uuid>, NumberUpdate),
    Remove(NumberRef, Option<Uuid>),
    /// A removed number put back as it was (an undo).
    Restore(PhoneNumber),
}

impl Edit {
    /// Runs the edit on the team database.
    pub(crate) async fn on_server(
        &self,
        remote: &switchboard_postgres::RemoteWorkspace,
    ) -> Result<PhoneNumber> {
        match self {
            Edit::Add(org, n) => remote.add_number(*org, n.clone()).await,
            Edit::Update(r, org, change) => remote.update_number(r, *org, change).await,
            Edit::Remove(r, org) => remote.remove_number(r, *org).await,
            Edit::Restore(n) => remote.restore_number(n).await,
        }
    }
}

/// [`Inventory::update_numbers`] one [`Inventory::update_number`] per number, asking
/// `between` before each (progress, and whether to go on).
pub(crate) async fn update_each(
    inv: &(impl Inventory + ?Sized),
    Chunk {
        organization_id,
        ids,
        change,
        ..
    }: Chunk<'_>,
    between: &mut Between<'_>,
) -> Result<ManyUpdated> {
    if change.is_empty() {
        return Err(nothing_to_change());
    }
    let mut done = ManyUpdated::default();
    for (n, id) in (0u64..).zip(ids) {
        if !between(n) {
            break;
        }
        match inv
            .update_number(&NumberRef::Id(*id), Some(organization_id), change)
            .await
        {
            Ok(w) => {
                done.updated += 1;
                done.queued += u64::from(w.queued);
            }
            Err(e) => done.failed.push((*id, e)),
        }
    }
    Ok(done)
}

/// Reads the pages of `query` from its cursor ([`Inventory::list_numbers`]), handing each
/// page's numbers to `f`, until `f` returns `false` or the last page is read; returns the
/// cursor after the last page read (`None` when it was the last).
pub(crate) async fn for_each_page(
    inv: &(impl Inventory + ?Sized),
    query: &NumberQuery,
    mut f: impl FnMut(Vec<PhoneNumber>) -> Result<bool> + Send,
) -> Result<Option<Cursor>> {
    let mut query = query.clone();
    loop {
        let Page { items, next } = inv.list_numbers(&query).await?;
        let go_on = f(items)?;
        match next {
            Some(cursor) if go_on => query.after = Some(cursor),
            next => return Ok(next),
        }
    }
}

/// A callback over numbers (an export's writer).
pub type EachNumber<'a> = dyn FnMut(&PhoneNumber) -> Result<()> + Send + 'a;

/// The one interface to an inventory of organizations, agents and numbers.
#[async_trait]
pub trait Inventory: Debug + Send + Sync {
    /// Every organization.
    async fn organizations(&self) -> Result<Vec<Organization>>;
    /// An organization by slug or id.
    async fn organization(&self, slug_or_id: &str) -> Result<Organization>;
    /// Creates an organization.
    async fn add_organization(&self, slug: &str, name: &str) -> Result<Organization>;
    /// An organization's agents.
    async fn agents(&self, organization_id: Uuid) -> Result<Vec<Agent>>;
    /// An agent of an organization by id or name.
    async fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent>;
    /// Creates an agent.
    async fn add_agent(&self, organization_id: Uuid, name: &str) -> Result<Agent>;
    /// Renames an agent of an organization (names stay unique within it).
    async fn rename_agent(&self, organization_id: Uuid, id: Uuid, name: &str) -> Result<Agent>;
    /// Removes an agent of an organization; its numbers stay, unassigned. Returns the agent
    /// as it was and how many numbers it left unassigned.
    async fn remove_agent(&self, organization_id: Uuid, id: Uuid) -> Result<(Agent, u64)>;
    /// One page of numbers.
    async fn list_numbers(&self, query: &NumberQuery) -> Result<Page>;
    /// How many numbers a filter matches.
    async fn count_numbers(&self, filter: &NumberFilter) -> Result<u64>;
    /// [`Inventory::count_numbers`] that `cancel` stops: `Ok(None)` when it did. A shell's
    /// count that a newer query has made useless (the numbers table's, while the manager types
    /// on) stops at once on a workspace file, mid-scan, so it takes no core from the next
    /// page; on the team database it is not sent when already cancelled (the server counts
    /// with its own cores).
    async fn count_numbers_until(
        &self,
        filter: &NumberFilter,
        cancel: &Cancel,
    ) -> Result<Option<u64>> {
        if cancel.is_cancelled() {
            return Ok(None);
        }
        self.count_numbers(filter).await.map(Some)
    }
    /// One number.
    async fn number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<PhoneNumber>;
    /// Adds a number.
    async fn add_number(&self, organization_id: Uuid, number: ValidNumber) -> Result<Written>;
    /// Changes a number.
    async fn update_number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<Written>;
    /// Removes a number; returns it as it was.
    async fn remove_number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<Written>;
    /// Puts a removed number back as it was (same id, organization and columns; `updated_at`
    /// stamped now): an undo, see [`undo`]. Refused like an add when the number is taken.
    async fn restore_number(&self, number: &PhoneNumber) -> Result<Written>;
    /// Every number a filter matches (its search included), by id, in E.164 order: the
    /// selection a bulk change applies to ([`actions::update_matching`]), with the row keys
    /// of a workspace file. By default, read page by page with [`Inventory::list_numbers`].
    async fn select_numbers(&self, filter: &NumberFilter) -> Result<Selection> {
        let query = NumberQuery::first(filter.clone(), Sort::default(), MAX_PAGE)?;
        let mut ids = Vec::new();
        for_each_page(self, &query, |items| {
            ids.extend(items.iter().map(|n| n.id));
            Ok(true)
        })
        .await?;
        Ok(Selection { ids, keys: None })
    }
    /// Applies one change to the numbers of an organization with these ids (a chunk of a
    /// selection), each checked as [`Inventory::update_number`] checks it: a number that
    /// cannot be changed is reported with why, the others are changed. By default, one
    /// [`Inventory::update_number`] per number, `between` asked before each (progress, and
    /// whether to go on); the workspace file (and a team workspace's cache offline) does a
    /// chunk in one transaction, without asking; the team database in transactions of
    /// [`SERVER_PART`] numbers (`team::update_on_server`), asking before each.
    async fn update_numbers(
        &self,
        chunk: Chunk<'_>,
        between: &mut Between<'_>,
    ) -> Result<ManyUpdated> {
        update_each(self, chunk, between).await
    }
    /// Calls `f` with every number of an organization, in E.164 order; returns how many.
    async fn for_each_number(&self, organization_id: Uuid, f: &mut EachNumber<'_>) -> Result<u64>;
    /// What an import into an organization is checked against (its numbers and agents).
    async fn import_target(&self, organization_id: Uuid) -> Result<ImportTarget>;
    /// Inserts checked rows into an organization: all of them, or none.
    async fn import_rows(
        &self,
        organization_id: Uuid,
        rows: Vec<ImportRow>,
    ) -> Result<ImportReport>;
    /// How many numbers, in every organization this store shows, reference a provider
    /// account (whether its secret on this device is still needed).
    async fn account_users(&self, provider: Provider, account_id: &str) -> Result<u64> {
        let mut total = 0;
        for org in self.organizations().await? {
            self.for_each_number(org.id, &mut |n| {
                if n.provider == provider && n.credentials.account_id(provider) == Some(account_id)
                {
                    total += 1;
                }
                Ok(())
            })
            .await?;
        }
        Ok(total)
    }
    /// The workspace file behind this inventory, when there is one: the local workspace, or a
    /// team workspace's open cache (sync state, outbox, conflicts and added accounts live
    /// there).
    fn file(&self) -> Option<LocalInventory>;
    /// The workspace file that lists the accounts added on this device, made when missing (a
    /// team workspace's cache before its first sync); an error for a store without one.
    fn account_list(&self) -> Result<LocalInventory> {
        self.file().ok_or_else(|| {
            switchboard_core::Error::NotAllowed(
                "this store keeps no list of the accounts added on this device".into(),
            )
        })
    }
    /// Lines to show the manager about the store (connection warnings, rows a read left out);
    /// each is returned once.
    fn take_notices(&self) -> Vec<String> {
        Vec::new()
    }
    /// Releases the store's connections.
    async fn close(&self) {}
    /// The store of this inventory's call and message records ([`usage::UsageStore`]): the
    /// same file or database, the same organizations.
    fn usage(&self) -> Result<&dyn usage::UsageStore>;
}
