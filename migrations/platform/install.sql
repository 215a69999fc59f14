-- Switchboard beside the web platform (issue #14), applied by `switchboard-cli db migrate`
-- when it finds the platform's database (an auth.uid() that reads the request's JWT claims
-- and belongs to another role), in one transaction, as the platform's administrator.
--
-- Everything here is Switchboard's own: the schema `switchboard`, the group role
-- `switchboard_manager`, and, on the platform's tables, grants to that role, policies named
-- `switchboard_*` that apply TO that role only, and triggers named `switchboard_*`. Nothing
-- the platform has is replaced, dropped or altered, and no web request (roles anon,
-- authenticated, service_role) evaluates any of it except the change-log triggers, which
-- only append to Switchboard's own table. `db migrate --revert-platform` removes it all
-- (revert.sql). Re-runnable: a second run changes nothing.
--
-- Who a manager is: switchboard.managers ties a login role (session_user, which no client
-- can change) to a platform user (auth.users.id); the platform's memberships
-- (user_organizations) then decide what the manager sees. The platform's own policies have
-- no TO clause, so they apply to managers too, and they trust request.jwt.claims, which a
-- directly connected client can set: the RESTRICTIVE policies below bound every manager to
-- their own memberships whatever claims they set.

DO $install$
DECLARE
  trgm_schema NAME;
  member_orgs CONSTANT TEXT := '%1$s = ANY ((SELECT switchboard.organization_ids())::uuid[])';
  t TEXT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'switchboard_manager') THEN
    CREATE ROLE switchboard_manager NOLOGIN;
  END IF;

  CREATE SCHEMA IF NOT EXISTS switchboard;
  COMMENT ON SCHEMA switchboard IS
    'Switchboard beside the web platform (switchboard-cli db migrate); removed by '
    'switchboard-cli db migrate --revert-platform';
  REVOKE ALL ON SCHEMA switchboard FROM PUBLIC;
  GRANT USAGE ON SCHEMA switchboard TO switchboard_manager;

  -- Managers: a login role, the platform user it works as (NULL once `db revoke` took that
  -- away), and whether `db grant` created the role (revert drops those).
  CREATE TABLE IF NOT EXISTS switchboard.managers (
    role_name TEXT PRIMARY KEY,
    user_id UUID,
    role_created BOOLEAN NOT NULL DEFAULT false,
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now()
  );
  COMMENT ON TABLE switchboard.managers IS
    'Login roles of Switchboard managers and the platform user (auth.users.id) each works as';

  -- The platform user of the login role (session_user); NULL for any other role.
  CREATE OR REPLACE FUNCTION switchboard.uid()
  RETURNS UUID
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT m.user_id FROM switchboard.managers AS m WHERE m.role_name = session_user::text
  $$;

  -- That user's organizations, by the platform's memberships.
  CREATE OR REPLACE FUNCTION switchboard.organization_ids()
  RETURNS UUID[]
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT coalesce(array_agg(uo.organization_id), '{}')
    FROM public.user_organizations AS uo
    WHERE uo.user_id = switchboard.uid()
  $$;

  -- The change log that incremental sync reads, filled for every writer (managers and web
  -- requests alike). Deletions stay: no foreign key.
  CREATE TABLE IF NOT EXISTS switchboard.phone_numbers_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL,
    organization_id UUID NOT NULL,
    op CHAR(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),
    xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
  );
  CREATE INDEX IF NOT EXISTS switchboard_phone_numbers_changes_xid
    ON switchboard.phone_numbers_changes (xid);
  CREATE TABLE IF NOT EXISTS switchboard.phone_numbers_changes_horizon (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    pruned_through XID8 NOT NULL,
    pruned_at TIMESTAMPTZ NOT NULL DEFAULT now()
  );

  CREATE OR REPLACE FUNCTION switchboard.log_phone_numbers_changes()
  RETURNS TRIGGER
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO switchboard.phone_numbers_changes (id, organization_id, op)
      SELECT n.id, n.organization_id, 'I' FROM new_rows AS n;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO switchboard.phone_numbers_changes (id, organization_id, op)
      SELECT n.id, n.organization_id, 'U' FROM new_rows AS n;
      INSERT INTO switchboard.phone_numbers_changes (id, organization_id, op)
      SELECT o.id, o.organization_id, 'D'
      FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
      WHERE n.organization_id IS DISTINCT FROM o.organization_id;
    ELSE
      INSERT INTO switchboard.phone_numbers_changes (id, organization_id, op)
      SELECT o.id, o.organization_id, 'D' FROM old_rows AS o;
    END IF;
    RETURN NULL;
  END;
  $$;

  CREATE OR REPLACE FUNCTION switchboard.prune_phone_numbers_changes(keep INTERVAL)
  RETURNS BIGINT
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    through XID8;
    pruned BIGINT;
  BEGIN
    IF keep IS NULL OR keep < INTERVAL '0' THEN
      RAISE EXCEPTION 'keep must be a non-negative interval, not %', keep;
    END IF;
    SELECT max(xid) INTO through
    FROM switchboard.phone_numbers_changes WHERE changed_at < now() - keep;
    IF through IS NULL THEN
      RETURN 0;
    END IF;
    DELETE FROM switchboard.phone_numbers_changes WHERE xid <= through;
    GET DIAGNOSTICS pruned = ROW_COUNT;
    INSERT INTO switchboard.phone_numbers_changes_horizon (only_row, pruned_through)
    VALUES (true, through)
    ON CONFLICT (only_row) DO UPDATE
      SET pruned_through = greatest(phone_numbers_changes_horizon.pruned_through,
                                    excluded.pruned_through),
          pruned_at = now();
    RETURN pruned;
  END;
  $$;

  CREATE OR REPLACE TRIGGER switchboard_log_inserts
    AFTER INSERT ON public.phone_numbers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION switchboard.log_phone_numbers_changes();
  CREATE OR REPLACE TRIGGER switchboard_log_updates
    AFTER UPDATE ON public.phone_numbers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION switchboard.log_phone_numbers_changes();
  CREATE OR REPLACE TRIGGER switchboard_log_deletes
    AFTER DELETE ON public.phone_numbers
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION switchboard.log_phone_numbers_changes();

  ALTER TABLE switchboard.phone_numbers_changes ENABLE ROW LEVEL SECURITY;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy
                 WHERE polrelid = 'switchboard.phone_numbers_changes'::regclass
                   AND polname = 'switchboard_manager_access') THEN
    EXECUTE format('CREATE POLICY switchboard_manager_access '
                   'ON switchboard.phone_numbers_changes FOR SELECT TO switchboard_manager '
                   'USING (%s)', format(member_orgs, 'organization_id'));
  END IF;

  -- Search: trigram indexes that lead with the organization, read through a function that
  -- reaches only the caller's organizations (as migrations 20261207000100 and ...0700 do on
  -- Switchboard's own database). The extensions go into Switchboard's schema unless the
  -- platform has them already.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE EXTENSION pg_trgm SCHEMA switchboard;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'btree_gin') THEN
    CREATE EXTENSION btree_gin SCHEMA switchboard;
  END IF;
  SELECT n.nspname INTO trgm_schema
  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS switchboard_phone_numbers_number_trgm '
    'ON public.phone_numbers USING gin ((organization_id::text), (phone_number::text) '
    '%I.gin_trgm_ops) WITH (fastupdate = off)', trgm_schema);
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS switchboard_phone_numbers_name_trgm '
    'ON public.phone_numbers USING gin ((organization_id::text), lower(friendly_name::text) '
    '%I.gin_trgm_ops) WITH (fastupdate = off)', trgm_schema);

  CREATE OR REPLACE FUNCTION switchboard.phone_number_ids_matching(
    organization UUID, field TEXT, pattern TEXT)
  RETURNS TABLE (id UUID, phone_number TEXT)
  LANGUAGE plpgsql
  STABLE
  STRICT
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
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
    IF NOT organization = ANY (switchboard.organization_ids()) THEN
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

  -- Nothing of this schema is for anyone but managers (whatever default privileges the
  -- administrator has), and managers only read.
  FOR t IN SELECT 'PUBLIC' UNION ALL SELECT quote_ident(rolname) FROM pg_catalog.pg_roles
           WHERE rolname IN ('anon', 'authenticated', 'service_role') LOOP
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA switchboard FROM %s', t);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA switchboard FROM %s', t);
  END LOOP;
  GRANT SELECT ON switchboard.phone_numbers_changes, switchboard.phone_numbers_changes_horizon
    TO switchboard_manager;
  GRANT EXECUTE ON FUNCTION switchboard.uid(), switchboard.organization_ids(),
    switchboard.phone_number_ids_matching(UUID, TEXT, TEXT) TO switchboard_manager;

  -- The platform's tables: what managers may do, and the policies that bound them.
  GRANT USAGE ON SCHEMA public TO switchboard_manager;
  GRANT SELECT, INSERT, UPDATE, DELETE ON public.phone_numbers, public.agents
    TO switchboard_manager;
  GRANT SELECT ON public.organizations, public.user_organizations TO switchboard_manager;

  FOREACH t IN ARRAY ARRAY['phone_numbers', 'agents', 'organizations', 'user_organizations']
  LOOP
    DECLARE
      rule TEXT := CASE t
        WHEN 'organizations' THEN format(member_orgs, 'id')
        WHEN 'user_organizations' THEN 'user_id = (SELECT switchboard.uid())'
        ELSE format(member_orgs, 'organization_id') END;
      -- A manager assigns only an agent of the number's own organization.
      checked TEXT := CASE t
        WHEN 'phone_numbers' THEN rule || ' AND (agent_id IS NULL OR agent_id IN ('
          'SELECT a.id FROM public.agents AS a '
          'WHERE a.organization_id = phone_numbers.organization_id))'
        ELSE rule END;
      writes BOOLEAN := t IN ('phone_numbers', 'agents');
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy
                     WHERE polrelid = format('public.%I', t)::regclass
                       AND polname = 'switchboard_manager_access') THEN
        EXECUTE format('CREATE POLICY switchboard_manager_access ON public.%I AS PERMISSIVE '
                       'FOR %s TO switchboard_manager USING (%s)%s',
                       t, CASE WHEN writes THEN 'ALL' ELSE 'SELECT' END, rule,
                       CASE WHEN writes THEN format(' WITH CHECK (%s)', checked) ELSE '' END);
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy
                     WHERE polrelid = format('public.%I', t)::regclass
                       AND polname = 'switchboard_manager_bound') THEN
        EXECUTE format('CREATE POLICY switchboard_manager_bound ON public.%I AS RESTRICTIVE '
                       'FOR ALL TO switchboard_manager USING (%s) WITH CHECK (%s)',
                       t, rule, checked);
      END IF;
    END;
  END LOOP;
END
$install$;
