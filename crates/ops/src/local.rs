//! A workspace file as an [`Inventory`]: the local workspace, or a team workspace's cache.
//!
//! rusqlite blocks, so every call runs on Tokio's blocking pool (`spawn_blocking`), never on
//! the async runtime. Three connections to the one file: `primary` serves every write and the
//! other reads; `pages` serves the numbers' pages and their health, so a write waiting for another
//! connection's write lock (a large usage pull's, up to the busy timeout) never stalls the
//! table; `counter` answers the exact counts, so a count (tens of milliseconds at a million
//! numbers) never delays the next page while a manager types. SQLite's WAL lets them read
//! while a write is under way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::lock;

use async_trait::async_trait;
use switchboard_core::domain::{
    Agent, E164, NumberUpdate, Organization, PhoneNumber, Provider, ValidNumber,
};
use switchboard_core::query::{NumberFilter, NumberQuery, Page};
use switchboard_core::store::{ManyUpdated, NumberRef, Selection, Workspace};
use switchboard_core::transfer::{self, ImportReport, ImportRow, ImportTarget};
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::usage::{LargePull, UsageStore};
use crate::{Between, Cancel, Chunk, EachNumber, Edit, Inventory, Written};
use switchboard_core::usage::{
    CallRecord, DayRange, GroupBy, Kept, MessageRecord, NumberDayRows, NumberDays, RecordKind,
    UsageAccount, UsageCursor, UsageRow,
};
use time::OffsetDateTime;

/// Numbers sent at a time from the blocking pool to an export's writer.
const STREAM_BATCH: usize = 1024;

/// A workspace file: three connections, used from the blocking pool.
#[derive(Debug, Clone)]
pub struct LocalInventory {
    path: PathBuf,
    primary: Arc<Mutex<Workspace>>,
    pages: Arc<Mutex<Workspace>>,
    counter: Arc<Mutex<Workspace>>,
}

async fn run_on<T, F>(ws: &Arc<Mutex<Workspace>>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Workspace) -> Result<T> + Send + 'static,
{
    let ws = ws.clone();
    tokio::task::spawn_blocking(move || f(&mut lock(&ws)))
        .await
        .map_err(|e| Error::Io {
            path: "workspace task".into(),
            source: std::io::Error::other(e.to_string()),
        })?
}

/// A large pull of usage records into a workspace file, on its own connection: dropped, the
/// connection closes and SQLite undoes the pull's open transaction.
#[derive(Debug)]
struct LocalLargePull {
    account: UsageAccount,
    ws: Arc<Mutex<Workspace>>,
}

#[async_trait]
impl LargePull for LocalLargePull {
    async fn keep_calls(
        &self,
        records: Vec<CallRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let account = self.account.clone();
        run_on(&self.ws, move |ws| {
            ws.keep_calls(&account, &records, pulled_at)
        })
        .await
    }

    async fn keep_messages(
        &self,
        records: Vec<MessageRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let account = self.account.clone();
        run_on(&self.ws, move |ws| {
            ws.keep_messages(&account, &records, pulled_at)
        })
        .await
    }

    async fn finish(self: Box<Self>) -> Result<()> {
        run_on(&self.ws, Workspace::finish_large_pull).await
    }
}

