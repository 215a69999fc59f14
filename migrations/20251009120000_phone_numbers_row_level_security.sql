-- Row-level security: a manager (a login role mapped to users by auth.uid())
-- reads and writes only the rows of the organizations they belong to.
--
-- Policies are dropped and created again so that rerunning this on a database
-- that already has the design's policies (the web platform's) leaves exactly
-- these. (SELECT auth.uid()) is evaluated once per statement, not per row.

-- phone_numbers: the design's four policies; UPDATE also has WITH CHECK so a
-- row cannot be moved into an organization the manager is not in. (Without
-- one PostgreSQL checks new rows against USING; written out so the rule is
-- visible and survives an edit of USING. An UPDATE without WHERE consults no
-- SELECT policy: this check is all that applies to it.) FORCE makes
-- the table owner subject to the policies too (superusers and BYPASSRLS roles
-- are not).
ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE phone_numbers FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS phone_numbers_select_policy ON phone_numbers;
CREATE POLICY phone_numbers_select_policy ON phone_numbers
  FOR SELECT
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

DROP POLICY IF EXISTS phone_numbers_insert_policy ON phone_numbers;
CREATE POLICY phone_numbers_insert_policy ON phone_numbers
  FOR INSERT
  WITH CHECK (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

DROP POLICY IF EXISTS phone_numbers_update_policy ON phone_numbers;
CREATE POLICY phone_numbers_update_policy ON phone_numbers
  FOR UPDATE
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  )
  WITH CHECK (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

DROP POLICY IF EXISTS phone_numbers_delete_policy ON phone_numbers;
CREATE POLICY phone_numbers_delete_policy ON phone_numbers
  FOR DELETE
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

-- organizations: a member sees the organizations they belong to.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS organizations_select_policy ON organizations;
CREATE POLICY organizations_select_policy ON organizations
  FOR SELECT
  USING (
    id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

-- user_organizations: a user sees their own memberships. Memberships are
-- changed by an administrator (switchboard-cli db grant), never by managers.
ALTER TABLE user_organizations ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS user_organizations_select_policy ON user_organizations;
CREATE POLICY user_organizations_select_policy ON user_organizations
  FOR SELECT
  USING (user_id = (SELECT auth.uid()));

-- users: a user sees their own row (not the role names of other
-- organizations' managers). Not FORCEd: auth.uid() reads users as its owner.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS users_select_policy ON users;
CREATE POLICY users_select_policy ON users
  FOR SELECT
  USING (id = (SELECT auth.uid()));

-- agents: members select, insert, update and delete their organizations'
-- agents; an update cannot move an agent into another organization.
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS agents_select_policy ON agents;
CREATE POLICY agents_select_policy ON agents
  FOR SELECT
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

DROP POLICY IF EXISTS agents_insert_policy ON agents;
CREATE POLICY agents_insert_policy ON agents
  FOR INSERT
  WITH CHECK (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

DROP POLICY IF EXISTS agents_update_policy ON agents;
CREATE POLICY agents_update_policy ON agents
  FOR UPDATE
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  )
  WITH CHECK (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

DROP POLICY IF EXISTS agents_delete_policy ON agents;
CREATE POLICY agents_delete_policy ON agents
  FOR DELETE
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

-- An agent of another organization must not be assignable. Foreign keys
-- ignore RLS, so agent_id REFERENCES agents(id) alone would accept any agent.
--
-- 1. The trigger gives the clear error first:
--      ERROR:  agent <id> does not belong to organization <id>
--    SQLSTATE 23503 (foreign_key_violation), constraint name
--    phone_numbers_agent_same_organization_fkey (the app maps that name).
--    SECURITY DEFINER so it sees the agent whatever the caller may see.
-- 2. The composite foreign key is the guarantee: it also holds under
--    concurrent writes and stops an assigned agent from being moved to
--    another organization. ON DELETE SET NULL (agent_id) needs PostgreSQL 15.
CREATE OR REPLACE FUNCTION check_phone_number_agent_organization()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  agent_organization_id UUID;
BEGIN
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

CREATE OR REPLACE TRIGGER check_phone_numbers_agent_organization
  BEFORE INSERT OR UPDATE OF agent_id, organization_id ON phone_numbers
  FOR EACH ROW
  WHEN (NEW.agent_id IS NOT NULL)
  EXECUTE FUNCTION check_phone_number_agent_organization();

ALTER TABLE phone_numbers
  DROP CONSTRAINT IF EXISTS phone_numbers_agent_same_organization_fkey;
ALTER TABLE phone_numbers
  ADD CONSTRAINT phone_numbers_agent_same_organization_fkey
  FOREIGN KEY (organization_id, agent_id) REFERENCES agents (organization_id, id)
  ON DELETE SET NULL (agent_id);

-- The group role every manager's login role is granted. Roles are
-- cluster-wide: create it only if missing (and tolerate a concurrent
-- creation by another database's migration).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'switchboard_manager') THEN
    CREATE ROLE switchboard_manager NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

GRANT USAGE ON SCHEMA public, auth TO switchboard_manager;
GRANT SELECT, INSERT, UPDATE, DELETE ON phone_numbers, agents TO switchboard_manager;
GRANT SELECT ON organizations, user_organizations, users TO switchboard_manager;
GRANT EXECUTE ON FUNCTION auth.uid() TO switchboard_manager;
