-- Pruning the change log (20251009130000). Entries are needed only until every client has
-- read past them. An administrator prunes old ones with prune_phone_numbers_changes(keep)
-- (`switchboard-cli db prune-changes --keep-days N`); the horizon records the newest
-- transaction id pruned, so a client whose cursor is at or below it knows it may have missed
-- entries and copies everything again instead of silently keeping deleted rows.

CREATE TABLE IF NOT EXISTS phone_numbers_changes_horizon (
  only_row       BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
  pruned_through XID8 NOT NULL,
  pruned_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

GRANT SELECT ON phone_numbers_changes_horizon TO switchboard_manager;

CREATE OR REPLACE FUNCTION prune_phone_numbers_changes(keep INTERVAL)
RETURNS BIGINT
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  through XID8;
  pruned BIGINT;
BEGIN
  IF keep IS NULL OR keep < INTERVAL '0' THEN
    RAISE EXCEPTION 'keep must be a non-negative interval, not %', keep;
  END IF;
  SELECT max(xid) INTO through
  FROM public.phone_numbers_changes
  WHERE changed_at < now() - keep;
  IF through IS NULL THEN
    RETURN 0;
  END IF;
  -- By transaction id, not time: the horizon then says exactly what may be missing.
  DELETE FROM public.phone_numbers_changes WHERE xid <= through;
  GET DIAGNOSTICS pruned = ROW_COUNT;
  INSERT INTO public.phone_numbers_changes_horizon (only_row, pruned_through)
  VALUES (true, through)
  ON CONFLICT (only_row) DO UPDATE
    SET pruned_through = greatest(phone_numbers_changes_horizon.pruned_through,
                                  excluded.pruned_through),
        pruned_at = now();
  RETURN pruned;
END;
$$;

REVOKE ALL ON FUNCTION prune_phone_numbers_changes(INTERVAL) FROM PUBLIC;

COMMENT ON FUNCTION prune_phone_numbers_changes(INTERVAL) IS
  'Deletes change-log entries older than keep; clients behind the horizon copy everything again';
