-- Usage records and their daily rollups (issue #15): the design's future `calls` table, a
-- `messages` table, `usage_daily` and `usage_daily_cost` (what reports and number health read)
-- and `usage_cursors` (where the next pull from a provider account starts). The columns are
-- those of the shared spec, identical in the SQLite workspace and offline cache
-- (crates/core/src/store/migrations), plus `written_xid` here (below).
--
-- Access: row-level security through the record's organization, by the rule and helpers of
-- phone_numbers after 20261207000801 (the gate computed when a statement is planned first,
-- then `organization_id = ANY (ARRAY(SELECT …))`), ENABLEd and FORCEd, four policies per
-- table, nothing for PUBLIC. Managers (switchboard_manager) may read, insert and update
-- records and cursors, and only read the rollups, which a trigger keeps (below). Every
-- B-tree index leads with organization_id (docs/POSTGRES.md, "Comparisons under row-level
-- security"): the spec's (phone_number_id, started_at) is (organization_id, phone_number_id,
-- started_at) here, so a manager's comparison on phone_number_id cannot be an index
-- condition over every organization's records.
--
-- A record names its number by phone_number_id only within its own organization: the
-- foreign key is (organization_id, phone_number_id) → phone_numbers (organization_id, id),
-- checked by PostgreSQL without row-level security, so another organization's number is
-- refused with the same error as an id that does not exist (nothing is learnt). A number
-- removed leaves its records, with phone_number_id cleared (cost history is never lost); a
-- number that has records cannot be moved to another organization (NO ACTION).
--
-- Rollups: statement-level triggers with transition tables recompute, in the writing
-- transaction, the usage_daily and usage_daily_cost rows of every (organization, number, UTC
-- day) a statement touched (old and new rows), from the records themselves. So the rollups
-- equal the records after every statement, whatever it did: a pending record priced, a record
-- read again, moved to another day or number, deleted. Writers of one organization queue on a
-- transaction-level advisory lock while recomputing, so concurrent pulls cannot leave a
-- rollup computed from a snapshot that missed the other's records.
--
-- written_xid: the transaction that last wrote the row (set by a trigger, whatever the writer
-- says). The offline caches read an organization's records `WHERE written_xid >=` the xmin of
-- their previous read's snapshot, as they read phone_numbers_changes: a time such as
-- pulled_at is assigned before the writing transaction commits, so a pull committing late
-- could land behind a cache's mark and never reach it.
--
-- Needs the owner of phone_numbers (for its (organization_id, id) key); another role is
-- refused with a hint and nothing changes. Re-runnable.

DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                 WHERE conrelid = 'public.phone_numbers'::regclass
                   AND conname = 'phone_numbers_organization_id_id_key') THEN
    ALTER TABLE public.phone_numbers
      ADD CONSTRAINT phone_numbers_organization_id_id_key UNIQUE (organization_id, id);
  END IF;
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'cannot add the key (organization_id, id) to phone_numbers: %', SQLERRM
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Run `switchboard-cli db migrate` as the owner of phone_numbers (the role '
                   'that applied the earlier migrations).';
END
$migration$;

CREATE TABLE IF NOT EXISTS public.calls (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  phone_number_id UUID,
  phone_number TEXT NOT NULL,
  provider TEXT NOT NULL
    CONSTRAINT calls_provider_known
    CHECK (provider IN ('twilio', 'vonage', 'telnyx', 'bandwidth', 'plivo')),
  account_id TEXT NOT NULL,
  provider_record_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  counterpart TEXT NOT NULL,
  outcome TEXT NOT NULL
    CHECK (outcome IN ('answered', 'busy', 'no_answer', 'failed', 'canceled', 'unfinished')),
  started_at TIMESTAMPTZ NOT NULL,
  duration_secs INTEGER NOT NULL CHECK (duration_secs >= 0),
  billed_secs INTEGER NOT NULL CHECK (billed_secs >= 0),
  price_state TEXT NOT NULL CHECK (price_state IN ('charged', 'pending', 'not_billed')),
  price_nanos BIGINT,
  currency TEXT CHECK (currency ~ '^[A-Z]{3}$'),
  pulled_at TIMESTAMPTZ NOT NULL,
  written_xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
  -- A price and its currency exactly when charged: pending is never zero.
  CONSTRAINT calls_price_iff_charged CHECK (
    (price_state = 'charged') = (price_nanos IS NOT NULL)
    AND (price_nanos IS NULL) = (currency IS NULL)),
  CONSTRAINT calls_record_key UNIQUE (organization_id, provider, account_id, provider_record_id),
  CONSTRAINT calls_number_same_organization_fkey
    FOREIGN KEY (organization_id, phone_number_id)
    REFERENCES public.phone_numbers (organization_id, id)
    ON DELETE SET NULL (phone_number_id)
);

CREATE TABLE IF NOT EXISTS public.messages (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  phone_number_id UUID,
  phone_number TEXT NOT NULL,
  provider TEXT NOT NULL
    CONSTRAINT messages_provider_known
    CHECK (provider IN ('twilio', 'vonage', 'telnyx', 'bandwidth', 'plivo')),
  account_id TEXT NOT NULL,
  provider_record_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  counterpart TEXT NOT NULL,
  status TEXT NOT NULL,
  sent_at TIMESTAMPTZ NOT NULL,
  segments INTEGER NOT NULL CHECK (segments >= 0),
  price_state TEXT NOT NULL CHECK (price_state IN ('charged', 'pending', 'not_billed')),
  price_nanos BIGINT,
  currency TEXT CHECK (currency ~ '^[A-Z]{3}$'),
  pulled_at TIMESTAMPTZ NOT NULL,
  written_xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT messages_price_iff_charged CHECK (
    (price_state = 'charged') = (price_nanos IS NOT NULL)
    AND (price_nanos IS NULL) = (currency IS NULL)),
  CONSTRAINT messages_record_key
    UNIQUE (organization_id, provider, account_id, provider_record_id),
  CONSTRAINT messages_number_same_organization_fkey
    FOREIGN KEY (organization_id, phone_number_id)
    REFERENCES public.phone_numbers (organization_id, id)
    ON DELETE SET NULL (phone_number_id)
);

CREATE TABLE IF NOT EXISTS public.usage_daily (
  organization_id UUID NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  phone_number TEXT NOT NULL,
  day DATE NOT NULL,
  phone_number_id UUID,
  calls INTEGER NOT NULL,
  final_calls INTEGER NOT NULL,
  answered INTEGER NOT NULL,
  short_answered INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  billed_secs BIGINT NOT NULL,
  messages INTEGER NOT NULL,
  segments INTEGER NOT NULL,
  pending INTEGER NOT NULL,
  PRIMARY KEY (organization_id, phone_number, day)
);

CREATE TABLE IF NOT EXISTS public.usage_daily_cost (
  organization_id UUID NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  phone_number TEXT NOT NULL,
  day DATE NOT NULL,
  currency TEXT NOT NULL,
  nanos BIGINT NOT NULL,
  PRIMARY KEY (organization_id, phone_number, day, currency)
);

CREATE TABLE IF NOT EXISTS public.usage_cursors (
  organization_id UUID NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  provider TEXT NOT NULL
    CONSTRAINT usage_cursors_provider_known
    CHECK (provider IN ('twilio', 'vonage', 'telnyx', 'bandwidth', 'plivo')),
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('calls', 'messages')),
  since TIMESTAMPTZ NOT NULL,
  pulled_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (organization_id, provider, account_id, kind)
);

