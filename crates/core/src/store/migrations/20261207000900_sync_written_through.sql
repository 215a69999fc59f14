-- Rows of a team workspace's cache that a direct edit on the server wrote through (the row
-- the server returned, or its removal) after a sync in progress may have read the server. A
-- sync whose snapshot is older than the mark (`at`, microseconds) leaves such a row as the
-- edit wrote it and sets `refetch`; the next sync reads every `refetch` row again, whatever
-- its change log says, and the marks older than a finished sync's snapshot are dropped.
CREATE TABLE sync_written_through (
  id      TEXT PRIMARY KEY,
  at      INTEGER NOT NULL,
  refetch INTEGER NOT NULL DEFAULT 0 CHECK (refetch IN (0, 1))
) WITHOUT ROWID;
