-- The organization policies' gate becomes a constant that PostgreSQL computes when it plans
-- the statement, so not even a condition it costs at 0 can show another organization's rows
-- (issue #12, item 1).
--
-- Why: the gate of 20261207000701 (`(CASE WHEN ARRAY[col] <@ ANY (ARRAY[ARRAY(SELECT …)])
-- THEN true END) IS NOT NULL`) costs 0.5 operator, and PostgreSQL runs the conditions it costs
-- at 0 (a boolean column, IS [NOT] NULL, IS [NOT] TRUE, AND/OR/CASE of those) before it. In a
-- sequential or TID scan the gate's InitPlan then ran only once some row, of any
-- organization, passed such a condition: with `ctid = '(p,n)' AND agent_id IS NULL`,
-- EXPLAIN ANALYZE's `(never executed)` or `loops=1` told whether another organization's
-- number at that place has an agent. Any per-row test of membership needs an operator, so it
-- costs more than 0; what can change is that nothing observable runs before it.
--
-- What this does:
-- - switchboard_planned_organization_ids() and switchboard_planned_user_id() return the
--   caller's organizations and users.id (as auth.uid() and the policies find them). They are
--   declared IMMUTABLE, so PostgreSQL evaluates them once, while planning, and the plan holds
--   their result as a constant.
-- - Each organization policy starts with `(CASE WHEN ARRAY[col] <@ ANY
--   (ARRAY[switchboard_planned_organization_ids()]) THEN true END) IS NOT NULL`, users and
--   user_organizations with `col = ANY (ARRAY[switchboard_planned_user_id()])`: 0.5 operator
--   each, over a constant, listed first, so among the conditions that cost anything it runs
--   first, and it has no InitPlan whose figures could change. Only the caller's own rows pass
--   it to the conditions that follow: the caller's comparisons and the policy's own
--   `col = ANY (ARRAY(SELECT …))`, which stays the rule (it reads the memberships when the
--   statement runs, and index scans take it as their index condition).
-- - A plan kept for reuse (a prepared statement's generic plan) would keep the constant.
--   Statement triggers on user_organizations and users therefore touch both functions
--   (ALTER FUNCTION … COST 1, which changes nothing but invalidates every plan that folded
--   them, in every session), under an advisory lock so concurrent changes queue. A
--   membership granted is seen by the manager's next statement; one revoked is enforced at
--   once by the policy's own condition whatever a plan holds.
-- - The gate of 20261207000701 is no longer needed and goes: the policies keep their cost.
--
-- Needs the tables' owner; another role is refused with a hint and nothing changes.
-- Re-runnable.

DO $migration$
DECLARE
  organizations_of_caller CONSTANT TEXT := 'ARRAY(SELECT uo.organization_id '
    'FROM public.user_organizations AS uo WHERE uo.user_id = (SELECT auth.uid()))';
  member CONSTANT TEXT := '(CASE WHEN ARRAY[%1$s] <@ ANY '
    '(ARRAY[public.switchboard_planned_organization_ids()]) THEN true END) IS NOT NULL '
    'AND %1$s = ANY (%2$s)';
  numbers CONSTANT TEXT := format(member, 'organization_id', organizations_of_caller);
  orgs CONSTANT TEXT := format(member, 'id', organizations_of_caller);
  own CONSTANT TEXT := '%1$s = ANY (ARRAY[public.switchboard_planned_user_id()]) '
    'AND %1$s = (SELECT auth.uid())';
  tables CONSTANT TEXT[] := ARRAY['phone_numbers', 'agents'];
  t TEXT;
BEGIN
  CREATE OR REPLACE FUNCTION public.switchboard_planned_organization_ids()
  RETURNS public.switchboard_organization_ids
  LANGUAGE sql
  IMMUTABLE
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    SELECT ARRAY(SELECT uo.organization_id FROM public.user_organizations AS uo
                 WHERE uo.user_id = auth.uid())::public.switchboard_organization_ids
  $$;
  COMMENT ON FUNCTION public.switchboard_planned_organization_ids() IS
    'The caller''s organizations, computed when a statement is planned (declared IMMUTABLE '
    'on purpose; see migration 20261207000801)';

  CREATE OR REPLACE FUNCTION public.switchboard_planned_user_id()
  RETURNS UUID
  LANGUAGE sql
  IMMUTABLE
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$ SELECT auth.uid() $$;
  COMMENT ON FUNCTION public.switchboard_planned_user_id() IS
    'auth.uid(), computed when a statement is planned (declared IMMUTABLE on purpose; see '
    'migration 20261207000801)';

  CREATE OR REPLACE FUNCTION public.switchboard_replan_policies()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
  BEGIN
    IF TG_RELID NOT IN ('public.user_organizations'::regclass, 'public.users'::regclass) THEN
      RAISE EXCEPTION 'switchboard_replan_policies() runs only for user_organizations and users'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtext('public.switchboard_replan_policies'));
    ALTER FUNCTION public.switchboard_planned_organization_ids() COST 1;
    ALTER FUNCTION public.switchboard_planned_user_id() COST 1;
    RETURN NULL;
  END;
  $$;
  COMMENT ON FUNCTION public.switchboard_replan_policies() IS
    'After a change of memberships or users: invalidates every plan that folded the caller''s '
    'organizations (migration 20261207000801)';

  -- Anyone whose statement reads these tables evaluates the policies (as auth.uid()).
  GRANT EXECUTE ON FUNCTION public.switchboard_planned_organization_ids() TO PUBLIC;
  GRANT EXECUTE ON FUNCTION public.switchboard_planned_user_id() TO PUBLIC;
  REVOKE ALL ON FUNCTION public.switchboard_replan_policies() FROM PUBLIC;

  DROP TRIGGER IF EXISTS switchboard_replan_policies ON public.user_organizations;
  CREATE TRIGGER switchboard_replan_policies
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.user_organizations
    FOR EACH STATEMENT EXECUTE FUNCTION public.switchboard_replan_policies();
  DROP TRIGGER IF EXISTS switchboard_replan_policies ON public.users;
  CREATE TRIGGER switchboard_replan_policies
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.users
    FOR EACH STATEMENT EXECUTE FUNCTION public.switchboard_replan_policies();

  FOREACH t IN ARRAY tables LOOP
    EXECUTE format('ALTER POLICY %1$I ON public.%2$I USING (%3$s)',
                   t || '_select_policy', t, numbers);
    EXECUTE format('ALTER POLICY %1$I ON public.%2$I WITH CHECK (%3$s)',
                   t || '_insert_policy', t, numbers);
    EXECUTE format('ALTER POLICY %1$I ON public.%2$I USING (%3$s) WITH CHECK (%3$s)',
                   t || '_update_policy', t, numbers);
    EXECUTE format('ALTER POLICY %1$I ON public.%2$I USING (%3$s)',
                   t || '_delete_policy', t, numbers);
  END LOOP;
  EXECUTE format('ALTER POLICY phone_numbers_changes_select_policy '
                 'ON public.phone_numbers_changes USING (%s)', numbers);
  EXECUTE format('ALTER POLICY organizations_select_policy ON public.organizations '
                 'USING (%s)', orgs);
  EXECUTE format('ALTER POLICY users_select_policy ON public.users USING (%s)',
                 format(own, 'id'));
  EXECUTE format('ALTER POLICY user_organizations_select_policy ON public.user_organizations '
                 'USING (%s)', format(own, 'user_id'));
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'cannot replace the organization policies: %', SQLERRM
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Run `switchboard-cli db migrate` as the owner of phone_numbers, '
                   'phone_numbers_changes, agents, organizations, users and '
                   'user_organizations (the role that applied the earlier migrations); until '
                   'then managers can test other organizations'' rows for NULLs and booleans '
                   'through EXPLAIN ANALYZE.';
END
$migration$;
