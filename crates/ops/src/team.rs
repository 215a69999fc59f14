//! The team database as an [`Inventory`]: `RemoteWorkspace` directly, and the cached team
//! workspace ([`TeamInventory`]) that applies the team edit policy (see the crate's docs).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use async_trait::async_trait;
use switchboard_core::domain::{
    Agent, E164, NumberUpdate, Organization, PhoneNumber, Provider, ValidNumber,
};
use switchboard_core::query::{NumberFilter, NumberQuery, Page};
use switchboard_core::store::Workspace;
use switchboard_core::store::{ManyUpdated, NumberRef, Replica, Selection, Skip};
use switchboard_core::transfer::{ImportReport, ImportRow, ImportTarget};
use switchboard_core::usage::{
    CallRecord, DayRange, GroupBy, Kept, MessageRecord, NumberDayRows, NumberDays, RecordKind,
    UsageAccount, UsageCursor, UsageRow,
};
use switchboard_core::{Error, ErrorCode, Result};
use switchboard_postgres::{ConnectSettings, RemoteWorkspace};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::usage::UsageStore;
use crate::{
    Between, Cancel, Chunk, EachNumber, Edit, Inventory, LocalInventory, Reads, Written, lock,
};

/// How many numbers of a bulk change one transaction of the team database holds (see
/// [`update_on_server`]): large enough that a part's two round trips and commit cost little
/// beside its writing, small enough that progress and cancel come about once a second. On a
/// loaded 2-core server, parts of 5,000 took 1.4–2.2 s each (docs/BENCHMARKS.md, 2026-12-07
/// 20:38): every row written again in the table's trigram indexes.
pub const SERVER_PART: usize = 2_500;

/// Where [`update_on_server`] stopped because the server went away ([`Error::Offline`]).
#[derive(Debug)]
pub(crate) struct Lost {
    /// The position in the chunk of the first number not known to be written.
    at: usize,
    /// The server (host:port/database).
    server: String,
    /// Why it went away.
    reason: String,
}

