//! Call and message records in the team database (migration `20261207001000`): the operations
//! of ops' `UsageStore`, as the manager's login role, under row-level security.
//!
//! - **A page is one statement.** Its records go to the server as one array per column and
//!   are unnested into `INSERT … ON CONFLICT (organization_id, provider, account_id,
//!   provider_record_id) DO UPDATE`, whose common table expressions also resolve each number
//!   by E.164 among the organization's numbers (a record of a number the organization does not
//!   have is not kept: `not_ours`) and read the rows it replaces, from the same snapshot, to
//!   count what was added, completed and left unchanged. One round trip per page, whatever its
//!   size.
//! - **The rollups are the server's.** The statement triggers of the migration recompute the
//!   `usage_daily` and `usage_daily_cost` rows of every (number, day) a statement touched, in
//!   the same transaction, so nothing here writes them and they always equal the records.
//! - **Reports are grouped in SQL** over the rollups, joined to the organization's numbers
//!   and agents now (the same groups as the local store: a number's whole history counts for
//!   its current agent and provider; removed numbers form the empty group).

use std::collections::BTreeMap;

use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Row};
use switchboard_core::domain::E164;
use switchboard_core::usage::{
    CallRecord, DayCalls, DayRange, Direction, GroupBy, Kept, MessageRecord, Money, NumberDayRows,
    NumberDays, Price, RecordKind, Totals, UsageAccount, UsageCounts, UsageCursor, UsageRow,
};
use switchboard_core::{Error, Result};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::RemoteWorkspace;

/// The word serde gives a unit variant (`inbound`, `no_answer`): the value the table's CHECK
/// accepts, as core's store writes it.
fn word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The price's three columns, one array each.
#[derive(Default)]
struct Prices {
    state: Vec<&'static str>,
    nanos: Vec<Option<i64>>,
    currency: Vec<Option<String>>,
}

impl Prices {
    fn push(&mut self, p: &Price) {
        let (state, nanos, currency) = match p {
            Price::Charged { money } => {
                ("charged", Some(money.nanos), Some(money.currency.clone()))
            }
            Price::Pending => ("pending", None, None),
            Price::NotBilled => ("not_billed", None, None),
            Price::NotReported => ("not_reported", None, None),
        };
        self.state.push(state);
        self.nanos.push(nanos);
        self.currency.push(currency);
    }
}

/// The columns common to both kinds, one array each, in the order of [`keep_sql`]'s `$4`…
#[derive(Default)]
struct Common {
    record_id: Vec<String>,
    number: Vec<String>,
    direction: Vec<String>,
    counterpart: Vec<String>,
    prices: Prices,
}

impl Common {
    fn push(
        &mut self,
        id: &str,
        number: &E164,
        direction: Direction,
        counterpart: &str,
        p: &Price,
    ) {
        self.record_id.push(id.to_owned());
        self.number.push(number.as_str().to_owned());
        self.direction.push(word(&direction));
        self.counterpart.push(counterpart.to_owned());
        self.prices.push(p);
    }
}

