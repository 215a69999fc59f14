-- Substring search under row-level security that reveals nothing of other organizations'
-- rows (issue #12, item 1). Replaces the leakproof operators of 20251009150000.
--
-- Why they go: PostgreSQL evaluates a LEAKPROOF condition before the policy, so it could be
-- an index condition over every organization's rows. As a manager of A,
-- `EXPLAIN (ANALYZE) … WHERE friendly_name OPERATOR(public.~~~*) '%falcon%'` printed
-- `actual rows=1` and `Rows Removed by Filter: 1` when only organization B had a "Project
-- Falcon" line, and 0 when nobody had: names and numbers could be read one character at a
-- time. This drops the operators, their operator class and their indexes, and the functions.
--
-- What replaces them: phone_number_ids_matching(organization, field, pattern), a SECURITY
-- DEFINER function that returns the ids of one organization's numbers whose phone_number
-- (LIKE) or friendly_name (ILIKE) matches, and nothing for an organization the caller is not
-- a member of (membership computed as the policies compute it). Its statement names the
-- organization, so the planner uses GIN indexes on (organization_id, phone_number) and
-- (organization_id, lower(friendly_name)) whose scan yields that organization's candidates
-- only; a caller's EXPLAIN shows just the function scan and the ids it returned. The client
-- reads the rows themselves by id, under the policies (crates/postgres/src/search.rs).
--
-- Where it is installed: the function only helps where its owner, the role running this
-- migration, is not subject to the policies (a superuser or a BYPASSRLS role: phone_numbers
-- FORCEs row-level security on its owner, and a policy-checked LIKE cannot use an index).
-- It also needs pg_trgm and btree_gin (both trusted contrib extensions). Elsewhere this only
-- drops the leaky objects and says so; the client then searches with plain LIKE, which the
-- policy filters first (no index, no leak).
--
-- Re-runnable: IF EXISTS, IF NOT EXISTS, OR REPLACE.

DO $migration$
BEGIN
  BEGIN
    DROP INDEX IF EXISTS public.idx_phone_numbers_phone_number_trgm_leakproof;
    DROP INDEX IF EXISTS public.idx_phone_numbers_friendly_name_trgm_leakproof;
    DROP OPERATOR FAMILY IF EXISTS public.switchboard_trgm_ops USING gin CASCADE;
    DROP OPERATOR IF EXISTS public.~~~ (text, text);
    DROP OPERATOR IF EXISTS public.~~~* (text, text);
    DROP FUNCTION IF EXISTS public.switchboard_like(text, text);
    DROP FUNCTION IF EXISTS public.switchboard_ilike(text, text);
  EXCEPTION
    WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'cannot drop the leakproof search operators of 20251009150000: %',
          SQLERRM
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Run `switchboard-cli db migrate` as the role that applied 20251009150000 '
                     '(a superuser); until then managers can read other organizations'' '
                     'names through EXPLAIN ANALYZE.';
  END;
END
$migration$;

DO $migration$
DECLARE
  trgm_schema NAME;
BEGIN
  IF NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles AS r
          WHERE r.rolname = current_user) THEN
    RAISE NOTICE 'not a superuser or BYPASSRLS role: indexed search not installed; '
                 'search under row-level security scans each organization';
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_trgm')
     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'btree_gin')
  THEN
    RAISE NOTICE 'pg_trgm or btree_gin is not available: indexed search not installed; '
                 'search under row-level security scans each organization';
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE EXTENSION IF NOT EXISTS btree_gin;
  SELECT n.nspname INTO trgm_schema
  FROM pg_catalog.pg_extension AS e
  JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';

  -- These replace the trigram indexes of 20251009120100, which lead with the trigrams: with
  -- them the planner preferred to find every organization's candidates and filter by
  -- organization afterwards, so a search would have read other organizations' rows (and
  -- taken longer the more of them matched). fastupdate off: a pending list would be read by
  -- every search, whichever organization's inserts filled it.
  DROP INDEX IF EXISTS public.idx_phone_numbers_phone_number_trgm;
  DROP INDEX IF EXISTS public.idx_phone_numbers_friendly_name_trgm;
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_phone_number_trgm '
    'ON public.phone_numbers USING gin (organization_id, phone_number %I.gin_trgm_ops) '
    'WITH (fastupdate = off)',
    trgm_schema);
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_friendly_name_trgm '
    'ON public.phone_numbers USING gin (organization_id, lower(friendly_name) %I.gin_trgm_ops) '
    'WITH (fastupdate = off)',
    trgm_schema);

  -- The ids and numbers of `organization`'s numbers whose phone_number is LIKE `pattern`
  -- (field 'phone_number') or whose friendly_name is ILIKE `pattern` ('friendly_name'). The
  -- numbers let a caller pick a page by number without reading every match again.
  --
  -- What it guarantees: only rows of `organization` are read, and only when session_user is
  -- a member of it (the policies' rule: auth.uid() reads session_user, which SECURITY
  -- DEFINER does not change). Otherwise nothing, as for an organization without matches
  -- (also for an administrator who is no member: they query the table). A pattern LIKE
  -- would refuse (an unpaired escape character at its end) and an unknown field are refused
  -- before any row is read. EXECUTE … USING plans each call with its values, so the
  -- planner sees the pattern's trigrams and the organization.
  CREATE OR REPLACE FUNCTION public.phone_number_ids_matching(
    organization UUID, field TEXT, pattern TEXT)
  RETURNS TABLE (id UUID, phone_number TEXT)
  LANGUAGE plpgsql
  STABLE
  STRICT
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  ROWS 100
  AS $fn$
  BEGIN
    IF field NOT IN ('phone_number', 'friendly_name') THEN
      RAISE EXCEPTION 'field must be phone_number or friendly_name, not %', field
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (length(pattern) - length(rtrim(pattern, '\'))) % 2 = 1 THEN
      RAISE EXCEPTION 'LIKE pattern must not end with escape character'
        USING ERRCODE = 'invalid_escape_sequence';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.user_organizations AS uo
                   WHERE uo.user_id = (SELECT auth.uid())
                     AND uo.organization_id = organization) THEN
      RETURN;
    END IF;
    IF field = 'phone_number' THEN
      RETURN QUERY EXECUTE
        'SELECT p.id, p.phone_number::text FROM public.phone_numbers AS p
         WHERE p.organization_id = $1 AND p.phone_number::text LIKE $2'
        USING organization, pattern;
    ELSE
      RETURN QUERY EXECUTE
        'SELECT p.id, p.phone_number::text FROM public.phone_numbers AS p
         WHERE p.organization_id = $1 AND lower(p.friendly_name::text) LIKE lower($2)'
        USING organization, pattern;
    END IF;
  END
  $fn$;

  REVOKE ALL ON FUNCTION public.phone_number_ids_matching(UUID, TEXT, TEXT) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION public.phone_number_ids_matching(UUID, TEXT, TEXT)
    TO switchboard_manager;
  COMMENT ON FUNCTION public.phone_number_ids_matching(UUID, TEXT, TEXT) IS
    'Ids and numbers of one organization''s numbers matching a LIKE (phone_number) or ILIKE '
    '(friendly_name) pattern; nothing for an organization the caller is not a member of';
END
$migration$;