impl Lost {
    /// The error that stopped it.
    fn error(&self) -> Error {
        Error::Offline {
            server: self.server.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// How a part of [`update_on_server`] ended.
enum PartEnd {
    /// Every number of it was written or refused.
    Whole,
    /// `between` said stop within it.
    Stopped,
    /// The server went away within it.
    Lost(Lost),
}

/// [`Inventory::update_numbers`] on the team database, set-based: the chunk in parts of
/// [`SERVER_PART`] numbers, each one transaction ([`RemoteWorkspace::update_many`]: the
/// manager's role, the single edit's checks), `between` asked before each part with how many
/// numbers of the chunk are done (progress, and whether to go on), the rows each part wrote
/// handed to `keep` (a cache's write-through, which runs while the server writes the next
/// part, and is done when this returns). A part the server refuses whole (an agent removed
/// meanwhile) goes number by number ([`each_on_server`]); a cancel within it stops the chunk
/// there. A lost connection, in a part or in its number-by-number pass, stops it there
/// ([`Lost`]): what was written before stays done.
pub(crate) async fn update_on_server<F, Fut>(
    remote: &RemoteWorkspace,
    chunk: Chunk<'_>,
    between: &mut Between<'_>,
    mut keep: F,
) -> Result<(ManyUpdated, Option<Lost>)>
where
    F: FnMut(Vec<PhoneNumber>) -> Fut + Send,
    Fut: std::future::Future<Output = ()> + Send,
{
    if chunk.change.is_empty() {
        return Err(switchboard_core::store::nothing_to_change());
    }
    let mut done = ManyUpdated::default();
    // The cache takes a part's rows while the server writes the next part.
    let mut keeping: Option<Fut> = None;
    let mut lost = None;
    for (i, ids) in chunk.ids.chunks(SERVER_PART).enumerate() {
        let start = i * SERVER_PART;
        if !between(start as u64) {
            break;
        }
        let written = remote.update_many(chunk.organization_id, ids, chunk.change);
        let (changed, ()) = tokio::join!(written, async {
            if let Some(k) = keeping.take() {
                k.await;
            }
        });
        let (changed, end) = match changed {
            Ok(changed) => (changed, PartEnd::Whole),
            Err(Error::Offline { server, reason }) => {
                let at = start;
                (
                    ManyUpdated::default(),
                    PartEnd::Lost(Lost { at, server, reason }),
                )
            }
            Err(e) => {
                tracing::info!(error = %e, "a part of a bulk change goes number by number");
                let part = Chunk {
                    ids,
                    keys: None,
                    ..chunk
                };
                each_on_server(remote, part, start, between).await
            }
        };
        done.updated += changed.updated;
        done.queued += changed.queued;
        done.failed.extend(changed.failed);
        if !changed.rows.is_empty() {
            keeping = Some(keep(changed.rows));
        }
        match end {
            PartEnd::Whole => {}
            PartEnd::Stopped => break,
            PartEnd::Lost(l) => {
                lost = Some(l);
                break;
            }
        }
    }
    if let Some(k) = keeping {
        k.await;
    }
    Ok((done, lost))
}

/// A part the server refused whole (at `start` in its chunk), one
/// [`RemoteWorkspace::update_number`] per number, each refused as a single edit refuses it,
/// the rows written returned for the cache. `between` is asked before each number but the
/// first (the part's start was just asked) with how many numbers of the chunk are done; the
/// pass ends where it says stop, or where the server goes away.
async fn each_on_server(
    remote: &RemoteWorkspace,
    part: Chunk<'_>,
    start: usize,
    between: &mut Between<'_>,
) -> (ManyUpdated, PartEnd) {
    let mut done = ManyUpdated::default();
    for (n, id) in part.ids.iter().enumerate() {
        if n > 0 && !between((start + n) as u64) {
            return (done, PartEnd::Stopped);
        }
        let edited = remote
            .update_number(&NumberRef::Id(*id), Some(part.organization_id), part.change)
            .await;
        match edited {
            Ok(row) => {
                done.updated += 1;
                done.rows.push(row);
            }
            Err(Error::Offline { server, reason }) => {
                let at = start + n;
                return (done, PartEnd::Lost(Lost { at, server, reason }));
            }
            Err(e) => done.failed.push((*id, e)),
        }
    }
    (done, PartEnd::Whole)
}

fn direct(number: PhoneNumber) -> Written {
    Written {
        number,
        queued: false,
    }
}

/// A row a read of the team database left out, or showed without a secret, as one line.
pub(crate) fn skipped_notice(s: &Skip) -> String {
    let what = if s.kept {
        "shown without it"
    } else {
        "left out"
    };
    format!(
        "warning: row {} ({}) {what}: {}",
        s.number_id,
        s.phone_number.as_deref().unwrap_or("-"),
        s.reason
    )
}

#[async_trait]
impl Inventory for RemoteWorkspace {
    async fn organizations(&self) -> Result<Vec<Organization>> {
        RemoteWorkspace::organizations(self).await
    }

    async fn account_users(&self, provider: Provider, account_id: &str) -> Result<u64> {
        RemoteWorkspace::account_users(self, provider, account_id).await
    }

    async fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        RemoteWorkspace::organization(self, slug_or_id).await
    }

    async fn add_organization(&self, slug: &str, name: &str) -> Result<Organization> {
        RemoteWorkspace::add_organization(self, slug, name).await
    }

    async fn agents(&self, organization_id: Uuid) -> Result<Vec<Agent>> {
        RemoteWorkspace::agents(self, organization_id).await
    }

    async fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent> {
        RemoteWorkspace::agent(self, organization_id, id_or_name).await
    }

    async fn add_agent(&self, organization_id: Uuid, name: &str) -> Result<Agent> {
        RemoteWorkspace::add_agent(self, organization_id, name).await
    }

    async fn rename_agent(&self, organization_id: Uuid, id: Uuid, name: &str) -> Result<Agent> {
        RemoteWorkspace::rename_agent(self, organization_id, id, name).await
    }

    async fn remove_agent(&self, organization_id: Uuid, id: Uuid) -> Result<(Agent, u64)> {
        RemoteWorkspace::remove_agent(self, organization_id, id).await
    }

    async fn list_numbers(&self, query: &NumberQuery) -> Result<Page> {
        RemoteWorkspace::list_numbers(self, query).await
    }

    async fn count_numbers(&self, filter: &NumberFilter) -> Result<u64> {
        RemoteWorkspace::count_numbers(self, filter).await
    }

    async fn number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<PhoneNumber> {
        RemoteWorkspace::number(self, r, organization_id).await
    }

    async fn add_number(&self, organization_id: Uuid, number: ValidNumber) -> Result<Written> {
        RemoteWorkspace::add_number(self, organization_id, number)
            .await
            .map(direct)
    }

    async fn update_number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<Written> {
        RemoteWorkspace::update_number(self, r, organization_id, change)
            .await
            .map(direct)
    }

    async fn remove_number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<Written> {
        RemoteWorkspace::remove_number(self, r, organization_id)
            .await
            .map(direct)
    }

    async fn restore_number(&self, number: &PhoneNumber) -> Result<Written> {
        RemoteWorkspace::restore_number(self, number)
            .await
            .map(direct)
    }

    /// Set-based ([`update_on_server`]); a lost connection fails the numbers not reached,
    /// each with the error (nothing to queue them in).
    async fn update_numbers(
        &self,
        chunk: Chunk<'_>,
        between: &mut Between<'_>,
    ) -> Result<ManyUpdated> {
        let (mut done, lost) = update_on_server(self, chunk, between, |_| async {}).await?;
        if let Some(Lost { at, server, reason }) = lost {
            done.failed.extend(chunk.ids[at..].iter().map(|id| {
                let error = Error::Offline {
                    server: server.clone(),
                    reason: format!("{reason}; not changed"),
                };
                (*id, error)
            }));
        }
        Ok(done)
    }

    async fn for_each_number(&self, organization_id: Uuid, f: &mut EachNumber<'_>) -> Result<u64> {
        RemoteWorkspace::for_each_number(self, organization_id, f).await
    }

    async fn import_target(&self, organization_id: Uuid) -> Result<ImportTarget> {
        RemoteWorkspace::import_target(self, organization_id).await
    }

    async fn import_rows(
        &self,
        _organization_id: Uuid,
        rows: Vec<ImportRow>,
    ) -> Result<ImportReport> {
        RemoteWorkspace::import_rows(self, &rows).await
    }

    fn file(&self) -> Option<LocalInventory> {
        None
    }

    fn take_notices(&self) -> Vec<String> {
        self.take_skipped().iter().map(skipped_notice).collect()
    }

    async fn close(&self) {
        RemoteWorkspace::close(self).await;
    }

    fn usage(&self) -> Result<&dyn UsageStore> {
        self.require_usage()?;
        Ok(self)
    }
}

/// The team database's records, as the manager's role reaches them (`switchboard_postgres`'s
/// usage module: one statement per page, rollups kept by the server's triggers).
#[async_trait]
impl UsageStore for RemoteWorkspace {
    async fn cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<UsageCursor>> {
        self.usage_cursor(account, kind).await
    }

    async fn set_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
        cursor: UsageCursor,
    ) -> Result<()> {
        self.set_usage_cursor(account, kind, cursor).await
    }

    async fn keep_calls(
        &self,
        account: &UsageAccount,
        records: Vec<CallRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        RemoteWorkspace::keep_calls(self, account, &records, pulled_at).await
    }

    async fn keep_messages(
        &self,
        account: &UsageAccount,
        records: Vec<MessageRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        RemoteWorkspace::keep_messages(self, account, &records, pulled_at).await
    }

    async fn oldest_pending(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<OffsetDateTime>> {
        RemoteWorkspace::oldest_pending(self, account, kind).await
    }

    async fn usage_totals(
        &self,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
    ) -> Result<Vec<UsageRow>> {
        RemoteWorkspace::usage_totals(self, organization_id, range, by).await
    }

    async fn daily_calls_of(
        &self,
        organization_id: Uuid,
        range: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>> {
        RemoteWorkspace::daily_calls_of(self, organization_id, range, only).await
    }

    async fn number_days(
        &self,
        organization_id: Uuid,
        number: &E164,
        range: DayRange,
    ) -> Result<NumberDayRows> {
        RemoteWorkspace::number_days(self, organization_id, number, range).await
    }
}

/// A team workspace: the server while it answers, the cache and its outbox when it does not.
///
/// Reads go to the cache ([`Reads::Cache`], the app: instant search), or to the server while
/// online ([`Reads::Server`], the CLI). Edits go to the server while online (and the row it
/// returns into the cache, when one is open); offline, number edits go into the cache's
/// outbox. A direct edit that finds the server gone switches to offline and is queued.
#[derive(Debug)]
pub struct TeamInventory {
    settings: ConnectSettings,
    reads: Reads,
    remote: RwLock<Option<Arc<RemoteWorkspace>>>,
    cache_path: PathBuf,
    cache: Mutex<Option<LocalInventory>>,
    notices: Mutex<Vec<String>>,
}

/// The error for what cannot be queued offline.
pub(crate) fn needs_server(what: &str, server: &str) -> Error {
    Error::Offline {
        server: server.to_owned(),
        reason: format!(
            "{what} needs the server; only numbers add, update and remove are queued offline"
        ),
    }
}

impl TeamInventory {
    pub(crate) fn new(
        settings: ConnectSettings,
        reads: Reads,
        remote: Option<RemoteWorkspace>,
        cache_path: PathBuf,
        cache: Option<LocalInventory>,
    ) -> Self {
        let notices = remote
            .as_ref()
            .map(|r| {
                r.warnings()
                    .iter()
                    .map(|w| format!("warning: {w}"))
                    .collect()
            })
            .unwrap_or_default();
        TeamInventory {
            settings,
            reads,
            remote: RwLock::new(remote.map(Arc::new)),
            cache_path,
            cache: Mutex::new(cache),
            notices: Mutex::new(notices),
        }
    }

    /// Adds a line for [`Inventory::take_notices`].
    pub(crate) fn notice(&self, line: String) {
        lock(&self.notices).push(line);
    }

    /// The connection settings (with the password, when one was found).
    pub fn settings(&self) -> &ConnectSettings {
        &self.settings
    }

    /// Whether edits go to the server now.
    pub fn is_online(&self) -> bool {
        self.online().is_some()
    }

    fn online(&self) -> Option<Arc<RemoteWorkspace>> {
        self.remote
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_remote(&self, remote: Option<Arc<RemoteWorkspace>>) {
        *self.remote.write().unwrap_or_else(PoisonError::into_inner) = remote;
    }

    /// Connects to the server now; on success edits go to it again. An unreachable server
    /// leaves the workspace offline and returns the error.
    pub async fn reconnect(&self) -> Result<()> {
        let remote = RemoteWorkspace::connect(&self.settings).await?;
        self.go_online(remote).await;
        Ok(())
    }

    /// The server answered (a sync reached it): edits go to it from now on, through `remote`
    /// unless the workspace is online already (then `remote` is closed and the connection in
    /// use kept, so no edit in flight loses its pool).
    pub async fn go_online(&self, remote: RemoteWorkspace) {
        let spare = {
            let mut current = self.remote.write().unwrap_or_else(PoisonError::into_inner);
            if current.is_some() {
                Some(remote)
            } else {
                *current = Some(Arc::new(remote));
                None
            }
        };
        if let Some(spare) = spare {
            spare.close().await;
        }
    }

    /// Stops sending edits to the server (it was found unreachable): they queue from now on.
    pub async fn go_offline(&self) {
        let old = self.online();
        self.set_remote(None);
        if let Some(old) = old {
            old.close().await;
        }
    }

    /// The server was found gone (`e`) while sending `what`: edits queue from now on, and the
    /// shell is told `what` is queued.
    async fn gone(&self, e: &Error, what: &str) {
        tracing::info!(error = %e, "the team database is gone: queueing {what}");
        self.go_offline().await;
        self.notice(format!("offline: {e}; {what} is queued"));
    }

    /// The open cache, opening it when the workspace had none open (the CLI started online).
    fn cache(&self) -> Result<LocalInventory> {
        let mut cache = lock(&self.cache);
        if let Some(c) = cache.as_ref() {
            return Ok(c.clone());
        }
        let opened = LocalInventory::open(&self.cache_path)?;
        *cache = Some(opened.clone());
        Ok(opened)
    }

    /// Where reads go now.
    fn reader(&self) -> Result<Arc<dyn Inventory>> {
        match (self.reads, self.online()) {
            (Reads::Server, Some(remote)) => Ok(remote),
            _ => Ok(Arc::new(self.cache()?)),
        }
    }

    /// Runs an edit on the server while online (then writes its row into the open cache), or
    /// queues it in the cache when offline or when the server turns out to be gone.
    async fn edit(&self, edit: Edit) -> Result<Written> {
        if let Some(remote) = self.online() {
            match edit.on_server(&remote).await {
                Ok(n) => {
                    self.write_through(&edit, &n).await;
                    return Ok(direct(n));
                }
                Err(e) if e.code() == ErrorCode::Offline => self.gone(&e, "the edit").await,
                Err(e) => return Err(e),
            }
        }
        self.cache()?.apply(edit, true).await
    }

    /// Puts the server's row into the open cache (a failure only delays it to the next sync).
    async fn write_through(&self, edit: &Edit, n: &PhoneNumber) {
        let (n, removed) = (n.clone(), matches!(edit, Edit::Remove(..)));
        self.cache_put(move |replica| replica.write_through(n.id, (!removed).then_some(&n)))
            .await;
    }

    /// Writes what the server returned into the open cache, if one is open; a failure only
    /// delays it to the next sync.
    async fn cache_put(&self, put: impl FnOnce(&mut Replica<'_>) -> Result<()> + Send + 'static) {
        let Some(cache) = lock(&self.cache).clone() else {
            return;
        };
        let done = cache
            .run(move |ws| {
                let mut replica = ws.replica()?;
                put(&mut replica)?;
                replica.commit()
            })
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "the cache takes the server's change with the next sync");
        }
    }

    /// Writes what the server kept into the open cache, if one is open; a failure only delays
    /// it to the next sync (which copies the organization's records written since).
    async fn cache_usage(&self, put: impl FnOnce(&mut Workspace) -> Result<()> + Send + 'static) {
        let Some(cache) = lock(&self.cache).clone() else {
            return;
        };
        if let Err(e) = cache.run(put).await {
            tracing::warn!(error = %e, "the cache takes the server's records with the next sync");
        }
    }

    /// After the server kept a page (`kept`), keeps the same records in the open cache with
    /// `keep` (see [`TeamInventory::cache_usage`]).
    async fn kept_in_cache<R: Send + 'static>(
        &self,
        account: &UsageAccount,
        records: Vec<R>,
        pulled_at: OffsetDateTime,
        kept: Result<Kept>,
        keep: fn(&mut Workspace, &UsageAccount, &[R], OffsetDateTime) -> Result<Kept>,
    ) -> Result<Kept> {
        let kept = kept?;
        let account = account.clone();
        self.cache_usage(move |ws| keep(ws, &account, &records, pulled_at).map(drop))
            .await;
        Ok(kept)
    }

    /// Where usage reports read: the cache when one is open (instant, and the same offline),
    /// else the server while online, else the cache opened now.
    fn usage_reader(&self) -> Result<Arc<dyn UsageStore>> {
        if let Some(open) = lock(&self.cache).clone() {
            return Ok(Arc::new(open));
        }
        match self.online() {
            Some(remote) => {
                remote.require_usage()?;
                Ok(remote)
            }
            None => Ok(Arc::new(self.cache()?)),
        }
    }

    /// The server, for a usage sync's reads and writes (a pull is never queued offline).
    fn usage_server(&self) -> Result<Arc<RemoteWorkspace>> {
        let remote = self.server_for("usage sync")?;
        remote.require_usage()?;
        Ok(remote)
    }

    /// The server, for what needs it; offline, refuses `what` (it cannot be queued).
    fn server_for(&self, what: &str) -> Result<Arc<RemoteWorkspace>> {
        self.online()
            .ok_or_else(|| needs_server(what, self.settings.server()))
    }
}

#[async_trait]
impl Inventory for TeamInventory {
    async fn organizations(&self) -> Result<Vec<Organization>> {
        self.reader()?.organizations().await
    }

    async fn organization(&self, slug_or_id: &str) -> Result<Organization> {
        self.reader()?.organization(slug_or_id).await
    }

    async fn add_organization(&self, slug: &str, name: &str) -> Result<Organization> {
        let org = self
            .server_for("adding an organization")?
            .add_organization(slug, name)
            .await?;
        let put = org.clone();
        self.cache_put(move |r| r.put_organization(&put)).await;
        Ok(org)
    }

    async fn agents(&self, organization_id: Uuid) -> Result<Vec<Agent>> {
        self.reader()?.agents(organization_id).await
    }

    async fn agent(&self, organization_id: Uuid, id_or_name: &str) -> Result<Agent> {
        self.reader()?.agent(organization_id, id_or_name).await
    }

    async fn add_agent(&self, organization_id: Uuid, name: &str) -> Result<Agent> {
        let agent = self
            .server_for("adding an agent")?
            .add_agent(organization_id, name)
            .await?;
        let put = agent.clone();
        self.cache_put(move |r| r.put_agent(&put)).await;
        Ok(agent)
    }

    async fn rename_agent(&self, organization_id: Uuid, id: Uuid, name: &str) -> Result<Agent> {
        let agent = self
            .server_for("renaming an agent")?
            .rename_agent(organization_id, id, name)
            .await?;
        let put = agent.clone();
        self.cache_put(move |r| r.put_agent(&put)).await;
        Ok(agent)
    }

    async fn remove_agent(&self, organization_id: Uuid, id: Uuid) -> Result<(Agent, u64)> {
        let removed = self
            .server_for("removing an agent")?
            .remove_agent(organization_id, id)
            .await?;
        // The cache's numbers lose the agent at once; the next sync brings the server's rows.
        self.cache_put(move |r| r.remove_agent(id)).await;
        Ok(removed)
    }

    async fn list_numbers(&self, query: &NumberQuery) -> Result<Page> {
        self.reader()?.list_numbers(query).await
    }

    async fn count_numbers(&self, filter: &NumberFilter) -> Result<u64> {
        self.reader()?.count_numbers(filter).await
    }

    async fn count_numbers_until(
        &self,
        filter: &NumberFilter,
        cancel: &Cancel,
    ) -> Result<Option<u64>> {
        self.reader()?.count_numbers_until(filter, cancel).await
    }

    async fn number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<PhoneNumber> {
        self.reader()?.number(r, organization_id).await
    }

    async fn add_number(&self, organization_id: Uuid, number: ValidNumber) -> Result<Written> {
        self.edit(Edit::Add(organization_id, number)).await
    }

    async fn update_number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<Written> {
        self.edit(Edit::Update(r.clone(), organization_id, change.clone()))
            .await
    }

    async fn remove_number(&self, r: &NumberRef, organization_id: Option<Uuid>) -> Result<Written> {
        self.edit(Edit::Remove(r.clone(), organization_id)).await
    }

    async fn restore_number(&self, number: &PhoneNumber) -> Result<Written> {
        self.edit(Edit::Restore(number.clone())).await
    }

    async fn select_numbers(&self, filter: &NumberFilter) -> Result<Selection> {
        self.reader()?.select_numbers(filter).await
    }

    /// Online, set-based on the server ([`update_on_server`]), the rows each part wrote put
    /// into the open cache in one transaction; a server found gone midway (in a part, or in
    /// the number-by-number pass of a part it refused whole) switches to offline, with one
    /// notice, and the numbers not reached are queued as below. Offline, the chunk in one transaction
    /// of the cache, each edit into the outbox as a single edit goes.
    async fn update_numbers(
        &self,
        chunk: Chunk<'_>,
        between: &mut Between<'_>,
    ) -> Result<ManyUpdated> {
        let Some(remote) = self.online() else {
            return self.cache()?.update_many(chunk, true).await;
        };
        let keep = |rows: Vec<PhoneNumber>| {
            self.cache_put(move |r| rows.iter().try_for_each(|n| r.write_through(n.id, Some(n))))
        };
        let (mut done, lost) = update_on_server(&remote, chunk, between, keep).await?;
        if let Some(lost) = lost {
            self.gone(&lost.error(), "the rest of the change").await;
            let rest = Chunk {
                ids: &chunk.ids[lost.at..],
                keys: None,
                ..chunk
            };
            let queued = self.cache()?.update_many(rest, true).await?;
            done.updated += queued.updated;
            done.queued += queued.queued;
            done.failed.extend(queued.failed);
        }
        Ok(done)
    }

    async fn for_each_number(&self, organization_id: Uuid, f: &mut EachNumber<'_>) -> Result<u64> {
        self.reader()?.for_each_number(organization_id, f).await
    }

    async fn import_target(&self, organization_id: Uuid) -> Result<ImportTarget> {
        self.server_for("importing")?
            .import_target(organization_id)
            .await
    }

    async fn import_rows(
        &self,
        _organization_id: Uuid,
        rows: Vec<ImportRow>,
    ) -> Result<ImportReport> {
        let remote = self.server_for("importing")?;
        let report = remote.import_rows(&rows).await?;
        self.cache_put(move |r| {
            for row in &rows {
                r.put(&row.number)?;
            }
            Ok(())
        })
        .await;
        Ok(report)
    }

    async fn account_users(&self, provider: Provider, account_id: &str) -> Result<u64> {
        self.reader()?.account_users(provider, account_id).await
    }

    /// The open cache; read from the server, this device's cache once something asks for it
    /// (the accounts added on this device are listed there), when it exists: none is made.
    fn file(&self) -> Option<LocalInventory> {
        if let Some(open) = lock(&self.cache).clone() {
            return Some(open);
        }
        if !self.cache_path.exists() {
            return None;
        }
        self.cache()
            .inspect_err(|e| tracing::warn!(error = %e, "cannot open this device's cache"))
            .ok()
    }

    fn account_list(&self) -> Result<LocalInventory> {
        self.cache()
    }

    fn take_notices(&self) -> Vec<String> {
        let mut notices = std::mem::take(&mut *lock(&self.notices));
        if let Some(remote) = self.online() {
            notices.extend(remote.take_skipped().iter().map(skipped_notice));
        }
        notices
    }

    async fn close(&self) {
        if let Some(remote) = self.online() {
            remote.close().await;
        }
    }

    fn usage(&self) -> Result<&dyn UsageStore> {
        Ok(self)
    }
}

/// A team workspace's records: a usage sync reads and writes the server (like an import, it
/// needs it) and puts what the server kept into the open cache; reports read the cache when
/// one is open, else the server (see [`TeamInventory::usage_reader`]). The cache also gets
/// every manager's records with each sync (`switchboard_sync`).
#[async_trait]
impl UsageStore for TeamInventory {
    async fn cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<UsageCursor>> {
        self.usage_server()?.usage_cursor(account, kind).await
    }

    async fn set_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
        cursor: UsageCursor,
    ) -> Result<()> {
        self.usage_server()?
            .set_usage_cursor(account, kind, cursor)
            .await?;
        let account = account.clone();
        self.cache_usage(move |ws| ws.set_usage_cursor(&account, kind, cursor))
            .await;
        Ok(())
    }

    async fn keep_calls(
        &self,
        account: &UsageAccount,
        records: Vec<CallRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let kept = self
            .usage_server()?
            .keep_calls(account, &records, pulled_at)
            .await;
        self.kept_in_cache(account, records, pulled_at, kept, Workspace::keep_calls)
            .await
    }

    async fn keep_messages(
        &self,
        account: &UsageAccount,
        records: Vec<MessageRecord>,
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let kept = self
            .usage_server()?
            .keep_messages(account, &records, pulled_at)
            .await;
        self.kept_in_cache(account, records, pulled_at, kept, Workspace::keep_messages)
            .await
    }

    async fn oldest_pending(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<OffsetDateTime>> {
        self.usage_server()?.oldest_pending(account, kind).await
    }

    async fn usage_totals(
        &self,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
    ) -> Result<Vec<UsageRow>> {
        self.usage_reader()?
            .usage_totals(organization_id, range, by)
            .await
    }

    async fn daily_calls_of(
        &self,
        organization_id: Uuid,
        range: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>> {
        self.usage_reader()?
            .daily_calls_of(organization_id, range, only)
            .await
    }

    async fn number_days(
        &self,
        organization_id: Uuid,
        number: &E164,
        range: DayRange,
    ) -> Result<NumberDayRows> {
        self.usage_reader()?
            .number_days(organization_id, number, range)
            .await
    }
}
