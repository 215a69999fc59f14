-- The search function's trigram indexes lead with organization_id::text instead of
-- organization_id, so that a manager's own comparisons cannot use them (issue #12, item 1).
--
-- Why: the GIN indexes of 20261207000100 lead with organization_id (btree_gin). GIN cannot
-- take the policies' `organization_id = ANY (ARRAY(…))` as an index condition, so a
-- manager's `organization_id = '<another organization>'` (uuid_eq is LEAKPROOF, so it may
-- run before the policy) became their only index condition, and EXPLAIN ANALYZE's
-- `actual rows` counted that organization's numbers; a range of ids found the organizations.
--
-- What this does, where 20261207000100 installed its search (the function exists): the
-- indexes become GIN ((organization_id::text), phone_number) and ((organization_id::text),
-- lower(friendly_name)), and phone_number_ids_matching() compares
-- `p.organization_id::text = $1::text`. The cast is uuid_out and textin, neither LEAKPROOF,
-- so a manager's condition on that expression waits for the policy and is never an index
-- condition; the policies' own condition does not match the expression either. Only the
-- function (which does not run under the policies) reaches these indexes. Everything else
-- in the function is as 20261207000100 has it.
--
-- Needs the owner of phone_numbers and of the function (the role that applied
-- 20261207000100); another role is refused with a hint and nothing changes. Where the
-- function does not exist this says so and does nothing. Re-runnable.

DO $migration$
DECLARE
  trgm_schema NAME;
BEGIN
  IF to_regprocedure('public.phone_number_ids_matching(uuid, text, text)') IS NULL THEN
    RAISE NOTICE 'phone_number_ids_matching() is not installed (see 20261207000100): '
                 'no search indexes to replace';
    RETURN;
  END IF;
  SELECT n.nspname INTO trgm_schema
  FROM pg_catalog.pg_extension AS e
  JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';

  DROP INDEX IF EXISTS public.idx_phone_numbers_organization_phone_number_trgm;
  DROP INDEX IF EXISTS public.idx_phone_numbers_organization_friendly_name_trgm;
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_text_phone_number_trgm '
    'ON public.phone_numbers USING gin ((organization_id::text), phone_number %I.gin_trgm_ops) '
    'WITH (fastupdate = off)',
    trgm_schema);
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_text_friendly_name_trgm '
    'ON public.phone_numbers USING gin ((organization_id::text), lower(friendly_name) '
    '%I.gin_trgm_ops) WITH (fastupdate = off)',
    trgm_schema);

  -- As in 20261207000100 but for the organization's comparison, which matches the indexes'
  -- leading expression. OR REPLACE keeps the owner and the privileges.
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
         WHERE p.organization_id::text = $1::text AND p.phone_number::text LIKE $2'
        USING organization, pattern;
    ELSE
      RETURN QUERY EXECUTE
        'SELECT p.id, p.phone_number::text FROM public.phone_numbers AS p
         WHERE p.organization_id::text = $1::text
           AND lower(p.friendly_name::text) LIKE lower($2)'
        USING organization, pattern;
    END IF;
  END
  $fn$;
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'cannot replace the search indexes of 20261207000100: %', SQLERRM
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Run `switchboard-cli db migrate` as the role that applied 20261207000100 '
                   '(the owner of phone_numbers and of phone_number_ids_matching); until then '
                   'managers can count another organization''s numbers through EXPLAIN '
                   'ANALYZE.';
END
$migration$;
