-- The daily rollups count the calls whose provider reports no cost (price_state
-- 'not_reported', Bandwidth's Call Search; migration 20261207001100) beside the pending ones,
-- so that a report says how many records its cost leaves out (docs/POSTGRES.md, "Usage
-- records"). The SQLite workspace and offline cache get the same column in their migration
-- 20261207002000.
--
-- usage_daily.not_reported: a new column of a table whose row-level security, grants and
-- policies are unchanged (a manager reads it only on their organization's rows, as every
-- other count). refresh_usage_daily() is replaced to count it: the same function as
-- 20261207001000's, with that one count added. The rows already kept get it from their calls,
-- once: row-level security is not forced on usage_daily and calls for that statement only
-- (this transaction; the migration runs as their owner, whom the policies would otherwise
-- show no organization), and forced again before the transaction commits. Re-runnable.

ALTER TABLE public.usage_daily
  ADD COLUMN IF NOT EXISTS not_reported INTEGER NOT NULL DEFAULT 0;

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
                                  messages, segments, pending, not_reported)
  SELECT k.o, k.n, k.dd, coalesce(c.phone_number_id, m.phone_number_id), c.calls,
         c.final_calls, c.answered, c.short_answered, c.failed, c.billed_secs, m.messages,
         m.segments, c.pending + m.pending, c.not_reported
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
           count(*) FILTER (WHERE r.price_state = 'not_reported')::int AS not_reported,
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
  'day) pairs a statement on calls or messages touched (migrations 20261207001000, '
  '20261207002000)';

ALTER TABLE public.usage_daily NO FORCE ROW LEVEL SECURITY;
ALTER TABLE public.calls NO FORCE ROW LEVEL SECURITY;
UPDATE public.usage_daily AS d SET not_reported = n.calls
FROM (SELECT c.organization_id, c.phone_number, (c.started_at AT TIME ZONE 'UTC')::date AS day,
             count(*)::int AS calls
      FROM public.calls AS c
      WHERE c.price_state = 'not_reported'
      GROUP BY 1, 2, 3) AS n
WHERE d.organization_id = n.organization_id AND d.phone_number = n.phone_number
  AND d.day = n.day AND d.not_reported <> n.calls;
ALTER TABLE public.usage_daily FORCE ROW LEVEL SECURITY;
ALTER TABLE public.calls FORCE ROW LEVEL SECURITY;

COMMENT ON COLUMN public.usage_daily.not_reported IS
  'Calls whose provider reports no cost (price_state not_reported): neither pending nor in '
  'usage_daily_cost';
