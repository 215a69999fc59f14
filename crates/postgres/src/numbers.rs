//! Phone numbers in the team database: add, read, update, remove, and export iteration.
//!
//! Each write is one statement, or one transaction that reads the row `FOR UPDATE` first (an
//! update merges metadata in Rust with core's rules, exactly as the local store does).
//! A write that reaches no row is [`Error::NotFound`]: row-level security hides other
//! organizations' rows, so "0 rows" must never read as success.

use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};
use switchboard_core::domain::{Credentials, NumberUpdate, PhoneNumber, Provider, ValidNumber};
use switchboard_core::query::{NumberFilter, NumberQuery, Sort};
use switchboard_core::store::NumberRef;
use switchboard_core::{Error, Result};
use uuid::Uuid;

use crate::RemoteWorkspace;
use crate::errors::{constraint, is_rls_refusal};
use crate::rows::{self, NUMBER_COLUMNS};

/// Rows per round trip when iterating over an organization.
const EXPORT_PAGE: u32 = 1000;

pub(crate) fn json(value: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Remote(format!("cannot encode JSON: {e}")))
}

impl RemoteWorkspace {
    /// Adds a validated number to an organization (created and updated at the server's now).
    pub async fn add_number(&self, organization_id: Uuid, v: ValidNumber) -> Result<PhoneNumber> {
        let record = v.into_record(organization_id, time::OffsetDateTime::now_utc());
        self.insert_number(&record, None).await
    }

    /// Puts a removed number back as it was (an undo): the same id, organization and columns,
    /// `updated_at` stamped by the server (so every cache's next sync copies it). Refused like
    /// an add when its id or its number in the organization is taken, and by row-level
    /// security outside the manager's organizations.
    pub async fn restore_number(&self, n: &PhoneNumber) -> Result<PhoneNumber> {
        self.insert_number(n, Some(n.created_at)).await
    }

