-- The full copy's landing area. A team cache's full copy stages rows here batch by batch
-- (each batch committed with its progress, so a killed copy resumes), then moves the complete
-- copy into phone_numbers in one transaction, building the indexes, search entries and counts
-- in bulk. Until then the cache shows what it showed before the copy.
-- Same columns as phone_numbers (row key included), no indexes, no constraints: the move
-- checks them.
CREATE TABLE sync_stage (
  rowid              INTEGER PRIMARY KEY,
  id                 TEXT NOT NULL,
  org_key            INTEGER NOT NULL,
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
  digits             TEXT NOT NULL,
  search_name        TEXT NOT NULL,
  country            TEXT,
  number_type        TEXT NOT NULL,
  capabilities       INTEGER NOT NULL
);

-- What the staged rows add to number_counts, per organization and facet.
CREATE TABLE sync_stage_counts (
  organization_id TEXT NOT NULL,
  facet           TEXT NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (organization_id, facet)
) WITHOUT ROWID;
