-- A change log of phone_numbers, for the offline caches of managers' clients
-- (switchboard-sync). Deleted rows leave no trace in phone_numbers itself, so
-- triggers record every insert, update and delete here: one entry per row and
-- statement, with the writing transaction's id.
--
-- Why the transaction id (xid8) and not a sequence number or updated_at: both
-- are assigned before the writing transaction commits, so a transaction that
-- commits late can add an entry *behind* a position a client has already read
-- past (docs/POSTGRES.md, "Incremental sync caveats"). A client instead reads
-- every entry whose xid is at or above the xmin of its previous read's snapshot
-- (pg_snapshot_xmin(pg_current_snapshot())): every transaction below that xmin
-- had finished when it read, so nothing below it can appear later. Entries at or
-- above it may be read twice; the client applies the row's current state by id,
-- which is idempotent.
--
-- Re-runnable: IF NOT EXISTS, OR REPLACE, policies dropped and created again.

CREATE TABLE IF NOT EXISTS phone_numbers_changes (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id UUID NOT NULL,                 -- phone_numbers.id (no foreign key: deletions stay)
  organization_id UUID NOT NULL,    -- the organization the row was in (RLS)
  op CHAR(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),
  xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- Clients read WHERE xid >= $cursor.
CREATE INDEX IF NOT EXISTS idx_phone_numbers_changes_xid ON phone_numbers_changes (xid);

-- Statement-level triggers with transition tables: one INSERT … SELECT per
-- statement instead of one per row, so COPY and bulk updates stay fast.
-- SECURITY DEFINER: managers may read the log (below), never write it.
CREATE OR REPLACE FUNCTION log_phone_numbers_changes()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
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

CREATE OR REPLACE TRIGGER log_phone_numbers_inserts
  AFTER INSERT ON phone_numbers
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_phone_numbers_changes();

CREATE OR REPLACE TRIGGER log_phone_numbers_updates
  AFTER UPDATE ON phone_numbers
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_phone_numbers_changes();

CREATE OR REPLACE TRIGGER log_phone_numbers_deletes
  AFTER DELETE ON phone_numbers
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_phone_numbers_changes();

-- A manager sees the entries of their organizations only, as for phone_numbers.
-- Not FORCEd: the trigger function writes as the table's owner.
ALTER TABLE phone_numbers_changes ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS phone_numbers_changes_select_policy ON phone_numbers_changes;
CREATE POLICY phone_numbers_changes_select_policy ON phone_numbers_changes
  FOR SELECT
  USING (
    organization_id IN (
      SELECT organization_id
      FROM user_organizations
      WHERE user_id = (SELECT auth.uid())
    )
  );

GRANT SELECT ON phone_numbers_changes TO switchboard_manager;

COMMENT ON TABLE phone_numbers_changes IS
  'Inserts, updates and deletes of phone_numbers, read by clients for incremental sync by xid';
