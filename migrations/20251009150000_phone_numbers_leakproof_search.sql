-- Substring search that row-level security lets use its indexes.
--
-- Under RLS, PostgreSQL evaluates the policy's check before any condition of the query that
-- is not LEAKPROOF (a function that could raise an error or otherwise reveal its arguments
-- must not see rows the policy hides), and a condition that must wait for the policy cannot
-- be an index condition. LIKE and ILIKE (textlike, texticlike) are not leakproof, so a
-- manager's `lower(friendly_name) LIKE '%…%'` could not use the trigram indexes of
-- 20251009120100: it walked every row of the organization and tested each.
--
-- This adds two LEAKPROOF functions with exactly LIKE's and ILIKE's results, operators for
-- them (~~~ and ~~~*), a trigram operator class that serves those operators with pg_trgm's
-- own support functions (strategies 3 = LIKE and 4 = ILIKE, as in gin_trgm_ops), and GIN
-- indexes with it on (organization_id, phone_number) and (organization_id, friendly_name).
-- Switchboard's client uses the operators when it finds them (crates/postgres/src/search.rs).
-- The policies are unchanged.
--
-- Why the functions are leakproof: textlike/texticlike raise an error in one case only, a
-- pattern ending in an unpaired escape character ("LIKE pattern must not end with escape
-- character"); with the pattern taken from a hidden row (`'x' ~~~ friendly_name`) that error
-- would tell whether some hidden name ends so. The functions return false for such a pattern
-- instead, so they raise nothing for any arguments and have no side effects. Every name in
-- their bodies is schema-qualified (pg_catalog), so a caller's search_path cannot put code of
-- theirs where it would see hidden rows. (As for every leakproof function, timing is not
-- covered; PostgreSQL's own leakproof operators make the same promise.)
--
-- LEAKPROOF functions and operator classes can only be created by a superuser. Elsewhere
-- (e.g. a managed database where migrations run as a non-superuser owner) this migration
-- does nothing but say so; search then works as before, scanning the organization.
-- Needs pg_trgm (20251009120100 creates it where available).

DO $migration$
DECLARE
  trgm_schema NAME;
BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    RAISE NOTICE 'not a superuser: leakproof substring search not installed; '
                 'search under row-level security scans each organization';
    RETURN;
  END IF;

  SELECT n.nspname INTO trgm_schema
  FROM pg_catalog.pg_extension AS e
  JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';
  IF trgm_schema IS NULL THEN
    RAISE NOTICE 'pg_trgm is not installed: leakproof substring search not installed';
    RETURN;
  END IF;

  -- plpgsql, so that the planner cannot inline the body (which would replace the operator
  -- with the non-leakproof LIKE and leave the index unusable).
  CREATE OR REPLACE FUNCTION public.switchboard_like(haystack text, pattern text)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS $fn$
  BEGIN
    -- An odd run of trailing backslashes: LIKE would raise; no string matches it.
    IF pg_catalog.right(pattern, 1) OPERATOR(pg_catalog.=) '\'
       AND (pg_catalog.length(pattern) OPERATOR(pg_catalog.-)
            pg_catalog.length(pg_catalog.rtrim(pattern, '\')))
           OPERATOR(pg_catalog.%) 2 OPERATOR(pg_catalog.=) 1 THEN
      RETURN false;
    END IF;
    RETURN pg_catalog.textlike(haystack, pattern);
  END
  $fn$;

  CREATE OR REPLACE FUNCTION public.switchboard_ilike(haystack text, pattern text)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS $fn$
  BEGIN
    IF pg_catalog.right(pattern, 1) OPERATOR(pg_catalog.=) '\'
       AND (pg_catalog.length(pattern) OPERATOR(pg_catalog.-)
            pg_catalog.length(pg_catalog.rtrim(pattern, '\')))
           OPERATOR(pg_catalog.%) 2 OPERATOR(pg_catalog.=) 1 THEN
      RETURN false;
    END IF;
    RETURN pg_catalog.texticlike(haystack, pattern);
  END
  $fn$;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_operator
                 WHERE oprname = '~~~' AND oprnamespace = 'public'::regnamespace
                   AND oprleft = 'text'::regtype AND oprright = 'text'::regtype) THEN
    CREATE OPERATOR public.~~~ (
      FUNCTION = public.switchboard_like, LEFTARG = text, RIGHTARG = text,
      RESTRICT = likesel, JOIN = likejoinsel);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_operator
                 WHERE oprname = '~~~*' AND oprnamespace = 'public'::regnamespace
                   AND oprleft = 'text'::regtype AND oprright = 'text'::regtype) THEN
    CREATE OPERATOR public.~~~* (
      FUNCTION = public.switchboard_ilike, LEFTARG = text, RIGHTARG = text,
      RESTRICT = iclikesel, JOIN = iclikejoinsel);
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass AS c
                 JOIN pg_catalog.pg_am AS a ON a.oid = c.opcmethod
                 WHERE c.opcname = 'switchboard_trgm_ops' AND a.amname = 'gin'
                   AND c.opcnamespace = 'public'::regnamespace) THEN
    EXECUTE format(
      'CREATE OPERATOR CLASS public.switchboard_trgm_ops FOR TYPE text USING gin AS
         OPERATOR 3 public.~~~ (text, text),
         OPERATOR 4 public.~~~* (text, text),
         FUNCTION 1 pg_catalog.btint4cmp(int4, int4),
         FUNCTION 2 %1$I.gin_extract_value_trgm(text, internal),
         FUNCTION 3 %1$I.gin_extract_query_trgm(text, internal, int2, internal, internal,
                                                internal, internal),
         FUNCTION 4 %1$I.gin_trgm_consistent(internal, int2, text, int4, internal, internal,
                                             internal, internal),
         FUNCTION 6 %1$I.gin_trgm_triconsistent(internal, int2, text, int4, internal,
                                                internal, internal),
         STORAGE int4',
      trgm_schema);
  END IF;

  -- The indexes lead with organization_id (btree_gin's GIN operator class for uuid) where
  -- btree_gin is available, so one index scan finds an organization's matches and the
  -- planner's estimate is per organization; otherwise trigrams alone.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'btree_gin') THEN
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    -- Digits in the number: phone_number ~~~ '%415%'.
    CREATE INDEX IF NOT EXISTS idx_phone_numbers_phone_number_trgm_leakproof
      ON phone_numbers USING gin (organization_id, phone_number public.switchboard_trgm_ops);
    -- Text in the name, case-insensitively: friendly_name ~~~* '%support%'.
    CREATE INDEX IF NOT EXISTS idx_phone_numbers_friendly_name_trgm_leakproof
      ON phone_numbers USING gin (organization_id, friendly_name public.switchboard_trgm_ops);
  ELSE
    CREATE INDEX IF NOT EXISTS idx_phone_numbers_phone_number_trgm_leakproof
      ON phone_numbers USING gin (phone_number public.switchboard_trgm_ops);
    CREATE INDEX IF NOT EXISTS idx_phone_numbers_friendly_name_trgm_leakproof
      ON phone_numbers USING gin (friendly_name public.switchboard_trgm_ops);
  END IF;
END
$migration$;
