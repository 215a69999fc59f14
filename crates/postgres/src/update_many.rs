//! One change applied to many numbers of an organization in one transaction of the team
//! database: a chunk of a bulk change (a selection of 100,000 numbers changed at once).
//!
//! Why: one checked edit per number is one round trip and one commit each; at 100,000 numbers
//! the network, not the database, takes the time. A chunk is instead two statements in one
//! transaction, both as the manager's own login role (so row-level security, the triggers and
//! the column checks apply exactly as to a single edit):
//!
//! 1. `SELECT … WHERE id = ANY($ids) AND organization_id = $org ORDER BY id FOR UPDATE`: the
//!    rows the role sees, locked (in id order, so two bulk changes never deadlock). An id the
//!    role cannot see (another organization's, or gone) is reported not found, as a single
//!    edit reports it; nothing of it is written or revealed.
//! 2. Each row changed in Rust with [`NumberUpdate::apply_to`] (the single edit's validation,
//!    metadata merge and conditional SMS URL, on the row as it is now: a co-worker's change
//!    made since the selection is kept, as the single edit keeps it); a row the change refuses
//!    is reported with why and not written. Then one
//!    `UPDATE phone_numbers … FROM unnest($ids, $values…) … RETURNING` writes the others,
//!    setting only the columns the change can touch (the row is locked: the others are as
//!    read), and returns them as written, for the cache.
//!
//! A statement the server refuses (an agent removed since the change was checked) rolls the
//! chunk back whole and is returned as the error: the caller goes number by number then.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sqlx::AssertSqlSafe;
use switchboard_core::domain::{NumberUpdate, PhoneNumber};
use switchboard_core::store::{ManyUpdated, nothing_to_change};
use switchboard_core::{Error, Result};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::numbers::json;
use crate::rows::{self, NUMBER_COLUMNS};

/// The columns a change can touch, as `unnest` arrays of the changed rows.
#[derive(Default)]
struct Columns {
    friendly_name: Option<Vec<Option<String>>>,
    status: Option<Vec<String>>,
    agent_id: Option<Vec<Option<Uuid>>>,
    metadata: Option<Vec<Option<Value>>>,
    webhook: Option<(Vec<bool>, Vec<Option<String>>)>,
    last_verified_at: Option<Vec<Option<OffsetDateTime>>>,
}

impl Columns {
    /// Empty arrays for each column `change` can touch.
    fn of(change: &NumberUpdate) -> Columns {
        let metadata = change.metadata.is_some()
            || change.metadata_patch.is_some()
            || change.sms_webhook_url_if_none.is_some();
        Columns {
            friendly_name: change.friendly_name.as_ref().map(|_| Vec::new()),
            status: change.status.map(|_| Vec::new()),
            agent_id: change.agent_id.map(|_| Vec::new()),
            metadata: metadata.then(Vec::new),
            webhook: change.webhook.as_ref().map(|_| (Vec::new(), Vec::new())),
            last_verified_at: change.last_verified_at.map(|_| Vec::new()),
        }
    }

    /// Adds a changed row's values.
    fn push(&mut self, n: &PhoneNumber) -> Result<()> {
        if let Some(v) = &mut self.friendly_name {
            v.push(n.friendly_name.clone());
        }
        if let Some(v) = &mut self.status {
            v.push(n.status.as_str().to_owned());
        }
        if let Some(v) = &mut self.agent_id {
            v.push(n.agent_id);
        }
        if let Some(v) = &mut self.metadata {
            v.push(n.metadata.as_ref().map(json).transpose()?);
        }
        if let Some((configured, url)) = &mut self.webhook {
            configured.push(n.webhook_configured);
            url.push(n.webhook_url.clone());
        }
        if let Some(v) = &mut self.last_verified_at {
            v.push(n.last_verified_at);
        }
        Ok(())
    }