/// The statement that keeps a page of `table`'s records: `$1` organization, `$2` provider,
/// `$3` account, `$4`… the common arrays (record id, number, direction, counterpart), then
/// `own` (name and array type of each column of this kind, from `$8`), then the price's three
/// arrays and `pulled_at`. Returns one row: added, completed, unchanged, pending, not ours.
fn keep_sql(table: &str, own: &[(&str, &str)]) -> String {
    let first_own = 8;
    let price = first_own + own.len();
    let own_names: Vec<&str> = own.iter().map(|(name, _)| *name).collect();
    let own_arrays: Vec<String> = own
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| format!("${}::{ty}[]", first_own + i))
        .collect();
    let names = own_names.join(", ");
    let picked: Vec<String> = own_names.iter().map(|n| format!("r.{n}")).collect();
    let sets: Vec<String> = own_names
        .iter()
        .chain(&[
            "phone_number_id",
            "phone_number",
            "direction",
            "counterpart",
            "price_state",
            "price_nanos",
            "currency",
            "pulled_at",
        ])
        .map(|n| format!("{n} = EXCLUDED.{n}"))
        .collect();
    format!(
        "WITH page AS (
           SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], {own_arrays},
                                ${p0}::text[], ${p1}::int8[], ${p2}::text[])
             WITH ORDINALITY AS r (provider_record_id, phone_number, direction, counterpart,
                                   {names}, price_state, price_nanos, currency, ord)
         ),
         resolved AS (
           SELECT page.*, n.id AS phone_number_id
           FROM page
           LEFT JOIN public.phone_numbers AS n
             ON n.organization_id = $1 AND n.phone_number = page.phone_number
         ),
         latest AS (
           SELECT DISTINCT ON (provider_record_id) *
           FROM resolved WHERE phone_number_id IS NOT NULL
           ORDER BY provider_record_id, ord DESC
         ),
         old AS (
           SELECT c.provider_record_id, c.price_state
           FROM public.{table} AS c
           WHERE c.organization_id = $1 AND c.provider = $2 AND c.account_id = $3
             AND c.provider_record_id = ANY (ARRAY(SELECT provider_record_id FROM latest))
         ),
         written AS (
           INSERT INTO public.{table} AS c (organization_id, phone_number_id, phone_number,
             provider, account_id, provider_record_id, direction, counterpart, {names},
             price_state, price_nanos, currency, pulled_at)
           SELECT $1, r.phone_number_id, r.phone_number, $2, $3, r.provider_record_id,
                  r.direction, r.counterpart, {picked}, r.price_state, r.price_nanos, r.currency,
                  ${pulled}
           FROM latest AS r
           ON CONFLICT (organization_id, provider, account_id, provider_record_id)
           DO UPDATE SET {sets}
           RETURNING c.provider_record_id, c.price_state
         )
         SELECT count(*) FILTER (WHERE o.provider_record_id IS NULL),
                count(*) FILTER (WHERE o.price_state = 'pending' AND w.price_state <> 'pending'),
                count(*) FILTER (WHERE o.provider_record_id IS NOT NULL
                                   AND NOT (o.price_state = 'pending'
                                            AND w.price_state <> 'pending')),
                (SELECT count(*) FROM resolved WHERE phone_number_id IS NOT NULL
                   AND price_state = 'pending'),
                (SELECT count(*) FROM resolved WHERE phone_number_id IS NULL),
                (SELECT count(*) FROM resolved WHERE phone_number_id IS NOT NULL)
         FROM written AS w LEFT JOIN old AS o USING (provider_record_id)",
        own_arrays = own_arrays.join(", "),
        picked = picked.join(", "),
        sets = sets.join(", "),
        p0 = price,
        p1 = price + 1,
        p2 = price + 2,
        pulled = price + 3,
    )
}

/// What a page statement's row says, as [`Kept`]. A record repeated within the page is
/// written once (its last reading) and counted, like every record of the page, once: the
/// repetitions as unchanged.
fn kept_of(row: &PgRow) -> std::result::Result<Kept, sqlx::Error> {
    let n = |i: usize| -> std::result::Result<u64, sqlx::Error> {
        Ok(row.try_get::<i64, _>(i)?.max(0) as u64)
    };
    let (added, completed, unchanged) = (n(0)?, n(1)?, n(2)?);
    let ours = n(5)?;
    Ok(Kept {
        added,
        completed,
        unchanged: unchanged + ours.saturating_sub(added + completed + unchanged),
        pending: n(3)?,
        not_ours: n(4)?,
    })
}

/// The UTC time the day `d` starts.
fn day_start(d: time::Date) -> OffsetDateTime {
    d.midnight().assume_utc()
}

