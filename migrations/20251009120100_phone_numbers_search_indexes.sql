-- Indexes for search and incremental sync.

-- Incremental sync: WHERE organization_id = $1 AND (updated_at, id) > ($2, $3)
-- ORDER BY updated_at, id. (Lookups by (organization_id, phone_number) are
-- already served by the UNIQUE constraint's index.)
CREATE INDEX IF NOT EXISTS idx_phone_numbers_organization_updated_at_id
  ON phone_numbers(organization_id, updated_at, id);

-- Substring search (LIKE/ILIKE '%…%') on the number and the friendly name,
-- with trigram GIN indexes. Only where pg_trgm is available (PostgreSQL
-- contrib; trusted since PostgreSQL 13, so a database owner may create it).
-- The operator class is qualified with the extension's schema, which is not
-- necessarily public (Supabase puts extensions in "extensions").
DO $$
DECLARE
  trgm_schema NAME;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_trgm') THEN
    RAISE NOTICE 'pg_trgm is not available: substring search will scan';
    RETURN;
  END IF;

  CREATE EXTENSION IF NOT EXISTS pg_trgm;

  SELECT n.nspname INTO trgm_schema
  FROM pg_catalog.pg_extension AS e
  JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';

  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS idx_phone_numbers_phone_number_trgm '
    'ON phone_numbers USING gin (phone_number %I.gin_trgm_ops)',
    trgm_schema);
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS idx_phone_numbers_friendly_name_trgm '
    'ON phone_numbers USING gin (lower(friendly_name) %I.gin_trgm_ops)',
    trgm_schema);
END
$$;