-- Reports by time; the rollup's recomputation and a number's records by number text; the
-- foreign key's ON DELETE and a number's records by id; the caches' refresh by xid.
CREATE INDEX IF NOT EXISTS idx_calls_organization_started_at
  ON public.calls (organization_id, started_at);
CREATE INDEX IF NOT EXISTS idx_calls_organization_phone_number_started_at
  ON public.calls (organization_id, phone_number, started_at);
CREATE INDEX IF NOT EXISTS idx_calls_organization_phone_number_id_started_at
  ON public.calls (organization_id, phone_number_id, started_at);
CREATE INDEX IF NOT EXISTS idx_calls_organization_written_xid
  ON public.calls (organization_id, written_xid);
CREATE INDEX IF NOT EXISTS idx_messages_organization_sent_at
  ON public.messages (organization_id, sent_at);
CREATE INDEX IF NOT EXISTS idx_messages_organization_phone_number_sent_at
  ON public.messages (organization_id, phone_number, sent_at);
CREATE INDEX IF NOT EXISTS idx_messages_organization_phone_number_id_sent_at
  ON public.messages (organization_id, phone_number_id, sent_at);
CREATE INDEX IF NOT EXISTS idx_messages_organization_written_xid
  ON public.messages (organization_id, written_xid);
-- The records still pending, where the next pull of an account starts (few: the last hour's).
CREATE INDEX IF NOT EXISTS idx_calls_pending
  ON public.calls (organization_id, provider, account_id, started_at)
  WHERE price_state = 'pending';
CREATE INDEX IF NOT EXISTS idx_messages_pending
  ON public.messages (organization_id, provider, account_id, sent_at)
  WHERE price_state = 'pending';
-- Reports over a range of days (the primary keys serve a number's days).
CREATE INDEX IF NOT EXISTS idx_usage_daily_organization_day
  ON public.usage_daily (organization_id, day);
CREATE INDEX IF NOT EXISTS idx_usage_daily_cost_organization_day
  ON public.usage_daily_cost (organization_id, day);

-- The transaction that wrote the row, whatever the statement said.
CREATE OR REPLACE FUNCTION public.usage_record_written()
RETURNS TRIGGER
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  NEW.written_xid := pg_catalog.pg_current_xact_id();
  RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER calls_written
  BEFORE INSERT OR UPDATE ON public.calls
  FOR EACH ROW EXECUTE FUNCTION public.usage_record_written();
CREATE OR REPLACE TRIGGER messages_written
  BEFORE INSERT OR UPDATE ON public.messages
  FOR EACH ROW EXECUTE FUNCTION public.usage_record_written();

-- Recomputes usage_daily and usage_daily_cost for every (organization, number, UTC day) the
-- statement's old and new rows name. SECURITY DEFINER: managers only read the rollups. It
-- runs for calls and messages only (any other table is refused), its owner is subject to the
-- tables' FORCEd policies (evaluated for session_user, as every policy here), and nobody but
-- its owner may execute it (a trigger fires whoever writes).
CREATE OR REPLACE FUNCTION public.refresh_usage_daily()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  is_calls CONSTANT BOOLEAN := TG_RELID = 'public.calls'::pg_catalog.regclass;
  orgs UUID[];
  numbers TEXT[];
  days DATE[];
  org UUID;
BEGIN
  IF TG_RELID NOT IN ('public.calls'::pg_catalog.regclass,
                      'public.messages'::pg_catalog.regclass) THEN
    RAISE EXCEPTION 'refresh_usage_daily() runs for public.calls and public.messages only, '
                    'not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' AND is_calls THEN
    SELECT array_agg(k.o), array_agg(k.n), array_agg(k.d) INTO orgs, numbers, days
    FROM (SELECT DISTINCT r.organization_id, r.phone_number,
                 (r.started_at AT TIME ZONE 'UTC')::date
          FROM new_rows AS r) AS k (o, n, d);
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.o), array_agg(k.n), array_agg(k.d) INTO orgs, numbers, days
    FROM (SELECT DISTINCT r.organization_id, r.phone_number,
                 (r.sent_at AT TIME ZONE 'UTC')::date
          FROM new_rows AS r) AS k (o, n, d);
  ELSIF TG_OP = 'UPDATE' AND is_calls THEN
    SELECT array_agg(k.o), array_agg(k.n), array_agg(k.d) INTO orgs, numbers, days
    FROM (SELECT r.organization_id, r.phone_number, (r.started_at AT TIME ZONE 'UTC')::date
          FROM new_rows AS r
          UNION
          SELECT r.organization_id, r.phone_number, (r.started_at AT TIME ZONE 'UTC')::date
          FROM old_rows AS r) AS k (o, n, d);
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(k.o), array_agg(k.n), array_agg(k.d) INTO orgs, numbers, days
    FROM (SELECT r.organization_id, r.phone_number, (r.sent_at AT TIME ZONE 'UTC')::date
          FROM new_rows AS r
          UNION
          SELECT r.organization_id, r.phone_number, (r.sent_at AT TIME ZONE 'UTC')::date
          FROM old_rows AS r) AS k (o, n, d);
  ELSIF is_calls THEN
    SELECT array_agg(k.o), array_agg(k.n), array_agg(k.d) INTO orgs, numbers, days
    FROM (SELECT DISTINCT r.organization_id, r.phone_number,
                 (r.started_at AT TIME ZONE 'UTC')::date
          FROM old_rows AS r) AS k (o, n, d);
  ELSE
    SELECT array_agg(k.o), array_agg(k.n), array_agg(k.d) INTO orgs, numbers, days
    FROM (SELECT DISTINCT r.organization_id, r.phone_number,
                 (r.sent_at AT TIME ZONE 'UTC')::date
          FROM old_rows AS r) AS k (o, n, d);
  END IF;
  IF orgs IS NULL THEN
    RETURN NULL;
  END IF;

  -- One writer per organization at a time from here to its commit; each statement below then
  -- sees every record committed before (READ COMMITTED takes a snapshot per statement).
  FOR org IN SELECT DISTINCT o FROM pg_catalog.unnest(orgs) AS o ORDER BY o LOOP
    PERFORM pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtext('public.usage_daily'), pg_catalog.hashtext(org::text));
  END LOOP;

  DELETE FROM public.usage_daily AS d
  USING unnest(orgs, numbers, days) AS k (o, n, dd)
  WHERE d.organization_id = k.o AND d.phone_number = k.n AND d.day = k.dd;
  DELETE FROM public.usage_daily_cost AS d
  USING unnest(orgs, numbers, days) AS k (o, n, dd)
  WHERE d.organization_id = k.o AND d.phone_number = k.n AND d.day = k.dd;

  INSERT INTO public.usage_daily (organization_id, phone_number, day, phone_number_id, calls,
                                  final_calls, answered, short_answered, failed, billed_secs,
                                  messages, segments, pending)
  SELECT k.o, k.n, k.dd, coalesce(c.phone_number_id, m.phone_number_id), c.calls,
         c.final_calls, c.answered, c.short_answered, c.failed, c.billed_secs, m.messages,
         m.segments, c.pending + m.pending
  FROM unnest(orgs, numbers, days) AS k (o, n, dd)
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS calls,
           count(*) FILTER (WHERE r.outcome <> 'unfinished')::int AS final_calls,
           count(*) FILTER (WHERE r.outcome = 'answered')::int AS answered,
           count(*) FILTER (WHERE r.outcome = 'answered' AND r.duration_secs < 10)::int
             AS short_answered,
           count(*) FILTER (WHERE r.outcome = 'failed')::int AS failed,
           coalesce(sum(r.billed_secs), 0)::bigint AS billed_secs,
           count(*) FILTER (WHERE r.price_state = 'pending')::int AS pending,
           (array_agg(r.phone_number_id) FILTER (WHERE r.phone_number_id IS NOT NULL))[1]
             AS phone_number_id
    FROM public.calls AS r
    WHERE r.organization_id = k.o AND r.phone_number = k.n
      AND r.started_at >= k.dd::timestamp AT TIME ZONE 'UTC'
      AND r.started_at < (k.dd + 1)::timestamp AT TIME ZONE 'UTC') AS c
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS messages,
           coalesce(sum(r.segments), 0)::int AS segments,
           count(*) FILTER (WHERE r.price_state = 'pending')::int AS pending,
           (array_agg(r.phone_number_id) FILTER (WHERE r.phone_number_id IS NOT NULL))[1]
             AS phone_number_id
    FROM public.messages AS r
    WHERE r.organization_id = k.o AND r.phone_number = k.n
      AND r.sent_at >= k.dd::timestamp AT TIME ZONE 'UTC'
      AND r.sent_at < (k.dd + 1)::timestamp AT TIME ZONE 'UTC') AS m
  WHERE c.calls > 0 OR m.messages > 0;

  INSERT INTO public.usage_daily_cost (organization_id, phone_number, day, currency, nanos)
  SELECT k.o, k.n, k.dd, x.currency, sum(x.price_nanos)::bigint
  FROM unnest(orgs, numbers, days) AS k (o, n, dd)
  CROSS JOIN LATERAL (
    SELECT r.currency, r.price_nanos
    FROM public.calls AS r
    WHERE r.organization_id = k.o AND r.phone_number = k.n AND r.price_state = 'charged'
      AND r.started_at >= k.dd::timestamp AT TIME ZONE 'UTC'
      AND r.started_at < (k.dd + 1)::timestamp AT TIME ZONE 'UTC'
    UNION ALL
    SELECT r.currency, r.price_nanos
    FROM public.messages AS r
    WHERE r.organization_id = k.o AND r.phone_number = k.n AND r.price_state = 'charged'
      AND r.sent_at >= k.dd::timestamp AT TIME ZONE 'UTC'
      AND r.sent_at < (k.dd + 1)::timestamp AT TIME ZONE 'UTC') AS x
  GROUP BY k.o, k.n, k.dd, x.currency;
  RETURN NULL;
