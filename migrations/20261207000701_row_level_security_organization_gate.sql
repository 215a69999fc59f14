-- Every organization policy tests the caller's organizations before any condition of the
-- caller's query (issue #12, item 1).
--
-- Why: PostgreSQL orders a scan's conditions by security level, then by estimated cost per
-- row, and a LEAKPROOF condition cheaper than 10 operators is given the policy's level.
-- The policies' `organization_id = ANY (ARRAY(SELECT …))` is costed as 5 operators (an
-- array parameter is assumed to hold 10 elements, half of them compared), a manager's
-- `phone_number < 'x'` as 1: in a sequential scan the manager's condition ran first, and the
-- InitPlan computing the caller's organizations ran only once some row, of any
-- organization, passed it. EXPLAIN ANALYZE showed it `(never executed)` when no row of any
-- organization matched and `loops=1` otherwise: one bit per statement, enough to find
-- another organization's values by halving ranges. (The IN (SELECT …) of agents and
-- organizations, a hashed SubPlan, was built lazily the same way.) users and
-- user_organizations say `<column> = (SELECT auth.uid())`, which costs 1, but PostgreSQL
-- derives that equality anew and puts it after the caller's conditions: `role_name BETWEEN
-- 'a' AND 'b'` showed whether such a role name exists, `organization_id > '…'` whether such a
-- membership does.
--
-- What this does: each such policy condition becomes
--   <column> = ANY (ARRAY(SELECT …))
--   AND (CASE WHEN ARRAY[<column>] <@ ANY (ARRAY[ARRAY(SELECT …)::switchboard_organization_ids])
--        THEN true END) IS NOT NULL
-- with the same organization list (`SELECT uo.organization_id FROM user_organizations AS uo
-- WHERE uo.user_id = (SELECT auth.uid())`) in both. The rows are the same (the column is
-- NOT NULL and the list holds no NULL, so both conjuncts say "the row's organization is
-- one of the caller's"). The second conjunct is the gate. PostgreSQL costs `x op ANY (a)`
-- as op × (elements of a) × 0.5, and an ARRAY[…] of one element as one element, so the
-- gate costs 0.5 operator: as little as any comparison of the caller's can cost (every
-- built-in leakproof function costs 1; `col < ANY ('{x}')` costs 0.5). The domain
-- switchboard_organization_ids (over uuid[]) is what makes ARRAY[list] an array of one
-- element rather than a two-dimensional array. CASE … IS NOT NULL costs nothing and keeps
-- the planner's row estimate: PostgreSQL estimates `x <@ ANY (…)` alone to keep 0.5 % of
-- the rows, and with that estimate it sorted an organization's 100,000 numbers for a first
-- page instead of reading them in order (156 ms instead of 5). PostgreSQL keeps equal
-- costs in their original order and a policy's conditions come first, so the gate runs
-- before every such
-- comparison, on the first row the scan reads, whatever the row; the conditions that follow
-- it only ever see the caller's own rows. The first conjunct stays for index scans, which
-- take it as their first index condition (20261207000600). users and user_organizations get
-- `<column> = (SELECT auth.uid()) AND <column> = ANY (ARRAY[(SELECT auth.uid())])` (the
-- same rows: auth.uid() is NULL for a role that is no user, and neither conjunct then
-- holds).
--
-- What remains: conditions PostgreSQL costs at 0 (a boolean column, IS [NOT] NULL,
-- IS [NOT] TRUE, and AND/OR/CASE of those) still run before the gate; see
-- docs/POSTGRES.md, "Comparisons under row-level security".
--
-- Tables: phone_numbers (4 policies), phone_numbers_changes, agents (4), organizations,
-- users, user_organizations.
-- Needs the tables' owner; another role is refused with a hint and nothing changes.
-- Re-runnable: the domain is created once, ALTER POLICY.

DO $migration$
DECLARE
  organizations_of_caller CONSTANT TEXT := 'ARRAY(SELECT uo.organization_id '
    'FROM public.user_organizations AS uo WHERE uo.user_id = (SELECT auth.uid()))';
  -- The condition for a table whose organization is in `column`.
  member CONSTANT TEXT := '%1$s = ANY (%2$s) '
    'AND (CASE WHEN ARRAY[%1$s] <@ ANY (ARRAY[%2$s::public.switchboard_organization_ids]) '
    'THEN true END) IS NOT NULL';
  numbers CONSTANT TEXT := format(member, 'organization_id', organizations_of_caller);
  orgs CONSTANT TEXT := format(member, 'id', organizations_of_caller);
  own CONSTANT TEXT := '%1$s = (SELECT auth.uid()) '
    'AND %1$s = ANY (ARRAY[(SELECT auth.uid())])';
  tables CONSTANT TEXT[] := ARRAY['phone_numbers', 'agents'];
  t TEXT;
BEGIN
  IF to_regtype('public.switchboard_organization_ids') IS NULL THEN
    CREATE DOMAIN public.switchboard_organization_ids AS UUID[];
    COMMENT ON DOMAIN public.switchboard_organization_ids IS
      'A list of organization ids as one value: ARRAY[list] is then an array of one element '
      '(see the policies of 20261207000701)';
  END IF;
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
                   'then managers can test other organizations'' values through EXPLAIN '
                   'ANALYZE of a sequential scan.';
END
$migration$;
