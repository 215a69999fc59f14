-- Prerequisites of the phone_numbers table: organizations, the managers who
-- log in to PostgreSQL (users), their memberships, agents, the updated_at
-- trigger function and auth.uid().
--
-- Written to be safe on a database that already has some of these objects
-- (the web platform's): tables are created only if missing, functions are
-- replaced with equivalent definitions. See docs/POSTGRES.md.

CREATE TABLE IF NOT EXISTS organizations (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  slug TEXT NOT NULL UNIQUE
    CONSTRAINT organizations_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- One row per person who manages numbers. role_name is the PostgreSQL login
-- role they connect as; auth.uid() maps session_user to id through it.
CREATE TABLE IF NOT EXISTS users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  role_name TEXT NOT NULL UNIQUE,
  display_name TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- A users table that predates this migration may lack role_name; add it
-- (nullable there: existing web-only users have no PostgreSQL role).
ALTER TABLE users ADD COLUMN IF NOT EXISTS role_name TEXT UNIQUE;

CREATE TABLE IF NOT EXISTS user_organizations (
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, organization_id)
);

-- The primary key serves lookups by user_id; policies also look up by
-- organization_id (ON DELETE CASCADE from organizations does too).
CREATE INDEX IF NOT EXISTS idx_user_organizations_organization_id
  ON user_organizations(organization_id);

CREATE TABLE IF NOT EXISTS agents (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT agents_organization_id_id_key UNIQUE (organization_id, id)
);

-- An agents table that predates this migration may lack the composite key
-- that phone_numbers' same-organization foreign key needs.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_constraint
    WHERE conrelid = 'agents'::regclass AND conname = 'agents_organization_id_id_key'
  ) THEN
    ALTER TABLE agents
      ADD CONSTRAINT agents_organization_id_id_key UNIQUE (organization_id, id);
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at = NOW();
  RETURN NEW;
END;
$$;

-- Keep updated_at current on organizations and agents. Only where the column
-- exists: a table that predates this migration may have none, and the trigger
-- would then make every UPDATE fail.
DO $$
DECLARE
  table_name TEXT;
BEGIN
  FOREACH table_name IN ARRAY ARRAY['organizations', 'agents'] LOOP
    IF EXISTS (
      SELECT 1 FROM pg_catalog.pg_attribute
      WHERE attrelid = table_name::regclass AND attname = 'updated_at' AND NOT attisdropped
    ) THEN
      EXECUTE format(
        'CREATE OR REPLACE TRIGGER %I BEFORE UPDATE ON %I '
        'FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
        'update_' || table_name || '_updated_at', table_name);
    END IF;
  END LOOP;
END
$$;

CREATE SCHEMA IF NOT EXISTS auth;

-- The id of the user who logged in. session_user is the role that
-- authenticated; unlike current_user it does not change with SET ROLE or
-- inside SECURITY DEFINER functions, and only a superuser can change it.
-- No client-settable value (GUCs such as request.jwt.claims) is consulted.
-- SECURITY DEFINER so it can read users whatever the caller may see there.
CREATE OR REPLACE FUNCTION auth.uid()
RETURNS UUID
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT u.id FROM public.users AS u WHERE u.role_name = session_user::text
$$;

COMMENT ON FUNCTION auth.uid() IS
  'users.id of the login role (session_user); NULL when that role is not a user';