    /// The `UPDATE … FROM unnest(…)` of these columns, the ids bound first.
    fn sql(&self) -> String {
        let mut arrays = vec!["$1::uuid[]".to_owned()];
        let mut names = vec!["id"];
        let mut sets = Vec::new();
        let mut add = |column: &'static str, ty: &str| {
            arrays.push(format!("${}::{ty}[]", arrays.len() + 1));
            names.push(column);
            sets.push(format!("{column} = u.{column}"));
        };
        if self.friendly_name.is_some() {
            add("friendly_name", "text");
        }
        if self.status.is_some() {
            add("status", "text");
        }
        if self.agent_id.is_some() {
            add("agent_id", "uuid");
        }
        if self.metadata.is_some() {
            add("metadata", "jsonb");
        }
        if self.webhook.is_some() {
            add("webhook_configured", "boolean");
            add("webhook_url", "text");
        }
        if self.last_verified_at.is_some() {
            add("last_verified_at", "timestamptz");
        }
        format!(
            "UPDATE phone_numbers AS p SET {}, updated_at = now()
             FROM unnest({}) AS u({})
             WHERE p.id = u.id
             RETURNING {NUMBER_COLUMNS}",
            sets.join(", "),
            arrays.join(", "),
            names.join(", ")
        )
    }
}

impl RemoteWorkspace {
    /// Applies `change` to the numbers of `organization_id` with these ids in one transaction
    /// (see the module's docs): each checked as [`RemoteWorkspace::update_number`] checks it,
    /// a number that fails reported with why (in the order of `ids`), the others written and
    /// returned as written ([`ManyUpdated::rows`]). An id given twice is changed once. A lost
    /// connection is [`Error::Offline`]: the transaction was rolled back, unless the commit's
    /// answer was what got lost.
    pub async fn update_many(
        &self,
        organization_id: Uuid,
        ids: &[Uuid],
        change: &NumberUpdate,
    ) -> Result<ManyUpdated> {
        if change.is_empty() {
            return Err(nothing_to_change());
        }
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        let sql = format!(
            "SELECT {NUMBER_COLUMNS} FROM phone_numbers AS p
             WHERE p.id = ANY($1) AND p.organization_id = $2
             ORDER BY p.id FOR UPDATE"
        );
        let found = sqlx::query(AssertSqlSafe(sql))
            .bind(ids)
            .bind(organization_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(map)?;
        let mut current: HashMap<Uuid, Result<PhoneNumber>> = HashMap::with_capacity(found.len());
        for row in &found {
            let id: Uuid = sqlx::Row::try_get(row, 0).map_err(map)?;
            current.insert(id, rows::number(row));
        }
        drop(found);
        let mut done = ManyUpdated::default();
        let mut columns = Columns::of(change);
        let mut written = Vec::with_capacity(ids.len());
        let mut seen = HashSet::with_capacity(ids.len());
        for id in ids {
            if !seen.insert(*id) {
                continue;
            }
            let next = match current.remove(id) {
                Some(Ok(n)) => change.apply_to(&n),
                Some(Err(e)) => Err(e),
                None => Err(Error::NotFound {
                    kind: "phone number",
                    key: id.to_string(),
                }),
            };
            match next {
                Ok(next) => {
                    columns.push(&next)?;
                    written.push(*id);
                }
                Err(e) => done.failed.push((*id, e)),
            }
        }
        if written.is_empty() {
            return Ok(done);
        }
        let sql = columns.sql();
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(&written);
        if let Some(v) = columns.friendly_name {
            query = query.bind(v);
        }
        if let Some(v) = columns.status {
            query = query.bind(v);
        }
        let agent = change.agent_id.flatten();
        if let Some(v) = columns.agent_id {
            query = query.bind(v);
        }
        if let Some(v) = columns.metadata {
            query = query.bind(v);
        }
        if let Some((configured, url)) = columns.webhook {
            query = query.bind(configured).bind(url);
        }
        if let Some(v) = columns.last_verified_at {
            query = query.bind(v);
        }
        let result = query.fetch_all(&mut *tx).await;
        let returned = match result {
            Ok(returned) => returned,
            Err(e) => {
                drop(tx);
                return Err(self.write_error(e, organization_id, "", agent).await);
            }
        };
        done.rows = returned
            .iter()
            .map(rows::number)
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await.map_err(map)?;
        done.updated = done.rows.len() as u64;
        Ok(done)
    }
}
