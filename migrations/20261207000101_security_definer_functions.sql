-- SECURITY DEFINER functions: only the roles that need one may call it, each pins its
-- search_path with pg_temp last, and the trigger functions run for their own table only
-- (issue #12, item 2).
--
-- Functions are executable by PUBLIC unless revoked. log_phone_numbers_changes() and
-- check_phone_number_agent_organization() were: a manager could attach the first to a
-- temporary table of their own and write change-log entries into any organization (every
-- client of that organization would then download them), and use the second to learn
-- whether an agent id belongs to another organization. A trigger fires whether or not the
-- writer may execute its function (PostgreSQL checks EXECUTE at CREATE TRIGGER, not when the
-- trigger fires), so managers keep writing phone_numbers as before.
--
-- auth.uid() stays executable by PUBLIC: every policy calls it, so any role that queries a
-- protected table must be able to; it tells the caller nothing but their own users.id.
-- phone_number_ids_matching() (20261207000100) is revoked from PUBLIC where it is created.
-- The catalogue test crates/postgres/tests/security_definer.rs checks every SECURITY DEFINER
-- function of the public and auth schemas against this; docs/POSTGRES.md says why.
--
-- pg_temp last: without it in search_path, PostgreSQL looks up relations in the caller's
-- temporary schema first. The bodies qualify every name already; this keeps it so.
--
-- Re-runnable: OR REPLACE keeps the privileges revoked here.

CREATE OR REPLACE FUNCTION log_phone_numbers_changes()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF TG_RELID IS DISTINCT FROM 'public.phone_numbers'::pg_catalog.regclass THEN
    RAISE EXCEPTION 'log_phone_numbers_changes() logs public.phone_numbers only, not %.%',
        TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.phone_numbers_changes (id, organization_id, op)
    SELECT n.id, n.organization_id, 'I' FROM new_rows AS n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO public.phone_numbers_changes (id, organization_id, op)
    SELECT n.id, n.organization_id, 'U' FROM new_rows AS n;
    -- A row moved to another organization disappears from the old one's caches.
    INSERT INTO public.phone_numbers_changes (id, organization_id, op)
    SELECT o.id, o.organization_id, 'D'
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE n.organization_id IS DISTINCT FROM o.organization_id;
  ELSE
    INSERT INTO public.phone_numbers_changes (id, organization_id, op)
    SELECT o.id, o.organization_id, 'D' FROM old_rows AS o;
  END IF;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION check_phone_number_agent_organization()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  agent_organization_id UUID;
BEGIN
  IF TG_RELID IS DISTINCT FROM 'public.phone_numbers'::pg_catalog.regclass THEN
    RAISE EXCEPTION 'check_phone_number_agent_organization() checks public.phone_numbers '
                    'only, not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT a.organization_id INTO agent_organization_id
  FROM public.agents AS a
  WHERE a.id = NEW.agent_id;

  -- A missing agent is reported by the agent_id foreign key.
  IF FOUND AND agent_organization_id IS DISTINCT FROM NEW.organization_id THEN
    RAISE EXCEPTION 'agent % does not belong to organization %',
        NEW.agent_id, NEW.organization_id
      USING ERRCODE = 'foreign_key_violation',
            CONSTRAINT = 'phone_numbers_agent_same_organization_fkey',
            TABLE = 'phone_numbers',
            COLUMN = 'agent_id',
            SCHEMA = 'public',
            HINT = 'Assign an agent of the phone number''s own organization.';
  END IF;
  RETURN NEW;
END;
$$;

REVOKE ALL ON FUNCTION log_phone_numbers_changes() FROM PUBLIC;
REVOKE ALL ON FUNCTION check_phone_number_agent_organization() FROM PUBLIC;

ALTER FUNCTION auth.uid() SET search_path = pg_catalog, public, pg_temp;