END;
$$;

REVOKE ALL ON FUNCTION public.refresh_usage_daily() FROM PUBLIC;
COMMENT ON FUNCTION public.refresh_usage_daily() IS
  'Recomputes the usage_daily and usage_daily_cost rows of the (organization, number, UTC '
  'day) pairs a statement on calls or messages touched (migration 20261207001000)';

CREATE OR REPLACE TRIGGER calls_usage_daily_inserts
  AFTER INSERT ON public.calls
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.refresh_usage_daily();
CREATE OR REPLACE TRIGGER calls_usage_daily_updates
  AFTER UPDATE ON public.calls
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.refresh_usage_daily();
CREATE OR REPLACE TRIGGER calls_usage_daily_deletes
  AFTER DELETE ON public.calls
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.refresh_usage_daily();
CREATE OR REPLACE TRIGGER messages_usage_daily_inserts
  AFTER INSERT ON public.messages
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.refresh_usage_daily();
CREATE OR REPLACE TRIGGER messages_usage_daily_updates
  AFTER UPDATE ON public.messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.refresh_usage_daily();
CREATE OR REPLACE TRIGGER messages_usage_daily_deletes
  AFTER DELETE ON public.messages
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.refresh_usage_daily();

-- Row-level security, the phone_numbers rule (20261207000801): select, insert, update (with
-- check) and delete policies through organization_id on each table.
DO $migration$
DECLARE
  member CONSTANT TEXT := '(CASE WHEN ARRAY[organization_id] <@ ANY '
    '(ARRAY[public.switchboard_planned_organization_ids()]) THEN true END) IS NOT NULL '
    'AND organization_id = ANY (ARRAY(SELECT uo.organization_id '
    'FROM public.user_organizations AS uo WHERE uo.user_id = (SELECT auth.uid())))';
  tables CONSTANT TEXT[] := ARRAY['calls', 'messages', 'usage_daily', 'usage_daily_cost',
                                  'usage_cursors'];
  t TEXT;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', t || '_select_policy', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR SELECT USING (%s)',
                   t || '_select_policy', t, member);
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', t || '_insert_policy', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR INSERT WITH CHECK (%s)',
                   t || '_insert_policy', t, member);
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', t || '_update_policy', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR UPDATE USING (%s) WITH CHECK (%s)',
                   t || '_update_policy', t, member, member);
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', t || '_delete_policy', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR DELETE USING (%s)',
                   t || '_delete_policy', t, member);
    EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', t);
  END LOOP;
END
$migration$;

-- Records and cursors are written by pulls; nobody deletes them (no history is lost; they go
-- with their organization). The rollups are the trigger's alone.
GRANT SELECT, INSERT, UPDATE ON public.calls, public.messages, public.usage_cursors
  TO switchboard_manager;
GRANT SELECT ON public.usage_daily, public.usage_daily_cost TO switchboard_manager;

COMMENT ON TABLE public.calls IS
  'Call records pulled from provider accounts, one per provider record (issue #15)';
COMMENT ON TABLE public.messages IS
  'Message records pulled from provider accounts, one per provider record (issue #15)';
COMMENT ON TABLE public.usage_daily IS
  'Per organization, number and UTC day: counts of calls and messages, kept equal to the '
  'records by refresh_usage_daily()';
COMMENT ON TABLE public.usage_daily_cost IS
  'Per organization, number, UTC day and currency: charged amounts in billionths, kept equal '
  'to the records by refresh_usage_daily()';
COMMENT ON TABLE public.usage_cursors IS
  'Per organization, provider account and kind: where the next pull starts';