impl RemoteWorkspace {
    /// The organization, visible to this manager, or `NotFound`.
    async fn usage_organization(
        &self,
        conn: &mut PgConnection,
        organization_id: Uuid,
    ) -> Result<()> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM organizations WHERE id = $1")
            .bind(organization_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| self.map_error(e))?;
        found.map(|_| ()).ok_or_else(|| Error::NotFound {
            kind: "organization",
            key: organization_id.to_string(),
        })
    }

    /// Where the next pull of `account`'s records of `kind` starts; `None` before its first.
    pub async fn usage_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<UsageCursor>> {
        self.require_usage()?;
        let row: Option<(OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
            "SELECT since, pulled_at FROM usage_cursors
             WHERE organization_id = $1 AND provider = $2 AND account_id = $3 AND kind = $4",
        )
        .bind(account.organization_id)
        .bind(account.provider.as_str())
        .bind(&account.account_id)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.map_error(e))?;
        Ok(row.map(|(since, pulled_at)| UsageCursor { since, pulled_at }))
    }

    /// Sets the cursor of `account`'s records of `kind`.
    pub async fn set_usage_cursor(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
        cursor: UsageCursor,
    ) -> Result<()> {
        self.require_usage()?;
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        self.usage_organization(&mut tx, account.organization_id)
            .await?;
        sqlx::query(
            "INSERT INTO usage_cursors (organization_id, provider, account_id, kind, since,
                                        pulled_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (organization_id, provider, account_id, kind)
             DO UPDATE SET since = EXCLUDED.since, pulled_at = EXCLUDED.pulled_at",
        )
        .bind(account.organization_id)
        .bind(account.provider.as_str())
        .bind(&account.account_id)
        .bind(kind.as_str())
        .bind(cursor.since)
        .bind(cursor.pulled_at)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)
    }

    /// Keeps a page of `account`'s call records in one statement (see the module
    /// documentation); the server's triggers update the rollups in the same transaction.
    pub async fn keep_calls(
        &self,
        account: &UsageAccount,
        records: &[CallRecord],
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let mut common = Common::default();
        let (mut outcome, mut started, mut duration, mut billed) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in records {
            common.push(
                &r.provider_id,
                &r.number,
                r.direction,
                &r.counterpart,
                &r.price,
            );
            outcome.push(word(&r.outcome));
            started.push(r.started_at);
            duration.push(i64::from(r.duration_secs));
            billed.push(i64::from(r.billed_secs));
        }
        let sql = keep_sql(
            "calls",
            &[
                ("outcome", "text"),
                ("started_at", "timestamptz"),
                ("duration_secs", "int8"),
                ("billed_secs", "int8"),
            ],
        );
        self.keep_page(account, common, pulled_at, sql, |q| {
            q.bind(outcome).bind(started).bind(duration).bind(billed)
        })
        .await
    }

    /// Keeps a page of `account`'s message records, as [`RemoteWorkspace::keep_calls`].
    pub async fn keep_messages(
        &self,
        account: &UsageAccount,
        records: &[MessageRecord],
        pulled_at: OffsetDateTime,
    ) -> Result<Kept> {
        let mut common = Common::default();
        let (mut status, mut sent, mut segments) = (Vec::new(), Vec::new(), Vec::new());
        for r in records {
            common.push(
                &r.provider_id,
                &r.number,
                r.direction,
                &r.counterpart,
                &r.price,
            );
            status.push(r.status.clone());
            sent.push(r.sent_at);
            segments.push(i64::from(r.segments));
        }
        let sql = keep_sql(
            "messages",
            &[
                ("status", "text"),
                ("sent_at", "timestamptz"),
                ("segments", "int8"),
            ],
        );
        self.keep_page(account, common, pulled_at, sql, |q| {
            q.bind(status).bind(sent).bind(segments)
        })
        .await
    }

    async fn keep_page<'q>(
        &self,
        account: &'q UsageAccount,
        common: Common,
        pulled_at: OffsetDateTime,
        sql: String,
        own: impl FnOnce(
            sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
        ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Kept> {
        self.require_usage()?;
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        self.usage_organization(&mut tx, account.organization_id)
            .await?;
        if common.record_id.is_empty() {
            return Ok(Kept::default());
        }
        let query = sqlx::query(AssertSqlSafe(sql))
            .bind(account.organization_id)
            .bind(account.provider.as_str())
            .bind(account.account_id.as_str())
            .bind(common.record_id)
            .bind(common.number)
            .bind(common.direction)
            .bind(common.counterpart);
        let row = own(query)
            .bind(common.prices.state)
            .bind(common.prices.nanos)
            .bind(common.prices.currency)
            .bind(pulled_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
        let kept = kept_of(&row).map_err(map)?;
        tx.commit().await.map_err(map)?;
        Ok(kept)
    }

    /// When the oldest of `account`'s records of `kind` still priced pending started or was
    /// sent; `None` when none is.
    pub async fn oldest_pending(
        &self,
        account: &UsageAccount,
        kind: RecordKind,
    ) -> Result<Option<OffsetDateTime>> {
        self.require_usage()?;
        let (table, at) = match kind {
            RecordKind::Calls => ("calls", "started_at"),
            RecordKind::Messages => ("messages", "sent_at"),
        };
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT min({at}) FROM {table}
             WHERE organization_id = $1 AND provider = $2 AND account_id = $3
               AND price_state = 'pending'"
        )))
        .bind(account.organization_id)
        .bind(account.provider.as_str())
        .bind(&account.account_id)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.map_error(e))
    }

    /// The organization's usage over `range`, grouped `by` in SQL (see ops'
    /// `UsageStore::usage_totals`): one row per group with records in the range, ordered by
    /// key.
    pub async fn usage_totals(
        &self,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
    ) -> Result<Vec<UsageRow>> {
        self.require_usage()?;
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        self.usage_organization(&mut tx, organization_id).await?;
        let rows = self
            .grouped(&mut tx, organization_id, range, by, None)
            .await?;
        tx.commit().await.map_err(map)?;
        Ok(rows.into_values().collect())
    }

    /// One number's usage over `range`, per day, with its id now and the start of its latest
    /// final call in the range (see ops' `UsageStore::number_days`).
    pub async fn number_days(
        &self,
        organization_id: Uuid,
        number: &E164,
        range: DayRange,
    ) -> Result<NumberDayRows> {
        self.require_usage()?;
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        self.usage_organization(&mut tx, organization_id).await?;
        let days = self
            .grouped(&mut tx, organization_id, range, GroupBy::Day, Some(number))
            .await?;
        let (number_id, last_call_at): (Option<Uuid>, Option<OffsetDateTime>) = sqlx::query_as(
            "SELECT (SELECT id FROM phone_numbers
                     WHERE organization_id = $1 AND phone_number = $2),
                    (SELECT max(started_at) FROM calls
                     WHERE organization_id = $1 AND phone_number = $2
                       AND started_at >= $3 AND started_at < $4 AND outcome <> 'unfinished')",
        )
        .bind(organization_id)
        .bind(number.as_str())
        .bind(day_start(range.from()))
        .bind(day_start(range.to()) + time::Duration::DAY)
        .fetch_one(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        Ok(NumberDayRows {
            number_id,
            days: days.into_values().collect(),
            last_call_at,
        })
    }

    /// The organization's rollups over `range` (only `number`'s, when given), grouped `by` in
    /// SQL, keyed by the group's key, on `conn` (in the caller's transaction).
    async fn grouped(
        &self,
        conn: &mut PgConnection,
        organization_id: Uuid,
        range: DayRange,
        by: GroupBy,
        number: Option<&E164>,
    ) -> Result<BTreeMap<String, UsageRow>> {
        let map = |e| self.map_error(e);
        // Only the number's rows, when one is given.
        let only = if number.is_some() {
            "AND d.phone_number = $4"
        } else {
            ""
        };
        // The group's key and id, over `d` (the rollup rows), `n` (the number now) and `a`
        // (its agent).
        let (key, id) = match by {
            GroupBy::Number => ("d.phone_number", "n.id"),
            GroupBy::Agent => ("coalesce(a.name, '')", "a.id"),
            GroupBy::Provider => ("coalesce(n.provider, '')", "NULL::uuid"),
            GroupBy::Day => ("to_char(d.day, 'YYYY-MM-DD')", "NULL::uuid"),
        };
        let joins = "LEFT JOIN phone_numbers AS n
                       ON n.organization_id = d.organization_id AND n.phone_number = d.phone_number
                     LEFT JOIN agents AS a
                       ON a.organization_id = n.organization_id AND a.id = n.agent_id";
        let sums = format!(
            "{id}, sum(d.calls)::int8, sum(d.final_calls)::int8, sum(d.answered)::int8,
             sum(d.short_answered)::int8, sum(d.failed)::int8, sum(d.billed_secs)::int8,
             sum(d.messages)::int8, sum(d.segments)::int8, sum(d.pending)::int8,
             sum(d.not_reported)::int8"
        );
        let mut grouped = Vec::with_capacity(2);
        for (table, columns) in [
            ("usage_daily", sums.as_str()),
            ("usage_daily_cost", "d.currency, sum(d.nanos)::int8"),
        ] {
            let query = sqlx::query(AssertSqlSafe(format!(
                "SELECT {key}, {columns} FROM {table} AS d {joins}
                 WHERE d.organization_id = $1 AND d.day BETWEEN $2 AND $3 {only}
                 GROUP BY 1, 2"
            )))
            .bind(organization_id)
            .bind(range.from())
            .bind(range.to());
            let query = match number {
                Some(n) => query.bind(n.as_str()),
                None => query,
            };
            let rows = query.fetch_all(&mut *conn).await.map_err(map)?;
            grouped.push(rows);
        }
        let costs = grouped.pop().unwrap_or_default();
        let counts = grouped.pop().unwrap_or_default();

        // Keyed in Rust, so that the order is the local store's (bytes, not the database's
        // collation) and two agents of one name are one group, as there.
        let mut rows: BTreeMap<String, UsageRow> = BTreeMap::new();
        for r in &counts {
            let key: String = r.try_get(0).map_err(map)?;
            let id: Option<Uuid> = r.try_get(1).map_err(map)?;
            let n = |i: usize| -> Result<u64> {
                Ok(r.try_get::<Option<i64>, _>(i)
                    .map_err(map)?
                    .unwrap_or(0)
                    .max(0) as u64)
            };
            let c = UsageCounts {
                calls: n(2)?,
                final_calls: n(3)?,
                answered: n(4)?,
                short_answered: n(5)?,
                failed: n(6)?,
                billed_secs: n(7)?,
                messages: n(8)?,
                segments: n(9)?,
                pending: n(10)?,
                not_reported: n(11)?,
            };
            let row = rows.entry(key.clone()).or_insert_with(|| UsageRow {
                key,
                id,
                counts: UsageCounts::default(),
                cost: Totals::default(),
            });
            row.counts.add(&c);
        }
        for r in &costs {
            let key: String = r.try_get(0).map_err(map)?;
            let money = Money {
                currency: r.try_get(1).map_err(map)?,
                nanos: r.try_get(2).map_err(map)?,
            };
            if let Some(row) = rows.get_mut(&key) {
                row.cost.add(&money);
            }
        }
        Ok(rows)
    }

    /// Every number's daily call rollups in `range` with final calls, in E.164 order, each
    /// with the start of its latest final call in the range (see ops'
    /// `UsageStore::daily_calls`).
    pub async fn daily_calls(
        &self,
        organization_id: Uuid,
        range: DayRange,
    ) -> Result<Vec<NumberDays>> {
        self.daily_calls_of(organization_id, range, None).await
    }

    /// [`RemoteWorkspace::daily_calls`], of only the numbers `only` names when it is given.
    pub async fn daily_calls_of(
        &self,
        organization_id: Uuid,
        range: DayRange,
        only: Option<&[E164]>,
    ) -> Result<Vec<NumberDays>> {
        self.require_usage()?;
        let only: Option<Vec<&str>> = only.map(|o| o.iter().map(E164::as_str).collect());
        let map = |e| self.map_error(e);
        let mut tx = self.pool.begin().await.map_err(map)?;
        self.usage_organization(&mut tx, organization_id).await?;
        let (from, to) = (range.from(), range.to());
        let end = day_start(to) + time::Duration::DAY;
        let found = sqlx::query(
            "SELECT d.phone_number, d.day, d.final_calls, d.answered, d.short_answered,
                    d.failed, n.id,
                    (SELECT max(c.started_at) FROM calls AS c
                     WHERE c.organization_id = $1 AND c.phone_number = d.phone_number
                       AND c.started_at >= $4 AND c.started_at < $5
                       AND c.outcome <> 'unfinished')
             FROM usage_daily AS d
             LEFT JOIN phone_numbers AS n
               ON n.organization_id = d.organization_id AND n.phone_number = d.phone_number
             WHERE d.organization_id = $1 AND d.day BETWEEN $2 AND $3 AND d.final_calls > 0
               AND ($6::text[] IS NULL OR d.phone_number = ANY($6))
             ORDER BY d.phone_number COLLATE \"C\", d.day",
        )
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .bind(day_start(from))
        .bind(end)
        .bind(only)
        .fetch_all(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        let mut out: Vec<NumberDays> = Vec::new();
        for r in &found {
            let number: String = r.try_get(0).map_err(map)?;
            let count = |i: usize| -> Result<u32> {
                Ok(r.try_get::<i32, _>(i).map_err(map)?.max(0) as u32)
            };
            let day = DayCalls {
                day: r.try_get(1).map_err(map)?,
                calls: count(2)?,
                answered: count(3)?,
                short_answered: count(4)?,
                failed: count(5)?,
            };
            if out.last().is_none_or(|n| n.phone_number.as_str() != number) {
                out.push(NumberDays {
                    phone_number: E164::from_stored(number),
                    number_id: r.try_get(6).map_err(map)?,
                    days: Vec::new(),
                    last_call_at: r.try_get(7).map_err(map)?,
                });
            }
            if let Some(n) = out.last_mut() {
                n.days.push(day);
            }
        }
        Ok(out)
    }
}