impl LocalInventory {
    /// Opens (creating the directory and the file, and migrating, when needed) a workspace
    /// file. Blocks: call from the blocking pool or outside a runtime.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let primary = Workspace::open(path)?;
        let pages = Workspace::open(path)?;
        let counter = Workspace::open(path)?;
        Ok(LocalInventory {
            path: path.to_owned(),
            primary: Arc::new(Mutex::new(primary)),
            pages: Arc::new(Mutex::new(pages)),
            counter: Arc::new(Mutex::new(counter)),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the primary connection, off the async runtime (what the inventory does not
    /// cover: accounts, the outbox, conflicts, demo data).
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> Result<T> + Send + 'static,
    {
        run_on(&self.primary, f).await
    }

    /// Runs `f` on the primary connection on this thread (it blocks).
    pub(crate) fn run_here<T>(&self, f: impl FnOnce(&mut Workspace) -> Result<T>) -> Result<T> {
        f(&mut lock(&self.primary))
    }

    /// Runs `f` on the counting connection, off the async runtime.
    pub async fn count<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> Result<T> + Send + 'static,
    {
        run_on(&self.counter, f).await
    }

    /// Applies a number edit: directly, or (`queue`, a team workspace's cache) into the
    /// outbox for the next sync.
    pub(crate) async fn apply(&self, edit: Edit, queue: bool) -> Result<Written> {
        let number = self
            .run(move |ws| match (edit, queue) {
                (Edit::Add(org, n), false) => ws.add_number(org, n),
                (Edit::Add(org, n), true) => ws.queue_add(org, n),
                (Edit::Update(r, org, c), false) => ws.update_number(&r, org, &c),
                (Edit::Update(r, org, c), true) => ws.queue_update(&r, org, &c),
                (Edit::Remove(r, org), false) => ws.remove_number(&r, org),
                (Edit::Remove(r, org), true) => ws.queue_remove(&r, org),
                (Edit::Restore(n), false) => ws.restore_number(&n),
                (Edit::Restore(n), true) => ws.queue_restore(&n),
            })
            .await?;
        Ok(Written {
            number,
            queued: queue,
        })
    }
}

impl LocalInventory {
    /// Applies one change to a chunk of numbers in one transaction: directly, or (`queue`, a
    /// team workspace's cache) with each edit into the outbox for the next sync.
    pub(crate) async fn update_many(&self, chunk: Chunk<'_>, queue: bool) -> Result<ManyUpdated> {
        let (organization_id, ids, change) = (
            chunk.organization_id,
            chunk.ids.to_vec(),
            chunk.change.clone(),
        );
        let keys = chunk.keys.map(<[i64]>::to_vec);
        self.run(move |ws| {
            ws.update_numbers(organization_id, (&ids, keys.as_deref()), &change, queue)
        })
        .await
    }
}

#[async_trait]
impl Inventory for LocalInventory {
    async fn organizations(&self) -> Result<Vec<Organization>> {
        self.run(|ws| ws.organizations()).await
    }

    async fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        let key = slug_or_id.to_owned();
        self.run(move |ws| ws.organization(&key)).await
    }

    async fn add_organization(&self, slug: &str, name: &str) -> Result<Organization> {
        let (slug, name) = (slug.to_owned(), name.to_owned());
        self.run(move |ws| ws.add_organization(&slug, &name)).await
    }

    async fn agents(&self, organization_id: Uuid) -> Result<Vec<Agent>> {
        self.run(move |ws| ws.agents(organization_id)).await
    }

    async fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent> {
        let key = id_or_name.to_owned();
        self.run(move |ws| ws.agent(organization_id, &key)).await
    }

    async fn add_agent(&self, organization_id: Uuid, name: &str) -> Result<Agent> {
        let name = name.to_owned();
        self.run(move |ws| ws.add_agent(organization_id, &name))
            .await
    }

    async fn rename_agent(&self, organization_id: Uuid, id: Uuid, name: &str) -> Result<Agent> {
        let name = name.to_owned();
        self.run(move |ws| ws.rename_agent(organization_id, id, &name))
            .await
    }

    async fn remove_agent(&self, organization_id: Uuid, id: Uuid) -> Result<(Agent, u64)> {
        self.run(move |ws| ws.remove_agent(organization_id, id))
            .await
    }

    async fn list_numbers(&self, query: &NumberQuery) -> Result<Page> {
        let query = query.clone();
        run_on(&self.pages, move |ws| ws.list_numbers(&query)).await
    }

    async fn count_numbers(&self, filter: &NumberFilter) -> Result<u64> {
        let filter = filter.clone();
        self.count(move |ws| ws.count_numbers(&filter)).await
    }

    async fn count_numbers_until(
        &self,
        filter: &NumberFilter,
        cancel: &Cancel,
    ) -> Result<Option<u64>> {
        let (filter, cancel) = (filter.clone(), cancel.clone());
        self.count(move |ws| {
            ws.until(
                move || cancel.is_cancelled(),
                |ws| ws.count_numbers(&filter),
            )
        })
        .await
    }

    async fn number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<PhoneNumber> {
        let r = r.clone();
        self.run(move |ws| ws.number(&r, organization_id)).await
    }

    async fn add_number(&self, organization_id: Uuid, number: ValidNumber) -> Result<Written> {
        self.apply(Edit::Add(organization_id, number), false).await
    }

    async fn update_number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<Written> {
        let edit = Edit::Update(r.clone(), organization_id, change.clone());
        self.apply(edit, false).await
    }

    async fn remove_number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<Written> {
        self.apply(Edit::Remove(r.clone(), organization_id), false)
            .await
    }

    async fn restore_number(&self, number: &PhoneNumber) -> Result<Written> {
        self.apply(Edit::Restore(number.clone()), false).await
    }

    async fn select_numbers(&self, filter: &NumberFilter) -> Result<Selection> {
        let filter = filter.clone();
        self.count(move |ws| ws.selection(&filter)).await
    }

    async fn update_numbers(
        &self,
        chunk: Chunk<'_>,
        _between: &mut Between<'_>,
    ) -> Result<ManyUpdated> {
        self.update_many(chunk, false).await
    }

    async fn for_each_number(&self, organization_id: Uuid, f: &mut EachNumber<'_>) -> Result<u64> {
        // The rows are read on the blocking pool and handed over in batches.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PhoneNumber>>(4);
        let reading = self.run(move |ws| {
            let mut batch = Vec::with_capacity(STREAM_BATCH);
            let n = ws.for_each_number(organization_id, |n| {
                batch.push(n.clone());
                if batch.len() == STREAM_BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(STREAM_BATCH));
                    // The writer stopped (it failed): stop reading too.
                    tx.blocking_send(full).map_err(|_| Error::Io {
                        path: "export".into(),
                        source: std::io::Error::other("the writer stopped"),
                    })?;
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
            Ok(n)
        });
        let writing = async move {
            let mut written = Ok(());
            while let Some(batch) = rx.recv().await {
                if let Err(e) = batch.iter().try_for_each(&mut *f) {
                    written = Err(e);
                    // The reader's next send fails: it stops.
                    rx.close();
                }
            }
            written
        };
        let (read, written) = tokio::join!(reading, writing);
        written?;
        read
    }

    async fn import_target(&self, organization_id: Uuid) -> Result<ImportTarget> {
        self.run(move |ws| transfer::import_target(ws, organization_id))
            .await
    }

    async fn import_rows(
        &self,
        organization_id: Uuid,
        rows: Vec<ImportRow>,
    ) -> Result<ImportReport> {
        self.run(move |ws| transfer::import_rows(ws, organization_id, rows))
            .await
    }

    async fn account_users(&self, provider: Provider, account_id: &str) -> Result<u64> {
        let account_id = account_id.to_owned();
        self.run(move |ws| Ok(ws.account_usage(provider, &account_id, 0)?.total))
            .await
    }

    fn file(&self) -> Option<LocalInventory> {
        Some(self.clone())
    }

    fn usage(&self) -> Result<&dyn UsageStore> {
        Ok(self)
    }
}

#[async_trait]
impl UsageStore for LocalInventory {
    async fn cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<UsageCursor>> {
        let account = account.clone();
        self.count(move |ws| ws.usage_cursor(&account, kind)).await
    }

    async fn set_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
        cursor: UsageCursor,
    ) -> Result<()> {
        let account = account.clone();
        self.run(move |ws| ws.set_usage_cursor(&account, kind, cursor))
            .await
    }

    async fn keep_calls(
        &self,
        account: &UsageAccount,
        records: Vec<CallRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let account = account.clone();
        self.run(move |ws| ws.keep_calls(&account, &records, pulled_at))
            .await
    }

    async fn keep_messages(
        &self,
        account: &UsageAccount,
        records: Vec<MessageRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let account = account.clone();
        self.run(move |ws| ws.keep_messages(&account, &records, pulled_at))
            .await
    }

    /// The table's largest rowid (core's `Workspace::usage_rows`), on the counting connection.
    async fn large_pull_rows(&self, kind: RecordKind) -> Result<Option<u64>> {
        self.count(move |ws| ws.usage_rows(kind).map(Some)).await
    }

    /// On a connection of its own, opened for it (the primary one goes on serving the
    /// numbers' pages and other writes wait for the pull's transaction: see core's
    /// `Workspace::begin_large_pull`).
    async fn large_pull(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<Box<dyn LargePull>>> {
        let path = self.path.clone();
        let account = account.clone();
        let (ws, account) = crate::open::blocking(move || {
            let mut ws = Workspace::open(&path)?;
            ws.begin_large_pull(&account, kind)?;
            Ok((ws, account))
        })
        .await?;
        Ok(Some(Box::new(LocalLargePull {
            account,
            ws: Arc::new(Mutex::new(ws)),
        })))
    }

    async fn oldest_pending(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<OffsetDateTime>> {
        let account = account.clone();
        self.count(move |ws| ws.oldest_pending(&account, kind))
            .await
    }

    async fn usage_totals(
        &self,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
    ) -> Result<Vec<UsageRow>> {
        self.count(move |ws| ws.usage_totals(organization_id, range, by))
            .await
    }

    async fn daily_calls_of(
        &self,
        organization_id: Uuid,
        range: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>> {
        let only = only.map(<[E164]>::to_vec);
        // On the pages' connection: a report reads the totals on the counting one at once, and
        // a page of the numbers table reads its health here while an edit waits for the file.
        run_on(&self.pages, move |ws| {
            ws.daily_calls_of(organization_id, range, only.as_deref())
        })
        .await
    }

    async fn usage_by_number_with_days(
        &self,
        organization_id: Uuid,
        range: DayRange,
        window: DayRange,
    ) -> Result<(Vec<UsageRow>, Vec<NumberDays>)> {
        self.count(move |ws| ws.usage_by_number_with_days(organization_id, range, window))
            .await
    }

    async fn number_days(
        &self,
        organization_id: Uuid,
        number: &E164,
        range: DayRange,
    ) -> Result<NumberDayRows> {
        let number = number.clone();
        self.count(move |ws| ws.number_days(organization_id, &number, range))
            .await
    }
}
