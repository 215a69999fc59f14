-- Rows of the team database that the offline cache could not hold as the server has them
-- (a provider or status this build does not know, a number that is not E.164, credentials that
-- are not a JSON object: not in the cache), or held only after dropping a secret from their
-- credentials (kept = 1). The sync records them instead of stopping, forgets them when the
-- server's row is fixed or deleted, and `sync status` lists them. Never holds a secret's value.
CREATE TABLE sync_skipped (
  number_id       TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  phone_number    TEXT,                     -- as the server holds it
  reason          TEXT NOT NULL,
  kept            INTEGER NOT NULL CHECK (kept IN (0, 1)),
  first_seen      INTEGER NOT NULL,         -- microseconds
  last_seen       INTEGER NOT NULL
) WITHOUT ROWID;
