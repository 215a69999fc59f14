-- Indexes and policies that keep PostgreSQL's own comparison operators from reading other
-- organizations' rows (issue #12, item 1).
--
-- Why: `=`, `<`, `>`, `starts_with`, `IS NULL`, `= ANY` on text, uuid, xid8 and timestamps
-- are LEAKPROOF, so the planner may evaluate them before the row-level-security policy,
-- as index conditions of an index that does not start with organization_id. As a manager of
-- A, `EXPLAIN (ANALYZE) SELECT * FROM phone_numbers WHERE phone_number BETWEEN '+1415' AND
-- '+1416'` printed `Bitmap Index Scan on idx_phone_numbers_phone_number (actual rows=1000)`
-- and `Rows Removed by Filter: 1000` for B's numbers: by halving ranges every number of every
-- organization could be read, and with idx_phone_numbers_status / _provider / _agent_id each
-- number's status, provider and agent too. idx_phone_numbers_changes_xid let a manager count
-- other organizations' changes by xid range the same way.
--
-- What this does:
-- - drops the phone_numbers indexes that do not lead with organization_id (provider, status,
--   phone_number, agent_id; the primary key on id stays, see docs/POSTGRES.md) and creates
--   idx_phone_numbers_organization_agent_id (organization_id, agent_id), which serves the
--   same-organization foreign key's ON DELETE SET NULL and an organization's agent's numbers.
--   (organization_id, phone_number) is the UNIQUE constraint's index already.
-- - replaces idx_phone_numbers_changes_xid by (organization_id, xid), which serves the
--   sync's `WHERE xid >= cursor` under the policy.
-- - rewrites the organization condition of the phone_numbers and phone_numbers_changes
--   policies from `organization_id IN (SELECT …)` to `organization_id = ANY (ARRAY(SELECT …))`:
--   the same rows (organization_id is NOT NULL on both sides), but a condition an index
--   scan can carry, so every index path of the planner reads the caller's organizations'
--   entries only and a leakproof condition can no longer reach another organization's row
--   through an index.
--
-- Needs the tables' owner (the role that applied the earlier migrations); another role is
-- refused with a hint and nothing changes. Re-runnable: IF EXISTS, IF NOT EXISTS, ALTER.

DO $migration$
DECLARE
  -- The policies' organization condition: the caller's organizations, as before.
  member CONSTANT TEXT := 'organization_id = ANY (ARRAY('
    'SELECT uo.organization_id FROM public.user_organizations AS uo '
    'WHERE uo.user_id = (SELECT auth.uid())))';
BEGIN
  DROP INDEX IF EXISTS public.idx_phone_numbers_provider;
  DROP INDEX IF EXISTS public.idx_phone_numbers_status;
  DROP INDEX IF EXISTS public.idx_phone_numbers_phone_number;
  DROP INDEX IF EXISTS public.idx_phone_numbers_agent_id;
  CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_agent_id
    ON public.phone_numbers (organization_id, agent_id);

  DROP INDEX IF EXISTS public.idx_phone_numbers_changes_xid;
  CREATE INDEX IF NOT EXISTS idx_phone_numbers_changes_organization_xid
    ON public.phone_numbers_changes (organization_id, xid);

  EXECUTE format('ALTER POLICY phone_numbers_select_policy ON public.phone_numbers '
                 'USING (%s)', member);
  EXECUTE format('ALTER POLICY phone_numbers_insert_policy ON public.phone_numbers '
                 'WITH CHECK (%s)', member);
  EXECUTE format('ALTER POLICY phone_numbers_update_policy ON public.phone_numbers '
                 'USING (%s) WITH CHECK (%s)', member, member);
  EXECUTE format('ALTER POLICY phone_numbers_delete_policy ON public.phone_numbers '
                 'USING (%s)', member);
  EXECUTE format('ALTER POLICY phone_numbers_changes_select_policy ON public.phone_numbers_changes '
                 'USING (%s)', member);
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'cannot replace the phone_numbers indexes and policies: %', SQLERRM
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Run `switchboard-cli db migrate` as the owner of phone_numbers (the role '
                   'that applied the earlier migrations); until then managers can read other '
                   'organizations'' numbers through EXPLAIN ANALYZE.';
END
$migration$;
