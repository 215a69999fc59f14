-- organizations.slug and users.role_name stay unique, through indexes that a manager's
-- comparisons cannot use (issue #12, item 1).
--
-- Why: their UNIQUE constraints had B-tree indexes leading with the column, and text
-- comparisons are LEAKPROOF, so PostgreSQL took a manager's `slug BETWEEN 'fa' AND 'fb'`
-- (or `role_name BETWEEN …`) as an index condition, before the policy: EXPLAIN ANALYZE's
-- `actual rows` counted other organizations' slugs and other managers' role names in the
-- range, which halving ranges reads out.
--
-- What this does: each such constraint is replaced by a unique index, of the same name, on
-- `(column || '')`. The same values are unique (`x || ''` is `x`; NULL stays NULL, so
-- users without a role stay allowed), a duplicate is refused as before, and the error names
-- the same index. `||` (textcat) is not LEAKPROOF, so a condition that matches that index's
-- expression is not leakproof either and runs after the policy: no comparison of a
-- manager's can become an index condition over every organization. auth.uid() looks its
-- caller up through the new expression, so it still reads one index entry.
--
-- On a database whose tables Switchboard did not create (no such constraint), nothing is
-- changed. Needs the tables' owner; another role is refused with a hint and nothing
-- changes. Re-runnable.

DO $migration$
DECLARE
  keys CONSTANT TEXT[][] := ARRAY[['organizations', 'slug'], ['users', 'role_name']];
  i INT;
  tbl TEXT;
  col TEXT;
  constraint_name TEXT;
BEGIN
  FOR i IN 1 .. array_length(keys, 1) LOOP
    tbl := keys[i][1];
    col := keys[i][2];
    SELECT c.conname INTO constraint_name
      FROM pg_catalog.pg_constraint AS c
      JOIN pg_catalog.pg_attribute AS a
        ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.conrelid = format('public.%I', tbl)::regclass
       AND c.contype = 'u'
       AND array_length(c.conkey, 1) = 1
       AND a.attname = col;
    CONTINUE WHEN constraint_name IS NULL;
    EXECUTE format('ALTER TABLE public.%I DROP CONSTRAINT %I', tbl, constraint_name);
    EXECUTE format('CREATE UNIQUE INDEX %I ON public.%I ((%I || %L))',
                   constraint_name, tbl, col, '');
    EXECUTE format('COMMENT ON INDEX public.%I IS %L', constraint_name,
                   format('%s is unique; the index is on an expression that is not leakproof '
                          'so that comparisons under row-level security cannot use it '
                          '(20261207000800)', col));
  END LOOP;

  -- Only Switchboard's own auth.uid() (the one that maps session_user through role_name).
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc
              WHERE oid = 'auth.uid()'::regprocedure
                AND prosrc LIKE '%u.role_name = session_user::text%') THEN
    CREATE OR REPLACE FUNCTION auth.uid()
    RETURNS UUID
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
      SELECT u.id FROM public.users AS u WHERE (u.role_name || '') = session_user::text
    $$;
  END IF;
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'cannot replace the unique constraints on organizations.slug and '
                    'users.role_name: %', SQLERRM
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Run `switchboard-cli db migrate` as the owner of organizations and users '
                   '(the role that applied the earlier migrations); until then managers can '
                   'count other organizations'' slugs and other managers'' role names '
                   'through EXPLAIN ANALYZE.';
END
$migration$;