    /// Inserts a whole record, created at `created_at` (none: the server's now) and updated at
    /// the server's now.
    async fn insert_number(
        &self,
        n: &PhoneNumber,
        created_at: Option<time::OffsetDateTime>,
    ) -> Result<PhoneNumber> {
        let sql = format!(
            "INSERT INTO phone_numbers AS p (id, organization_id, provider, phone_number,
               friendly_name, credentials, metadata, agent_id, webhook_configured, webhook_url,
               status, created_at, updated_at, last_verified_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce($12, now()), now(),
               $13)
             RETURNING {NUMBER_COLUMNS}"
        );
        let result = sqlx::query(AssertSqlSafe(sql))
            .bind(n.id)
            .bind(n.organization_id)
            .bind(n.provider.as_str())
            .bind(n.phone_number.as_str())
            .bind(&n.friendly_name)
            .bind(json(&n.credentials)?)
            .bind(n.metadata.as_ref().map(json).transpose()?)
            .bind(n.agent_id)
            .bind(n.webhook_configured)
            .bind(&n.webhook_url)
            .bind(n.status.as_str())
            .bind(created_at)
            .bind(n.last_verified_at)
            .fetch_one(&self.pool)
            .await;
        match result {
            Ok(row) => rows::number(&row),
            Err(e) => Err(self
                .write_error(
                    e,
                    n.organization_id,
                    &n.phone_number.to_string(),
                    n.agent_id,
                )
                .await),
        }
    }

    /// Finds a number by id or E.164. A number present in several visible organizations must
    /// be named by id or with `organization_id`.
    pub async fn number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
    ) -> Result<PhoneNumber> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.map_error(e))?;
        self.resolve(&mut conn, r, organization_id, false).await
    }

    /// Applies `change` to a number and returns the updated record.
    pub async fn update_number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        change: &NumberUpdate,
    ) -> Result<PhoneNumber> {
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        let current = self.resolve(&mut tx, r, organization_id, true).await?;
        if change.is_empty() {
            return Ok(current);
        }
        // The server stamps updated_at itself.
        let next = change.apply_to(&current)?;
        let sql = format!(
            "UPDATE phone_numbers AS p
             SET friendly_name = $2, status = $3, agent_id = $4, metadata = $5,
                 webhook_configured = $6, webhook_url = $7, last_verified_at = $8,
                 updated_at = now()
             WHERE p.id = $1
             RETURNING {NUMBER_COLUMNS}"
        );
        let result = sqlx::query(AssertSqlSafe(sql))
            .bind(next.id)
            .bind(&next.friendly_name)
            .bind(next.status.as_str())
            .bind(next.agent_id)
            .bind(next.metadata.as_ref().map(json).transpose()?)
            .bind(next.webhook_configured)
            .bind(&next.webhook_url)
            .bind(next.last_verified_at)
            .fetch_optional(&mut *tx)
            .await;
        let row = match result {
            Ok(Some(row)) => row,
            Ok(None) => return Err(not_found(next.id.to_string())),
            Err(e) => {
                drop(tx);
                let number = next.phone_number.to_string();
                return Err(self
                    .write_error(e, next.organization_id, &number, next.agent_id)
                    .await);
            }
        };
        let updated = rows::number(&row)?;
        tx.commit().await.map_err(map)?;
        Ok(updated)
    }

    /// Removes a number; returns what was removed.
    pub async fn remove_number(
        &self,
        r: &NumberRef,
        organization_id: Option<Uuid>,
    ) -> Result<PhoneNumber> {
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        let current = self.resolve(&mut tx, r, organization_id, true).await?;
        let sql =
            format!("DELETE FROM phone_numbers AS p WHERE p.id = $1 RETURNING {NUMBER_COLUMNS}");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(current.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| {
                if is_rls_refusal(&e) {
                    Error::NotAllowed(crate::errors::NOT_ALLOWED_IN_ORGANIZATION.into())
                } else {
                    self.map_error(e)
                }
            })?
            .ok_or_else(|| not_found(current.id.to_string()))?;
        let removed = rows::number(&row)?;
        tx.commit().await.map_err(map)?;
        Ok(removed)
    }

    /// How many numbers of the organizations this role sees reference `account_id` of
    /// `provider` (the provider's account key in `credentials`): one count on the server,
    /// rows the cache would skip included (they use the account too).
    pub async fn account_users(&self, provider: Provider, account_id: &str) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM phone_numbers WHERE provider = $1 AND credentials ->> $2 = $3",
        )
        .bind(provider.as_str())
        .bind(Credentials::account_key(provider))
        .bind(account_id)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.map_error(e))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Calls `f` with every number of an organization, in E.164 order; returns how many. Reads
    /// in pages of 1,000 (keyset), so no transaction stays open while `f` works.
    pub async fn for_each_number(
        &self,
        organization_id: Uuid,
        mut f: impl FnMut(&PhoneNumber) -> Result<()>,
    ) -> Result<u64> {
        let mut query = NumberQuery::first(
            NumberFilter::org(organization_id),
            Sort::default(),
            EXPORT_PAGE,
        )?;
        let mut n = 0;
        loop {
            let page = self.list_numbers(&query).await?;
            for number in &page.items {
                f(number)?;
                n += 1;
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(n),
            }
        }
    }

    /// The one number `r` names among the rows this role can see (locked when `lock`).
    async fn resolve(
        &self,
        conn: &mut PgConnection,
        r: &NumberRef,
        organization_id: Option<Uuid>,
        lock: bool,
    ) -> Result<PhoneNumber> {
        let lock = if lock { "FOR UPDATE" } else { "" };
        let (found, key): (std::result::Result<Vec<PgRow>, sqlx::Error>, String) = match r {
            NumberRef::Id(id) => {
                let sql = format!(
                    "SELECT {NUMBER_COLUMNS} FROM phone_numbers AS p
                     WHERE p.id = $1 AND ($2::uuid IS NULL OR p.organization_id = $2)
                     LIMIT 2 {lock}"
                );
                let found = sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(organization_id)
                    .fetch_all(&mut *conn)
                    .await;
                (found, id.to_string())
            }
            NumberRef::Number(number) => {
                let sql = format!(
                    "SELECT {NUMBER_COLUMNS} FROM phone_numbers AS p
                     WHERE p.phone_number = $1 AND ($2::uuid IS NULL OR p.organization_id = $2)
                     LIMIT 2 {lock}"
                );
                let found = sqlx::query(AssertSqlSafe(sql))
                    .bind(number.as_str())
                    .bind(organization_id)
                    .fetch_all(&mut *conn)
                    .await;
                (found, number.to_string())
            }
        };
        let found = found.map_err(|e| self.map_error(e))?;
        match found.as_slice() {
            [] => Err(not_found(key)),
            [row] => rows::number(row),
            _ => Err(Error::InvalidInput {
                field: "number".into(),
                reason: format!(
                    "{key} exists in several organizations; name it by id or organization"
                ),
            }),
        }
    }

    /// The error of a failed insert or update, named after what was being written.
    pub(crate) async fn write_error(
        &self,
        e: sqlx::Error,
        organization_id: Uuid,
        number: &str,
        agent: Option<Uuid>,
    ) -> Error {
        let agent = agent.map(|a| a.to_string()).unwrap_or_default();
        match constraint(&e) {
            Some("phone_numbers_organization_id_phone_number_key") => Error::Duplicate {
                what: number.to_owned(),
                organization: Some(self.slug_of(organization_id).await),
            },
            Some("phone_numbers_pkey") => Error::Duplicate {
                what: "a phone number with this id".into(),
                organization: None,
            },
            Some("phone_numbers_agent_same_organization_fkey") => Error::NotAllowed(format!(
                "agent {agent} does not belong to organization {}",
                self.slug_of(organization_id).await
            )),
            Some("phone_numbers_agent_id_fkey") => Error::NotFound {
                kind: "agent",
                key: agent,
            },
            Some("phone_numbers_organization_id_fkey") => Error::NotFound {
                kind: "organization",
                key: organization_id.to_string(),
            },
            _ => self.map_error(e),
        }
    }
}

fn not_found(key: String) -> Error {
    Error::NotFound {
        kind: "phone number",
        key,
    }
}
