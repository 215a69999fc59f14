-- The offline cache of a team workspace (switchboard-sync): where syncing stands, the edits
-- made offline (outbox) and the edits the server refused (conflicts). A workspace that is not
-- a cache leaves these tables empty.

-- Key/value state of the sync: 'cursor_xid' (the team database's snapshot xmin the next
-- incremental read starts from), 'last_synced_at' (microseconds), 'copied' ('1' once the
-- first full copy is complete), 'server', 'role'.
CREATE TABLE sync_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Progress of a full copy, one row per organization, committed with each batch of rows so an
-- interrupted copy resumes after the last committed number (rows stream in E.164 order).
CREATE TABLE sync_copy (
  organization_id TEXT PRIMARY KEY,
  after_number    TEXT,                     -- last number copied
  rows_done       INTEGER NOT NULL DEFAULT 0,
  rows_total      INTEGER NOT NULL DEFAULT 0,
  done            INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Edits made offline, replayed in seq order. At most one entry per number: a later edit of
-- the same number is merged into its entry (keeping the server version it was based on).
-- The row columns hold the number as the edit leaves it (for 'remove': as it was).
CREATE TABLE sync_outbox (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  op                 TEXT NOT NULL CHECK (op IN ('add', 'update', 'remove')),
  base_updated_at    INTEGER,               -- the server's updated_at the edit started from
  queued_at          INTEGER NOT NULL,
  last_error         TEXT,
  id                 TEXT NOT NULL UNIQUE,
  organization_id    TEXT NOT NULL,
  provider           TEXT NOT NULL,
  phone_number       TEXT NOT NULL,
  friendly_name      TEXT,
  credentials        TEXT NOT NULL,
  metadata           TEXT,
  agent_id           TEXT,
  webhook_configured INTEGER,
  webhook_url        TEXT,
  status             TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  last_verified_at   INTEGER
);

-- Edits the server did not take as they were: both versions are kept until the manager
-- chooses ('conflicts resolve ID --keep mine|theirs').
CREATE TABLE sync_conflicts (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  number_id       TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  op              TEXT NOT NULL CHECK (op IN ('add', 'update', 'remove')),
  reason          TEXT NOT NULL,
  base_updated_at INTEGER,
  detected_at     INTEGER NOT NULL
);

-- The two versions of a conflict; a missing side means "removed" there.
CREATE TABLE sync_conflict_rows (
  conflict_id        INTEGER NOT NULL REFERENCES sync_conflicts(id) ON DELETE CASCADE,
  side               TEXT NOT NULL CHECK (side IN ('mine', 'theirs')),
  id                 TEXT NOT NULL,
  organization_id    TEXT NOT NULL,
  provider           TEXT NOT NULL,
  phone_number       TEXT NOT NULL,
  friendly_name      TEXT,
  credentials        TEXT NOT NULL,
  metadata           TEXT,
  agent_id           TEXT,
  webhook_configured INTEGER,
  webhook_url        TEXT,
  status             TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  last_verified_at   INTEGER,
  PRIMARY KEY (conflict_id, side)
);
