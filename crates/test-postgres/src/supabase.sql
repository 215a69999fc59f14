-- A faithful stand-in for the web platform's database (issue #14): Supabase's roles, its
-- `auth` schema, and the design's tables, migrations and policies as the design writes them
-- (../shared/design/phone_numbers_table.md). Run as a superuser (`supabase_admin`, as on
-- Supabase) on a fresh database whose non-superuser administrator `postgres` already exists.

-- Supabase's API roles. PostgREST logs in as authenticator and, per request, SET LOCAL ROLE
-- to one of the others.
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
GRANT anon, authenticated, service_role TO authenticator;
CREATE ROLE supabase_auth_admin NOLOGIN NOINHERIT CREATEROLE;

ALTER DATABASE postgres OWNER TO postgres;
ALTER SCHEMA public OWNER TO postgres;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

-- Supabase Auth's schema, which belongs to supabase_auth_admin.
CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role, postgres;

SET ROLE supabase_auth_admin;

CREATE TABLE auth.users (
  id UUID PRIMARY KEY,
  email TEXT UNIQUE,
  encrypted_password TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Supabase's own definitions: each reads the claims PostgREST set for the request.
CREATE FUNCTION auth.uid() RETURNS UUID LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE FUNCTION auth.role() RETURNS TEXT LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE FUNCTION auth.jwt() RETURNS JSONB LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

GRANT SELECT, REFERENCES ON auth.users TO postgres;

RESET ROLE;

-- The platform's own tables, made by its migrations, which run as postgres.
SET ROLE postgres;

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;

-- "Ensure the organizations and user_organizations tables exist first" (the design's
-- migration notes).
CREATE TABLE organizations (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE user_organizations (
  user_id UUID NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  role TEXT NOT NULL DEFAULT 'member',
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (user_id, organization_id)
);

CREATE TABLE agents (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = NOW();
  RETURN NEW;
END;
$$;

-- The platform keeps its other tables to their members, as Supabase apps do.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY organizations_member_select ON organizations FOR SELECT
  USING (id IN (SELECT organization_id FROM user_organizations WHERE user_id = auth.uid()));

ALTER TABLE user_organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_organizations_own_select ON user_organizations FOR SELECT
  USING (user_id = auth.uid());

ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY agents_member_all ON agents FOR ALL
  USING (organization_id IN (SELECT organization_id FROM user_organizations
                             WHERE user_id = auth.uid()))
  WITH CHECK (organization_id IN (SELECT organization_id FROM user_organizations
                                  WHERE user_id = auth.uid()));

-- Here Platform::start puts the design's own SQL (its "Schema" and "Row-Level Security"
-- sections, verbatim, from tests/fixtures/web_platform_schema.sql), run as postgres:
-- @DESIGN@

RESET ROLE;
